package verify

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"go.podman.io/image/v5/directory"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/image"
	"go.podman.io/image/v5/signature"
	"go.podman.io/image/v5/types"

	"github.com/sigpolicy/sigpolicy/policy/node"
)

// The reference library, asked about the same inputs: a dir: image (the
// layout the library's own fixtures use) presented under a docker reference,
// and a policy whose default is the requirement under test.

// libraryRequirement converts a requirement to the library's policy type.
func libraryRequirement(t testing.TB, req *node.SigstoreRequirement) signature.PolicyRequirement {
	t.Helper()
	var opts []signature.PRSigstoreSignedOption
	switch root := req.Root.(type) {
	case node.PublicKeyRoot:
		switch k := root.Keys.(type) {
		case node.PEMPath:
			opts = append(opts, signature.PRSigstoreSignedWithKeyPath(string(k)))
		case node.PEMPaths:
			opts = append(opts, signature.PRSigstoreSignedWithKeyPaths(k))
		case node.PEMData:
			opts = append(opts, signature.PRSigstoreSignedWithKeyData(k))
		case node.PEMDatas:
			opts = append(opts, signature.PRSigstoreSignedWithKeyDatas(k))
		}
		opts = append(opts, libraryRekor(root.Rekor)...)
	case node.FulcioRoot:
		fopts := []signature.PRSigstoreSignedFulcioOption{
			signature.PRSigstoreSignedFulcioWithOIDCIssuer(root.OIDCIssuer),
			signature.PRSigstoreSignedFulcioWithSubjectEmail(root.SubjectEmail),
		}
		switch ca := root.CA.(type) {
		case node.PEMPath:
			fopts = append(fopts, signature.PRSigstoreSignedFulcioWithCAPath(string(ca)))
		case node.PEMData:
			fopts = append(fopts, signature.PRSigstoreSignedFulcioWithCAData(ca))
		}
		fulcio, err := signature.NewPRSigstoreSignedFulcio(fopts...)
		if err != nil {
			t.Fatalf("library Fulcio root: %v", err)
		}
		opts = append(opts, signature.PRSigstoreSignedWithFulcio(fulcio))
		opts = append(opts, libraryRekor(root.Rekor)...)
	case node.PKIRoot:
		var popts []signature.PRSigstoreSignedPKIOption
		switch ca := root.CARoots.(type) {
		case node.PEMPath:
			popts = append(popts, signature.PRSigstoreSignedPKIWithCARootsPath(string(ca)))
		case node.PEMData:
			popts = append(popts, signature.PRSigstoreSignedPKIWithCARootsData(ca))
		}
		switch ca := root.CAIntermediates.(type) {
		case node.PEMPath:
			popts = append(popts, signature.PRSigstoreSignedPKIWithCAIntermediatesPath(string(ca)))
		case node.PEMData:
			popts = append(popts, signature.PRSigstoreSignedPKIWithCAIntermediatesData(ca))
		}
		if root.SubjectEmail != "" {
			popts = append(popts, signature.PRSigstoreSignedPKIWithSubjectEmail(root.SubjectEmail))
		}
		if root.SubjectHostname != "" {
			popts = append(popts, signature.PRSigstoreSignedPKIWithSubjectHostname(root.SubjectHostname))
		}
		pki, err := signature.NewPRSigstoreSignedPKI(popts...)
		if err != nil {
			t.Fatalf("library PKI root: %v", err)
		}
		opts = append(opts, signature.PRSigstoreSignedWithPKI(pki))
	default:
		t.Fatalf("no root of trust: %#v", req.Root)
	}
	opts = append(opts, signature.PRSigstoreSignedWithSignedIdentity(libraryIdentity(t, req.SignedIdentity)))
	pr, err := signature.NewPRSigstoreSigned(opts...)
	if err != nil {
		t.Fatalf("library requirement: %v", err)
	}
	return pr
}

// libraryRekor converts a Rekor key source; none for nil.
func libraryRekor(src node.KeySource) []signature.PRSigstoreSignedOption {
	switch k := src.(type) {
	case node.PEMPath:
		return []signature.PRSigstoreSignedOption{signature.PRSigstoreSignedWithRekorPublicKeyPath(string(k))}
	case node.PEMPaths:
		return []signature.PRSigstoreSignedOption{signature.PRSigstoreSignedWithRekorPublicKeyPaths(k)}
	case node.PEMData:
		return []signature.PRSigstoreSignedOption{signature.PRSigstoreSignedWithRekorPublicKeyData(k)}
	case node.PEMDatas:
		return []signature.PRSigstoreSignedOption{signature.PRSigstoreSignedWithRekorPublicKeyDatas(k)}
	}
	return nil
}

func libraryIdentity(t testing.TB, id node.Identity) signature.PolicyReferenceMatch {
	t.Helper()
	var prm signature.PolicyReferenceMatch
	var err error
	switch id.Type {
	case node.MatchExact:
		prm = signature.NewPRMMatchExact()
	case node.MatchRepository:
		prm = signature.NewPRMMatchRepository()
	case node.ExactReference:
		prm, err = signature.NewPRMExactReference(id.DockerReference)
	case node.ExactRepository:
		prm, err = signature.NewPRMExactRepository(id.DockerRepository)
	case node.RemapIdentity:
		prm, err = signature.NewPRMRemapIdentity(id.Prefix, id.SignedPrefix)
	default:
		prm = signature.NewPRMMatchRepoDigestOrExact()
	}
	if err != nil {
		t.Fatalf("library identity %+v: %v", id, err)
	}
	return prm
}

// libraryImage opens a dir: image and presents it under imageRef (a tagged
// or digested docker reference; nil keeps the dir: reference, which has no
// Docker identity).
func libraryImage(t testing.TB, dir string, imageRef reference.Named) (types.UnparsedImage, func()) {
	t.Helper()
	dirRef, err := directory.NewReference(dir)
	if err != nil {
		t.Fatal(err)
	}
	src, err := dirRef.NewImageSource(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var img types.UnparsedImage = image.UnparsedInstance(src, nil)
	if imageRef != nil {
		dockerRef, err := docker.NewReference(imageRef)
		if err != nil {
			t.Fatal(err)
		}
		img = image.UnparsedInstanceWithReference(img, dockerRef)
	}
	return img, func() { src.Close() }
}

// libraryPolicy is a policy whose every image is judged by req.
func libraryPolicy(t testing.TB, req *node.SigstoreRequirement) *signature.PolicyContext {
	t.Helper()
	pc, err := signature.NewPolicyContext(&signature.Policy{Default: signature.PolicyRequirements{libraryRequirement(t, req)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Destroy() })
	return pc
}

// libraryVerdict evaluates a dir: image under imageRef with the library.
func libraryVerdict(t testing.TB, req *node.SigstoreRequirement, dir string, imageRef reference.Named) (bool, error) {
	t.Helper()
	img, closeImage := libraryImage(t, dir, imageRef)
	defer closeImage()
	return libraryPolicy(t, req).IsRunningImageAllowed(context.Background(), img)
}

// writeDirImage writes a manifest and signature layers in the dir: layout
// (signature-N files holding "\x00sigstore-json\n" and the layer as JSON).
func writeDirImage(t testing.TB, manifest []byte, sigs []UntrustedSignature) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), manifest, 0o644); err != nil {
		t.Fatal(err)
	}
	for i, s := range sigs {
		blob, err := sigstoreBlob(s)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "signature-"+strconv.Itoa(i+1)), blob, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
