// Package trust compiles the trust roots of a sigstoreSigned requirement
// (public keys, Rekor keys, a Fulcio CA, a BYOPKI CA) once, and
// authenticates cosign signatures against them exactly as the containers
// image library (go.podman.io/image/v5/signature) does at pull time.
//
// Rules:
//   - Compile dispatches once on the requirement's root (node.PublicKeyRoot,
//     FulcioRoot or PKIRoot). Each root is one file here — publickeys.go,
//     fulcio.go, pki.go — with its compile function, its checks and its
//     fingerprint; a new root type is a node type with its parser, one such
//     file and one case in Compile. Compile reads every key and CA file the
//     root names and parses every PEM once, in the library's order. The
//     combinations the library refuses (two roots or sources, PKI with Rekor
//     keys) cannot be expressed, so nothing looks for them. It refuses what
//     the parser cannot know: an unreadable file, bad PEM, a non-ECDSA Rekor
//     key, a CA file without a certificate. For roots built in Go it also
//     refuses a missing root or required source (a Fulcio root without
//     Rekor keys among them), and a Fulcio root without issuer or email or a
//     PKI root without subject,
//     which would accept more than the library; an empty key list (which the
//     parser refuses too) trusts no key. A compile error means the
//     requirement cannot be evaluated; it is never turned into an allow.
//   - A compiled Sigstore is immutable and safe for concurrent use. It keeps
//     three internal memos: intermediate CA certificates that a full chain
//     verification already tied to a trusted root, so that later leaves
//     issued by the same intermediate verify only their own signature;
//     signing certificates (certificate and chain annotations, byte for
//     byte; at most 1024, emptied when full) whose whole verification
//     succeeded, reused at a later time only while every certificate the
//     chain verification could examine is in the same validity state (not
//     yet valid, valid, expired) as then, which makes crypto/x509 repeat the
//     same search; and SET annotations (by SHA-256; at most 1024, emptied
//     when full) whose parse succeeded, whose signature is still verified at
//     every use. The memos are used only where they are provably
//     equivalent to a full verification, failures are never remembered and
//     every failure is re-checked by a full verification, so they change
//     costs, never verdicts or messages.
//   - Authenticate checks one signature layer in the library's order: the
//     signature annotation must exist; with Rekor keys, the SET (RFC 8785
//     canonical JSON of its Payload, SHA-256, ECDSA under any Rekor key) must
//     record a hashedrekord 0.0.1 entry with this key or certificate (DER),
//     this signature and this payload's SHA-256 — with public keys, the first
//     configured key the SET names becomes the only candidate; Fulcio leaves
//     are verified with their chain annotation (minus its last certificate)
//     at the SET's integratedTime for code signing, then the OIDC issuer
//     (extension 1.3.6.1.4.1.57264.1.1 raw and/or .1.8 ASN.1, equal when both
//     are present) and the subject email; PKI leaves are verified at the time
//     given by the caller, then the subject email and/or hostname; finally the
//     payload signature (SHA-256; ECDSA, RSA PKCS#1 v1.5 or ed25519 by key
//     type). There is no SCT check, as in the library.
//   - Authenticate never looks inside the payload: the caller parses it only
//     after the signature verified.
//   - A rejection is a *Failure: a Check, a Reason for programs, expected and
//     actual values, and the library's own message.
package trust
