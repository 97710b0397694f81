# unit: each tests/unit/test_*.c, built by `make units`; every TEST is one test.
# A source without its binary fails (a build that made no unit tests must not
# pass with none), and so does a binary that runs no test or dies midway.
AREA=unit
. "$BP_ROOT/tests/sh/lib.sh"
cd "$BP_ROOT"
for src in tests/unit/test_*.c; do
	name=$(basename "$src" .c | sed 's/^test_//')
	t=build/default/test_$name
	if [ ! -x "$t" ]; then
		fail "$name" "$t was not built (make units)"
		continue
	fi
	"$t" > "$BP_TMP/unit-$name.out" 2>&1
	rc=$?
	sed -n "s/^ok - /ok - unit:$name./p; s/^FAIL - /FAIL - unit:$name./p; s/^  /    /p" "$BP_TMP/unit-$name.out"
	if [ $rc -ne 0 ] && ! grep -q '^FAIL - ' "$BP_TMP/unit-$name.out"; then
		fail "$name" "exited with status $rc" "$(tail -n 5 "$BP_TMP/unit-$name.out")"
	elif ! grep -q '^UNIT: [1-9][0-9]* passed' "$BP_TMP/unit-$name.out" &&
		! grep -q '^FAIL - ' "$BP_TMP/unit-$name.out"; then
		fail "$name" "ran no test (no \"UNIT: N passed\" line)" "$(tail -n 5 "$BP_TMP/unit-$name.out")"
	fi
done
