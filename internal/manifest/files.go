package manifest

import (
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"syscall"
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
	// Skipped, when not empty, says why a file found in a directory was
	// not read (it is not a regular file: a named pipe, a socket, a device
	// would block or never end); Data is nil. Callers warn and go on.
	Skipped string
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
			more = yield(readEntry(path))
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

// readEntry reads a file found in a directory, unless it is not a regular
// file (after following a symbolic link). It is opened without blocking and
// checked again once open, so a file swapped for a named pipe in between
// cannot hang the read.
func readEntry(path string) (File, error) {
	if info, err := os.Stat(path); err != nil {
		return File{Name: path}, err
	} else if !info.Mode().IsRegular() {
		return File{Name: path, Skipped: notRegular(info.Mode())}, nil
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return File{Name: path}, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return File{Name: path}, err
	}
	if !info.Mode().IsRegular() {
		return File{Name: path, Skipped: notRegular(info.Mode())}, nil
	}
	data, err := ReadAll(path, f)
	return File{Name: path, Data: data}, err
}

func notRegular(m fs.FileMode) string {
	kind := "special file"
	switch {
	case m.IsDir():
		kind = "directory"
	case m&fs.ModeNamedPipe != 0:
		kind = "named pipe"
	case m&fs.ModeSocket != 0:
		kind = "socket"
	case m&fs.ModeDevice != 0:
		kind = "device"
	}
	return "not a regular file (" + kind + ")"
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
