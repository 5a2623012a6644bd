// Package bench holds sigpolicy's end-to-end benchmarks: whole pull
// decisions on the embedded fixture registry, measured against the
// containers image library (go.podman.io/image/v5/signature through its
// docker transport) on the same images, policies and registry in the same
// run. Per-signature, parsing and fetching benchmarks live beside the code
// they measure (verify, trust, policy/node, fetch); `make bench` runs them
// all. Results are recorded in docs/performance.md.
package bench
