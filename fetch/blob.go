package fetch

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/docker/reference"
)

// OpenBlob streams the blob d from the repository that served img, for
// blobs too large to hold in memory (an image layer). The reader fails
// with ErrTooLarge once more than limit bytes arrive, with ErrTruncated on
// a short body, and, at the end, with ErrDigestMismatch when the content is
// not d: read it to io.EOF before trusting anything read from it. The
// request is retried like any other until the response starts; the body is
// bounded by ctx alone, not by the per-request timeout.
func (c *Client) OpenBlob(ctx context.Context, img *Image, d digest.Digest, limit int64) (io.ReadCloser, error) {
	if img == nil || img.Physical == nil {
		return nil, &Error{Kind: ErrMalformed, Op: "reading a blob", Expected: "an Image from Resolve", Got: "no physical reference"}
	}
	key := endpointKey{host: reference.Domain(img.Physical), repo: reference.Path(img.Physical), insecure: img.source.insecure}
	op := "reading blob " + d.String() + " in " + key.host + "/" + key.repo
	if err := d.Validate(); err != nil || !d.Algorithm().Available() {
		return nil, &Error{Kind: ErrMalformed, Op: op, Expected: "a valid digest", Got: fmt.Sprintf("%q", d), Err: err}
	}
	if err := c.checkBlocked(key.host + "/" + key.repo); err != nil {
		return nil, err
	}
	ep, err := c.endpoint(ctx, key)
	if err != nil {
		return nil, err
	}
	url := ep.base + "/blobs/" + d.String()
	for n := 1; ; n++ {
		body, err := c.openOnce(withAttempt(ctx, n), ep, op, url, limit)
		if err == nil {
			return &verifiedBlob{body: body, verifier: d.Verifier(), limit: limit, op: op, url: url, want: d}, nil
		}
		r, ok := err.(*retryable)
		if !ok {
			return nil, err
		}
		wait := backoff(n, r.after)
		if n > c.opts.retries || wait > maxRetryAfter || ctx.Err() != nil {
			return nil, r.err
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, &Error{Kind: ErrUnavailable, Op: op, URL: url, Err: ctx.Err()}
		}
	}
}

// openOnce sends one GET and returns the body of a 200 answer. The
// response headers must arrive within the request timeout; the body is
// then bounded by ctx alone, and closing it releases the request.
func (c *Client) openOnce(ctx context.Context, ep *endpoint, op, url string, limit int64) (io.ReadCloser, error) {
	actx, cancel := context.WithCancel(ctx)
	req, err := http.NewRequestWithContext(actx, http.MethodGet, url, nil)
	if err != nil {
		cancel()
		return nil, &Error{Kind: ErrMalformed, Op: op, URL: url, Err: err}
	}
	timer := time.AfterFunc(c.opts.requestTimeout, cancel)
	resp, err := ep.client.Do(req)
	inTime := timer.Stop()
	if err != nil {
		cancel()
		if !inTime && ctx.Err() == nil {
			return nil, &retryable{err: &Error{Kind: ErrUnavailable, Op: op, URL: url, Err: fmt.Errorf("no answer within %v", c.opts.requestTimeout)}}
		}
		return nil, c.noteCredentials(ep.key, ep.challenged, requestError(ctx, op, url, err))
	}
	if resp.StatusCode != http.StatusOK {
		defer cancel()
		defer resp.Body.Close()
		return nil, c.refused(ep, op, url, resp)
	}
	if resp.ContentLength > limit {
		resp.Body.Close()
		cancel()
		return nil, &Error{Kind: ErrTooLarge, Op: op, URL: url, Expected: fmt.Sprintf("at most %d bytes", limit), Got: fmt.Sprintf("Content-Length %d", resp.ContentLength)}
	}
	return &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}, nil
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// verifiedBlob checks size and digest as the blob streams through.
type verifiedBlob struct {
	body     io.ReadCloser
	verifier digest.Verifier
	limit, n int64
	op, url  string
	want     digest.Digest
	err      error // sticky, once the end or a failure was reached
}

func (b *verifiedBlob) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if rest := b.limit + 1 - b.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := b.body.Read(p)
	b.n += int64(n)
	b.verifier.Write(p[:n]) //nolint:errcheck // a digest.Verifier's Write never fails
	switch {
	case b.n > b.limit:
		b.err = &Error{Kind: ErrTooLarge, Op: b.op, URL: b.url, Expected: fmt.Sprintf("at most %d bytes", b.limit), Got: "more"}
		return n, b.err
	case err == io.EOF:
		if !b.verifier.Verified() {
			b.err = &Error{Kind: ErrDigestMismatch, Op: b.op, URL: b.url, Expected: b.want.String(), Got: "other content"}
			return n, b.err
		}
		b.err = io.EOF
	case err == io.ErrUnexpectedEOF:
		b.err = &Error{Kind: ErrTruncated, Op: b.op, URL: b.url, Err: err}
	case err != nil:
		b.err = &Error{Kind: ErrUnavailable, Op: b.op, URL: b.url, Err: err}
	}
	return n, b.err
}

func (b *verifiedBlob) Close() error { return b.body.Close() }
