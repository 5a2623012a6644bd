package policy

import (
	"encoding/json"
	"maps"
	"math/rand/v2"
	"testing"

	"go.podman.io/image/v5/signature"
)

// TestPolicyEncoderIsMarshalIndent: the encoder writes exactly
// json.MarshalIndent(p, "", "  ") for policies of every shape — nil and
// empty maps and lists, keys that JSON escapes, requirement lists shared
// between scopes, transports and documents (whose encoding it reuses) —
// and for policies extending another (namespace files), or not quite.
func TestPolicyEncoderIsMarshalIndent(t *testing.T) {
	keyData := []byte("-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n")
	sigstore, err := signature.NewPRSigstoreSignedKeyData(keyData, signature.NewPRMMatchRepository())
	if err != nil {
		t.Fatal(err)
	}
	exact, err := signature.NewPRMExactRepository("example.com/ns/repo")
	if err != nil {
		t.Fatal(err)
	}
	byExact, err := signature.NewPRSigstoreSignedKeyData(keyData, exact)
	if err != nil {
		t.Fatal(err)
	}
	lists := []signature.PolicyRequirements{
		nil, {},
		{signature.NewPRInsecureAcceptAnything()},
		{signature.NewPRReject()},
		{sigstore},
		{signature.NewPRInsecureAcceptAnything(), sigstore, byExact},
	}
	keys := []string{"", "example.com", "example.com/ns/repo:v1", "*.example.com", "a<b>&c", "ü/é", "bad\xffutf8", "quote\"back\\slash", "line\nbreak"}
	rng := rand.New(rand.NewPCG(1, 2))
	enc := newPolicyEncoder()
	for i := range 300 {
		p := &signature.Policy{Default: lists[rng.IntN(len(lists))]}
		switch rng.IntN(6) {
		case 0: // nil transports
		case 1:
			p.Transports = map[string]signature.PolicyTransportScopes{}
		default:
			p.Transports = map[string]signature.PolicyTransportScopes{}
			for range rng.IntN(4) {
				var scopes signature.PolicyTransportScopes
				if rng.IntN(5) > 0 {
					scopes = signature.PolicyTransportScopes{}
					for range rng.IntN(6) {
						scopes[keys[rng.IntN(len(keys))]] = lists[rng.IntN(len(lists))]
					}
				}
				p.Transports[[]string{"docker", "atomic", "docker-daemon", "x<y"}[rng.IntN(4)]] = scopes
			}
		}
		want, err := json.MarshalIndent(p, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		got, err := enc.marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Fatalf("policy %d:\ngot  %s\nwant %s", i, got, want)
		}

		// A policy extending p, as a namespace file extends the cluster's:
		// p's scopes, some replaced, more added, some removed (no longer an
		// extension).
		ext := &signature.Policy{Default: p.Default, Transports: map[string]signature.PolicyTransportScopes{}}
		for name, scopes := range p.Transports {
			if scopes != nil {
				scopes = maps.Clone(scopes)
				for range rng.IntN(3) {
					scopes[keys[rng.IntN(len(keys))]+"/ns"] = lists[rng.IntN(len(lists))]
				}
				for k := range scopes {
					switch rng.IntN(8) {
					case 0:
						scopes[k] = lists[rng.IntN(len(lists))]
					case 1:
						delete(scopes, k)
					}
				}
			}
			ext.Transports[name] = scopes
		}
		want, err = json.MarshalIndent(ext, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if got, err = enc.marshalFrom(ext, p); err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Fatalf("policy %d extended:\ngot  %s\nwant %s", i, got, want)
		}
	}
	if len(enc.lists) == 0 {
		t.Error("no requirement list was remembered")
	}
}
