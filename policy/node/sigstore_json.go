package node

import (
	"encoding/json"
	"errors"
	"fmt"
)

// MarshalJSON writes the requirement as policy.json spells it, with every
// present source written even when empty, so that two requirements marshal
// alike only when they are equal: ParsePolicy reads back what it parsed.
// A requirement without a root, or without one of its root's required
// sources, has no such spelling and is an error (it does not compile
// either).
func (r SigstoreRequirement) MarshalJSON() ([]byte, error) {
	j := sigstoreJSON{Type: SigstoreSigned, SignedIdentity: identityJSON(r.SignedIdentity)}
	switch root := r.Root.(type) {
	case PublicKeyRoot:
		if root.Keys == nil {
			return nil, errors.New("public key root without keys")
		}
		j.KeyPath, j.KeyPaths, j.KeyData, j.KeyDatas = spellKeys(root.Keys)
		j.RekorPublicKeyPath, j.RekorPublicKeyPaths, j.RekorPublicKeyData, j.RekorPublicKeyDatas = spellKeys(root.Rekor)
	case FulcioRoot:
		if root.CA == nil || root.Rekor == nil {
			return nil, errors.New("Fulcio root without a CA or Rekor keys")
		}
		j.Fulcio = &fulcioJSON{OIDCIssuer: root.OIDCIssuer, SubjectEmail: root.SubjectEmail}
		j.Fulcio.CAPath, j.Fulcio.CAData = spellCerts(root.CA)
		j.RekorPublicKeyPath, j.RekorPublicKeyPaths, j.RekorPublicKeyData, j.RekorPublicKeyDatas = spellKeys(root.Rekor)
	case PKIRoot:
		if root.CARoots == nil {
			return nil, errors.New("PKI root without CA roots")
		}
		j.PKI = &pkiJSON{SubjectEmail: root.SubjectEmail, SubjectHostname: root.SubjectHostname}
		j.PKI.CARootsPath, j.PKI.CARootsData = spellCerts(root.CARoots)
		j.PKI.CAIntermediatesPath, j.PKI.CAIntermediatesData = spellCerts(root.CAIntermediates)
	default:
		return nil, fmt.Errorf("sigstoreSigned requirement without a root of trust (%T)", r.Root)
	}
	return json.Marshal(j)
}

// sigstoreJSON has the library's field names and order; a pointer is nil
// exactly when the source is absent.
type sigstoreJSON struct {
	Type                RequirementType `json:"type"`
	KeyPath             *string         `json:"keyPath,omitempty"`
	KeyPaths            *[]string       `json:"keyPaths,omitempty"`
	KeyData             *[]byte         `json:"keyData,omitempty"`
	KeyDatas            *[][]byte       `json:"keyDatas,omitempty"`
	Fulcio              *fulcioJSON     `json:"fulcio,omitempty"`
	RekorPublicKeyPath  *string         `json:"rekorPublicKeyPath,omitempty"`
	RekorPublicKeyPaths *[]string       `json:"rekorPublicKeyPaths,omitempty"`
	RekorPublicKeyData  *[]byte         `json:"rekorPublicKeyData,omitempty"`
	RekorPublicKeyDatas *[][]byte       `json:"rekorPublicKeyDatas,omitempty"`
	PKI                 *pkiJSON        `json:"pki,omitempty"`
	SignedIdentity      identityJSON    `json:"signedIdentity"`
}

type fulcioJSON struct {
	CAPath       *string `json:"caPath,omitempty"`
	CAData       *[]byte `json:"caData,omitempty"`
	OIDCIssuer   string  `json:"oidcIssuer,omitempty"`
	SubjectEmail string  `json:"subjectEmail,omitempty"`
}

type pkiJSON struct {
	CARootsPath         *string `json:"caRootsPath,omitempty"`
	CARootsData         *[]byte `json:"caRootsData,omitempty"`
	CAIntermediatesPath *string `json:"caIntermediatesPath,omitempty"`
	CAIntermediatesData *[]byte `json:"caIntermediatesData,omitempty"`
	SubjectEmail        string  `json:"subjectEmail,omitempty"`
	SubjectHostname     string  `json:"subjectHostname,omitempty"`
}

// identityJSON is Identity with the library's field names.
type identityJSON struct {
	Type             IdentityType `json:"type"`
	DockerReference  string       `json:"dockerReference,omitempty"`
	DockerRepository string       `json:"dockerRepository,omitempty"`
	Prefix           string       `json:"prefix,omitempty"`
	SignedPrefix     string       `json:"signedPrefix,omitempty"`
}

// spellKeys returns the one policy.json spelling of src that is set.
func spellKeys(src KeySource) (path *string, paths *[]string, data *[]byte, datas *[][]byte) {
	switch s := src.(type) {
	case PEMPath:
		p := string(s)
		path = &p
	case PEMPaths:
		p := []string(s)
		paths = &p
	case PEMData:
		d := []byte(s)
		data = &d
	case PEMDatas:
		d := [][]byte(s)
		datas = &d
	}
	return
}

// spellCerts returns the one policy.json spelling of src that is set.
func spellCerts(src CertSource) (path *string, data *[]byte) {
	switch s := src.(type) {
	case PEMPath:
		p := string(s)
		path = &p
	case PEMData:
		d := []byte(s)
		data = &d
	}
	return
}
