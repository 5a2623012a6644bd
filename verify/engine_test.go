package verify_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sigpolicy/sigpolicy/cluster"
	"github.com/sigpolicy/sigpolicy/fetch"
	"github.com/sigpolicy/sigpolicy/fixtures"
	"github.com/sigpolicy/sigpolicy/policy/node"
	"github.com/sigpolicy/sigpolicy/verify"
)

// fixtureServer starts one embedded fixture registry with a few scenarios
// for every test of this file.
var fixtureServer = sync.OnceValues(func() (*fixtures.Server, error) {
	return fixtures.Serve(context.Background(), fixtures.Options{
		Scenarios: []string{"key-tagged", "key-unknown", "pki-intermediates-in-policy"},
	})
})

// fixtureEngine builds an Engine from the catalogue policy of scenario
// under matchPolicy, and returns the entry's tagged reference.
func fixtureEngine(t *testing.T, scenario string, matchPolicy string, opts ...verify.Option) (*verify.Engine, string) {
	t.Helper()
	srv, err := fixtureServer()
	if err != nil {
		t.Fatal(err)
	}
	cat := srv.Catalogue()
	dir := t.TempDir()
	if err := cat.Write(dir); err != nil {
		t.Fatal(err)
	}
	for _, e := range cat.Entries {
		if e.Scenario != scenario || strings.Contains(e.Reference, "@") {
			continue
		}
		for _, x := range e.Expect {
			if string(x.MatchPolicy) != matchPolicy {
				continue
			}
			engine := resourcesEngine(t, filepath.Join(dir, x.Policy), "", opts...)
			return engine, e.Reference
		}
	}
	t.Fatalf("no tagged entry for scenario %s under %s", scenario, matchPolicy)
	return nil, ""
}

func TestCacheReusesAllowedVerdicts(t *testing.T) {
	cache := verify.NewMemoryCache(0)
	engine, ref := fixtureEngine(t, "key-tagged", "MatchRepository", verify.WithCache(cache))
	first, err := engine.Verify(t.Context(), ref)
	if err != nil {
		t.Fatal(err)
	}
	if !first.Allowed || first.Cached {
		t.Fatalf("first decision: allowed=%v cached=%v (%s)", first.Allowed, first.Cached, first.Reason)
	}
	second, err := engine.Verify(t.Context(), ref)
	if err != nil {
		t.Fatal(err)
	}
	if !second.Allowed || !second.Cached {
		t.Fatalf("second decision: allowed=%v cached=%v", second.Allowed, second.Cached)
	}
	if second.Digest != first.Digest {
		t.Errorf("digest changed: %s then %s", first.Digest, second.Digest)
	}
	// The tag is re-resolved and the .sig manifest read again, to prove
	// the verdict current; no signature blob is read, nothing verified.
	var manifests, sigs, blobs int
	for _, r := range second.Requests {
		switch {
		case strings.Contains(r.URL, ".sig"):
			sigs++
		case strings.Contains(r.URL, "/manifests/"):
			manifests++
		case strings.Contains(r.URL, "/blobs/"):
			blobs++
		}
	}
	if manifests != 1 || sigs != 1 || blobs != 0 || second.Timings.Verify != 0 {
		t.Errorf("cached decision made %d manifest, %d .sig and %d blob requests and verified for %v; want 1, 1, 0 and nothing",
			manifests, sigs, blobs, second.Timings.Verify)
	}
	if cache.Len() != 1 {
		t.Errorf("cache holds %d entries, want 1", cache.Len())
	}
}

func TestCacheSkipsDenials(t *testing.T) {
	cache := verify.NewMemoryCache(0)
	engine, ref := fixtureEngine(t, "key-unknown", "MatchRepository", verify.WithCache(cache))
	for i := range 2 {
		d, err := engine.Verify(t.Context(), ref)
		if err != nil {
			t.Fatal(err)
		}
		if d.Allowed || d.Cached {
			t.Fatalf("decision %d: allowed=%v cached=%v, want a fresh denial", i, d.Allowed, d.Cached)
		}
	}
	if cache.Len() != 0 {
		t.Errorf("cache holds %d entries after denials", cache.Len())
	}
}

func TestCachedPKIVerdictExpiresWithTheChain(t *testing.T) {
	cache := verify.NewMemoryCache(0)
	now := time.Now()
	clock := func() time.Time { return now }
	engine, ref := fixtureEngine(t, "pki-intermediates-in-policy", "MatchRepository", verify.WithCache(cache), verify.WithClock(clock))
	d, err := engine.Verify(t.Context(), ref)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Allowed {
		t.Fatalf("PKI image denied: %s", d.Reason)
	}
	until := d.Requirements[0].ValidUntil
	if until.IsZero() {
		t.Fatal("allowed PKI verdict has no validUntil")
	}
	if d, _ = engine.Verify(t.Context(), ref); !d.Cached {
		t.Fatal("second PKI decision did not use the cache")
	}
	now = until.Add(time.Second)
	d, err = engine.Verify(t.Context(), ref)
	if err != nil {
		t.Fatal(err)
	}
	if d.Cached || d.Allowed {
		t.Errorf("after the chain expired: cached=%v allowed=%v (%s); want a fresh denial", d.Cached, d.Allowed, d.Reason)
	}
}

// policyEngine builds an Engine from a policy.json text, with no
// registries.d and a fetcher that is never expected to be used unless the
// test says so.
func policyEngine(t *testing.T, policyJSON string, opts ...verify.Option) *verify.Engine {
	t.Helper()
	return policyEngineWith(t, policyJSON, nil, opts...)
}

// policyEngineWith is policyEngine with a registries.d configuration.
func policyEngineWith(t *testing.T, policyJSON string, regs *node.Registries, opts ...verify.Option) *verify.Engine {
	t.Helper()
	p, err := node.ParsePolicy([]byte(policyJSON))
	if err != nil {
		t.Fatal(err)
	}
	e, err := verify.New(node.Config{Policy: p, RegistriesD: regs}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestRequirementsWithoutSignatures(t *testing.T) {
	missingKey := filepath.Join(t.TempDir(), "missing.pub")
	e := policyEngine(t, `{"default":[{"type":"insecureAcceptAnything"}],"transports":{"docker":{
		"example.com/rejected":[{"type":"reject"}],
		"example.com/both":[{"type":"insecureAcceptAnything"},{"type":"reject"},{"type":"insecureAcceptAnything"}],
		"example.com/gpg":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/nonexistent"}],
		"example.com/gpg-then-reject":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/nonexistent"},{"type":"insecureAcceptAnything"},{"type":"reject"}],
		"example.com/base":[{"type":"signedBaseLayer","baseLayerIdentity":{"type":"matchRepository"}}],
		"example.com/broken":[{"type":"sigstoreSigned","keyPath":"`+missingKey+`"}],
		"127.0.0.1:1/closed":[{"type":"sigstoreSigned","keyData":"`+testKeyB64(t)+`","signedIdentity":{"type":"matchRepository"}}]
	}}}`)
	if len(e.ConfigErrors()) != 1 || !strings.Contains(e.ConfigErrors()[0].Error(), "missing.pub") {
		t.Errorf("ConfigErrors = %v, want the missing key file", e.ConfigErrors())
	}
	tests := []struct {
		desc, image  string
		outcome      verify.Outcome
		scopeKind    string
		reason       string
		notEvaluated int
	}{
		{"default accepts anything", "busybox", verify.OutcomeAllowed, "default", "", 0},
		{"reject, library wording", "example.com/rejected:1", verify.OutcomeDenied, "repository",
			"Running image docker://example.com/rejected:1 is rejected by policy.", 0},
		{"first denial ends the list", "example.com/both@sha256:" + strings.Repeat("a", 64), verify.OutcomeDenied, "repository",
			"is rejected by policy.", 1},
		{"signedBy cannot be decided", "example.com/gpg:1", verify.OutcomeUndecided, "repository", "signedBy", 0},
		{"a later reject decides anyway", "example.com/gpg-then-reject:1", verify.OutcomeDenied, "repository", "is rejected by policy.", 1},
		{"signedBaseLayer as the library", "example.com/base:1", verify.OutcomeDenied, "repository", "signedBaseLayer not implemented yet!", 0},
		{"uncompilable requirement", "example.com/broken:1", verify.OutcomeInvalidConfig, "repository", "missing.pub", 0},
		{"unreachable registry", "127.0.0.1:1/closed:1", verify.OutcomeUndecided, "repository", "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			d, err := e.Verify(ctx, tc.image)
			if err != nil {
				t.Fatal(err)
			}
			if d.Outcome != tc.outcome || d.Allowed != (tc.outcome == verify.OutcomeAllowed) {
				t.Errorf("outcome %s (allowed=%v), want %s; reason %q", d.Outcome, d.Allowed, tc.outcome, d.Reason)
			}
			if d.ScopeKind != tc.scopeKind {
				t.Errorf("scope kind %s, want %s", d.ScopeKind, tc.scopeKind)
			}
			if !strings.Contains(d.Reason, tc.reason) {
				t.Errorf("reason %q lacks %q", d.Reason, tc.reason)
			}
			if d.NotEvaluated != tc.notEvaluated {
				t.Errorf("notEvaluated %d, want %d", d.NotEvaluated, tc.notEvaluated)
			}
		})
	}
}

func TestInvalidReference(t *testing.T) {
	e := policyEngine(t, `{"default":[{"type":"insecureAcceptAnything"}]}`)
	for _, image := range []string{"", "UPPER/case", "example.com/x:tag:tag", "docker://"} {
		if _, err := e.Verify(t.Context(), image); !errors.Is(err, verify.ErrInvalidReference) {
			t.Errorf("Verify(%q) error %v, want ErrInvalidReference", image, err)
		}
	}
}

func TestAttachmentsDisabledMeansNoSignatures(t *testing.T) {
	srv, err := fixtureServer()
	if err != nil {
		t.Fatal(err)
	}
	ref := srv.Addr() + "/scenarios/key-tagged:v1"
	// A policy requiring signatures, but no registries.d enabling attachments:
	// the library then reads no signature at all.
	e := policyEngine(t, `{"default":[{"type":"sigstoreSigned","keyData":"`+testKeyB64(t)+`"}]}`)
	d, err := e.Verify(t.Context(), ref)
	if err != nil {
		t.Fatal(err)
	}
	if d.Allowed || d.Reason != "A signature was required, but no signature exists" {
		t.Errorf("allowed=%v reason %q", d.Allowed, d.Reason)
	}
	if d.Attachments == nil || d.Attachments.Enabled {
		t.Errorf("attachments %+v, want disabled", d.Attachments)
	}
	for _, r := range d.Requests {
		if strings.Contains(r.URL, ".sig") {
			t.Errorf("read %s although attachments are disabled", r.URL)
		}
	}
}

func TestVerifyAllKeepsOrder(t *testing.T) {
	e := policyEngine(t, `{"default":[{"type":"insecureAcceptAnything"}],"transports":{"docker":{"example.com/no":[{"type":"reject"}]}}}`)
	images := []string{"example.com/no:1", "busybox", "Bad Ref", "example.com/yes:2", "example.com/no:3"}
	results := e.VerifyAll(t.Context(), images, verify.BatchOptions{Concurrency: 2})
	want := []verify.Outcome{verify.OutcomeDenied, verify.OutcomeAllowed, "", verify.OutcomeAllowed, verify.OutcomeDenied}
	for i, r := range results {
		if r.Image != images[i] {
			t.Errorf("result %d is for %q, want %q", i, r.Image, images[i])
		}
		if want[i] == "" {
			if !errors.Is(r.Err, verify.ErrInvalidReference) {
				t.Errorf("result %d: error %v, want ErrInvalidReference", i, r.Err)
			}
			continue
		}
		if r.Err != nil || r.Decision.Outcome != want[i] {
			t.Errorf("result %d: %v %+v, want %s", i, r.Err, r.Decision, want[i])
		}
	}
}

// testKeyB64 is the base64 of a syntactically valid ECDSA public key PEM
// (the containers-image conformance cosign.pub).
func testKeyB64(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("testdata/containers-image/cosign.pub")
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(data)
}

func TestParseImage(t *testing.T) {
	digest := "sha256:" + strings.Repeat("a", 64)
	for _, tc := range []struct{ in, want string }{
		{"busybox", "docker.io/library/busybox:latest"},
		{"docker://quay.io/ns/app", "quay.io/ns/app:latest"},
		{"localhost:5000/app:v1", "localhost:5000/app:v1"},
		{"quay.io/ns/app@" + digest, "quay.io/ns/app@" + digest},
		// CRI-O pulls a tag+digest reference by its digest.
		{"quay.io/ns/app:v1@" + digest, "quay.io/ns/app@" + digest},
	} {
		ref, err := verify.ParseImage(tc.in)
		if err != nil {
			t.Errorf("ParseImage(%q): %v", tc.in, err)
			continue
		}
		if ref.String() != tc.want {
			t.Errorf("ParseImage(%q) = %s, want %s", tc.in, ref, tc.want)
		}
	}
}

// TestCacheKeyFollowsTrustMaterial: a key file replaced under the same path
// must not reuse the verdict the old key earned, even with a shared cache.
func TestCacheKeyFollowsTrustMaterial(t *testing.T) {
	srv, err := fixtureServer()
	if err != nil {
		t.Fatal(err)
	}
	ref := srv.Addr() + "/scenarios/key-tagged:v1"
	var keyData []byte
	for file, p := range srv.Catalogue().Policies {
		if strings.HasSuffix(file, "key-tagged-matchrepository.yaml") {
			keyData = p.Spec.Policy.RootOfTrust.PublicKey.KeyData
		}
	}
	if keyData == nil {
		t.Fatal("no key-tagged policy in the catalogue")
	}
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key.pub")
	policyJSON := `{"default":[{"type":"sigstoreSigned","keyPath":"` + keyFile + `","signedIdentity":{"type":"matchRepository"}}]}`
	regs, err := node.ParseRegistriesD(map[string][]byte{"r.yaml": []byte("default-docker:\n  use-sigstore-attachments: true\n")})
	if err != nil {
		t.Fatal(err)
	}
	cache := verify.NewMemoryCache(0)
	decide := func(key []byte) *verify.Decision {
		t.Helper()
		if err := os.WriteFile(keyFile, key, 0o600); err != nil {
			t.Fatal(err)
		}
		e := policyEngineWith(t, policyJSON, regs, verify.WithCache(cache))
		d, err := e.Verify(t.Context(), ref)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if d := decide(keyData); !d.Allowed {
		t.Fatalf("trusted key: denied: %s", d.Reason)
	}
	otherKey, err := os.ReadFile("testdata/containers-image/cosign.pub")
	if err != nil {
		t.Fatal(err)
	}
	if d := decide(otherKey); d.Allowed || d.Cached {
		t.Errorf("after the key file changed: allowed=%v cached=%v; want a fresh denial", d.Allowed, d.Cached)
	}
	if d := decide(keyData); !d.Allowed || !d.Cached {
		t.Errorf("back to the trusted key: allowed=%v cached=%v; want the cached allow", d.Allowed, d.Cached)
	}
}

// corruptCache returns, for every key, an entry no evaluation may use.
type corruptCache struct{ entry verify.CacheEntry }

func (c corruptCache) Get(verify.CacheKey, time.Time) (verify.CacheEntry, bool) { return c.entry, true }
func (corruptCache) Put(verify.CacheKey, verify.CacheEntry)                     {}

// TestCorruptCacheEntriesAreMisses: each entry is well-formed but for one
// field, and within WithStaleCache's window, so that only usable's shape
// checks stand between it and a stale hit (the control case is one).
func TestCorruptCacheEntriesAreMisses(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	allowed := verify.RequirementResult{Type: "sigstoreSigned", Allowed: true}
	entry := func(edit func(*verify.CacheEntry)) verify.CacheEntry {
		e := verify.CacheEntry{Requirements: []verify.RequirementResult{allowed}, Attachments: &verify.Attachments{Enabled: true},
			Digest: "sha256:" + strings.Repeat("a", 64), AttachmentDigest: "sha256:" + strings.Repeat("b", 64), Proven: now}
		edit(&e)
		return e
	}
	for _, tc := range []struct {
		desc  string
		entry verify.CacheEntry
		hit   bool
	}{
		{"control: a well-formed entry", entry(func(*verify.CacheEntry) {}), true},
		{"no requirements", entry(func(e *verify.CacheEntry) { e.Requirements = nil }), false},
		{"a denial", entry(func(e *verify.CacheEntry) { e.Requirements[0].Allowed = false }), false},
		{"another requirement type", entry(func(e *verify.CacheEntry) { e.Requirements[0].Type = "reject" }), false},
		{"too many requirements", entry(func(e *verify.CacheEntry) { e.Requirements = append(e.Requirements, allowed) }), false},
		{"no attachments", entry(func(e *verify.CacheEntry) { e.Attachments = nil }), false},
		{"no attachment digest", entry(func(e *verify.CacheEntry) { e.AttachmentDigest = "" }), false},
		{"no digest", entry(func(e *verify.CacheEntry) { e.Digest = "" }), false},
		{"expired", entry(func(e *verify.CacheEntry) { e.Expires = now }), false},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			engine, ref := fixtureEngine(t, "key-unknown", "MatchRepository", verify.WithCache(corruptCache{tc.entry}),
				verify.WithStaleCache(time.Minute), verify.WithClock(func() time.Time { return now }))
			d, err := engine.Verify(t.Context(), ref)
			if err != nil {
				t.Fatal(err)
			}
			if tc.hit {
				if !d.Allowed || !d.Stale {
					t.Errorf("allowed=%v stale=%v; the control entry must be a stale hit", d.Allowed, d.Stale)
				}
			} else if d.Allowed || d.Cached {
				t.Errorf("allowed=%v cached=%v; a corrupt entry must be ignored", d.Allowed, d.Cached)
			}
		})
	}
}

// resourcesEngine builds an Engine for namespace from ClusterImagePolicy and
// ImagePolicy files, compiled as the MCO renders them.
func resourcesEngine(t *testing.T, path, namespace string, opts ...verify.Option) *verify.Engine {
	t.Helper()
	compiled, err := cluster.Load(cluster.Source{Objects: []string{path}})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := compiled.Node(namespace)
	if err != nil {
		t.Fatal(err)
	}
	engine, err := verify.New(cfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return engine
}

// TestContextExpiryIsNamed: a registry that does not answer before the
// caller's deadline, or a canceled call, is reported as such, not as
// "unavailable" (the kind fetch wraps the context's error in).
func TestContextExpiryIsNamed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	e := policyEngine(t, `{"default":[{"type":"sigstoreSigned","keyData":"`+testKeyB64(t)+`","signedIdentity":{"type":"matchRepository"}}]}`,
		verify.WithFetchOptions(fetch.WithRetries(0)))
	for _, tc := range []struct {
		desc string
		ctx  func() (context.Context, context.CancelFunc)
		want string
	}{
		{"deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(t.Context(), 50*time.Millisecond)
		}, "timeout"},
		{"canceled", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(t.Context())
			time.AfterFunc(50*time.Millisecond, cancel)
			return ctx, cancel
		}, "canceled"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			ctx, cancel := tc.ctx()
			defer cancel()
			d, err := e.Verify(ctx, host+"/repo:tag")
			if err != nil {
				t.Fatal(err)
			}
			if d.Allowed || len(d.Requirements) != 1 || d.Requirements[0].RegistryError != tc.want {
				t.Fatalf("allowed=%v, requirements %+v; want registryError %q", d.Allowed, d.Requirements, tc.want)
			}
		})
	}
}

// TestRepeatedNameIsNotReparsed: without a registries.conf, a name decided
// again is not parsed again (whether it is a short name is memoised with its
// reference): an unscoped decision stays within ten allocations (fourteen
// when the name was parsed at each decision).
func TestRepeatedNameIsNotReparsed(t *testing.T) {
	e := policyEngine(t, `{"default":[{"type":"insecureAcceptAnything"}]}`)
	const image = "quay.io/ns/repo:1"
	if d := mustVerify(t, e, image); !d.Allowed {
		t.Fatalf("denied: %s", d.Reason)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = e.Verify(t.Context(), image) }); n > 10 {
		t.Errorf("%v allocations per decision, want at most 10", n)
	}
}
