package policy

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestRegistriesDIsTheMCOEncoding: marshalRegistriesD writes exactly what
// the MCO's sigs.k8s.io/yaml.Marshal writes, for keys yaml.v2 writes plain,
// quoted ('*…', numbers, booleans) or as complex keys (over 128
// characters), in its natural order (digits by value, zeros inside and in
// front of numbers), over several of the documents it writes at once, and
// for keys the JSON round trip changes (invalid UTF-8).
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
