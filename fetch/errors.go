package fetch

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/sigpolicy/sigpolicy/internal/safetext"
)

// Kinds of failure. Every error returned by this package wraps exactly one of
// them, so callers can branch with errors.Is. The first group means the
// registry could not be asked ([IsUndecided] reports true); the second means
// the registry answered and the answer is unacceptable, which a policy engine
// must treat as a denial.
var (
	// ErrUnavailable: network errors, per-request timeouts, 429 and 5xx
	// answers that persisted through every retry.
	ErrUnavailable = errors.New("registry unavailable")
	// ErrAuth: the registry refused the credentials (401 or 403).
	ErrAuth = errors.New("registry refused access")
	// ErrNotFound: the image manifest does not exist (404 / MANIFEST_UNKNOWN).
	ErrNotFound = errors.New("manifest not found")

	// ErrMediaType: a manifest of a type that is not accepted at that place.
	ErrMediaType = errors.New("unexpected media type")
	// ErrDigestMismatch: content whose digest is not the one it was asked for or announced with.
	ErrDigestMismatch = errors.New("digest mismatch")
	// ErrTooLarge: a manifest or blob larger than the configured limit.
	ErrTooLarge = errors.New("content too large")
	// ErrTooManyLayers: a signature manifest with more layers than allowed.
	ErrTooManyLayers = errors.New("too many signature layers")
	// ErrMalformed: content that does not parse as what it claims to be (a
	// manifest, an attachment, a token response, a bearer challenge).
	ErrMalformed = errors.New("malformed registry answer")
	// ErrTruncated: a body shorter than its announced length.
	ErrTruncated = errors.New("truncated body")
	// ErrRedirect: a redirect loop, too many redirects, or a redirect to a
	// URL that is not http(s).
	ErrRedirect = errors.New("bad redirect")
	// ErrInsecure: plain HTTP to a host that is neither loopback nor named as insecure.
	ErrInsecure = errors.New("plain HTTP refused")
	// ErrUnexpectedStatus: an HTTP status that fits none of the cases above.
	ErrUnexpectedStatus = errors.New("unexpected HTTP status")
	// ErrNoPlatform: a manifest list without an instance for the wanted platform.
	ErrNoPlatform = errors.New("no instance for platform")
	// ErrBlocked: the registry is blocked in registries.conf.
	ErrBlocked = errors.New("registry blocked")
)

// undecided lists the kinds after which no verdict on the image is possible.
var undecided = []error{ErrUnavailable, ErrAuth, ErrNotFound, context.DeadlineExceeded, context.Canceled}

// IsUndecided reports whether err means the registry could not be asked (the
// CLI's exit code 3), as opposed to a hostile or invalid answer (a denial).
// A nil error is not undecided.
func IsUndecided(err error) bool {
	if err == nil {
		return false
	}
	for _, kind := range undecided {
		if errors.Is(err, kind) {
			return true
		}
	}
	return false
}

// Error is one failed registry interaction.
type Error struct {
	Kind     error  // one of the Err* kinds above
	Op       string // what was being done, e.g. "reading manifest latest in quay.io/x/y"
	URL      string // the request URL, when one was made
	Expected string // what was expected, when that is a value (a digest, a media type, a limit)
	Got      string // what was received instead
	// Credentials says, for ErrAuth, which credentials were sent and from
	// which auth file, or where none were found.
	Credentials string
	Err         error // underlying cause, may be nil
}

// Error describes the failure in one line: what the registry sent (an
// error body, a header, a redirect target) is escaped and the whole is
// capped (package safetext), so no answer can forge output.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	b.WriteString(": ")
	b.WriteString(e.Kind.Error())
	if e.Credentials != "" {
		fmt.Fprintf(&b, " (credentials: %s)", e.Credentials)
	}
	if e.Expected != "" || e.Got != "" {
		fmt.Fprintf(&b, ", expected %s, got %s", e.Expected, e.Got)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return safetext.Capped(b.String(), maxErrorText)
}

// maxErrorText caps one Error's text: room for the operation, the URL,
// expected and got, and the start of the registry's own message.
const maxErrorText = 2 * safetext.MaxLen

// Unwrap exposes both the kind and the cause to errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// asError finds this package's *Error in err's chain.
func asError(err error) (*Error, bool) {
	return errors.AsType[*Error](err)
}
