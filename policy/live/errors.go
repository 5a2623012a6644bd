package live

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/sigpolicy/sigpolicy/internal/safetext"
)

// Reasons an *Error matches with errors.Is.
var (
	// ErrConfig: no usable client configuration (kubeconfig, context or
	// in-cluster service account) or options.
	ErrConfig = errors.New("no usable cluster configuration")
	// ErrUnreachable: the API server gave no answer (connection refused, DNS,
	// TLS, timeout).
	ErrUnreachable = errors.New("API server unreachable")
	// ErrTimeout: a request got no complete answer in time. It also matches
	// ErrUnreachable.
	ErrTimeout = errors.New("API server did not answer in time")
	// ErrUnauthorized: the server rejected the credentials (HTTP 401).
	ErrUnauthorized = errors.New("unauthorized")
	// ErrForbidden: the credentials may not read a resource (HTTP 403).
	ErrForbidden = errors.New("forbidden")
	// ErrNotServed: the server does not serve a kind that the result cannot
	// do without.
	ErrNotServed = errors.New("not served")
	// ErrBadResponse: the server answered, but not with something usable (an
	// error status other than the above, or a body that does not decode).
	ErrBadResponse = errors.New("unusable answer from the API server")
)

// Error is one failure to read the cluster. Every field but Err is trusted
// or sanitised text.
type Error struct {
	Server    string // the API server's URL
	Reason    error  // one of the Err* values of this package
	Verb      string // "discover", "list" or "get"
	Resource  string // plural resource, such as "clusterimagepolicies"
	Group     string // API group; empty for the core group
	Namespace string // for namespaced requests
	Name      string // for get
	// Detail is what the server or the transport said, sanitised; for
	// ErrNotServed, what is not served and what that means.
	Detail string
	Err    error // the underlying error, for errors.As
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "cluster %s: ", e.Server)
	switch {
	case e.Reason == ErrNotServed:
		b.WriteString(e.Detail)
		return b.String()
	case e.Reason == ErrForbidden || e.Reason == ErrUnauthorized:
		fmt.Fprintf(&b, "%s: cannot %s %s", e.Reason, e.Verb, e.target())
	case e.Verb != "":
		fmt.Fprintf(&b, "%s %s: %s", e.Verb, e.target(), e.Reason)
	default:
		b.WriteString(e.Reason.Error())
	}
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	return b.String()
}

// target says what was asked for, in kubectl's words: resource "x" in API
// group "g" at the cluster scope / in the namespace "n".
func (e *Error) target() string {
	switch {
	case e.Resource == "" && e.Group != "":
		return "the API discovery document of " + e.Group
	case e.Resource == "":
		return "the API discovery documents"
	}
	s := fmt.Sprintf("resource %q", e.Resource)
	if e.Name != "" {
		s = fmt.Sprintf("%s %q", s, e.Name)
	}
	s += fmt.Sprintf(" in API group %q", e.Group)
	if e.Namespace != "" {
		return s + fmt.Sprintf(" in the namespace %q", e.Namespace)
	}
	return s + " at the cluster scope"
}

// Is matches the Reason; a timeout also matches ErrUnreachable.
func (e *Error) Is(target error) bool {
	return target == e.Reason || (e.Reason == ErrTimeout && target == ErrUnreachable)
}

func (e *Error) Unwrap() error { return e.Err }

// request names one API request, for errors.
type request struct {
	verb, group, resource, namespace, name string
}

// fail classifies err, returned by client-go for req, into an *Error.
func (c *client) fail(req request, err error) *Error {
	e := &Error{Server: c.server, Verb: req.verb, Resource: req.resource, Group: req.group,
		Namespace: req.namespace, Name: req.name, Err: err, Reason: ErrBadResponse}
	var status apierrors.APIStatus
	switch {
	case apierrors.IsUnauthorized(err):
		e.Reason = ErrUnauthorized
	case apierrors.IsForbidden(err):
		e.Reason = ErrForbidden
	case isTimeout(err):
		e.Reason = ErrTimeout
	case errors.As(err, &status):
		// The server answered with another error status: its code says more
		// than the reason phrase client-go derived from it.
		e.Detail = fmt.Sprintf("HTTP %d: ", status.Status().Code)
	case isTransport(err):
		e.Reason = ErrUnreachable
	}
	e.Detail += safetext.Capped(err.Error(), maxUntrusted)
	return e
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || apierrors.IsTimeout(err) || apierrors.IsServerTimeout(err) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// isTransport reports an error of the connection itself: no HTTP answer.
func isTransport(err error) bool {
	var ne net.Error
	var oe *net.OpError
	return errors.As(err, &ne) || errors.As(err, &oe) || errors.Is(err, context.Canceled)
}

// maxUntrusted caps, in bytes, the server text kept in one error or note,
// escaped by safetext.Capped: visible, never dropped, on one line.
const maxUntrusted = 512
