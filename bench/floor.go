package bench

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cyberphone/json-canonicalization/go/src/webpki.org/jsoncanonicalizer"
	"github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	configv1 "github.com/openshift/api/config/v1"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	sigsig "github.com/sigstore/sigstore/pkg/signature"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/manifest"

	"github.com/sigpolicy/sigpolicy/fetch"
	"github.com/sigpolicy/sigpolicy/fixtures"
	"github.com/sigpolicy/sigpolicy/trust"
)

// The floor is the least work any implementation must do for one decision,
// measured on the same registry in the same run: the GETs the decision needs
// (the manifest of the pulled reference, a manifest list's instance, the
// .sig manifest and each signature blob: the same URLs and sizes as the
// library and sigpolicy read), on a bare net/http client with kept-alive
// connections and no checks, then the public-key operations of each
// signature on already-parsed keys and certificates: the payload signature,
// the SET signature when the policy has a Rekor key, and for certificate
// roots, the first time a certificate and its chain are seen, the signature
// of each link of the chain up to the trusted root ("first sight"; a
// certificate seen again, byte for byte, is a "repeat certificate").
// Parsing, canonicalisation and policy logic are left out: they are what an
// implementation can make cheap.

// acceptManifests is the Accept header of manifest GETs, as the library and
// sigpolicy send it.
var acceptManifests = strings.Join([]string{
	imgspecv1.MediaTypeImageManifest, manifest.DockerV2Schema2MediaType,
	manifest.DockerV2ListMediaType, imgspecv1.MediaTypeImageIndex,
}, ", ")

// floorPlan is one decision's floor: its GETs, then its public-key checks.
type floorPlan struct {
	gets []floorGet
	// Each check performs one public-key operation and reports whether it
	// verified; decide does not use the result. chain holds the
	// certificate-chain links, checks the payload and SET signatures.
	checks, chain []func() bool
	// chainChecked is shared by the plans whose certificates are the same
	// bytes (leaf and chain annotations): a long-lived verifier need not
	// check a chain it has checked before (the floor side checks each once
	// per run). It is looked up at plan time, outside the clock.
	chainChecked *atomic.Bool
}

type floorGet struct{ url, accept string }

// decide performs the plan with client; the certificate chain is checked
// only when withChain.
func (p *floorPlan) decide(ctx context.Context, client *http.Client, withChain bool) error {
	for _, g := range p.gets {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.url, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Accept", g.accept)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
	}
	if withChain {
		for _, c := range p.chain {
			c()
		}
	}
	for _, c := range p.checks {
		c()
	}
	return nil
}

// newFloorClient returns the bare client floor decisions share.
func newFloorClient(maxConcurrency int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = max(maxConcurrency, 2)
	return &http.Client{Transport: t, Timeout: fetch.DefaultRequestTimeout}
}

// fetched is what planning read of one entry: the GETs and the signature
// layers they returned.
type fetched struct {
	gets   []floorGet
	layers []sigLayer
}

type sigLayer struct {
	payload     []byte
	annotations map[string]string
}

// fetchEntry reads e's manifest, .sig manifest and signature blobs with
// client, recording the GETs a decision makes.
func fetchEntry(ctx context.Context, client *http.Client, e *fixtures.Entry) (*fetched, error) {
	named, err := reference.ParseNormalizedNamed(e.Reference)
	if err != nil {
		return nil, fmt.Errorf("bench: floor: %w", err)
	}
	host := reference.Domain(named)
	base := scheme(host) + "://" + host + "/v2/" + reference.Path(named)
	f := &fetched{}
	get := func(path, accept string) (int, []byte, error) {
		g := floorGet{url: base + path, accept: accept}
		f.gets = append(f.gets, g)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.url, nil)
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Accept", accept)
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil, fmt.Errorf("bench: floor: %w", err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		return resp.StatusCode, body, err
	}
	var tagOrDigest string
	switch r := named.(type) {
	case reference.Digested:
		tagOrDigest = r.Digest().String()
	case reference.Tagged:
		tagOrDigest = r.Tag()
	default:
		return nil, fmt.Errorf("bench: floor: %s has neither tag nor digest", e.Reference)
	}
	status, body, err := get("/manifests/"+tagOrDigest, acceptManifests)
	if err != nil || status != http.StatusOK {
		return f, err
	}
	judged := digest.FromBytes(body)
	if e.Instance != "" {
		judged = digest.Digest(e.Instance)
		if status, _, err := get("/manifests/"+judged.String(), acceptManifests); err != nil || status != http.StatusOK {
			return f, err
		}
	}
	status, body, err = get("/manifests/"+strings.Replace(judged.String(), ":", "-", 1)+".sig", imgspecv1.MediaTypeImageManifest)
	if err != nil || status != http.StatusOK {
		return f, err
	}
	var m imgspecv1.Manifest
	if err := json.Unmarshal(body, &m); err != nil {
		return f, nil // the decisions read this much and stop
	}
	for _, l := range m.Layers {
		status, payload, err := get("/blobs/"+l.Digest.String(), "*/*")
		if err != nil {
			return f, err
		}
		if status == http.StatusOK {
			f.layers = append(f.layers, sigLayer{payload: payload, annotations: l.Annotations})
		}
	}
	return f, nil
}

// scheme is the one fixtures.Push and sigpolicy use: plain HTTP on loopback.
func scheme(host string) string {
	h, _, err := net.SplitHostPort(host)
	if err != nil {
		h = host
	}
	if ip := net.ParseIP(strings.Trim(h, "[]")); h == "localhost" || (ip != nil && ip.IsLoopback()) {
		return "http"
	}
	return "https"
}

// floorChecks returns the public-key operations of verifying layers under
// root, on keys and certificates parsed now: the payload and SET signature
// checks, and the certificate-chain links. Signatures the policy could not
// even start to check (no signature annotation, an unparsable certificate)
// cost nothing.
func floorChecks(root configv1.PolicyRootOfTrust, layers []sigLayer) (checks, links []func() bool) {
	var key, rekorKey crypto.PublicKey
	var roots, intermediates []*x509.Certificate
	switch root.PolicyType {
	case configv1.PublicKeyRootOfTrust:
		if pk := root.PublicKey; pk != nil {
			key, _ = cryptoutils.UnmarshalPEMToPublicKey(pk.KeyData)
			rekorKey = parseKey(pk.RekorKeyData)
		}
	case configv1.FulcioCAWithRekorRootOfTrust:
		if f := root.FulcioCAWithRekor; f != nil {
			roots, intermediates = splitCAs(f.FulcioCAData)
			rekorKey = parseKey(f.RekorKeyData)
		}
	case configv1.PKIRootOfTrust:
		if p := root.PKI; p != nil {
			roots, _ = splitCAs(p.CertificateAuthorityRootsData)
			intermediates, _ = cryptoutils.UnmarshalCertificatesFromPEM(p.CertificateAuthorityIntermediatesData)
		}
	}
	for _, l := range layers {
		sig, err := base64.StdEncoding.DecodeString(l.annotations[trust.SignatureAnnotation])
		if err != nil || len(sig) == 0 {
			continue
		}
		at := time.Now()
		if set, ok := l.annotations[trust.SETAnnotation]; ok && rekorKey != nil {
			c, integrated := setCheck(rekorKey, set)
			if c != nil {
				checks = append(checks, c)
				at = integrated
			}
		}
		signer := key
		if roots != nil {
			certs, err := cryptoutils.UnmarshalCertificatesFromPEM([]byte(l.annotations[trust.CertificateAnnotation]))
			if err != nil || len(certs) == 0 {
				continue
			}
			chain, _ := cryptoutils.UnmarshalCertificatesFromPEM([]byte(l.annotations[trust.ChainAnnotation]))
			links = append(links, chainChecks(certs[0], roots, append(append([]*x509.Certificate(nil), intermediates...), chain...), at)...)
			signer = certs[0].PublicKey
		}
		if signer == nil {
			continue
		}
		v, err := sigsig.LoadVerifier(signer, crypto.SHA256)
		if err != nil {
			continue
		}
		payload := l.payload
		checks = append(checks, func() bool { return v.VerifySignature(bytes.NewReader(sig), bytes.NewReader(payload)) == nil })
	}
	return checks, links
}

// newFloorPlan is the floor of deciding f's image under root; chains maps
// the certificates of the plans made so far to their shared flag.
func newFloorPlan(root configv1.PolicyRootOfTrust, f *fetched, chains map[string]*atomic.Bool) *floorPlan {
	p := &floorPlan{gets: f.gets}
	p.checks, p.chain = floorChecks(root, f.layers)
	var certs strings.Builder
	for _, l := range f.layers {
		certs.WriteString(l.annotations[trust.CertificateAnnotation] + "\x00" + l.annotations[trust.ChainAnnotation] + "\x00")
	}
	p.chainChecked = chainFlag(chains, certs.String())
	return p
}

// chainFlag returns the flag of the plans whose certificates are certs.
func chainFlag(chains map[string]*atomic.Bool, certs string) *atomic.Bool {
	flag := chains[certs]
	if flag == nil {
		flag = new(atomic.Bool)
		chains[certs] = flag
	}
	return flag
}

func parseKey(pemBytes []byte) crypto.PublicKey {
	if len(pemBytes) == 0 {
		return nil
	}
	k, err := cryptoutils.UnmarshalPEMToPublicKey(pemBytes)
	if err != nil {
		return nil
	}
	return k
}

// splitCAs returns the self-signed certificates of a PEM bundle, then the others.
func splitCAs(pemBytes []byte) (roots, others []*x509.Certificate) {
	certs, _ := cryptoutils.UnmarshalCertificatesFromPEM(pemBytes)
	for _, c := range certs {
		if bytes.Equal(c.RawIssuer, c.RawSubject) {
			roots = append(roots, c)
		} else {
			others = append(others, c)
		}
	}
	return roots, others
}

// setCheck returns the SET signature check of a bundle annotation and the
// time it was logged; nil when the bundle cannot be read or the log key is
// not ECDSA (Rekor's keys are).
func setCheck(logKey crypto.PublicKey, bundle string) (func() bool, time.Time) {
	k, ok := logKey.(*ecdsa.PublicKey)
	if !ok {
		return nil, time.Time{}
	}
	var b struct {
		SignedEntryTimestamp []byte
		Payload              json.RawMessage
	}
	if err := json.Unmarshal([]byte(bundle), &b); err != nil {
		return nil, time.Time{}
	}
	canonical, err := jsoncanonicalizer.Transform(b.Payload)
	if err != nil {
		return nil, time.Time{}
	}
	var p struct {
		IntegratedTime int64 `json:"integratedTime"`
	}
	_ = json.Unmarshal(b.Payload, &p)
	hash := sha256.Sum256(canonical)
	return func() bool { return ecdsa.VerifyASN1(k, hash[:], b.SignedEntryTimestamp) }, time.Unix(p.IntegratedTime, 0)
}

// chainChecks returns the signature check of each link from leaf up to a
// trusted root, as a chain verification at time at finds it; when no chain
// verifies, the one check that finds that out (the leaf against the first
// certificate named as its issuer), if any.
func chainChecks(leaf *x509.Certificate, roots, intermediates []*x509.Certificate, at time.Time) []func() bool {
	opts := x509.VerifyOptions{Roots: x509.NewCertPool(), Intermediates: x509.NewCertPool(), CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
	for _, c := range roots {
		opts.Roots.AddCert(c)
	}
	for _, c := range intermediates {
		opts.Intermediates.AddCert(c)
	}
	link := func(child, parent *x509.Certificate) func() bool {
		return func() bool { return child.CheckSignatureFrom(parent) == nil }
	}
	if chains, err := leaf.Verify(opts); err == nil && len(chains) > 0 {
		var checks []func() bool
		for i := 0; i+1 < len(chains[0]); i++ {
			checks = append(checks, link(chains[0][i], chains[0][i+1]))
		}
		return checks
	}
	for _, c := range append(append([]*x509.Certificate(nil), intermediates...), roots...) {
		if bytes.Equal(c.RawSubject, leaf.RawIssuer) {
			return []func() bool{link(leaf, c)}
		}
	}
	return nil
}
