package verify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.podman.io/image/v5/docker/reference"

	"github.com/sigpolicy/sigpolicy/policy/node"
)

const vectors = "testdata/containers-image"

func vector(name string) string { return filepath.Join(vectors, name) }

func mustNamed(t testing.TB, s string) reference.Named {
	t.Helper()
	if s == "" {
		return nil
	}
	r, err := reference.ParseNormalizedNamed(s)
	if err != nil {
		t.Fatalf("parsing %q: %v", s, err)
	}
	return r
}

func keyReq(id node.Identity, keys ...string) *node.SigstoreRequirement {
	var src node.KeySource
	if len(keys) == 1 {
		src = node.PEMPath(vector(keys[0]))
	} else {
		var paths node.PEMPaths
		for _, k := range keys {
			paths = append(paths, vector(k))
		}
		src = paths
	}
	return &node.SigstoreRequirement{Root: node.PublicKeyRoot{Keys: src}, SignedIdentity: id}
}

func withRekor(req *node.SigstoreRequirement, key string) *node.SigstoreRequirement {
	root := req.Root.(node.PublicKeyRoot)
	root.Rekor = node.PEMPath(vector(key))
	req.Root = root
	return req
}

func fulcioReq(id node.Identity, issuer, email, rekor string) *node.SigstoreRequirement {
	return &node.SigstoreRequirement{
		Root: node.FulcioRoot{CA: node.PEMPath(vector("fulcio_v1.crt.pem")), OIDCIssuer: issuer, SubjectEmail: email,
			Rekor: node.PEMPath(vector(rekor))},
		SignedIdentity: id,
	}
}

func pkiReq(id node.Identity, intermediates bool, email, hostname string) *node.SigstoreRequirement {
	p := node.PKIRoot{CARoots: node.PEMPath(vector("pki_root_crts.pem")), SubjectEmail: email, SubjectHostname: hostname}
	if intermediates {
		p.CAIntermediates = node.PEMPath(vector("pki_intermediate_crts.pem"))
	}
	return &node.SigstoreRequirement{Root: p, SignedIdentity: id}
}

var (
	idMatchRepository        = node.Identity{Type: node.MatchRepository}
	idMatchExact             = node.Identity{Type: node.MatchExact}
	idMatchRepoDigestOrExact = node.Identity{Type: node.MatchRepoDigestOrExact}
)

func idExactRepository(r string) node.Identity {
	return node.Identity{Type: node.ExactRepository, DockerRepository: r}
}

func idExactReference(r string) node.Identity {
	return node.Identity{Type: node.ExactReference, DockerReference: r}
}

func idRemapIdentity(prefix, signedPrefix string) node.Identity {
	return node.Identity{Type: node.RemapIdentity, Prefix: prefix, SignedPrefix: signedPrefix}
}

const (
	sampleRepo = "192.168.64.2:5000/cosign-signed-single-sample"
	githubOIDC = "https://github.com/login/oauth"
)

// TestConformanceVectorsMatchLibrary runs every containers-image vector
// through the verifier and through the library on the same inputs, and
// requires the same verdict and, for denials, the library's exact reason.
func TestConformanceVectorsMatchLibrary(t *testing.T) {
	tests := []struct {
		desc    string
		image   string // dir-img-cosign-… vector
		ref     string // docker reference the image is pulled as; "" for none
		req     *node.SigstoreRequirement
		allowed bool
		// reason is a substring our denial must contain (besides being the
		// library's text).
		reason string
	}{
		{"key: cosign identity without tag accepted by matchRepository", "valid", sampleRepo + ":latest", keyReq(idMatchRepository, "cosign.pub"), true, ""},
		{"key: default matchRepoDigestOrExact rejects an untagged signed identity", "valid", sampleRepo + ":latest", keyReq(idMatchRepoDigestOrExact, "cosign.pub"), false, "is not accepted"},
		{"key: matchExact rejects an untagged signed identity", "valid", sampleRepo + ":latest", keyReq(idMatchExact, "cosign.pub"), false, "is not accepted"},
		{"key: digest reference, matchRepoDigestOrExact, untagged identity", "valid", sampleRepo + "@sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00", keyReq(idMatchRepoDigestOrExact, "cosign.pub"), false, "is not accepted"},
		{"key: exactRepository of the signed repository", "valid", "other.example/app:v1", keyReq(idExactRepository(sampleRepo), "cosign.pub"), true, ""},
		{"key: exactRepository of another repository", "valid", sampleRepo + ":latest", keyReq(idExactRepository("192.168.64.2:5000/other"), "cosign.pub"), false, "is not accepted"},
		{"key: exactRepository on an image without Docker identity", "valid", "", keyReq(idExactRepository(sampleRepo), "cosign.pub"), true, ""},
		{"key: matchRepository on an image without Docker identity", "valid", "", keyReq(idMatchRepository, "cosign.pub"), false, "is not accepted"},
		{"key: matchRepository in another repository", "valid", "192.168.64.2:5000/other:latest", keyReq(idMatchRepository, "cosign.pub"), false, "is not accepted"},
		{"key: remapIdentity to the signed host, untagged identity", "valid", "mirror.example/cosign-signed-single-sample:latest", keyReq(idRemapIdentity("mirror.example", "192.168.64.2:5000"), "cosign.pub"), false, "is not accepted"},
		{"key: untrusted key", "valid", sampleRepo + ":latest", keyReq(idMatchRepository, "cosign2.pub"), false, "cryptographic signature verification failed"},
		{"key: second of two keys", "valid", sampleRepo + ":latest", keyReq(idMatchRepository, "cosign2.pub", "cosign.pub"), true, ""},
		{"key: two valid signatures", "valid-2", sampleRepo + ":latest", keyReq(idMatchRepository, "cosign.pub"), true, ""},
		{"key: two signatures, untrusted key", "valid-2", sampleRepo + ":latest", keyReq(idMatchRepository, "cosign2.pub"), false, "None of the signatures were accepted, reasons: "},
		{"key: tagged identity, matchExact", "valid-with-tag", "192.168.64.2:5000/skopeo-signed:tag", keyReq(idMatchExact, "cosign.pub"), true, ""},
		{"key: tagged identity, matchRepoDigestOrExact", "valid-with-tag", "192.168.64.2:5000/skopeo-signed:tag", keyReq(idMatchRepoDigestOrExact, "cosign.pub"), true, ""},
		{"key: tagged identity, other tag", "valid-with-tag", "192.168.64.2:5000/skopeo-signed:other", keyReq(idMatchRepoDigestOrExact, "cosign.pub"), false, "is not accepted"},
		{"key: tagged identity, digest reference", "valid-with-tag", "192.168.64.2:5000/skopeo-signed@sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00", keyReq(idMatchRepoDigestOrExact, "cosign.pub"), true, ""},
		{"key: tagged identity, exactReference", "valid-with-tag", "elsewhere.example/x:y", keyReq(idExactReference("192.168.64.2:5000/skopeo-signed:tag"), "cosign.pub"), true, ""},
		{"key: tagged identity, exactReference of another tag", "valid-with-tag", "192.168.64.2:5000/skopeo-signed:tag", keyReq(idExactReference("192.168.64.2:5000/skopeo-signed:other"), "cosign.pub"), false, "is not accepted"},
		{"key: tagged identity, remapIdentity from a mirror", "valid-with-tag", "mirror.example:5000/skopeo-signed:tag", keyReq(idRemapIdentity("mirror.example:5000", "192.168.64.2:5000"), "cosign.pub"), true, ""},
		{"key: tagged identity, remapIdentity not matching the prefix", "valid-with-tag", "mirror.example:5000/skopeo-signed:tag", keyReq(idRemapIdentity("mirror.example", "192.168.64.2:5000"), "cosign.pub"), false, "is not accepted"},
		{"key: unknown-key signature then a valid one", "mixed", sampleRepo + ":latest", keyReq(idMatchRepository, "cosign.pub"), true, ""},
		{"key: mixed, neither trusted", "mixed", sampleRepo + ":latest", keyReq(idMatchRepository, "cosign2.pub"), false, "None of the signatures were accepted"},
		{"key: valid signature on another manifest", "modified-manifest", sampleRepo + ":latest", keyReq(idMatchRepository, "cosign.pub"), false, "does not match"},
		{"key: only a non-signature attachment", "other-attachment", sampleRepo + ":latest", keyReq(idMatchRepository, "cosign.pub"), false, "1 sigstore non-signature attachments"},

		{"key+rekor: valid", "key-rekor-valid", "192.168.64.2:5000/cosign-signed/key-1:latest", withRekor(keyReq(idMatchRepository, "cosign2.pub"), "rekor.pub"), true, ""},
		{"key+rekor: SET vouches for the second key", "key-rekor-valid", "192.168.64.2:5000/cosign-signed/key-1:latest", withRekor(keyReq(idMatchRepository, "cosign.pub", "cosign2.pub"), "rekor.pub"), true, ""},
		{"key+rekor: SET vouches for another key", "key-rekor-valid", "192.168.64.2:5000/cosign-signed/key-1:latest", withRekor(keyReq(idMatchRepository, "cosign.pub"), "rekor.pub"), false, "No public key verified against the RekorSET: publicKey in Rekor SET does not match"},
		{"key+rekor: SET not signed by the Rekor key", "key-rekor-valid", "192.168.64.2:5000/cosign-signed/key-1:latest", withRekor(keyReq(idMatchRepository, "cosign2.pub", "cosign.pub"), "cosign.pub"), false, "cryptographic signature verification of Rekor SET failed, cryptographic"},
		{"key+rekor: signature without SET", "valid", sampleRepo + ":latest", withRekor(keyReq(idMatchRepository, "cosign.pub"), "rekor.pub"), false, "missing dev.sigstore.cosign/bundle annotation"},
		{"key+rekor: identity mismatch after a valid SET", "key-rekor-valid", "192.168.64.2:5000/cosign-signed/key-2:latest", withRekor(keyReq(idMatchRepository, "cosign2.pub"), "rekor.pub"), false, "is not accepted"},

		{"fulcio: valid at the Rekor integration time", "fulcio-rekor-valid", "192.168.64.2:5000/cosign-signed/fulcio-rekor-1:latest", fulcioReq(idMatchRepository, githubOIDC, "mitr@redhat.com", "rekor.pub"), true, ""},
		{"fulcio: other email", "fulcio-rekor-valid", "192.168.64.2:5000/cosign-signed/fulcio-rekor-1:latest", fulcioReq(idMatchRepository, githubOIDC, "someone@example.com", "rekor.pub"), false, `Required email "someone@example.com" not found`},
		{"fulcio: other issuer", "fulcio-rekor-valid", "192.168.64.2:5000/cosign-signed/fulcio-rekor-1:latest", fulcioReq(idMatchRepository, "https://accounts.google.com", "mitr@redhat.com", "rekor.pub"), false, "Unexpected Fulcio OIDC issuer"},
		{"fulcio: SET not signed by the Rekor key", "fulcio-rekor-valid", "192.168.64.2:5000/cosign-signed/fulcio-rekor-1:latest", fulcioReq(idMatchRepository, githubOIDC, "mitr@redhat.com", "cosign.pub"), false, "cryptographic signature verification of Rekor SET failed"},
		{"fulcio: key signature without certificate", "key-rekor-valid", "192.168.64.2:5000/cosign-signed/key-1:latest", fulcioReq(idMatchRepository, githubOIDC, "mitr@redhat.com", "rekor.pub"), false, "missing dev.sigstore.cosign/certificate annotation"},
		{"fulcio: untagged identity under the default rule", "fulcio-rekor-valid", "192.168.64.2:5000/cosign-signed/fulcio-rekor-1:latest", fulcioReq(idMatchRepoDigestOrExact, githubOIDC, "mitr@redhat.com", "rekor.pub"), false, "is not accepted"},

		{"pki: valid with intermediates and email", "pki-valid", "localhost:5000/test:latest", pkiReq(idMatchRepository, true, "qiwan@redhat.com", ""), true, ""},
		{"pki: valid with the chain annotation only, hostname", "pki-valid", "localhost:5000/test:latest", pkiReq(idMatchRepository, false, "", "myhost.example.com"), true, ""},
		{"pki: email and hostname", "pki-valid", "localhost:5000/test:latest", pkiReq(idMatchRepository, true, "qiwan@redhat.com", "myhost.example.com"), true, ""},
		{"pki: other email", "pki-valid", "localhost:5000/test:latest", pkiReq(idMatchRepository, true, "other@redhat.com", ""), false, "Required email"},
		{"pki: other hostname", "pki-valid", "localhost:5000/test:latest", pkiReq(idMatchRepository, true, "", "other.example.com"), false, "Unexpected subject hostname"},
		{"pki: key signature without certificate", "valid", sampleRepo + ":latest", pkiReq(idMatchRepository, true, "qiwan@redhat.com", ""), false, "missing dev.sigstore.cosign/certificate annotation"},
		{"pki: other repository", "pki-valid", "localhost:5000/other:latest", pkiReq(idMatchRepository, true, "qiwan@redhat.com", ""), false, "is not accepted"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			dir := vector("dir-img-cosign-" + tc.image)
			image := mustNamed(t, tc.ref)
			libAllowed, libErr := libraryVerdict(t, tc.req, dir, image)

			v, err := NewSigstoreVerifier(tc.req)
			if err != nil {
				t.Fatalf("NewSigstoreVerifier: %v", err)
			}
			manifestDigest, sigs := readDirImage(t, dir)
			got := v.EvaluateAt(time.Now(), image, manifestDigest, sigs)

			if libAllowed != tc.allowed {
				t.Fatalf("library verdict %v (%v), the test expects %v", libAllowed, libErr, tc.allowed)
			}
			if got.Allowed != libAllowed {
				t.Fatalf("allowed = %v (%s), library %v (%v)", got.Allowed, got.Reason, libAllowed, libErr)
			}
			if got.Allowed {
				if got.Code != ReasonAccepted || got.Reason != "" {
					t.Errorf("allowed result has code %q reason %q", got.Code, got.Reason)
				}
				last := got.Signatures[len(got.Signatures)-1]
				if !last.Accepted || !last.Checks[len(last.Checks)-1].Passed {
					t.Errorf("accepted signature not recorded: %+v", last)
				}
				return
			}
			if got.Reason != libErr.Error() {
				t.Errorf("reason:\n got %q\nlibrary %q", got.Reason, libErr.Error())
			}
			if !strings.Contains(got.Reason, tc.reason) {
				t.Errorf("reason %q does not contain %q", got.Reason, tc.reason)
			}
		})
	}
}

// TestManifestLevelVectors covers the two vectors whose manifest itself is
// the problem: the library fails reading or digesting it, which the fetcher
// turns into a denial before any signature is checked; the verifier, handed
// a digest that no signature names, denies as well.
func TestManifestLevelVectors(t *testing.T) {
	for _, name := range []string{"manifest-digest-error", "no-manifest"} {
		t.Run(name, func(t *testing.T) {
			dir := vector("dir-img-cosign-" + name)
			req := keyReq(idMatchRepository, "cosign.pub")
			image := mustNamed(t, sampleRepo+":latest")
			libAllowed, libErr := libraryVerdict(t, req, dir, image)
			if libAllowed || libErr == nil {
				t.Fatalf("library allowed %s", name)
			}
			v, err := NewSigstoreVerifier(req)
			if err != nil {
				t.Fatal(err)
			}
			manifestDigest, sigs := readDirImage(t, dir)
			if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err != nil {
				manifestDigest = "sha256:0000000000000000000000000000000000000000000000000000000000000000"
			}
			got := v.EvaluateAt(time.Now(), image, manifestDigest, sigs)
			if got.Allowed || got.Code != ReasonDigestMismatch {
				t.Fatalf("got %+v, want a digest-mismatch denial", got)
			}
		})
	}
}

// TestCompileErrorsAreLibraryRejections: what fails to compile here is
// rejected by the library for every signature, with the same message.
func TestCompileErrorsAreLibraryRejections(t *testing.T) {
	tests := []struct {
		desc string
		req  *node.SigstoreRequirement
		want string
	}{
		{"Rekor key is RSA", withRekor(keyReq(idMatchRepository, "cosign2.pub"), "some-rsa-key.pub"), "Rekor public key 1 is not using ECDSA"},
		{"key file missing", keyReq(idMatchRepository, "does-not-exist.pub"), "no such file or directory"},
		{"key file not PEM", keyReq(idMatchRepository, "dir-img-cosign-valid/manifest.json"), "parsing public key 1: PEM decoding failed"},
		{"key file not PEM, Rekor key RSA", withRekor(keyReq(idMatchRepository, "dir-img-cosign-valid/manifest.json"), "some-rsa-key.pub"), "parsing public key 1: PEM decoding failed"},
		{"Fulcio CA not PEM", &node.SigstoreRequirement{
			Root: node.FulcioRoot{CA: node.PEMPath(vector("cosign.pub")), OIDCIssuer: githubOIDC, SubjectEmail: "mitr@redhat.com",
				Rekor: node.PEMPath(vector("rekor.pub"))},
			SignedIdentity: idMatchRepository,
		}, "error loading Fulcio CA certificates"},
		{"Fulcio CA not PEM, Rekor key RSA", &node.SigstoreRequirement{
			Root: node.FulcioRoot{CA: node.PEMPath(vector("cosign.pub")), OIDCIssuer: githubOIDC, SubjectEmail: "mitr@redhat.com",
				Rekor: node.PEMPath(vector("some-rsa-key.pub"))},
			SignedIdentity: idMatchRepository,
		}, "error loading Fulcio CA certificates"},
		{"PKI roots not certificates", &node.SigstoreRequirement{
			Root: node.PKIRoot{CARoots: node.PEMPath(vector("cosign.pub")), SubjectEmail: "qiwan@redhat.com"}, SignedIdentity: idMatchRepository,
		}, "error loading PKI CA Roots certificates"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := NewSigstoreVerifier(tc.req)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("compile error %v, want %q", err, tc.want)
			}
			dir := vector("dir-img-cosign-key-rekor-valid")
			allowed, libErr := libraryVerdict(t, tc.req, dir, mustNamed(t, "192.168.64.2:5000/cosign-signed/key-1:latest"))
			if allowed || libErr == nil || libErr.Error() != err.Error() {
				t.Fatalf("library: allowed %v, %v; compile error %v", allowed, libErr, err)
			}
		})
	}
}
