package verify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	digest "github.com/opencontainers/go-digest"

	"github.com/sigpolicy/sigpolicy/internal/strictjson"
)

// cosignSignatureType is critical.type of a cosign container image signature.
const cosignSignatureType = "cosign container image signature"

// signedClaims is what a cosign simple-signing payload asserts. It is parsed
// only after the payload's signature verified, as the library does.
type signedClaims struct {
	manifestDigest  digest.Digest
	dockerReference string
}

// parsePayload decodes a payload as strictly as the library: exactly
// "critical" and "optional" at the top; in critical exactly "identity"
// (exactly "docker-reference"), "image" (exactly "docker-manifest-digest")
// and "type" (the cosign type); "optional" is null or an object whose
// "creator" must be a string and "timestamp" an integer. Errors carry the
// library's wording.
func parsePayload(payload []byte) (signedClaims, error) {
	if claims, ok := parseCosignLayout(payload); ok {
		return claims, nil
	}
	var p untrustedPayload
	if err := json.Unmarshal(payload, &p); err != nil {
		return signedClaims{}, err
	}
	return p.claims, nil
}

// The exact bytes `cosign sign` writes around the two values it fills in.
const (
	cosignLayoutIdentity = `{"critical":{"identity":{"docker-reference":"`
	cosignLayoutImage    = `"},"image":{"docker-manifest-digest":"`
	cosignLayoutEnd      = `"},"type":"cosign container image signature"},"optional":null}`
)

// parseCosignLayout recognises a payload laid out byte for byte as cosign
// writes it, with plain strings (valid UTF-8, no escapes or control
// characters) and a valid digest. Such a payload is well-formed and the
// strict parser would return the same claims; anything else (other key
// order, whitespace, escapes, a non-null "optional") reports false and takes
// the strict path.
func parseCosignLayout(payload []byte) (signedClaims, bool) {
	rest, ok := bytes.CutPrefix(payload, []byte(cosignLayoutIdentity))
	if !ok {
		return signedClaims{}, false
	}
	ref, rest, ok := cutPlainString(rest)
	if !ok {
		return signedClaims{}, false
	}
	if rest, ok = bytes.CutPrefix(rest, []byte(cosignLayoutImage)); !ok {
		return signedClaims{}, false
	}
	digestString, rest, ok := cutPlainString(rest)
	if !ok || string(rest) != cosignLayoutEnd {
		return signedClaims{}, false
	}
	d, err := digest.Parse(digestString)
	if err != nil {
		return signedClaims{}, false
	}
	return signedClaims{manifestDigest: d, dockerReference: ref}, true
}

// cutPlainString returns the bytes up to the next '"' as a string when they
// need no JSON decoding, and the rest starting at that quote.
func cutPlainString(b []byte) (string, []byte, bool) {
	end := bytes.IndexByte(b, '"')
	if end < 0 {
		return "", nil, false
	}
	s := b[:end]
	for _, c := range s {
		if c < 0x20 || c == '\\' {
			return "", nil, false
		}
	}
	if !utf8.Valid(s) {
		return "", nil, false
	}
	return string(s), b[end:], true
}

type untrustedPayload struct {
	claims signedClaims
}

func (p *untrustedPayload) UnmarshalJSON(data []byte) error {
	var critical, optional json.RawMessage
	if err := strictjson.ExactObject(data, map[string]any{
		"critical": &critical,
		"optional": &optional,
	}); err != nil {
		return err
	}
	// cosign writes "optional": null when there are no annotations.
	if !bytes.Equal(optional, []byte("null")) {
		var creator string
		var timestamp float64
		gotTimestamp := false
		if err := strictjson.Object(optional, func(key string) any {
			switch key {
			case "creator":
				return &creator
			case "timestamp":
				gotTimestamp = true
				return &timestamp
			default:
				var ignored any
				return &ignored
			}
		}); err != nil {
			return err
		}
		if gotTimestamp && float64(int64(timestamp)) != timestamp {
			return strictjson.FormatError("Field optional.timestamp is not an integer")
		}
	}

	var signatureType string
	var image, identity json.RawMessage
	if err := strictjson.ExactObject(critical, map[string]any{
		"type":     &signatureType,
		"image":    &image,
		"identity": &identity,
	}); err != nil {
		return err
	}
	if signatureType != cosignSignatureType {
		return strictjson.FormatError(fmt.Sprintf("Unrecognized signature type %s", signatureType))
	}
	var digestString string
	if err := strictjson.ExactObject(image, map[string]any{
		"docker-manifest-digest": &digestString,
	}); err != nil {
		return err
	}
	d, err := digest.Parse(digestString)
	if err != nil {
		return strictjson.FormatError(fmt.Sprintf(`invalid docker-manifest-digest value %q: %v`, digestString, err))
	}
	p.claims.manifestDigest = d
	return strictjson.ExactObject(identity, map[string]any{
		"docker-reference": &p.claims.dockerReference,
	})
}
