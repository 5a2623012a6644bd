#!/usr/bin/env bash
# make demo: decide image pulls as CRI-O would, with the reasons, on the
# embedded fixture registry; then what the MCO renders, a mirrored cluster
# whose mirror lacks a signature, and the audit that finds it and fixes it.
set -euo pipefail
bin=${BIN:-bin/sigpolicy}
. "$(dirname "$0")/lib.sh"

bold=$'\033[1m' dim=$'\033[2m' off=$'\033[0m'
[ -t 1 ] || bold='' dim='' off=''
section() { printf '\n%s== %s ==%s\n' "$bold" "$*" "$off"; }
say() { printf '%s# %s%s\n' "$dim" "$*" "$off"; }
step() { printf '%s$ %s%s\n' "$bold" "$*" "$off"; }
# run CMD...: show the command (paths relative to the fixtures directory),
# run it, and show a non-zero exit code: denials are part of the demo.
run() {
	step "sigpolicy ${*//$work\//}"
	local code=0
	"$bin" "$@" || code=$?
	[ "$code" = 0 ] || echo "(exit code $code)"
	echo
}

cat <<'TEXT'
sigpolicy decides, outside a cluster, what CRI-O would decide when a node pulls an
image under OpenShift's ClusterImagePolicy and ImagePolicy objects, and explains why.
This demo starts an embedded registry holding signed images (public keys, Fulcio +
Rekor, BYOPKI; good and bad signatures) and asks about a few of them.
TEXT

scenarios=key-tagged,key-untagged,key-unknown,key-tampered-payload,fulcio-rekor,fulcio-wrong-email,pki-intermediates-in-policy,pki-wrong-hostname,list-per-platform,audit-mirror
serve_fixtures "$bin" "$work" --scenarios "$scenarios"
say "embedded registry at $registry; each image's policy (a ClusterImagePolicy) is in policies/"

# verify IMAGE POLICY-FILE
verify() { run verify "$registry/scenarios/$1" -f "$work/policies/$2"; }

section "Pull decisions, with the reason"
say "A key-signed image pulled by the tag it was signed for: allowed."
verify key-tagged:v1 key-tagged-matchrepodigestorexact.yaml
say "Signed with plain 'cosign sign IMAGE@DIGEST', whose identity names no tag: the default"
say "MatchRepoDigestOrExact refuses it, and the trace says why and what to change."
verify key-untagged:v1 key-untagged-matchrepodigestorexact.yaml
say "The same image under MatchRepository: allowed."
verify key-untagged:v1 key-untagged-matchrepository.yaml
say "Signed by a key the policy does not trust, then a payload altered after signing: denied."
verify key-unknown:v1 key-unknown-matchrepository.yaml
verify key-tampered-payload:v1 key-tampered-payload-matchrepository.yaml
say "Keyless: a Fulcio certificate and a Rekor SET; then a certificate for another email."
verify fulcio-rekor:v1 fulcio-rekor-matchrepository.yaml
verify fulcio-wrong-email:v1 fulcio-wrong-email-matchrepository.yaml
say "Your own PKI (BYOPKI): a chain to the policy's CA; then a certificate for another host."
verify pki-intermediates-in-policy:v1 pki-intermediates-in-policy-matchrepository.yaml
verify pki-wrong-hostname:v1 pki-wrong-hostname-matchrepository.yaml
say "A multi-arch index: the signature must be on the platform's own manifest."
verify list-per-platform:v1 list-per-platform-matchrepository.yaml
say "An image no policy scope covers is allowed without any check, and says so."
run verify quay.io/example/unscoped:1 -f "$work/policies/key-tagged-matchrepository.yaml"

section "Workloads in two namespaces, before rollout"
say "The cluster policy trusts the key; namespace team adds an ImagePolicy for an untrusted key."
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
run simulate -f "$work/policies/key-tagged-matchrepository.yaml" -f "$work/team-imagepolicy.yaml" --workload "$work/workloads.yaml"

section "What the Machine Config Operator writes on every node"
say "The product documentation's examples. Its ImagePolicies deliberately name scopes that its"
say "ClusterImagePolicies already own, to show the MCO's conflict rule: they are dropped, and the"
say "ImagePolicy gets a Pending/ConflictScopes condition. Key material is shortened below."
run validate -f examples/
run render -f examples/ -o "$work/rendered"
for f in etc/containers/policy.json etc/containers/registries.conf etc/containers/registries.d/sigstore-registries.yaml; do
	printf -- '--- %s\n' "$f"
	sed -E 's/([A-Za-z0-9+\/=]{16})[A-Za-z0-9+\/=]{48,}/\1…/g' "$work/rendered/$f" | head -40
	echo
done

section "A mirrored cluster whose mirror lacks a signature"
say "An ImageDigestMirrorSet and an ImageTagMirrorSet send pulls of $registry/audit/origin to"
say "$registry/audit/mirror. CRI-O reads signatures where it pulls the image from: one image was"
say "mirrored without its .sig."
run validate -f "$work/audit/mirror-sets.yaml"
digest_of() { sed -n "s|^\($registry/audit/origin/$1@sha256:[0-9a-f]*\)$|\1|p" "$work/audit/images.txt"; }
run verify "$(digest_of signed-mirrored)" -f "$work/policies/audit-mirror.yaml" -f "$work/audit/mirror-sets.yaml"
run verify "$(digest_of signature-not-mirrored)" -f "$work/policies/audit-mirror.yaml" -f "$work/audit/mirror-sets.yaml"
say "Before enabling verification: audit every image the release pulls, through the mirrors,"
say "with the cause of each refusal and the command that fixes it."
run audit -f "$work/policies/audit-mirror.yaml" -f "$work/audit/mirror-sets.yaml" --release "$registry/audit/origin/ocp-release:4.99.0" -o text
