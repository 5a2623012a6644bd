package verify

import (
	"fmt"
	"testing"

	"go.podman.io/image/v5/docker/reference"

	"github.com/sigpolicy/sigpolicy/policy/node"
)

// Ports of the containers image library's identity tables
// (signature/policy_reference_match_test.go at v5.42.0). Where the library
// tests a rule holding a configured value its policy parser refuses, the
// rule does not compile here, which counts as "no match".

const (
	fullRHELRef       = "registry.access.redhat.com/rhel7/rhel:7.2.3"
	untaggedRHELRef   = "registry.access.redhat.com/rhel7/rhel"
	digestSuffix      = "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	digestSuffixOther = "@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
)

type symmetricCase struct {
	refA, refB string
	result     bool
}

// Exact reference match; symmetric.
var exactMatchTable = []symmetricCase{
	{"busybox:latest", "busybox:latest", true},
	{fullRHELRef, fullRHELRef, true},
	{"busybox" + digestSuffix, "busybox" + digestSuffix, true},
	{"library/busybox:latest", "busybox:latest", true},
	{"docker.io/library/busybox:latest", "busybox:latest", true},
	{"library/busybox" + digestSuffix, "busybox" + digestSuffix, true},
	{"busybox:latest", "busybox:notlatest", false},
	{"busybox:latest", "notbusybox:latest", false},
	{"busybox:latest", "hostname/library/busybox:notlatest", false},
	{"hostname/library/busybox:latest", "busybox:notlatest", false},
	{"busybox:latest", fullRHELRef, false},
	{"busybox" + digestSuffix, "notbusybox" + digestSuffix, false},
	{"busybox:latest", "busybox" + digestSuffix, false},
	{"busybox" + digestSuffix, "busybox" + digestSuffixOther, false},
	{"busybox", "busybox:latest", false},
	{"busybox", "busybox" + digestSuffix, false},
	{"busybox", "busybox", false},
	{"busybox:latest" + digestSuffix, "busybox:latest" + digestSuffix, true},
	{"busybox:latest" + digestSuffix, "busybox:latest" + digestSuffixOther, false},
	{"busybox:latest" + digestSuffix, "busybox:notlatest" + digestSuffix, false},
	{"busybox:latest" + digestSuffix, "busybox" + digestSuffix, false},
	{"busybox:latest" + digestSuffix, "busybox:latest", false},
	{"UPPERCASE_IS_INVALID_IN_DOCKER_REFERENCES", "busybox:latest", false},
	{"", "UPPERCASE_IS_INVALID_IN_DOCKER_REFERENCES", false},
	{"INVALID", "INVALID", false},
}

// Repository-only match; symmetric.
var repositoryMatchTable = []symmetricCase{
	{"busybox:latest", "busybox:latest", true},
	{fullRHELRef, fullRHELRef, true},
	{"busybox" + digestSuffix, "busybox" + digestSuffix, true},
	{"library/busybox:latest", "busybox:latest", true},
	{"docker.io/library/busybox:latest", "busybox:latest", true},
	{"library/busybox" + digestSuffix, "busybox" + digestSuffix, true},
	{"busybox:latest", "busybox:notlatest", true},
	{fullRHELRef + "tagsuffix", fullRHELRef, true},
	{"library/busybox:latest", "busybox:notlatest", true},
	{"busybox:latest", "library/busybox:notlatest", true},
	{"docker.io/library/busybox:notlatest", "busybox:latest", true},
	{"busybox:notlatest", "docker.io/library/busybox:latest", true},
	{"busybox:latest", "busybox" + digestSuffix, true},
	{"busybox" + digestSuffix, "busybox" + digestSuffixOther, true},
	{"busybox", "busybox:notlatest", true},
	{fullRHELRef, untaggedRHELRef, true},
	{"busybox", "busybox" + digestSuffix, true},
	{"library/busybox", "busybox", true},
	{"docker.io/library/busybox", "busybox", true},
	{"busybox:latest", "notbusybox:latest", false},
	{"hostname/library/busybox:latest", "busybox:notlatest", false},
	{"busybox:latest", fullRHELRef, false},
	{"busybox" + digestSuffix, "notbusybox" + digestSuffix, false},
	{"busybox:latest" + digestSuffix, "busybox:latest" + digestSuffix, true},
	{"busybox:latest" + digestSuffix, "busybox:latest" + digestSuffixOther, true},
	{"busybox:latest" + digestSuffix, "busybox:notlatest" + digestSuffix, true},
	{"busybox:latest" + digestSuffix, "busybox" + digestSuffix, true},
	{"busybox:latest" + digestSuffix, "busybox:latest", true},
	{"UPPERCASE_IS_INVALID_IN_DOCKER_REFERENCES", "busybox:latest", false},
	{"", "UPPERCASE_IS_INVALID_IN_DOCKER_REFERENCES", false},
	{"INVALID", "INVALID", false},
}

// matchRepoDigestOrExact cases that are not symmetric.
var repoDigestOrExactTable = []struct {
	imageRef, sigRef string
	result           bool
}{
	{"busybox:latest", "busybox:notlatest", false},
	{fullRHELRef + "tagsuffix", fullRHELRef, false},
	{"library/busybox:latest", "busybox:notlatest", false},
	{"busybox:latest", "library/busybox:notlatest", false},
	{"docker.io/library/busybox:notlatest", "busybox:latest", false},
	{"busybox:notlatest", "docker.io/library/busybox:latest", false},
	{"busybox", "busybox:latest", false},
	{"busybox:latest", "busybox", false},
	{"busybox", "busybox" + digestSuffix, false},
	{"busybox" + digestSuffix, "busybox", false},
	{fullRHELRef, untaggedRHELRef, false},
	{"busybox", "busybox", false},
	{"busybox:latest", "busybox" + digestSuffix, false},
	{"busybox" + digestSuffix, "busybox:latest", true},
	{"busybox" + digestSuffix, "busybox" + digestSuffixOther, true},
	{"busybox:latest" + digestSuffix, "busybox:latest", false},
	{"busybox:latest" + digestSuffix, "busybox:notlatest", false},
	{"busybox:latest", "busybox:latest" + digestSuffix, false},
	{"busybox:latest" + digestSuffix, "busybox:latest" + digestSuffixOther, false},
	{"busybox:latest" + digestSuffix, "busybox:notlatest" + digestSuffixOther, false},
}

// ruleMatches compiles id and matches sigRef for imageRef ("" or invalid:
// skipped by the caller). A rule that does not compile matches nothing.
func ruleMatches(id node.Identity, image reference.Named, sigRef string) bool {
	rule, err := compileIdentity(id)
	if err != nil {
		return false
	}
	return rule.matches(image, sigRef)
}

// checkImageRule runs one case for an image-relative rule; an image reference
// the parser refuses cannot reach the verifier, so such rows are skipped.
func checkImageRule(t *testing.T, id node.Identity, imageRef, sigRef string, want bool) {
	t.Helper()
	image, err := reference.ParseNormalizedNamed(imageRef)
	if err != nil {
		return
	}
	if got := ruleMatches(id, image, sigRef); got != want {
		t.Errorf("%s: image %q, signed %q: got %v, want %v", id.Type, imageRef, sigRef, got, want)
	}
}

func TestMatchExactTable(t *testing.T) {
	id := node.Identity{Type: node.MatchExact}
	for _, c := range exactMatchTable {
		checkImageRule(t, id, c.refA, c.refB, c.result)
		checkImageRule(t, id, c.refB, c.refA, c.result)
	}
	if ruleMatches(id, nil, "") {
		t.Error("an image without Docker identity matched")
	}
}

func TestMatchRepositoryTable(t *testing.T) {
	id := node.Identity{Type: node.MatchRepository}
	for _, c := range repositoryMatchTable {
		checkImageRule(t, id, c.refA, c.refB, c.result)
		checkImageRule(t, id, c.refB, c.refA, c.result)
	}
	if ruleMatches(id, nil, "") {
		t.Error("an image without Docker identity matched")
	}
}

// eachRepoDigestOrExactCase calls check with every case the library holds
// matchRepoDigestOrExact to: it accepts what matchExact accepts, rejects
// what matchRepository rejects (both symmetric, rows with an unparseable
// image skipped: mayBeInvalid), plus its own asymmetric table.
func eachRepoDigestOrExactCase(check func(imageRef, sigRef string, want, mayBeInvalid bool)) {
	for _, c := range exactMatchTable {
		if c.result {
			check(c.refA, c.refB, true, true)
			check(c.refB, c.refA, true, true)
		}
	}
	for _, c := range repositoryMatchTable {
		if !c.result {
			check(c.refA, c.refB, false, true)
			check(c.refB, c.refA, false, true)
		}
	}
	for _, c := range repoDigestOrExactTable {
		check(c.imageRef, c.sigRef, c.result, false)
	}
}

func TestMatchRepoDigestOrExactTable(t *testing.T) {
	for _, id := range []node.Identity{{Type: node.MatchRepoDigestOrExact}, {}} {
		eachRepoDigestOrExactCase(func(imageRef, sigRef string, want, _ bool) {
			checkImageRule(t, id, imageRef, sigRef, want)
		})
	}
}

func TestExactReferenceTable(t *testing.T) {
	for _, c := range exactMatchTable {
		for _, pair := range [][2]string{{c.refA, c.refB}, {c.refB, c.refA}} {
			id := node.Identity{Type: node.ExactReference, DockerReference: pair[0]}
			if got := ruleMatches(id, nil, pair[1]); got != c.result {
				t.Errorf("exactReference %q, signed %q: got %v, want %v", pair[0], pair[1], got, c.result)
			}
		}
	}
}

func TestExactRepositoryTable(t *testing.T) {
	for _, c := range repositoryMatchTable {
		for _, pair := range [][2]string{{c.refA, c.refB}, {c.refB, c.refA}} {
			id := node.Identity{Type: node.ExactRepository, DockerRepository: pair[0]}
			if got := ruleMatches(id, nil, pair[1]); got != c.result {
				t.Errorf("exactRepository %q, signed %q: got %v, want %v", pair[0], pair[1], got, c.result)
			}
		}
	}
}

func TestCompileIdentityRejectsWhatThePolicyParserRejects(t *testing.T) {
	for _, c := range []struct {
		desc string
		id   node.Identity
	}{
		{"exactReference without tag or digest", node.Identity{Type: node.ExactReference, DockerReference: "busybox"}},
		{"exactReference invalid", node.Identity{Type: node.ExactReference, DockerReference: "UPPERCASE"}},
		{"exactRepository invalid", node.Identity{Type: node.ExactRepository, DockerRepository: "UPPERCASE"}},
		{"unknown type", node.Identity{Type: "matchEverything"}},
	} {
		if _, err := compileIdentity(c.id); err == nil {
			t.Errorf("%s: compiled", c.desc)
		}
	}
}

func TestRemapIdentityPrefixMatch(t *testing.T) {
	for _, c := range []struct {
		ref, prefix string
		expected    bool
	}{
		{"docker.io/image", "docker.io", true},
		{"docker.io/image", "example.com", false},
		{"example.com:5000/image", "example.com:5000", true},
		{"example.com:50000/image", "example.com:5000", false},
		{"example.com:5000/image", "example.com", false},
		{"example.com/foo", "example.com", true},
		{"example.com/foo/bar", "example.com", true},
		{"example.com/foo/bar:baz", "example.com", true},
		{"example.com/foo/bar" + digestSuffix, "example.com", true},
		{"docker.io/ns/image", "docker.io/library", false},
		{"example.com/library", "docker.io/library", false},
		{"docker.io/libraryy/image", "docker.io/library", false},
		{"docker.io/library/busybox", "docker.io/library", true},
		{"example.com/ns/image", "example.com/ns", true},
		{"example.com/ns2/image", "example.com/ns", false},
		{"example.com/n2/image", "example.com/ns", false},
		{"example.com", "example.com/library/busybox", false},
		{"example.com:5000/ns/image", "example.com/ns", false},
		{"example.com/ns/image", "example.com:5000/ns", false},
		{"docker.io/library/busybox", "docker.io/library/busybox", true},
		{"example.com/library/busybox", "docker.io/library/busybox", false},
		{"docker.io/library/busybox2", "docker.io/library/busybox", false},
		{"example.com/ns/image", "example.com/ns/image", true},
		{"example.com/ns/imag2", "example.com/ns/image", false},
		{"example.com/ns/imagee", "example.com/ns/image", false},
		{"example.com:5000/ns/image", "example.com/ns/image", false},
		{"example.com/ns/image", "example.com:5000/ns/image", false},
		{"example.com/ns/image:tag", "example.com/ns/image", true},
		{"example.com/ns/image" + digestSuffix, "example.com/ns/image", true},
		{"example.com/ns/image:tag" + digestSuffix, "example.com/ns/image", true},
	} {
		rule, err := compileIdentity(node.Identity{Type: node.RemapIdentity, Prefix: c.prefix, SignedPrefix: "docker.io/library/signed-prefix"})
		if err != nil {
			t.Fatal(err)
		}
		ref, err := reference.ParseNormalizedNamed(c.ref)
		if err != nil {
			t.Fatal(err)
		}
		remapped, ok := rule.remap(ref)
		matched := ok && remapped.Name() != ref.Name()
		if matched != c.expected {
			t.Errorf("%s vs. prefix %s: matched %v, want %v", c.ref, c.prefix, matched, c.expected)
		}
	}
}

func TestRemapIdentityRewrite(t *testing.T) {
	for _, c := range []struct{ prefix, signedPrefix, ref, expected string }{
		{"mirror.example", "vendor.example", "mirror.example/ns/image:tag", "vendor.example/ns/image:tag"},
		{"mirror.example", "vendor.example", "different.com/ns/image:tag", "different.com/ns/image:tag"},
		{"mirror.example/ns", "vendor.example/vendor-ns", "mirror.example/different-ns/image:tag", "mirror.example/different-ns/image:tag"},
		{"docker.io", "not-docker-signed.example/ns", "busybox", "not-docker-signed.example/ns/library/busybox"},
		{"example.com/mirror", "example.com/vendor", "example.com/mirror/image:tag", "example.com/vendor/image:tag"},
		{"example.com/ns/mirror", "example.com/ns/vendor", "example.com/ns/mirror:tag", "example.com/ns/vendor:tag"},
		{"mirror.example", "vendor.example", "prefixmirror.example/ns/image:tag", "prefixmirror.example/ns/image:tag"},
		{"docker.io", "not-docker-signed.example", "busybox", "not-docker-signed.example/library/busybox"},
		{"docker.io/library", "not-docker-signed.example/ns", "busybox", "not-docker-signed.example/ns/busybox"},
		{"docker.io/library/busybox", "not-docker-signed.example/ns/notbusybox", "busybox", "not-docker-signed.example/ns/notbusybox"},
		{"mirror.example", "vendor.example", "mirror.example/image", "vendor.example/image"},
		{"mirror.example", "vendor.example", "mirror.example/image:tag", "vendor.example/image:tag"},
		{"mirror.example", "vendor.example", "mirror.example/image" + digestSuffix, "vendor.example/image" + digestSuffix},
		{"mirror.example", "vendor.example", "mirror.example/image:tag" + digestSuffix, "vendor.example/image:tag" + digestSuffix},
		// Rewrites producing an invalid or short-form reference fail.
		{"mirror.example/ns/image", "vendor.example:5000", "mirror.example/ns/image:tag", ""},
		{"mirror.example/ns/image", "vendor.example:5000", "mirror.example/ns/image" + digestSuffix, ""},
		{"mirror.example/ns/image", "notlocalhost", "mirror.example/ns/image:tag", ""},
	} {
		desc := fmt.Sprintf("%#v", c)
		rule, err := compileIdentity(node.Identity{Type: node.RemapIdentity, Prefix: c.prefix, SignedPrefix: c.signedPrefix})
		if err != nil {
			t.Fatal(desc, err)
		}
		ref, err := reference.ParseNormalizedNamed(c.ref)
		if err != nil {
			t.Fatal(desc, err)
		}
		remapped, ok := rule.remap(ref)
		switch {
		case c.expected == "" && ok:
			t.Errorf("%s: rewrote to %s, want a failure", desc, remapped)
		case c.expected != "" && (!ok || remapped.String() != c.expected):
			t.Errorf("%s: got %v (ok %v), want %s", desc, remapped, ok, c.expected)
		}
	}
}

// modifiedString replaces the first letter, as the library's test does.
func modifiedString(t *testing.T, input string) string {
	c := input[0]
	switch {
	case c >= 'a' && c <= 'y':
		c++
	case c == 'z':
		c = 'a'
	default:
		t.Fatalf("unimplemented leading character %q", c)
	}
	return string(c) + input[1:]
}

// checkRemapLikeRepoDigestOrExact: with a prefix that never matches, and
// with a prefix that rewrites a modified image host back, remapIdentity
// behaves like matchRepoDigestOrExact.
func checkRemapLikeRepoDigestOrExact(t *testing.T, ignoreInvalid bool, imageRef, sigRef string, want bool) {
	t.Helper()
	parsed, err := reference.ParseNormalizedNamed(imageRef)
	if err != nil {
		if ignoreInvalid {
			return
		}
		t.Fatal(err)
	}
	checkImageRule(t, node.Identity{Type: node.RemapIdentity, Prefix: "never-causes-a-rewrite.example", SignedPrefix: "never-causes-a-rewrite.example"}, imageRef, sigRef, want)
	domain := reference.Domain(parsed)
	modified, err := reference.ParseNormalizedNamed(modifiedString(t, parsed.String()))
	if err != nil {
		t.Fatal(err)
	}
	checkImageRule(t, node.Identity{Type: node.RemapIdentity, Prefix: modifiedString(t, domain), SignedPrefix: domain}, modified.String(), sigRef, want)
}

func TestRemapIdentityMatches(t *testing.T) {
	for _, c := range []struct {
		prefix, signedPrefix, imageRef, sigRef string
		result                                 bool
	}{
		{"does-not-match.com", "does-not-match.rewritten", "busybox:latest", "busybox:latest", true},
		{"does-not-match.com", "does-not-match.rewritten", "busybox:latest", "notbusybox:latest", false},
		{"mirror.example", "public.com", "mirror.example/busybox:1", "public.com/busybox:1", true},
		{"mirror.example", "public.com", "mirror.example/busybox:1", "public.com/busybox:not1", false},
		{"mirror.example", "docker.io/library", "mirror.example/busybox:latest", "busybox:latest", true},
		{"mirror.example", "docker.io/library", "mirror.example/alpine:latest", "busybox:latest", false},
		{"docker.io/library", "original.com", "copied:latest", "original.com/copied:latest", true},
		{"docker.io/library", "original.com", "copied:latest", "original.com/ns/copied:latest", false},
		{"busybox", "example.com/busybox", "busybox:latest", "example.com/busybox:latest", false},
		{"docker.io/library/busybox", "busybox", "docker.io/library/busybox:latest", "busybox:latest", false},
		{"UPPERCASE", "example.com", "example.com/foo:latest", "example.com/foo:latest", true},
		{"example.com", "UPPERCASE", "example.com/foo:latest", "UPPERCASE/foo:latest", false},
	} {
		checkImageRule(t, node.Identity{Type: node.RemapIdentity, Prefix: c.prefix, SignedPrefix: c.signedPrefix}, c.imageRef, c.sigRef, c.result)
	}
	if ruleMatches(node.Identity{Type: node.RemapIdentity, Prefix: "docker.io", SignedPrefix: "docker.io"}, nil, "") {
		t.Error("an image without Docker identity matched")
	}
	eachRepoDigestOrExactCase(func(imageRef, sigRef string, want, mayBeInvalid bool) {
		checkRemapLikeRepoDigestOrExact(t, mayBeInvalid, imageRef, sigRef, want)
	})
}
