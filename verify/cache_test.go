package verify_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sigpolicy/sigpolicy/fixtures"
	"github.com/sigpolicy/sigpolicy/policy/node"
	"github.com/sigpolicy/sigpolicy/verify"
)

// cacheFixture pushes the key-tagged scenario into a registry that turns to
// m once armed, and returns it with the tag and digest references.
func cacheFixture(t *testing.T, m misbehaviour) (reg *diffRegistry, tagged, digested string, policyJSON []byte, regD map[string][]byte) {
	t.Helper()
	reg = newDiffRegistry(t, m)
	cat, err := fixtures.Push(t.Context(), reg.host, fixtures.Options{Scenarios: []string{"key-tagged"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range cat.Entries {
		if strings.Contains(e.Reference, "@") {
			digested = e.Reference
		} else {
			tagged = e.Reference
		}
	}
	policyJSON, regD = renderFixturePolicy(t, cat, "key-tagged")
	return reg, tagged, digested, policyJSON, regD
}

func mustVerify(t *testing.T, e *verify.Engine, ref string) *verify.Decision {
	t.Helper()
	d, err := e.Verify(t.Context(), ref)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// requestsTo counts the decision's requests whose URL contains part.
func requestsTo(d *verify.Decision, part string) int {
	n := 0
	for _, r := range d.Requests {
		if strings.Contains(r.URL, part) {
			n++
		}
	}
	return n
}

// TestCacheFollowsTheRegistry: a cached allow holds only while the
// registry serves the same image and the same `.sig` attachment. Deleting
// or replacing the signature, or moving the tag, ends it at the next
// decision; restoring the same attachment makes it current again.
func TestCacheFollowsTheRegistry(t *testing.T) {
	for _, tc := range []struct {
		desc   string
		m      misbehaviour
		digest bool
	}{
		{"signature deleted, by tag", hideSignatures, false},
		{"signature deleted, by digest", hideSignatures, true},
		{"signature replaced by a bad one, by tag", tamperSignatures, false},
		{"signature replaced by a bad one, by digest", tamperSignatures, true},
		{"tag moved to an unsigned image", otherManifest, false},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			reg, tagged, digested, policyJSON, regD := cacheFixture(t, tc.m)
			ref := tagged
			if tc.digest {
				ref = digested
			}
			e := mirrorEngine(t, policyJSON, regD, "", verify.WithCache(verify.NewMemoryCache(0)))
			if d := mustVerify(t, e, ref); !d.Allowed || d.Cached {
				t.Fatalf("first decision: allowed=%v cached=%v (%s)", d.Allowed, d.Cached, d.Reason)
			}
			hit := mustVerify(t, e, ref)
			if !hit.Allowed || !hit.Cached || hit.Stale {
				t.Fatalf("second decision: allowed=%v cached=%v stale=%v (%s)", hit.Allowed, hit.Cached, hit.Stale, hit.Reason)
			}
			// One request proves the attachment; a tag is resolved at the same time.
			wantRequests := 1
			if !tc.digest {
				wantRequests = 2
			}
			if len(hit.Requests) != wantRequests || requestsTo(hit, ".sig") != 1 || requestsTo(hit, "/blobs/") != 0 {
				t.Errorf("cache hit made %d requests (%d to the .sig manifest, %d to blobs), want %d, one of them the .sig manifest",
					len(hit.Requests), requestsTo(hit, ".sig"), requestsTo(hit, "/blobs/"), wantRequests)
			}

			reg.armed.Store(true)
			if d := mustVerify(t, e, ref); d.Allowed || d.Cached {
				t.Fatalf("after the change: allowed=%v cached=%v (%s); want a fresh denial", d.Allowed, d.Cached, d.Reason)
			}
			reg.armed.Store(false)
			if d := mustVerify(t, e, ref); !d.Allowed || !d.Cached {
				t.Errorf("attachment restored: allowed=%v cached=%v (%s); want the cached allow, current again", d.Allowed, d.Cached, d.Reason)
			}
		})
	}
}

// TestCacheNeedsTheRegistry: a cached allow for a digest reference is not
// answered once the registry is gone.
func TestCacheNeedsTheRegistry(t *testing.T) {
	reg, _, digested, policyJSON, regD := cacheFixture(t, serverError)
	e := mirrorEngine(t, policyJSON, regD, "", verify.WithCache(verify.NewMemoryCache(0)))
	mustVerify(t, e, digested)
	reg.close()
	d := mustVerify(t, e, digested)
	if d.Allowed || d.Cached || d.Outcome != verify.OutcomeUndecided {
		t.Errorf("registry gone: %s, cached=%v (%s); want undecided", d.Outcome, d.Cached, d.Reason)
	}
}

// TestStaleCache: WithStaleCache answers without any request within its
// window, says so, and asks the registry again after it.
func TestStaleCache(t *testing.T) {
	reg, tagged, _, policyJSON, regD := cacheFixture(t, hideSignatures)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	e := mirrorEngine(t, policyJSON, regD, "", verify.WithCache(verify.NewMemoryCache(0)), verify.WithStaleCache(time.Minute), verify.WithClock(clock))
	mustVerify(t, e, tagged)
	reg.armed.Store(true) // the signature is gone from now on
	now = now.Add(40 * time.Second)
	d := mustVerify(t, e, tagged)
	if !d.Allowed || !d.Cached || !d.Stale || d.CacheAge != 40*time.Second || len(d.Requests) != 0 {
		t.Errorf("within the window: allowed=%v cached=%v stale=%v age=%v, %d requests; want a stale allow 40s old without a request",
			d.Allowed, d.Cached, d.Stale, d.CacheAge, len(d.Requests))
	}
	now = now.Add(21 * time.Second)
	if d := mustVerify(t, e, tagged); d.Allowed || d.Cached || d.Stale {
		t.Errorf("after the window: allowed=%v cached=%v stale=%v; want a fresh denial", d.Allowed, d.Cached, d.Stale)
	}

	pol, err := node.ParsePolicy([]byte(`{"default":[{"type":"insecureAcceptAnything"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := verify.New(node.Config{Policy: pol}, verify.WithCache(verify.NewMemoryCache(0)), verify.WithStaleCache(verify.MaxStaleCache)); err != nil {
		t.Errorf("the longest window refused: %v", err)
	}
	for _, tc := range []struct {
		desc string
		opts []verify.Option
	}{
		{"zero window", []verify.Option{verify.WithCache(verify.NewMemoryCache(0)), verify.WithStaleCache(0)}},
		{"window beyond the bound", []verify.Option{verify.WithCache(verify.NewMemoryCache(0)), verify.WithStaleCache(verify.MaxStaleCache + time.Second)}},
		{"no cache", []verify.Option{verify.WithStaleCache(time.Second)}},
	} {
		if _, err := verify.New(node.Config{Policy: pol}, tc.opts...); err == nil {
			t.Errorf("%s: accepted", tc.desc)
		}
	}
}

// TestCacheDoesNotReproveTheManifest pins a documented difference
// (docs/divergences.md): a hit for a digest reference proves the `.sig`
// attachment, not the manifest, which cannot change; a manifest deleted
// while its attachment remains keeps the cached allow, where CRI-O's pull
// would fail to find the image.
func TestCacheDoesNotReproveTheManifest(t *testing.T) {
	reg, _, digested, policyJSON, regD := cacheFixture(t, hideImage)
	e := mirrorEngine(t, policyJSON, regD, "", verify.WithCache(verify.NewMemoryCache(0)))
	mustVerify(t, e, digested)
	reg.armed.Store(true)
	if d := mustVerify(t, e, digested); !d.Allowed || !d.Cached {
		t.Errorf("manifest deleted: allowed=%v cached=%v (%s); want the cached allow", d.Allowed, d.Cached, d.Reason)
	}
}

// TestSharedCacheKeepsConfigurationsApart: engines sharing a Cache with
// different signature sources never take each other's verdicts, not even
// within WithStaleCache's window (which asks the registry nothing).
func TestSharedCacheKeepsConfigurationsApart(t *testing.T) {
	for _, tc := range []struct {
		desc       string
		noRegD     bool
		regConf    string
		wantReason string
	}{
		{"no registries.d: attachments not read", true, "", "no signature"},
		{"registries.conf blocks the registry", false, "blocked", "blocked"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			reg, tagged, _, policyJSON, regD := cacheFixture(t, hideSignatures)
			cache := verify.NewMemoryCache(0)
			a := mirrorEngine(t, policyJSON, regD, "", verify.WithCache(cache))
			if d := mustVerify(t, a, tagged); !d.Allowed {
				t.Fatalf("engine A: denied: %s", d.Reason)
			}
			bRegD, bConf := regD, ""
			if tc.noRegD {
				bRegD = nil
			}
			if tc.regConf == "blocked" {
				bConf = "[[registry]]\nlocation = \"" + reg.host + "\"\nblocked = true\n"
			}
			b := mirrorEngine(t, policyJSON, bRegD, bConf, verify.WithCache(cache), verify.WithStaleCache(time.Minute))
			d := mustVerify(t, b, tagged)
			if d.Allowed || d.Cached || !strings.Contains(strings.ToLower(d.Reason), tc.wantReason) {
				t.Errorf("engine B: allowed=%v cached=%v (%s); want a fresh denial saying %q", d.Allowed, d.Cached, d.Reason, tc.wantReason)
			}
		})
	}
}

// mapCache is a Cache whose Get ignores expiry, as the interface allows.
type mapCache struct {
	mu sync.Mutex
	m  map[verify.CacheKey]verify.CacheEntry
}

func (c *mapCache) Get(k verify.CacheKey, _ time.Time) (verify.CacheEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	return e, ok
}

func (c *mapCache) Put(k verify.CacheKey, e verify.CacheEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[k] = e
}

// TestExpiredEntryIsAMiss: an entry past its Expires is not taken, even
// from a Cache that returns it, with or without WithStaleCache.
func TestExpiredEntryIsAMiss(t *testing.T) {
	for _, stale := range []bool{false, true} {
		t.Run(fmt.Sprintf("stale=%v", stale), func(t *testing.T) {
			_, tagged, _, policyJSON, regD := cacheFixture(t, hideSignatures)
			now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			cache := &mapCache{m: map[verify.CacheKey]verify.CacheEntry{}}
			opts := []verify.Option{verify.WithCache(cache), verify.WithClock(func() time.Time { return now })}
			if stale {
				opts = append(opts, verify.WithStaleCache(time.Minute))
			}
			e := mirrorEngine(t, policyJSON, regD, "", opts...)
			mustVerify(t, e, tagged)
			if len(cache.m) != 1 {
				t.Fatalf("%d entries stored, want 1", len(cache.m))
			}
			for k, entry := range cache.m {
				entry.Expires = now.Add(time.Second)
				cache.m[k] = entry
			}
			if d := mustVerify(t, e, tagged); !d.Cached {
				t.Fatalf("before expiry: cached=%v, want a hit", d.Cached)
			}
			now = now.Add(time.Second)
			if d := mustVerify(t, e, tagged); d.Cached {
				t.Errorf("at expiry: cached=%v stale=%v, want a miss", d.Cached, d.Stale)
			}
		})
	}
}

// TestTagHitReportsTheCurrentList: a tag moved to another manifest list
// holding the same signed image is a hit, and reports the list the tag
// names now, whether the hit is proven from the origin alone or after the
// source selection of a registries.conf with a mirror (here unreachable).
func TestTagHitReportsTheCurrentList(t *testing.T) {
	for _, mirrored := range []bool{false, true} {
		t.Run(fmt.Sprintf("mirrored=%v", mirrored), func(t *testing.T) {
			reg := newDiffRegistry(t, faithful)
			cat, err := fixtures.Push(t.Context(), reg.host, fixtures.Options{Scenarios: []string{"list-per-platform"}})
			if err != nil {
				t.Fatal(err)
			}
			var tagged string
			for _, e := range cat.Entries {
				if !strings.Contains(e.Reference, "@") {
					tagged = e.Reference
				}
			}
			regConf := ""
			if mirrored {
				regConf = "[[registry]]\nlocation = \"" + reg.host + "\"\n[[registry.mirror]]\nlocation = \"127.0.0.1:1\"\n"
			}
			policyJSON, regD := renderFixturePolicy(t, cat, "list-per-platform")
			e := mirrorEngine(t, policyJSON, regD, regConf, verify.WithCache(verify.NewMemoryCache(0)))
			first := mustVerify(t, e, tagged)
			if !first.Allowed || first.ListDigest == "" {
				t.Fatalf("first decision: allowed=%v list %q (%s)", first.Allowed, first.ListDigest, first.Reason)
			}
			moved := moveTag(t, reg.host, tagged)
			hit := mustVerify(t, e, tagged)
			if !hit.Allowed || !hit.Cached || hit.Digest != first.Digest || hit.ListDigest != moved {
				t.Errorf("after the move: allowed=%v cached=%v digest %s list %s; want a hit on %s from list %s",
					hit.Allowed, hit.Cached, hit.Digest, hit.ListDigest, first.Digest, moved)
			}
		})
	}
}

// moveTag pushes the manifest list tagged names, annotated, under the same
// tag, and returns its digest.
func moveTag(t *testing.T, host, tagged string) string {
	t.Helper()
	repo, tag, _ := strings.Cut(strings.TrimPrefix(tagged, host+"/"), ":")
	url := "http://" + host + "/v2/" + repo + "/manifests/" + tag
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var index map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&index); err != nil {
		t.Fatal(err)
	}
	index["annotations"] = map[string]string{"moved": "yes"}
	body, err := json.Marshal(index)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPut, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", resp.Header.Get("Content-Type"))
	put, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	put.Body.Close()
	if put.StatusCode != http.StatusCreated {
		t.Fatalf("pushing the moved list: %s", put.Status)
	}
	return fmt.Sprintf("sha256:%x", sha256.Sum256(body))
}
