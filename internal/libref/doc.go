// Package libref is the reference oracle: it asks the containers image
// library (go.podman.io/image/v5/signature, the code CRI-O runs) whether an
// image may be pulled, through the library's own docker transport, so tests
// and benchmarks can compare sigpolicy's decisions with the real thing.
//
// Rules:
//   - A Node is a node's configuration written once, as the MCO leaves it on
//     disk: ROOT/etc/containers/policy.json, ROOT/etc/containers/registries.d
//     and ROOT/etc/containers/registries.conf (empty unless given: no mirrors). The host's
//     /etc/containers is never read, and there is no auth file.
//   - Node.AllowedInstance does what CRI-O's pull path does at every pull and
//     nothing else (cri-o internal/storage/image.go, pullImageImplementation
//     and prepareReference): signature.DefaultPolicy (NewPolicyFromFile of
//     the policy file), NewPolicyContext, a shallow copy of the
//     SystemContext with DockerInsecureSkipTLSVerify for loopback registries
//     (CRI-O always counts 127.0.0.0/8 as insecure), then what copy.Image
//     does before its policy check: open the image source, read the
//     top-level manifest (a manifest list's instance is then read by
//     digest) and IsRunningImageAllowed on the single image.
//   - Allowed, AllowedInstance and AllowedWith (every node file given,
//     registries.conf included) are one-shot conveniences for tests: they
//     write a Node into a temporary directory, decide, and remove it.
//   - The verdict is the library's: (true, nil) allowed; (false, err) denied,
//     with the library's own reason in err. Nothing is cached by this package
//     between pulls (the library itself caches registries.conf by path).
package libref
