package policy

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

// testKey is base64 PEM public-key data: it satisfies the CRD's marker and
// length rules (the rules do not parse the key).
var testKey = base64.StdEncoding.EncodeToString([]byte("-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEFNLqFhf4fiN6o/glAuYnq2jYUeL0\n-----END PUBLIC KEY-----\n"))

// cip returns a ClusterImagePolicy manifest with a public key root.
func cip(name string, scopes ...string) string {
	return manifest(KindClusterImagePolicy, "  name: "+name+"\n", scopes)
}

// ip returns an ImagePolicy manifest with a public key root.
func ip(namespace, name string, scopes ...string) string {
	return manifest(KindImagePolicy, "  name: "+name+"\n  namespace: "+namespace+"\n", scopes)
}

func manifest(kind Kind, meta string, scopes []string) string {
	return fmt.Sprintf(`apiVersion: config.openshift.io/v1
kind: %s
metadata:
%sspec:
  scopes: [%s]
  policy:
    rootOfTrust:
      policyType: PublicKey
      publicKey:
        keyData: %s
`, kind, meta, quoteList(scopes), testKey)
}

// loadValid loads input and fails the test unless every object is valid.
func loadValid(t *testing.T, input string) *Set {
	t.Helper()
	set, err := LoadReader("in.yaml", strings.NewReader(input), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if errs := set.Validate(); len(errs) > 0 {
		t.Fatalf("unexpected validation errors: %v", errs)
	}
	return set
}

func quoteList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

func docs(manifests ...string) string { return strings.Join(manifests, "---\n") }

// idms returns an ImageDigestMirrorSet manifest; each entry is
// "source=mirror1,mirror2" with an optional "!" suffix on the source for
// NeverContactSource.
func idms(name string, entries ...string) string {
	return mirrorManifest("ImageDigestMirrorSet", "config.openshift.io/v1", "imageDigestMirrors", name, entries)
}

// itms is idms for an ImageTagMirrorSet.
func itms(name string, entries ...string) string {
	return mirrorManifest("ImageTagMirrorSet", "config.openshift.io/v1", "imageTagMirrors", name, entries)
}

// icsp is idms for an ImageContentSourcePolicy (no source policy).
func icsp(name string, entries ...string) string {
	return mirrorManifest("ImageContentSourcePolicy", "operator.openshift.io/v1alpha1", "repositoryDigestMirrors", name, entries)
}

func mirrorManifest(kind, apiVersion, listField, name string, entries []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: %s\nkind: %s\nmetadata:\n  name: %s\nspec:\n  %s:\n", apiVersion, kind, name, listField)
	for _, e := range entries {
		source, mirrors, _ := strings.Cut(e, "=")
		policy := ""
		if s, ok := strings.CutSuffix(source, "!"); ok {
			source, policy = s, "    mirrorSourcePolicy: NeverContactSource\n"
		}
		fmt.Fprintf(&b, "  - source: %q\n    mirrors: [%s]\n%s", source, quoteList(strings.Split(mirrors, ",")), policy)
	}
	return b.String()
}
