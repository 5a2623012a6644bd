package trust

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strconv"
)

// Layout shortcuts for the two strictly parsed SET documents, as cosign and
// the canonicalizer lay them out byte for byte. Each recognises only input
// that the strict parser accepts with the same result, and reports false for
// anything else, which then takes the strict path (and its error wording).

const (
	setLayoutStart   = `{"SignedEntryTimestamp":"`
	setLayoutPayload = `,"Payload":`

	payloadLayoutBody     = `{"body":"`
	payloadLayoutTime     = `,"integratedTime":`
	payloadLayoutLogID    = `,"logID":"`
	payloadLayoutLogIndex = `","logIndex":`
)

// parseSETLayout recognises {"SignedEntryTimestamp":"<base64>","Payload":<JSON>}.
func parseSETLayout(b []byte) (untrustedSET, bool) {
	rest, ok := bytes.CutPrefix(b, []byte(setLayoutStart))
	if !ok {
		return untrustedSET{}, false
	}
	b64, rest, ok := cutBase64(rest)
	if !ok {
		return untrustedSET{}, false
	}
	rest, ok = bytes.CutPrefix(rest, []byte(setLayoutPayload))
	if !ok {
		return untrustedSET{}, false
	}
	payload, ok := bytes.CutSuffix(rest, []byte("}"))
	if !ok || len(payload) == 0 || !json.Valid(payload) || isSpace(payload[0]) || isSpace(payload[len(payload)-1]) {
		return untrustedSET{}, false
	}
	sig, ok := decodeBase64(b64)
	if !ok {
		return untrustedSET{}, false
	}
	return untrustedSET{signedEntryTimestamp: sig, payload: payload}, true
}

// parseSETPayloadLayout recognises the canonical payload
// {"body":"<base64>","integratedTime":<int>,"logID":"<string>","logIndex":<int>}.
func parseSETPayloadLayout(b []byte) (untrustedSETPayload, bool) {
	rest, ok := bytes.CutPrefix(b, []byte(payloadLayoutBody))
	if !ok {
		return untrustedSETPayload{}, false
	}
	b64, rest, ok := cutBase64(rest)
	if !ok {
		return untrustedSETPayload{}, false
	}
	if rest, ok = bytes.CutPrefix(rest, []byte(payloadLayoutTime)); !ok {
		return untrustedSETPayload{}, false
	}
	integratedTime, rest, ok := cutInteger(rest)
	if !ok {
		return untrustedSETPayload{}, false
	}
	if rest, ok = bytes.CutPrefix(rest, []byte(payloadLayoutLogID)); !ok {
		return untrustedSETPayload{}, false
	}
	end := bytes.IndexByte(rest, '"')
	if end < 0 || !plainASCII(rest[:end]) {
		return untrustedSETPayload{}, false
	}
	logID := string(rest[:end])
	if rest, ok = bytes.CutPrefix(rest[end:], []byte(payloadLayoutLogIndex)); !ok {
		return untrustedSETPayload{}, false
	}
	logIndex, rest, ok := cutInteger(rest)
	if !ok || string(rest) != "}" {
		return untrustedSETPayload{}, false
	}
	body, ok := decodeBase64(b64)
	if !ok {
		return untrustedSETPayload{}, false
	}
	return untrustedSETPayload{body: body, integratedTime: integratedTime, logIndex: logIndex, logID: logID}, true
}

// cutBase64 returns the standard-alphabet base64 text up to the next '"'
// and the rest after that quote.
func cutBase64(b []byte) ([]byte, []byte, bool) {
	end := bytes.IndexByte(b, '"')
	if end < 0 {
		return nil, nil, false
	}
	for _, c := range b[:end] {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=') {
			return nil, nil, false
		}
	}
	return b[:end], b[end+1:], true
}

// decodeBase64 decodes as encoding/json decodes a []byte field.
func decodeBase64(b64 []byte) ([]byte, bool) {
	out := make([]byte, base64.StdEncoding.DecodedLen(len(b64)))
	n, err := base64.StdEncoding.Decode(out, b64)
	if err != nil {
		return nil, false
	}
	return out[:n], true
}

// cutInteger reads a JSON integer without sign, exponent or leading zero
// that fits an int64.
func cutInteger(b []byte) (int64, []byte, bool) {
	end := 0
	for end < len(b) && b[end] >= '0' && b[end] <= '9' {
		end++
	}
	if end == 0 || (b[0] == '0' && end > 1) {
		return 0, nil, false
	}
	v, err := strconv.ParseInt(string(b[:end]), 10, 64)
	if err != nil {
		return 0, nil, false
	}
	return v, b[end:], true
}

// plainASCII reports whether b is printable ASCII without quotes or
// backslashes: a JSON string body that decodes to itself.
func plainASCII(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c > 0x7e || c == '\\' || c == '"' {
			return false
		}
	}
	return true
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}
