package lint

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/pkg/sysregistriesv2"

	"github.com/sigpolicy/sigpolicy/cluster"
	"github.com/sigpolicy/sigpolicy/policy/node"
)

// Placeholders that turn a scope into references to ask registries.conf
// where its images are pulled from, by digest and by tag.
const (
	probeDigest = digest.Digest("sha256:0000000000000000000000000000000000000000000000000000000000000000")
	probeTag    = "probe"
	probeHost   = "probe"
	probeRepo   = "probe"
)

// unreadableMirrors flags every place CRI-O may pull an image of a
// sigstore-scoped policy from — the pull sources registries.conf gives for
// the scope and for every entry nested inside it — where registries.d does
// not enable sigstore attachments: CRI-O reads no signature there, so every
// pull served from it is denied.
func unreadableMirrors(c *cluster.Compiled) []Finding {
	conf := c.RegistriesConf()
	if conf == nil {
		return nil
	}
	seen := map[[2]string]bool{}
	var out []Finding
	for _, ns := range append([]string{""}, c.Namespaces()...) {
		cfg, err := c.Node(ns)
		if err != nil {
			continue
		}
		for _, scope := range sigstoreScopes(cfg.Policy) {
			for _, r := range entriesFor(conf, scope) {
				for _, src := range pullSources(r, scope) {
					physical := src.Reference.Name()
					key := [2]string{scope, physical}
					if seen[key] || cfg.RegistriesD.UseSigstoreAttachments(src.Reference) {
						continue
					}
					seen[key] = true
					out = append(out, Finding{Severity: SeverityWarning, Type: TypeMirrorWithoutAttachments, Namespace: ns, Scope: scope,
						Message: fmt.Sprintf("%simages under sigstore scope %q may be pulled from %s (registries.conf entry %q), but registries.d does not enable use-sigstore-attachments for it: CRI-O reads no signature there and denies every pull served from it",
							inNamespace(ns), scope, physical, r.Prefix)})
				}
			}
		}
	}
	return out
}

// sigstoreScopes lists, sorted, the docker scopes with a sigstoreSigned
// requirement.
func sigstoreScopes(p *node.Policy) []string {
	var out []string
	for scope, reqs := range p.Transports["docker"] {
		if scope != "" && slices.ContainsFunc(reqs, func(r node.Requirement) bool { return r.Type == node.SigstoreSigned }) {
			out = append(out, scope)
		}
	}
	slices.Sort(out)
	return out
}

// entriesFor lists the registries.conf entries images under scope may be
// pulled through: the entry the scope itself falls under, and every entry
// whose prefix lies inside the scope.
func entriesFor(conf *node.RegistriesConf, scope string) []sysregistriesv2.Registry {
	byPrefix := map[string]sysregistriesv2.Registry{}
	if r := conf.FindRegistry(probeRepository(scope)); r != nil {
		byPrefix[r.Prefix] = *r
	}
	for _, r := range conf.Registries() {
		if node.Shadows(r.Prefix, scope) {
			byPrefix[r.Prefix] = r
		}
	}
	out := make([]sysregistriesv2.Registry, 0, len(byPrefix))
	for _, prefix := range slices.Sorted(maps.Keys(byPrefix)) {
		out = append(out, byPrefix[prefix])
	}
	return out
}

// pullSources are the sources of a probe image under the narrower of the
// scope and the entry's prefix, by digest and by tag.
func pullSources(r sysregistriesv2.Registry, scope string) []sysregistriesv2.PullSource {
	repo := probeRepository(scope)
	if node.Shadows(r.Prefix, scope) {
		repo = probeRepository(r.Prefix)
	}
	named, err := reference.ParseNamed(repo)
	if err != nil {
		return nil
	}
	var out []sysregistriesv2.PullSource
	byDigest, _ := reference.WithDigest(named, probeDigest)
	byTag, _ := reference.WithTag(named, probeTag)
	for _, ref := range []reference.Named{byDigest, byTag} {
		if sources, err := r.PullSourcesFromReference(ref); err == nil {
			out = append(out, sources...)
		}
	}
	return out
}

// probeRepository turns a scope into a repository under it: a wildcard's
// "*" becomes a host label, a tag or digest is dropped, a bare host gets a
// repository path.
func probeRepository(scope string) string {
	if rest, ok := strings.CutPrefix(scope, "*."); ok {
		scope = probeHost + "." + rest
	}
	if at := strings.IndexByte(scope, '@'); at >= 0 {
		scope = scope[:at]
	} else if slash := strings.LastIndexByte(scope, '/'); slash >= 0 {
		if colon := strings.IndexByte(scope[slash:], ':'); colon >= 0 {
			scope = scope[:slash+colon]
		}
	}
	if !strings.Contains(scope, "/") {
		scope += "/" + probeRepo
	}
	return scope
}
