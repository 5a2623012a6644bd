package fetch

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

// firstRead records the size of the first buffer its reader is offered.
type firstRead struct {
	r     io.Reader
	first int
}

func (f *firstRead) Read(p []byte) (int, error) {
	if f.first == 0 {
		f.first = len(p)
	}
	return f.r.Read(p)
}

// TestReadBodyPreallocation: an announced Content-Length reserves at most
// maxBodyPrealloc before the body arrives, and bodies of any length up to
// the limit, or past it, are read whole.
func TestReadBodyPreallocation(t *testing.T) {
	const limit = 4 << 20
	for _, tc := range []struct {
		desc     string
		announce int64
		body     string
	}{
		{"a header announcing the limit", limit, "short"},
		{"the announced length, small", 5, "short"},
		{"the announced length, large", 200 << 10, strings.Repeat("x", 200<<10)},
		{"longer than announced", 5, "longer"},
		{"past the limit", limit, strings.Repeat("x", limit+10)},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			body := &firstRead{r: strings.NewReader(tc.body)}
			got, err := readBody(&http.Response{ContentLength: tc.announce, Body: io.NopCloser(body)}, limit)
			if err != nil {
				t.Fatal(err)
			}
			if want := tc.body[:min(len(tc.body), limit+1)]; !bytes.Equal(got, []byte(want)) {
				t.Errorf("read %d bytes, want %d", len(got), len(want))
			}
			if body.first > maxBodyPrealloc+1 {
				t.Errorf("first read offered %d bytes, want at most %d", body.first, maxBodyPrealloc+1)
			}
		})
	}
}
