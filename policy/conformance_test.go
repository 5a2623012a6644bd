package policy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	configv1 "github.com/openshift/api/config/v1"
	operatorv1alpha1 "github.com/openshift/api/operator/v1alpha1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"
)

// suite is the openshift/api test-suite format (tests/<resource>/<gate>.yaml).
type suite struct {
	APIVersion   string   `json:"apiVersion"`
	CRDName      string   `json:"crdName"`
	Name         string   `json:"name"`
	FeatureGates []string `json:"featureGates"`
	Tests        struct {
		OnCreate []struct {
			Name          string `json:"name"`
			Initial       string `json:"initial"`
			Expected      string `json:"expected"`
			ExpectedError string `json:"expectedError"`
		} `json:"onCreate"`
		// OnUpdate cases (update-time ratcheting, with CRD patches) are not
		// run: sigpolicy validates objects as created.
		OnUpdate []map[string]any `json:"onUpdate"`
	} `json:"tests"`
}

// apiServerLoad is how the API server receives the suites' objects: unknown
// fields pruned (no strict field validation) and names generated.
var apiServerLoad = LoadOptions{PruneUnknownFields: true, AllowUnnamed: true}

// TestAPIConformance runs every onCreate case of the OpenShift API's own
// validation suites, for every decoded kind. The copied CRDs enable every
// feature gate (PKI is in the policyType enum, imageStreamImportMode is in
// the Image spec), so no case depends on a gate being off.
func TestAPIConformance(t *testing.T) {
	files, err := filepath.Glob("testdata/openshift-api/*/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no suites: %v", err)
	}
	total := 0
	for _, f := range files {
		if strings.Contains(f, "/crds/") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var s suite
		if err := yaml.UnmarshalStrict(data, &s); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, tc := range s.Tests.OnCreate {
			total++
			t.Run(filepath.Base(filepath.Dir(f))+"/"+tc.Name, func(t *testing.T) {
				set, err := LoadReader("initial", strings.NewReader(tc.Initial), apiServerLoad)
				if err != nil {
					t.Fatalf("load: %v", err)
				}
				var errs field.ErrorList
				for _, fe := range set.Validate() {
					errs = append(errs, fe.Err)
				}
				if tc.ExpectedError != "" {
					if len(errs) == 0 {
						t.Fatalf("accepted, want error %q", tc.ExpectedError)
					}
					if got := errs.ToAggregate().Error(); !strings.Contains(got, tc.ExpectedError) {
						t.Fatalf("error mismatch\n got: %s\nwant: %s", got, tc.ExpectedError)
					}
					return
				}
				if len(errs) > 0 {
					t.Fatalf("rejected: %v", errs.ToAggregate())
				}
				assertStoredSpec(t, set, tc.Expected)
			})
		}
	}
	if total < 50 {
		t.Fatalf("only %d cases found", total)
	}
}

// assertStoredSpec compares the decoded spec of the set's only object with
// the suite's expected object, both as the API's Go type.
func assertStoredSpec(t *testing.T, set *Set, expected string) {
	t.Helper()
	var got, want any
	switch {
	case len(set.Objects) == 1:
		got, want = set.Objects[0].ClusterImagePolicy().Spec, &configv1.ClusterImagePolicySpec{}
	case len(set.MirrorSets) == 1 && set.MirrorSets[0].Kind == KindImageDigestMirrorSet:
		got, want = set.MirrorSets[0].ImageDigestMirrorSet().Spec, &configv1.ImageDigestMirrorSetSpec{}
	case len(set.MirrorSets) == 1 && set.MirrorSets[0].Kind == KindImageTagMirrorSet:
		got, want = set.MirrorSets[0].ImageTagMirrorSet().Spec, &configv1.ImageTagMirrorSetSpec{}
	case len(set.MirrorSets) == 1 && set.MirrorSets[0].Kind == KindImageContentSourcePolicy:
		got, want = set.MirrorSets[0].ImageContentSourcePolicy().Spec, &operatorv1alpha1.ImageContentSourcePolicySpec{}
	case len(set.Images) == 1:
		got, want = set.Images[0].Image.Spec, &configv1.ImageSpec{}
	default:
		t.Fatalf("want exactly one decoded object, got %d policies, %d mirror sets, %d images", len(set.Objects), len(set.MirrorSets), len(set.Images))
	}
	var doc struct {
		Spec json.RawMessage `json:"spec"`
	}
	if err := yaml.Unmarshal([]byte(expected), &doc); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(doc.Spec, want); err != nil {
		t.Fatal(err)
	}
	if w := reflect.ValueOf(want).Elem().Interface(); !reflect.DeepEqual(got, w) {
		t.Fatalf("stored spec differs\n got: %+v\nwant: %+v", got, w)
	}
}
