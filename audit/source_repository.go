package audit

import (
	"context"
	"fmt"
	"iter"
	"strings"

	"go.podman.io/image/v5/docker/reference"

	"github.com/sigpolicy/sigpolicy/fetch"
)

// Repository yields the images of spec, read from its registry:
//   - "host/path": every tag of that repository (tags/list), as host/path:tag;
//   - "host/path/" or "host/path/*": every tag of every repository whose
//     name starts with path/ in the registry's catalog;
//   - "host" (or "host/", "host/*"): every tag of every repository of the
//     catalog.
//
// Attachment tags (sha256-<hex>.sig, .att, the referrers fallback tag) are
// not images and are skipped. Listings are paginated and streamed.
func Repository(ctx context.Context, c *fetch.Client, spec string) iter.Seq2[Ref, error] {
	return func(yield func(Ref, error) bool) {
		host, path, prefix, err := parseRepositorySpec(spec)
		if err != nil {
			yield(Ref{}, err)
			return
		}
		if !prefix {
			repositoryTags(ctx, c, host+"/"+path, spec, yield)
			return
		}
		p := ""
		if path != "" {
			p = path + "/"
		}
		for repo, err := range c.Catalog(ctx, host, p) {
			if err != nil {
				yield(Ref{}, err)
				return
			}
			if !repositoryTags(ctx, c, host+"/"+repo, spec, yield) {
				return
			}
		}
	}
}

// repositoryTags yields repo:tag for each image tag; false when the
// consumer stopped or an error was yielded.
func repositoryTags(ctx context.Context, c *fetch.Client, repo, spec string, yield func(Ref, error) bool) bool {
	named, err := reference.ParseNormalizedNamed(repo)
	if err != nil {
		yield(Ref{}, fmt.Errorf("repository %q: %w", repo, err))
		return false
	}
	for tag, err := range c.Tags(ctx, named) {
		if err != nil {
			yield(Ref{}, err)
			return false
		}
		if fetch.IsAttachmentTag(tag) {
			continue
		}
		if !yield(Ref{Image: named.Name() + ":" + tag, From: "repository " + spec}, nil) {
			return false
		}
	}
	return true
}

// parseRepositorySpec splits "host[/path]", "host/path/" or "host/path/*";
// prefix is true for a catalog listing.
func parseRepositorySpec(spec string) (host, path string, prefix bool, err error) {
	s := spec
	for _, suffix := range []string{"/*", "/"} {
		if t, ok := strings.CutSuffix(s, suffix); ok {
			s, prefix = t, true
			break
		}
	}
	host, path, _ = strings.Cut(s, "/")
	bad := func(why string) (string, string, bool, error) {
		return "", "", false, fmt.Errorf("repository %q: %s; want HOST/PATH, HOST/PATH/ (every repository under it) or HOST", spec, why)
	}
	switch {
	case host == "" || strings.ContainsAny(s, " @*"):
		return bad("not a repository")
	case !strings.ContainsAny(host, ".:") && host != "localhost":
		return bad(fmt.Sprintf("%q is not a registry host", host))
	case path == "":
		return host, "", true, nil
	}
	if named, err := reference.ParseNormalizedNamed(s); err != nil || !reference.IsNameOnly(named) || named.Name() != s {
		return bad("not a repository name (no tag or digest)")
	}
	return host, path, prefix, nil
}
