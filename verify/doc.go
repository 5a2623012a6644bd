// Package verify decides, for one image reference, what CRI-O and the
// containers image library would decide at pull time, and explains why.
//
// An Engine is compiled once from a parsed policy.json (package policy/node)
// and a registries.d configuration: every sigstoreSigned requirement's keys,
// certificates and identity rule are parsed at construction, so Verify does
// no parsing of trust material. An Engine is immutable and safe for
// concurrent use.
//
// Verify follows the library's order: normalise the reference (a bare name
// gets ":latest"), pick the most specific scope of the "docker" transport,
// then evaluate its requirements in order; every requirement must allow the
// image (the first denial ends the evaluation, as in the library). For
// sigstoreSigned requirements the image's manifest is resolved to a digest
// (the per-platform instance of a manifest list), its cosign attachments are
// read from the repository that served the image when registries.d enables
// use-sigstore-attachments for it, and the first accepted signature wins.
//
// The result is a Decision: a verdict, an Outcome that separates a policy
// denial from a failure to decide, and a trace (scope, requirements,
// signatures, checks with expected and actual values, network requests and
// stage timings). Verify returns an error only when nothing could be
// evaluated, such as an unparseable image reference.
package verify
