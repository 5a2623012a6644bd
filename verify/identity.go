package verify

import (
	"fmt"
	"strings"

	"go.podman.io/image/v5/docker/reference"

	"github.com/sigpolicy/sigpolicy/policy/node"
)

// identityRule is a compiled signedIdentity: the library's
// PolicyReferenceMatch semantics, with configured references parsed once.
type identityRule struct {
	kind node.IdentityType
	// exactReference: the configured reference, normalised.
	reference string
	// exactRepository: the configured repository name, normalised.
	repository string
	// remapIdentity: prefixes as configured (matched on strings, as the
	// library does).
	prefix, signedPrefix string
}

func compileIdentity(id node.Identity) (identityRule, error) {
	rule := identityRule{kind: id.Type}
	switch id.Type {
	case "":
		rule.kind = node.MatchRepoDigestOrExact
	case node.MatchExact, node.MatchRepoDigestOrExact, node.MatchRepository:
	case node.ExactReference:
		ref, err := reference.ParseNormalizedNamed(id.DockerReference)
		if err != nil {
			return identityRule{}, fmt.Errorf("Invalid format of dockerReference %q: %s", id.DockerReference, err.Error())
		}
		if reference.IsNameOnly(ref) {
			return identityRule{}, fmt.Errorf("dockerReference %q contains neither a tag nor digest", id.DockerReference)
		}
		rule.reference = ref.String()
	case node.ExactRepository:
		ref, err := reference.ParseNormalizedNamed(id.DockerRepository)
		if err != nil {
			return identityRule{}, fmt.Errorf("Invalid format of dockerRepository %q: %s", id.DockerRepository, err.Error())
		}
		rule.repository = ref.Name()
	case node.RemapIdentity:
		rule.prefix, rule.signedPrefix = id.Prefix, id.SignedPrefix
	default:
		return identityRule{}, fmt.Errorf("unknown signedIdentity type %q", id.Type)
	}
	return rule, nil
}

// matches reports whether a signature claiming signedReference is accepted
// for image (nil: an image without a Docker identity, which only the
// exactReference and exactRepository rules can accept).
func (r identityRule) matches(image reference.Named, signedReference string) bool {
	signed, err := reference.ParseNormalizedNamed(signedReference)
	if err != nil {
		return false
	}
	switch r.kind {
	case node.ExactReference:
		return !reference.IsNameOnly(signed) && signed.String() == r.reference
	case node.ExactRepository:
		return signed.Name() == r.repository
	}
	if image == nil {
		return false
	}
	switch r.kind {
	case node.MatchExact:
		return !reference.IsNameOnly(image) && !reference.IsNameOnly(signed) && signed.String() == image.String()
	case node.MatchRepository:
		return signed.Name() == image.Name()
	case node.RemapIdentity:
		remapped, ok := r.remap(image)
		return ok && matchRepoDigestOrExact(remapped, signed)
	default: // node.MatchRepoDigestOrExact
		return matchRepoDigestOrExact(image, signed)
	}
}

// matchRepoDigestOrExact: a tagged image needs exactly the signed reference;
// a digest-only image accepts any signed tag or digest of its repository.
func matchRepoDigestOrExact(image, signed reference.Named) bool {
	if reference.IsNameOnly(signed) {
		return false
	}
	switch image.(type) {
	case reference.NamedTagged: // also tagged and digested
		return signed.String() == image.String()
	case reference.Canonical:
		return signed.Name() == image.Name()
	default:
		return false
	}
}

// remap replaces the first occurrence of the prefix in image by the signed
// prefix when image's name is the prefix or under it ("prefix/…"); the
// result must parse as a full reference.
func (r identityRule) remap(image reference.Named) (reference.Named, bool) {
	name := image.Name()
	if name != r.prefix && !(strings.HasPrefix(name, r.prefix) && len(name) > len(r.prefix) && name[len(r.prefix)] == '/') {
		return image, true
	}
	remapped, err := reference.ParseNamed(strings.Replace(image.String(), r.prefix, r.signedPrefix, 1))
	if err != nil {
		return nil, false
	}
	return remapped, true
}

// expected describes, for the trace, what signed identity the rule accepts.
func (r identityRule) expected(image reference.Named) string {
	imageName := "(image without a Docker reference)"
	if image != nil {
		imageName = image.String()
	}
	switch r.kind {
	case node.ExactReference:
		return fmt.Sprintf("exactReference %s", r.reference)
	case node.ExactRepository:
		return fmt.Sprintf("exactRepository %s", r.repository)
	case node.MatchExact:
		return fmt.Sprintf("matchExact %s", imageName)
	case node.MatchRepository:
		if image != nil {
			imageName = image.Name()
		}
		return fmt.Sprintf("matchRepository %s", imageName)
	case node.RemapIdentity:
		if image != nil {
			if remapped, ok := r.remap(image); ok {
				imageName = remapped.String()
			}
		}
		return fmt.Sprintf("remapIdentity %s→%s: matchRepoDigestOrExact %s", r.prefix, r.signedPrefix, imageName)
	default:
		return fmt.Sprintf("matchRepoDigestOrExact %s", imageName)
	}
}

// explain says, for a refused signed identity, which rule refused it and
// what would make the signature acceptable; "" when the identity matched.
func (r identityRule) explain(image reference.Named, signedReference string) string {
	if r.matches(image, signedReference) {
		return ""
	}
	signed, err := reference.ParseNormalizedNamed(signedReference)
	if err != nil {
		return "the signature's identity is not a valid image reference"
	}
	switch r.kind {
	case node.ExactReference:
		return fmt.Sprintf("exactReference accepts only signatures for %s", r.reference)
	case node.ExactRepository:
		return fmt.Sprintf("exactRepository accepts only signatures for repository %s, whatever image is pulled", r.repository)
	}
	if image == nil {
		return fmt.Sprintf("%s needs the pulled image's own reference, which this image has not", r.kind)
	}
	rule, target := string(r.kind), image
	if r.kind == node.RemapIdentity {
		remapped, ok := r.remap(image)
		if !ok {
			return fmt.Sprintf("remapIdentity %s→%s turns %s into no valid reference", r.prefix, r.signedPrefix, image.Name())
		}
		rule, target = fmt.Sprintf("remapIdentity (%s→%s, then matchRepoDigestOrExact)", r.prefix, r.signedPrefix), remapped
	}
	if signed.Name() != target.Name() {
		return fmt.Sprintf("%s compares repositories: the signature is for %s, the image is %s; sign this repository's image, or map one to the other with remapIdentity or exactRepository",
			rule, signed.Name(), target.Name())
	}
	switch {
	case r.kind == node.MatchExact:
		return "matchExact needs the signature to name exactly the pulled reference"
	case reference.IsNameOnly(signed):
		return fmt.Sprintf("%s never accepts a signature whose identity names no tag or digest (what plain \"cosign sign IMAGE@DIGEST\" writes), not even for a pull by digest; "+
			"set the policy's signedIdentity matchPolicy to MatchRepository, or sign with an identity that names the tag (cosign sign --sign-container-identity %s:TAG)", rule, signed.Name())
	}
	if tagged, ok := target.(reference.NamedTagged); ok {
		return fmt.Sprintf("%s needs, for a pull by tag, a signature that names that tag (%s); pull by digest, sign the tag %s, or set matchPolicy MatchRepository",
			rule, target.String(), tagged.Tag())
	}
	return ""
}
