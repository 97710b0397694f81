# unit: each tests/unit/test_*.c, built by `make units`; every TEST is one test
AREA=unit
. "$BP_ROOT/tests/sh/lib.sh"
cd "$BP_ROOT"
for t in build/default/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t" | sed 's/^test_//')
	"$t" > "$BP_TMP/unit-$name.out" 2>&1
	rc=$?
	sed -n "s/^ok - /ok - unit:$name./p; s/^FAIL - /FAIL - unit:$name./p; s/^  /    /p" "$BP_TMP/unit-$name.out"
	if [ $rc -ne 0 ] && ! grep -q '^FAIL - ' "$BP_TMP/unit-$name.out"; then
		fail "$name" "exited with status $rc" "$(tail -n 5 "$BP_TMP/unit-$name.out")"
	fi
done
