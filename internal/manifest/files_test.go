package manifest

import (
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/iotest"
	"time"
)

// tree writes files (path → content) under a new directory and returns it.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// events renders what Files yields, with dir shortened to "DIR".
func events(dir string, stdin string, paths ...string) []string {
	var out []string
	for f, err := range Files(strings.NewReader(stdin), paths...) {
		if err != nil {
			out = append(out, "error "+strings.ReplaceAll(err.Error(), dir, "DIR"))
			continue
		}
		if f.Skipped != "" {
			out = append(out, strings.ReplaceAll(f.Name, dir, "DIR")+" skipped: "+f.Skipped)
			continue
		}
		out = append(out, strings.ReplaceAll(f.Name, dir, "DIR")+" = "+string(f.Data))
	}
	return out
}

func TestFiles(t *testing.T) {
	dir := tree(t, map[string]string{
		"a.yaml":              "a",
		"sub/b.YML":           "b",
		"sub/deeper/c.json":   "c",
		"sub/notes.txt":       "not a manifest",
		"sub/Makefile":        "not a manifest",
		"z/empty.yaml":        "",
		"named.txt":           "read when named",
		"dir.yaml/inside.yml": "inside",
	})
	if err := os.Symlink(filepath.Join(dir, "sub"), filepath.Join(dir, "z", "link.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "sub"), filepath.Join(dir, "z", "link")); err != nil {
		t.Fatal(err)
	}
	at := func(name string) string { return filepath.Join(dir, name) }
	tests := []struct {
		desc  string
		paths []string
		want  []string
	}{
		{"one file", []string{at("a.yaml")}, []string{"DIR/a.yaml = a"}},
		{"a file named explicitly is read whatever its extension", []string{at("named.txt")}, []string{"DIR/named.txt = read when named"}},
		{"directory: recursive, lexical order, manifest extensions in any case", []string{at("sub")},
			[]string{"DIR/sub/b.YML = b", "DIR/sub/deeper/c.json = c"}},
		{"a directory named like a manifest is walked", []string{at("dir.yaml")}, []string{"DIR/dir.yaml/inside.yml = inside"}},
		{"symbolic links in a directory are opened as files, never walked", []string{at("z")},
			[]string{"DIR/z/empty.yaml = ", "DIR/z/link.yaml skipped: not a regular file (directory)"}},
		{"standard input", []string{"-"}, []string{"- = from stdin"}},
		{"missing path is reported and the rest still read", []string{at("nope.yaml"), at("a.yaml")},
			[]string{"error stat DIR/nope.yaml: no such file or directory", "DIR/a.yaml = a"}},
		{"paths in the order given, repeats included", []string{at("a.yaml"), "-", at("a.yaml")},
			[]string{"DIR/a.yaml = a", "- = from stdin", "DIR/a.yaml = a"}},
		{"no paths", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			got := events(dir, "from stdin", tt.paths...)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("Files(%v):\n got %q\nwant %q", tt.paths, got, tt.want)
			}
		})
	}
}

func TestFilesErrorsKeepTheirType(t *testing.T) {
	for f, err := range Files(nil, filepath.Join(t.TempDir(), "missing")) {
		var pe *fs.PathError
		if !errors.As(err, &pe) || !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("Files(missing) = %q, %v; want a *fs.PathError for fs.ErrNotExist", f.Name, err)
		}
	}
}

func TestFilesStopsWhenAsked(t *testing.T) {
	dir := tree(t, map[string]string{"a.yaml": "a", "b.yaml": "b", "c.yaml": "c"})
	var got []string
	for f := range Files(nil, dir, dir) {
		got = append(got, filepath.Base(f.Name))
		if len(got) == 2 {
			break
		}
	}
	if strings.Join(got, ",") != "a.yaml,b.yaml" {
		t.Errorf("after break at 2: got %q, want [a.yaml b.yaml]", got)
	}
}

func TestFilesNilStdinReadsOsStdin(t *testing.T) {
	dir := tree(t, map[string]string{"stdin": "from os.Stdin"})
	f, err := os.Open(filepath.Join(dir, "stdin"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	saved := os.Stdin
	os.Stdin = f
	t.Cleanup(func() { os.Stdin = saved })
	for file, err := range Files(nil, "-") {
		if err != nil || file.Name != "-" || string(file.Data) != "from os.Stdin" {
			t.Errorf("Files(nil, \"-\") = %q %q, %v; want \"-\" \"from os.Stdin\", nil", file.Name, file.Data, err)
		}
	}
}

func TestReadAll(t *testing.T) {
	errBroken := errors.New("broken pipe")
	tests := []struct {
		desc      string
		r         io.Reader
		wantLen   int
		wantErr   string
		wantLimit bool  // the error is a *TooLargeError with Limit MaxBytes
		wantCause error // the error wraps this one
	}{
		{"small input", strings.NewReader("kind: Pod\n"), 10, "", false, nil},
		{"exactly MaxBytes", strings.NewReader(strings.Repeat("#", MaxBytes)), MaxBytes, "", false, nil},
		{"one byte over MaxBytes", strings.NewReader(strings.Repeat("#", MaxBytes+1)), 0, "in.yaml: input larger than 33554432 bytes", true, nil},
		{"read error is named", iotest.ErrReader(errBroken), 0, "in.yaml: broken pipe", false, errBroken},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			data, err := ReadAll("in.yaml", tt.r)
			if tt.wantErr == "" {
				if err != nil || len(data) != tt.wantLen {
					t.Fatalf("ReadAll = %d bytes, %v; want %d bytes, nil", len(data), err, tt.wantLen)
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr || data != nil {
				t.Fatalf("ReadAll = %d bytes, %v; want nil, %q", len(data), err, tt.wantErr)
			}
			var tl *TooLargeError
			if isTooLarge := errors.As(err, &tl) && tl.Limit == MaxBytes; isTooLarge != tt.wantLimit {
				t.Errorf("ReadAll error %v: *TooLargeError with Limit %d is %v, want %v", err, MaxBytes, isTooLarge, tt.wantLimit)
			}
			if tt.wantCause != nil && !errors.Is(err, tt.wantCause) {
				t.Errorf("ReadAll error %v does not wrap %v", err, tt.wantCause)
			}
		})
	}
}

// TestFilesSkipsWhatIsNotARegularFile: a named pipe, a socket or a link to
// a device in a directory would block the read or never end: each is
// skipped with its reason, and the walk goes on.
func TestFilesSkipsWhatIsNotARegularFile(t *testing.T) {
	dir := tree(t, map[string]string{"a.yaml": "a", "z.yaml": "z"})
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo.yaml"), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("unix", filepath.Join(dir, "socket.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "device.yaml")); err != nil {
		t.Fatal(err)
	}
	done := make(chan []string)
	go func() { done <- events(dir, "", dir) }()
	select {
	case got := <-done:
		want := []string{"DIR/a.yaml = a", "DIR/device.yaml skipped: not a regular file (device)",
			"DIR/fifo.yaml skipped: not a regular file (named pipe)", "DIR/socket.yaml skipped: not a regular file (socket)", "DIR/z.yaml = z"}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("got %q\nwant %q", got, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("reading a directory with a named pipe did not end")
	}
}
