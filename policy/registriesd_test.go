package policy

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"go.podman.io/image/v5/signature"
	"sigs.k8s.io/yaml"
)

// TestRegistriesDIsTheMCOEncoding: marshalRegistriesD writes exactly what
// the MCO's sigs.k8s.io/yaml.Marshal writes, for keys yaml.v2 writes plain,
// quoted ('*…', numbers, booleans) or as complex keys (over 128
// characters), in its natural order (digits by value, zeros inside and in
// front of numbers, where that order is transitive), over several of the
// documents it writes at once, and for keys the JSON round trip changes
// (invalid UTF-8).
func TestRegistriesDIsTheMCOEncoding(t *testing.T) {
	keys := []string{
		"quay.io/ns/app", "quay.io/ns/app9", "quay.io/ns/app10", "quay.io/ns/app010", "*.example.com", "*.apps.example.com",
		"example.com:5000/ns", "registry.example.com/ns/repo:v1.2", "registry.example.com/ns/repo@sha256:" + strings.Repeat("a", 64),
		"1.5", "1.5e3", "123.45.67.89", "yes", "on", "null", "a<b>&c", "ünï.example.com",
		"registry.example.com/" + strings.Repeat("long/", 30) + "repo", "localhost:5000", "localhost", "x-y_z.example.com/a__b",
	}
	rng := rand.New(rand.NewPCG(3, 4))
	number := func() string {
		n := []string{"0", "00", "000", "001", "0010", "7", "07", "10", "010", "100", "9", "90", "900", "1000"}
		return n[rng.IntN(len(n))]
	}
	generated := func() string {
		return fmt.Sprintf("reg%s.example.com/ns%s/app%s-%s", number(), number(), number(), number())[rng.IntN(3):]
	}
	for round := range 200 {
		docker := map[string]registriesDDocker{}
		for range 1 + rng.IntN(len(keys)) {
			docker[keys[rng.IntN(len(keys))]] = registriesDDocker{UseSigstoreAttachments: true}
		}
		if round%10 == 5 {
			docker["bad\xffutf8"] = registriesDDocker{UseSigstoreAttachments: true}
		}
		if round%4 == 0 { // several documents' worth
			for range 300 + rng.IntN(400) {
				docker[generated()] = registriesDDocker{UseSigstoreAttachments: true}
			}
		}
		want, err := yaml.Marshal(registriesDConfig{Docker: docker})
		if err != nil {
			t.Fatal(err)
		}
		got, err := marshalRegistriesD(docker)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Fatalf("got\n%s\nwant\n%s", got, want)
		}
	}
}

// TestSharedNamespaceScopesProcessedOnce: a scope named by many namespaces
// is looked up in registries.conf once, not once per namespace (a thousand
// namespaces sharing a scope took seconds), with the same output.
func TestSharedNamespaceScopesProcessedOnce(t *testing.T) {
	conf, err := parseRegistriesConf("[[registry]]\nlocation = \"quay.io/app\"\n[[registry.mirror]]\nlocation = \"mirror.example.net/app\"\n")
	if err != nil {
		t.Fatal(err)
	}
	scopes := func(namespaces int) *scopePolicies {
		sp := &scopePolicies{namespaced: map[string]map[string]signature.PolicyRequirements{}}
		for i := range namespaces {
			sp.namespaced[fmt.Sprintf("ns%d", i)] = map[string]signature.PolicyRequirements{"quay.io/app": nil, fmt.Sprintf("quay.io/app/ns%d", i%2): nil}
		}
		return sp
	}
	one, many := scopes(2), scopes(200)
	if got := many.namespacedScopes(); !slices.Equal(got, []string{"quay.io/app", "quay.io/app/ns0", "quay.io/app/ns1"}) {
		t.Errorf("namespacedScopes = %q", got)
	}
	want, err := sigstoreRegistriesD(one, conf)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := sigstoreRegistriesD(many, conf); err != nil || string(got) != string(want) {
		t.Fatalf("registries.d = %q, %v; want %q", got, err, want)
	}
	allocs := func(sp *scopePolicies) float64 {
		return testing.AllocsPerRun(5, func() { _, _ = sigstoreRegistriesD(sp, conf) })
	}
	// Listing the namespaces costs a few allocations each; looking a scope up
	// costs dozens.
	if a1, a200 := allocs(one), allocs(many); a200-a1 > 198*5 {
		t.Errorf("allocations: %v for 2 namespaces, %v for 200: a shared scope is processed per namespace", a1, a200)
	}
}
