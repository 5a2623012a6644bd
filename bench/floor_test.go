package bench

import (
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sigpolicy/sigpolicy/fixtures"
)

// TestFloorPlans: the floor of a decision makes the GETs the decision needs
// and the public-key operations of its signatures, and those operations are
// the real ones: they verify for an honest signature and fail where the
// library refuses the signature's cryptography.
func TestFloorPlans(t *testing.T) {
	srv, err := fixtures.Serve(t.Context(), fixtures.Options{Scenarios: []string{
		"key-tagged", "key-no-sig-tag", "key-rekor", "key-rekor-unknown-log", "fulcio-rekor", "pki-intermediates-in-policy", "list-per-platform"}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cat := srv.Catalogue()
	client := newFloorClient(1)
	for _, tc := range []struct {
		scenario     string
		list         bool // the tag of a manifest list, decided on one instance
		gets, checks int
		links        int  // certificate-chain links checked
		allVerify    bool // every check verifies
		getsTail     string
	}{
		{scenario: "key-tagged", gets: 3, checks: 1, allVerify: true},
		{scenario: "key-no-sig-tag", gets: 2, allVerify: true, getsTail: ".sig"},
		{scenario: "key-rekor", gets: 3, checks: 2, allVerify: true},
		{scenario: "key-rekor-unknown-log", gets: 3, checks: 2},
		{scenario: "fulcio-rekor", gets: 3, checks: 2, links: 2, allVerify: true},
		{scenario: "pki-intermediates-in-policy", gets: 3, checks: 1, links: 2, allVerify: true},
		{scenario: "list-per-platform", list: true, gets: 4, checks: 1, allVerify: true},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			var e *fixtures.Entry
			for i := range cat.Entries {
				c := &cat.Entries[i]
				if c.Scenario == tc.scenario && !strings.Contains(c.Reference, "@") && (c.Instance != "") == tc.list {
					e = c
					break
				}
			}
			if e == nil {
				t.Fatalf("no tag entry of %s", tc.scenario)
			}
			f, err := fetchEntry(t.Context(), client, e)
			if err != nil {
				t.Fatal(err)
			}
			checks, links := floorChecks(cat.Policies[e.Expect[0].Policy].Spec.Policy.RootOfTrust, f.layers)
			if len(f.gets) != tc.gets || len(checks) != tc.checks || len(links) != tc.links {
				t.Fatalf("%d GETs, %d checks, %d links; want %d, %d, %d (%v)", len(f.gets), len(checks), len(links), tc.gets, tc.checks, tc.links, f.gets)
			}
			if tc.getsTail != "" && !strings.HasSuffix(f.gets[len(f.gets)-1].url, tc.getsTail) {
				t.Errorf("last GET %s, want one ending in %s", f.gets[len(f.gets)-1].url, tc.getsTail)
			}
			verified := true
			for _, c := range append(checks, links...) {
				verified = c() && verified
			}
			if verified != tc.allVerify {
				t.Errorf("every check verified: %v, want %v", verified, tc.allVerify)
			}
			if err := newFloorPlan(cat.Policies[e.Expect[0].Policy].Spec.Policy.RootOfTrust, f, map[string]*atomic.Bool{}).decide(t.Context(), client, true); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestFloorChecksAChainOnce: the floor side checks a certificate chain the
// first time it sees the certificates, byte for byte, and the payload and
// SET signatures at every decision.
func TestFloorChecksAChainOnce(t *testing.T) {
	var chain, sigs int
	chains := map[string]*atomic.Bool{}
	plan := func(certs string) *floorPlan {
		return &floorPlan{chainChecked: chainFlag(chains, certs),
			chain:  []func() bool{func() bool { chain++; return true }},
			checks: []func() bool{func() bool { sigs++; return true }}}
	}
	w := &workload{floorClient: newFloorClient(1)}
	// Two plans of the same certificates (two images, one signer) share
	// their check.
	a, a2, b := &item{floor: plan("leaf A")}, &item{floor: plan("leaf A")}, &item{floor: plan("leaf B")}
	for _, it := range []*item{a, a2, b, a, b, a2} {
		w.floorDecision(t.Context(), it)
	}
	if chain != 2 || sigs != 6 {
		t.Errorf("%d chain checks, %d signature checks; want 2 (one per certificate) and 6", chain, sigs)
	}
}
