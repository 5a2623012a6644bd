package trust

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/sigpolicy/sigpolicy/policy/node"
)

// TestFingerprint: the fingerprint follows the material, not how the
// requirement names it.
func TestFingerprint(t *testing.T) {
	ec, ec2 := publicKeyPEM(t, "ecdsa"), publicKeyPEM(t, "ecdsa")
	ca, ca2 := selfSignedPEM(t), selfSignedPEM(t)
	keyFile := filepath.Join(t.TempDir(), "key.pub")
	if err := os.WriteFile(keyFile, ec, 0o644); err != nil {
		t.Fatal(err)
	}
	fp := func(root node.SigstoreRoot) string {
		t.Helper()
		s, err := Compile(&node.SigstoreRequirement{Root: root})
		if err != nil {
			t.Fatal(err)
		}
		if s.Fingerprint() == "" {
			t.Fatalf("%#v has no fingerprint", root)
		}
		return s.Fingerprint()
	}
	fromFile := fp(node.PublicKeyRoot{Keys: node.PEMPath(keyFile)})
	for _, same := range []node.SigstoreRoot{
		node.PublicKeyRoot{Keys: node.PEMData(ec)},
		node.PublicKeyRoot{Keys: node.PEMPaths{keyFile}},
		node.PublicKeyRoot{Keys: node.PEMDatas{ec}},
	} {
		if got := fp(same); got != fromFile {
			t.Errorf("%#v: fingerprint %s, want that of the same key from a file, %s", same, got, fromFile)
		}
	}

	distinct := map[string]node.SigstoreRoot{
		"key":                      node.PublicKeyRoot{Keys: node.PEMData(ec)},
		"other key":                node.PublicKeyRoot{Keys: node.PEMData(ec2)},
		"both keys":                node.PublicKeyRoot{Keys: node.PEMDatas{ec, ec2}},
		"both keys, other order":   node.PublicKeyRoot{Keys: node.PEMDatas{ec2, ec}},
		"key and Rekor":            node.PublicKeyRoot{Keys: node.PEMData(ec), Rekor: node.PEMData(ec)},
		"key and other Rekor":      node.PublicKeyRoot{Keys: node.PEMData(ec), Rekor: node.PEMData(ec2)},
		"Fulcio":                   node.FulcioRoot{CA: node.PEMData(ca), OIDCIssuer: "i", SubjectEmail: "a@b", Rekor: node.PEMData(ec)},
		"Fulcio, other CA":         node.FulcioRoot{CA: node.PEMData(ca2), OIDCIssuer: "i", SubjectEmail: "a@b", Rekor: node.PEMData(ec)},
		"Fulcio, other issuer":     node.FulcioRoot{CA: node.PEMData(ca), OIDCIssuer: "j", SubjectEmail: "a@b", Rekor: node.PEMData(ec)},
		"Fulcio, other email":      node.FulcioRoot{CA: node.PEMData(ca), OIDCIssuer: "i", SubjectEmail: "c@d", Rekor: node.PEMData(ec)},
		"Fulcio, other Rekor":      node.FulcioRoot{CA: node.PEMData(ca), OIDCIssuer: "i", SubjectEmail: "a@b", Rekor: node.PEMData(ec2)},
		"PKI email":                node.PKIRoot{CARoots: node.PEMData(ca), SubjectEmail: "a@b"},
		"PKI hostname":             node.PKIRoot{CARoots: node.PEMData(ca), SubjectHostname: "a@b"},
		"PKI email, other CA":      node.PKIRoot{CARoots: node.PEMData(ca2), SubjectEmail: "a@b"},
		"PKI email, intermediates": node.PKIRoot{CARoots: node.PEMData(ca), CAIntermediates: node.PEMData(ca2), SubjectEmail: "a@b"},
	}
	seen := map[string]string{}
	for name, root := range distinct {
		got := fp(root)
		if other, ok := seen[got]; ok {
			t.Errorf("%s and %s share fingerprint %s", name, other, got)
		}
		seen[got] = name
	}

	if err := os.WriteFile(keyFile, ec2, 0o644); err != nil {
		t.Fatal(err)
	}
	if fp(node.PublicKeyRoot{Keys: node.PEMPath(keyFile)}) == fromFile {
		t.Error("a key file replaced under the same path kept its fingerprint")
	}
}
