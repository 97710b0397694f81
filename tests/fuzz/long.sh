#!/bin/sh
# tests/fuzz/long.sh - `make fuzz-long`: every libFuzzer target of tests/fuzz/
# at once, under `nice -n 19`, for FUZZ_SECONDS (default 600) of wall time.
#
# Each target starts from its committed corpus (tests/fuzz/corpus/NAME/) and
# the shared dictionary (tests/fuzz/briefparse.dict); a finding (crash, leak,
# timeout, out of memory) goes to build/fuzz-long/runs/NAME/finding-*, and the
# target is restarted for the time left (at most FUZZ_RESTARTS times, default
# 5). At the end, what the run found that adds coverage is merged into the
# committed corpus (libFuzzer -merge=1), so that the next run starts where
# this one stopped; with FUZZ_MINIMISE=1 the whole committed corpus is
# minimised instead (files with a non-hash name, the hand-made seeds, stay).
#
# Report: one row per target (seconds, executions, exec/s, coverage features,
# corpus files before -> after, findings), printed and appended to
# FUZZ_LOG (default tests/fuzz/RUNS.md, whose totals block is then rewritten
# by tests/fuzz/totals.sh; FUZZ_LOG=/dev/null to keep nothing).
# Exit status 1 when there was a finding.
#   FUZZ_TARGETS="text cues"  only those targets (default: every fuzz_*.c)
#   FUZZ_SECONDS=3600         run length
#   FUZZ_SAN=fast             the fast build (UBSan only, -O2) instead of
#                             ASan+UBSan; the row's build column says which
set -u
cd "$(dirname "$0")/../.." || exit 2
: "${FUZZ_SECONDS:=600}" "${FUZZ_RESTARTS:=5}" "${FUZZ_LOG:=tests/fuzz/RUNS.md}"
: "${FUZZ_TARGETS:=$(ls tests/fuzz/fuzz_*.c | sed 's|.*/fuzz_\(.*\)\.c|\1|')}"
# its own build, so that rebuilding build/fuzz (make check) during a long run
# does not swap binaries under it
: "${FUZZ_SAN:=asan}"
export FUZZ_SAN FUZZ_BUILD=build/fuzz-long-$FUZZ_SAN
B=$FUZZ_BUILD
L=$B/runs
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# -entropic_feature_frequency_threshold=16 (libFuzzer's default 255): a
# feature stays "rare" for the entropic schedule until seen 16 times, not
# 255; libFuzzer 14 looks every feature of every execution up in its rare
# list by a linear search, and with 10,000-16,000 features that search
# (UpdateFeatureFrequency, AddRareFeature) was 25-55% of fuzz_text's and
# 20-23% of fuzz_formats' samples (perf). The targets run the same code;
# only the engine's choice of what to mutate next weighs fewer features.
ARGS="-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -dict=tests/fuzz/briefparse.dict"
ARGS="$ARGS -entropic_feature_frequency_threshold=16"

# the commit the targets are built from (with "+" when the tree differs)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo '?')
git diff --quiet HEAD -- src include tests/fuzz/*.c 2>/dev/null || commit="$commit+"
sh tests/fuzz/run.sh build || exit 2
for t in $FUZZ_TARGETS; do
	[ -x $B/fuzz_"$t" ] || { echo "fuzz-long: no target $B/fuzz_$t" >&2; exit 2; }
done

# one NAME: fuzz until the deadline, restarting after a finding
one() {
	t=$1
	d=$L/$t
	args="$ARGS -max_len=$(sh tests/fuzz/run.sh maxlen "$t")"
	rm -rf "$d"
	mkdir -p "$d/new" tests/fuzz/corpus/"$t"
	ls tests/fuzz/corpus/"$t" | wc -l > "$d/corpus-before"
	start=$(date +%s)
	end=$((start + FUZZ_SECONDS))
	runs=0
	while :; do
		left=$((end - $(date +%s)))
		[ $left -gt 0 ] && [ $runs -le "$FUZZ_RESTARTS" ] || break
		# shellcheck disable=SC2086
		nice -n 19 $B/fuzz_"$t" $args -max_total_time=$left -artifact_prefix="$d/finding-" \
			"$d/new" tests/fuzz/corpus/"$t" > "$d/run-$runs.log" 2>&1
		runs=$((runs + 1))
	done
	echo $(($(date +%s) - start)) > "$d/seconds"
	if [ "${FUZZ_MINIMISE:-0}" = 1 ]; then
		mkdir -p "$d/min"
		# shellcheck disable=SC2086
		nice -n 19 $B/fuzz_"$t" $args -merge=1 "$d/min" tests/fuzz/corpus/"$t" "$d/new" \
			> "$d/merge.log" 2>&1 &&
			for f in tests/fuzz/corpus/"$t"/*; do
				n=${f##*/}
				# a hash-named file that the minimised set does not need goes
				case $n in *[!0-9a-f]*) ;; *) [ ${#n} = 40 ] && [ ! -e "$d/min/$n" ] && rm -f "$f" ;; esac
			done &&
			cp "$d/min"/* tests/fuzz/corpus/"$t"/ 2>/dev/null
	else
		# shellcheck disable=SC2086
		nice -n 19 $B/fuzz_"$t" $args -merge=1 tests/fuzz/corpus/"$t" "$d/new" > "$d/merge.log" 2>&1
	fi
	ls tests/fuzz/corpus/"$t" | wc -l > "$d/corpus-after"
}

echo "fuzz-long: $(echo $FUZZ_TARGETS | wc -w) targets for ${FUZZ_SECONDS}s each, all at once, on $(nproc) cores"
for t in $FUZZ_TARGETS; do
	one "$t" &
done
wait

when=$(date -u '+%Y-%m-%d %H:%M')
status=0
rows=""
for t in $FUZZ_TARGETS; do
	d=$L/$t
	execs=$(cat "$d"/run-*.log | sed -n 's/^stat::number_of_executed_units: *//p' |
		awk '{ s += $1 } END { print s + 0 }')
	ft=$(cat "$d"/run-*.log | grep -o ' ft: [0-9]*' | awk '{ if ($2 > m) m = $2 } END { print m + 0 }')
	secs=$(cat "$d/seconds")
	findings=$(ls "$d" | grep -c '^finding-\(crash\|leak\|timeout\|oom\)-')
	[ "$findings" -gt 0 ] && status=1
	rows="$rows| $when | $commit | $FUZZ_SAN | $t | $secs | $execs | $((execs / (secs > 0 ? secs : 1))) | $ft | $(cat "$d/corpus-before") -> $(cat "$d/corpus-after") | $findings |
"
done
{
	echo "| date (UTC) | commit | build | target | seconds | executions | exec/s | features | corpus | findings |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	printf '%s' "$rows"
} > $L/report.md
cat $L/report.md
if [ "$FUZZ_LOG" != /dev/null ]; then
	printf '%s' "$rows" >> "$FUZZ_LOG" # the runs table ends the file
	sh tests/fuzz/totals.sh -w "$FUZZ_LOG"
fi
if [ $status != 0 ]; then
	echo "fuzz-long: findings:"
	ls $L/*/finding-* | grep -v slow-unit
	echo "reproduce: $B/fuzz_NAME FILE; keep it, once fixed, as tests/fuzz/regress/NAME/ISSUE-WHAT"
fi
exit $status
