package trust

import (
	"crypto"
	"crypto/x509"
	"fmt"
	"strings"

	"github.com/sigstore/sigstore/pkg/cryptoutils"
	sigsig "github.com/sigstore/sigstore/pkg/signature"

	"github.com/sigpolicy/sigpolicy/policy/node"
)

// RootPublicKeys trusts signatures made by configured public keys.
const RootPublicKeys RootKind = "publicKeys"

// publicKeysRoot is a compiled node.PublicKeyRoot.
type publicKeysRoot struct {
	// ders are the configured keys in PKIX DER, as the library re-marshals
	// them to compare with the key a Rekor entry records.
	ders [][]byte
	// verifiers are the keys' verifiers in the same order, the candidates
	// for the payload signature.
	verifiers []sigsig.Verifier
	rekor     *rekorKeys // nil when no Rekor key is configured
}

// compilePublicKeys parses the keys, then the Rekor keys, as the library
// does. An empty key list, which the parser refuses, compiles into a root
// that accepts nothing.
func compilePublicKeys(r node.PublicKeyRoot) (*publicKeysRoot, error) {
	pems, err := readKeys(r.Keys, "public keys")
	if err != nil {
		return nil, err
	}
	res := &publicKeysRoot{ders: make([][]byte, 0, len(pems)), verifiers: make([]sigsig.Verifier, 0, len(pems))}
	for i, p := range pems {
		pk, err := cryptoutils.UnmarshalPEMToPublicKey(p)
		if err != nil {
			return nil, fmt.Errorf("parsing public key %d: %w", i+1, err)
		}
		der, err := x509.MarshalPKIXPublicKey(pk)
		if err != nil {
			return nil, fmt.Errorf("public key %d: %w", i+1, err)
		}
		v, err := sigsig.LoadVerifier(pk, crypto.SHA256)
		if err != nil {
			return nil, fmt.Errorf("public key %d: %w", i+1, err)
		}
		res.ders = append(res.ders, der)
		res.verifiers = append(res.verifiers, v)
	}
	if r.Rekor != nil {
		if res.rekor, err = compileRekorKeys(r.Rekor); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func (r *publicKeysRoot) kind() RootKind { return RootPublicKeys }

// vouch: without Rekor keys, for any configured key; with them, for the first
// configured key the SET records for this signature.
func (r *publicKeysRoot) vouch(sig layer, steps []Step) (vouched, *Failure) {
	if r.rekor == nil {
		return vouched{steps: steps, keys: r.verifiers}, nil
	}
	set, ok := sig.untrustedAnnotations[SETAnnotation]
	if !ok {
		return vouched{steps: steps}, missing(SETAnnotation)
	}
	i, entry, f := r.keyLoggedInSET([]byte(set), sig.untrustedB64Signature, sig.untrustedPayload)
	if f != nil {
		return vouched{steps: steps}, f
	}
	return vouched{steps: append(steps, entry.step()), keys: r.verifiers[i : i+1 : i+1]}, nil
}

// keyLoggedInSET finds the index of the first configured key the SET
// records for this signature. A SET failure that does not depend on the key
// is reported once per key, as the library, which re-verifies the SET for
// every key, does.
func (r *publicKeysRoot) keyLoggedInSET(set []byte, b64Signature string, payload []byte) (int, *loggedEntry, *Failure) {
	var failures []string
	reason := ReasonUntrustedKey
	entry, f := r.rekor.verifySET(set)
	if f != nil {
		for range r.ders {
			failures = append(failures, f.Error())
		}
		reason = f.Reason
	} else {
		for i, der := range r.ders {
			f := entry.matchKeyDER(der)
			if f == nil {
				if f = entry.matchSignature(b64Signature, payload); f == nil {
					return i, entry, nil
				}
			}
			if f.Reason != ReasonUntrustedKey {
				reason = f.Reason
			}
			failures = append(failures, f.Error())
		}
	}
	return 0, nil, fail(CheckRekorSET, reason, setExpected, "",
		fmt.Sprintf("No public key verified against the RekorSET: %s", strings.Join(failures, ", ")))
}

func (r *publicKeysRoot) fingerprint(field func([]byte)) bool {
	for _, der := range r.ders {
		field(der)
	}
	return r.rekor.fingerprint(field)
}
