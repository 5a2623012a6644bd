package fetch

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strings"
)

// Bounds of a tag or catalog listing: one page's size, the pages followed
// (10,000 pages of 1,000 entries), and the empty pages in a row that a
// registry may send before a next link is taken for an endless loop.
const (
	maxListPage       = maxManifestSize
	maxListPages      = 10000
	maxEmptyListPages = 3
)

// listing is a page of a tag or catalog listing, decoded as the library
// decodes it: one struct, keys matched without regard to case.
type listing struct {
	Tags         []string `json:"tags"`
	Repositories []string `json:"repositories"`
}

// entries yields the strings of a paginated listing, those pick takes from
// each page, stopping at the first error. Empty pages with a next link
// count towards maxEmptyListPages; an empty last page only ends the listing.
func (c *Client) entries(ctx context.Context, ep *endpoint, op, first string, pick func(*listing) []string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		empty := 0
		for pg, err := range c.pages(ctx, ep, op, first) {
			if err != nil {
				yield("", err)
				return
			}
			var page listing
			if err := json.Unmarshal(pg.body, &page); err != nil {
				yield("", &Error{Kind: ErrMalformed, Op: op, Err: err})
				return
			}
			list := pick(&page)
			if len(list) > 0 || !pg.more {
				empty = 0
			} else if empty++; empty > maxEmptyListPages {
				yield("", &Error{Kind: ErrMalformed, Op: op, Expected: "entries, or no next page", Got: fmt.Sprintf("%d empty pages in a row, each with a next link", empty)})
				return
			}
			for _, entry := range list {
				if !yield(entry, nil) {
					return
				}
			}
		}
	}
}

// listPage is one page of a listing; more says it names a next page.
type listPage struct {
	body []byte
	more bool
}

// pages yields the pages of a paginated listing (tags/list, _catalog):
// first, then each page its Link header names with rel="next". A next
// link must stay on the endpoint's scheme, host and /v2/ path, and never
// repeat a page already read.
func (c *Client) pages(ctx context.Context, ep *endpoint, op, first string) iter.Seq2[listPage, error] {
	return func(yield func(listPage, error) bool) {
		base, err := url.Parse(ep.base)
		if err != nil {
			yield(listPage{}, &Error{Kind: ErrMalformed, Op: op, URL: ep.base, Err: err})
			return
		}
		start, err := url.Parse(first)
		if err != nil {
			yield(listPage{}, &Error{Kind: ErrMalformed, Op: op, URL: first, Err: err})
			return
		}
		next := base.ResolveReference(start)
		// Pages read, by the SHA-256 of their URL: a link may be long.
		seen := map[[sha256.Size]byte]bool{}
		for next != nil {
			u := next.String()
			if len(seen) == maxListPages {
				yield(listPage{}, &Error{Kind: ErrTooLarge, Op: op, URL: u, Expected: fmt.Sprintf("at most %d pages", maxListPages), Got: "more"})
				return
			}
			key := sha256.Sum256([]byte(u))
			if seen[key] {
				yield(listPage{}, &Error{Kind: ErrRedirect, Op: op, URL: u, Expected: "a new page", Got: "a link back to a page already read"})
				return
			}
			seen[key] = true
			var body []byte
			var link string
			err := c.withRetries(ctx, func(ctx context.Context) error {
				var err error
				body, link, err = c.getPage(ctx, ep, op, u)
				return err
			})
			if err != nil {
				yield(listPage{}, err)
				return
			}
			next, err = nextPage(next, link)
			if !yield(listPage{body: body, more: next != nil}, nil) {
				return
			}
			if err != nil {
				yield(listPage{}, &Error{Kind: ErrMalformed, Op: op, URL: u, Err: err})
				return
			}
		}
	}
}

func (c *Client) getPage(ctx context.Context, ep *endpoint, op, u string) ([]byte, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, "", &Error{Kind: ErrMalformed, Op: op, URL: u, Err: err}
	}
	req.Header.Set("Accept", "application/json")
	resp, err := ep.client.Do(req)
	if err != nil {
		return nil, "", c.noteCredentials(ep.key, ep.challenged, requestError(ctx, op, u, err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", c.refused(ep, op, u, resp)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxListPage+1))
	if err != nil {
		return nil, "", bodyError(ctx, op, u, err)
	}
	if len(body) > maxListPage {
		return nil, "", &Error{Kind: ErrTooLarge, Op: op, URL: u, Expected: fmt.Sprintf("at most %d bytes", maxListPage), Got: "more"}
	}
	return body, resp.Header.Get("Link"), nil
}

// nextPage reads the rel="next" target of a Link header (RFC 8288), relative
// to the page it came with; nil when there is none.
func nextPage(current *url.URL, link string) (*url.URL, error) {
	for part := range strings.SplitSeq(link, ",") {
		target, params, ok := strings.Cut(strings.TrimSpace(part), ";")
		if !ok || !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
			continue
		}
		if !isNextRel(params) {
			continue
		}
		ref, err := url.Parse(strings.TrimSuffix(strings.TrimPrefix(target, "<"), ">"))
		if err != nil {
			return nil, fmt.Errorf("Link header: %w", err)
		}
		next := current.ResolveReference(ref)
		if next.Host != current.Host || !strings.HasPrefix(next.Path, "/v2/") {
			return nil, fmt.Errorf("Link header leaves the registry: %s", next.Redacted())
		}
		next.Scheme = current.Scheme // the endpoint's transport picks the scheme the ping found
		return next, nil
	}
	return nil, nil
}

func isNextRel(params string) bool {
	for p := range strings.SplitSeq(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "rel") && strings.Trim(strings.TrimSpace(v), `"`) == "next" {
			return true
		}
	}
	return false
}
