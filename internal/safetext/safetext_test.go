package safetext

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestCapped(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		max      int
	}{
		{"quay.io/ns/app:v1", "quay.io/ns/app:v1", MaxLen},
		{"ünïcode é 日本", "ünïcode é 日本", MaxLen},
		{"a\nALLOWED b", `a\nALLOWED b`, MaxLen},
		{"\x1b[2K\rALLOWED", `\x1b[2K\rALLOWED`, MaxLen},
		{"nul\x00del\x7f", `nul\x00del\x7f`, MaxLen},
		{"tab\tc1\u009bcsi", `tab\tc1\u009bcsi`, MaxLen},
		{"evil\u202egnp.exe \u2066x\u2069 \u200b\ufeff", `evil\u202egnp.exe \u2066x\u2069 \u200b\ufeff`, MaxLen},
		{"line\u2028para\u2029nbsp\u00a0", `line\u2028para\u2029nbsp\u00a0`, MaxLen},
		{"bad \xff\xfe utf8", `bad \xff\xfe utf8`, MaxLen},
		{"private \U000f0000", `private \U000f0000`, MaxLen},
		{strings.Repeat("a", 100), strings.Repeat("a", 10) + "... (truncated, 100 bytes in all)", 10},
		{"\x1b\x1b\x1b", `\x1b\x1b` + "... (truncated, 3 bytes in all)", 9},
	} {
		if got := Capped(tc.in, tc.max); got != tc.want {
			t.Errorf("Capped(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}

func FuzzString(f *testing.F) {
	for _, s := range []string{"", "plain", "\x1b[31mred\x1b[0m\r\n", "\u202e\u2066", "\xff", strings.Repeat("\n", 2000)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := String(s)
		if !utf8.ValidString(got) {
			t.Fatalf("String(%q) = %q: invalid UTF-8", s, got)
		}
		for _, r := range got {
			if !unicode.IsPrint(r) {
				t.Fatalf("String(%q) = %q keeps %U", s, got, r)
			}
		}
		if len(got) > MaxLen+len(truncated(len(s))) {
			t.Fatalf("String of %d bytes is %d bytes long", len(s), len(got))
		}
		if len(s) <= MaxLen && String(got) != got && len(got) <= MaxLen {
			t.Fatalf("not idempotent: %q → %q → %q", s, got, String(got))
		}
	})
}
