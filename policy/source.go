package policy

import (
	"fmt"

	"github.com/sigpolicy/sigpolicy/internal/safetext"
)

// Source says where an object came from: a file (or "-" for standard
// input), the 1-based document number inside it (0 for the file as a
// whole) and, for members of a List, the 0-based item index (-1 otherwise).
type Source struct {
	File string
	Doc  int
	Item int
}

func (s Source) String() string {
	if s.Doc == 0 { // the file itself, not one of its documents
		return s.File
	}
	if s.Item >= 0 {
		return fmt.Sprintf("%s, document %d, items[%d]", s.File, s.Doc, s.Item)
	}
	return fmt.Sprintf("%s, document %d", s.File, s.Doc)
}

// Note records an input that was read but deliberately not used, such as a
// document of another kind.
type Note struct {
	Source  Source
	Message string
}

// String is the note for people; the input's own text in it (a kind, a
// file name) is escaped, as everything an input controls is.
func (n Note) String() string { return safetext.String(n.Source.String() + ": " + n.Message) }
