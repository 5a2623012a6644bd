package manifest

import (
	"fmt"
	"strings"
	"testing"
)

func TestDocuments(t *testing.T) {
	tests := []struct {
		desc string
		data string
		want []string
	}{
		{"one YAML document", "kind: Pod\n", []string{`in.yaml, doc 1, item -1: "kind: Pod\n"`}},
		{"JSON is one document; every line ends in a newline", `{"kind":"Pod"}`, []string{`in.yaml, doc 1, item -1: "{\"kind\":\"Pod\"}\n"`}},
		{"several documents, numbered as written", "a: 1\n---\nb: 2\n---\nc: 3",
			[]string{`in.yaml, doc 1, item -1: "a: 1\n"`, `in.yaml, doc 2, item -1: "b: 2\n"`, `in.yaml, doc 3, item -1: "c: 3\n"`}},
		{"a leading separator stays in the first document", "---\na: 1\n", []string{`in.yaml, doc 1, item -1: "---\na: 1\n"`}},
		{"comment-only documents are yielded for the caller to judge", "# head\n---\na: 1\n---\n  \n",
			[]string{`in.yaml, doc 1, item -1: "# head\n"`, `in.yaml, doc 2, item -1: "a: 1\n"`, `in.yaml, doc 3, item -1: "  \n"`}},
		{"separator followed by a comment; CRLF line ends become LF", "a: 1\r\n--- # next\r\nb: 2\r\n",
			[]string{`in.yaml, doc 1, item -1: "a: 1\n"`, `in.yaml, doc 2, item -1: "b: 2\n"`}},
		{"indented dashes are content, not a separator", "a: 1\n  ---\n", []string{`in.yaml, doc 1, item -1: "a: 1\n  ---\n"`}},
		{"empty input has no document", "", nil},
		{"malformed separator ends the file with an error at its document", "a: 1\n---\nb: 2\n--- c\nd: 4\n",
			[]string{`in.yaml, doc 1, item -1: "a: 1\n"`, `in.yaml, doc 2, item -1: error invalid Yaml document separator: c`}},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			var got []string
			for d, err := range Documents("in.yaml", []byte(tt.data)) {
				at := fmt.Sprintf("%s, doc %d, item %d: ", d.Source.File, d.Source.Doc, d.Source.Item)
				if err != nil {
					got = append(got, at+"error "+err.Error())
					continue
				}
				got = append(got, at+fmt.Sprintf("%q", d.YAML))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("Documents(%q):\n got %q\nwant %q", tt.data, got, tt.want)
			}
		})
	}
}

func TestDocumentsStopsWhenAsked(t *testing.T) {
	n := 0
	for range Documents("in.yaml", []byte("a: 1\n---\nb: 2\n---\nc: 3\n")) {
		n++
		break
	}
	if n != 1 {
		t.Errorf("after break: %d documents, want 1", n)
	}
}

func TestIsList(t *testing.T) {
	tests := []struct {
		desc string
		kind string
		item int
		want bool
	}{
		{"generic List", "List", -1, true},
		{"typed list", "PodList", -1, true},
		{"ordinary kind", "Pod", -1, false},
		{"suffix is case-sensitive", "Podlist", -1, false},
		{"List inside a List is not expanded", "List", 0, false},
		{"typed list as a later item", "PodList", 3, false},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			if got := IsList(tt.kind, tt.item); got != tt.want {
				t.Errorf("IsList(%q, %d) = %v, want %v", tt.kind, tt.item, got, tt.want)
			}
		})
	}
}
