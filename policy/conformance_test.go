package policy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

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
	} `json:"tests"`
}

// apiServerLoad is how the API server receives the suites' objects: unknown
// fields pruned (no strict field validation) and names generated.
var apiServerLoad = LoadOptions{PruneUnknownFields: true, AllowUnnamed: true}

// TestAPIConformance runs every onCreate case of the OpenShift API's own
// validation suites. The copied CRDs enable every feature gate (PKI is in the
// policyType enum), so no case depends on a gate being off.
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
				assertStoredSpec(t, set.Objects[0], tc.Expected)
			})
		}
	}
	if total < 50 {
		t.Fatalf("only %d cases found", total)
	}
}

// assertStoredSpec compares the decoded spec with the suite's expected object.
func assertStoredSpec(t *testing.T, o *Object, expected string) {
	t.Helper()
	var want struct {
		Spec map[string]any `json:"spec"`
	}
	if err := yaml.Unmarshal([]byte(expected), &want); err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(o.ClusterImagePolicy().Spec)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(js, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want.Spec) {
		t.Fatalf("stored spec differs\n got: %v\nwant: %v", got, want.Spec)
	}
}
