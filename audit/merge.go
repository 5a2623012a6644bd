package audit

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"slices"
	"time"
)

// ErrMerge wraps every reason Merge refuses its inputs.
var ErrMerge = errors.New("cannot merge")

// mergeEntry is where the result kept for one image was read.
type mergeEntry struct {
	hash    uint64 // FNV-1a of the image, for the shard check
	file    uint32
	line    uint32
	decided bool
}

// mergeFile is what one input holds beyond its results.
type mergeFile struct {
	path string
	last *Summary // the last summary, which must be the last record
}

// Merge combines the JSON Lines outputs of the shards of one audit (each
// file complete: ending with its summary; several files may hold one
// shard, such as a run and its --resume) and writes every image's result
// to w, then a summary of the whole as shard 0/1. Nothing is written unless
// the inputs are consistent:
//   - every file ends with a summary (a run that did not finish has none);
//   - all files have the same shard count N and the same input fingerprint;
//   - every shard 0..N-1 is present, and holds exactly as many images as
//     its latest summary counts (written plus resumed): no gap;
//   - every image is in the shard its hash assigns it;
//   - no image is decided twice (an undecided result followed by a later
//     one, as --resume retries it, keeps the later).
func Merge(paths []string, w Writer) (*Summary, error) {
	m, err := CheckMerge(paths)
	if err != nil {
		return nil, err
	}
	return m.Write(w)
}

// maxShards bounds the shard count a summary may claim: a merge holds a
// counter per shard.
const maxShards = 1 << 16

// Merged is a set of shard outputs checked to be one complete audit, ready
// to be written.
type Merged struct {
	files   []mergeFile
	entries map[[16]byte]mergeEntry
	input   string
	read    int
	started time.Time
	seconds float64
}

// CheckMerge reads paths and checks them as Merge does, without writing
// anything.
func CheckMerge(paths []string) (*Merged, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("%w: no input", ErrMerge)
	}
	paths, err := byStart(paths)
	if err != nil {
		return nil, err
	}
	entries := map[[16]byte]mergeEntry{}
	files := make([]mergeFile, len(paths))
	var retried [][2]uint32 // (file of an undecided result, file of its retry)
	for i, p := range paths {
		files[i].path = p
		if err := mergeScan(paths, uint32(i), entries, &files[i], &retried); err != nil {
			return nil, err
		}
	}
	for _, f := range files {
		if s := f.last.Shard; s.Count < 1 || s.Count > maxShards || s.Index < 0 || s.Index >= s.Count {
			return nil, fmt.Errorf("%w: %s claims shard %d/%d, not 0 <= I < N <= %d", ErrMerge, f.path, s.Index, s.Count, maxShards)
		}
	}
	n, input, read := files[0].last.Shard.Count, files[0].last.Input, files[0].last.Read
	latest := map[int]*Summary{}
	started := files[0].last.Started
	seconds := 0.0
	for _, f := range files {
		s := f.last
		if s.Shard.Count != n || s.Input != input || s.Read != read {
			return nil, fmt.Errorf("%w: %s is shard %s of input %s (%d references), %s is shard %s of input %s (%d references): not one audit",
				ErrMerge, files[0].path, files[0].last.Shard, input, read, f.path, s.Shard, s.Input, s.Read)
		}
		if l := latest[s.Shard.Index]; l == nil || s.Started.After(l.Started) {
			latest[s.Shard.Index] = s
		}
		if s.Started.Before(started) {
			started = s.Started
		}
		seconds = max(seconds, s.Seconds)
	}
	for _, r := range retried {
		if a, b := files[r[0]].last.Shard, files[r[1]].last.Shard; a != b {
			return nil, fmt.Errorf("%w: an image of %s (shard %s) is retried in %s (shard %s)", ErrMerge, files[r[0]].path, a, files[r[1]].path, b)
		}
	}
	held := make([]int, n)
	for _, e := range entries {
		shard := files[e.file].last.Shard.Index
		if int(e.hash%uint64(n)) != shard {
			return nil, fmt.Errorf("%w: %s:%d holds an image of shard %d/%d, not of its shard %s", ErrMerge, files[e.file].path, e.line, e.hash%uint64(n), n, files[e.file].last.Shard)
		}
		held[shard]++
	}
	for i := range n {
		s := latest[i]
		if s == nil {
			return nil, fmt.Errorf("%w: shard %d/%d is missing", ErrMerge, i, n)
		}
		if want := s.Images + s.Resumed; held[i] != want {
			return nil, fmt.Errorf("%w: shard %d/%d: the files hold %d image(s), its summary counts %d", ErrMerge, i, n, held[i], want)
		}
	}

	return &Merged{files: files, entries: entries, input: input, read: read, started: started, seconds: seconds}, nil
}

// Write writes every image's result once to w, then the summary of the
// whole audit (shard 0/1).
func (m *Merged) Write(w Writer) (*Summary, error) {
	files, entries := m.files, m.entries
	sum := newSummary(Shard{})
	sum.Input, sum.Read, sum.Started, sum.Seconds = m.input, m.read, m.started, m.seconds
	for i, f := range files {
		fh, err := os.Open(f.path)
		if err != nil {
			return nil, err
		}
		err = readLines(fh, f.path, func(rec record) error {
			if rec.Result == nil {
				return nil
			}
			if e := entries[key(rec.Result.Image)]; e.file != uint32(i) || e.line != uint32(rec.Line) {
				return nil // superseded by a later result
			}
			sum.add(*rec.Result)
			return w.Result(*rec.Result)
		})
		fh.Close()
		if err != nil {
			return nil, err
		}
	}
	if sum.Images != len(entries) {
		return nil, fmt.Errorf("%w: the files changed while being merged", ErrMerge)
	}
	if sum.Seconds == 0 {
		sum.Seconds = time.Since(sum.Started).Seconds()
	}
	return sum, w.Close(sum)
}

// byStart orders paths by when the run that wrote each one's last summary
// started, so that a retry supersedes the undecided result it retried
// whatever the command line's order. A file that does not end with a
// summary sorts first (its scan says why it cannot be merged).
func byStart(paths []string) ([]string, error) {
	started := make(map[string]time.Time, len(paths))
	for _, p := range paths {
		t, err := lastStarted(p)
		if err != nil {
			return nil, err
		}
		started[p] = t
	}
	sorted := slices.Clone(paths)
	slices.SortStableFunc(sorted, func(a, b string) int { return started[a].Compare(started[b]) })
	return sorted, nil
}

// summaryTail bounds the bytes read from the end of a file to find its
// summary line.
const summaryTail = 64 << 10

// lastStarted is the start of the run whose summary is the last line of
// path; zero when that line is no summary.
func lastStarted(path string) (time.Time, error) {
	fh, err := os.Open(path)
	if err != nil {
		return time.Time{}, err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return time.Time{}, err
	}
	n := min(st.Size(), summaryTail)
	buf := make([]byte, n)
	if _, err := fh.ReadAt(buf, st.Size()-n); err != nil {
		return time.Time{}, err
	}
	line := bytes.TrimRight(buf, "\n")
	line = line[bytes.LastIndexByte(line, '\n')+1:]
	if rec, err := parseRecord(line); err == nil && rec.Summary != nil {
		return rec.Summary.Started, nil
	}
	return time.Time{}, nil
}

// mergeScan reads one file: its results into entries, its last summary
// into f.
func mergeScan(paths []string, file uint32, entries map[[16]byte]mergeEntry, f *mergeFile, retried *[][2]uint32) error {
	path := paths[file]
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	lastWasSummary := false
	err = readLines(fh, path, func(rec record) error {
		if rec.Summary != nil {
			if f.last != nil && (rec.Summary.Shard != f.last.Shard) {
				return fmt.Errorf("%w: %s:%d: shard %s after shard %s in the same file", ErrMerge, path, rec.Line, rec.Summary.Shard, f.last.Shard)
			}
			s := *rec.Summary
			s.Shard = s.Shard.normal()
			f.last, lastWasSummary = &s, true
			return nil
		}
		lastWasSummary = false
		r := rec.Result
		k := key(r.Image)
		if prev, ok := entries[k]; ok {
			if prev.decided {
				return fmt.Errorf("%w: %s is in the results twice (%s:%d and %s:%d)", ErrMerge, clean(r.Image), paths[prev.file], prev.line, path, rec.Line)
			}
			*retried = append(*retried, [2]uint32{prev.file, file})
		}
		h := fnv.New64a()
		h.Write([]byte(r.Image)) //nolint:errcheck // hash writes never fail
		entries[k] = mergeEntry{hash: h.Sum64(), file: file, line: uint32(rec.Line), decided: r.Decided()}
		return nil
	})
	if err != nil {
		return err
	}
	if !lastWasSummary {
		return fmt.Errorf("%w: %s does not end with a summary: its run did not finish (resume it from that output)", ErrMerge, path)
	}
	return nil
}
