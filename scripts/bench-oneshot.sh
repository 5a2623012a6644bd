#!/usr/bin/env bash
# One-shot `sigpolicy verify` against a hello-world Go process, measured in
# the same hyperfine run (Debian's hyperfine): the fixtures' key-signed image
# on the embedded registry (loopback), decided from a node root (--root, the
# rendered files) and from the cluster objects (-f), beside `sigpolicy
# version` (start-up alone) and a hello-world built with the same flags.
# Each of ROUNDS rounds is one hyperfine run; every figure is a ratio of
# medians to the hello-world of the same round (docs/performance.md).
#
# Usage: scripts/bench-oneshot.sh [ROUNDS (default 3)] [RUNS per command (default 60)]
# BIN=path uses that sigpolicy binary instead of building one.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${1:-3}
runs=${2:-60}
GO=${GO:-go}
export CGO_ENABLED=${CGO_ENABLED:-0}
if ! command -v hyperfine >/dev/null; then
	echo "bench-oneshot: hyperfine not found (apt-get install hyperfine)" >&2
	exit 2
fi

work=$(mktemp -d)
pid=""
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill "$pid"
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

bin=${BIN:-}
if [ -z "$bin" ]; then
	bin=$work/sigpolicy
	"$GO" build -tags containers_image_openpgp -o "$bin" ./cmd/sigpolicy
fi
mkdir "$work/hello"
cat >"$work/hello/main.go" <<'GO'
package main

import "fmt"

func main() { fmt.Println("hello, world") }
GO
printf 'module hello\n\ngo 1.26.0\n' >"$work/hello/go.mod"
(cd "$work/hello" && "$GO" build -tags containers_image_openpgp -o hello .)

"$bin" fixtures serve --scenarios key-tagged --out "$work/fixtures" >"$work/addr" 2>"$work/serve.log" &
pid=$!
for _ in $(seq 600); do
	[ -s "$work/addr" ] && break
	kill -0 "$pid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 3; }
	sleep 0.1
done
addr=$(head -1 "$work/addr")
policy=$work/fixtures/policies/key-tagged-matchrepository.yaml
image=$addr/scenarios/key-tagged:v1
"$bin" render -f "$policy" -o "$work/root" >/dev/null
"$bin" verify --root "$work/root" "$image" >/dev/null # allowed, or the script stops here

names=(hello version "verify --root" "verify -f")
for round in $(seq "$rounds"); do
	hyperfine -N --style none --warmup 5 --runs "$runs" --export-csv "$work/round.csv" \
		"$work/hello/hello" "$bin version" "$bin verify --root $work/root $image" "$bin verify -f $policy $image" >/dev/null
	# Columns: command,mean,stddev,median,user,system,min,max (seconds).
	awk -F, -v round="$round" -v names="$(IFS=,; echo "${names[*]}")" '
		BEGIN { split(names, n, ",") }
		NR == 1 { next }
		{ median[NR-1] = $4 }
		END {
			printf "round %d:", round
			for (i = 1; i <= 4; i++) printf "  %s %.2f ms (%.2f×)", n[i], median[i]*1000, median[i]/median[1]
			printf "\n"
		}' "$work/round.csv"
done
