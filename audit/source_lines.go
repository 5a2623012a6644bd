package audit

import (
	"bufio"
	"fmt"
	"io"
	"iter"
	"strings"
)

// maxRefLine bounds one line of an image list.
const maxRefLine = 64 << 10

// Lines yields the references of r, one per line; blank lines and lines
// starting with # are skipped, surrounding space is trimmed. name is used
// in From ("name:line").
func Lines(r io.Reader, name string) iter.Seq2[Ref, error] {
	return func(yield func(Ref, error) bool) {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 0, 64<<10), maxRefLine)
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			if !yield(Ref{Image: line, From: fmt.Sprintf("%s:%d", name, n)}, nil) {
				return
			}
		}
		if err := sc.Err(); err != nil {
			yield(Ref{}, fmt.Errorf("%s: %w", name, err))
		}
	}
}

// Concat yields the references of each source in turn.
func Concat(sources ...iter.Seq2[Ref, error]) iter.Seq2[Ref, error] {
	return func(yield func(Ref, error) bool) {
		for _, s := range sources {
			for ref, err := range s {
				if !yield(ref, err) || err != nil {
					return
				}
			}
		}
	}
}
