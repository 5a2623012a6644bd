package audit

import (
	"strings"
	"unicode"
)

// maxText bounds one field in the human outputs.
const maxText = 2000

// clean makes text that a registry or an input controls safe for a
// terminal, a JUnit file or an HTML page: control characters (escape
// sequences included) and invalid UTF-8 become U+FFFD, and long text is
// cut.
func clean(s string) string {
	if len(s) > maxText {
		s = s[:maxText] + "…"
	}
	return strings.Map(func(r rune) rune {
		if r == unicode.ReplacementChar || unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r) {
			return unicode.ReplacementChar
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}
