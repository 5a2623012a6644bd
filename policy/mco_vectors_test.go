package policy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	configv1 "github.com/openshift/api/config/v1"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/signature"
	"sigs.k8s.io/yaml"
)

// The MCO's and runtime-utils' unit-test tables, as data in
// testdata/mco-vectors (provenance in its NOTICE).

// vectorRules is one object's mirror rules in a vector.
type vectorRules []struct {
	Source             string                      `json:"source"`
	Mirrors            []string                    `json:"mirrors"`
	MirrorSourcePolicy configv1.MirrorSourcePolicy `json:"mirrorSourcePolicy"`
}

// vectorMirrors are a vector's mirror set objects.
type vectorMirrors struct {
	ICSP []vectorRules `json:"icsp"`
	IDMS []vectorRules `json:"idms"`
	ITMS []vectorRules `json:"itms"`
}

func (v vectorMirrors) inputs() mirrorInputs {
	conv := func(objs []vectorRules) [][]mirrorRule {
		var out [][]mirrorRule
		for _, obj := range objs {
			rules := []mirrorRule{}
			for _, r := range obj {
				rules = append(rules, mirrorRule{source: r.Source, mirrors: r.Mirrors, policy: r.MirrorSourcePolicy})
			}
			out = append(out, rules)
		}
		return out
	}
	return mirrorInputs{icsp: conv(v.ICSP), idms: conv(v.IDMS), itms: conv(v.ITMS)}
}

func readVectors(t *testing.T, name string, out any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata/mco-vectors", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(data, out); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func TestMCOTemplates(t *testing.T) {
	var templates map[string]map[string]struct {
		Path     string `json:"path"`
		Mode     int    `json:"mode"`
		Contents string `json:"contents"`
	}
	readVectors(t, "templates.yaml", &templates)
	for file, want := range map[string]struct{ path, contents string }{
		"registriesConf": {"/" + RegistriesConfPath, RegistriesConfTemplate},
		"policyJSON":     {"/" + PolicyJSONPath, TemplatePolicyJSON},
	} {
		if len(templates[file]) != 3 {
			t.Fatalf("%s: %d roles, want master, worker and arbiter", file, len(templates[file]))
		}
		for role, tmpl := range templates[file] {
			if tmpl.Path != want.path || tmpl.Contents != want.contents {
				t.Errorf("%s template of %s differs: %s %q, sigpolicy has %s %q", file, role, tmpl.Path, tmpl.Contents, want.path, want.contents)
			}
		}
	}
}

func TestVectorsRegistriesConf(t *testing.T) {
	var cases []struct {
		Name     string   `json:"name"`
		Origin   []string `json:"origin"`
		Insecure []string `json:"insecure"`
		Blocked  []string `json:"blocked"`
		vectorMirrors
		RegistriesConf string `json:"registriesConf"`
	}
	readVectors(t, "registries-conf.yaml", &cases)
	if len(cases) != 12 {
		t.Fatalf("%d cases", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			// runtime-utils' cases test EditRegistriesConfig alone; the MCO's
			// also pass its checks first (updateRegistriesConfig).
			conf, err := parseRegistriesConf(RegistriesConfTemplate)
			if err != nil {
				t.Fatal(err)
			}
			if err := editRegistriesConf(conf, tc.Insecure, tc.Blocked, tc.inputs()); err != nil {
				t.Fatal(err)
			}
			got, err := encodeTOML(conf)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.RegistriesConf {
				t.Fatalf("registries.conf differs\n got:\n%s\nwant:\n%s", got, tc.RegistriesConf)
			}
			if slices.ContainsFunc(tc.Origin, func(o string) bool { return strings.HasSuffix(o, "TestUpdateRegistriesConfig") }) {
				viaMCO, _, err := registriesConf(tc.Insecure, tc.Blocked, tc.inputs())
				if err != nil || string(viaMCO) != tc.RegistriesConf {
					t.Fatalf("updateRegistriesConfig path: %v\n%s", err, viaMCO)
				}
			}
			assertLibraryResolves(t, got)
		})
	}
}

func TestVectorsMergedMirrors(t *testing.T) {
	var cases []struct {
		Name   string        `json:"name"`
		Origin []string      `json:"origin"`
		Input  []vectorRules `json:"input"`
		Result []struct {
			Source             string                      `json:"source"`
			Mirrors            []string                    `json:"mirrors"`
			MirrorSourcePolicy configv1.MirrorSourcePolicy `json:"mirrorSourcePolicy"`
		} `json:"result"`
	}
	readVectors(t, "merged-mirrors.yaml", &cases)
	for _, tc := range cases {
		var want []mergedMirrors
		for _, r := range tc.Result {
			want = append(want, mergedMirrors{source: r.Source, mirrors: r.Mirrors, blockSource: r.MirrorSourcePolicy == configv1.NeverContactSource})
		}
		withPolicy := false
		for _, obj := range tc.Input {
			for _, r := range obj {
				withPolicy = withPolicy || r.MirrorSourcePolicy != ""
			}
		}
		variants := map[string]func() []mirrorRule{
			"IDMS": func() []mirrorRule { return vectorMirrors{IDMS: tc.Input}.inputs().digestRules() },
			"ITMS": func() []mirrorRule { return vectorMirrors{ITMS: tc.Input}.inputs().tagRules() },
		}
		if !withPolicy { // an ICSP has no mirrorSourcePolicy
			variants["ICSP"] = func() []mirrorRule { return vectorMirrors{ICSP: tc.Input}.inputs().digestRules() }
		}
		for name, rules := range variants {
			t.Run(tc.Name+"/"+name, func(t *testing.T) {
				got, err := mergeMirrorRules(rules())
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(want) || (len(got) > 0 && !reflect.DeepEqual(got, want)) {
					t.Fatalf("merged\n got: %+v\nwant: %+v", got, want)
				}
			})
		}
	}
}

func TestVectorsTopologicalOrder(t *testing.T) {
	var cases []struct {
		Name   string   `json:"name"`
		Edges  []string `json:"edges"`
		Result string   `json:"result"`
	}
	readVectors(t, "topo.yaml", &cases)
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			for offset := 0; offset == 0 || offset < len(tc.Edges); offset++ {
				g := newOrderGraph()
				for i := range tc.Edges {
					e := tc.Edges[(offset+i)%len(tc.Edges)]
					g.edge(e[:1], e[1:])
				}
				got, err := g.sorted()
				if err != nil {
					t.Fatal(err)
				}
				if strings.Join(got, "") != tc.Result {
					t.Fatalf("rotation %d: %q, want %q", offset, strings.Join(got, ""), tc.Result)
				}
			}
		})
	}
}

func TestVectorsScopes(t *testing.T) {
	var v struct {
		Nested struct {
			Origin string `json:"origin"`
			Cases  []struct {
				SubScope   string `json:"subScope"`
				SuperScope string `json:"superScope"`
				Nested     bool   `json:"nested"`
			} `json:"cases"`
		} `json:"nested"`
		Valid struct {
			Origin string `json:"origin"`
			Cases  []struct {
				Scope string `json:"scope"`
				Valid bool   `json:"valid"`
			} `json:"cases"`
		} `json:"validRegistriesConfScope"`
		Real struct {
			Origin string `json:"origin"`
			Source string `json:"source"`
			Cases  []struct {
				Mirrors    []string `json:"mirrors"`
				RealMirror bool     `json:"realMirror"`
			} `json:"cases"`
		} `json:"realMirror"`
	}
	readVectors(t, "scopes.yaml", &v)
	if len(v.Nested.Cases) != 23 || len(v.Valid.Cases) != 12 || len(v.Real.Cases) != 7 {
		t.Fatalf("case counts %d %d %d", len(v.Nested.Cases), len(v.Valid.Cases), len(v.Real.Cases))
	}
	for _, c := range v.Nested.Cases {
		if got := scopeIsNestedInsideScope(c.SubScope, c.SuperScope); got != c.Nested {
			t.Errorf("nested(%q, %q) = %v, want %v", c.SubScope, c.SuperScope, got, c.Nested)
		}
	}
	for _, c := range v.Valid.Cases {
		if got := isValidRegistriesConfScope(c.Scope); got != c.Valid {
			t.Errorf("valid(%q) = %v, want %v", c.Scope, got, c.Valid)
		}
	}
	for _, c := range v.Real.Cases {
		got, err := mergeMirrorRules([]mirrorRule{{source: v.Real.Source, mirrors: c.Mirrors}})
		if err != nil {
			t.Fatal(err)
		}
		if (len(got) == 1) != c.RealMirror {
			t.Errorf("mirrors %q: kept as a mirror set = %v, want %v", c.Mirrors, len(got) == 1, c.RealMirror)
		}
	}
}

func TestVectorsValidateScopes(t *testing.T) {
	var cases []struct {
		Name     string   `json:"name"`
		Origin   []string `json:"origin"`
		Insecure []string `json:"insecure"`
		Blocked  []string `json:"blocked"`
		Allowed  []string `json:"allowed"`
		vectorMirrors
		Error string `json:"error"`
	}
	readVectors(t, "validate-scopes.yaml", &cases)
	for _, tc := range cases {
		err := validateRegistriesConfScopes(tc.Insecure, tc.Blocked, tc.Allowed, tc.inputs())
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.Error {
			t.Errorf("%s: error %q, want %q", tc.Name, got, tc.Error)
		}
	}
}

func TestVectorsPayload(t *testing.T) {
	var cases []struct {
		Name            string                   `json:"name"`
		Origin          []string                 `json:"origin"`
		ReleaseImage    string                   `json:"releaseImage"`
		RegistrySources configv1.RegistrySources `json:"registrySources"`
		vectorMirrors
		RegistriesBlocked []string `json:"registriesBlocked"`
		PolicyBlocked     []string `json:"policyBlocked"`
		Allowed           []string `json:"allowed"`
		NotBlocked        string   `json:"notBlocked"`
		Warning           bool     `json:"warning"`
	}
	readVectors(t, "payload.yaml", &cases)
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			lists, warnings, err := registryListsFor(&configv1.ImageSpec{RegistrySources: tc.RegistrySources}, tc.ReleaseImage, tc.inputs())
			if err != nil {
				t.Fatal(err)
			}
			if (len(warnings) > 0) != tc.Warning {
				t.Errorf("warnings %q, want some: %v", warnings, tc.Warning)
			}
			if tc.NotBlocked != "" {
				if slices.Contains(lists.registriesConf, tc.NotBlocked) {
					t.Errorf("%s stays blocked: %q", tc.NotBlocked, lists.registriesConf)
				}
				return
			}
			// The MCO's tests tell nil from empty: so does this one.
			if !reflect.DeepEqual(lists.registriesConf, tc.RegistriesBlocked) || !reflect.DeepEqual(lists.policyBlocked, tc.PolicyBlocked) ||
				!reflect.DeepEqual(lists.allowed, tc.Allowed) {
				t.Errorf("registries.conf blocked %#v, policy blocked %#v, allowed %#v; want %#v, %#v, %#v",
					lists.registriesConf, lists.policyBlocked, lists.allowed, tc.RegistriesBlocked, tc.PolicyBlocked, tc.Allowed)
			}
		})
	}
}

func TestVectorsSigstoreRegistriesD(t *testing.T) {
	var cases []struct {
		Name            string   `json:"name"`
		Origin          []string `json:"origin"`
		ClusterScopes   []string `json:"clusterScopes"`
		NamespaceScopes []string `json:"namespaceScopes"`
		vectorMirrors
		RegistriesD []string `json:"registriesD"`
	}
	readVectors(t, "sigstore-registries-d.yaml", &cases)
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			sp := &scopePolicies{cluster: map[string]signature.PolicyRequirements{}, namespaced: map[string]map[string]signature.PolicyRequirements{}}
			for _, s := range tc.ClusterScopes {
				sp.cluster[s] = nil
			}
			for _, s := range tc.NamespaceScopes {
				if sp.namespaced["testnamespace"] == nil {
					sp.namespaced["testnamespace"] = map[string]signature.PolicyRequirements{}
				}
				sp.namespaced["testnamespace"][s] = nil
			}
			_, conf, err := registriesConf(nil, nil, tc.inputs())
			if err != nil {
				t.Fatal(err)
			}
			data, err := sigstoreRegistriesD(sp, conf)
			if err != nil {
				t.Fatal(err)
			}
			var got registriesDConfig
			if err := yaml.UnmarshalStrict(data, &got); err != nil {
				t.Fatal(err)
			}
			if keys := sortedKeys(got.Docker); !slices.Equal(keys, tc.RegistriesD) {
				t.Fatalf("registries.d scopes\n got: %q\nwant: %q", keys, tc.RegistriesD)
			}
		})
	}
}

func TestVectorsPolicyJSON(t *testing.T) {
	var v struct {
		Specs  map[string]configv1.ImagePolicySpec `json:"clusterImagePolicySpecs"`
		Update []struct {
			Name         string   `json:"name"`
			Origin       []string `json:"origin"`
			ReleaseImage string   `json:"releaseImage"`
			Allowed      []string `json:"allowed"`
			Blocked      []string `json:"blocked"`
			Policies     []string `json:"clusterImagePolicies"`
			Error        bool     `json:"error"`
			PolicyJSON   string   `json:"policyJSON"`
		} `json:"updatePolicyJSON"`
		Check []struct {
			Name            string   `json:"name"`
			Origin          []string `json:"origin"`
			Allowed         []string `json:"allowed"`
			Blocked         []string `json:"blocked"`
			ClusterScopes   []string `json:"clusterScopes"`
			NamespaceScopes []string `json:"namespaceScopes"`
			Error           bool     `json:"error"`
		} `json:"scopesAgainstRegistries"`
	}
	readVectors(t, "policy-json.yaml", &v)
	for _, tc := range v.Update {
		t.Run(tc.Name, func(t *testing.T) {
			sp := &scopePolicies{cluster: map[string]signature.PolicyRequirements{}}
			for _, name := range tc.Policies {
				spec := v.Specs[name]
				req, err := requirement(spec.Policy)
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range spec.Scopes {
					sp.cluster[string(s)] = append(sp.cluster[string(s)], req)
				}
			}
			ref, err := reference.ParseNamed(tc.ReleaseImage)
			if err != nil {
				t.Fatal(err)
			}
			_, got, err := clusterPolicyJSON(newPolicyEncoder(), sp, tc.Blocked, tc.Allowed, ref.Name())
			if tc.Error {
				if err == nil {
					t.Fatalf("accepted:\n%s", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			assertJSONEqual(t, "policy.json", got, tc.PolicyJSON)
			if _, err := signature.NewPolicyFromBytes(got); err != nil {
				t.Errorf("library rejects the policy: %v", err)
			}
		})
	}
	for _, tc := range v.Check {
		err := checkScopesAgainstRegistries("clusterimagePolicy", tc.ClusterScopes, tc.Allowed, tc.Blocked)
		if err == nil {
			err = checkScopesAgainstRegistries("imagePolicy", tc.NamespaceScopes, tc.Allowed, tc.Blocked)
		}
		if (err != nil) != tc.Error {
			t.Errorf("%s: error %v, want one: %v", tc.Name, err, tc.Error)
		}
	}
}

func TestVectorsNamespacePolicies(t *testing.T) {
	var v struct {
		Name          string                              `json:"name"`
		Origin        []string                            `json:"origin"`
		ClusterPolicy map[string]configv1.ImagePolicySpec `json:"clusterImagePolicies"`
		ImagePolicies []struct {
			Namespace string                   `json:"namespace"`
			Name      string                   `json:"name"`
			Spec      configv1.ImagePolicySpec `json:"spec"`
		} `json:"imagePolicies"`
		PolicyJSON        string            `json:"policyJSON"`
		NamespacePolicies map[string]string `json:"namespacePolicies"`
	}
	readVectors(t, "namespace-policies.yaml", &v)
	set := &Set{}
	for _, name := range sortedKeys(v.ClusterPolicy) {
		spec := v.ClusterPolicy[name]
		o := &Object{Kind: KindClusterImagePolicy, Scopes: spec.Scopes, Policy: spec.Policy}
		o.Meta.Name = name
		set.Objects = append(set.Objects, o)
	}
	for _, p := range v.ImagePolicies {
		o := &Object{Kind: KindImagePolicy, Scopes: p.Spec.Scopes, Policy: p.Spec.Policy}
		o.Meta.Name, o.Meta.Namespace = p.Name, p.Namespace
		set.Objects = append(set.Objects, o)
	}
	r, err := Render(set, RenderOptions{Now: goldenTime})
	if err != nil {
		t.Fatal(err)
	}
	assertJSONEqual(t, "policy.json", r.PolicyJSON, v.PolicyJSON)
	if len(r.NamespacePolicies) != len(v.NamespacePolicies) {
		t.Errorf("namespaces %q, want %q", sortedKeys(r.NamespacePolicies), sortedKeys(v.NamespacePolicies))
	}
	for ns, want := range v.NamespacePolicies {
		assertJSONEqual(t, ns+".json", r.NamespacePolicies[ns], want)
	}
	// No ImagePolicy, no namespace file.
	set.Objects = set.Objects[:len(v.ClusterPolicy)]
	if r, err := Render(set, RenderOptions{}); err != nil {
		t.Errorf("without ImagePolicies: %v", err)
	} else if len(r.NamespacePolicies) != 0 {
		t.Errorf("without ImagePolicies: %d namespace files", len(r.NamespacePolicies))
	}
}

func assertJSONEqual(t *testing.T, what string, got []byte, want string) {
	t.Helper()
	var gotV, wantV any
	if err := json.Unmarshal(got, &gotV); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if err := json.Unmarshal([]byte(want), &wantV); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotV, wantV) {
		t.Errorf("%s differs\n got: %s\nwant: %s", what, got, want)
	}
}
