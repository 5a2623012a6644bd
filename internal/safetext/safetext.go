// Package safetext makes text that a registry, a signature or an input
// controls safe to print: every character that could move the cursor,
// start a terminal escape sequence, reorder the line (bidirectional
// overrides) or hide itself is replaced by a visible escape, and the text is
// capped in length. Applied where untrusted text enters sigpolicy's values
// (fetch errors, the verify trace) and again by the writers, it keeps one
// value on one line in every output format: no registry can forge a line.
package safetext

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxLen is the cap, in bytes, of one untrusted field (an error body, a
// header, a signature's claim).
const MaxLen = 1024

// String returns s escaped and capped at MaxLen bytes.
func String(s string) string { return Capped(s, MaxLen) }

// Capped returns s with every rune that is not printable (control
// characters, C1 controls, format characters such as bidirectional
// overrides and zero-width marks, separators other than the space, private
// use) and every invalid UTF-8 byte replaced by a Go-style escape (\n, \x1b,
// \u202e), cut to at most max bytes of the escaped text, then marked when
// cut (the mark adds a few dozen bytes). Text that needs no
// change is returned as is, without allocating. Capped is idempotent for
// text within the cap.
func Capped(s string, max int) string {
	if len(s) <= max && plain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(min(len(s), max) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		var piece string
		switch {
		case r == utf8.RuneError && size == 1:
			piece = `\x` + hex2(s[i])
		case unicode.IsPrint(r):
			piece = s[i : i+size]
		default:
			piece = escape(r)
		}
		if b.Len()+len(piece) > max {
			b.WriteString(truncated(len(s)))
			return b.String()
		}
		b.WriteString(piece)
		i += size
	}
	return b.String()
}

// plain reports whether s is printable ASCII only: the common case, checked
// without decoding.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

func escape(r rune) string {
	switch r {
	case '\n':
		return `\n`
	case '\r':
		return `\r`
	case '\t':
		return `\t`
	}
	switch {
	case r < 0x80:
		return `\x` + hex2(byte(r))
	case r <= 0xffff:
		return `\u` + pad(strconv.FormatInt(int64(r), 16), 4)
	default:
		return `\U` + pad(strconv.FormatInt(int64(r), 16), 8)
	}
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&0xf]})
}

func pad(s string, n int) string { return strings.Repeat("0", n-len(s)) + s }

func truncated(total int) string {
	return "... (truncated, " + strconv.Itoa(total) + " bytes in all)"
}
