package trust

import (
	"crypto/sha256"
	"reflect"
	"strings"
	"testing"

	"github.com/sigpolicy/sigpolicy/fixtures/material"
	"github.com/sigpolicy/sigpolicy/policy/node"
)

// TestSETMemoChangesNoVerdict: a SET annotation read again is not parsed
// again, and every verification, remembered or not, gives what a root that
// never saw it gives: the same entry, or the same failure. Failures are not
// remembered, and a remembered SET's signature is still verified each time.
func TestSETMemoChangesNoVerdict(t *testing.T) {
	seed := []byte("set memo")
	log, err := material.NewLog(seed, "log")
	if err != nil {
		t.Fatal(err)
	}
	other, err := material.NewLog(seed, "another log")
	if err != nil {
		t.Fatal(err)
	}
	body := newSignedPayload(t, seed).body
	set := func(l *material.Log, body []byte) []byte {
		s, err := l.DeterministicSET(body, 1700000000, 42)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	keys := func(l *material.Log) *rekorKeys {
		r, err := compileRekorKeys(node.PEMData(l.PublicPEM()))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	valid := set(log, body)
	for _, tc := range []struct {
		desc   string
		set    []byte
		ok     bool
		reason string
	}{
		{"valid", valid, true, ""},
		{"valid, re-encoded", []byte(" " + string(valid)), true, ""},
		{"signed by another log", set(other, body), false, "cryptographic signature verification of Rekor SET failed"},
		{"unsupported entry version", set(log, []byte(strings.Replace(string(body), `"0.0.1"`, `"0.0.2"`, 1))), false, "unsupported Rekor SET Payload hashedrekord version"},
		{"not JSON", []byte("{"), false, "unexpected end of JSON input"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			memo := keys(log)
			wantEntry, wantFailure := keys(log).verifySET(tc.set) // a root that never saw it
			for i := range 3 {
				gotEntry, gotFailure := memo.verifySET(tc.set)
				if !reflect.DeepEqual(gotEntry, wantEntry) || !reflect.DeepEqual(gotFailure, wantFailure) {
					t.Fatalf("verification %d: %+v, %v; a new root gives %+v, %v", i+1, gotEntry, gotFailure, wantEntry, wantFailure)
				}
			}
			if (wantFailure == nil) != tc.ok || (wantFailure != nil && !strings.Contains(wantFailure.Error(), tc.reason)) {
				t.Fatalf("got %v, want ok=%v (%q)", wantFailure, tc.ok, tc.reason)
			}
			if remembered := memo.read.Len(); remembered != map[bool]int{true: 1, false: 0}[tc.ok] {
				t.Fatalf("%d SETs remembered", remembered)
			}
		})
	}

	// A remembered SET whose signature no longer verifies (here, the
	// remembered signature altered) is refused: the memo spares parsing,
	// never the signature check.
	memo := keys(log)
	if _, f := memo.verifySET(valid); f != nil {
		t.Fatal(f)
	}
	key := sha256.Sum256(valid)
	read, _ := memo.read.Get(key)
	altered := *read
	altered.signature = append([]byte(nil), read.signature...)
	altered.signature[len(altered.signature)-1] ^= 1
	memo.read.Put(key, &altered)
	if _, f := memo.verifySET(valid); f == nil || !strings.Contains(f.Error(), "cryptographic signature verification of Rekor SET failed") {
		t.Fatalf("remembered SET with a bad signature: %v", f)
	}
}
