// Package bench measures sigpolicy's pull decisions against the containers
// image library (go.podman.io/image/v5/signature through its docker
// transport, what CRI-O runs) and against the floor (the least work of a
// decision), on the same images, policies and registry in the same run.
//
// Run is the runner behind `sigpolicy bench` (docs/bench.md): Prepare
// serves or pushes fixture images; Run writes each policy file's node files
// once (policy.json, registries.d, registries.conf, as the MCO renders
// them), then decides every catalogue entry under every policy of its
// expectations on each side:
//   - engine: one long-lived verify.Engine per policy file, built from the
//     node files before the clock starts, sharing one registry client;
//   - fresh: per decision, what one `sigpolicy verify --root NODE IMAGE`
//     pays: an Engine built from the node files, a new registry client, one
//     decision;
//   - library: per decision, what CRI-O's pull path does (internal/libref):
//     read the policy file, open the image, IsRunningImageAllowed;
//   - floor: per decision, the same GETs on a bare HTTP client and the same
//     public-key operations on parsed keys (floor.go).
//
// Rules:
//   - everything that is not per-decision work (node files, engines, floor
//     plans, one read of every image) happens before any clock starts;
//   - each side's work is split into interleaved rounds, each round starting
//     with the next side, so that load from other processes weighs on all
//     sides alike; every ratio is reported over the whole run and as the
//     range of its per-round values;
//   - no decision cache: every decision reads the registry (the engine's
//     shared client keeps its digest cache and in-flight sharing, and the
//     requests that went on the wire are reported apart);
//   - every verdict of the deciding sides is checked against the
//     catalogue's, which is the library's: a benchmark is also a
//     differential check, and Report.Mismatches must be zero.
//
// The Go benchmarks beside it (`make bench`) measure single decisions per
// root of trust on the same sides, interleaved (BenchmarkDecisionRatio),
// plus cosign's verification and the decision cache; per signature,
// parsing and fetching benchmarks live beside the code they measure
// (verify, trust, policy/node, fetch). Results are recorded in
// docs/performance.md.
package bench
