package manifest

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"iter"
	"strings"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// Source says where a document came from: a file (or "-" for standard
// input), the 1-based document number inside it and, for members of a List,
// the 0-based item index (-1 otherwise).
type Source struct {
	File string
	Doc  int
	Item int
}

// Document is one document of a file.
type Document struct {
	Source Source
	// YAML is the document's text (JSON is YAML too) as the reader
	// returns it: every line ends in "\n", a leading "---" stays in the
	// first document, and it may be blank or hold only comments.
	YAML []byte
}

// Documents splits data, the content of the file name, into its documents
// with the Kubernetes YAML reader (k8s.io/apimachinery/pkg/util/yaml), the
// one behind kubectl's YAML decoding: documents are separated by lines starting with "---",
// which may be followed only by a comment. A reader error, such as a
// malformed separator, is yielded with the source of the document it
// occurred in and ends the sequence.
func Documents(name string, data []byte) iter.Seq2[Document, error] {
	return func(yield func(Document, error) bool) {
		r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
		for doc := 1; ; doc++ {
			chunk, err := r.Read()
			if errors.Is(err, io.EOF) {
				return
			}
			d := Document{Source: Source{File: name, Doc: doc, Item: -1}, YAML: chunk}
			if !yield(d, err) || err != nil {
				return
			}
		}
	}
}

// IsList reports whether an object of kind, at List item index item (-1
// for a whole document), is a List whose items are objects of their own:
// its kind ends in "List" and it is not itself a List item.
func IsList(kind string, item int) bool {
	return item < 0 && strings.HasSuffix(kind, "List")
}
