package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// hostileText tries to end the current line, erase it, print a verdict of
// its own and hide itself: ANSI escapes, CR/LF, NUL, a C1 CSI, NEL, bidi
// overrides and isolates.
const hostileText = "\x1b[2K\r\nALLOWED   quay.io/forged:v1\x00\u202e\u2066\u009b31m\u0085\n"

// hostileRegistry answers every request with registry-controlled text
// carrying hostileText: error bodies (401, 404, 500), headers, and a
// signature attachment whose media type, annotations and payload hold it;
// one layer is validly signed by key, so that its claimed identity is shown.
// It returns the registry's host:port.
func hostileRegistry(t *testing.T, key *ecdsa.PrivateKey) string {
	t.Helper()
	sha := func(b []byte) string { s := sha256.Sum256(b); return "sha256:" + hex.EncodeToString(s[:]) }
	config := []byte("{}")
	imageManifest := fmt.Appendf(nil, `{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",`+
		`"config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":2,"digest":%q},"layers":[]}`, sha(config))
	imageDigest := sha(imageManifest)
	payload, _ := json.Marshal(map[string]any{
		"critical": map[string]any{
			"identity": map[string]string{"docker-reference": hostileText},
			"image":    map[string]string{"docker-manifest-digest": imageDigest},
			"type":     "cosign container image signature",
		},
		"optional": map[string]string{"creator": hostileText},
	})
	digest := sha256.Sum256(payload)
	signature, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	layer := func(mediaType string, annotations map[string]string) map[string]any {
		return map[string]any{"mediaType": mediaType, "digest": sha(payload), "size": len(payload), "annotations": annotations}
	}
	sigManifest, _ := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.manifest.v1+json",
		"config":        map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json", "size": 2, "digest": sha(config)},
		"layers": []any{
			layer("application/x"+hostileText, map[string]string{"note": hostileText}),
			layer("application/vnd.dev.cosign.simplesigning.v1+json", map[string]string{
				"dev.cosignproject.cosign/signature":   "MEUCIQ" + hostileText,
				"dev.sigstore.cosign/certificate":      "-----BEGIN CERTIFICATE-----\n" + hostileText + "\n-----END CERTIFICATE-----\n",
				"dev.sigstore.cosign/bundle":           `{"SignedEntryTimestamp":"` + strings.ReplaceAll(hostileText, "\n", `\n`) + `"}`,
				"dev.sigstore.cosign/chain":            hostileText,
				"dev.cosignproject.cosign/unknown-key": hostileText,
			}),
			layer("application/vnd.dev.cosign.simplesigning.v1+json", map[string]string{
				"dev.cosignproject.cosign/signature": base64.StdEncoding.EncodeToString(signature),
			}),
		},
	})
	errorBody, _ := json.Marshal(map[string]any{"errors": []map[string]string{{"code": "UNAUTHORIZED", "message": hostileText, "detail": hostileText}}})
	unknownBody := bytes.Replace(errorBody, []byte("UNAUTHORIZED"), []byte("MANIFEST_UNKNOWN"), 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p := r.URL.Path; {
		case p == "/v2/":
			w.WriteHeader(http.StatusOK)
		case p == "/v2/auth401/manifests/v1":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write(errorBody)
		case p == "/v2/missing404/manifests/v1":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write(unknownBody)
		case p == "/v2/broken500/manifests/v1":
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, hostileText)
		case strings.HasSuffix(p, "/manifests/v1"), strings.HasSuffix(p, "/manifests/"+imageDigest):
			w.Header().Set("Content-Type", "application/vnd.docker.distribution.manifest.v2+json")
			// Go's client refuses ASCII controls in a header; the rest gets through.
			w.Header().Set("Docker-Content-Digest", "sha256:"+strings.Repeat("0", 64)+"\u202e\u009b31m\u0085")
			_, _ = w.Write(imageManifest)
		case strings.HasSuffix(p, ".sig"):
			w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
			_, _ = w.Write(sigManifest)
		case strings.Contains(p, "/blobs/"):
			_, _ = w.Write(payload)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// TestHostileTextCannotForgeOutput: whatever a registry sends, no output
// format carries a control, C1 or bidi character (escaped or not) or a
// line of the registry's making.
func TestHostileTextCannotForgeOutput(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	keyData := base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	host := hostileRegistry(t, key)
	dir := t.TempDir()
	policyFile := writeFile(t, dir, "policy.yaml", policyDoc(keyData, "", "hostile", "MatchRepository", host))
	var images []string
	var pods strings.Builder
	for i, repo := range []string{"auth401", "missing404", "broken500", "signed", "signed-too"} {
		images = append(images, host+"/"+repo+":v1")
		pods.WriteString(pod(fmt.Sprintf("p%d", i), "team", host+"/"+repo+":v1"))
	}
	workloads := writeFile(t, dir, "pods.yaml", pods.String())
	verifyArgs := append([]string{"verify", "-f", policyFile, "--timeout", "20s"}, images...)
	simulateArgs := []string{"simulate", "-f", policyFile, "--workload", workloads, "--timeout", "20s"}
	for _, tc := range []struct {
		format string
		args   []string
	}{
		{"verify text", append(verifyArgs, "-v")},
		{"verify json", append(verifyArgs, "-o", "json")},
		{"simulate table", simulateArgs},
		{"simulate json", append(simulateArgs, "-o", "json")},
		{"simulate junit", append(simulateArgs, "-o", "junit")},
	} {
		t.Run(tc.format, func(t *testing.T) {
			out, errOut, code := run(t, "", tc.args...)
			if code == exitOK || code == exitUsage {
				t.Fatalf("exit %d; want denials and undecided pulls\n%s%s", code, out, errOut)
			}
			if !strings.Contains(out, `\x1b`) || !strings.Contains(out, "identity") {
				t.Errorf("the hostile text did not reach the output, escaped; the test proves nothing:\n%s", out)
			}
			for _, stream := range []string{out, errOut} {
				if err := printable(stream, true); err != nil {
					t.Errorf("%v in:\n%s", err, stream)
				}
				for _, line := range strings.Split(stream, "\n") {
					if strings.HasPrefix(strings.TrimSpace(line), "ALLOWED") {
						t.Errorf("forged line %q", line)
					}
				}
			}
			switch {
			case strings.HasSuffix(tc.format, "json"):
				var doc any
				if err := json.Unmarshal([]byte(out), &doc); err != nil {
					t.Fatal(err)
				}
				if err := walkJSON(doc); err != nil {
					t.Error(err)
				}
			case strings.HasSuffix(tc.format, "junit"):
				if err := walkXML(out); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// printable reports the first rune of s that is neither printable nor (when
// newlines is set) a line feed, and invalid UTF-8.
func printable(s string, newlines bool) error {
	if !utf8.ValidString(s) {
		return errors.New("invalid UTF-8")
	}
	for i, r := range s {
		if !unicode.IsPrint(r) && !(newlines && r == '\n') {
			return fmt.Errorf("%U at byte %d", r, i)
		}
	}
	return nil
}

// walkJSON checks every string of a decoded JSON document.
func walkJSON(v any) error {
	switch v := v.(type) {
	case string:
		if err := printable(v, false); err != nil {
			return fmt.Errorf("JSON string %q: %w", v, err)
		}
	case []any:
		for _, e := range v {
			if err := walkJSON(e); err != nil {
				return err
			}
		}
	case map[string]any:
		for k, e := range v {
			if err := walkJSON(k); err != nil {
				return err
			}
			if err := walkJSON(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// walkXML checks every attribute value (one line each) and character data
// (lines) of an XML document, as a reader decodes them.
func walkXML(doc string) error {
	dec := xml.NewDecoder(strings.NewReader(doc))
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			for _, a := range tok.Attr {
				if err := printable(a.Value, false); err != nil {
					return fmt.Errorf("attribute %s=%q: %w", a.Name.Local, a.Value, err)
				}
			}
		case xml.CharData:
			if err := printable(string(tok), true); err != nil {
				return fmt.Errorf("text %q: %w", tok, err)
			}
			for _, line := range strings.Split(string(tok), "\n") {
				if strings.HasPrefix(strings.TrimSpace(line), "ALLOWED") {
					return fmt.Errorf("forged line %q", line)
				}
			}
		}
	}
}
