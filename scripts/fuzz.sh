#!/usr/bin/env bash
# Runs every Go fuzz target of the module for FUZZTIME each (default 5s).
# The seed corpora in testdata/fuzz also run as plain tests in `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
TAGS=containers_image_openpgp
time=${FUZZTIME:-5s}
export CGO_ENABLED=${CGO_ENABLED:-0}
for pkg in $("$GO" list -tags "$TAGS" ./...); do
	for target in $("$GO" test -tags "$TAGS" -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
		echo "fuzz: $pkg $target ($time)"
		"$GO" test -tags "$TAGS" -run '^$' -fuzz "^${target}\$" -fuzztime "$time" "$pkg"
	done
done
