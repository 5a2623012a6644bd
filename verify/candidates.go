package verify

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.podman.io/image/v5/docker/reference"

	"github.com/sigpolicy/sigpolicy/fetch"
	"github.com/sigpolicy/sigpolicy/internal/safetext"
	"github.com/sigpolicy/sigpolicy/policy/node"
)

// Candidate is one reference CRI-O tries for a short name, and what pulling
// it gives.
type Candidate struct {
	Reference string  `json:"reference"`
	Outcome   Outcome `json:"outcome"`
	Reason    string  `json:"reason,omitempty"`
	// RegistryError names the failure of a pull the policy allowed (as
	// RequirementResult.RegistryError does), so callers need not read Reason.
	RegistryError string `json:"registryError,omitempty"`
}

// pull is how CRI-O pulls an image name: the references it tries, in
// order, and whether it is a short name read the Docker way for want of a
// registries.conf. Immutable once built.
type pull struct {
	refs            []reference.Named
	dockerShortName bool
}

// pullCandidates are the references CRI-O pulls image as, in order (the
// node's registries.conf: aliases and unqualified-search registries), each
// normalised as ParseImage does; without a registries.conf, ParseImage's
// Docker normalisation alone.
func pullCandidates(image string, conf *node.RegistriesConf) (pull, error) {
	if conf == nil {
		ref, err := ParseImage(image)
		if err != nil {
			return pull{}, err
		}
		return pull{refs: []reference.Named{ref}, dockerShortName: node.IsShortName(strings.TrimPrefix(image, "docker://"))}, nil
	}
	refs, err := conf.PullCandidates(strings.TrimPrefix(image, "docker://"))
	if err != nil {
		return pull{}, fmt.Errorf("%w %q: %w", ErrInvalidReference, image, err)
	}
	for i, ref := range refs {
		if refs[i], err = ParseImage(ref.String()); err != nil {
			return pull{}, err
		}
	}
	return pull{refs: refs}, nil
}

// decideCandidates decides a short name as CRI-O pulls it: each candidate
// in order, the first that is allowed and exists is pulled; a denial or a
// failed pull moves on to the next, and the last failure is the outcome.
// An image allowed without being read (an unscoped candidate) is looked up
// first, since CRI-O's pull of a missing image fails and moves on too.
func (e *Engine) decideCandidates(ctx context.Context, image string, refs []reference.Named) *Decision {
	tried := make([]Candidate, 0, len(refs))
	var d *Decision
	for _, ref := range refs {
		d = e.decide(ctx, image, ref)
		var pullError string
		if d.Allowed && d.Digest == "" {
			trace := &fetch.Trace{} // its requests are the decision's too
			start := time.Now()
			img, err := e.fetcher.Resolve(fetch.WithTrace(ctx, trace), ref)
			d.Requests = append(d.Requests, trace.Requests()...)
			d.Timings.Resolve += time.Since(start)
			d.Timings.Total += time.Since(start)
			if err == nil {
				d.Digest, d.ListDigest = img.Digest.String(), img.ListDigest.String()
				d.Reason = strings.TrimSuffix(d.Reason, imageNotFetched) + "; the registry serves the image (looked up as CRI-O's pull would)"
			} else {
				d.Allowed, d.Outcome = false, OutcomeDenied
				if fetch.IsUndecided(err) {
					d.Outcome = OutcomeUndecided
				}
				d.Reason = safetext.Capped(fmt.Sprintf("pulling %s: %v", ref, err), maxReasonText)
				pullError = registryErrorKind(err)
			}
		}
		tried = append(tried, Candidate{Reference: ref.String(), Outcome: d.Outcome, Reason: d.Reason, RegistryError: pullError})
		if d.Allowed {
			break
		}
	}
	names := make([]string, len(refs))
	for i, ref := range refs {
		names[i] = ref.String()
	}
	d.Candidates = tried
	d.Notes = append(d.Notes, fmt.Sprintf("short name %q: CRI-O tries %s in this order (registries.conf's unqualified-search-registries) and pulls the first one the policy allows and the registry serves",
		safetext.String(image), strings.Join(names, ", ")))
	return d
}
