package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sigpolicy/sigpolicy/lint"
	"github.com/sigpolicy/sigpolicy/policy"
)

// exampleKeyData is the public key of examples/cluster-publickey-rekor.yaml.
func exampleKeyData(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(examples, "cluster-publickey-rekor.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`keyData: (\S+)`).FindStringSubmatch(string(data))
	if m == nil {
		t.Fatal("no keyData in the example")
	}
	return m[1]
}

// policyDoc is a PublicKey policy YAML document; namespace "" makes a
// ClusterImagePolicy; match "" omits signedIdentity.
func policyDoc(key, namespace, name, match string, scopes ...string) string {
	kind, meta := "ClusterImagePolicy", fmt.Sprintf("{name: %q}", name)
	if namespace != "" {
		kind, meta = "ImagePolicy", fmt.Sprintf("{name: %q, namespace: %q}", name, namespace)
	}
	doc := "---\napiVersion: config.openshift.io/v1\nkind: " + kind + "\nmetadata: " + meta + "\nspec:\n  scopes: [\"" + strings.Join(scopes, `", "`) + "\"]\n" +
		"  policy:\n    rootOfTrust:\n      policyType: PublicKey\n      publicKey: {keyData: " + key + "}\n"
	if match != "" {
		doc += "    signedIdentity: {matchPolicy: " + match + "}\n"
	}
	return doc
}

func TestLintCommand(t *testing.T) {
	key := exampleKeyData(t)
	dir := t.TempDir()
	clean := writeFile(t, dir, "clean.yaml", policyDoc(key, "", "org", "MatchRepository", "quay.io/org"))
	hole := writeFile(t, dir, "hole.yaml", policyDoc(key, "", "app", "MatchRepository", "quay.io/org/app")+
		policyDoc(key, "team", "pin", "MatchRepository", "quay.io/org/app:v1"))
	conflict := writeFile(t, dir, "conflict.yaml", policyDoc(key, "", "org", "MatchRepository", "quay.io/org")+
		policyDoc(key, "team", "mixed", "MatchRepository", "quay.io/org/app", "registry.example.com/team"))
	dropped := writeFile(t, dir, "dropped.yaml", policyDoc(key, "", "org", "MatchRepository", "quay.io/org")+
		policyDoc(key, "team", "pin", "MatchRepository", "quay.io/org/app:v1"))
	defaulted := writeFile(t, dir, "defaulted.yaml", policyDoc(key, "", "legacy", "", "quay.io/legacy"))
	shared := writeFile(t, dir, "shared.yaml", policyDoc(key, "", "a", "MatchRepository", "quay.io/org")+
		policyDoc(key, "", "b", "MatchRepository", "quay.io/org")+
		policyDoc(key, "team", "x", "MatchRepository", "registry.example.com/team")+
		policyDoc(key, "team", "z", "MatchRepository", "registry.example.com/team"))
	shadow := writeFile(t, dir, "shadow.yaml", policyDoc(key, "", "broad", "MatchRepository", "quay.io/org")+
		policyDoc(key, "", "narrow", "MatchRepository", "quay.io/org/app")+
		policyDoc(key, "team", "wide", "MatchRepository", "quay.io"))
	invalid := writeFile(t, dir, "invalid.yaml", policyDoc(key, "", "bad", "MatchRepository", "busybox"))
	broken := writeFile(t, dir, "broken.yaml", "kind: [\n")
	// PEM markers around garbage: the API server accepts it, the node cannot load it.
	garbage := writeFile(t, dir, "garbage.yaml", policyDoc("LS0tLS1CRUdJTiBQVUJMSUMgS0VZLS0tLS0KWjJGeVltRm5aU0JuWVhKaVlXZGxJR2RoY21KaFoyVWdaMkZ5WW1GblpRPT0KLS0tLS1FTkQgUFVCTElDIEtFWS0tLS0tCg==",
		"", "garbage", "MatchRepository", "example.com"))
	outsideAllowed := writeFile(t, dir, "allowed.yaml", policyDoc(key, "", "org", "MatchRepository", "quay.io/org")+
		"---\napiVersion: config.openshift.io/v1\nkind: Image\nmetadata: {name: cluster}\nspec:\n  registrySources:\n    allowedRegistries: [registry.example.com]\n")

	runCases(t, []cliCase{
		{"no finding", "", []string{"lint", "-f", clean}, exitOK,
			[]string{"0 error(s), 0 warning(s), 0 info\n"}, nil, []string{"WARNING", "INFO"}},
		{"tag/digest hole", "", []string{"lint", "-f", hole}, exitRejected,
			[]string{`WARNING TagDigestScopeOverridesClusterPolicy: ImagePolicy team/pin scope "quay.io/org/app:v1" names a tag or digest`, "0 error(s), 1 warning(s), 0 info\n"},
			nil, []string{"ScopeShadowsBroaderScope"}},
		{"conflicting scope with the exact condition message", "", []string{"lint", "-f", conflict}, exitRejected,
			[]string{`WARNING ConflictingScopes: ImagePolicy team/mixed: scope(s) ["quay.io/org/app"] are dropped; status condition Pending=False reason ConflictScopes: ` +
				policy.ConflictMessage([]string{"quay.io/org/app"}) + "\n"},
			nil, []string{"has no effect"}},
		{"every scope dropped, a tag scope nested by path", "", []string{"lint", "-f", dropped}, exitRejected,
			[]string{`WARNING ConflictingScopes: ImagePolicy team/pin: scope(s) ["quay.io/org/app:v1"] are dropped; no scope is left, the ImagePolicy has no effect`},
			nil, []string{"TagDigestScopeOverridesClusterPolicy"}},
		{"default signedIdentity is informational", "", []string{"lint", "-f", defaulted}, exitOK,
			[]string{`INFO IdentityRejectsUntaggedSignatures: ClusterImagePolicy legacy omits signedIdentity, so MatchRepoDigestOrExact applies: a signature whose identity names no tag — what plain "cosign sign IMAGE@DIGEST" writes — is never accepted, not even for pulls by digest`},
			nil, []string{"only for pulls by digest"}},
		{"several policies on one scope", "", []string{"lint", "-f", shared}, exitOK,
			[]string{
				`INFO ScopeRequiresAllPolicies: scope "quay.io/org" is named by ClusterImagePolicy a, ClusterImagePolicy b: their requirements are ANDed`,
				`INFO ScopeRequiresAllPolicies: in namespace team, scope "registry.example.com/team" is named by ImagePolicy team/x, ImagePolicy team/z: their requirements are ANDed`,
				"0 error(s), 0 warning(s), 2 info\n",
			}, nil, nil},
		{"nested scopes, cluster and namespace", "", []string{"lint", "-f", shadow}, exitOK,
			[]string{
				`INFO ScopeShadowsBroaderScope: scope "quay.io/org/app" (ClusterImagePolicy narrow) is more specific than scope "quay.io/org" (ClusterImagePolicy broad)`,
				`INFO ScopeShadowsBroaderScope: in namespace team, scope "quay.io/org" (ClusterImagePolicy broad) is more specific than scope "quay.io" (ImagePolicy team/wide)`,
				`INFO ScopeShadowsBroaderScope: in namespace team, scope "quay.io/org/app" (ClusterImagePolicy narrow) is more specific than scope "quay.io" (ImagePolicy team/wide)`,
				"0 error(s), 0 warning(s), 3 info\n",
			}, nil, nil},
		{"invalid object reported as validate does", "", []string{"lint", "-f", invalid}, exitRejected,
			[]string{`ERROR ` + invalid + `, document 1: ClusterImagePolicy bad: spec.scopes[0]: invalid image scope format, scope must contain a fully qualified domain name or 'localhost' (value "busybox")`}, nil, nil},
		{"trust material the node cannot load", "", []string{"lint", "-f", garbage}, exitRejected,
			[]string{"ERROR UnloadableTrustMaterial: " + garbage + ", document 1: ClusterImagePolicy garbage: spec.policy.rootOfTrust.publicKey.keyData: accepted by the API server but unusable on the node",
				"every pull under this policy's scopes is denied", "1 error(s), 0 warning(s), 0 info\n"}, nil, nil},
		{"MCO refuses to render", "", []string{"lint", "-f", outsideAllowed}, exitRejected,
			[]string{"ERROR RenderRefused: the MCO would refuse to render these policies, so none of them reaches the nodes: clusterimagePolicy configured for the scope quay.io/org is not nested inside allowedRegistries"}, nil, nil},
		{"broken YAML", "", []string{"lint", "-f", broken}, exitUsage, nil, nil, nil},
		{"bad output format", "", []string{"lint", "-f", clean, "-o", "yaml"}, exitUsage, nil, nil, nil},
		{"no -f", "", []string{"lint"}, exitUsage, nil, nil, nil},
	})
}

func TestLintJSON(t *testing.T) {
	out, errOut, code := run(t, "", "lint", "-f", examples, "-o", "json")
	if code != exitRejected {
		t.Fatalf("exit code = %d, want %d\n%s", code, exitRejected, errOut)
	}
	var doc struct {
		Findings []lint.Finding `json:"findings"`
		Summary  lint.Summary   `json:"summary"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// The product doc's ImagePolicies all name scopes its ClusterImagePolicies
	// own (3 warnings); its BYOPKI pair is v1alpha1 (2); p1, p2 share a scope,
	// p1 sets MatchRepoDigestOrExact, p2 and mynamespace/p1 are Fulcio (4 info).
	if doc.Summary != (lint.Summary{Warnings: 5, Info: 4}) {
		t.Errorf("summary = %+v", doc.Summary)
	}
	first := doc.Findings[0]
	want := lint.Finding{
		Severity: lint.SeverityWarning, Type: lint.TypeConflictingScopes, Object: "ImagePolicy mynamespace/p0",
		Source: filepath.Join(examples, "imagepolicy-matchrepository.yaml") + ", document 1", Namespace: "mynamespace",
		Condition: policy.ConflictMessage([]string{"example.io/crio/signed"}),
	}
	first.Message = ""
	if first != want {
		t.Errorf("first finding = %+v\nwant %+v", first, want)
	}
}
