#!/bin/sh
# bench/run.sh - the benchmark behind `make bench` (see bench/README.md).
# Builds the inputs under build/bench/, runs every row of bench/rows once
# under /usr/bin/time (peak RSS, record count) and then under hyperfine
# (median of the timed runs), and hands the raw results to bench/report.py,
# which prints the table and the targets and writes bench/results.json.
# A benchmark, not a test: exits 0 unless a benchmarked command failed.
set -u
cd "$(dirname "$0")/.." || exit 2
export LC_ALL=C
B=build/bench
RAW=$B/raw
BP=$B/briefparse
DB=$B/bench.db # {db}: removed before each run of a row that names it
FRESH=$B/archive-out # {fresh}: an archive output folder, new for each run; {kept}: the same, kept
# Fresh output folders are set aside (renamed) after their run and deleted
# only when the bench ends, and the archive rows wait until 35 s have passed
# since the last such deletion: on ext4, creating files while thousands of
# inodes were deleted less than ~30 s ago makes every create scan past them
# (recently_deleted in the inode allocator, 27% of a -j1 run's samples under
# perf when the folder of the previous run was removed just before), a
# cost no first conversion of an archive pays.
USED=$B/archive-used
REMOVED=$B/archive-removed # when they were last deleted (seconds since the epoch)
mkdir -p "$RAW" "$B/rules" || exit 2
rm -f "$RAW"/* "$B/rules"/*
# A copy: the binary under test stays the same for the whole run even when
# ./briefparse is rebuilt meanwhile.
cp ./briefparse "$BP" || exit 2

# Inputs of 1 GB and more are deleted when the run ends (disk space).
temp=""
trap 'rm -f $temp; discard_used' EXIT
trap 'exit 130' INT TERM

say() { printf '%s\n' "$*" >&2; }
# aside: the last run's fresh output folder, renamed out of the way
aside() {
	if [ -e "$FRESH" ]; then
		mkdir -p "$USED" && mv "$FRESH" "$USED/$(date +%s%N)"
	fi
}
# discard_used: the folders set aside, deleted (and when)
discard_used() {
	if [ -e "$USED" ] || [ -e "$FRESH" ]; then
		rm -rf "$USED" "$FRESH"
		date +%s > "$REMOVED"
	fi
}
# settle_fs: waits until no deletion of outputs is recent (see USED)
settle_fs() {
	[ -f "$REMOVED" ] || return 0
	left=$(($(cat "$REMOVED") + 35 - $(date +%s)))
	if [ "$left" -gt 0 ]; then
		say "bench: waiting ${left} s for the last deletion of archive outputs to age (see USED in bench/run.sh)"
		sleep "$left"
	fi
}
# busy: CPU ticks (CLK_TCK) spent so far by the machine, as
# "nice-0:niced:steal": user+system+irq+softirq of work at nice 0 (this
# run's own included), of niced work (which yields to a nice-0 run), and
# taken by the hypervisor (report.py subtracts the run's own time)
busy() { awk '/^cpu / { print $2 + $4 + $7 + $8 ":" $3 ":" $9 }' /proc/stat; }
load_start=$(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null)

# --- the seed corpus: the first folder of *.txt among these
seeds=""
for d in ${BENCH_SEEDS:-} ../shared/corpus/seeds /work/shared/corpus/seeds; do
	if ls "$d"/*.txt >/dev/null 2>&1; then
		seeds=$d
		break
	fi
done
if [ -z "$seeds" ]; then
	say "bench: no seed corpus found (set BENCH_SEEDS to a folder of *.txt transcripts)"
	exit 2
fi
cat "$seeds"/*.txt > "$B/corpus.txt" || exit 2
# the HTML page corpus: the saved-page fixtures (tests/cases/*.html), and the
# libxml2 baseline that parses them with empty SAX callbacks
cat tests/cases/*.html > "$B/corpus.html" || exit 2
# shellcheck disable=SC2046
cc -O2 -o "$B/libxml2-sax" bench/libxml2-sax.c $(pkg-config --cflags --libs libxml-2.0) || exit 2

# --- the gazetteer: data/ files, or the built-in fallback in bench/gazetteer/
rules=""
: > "$RAW/gazetteer"
for f in countries.tsv organizations.tsv; do
	if [ -f "data/$f" ]; then
		src="data/$f"
	else
		src="bench/gazetteer/$f"
		rules="--rules $B/rules"
		say "bench: data/$f does not exist yet: using the built-in fallback $src"
	fi
	cp "$src" "$B/rules/$f" || exit 2
	printf '%s\t%s\n' "$f" "$src" >> "$RAW/gazetteer"
done
# grep's terms: the third column of every non-comment row of both files
for f in countries.tsv organizations.tsv; do
	grep -v '^[[:space:]]*#' "$B/rules/$f"
done | awk -F '\t' 'NF >= 3 { t = $3; gsub(/^[ \t]+|[ \t\r]+$/, "", t); if (t != "") print t }' |
	sort -u > "$B/terms.txt"

# mkstream KEY BYTES [EXT]: $B/KEY.EXT, the corpus.EXT (txt: the seeds,
# html: the page fixtures) repeated (whole copies) to at least BYTES, as one
# stream; kept between runs while it is up to date.
mkstream() {
	ext=${3:-txt}
	out=$B/$1.$ext
	size=$(wc -c < "$B/corpus.$ext")
	copies=$((($2 + size - 1) / size))
	if [ -f "$out" ] && [ "$(wc -c < "$out")" -eq $((copies * size)) ] &&
		cmp -s -n "$size" "$B/corpus.$ext" "$out"; then
		return 0
	fi
	say "bench: building $out ($copies copies of the $size-byte corpus)"
	: > "$out.tmp" && cp "$B/corpus.$ext" "$out.pow" || return 1
	k=$copies
	while [ "$k" -gt 0 ]; do
		if [ $((k % 2)) -eq 1 ]; then
			cat "$out.pow" >> "$out.tmp" || return 1
		fi
		k=$((k / 2))
		if [ "$k" -gt 0 ]; then
			cat "$out.pow" "$out.pow" > "$out.pow2" && mv "$out.pow2" "$out.pow" || return 1
		fi
	done
	rm -f "$out.pow"
	mv "$out.tmp" "$out"
}

# mkfolder KEY N: $B/KEY/, N transcripts in folders of 100 (d00/t0000.txt
# ...): the seeds in turn, each copy after the first with its years changed
# (1900 + copy), so that every file is a briefing of its own id, as in a
# real archive; kept between runs while $B/KEY.made says so.
mkfolder() {
	out=$B/$1
	made="distinct-years $2"
	if [ -d "$out" ] && [ "$(cat "$out.made" 2>/dev/null)" = "$made" ]; then
		return 0
	fi
	say "bench: building $out/ ($2 transcripts)"
	rm -rf "$out" "$out.made" && mkdir -p "$out" || return 1
	python3 - "$out" "$2" "$seeds"/*.txt <<'EOF' || return 1
import os, sys
out, n, seeds = sys.argv[1], int(sys.argv[2]), sorted(sys.argv[3:])
texts = [open(s, "rb").read() for s in seeds]
for k in range(n):
    t, i = texts[k % len(texts)], k // len(texts)
    if i:
        y = b"%d" % (1900 + i)
        t = t.replace(b"2017", y).replace(b"2020", y).replace(b"2016", y)
    d = os.path.join(out, "d%02d" % (k // 100))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "t%04d.txt" % k), "wb") as f:
        f.write(t)
EOF
	echo "$made" > "$out.made"
}

# input_path KEY: prints the path of input KEY, building it first if needed.
# A new kind of input is one more case here (and its rows in bench/rows).
input_path() {
	case $1 in
	text-*[0-9]m | text-*[0-9]g)
		n=${1#text-}
		n=${n%?}
		case $1 in *m) mult=1000000 ;; *) mult=1000000000 ;; esac
		mkstream "$1" $((n * mult)) || return 1
		echo "$B/$1.txt"
		;;
	varied-*[0-9]m)
		# the seeds repeated with their years changed, so that every copy
		# is a briefing of its own id (the text-* copies share their ids)
		out=$B/$1.txt
		n=${1#varied-}
		if [ ! -f "$out" ]; then
			say "bench: building $out"
			python3 - "$out" "${n%m}000000" "$seeds"/*.txt <<'EOF' || return 1
import sys
out, size, seeds = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
texts = [open(s, "rb").read() for s in sorted(seeds)]
with open(out + ".tmp", "wb") as f:
    i = written = 0
    while written < size:
        for t in texts:
            y = b"%d" % (1800 + i % 200)
            t = t if i == 0 else t.replace(b"2017", y).replace(b"2020", y).replace(b"2016", y)
            f.write(t)
            written += len(t)
        i += 1
EOF
			mv "$out.tmp" "$out"
		fi
		echo "$out"
		;;
	html-*[0-9]m)
		n=${1#html-}
		mkstream "$1" $((${n%?} * 1000000)) html || return 1
		echo "$B/$1.html"
		;;
	seed-50k) echo "$seeds/000_94f8377b48e035b3.txt" ;;
	archive-[0-9]*)
		mkfolder "$1" "${1#archive-}" || return 1
		echo "$B/$1"
		;;
	*)
		say "bench: unknown input '$1' (see input_path in bench/run.sh)"
		return 1
		;;
	esac
}

# input_bytes PATH: the size of a file, or the total of the files in a folder
input_bytes() {
	if [ -d "$1" ]; then
		find "$1" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'
	else
		wc -c < "$1"
	fi
}

# subst COMMAND: the row's command with its placeholders filled in
subst() {
	printf '%s\n' "$1" | sed -e "s|{in}|$2|g" -e "s|{bp}|$BP|g" -e "s|{rules}|$rules|g" -e "s|{tmp}|$B|g" -e "s|{db}|$DB|g" \
		-e "s|{libxml2}|$B/libxml2-sax|g" -e "s|{fresh}|$FRESH|g" -e "s|{kept}|$FRESH|g" \
		-e "s|{terms}|$B/terms.txt|g" -e 's/  */ /g' -e 's/ $//'
}

grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "${BENCH_ROWS:-bench/rows}" > "$RAW/rows.in"
total=$(wc -l < "$RAW/rows.in")
: > "$RAW/rows.tsv"
failed=0
i=0
while read -r name input runs out cmd <&3; do
	i=$((i + 1))
	if ! in=$(input_path "$input"); then
		failed=1
		continue
	fi
	bytes=$(input_bytes "$in")
	case $in in "$B"/*) [ "$bytes" -ge 1000000000 ] && temp="$temp $in" ;; esac
	c=$(subst "$cmd" "$in")
	say "[$i/$total] $name: $c ($bytes bytes, $runs timed runs)"

	# The measured run: peak RSS, exit status, cpu, output lines (records).
	# $c is split into words on purpose (no shell in between, like hyperfine -N).
	prep=""
	case $cmd in *"{db}"*) prep="$DB $DB-wal $DB-shm" ;; esac
	if [ -n "$prep" ]; then
		prep="rm -rf $prep"
		$prep
	fi
	fresh=0
	case $cmd in *"{fresh}"*) fresh=1 ;; esac
	case $cmd in *"{fresh}"* | *"{kept}"*) settle_fs ;; esac
	[ "$fresh" = 0 ] || aside
	set -f
	if [ "$out" = null ]; then
		# shellcheck disable=SC2086
		/usr/bin/time -f '%M %e %x %U %S' -o "$RAW/$name.time" $c < /dev/null > /dev/null 2> "$RAW/$name.err"
	else
		# shellcheck disable=SC2086
		/usr/bin/time -f '%M %e %x %U %S' -o "$RAW/$name.time" $c < /dev/null 2> "$RAW/$name.err" |
			wc -l > "$RAW/$name.lines"
	fi
	set +f
	status=$(tail -n 1 "$RAW/$name.time" 2>/dev/null | awk '{ print $3 }')
	if [ "${status:-x}" != 0 ]; then
		say "bench: $name failed (exit status ${status:-unknown}):"
		head -n 5 "$RAW/$name.err" >&2
		failed=1
		continue
	fi

	# The timed runs. The measured run has warmed the page cache; only the
	# short rows (many runs) get warmup runs of their own. Archive rows are
	# timed here, one run at a time, each with what the rest of the machine
	# used meanwhile (see busy): their ratios need that to be read.
	if [ "$runs" -gt 0 ] && [ "${input#archive-}" != "$input" ]; then
		: > "$RAW/$name.runs"
		k=0
		while [ $k -lt "$runs" ]; do
			k=$((k + 1))
			[ -z "$prep" ] || $prep
			[ "$fresh" = 0 ] || aside
			b0=$(busy)
			set -f
			# shellcheck disable=SC2086
			/usr/bin/time -f '%e %U %S %x' -o "$RAW/$name.t" $c < /dev/null > /dev/null 2>> "$RAW/$name.err"
			set +f
			b1=$(busy)
			read -r e u sy x < "$RAW/$name.t"
			if [ "$x" != 0 ]; then
				say "bench: $name failed in timed run $k (exit status $x)"
				failed=1
				break
			fi
			printf '%s %s %s %s %s\n' "$e" "$u" "$sy" "$b0" "$b1" >> "$RAW/$name.runs"
		done
		[ "${x:-1}" = 0 ] || continue
	elif [ "$runs" -gt 0 ]; then
		warm=0
		[ "$runs" -ge 20 ] && warm=3
		hout=null
		[ "$out" = pipe ] && hout=pipe
		if ! hyperfine -N --style basic --runs "$runs" --warmup "$warm" --output "$hout" \
			${prep:+--prepare "$prep"} \
			--export-json "$RAW/$name.json" -n "$name" "$c" < /dev/null > "$RAW/$name.hyperfine" 2>&1; then
			say "bench: $name failed under hyperfine:"
			tail -n 5 "$RAW/$name.hyperfine" >&2
			rm -f "$RAW/$name.json"
			failed=1
			continue
		fi
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$input" "$in" "$bytes" "$runs" "$out" "$c" \
		>> "$RAW/rows.tsv"
done 3< "$RAW/rows.in"

{
	printf 'seeds\t%s\n' "$seeds"
	printf 'rules\t%s\n' "$rules"
	printf 'terms\t%s\n' "$(wc -l < "$B/terms.txt")"
	printf 'commit\t%s\n' "$(git rev-parse --short HEAD 2>/dev/null)"
	printf 'load_start\t%s\n' "$load_start"
	printf 'clk_tck\t%s\n' "$(getconf CLK_TCK)"
} > "$RAW/meta"

python3 bench/report.py "$RAW" bench || failed=1
exit "$failed"
