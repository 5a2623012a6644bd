package policy

import (
	"bytes"
	"testing"

	"github.com/BurntSushi/toml"
	"go.podman.io/image/v5/pkg/sysregistriesv2"
	"go.podman.io/image/v5/signature"
)

// FuzzDecode feeds arbitrary bytes to the decoder: it must never panic, and
// whatever validates must render into files the library accepts (policy
// files) or can decode (registries.conf files).
func FuzzDecode(f *testing.F) {
	f.Add([]byte(cip("a", "example.com")))
	f.Add([]byte(docs(cip("a", "example.com/x"), ip("ns", "b", "example.com/x/y:v1", "quay.io/b"))))
	f.Add([]byte("apiVersion: v1\nkind: List\nitems: [{apiVersion: config.openshift.io/v1, kind: ImagePolicy}]\n"))
	f.Add([]byte(docs(cip("a", "example.com"), idms("d", "example.com!=m.example.net/a,n.example.net/a"), itms("t", "example.com/x=t.example.net/x"),
		icsp("i", "*.example.org=m.example.net/org"), imageConfig("    insecureRegistries: [m.example.net]\n    blockedRegistries: [bad.example.com]\n    containerRuntimeSearchRegistries: [example.com]\n"))))
	f.Fuzz(func(t *testing.T, data []byte) {
		set, err := LoadReader("fuzz", bytes.NewReader(data), LoadOptions{})
		if err != nil || len(set.Validate()) > 0 {
			return
		}
		r, err := Render(set, RenderOptions{})
		if err != nil {
			return
		}
		if _, err := signature.NewPolicyFromBytes(r.PolicyJSON); err != nil {
			t.Fatalf("rendered policy.json rejected: %v\n%s", err, r.PolicyJSON)
		}
		for ns, data := range r.NamespacePolicies {
			if _, err := signature.NewPolicyFromBytes(data); err != nil {
				t.Fatalf("%s.json rejected: %v", ns, err)
			}
		}
		for name, data := range map[string][]byte{"registries.conf": r.RegistriesConf, "search registries": r.SearchRegistries} {
			var conf sysregistriesv2.V2RegistriesConf
			if _, err := toml.Decode(string(data), &conf); err != nil {
				t.Fatalf("rendered %s is not TOML: %v\n%s", name, err, data)
			}
		}
	})
}
