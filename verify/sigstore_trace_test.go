package verify

import (
	"encoding/json"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/sigpolicy/sigpolicy/policy/node"
)

// TestTraceNamesEveryCheck: an accepted signature lists every check in the
// order performed, and the result survives a JSON round trip.
func TestTraceNamesEveryCheck(t *testing.T) {
	tests := []struct {
		desc, image, ref string
		v                *SigstoreVerifier
		checks           []string
	}{
		{"key", "valid", sampleRepo + ":latest", mustCompile(t, keyReq(idMatchRepository, "cosign.pub")),
			[]string{"signature", "payload", "manifest-digest", "identity"}},
		{"key+rekor", "key-rekor-valid", "192.168.64.2:5000/cosign-signed/key-1:latest", mustCompile(t, withRekor(keyReq(idMatchRepository, "cosign2.pub"), "rekor.pub")),
			[]string{"rekor-set", "signature", "payload", "manifest-digest", "identity"}},
		{"fulcio", "fulcio-rekor-valid", "192.168.64.2:5000/cosign-signed/fulcio-rekor-1:latest", mustCompile(t, fulcioReq(idMatchRepository, githubOIDC, "mitr@redhat.com", "rekor.pub")),
			[]string{"rekor-set", "certificate-chain", "oidc-issuer", "subject-email", "signature", "payload", "manifest-digest", "identity"}},
		{"pki", "pki-valid", "localhost:5000/test:latest", mustCompile(t, pkiReq(idMatchRepository, true, "qiwan@redhat.com", "myhost.example.com")),
			[]string{"certificate-chain", "subject-email", "subject-hostname", "signature", "payload", "manifest-digest", "identity"}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			md, sigs := readDirImage(t, vector("dir-img-cosign-"+tc.image))
			res := tc.v.EvaluateAt(time.Now(), mustNamed(t, tc.ref), md, sigs)
			if !res.Allowed {
				t.Fatal(res.Reason)
			}
			var names []string
			for _, c := range res.Signatures[0].Checks {
				if !c.Passed || c.Expected == "" || c.Got == "" {
					t.Errorf("check %+v incomplete", c)
				}
				names = append(names, c.Name)
			}
			if !reflect.DeepEqual(names, tc.checks) {
				t.Errorf("checks %v, want %v", names, tc.checks)
			}
			b, err := json.Marshal(res)
			if err != nil {
				t.Fatal(err)
			}
			var back RequirementResult
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, res) {
				t.Errorf("JSON round trip changed the result:\n%s", b)
			}
		})
	}
}

func mustCompile(t *testing.T, req *node.SigstoreRequirement) *SigstoreVerifier {
	t.Helper()
	v, err := NewSigstoreVerifier(req)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestConcurrentEvaluation shares one verifier per root kind between
// goroutines (run with -race): verdicts stay the same while the
// intermediate memo fills.
func TestConcurrentEvaluation(t *testing.T) {
	cases := []struct {
		image, ref string
		v          *SigstoreVerifier
	}{
		{"fulcio-rekor-valid", "192.168.64.2:5000/cosign-signed/fulcio-rekor-1:latest", mustCompile(t, fulcioReq(idMatchRepository, githubOIDC, "mitr@redhat.com", "rekor.pub"))},
		{"pki-valid", "localhost:5000/test:latest", mustCompile(t, pkiReq(idMatchRepository, false, "qiwan@redhat.com", ""))},
		{"key-rekor-valid", "192.168.64.2:5000/cosign-signed/key-1:latest", mustCompile(t, withRekor(keyReq(idMatchRepository, "cosign.pub", "cosign2.pub"), "rekor.pub"))},
	}
	var wg sync.WaitGroup
	for _, c := range cases {
		md, sigs := readDirImage(t, vector("dir-img-cosign-"+c.image))
		image := mustNamed(t, c.ref)
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 3 {
					if res := c.v.EvaluateAt(time.Now(), image, md, sigs); !res.Allowed {
						t.Errorf("%s: %s", c.image, res.Reason)
					}
				}
			}()
		}
	}
	wg.Wait()
}
