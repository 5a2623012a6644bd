package simulate_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	configv1 "github.com/openshift/api/config/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/sigpolicy/sigpolicy/cluster"
	"github.com/sigpolicy/sigpolicy/fetch"
	"github.com/sigpolicy/sigpolicy/fixtures"
	"github.com/sigpolicy/sigpolicy/policy"
	"github.com/sigpolicy/sigpolicy/policy/node"
	"github.com/sigpolicy/sigpolicy/simulate"
	"github.com/sigpolicy/sigpolicy/verify"
)

// fixtureCase is a catalogue scenario pulled under one of its policies.
type fixtureCase struct {
	scenario string
	match    configv1.IdentityMatchPolicy
	ref      string
	verdict  fixtures.Verdict
	spec     configv1.ClusterImagePolicySpec
}

// pick finds the tagged entry of scenario and its expectation under match.
func pick(t *testing.T, cat *fixtures.Catalogue, scenario string, match configv1.IdentityMatchPolicy) fixtureCase {
	t.Helper()
	for _, e := range cat.Entries {
		if e.Scenario != scenario || strings.Contains(e.Reference, "@") {
			continue
		}
		for _, x := range e.Expect {
			if x.MatchPolicy == match {
				return fixtureCase{scenario, match, e.Reference, x.Verdict, cat.Policies[x.Policy].Spec}
			}
		}
	}
	t.Fatalf("no tagged entry for %s under %s", scenario, match)
	return fixtureCase{}
}

func writeYAML(t *testing.T, path string, obj any) {
	t.Helper()
	data, err := yaml.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func clusterPolicy(name string, spec configv1.ClusterImagePolicySpec, scopes ...string) *configv1.ClusterImagePolicy {
	if len(scopes) > 0 {
		spec.Scopes = nil
		for _, s := range scopes {
			spec.Scopes = append(spec.Scopes, configv1.ImageScope(s))
		}
	}
	return &configv1.ClusterImagePolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "config.openshift.io/v1", Kind: "ClusterImagePolicy"},
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       spec,
	}
}

// TestRunAgreesWithCatalogue simulates workloads in three namespaces on the
// embedded fixture registry: the verdicts must be the catalogue's, the
// namespace with an ImagePolicy must be decided under its own file (where
// the MCO's tag/digest hole lets it override the cluster policy), and every
// distinct image must be decided once per policy file.
func TestRunAgreesWithCatalogue(t *testing.T) {
	srv, err := fixtures.Serve(t.Context(), fixtures.Options{Scenarios: []string{"key-tagged", "key-untagged", "key-unknown"}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cat := srv.Catalogue()
	tagged := pick(t, cat, "key-tagged", configv1.IdentityMatchPolicyMatchRepoDigestOrExact)
	untagged := pick(t, cat, "key-untagged", configv1.IdentityMatchPolicyMatchRepoDigestOrExact)
	untaggedRepo := pick(t, cat, "key-untagged", configv1.IdentityMatchPolicyMatchRepository)
	unknown := pick(t, cat, "key-unknown", configv1.IdentityMatchPolicyMatchRepository)
	if tagged.verdict != fixtures.Allow || untagged.verdict != fixtures.Deny || untaggedRepo.verdict != fixtures.Allow || unknown.verdict != fixtures.Deny {
		t.Fatalf("catalogue changed: verdicts %s %s %s %s", tagged.verdict, untagged.verdict, untaggedRepo.verdict, unknown.verdict)
	}

	dir := t.TempDir()
	writeYAML(t, filepath.Join(dir, "tagged.yaml"), clusterPolicy("tagged", tagged.spec))
	writeYAML(t, filepath.Join(dir, "untagged.yaml"), clusterPolicy("untagged", untagged.spec))
	writeYAML(t, filepath.Join(dir, "unknown.yaml"), clusterPolicy("unknown", unknown.spec))
	// A closed loopback port: the pull cannot be decided.
	writeYAML(t, filepath.Join(dir, "unreachable.yaml"), clusterPolicy("unreachable", tagged.spec, "localhost:1"))
	// In namespace team, a tag scope the MCO does not see as nested inside
	// the cluster's repository scope accepts cosign-style identities.
	writeYAML(t, filepath.Join(dir, "team.yaml"), &configv1.ImagePolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "config.openshift.io/v1", Kind: "ImagePolicy"},
		ObjectMeta: metav1.ObjectMeta{Name: "cosign", Namespace: "team"},
		Spec:       configv1.ImagePolicySpec{Scopes: []configv1.ImageScope{configv1.ImageScope(untagged.ref)}, Policy: untaggedRepo.spec.Policy},
	})

	manifests := `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      initContainers: [{name: init, image: "` + tagged.ref + `"}]
      containers:
      - {name: app, image: "` + tagged.ref + `"}
      - {name: cosigned, image: "` + untagged.ref + `"}
      - {name: forged, image: "` + unknown.ref + `"}
      - {name: unscoped, image: "quay.io/unscoped/app:1"}
      - {name: offline, image: "localhost:1/app:1"}
      - {name: broken, image: "Not/A/Reference"}
---
apiVersion: v1
kind: Pod
metadata: {name: job, namespace: team}
spec:
  containers:
  - {name: cosigned, image: "` + untagged.ref + `"}
  - {name: app, image: "` + tagged.ref + `"}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: other}
spec: {jobTemplate: {spec: {template: {spec: {containers: [{name: c, image: "` + untagged.ref + `"}]}}}}}
`
	inv, err := simulate.ReadWorkloads("workloads.yaml", strings.NewReader(manifests), simulate.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// No retries: the closed port is refused at once.
	fetcher, err := fetch.New(fetch.WithRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	// One slot makes every policy file wait for the other's; eight run both at once.
	for _, concurrency := range []int{1, 8} {
		t.Run(fmt.Sprintf("concurrency %d", concurrency), func(t *testing.T) {
			compiled, err := cluster.Load(cluster.Source{Objects: []string{dir}})
			if err != nil {
				t.Fatal(err)
			}
			report, err := simulate.Run(t.Context(), compiled, inv, simulate.Options{Fetcher: fetcher, Concurrency: concurrency, Timeout: 20 * time.Second})
			if err != nil {
				t.Fatal(err)
			}

			var table strings.Builder
			if err := simulate.WriteTable(&table, report); err != nil {
				t.Fatal(err)
			}
			t.Log("\n" + table.String())

			outcome := func(v fixtures.Verdict) verify.Outcome {
				if v == fixtures.Allow {
					return verify.OutcomeAllowed
				}
				return verify.OutcomeDenied
			}
			type key struct{ ns, workload, container string }
			want := map[key]verify.Outcome{
				{"default", "Deployment/web", "init"}:     outcome(tagged.verdict),
				{"default", "Deployment/web", "app"}:      outcome(tagged.verdict),
				{"default", "Deployment/web", "cosigned"}: outcome(untagged.verdict),
				{"default", "Deployment/web", "forged"}:   outcome(unknown.verdict),
				{"default", "Deployment/web", "unscoped"}: verify.OutcomeAllowed,
				{"default", "Deployment/web", "offline"}:  verify.OutcomeUndecided,
				{"default", "Deployment/web", "broken"}:   simulate.OutcomeError,
				{"team", "Pod/job", "cosigned"}:           outcome(untaggedRepo.verdict),
				{"team", "Pod/job", "app"}:                outcome(tagged.verdict),
				{"other", "CronJob/nightly", "c"}:         outcome(untagged.verdict),
			}
			got := map[key]verify.Outcome{}
			var namespaces []string
			for _, ns := range report.Namespaces {
				namespaces = append(namespaces, ns.Namespace)
				for _, p := range ns.Pulls {
					got[key{ns.Namespace, p.Workload.Ref(), p.Name}] = p.Outcome
					if p.Outcome != verify.OutcomeAllowed && p.Reason == "" {
						t.Errorf("%s %s: %s without a reason", ns.Namespace, p.Name, p.Outcome)
					}
				}
			}
			for k, w := range want {
				if got[k] != w {
					t.Errorf("%v: outcome %q, want %q", k, got[k], w)
				}
			}
			if len(got) != len(want) {
				t.Errorf("%d pulls, want %d", len(got), len(want))
			}
			if strings.Join(namespaces, ",") != "default,other,team" {
				t.Errorf("namespaces %v, want default, other, team", namespaces)
			}

			files := map[string]string{}
			for _, ns := range report.Namespaces {
				files[ns.Namespace] = ns.PolicyFile
				switch ns.Namespace {
				case "team":
					if len(ns.Findings) != 1 || ns.Findings[0].Type != policy.FindingTagDigestOverride || ns.Findings[0].Scope != untagged.ref {
						t.Errorf("team findings = %+v, want the tag/digest override of %s", ns.Findings, untagged.ref)
					}
				default:
					if len(ns.Findings) != 0 {
						t.Errorf("%s findings = %+v, want none", ns.Namespace, ns.Findings)
					}
				}
			}
			if !strings.Contains(files["team"], "etc/crio/policies/team.json") || !strings.Contains(files["default"], "etc/containers/policy.json") || files["other"] != files["default"] {
				t.Errorf("policy files = %v", files)
			}

			// Cluster file: tagged, untagged, unknown, unscoped, offline, broken;
			// team file: untagged, tagged.
			wantSummary := simulate.Summary{Pulls: 10, Allowed: 5, Denied: 3, Undecided: 1, Invalid: 1, Decisions: 8}
			if report.Summary != wantSummary {
				t.Errorf("summary = %+v, want %+v", report.Summary, wantSummary)
			}
		})
	}
}

func TestRunRejectsBadOptions(t *testing.T) {
	inv, err := simulate.ReadWorkloads("w.yaml", strings.NewReader("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: nginx}]}\n"), simulate.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	compiled, err := cluster.Load(cluster.Source{Objects: []string{"../examples"}})
	if err != nil {
		t.Fatal(err)
	}
	other, err := node.ParseRegistriesConf(node.ConfFile{Name: "other.conf", Data: []byte("[[registry]]\nlocation = \"example.com\"\nblocked = true\n")})
	if err != nil {
		t.Fatal(err)
	}
	otherFetcher, err := fetch.New(fetch.WithRegistriesConf(other))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		desc string
		opts simulate.Options
		want string
	}{
		{"negative concurrency", simulate.Options{Concurrency: -1}, "concurrency"},
		{"fetcher following another registries.conf", simulate.Options{Fetcher: otherFetcher}, "other.conf"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			_, err := simulate.Run(t.Context(), compiled, inv, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
