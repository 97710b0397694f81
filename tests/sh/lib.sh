# tests/sh/lib.sh - helpers for the area scripts (sourced). Every test name
# starts with the area: "ok - golden:seed-000".
ok() { echo "ok - $AREA:$1"; }
fail() {
	echo "FAIL - $AREA:$1"
	shift
	[ $# -gt 0 ] && printf '    %s\n' "$@"
	return 0
}
# check NAME COMMAND...: ok when the command exits 0; its output is shown on failure
check() {
	name=$1
	shift
	if out=$("$@" 2>&1); then ok "$name"; else fail "$name" "$(printf '%s' "$out" | head -n 20)"; fi
}
BIN="$BP_ROOT/briefparse"
PY=/usr/bin/python3
