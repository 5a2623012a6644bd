package node

import "fmt"

// The field lists follow the library's structs; a key's index in its list
// is its case in the switch of the parser below.
var (
	typeOnlyFields        = []string{"type"}
	signedBaseLayerFields = []string{"type", "baseLayerIdentity"}
	signedByFields        = []string{"type", "keyType", "keyPath", "keyPaths", "keyData", "signedIdentity"}
	sigstoreFields        = []string{"type", "keyPath", "keyPaths", "keyData", "keyDatas", "fulcio",
		"rekorPublicKeyPath", "rekorPublicKeyPaths", "rekorPublicKeyData", "rekorPublicKeyDatas", "pki", "signedIdentity"}
	fulcioFields = []string{"caPath", "caData", "oidcIssuer", "subjectEmail"}
	pkiFields    = []string{"caRootsPath", "caRootsData", "caIntermediatesPath", "caIntermediatesData", "subjectEmail", "subjectHostname"}
)

// requirement reads one element of a requirement list.
func (s *scanner) requirement() (Requirement, error) {
	c := s.peek()
	if c != '{' {
		raw, err := s.value()
		if err != nil {
			return Requirement{}, err
		}
		if c == 'n' {
			return Requirement{}, unknownRequirementType("")
		}
		return Requirement{}, notAnObject(raw, "signature.prCommon")
	}
	var buf [16]member
	members, err := s.members(buf[:0])
	if err != nil {
		return Requirement{}, err
	}
	typ, err := typeName(members, "prCommon", "signature.prTypeIdentifier")
	if err != nil {
		return Requirement{}, err
	}
	req := Requirement{Type: RequirementType(typ)}
	switch req.Type {
	case InsecureAcceptAnything, Reject:
		err = exactFields(members, typeOnlyFields)
	case SignedBy:
		req.SignedBy, err = parseSignedBy(members)
	case SignedBaseLayer:
		req.SignedBaseLayer, err = parseSignedBaseLayer(members)
	case SigstoreSigned:
		req.Sigstore, err = parseSigstore(members)
	default:
		err = unknownRequirementType(typ)
	}
	if err != nil {
		return Requirement{}, err
	}
	return req, nil
}

func unknownRequirementType(typ string) error {
	return invalid(fmt.Sprintf("Unknown policy requirement type %q", typ))
}

// exactFields checks an object whose only content is its keys.
func exactFields(members []member, names []string) error {
	f := fieldSet{names: names}
	for _, m := range members {
		if _, err := f.index(m.key); err != nil {
			return err
		}
	}
	return f.requireAll()
}

func parseSignedBaseLayer(members []member) (*SignedBaseLayerRequirement, error) {
	f := fieldSet{names: signedBaseLayerFields}
	var identity []byte
	for _, m := range members {
		i, err := f.index(m.key)
		if err != nil {
			return nil, err
		}
		if i == 1 {
			identity = m.raw
		}
	}
	if err := f.requireAll(); err != nil {
		return nil, err
	}
	id, err := parseIdentity(identity)
	if err != nil {
		return nil, err
	}
	return &SignedBaseLayerRequirement{BaseLayerIdentity: id}, nil
}

func validKeyType(t string) bool {
	switch t {
	case "GPGKeys", "signedByGPGKeys", "X509Certificates", "signedByX509CAs":
		return true
	}
	return false
}

func parseSignedBy(members []member) (*SignedByRequirement, error) {
	f := fieldSet{names: signedByFields}
	r := &SignedByRequirement{}
	var identity []byte
	for _, m := range members {
		i, err := f.index(m.key)
		if err != nil {
			return nil, err
		}
		switch i {
		case 1:
			if r.KeyType, err = decodeString(m.raw); err == nil && !validKeyType(r.KeyType) {
				err = invalid(fmt.Sprintf("Unrecognized keyType value %q", r.KeyType))
			}
		case 2:
			r.KeyPath, err = decodeString(m.raw)
		case 3:
			r.KeyPaths, err = decodeStrings(m.raw)
		case 4:
			r.KeyData, err = decodeBytes(m.raw)
		case 5:
			identity = m.raw
		}
		if err != nil {
			return nil, err
		}
	}
	var err error
	if r.SignedIdentity, err = identityOrDefault(identity); err != nil {
		return nil, err
	}
	switch present := count(f.has(2), f.has(3), f.has(4)); {
	case present == 0:
		return nil, invalid("Exactly one of keyPath, keyPaths and keyData must be specified, none of them present")
	case present > 1:
		return nil, invalid("Exactly one of keyPath, keyPaths and keyData must be specified, more than one present")
	}
	if !validKeyType(r.KeyType) {
		return nil, invalid(fmt.Sprintf("invalid keyType %q", r.KeyType))
	}
	if count(r.KeyPath != "", r.KeyPaths != nil, r.KeyData != nil) != 1 {
		return nil, invalid("exactly one of keyPath, keyPaths and keyData must be specified")
	}
	return r, nil
}

func count(conds ...bool) int {
	n := 0
	for _, c := range conds {
		if c {
			n++
		}
	}
	return n
}

// keyFields are the four spellings of one key source as read, before the
// library's rules pick the one that is present.
type keyFields struct {
	path  string
	paths []string
	data  []byte
	datas [][]byte
}

// present counts the spellings present by value, as the library does: an
// empty path and a null (nil) list or data are absent.
func (k *keyFields) present() int {
	return count(k.path != "", k.paths != nil, k.data != nil, k.datas != nil)
}

// source returns the only spelling present, nil if none.
func (k *keyFields) source() KeySource {
	switch {
	case k.path != "":
		return PEMPath(k.path)
	case k.paths != nil:
		return PEMPaths(k.paths)
	case k.data != nil:
		return PEMData(k.data)
	case k.datas != nil:
		return PEMDatas(k.datas)
	}
	return nil
}

func parseSigstore(members []member) (*SigstoreRequirement, error) {
	f := fieldSet{names: sigstoreFields}
	var keys, rekor keyFields
	var fulcio *FulcioRoot
	var pki *PKIRoot
	var identity []byte
	for _, m := range members {
		i, err := f.index(m.key)
		if err != nil {
			return nil, err
		}
		switch i {
		case 1:
			keys.path, err = decodeString(m.raw)
		case 2:
			keys.paths, err = decodeStrings(m.raw)
		case 3:
			keys.data, err = decodeBytes(m.raw)
		case 4:
			keys.datas, err = decodeBytesList(m.raw)
		case 5:
			fulcio, err = parseFulcio(m.raw)
		case 6:
			rekor.path, err = decodeString(m.raw)
		case 7:
			rekor.paths, err = decodeStrings(m.raw)
		case 8:
			rekor.data, err = decodeBytes(m.raw)
		case 9:
			rekor.datas, err = decodeBytesList(m.raw)
		case 10:
			pki, err = parsePKI(m.raw)
		case 11:
			identity = m.raw
		}
		if err != nil {
			return nil, err
		}
	}
	r := &SigstoreRequirement{}
	var err error
	if r.SignedIdentity, err = identityOrDefault(identity); err != nil {
		return nil, err
	}
	// The library applies one option per present key, in this order; the
	// list options refuse an empty (or null) list.
	for _, list := range []struct {
		present bool
		n       int
		name    string
	}{
		{f.has(2), len(keys.paths), "keyPaths"},
		{f.has(4), len(keys.datas), "keyDatas"},
		{f.has(7), len(rekor.paths), "rekorPublickeyPaths"},
		{f.has(9), len(rekor.datas), "rekorPublickeyDatas"},
	} {
		if list.present && list.n == 0 {
			return nil, invalid(fmt.Sprintf("%q contains no entries", list.name))
		}
	}
	if keys.present()+count(fulcio != nil, pki != nil) != 1 {
		return nil, invalid("exactly one of keyPath, keyPaths, keyData, keyDatas, fulcio, and pki must be specified")
	}
	switch n := rekor.present(); {
	case n > 1:
		return nil, invalid("at most one of rekorPublickeyPath, rekorPublicKeyPaths, rekorPublickeyData and rekorPublicKeyDatas can be used simultaneously")
	case fulcio != nil && n == 0:
		return nil, invalid("At least one of rekorPublickeyPath, rekorPublicKeyPaths, rekorPublickeyData and rekorPublicKeyDatas must be specified if fulcio is used")
	case pki != nil && n > 0:
		return nil, invalid("rekorPublickeyPath, rekorPublicKeyPaths, rekorPublickeyData and rekorPublicKeyDatas are not supported for pki")
	}
	switch {
	case fulcio != nil:
		fulcio.Rekor = rekor.source()
		r.Root = *fulcio
	case pki != nil:
		r.Root = *pki
	default:
		r.Root = PublicKeyRoot{Keys: keys.source(), Rekor: rekor.source()}
	}
	return r, nil
}

// subObject reads the members of a nested object the library decodes with
// its strict reader.
func subObject(raw []byte, buf []member) ([]member, error) {
	if raw[0] != '{' {
		return nil, objectExpected(raw)
	}
	sub := scanner{data: raw}
	return sub.members(buf)
}

// parseFulcio reads the "fulcio" object; the caller adds the Rekor keys,
// which are members of the requirement.
func parseFulcio(raw []byte) (*FulcioRoot, error) {
	var buf [4]member
	members, err := subObject(raw, buf[:0])
	if err != nil {
		return nil, err
	}
	f := fieldSet{names: fulcioFields}
	r := &FulcioRoot{}
	var caPath string
	var caData []byte
	for _, m := range members {
		i, err := f.index(m.key)
		if err != nil {
			return nil, err
		}
		switch i {
		case 0:
			caPath, err = decodeString(m.raw)
		case 1:
			caData, err = decodeBytes(m.raw)
		case 2:
			r.OIDCIssuer, err = decodeString(m.raw)
		case 3:
			r.SubjectEmail, err = decodeString(m.raw)
		}
		if err != nil {
			return nil, err
		}
	}
	if r.CA, err = certSource(caPath, caData,
		"caPath and caData cannot be used simultaneously",
		"At least one of caPath and caData must be specified"); err != nil {
		return nil, err
	}
	switch {
	case r.OIDCIssuer == "":
		return nil, invalid("oidcIssuer not specified")
	case r.SubjectEmail == "":
		return nil, invalid("subjectEmail not specified")
	}
	return r, nil
}

// certSource returns the one of path and data that is present by value;
// nil when neither is and missing is "".
func certSource(path string, data []byte, both, missing string) (CertSource, error) {
	switch {
	case path != "" && data != nil:
		return nil, invalid(both)
	case path != "":
		return PEMPath(path), nil
	case data != nil:
		return PEMData(data), nil
	case missing != "":
		return nil, invalid(missing)
	}
	return nil, nil
}

func parsePKI(raw []byte) (*PKIRoot, error) {
	var buf [6]member
	members, err := subObject(raw, buf[:0])
	if err != nil {
		return nil, err
	}
	f := fieldSet{names: pkiFields}
	r := &PKIRoot{}
	var rootsPath, intermediatesPath string
	var rootsData, intermediatesData []byte
	for _, m := range members {
		i, err := f.index(m.key)
		if err != nil {
			return nil, err
		}
		switch i {
		case 0:
			rootsPath, err = decodeString(m.raw)
		case 1:
			rootsData, err = decodeBytes(m.raw)
		case 2:
			intermediatesPath, err = decodeString(m.raw)
		case 3:
			intermediatesData, err = decodeBytes(m.raw)
		case 4:
			r.SubjectEmail, err = decodeString(m.raw)
		case 5:
			r.SubjectHostname, err = decodeString(m.raw)
		}
		if err != nil {
			return nil, err
		}
	}
	if r.CARoots, err = certSource(rootsPath, rootsData,
		"caRootsPath and caRootsData cannot be used simultaneously",
		"At least one of caRootsPath and caRootsData must be specified"); err != nil {
		return nil, err
	}
	if r.CAIntermediates, err = certSource(intermediatesPath, intermediatesData,
		"caIntermediatesPath and caIntermediatesData cannot be used simultaneously", ""); err != nil {
		return nil, err
	}
	if r.SubjectEmail == "" && r.SubjectHostname == "" {
		return nil, invalid("At least one of subjectEmail, subjectHostname must be specified")
	}
	return r, nil
}
