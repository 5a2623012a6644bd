package fetch

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// pagedRegistry serves tags/list and _catalog n entries per page with Link
// headers, as CNCF distribution does, from fixed lists.
func pagedRegistry(t *testing.T, tags, repos []string, n int, link func(next string) string) *testRegistry {
	page := func(w http.ResponseWriter, r *http.Request, key string, all []string) {
		start := 0
		if last := r.URL.Query().Get("last"); last != "" {
			start = slices.Index(all, last) + 1
		}
		end := min(start+n, len(all))
		if end < len(all) {
			w.Header().Set("Link", link(r.URL.Path+"?n="+strconv.Itoa(n)+"&last="+all[end-1]))
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{%q:[%s]}`, key, quoteAll(all[start:end]))
	}
	return newTestRegistry(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch {
			case strings.HasSuffix(r.URL.Path, "/tags/list"):
				page(w, r, "tags", tags)
			case r.URL.Path == "/v2/_catalog":
				page(w, r, "repositories", repos)
			default:
				next.ServeHTTP(w, r)
			}
		})
	})
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ",")
}

func TestTagsAndCatalogFollowPages(t *testing.T) {
	ctx := testContext(t)
	var tags, repos []string
	for i := range 25 {
		tags = append(tags, fmt.Sprintf("t%02d", i))
		repos = append(repos, fmt.Sprintf("ns%d/app%02d", i%2, i))
	}
	reg := pagedRegistry(t, tags, repos, 4, func(next string) string { return "<" + next + `>; rel="next"` })
	c := newTestClient(t)
	var got []string
	for tag, err := range c.Tags(ctx, reg.ref(t, "ns/app:ignored")) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, tag)
	}
	if !slices.Equal(got, tags) {
		t.Errorf("tags %v, want %v", got, tags)
	}
	got = nil
	for repo, err := range c.Catalog(ctx, reg.host, "ns1/") {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, repo)
	}
	var want []string
	for _, r := range repos {
		if strings.HasPrefix(r, "ns1/") {
			want = append(want, r)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("catalog %v, want %v", got, want)
	}
}

func TestListingsRefuseHostileLinks(t *testing.T) {
	ctx := testContext(t)
	tags := []string{"a", "b", "c"}
	for _, tc := range []struct {
		desc string
		link func(next string) string
		kind error
	}{
		{"a loop back to the first page", func(string) string { return `</v2/ns/app/tags/list?n=1>; rel="next"` }, ErrRedirect},
		{"another host", func(next string) string { return "<http://169.254.169.254" + next + `>; rel="next"` }, ErrMalformed},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			reg := pagedRegistry(t, tags, nil, 1, tc.link)
			c := newTestClient(t)
			var err error
			for _, err = range c.Tags(ctx, reg.ref(t, "ns/app:x")) {
				if err != nil {
					break
				}
			}
			if !errors.Is(err, tc.kind) {
				t.Errorf("error %v, want %v", err, tc.kind)
			}
		})
	}
}

func TestAttachmentTags(t *testing.T) {
	hex := strings.Repeat("ab", 32)
	for tag, want := range map[string]bool{
		"sha256-" + hex + ".sig": true, "sha256-" + hex + ".att": true, "sha256-" + hex: true,
		"v1": false, "sha256-" + hex[:10]: false, "latest": false,
	} {
		if IsAttachmentTag(tag) != want {
			t.Errorf("IsAttachmentTag(%q) = %v", tag, !want)
		}
	}
	// The pattern it implements, on near misses of every part.
	pattern := regexp.MustCompile(`^sha256-[0-9a-f]{64}(\.[a-z]+)?$`)
	for _, tag := range []string{
		"sha256-" + hex + ".", "sha256-" + hex + ".SIG", "sha256-" + hex + "sig", "sha256-" + hex + ".s1g",
		"sha256-" + hex + "0", "sha256-" + strings.ToUpper(hex), "sha256-" + hex[:63] + "g", "sha256-" + hex + ".sig.att",
		"sha512-" + hex, "sha256:" + hex, "xsha256-" + hex, "sha256-" + hex + "\n", "sha256-" + hex + ".sbom",
	} {
		if got, want := IsAttachmentTag(tag), pattern.MatchString(tag); got != want {
			t.Errorf("IsAttachmentTag(%q) = %v, the pattern says %v", tag, got, want)
		}
	}
}

func TestNextPage(t *testing.T) {
	cur := mustURL(t, "https://r.example/v2/ns/app/tags/list?n=2")
	for _, tc := range []struct {
		link, want string
		err        bool
	}{
		{"", "", false},
		{`</v2/ns/app/tags/list?n=2&last=b>; rel="next"`, "https://r.example/v2/ns/app/tags/list?n=2&last=b", false},
		{`<https://r.example/v2/x>; rel=prev, </v2/y?last=z>; type="a"; rel=next`, "https://r.example/v2/y?last=z", false},
		{`<https://other.example/v2/x>; rel="next"`, "", true},
		{`</elsewhere>; rel="next"`, "", true},
	} {
		got, err := nextPage(cur, tc.link)
		if (err != nil) != tc.err {
			t.Errorf("%q: error %v", tc.link, err)
			continue
		}
		if gotS := ""; got != nil {
			gotS = got.String()
			if gotS != tc.want {
				t.Errorf("%q: next %s, want %s", tc.link, gotS, tc.want)
			}
		} else if tc.want != "" {
			t.Errorf("%q: no next, want %s", tc.link, tc.want)
		}
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestListingsEnd: a registry that answers every page with no entry and a
// fresh next link, or with pages past the cap, cannot keep a listing going.
func TestListingsEnd(t *testing.T) {
	ctx := testContext(t)
	var served int
	endless := newTestRegistry(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasSuffix(r.URL.Path, "/tags/list") && r.URL.Path != "/v2/_catalog" {
				next.ServeHTTP(w, r)
				return
			}
			served++
			w.Header().Set("Link", fmt.Sprintf(`<%s?page=%d>; rel="next"`, r.URL.Path, served))
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"tags":[],"repositories":[]}`)
		})
	})
	c := newTestClient(t)
	for _, list := range []func() error{
		func() error {
			for _, err := range c.Tags(ctx, endless.ref(t, "ns/app:x")) {
				if err != nil {
					return err
				}
			}
			return nil
		},
		func() error {
			for _, err := range c.Catalog(ctx, endless.host, "") {
				if err != nil {
					return err
				}
			}
			return nil
		},
	} {
		served = 0
		if err := list(); !errors.Is(err, ErrMalformed) || served > maxEmptyListPages+1 {
			t.Errorf("error %v after %d pages; want a refusal after %d empty pages", err, served, maxEmptyListPages+1)
		}
	}
}

// TestEmptyLastPage: empty pages with a next link count towards the
// refusal; an empty page without one ends the listing, however many empty
// pages came before it.
func TestEmptyLastPage(t *testing.T) {
	reg, served := tagPages(t, maxEmptyListPages+1, "", func(int) string { return "" })
	for tag, err := range newTestClient(t).Tags(testContext(t), reg.ref(t, "ns/app:x")) {
		if err != nil {
			t.Fatalf("after %d pages: %v; want the listing to end", *served, err)
		}
		t.Errorf("unexpected tag %q", tag)
	}
	if *served != maxEmptyListPages+1 {
		t.Errorf("%d pages read, want %d", *served, maxEmptyListPages+1)
	}
}

// TestPagesReadAreNotKept: a listing remembers the pages it read by a
// fixed-size key, not by their URLs, however long the registry makes them.
func TestPagesReadAreNotKept(t *testing.T) {
	const pages, pad = 40, 512 << 10
	padding := strings.Repeat("p", pad)
	reg, _ := tagPages(t, pages, "&pad="+padding, func(n int) string { return fmt.Sprintf(`"t%d"`, n) })
	var before, during runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	n := 0
	for _, err := range newTestClient(t).Tags(testContext(t), reg.ref(t, "ns/app:x")) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == pages {
			runtime.GC()
			runtime.ReadMemStats(&during)
		}
	}
	if n != pages {
		t.Fatalf("%d tags, want %d", n, pages)
	}
	if grown := int64(during.HeapAlloc) - int64(before.HeapAlloc); grown > pages*pad/4 {
		t.Errorf("heap grew by %d bytes over %d pages with %d-byte links: the URLs are kept", grown, pages, pad)
	}
}

// tagPages serves a tags/list of pages pages, each with tags(n) as its
// JSON tag list (n counts from 1) and, but for the last, a next link whose
// query ends with extra; it returns the registry and the pages served.
func tagPages(t *testing.T, pages int, extra string, tags func(n int) string) (*testRegistry, *int) {
	served := new(int)
	reg := newTestRegistry(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasSuffix(r.URL.Path, "/tags/list") {
				next.ServeHTTP(w, r)
				return
			}
			*served++
			if *served < pages {
				w.Header().Set("Link", fmt.Sprintf(`<%s?page=%d%s>; rel="next"`, r.URL.Path, *served, extra))
			}
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"tags":[%s]}`, tags(*served))
		})
	})
	return reg, served
}

// TestListingKeysIgnoreCase: a listing's "tags" and "repositories" are
// read whatever their case, as the library's struct decoding reads them.
func TestListingKeysIgnoreCase(t *testing.T) {
	reg := newTestRegistry(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			switch {
			case strings.HasSuffix(r.URL.Path, "/tags/list"):
				fmt.Fprint(w, `{"name":"ns/app","Tags":["v1","v2"]}`)
			case r.URL.Path == "/v2/_catalog":
				fmt.Fprint(w, `{"REPOSITORIES":["ns/app"]}`)
			default:
				next.ServeHTTP(w, r)
			}
		})
	})
	c := newTestClient(t)
	var got []string
	for tag, err := range c.Tags(testContext(t), reg.ref(t, "ns/app:x")) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, tag)
	}
	for repo, err := range c.Catalog(testContext(t), reg.host, "") {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, repo)
	}
	if want := []string{"v1", "v2", "ns/app"}; !slices.Equal(got, want) {
		t.Errorf("listed %q, want %q", got, want)
	}
}
