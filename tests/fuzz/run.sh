#!/bin/sh
# tests/fuzz/run.sh - libFuzzer targets (one per entry point), `make fuzz`.
#   sh tests/fuzz/run.sh              build, replay the regressions, then fuzz
#                                     each target for FUZZ_SECONDS (default 60)
#   sh tests/fuzz/run.sh build        only build build/fuzz/fuzz_*
#   sh tests/fuzz/run.sh replay NAME  run tests/fuzz/regress/NAME/* once each
#   sh tests/fuzz/run.sh fuzz NAME    fuzz one target for FUZZ_SECONDS, or for
#                                     FUZZ_RUNS inputs from FUZZ_SEED (reproducible)
#   sh tests/fuzz/run.sh maxlen NAME  the target's -max_len
# Targets: every tests/fuzz/fuzz_NAME.c: text (the pipeline), rules
# (bp_rules_load), cues (bp_cues_load and the line classifier), ...
# Seeds: tests/fuzz/corpus/NAME/ (read only here; `make fuzz-long`,
# tests/fuzz/long.sh, runs every target at once and merges what it finds
# into it), dictionary tests/fuzz/briefparse.dict; what the
# fuzzer finds goes to build/fuzz/corpus/NAME/, crashes to
# build/fuzz/crash-NAME-*. Keep a crash as tests/fuzz/regress/NAME/ISSUE-WHAT
# once it is fixed, so that every run replays it.
set -u
cd "$(dirname "$0")/../.." || exit 2
TARGETS=$(ls tests/fuzz/fuzz_*.c | sed 's|.*/fuzz_\(.*\)\.c|\1|')
# Two builds, as OSS-Fuzz has: FUZZ_SAN=asan (the default, CI's) with ASan
# and UBSan at -O1; FUZZ_SAN=fast for volume: UBSan only, -O2, and the
# library without libFuzzer's comparison hooks (trace-cmp: two thirds of
# fuzz_text's time; edge coverage stays). It runs several times as many
# inputs a second, misses what only ASan sees and mutates less cleverly;
# both builds share the corpus.
: "${FUZZ_SAN:=asan}"
case $FUZZ_SAN in
asan)
	SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
	OPT="-O1 -g" COV="-fsanitize=fuzzer-no-link"
	;;
fast)
	SAN="-fsanitize=undefined -fno-sanitize-recover=all"
	OPT="-O2 -g" COV="-fsanitize=fuzzer-no-link -fno-sanitize-coverage=trace-cmp"
	;;
*) echo "run.sh: FUZZ_SAN is asan or fast" >&2; exit 2 ;;
esac
PKGS=$(sed -n "s/^PKGS *:= *//p" Makefile) # the libraries the Makefile links
B=${FUZZ_BUILD:-build/fuzz}
[ $FUZZ_SAN = asan ] || B=${FUZZ_BUILD:-build/fuzz-$FUZZ_SAN}
: "${FUZZ_SECONDS:=60}"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

build() {
	make -s CC=clang BUILD=$B OPT="$OPT" EXTRA_CFLAGS="$COV $SAN" \
		$B/libbriefparse.a || return 1
	for t in $TARGETS; do
		# shellcheck disable=SC2046
		clang $OPT -std=c11 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L -Iinclude \
			-fsanitize=fuzzer $SAN $(pkg-config --cflags $PKGS) \
			-o $B/fuzz_$t tests/fuzz/fuzz_$t.c $B/libbriefparse.a $(pkg-config --libs $PKGS) ||
			return 1
	done
}

# -max_len per target: big enough for what each entry point reads (the seeds
# are under 3 KB), small enough that inputs do not grow into slow ones.
maxlen() {
	case $1 in
	cues | manifest) echo 4096 ;;
	rules) echo 4096 ;;
	*) echo 8192 ;;
	esac
}

replay() {
	name=$1
	set -- tests/fuzz/regress/"$name"/*
	[ -e "$1" ] || return 0 # no regressions yet
	$B/fuzz_"$name" -runs=0 "$@"
}

# With FUZZ_RUNS set (the CI gate), a reproducible run: that many inputs
# from seed FUZZ_SEED, starting from the committed seeds only. Without it,
# exploration: FUZZ_SECONDS of random fuzzing that keeps what it finds.
fuzz() {
	if [ -n "${FUZZ_RUNS:-}" ]; then
		rm -rf $B/ci-corpus/"$1"
		mkdir -p $B/ci-corpus/"$1"
		set -- "$1" -runs="$FUZZ_RUNS" -seed="${FUZZ_SEED:-1}" $B/ci-corpus/"$1"
	else
		mkdir -p $B/corpus/"$1"
		set -- "$1" -max_total_time="$FUZZ_SECONDS" $B/corpus/"$1"
	fi
	name=$1
	shift
	$B/fuzz_"$name" "$@" -timeout=10 -rss_limit_mb=2048 -max_len="$(maxlen "$name")" -print_final_stats=1 \
		-dict=tests/fuzz/briefparse.dict \
		-artifact_prefix=$B/crash-"$name"- tests/fuzz/corpus/"$name"
}

case "${1:-all}" in
build) build ;;
replay) replay "$2" ;;
fuzz) fuzz "$2" ;;
maxlen) maxlen "$2" ;;
all)
	build || exit 1
	status=0
	for t in $TARGETS; do
		echo "== fuzz_$t: regressions, then ${FUZZ_SECONDS}s"
		if replay $t && fuzz $t; then
			echo "fuzz_$t: ok"
		else
			echo "fuzz_$t: FAILED (see $B/crash-$t-*)"
			status=1
		fi
	done
	exit $status
	;;
*) echo "usage: tests/fuzz/run.sh [build | replay NAME | fuzz NAME | maxlen NAME]" >&2; exit 2 ;;
esac
