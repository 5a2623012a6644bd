package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"maps"
	"os"
	"testing"
	"time"

	"github.com/cyberphone/json-canonicalization/go/src/webpki.org/jsoncanonicalizer"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	sigsig "github.com/sigstore/sigstore/pkg/signature"

	"github.com/sigpolicy/sigpolicy/policy/node"
	"github.com/sigpolicy/sigpolicy/trust"
)

// BenchmarkSigstoreSignature measures one signature's verification on the
// containers-image vectors, in memory, for sigpolicy and for the library
// (see benchCases).
func BenchmarkSigstoreSignature(b *testing.B) {
	for _, c := range benchCases(b) {
		b.Run(c.name+"/sigpolicy", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if c.prepare != nil {
					b.StopTimer()
					c.prepare()
					b.StartTimer()
				}
				c.ours()
			}
		})
		b.Run(c.name+"/library", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.library()
			}
		})
	}
}

// BenchmarkSigstoreRatio alternates sigpolicy, the library and the crypto
// floor within each iteration and reports each one's time per signature and
// the ratios to the library, so that load from other processes weighs on all
// alike.
func BenchmarkSigstoreRatio(b *testing.B) {
	for _, c := range benchCases(b) {
		b.Run(c.name, func(b *testing.B) {
			var ours, library, floor time.Duration
			for b.Loop() {
				if c.prepare != nil {
					c.prepare()
				}
				t0 := time.Now()
				c.ours()
				t1 := time.Now()
				c.library()
				t2 := time.Now()
				c.floor()
				ours, library, floor = ours+t1.Sub(t0), library+t2.Sub(t1), floor+time.Since(t2)
			}
			n := float64(b.N)
			b.ReportMetric(float64(ours.Nanoseconds())/n, "sigpolicy-ns/op")
			b.ReportMetric(float64(library.Nanoseconds())/n, "library-ns/op")
			b.ReportMetric(float64(floor.Nanoseconds())/n, "floor-ns/op")
			b.ReportMetric(float64(ours)/float64(library), "ratio")
			b.ReportMetric(float64(floor)/float64(library), "floor-ratio")
		})
	}
}

type benchCase struct {
	name                 string
	ours, library, floor func()
	// prepare, when set, runs before each ours, outside the measurement.
	prepare func()
}

// benchCases prepares, for each kind of root, one conformance vector
// evaluated by sigpolicy's compiled verifier and by the library (one
// PolicyContext, one image whose manifest and signatures the library has
// already read and cached, so that both sides do only per-signature work;
// the library still re-reads and re-parses its trust material each time,
// as it does at every pull). Each function fails the benchmark unless the
// image is allowed.
//
// Certificate roots are measured twice. "repeat-certificate" reuses one
// verifier, which after the first iteration remembers the signing
// certificate: a BYOPKI certificate signing many images, or the same
// signature verified again. "first-sight" gives every iteration a verifier
// that has never seen the signing certificate but already knows its CA
// (the same certificates under a re-encoded chain annotation were
// verified): each image signed by a new certificate of a known CA.
func benchCases(b *testing.B) []benchCase {
	specs := []struct {
		name    string
		image   string
		ref     string
		req     *node.SigstoreRequirement
		keyFile string // payload key of key-based vectors
		set     bool
	}{
		{"key", "valid", sampleRepo + ":latest", keyReq(idMatchRepository, "cosign.pub"), "cosign.pub", false},
		{"key+rekor", "key-rekor-valid", "192.168.64.2:5000/cosign-signed/key-1:latest", withRekor(keyReq(idMatchRepository, "cosign2.pub"), "rekor.pub"), "cosign2.pub", true},
		{"fulcio+rekor", "fulcio-rekor-valid", "192.168.64.2:5000/cosign-signed/fulcio-rekor-1:latest", fulcioReq(idMatchRepository, githubOIDC, "mitr@redhat.com", "rekor.pub"), "", true},
		{"pki", "pki-valid", "localhost:5000/test:latest", pkiReq(idMatchRepository, true, "qiwan@redhat.com", ""), "", false},
	}
	var cases []benchCase
	for _, s := range specs {
		dir := vector("dir-img-cosign-" + s.image)
		image := mustNamed(b, s.ref)
		v, err := NewSigstoreVerifier(s.req)
		if err != nil {
			b.Fatal(err)
		}
		manifestDigest, sigs := readDirImage(b, dir)
		now := time.Now()
		pc := libraryPolicy(b, s.req)
		img, closeImage := libraryImage(b, dir, image)
		b.Cleanup(closeImage)
		ctx := context.Background()
		evaluate := func(v *SigstoreVerifier, sigs []UntrustedSignature) {
			if res := v.EvaluateAt(now, image, manifestDigest, sigs); !res.Allowed {
				b.Fatal(res.Reason)
			}
		}
		library := func() {
			if ok, err := pc.IsRunningImageAllowed(ctx, img); !ok {
				b.Fatal(err)
			}
		}
		if s.keyFile != "" {
			cases = append(cases, benchCase{name: s.name, ours: func() { evaluate(v, sigs) }, library: library,
				floor: cryptoFloor(b, s.image, s.keyFile, s.set, false)})
			continue
		}
		sibling := reencodedChain(sigs)
		fresh := v
		cases = append(cases,
			benchCase{name: s.name + "/first-sight", ours: func() { evaluate(fresh, sigs) }, library: library,
				floor: cryptoFloor(b, s.image, "", s.set, true),
				prepare: func() {
					if fresh, err = NewSigstoreVerifier(s.req); err != nil {
						b.Fatal(err)
					}
					evaluate(fresh, sibling)
				}},
			benchCase{name: s.name + "/repeat-certificate", ours: func() { evaluate(v, sigs) }, library: library,
				floor: cryptoFloor(b, s.image, "", s.set, false)})
	}
	return cases
}

// reencodedChain returns sigs with a newline appended to every chain
// annotation and a space before every SET annotation: the same
// certificates and the same SET, which a verifier does not recognise as the
// same annotations (its certificate and SET memos are keyed by their bytes).
func reencodedChain(sigs []UntrustedSignature) []UntrustedSignature {
	res := make([]UntrustedSignature, len(sigs))
	for i, s := range sigs {
		s.Annotations = maps.Clone(s.Annotations)
		if chain, ok := s.Annotations[trust.ChainAnnotation]; ok {
			s.Annotations[trust.ChainAnnotation] = chain + "\n"
		}
		if set, ok := s.Annotations[trust.SETAnnotation]; ok {
			s.Annotations[trust.SETAnnotation] = " " + set
		}
		res[i] = s
	}
	return res
}

// BenchmarkSigstoreCryptoFloor runs only the public-key operations no
// verifier can skip for a signature it has not seen before (see cryptoFloor):
// with the leaf's signature by its issuer for a first-sight certificate,
// without it for a certificate already verified.
func BenchmarkSigstoreCryptoFloor(b *testing.B) {
	for _, c := range benchCases(b) {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.floor()
			}
		})
	}
}

// cryptoFloor returns a function performing, on the vector's first
// signature, the payload signature verification, the SET signature
// verification (withSET) and, with withLeaf, the leaf certificate's
// signature check by its issuer (the issuer's own signature by the root is
// what sigpolicy checks once per intermediate). keyFile names the payload
// key for key-based vectors, "" for certificate-based ones.
func cryptoFloor(b *testing.B, image, keyFile string, withSET, withLeaf bool) func() {
	_, sigs := readDirImage(b, vector("dir-img-cosign-"+image))
	s := sigs[0]
	sig, err := base64.StdEncoding.DecodeString(s.Annotations[trust.SignatureAnnotation])
	if err != nil {
		b.Fatal(err)
	}
	var payloadKey crypto.PublicKey
	var leaf, issuer *x509.Certificate
	if keyFile != "" {
		payloadKey = vectorKey(b, keyFile)
	} else {
		certs, err := cryptoutils.UnmarshalCertificatesFromPEM([]byte(s.Annotations[trust.CertificateAnnotation]))
		if err != nil {
			b.Fatal(err)
		}
		chain, err := cryptoutils.UnmarshalCertificatesFromPEM([]byte(s.Annotations[trust.ChainAnnotation]))
		if err != nil {
			b.Fatal(err)
		}
		leaf, issuer, payloadKey = certs[0], chain[0], certs[0].PublicKey
	}
	verifier, err := sigsig.LoadVerifier(payloadKey, crypto.SHA256)
	if err != nil {
		b.Fatal(err)
	}
	var setHash [32]byte
	var setSig []byte
	var rekorKey *ecdsa.PublicKey
	if withSET {
		var set struct {
			SignedEntryTimestamp []byte
			Payload              json.RawMessage
		}
		if err := json.Unmarshal([]byte(s.Annotations[trust.SETAnnotation]), &set); err != nil {
			b.Fatal(err)
		}
		canonical, err := jsoncanonicalizer.Transform(set.Payload)
		if err != nil {
			b.Fatal(err)
		}
		setHash, setSig = sha256.Sum256(canonical), set.SignedEntryTimestamp
		rekorKey = vectorKey(b, "rekor.pub").(*ecdsa.PublicKey)
	}
	return func() {
		if err := verifier.VerifySignature(bytes.NewReader(sig), bytes.NewReader(s.Payload)); err != nil {
			b.Fatal(err)
		}
		if withSET && !ecdsa.VerifyASN1(rekorKey, setHash[:], setSig) {
			b.Fatal("SET signature does not verify")
		}
		if withLeaf {
			if err := leaf.CheckSignatureFrom(issuer); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func vectorKey(b *testing.B, name string) crypto.PublicKey {
	keyPEM, err := os.ReadFile(vector(name))
	if err != nil {
		b.Fatal(err)
	}
	k, err := cryptoutils.UnmarshalPEMToPublicKey(keyPEM)
	if err != nil {
		b.Fatal(err)
	}
	return k
}
