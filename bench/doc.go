// Package bench measures sigpolicy's pull decisions against the containers
// image library (go.podman.io/image/v5/signature through its docker
// transport, what CRI-O runs) on the same images, policies and registry in
// the same run.
//
// Run is the runner behind `sigpolicy bench` (docs/bench.md): Prepare
// serves or pushes fixture images, Run decides every catalogue entry under
// every policy of its expectations with one compiled verify.Engine per
// policy file sharing one registry client, then the same decisions through
// the library, with the same concurrency, and reports latency percentiles,
// throughput and their ratio. Rules:
//   - engines are compiled and policies rendered before the clock starts;
//     the library side pays what CRI-O pays at every pull (parse
//     policy.json, open the image, IsRunningImageAllowed);
//   - no decision cache: every decision reads the registry (the shared
//     client's digest cache and in-flight sharing stay on, and the requests
//     that went on the wire are reported apart);
//   - every verdict of either side is checked against the catalogue's, which
//     is the library's: a benchmark is also a differential check, and
//     Report.Mismatches must be zero.
//
// The Go benchmarks beside it (`make bench`) measure single decisions per
// root of trust, the decision cache and cosign's verification; per
// signature, parsing and fetching benchmarks live beside the code they
// measure (verify, trust, policy/node, fetch). Results are recorded in
// docs/performance.md.
package bench
