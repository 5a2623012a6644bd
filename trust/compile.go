package trust

import (
	"errors"
	"fmt"
	"os"

	"github.com/sigpolicy/sigpolicy/policy/node"
)

// Compile reads and parses every key and certificate a sigstoreSigned
// requirement names. An error means the requirement cannot be evaluated at
// all (unreadable file, bad PEM, a non-ECDSA Rekor key, a root without its
// required material); the message follows the containers image library's
// where it has one, and errors come in the library's order.
//
// Combinations the library refuses (two roots, two sources of one kind, PKI
// with Rekor keys) cannot be expressed by the node types, so nothing here
// looks for them. Fulcio without Rekor keys can (FulcioRoot.Rekor nil), and
// is refused: "no Rekor public keys configured".
func Compile(req *node.SigstoreRequirement) (*Sigstore, error) {
	if req == nil {
		return nil, errors.New("no sigstoreSigned requirement to compile")
	}
	var r root
	var err error
	switch root := req.Root.(type) {
	case node.PublicKeyRoot:
		r, err = compilePublicKeys(root)
	case node.FulcioRoot:
		r, err = compileFulcio(root)
	case node.PKIRoot:
		r, err = compilePKI(root)
	case nil:
		return nil, errors.New("sigstoreSigned requirement without a root of trust")
	default:
		return nil, fmt.Errorf("unsupported root of trust %T", req.Root)
	}
	if err != nil {
		return nil, err
	}
	return &Sigstore{root: r, fingerprint: fingerprintOf(r)}, nil
}

// readKeys returns the PEM data a key source names, in order, reading files
// as the library does. A nil source is an error naming what is missing.
func readKeys(src node.KeySource, what string) ([][]byte, error) {
	switch s := src.(type) {
	case node.PEMPath:
		d, err := os.ReadFile(string(s))
		if err != nil {
			return nil, err
		}
		return [][]byte{d}, nil
	case node.PEMPaths:
		res := make([][]byte, 0, len(s))
		for _, p := range s {
			d, err := os.ReadFile(p)
			if err != nil {
				return nil, err
			}
			res = append(res, d)
		}
		return res, nil
	case node.PEMData:
		return [][]byte{s}, nil
	case node.PEMDatas:
		return s, nil
	}
	return nil, fmt.Errorf("no %s configured", what)
}

// readCerts returns the PEM data a certificate source names. A nil source
// is an error naming what is missing.
func readCerts(src node.CertSource, what string) ([]byte, error) {
	switch s := src.(type) {
	case node.PEMPath:
		return os.ReadFile(string(s))
	case node.PEMData:
		return s, nil
	}
	return nil, fmt.Errorf("no %s configured", what)
}
