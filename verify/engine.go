package verify

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/docker/reference"

	"github.com/sigpolicy/sigpolicy/fetch"
	"github.com/sigpolicy/sigpolicy/policy/node"
)

// Engine decides image pulls for one compiled policy. Build it with New; it
// is immutable and safe for concurrent use.
type Engine struct {
	policy     *node.Policy
	policyFile string
	registries *node.Registries
	fetcher    *fetch.Client
	cache      Cache
	now        func() time.Time

	// verifiers holds every sigstoreSigned requirement of the policy,
	// compiled once; identical requirements share one verifier.
	verifiers  map[*node.SigstoreRequirement]compiled
	configErrs []error
	refs       *refCache
}

type compiled struct {
	verifier *SigstoreVerifier
	err      error
}

// ErrInvalidReference is returned by Verify for an image reference that
// cannot be parsed; nothing was evaluated.
var ErrInvalidReference = errors.New("invalid image reference")

// New compiles a node configuration into an Engine. A requirement that
// cannot be compiled (an unreadable key file, say) does not fail New: images
// in its scope get OutcomeInvalidConfig, as the library fails only those
// images; ConfigErrors lists such requirements. Options are checked
// together here: a shared fetcher must follow cfg's registries.conf.
func New(cfg node.Config, opts ...Option) (*Engine, error) {
	if cfg.Policy == nil {
		return nil, errors.New("node configuration has no policy")
	}
	o := options{now: time.Now}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	fetcher, err := o.client(cfg.RegistriesConf)
	if err != nil {
		return nil, err
	}
	e := &Engine{
		policy:     cfg.Policy,
		policyFile: cmp.Or(cfg.PolicyName, "policy.json"),
		registries: cfg.RegistriesD,
		fetcher:    fetcher,
		cache:      o.cache,
		now:        o.now,
		verifiers:  make(map[*node.SigstoreRequirement]compiled),
		refs:       newRefCache(4096),
	}
	if e.registries == nil {
		e.registries = &node.Registries{Docker: map[string]node.RegistryNamespace{}}
	}
	shared := make(map[string]compiled)
	e.compileList("default", cfg.Policy.Default, shared)
	for _, transport := range slices.Sorted(maps.Keys(cfg.Policy.Transports)) {
		scopes := cfg.Policy.Transports[transport]
		for _, scope := range slices.Sorted(maps.Keys(scopes)) {
			e.compileList(fmt.Sprintf("transport %q scope %q", transport, scope), scopes[scope], shared)
		}
	}
	return e, nil
}

// client is the Engine's registry client: the shared one, checked against
// the registries.conf the node configuration names, or a new one.
func (o *options) client(conf *node.RegistriesConf) (*fetch.Client, error) {
	if o.fetcher != nil {
		if len(o.fetchOpts) > 0 {
			return nil, errors.New("a shared fetcher and fetch options cannot be combined: configure the shared fetcher")
		}
		if o.fetcher.RegistriesConf() != conf {
			return nil, fmt.Errorf("the shared fetcher follows %s but the node configuration has %s",
				o.fetcher.RegistriesConf().Describe(), conf.Describe())
		}
		return o.fetcher, nil
	}
	opts := o.fetchOpts
	if conf != nil {
		opts = append(slices.Clip(opts), fetch.WithRegistriesConf(conf))
	}
	c, err := fetch.New(opts...)
	if err != nil {
		return nil, err
	}
	if c.RegistriesConf() != conf {
		return nil, errors.New("fetch options must not set a registries.conf: it comes from the node configuration")
	}
	return c, nil
}

func (e *Engine) compileList(where string, reqs node.Requirements, shared map[string]compiled) {
	for i := range reqs {
		req := reqs[i].Sigstore
		if req == nil {
			continue
		}
		// Equal requirements marshal alike; one that cannot be marshalled
		// (it lacks a root) does not compile, and is not shared.
		config, marshalErr := json.Marshal(req)
		c, ok := shared[string(config)]
		if !ok || marshalErr != nil {
			v, err := NewSigstoreVerifier(req)
			c = compiled{verifier: v, err: err}
			if err != nil {
				e.configErrs = append(e.configErrs, fmt.Errorf("%s, requirement %d: %w", where, i, err))
			}
			if marshalErr == nil {
				shared[string(config)] = c
			}
		}
		e.verifiers[req] = c
	}
}

// fingerprint identifies a requirement list for cache keys by its types and
// the compiled trust material of its sigstoreSigned members (not their
// configuration text: a key file may change under the same path). ok is
// false when a member cannot be fingerprinted; nothing is cached then.
func (e *Engine) fingerprint(reqs node.Requirements) (fp string, ok bool) {
	var b strings.Builder
	for i := range reqs {
		b.WriteString(string(reqs[i].Type))
		if reqs[i].Sigstore != nil {
			v := e.verifiers[reqs[i].Sigstore].verifier
			if v == nil || v.fingerprint == "" {
				return "", false
			}
			b.WriteByte(':')
			b.WriteString(v.fingerprint)
		}
		b.WriteByte(';')
	}
	return b.String(), true
}

// ConfigErrors lists the requirements that could not be compiled.
func (e *Engine) ConfigErrors() []error { return e.configErrs }

// PolicyFile is the name the Engine gives its policy in decisions.
func (e *Engine) PolicyFile() string { return e.policyFile }

// ParseImage normalises an image reference the way CRI-O does before a
// pull: an optional "docker://" prefix is dropped, short names are
// qualified (docker.io/library/…), a reference with both a tag and a digest
// keeps only the digest, and a reference with neither gets ":latest".
func ParseImage(image string) (reference.Named, error) {
	s := strings.TrimPrefix(image, "docker://")
	ref, err := reference.ParseNormalizedNamed(s)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %v", ErrInvalidReference, image, err)
	}
	if d, ok := ref.(reference.Digested); ok {
		if _, tagged := ref.(reference.Tagged); tagged {
			// The library refuses such references; CRI-O pulls by the digest.
			return reference.WithDigest(reference.TrimNamed(ref), d.Digest())
		}
	}
	return reference.TagNameOnly(ref), nil
}

// Verify decides whether image may be pulled. The error is non-nil only when
// nothing could be evaluated (ErrInvalidReference); every other failure is a
// Decision that does not allow the image.
func (e *Engine) Verify(ctx context.Context, image string) (*Decision, error) {
	start := time.Now()
	ref, err := e.refs.parse(image)
	if err != nil {
		return nil, err
	}
	res := e.policy.Resolve("docker", ref)
	d := &Decision{
		MediaType:  DecisionMediaType,
		Image:      image,
		Reference:  ref.String(),
		PolicyFile: e.policyFile,
		Transport:  res.Transport,
		Scope:      res.Scope,
		ScopeKind:  string(res.Kind),
		Outcome:    OutcomeAllowed,
	}
	trace := &fetch.Trace{}
	ev := evaluation{engine: e, ctx: fetch.WithTrace(ctx, trace), ref: ref, decision: d}
	for i := range res.Requirements {
		r, outcome := ev.requirement(&res.Requirements[i], res.Requirements)
		d.Requirements = append(d.Requirements, r)
		if outcome == OutcomeAllowed {
			continue
		}
		d.Outcome, d.Reason = outcome, r.Reason
		rest := res.Requirements[i+1:]
		d.NotEvaluated = len(rest)
		if outcome == OutcomeUndecided {
			// A later requirement that denies without any input makes the
			// verdict certain after all: report the denial, not an outage.
			for j := range rest {
				if rest[j].Type == node.Reject || rest[j].Type == node.SignedBaseLayer {
					r, outcome := ev.requirement(&rest[j], res.Requirements)
					d.Requirements = append(d.Requirements, r)
					d.Outcome, d.Reason = outcome, r.Reason
					d.NotEvaluated = len(rest) - 1
					break
				}
			}
		}
		break
	}
	if len(res.Requirements) == 0 { // a parsed policy never has one; fail closed anyway
		d.Outcome = OutcomeDenied
		d.Reason = "List of verification policy requirements must not be empty"
	}
	d.Allowed = d.Outcome == OutcomeAllowed
	if d.Allowed && ev.cacheKey != nil && !d.Cached && e.cache != nil {
		att := *d.Attachments
		e.cache.Put(*ev.cacheKey, CacheEntry{Requirements: cloneResults(d.Requirements), Expires: expiry(d.Requirements),
			Digest: d.Digest, ListDigest: d.ListDigest, Attachments: &att})
	}
	d.Requests = trace.Requests()
	for _, s := range trace.Stages() {
		switch s.Name {
		case "resolve":
			d.Timings.Resolve += s.Duration
		case "signatures":
			d.Timings.Signatures += s.Duration
		}
	}
	d.Timings.Verify = ev.verifyTime
	d.Timings.Total = time.Since(start)
	return d, nil
}

// evaluation is the state of one Verify call: the image and its signatures
// are fetched at most once, when the first sigstoreSigned requirement needs
// them.
type evaluation struct {
	engine   *Engine
	ctx      context.Context
	ref      reference.Named
	decision *Decision

	loaded     bool
	image      *fetch.Image
	sigs       []UntrustedSignature
	loadErr    error
	cacheKey   *CacheKey
	cached     []RequirementResult
	verifyTime time.Duration
}

func (ev *evaluation) requirement(req *node.Requirement, all node.Requirements) (RequirementResult, Outcome) {
	switch req.Type {
	case node.InsecureAcceptAnything:
		return RequirementResult{Type: string(req.Type), Allowed: true, Code: ReasonAccepted}, OutcomeAllowed
	case node.Reject:
		return RequirementResult{Type: string(req.Type), Code: ReasonPolicyReject,
			Reason: fmt.Sprintf("Running image docker://%s is rejected by policy.", ev.decision.Reference)}, OutcomeDenied
	case node.SignedBaseLayer:
		return RequirementResult{Type: string(req.Type), Code: ReasonUnsupported,
			Reason: "signedBaseLayer not implemented yet!"}, OutcomeDenied
	case node.SignedBy:
		return RequirementResult{Type: string(req.Type), Code: ReasonUnsupported,
			Reason: "sigpolicy does not evaluate signedBy (GPG simple signing) requirements"}, OutcomeUndecided
	case node.SigstoreSigned:
		return ev.sigstore(req, all)
	}
	return RequirementResult{Type: string(req.Type), Code: ReasonInvalidConfig,
		Reason: fmt.Sprintf("unknown requirement type %q", req.Type)}, OutcomeInvalidConfig
}

func (ev *evaluation) sigstore(req *node.Requirement, all node.Requirements) (RequirementResult, Outcome) {
	e := ev.engine
	result := RequirementResult{Type: string(req.Type)}
	c := e.verifiers[req.Sigstore]
	if c.verifier == nil {
		result.Code = ReasonInvalidConfig
		result.Reason = fmt.Sprintf("requirement cannot be used: %v", c.err)
		return result, OutcomeInvalidConfig
	}
	ev.load(all)
	if ev.loadErr != nil {
		result.Reason = ev.loadErr.Error()
		if fetch.IsUndecided(ev.loadErr) {
			result.Code = ReasonRegistryUnavailable
			return result, OutcomeUndecided
		}
		result.Code = ReasonRegistryAnswer
		return result, OutcomeDenied
	}
	if i := indexOf(all, req); i >= 0 && i < len(ev.cached) {
		return ev.cached[i], OutcomeAllowed
	}
	t := time.Now()
	result = c.verifier.EvaluateManifestAt(e.now(), ev.ref, ev.image.Manifest, ev.image.Digest, ev.sigs)
	ev.verifyTime += time.Since(t)
	if !result.Allowed {
		return result, OutcomeDenied
	}
	return result, OutcomeAllowed
}

func indexOf(all node.Requirements, req *node.Requirement) int {
	for i := range all {
		if &all[i] == req {
			return i
		}
	}
	return -1
}

// load resolves the image and reads its signatures once per evaluation,
// consulting the cache between the two: a tag is always re-resolved, but a
// cached verdict for the digest spares the signature fetch.
func (ev *evaluation) load(all node.Requirements) {
	if ev.loaded {
		return
	}
	ev.loaded = true
	e := ev.engine
	if e.cache != nil && ev.cachedBeforeResolve(all) {
		return
	}
	img, err := e.fetcher.Resolve(ev.ctx, ev.ref)
	if err != nil {
		ev.loadErr = err
		return
	}
	ev.image = img
	ev.decision.Digest = img.Digest.String()
	if img.ListDigest != "" {
		ev.decision.ListDigest = img.ListDigest.String()
	}
	repo := img.Physical
	att := &Attachments{Repository: repo.Name(), Enabled: e.registries.UseSigstoreAttachments(repo)}
	ev.decision.Attachments = att

	if att.Enabled {
		att.Tag = img.AttachmentTag()
	}
	if e.cache != nil {
		if key, ok := ev.key(all, img.Digest, repo, att.Enabled); ok {
			ev.cacheKey = &key
			if entry, ok := e.cache.Get(key, e.now()); ok && ev.useCached(entry, all) {
				return
			}
		}
	}
	if !att.Enabled {
		return
	}
	sigs, err := e.fetcher.Signatures(ev.ctx, img)
	if err != nil {
		ev.loadErr = err
		return
	}
	att.Count = len(sigs)
	ev.sigs = make([]UntrustedSignature, len(sigs))
	for i, s := range sigs {
		ev.sigs[i] = UntrustedSignature{MediaType: s.MediaType, Payload: s.Payload, Annotations: s.Annotations, LayerDigest: s.LayerDigest}
	}
}

// cachedBeforeResolve answers a digest reference from the cache without any
// request: its manifest cannot change, and when no mirror applies the
// repository that would serve it is the reference's own.
func (ev *evaluation) cachedBeforeResolve(all node.Requirements) bool {
	e := ev.engine
	d, ok := ev.ref.(reference.Digested)
	if !ok || !e.fetcher.OriginOnly(ev.ref) {
		return false
	}
	enabled := e.registries.UseSigstoreAttachments(ev.ref)
	key, ok := ev.key(all, d.Digest(), ev.ref, enabled)
	if !ok {
		return false
	}
	entry, ok := e.cache.Get(key, e.now())
	if !ok || !ev.useCached(entry, all) {
		return false
	}
	ev.decision.Digest, ev.decision.ListDigest = entry.Digest, entry.ListDigest
	return true
}

// key identifies this evaluation's verdict. A digest reference is keyed by
// the requested digest and the platform (so that a manifest list's verdict
// can be found before resolving it); a tag by the digest it resolved to.
// ok is false when the requirements cannot be fingerprinted: nothing is
// cached then.
func (ev *evaluation) key(all node.Requirements, resolved digest.Digest, physical reference.Named, enabled bool) (CacheKey, bool) {
	e := ev.engine
	fp, ok := e.fingerprint(all)
	if !ok {
		return CacheKey{}, false
	}
	manifest := resolved.String()
	if d, ok := ev.ref.(reference.Digested); ok {
		manifest = d.Digest().String() + " " + e.fetcher.Platform()
	}
	return newCacheKey(manifest, fp, ev.decision.Reference, physical.Name(), strconv.FormatBool(enabled)), true
}

// useCached takes a cached verdict if it is one this evaluation can use: an
// allowed result for each requirement, in policy order. Anything else (a
// foreign Cache implementation's stale or corrupt entry) is a miss.
func (ev *evaluation) useCached(entry CacheEntry, all node.Requirements) bool {
	if len(entry.Requirements) != len(all) || entry.Attachments == nil {
		return false
	}
	for i, r := range entry.Requirements {
		if !r.Allowed || r.Type != string(all[i].Type) {
			return false
		}
	}
	ev.decision.Cached = true
	ev.cached = cloneResults(entry.Requirements)
	att := *entry.Attachments
	ev.decision.Attachments = &att
	return true
}

// expiry is when an allowed verdict stops being reusable: the earliest
// validity end of the accepted PKI chains (verified at the current time), or
// never for keys and Fulcio (verified at a fixed time).
func expiry(reqs []RequirementResult) time.Time {
	var end time.Time
	for _, r := range reqs {
		if !r.ValidUntil.IsZero() && (end.IsZero() || r.ValidUntil.Before(end)) {
			end = r.ValidUntil
		}
	}
	return end
}
