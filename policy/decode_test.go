package policy

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
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
		{"Image other than cluster is noted", docs(cip("a", "example.com"), "apiVersion: config.openshift.io/v1\nkind: Image\nmetadata: {name: other}\nspec: {}\n"),
			[]string{"ClusterImagePolicy a"}, 1},
		{"kinds the MCO does not read are noted", docs(cip("a", "example.com"), "apiVersion: config.openshift.io/v1\nkind: ImageContentPolicy\nmetadata: {name: x}\nspec: {}\n",
			"apiVersion: image.openshift.io/v1\nkind: Image\nmetadata: {name: sha256:0}\n"), []string{"ClusterImagePolicy a"}, 2},
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
				if e.Field() == tc.wantField && strings.Contains(e.Err.Error(), tc.wantMsg) {
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
		{"ImageContentSourcePolicy is only v1alpha1", strings.Replace(icsp("a", "r.example.org=m.example.net"), "v1alpha1", "v1", 1),
			`unsupported apiVersion "operator.openshift.io/v1" for kind ImageContentSourcePolicy`},
		{"ClusterImagePolicy in another group", strings.Replace(cip("a", "example.com"), "config.openshift.io/v1", "operator.openshift.io/v1", 1),
			`apiVersion "operator.openshift.io/v1" is not in group config.openshift.io of kind ClusterImagePolicy`},
		{"ImageContentSourcePolicy in another group", docs(cip("a", "example.com"), strings.Replace(icsp("a", "r.example.org=m.example.net"), "operator.openshift.io", "config.openshift.io", 1)),
			`apiVersion "config.openshift.io/v1alpha1" is not in group operator.openshift.io of kind ImageContentSourcePolicy`},
		{"ImageDigestMirrorSet in another group", docs(cip("a", "example.com"), "apiVersion: operator.openshift.io/v1\nkind: ImageDigestMirrorSet\nmetadata: {name: x}\nspec: {}\n"),
			`is not in group config.openshift.io of kind ImageDigestMirrorSet`},
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

func TestLoadMirrorSetsAndImages(t *testing.T) {
	// As "oc get ... -o yaml" prints them: a List, server-set metadata and status.
	list := `apiVersion: v1
kind: List
metadata: {resourceVersion: ""}
items:
- apiVersion: config.openshift.io/v1
  kind: ImageDigestMirrorSet
  metadata:
    name: release
    uid: 7d1c3a52-5d1f-4d52-9c1e-0f3c59c8e0a1
    resourceVersion: "4711"
    generation: 1
    creationTimestamp: "2026-01-02T03:04:05Z"
    managedFields: [{manager: oc, operation: Update, apiVersion: config.openshift.io/v1}]
  spec:
    imageDigestMirrors:
    - source: quay.io/openshift-release-dev/ocp-release
      mirrors: [mirror.example.net:8443/ocp/release]
      mirrorSourcePolicy: NeverContactSource
  status: {}
- apiVersion: config.openshift.io/v1
  kind: Image
  metadata: {name: cluster}
  spec:
    registrySources:
      insecureRegistries: [insecure.example.net]
      containerRuntimeSearchRegistries: [registry.example.net]
  status:
    internalRegistryHostname: image-registry.openshift-image-registry.svc:5000
`
	set := loadValid(t, docs(list, itms("tags", "registry.example.net/ubi=mirror.example.net:8443/ubi"),
		icsp("legacy", "registry.example.org=mirror.example.net:8443/org"), cip("a", "quay.io/openshift-release-dev")))
	if len(set.Objects) != 1 || len(set.MirrorSets) != 3 || len(set.Images) != 1 || set.ImageConfig != set.Images[0] {
		t.Fatalf("objects %d, mirror sets %d, images %d, image config %v", len(set.Objects), len(set.MirrorSets), len(set.Images), set.ImageConfig)
	}
	d := set.MirrorSets[0].ImageDigestMirrorSet().Spec.ImageDigestMirrors
	if len(d) != 1 || d[0].Source != "quay.io/openshift-release-dev/ocp-release" || d[0].MirrorSourcePolicy != "NeverContactSource" ||
		len(d[0].Mirrors) != 1 || d[0].Mirrors[0] != "mirror.example.net:8443/ocp/release" {
		t.Errorf("IDMS spec = %+v", d)
	}
	if tm := set.MirrorSets[1].TagMirrors; len(tm) != 1 || tm[0].Source != "registry.example.net/ubi" {
		t.Errorf("ITMS spec = %+v", tm)
	}
	if r := set.MirrorSets[2].RepositoryDigestMirrors; len(r) != 1 || r[0].Mirrors[0] != "mirror.example.net:8443/org" {
		t.Errorf("ICSP spec = %+v", r)
	}
	rs := set.ImageConfig.Image.Spec.RegistrySources
	if len(rs.InsecureRegistries) != 1 || len(rs.ContainerRuntimeSearchRegistries) != 1 || rs.BlockedRegistries != nil {
		t.Errorf("registry sources = %+v", rs)
	}
	if set.ImageConfig.Image.Status.InternalRegistryHostname != "" {
		t.Error("status decoded: the API server drops it on create")
	}
}

func TestLoadMustGatherTree(t *testing.T) {
	dir := t.TempDir()
	for rel, content := range map[string]string{
		"cluster-scoped-resources/config.openshift.io/imagedigestmirrorsets/release.yaml":  idms("release", "quay.io/openshift-release-dev=mirror.example.net/ocp"),
		"cluster-scoped-resources/config.openshift.io/images.yaml":                         "apiVersion: config.openshift.io/v1\nkind: ImageList\nitems:\n- apiVersion: config.openshift.io/v1\n  kind: Image\n  metadata: {name: cluster}\n  spec: {}\n",
		"cluster-scoped-resources/config.openshift.io/clusterimagepolicies/openshift.yaml": cip("openshift", "quay.io/openshift-release-dev/ocp-release"),
		"cluster-scoped-resources/core/nodes/worker-0.yaml":                                "apiVersion: v1\nkind: Node\nmetadata: {name: worker-0}\n",
		"timestamp": "2026-01-02 03:04:05",
	} {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	set, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if errs := set.Validate(); len(errs) > 0 || len(set.Objects) != 1 || len(set.MirrorSets) != 1 || set.ImageConfig == nil || len(set.Notes) != 1 {
		t.Fatalf("errors %v, objects %d, mirror sets %d, image config %v, notes %v", errs, len(set.Objects), len(set.MirrorSets), set.ImageConfig, set.Notes)
	}
}

func TestMirrorSetAndImageFieldErrors(t *testing.T) {
	const (
		sourceRE = `^\*(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))+$|^((?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))+)?(?::[0-9]+)?)(?:(?:/[a-z0-9]+(?:(?:(?:[._]|__|[-]*)[a-z0-9]+)+)?)+)?$`
		mirrorRE = `^((?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))+)?(?::[0-9]+)?)(?:(?:/[a-z0-9]+(?:(?:(?:[._]|__|[-]*)[a-z0-9]+)+)?)+)?$`
	)
	image := func(spec string) string {
		return "apiVersion: config.openshift.io/v1\nkind: Image\nmetadata: {name: cluster}\nspec:\n" + spec
	}
	tests := []struct {
		desc, input, wantField, wantMsg string
	}{
		{"source with a tag", idms("a", "quay.io/ns/repo:v1=mirror.example.net/repo"), "spec.imageDigestMirrors[0].source",
			`Invalid value: "quay.io/ns/repo:v1": spec.imageDigestMirrors[0].source in body should match '` + sourceRE + `'`},
		{"wildcard mirror", itms("a", "quay.io/ns=*.example.net"), "spec.imageTagMirrors[0].mirrors[0]",
			`Invalid value: "*.example.net": spec.imageTagMirrors[0].mirrors[0] in body should match '` + mirrorRE + `'`},
		{"duplicate mirror", idms("a", "quay.io/ns=m.example.net,m.example.net"), "spec.imageDigestMirrors[0].mirrors[1]", `Duplicate value: "m.example.net"`},
		{"unknown source policy", strings.Replace(idms("a", "quay.io/ns!=m.example.net"), "NeverContactSource", "Never", 1), "spec.imageDigestMirrors[0].mirrorSourcePolicy",
			`Unsupported value: "Never": supported values: "NeverContactSource", "AllowContactingSource"`},
		{"missing source", "apiVersion: config.openshift.io/v1\nkind: ImageDigestMirrorSet\nmetadata: {name: a}\nspec:\n  imageDigestMirrors:\n  - mirrors: [m.example.net]\n",
			"spec.imageDigestMirrors[0].source", "Required value"},
		{"missing spec", "apiVersion: config.openshift.io/v1\nkind: ImageTagMirrorSet\nmetadata: {name: a}\n", "spec", "Required value"},
		{"namespace on a cluster-scoped kind", strings.Replace(icsp("a", "r.example.org=m.example.net"), "  name: a\n", "  name: a\n  namespace: x\n", 1),
			"metadata.namespace", "Forbidden: not allowed on this type"},
		{"unknown field", strings.Replace(idms("a", "quay.io/ns=m.example.net"), "    mirrors:", "    mirror: [x]\n    mirrors:", 1),
			"spec.imageDigestMirrors[0].mirror", "Forbidden: unknown field"},
		{"duplicate object", docs(itms("a", "quay.io/ns=m.example.net"), itms("a", "quay.io/ns=n.example.net")), "metadata.name",
			"the same ImageTagMirrorSet is already defined at in.yaml, document 1"},
		{"ICSP mirrors of the wrong type", "apiVersion: operator.openshift.io/v1alpha1\nkind: ImageContentSourcePolicy\nmetadata: {name: a}\nspec:\n  repositoryDigestMirrors:\n  - source: r.example.org\n    mirrors: m.example.net\n",
			"spec.repositoryDigestMirrors[0].mirrors", `spec.repositoryDigestMirrors[0].mirrors in body must be of type array: "string"`},
		{"allowed and blocked", image("  registrySources:\n    allowedRegistries: [a.example.com]\n    blockedRegistries: [b.example.com]\n"),
			"spec.registrySources", `Invalid value: "object": Only one of blockedRegistries or allowedRegistries may be set`},
		{"tagged insecure registry", image("  registrySources:\n    insecureRegistries: [\"a.example.com/x:v1\"]\n"), "spec.registrySources.insecureRegistries[0]",
			`Invalid value: "string": each registry must be a valid hostname[:port][/path] or wildcard *.hostname format without tags or digests`},
		{"empty search registries", image("  registrySources:\n    containerRuntimeSearchRegistries: []\n"), "spec.registrySources.containerRuntimeSearchRegistries",
			"spec.registrySources.containerRuntimeSearchRegistries in body should have at least 1 items"},
		{"duplicate search registry", image("  registrySources:\n    containerRuntimeSearchRegistries: [a.example.com, a.example.com]\n"),
			"spec.registrySources.containerRuntimeSearchRegistries[1]", `Duplicate value: "a.example.com"`},
		{"boolean of the wrong type", image("  allowedRegistriesForImport:\n  - {domainName: a.example.com, insecure: \"yes\"}\n"),
			"spec.allowedRegistriesForImport[0].insecure", `in body must be of type boolean: "string"`},
		{"duplicate cluster image configuration", docs(image("  registrySources: {}\n"), image("  registrySources: {}\n")), "metadata.name",
			"the same Image is already defined at in.yaml, document 1"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			set, err := LoadReader("in.yaml", strings.NewReader(tc.input), LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			errs := set.Validate()
			for _, e := range errs {
				if e.Field() == tc.wantField && strings.Contains(e.Err.Error(), tc.wantMsg) {
					return
				}
			}
			t.Fatalf("no error on %s containing %q; got %v", tc.wantField, tc.wantMsg, errs)
		})
	}
}

func TestImageOtherThanClusterIsValidatedNotUsed(t *testing.T) {
	set, err := LoadReader("in.yaml", strings.NewReader(docs(cip("a", "example.com"),
		"apiVersion: config.openshift.io/v1\nkind: Image\nmetadata: {name: other}\nspec: {registrySources: {insecureRegistries: [\"\"]}}\n")), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if set.ImageConfig != nil || len(set.Images) != 1 || len(set.Notes) != 1 || !strings.Contains(set.Notes[0].Message, `reads only the Image named "cluster"`) {
		t.Fatalf("image config %v, images %d, notes %v", set.ImageConfig, len(set.Images), set.Notes)
	}
	if errs := set.Validate(); len(errs) == 0 || errs[0].Field() != "spec.registrySources.insecureRegistries[0]" {
		t.Errorf("errors = %v, want the invalid entry of the unused Image", errs)
	}
}

// TestFieldErrorMessages: validation errors read as kubectl users read
// them — object, field path, the rule's words and the value that broke it —
// while Err keeps the API server's exact text.
func TestFieldErrorMessages(t *testing.T) {
	doc := "apiVersion: config.openshift.io/v1\nkind: ClusterImagePolicy\nmetadata: {name: bad}\nspec:\n  scopes: [busybox]\n  policy:\n    rootOfTrust:\n      policyType: PublicKey\n      publicKey: {keyData: Zm9vIGJhcg==}\n"
	set, err := LoadReader("in.yaml", strings.NewReader(doc), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range set.Validate() {
		if e.RulesSkipped() {
			continue
		}
		got = append(got, e.Error())
		if strings.Contains(e.Error(), `Invalid value: "string"`) {
			t.Errorf("the API server's type placeholder reached the message: %s", e)
		}
	}
	for _, want := range []string{
		`in.yaml, document 1: ClusterImagePolicy bad: spec.scopes[0]: invalid image scope format, scope must contain a fully qualified domain name or 'localhost' (value "busybox")`,
		`in.yaml, document 1: ClusterImagePolicy bad: spec.policy.rootOfTrust.publicKey.keyData: should be at least 68 chars long (value "Zm9vIGJhcg==")`,
	} {
		if !slices.Contains(got, want) {
			t.Errorf("no message\n%s\namong\n%s", want, strings.Join(got, "\n"))
		}
	}

	missing := "apiVersion: config.openshift.io/v1\nkind: ClusterImagePolicy\nmetadata: {name: bare}\nspec:\n  scopes: [example.com]\n  policy:\n    rootOfTrust:\n      policyType: Unknown\n"
	set, err = LoadReader("in.yaml", strings.NewReader(missing), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var skipped bool
	for _, e := range set.Validate() {
		skipped = skipped || e.RulesSkipped()
	}
	if !skipped {
		t.Error("the API server's rules-skipped error is gone from Validate: API fidelity needs it")
	}
}

func TestClusterVersionGivesTheReleaseImage(t *testing.T) {
	const release = "quay.io/openshift-release-dev/ocp-release@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	doc := "apiVersion: config.openshift.io/v1\nkind: ClusterVersion\nmetadata: {name: version}\nspec: {channel: stable-4.18}\nstatus:\n  desired: {image: \"" + release + "\", version: 4.18.1}\n" +
		"---\napiVersion: config.openshift.io/v1\nkind: ClusterVersion\nmetadata: {name: other}\nstatus: {desired: {image: quay.io/x/y:1}}\n" +
		"---\napiVersion: config.openshift.io/v1\nkind: Image\nmetadata: {name: cluster}\nspec:\n  registrySources:\n    blockedRegistries: [quay.io]\n"
	set, err := LoadReader("in.yaml", strings.NewReader(doc), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if set.ReleaseImage != release {
		t.Fatalf("release image %q, want %q", set.ReleaseImage, release)
	}
	if len(set.Notes) != 2 || !strings.Contains(set.Notes[1].Message, `skipped ClusterVersion "other"`) {
		t.Errorf("notes %v", set.Notes)
	}
	// The MCO never blocks the registry serving the release payload; Render
	// takes the set's release image by default.
	r, err := Render(set, RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(r.Warnings, func(w string) bool {
		return strings.Contains(w, "cannot block the repository being used by the payload")
	}) {
		t.Errorf("warnings %q: the blocked quay.io should have been dropped", r.Warnings)
	}

	// The same ClusterVersion twice is harmless, two naming different
	// release images are an error: the blocked registries depend on it.
	version := strings.SplitAfter(doc, "---\n")[0]
	if _, err := LoadReader("in.yaml", strings.NewReader(version+version+cip("a", "example.com")), LoadOptions{}); err != nil {
		t.Errorf("the same ClusterVersion twice: %v", err)
	}
	other := strings.Replace(version, release, "quay.io/x/y@sha256:"+strings.Repeat("1", 64), 1)
	_, err = LoadReader("in.yaml", strings.NewReader(version+other+cip("a", "example.com")), LoadOptions{})
	if want := `in.yaml, document 2: ClusterVersion version names release image "quay.io/x/y@sha256:111`; err == nil || !strings.Contains(err.Error(), want) ||
		!strings.Contains(err.Error(), `the one at in.yaml, document 1 names "`+release+`"`) {
		t.Errorf("err = %v, want it to contain %q", err, want)
	}
}

func TestLoadImageConfig(t *testing.T) {
	const cluster = "apiVersion: config.openshift.io/v1\nkind: Image\nmetadata: {name: cluster}\nspec: {}\n"
	const other = "apiVersion: config.openshift.io/v1\nkind: Image\nmetadata: {name: other}\nspec: {registrySources: {insecureRegistries: [\"\"]}}\n"
	tests := []struct {
		desc, input, wantErr string
	}{
		{"the cluster Image", cluster, ""},
		{"a policy besides", docs(cluster, cip("a", "example.com")), "found 1 object(s) of other kinds"},
		{"two cluster Images", docs(cluster, cluster), `found 2 Image object(s): "cluster" (`},
		{"an invalid other Image besides", docs(cluster, other), `found 2 Image object(s): "cluster" (`},
		{"only another Image", other, `found 1 Image object(s): "other" (`},
		{"a ClusterVersion besides", docs(cluster, "apiVersion: config.openshift.io/v1\nkind: ClusterVersion\nmetadata: {name: version}\nstatus: {desired: {image: quay.io/x/y:4.18}}\n"),
			"document 2: read the release image from ClusterVersion version: quay.io/x/y:4.18"},
		{"another kind besides", docs(cluster, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"), "skipped v1 ConfigMap"},
		{"a ClusterVersion of another version", docs(cluster, "apiVersion: config.openshift.io/v2\nkind: ClusterVersion\nmetadata: {name: version}\n"),
			`unsupported apiVersion "config.openshift.io/v2" for kind ClusterVersion`},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "image.yaml")
			if err := os.WriteFile(p, []byte(tc.input), 0o644); err != nil {
				t.Fatal(err)
			}
			ic, err := LoadImageConfig(p, LoadOptions{})
			if tc.wantErr == "" {
				if err != nil || ic == nil || ic.Image.Name != "cluster" {
					t.Fatalf("LoadImageConfig = %v, %v", ic, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

// TestExcerptCutsAtRuneBoundary: a long value is cut between runes, not
// inside one (which would show a stray escaped byte).
func TestExcerptCutsAtRuneBoundary(t *testing.T) {
	long := "a" + strings.Repeat("é", 40) // a rune starts at every odd byte
	for _, v := range []any{long, []string{long}} {
		if got := excerpt(v); strings.Contains(got, `\x`) || !strings.HasSuffix(got, "é…") && !strings.HasSuffix(got, `é…"`) {
			t.Errorf("excerpt(%q) = %s", v, got)
		}
	}
}
