package audit_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sigpolicy/sigpolicy/audit"
	"github.com/sigpolicy/sigpolicy/cluster"
	"github.com/sigpolicy/sigpolicy/fetch"
	"github.com/sigpolicy/sigpolicy/fixtures"
	"github.com/sigpolicy/sigpolicy/fixtures/hostile"
	"github.com/sigpolicy/sigpolicy/policy/node"
	"github.com/sigpolicy/sigpolicy/verify"
)

// fixtureServer serves every scenario and the audit set once for the
// package's tests.
var fixtureServer = sync.OnceValues(func() (*fixtures.Server, error) {
	return fixtures.Serve(context.Background(), fixtures.Options{
		Scenarios: append(fixtures.ScenarioNames(), fixtures.AuditSetName),
		Hostile:   hostile.Config{SlowDelay: 20 * time.Millisecond, RetryAfter: -1},
	})
})

// catalogueDir writes the catalogue once per test.
func catalogueDir(t *testing.T) (*fixtures.Catalogue, string) {
	t.Helper()
	srv, err := fixtureServer()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := srv.Catalogue().Write(dir); err != nil {
		t.Fatal(err)
	}
	return srv.Catalogue(), dir
}

// collect is a Writer keeping every result.
type collect struct {
	mu      sync.Mutex
	results map[string]audit.Result
	order   []string
	summary *audit.Summary
}

func (c *collect) Result(r audit.Result) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.results == nil {
		c.results = map[string]audit.Result{}
	}
	c.results[r.Image] = r
	c.order = append(c.order, r.Image)
	return nil
}

func (c *collect) Close(s *audit.Summary) error { c.summary = s; return nil }

func refsOf(images []string) func(func(audit.Ref, error) bool) {
	return func(yield func(audit.Ref, error) bool) {
		for _, img := range images {
			if !yield(audit.Ref{Image: img, From: "test"}, nil) {
				return
			}
		}
	}
}

// engine loads src with a registry client that does not retry, so the
// 429/500 scenarios end quickly.
func engine(t *testing.T, src cluster.Source) *verify.Engine {
	t.Helper()
	compiled, err := cluster.Load(src)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := compiled.Node("")
	if err != nil {
		t.Fatal(err)
	}
	e, err := verify.New(cfg, verify.WithFetchOptions(fetch.WithRetries(0), fetch.WithRequestTimeout(5*time.Second), fetch.WithRegistryConcurrency(8)))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// causesOf is what each catalogue reason may be classified as.
var causesOf = map[fixtures.Reason][]audit.Cause{
	fixtures.ReasonNoSignature:      {audit.CauseNoSignature},
	fixtures.ReasonSignature:        {audit.CauseUntrustedSigner},
	fixtures.ReasonPayload:          {audit.CauseSignatureMalformed},
	fixtures.ReasonDigest:           {audit.CauseDigestMismatch},
	fixtures.ReasonIdentity:         {audit.CauseIdentityMismatch},
	fixtures.ReasonCertificate:      {audit.CauseCertificateInvalid},
	fixtures.ReasonIssuer:           {audit.CauseUntrustedSigner},
	fixtures.ReasonEmail:            {audit.CauseUntrustedSigner},
	fixtures.ReasonHostname:         {audit.CauseUntrustedSigner},
	fixtures.ReasonRekor:            {audit.CauseRekorSETInvalid},
	fixtures.ReasonPolicy:           {audit.CauseInvalidConfiguration},
	fixtures.ReasonRegistry:         {audit.CauseRegistryAnswer, audit.CauseRegistryUnavailable},
	fixtures.ReasonSignatureTooBig:  {audit.CauseRegistryAnswer},
	fixtures.ReasonMissingSignature: {audit.CauseSignatureMalformed},
	fixtures.ReasonBundleOnly:       {audit.CauseSignatureInBundle},
	fixtures.ReasonIndexOnly:        {audit.CauseIndexSignedOnly},
}

// TestCatalogueAuditsAsVerifyDecides audits every catalogue image under
// every match policy and requires, for each: verify's verdict (a separate
// engine deciding the same image), the catalogue's verdict, and a cause
// consistent with the catalogue's reason; then the audit set through its
// mirror and release image; then the causes only a policy produces. Every
// cause must have been produced.
func TestCatalogueAuditsAsVerifyDecides(t *testing.T) {
	cat, dir := catalogueDir(t)
	produced := map[audit.Cause]int{}

	for _, mp := range fixtures.MatchPolicies {
		t.Run(string(mp), func(t *testing.T) {
			var files, images []string
			want := map[string]fixtures.Expectation{}
			entry := map[string]fixtures.Entry{}
			seenFile := map[string]bool{}
			for _, e := range cat.Entries {
				if e.Platform != "" && e.Platform != "linux/amd64" {
					continue
				}
				for _, x := range e.Expect {
					if x.MatchPolicy != mp {
						continue
					}
					if !seenFile[x.Policy] {
						seenFile[x.Policy] = true
						files = append(files, filepath.Join(dir, x.Policy))
					}
					images = append(images, e.Reference)
					want[e.Reference], entry[e.Reference] = x, e
				}
			}
			var got collect
			sum, err := audit.Run(t.Context(), engine(t, cluster.Source{Objects: files}), refsOf(images), audit.Options{Concurrency: 16}, &got)
			if err != nil {
				t.Fatal(err)
			}
			if sum.Images != len(images) || len(got.results) != len(images) {
				t.Fatalf("%d results (summary %d) for %d images", len(got.results), sum.Images, len(images))
			}
			reference := engine(t, cluster.Source{Objects: files})
			for _, img := range images {
				r, x := got.results[img], want[img]
				d, err := reference.Verify(t.Context(), img)
				if err != nil {
					t.Fatal(err)
				}
				if r.Allowed != d.Allowed || r.Outcome != string(d.Outcome) || r.Digest != d.Digest {
					t.Errorf("%s: audit %s %s, verify %s %s", img, r.Outcome, r.Digest, d.Outcome, d.Digest)
				}
				if r.Allowed != (x.Verdict == fixtures.Allow) {
					t.Errorf("%s: audit allowed=%v, catalogue %s (%s)", img, r.Allowed, x.Verdict, x.Reason)
					continue
				}
				if r.Allowed {
					if r.Cause != "" || r.Remedy != "" {
						t.Errorf("%s: allowed with cause %q", img, r.Cause)
					}
					continue
				}
				causes := causesOf[x.Reason]
				switch {
				case entry[img].Scenario == "key-many-layers":
					// sigpolicy caps a .sig manifest at 256 layers, the
					// library does not (docs/divergences.md).
					causes = []audit.Cause{audit.CauseRegistryAnswer}
				case x.Reason == fixtures.ReasonIndexOnly && entry[img].Instance == "":
					// Pulled by the instance digest, no list is involved.
					causes = []audit.Cause{audit.CauseNoSignature}
				}
				if !slices.Contains(causes, r.Cause) {
					t.Errorf("%s: cause %s (%s), catalogue reason %s", img, r.Cause, r.Reason, x.Reason)
				}
				if r.Remedy == "" {
					t.Errorf("%s: %s without a remedy", img, r.Cause)
				}
				produced[r.Cause]++
			}
		})
	}

	t.Run("identity rule named", func(t *testing.T) {
		// Plain cosign signatures claim the repository only: the remedy
		// names MatchRepoDigestOrExact and what to change.
		files := []string{filepath.Join(dir, "policies/key-untagged-matchrepodigestorexact.yaml")}
		var got collect
		if _, err := audit.Run(t.Context(), engine(t, cluster.Source{Objects: files}), refsOf([]string{cat.Registry + "/scenarios/key-untagged:v1"}), audit.Options{}, &got); err != nil {
			t.Fatal(err)
		}
		r := got.results[cat.Registry+"/scenarios/key-untagged:v1"]
		if r.Cause != audit.CauseIdentityMismatch || !strings.Contains(r.Remedy, "names no tag or digest") || !strings.Contains(r.Remedy, "matchRepoDigestOrExact") || !strings.Contains(r.Remedy, "MatchRepository") {
			t.Errorf("%s: %s", r.Cause, r.Remedy)
		}
	})

	t.Run("audit set through the mirror", func(t *testing.T) {
		set := cat.Audit
		conf := filepath.Join(dir, fixtures.AuditRegistriesConfFile)
		src := cluster.Source{Objects: []string{filepath.Join(dir, set.Policy)}, RegistriesConf: conf}
		var images []string
		for _, img := range set.Images {
			images = append(images, img.Reference)
		}
		var got collect
		if _, err := audit.Run(t.Context(), engine(t, src), refsOf(images), audit.Options{}, &got); err != nil {
			t.Fatal(err)
		}
		for _, want := range set.Images {
			r := got.results[want.Reference]
			if r.Outcome != want.Outcome || string(r.Cause) != want.Cause || r.Source != want.Source {
				t.Errorf("%s: %s %s served by %q; want %s %s served by %q", want.Reference, r.Outcome, r.Cause, r.Source, want.Outcome, want.Cause, want.Source)
			}
			produced[r.Cause]++
			if r.Cause == audit.CauseSignatureNotMirrored {
				tag := "sha256-" + strings.TrimPrefix(r.Digest, "sha256:") + ".sig"
				line := fmt.Sprintf("oc image mirror %s/signature-not-mirrored:%s %s/signature-not-mirrored:%s", set.Origin, tag, set.Mirror, tag)
				if r.Remedy != line {
					t.Errorf("remedy %q, want %q", r.Remedy, line)
				}
			}
		}
	})

	t.Run("release image", func(t *testing.T) {
		set := cat.Audit
		conf, err := node.LoadRegistriesConf(filepath.Join(dir, fixtures.AuditRegistriesConfFile))
		if err != nil {
			t.Fatal(err)
		}
		client, err := fetch.New(fetch.WithRegistriesConf(conf))
		if err != nil {
			t.Fatal(err)
		}
		var listed []string
		for ref, err := range audit.Release(t.Context(), client, set.Release, time.Minute) {
			if err != nil {
				t.Fatal(err)
			}
			listed = append(listed, ref.Image)
		}
		var want []string
		for _, img := range set.Images {
			if img.InRelease {
				want = append(want, img.Reference)
			}
		}
		if len(listed) != len(want)+1 || !strings.HasPrefix(listed[0], set.Origin+"/ocp-release@sha256:") {
			t.Fatalf("release lists %v", listed)
		}
		slices.Sort(want)
		got := slices.Sorted(slices.Values(listed[1:]))
		if !slices.Equal(got, want) {
			t.Errorf("release images %v, want %v", got, want)
		}
	})

	t.Run("causes a policy produces", func(t *testing.T) {
		key := cat.Audit.PolicyObject().Spec.Policy.RootOfTrust.PublicKey.KeyData
		keyData := base64.StdEncoding.EncodeToString(key)
		reg := cat.Registry + "/scenarios/"
		policyJSON := fmt.Sprintf(`{"default":[{"type":"insecureAcceptAnything"}],"transports":{"docker":{
			%q:[{"type":"reject"}],
			%q:[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/nonexistent"}],
			%q:[{"type":"sigstoreSigned","keyData":%q}]}}}`,
			reg+"key-tagged", reg+"key-rsa", reg+"key-ed25519", keyData)
		pdir := t.TempDir()
		if err := os.WriteFile(filepath.Join(pdir, "policy.json"), []byte(policyJSON), 0o600); err != nil {
			t.Fatal(err)
		}
		// An empty registries.d: use-sigstore-attachments is on nowhere.
		if err := os.Mkdir(filepath.Join(pdir, "registries.d"), 0o700); err != nil {
			t.Fatal(err)
		}
		e := engine(t, cluster.Source{PolicyFile: filepath.Join(pdir, "policy.json"), RegistriesD: filepath.Join(pdir, "registries.d")})
		want := map[string]audit.Cause{
			reg + "key-tagged:v1":  audit.CausePolicyReject,
			reg + "key-rsa:v1":     audit.CauseUnsupported,
			reg + "key-ed25519:v1": audit.CauseAttachmentsDisabled,
			"Not A Reference!":     audit.CauseInvalidReference,
			"127.0.0.1:1/closed:1": "", // the default allows it without asking
		}
		var got collect
		sum, err := audit.Run(t.Context(), e, refsOf(slices.Collect(mapsKeys(want))), audit.Options{}, &got)
		if err != nil {
			t.Fatal(err)
		}
		for img, c := range want {
			if r := got.results[img]; r.Cause != c || (c != "" && r.Remedy == "") {
				t.Errorf("%s: cause %q (%s), want %q", img, r.Cause, r.Reason, c)
			}
			produced[c]++
		}
		if sum.ExitCode() != 1 {
			t.Errorf("exit code %d, want 1 (denied)", sum.ExitCode())
		}
	})

	t.Run("registry unavailable", func(t *testing.T) {
		e := engine(t, cluster.Source{Objects: []string{filepath.Join(dir, "policies/hostile-server-error-matchrepository.yaml")}})
		var got collect
		img := cat.Registry + "/scenarios/hostile-server-error:v1"
		if _, err := audit.Run(t.Context(), e, refsOf([]string{img}), audit.Options{}, &got); err != nil {
			t.Fatal(err)
		}
		if r := got.results[img]; r.Cause != audit.CauseRegistryUnavailable || r.Outcome != "undecided" {
			t.Errorf("%s %s: %s", r.Outcome, r.Cause, r.Reason)
		}
	})

	for _, c := range audit.Causes {
		if produced[c] == 0 {
			t.Errorf("no fixture produced cause %s", c)
		}
	}
}

func mapsKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
