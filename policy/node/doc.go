// Package node reads what a node enforces: containers-policy.json (parsed as
// strictly as the containers image library parses it), registries.d
// directories, and the scope resolution that picks the requirements for one
// image reference.
//
// # policy.json
//
// ParsePolicy accepts exactly what signature.NewPolicyFromBytes
// (go.podman.io/image/v5) accepts and refuses the rest with the library's
// error text, word for word (a *FormatError whose Reason classifies it):
//
//   - The input must be one JSON value. A syntax error anywhere is reported
//     first, with encoding/json's message, as the library validates the
//     whole document before decoding it.
//   - Every object is strict: a repeated key is "Duplicate key", a key the
//     schema does not know is "Unknown key", in document order.
//   - "default" is required; every requirement list is non-empty (null
//     counts as empty).
//   - A transport's scope keys are checked by the transport: docker accepts
//     any scope; atomic (the OpenShift transport, linked into CRI-O) wants
//     host[/namespace[/stream[:tag|@digest]]] or a parent of it; other
//     transports are checked when the program links them in, as the library
//     does. A refused scope is an "Unknown key". The "" scope is always valid.
//   - A requirement's "type" is found the way encoding/json fills a struct
//     (case-insensitive key, last string wins) and then the object is read
//     strictly, so {"Type":"reject"} is an unknown key "Type".
//   - sigstoreSigned: exactly one of keyPath, keyPaths, keyData, keyDatas,
//     fulcio and pki; at most one Rekor key source; fulcio requires a Rekor
//     key, pki forbids one; list sources must not be empty. Presence counts
//     by value: "keyPath": "" and "keyData": null are no key at all, while
//     "keyData": "" (or an array of byte values, which encoding/json accepts
//     for []byte) is one.
//
// A parsed sigstoreSigned requirement holds one root of trust, a
// PublicKeyRoot, FulcioRoot or PKIRoot, so the combinations above are
// excluded by its type: a root has only the fields its combination allows,
// and a KeySource or CertSource holds the one spelling present (PEMPath,
// PEMPaths, PEMData or PEMDatas). Values the types admit but the parser
// never produces (an empty list or path, a missing required source, an
// empty Fulcio issuer) are left to package trust. A requirement marshals
// back to its policy.json spelling.
//   - signedBy: one of keyPath, keyPaths and keyData, and a valid keyType.
//   - A missing signedIdentity means matchRepoDigestOrExact; a present one,
//     even null, must be a valid identity: exactReference needs a tag or
//     digest, exactRepository a valid repository, remapIdentity prefixes
//     that are a host[:port] or start with one.
//
// One deliberate difference: when an exact-fields object (remapIdentity)
// lacks several keys, the library names one picked at random; ParsePolicy
// names the first in schema order.
//
// # registries.d
//
// LoadRegistriesD merges every *.yaml file of a directory in name order; a
// "docker" scope or "default-docker" defined twice is an error naming both
// files, and a missing directory is an empty configuration. Settings are
// looked up field by field: the first scope of the walk below that sets the
// field decides, then default-docker. YAML type errors name this package's
// Go type where the library names its own.
//
// # Scope resolution
//
// Policy.Resolve walks, first hit wins and nothing is merged: the exact
// reference (name:tag, or name@digest; a name alone is name:latest), the
// repository, each parent namespace, host[:port], then *.domain wildcards
// built from the host without its port, most specific first (so a
// port-qualified host never falls back to the bare host, and a dot-less host
// has no wildcards), then the transport's "" scope, then "default".
// References are normalised by the caller the docker way
// (reference.ParseNormalizedNamed: "busybox" is docker.io/library/busybox).
package node
