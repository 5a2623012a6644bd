package verify

import (
	"context"
	"errors"

	"github.com/sigpolicy/sigpolicy/fetch"
)

// RegistryErrorKinds maps each kind of registry failure (package fetch's
// error kinds and context expiry) to its RegistryError name; the first
// match names an error. Context expiry comes first: fetch reports it as
// ErrUnavailable wrapping the context's error.
var RegistryErrorKinds = []struct {
	Err  error
	Name string
}{
	{context.DeadlineExceeded, "timeout"},
	{context.Canceled, "canceled"},
	{fetch.ErrUnavailable, "unavailable"},
	{fetch.ErrAuth, "auth"},
	{fetch.ErrNotFound, "not-found"},
	{fetch.ErrMediaType, "media-type"},
	{fetch.ErrDigestMismatch, "digest-mismatch"},
	{fetch.ErrTooLarge, "too-large"},
	{fetch.ErrTooManyLayers, "too-many-layers"},
	{fetch.ErrMalformed, "malformed"},
	{fetch.ErrTruncated, "truncated"},
	{fetch.ErrRedirect, "redirect"},
	{fetch.ErrInsecure, "insecure"},
	{fetch.ErrUnexpectedStatus, "unexpected-status"},
	{fetch.ErrNoPlatform, "no-platform"},
	{fetch.ErrBlocked, "blocked"},
}

// registryErrorKind names err's kind; "other" for an error of none.
func registryErrorKind(err error) string {
	for _, k := range RegistryErrorKinds {
		if errors.Is(err, k.Err) {
			return k.Name
		}
	}
	return "other"
}
