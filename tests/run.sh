#!/bin/sh
# tests/run.sh - every test gate of `make check`, or one area: tests/run.sh AREA...
# Areas are the scripts tests/sh/NN-AREA.sh, run in order. Each prints one
# line per test, "ok - NAME", "FAIL - NAME" or "skip - NAME (why)", with
# details indented below; this runner counts them and ends with
# "N passed, N failed", followed by ", N skipped" when a test was skipped.
set -u
cd "$(dirname "$0")/.." || exit 2
export BP_ROOT="$PWD"
export BP_TMP="$PWD/build/tests"
mkdir -p "$BP_TMP"
log="$BP_TMP/run.log"
: > "$log"

areas="$*"
if [ -z "$areas" ]; then
	areas=$(ls tests/sh/ | sed -n 's/^[0-9]*-\(.*\)\.sh$/\1/p')
fi

for area in $areas; do
	script=$(ls tests/sh/*-"$area".sh 2>/dev/null | head -n 1)
	if [ -z "$script" ]; then
		echo "FAIL - no test area '$area'" | tee -a "$log"
		continue
	fi
	echo "== $area"
	sh "$script" 2>&1 | tee -a "$log" | grep -v '^ok - ' || true
	skips=$(grep -c "^skip - $area:" "$log")
	printf '   %s passed, %s failed%s\n' "$(grep -c "^ok - $area:" "$log")" "$(grep -c "^FAIL - $area:" "$log")" \
		"$([ "$skips" -gt 0 ] && echo ", $skips skipped")"
done

passed=$(grep -c '^ok - ' "$log")
failed=$(grep -c '^FAIL - ' "$log")
skipped=$(grep -c '^skip - ' "$log")
if [ "$failed" -gt 0 ]; then
	echo
	echo "failed tests:"
	grep '^FAIL - ' "$log"
fi
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
