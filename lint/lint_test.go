package lint_test

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/sigpolicy/sigpolicy/lint"
	"github.com/sigpolicy/sigpolicy/policy"
	"github.com/sigpolicy/sigpolicy/policy/node"
)

func keyData(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../examples/cluster-publickey-rekor.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`keyData: (\S+)`).FindSubmatch(data)
	if m == nil {
		t.Fatal("no keyData in the example")
	}
	return string(m[1])
}

// doc is a PublicKey policy; namespace "" makes a ClusterImagePolicy and
// match "" omits signedIdentity.
func doc(key, namespace, name, match string, scopes ...string) string {
	kind, meta := "ClusterImagePolicy", fmt.Sprintf("{name: %q}", name)
	if namespace != "" {
		kind, meta = "ImagePolicy", fmt.Sprintf("{name: %q, namespace: %q}", name, namespace)
	}
	out := "---\napiVersion: config.openshift.io/v1\nkind: " + kind + "\nmetadata: " + meta + "\nspec:\n  scopes: [\"" + strings.Join(scopes, `", "`) + "\"]\n" +
		"  policy:\n    rootOfTrust:\n      policyType: PublicKey\n      publicKey: {keyData: " + key + "}\n"
	if match != "" {
		out += "    signedIdentity: {matchPolicy: " + match + "}\n"
	}
	return out
}

// fulcioExample is the product documentation's Fulcio ClusterImagePolicy
// (signedIdentity RemapIdentity).
func fulcioExample(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../examples/cluster-fulcio-remapidentity.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// brief is the part of a finding a case asserts.
type brief struct {
	Severity  lint.Severity
	Type      lint.Type
	Namespace string
	Scope     string
}

func TestRun(t *testing.T) {
	key := keyData(t)
	tests := []struct {
		desc  string
		input string
		want  []brief
	}{
		{"clean", doc(key, "", "org", "MatchRepository", "quay.io/org"), nil},
		{"tag/digest hole", doc(key, "", "app", "MatchRepository", "quay.io/org/app") + doc(key, "team", "pin", "MatchRepository", "quay.io/org/app:v1"),
			[]brief{{lint.SeverityWarning, lint.TypeTagDigestOverride, "team", "quay.io/org/app:v1"}}},
		{"conflict", doc(key, "", "org", "MatchRepository", "quay.io/org") + doc(key, "team", "mixed", "MatchRepository", "quay.io/org/app", "registry.example.com/team"),
			[]brief{{lint.SeverityWarning, lint.TypeConflictingScopes, "team", ""}}},
		{"default identity", doc(key, "", "legacy", "", "quay.io/legacy"),
			[]brief{{lint.SeverityInfo, lint.TypeUntaggedIdentityRefused, "", ""}}},
		{"explicit MatchRepoDigestOrExact", doc(key, "team", "exact", "MatchRepoDigestOrExact", "quay.io/team"),
			[]brief{{lint.SeverityInfo, lint.TypeUntaggedIdentityRefused, "team", ""}}},
		{"v1alpha1 manifest", strings.Replace(doc(key, "", "old", "MatchRepository", "quay.io/old"), "config.openshift.io/v1\n", "config.openshift.io/v1alpha1\n", 1),
			[]brief{{lint.SeverityWarning, lint.TypeV1Alpha1Manifest, "", ""}}},
		{"Fulcio identities", fulcioExample(t),
			[]brief{{lint.SeverityInfo, lint.TypeFulcioEmailOnly, "", ""}}},
		{"shared scope", doc(key, "", "a", "MatchRepository", "quay.io/org") + doc(key, "", "b", "MatchRepository", "quay.io/org"),
			[]brief{{lint.SeverityInfo, lint.TypeScopeRequiresAll, "", "quay.io/org"}}},
		{"shadowed scopes", doc(key, "", "broad", "MatchRepository", "quay.io/org") + doc(key, "", "narrow", "MatchRepository", "quay.io/org/app"),
			[]brief{{lint.SeverityInfo, lint.TypeScopeShadowed, "", "quay.io/org/app"}}},
		{"invalid", doc(key, "", "bad", "MatchRepository", "busybox"),
			[]brief{{lint.SeverityError, lint.TypeInvalid, "", ""}, {lint.SeverityError, lint.TypeInvalid, "", ""}}}, // two scope rules fail
		{"render refused", doc(key, "", "org", "MatchRepository", "quay.io/org") +
			"---\napiVersion: config.openshift.io/v1\nkind: Image\nmetadata: {name: cluster}\nspec:\n  registrySources:\n    allowedRegistries: [registry.example.com]\n",
			[]brief{{lint.SeverityError, lint.TypeRenderRefused, "", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			set, err := policy.LoadReader("input.yaml", strings.NewReader(tt.input), policy.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var got []brief
			for _, f := range lint.Run(set, lint.Options{}) {
				got = append(got, brief{f.Severity, f.Type, f.Namespace, f.Scope})
				if f.Message == "" {
					t.Errorf("finding %s has no message", f.Type)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("findings %+v\nwant %+v", got, tt.want)
			}
			if fails := lint.Summarize(lint.Run(set, lint.Options{})).Fails(); fails != slices.ContainsFunc(tt.want, func(b brief) bool { return b.Severity.Fails() }) {
				t.Errorf("Summary.Fails() = %v", fails)
			}
		})
	}
}

func TestReleasePolicyFindings(t *testing.T) {
	key := keyData(t)
	input := doc(key, "", "openshift-mine", "MatchRepository", "quay.io/mine") +
		doc(key, "", "extra", "MatchRepository", "quay.io/openshift-release-dev/ocp-release")
	set, err := policy.LoadReader("input.yaml", strings.NewReader(input), policy.LoadOptions{IncludeOpenShiftDefault: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []brief
	for _, f := range lint.Run(set, lint.Options{}) {
		if f.Type == lint.TypeReservedName || f.Type == lint.TypeANDedWithRelease {
			got = append(got, brief{f.Severity, f.Type, f.Namespace, f.Scope})
		}
	}
	want := []brief{
		{lint.SeverityWarning, lint.TypeReservedName, "", ""},
		{lint.SeverityWarning, lint.TypeANDedWithRelease, "", "quay.io/openshift-release-dev/ocp-release"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings %+v\nwant %+v", got, want)
	}
}

// TestMirrorWithoutAttachments: the MCO's registries.d covers every mirror
// it writes into registries.conf; a node's registries.conf with another
// mirror is read where no signature is looked for.
func TestMirrorWithoutAttachments(t *testing.T) {
	set, err := policy.Load("../examples")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range lint.Run(set, lint.Options{}) {
		if f.Type == lint.TypeMirrorWithoutAttachments {
			t.Errorf("the rendered configuration leaves a mirror without attachments: %s", f.Message)
		}
	}
	conf, err := node.ParseRegistriesConf(node.ConfFile{Name: "node registries.conf", Data: []byte(
		"[[registry]]\nlocation = \"example.com\"\n[[registry.mirror]]\nlocation = \"elsewhere.example.net/copy\"\n")})
	if err != nil {
		t.Fatal(err)
	}
	var scopes []string
	for _, f := range lint.Run(set, lint.Options{RegistriesConf: conf}) {
		if f.Type == lint.TypeMirrorWithoutAttachments {
			if !strings.Contains(f.Message, "elsewhere.example.net/copy") {
				t.Errorf("message names another location: %s", f.Message)
			}
			scopes = append(scopes, f.Scope)
		}
	}
	if !slices.Contains(scopes, "example.com") {
		t.Errorf("no finding for scope example.com pulled from the unlisted mirror; findings on %q", scopes)
	}
}
