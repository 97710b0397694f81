# fuzz: the libFuzzer targets of tests/fuzz/ (built with ASan and UBSan):
# each replays its saved regressions (tests/fuzz/regress/NAME/), then runs a
# reproducible fuzzing pass: FUZZ_RUNS inputs from a fixed seed, starting
# from tests/fuzz/corpus/NAME/, so that a red run is never luck and can be
# replayed. Exploration (random, time-bound, keeping what it finds) is
# `make fuzz`; keep what it crashes on as a regression.
AREA=fuzz
. "$BP_ROOT/tests/sh/lib.sh"
cd "$BP_ROOT" || exit 1
export FUZZ_RUNS="${FUZZ_RUNS:-4000}" FUZZ_SEED="${FUZZ_SEED:-1}"
D="$BP_TMP/fuzz"
mkdir -p "$D"
if ! out=$(sh tests/fuzz/run.sh build 2>&1); then
	fail build "$(printf '%s' "$out" | tail -n 20)"
	exit 0
fi
ok build
for t in $(ls tests/fuzz/fuzz_*.c | sed "s|.*/fuzz_\(.*\)\.c|\1|"); do
	if sh tests/fuzz/run.sh replay $t > "$D/replay-$t.log" 2>&1; then
		ok "regress-$t"
	else
		fail "regress-$t" "$(grep -E -A 15 'ERROR|runtime error|fuzz_' "$D/replay-$t.log" | head -n 25)"
	fi
	if sh tests/fuzz/run.sh fuzz $t > "$D/fuzz-$t.log" 2>&1; then
		ok "$t ($(sed -n 's/^stat::number_of_executed_units: *//p' "$D/fuzz-$t.log") runs, seed $FUZZ_SEED)"
	else
		fail "$t" "$(grep -E -A 15 'ERROR|runtime error|fuzz_|Test unit written' "$D/fuzz-$t.log" | head -n 30)"
	fi
done
