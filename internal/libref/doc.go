// Package libref is the reference oracle: it asks the containers image
// library (go.podman.io/image/v5/signature, the code CRI-O runs) whether an
// image may be pulled, through the library's own docker transport, so tests
// and benchmarks can compare sigpolicy's decisions with the real thing.
//
// Rules:
//   - Inputs are in-memory: the policy.json bytes, the registries.d files
//     (file name → YAML) and registries.conf (empty unless given) are
//     written to a private temporary directory for the call and removed
//     afterwards; the host's /etc/containers is never read (no auth file).
//   - Registries are reached with TLS verification off, so the library falls
//     back to plain HTTP on loopback registries, as it does for insecure ones.
//   - The verdict is the library's: (true, nil) allowed; (false, err) denied,
//     with the library's own reason in err. There is no caching: each call
//     re-reads everything, exactly as the library does at every pull.
package libref
