package node

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParsePolicy checks ParsePolicy never panics and agrees with the
// library on every input: same acceptance, same error text, same content.
// Seeds: the table of TestParsePolicyMatchesLibrary, a rendered policy and
// the corpus in testdata/fuzz/FuzzParsePolicy (which holds the containers
// image library's example policy.json, see testdata/containers-image/NOTICE).
func FuzzParsePolicy(f *testing.F) {
	for _, tc := range policyCases {
		f.Add([]byte(tc.json))
	}
	f.Add(renderedPolicy(f, 3))
	data, err := os.ReadFile(filepath.Join("testdata", "containers-image", "policy.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Fuzz(func(t *testing.T, data []byte) {
		compareWithLibrary(t, data)
	})
}
