# archive: briefparse -o OUT (src/archive.c, bp_archive.h) over a tree with
# nested folders and odd names (spaces, a newline, a non-UTF-8 byte), binary,
# empty and non-briefing files, a symlink loop and a dangling link; each
# output byte-identical to the file run alone; errors.jsonl; re-runs (up to
# date, changed input, touched input, rules changed with --rules, vanished
# input, --keep-stale); symbolic links inside OUT never followed; a read
# error; resume after kill -9 at several points (by outputs landed) and
# after SIGINT; progress (plain, on a terminal, -q); exit statuses; stable
# ids; each file and a stream (text, HTML) on stdin against the archive
# outputs; the GNU parallel recipe of docs/scaling.md.
AREA=archive
. "$BP_ROOT/tests/sh/lib.sh"
D="$BP_TMP/archive"
rm -rf "$D"
mkdir -p "$D"
cd "$D" || exit 1
CASES="$BP_ROOT/tests/cases"
NL='
'

# ---- the odd tree -----------------------------------------------------------
mkdir -p in/a/b/c "in/with space" in/variants
cp "$CASES/seed-000.txt" in/a/seed-000.txt
cp "$CASES/seed-001.txt" in/a/b/c/seed-001.txt
cp "$CASES/seed-004.txt" "in/with space/seed-004.txt"
cp "$CASES"/variant-*.txt in/variants/
cp "$CASES/variant-kozhin-2018.txt" "in/new${NL}line.txt"
cp "$CASES/variant-bullets-2021.txt" "in/$(printf 'bad\377byte.txt')"
mkdir -p in/html
cp "$CASES/seed-004.page.html" in/html/page.html
head -c 3000 "$BIN" > in/bin.dat
: > in/empty.txt
printf 'just some notes\n' > in/notes.txt
ln -s . in/loop
ln -s nowhere in/dangling.txt
mkfifo in/fifo 2>/dev/null || true

"$BIN" -o out in > run1.out 2> run1.err
rc=$?
[ $rc = 1 ] && ok tree/exit-1 || fail tree/exit-1 "exit status $rc" "$(cat run1.err)"
[ -s run1.out ] && fail tree/stdout-empty "$(head -c 200 run1.out)" || ok tree/stdout-empty

# the outputs, exactly; each the file run on its own (same path, -t1)
# (one name per line, a newline in a name shown as ?)
names() { find . "$@" -print0 | tr '\n\0' '?\n' | LC_ALL=C sort; }
(cd out && names -name '*.jsonl' ! -name errors.jsonl) > outputs.got
(cd in && names -type f ! -name bin.dat ! -name empty.txt ! -name notes.txt | sed 's/$/.jsonl/') > outputs.want
if cmp -s outputs.got outputs.want; then ok tree/outputs; else fail tree/outputs "$(diff outputs.want outputs.got)"; fi
bad=""
for f in in/a/seed-000.txt in/a/b/c/seed-001.txt "in/with space/seed-004.txt" in/variants/*.txt in/html/page.html \
	"in/new${NL}line.txt" "in/$(printf 'bad\377byte.txt')"; do
	"$BIN" -t1 "$f" > one.jsonl 2>/dev/null
	cmp -s one.jsonl "out/${f#in/}.jsonl" || bad="$bad '$f'"
done
[ -z "$bad" ] && ok tree/same-as-alone || fail tree/same-as-alone "differ:$bad"
if $PY -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]' \
	"out/$(printf 'bad\377byte.txt').jsonl" 2>/dev/null && grep -q 'bad\\ufffd\|bad�byte' "out/$(printf 'bad\377byte.txt').jsonl"; then
	ok tree/non-utf8-name-valid-json
else
	fail tree/non-utf8-name-valid-json "source.path is not valid UTF-8 JSON"
fi

# errors.jsonl: the failures, in order; skipped files are not failures
checker tree/errors-checker errors.got $PY "$BP_ROOT/tests/archive_check.py" errors out/errors.jsonl
cat > errors.want <<'EOF'
'in/dangling.txt'	'cannot read: dangling symbolic link'
'in/loop'	'symlink loop: the folder contains itself'
'in/notes.txt'	'no briefing found'
EOF
if cmp -s errors.got errors.want; then ok tree/errors.jsonl; else fail tree/errors.jsonl "$(diff errors.want errors.got)"; fi
cat > stderr.want <<'EOF'
briefparse: 'in/dangling.txt': cannot read: dangling symbolic link
briefparse: 'in/loop': symlink loop: the folder contains itself
briefparse: 'in/notes.txt': no briefing found
EOF
grep -v '^briefparse: [0-9]* inputs in' run1.err | LC_ALL=C sort > stderr.got
if cmp -s stderr.got stderr.want; then ok tree/stderr; else fail tree/stderr "$(diff stderr.want stderr.got)"; fi
skipped=3 inputs=16
[ -p in/fifo ] || skipped=2 inputs=15
if grep -q "^briefparse: $inputs inputs in [0-9.]* s: 10 parsed (2 with warnings), 0 up to date, $skipped skipped (.*), 3 failed (.*); [0-9]* records written$" run1.err &&
	grep -q 'skipped (.*1 not text' run1.err && grep -q 'skipped (.*1 empty' run1.err; then
	ok tree/summary
else
	fail tree/summary "$(tail -n 1 run1.err)"
fi
mkdir -p warn
$PY -c 'import sys; t = open(sys.argv[1], "rb").read(); open(sys.argv[2], "wb").write(t[:5000] + b"\xff" + t[5000:])' \
	"$CASES/seed-004.txt" warn/w.txt || fail warn/input "cannot write warn/w.txt"
cp "$CASES/seed-001.txt" warn/
"$BIN" -o wout warn > /dev/null 2> warn.err
grep -q ': 2 parsed (1 with warnings),' warn.err && ok tree/with-warnings || fail tree/with-warnings "$(cat warn.err)"
[ -e out/.briefparse-tmp ] && fail tree/no-temp-files "$(ls -a out/.briefparse-tmp)" || ok tree/no-temp-files
[ -f out/.briefparse-manifest ] && ok tree/manifest || fail tree/manifest "no out/.briefparse-manifest"

# ---- re-runs ------------------------------------------------------------------
listing() { (cd out && find . -type f ! -name errors.jsonl ! -name .briefparse-manifest -printf '%p %i %T@ %s\n' | LC_ALL=C sort); }
listing > before
"$BIN" -o out in > /dev/null 2> run2.err
rc=$?
listing > after
if [ $rc = 1 ] && cmp -s before after && grep -q ': 0 parsed (0 with warnings), 10 up to date,' run2.err; then
	ok rerun/up-to-date
else
	fail rerun/up-to-date "exit status $rc" "$(tail -n 1 run2.err)" "$(diff before after | head -n 5)"
fi

touch in/a/b/c/seed-001.txt
printf '\n' >> in/a/seed-000.txt
"$BIN" -o out in > /dev/null 2> run3.err
listing > after3
"$BIN" -t1 in/a/seed-000.txt > one.jsonl
if grep -q ': 1 parsed (0 with warnings), 9 up to date,' run3.err && cmp -s one.jsonl out/a/seed-000.txt.jsonl &&
	[ "$(grep ' ./a/b/c/' before)" = "$(grep ' ./a/b/c/' after3)" ] 2>/dev/null; then
	ok rerun/changed-and-touched
else
	fail rerun/changed-and-touched "$(tail -n 1 run3.err)"
fi
grep -q '^\./a/b/c/seed-001.txt.jsonl ' after3 && [ "$(grep '^\./a/b/c/' before)" = "$(grep '^\./a/b/c/' after3)" ] &&
	ok rerun/touched-not-rewritten || fail rerun/touched-not-rewritten "$(grep '^\./a/b/c/' before after3)"

mkdir -p rules
cp "$BP_ROOT"/data/*.tsv "$BP_ROOT"/data/*.rules rules/
printf '# a comment: the rules changed\n' >> rules/topics.rules
"$BIN" --rules rules -o out in > /dev/null 2> run4.err
"$BIN" --rules rules -o out in > /dev/null 2> run5.err
"$BIN" -o out in > /dev/null 2> run6.err
if grep -q ': 10 parsed' run4.err && grep -q ': 0 parsed (0 with warnings), 10 up to date' run5.err &&
	grep -q ': 10 parsed' run6.err; then
	ok rerun/rules-changed
else
	fail rerun/rules-changed "$(tail -n 1 run4.err)" "$(tail -n 1 run5.err)" "$(tail -n 1 run6.err)"
fi
"$BIN" --no-classify -o out in > /dev/null 2> run7.err
"$BIN" -o out in > /dev/null 2> run8.err
grep -q ': 10 parsed' run7.err && grep -q ': 10 parsed' run8.err && cmp -s one.jsonl out/a/seed-000.txt.jsonl &&
	ok rerun/settings-changed || fail rerun/settings-changed "$(tail -n 1 run7.err)"
"$BIN" --force -o out in > /dev/null 2> run9.err
grep -q ': 10 parsed' run9.err && ok rerun/force || fail rerun/force "$(tail -n 1 run9.err)"

rm "in/variants/variant-outside-moscow.txt"
"$BIN" -o out in > /dev/null 2> run10.err
if [ ! -e out/variants/variant-outside-moscow.txt.jsonl ] && grep -q '; 1 stale outputs removed$' run10.err; then
	ok rerun/vanished-removed
else
	fail rerun/vanished-removed "$(tail -n 1 run10.err)"
fi
rm -r "in/with space"
"$BIN" --keep-stale -o out in > /dev/null 2> run11.err
kept=$([ -f "out/with space/seed-004.txt.jsonl" ] && echo yes)
"$BIN" -o out in > /dev/null 2> run12.err
if [ "$kept" = yes ] && [ ! -e "out/with space" ] && grep -q '; 1 stale outputs removed$' run12.err; then
	ok rerun/keep-stale
else
	fail rerun/keep-stale "kept: $kept" "$(tail -n 1 run11.err)" "$(tail -n 1 run12.err)"
fi
printf 'not a briefing any more\n' > in/variants/variant-deputy-director.txt
"$BIN" -o out in > /dev/null 2> run13.err
[ ! -e out/variants/variant-deputy-director.txt.jsonl ] && grep -q "variant-deputy-director.txt': no briefing found" run13.err &&
	ok rerun/now-failing-output-removed || fail rerun/now-failing-output-removed "$(cat run13.err)"

# the same files named by another path: records carry the path, so all redone
"$BIN" -o out "$D/in" > /dev/null 2> run14.err
"$BIN" -o out in > /dev/null 2> run15.err
if grep -q ': [1-9][0-9]* parsed (1 with warnings), 0 up to date' run14.err &&
	grep -q ': [1-9][0-9]* parsed (1 with warnings), 0 up to date' run15.err &&
	"$BIN" -t1 in/a/seed-000.txt | cmp -s - out/a/seed-000.txt.jsonl; then
	ok rerun/other-path-redone
else
	fail rerun/other-path-redone "$(tail -n 1 run14.err)" "$(tail -n 1 run15.err)"
fi

# ---- never through a link inside OUT; OUT inside an input folder ---------------
mkdir -p outside trap/a
cp "$CASES/seed-004.txt" trap/a/x.txt
cp "$CASES/seed-004.txt" trap/y.txt
mkdir -p out2
ln -s "$D/outside" out2/a
"$BIN" -o out2 trap > /dev/null 2> trap.err
rc=$?
if [ $rc = 1 ] && [ -z "$(ls -A outside)" ] && [ -f out2/y.txt.jsonl ] &&
	grep -q "^briefparse: 'trap/a/x.txt': cannot write 'out2/a/x.txt.jsonl': a symbolic link or not a folder (not followed)$" trap.err; then
	ok no-follow-in-out
else
	fail no-follow-in-out "exit status $rc" "$(cat trap.err)" "$(ls -A outside)"
fi
mkdir -p self
cp "$CASES/seed-004.txt" self/x.txt
"$BIN" -o self/out self > /dev/null 2> self.err
rc=$?
[ $rc = 0 ] && [ -f self/out/x.txt.jsonl ] && [ ! -e self/out/out ] && ok out-inside-input ||
	fail out-inside-input "exit status $rc" "$(cat self.err)" "$(find self)"

# ---- exit statuses and usage -----------------------------------------------------
status() { # NAME WANT-STATUS WANT-STDERR-PATTERN ARGS...
	n=$1 want=$2 pat=$3
	shift 3
	"$BIN" "$@" > /dev/null 2> st.err
	rc=$?
	if [ $rc = "$want" ] && grep -q -- "$pat" st.err; then ok "status/$n"; else fail "status/$n" "exit status $rc" "$(cat st.err)"; fi
}
mkdir -p clean
cp "$CASES"/seed-*.txt clean/
status clean 0 ': 3 parsed' -o out3 clean
status no-inputs 2 '^briefparse: -o needs input files or folders$' -o out3
status stdin 2 '^briefparse: -o reads files and folders, not standard input$' -o out3 -
status jobs-zero 2 "^briefparse: --jobs needs a number from 1 to 256, not '0'$" -o out3 -j0 clean
: > plainfile
status out-is-file 2 "^briefparse: 'plainfile': cannot open: Not a directory$" -o plainfile clean
if command -v flock > /dev/null; then
	flock out3 sleep 3 &
	sleep 0.5
	status locked 2 "^briefparse: 'out3': in use by another briefparse run$" -o out3 clean
	wait
fi
mkdir -p other
cp "$CASES/seed-004.txt" other/seed-000.txt
status name-clash 1 "^briefparse: 'other/seed-000.txt': its output name is taken by 'clean/seed-000.txt'$" \
	-o clash clean/seed-000.txt other/seed-000.txt
cmp -s clash/seed-000.txt.jsonl out3/seed-000.txt.jsonl && ok name-clash-first-wins || fail name-clash-first-wins
# a file that grows while it is read
# (20 MB: parsing takes long enough for appends to land meanwhile)
mkdir -p grow
$PY -c 'import sys; open(sys.argv[2], "wb").write(open(sys.argv[1], "rb").read() * 400)' "$CASES/seed-000.txt" grow/g.txt || fail grow/input "cannot write grow/g.txt"
(i=0; while [ $i -lt 100000 ]; do echo "more text $i" >> grow/g.txt; i=$((i + 1)); done) &
gpid=$!
sleep 0.05
"$BIN" -o gout grow > /dev/null 2> grow.err
rc=$?
kill $gpid 2> /dev/null
wait $gpid 2> /dev/null
if [ $rc = 1 ] && grep -q "^briefparse: 'grow/g.txt': changed while being read$" grow.err && [ ! -e gout/g.txt.jsonl ]; then
	ok file-growing
else
	fail file-growing "exit status $rc" "$(cat grow.err)"
fi
# an input that cannot be read (a read error injected, tests/fault/shim.c):
# failed and listed, the others written; without the fault a re-run does it
mkdir -p rd
cp "$CASES/seed-001.txt" rd/a.txt
cp "$CASES/seed-004.txt" rd/b.txt
if cc -shared -fPIC -o shim.so "$BP_ROOT/tests/fault/shim.c" -ldl 2> shim.err; then
	LD_PRELOAD="$D/shim.so" BP_FAULT_READ_AFTER=0 BP_FAULT_READ_FILE=b.txt "$BIN" -o rdout rd > /dev/null 2> rd.err
	rc=$?
	checker read-error-checker rd.errors $PY "$BP_ROOT/tests/archive_check.py" errors rdout/errors.jsonl
	if [ $rc = 1 ] && [ -f rdout/a.txt.jsonl ] && [ ! -e rdout/b.txt.jsonl ] &&
		[ "$(cat rd.errors)" = "'rd/b.txt'	'read error: Input/output error'" ]; then
		ok read-error
	else
		fail read-error "exit status $rc" "$(cat rd.err)" "$(cat rd.errors)"
	fi
	"$BIN" -o rdout rd > /dev/null 2> rd2.err
	rc=$?
	[ $rc = 0 ] && [ -f rdout/b.txt.jsonl ] && [ ! -s rdout/errors.jsonl ] && grep -q ': 1 parsed (1 with warnings), 1 up to date' rd2.err &&
		ok read-error-then-resumed || fail read-error-then-resumed "exit status $rc" "$(cat rd2.err)"
else
	fail read-error "$(cat shim.err)"
fi
"$BIN" -q -o out3 clean > /dev/null 2> q.err
[ $? = 0 ] && [ ! -s q.err ] && ok quiet || fail quiet "$(cat q.err)"
"$BIN" -q -o out3 in > /dev/null 2> q2.err
[ "$(grep -c . q2.err)" = "$(grep -c . out/errors.jsonl)" ] && ! grep -q 'inputs in' q2.err && ok quiet-shows-failures ||
	fail quiet-shows-failures "$(cat q2.err)"

# ---- a bigger tree: progress, kill -9, SIGINT ------------------------------------
# (every text case, and each seed twice more, 40 times: some 560 files, 15 MB)
mkdir -p big
i=0
while [ $i -lt 40 ]; do
	d=big/d$((i % 12))
	mkdir -p "$d"
	for f in "$CASES"/*.txt; do
		cp "$f" "$d/$i-$(basename "$f")"
	done
	for k in 1 2; do
		for f in "$CASES"/seed-*.txt; do
			cp "$f" "$d/$i-$k-$(basename "$f")"
		done
	done
	i=$((i + 1))
done
total=$(find big -type f | wc -l)
"$BIN" -q -j2 -o ref big > /dev/null 2>&1
BRIEFPARSE_PROGRESS_SECONDS=0 "$BIN" --force -j2 -o prog big > /dev/null 2> prog.err
if grep -q "^briefparse: [0-9]*/$total files, [0-9.]* MB/s, ETA [0-9?:]*, 0 failed$" prog.err &&
	grep -q "^briefparse: $total inputs in [0-9.]* s: $total parsed" prog.err; then
	ok progress/plain
else
	fail progress/plain "$(head -n 3 prog.err)"
fi
checker progress/pty-checker pty.out env BRIEFPARSE_PROGRESS_SECONDS=0.05 $PY "$BP_ROOT/tests/archive_check.py" pty "$BIN" --force -j2 -o prog big
if grep -q "files  [0-9.]* MB/s  ETA [0-9?:]*  0 failed" pty.out && grep -q "$(printf '\r')\[[#-]*\] " pty.out &&
	grep -q "inputs in .*: $total parsed" pty.out && grep -q '^status 0' pty.out; then
	ok progress/terminal-bar
else
	fail progress/terminal-bar "$(head -c 400 pty.out | od -c | head -n 8)"
fi

# same_as_ref NAME DIR: DIR's outputs and errors.jsonl are REF's, byte for byte,
# and nothing temporary is left
same_as_ref() {
	if [ -e "$2/.briefparse-tmp" ]; then
		fail "$1" "temporary files left: $(ls -A "$2/.briefparse-tmp" | head -n 3)"
	elif out=$(diff -r -x .briefparse-manifest ref "$2" 2>&1); then
		ok "$1"
	else
		fail "$1" "$(printf '%s' "$out" | head -n 5)"
	fi
}
# landed DIR: outputs renamed into place so far
landed() { find "$1" -name '*.jsonl' ! -name errors.jsonl 2>/dev/null | wc -l; }
# wait_landed DIR N PID: until N outputs landed or PID ended (at most 60 s)
wait_landed() {
	t=0
	while [ "$(landed "$1")" -lt "$2" ] && kill -0 "$3" 2> /dev/null && [ $t -lt 3000 ]; do
		sleep 0.02
		t=$((t + 1))
	done
}
# kill -9 once N outputs have landed (0: at once), again early in the resumed
# run, then run to the end: the outputs must be REF's
mid=0
for n in 0 64 200 400; do
	rm -rf k
	"$BIN" -q -j2 -o k big > /dev/null 2>&1 &
	pid=$!
	if [ $n = 0 ]; then sleep 0.02; else wait_landed k $n $pid; fi
	kill -9 $pid 2> /dev/null
	wait $pid 2> /dev/null
	st1=$?
	partial=$(landed k)
	[ $st1 = 137 ] && [ "$partial" -gt 0 ] && [ "$partial" -lt "$total" ] && mid=$((mid + 1))
	"$BIN" -q -j2 -o k big > /dev/null 2>&1 &
	pid=$!
	sleep 0.1
	kill -9 $pid 2> /dev/null
	wait $pid 2> /dev/null
	"$BIN" -j2 -o k big > /dev/null 2> k.err
	rc=$?
	if [ $rc != 0 ]; then
		fail "kill-9/after-$n" "exit status $rc after resuming" "$(cat k.err)"
	else
		same_as_ref "kill-9/after-$n" k
	fi
	echo "    (kill -9 once $n had landed: status $st1, $partial of $total outputs there)" >> kill.log
done
# the kills above are only a test if some of them hit a run half done
[ $mid -ge 2 ] && ok kill-9/mid-run || fail kill-9/mid-run "only $mid kills came mid-run:" "$(cat kill.log)"
rm -rf k
"$BIN" -j1 -o k big > /dev/null 2> int.err &
pid=$!
wait_landed k 100 $pid
# stopped first, so that the run cannot finish between the look and the signal
kill -STOP $pid
kill -INT $pid
kill -CONT $pid
wait $pid
rc=$?
partial=$(landed k)
if [ $rc = 130 ] && grep -q '^briefparse: interrupted: ' int.err && [ ! -e k/.briefparse-tmp ] &&
	[ "$partial" -lt "$total" ]; then
	"$BIN" -q -o k big > /dev/null 2>&1
	same_as_ref sigint-resume k
else
	fail sigint-resume "exit status $rc, $partial of $total outputs" "$(tail -n 2 int.err)"
fi

# ---- beyond one machine ------------------------------------------------------------
# What the recipes of docs/scaling.md rely on. Each transcript alone on stdin
# (the Hadoop and Spark recipes: `hdfs dfs -cat P | briefparse -t1`), text
# and HTML: its archive output's records. A stream of the whole text pages
# of the corpus, and one of the HTML pages: the same records, counted from
# the start of the stream (archive_check.py stream says what is compared).
# Not the footerless excerpts tests/cases/variant-*.txt: after one of them,
# the next transcript's furniture and timestamp lines ("26 July 2018 16:53")
# before its title still go to the open block of the one before
# (docs/scaling.md, Limits).
mkdir -p corpus
cp "$CASES"/seed-*.txt "$CASES"/*.html "$BP_ROOT"/data/samples/*.txt corpus/
"$BIN" -q -o corpus-out corpus > /dev/null 2>&1
checker stdin-checker stdin.out $PY "$BP_ROOT/tests/archive_check.py" stdin "$BIN" corpus-out corpus/*
results stdin-checker stdin.out
checker stream-checker stream.out $PY "$BP_ROOT/tests/archive_check.py" stream "$BIN" corpus-out corpus/*.txt
results stream-checker stream.out
checker stream-html-checker stream-html.out $PY "$BP_ROOT/tests/archive_check.py" stream "$BIN" corpus-out corpus/*.html
results stream-html-checker stream-html.out
checker ids-checker ids.out $PY "$BP_ROOT/tests/archive_check.py" ids "$BIN" "$D" corpus/*.txt
results ids-checker ids.out

# the GNU parallel recipe of docs/scaling.md (marked "test: parallel"), run with
# this machine as its only host: the same records as archive mode
if command -v parallel > /dev/null && parallel --version 2>/dev/null | grep -q 'GNU parallel'; then
	recipe=$(sed -n '/# test: parallel/,/^```/p' "$BP_ROOT/docs/scaling.md" | sed '1d;$d' |
		sed -e 's|-S [^ ]*|-S :|' -e "s|briefparse |$BIN |")
	mkdir -p pwork
	cp -r corpus pwork/archive
	(cd pwork && PATH="$BP_ROOT:$PATH" eval "$recipe") > parallel.err 2>&1
	rc=$?
	(cd pwork && "$BIN" -q -o ref archive > /dev/null 2>&1)
	(cd pwork/ref && find . -name '*.jsonl' ! -name errors.jsonl | LC_ALL=C sort | sed 's|^\./||' |
		while IFS= read -r f; do cat "$f"; done) > parallel.want
	if [ $rc = 0 ] && [ -s pwork/all.jsonl ] && cmp -s pwork/all.jsonl parallel.want; then
		ok gnu-parallel
	else
		fail gnu-parallel "exit status $rc" "$(head -n 5 parallel.err)" "recipe: $recipe"
	fi
else
	fail gnu-parallel "GNU parallel is not installed (.ci/install-deps check installs it)"
fi
rm -rf big ref k prog pwork
