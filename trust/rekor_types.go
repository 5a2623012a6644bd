package trust

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/sigpolicy/sigpolicy/internal/strictjson"
)

// The Rekor SET as cosign stores it in the bundle annotation, and the parts
// of a hashedrekord 0.0.1 log entry the check needs. SET and payload are
// decoded strictly; the entry body as leniently as the library decodes it
// (its copy of rekor's generated models), so both accept the same entries.

const (
	hashedRekordKind        = "hashedrekord"
	hashedRekordV001Version = "0.0.1"
	hashedRekordSHA256      = "sha256"
	setSignedEntryTimestamp = "SignedEntryTimestamp"
	setPayload              = "Payload"
	payloadBody             = "body"
	payloadIntegratedTime   = "integratedTime"
	payloadLogIndex         = "logIndex"
	payloadLogID            = "logID"
)

type untrustedSET struct {
	signedEntryTimestamp []byte
	payload              json.RawMessage
}

func (s *untrustedSET) UnmarshalJSON(data []byte) error {
	return strictjson.ExactObject(data, map[string]any{
		setSignedEntryTimestamp: &s.signedEntryTimestamp,
		setPayload:              &s.payload,
	})
}

type untrustedSETPayload struct {
	body           []byte
	integratedTime int64
	logIndex       int64
	logID          string
}

func (p *untrustedSETPayload) UnmarshalJSON(data []byte) error {
	return strictjson.ExactObject(data, map[string]any{
		payloadBody:           &p.body,
		payloadIntegratedTime: &p.integratedTime,
		payloadLogIndex:       &p.logIndex,
		payloadLogID:          &p.logID,
	})
}

// hashedRekord is a Rekor entry of kind "hashedrekord".
type hashedRekord struct {
	APIVersion *string
	Spec       json.RawMessage
}

func (m *hashedRekord) UnmarshalJSON(raw []byte) error {
	var base struct {
		Kind string `json:"kind"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&base); err != nil {
		return err
	}
	if base.Kind != hashedRekordKind {
		return fmt.Errorf("invalid kind value: %q", base.Kind)
	}
	var data struct {
		APIVersion *string         `json:"apiVersion"`
		Spec       json.RawMessage `json:"spec"`
	}
	dec = json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&data); err != nil {
		return err
	}
	*m = hashedRekord{APIVersion: data.APIVersion, Spec: data.Spec}
	return nil
}

// hashedRekordV001 is the spec of a hashedrekord 0.0.1 entry.
type hashedRekordV001 struct {
	Data *struct {
		Hash *struct {
			Algorithm *string `json:"algorithm"`
			Value     *string `json:"value"`
		} `json:"hash,omitempty"`
	} `json:"data"`
	Signature *struct {
		Content   []byte `json:"content,omitempty"`
		PublicKey *struct {
			Content []byte `json:"content,omitempty"`
		} `json:"publicKey,omitempty"`
	} `json:"signature"`
}
