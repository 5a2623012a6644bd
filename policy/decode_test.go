package policy

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadReaderAccepts(t *testing.T) {
	tests := []struct {
		desc      string
		input     string
		wantRefs  []string
		wantNotes int
	}{
		{"multi-document with another kind", docs(cip("a", "example.com"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", ip("ns", "b", "quay.io/x")),
			[]string{"ClusterImagePolicy a", "ImagePolicy ns/b"}, 1},
		{"List kind", "apiVersion: v1\nkind: List\nitems:\n- " + strings.ReplaceAll(strings.TrimSpace(cip("a", "example.com")), "\n", "\n  ") + "\n",
			[]string{"ClusterImagePolicy a"}, 0},
		{"v1alpha1", strings.Replace(ip("ns", "b", "quay.io/x"), "config.openshift.io/v1", "config.openshift.io/v1alpha1", 1),
			[]string{"ImagePolicy ns/b"}, 0},
		{"JSON", `{"apiVersion":"config.openshift.io/v1","kind":"ClusterImagePolicy","metadata":{"name":"j"},"spec":{"scopes":["example.com"],"policy":{"rootOfTrust":{"policyType":"PublicKey","publicKey":{"keyData":"` + testKey + `"}}}}}`,
			[]string{"ClusterImagePolicy j"}, 0},
		{"comments and empty documents", "# header\n---\n" + cip("a", "example.com") + "---\n# trailing\n",
			[]string{"ClusterImagePolicy a"}, 0},
		{"Image other than cluster is skipped", docs(cip("a", "example.com"), "apiVersion: config.openshift.io/v1\nkind: Image\nmetadata: {name: other}\nspec: {}\n"),
			[]string{"ClusterImagePolicy a"}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			set := loadValid(t, tc.input)
			var refs []string
			for _, o := range set.Objects {
				refs = append(refs, string(o.Kind)+" "+o.Ref())
			}
			if strings.Join(refs, ",") != strings.Join(tc.wantRefs, ",") {
				t.Errorf("objects = %v, want %v", refs, tc.wantRefs)
			}
			if len(set.Notes) != tc.wantNotes {
				t.Errorf("notes = %v, want %d", set.Notes, tc.wantNotes)
			}
		})
	}
}

func TestLoadReaderFieldErrors(t *testing.T) {
	tests := []struct {
		desc      string
		input     string
		opts      LoadOptions
		wantField string
		wantMsg   string
	}{
		{"unknown field (strict)", strings.Replace(cip("a", "example.com"), "      policyType", "      FulcioCAWithRekor: {}\n      policyType", 1), LoadOptions{},
			"spec.policy.rootOfTrust.FulcioCAWithRekor", "Forbidden: unknown field"},
		{"unknown top-level field", cip("a", "example.com") + "extra: 1\n", LoadOptions{}, "extra", "unknown field"},
		{"unknown metadata field", strings.Replace(cip("a", "example.com"), "  name: a", "  name: a\n  nmae: b", 1), LoadOptions{},
			"metadata", `unknown field "nmae"`},
		{"case-mismatched metadata field", strings.Replace(cip("a", "example.com"), "  name: a", "  name: a\n  Labels: {x: y}", 1), LoadOptions{},
			"metadata", `unknown field "Labels"`},
		{"wrong type", strings.Replace(cip("a", "example.com"), `scopes: ["example.com"]`, "scopes: example.com", 1), LoadOptions{},
			"spec.scopes", `spec.scopes in body must be of type array: "string"`},
		{"invalid base64", strings.Replace(cip("a", "example.com"), testKey, "not*base64", 1), LoadOptions{},
			"spec.policy.rootOfTrust.publicKey.keyData", "must be of type byte"},
		{"PEM garbage", strings.Replace(cip("a", "example.com"), testKey, "Z2FyYmFnZSBnYXJiYWdlIGdhcmJhZ2UgZ2FyYmFnZSBnYXJiYWdlIGdhcmJhZ2UgZ2FyYmFnZSBnYXJiYWdl", 1), LoadOptions{},
			"spec.policy.rootOfTrust.publicKey.keyData", "the keyData must start with base64 encoding of '-----BEGIN PUBLIC KEY-----'."},
		{"missing name", strings.Replace(cip("a", "example.com"), "  name: a\n", "  labels: {}\n", 1), LoadOptions{},
			"metadata.name", "Required value: name or generateName is required"},
		{"invalid name", cip("Not_A_Name", "example.com"), LoadOptions{}, "metadata.name", "RFC 1123 subdomain"},
		{"ImagePolicy without namespace", strings.Replace(ip("ns", "b", "quay.io/x"), "  namespace: ns\n", "", 1), LoadOptions{},
			"metadata.namespace", "Required value"},
		{"ClusterImagePolicy with namespace", strings.Replace(cip("a", "example.com"), "  name: a\n", "  name: a\n  namespace: ns\n", 1), LoadOptions{},
			"metadata.namespace", "Forbidden: not allowed on this type"},
		{"duplicate scopes", cip("a", "example.com", "example.com"), LoadOptions{}, "spec.scopes[1]", `Duplicate value: "example.com"`},
		{"bad scope", cip("a", "busybox"), LoadOptions{}, "spec.scopes[0]",
			"invalid image scope format, scope must contain a fully qualified domain name or 'localhost'"},
		{"unsupported policyType", strings.Replace(cip("a", "example.com"), "policyType: PublicKey", "policyType: Keyless", 1), LoadOptions{},
			"spec.policy.rootOfTrust.policyType", `Unsupported value: "Keyless": supported values: "PublicKey", "FulcioCAWithRekor", "PKI"`},
		{"duplicate object", docs(cip("a", "example.com"), cip("a", "quay.io")), LoadOptions{}, "metadata.name",
			"is already defined at in.yaml, document 1"},
		{"too many scopes", cip("a", strings.Split(strings.Repeat("example.com/x,", 257), ",")[:257]...), LoadOptions{}, "spec.scopes",
			"Too many: 257: must have at most 256 items"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			set, err := LoadReader("in.yaml", strings.NewReader(tc.input), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			errs := set.Validate()
			for _, e := range errs {
				if e.Field() == tc.wantField && strings.Contains(e.Error(), tc.wantMsg) {
					if !strings.Contains(e.Error(), "in.yaml, document") {
						t.Errorf("error lacks its source: %v", e)
					}
					return
				}
			}
			t.Fatalf("no error on %s containing %q; got %v", tc.wantField, tc.wantMsg, errs)
		})
	}
}

func TestPruneUnknownFields(t *testing.T) {
	in := strings.Replace(cip("a", "example.com"), "      policyType", "      FulcioCAWithRekor: {}\n      policyType", 1)
	set, err := LoadReader("in.yaml", strings.NewReader(in), LoadOptions{PruneUnknownFields: true})
	if err != nil {
		t.Fatal(err)
	}
	if errs := set.Validate(); len(errs) > 0 {
		t.Fatalf("pruned object rejected: %v", errs)
	}
}

func TestLoadReaderInputErrors(t *testing.T) {
	tests := []struct {
		desc    string
		input   string
		wantErr string
	}{
		{"empty file", "", "empty input"},
		{"only comments", "# nothing\n---\n", "empty input"},
		{"broken YAML", "apiVersion: config.openshift.io/v1\nkind: [unclosed\n", "in.yaml, document 1"},
		{"duplicate key", "apiVersion: v1\napiVersion: v2\nkind: X\n", "already set in map"},
		{"scalar document", "just a string\n", "document is a string, not an object"},
		{"no kind", "apiVersion: config.openshift.io/v1\nmetadata: {name: a}\n", `no "apiVersion" or no "kind"`},
		{"unsupported version", strings.Replace(cip("a", "example.com"), "config.openshift.io/v1", "config.openshift.io/v9", 1), `unsupported apiVersion "config.openshift.io/v9"`},
		{"no policy object", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", ErrNoObjects.Error()},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := LoadReader("in.yaml", strings.NewReader(tc.input), LoadOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

func TestLoadPaths(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, content string) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.yaml", cip("a", "example.com"))
	write("sub/deeper/b.yml", ip("ns", "b", "quay.io/b"))
	write("sub/c.json", `{"apiVersion":"config.openshift.io/v1","kind":"ClusterImagePolicy","metadata":{"name":"c"},"spec":{"scopes":["c.example.com"],"policy":{"rootOfTrust":{"policyType":"PublicKey","publicKey":{"keyData":"`+testKey+`"}}}}}`)
	write("sub/ignored.txt", "not a manifest")

	set, err := LoadWithOptions(LoadOptions{Stdin: strings.NewReader(ip("ns2", "d", "quay.io/d"))}, dir, "-")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range set.Objects {
		got = append(got, o.Ref()+"@"+filepath.Base(o.Source.File))
	}
	want := "a@a.yaml,c@c.json,ns/b@b.yml,ns2/d@-"
	if strings.Join(got, ",") != want {
		t.Errorf("objects = %v, want %s", got, want)
	}

	if _, err := Load(filepath.Join(dir, "missing.yaml")); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: err = %v, want ErrNotExist", err)
	}
}
