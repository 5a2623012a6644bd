# Sourced by the scripts: a work directory removed at exit, and the one
# background server a script starts ($pid), stopped first.
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

# serve_fixtures BIN OUT ARGS...: starts `BIN fixtures serve --out OUT
# ARGS...` in the background and sets registry to the address it serves
# once its catalogue is written; if the server stops first, prints its log
# and exits 3.
serve_fixtures() {
	local bin=$1 out=$2
	shift 2
	"$bin" fixtures serve --out "$out" "$@" >"$work/serve.addr" 2>"$work/serve.log" &
	pid=$!
	for _ in $(seq 600); do
		[ -s "$work/serve.addr" ] && break
		kill -0 "$pid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 3; }
		sleep 0.1
	done
	registry=$(head -1 "$work/serve.addr")
	[ -n "$registry" ] || { cat "$work/serve.log" >&2; exit 3; }
}
