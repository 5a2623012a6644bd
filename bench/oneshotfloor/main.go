// Command oneshotfloor is the floor of a one-shot `sigpolicy verify` of a
// key-signed image: a process linking only the standard library that makes
// the requests the decision needs and its one public-key operation, with no
// policy, no configuration and no checks beyond the signature and the
// digest it covers. scripts/bench-oneshot.sh runs it beside sigpolicy and a
// hello-world in the same hyperfine round.
//
// Like sigpolicy and the containers library on a registry that does not
// speak TLS, it tries HTTPS first, then plain HTTP; then it reads the
// manifest by tag, the image's cosign .sig manifest, and the signature blob,
// and verifies the blob's ECDSA signature with the key.
//
// Usage: oneshotfloor HOST[:PORT]/REPOSITORY:TAG PUBLIC-KEY.pem
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

const acceptManifests = "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, " +
	"application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.index.v1+json"

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: oneshotfloor HOST[:PORT]/REPOSITORY:TAG PUBLIC-KEY.pem")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := decide(ctx, os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "oneshotfloor:", err)
		os.Exit(1)
	}
	fmt.Println("allowed")
}

// decide reads image (a tagged reference with an explicit registry) and
// verifies its first signature with the ECDSA key in keyFile.
func decide(ctx context.Context, image, keyFile string) error {
	host, path, _ := strings.Cut(image, "/")
	colon := strings.LastIndexByte(path, ':')
	if path == "" || colon < 0 {
		return fmt.Errorf("%q is not HOST/REPOSITORY:TAG", image)
	}
	repository, tag := path[:colon], path[colon+1:]
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return err
	}
	block, _ := pem.Decode(keyPEM)
	if block == nil {
		return errors.New("no PEM block in the key file")
	}
	parsed, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return err
	}
	key, ok := parsed.(*ecdsa.PublicKey)
	if !ok {
		return fmt.Errorf("key is %T, not ECDSA", parsed)
	}

	client := &http.Client{}
	base := "https://" + host
	if _, err := get(ctx, client, base+"/v2/", ""); err != nil {
		base = "http://" + host
		if _, err := get(ctx, client, base+"/v2/", ""); err != nil {
			return err
		}
	}
	repo := base + "/v2/" + repository
	manifest, err := get(ctx, client, repo+"/manifests/"+tag, acceptManifests)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(manifest)
	digest := "sha256:" + hex.EncodeToString(sum[:])

	sigManifest, err := get(ctx, client, repo+"/manifests/sha256-"+hex.EncodeToString(sum[:])+".sig", acceptManifests)
	if err != nil {
		return err
	}
	var sigs struct {
		Layers []struct {
			Digest      string            `json:"digest"`
			Annotations map[string]string `json:"annotations"`
		} `json:"layers"`
	}
	if err := json.Unmarshal(sigManifest, &sigs); err != nil {
		return err
	}
	if len(sigs.Layers) == 0 {
		return errors.New("no signatures")
	}
	layer := sigs.Layers[0]
	payload, err := get(ctx, client, repo+"/blobs/"+layer.Digest, "")
	if err != nil {
		return err
	}
	payloadSum := sha256.Sum256(payload)
	if "sha256:"+hex.EncodeToString(payloadSum[:]) != layer.Digest {
		return errors.New("signature blob does not match its digest")
	}
	signature, err := base64.StdEncoding.DecodeString(layer.Annotations["dev.cosignproject.cosign/signature"])
	if err != nil {
		return err
	}
	if !ecdsa.VerifyASN1(key, payloadSum[:], signature) {
		return errors.New("signature does not verify")
	}
	var claim struct {
		Critical struct {
			Image struct {
				DockerManifestDigest string `json:"docker-manifest-digest"`
			} `json:"image"`
		} `json:"critical"`
	}
	if err := json.Unmarshal(payload, &claim); err != nil {
		return err
	}
	if claim.Critical.Image.DockerManifestDigest != digest {
		return errors.New("signature is for another manifest")
	}
	return nil
}

func get(ctx context.Context, client *http.Client, url, accept string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return body, nil
}
