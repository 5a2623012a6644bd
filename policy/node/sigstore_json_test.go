package node

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestSigstoreRequirementJSONRoundTrip: every sigstoreSigned requirement
// ParsePolicy accepts marshals to policy.json that ParsePolicy reads back
// unchanged and that the library reads as the same requirement.
func TestSigstoreRequirementJSONRoundTrip(t *testing.T) {
	docs := [][]byte{renderedPolicy(t, 4)}
	for _, tc := range policyCases {
		docs = append(docs, []byte(tc.json))
	}
	seen := 0
	for _, doc := range docs {
		p, err := ParsePolicy(doc)
		if err != nil {
			continue
		}
		for _, reqs := range allRequirements(p) {
			for _, r := range reqs {
				if r.Sigstore == nil {
					continue
				}
				seen++
				data, err := json.Marshal(r.Sigstore)
				if err != nil {
					t.Fatalf("%s: %v", doc, err)
				}
				again := []byte(`{"default":[` + string(data) + `]}`)
				back, err := ParsePolicy(again)
				if err != nil {
					t.Fatalf("%s: marshalled as %s, which does not parse: %v", doc, data, err)
				}
				if !reflect.DeepEqual(back.Default[0].Sigstore, r.Sigstore) {
					t.Errorf("%s: marshalled as %s, read back as %#v, want %#v", doc, data, back.Default[0].Sigstore, r.Sigstore)
				}
				compareWithLibrary(t, again)
			}
		}
	}
	if seen < 30 {
		t.Fatalf("only %d sigstoreSigned requirements checked", seen)
	}
}

func allRequirements(p *Policy) []Requirements {
	all := []Requirements{p.Default}
	for _, scopes := range p.Transports {
		for _, reqs := range scopes {
			all = append(all, reqs)
		}
	}
	return all
}

// TestSigstoreRequirementJSONIsUnambiguous: values that differ only in
// their source's spelling, or in a value the parser never produces, marshal
// differently; values without a required source do not marshal.
func TestSigstoreRequirementJSONIsUnambiguous(t *testing.T) {
	id := Identity{Type: MatchRepository}
	distinct := []SigstoreRoot{
		PublicKeyRoot{Keys: PEMPath("YQ==")},
		PublicKeyRoot{Keys: PEMData("a")},
		PublicKeyRoot{Keys: PEMPaths{"YQ=="}},
		PublicKeyRoot{Keys: PEMDatas{[]byte("a")}},
		PublicKeyRoot{Keys: PEMDatas{}},
		PublicKeyRoot{Keys: PEMData{}},
		PublicKeyRoot{Keys: PEMPath("")},
		PublicKeyRoot{Keys: PEMPath("YQ=="), Rekor: PEMData("a")},
		PublicKeyRoot{Keys: PEMPath("YQ=="), Rekor: PEMPath("YQ==")},
		FulcioRoot{CA: PEMPath("YQ=="), OIDCIssuer: "i", SubjectEmail: "e", Rekor: PEMPath("YQ==")},
		FulcioRoot{CA: PEMData("a"), OIDCIssuer: "i", SubjectEmail: "e", Rekor: PEMPath("YQ==")},
		FulcioRoot{CA: PEMData("a"), OIDCIssuer: "", SubjectEmail: "e", Rekor: PEMPath("YQ==")},
		PKIRoot{CARoots: PEMPath("YQ=="), SubjectEmail: "e"},
		PKIRoot{CARoots: PEMData("a"), SubjectEmail: "e"},
		PKIRoot{CARoots: PEMData("a"), CAIntermediates: PEMData("a"), SubjectEmail: "e"},
		PKIRoot{CARoots: PEMData("a"), CAIntermediates: PEMPath("YQ=="), SubjectEmail: "e"},
		PKIRoot{CARoots: PEMData("a"), SubjectHostname: "e"},
	}
	seen := map[string]int{}
	for i, root := range distinct {
		data, err := json.Marshal(&SigstoreRequirement{Root: root, SignedIdentity: id})
		if err != nil {
			t.Fatalf("%#v: %v", root, err)
		}
		if j, ok := seen[string(data)]; ok {
			t.Errorf("%#v and %#v both marshal as %s", distinct[j], root, data)
		}
		seen[string(data)] = i
	}
	a, _ := json.Marshal(SigstoreRequirement{Root: PublicKeyRoot{Keys: PEMPath("/k")}, SignedIdentity: Identity{Type: ExactRepository, DockerRepository: "quay.io/a"}})
	b, _ := json.Marshal(SigstoreRequirement{Root: PublicKeyRoot{Keys: PEMPath("/k")}, SignedIdentity: Identity{Type: ExactRepository, DockerRepository: "quay.io/b"}})
	if string(a) == string(b) {
		t.Errorf("different identities marshal alike: %s", a)
	}

	for _, root := range []SigstoreRoot{
		nil,
		&PublicKeyRoot{Keys: PEMPath("/k")},
		PublicKeyRoot{Rekor: PEMPath("/r")},
		FulcioRoot{CA: PEMPath("/ca"), OIDCIssuer: "i", SubjectEmail: "e"},
		FulcioRoot{OIDCIssuer: "i", SubjectEmail: "e", Rekor: PEMPath("/r")},
		PKIRoot{SubjectEmail: "e"},
	} {
		if data, err := json.Marshal(SigstoreRequirement{Root: root, SignedIdentity: id}); err == nil || !strings.Contains(err.Error(), "without") {
			t.Errorf("%#v marshalled as %s, error %v", root, data, err)
		}
	}
}
