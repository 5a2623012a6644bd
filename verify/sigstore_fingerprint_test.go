package verify

import (
	"os"
	"testing"

	"github.com/sigpolicy/sigpolicy/policy/node"
	"github.com/sigpolicy/sigpolicy/trust"
)

// TestTrustFingerprintsStable pins trust fingerprints of the conformance
// vectors' roots: they key cached verdicts, so a change of encoding must be
// deliberate.
func TestTrustFingerprintsStable(t *testing.T) {
	data := func(name string) node.PEMData {
		b, err := os.ReadFile(vector(name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tc := range []struct {
		desc string
		root node.SigstoreRoot
		want string
	}{
		{"key", node.PublicKeyRoot{Keys: node.PEMPath(vector("cosign.pub"))},
			"7ea8d8f8295b2e9164aae60f782db9f9825d925980b94731bdbb0344f1ab50e4"},
		{"keys and Rekor", node.PublicKeyRoot{Keys: node.PEMDatas{data("cosign.pub"), data("cosign2.pub")}, Rekor: node.PEMPath(vector("rekor.pub"))},
			"b543457ccf48cdaf2a5fb9cfda641cc5e67fe08a0fc0a23ccdc8151136437bc7"},
		{"Fulcio", node.FulcioRoot{CA: node.PEMPath(vector("fulcio_v1.crt.pem")), OIDCIssuer: githubOIDC, SubjectEmail: "mitr@redhat.com", Rekor: data("rekor.pub")},
			"d969d97004d35784550b886a1068bccfcc2a699be57a868d9f5f5970242b0782"},
		{"PKI", node.PKIRoot{CARoots: node.PEMPath(vector("pki_root_crts.pem")), CAIntermediates: data("pki_intermediate_crts.pem"),
			SubjectEmail: "qiwan@redhat.com", SubjectHostname: "h.example.com"},
			"58d0d816d93d9f43ef5201888606b62924cf503e1ece51ecda3cbf0a756ab4fc"},
		{"PKI roots only", node.PKIRoot{CARoots: data("pki_root_crts.pem"), SubjectEmail: "qiwan@redhat.com"},
			"773df73b51c5c0f2e3ecc90d270685569a7fad5e69974db95787a3f9159c16f4"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			s, err := trust.Compile(&node.SigstoreRequirement{Root: tc.root})
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Fingerprint(); got != tc.want {
				t.Errorf("fingerprint %s, want %s", got, tc.want)
			}
		})
	}
}
