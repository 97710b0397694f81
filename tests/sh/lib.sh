# tests/sh/lib.sh - helpers for the area scripts (sourced). Every test name
# starts with the area: "ok - golden:seed-000".
ok() { echo "ok - $AREA:$1"; }
fail() {
	echo "FAIL - $AREA:$1"
	shift
	[ $# -gt 0 ] && printf '    %s\n' "$@"
	return 0
}
# skip NAME WHY: a test that cannot run here, counted apart ("N skipped")
skip() { echo "skip - $AREA:$1 ($2)"; }
# check NAME COMMAND...: ok when the command exits 0; its output is shown on failure
check() {
	name=$1
	shift
	if out=$("$@" 2>&1); then ok "$name"; else fail "$name" "$(printf '%s' "$out" | head -n 20)"; fi
}
BIN="$BP_ROOT/briefparse"
# san_build DIR FLAGS TARGET...: builds TARGET... with clang and the sanitizer
# FLAGS into build/DIR; "ok build", or "FAIL build" and false
san_build() {
	dir=$1
	flags=$2
	shift 2
	if ! out=$(make -s CC=clang BUILD="build/$dir" OPT="-O1 -g" EXTRA_CFLAGS="$flags" \
		EXTRA_LDFLAGS="$flags" "$@" 2>&1); then
		fail build "$(printf '%s' "$out" | tail -n 20)"
		return 1
	fi
	ok build
}
PY=/usr/bin/python3
# bad_case NAME: in tests/bad, sets $in (NAME.txt or NAME.bin, if any) and
# $args (NAME.args, if any) for the hostile-input case NAME
bad_case() {
	in=""
	[ -f "$1.txt" ] && in=$1.txt
	[ -f "$1.bin" ] && in=$1.bin
	args=""
	[ -f "$1.args" ] && args=$(cat "$1.args")
	return 0
}
# checker NAME OUT COMMAND...: runs a checker (a Python script, say), its
# stdout to OUT, stderr to OUT.err; a checker that exits non-zero (a raised
# exception, a failed check) is a FAIL of its own, whatever OUT says
checker() {
	cname=$1
	cout=$2
	shift 2
	"$@" > "$cout" 2> "$cout.err"
	crc=$?
	[ $crc = 0 ] || fail "$cname" "checker exited with status $crc: $(printf "%s" "$*" | cut -c 1-160)" "$(tail -n 5 "$cout.err")"
	return $crc
}
# results NAME OUT: "ok NAME" / "FAIL NAME: why" lines in OUT as tests
results() {
	while read -r st name rest; do
		name=${name%:}
		if [ "$st" = ok ]; then ok "$name"; else fail "$name" "$rest"; fi
	done < "$2"
	grep -q . "$2" || fail "$1" "the checker reported nothing"
}
