package node

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.podman.io/image/v5/signature"

	"github.com/sigpolicy/sigpolicy/internal/manifest"
)

// compareWithLibrary parses data with ParsePolicy and with the library's
// signature.NewPolicyFromBytes and reports any difference in acceptance,
// error text or parsed content.
func compareWithLibrary(t *testing.T, data []byte) {
	t.Helper()
	ours, ourErr := ParsePolicy(data)
	lib, libErr := signature.NewPolicyFromBytes(data)
	switch {
	case ourErr == nil && libErr != nil:
		t.Fatalf("accepted; library refuses: %v\ninput: %s", libErr, data)
	case ourErr != nil && libErr == nil:
		t.Fatalf("refused: %v; library accepts\ninput: %s", ourErr, data)
	case ourErr != nil:
		var fe *FormatError
		if !errors.As(ourErr, &fe) {
			t.Fatalf("error %v is %T, want *FormatError", ourErr, ourErr)
		}
		if ourErr.Error() != libErr.Error() && !sameMissingKeyError(fe, libErr) {
			t.Fatalf("error text differs\n ours: %s\n  lib: %s\ninput: %s", ourErr, libErr, data)
		}
		return
	}
	rebuilt, err := toLibrary(ours)
	if err != nil {
		t.Fatalf("library constructors refuse our parse: %v\ninput: %s", err, data)
	}
	want, err := json.Marshal(lib)
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(rebuilt)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("parsed content differs\n ours: %s\n  lib: %s\ninput: %s", got, want, data)
	}
}

// sameMissingKeyError accepts the library's choice when several keys of an
// exact-fields object are missing: it names one picked by map iteration.
func sameMissingKeyError(ours *FormatError, lib error) bool {
	return ours.Reason == ReasonMissingKey && strings.HasPrefix(lib.Error(), `Key "`) && strings.HasSuffix(lib.Error(), `" missing in a JSON object`)
}

// policyCases are single-requirement policies and whole documents, valid and
// malformed, covering each rule of the library's parser.
var policyCases = []struct{ desc, json string }{
	// Document level.
	{"empty input", ``},
	{"white space only", "  \n"},
	{"not JSON", `nope`},
	{"top-level array", `[]`},
	{"top-level string", `"x"`},
	{"top-level null", `null`},
	{"top-level number", `12.50`},
	{"huge number top level", `1e999`},
	{"empty object", `{}`},
	{"default missing", `{"transports":{}}`},
	{"default null", `{"default":null}`},
	{"default empty", `{"default":[]}`},
	{"default object", `{"default":{}}`},
	{"default string", `{"default":"reject"}`},
	{"default number", `{"default":1}`},
	{"default bool", `{"default":true}`},
	{"minimal", `{"default":[{"type":"reject"}]}`},
	{"white space everywhere", " \t\r\n{ \"default\" : [ { \"type\" : \"insecureAcceptAnything\" } ] , \"transports\" : { } } \n"},
	{"duplicate default", `{"default":[{"type":"reject"}],"default":[{"type":"reject"}]}`},
	{"unknown top key", `{"default":[{"type":"reject"}],"extra":1}`},
	{"unknown key before default", `{"Default":[{"type":"reject"}]}`},
	{"trailing garbage", `{"default":[{"type":"reject"}]} x`},
	{"two documents", `{"default":[{"type":"reject"}]}{}`},
	{"trailing comma", `{"default":[{"type":"reject"}],}`},
	{"truncated", `{"default":[{"type":"reject"}]`},
	{"syntax error after semantic error", `{"default":[],"x":}`},
	{"control char in string", "{\"default\":[{\"type\":\"rej\x01ect\"}]}"},
	{"bad escape", `{"default":[{"type":"\q"}]}`},
	{"escaped key", `{"def\u0061ult":[{"type":"reject"}]}`},
	{"escaped duplicate key", `{"default":[{"type":"reject"}],"d\u0065fault":[{"type":"reject"}]}`},
	{"invalid utf-8 key", "{\"default\xff\":[{\"type\":\"reject\"}]}"},
	{"leading zero", `{"default":[{"type":"reject"}],"transports":01}`},
	{"BOM", "\xef\xbb\xbf{\"default\":[{\"type\":\"reject\"}]}"},
	{"deep nesting", `{"default":[{"type":"reject"}],"x":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`},
	{"transports null", `{"default":[{"type":"reject"}],"transports":null}`},
	{"transports array", `{"default":[{"type":"reject"}],"transports":[1]}`},
	{"transports string", `{"default":[{"type":"reject"}],"transports":"x\u00e9"}`},
	{"transports number", `{"default":[{"type":"reject"}],"transports":-1.5e3}`},
	{"transports true", `{"default":[{"type":"reject"}],"transports":true}`},
	{"transports huge number", `{"default":[{"type":"reject"}],"transports":1e999}`},
	{"transport null", `{"default":[{"type":"reject"}],"transports":{"docker":null}}`},
	{"duplicate transport", `{"default":[{"type":"reject"}],"transports":{"docker":{},"docker":{}}}`},
	{"scope list empty", `{"default":[{"type":"reject"}],"transports":{"docker":{"a.com":[]}}}`},
	{"duplicate scope", `{"default":[{"type":"reject"}],"transports":{"docker":{"a.com":[{"type":"reject"}],"a.com":[{"type":"reject"}]}}}`},
	{"empty scope", `{"default":[{"type":"reject"}],"transports":{"docker":{"":[{"type":"reject"}]}}}`},
	{"unknown transport any scope", `{"default":[{"type":"reject"}],"transports":{"nosuch":{"///":[{"type":"reject"}]}}}`},
	{"docker odd scope", `{"default":[{"type":"reject"}],"transports":{"docker":{"UPPER/::x":[{"type":"reject"}]}}}`},
	{"after transports", `{"transports":{"docker":{"a":[{"type":"reject"}]}},"default":[{"type":"insecureAcceptAnything"}]}`},

	// Requirement elements.
	{"requirement null", `{"default":[null]}`},
	{"requirement string", `{"default":["x"]}`},
	{"requirement array", `{"default":[[1]]}`},
	{"requirement number", `{"default":[1]}`},
	{"requirement bool", `{"default":[false]}`},
	{"type missing", `{"default":[{}]}`},
	{"type number", `{"default":[{"type":1}]}`},
	{"type object", `{"default":[{"type":{}}]}`},
	{"type null", `{"default":[{"type":null}]}`},
	{"type unknown", `{"default":[{"type":"x"}]}`},
	{"type case-folded", `{"default":[{"Type":"reject"}]}`},
	{"type upper and exact", `{"default":[{"TYPE":"x","type":"reject"}]}`},
	{"type twice, last unknown", `{"default":[{"type":"reject","type":"x"}]}`},
	{"type twice", `{"default":[{"type":"reject","type":"reject"}]}`},
	{"type null after", `{"default":[{"type":"reject","TYPE":null}]}`},
	{"type number after string", `{"default":[{"type":"reject","tYpe":2}]}`},
	{"type escaped", `{"default":[{"typ\u0065":"r\u0065ject"}]}`},
	{"type long s", `{"default":[{"ſype":"reject"}]}`},
	{"reject extra key", `{"default":[{"type":"reject","x":1}]}`},
	{"accept anything", `{"default":[{"type":"insecureAcceptAnything"}]}`},
	{"two requirements", `{"default":[{"type":"insecureAcceptAnything"},{"type":"reject"}]}`},
	{"second requirement bad", `{"default":[{"type":"reject"},{"type":"y"}]}`},

	// signedBy.
	{"signedBy keyPath", `{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/k"}]}`},
	{"signedBy keyPaths", `{"default":[{"type":"signedBy","keyType":"signedByGPGKeys","keyPaths":["/a","/b"]}]}`},
	{"signedBy keyPaths empty", `{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPaths":[]}]}`},
	{"signedBy keyPaths null", `{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPaths":null}]}`},
	{"signedBy keyPaths string", `{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPaths":"x"}]}`},
	{"signedBy keyPaths number element", `{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPaths":[1]}]}`},
	{"signedBy keyPaths null element", `{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPaths":[null]}]}`},
	{"signedBy keyData", `{"default":[{"type":"signedBy","keyType":"X509Certificates","keyData":"aGVsbG8="}]}`},
	{"signedBy keyData bad base64", `{"default":[{"type":"signedBy","keyType":"GPGKeys","keyData":"a!b"}]}`},
	{"signedBy keyData short base64", `{"default":[{"type":"signedBy","keyType":"GPGKeys","keyData":"aGVsbG8"}]}`},
	{"signedBy keyData escaped newline", `{"default":[{"type":"signedBy","keyType":"GPGKeys","keyData":"aGVs\nbG8="}]}`},
	{"signedBy keyData unicode", `{"default":[{"type":"signedBy","keyType":"GPGKeys","keyData":"aGVsé"}]}`},
	{"signedBy keyData number", `{"default":[{"type":"signedBy","keyType":"GPGKeys","keyData":1}]}`},
	{"signedBy keyData byte array", `{"default":[{"type":"signedBy","keyType":"GPGKeys","keyData":[104,105]}]}`},
	{"signedBy keyData byte overflow", `{"default":[{"type":"signedBy","keyType":"GPGKeys","keyData":[256]}]}`},
	{"signedBy keyData negative", `{"default":[{"type":"signedBy","keyType":"GPGKeys","keyData":[-1]}]}`},
	{"signedBy keyData empty", `{"default":[{"type":"signedBy","keyType":"GPGKeys","keyData":""}]}`},
	{"signedBy keyData null", `{"default":[{"type":"signedBy","keyType":"GPGKeys","keyData":null}]}`},
	{"signedBy keyPath empty", `{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":""}]}`},
	{"signedBy keyPath null", `{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":null}]}`},
	{"signedBy keyPath number", `{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":7}]}`},
	{"signedBy no key", `{"default":[{"type":"signedBy","keyType":"GPGKeys"}]}`},
	{"signedBy two keys", `{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/a","keyData":"YQ=="}]}`},
	{"signedBy no keyType", `{"default":[{"type":"signedBy","keyPath":"/a"}]}`},
	{"signedBy keyType bad", `{"default":[{"type":"signedBy","keyType":"bad","keyPath":"/a"}]}`},
	{"signedBy keyType null", `{"default":[{"type":"signedBy","keyType":null,"keyPath":"/a"}]}`},
	{"signedBy keyType number", `{"default":[{"type":"signedBy","keyType":1,"keyPath":"/a"}]}`},
	{"signedBy unknown key", `{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/a","x":1}]}`},
	{"signedBy duplicate keyPath", `{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/a","keyPath":"/b"}]}`},
	{"signedBy identity", `{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/a","signedIdentity":{"type":"matchExact"}}]}`},
	{"signedBy identity before bad key count", `{"default":[{"type":"signedBy","keyType":"GPGKeys","signedIdentity":{"type":"bad"}}]}`},
	{"signedBy no key, bad keyType", `{"default":[{"type":"signedBy","keyType":"x"}]}`},
	{"signedBy no key, no keyType", `{"default":[{"type":"signedBy"}]}`},

	// signedBaseLayer.
	{"signedBaseLayer", `{"default":[{"type":"signedBaseLayer","baseLayerIdentity":{"type":"matchRepository"}}]}`},
	{"signedBaseLayer missing identity", `{"default":[{"type":"signedBaseLayer"}]}`},
	{"signedBaseLayer null identity", `{"default":[{"type":"signedBaseLayer","baseLayerIdentity":null}]}`},
	{"signedBaseLayer bad identity", `{"default":[{"type":"signedBaseLayer","baseLayerIdentity":{"type":"exactReference","dockerReference":"x"}}]}`},
	{"signedBaseLayer extra", `{"default":[{"type":"signedBaseLayer","baseLayerIdentity":{"type":"matchExact"},"x":1}]}`},

	// sigstoreSigned keys.
	{"sigstore keyPath", `{"default":[{"type":"sigstoreSigned","keyPath":"/k.pub"}]}`},
	{"sigstore keyPaths", `{"default":[{"type":"sigstoreSigned","keyPaths":["/a","/b"]}]}`},
	{"sigstore keyPaths empty", `{"default":[{"type":"sigstoreSigned","keyPaths":[]}]}`},
	{"sigstore keyPaths null", `{"default":[{"type":"sigstoreSigned","keyPaths":null}]}`},
	{"sigstore keyData", `{"default":[{"type":"sigstoreSigned","keyData":"a2V5"}]}`},
	{"sigstore keyData empty", `{"default":[{"type":"sigstoreSigned","keyData":""}]}`},
	{"sigstore keyData null", `{"default":[{"type":"sigstoreSigned","keyData":null}]}`},
	{"sigstore keyDatas", `{"default":[{"type":"sigstoreSigned","keyDatas":["YQ==","Yg=="]}]}`},
	{"sigstore keyDatas empty", `{"default":[{"type":"sigstoreSigned","keyDatas":[]}]}`},
	{"sigstore keyDatas nested bytes", `{"default":[{"type":"sigstoreSigned","keyDatas":[[1,2]]}]}`},
	{"sigstore keyDatas float", `{"default":[{"type":"sigstoreSigned","keyDatas":[[1.5]]}]}`},
	{"sigstore keyDatas bad base64", `{"default":[{"type":"sigstoreSigned","keyDatas":["***"]}]}`},
	{"sigstore keyPath empty", `{"default":[{"type":"sigstoreSigned","keyPath":""}]}`},
	{"sigstore no key", `{"default":[{"type":"sigstoreSigned"}]}`},
	{"sigstore two keys", `{"default":[{"type":"sigstoreSigned","keyPath":"/a","keyData":"YQ=="}]}`},
	{"sigstore keyPath and empty keyPaths", `{"default":[{"type":"sigstoreSigned","keyPath":"/a","keyPaths":[]}]}`},
	{"sigstore rekor data", `{"default":[{"type":"sigstoreSigned","keyData":"YQ==","rekorPublicKeyData":"Yg=="}]}`},
	{"sigstore rekor path", `{"default":[{"type":"sigstoreSigned","keyData":"YQ==","rekorPublicKeyPath":"/r"}]}`},
	{"sigstore rekor paths", `{"default":[{"type":"sigstoreSigned","keyData":"YQ==","rekorPublicKeyPaths":["/r"]}]}`},
	{"sigstore rekor datas", `{"default":[{"type":"sigstoreSigned","keyData":"YQ==","rekorPublicKeyDatas":["Yg=="]}]}`},
	{"sigstore rekor paths empty", `{"default":[{"type":"sigstoreSigned","keyData":"YQ==","rekorPublicKeyPaths":[]}]}`},
	{"sigstore rekor datas empty", `{"default":[{"type":"sigstoreSigned","keyData":"YQ==","rekorPublicKeyDatas":[]}]}`},
	{"sigstore two rekor", `{"default":[{"type":"sigstoreSigned","keyData":"YQ==","rekorPublicKeyPath":"/r","rekorPublicKeyData":"Yg=="}]}`},
	{"sigstore rekor path empty", `{"default":[{"type":"sigstoreSigned","keyData":"YQ==","rekorPublicKeyPath":""}]}`},
	{"sigstore unknown key", `{"default":[{"type":"sigstoreSigned","keyData":"YQ==","rekorPublicKey":"x"}]}`},
	{"sigstore duplicate keyData", `{"default":[{"type":"sigstoreSigned","keyData":"YQ==","keyData":"YQ=="}]}`},
	{"sigstore empty lists order", `{"default":[{"type":"sigstoreSigned","rekorPublicKeyDatas":[],"keyDatas":[]}]}`},

	// sigstoreSigned fulcio.
	{"fulcio", `{"default":[{"type":"sigstoreSigned","fulcio":{"caPath":"/ca","oidcIssuer":"https://i","subjectEmail":"a@b"},"rekorPublicKeyPath":"/r"}]}`},
	{"fulcio caData", `{"default":[{"type":"sigstoreSigned","fulcio":{"caData":"Y2E=","oidcIssuer":"https://i","subjectEmail":"a@b"},"rekorPublicKeyData":"cg=="}]}`},
	{"fulcio without rekor", `{"default":[{"type":"sigstoreSigned","fulcio":{"caPath":"/ca","oidcIssuer":"https://i","subjectEmail":"a@b"}}]}`},
	{"fulcio and key", `{"default":[{"type":"sigstoreSigned","keyPath":"/k","fulcio":{"caPath":"/ca","oidcIssuer":"https://i","subjectEmail":"a@b"},"rekorPublicKeyPath":"/r"}]}`},
	{"fulcio null", `{"default":[{"type":"sigstoreSigned","fulcio":null,"rekorPublicKeyPath":"/r"}]}`},
	{"fulcio array", `{"default":[{"type":"sigstoreSigned","fulcio":[],"rekorPublicKeyPath":"/r"}]}`},
	{"fulcio empty", `{"default":[{"type":"sigstoreSigned","fulcio":{},"rekorPublicKeyPath":"/r"}]}`},
	{"fulcio both ca", `{"default":[{"type":"sigstoreSigned","fulcio":{"caPath":"/ca","caData":"YQ==","oidcIssuer":"i","subjectEmail":"e"},"rekorPublicKeyPath":"/r"}]}`},
	{"fulcio no issuer", `{"default":[{"type":"sigstoreSigned","fulcio":{"caPath":"/ca","subjectEmail":"e"},"rekorPublicKeyPath":"/r"}]}`},
	{"fulcio no email", `{"default":[{"type":"sigstoreSigned","fulcio":{"caPath":"/ca","oidcIssuer":"i"},"rekorPublicKeyPath":"/r"}]}`},
	{"fulcio unknown key", `{"default":[{"type":"sigstoreSigned","fulcio":{"caPath":"/ca","oidcIssuer":"i","subjectEmail":"e","x":1},"rekorPublicKeyPath":"/r"}]}`},
	{"fulcio duplicate key", `{"default":[{"type":"sigstoreSigned","fulcio":{"caPath":"/ca","caPath":"/ca"},"rekorPublicKeyPath":"/r"}]}`},
	{"fulcio caData bad", `{"default":[{"type":"sigstoreSigned","fulcio":{"caData":"!"},"rekorPublicKeyPath":"/r"}]}`},
	{"fulcio error before later key", `{"default":[{"type":"sigstoreSigned","fulcio":{},"x":1}]}`},

	// sigstoreSigned pki.
	{"pki", `{"default":[{"type":"sigstoreSigned","pki":{"caRootsPath":"/r","subjectEmail":"a@b"}}]}`},
	{"pki full", `{"default":[{"type":"sigstoreSigned","pki":{"caRootsData":"cg==","caIntermediatesData":"aQ==","subjectEmail":"a@b","subjectHostname":"h.example.com"}}]}`},
	{"pki with rekor", `{"default":[{"type":"sigstoreSigned","pki":{"caRootsPath":"/r","subjectEmail":"a@b"},"rekorPublicKeyPath":"/k"}]}`},
	{"pki no roots", `{"default":[{"type":"sigstoreSigned","pki":{"subjectEmail":"a@b"}}]}`},
	{"pki both roots", `{"default":[{"type":"sigstoreSigned","pki":{"caRootsPath":"/r","caRootsData":"YQ==","subjectEmail":"a@b"}}]}`},
	{"pki both intermediates", `{"default":[{"type":"sigstoreSigned","pki":{"caRootsPath":"/r","caIntermediatesPath":"/i","caIntermediatesData":"YQ==","subjectEmail":"a@b"}}]}`},
	{"pki no subject", `{"default":[{"type":"sigstoreSigned","pki":{"caRootsPath":"/r"}}]}`},
	{"pki hostname only", `{"default":[{"type":"sigstoreSigned","pki":{"caRootsPath":"/r","subjectHostname":"h"}}]}`},
	{"pki string", `{"default":[{"type":"sigstoreSigned","pki":"x"}]}`},
	{"pki and fulcio", `{"default":[{"type":"sigstoreSigned","pki":{"caRootsPath":"/r","subjectEmail":"e"},"fulcio":{"caPath":"/ca","oidcIssuer":"i","subjectEmail":"e"}}]}`},

	// signedIdentity.
	{"identity null", `{"default":[{"type":"sigstoreSigned","keyPath":"/k","signedIdentity":null}]}`},
	{"identity string", `{"default":[{"type":"sigstoreSigned","keyPath":"/k","signedIdentity":"x"}]}`},
	{"identity array", `{"default":[{"type":"sigstoreSigned","keyPath":"/k","signedIdentity":[]}]}`},
	{"identity empty", `{"default":[{"type":"sigstoreSigned","keyPath":"/k","signedIdentity":{}}]}`},
	{"identity type number", `{"default":[{"type":"sigstoreSigned","keyPath":"/k","signedIdentity":{"type":3}}]}`},
	{"identity unknown", `{"default":[{"type":"sigstoreSigned","keyPath":"/k","signedIdentity":{"type":"x"}}]}`},
	{"identity case-folded", `{"default":[{"type":"sigstoreSigned","keyPath":"/k","signedIdentity":{"TYPE":"matchExact"}}]}`},
	{"matchExact", `{"default":[{"type":"sigstoreSigned","keyPath":"/k","signedIdentity":{"type":"matchExact"}}]}`},
	{"matchRepoDigestOrExact", `{"default":[{"type":"sigstoreSigned","keyPath":"/k","signedIdentity":{"type":"matchRepoDigestOrExact"}}]}`},
	{"matchRepository", `{"default":[{"type":"sigstoreSigned","keyPath":"/k","signedIdentity":{"type":"matchRepository"}}]}`},
	{"matchRepository extra", `{"default":[{"type":"sigstoreSigned","keyPath":"/k","signedIdentity":{"type":"matchRepository","x":1}}]}`},
	{"exactReference", `{"default":[{"type":"sigstoreSigned","keyPath":"/k","signedIdentity":{"type":"exactReference","dockerReference":"quay.io/a/b:v1"}}]}`},
	{"exactReference digest", `{"default":[{"type":"sigstoreSigned","keyPath":"/k","signedIdentity":{"type":"exactReference","dockerReference":"busybox@sha256:0123456789012345678901234567890123456789012345678901234567890123"}}]}`},
	{"exactReference name only", `{"default":[{"type":"sigstoreSigned","keyPath":"/k","signedIdentity":{"type":"exactReference","dockerReference":"quay.io/a/b"}}]}`},
	{"exactReference invalid", `{"default":[{"type":"sigstoreSigned","keyPath":"/k","signedIdentity":{"type":"exactReference","dockerReference":"UPPER/x:1"}}]}`},
	{"exactReference missing", `{"default":[{"type":"sigstoreSigned","keyPath":"/k","signedIdentity":{"type":"exactReference"}}]}`},
	{"exactReference number", `{"default":[{"type":"sigstoreSigned","keyPath":"/k","signedIdentity":{"type":"exactReference","dockerReference":1}}]}`},
	{"exactReference null", `{"default":[{"type":"sigstoreSigned","keyPath":"/k","signedIdentity":{"type":"exactReference","dockerReference":null}}]}`},
	{"exactRepository", `{"default":[{"type":"sigstoreSigned","keyPath":"/k","signedIdentity":{"type":"exactRepository","dockerRepository":"quay.io/a/b"}}]}`},
	{"exactRepository short", `{"default":[{"type":"sigstoreSigned","keyPath":"/k","signedIdentity":{"type":"exactRepository","dockerRepository":"busybox"}}]}`},
	{"exactRepository invalid", `{"default":[{"type":"sigstoreSigned","keyPath":"/k","signedIdentity":{"type":"exactRepository","dockerRepository":"a//b"}}]}`},
	{"exactRepository empty", `{"default":[{"type":"sigstoreSigned","keyPath":"/k","signedIdentity":{"type":"exactRepository","dockerRepository":""}}]}`},
	{"remapIdentity", `{"default":[{"type":"sigstoreSigned","keyPath":"/k","signedIdentity":{"type":"remapIdentity","prefix":"mirror.example.com/ns","signedPrefix":"quay.io"}}]}`},
	{"remapIdentity port", `{"default":[{"type":"sigstoreSigned","keyPath":"/k","signedIdentity":{"type":"remapIdentity","prefix":"localhost:5000","signedPrefix":"quay.io/x"}}]}`},
	{"remapIdentity short name", `{"default":[{"type":"sigstoreSigned","keyPath":"/k","signedIdentity":{"type":"remapIdentity","prefix":"busybox/x","signedPrefix":"quay.io"}}]}`},
	{"remapIdentity bad prefix", `{"default":[{"type":"sigstoreSigned","keyPath":"/k","signedIdentity":{"type":"remapIdentity","prefix":"quay.io/","signedPrefix":"quay.io"}}]}`},
	{"remapIdentity bad signedPrefix", `{"default":[{"type":"sigstoreSigned","keyPath":"/k","signedIdentity":{"type":"remapIdentity","prefix":"quay.io","signedPrefix":"Q!"}}]}`},
	{"remapIdentity missing signedPrefix", `{"default":[{"type":"sigstoreSigned","keyPath":"/k","signedIdentity":{"type":"remapIdentity","prefix":"quay.io"}}]}`},
	{"remapIdentity missing both", `{"default":[{"type":"sigstoreSigned","keyPath":"/k","signedIdentity":{"type":"remapIdentity"}}]}`},
	{"remapIdentity tag in prefix", `{"default":[{"type":"sigstoreSigned","keyPath":"/k","signedIdentity":{"type":"remapIdentity","prefix":"quay.io/a:tag","signedPrefix":"quay.io"}}]}`},

	// Presence by value versus by key.
	{"sigstore empty keyPath beside keyData", `{"default":[{"type":"sigstoreSigned","keyPath":"","keyData":"YQ=="}]}`},
	{"sigstore null keyData beside keyPath", `{"default":[{"type":"sigstoreSigned","keyPath":"/k","keyData":null}]}`},
	{"sigstore empty rekor path beside rekor data", `{"default":[{"type":"sigstoreSigned","keyPath":"/k","rekorPublicKeyPath":"","rekorPublicKeyData":"YQ=="}]}`},
	{"signedBy empty keyPath beside keyData", `{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"","keyData":"YQ=="}]}`},
	{"fulcio empty caPath beside caData", `{"default":[{"type":"sigstoreSigned","fulcio":{"caPath":"","caData":"YQ==","oidcIssuer":"i","subjectEmail":"e"},"rekorPublicKeyPath":"/r"}]}`},
	{"huge number requirement", `{"default":[1e999]}`},
	{"huge number identity", `{"default":[{"type":"sigstoreSigned","keyPath":"/k","signedIdentity":-1e999}]}`},
	{"huge number in keyData array", `{"default":[{"type":"sigstoreSigned","keyData":[1e999]}]}`},
	{"escaped slash in keyData", `{"default":[{"type":"sigstoreSigned","keyData":"YQ=="}]}`},
	{"scope key escaped", `{"default":[{"type":"reject"}],"transports":{"docker":{"quay.io\/ns":[{"type":"reject"}],"quay.io/ns":[{"type":"reject"}]}}}`},

	// atomic scopes (the openshift transport's own test table).
	{"atomic valid scopes", `{"default":[{"type":"reject"}],"transports":{"atomic":{"registry.example.com/ns/stream@sha256:0123456789012345678901234567890123456789012345678901234567890123":[{"type":"reject"}],"registry.example.com/ns/stream:notlatest":[{"type":"reject"}],"registry.example.com/ns/stream":[{"type":"reject"}],"registry.example.com/ns":[{"type":"reject"}],"registry.example.com":[{"type":"reject"}],"*.example.com":[{"type":"reject"}],"*.com":[{"type":"reject"}]}}}`},
}

// atomicRefused are the openshift transport test's refused scopes: the
// library (with that transport linked in, as on a node) reports them as
// unknown keys.
var atomicRefused = []string{"registry.example.com/too/deep/hierarchy", "registry.example.com/ns/stream:tag1:tag2"}

func TestParsePolicyMatchesLibrary(t *testing.T) {
	for _, tc := range policyCases {
		t.Run(tc.desc, func(t *testing.T) {
			compareWithLibrary(t, []byte(tc.json))
		})
	}
}

func TestParsePolicyAtomicScopes(t *testing.T) {
	for _, scope := range atomicRefused {
		data := `{"default":[{"type":"reject"}],"transports":{"atomic":{"` + scope + `":[{"type":"reject"}]}}}`
		_, err := ParsePolicy([]byte(data))
		want := `Unknown key "` + scope + `"`
		if err == nil || err.Error() != want {
			t.Errorf("scope %q: got %v, want %s", scope, err, want)
		}
	}
}

func TestParsePolicyConformanceFile(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "containers-image", "policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	compareWithLibrary(t, data)
	p, err := ParsePolicy(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Transports["docker"]) == 0 {
		t.Fatalf("no docker scopes parsed from the conformance policy")
	}
}

func TestParsePolicyDefaults(t *testing.T) {
	p, err := ParsePolicy([]byte(`{"default":[{"type":"sigstoreSigned","keyData":"YQ=="}]}`))
	if err != nil {
		t.Fatal(err)
	}
	got := p.Default[0].Sigstore.SignedIdentity
	if got != (Identity{Type: MatchRepoDigestOrExact}) {
		t.Errorf("missing signedIdentity gave %+v, want matchRepoDigestOrExact", got)
	}
	if keys := p.Default[0].Sigstore.Root.(PublicKeyRoot).Keys; string(keys.(PEMData)) != "a" {
		t.Errorf("keyData decoded to %#v, want PEMData %q", keys, "a")
	}
	if p.Transports == nil || len(p.Transports) != 0 {
		t.Errorf("absent transports gave %#v, want an empty map", p.Transports)
	}
}

func TestParsePolicyErrorReasons(t *testing.T) {
	for _, tc := range []struct {
		desc, json string
		want       Reason
	}{
		{"syntax", `{`, ReasonSyntax},
		{"type", `{"default":"x"}`, ReasonType},
		{"duplicate", `{"default":[{"type":"reject"}],"default":[]}`, ReasonDuplicateKey},
		{"unknown", `{"x":1}`, ReasonUnknownKey},
		{"missing", `{}`, ReasonMissingKey},
		{"missing field", `{"default":[{"type":"signedBaseLayer"}]}`, ReasonMissingKey},
		{"invalid", `{"default":[]}`, ReasonInvalid},
	} {
		_, err := ParsePolicy([]byte(tc.json))
		var fe *FormatError
		if !errors.As(err, &fe) || fe.Reason != tc.want {
			t.Errorf("%s: got %#v, want reason %s", tc.desc, err, tc.want)
		}
	}
}

func TestLoadPolicy(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"default":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadPolicy(bad)
	_, libErr := signature.NewPolicyFromFile(bad)
	if err == nil || libErr == nil || err.Error() != libErr.Error() {
		t.Errorf("LoadPolicy error %v, library %v", err, libErr)
	}
	if _, err := LoadPolicy(filepath.Join(dir, "absent.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: got %v, want os.ErrNotExist", err)
	}
	if _, err := LoadPolicy(filepath.Join("testdata", "containers-image", "policy.json")); err != nil {
		t.Errorf("conformance policy: %v", err)
	}
}

func TestLoadPolicyIsCapped(t *testing.T) {
	if MaxPolicyBytes != manifest.MaxBytes {
		t.Errorf("MaxPolicyBytes = %d, want the cap of every other input, %d", MaxPolicyBytes, manifest.MaxBytes)
	}
	path := filepath.Join(t.TempDir(), "policy.json")
	big := append([]byte(`{"default":[{"type":"insecureAcceptAnything"}],"x":"`), bytes.Repeat([]byte("A"), MaxPolicyBytes)...)
	if err := os.WriteFile(path, append(big, `"}`...), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadPolicy(path)
	if err == nil || !strings.Contains(err.Error(), "larger than") || len(err.Error()) > 1024 {
		t.Fatalf("LoadPolicy of %d bytes: %.200v; want a short refusal", len(big), err)
	}
}
