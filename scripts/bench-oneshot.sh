#!/usr/bin/env bash
# One-shot `sigpolicy verify` against its references, measured in the same
# hyperfine run (Debian's hyperfine): the fixtures' key-signed image on the
# embedded registry (loopback), decided
#   - by a hello-world Go process (start-up alone, no decision);
#   - by the floor (bench/oneshotfloor): the same requests and the one ECDSA
#     verification, standard library only;
#   - by the containers library in a process of its own (bench/oneshotlibrary)
#     from the rendered node files, as CRI-O decides a pull;
#   - by sigpolicy's engine alone (bench/oneshotengine) from the same files;
#   - not at all, by a hello-world linking the libraries (every package from
#     another module, generated from `go list -deps`) that `verify -f` needs
#     (cluster and verify) and that sigpolicy links, none of sigpolicy's code:
#     their start-up alone;
#   - by `sigpolicy version` (the whole binary's start-up), `sigpolicy verify
#     --root` (the node files) and `sigpolicy verify -f` (the cluster objects).
# Every binary is built with the same flags. Each of ROUNDS rounds is one
# hyperfine run; every figure is a ratio of medians within a round
# (docs/performance.md).
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

. "$(dirname "$0")/lib.sh"

bin=${BIN:-}
build() { "$GO" build -tags containers_image_openpgp -o "$@"; }
if [ -z "$bin" ]; then
	bin=$work/sigpolicy
	build "$bin" ./cmd/sigpolicy
fi
for program in oneshotfloor oneshotlibrary oneshotengine; do
	build "$work/$program" ./bench/$program
done
# libraries NAME PACKAGE...: the hello-world linking the packages' libraries.
libraries() {
	local name=$1 dir=$work/$1
	shift
	mkdir "$dir"
	{
		printf 'package main\n\nimport (\n\t"fmt"\n\n'
		"$GO" list -tags containers_image_openpgp -deps -f '{{if and (not .Standard) (ne .Name "main")}}{{.ImportPath}}{{end}}' "$@" |
			grep -v '^github.com/sigpolicy/' | grep -v '/internal\(/\|$\)' | sed 's/.*/\t_ "&"/'
		printf ')\n\nfunc main() { fmt.Println("hello, world") }\n'
	} >"$dir/main.go"
	# An overlay builds it inside the module, with the module's versions.
	printf '{"Replace":{"%s/bench/%s/main.go":"%s/main.go"}}' "$PWD" "$name" "$dir" >"$dir/overlay.json"
	build "$dir/$name" -overlay "$dir/overlay.json" "./bench/$name"
}
libraries libsverify ./cluster ./verify
libraries libsall ./cmd/sigpolicy
mkdir "$work/hello"
cat >"$work/hello/main.go" <<'GO'
package main

import "fmt"

func main() { fmt.Println("hello, world") }
GO
printf 'module hello\n\ngo 1.26.0\n' >"$work/hello/go.mod"
(cd "$work/hello" && build hello .)

serve_fixtures "$bin" "$work/fixtures" --scenarios key-tagged
addr=$registry
policy=$work/fixtures/policies/key-tagged-matchrepository.yaml
image=$addr/scenarios/key-tagged:v1
root=$work/root
etc=$root/etc/containers
"$bin" render -f "$policy" -o "$root" >/dev/null
sed -n 's/^ *keyData: *//p' "$policy" | base64 -d >"$work/key.pem"

names=(hello floor library engine "libs: verify -f" "libs: sigpolicy" version "verify --root" "verify -f")
commands=(
	"$work/hello/hello"
	"$work/oneshotfloor $image $work/key.pem"
	"$work/oneshotlibrary $root $image"
	"$work/oneshotengine $etc/policy.json $etc/registries.d $etc/registries.conf $image"
	"$work/libsverify/libsverify"
	"$work/libsall/libsall"
	"$bin version"
	"$bin verify --root $root $image"
	"$bin verify -f $policy $image"
)
# Every decider must allow the image before it is timed: exit 0 (sigpolicy
# exits 1 for a denial), and the three small programs print "allowed".
for i in 1 2 3 7 8; do
	if ! out=$(${commands[$i]} 2>&1) || { [ "$i" -le 3 ] && [ "$out" != allowed ]; }; then
		echo "bench-oneshot: ${names[$i]} did not allow $image: $out" >&2
		exit 3
	fi
done

for round in $(seq "$rounds"); do
	hyperfine -N --style none --warmup 5 --runs "$runs" --export-csv "$work/round.csv" "${commands[@]}" >/dev/null
	# Columns: command,mean,stddev,median,user,system,min,max (seconds).
	awk -F, -v round="$round" -v names="$(IFS=,; echo "${names[*]}")" '
		BEGIN { n = split(names, name, ",") }
		NR > 1 { median[NR-1] = $4 }
		END {
			printf "round %d: %-16s %9s %9s %9s %9s\n", round, "", "median", "/hello", "/floor", "/library"
			for (i = 1; i <= n; i++)
				printf "         %-16s %6.2f ms %9.2f %9.2f %9.2f\n", name[i], median[i]*1000,
					median[i]/median[1], median[i]/median[2], median[i]/median[3]
		}' "$work/round.csv"
done
