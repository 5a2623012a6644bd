package bench

import (
	"reflect"
	"testing"

	"github.com/sigpolicy/sigpolicy/fixtures"
	"github.com/sigpolicy/sigpolicy/fixtures/hostile"
)

func TestSelected(t *testing.T) {
	cat := &fixtures.Catalogue{
		Scenarios: []fixtures.ScenarioInfo{{Name: "key-tagged"}, {Name: "hostile-slow"}, {Name: "bulk-pki"}},
		Entries: []fixtures.Entry{
			{Reference: "r/scenarios/key-tagged:v1", Scenario: "key-tagged"},
			{Reference: "r/scenarios/hostile-slow:v1", Scenario: "hostile-slow", Hostile: hostile.Slow},
			{Reference: "r/bulk/pki:img-000001", Scenario: "bulk-pki"},
		},
	}
	for _, tc := range []struct {
		desc string
		sel  Selection
		want []string
	}{
		{"all leaves out the hostile scenarios", Selection{}, []string{"key-tagged", "bulk-pki"}},
		{"all with bulk images", Selection{Scenarios: []string{"all"}, Count: 1}, []string{"key-tagged", "bulk-pki"}},
		{"bulk images alone when none is named", Selection{Count: 1}, []string{"bulk-pki"}},
		{"named hostile scenarios are decided", Selection{Scenarios: []string{"key-tagged", "hostile-slow"}, Count: 1}, []string{"key-tagged", "hostile-slow", "bulk-pki"}},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			got := selected(cat, tc.sel)
			var entries, infos []string
			for _, e := range got.Entries {
				entries = append(entries, e.Scenario)
			}
			for _, s := range got.Scenarios {
				infos = append(infos, s.Name)
			}
			if !reflect.DeepEqual(entries, tc.want) || !reflect.DeepEqual(infos, tc.want) {
				t.Errorf("entries %v, scenarios %v, want %v", entries, infos, tc.want)
			}
		})
	}
	if len(cat.Entries) != 3 {
		t.Error("selected modified the catalogue")
	}
}
