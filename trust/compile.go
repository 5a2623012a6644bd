package trust

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"github.com/sigstore/sigstore/pkg/cryptoutils"
	sigsig "github.com/sigstore/sigstore/pkg/signature"

	"github.com/sigpolicy/sigpolicy/policy/node"
)

// Compile reads and parses every key and certificate a sigstoreSigned
// requirement names. An error means the requirement cannot be evaluated at
// all (unreadable file, bad PEM, inconsistent configuration); the message
// follows the containers image library's where it has one.
func Compile(req *node.SigstoreRequirement) (*Sigstore, error) {
	if req == nil {
		return nil, errors.New("no sigstoreSigned requirement to compile")
	}
	keyPEMs, err := loadSources(`Internal inconsistency: more than one of "keyPath", "keyPaths", "keyData", "keyDatas" specified`,
		req.KeyPath, req.KeyPaths, req.KeyData, req.KeyDatas)
	if err != nil {
		return nil, err
	}
	rekorPEMs, err := loadSources(`Internal inconsistency: both "rekorPublicKeyPath" and "rekorPublicKeyData" specified`,
		req.RekorPublicKeyPath, req.RekorPublicKeyPaths, req.RekorPublicKeyData, req.RekorPublicKeyDatas)
	if err != nil {
		return nil, err
	}

	roots := 0
	for _, set := range []bool{keyPEMs != nil, req.Fulcio != nil, req.PKI != nil} {
		if set {
			roots++
		}
	}
	if roots != 1 {
		return nil, errors.New("Internal inconsistency: exactly one of public key, Fulcio, or PKI must be specified")
	}

	s := &Sigstore{}
	if rekorPEMs != nil {
		if s.rekorKeys, err = parseRekorKeys(rekorPEMs); err != nil {
			return nil, err
		}
	}
	switch {
	case keyPEMs != nil:
		s.kind = RootPublicKeys
		s.keys, err = parsePublicKeys(keyPEMs)
	case req.Fulcio != nil:
		if s.rekorKeys == nil {
			return nil, errors.New("Internal inconsistency: Fulcio CA specified without a Rekor public key")
		}
		s.kind = RootFulcio
		s.fulcio, err = compileFulcio(req.Fulcio)
	default:
		if s.rekorKeys != nil {
			return nil, errors.New("Internal inconsistency: PKI specified with a Rekor public key")
		}
		s.kind = RootPKI
		s.pki, err = compilePKI(req.PKI)
	}
	if err != nil {
		return nil, err
	}
	s.fingerprint = s.computeFingerprint()
	return s, nil
}

// loadSources returns the bytes named by at most one of a path, a list of
// paths, one inline value or a list of inline values; nil if none is set.
func loadSources(inconsistency string, path string, paths []string, data []byte, datas [][]byte) ([][]byte, error) {
	sources := 0
	var res [][]byte
	if path != "" {
		sources++
		d, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		res = [][]byte{d}
	}
	if paths != nil {
		sources++
		res = [][]byte{}
		for _, p := range paths {
			d, err := os.ReadFile(p)
			if err != nil {
				return nil, err
			}
			res = append(res, d)
		}
	}
	if data != nil {
		sources++
		res = [][]byte{data}
	}
	if datas != nil {
		sources++
		res = datas
	}
	if sources > 1 {
		return nil, errors.New(inconsistency)
	}
	return res, nil
}

func parsePublicKeys(pems [][]byte) ([]publicKey, error) {
	if len(pems) == 0 {
		return nil, errors.New(`Internal inconsistency: "keyPath", "keyPaths", "keyData" and "keyDatas" produced no public keys`)
	}
	keys := make([]publicKey, 0, len(pems))
	for i, p := range pems {
		pk, err := cryptoutils.UnmarshalPEMToPublicKey(p)
		if err != nil {
			return nil, fmt.Errorf("parsing public key %d: %w", i+1, err)
		}
		k, err := newPublicKey(pk)
		if err != nil {
			return nil, fmt.Errorf("public key %d: %w", i+1, err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

func newPublicKey(pk crypto.PublicKey) (publicKey, error) {
	der, err := x509.MarshalPKIXPublicKey(pk)
	if err != nil {
		return publicKey{}, err
	}
	v, err := sigsig.LoadVerifier(pk, crypto.SHA256)
	if err != nil {
		return publicKey{}, err
	}
	return publicKey{der: der, verifier: v}, nil
}

func parseRekorKeys(pems [][]byte) ([]*ecdsa.PublicKey, error) {
	if len(pems) == 0 {
		return nil, errors.New(`Internal inconsistency: "rekorPublicKeyPath", "rekorPublicKeyPaths", "rekorPublicKeyData" and "rekorPublicKeyDatas" produced no public keys`)
	}
	keys := make([]*ecdsa.PublicKey, 0, len(pems))
	for i, p := range pems {
		pk, err := cryptoutils.UnmarshalPEMToPublicKey(p)
		if err != nil {
			return nil, fmt.Errorf("parsing Rekor public key %d: %w", i+1, err)
		}
		ec, ok := pk.(*ecdsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("Rekor public key %d is not using ECDSA", i+1)
		}
		keys = append(keys, ec)
	}
	return keys, nil
}
