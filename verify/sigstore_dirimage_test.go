package verify

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"

	digest "github.com/opencontainers/go-digest"
)

// sigstoreBlobPrefix starts every sigstore signature file of a dir: image.
const sigstoreBlobPrefix = "\x00sigstore-json\n"

type sigstoreBlobJSON struct {
	MIMEType    string            `json:"mimeType"`
	Payload     []byte            `json:"payload"`
	Annotations map[string]string `json:"annotations"`
}

func sigstoreBlob(s UntrustedSignature) ([]byte, error) {
	body, err := json.Marshal(sigstoreBlobJSON{MIMEType: s.MediaType, Payload: s.Payload, Annotations: s.Annotations})
	if err != nil {
		return nil, err
	}
	return append([]byte(sigstoreBlobPrefix), body...), nil
}

// readDirImage reads a dir: image as the fetcher would hand it over: the
// manifest digest and the signature layers in order.
func readDirImage(t testing.TB, dir string) (digest.Digest, []UntrustedSignature) {
	t.Helper()
	var manifestDigest digest.Digest
	if m, err := os.ReadFile(filepath.Join(dir, "manifest.json")); err == nil {
		manifestDigest = digest.FromBytes(m)
	}
	files, err := filepath.Glob(filepath.Join(dir, "signature-*"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(files, func(i, j int) bool {
		return len(files[i]) < len(files[j]) || len(files[i]) == len(files[j]) && files[i] < files[j]
	})
	var sigs []UntrustedSignature
	for _, f := range files {
		blob, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rest, ok := bytes.CutPrefix(blob, []byte(sigstoreBlobPrefix))
		if !ok {
			t.Fatalf("%s: not a sigstore signature", f)
		}
		var s sigstoreBlobJSON
		if err := json.Unmarshal(rest, &s); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		sigs = append(sigs, UntrustedSignature{MediaType: s.MIMEType, Payload: s.Payload, Annotations: s.Annotations,
			LayerDigest: digest.FromBytes(s.Payload).String()})
	}
	return manifestDigest, sigs
}
