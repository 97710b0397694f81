# asan: the binary and the unit tests built with clang's AddressSanitizer,
# UndefinedBehaviorSanitizer and LeakSanitizer (build/asan), run over every
# golden case (output compared with NAME.jsonl), every tests/bad case (exact
# stderr and status, as in 40-errors.sh) and the fault-injection error paths.
# Any sanitizer report fails the test: the sanitizers exit with 99 / 98.
AREA=asan
. "$BP_ROOT/tests/sh/lib.sh"
cd "$BP_ROOT" || exit 1
SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
ASAN="$BP_ROOT/build/asan/briefparse"
export ASAN_OPTIONS="detect_leaks=1:exitcode=99:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=98"
D="$BP_TMP/asan"
rm -rf "$D"
mkdir -p "$D"

san_build asan "$SAN" build/asan/briefparse units || exit 0

# sanitized NAME FILE: fails NAME when FILE (a stderr) holds a sanitizer report
sanitized() {
	if grep -q -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: UndefinedBehaviorSanitizer' "$2"; then
		fail "$1" "$(grep -E -A 12 'ERROR:|runtime error:' "$2" | head -n 24)"
		return 1
	fi
	return 0
}

# unit tests
for src in tests/unit/test_*.c; do
	t=build/asan/$(basename "$src" .c)
	name=unit-$(basename "$t" | sed 's/^test_//')
	if [ ! -x "$t" ]; then
		fail "$name" "$t was not built"
		continue
	fi
	"$t" > "$D/$name.out" 2>&1
	rc=$?
	if sanitized "$name" "$D/$name.out"; then
		if [ $rc = 0 ]; then ok "$name"; else fail "$name" "exit status $rc" "$(grep '^FAIL' "$D/$name.out" | head -n 5)"; fi
	fi
done

# golden cases, whole and in 7-byte chunks
cd "$BP_ROOT/tests/cases" || exit 1
for in in *.txt *.html; do
	name=${in%.txt}
	name=${name%.html} # saved pages too (tests/sh/35-html.sh)
	args=""
	[ -f "$name.args" ] && args=$(cat "$name.args")
	for c in 0 7; do
		chunk=""
		[ $c != 0 ] && chunk="--chunk-size $c"
		n=golden-$name
		[ $c != 0 ] && n=$n/chunk-$c
		# shellcheck disable=SC2086
		"$ASAN" $args $chunk "$in" > "$D/out" 2> "$D/err"
		rc=$?
		sanitized "$n" "$D/err" || continue
		if [ $rc != 0 ]; then
			fail "$n" "exit status $rc" "$(head -n 3 "$D/err")"
		elif [ -f "$name.jsonl" ] && ! cmp -s "$D/out" "$name.jsonl"; then
			fail "$n" "output differs from $name.jsonl"
		else
			ok "$n"
		fi
	done
done

# the hostile-input cases of 40-errors.sh
cd "$BP_ROOT/tests/bad" || exit 1
for e in *.err; do
	name=${e%.err}
	bad_case "$name"
	# shellcheck disable=SC2086
	"$ASAN" $args $in > /dev/null 2> "$D/err"
	rc=$?
	sanitized "bad-$name" "$D/err" || continue
	if [ "$rc" != "$(cat "$name.rc")" ] || ! cmp -s "$D/err" "$name.err"; then
		fail "bad-$name" "exit status $rc, expected $(cat "$name.rc")" "$(head -n 3 "$D/err")"
	else
		ok "bad-$name"
	fi
done

# generated inputs: invalid UTF-8 and NULs, a long line, CR endings, a cut
# line, several briefings in one input, fed whole and a byte at a time
cd "$D" || exit 1
big=$(ls -SL "$BP_ROOT"/tests/cases/*.txt | head -n 1)
$PY - "$big" <<'EOF'
import sys
text = open(sys.argv[1], "rb").read()
mid = len(text) // 2
# invalid UTF-8 and controls mid-text; a NUL and a cut sequence past 8 KB
pad = b"".join(b"Filler paragraph %d.\n\n" % i for i in range(500))
open("mangled.txt", "wb").write(text[:mid] + b" \xff\xc3(\xed\xa0\x80\x01\x7f" + text[mid:] +
                                pad + b"nul\x00 and \xe2\x80")
open("longline.txt", "wb").write(text + b"\n" + b"word " * 300000 + b"\n" + b"\xe2\x80\x94" * 400000)
open("cr.txt", "wb").write(text.replace(b"\n", b"\r"))
open("cut.txt", "wb").write(text[: len(text) * 2 // 3])
open("twice.txt", "wb").write(text + b"\n" + text)
EOF
for f in mangled longline cr cut twice; do
	for c in 0 1; do
		[ $f = longline ] && [ $c = 1 ] && continue # slow under ASan, byte by byte
		chunk=""
		[ $c != 0 ] && chunk="--chunk-size $c"
		"$ASAN" --no-classify $chunk $f.txt > /dev/null 2> "$D/err"
		rc=$?
		sanitized "gen-$f/chunk-$c" "$D/err" || continue
		if [ $rc = 0 ]; then ok "gen-$f/chunk-$c"; else fail "gen-$f/chunk-$c" "exit status $rc" "$(head -n 3 "$D/err")"; fi
	done
done
# with classification (when the rules load), over every golden case at once
"$ASAN" "$BP_ROOT"/tests/cases/*.txt mangled.txt twice.txt > /dev/null 2> "$D/err"
rc=$?
if sanitized classify "$D/err"; then
	if [ $rc = 0 ]; then ok classify; else fail classify "exit status $rc" "$(head -n 3 "$D/err")"; fi
fi

# archive mode (-j2 workers), then a re-run that finds all up to date
rm -rf "$D/arch"
for pass in first rerun; do
	(cd "$BP_ROOT/tests/cases" && "$ASAN" -q -j2 -o "$D/arch" *.txt "$D/mangled.txt") > /dev/null 2> "$D/err"
	rc=$?
	if sanitized "archive-$pass" "$D/err"; then
		if [ $rc = 0 ] && cmp -s "$D/arch/seed-000.txt.jsonl" "$BP_ROOT/tests/cases/seed-000.jsonl"; then
			ok "archive-$pass"
		else
			fail "archive-$pass" "exit status $rc" "$(head -n 3 "$D/err")"
		fi
	fi
done

# error paths: a read error mid-input, write errors (LD_PRELOAD shim)
SHIM="$D/shim.so"
if cc -shared -fPIC -o "$SHIM" "$BP_ROOT/tests/fault/shim.c" -ldl 2>"$D/err"; then
	for env in "BP_FAULT_READ_AFTER=20000 BP_FAULT_READ_FILE=twice.txt" \
		"BP_FAULT_WRITE=enospc BP_FAULT_WRITE_AFTER=3000" "BP_FAULT_WRITE=eio"; do
		# without classification, and with it on the classifier thread
		for mode in --no-classify -t2; do
			n=fault-$(echo "$env" | sed 's/BP_FAULT_//g; s/ /,/g')$mode
			# shellcheck disable=SC2086
			env ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0" LD_PRELOAD="$SHIM" $env \
				"$ASAN" $mode twice.txt cut.txt > /dev/null 2> "$D/err"
			rc=$?
			sanitized "$n" "$D/err" || continue
			if [ $rc = 1 ] && [ "$(wc -l < "$D/err")" = 1 ]; then ok "$n"; else fail "$n" "exit status $rc" "$(head -n 3 "$D/err")"; fi
		done
	done
else
	fail fault-shim-build "$(cat "$D/err")"
fi
rm -f longline.txt
