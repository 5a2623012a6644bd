package audit

import "github.com/sigpolicy/sigpolicy/internal/safetext"

// maxText bounds one field in the human outputs.
const maxText = 2000

// clean makes text that a registry or an input controls safe for a
// terminal, a JUnit file or an HTML page (package safetext: control,
// format and invalid bytes escaped visibly, long text cut).
func clean(s string) string { return safetext.Capped(s, maxText) }
