#!/usr/bin/env bash
# make demo: render the product documentation's example policies, then start
# the embedded fixture registry and decide a few pulls as CRI-O would,
# allowed and denied, each with its explanation.
set -euo pipefail
bin=${BIN:-bin/sigpolicy}
work=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step sigpolicy validate -f examples/
"$bin" validate -f examples/
step sigpolicy render -f examples/ -o rendered
"$bin" render -f examples/ -o rendered
for f in $(find rendered -type f | sort); do printf -- '--- %s\n' "$f"; cat "$f"; echo; done

scenarios=key-tagged,key-untagged,key-unknown,key-tampered-payload,fulcio-rekor,fulcio-wrong-email,pki-intermediates-in-policy,pki-wrong-hostname,list-per-platform,audit-mirror
step sigpolicy fixtures serve --scenarios "$scenarios" --out "$work"
"$bin" fixtures serve --scenarios "$scenarios" --out "$work" >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 300); do
	grep -q '^serving' "$work/serve.log" 2>/dev/null && break
	kill -0 "$pid" 2>/dev/null || { cat "$work/serve.log"; exit 1; }
	sleep 0.1
done
registry=$(sed -n 's/^serving \([^ ]*\) until interrupted$/\1/p' "$work/serve.log")
[ -n "$registry" ] || { cat "$work/serve.log"; exit 1; }
echo "embedded registry at $registry; catalogue and policies in $work"

# verify IMAGE POLICY-FILE: show the decision; a denial is part of the demo.
verify() {
	step sigpolicy verify "$registry/scenarios/$1" -f "policies/$2"
	local code=0
	"$bin" verify "$registry/scenarios/$1" -f "$work/policies/$2" || code=$?
	echo "(exit code $code)"
}
verify key-tagged:v1 key-tagged-matchrepodigestorexact.yaml
verify key-untagged:v1 key-untagged-matchrepodigestorexact.yaml
verify key-untagged:v1 key-untagged-matchrepository.yaml
verify key-unknown:v1 key-unknown-matchrepository.yaml
verify key-tampered-payload:v1 key-tampered-payload-matchrepository.yaml
verify fulcio-rekor:v1 fulcio-rekor-matchrepository.yaml
verify fulcio-wrong-email:v1 fulcio-wrong-email-matchrepository.yaml
verify pki-intermediates-in-policy:v1 pki-intermediates-in-policy-matchrepository.yaml
verify pki-wrong-hostname:v1 pki-wrong-hostname-matchrepository.yaml
verify list-per-platform:v1 list-per-platform-matchrepository.yaml
step sigpolicy verify -o json "$registry/scenarios/key-tampered-payload:v1" -f policies/key-tampered-payload-matchrepository.yaml
"$bin" verify -o json "$registry/scenarios/key-tampered-payload:v1" -f "$work/policies/key-tampered-payload-matchrepository.yaml" || true

# simulate: the pulls of two namespaces' workloads before rollout, under the
# key-tagged cluster policy plus an ImagePolicy that only namespace "team" has.
sed -e 's/kind: ClusterImagePolicy/kind: ImagePolicy/' -e 's/^metadata:$/metadata:\n  namespace: team/' \
	"$work/policies/key-unknown-matchrepository.yaml" >"$work/team-imagepolicy.yaml"
cat >"$work/workloads.yaml" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: team}
spec:
  template:
    spec:
      initContainers: [{name: init, image: $registry/scenarios/key-tagged:v1}]
      containers: [{name: app, image: $registry/scenarios/key-unknown:v1}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: report, namespace: finance}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{name: job, image: $registry/scenarios/key-unknown:v1}]
YAML
step sigpolicy simulate -f policies/key-tagged-matchrepository.yaml -f team-imagepolicy.yaml --workload workloads.yaml
code=0
"$bin" simulate -f "$work/policies/key-tagged-matchrepository.yaml" -f "$work/team-imagepolicy.yaml" --workload "$work/workloads.yaml" || code=$?
echo "(exit code $code)"

# audit: before turning verification on in a mirrored cluster, every image its
# release image lists, pulled through the mirror as the cluster pulls them:
# one signature never reached the mirror, and the oc image mirror line fixes it.
release="$registry/audit/origin/ocp-release:4.99.0"
step sigpolicy audit -f policies/audit-mirror.yaml --registries-conf audit/registries.conf --release "$release" -o text
code=0
"$bin" audit -f "$work/policies/audit-mirror.yaml" --registries-conf "$work/audit/registries.conf" --release "$release" -o text || code=$?
echo "(exit code $code)"
