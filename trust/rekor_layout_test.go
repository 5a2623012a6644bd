package trust

import (
	"encoding/json"
	"reflect"
	"testing"
)

const (
	setSample     = `{"SignedEntryTimestamp":"MEUCIQDx","Payload":{"body":"eyJhIjoxfQ==","integratedTime":1670870899,"logIndex":8765,"logID":"c0d23d6a"}}`
	payloadSample = `{"body":"eyJhIjoxfQ==","integratedTime":1670870899,"logID":"c0d23d6a","logIndex":8765}`
)

func TestSETLayouts(t *testing.T) {
	tests := []struct {
		desc, in string
		set      bool // parse as a SET, else as a canonical payload
		layout   bool
	}{
		{"cosign SET", setSample, true, true},
		{"SET with whitespace", `{ "SignedEntryTimestamp":"MEUCIQDx","Payload":{}}`, true, false},
		{"SET keys swapped", `{"Payload":{},"SignedEntryTimestamp":"MEUCIQDx"}`, true, false},
		{"SET with a trailing key", `{"SignedEntryTimestamp":"MEUCIQDx","Payload":{},"Payload":{}}`, true, false},
		{"SET with an escaped signature", `{"SignedEntryTimestamp":"MEUC\/IQDx","Payload":{}}`, true, false},
		{"SET with bad base64", `{"SignedEntryTimestamp":"MEU","Payload":{}}`, true, false},
		{"SET with an invalid payload", `{"SignedEntryTimestamp":"MEUCIQDx","Payload":{]}`, true, false},
		{"canonical payload", payloadSample, false, true},
		{"payload with an exponent", `{"body":"","integratedTime":1e3,"logID":"x","logIndex":1}`, false, false},
		{"payload with a negative index", `{"body":"","integratedTime":1,"logID":"x","logIndex":-1}`, false, false},
		{"payload with an escaped logID", `{"body":"","integratedTime":1,"logID":"\u0041","logIndex":1}`, false, false},
		{"payload with a leading zero", `{"body":"","integratedTime":01,"logID":"x","logIndex":1}`, false, false},
		{"payload overflowing int64", `{"body":"","integratedTime":9223372036854775808,"logID":"x","logIndex":1}`, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			if got := checkLayoutAgainstStrict(t, []byte(tc.in), tc.set); got != tc.layout {
				t.Errorf("layout recognised = %v, want %v", got, tc.layout)
			}
		})
	}
}

// checkLayoutAgainstStrict fails the test if the layout shortcut answers
// differently from the strict parser, and reports whether it answered.
func checkLayoutAgainstStrict(t *testing.T, in []byte, set bool) bool {
	t.Helper()
	if set {
		fast, ok := parseSETLayout(in)
		var strict untrustedSET
		err := json.Unmarshal(in, &strict)
		if ok && (err != nil || !reflect.DeepEqual(fast, strict)) {
			t.Fatalf("layout %+v, strict %+v (%v)", fast, strict, err)
		}
		return ok
	}
	fast, ok := parseSETPayloadLayout(in)
	var strict untrustedSETPayload
	err := json.Unmarshal(in, &strict)
	if ok && (err != nil || !reflect.DeepEqual(fast, strict)) {
		t.Fatalf("layout %+v, strict %+v (%v)", fast, strict, err)
	}
	return ok
}

// FuzzSETLayout: whenever a layout shortcut recognises its input, the
// strict parser accepts it with the same result.
func FuzzSETLayout(f *testing.F) {
	f.Add([]byte(setSample), true)
	f.Add([]byte(payloadSample), false)
	f.Fuzz(func(t *testing.T, in []byte, set bool) {
		checkLayoutAgainstStrict(t, in, set)
	})
}
