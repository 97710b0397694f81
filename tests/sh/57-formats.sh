# formats: --format json / csv and --sqlite against the JSON Lines records
# (tests/formats_check.py: same blocks, same tags, CSV read back by Python's
# csv module, odd text round-tripping), the README's SQLite queries, re-runs
# replacing without duplicates, kill -9 mid-run leaving a consistent database
# (tests/sqlite_check.py), stdin, option errors, valgrind over each format.
AREA=formats
. "$BP_ROOT/tests/sh/lib.sh"
cd "$BP_ROOT" || exit 1
D="$BP_TMP/formats"
rm -rf "$D"
mkdir -p "$D"
SQ="$PY tests/sqlite_check.py"

# ---- each format against the JSONL records
specs="tests/formats/odd-text.txt"
for f in data/samples/*.txt tests/cases/*.txt tests/cases/*.html; do
	[ -f "$f" ] || continue
	a=""
	[ -f "${f%.*}.args" ] && a=":$(tr ' ' ',' < "${f%.*}.args")"
	specs="$specs $f$a"
done
# shellcheck disable=SC2086
checker formats-checker "$D/formats.out" $PY tests/formats_check.py "$BIN" "$D" $specs
results formats-checker "$D/formats.out"

# ---- SQLite: the README's queries, on the samples (stdin for one of them)
db="$D/samples.db"
"$BIN" data/samples/*.txt > "$D/samples.jsonl"
if "$BIN" --sqlite "$db" data/samples/000_94f8377b48e035b3.txt data/samples/001_7b2a66f66435a73a.txt &&
	"$BIN" --sqlite "$db" < data/samples/004_8753a4a0bd27a951.txt; then
	ok sqlite-stdin
else
	fail sqlite-stdin "briefparse --sqlite failed"
fi
# the record from stdin names "-": the JSONL reference too
sed 's|"path":"data/samples/004_8753a4a0bd27a951.txt"|"path":"-"|' "$D/samples.jsonl" > "$D/samples-stdin.jsonl"
check sqlite-queries $SQ queries "$db" "$D/samples-stdin.jsonl"
check sqlite-consistent $SQ consistent "$db"
check sqlite-cli-country sh -c "sqlite3 '$db' \"select date, text from blocks join block_countries using(block_id) where code='SY'\" | grep -q '^2017-02-09|'"

# ---- re-running replaces, without duplicates
cp "$db" "$D/once.db"
"$BIN" --sqlite "$db" data/samples/*.txt && "$BIN" --sqlite "$db" data/samples/*.txt
check rerun-consistent $SQ consistent "$db"
# the stdin run named its source "-"; the re-runs name the file: same rows but the path
check rerun-no-duplicates sh -c "test \"\$(sqlite3 '$db' 'select count(*) from blocks')\" = \"\$(sqlite3 '$D/once.db' 'select count(*) from blocks')\" && test \"\$(sqlite3 '$db' 'select count(*) from briefings')\" = 3"
# a corrected transcript (same title and agenda: the same id, a new digest) replaces its briefing
sed 's/The cessation of hostilities in Syria/The CORRECTED cessation of hostilities in Syria/' \
	data/samples/000_94f8377b48e035b3.txt > "$D/corrected.txt"
before=$(sqlite3 "$db" "select count(*) from blocks")
"$BIN" --sqlite "$db" "$D/corrected.txt"
"$BIN" "$D/corrected.txt" > "$D/corrected.jsonl"
want_sha=$(sed -n 's/.*"type":"briefing".*"sha256":"\([0-9a-f]*\)".*/\1/p' "$D/corrected.jsonl")
check replace-changed sh -c "
	test \"\$(sqlite3 '$db' 'select count(*) from blocks')\" = '$before' &&
	test \"\$(sqlite3 '$db' \"select count(*) from briefings where sha256 = '$want_sha'\")\" = 1 &&
	test \"\$(sqlite3 '$db' \"select count(*) from blocks_fts where blocks_fts match 'corrected'\")\" -ge 1 &&
	test \"\$(sqlite3 '$db' \"select count(*) from blocks where text like '%The cessation of hostilities in Syria%'\")\" = 0"
check replace-consistent $SQ consistent "$db"

# ---- kill -9 mid-run: the database stays consistent, a re-run completes it
# big.txt: the seeds 40 times over with their years changed (distinct ids)
$PY - "$D/big.txt" /work/shared/corpus/seeds/*.txt data/samples/*.txt <<'EOF' || fail kill-input "cannot write big.txt"
import sys
out, seeds = sys.argv[1], sorted(set(sys.argv[2:]), key=lambda p: p.rsplit("/", 1)[-1])
names, texts = set(), []
for s in seeds:
    n = s.rsplit("/", 1)[-1]
    if n not in names:
        names.add(n)
        texts.append(open(s, "rb").read())
with open(out, "wb") as f:
    for i in range(40):
        for t in texts:
            f.write(t if i == 0 else t.replace(b"2017", b"%d" % (1950 + i)).replace(b"2020", b"%d" % (1950 + i)))
EOF
nice -n 19 "$BIN" -t1 --sqlite "$D/full.db" "$D/big.txt"
full_briefings=$(sqlite3 "$D/full.db" "select count(*) from briefings")
check kill-input-distinct test "$full_briefings" -ge 100
# a kill while a briefing's transaction is open: the input stalls in the
# middle of a briefing (its blocks inserted, its record not yet parsed)
head -c 70000 "$D/big.txt" > "$D/head.txt"
rm -f "$D/stall.db"*
check kill-stalled $SQ stall "$BIN" "$D/stall.db" "$D/head.txt"
check kill-stalled-consistent $SQ consistent "$D/stall.db"
check kill-stalled-one-briefing test "$(sqlite3 "$D/stall.db" "select count(*) from briefings")" = 1
# kills at several points of a run over the whole stream, each followed by a
# re-run: the result equals the uninterrupted run
for delay in 0.3 0.8 1.5 2.5; do
	rm -f "$D/kill.db"*
	nice -n 19 "$BIN" -t1 --sqlite "$D/kill.db" "$D/big.txt" &
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	# -readonly: a missing database stays missing (sqlite3 would create an empty file)
	n=$(sqlite3 -readonly "$D/kill.db" "select count(*) from briefings" 2>/dev/null || echo none)
	check "kill-$delay-consistent" $SQ consistent "$D/kill.db"
	nice -n 19 "$BIN" -t1 --sqlite "$D/kill.db" "$D/big.txt"
	check "kill-$delay-rerun-same" $SQ same "$D/kill.db" "$D/full.db"
	printf '    (killed after %s s with %s of %s briefings in)\n' "$delay" "$n" "$full_briefings"
done
rm -f "$D/big.txt"
# kills while the database is being made (the first tens of milliseconds):
# no database or a whole one at the path, never one without its schema (the
# previous binary left a 4 KB file of no tables when killed between its
# creation and the schema's commit, as kill-0.3 sometimes was under load)
early=""
for delay in 0 0.004 0.008 0.012 0.016 0.02 0.024 0.028 0.032 0.036 0.04 0.044 0.048 0.052 0.056 0.06 0.07 0.08 0.09 0.1; do
	rm -f "$D/early.db"*
	"$BIN" -t1 --sqlite "$D/early.db" data/samples/000_94f8377b48e035b3.txt &
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	why=$($SQ consistent "$D/early.db") || early="$early $delay s: $why;"
done
if [ -z "$early" ]; then ok kill-early-whole-or-none; else fail kill-early-whole-or-none "$early"; fi
rm -f "$D/early.db"*
# what a kill while the database is made leaves beside it (PATH.new-PID-HEX
# and its -wal) is removed by the next run when PID no longer runs; the
# files of a running process, of another database and other names stay
dead=$(sh -c 'echo $$')
while kill -0 "$dead" 2> /dev/null; do dead=$(sh -c 'echo $$'); done # not reused yet
rm -rf "$D/stale" && mkdir "$D/stale"
for f in "s.db.new-$dead-55d0" "s.db.new-$dead-55d0-wal" "s.db.new-$dead-1-journal" \
	"s.db.new-$$-1" "s.db.new-x-1" "s.db.new-$dead-1-foo" "t.db.new-$dead-1"; do
	: > "$D/stale/$f"
done
"$BIN" --sqlite "$D/stale/s.db" data/samples/000_94f8377b48e035b3.txt 2> "$D/stale.err"
same_text() { [ "$1" = "$2" ] || { printf 'got:  %s\nwant: %s\n' "$1" "$2"; return 1; }; }
check stale-new-removed same_text "$(cd "$D/stale" && ls | LC_ALL=C sort | tr '\n' ' ')" \
	"$(printf '%s\n' s.db "s.db.new-$$-1" "s.db.new-$dead-1-foo" s.db.new-x-1 "t.db.new-$dead-1" |
		LC_ALL=C sort | tr '\n' ' ')"
check stale-new-db-whole $SQ consistent "$D/stale/s.db"
(cd "$D/stale" && rm -f s.db* && : > "s.db.new-$dead-2" && "$BIN" --sqlite s.db \
	"$BP_ROOT/data/samples/000_94f8377b48e035b3.txt" 2> /dev/null)
check stale-new-removed-relative same_text "$(cd "$D/stale" && ls s.db* | tr '\n' ' ')" "s.db "
rm -rf "$D/stale"

# ---- an input failing inside a briefing (a read fault, tests/fault/shim.c):
# SQLite rolls its briefing back; JSON closes its blocks in a document
if cc -shared -fPIC -o "$D/shim.so" tests/fault/shim.c -ldl 2> "$D/err"; then
	cp data/samples/001_7b2a66f66435a73a.txt "$D/victim.txt"
	set -- data/samples/000_94f8377b48e035b3.txt "$D/victim.txt"
	LD_PRELOAD="$D/shim.so" BP_FAULT_READ_AFTER=20000 BP_FAULT_READ_FILE=victim.txt \
		"$BIN" --sqlite "$D/fault.db" "$@" 2> "$D/fault.err"
	check fault-read-sqlite-status test $? = 1
	check fault-read-sqlite-consistent $SQ consistent "$D/fault.db"
	check fault-read-sqlite-rolled-back test "$(sqlite3 "$D/fault.db" \
		"select group_concat(briefing_id) from briefings")" = 2017-02-09-fa5960ee
	LD_PRELOAD="$D/shim.so" BP_FAULT_READ_AFTER=20000 BP_FAULT_READ_FILE=victim.txt \
		"$BIN" --format json "$@" > "$D/fault.json" 2> "$D/fault.err"
	check fault-read-json-status test $? = 1
	check fault-read-json-closed $PY -c '
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1])]
assert len(docs) == 2 and "title" in docs[0], "two documents, the first whole"
assert sorted(docs[1]) == ["blocks", "id", "type"] and docs[1]["blocks"], sorted(docs[1])
assert all(b["briefing"] == docs[1]["id"] for b in docs[1]["blocks"])' "$D/fault.json"
else
	fail fault-shim-build "$(cat "$D/err")"
fi

# ---- archive mode (-o) with --format and --sqlite
A="$D/archive-in"
rm -rf "$A" "$D/aout" "$D/adb.db"* "$D/adb-cli.db"*
mkdir -p "$A/sub"
cp data/samples/000_94f8377b48e035b3.txt "$A/a.txt"
cp data/samples/001_7b2a66f66435a73a.txt "$A/sub/b.txt"
cp tests/formats/odd-text.txt "$A/sub/odd, \"text\".txt"
"$BIN" -q -j2 -o "$D/aout" --format csv --sqlite "$D/adb.db" "$A"
check archive-csv-status test $? = 0
same=ok
for f in a.txt sub/b.txt 'sub/odd, "text".txt'; do
	"$BIN" --format csv "$A/$f" | cmp -s - "$D/aout/$f.csv" || same="$f.csv differs from --format csv"
done
check archive-csv-outputs test "$same" = ok
"$BIN" --sqlite "$D/adb-cli.db" "$A/a.txt" "$A/sub/b.txt" "$A/sub/odd, \"text\".txt"
check archive-sqlite-same $SQ same "$D/adb.db" "$D/adb-cli.db"
check archive-sqlite-consistent $SQ consistent "$D/adb.db"
"$BIN" -q -j2 -o "$D/aout" --format csv --sqlite "$D/adb.db" "$A"
check archive-rerun-same $SQ same "$D/adb.db" "$D/adb-cli.db"
# another format: every output redone under its new name, the old ones removed
"$BIN" -q -o "$D/aout" --format json "$A"
check archive-json-outputs sh -c "cd '$D/aout' && test -f a.txt.json && test -f sub/b.txt.json && ! test -e a.txt.csv && '$BIN' --format json '$A/a.txt' | cmp -s - a.txt.json"
# a database gone: the next run with --sqlite redoes every input into a new one
rm -f "$D/adb.db"*
"$BIN" -q -o "$D/aout" --format json --sqlite "$D/adb.db" "$A"
check archive-sqlite-new-db $SQ same "$D/adb.db" "$D/adb-cli.db"
# inputs that disappear: their briefings leave the database too (all rows:
# blocks, tags, FTS), as their outputs leave OUT, unless --keep-stale. A
# copy of a.txt (the same briefing id, one row) written last (-j1, sorted)
# goes: the briefing stays, now a.txt's own (a.txt is redone to write it).
adb() { sqlite3 "$D/adb.db" "$1"; }
mkdir -p "$A/zz-dup"
cp "$A/a.txt" "$A/zz-dup/a.txt"
"$BIN" -q -j1 -o "$D/aout" --format json --sqlite "$D/adb.db" "$A"
a_id=$(adb "select briefing_id from briefings where source_path = '$A/zz-dup/a.txt'")
check archive-dup-one-row test -n "$a_id" -a "$(adb "select count(*) from briefings where briefing_id = '$a_id'")" = 1
b_words=$(adb "select count(*) from blocks_fts where blocks_fts match 'helmets' and briefing_id in (select briefing_id from briefings where source_path = '$A/sub/b.txt')")
check archive-stale-fts-has-b test "$b_words" -gt 0
rm "$A/sub/b.txt" "$A/zz-dup/a.txt"
rmdir "$A/zz-dup"
"$BIN" -j2 -o "$D/aout" --format json --sqlite "$D/adb.db" "$A" 2> "$D/stale.err"
check archive-stale-status test $? = 0
"$BIN" --sqlite "$D/adb-cli2.db" "$A/a.txt" "$A/sub/odd, \"text\".txt"
check archive-stale-removed $SQ same "$D/adb.db" "$D/adb-cli2.db"
check archive-stale-consistent $SQ consistent "$D/adb.db"
check archive-stale-fts-gone test "$(adb "select count(*) from blocks_fts where blocks_fts match 'helmets'")" = 0
check archive-stale-no-owner test "$(adb "select count(*) from briefing_sources where source_path in ('$A/sub/b.txt', '$A/zz-dup/a.txt')")" = 0
check archive-stale-dup-kept test "$(adb "select source_path from briefings where briefing_id = '$a_id'")" = "$A/a.txt"
check archive-stale-summary grep -q '; 2 stale outputs removed; 1 stale briefings removed from the database$' "$D/stale.err"
# --keep-stale keeps them, in OUT and in the database; the next run without it removes them
cp "$D/adb.db" "$D/adb-before.db"
rm "$A/sub/odd, \"text\".txt"
"$BIN" -q --keep-stale -o "$D/aout" --format json --sqlite "$D/adb.db" "$A"
check archive-keep-stale-db $SQ same "$D/adb.db" "$D/adb-before.db"
check archive-keep-stale-output test -f "$D/aout/sub/odd, \"text\".txt.json"
"$BIN" -q -o "$D/aout" --format json --sqlite "$D/adb.db" "$A"
"$BIN" --sqlite "$D/adb-cli3.db" "$A/a.txt"
check archive-kept-then-removed $SQ same "$D/adb.db" "$D/adb-cli3.db"
check archive-kept-then-removed-consistent $SQ consistent "$D/adb.db"
# the same folder named by another path: every input redone under its new
# source path, the old path gives no briefing any more (briefing_sources),
# so an input that then goes takes its briefing along
cp data/samples/001_7b2a66f66435a73a.txt "$A/b.txt"
"$BIN" -q -o "$D/aout" --format json --sqlite "$D/adb.db" "$A"
(cd "$D" && "$BIN" -q -o aout --format json --sqlite adb.db archive-in)
check archive-renamed-owners test "$(adb "select count(*) from briefing_sources where source_path like '$A/%'")" = 0
rm "$A/b.txt"
(cd "$D" && "$BIN" -q -o aout --format json --sqlite adb.db archive-in)
check archive-renamed-then-gone $SQ same "$D/adb.db" "$D/adb-cli3.db"
check archive-renamed-consistent $SQ consistent "$D/adb.db"
# an input that now fails (no briefing in it) loses its output and its briefings
printf 'no briefing here\n' > "$A/a.txt"
"$BIN" -q -o "$D/aout" --format json --sqlite "$D/adb.db" "$A" 2> /dev/null
check archive-now-failing-status test $? = 1
check archive-now-failing-db test "$(adb "select count(*) from briefings") $(adb "select count(*) from blocks")" = "0 0"
check archive-now-failing-consistent $SQ consistent "$D/adb.db"

# ---- archive mode with --sqlite, killed (kill -9) at several points and run
# again: the database and the outputs of an uninterrupted run
K="$D/akill-in"
rm -rf "$K" "$D/akill-ref" "$D/akill-ref.db"*
$PY - "$K" data/samples/*.txt <<'EOF' || fail akill-input "cannot write $K"
import os, sys
out, seeds = sys.argv[1], sorted(sys.argv[2:])
for i in range(20):
    for s in seeds:
        t = open(s, "rb").read()
        if i:
            y = b"%d" % (1950 + i)
            t = t.replace(b"2017", y).replace(b"2020", y).replace(b"2016", y)
        d = os.path.join(out, "d%d" % (i % 4))
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "%02d-%s" % (i, os.path.basename(s))), "wb") as f:
            f.write(t)
EOF
"$BIN" -q -j2 -o "$D/akill-ref" --sqlite "$D/akill-ref.db" "$K"
nfiles=$(find "$K" -type f | wc -l)
check akill-ref-briefings test "$(sqlite3 "$D/akill-ref.db" "select count(*) from briefings")" = "$nfiles"
mid=0
for n in 1 10 30; do
	rm -rf "$D/akill-out" "$D/akill.db"*
	"$BIN" -q -j2 -o "$D/akill-out" --sqlite "$D/akill.db" "$K" &
	pid=$!
	t=0 got=0
	while [ "$got" -lt $n ] && kill -0 $pid 2> /dev/null && [ $t -lt 1500 ]; do
		sleep 0.02
		got=$(sqlite3 "$D/akill.db" "select count(*) from briefings" 2> /dev/null || echo 0)
		t=$((t + 1))
	done
	kill -9 $pid 2> /dev/null
	wait $pid 2> /dev/null
	st1=$?
	got=$(sqlite3 "$D/akill.db" "select count(*) from briefings" 2> /dev/null || echo 0)
	[ $st1 = 137 ] && [ "$got" -lt "$nfiles" ] && mid=$((mid + 1))
	check "akill-$n-killed-consistent" $SQ consistent "$D/akill.db"
	"$BIN" -q -j2 -o "$D/akill-out" --sqlite "$D/akill.db" "$K"
	check "akill-$n-rerun-status" test $? = 0
	check "akill-$n-db-same" $SQ same "$D/akill.db" "$D/akill-ref.db"
	check "akill-$n-consistent" $SQ consistent "$D/akill.db"
	check "akill-$n-outputs-same" diff -r -x .briefparse-manifest "$D/akill-ref" "$D/akill-out"
	printf '    (archive --sqlite killed once %s briefings were in: status %s, %s of %s)\n' "$n" "$st1" "$got" "$nfiles"
done
# the kills above are only a test if some of them hit a run half done
check akill-mid-run test $mid -ge 1
rm -rf "$K" "$D/akill-out" "$D/akill-ref"

# ---- options
check usage-format-unknown sh -c "'$BIN' --format xml x.txt 2>&1 | grep -qx \"briefparse: --format needs jsonl, json or csv, not 'xml'\""
check usage-sqlite-and-format sh -c "'$BIN' --sqlite x.db --format csv x.txt 2>&1 | grep -qx 'briefparse: --sqlite and --format go together only with -o'"
check usage-pretty-csv sh -c "'$BIN' --pretty --format csv x.txt; test \$? = 2"
check sqlite-unwritable sh -c "'$BIN' --sqlite /nonexistent/x.db data/samples/000_94f8377b48e035b3.txt 2>&1 | grep -q \"^briefparse: '/nonexistent/x.db': sqlite: \""
check format-jsonl-is-default sh -c "cd tests/cases && '$BIN' --format jsonl seed-000.txt | cmp -s - seed-000.jsonl"
check csv-empty-input-header sh -c "printf '' | '$BIN' --format csv 2>/dev/null | head -n 1 | grep -q '^briefing,id,date,type,'"

# ---- valgrind over each format (memory errors, leaks). -t1: with the
# classifier thread, valgrind reports a jump on uninitialised bytes inside
# PCRE2's JIT code for odd-text.txt, on the block copies of offload.c (the
# same with JSONL: not the emitters'; see the valgrind area for -t2)
if command -v valgrind > /dev/null; then
	for fmt in "--format json" "--format json --pretty" "--format csv" "--sqlite $D/vg.db"; do
		name=valgrind-$(echo "$fmt" | sed 's/^--//; s/ --/-/g; s/ .*\/.*//; s/ /-/g')
		# shellcheck disable=SC2086
		check "$name" timeout 300 valgrind -q --error-exitcode=99 --leak-check=full \
			--errors-for-leak-kinds=definite,indirect "$BIN" -t1 $fmt tests/formats/odd-text.txt \
			data/samples/000_94f8377b48e035b3.txt
	done
fi
