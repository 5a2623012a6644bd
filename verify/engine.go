package verify

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/docker/reference"

	"github.com/sigpolicy/sigpolicy/fetch"
	"github.com/sigpolicy/sigpolicy/internal/safetext"
	"github.com/sigpolicy/sigpolicy/policy/node"
)

// Engine decides image pulls for one compiled policy. Build it with New; it
// is immutable and safe for concurrent use.
type Engine struct {
	policy     *node.Policy
	policyFile string
	registries *node.Registries
	// registriesConf resolves short names (nil: the Docker way).
	registriesConf *node.RegistriesConf
	fetcher        *fetch.Client
	// platform and source are cache key fields, computed once (see key).
	platform, source string
	cache            Cache
	staleFor         time.Duration
	now              func() time.Time

	// verifiers holds every sigstoreSigned requirement of the policy,
	// compiled once; identical requirements share one verifier.
	verifiers map[*node.SigstoreRequirement]compiled
	// fingerprints holds each requirement list's fingerprint (cache keys),
	// by its first requirement; lists that cannot be fingerprinted are
	// absent.
	fingerprints map[*node.Requirement]string
	configErrs   []error
	refs         *refCache
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
	if o.staleFor > 0 && o.cache == nil {
		return nil, errors.New("WithStaleCache needs WithCache")
	}
	fetcher, err := o.client(cfg.RegistriesConf)
	if err != nil {
		return nil, err
	}
	e := &Engine{
		policy:         cfg.Policy,
		policyFile:     cmp.Or(cfg.PolicyName, "policy.json"),
		registries:     cfg.RegistriesD,
		registriesConf: cfg.RegistriesConf,
		fetcher:        fetcher,
		cache:          o.cache,
		staleFor:       o.staleFor,
		now:            o.now,
		verifiers:      make(map[*node.SigstoreRequirement]compiled),
		fingerprints:   make(map[*node.Requirement]string),
		refs:           newRefCache(4096),
	}
	if e.registries == nil {
		e.registries = &node.Registries{Docker: map[string]node.RegistryNamespace{}}
	}
	if e.cache != nil { // cache keys alone need it, and it grows with registries.d
		if e.source, err = sourceFingerprint(e.registries, fetcher.RegistriesConf()); err != nil {
			return nil, err
		}
	}
	e.platform = fetcher.Platform()
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
		if !o.fetcher.RegistriesConf().SamePullSources(conf) {
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
	if !c.RegistriesConf().SamePullSources(conf) {
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
				e.configErrs = append(e.configErrs, fmt.Errorf("%s, requirement %d: %s", safetext.String(where), i, safetext.String(err.Error())))
			}
			if marshalErr == nil {
				shared[string(config)] = c
			}
		}
		e.verifiers[req] = c
	}
	if fp, ok := e.fingerprint(reqs); ok && len(reqs) > 0 {
		e.fingerprints[&reqs[0]] = fp
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
// Decision that does not allow the image. A short name is decided as CRI-O
// pulls it (candidates.go).
func (e *Engine) Verify(ctx context.Context, image string) (*Decision, error) {
	p, err := e.refs.candidates(image, e.registriesConf)
	if err != nil {
		return nil, err
	}
	if len(p.refs) > 1 {
		return e.decideCandidates(ctx, image, p.refs), nil
	}
	d := e.decide(ctx, image, p.refs[0])
	if p.dockerShortName {
		d.Notes = append(d.Notes, fmt.Sprintf("short name %q read the Docker way (docker.io): no registries.conf was given, and CRI-O resolves short names through its unqualified-search-registries", safetext.String(image)))
	}
	return d, nil
}

// decide decides one normalised reference.
func (e *Engine) decide(ctx context.Context, image string, ref reference.Named) *Decision {
	start := time.Now()
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
		r, outcome := ev.judge(&res.Requirements[i], res.Requirements)
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
					r, outcome := ev.judge(&rest[j], res.Requirements)
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
	if d.Allowed && d.Reason == "" {
		d.Reason = allowedWithoutSignature(res)
	}
	ev.store()
	d.Requests = trace.Requests()
	d.Warnings = trace.Warnings()
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
	return d
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
	verifyTime time.Duration

	// With a cache: the key of this evaluation's verdict, the cached
	// results reused, when the registry was asked, and the digest of the
	// `.sig` manifest the signatures were read from.
	cacheKey         *CacheKey
	cached           []RequirementResult
	checkedAt        time.Time
	attachmentDigest digest.Digest
}

// judge evaluates one requirement and records its outcome in its result.
func (ev *evaluation) judge(req *node.Requirement, all node.Requirements) (RequirementResult, Outcome) {
	r, outcome := ev.requirement(req, all)
	r.Outcome = outcome
	return r, outcome
}

// imageNotFetched ends the reason of an image allowed without reading it.
const imageNotFetched = "; the image itself was not fetched"

// allowedWithoutSignature says why an image was allowed when no requirement
// checked anything: every requirement of the matched scope (or of the
// default) is insecureAcceptAnything. "" when a requirement did check.
func allowedWithoutSignature(res node.Resolution) string {
	for _, r := range res.Requirements {
		if r.Type != node.InsecureAcceptAnything {
			return ""
		}
	}
	switch res.Kind {
	case node.ScopeDefault:
		return "no policy scope matches: allowed without a signature check (the policy's default is insecureAcceptAnything)" + imageNotFetched
	case node.ScopeEmpty:
		return fmt.Sprintf("no policy scope matches: allowed without a signature check (transport %q's default scope is insecureAcceptAnything)", res.Transport) + imageNotFetched
	}
	return fmt.Sprintf("scope %q accepts anything (insecureAcceptAnything): allowed without a signature check", res.Scope) + imageNotFetched
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
		result.Reason = safetext.String(fmt.Sprintf("requirement cannot be used: %v", c.err))
		return result, OutcomeInvalidConfig
	}
	ev.load(all)
	if ev.loadErr != nil {
		result.Reason = safetext.Capped(ev.loadErr.Error(), maxReasonText) // may list every mirror's failure
		result.RegistryError = registryErrorKind(ev.loadErr)
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

// load resolves the image and reads its signatures once per evaluation.
// With a cache, a verdict stored for this reference is reused only once it
// is proven current (cachedVerdict), or within WithStaleCache's window.
func (ev *evaluation) load(all node.Requirements) {
	if ev.loaded {
		return
	}
	ev.loaded = true
	e := ev.engine
	ev.checkedAt = e.now()
	if e.cache != nil && ev.cachedVerdict(all) {
		return
	}
	img := ev.image // resolved already while proving a cached verdict, or nil
	if img == nil {
		var err error
		if img, err = e.fetcher.Resolve(ev.ctx, ev.ref); err != nil {
			ev.loadErr = err
			return
		}
		ev.image = img
	}
	ev.decision.Digest, ev.decision.ListDigest = img.Digest.String(), img.ListDigest.String()
	repo := img.Physical
	att := &Attachments{Repository: repo.Name(), Enabled: e.registries.UseSigstoreAttachments(repo)}
	ev.decision.Attachments = att
	if !att.Enabled {
		return
	}
	att.Tag = img.AttachmentTag()
	attachment, err := e.fetcher.Attachment(ev.ctx, img)
	if err != nil {
		ev.loadErr = err
		return
	}
	ev.attachmentDigest = attachment.Digest
	att.Count = len(attachment.Signatures)
	if len(attachment.Signatures) == 0 {
		att.Unseen = e.fetcher.Unseen(ev.ctx, img)
		ev.decision.Notes = append(ev.decision.Notes, unseenNotes(att.Unseen)...)
	}
	ev.sigs = make([]UntrustedSignature, len(attachment.Signatures))
	for i, s := range attachment.Signatures {
		ev.sigs[i] = UntrustedSignature{MediaType: s.MediaType, Payload: s.Payload, Annotations: s.Annotations, LayerDigest: s.LayerDigest}
	}
}
