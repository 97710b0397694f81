# tsan: the classifier thread (src/offload.c) under clang's ThreadSanitizer
# (build/tsan): every golden case concatenated three times (several
# batches), whole and in 7-byte chunks, with -t2, must give the output of -t1
# of the normal binary without a race report; also a write error in the
# middle (the queue is dropped while the thread works), SIGPIPE, the
# unit tests of bp_offload (tests/unit/test_offload.c), and several
# pipelines started at the same moment (tests/unit/test_pipeline.c).
AREA=tsan
. "$BP_ROOT/tests/sh/lib.sh"
cd "$BP_ROOT" || exit 1
TSAN="$BP_ROOT/build/tsan/briefparse"
export TSAN_OPTIONS="halt_on_error=1:exitcode=66:second_deadlock_stack=1"
D="$BP_TMP/tsan"
rm -rf "$D"
mkdir -p "$D"

san_build tsan -fsanitize=thread build/tsan/briefparse build/tsan/test_offload build/tsan/test_pipeline || exit 0

# raced NAME FILE: fails NAME when FILE (a stderr) holds a ThreadSanitizer report
raced() {
	if grep -q -E 'ThreadSanitizer' "$2"; then
		fail "$1" "$(grep -E -A 16 'WARNING: ThreadSanitizer|ERROR: ThreadSanitizer' "$2" | head -n 30)"
		return 1
	fi
	return 0
}

# the unit tests of bp_offload: many batches, drop, a write error
build/tsan/test_offload > "$D/unit.out" 2> "$D/err"
rc=$?
if raced unit-offload "$D/err"; then
	if [ $rc = 0 ]; then ok unit-offload; else fail unit-offload "exit status $rc" "$(grep FAIL "$D/unit.out" | head -n 5)"; fi
fi

# pipelines on several threads at once: no shared mutable state
build/tsan/test_pipeline > "$D/unit-pipeline.out" 2> "$D/err"
rc=$?
if raced unit-pipeline "$D/err"; then
	if [ $rc = 0 ]; then ok unit-pipeline; else fail unit-pipeline "exit status $rc" "$(grep FAIL "$D/unit-pipeline.out" | head -n 5)"; fi
fi

cat tests/cases/*.txt tests/cases/*.txt tests/cases/*.txt > "$D/all.txt"
"$BIN" -t1 "$D/all.txt" tests/cases/seed-000.txt > "$D/want.out" 2>/dev/null
for c in 0 7; do
	n=threads-2/chunk-$c
	chunk=""
	[ $c != 0 ] && chunk="--chunk-size $c"
	# shellcheck disable=SC2086
	"$TSAN" -t2 $chunk "$D/all.txt" tests/cases/seed-000.txt > "$D/out" 2> "$D/err"
	rc=$?
	raced "$n" "$D/err" || continue
	if [ $rc != 0 ]; then
		fail "$n" "exit status $rc" "$(head -n 3 "$D/err")"
	elif ! cmp -s "$D/out" "$D/want.out"; then
		fail "$n" "output differs from -t1"
	else
		ok "$n"
	fi
done

# a write error while the thread classifies: dropped queue, clean exit
SHIM="$D/shim.so"
if cc -shared -fPIC -o "$SHIM" "$BP_ROOT/tests/fault/shim.c" -ldl 2>"$D/err"; then
	LD_PRELOAD="$SHIM" BP_FAULT_WRITE=enospc BP_FAULT_WRITE_AFTER=100000 \
		"$TSAN" -t2 "$D/all.txt" > /dev/null 2> "$D/err"
	rc=$?
	if raced write-error "$D/err"; then
		if [ $rc = 1 ] && [ "$(cat "$D/err")" = "briefparse: write error: No space left on device" ]; then
			ok write-error
		else
			fail write-error "exit status $rc" "$(head -n 3 "$D/err")"
		fi
	fi
else
	fail shim-build "$(cat "$D/err")"
fi
(trap '' PIPE; "$TSAN" -t2 "$D/all.txt" "$D/all.txt" 2> "$D/err"; echo $? > "$D/rc") | head -c 100 > /dev/null
if raced sigpipe "$D/err"; then
	if [ "$(cat "$D/rc")" = 1 ]; then ok sigpipe; else fail sigpipe "exit status $(cat "$D/rc")" "$(head -n 3 "$D/err")"; fi
fi
# archive mode: -j2 workers, each with its own pipeline, one manifest
"$TSAN" -q -j2 -o "$D/arch" tests/cases/*.txt "$D/all.txt" > /dev/null 2> "$D/err"
rc=$?
if raced archive-j2 "$D/err"; then
	if [ $rc = 0 ] && "$BIN" -t1 "$D/all.txt" | cmp -s - "$D/arch/all.txt.jsonl" &&
		"$BIN" -t1 tests/cases/seed-001.txt | cmp -s - "$D/arch/seed-001.txt.jsonl"; then
		ok archive-j2
	else
		fail archive-j2 "exit status $rc" "$(head -n 3 "$D/err")"
	fi
fi
rm -f "$D/all.txt"
