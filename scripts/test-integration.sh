#!/usr/bin/env bash
# Integration tests against a real registry server: Debian's docker-registry
# (CNCF distribution), started on a random loopback port with filesystem
# storage in a temporary directory, then stopped. The Go tests tagged
# "integration" find it through SIGPOLICY_TEST_REGISTRY=127.0.0.1:PORT, and
# headless Chromium (Debian's chromium, for the audit HTML report) through
# SIGPOLICY_TEST_CHROMIUM. The Kubernetes manifests under deploy/ are
# decoded by Debian's kubectl, client side.
#
# Usage: scripts/test-integration.sh [go test packages…] (default: ./fixtures/...)
set -euo pipefail
cd "$(dirname "$0")/.."

REGISTRY_BIN=${REGISTRY_BIN:-/usr/bin/docker-registry}
GO=${GO:-go}
export CGO_ENABLED=${CGO_ENABLED:-0}

if [ ! -x "$REGISTRY_BIN" ]; then
	echo "test-integration: $REGISTRY_BIN not found; install the docker-registry package (apt-get install docker-registry)" >&2
	exit 2
fi
CHROMIUM_BIN=${CHROMIUM_BIN:-/usr/bin/chromium}
KUBECTL_BIN=${KUBECTL_BIN:-/usr/bin/kubectl}
for bin in "$CHROMIUM_BIN" "$KUBECTL_BIN"; do
	if [ ! -x "$bin" ]; then
		echo "test-integration: $bin not found; install the chromium and kubectl packages" >&2
		exit 2
	fi
done

. "$(dirname "$0")/lib.sh"

# start_registry PORT: starts the registry, returns 0 once /v2/ answers.
start_registry() {
	local port=$1
	cat >"$work/config.yml" <<CONFIG
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $work/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
CONFIG
	"$REGISTRY_BIN" serve "$work/config.yml" >"$work/registry.log" 2>&1 &
	pid=$!
	for _ in $(seq 1 100); do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" 2>/dev/null || true
			pid=""
			return 1
		fi
		if curl -fsS -o /dev/null "http://127.0.0.1:$port/v2/" 2>/dev/null ||
			(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	kill "$pid" 2>/dev/null || true
	pid=""
	return 1
}

port=""
for _ in 1 2 3 4 5; do
	candidate=$((20000 + RANDOM % 40000))
	if start_registry "$candidate"; then
		port=$candidate
		break
	fi
done
if [ -z "$port" ]; then
	echo "test-integration: could not start $REGISTRY_BIN; its log:" >&2
	cat "$work/registry.log" >&2 || true
	exit 1
fi
echo "test-integration: docker-registry $("$REGISTRY_BIN" --version | awk '{print $NF}') on 127.0.0.1:$port"

# kubectl's client side (no cluster): every pod-template document of the
# manifests must decode into kubectl's typed scheme (unknown kinds and wrong
# types fail; the strict schema test TestIndexedJobManifest catches unknown
# fields).
mkdir -p "$work/deploy"
for manifest in deploy/*.yaml; do
	awk -v dir="$work/deploy" 'BEGIN{n=0; f=dir "/doc-0.yaml"} /^---$/{n++; f=dir "/doc-" n ".yaml"; next} {print > f}' "$manifest"
	for doc in "$work"/deploy/doc-*.yaml; do
		if grep -qE '^kind: (Job|CronJob|Deployment|StatefulSet|DaemonSet|Pod)$' "$doc"; then
			if ! "$KUBECTL_BIN" set env --local -o json -f "$doc" SIGPOLICY_MANIFEST_CHECK=1 >/dev/null 2>"$work/kubectl.err"; then
				echo "test-integration: kubectl rejects a document of $manifest:" >&2
				cat "$work/kubectl.err" >&2
				exit 1
			fi
		fi
	done
	rm -f "$work"/deploy/doc-*.yaml
done
echo "test-integration: deploy/*.yaml decoded by kubectl $("$KUBECTL_BIN" version --client 2>/dev/null | sed -n 's/^Client Version: //p')"

export SIGPOLICY_TEST_REGISTRY=127.0.0.1:$port
export SIGPOLICY_TEST_CHROMIUM=$CHROMIUM_BIN
if [ "$#" -eq 0 ]; then
	set -- ./fixtures/...
fi
"$GO" test -tags "containers_image_openpgp integration" -count=1 "$@"
