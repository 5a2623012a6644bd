package manifest

import (
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"strings"
)

// MaxBytes caps one input; manifests are kilobytes, a few megabytes at most.
const MaxBytes = 32 << 20

// TooLargeError is an input longer than Limit bytes.
type TooLargeError struct {
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("input larger than %d bytes", e.Limit)
}

// File is the content of one input.
type File struct {
	// Name is the path as given or as found in a directory, or "-" for
	// standard input.
	Name string
	Data []byte
}

// Files reads the inputs in paths, in order: files, directories
// (recursively, *.yaml, *.yml and *.json) or "-" for stdin (os.Stdin when
// nil). Each input is yielded with its content, or with the error that kept
// it from being read: errors from os.Stat, os.Open and directory walking as
// they come, read errors prefixed with the input's name. Errors do not end
// the sequence.
func Files(stdin io.Reader, paths ...string) iter.Seq2[File, error] {
	return func(yield func(File, error) bool) {
		for _, p := range paths {
			if !readPath(stdin, p, yield) {
				return
			}
		}
	}
}

// readPath yields the files of one path; false when yield asked to stop.
func readPath(stdin io.Reader, p string, yield func(File, error) bool) bool {
	if p == "-" {
		if stdin == nil {
			stdin = os.Stdin
		}
		data, err := ReadAll("standard input", stdin)
		return yield(File{Name: "-", Data: data}, err)
	}
	info, err := os.Stat(p)
	if err != nil {
		return yield(File{Name: p}, err)
	}
	if !info.IsDir() {
		return yield(readFile(p))
	}
	more := true
	// The walk function reports every error itself and never fails the walk,
	// so WalkDir has nothing left to return.
	_ = filepath.WalkDir(p, func(path string, e fs.DirEntry, err error) error {
		switch {
		case err != nil:
			more = yield(File{Name: path}, err)
		case !e.IsDir() && isManifest(path):
			more = yield(readFile(path))
		}
		if !more {
			return filepath.SkipAll
		}
		return nil
	})
	return more
}

func isManifest(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

func readFile(path string) (File, error) {
	f, err := os.Open(path)
	if err != nil {
		return File{Name: path}, err
	}
	defer f.Close()
	data, err := ReadAll(path, f)
	return File{Name: path, Data: data}, err
}

// ReadAll reads r up to MaxBytes; errors are prefixed with name.
func ReadAll(name string, r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err == nil && len(data) > MaxBytes {
		err = &TooLargeError{Limit: MaxBytes}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return data, nil
}
