package bench

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"testing"

	configv1 "github.com/openshift/api/config/v1"
	"github.com/sigstore/cosign/v2/pkg/cosign"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/sigstore/sigstore/pkg/tuf"
)

// cosignOptions translates a ClusterImagePolicy into cosign's CheckOpts, as
// `cosign verify --key` / `--certificate-identity` would check the same
// trust, offline; nil for roots cosign has no equivalent for here (PKI).
// cosign's claim check compares the signed digest only, so the identity
// rule has no counterpart.
func cosignOptions(b *testing.B, p *configv1.ClusterImagePolicy) *cosign.CheckOpts {
	b.Helper()
	rot := p.Spec.Policy.RootOfTrust
	opts := &cosign.CheckOpts{Offline: true, ClaimVerifier: cosign.SimpleClaimVerifier}
	rekor := func(pemKey []byte) {
		keys := cosign.NewTrustedTransparencyLogPubKeys()
		if err := keys.AddTransparencyLogPubKey(pemKey, tuf.Active); err != nil {
			b.Fatal(err)
		}
		opts.RekorPubKeys = &keys
	}
	switch rot.PolicyType {
	case configv1.PublicKeyRootOfTrust:
		pub, err := cryptoutils.UnmarshalPEMToPublicKey(rot.PublicKey.KeyData)
		if err != nil {
			b.Fatal(err)
		}
		if opts.SigVerifier, err = signature.LoadVerifier(pub, crypto.SHA256); err != nil {
			b.Fatal(err)
		}
		opts.IgnoreTlog = len(rot.PublicKey.RekorKeyData) == 0
		if !opts.IgnoreTlog {
			rekor(rot.PublicKey.RekorKeyData)
		}
	case configv1.FulcioCAWithRekorRootOfTrust:
		f := rot.FulcioCAWithRekor
		certs, err := cryptoutils.UnmarshalCertificatesFromPEM(f.FulcioCAData)
		if err != nil {
			b.Fatal(err)
		}
		// Intermediates configured with the CA; otherwise (nil) cosign takes
		// them from the signature's chain annotation, as the library does.
		opts.RootCerts = x509.NewCertPool()
		for _, c := range certs {
			if bytes.Equal(c.RawIssuer, c.RawSubject) {
				opts.RootCerts.AddCert(c)
				continue
			}
			if opts.IntermediateCerts == nil {
				opts.IntermediateCerts = x509.NewCertPool()
			}
			opts.IntermediateCerts.AddCert(c)
		}
		opts.IgnoreSCT = true
		opts.Identities = []cosign.Identity{{Issuer: f.FulcioSubject.OIDCIssuer, Subject: f.FulcioSubject.SignedEmail}}
		rekor(f.RekorKeyData)
	default:
		return nil
	}
	return opts
}
