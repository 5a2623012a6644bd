package depcheck

import "testing"

func TestNamesFlag(t *testing.T) {
	for s, want := range map[string]bool{
		"give -f PATH or --root DIR":                        true,
		"a registries.d directory goes with a policy file":  false,
		"exactly one source (-f)":                           true,
		"sign with cosign sign --sign-container-identity X": false,
		"use --timeout; cosign sign --key k":                true,
		"em dash -- between words, x--y":                    false,
		"sha256-abc.sig":                                    false,
		"sign with cosign sign, then rerun with --resume":   true,
		"(cosign sign --key k) or --timeout":                true,
	} {
		if got := namesFlag(s); got != want {
			t.Errorf("namesFlag(%q) = %v, want %v", s, got, want)
		}
	}
}
