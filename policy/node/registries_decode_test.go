package node

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// checkDecodeLikeYAML requires decodeRegistriesFile to give what
// yaml.Unmarshal gives: the same value, or an error with the same text.
func checkDecodeLikeYAML(t *testing.T, doc string) {
	t.Helper()
	var want registriesFile
	wantErr := yaml.Unmarshal([]byte(doc), &want)
	got, gotErr := decodeRegistriesFile([]byte(doc))
	if (wantErr == nil) != (gotErr == nil) || (wantErr != nil && wantErr.Error() != gotErr.Error()) {
		t.Fatalf("error: yaml %v, sigpolicy %v\n%s", wantErr, gotErr, doc)
	}
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("value: yaml %+v, sigpolicy %+v\n%s", want, got, doc)
	}
}

func TestDecodeRegistriesFileLikeYAML(t *testing.T) {
	for _, doc := range []string{
		"",
		"docker:\n  a.example.com:\n    use-sigstore-attachments: true\n  b.example.com/ns:\n    lookaside: https://x\n",
		"default-docker:\n  use-sigstore-attachments: false\ndocker:\n  a: {sigstore: s}\nother: 1\n",
		"docker:\n  a: {use-sigstore-attachments: true}\n  a: {use-sigstore-attachments: false}\n", // duplicate scope
		"docker:\n  a: {use-sigstore-attachments: true, use-sigstore-attachments: false}\n",
		"docker:\n  a: {use-sigstore-attachments: maybe}\n",
		"docker:\n  a:\n",
		"docker:\n",
		"docker: []\n",
		"docker:\n  base: &b {lookaside: x}\n  c: *b\n",
		"docker:\n  <<: {a: {lookaside: x}}\n  b: {lookaside: y}\n",
		"docker:\n  1: {lookaside: x}\n  \"1\": {lookaside: y}\n",
		"docker:\n  ? [a]\n  : {lookaside: x}\n",
		"!!map\ndocker: {a: {lookaside: x}}\n",
		"docker: {a: !custom {lookaside: x}}\n",
		"- a\n- b\n",
		"docker: {a: {lookaside: x}}\n---\ndocker: {b: {lookaside: y}}\n",
		"docker: {a: {lookaside: [x]}}\n",
		"docker: {a: {unknown: 1, lookaside: x}}\n",
		"default-docker: null\n",
		"docker:\n  a: {lookaside: x}\ndocker:\n  b: {lookaside: y}\n",
		"\tdocker: {}\n",
	} {
		t.Run("", func(t *testing.T) { checkDecodeLikeYAML(t, doc) })
	}
}

func FuzzDecodeRegistriesFile(f *testing.F) {
	f.Add("docker:\n  a.example.com:\n    use-sigstore-attachments: true\n")
	f.Add("default-docker: {lookaside: x}\ndocker: {a: {sigstore: s}, a: {}}\n")
	f.Add("docker:\n  base: &b {lookaside: x}\n  c: *b\n")
	f.Fuzz(func(t *testing.T, doc string) { checkDecodeLikeYAML(t, doc) })
}

// registriesDoc is a registries.d file with n docker scopes.
func registriesDoc(n int) []byte {
	var b strings.Builder
	b.WriteString("docker:\n")
	for i := range n {
		fmt.Fprintf(&b, "  registry-%d.example.com/ns:\n    use-sigstore-attachments: true\n", i)
	}
	return []byte(b.String())
}

// BenchmarkParseRegistriesD shows the growth in the number of scopes (10×
// the scopes should cost about 10× the time), beside yaml.Unmarshal into
// the same type — what the library does, quadratic in the scopes.
func BenchmarkParseRegistriesD(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		doc := registriesDoc(n)
		b.Run(fmt.Sprintf("sigpolicy/%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := ParseRegistriesD(map[string][]byte{"r.yaml": doc}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("yaml.Unmarshal/%d", n), func(b *testing.B) {
			for b.Loop() {
				var file registriesFile
				if err := yaml.Unmarshal(doc, &file); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
