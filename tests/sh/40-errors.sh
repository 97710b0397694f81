# errors: the hostile-input suite. Exact stderr and exit status, never a crash
# or a hang, memory bounded by the limits of bp_tokenizer.h / bp_parse.h.
#   1. tests/bad/NAME.{txt,bin}: small fixed inputs, run as
#      `briefparse $(cat NAME.args) NAME.txt` from tests/bad; NAME.err is the
#      expected stderr byte for byte, NAME.rc the exit status, stdout must be
#      empty. A NAME.args with no input file is a whole command line.
#   2. generated inputs (big or derived from tests/cases/*.txt), made at test
#      time in $BP_TMP/errors and removed afterwards.
#   3. fault injection: tests/fault/shim.c (LD_PRELOAD) makes read(),
#      write() and malloc() fail.
AREA=errors
. "$BP_ROOT/tests/sh/lib.sh"
D="$BP_TMP/errors"
rm -rf "$D"
mkdir -p "$D"
MAX_RSS_KB=65536

# ---- 1. fixed cases ---------------------------------------------------------
cd "$BP_ROOT/tests/bad" || exit 1
for e in *.err; do
	name=${e%.err}
	bad_case "$name"
	# shellcheck disable=SC2086
	timeout 60 "$BIN" $args $in > "$D/$name.out" 2> "$D/$name.err"
	rc=$?
	want=$(cat "$name.rc" 2>/dev/null)
	if [ "$rc" != "$want" ]; then
		fail "$name" "exit status $rc, expected $want" "$(head -n 5 "$D/$name.err")"
	elif ! cmp -s "$D/$name.err" "$name.err"; then
		fail "$name" "stderr differs:" "$(diff "$name.err" "$D/$name.err" | head -n 10)"
	elif [ -s "$D/$name.out" ]; then
		fail "$name" "unexpected output on stdout:" "$(head -c 300 "$D/$name.out")"
	else
		ok "$name"
	fi
done
if [ "$(id -u)" = 0 ]; then
	skip unreadable-file "running as root, which can read a chmod 000 file"
else
	printf 'x\n' > "$D/unreadable.txt"
	chmod 000 "$D/unreadable.txt"
	out=$(cd "$D" && "$BIN" --no-classify unreadable.txt 2>&1 >/dev/null)
	rc=$?
	if [ $rc = 1 ] && [ "$out" = "briefparse: 'unreadable.txt': cannot read: permission denied" ]; then
		ok unreadable-file
	else
		fail unreadable-file "exit $rc: $out"
	fi
fi

# ---- 2. generated cases -----------------------------------------------------
cd "$D" || exit 1
# the largest golden case is the "good transcript"; a second one for mixes
set -- $(ls -SL "$BP_ROOT"/tests/cases/*.txt 2>/dev/null)
if [ $# -lt 2 ]; then
	fail generated "need at least two tests/cases/*.txt"
	exit 0
fi
cp "$1" good.txt
cp "$2" good2.txt
NC=--no-classify # classification is not what these cases are about

# run NAME ARGS...: briefparse with a time limit; NAME.out, NAME.err, NAME.rc,
# NAME.time ("seconds peak-RSS-KB")
run() {
	n=$1
	shift
	timeout 60 /usr/bin/time -f '%e %M' -o "$n.time" "$BIN" "$@" > "$n.out" 2> "$n.err"
	echo $? > "$n.rc"
}
# expect NAME RC STDERR: the exit status and the exact stderr of run NAME
expect() {
	if [ "$(cat "$1.rc")" != "$2" ]; then
		fail "$1" "exit status $(cat "$1.rc"), expected $2" "$(head -n 5 "$1.err")"
		return 1
	fi
	if [ "$(cat "$1.err")" != "$3" ]; then
		fail "$1" "stderr: $(head -c 400 "$1.err")" "expected: $3"
		return 1
	fi
	return 0
}
# bounded NAME SECONDS: run NAME took less than SECONDS and MAX_RSS_KB
bounded() {
	t=$(tail -n 1 "$1.time") # after "Command exited with non-zero status N"
	secs=${t% *}
	kb=${t#* }
	if ! awk -v s="$secs" -v l="$2" 'BEGIN { exit !(s < l) }'; then
		fail "$1" "took ${secs}s, limit ${2}s"
		return 1
	fi
	if [ "$kb" -ge "$MAX_RSS_KB" ]; then
		fail "$1" "peak RSS ${kb} KB, limit ${MAX_RSS_KB} KB"
		return 1
	fi
	return 0
}
# pycheck NAME SCRIPT: a Python check over NAME.out (JSON Lines in `recs`)
pycheck() {
	n=$1
	if out=$($PY - "$n.out" "$2" 2>&1 <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
briefings = [r for r in recs if r["type"] == "briefing"]
def warning(b, code):
    return next((w for w in b["warnings"] if w["code"] == code), None)
exec(sys.argv[2])
EOF
	); then ok "$n"; else fail "$n" "$(printf '%s' "$out" | tail -n 5)"; fi
}

# empty standard input, and a transcript on standard input
run stdin-empty $NC < /dev/null
expect stdin-empty 1 "briefparse: '-': empty file" && ok stdin-empty
run stdin-good $NC < good.txt
run stdin-good-file $NC good.txt
if expect stdin-good 0 "" && sed 's/"path":"good.txt"/"path":"-"/' stdin-good-file.out | cmp -s - stdin-good.out; then
	ok stdin-good
else
	fail stdin-good "records from stdin differ from the same file's"
fi

# a NUL byte past the sniff window (8 KB): records, and a nul-bytes warning.
# Inserted as a paragraph mid-text (a footer may end the transcript), after
# filler paragraphs that put it past 8 KB.
cat > insert.py <<'EOF'
import sys
# insert.py IN OUT PAYLOAD-FILE: PAYLOAD as a paragraph halfway through IN,
# after 9 KB of filler paragraphs
text, payload = open(sys.argv[1], "rb").read(), open(sys.argv[3], "rb").read()
pos = text.find(b"\n\n", len(text) // 2)
pos = len(text) if pos < 0 else pos
filler = b"".join(b"\n\nFiller paragraph %d of the middle statement." % i for i in range(200))
open(sys.argv[2], "wb").write(text[:pos] + filler + b"\n\n" + payload + b"\n\n" + text[pos:])
EOF
printf 'A line with a NUL\000 byte in it.' > nul.payload
$PY insert.py good.txt nul-far.txt nul.payload
run nul-far $NC nul-far.txt
expect nul-far 0 "" && pycheck nul-far '
assert len(briefings) == 1, briefings
w = warning(briefings[0], "nul-bytes")
assert w and w["count"] == 1, briefings[0]["warnings"]
assert any("A line with a NUL byte in it." in r.get("text", "") for r in recs), "text around the NUL lost"'
# a NUL in a footer glued to the next text (the tokenizer splits that line in
# two): still counted once
$PY -c '
import sys
sys.stdout.buffer.write(b"Briefing by Foreign Ministry Spokesperson Maria Zakharova, Moscow, February 9, 2017\n\n"
    b"Table of contents\n\n1. Syria\n\nSyria\n\n" + b"Text.\n\n" * 3000 +
    b"Join the GlobalSecurity.org mailing listX\x00Y\n")' > nul-footer.txt
run nul-footer $NC nul-footer.txt
expect nul-footer 0 "" && pycheck nul-footer '
w = warning(briefings[0], "nul-bytes")
assert w and w["count"] == 1, briefings[0]["warnings"]'

# invalid UTF-8 inside a valid transcript: U+FFFD in the text, counted
$PY - <<'EOF'
lines = open("good.txt", "rb").read().split(b"\n")
# into the longest line of the second half (a paragraph): 6 invalid sequences
# (FF; FE; C3 cut by "("; ED A0 80, a surrogate: ED, A0, 80)
i = max(range(len(lines) // 2, len(lines)), key=lambda k: len(lines[k]))
lines[i] += b" Bad \xff\xfe and \xc3( and \xed\xa0\x80 end."
open("invalid-utf8.txt", "wb").write(b"\n".join(lines))
EOF
run invalid-utf8 $NC invalid-utf8.txt
expect invalid-utf8 0 "" && pycheck invalid-utf8 '
w = warning(briefings[0], "invalid-utf8")
assert w and w["count"] == 6, briefings[0]["warnings"]
want = "Bad \ufffd\ufffd and \ufffd( and \ufffd\ufffd\ufffd end."
assert any(want in r.get("text", "") for r in recs), "no record has " + repr(want)'

# a 50 MB line alone: text with no structure, in bounded time and memory
$PY -c '
import sys
w = sys.stdout.buffer
chunk = b"word " * 65536
for _ in range(160):
    w.write(chunk)' > bigline.txt
run bigline $NC bigline.txt
expect bigline 1 "briefparse: 'bigline.txt': no briefing found" && bounded bigline 10 && ok bigline
# ... and without a single space (one run of 50 MB of plain bytes)
$PY -c '
import sys
for _ in range(800):
    sys.stdout.buffer.write(b"x" * 65536)' > bigword.txt
run bigword $NC bigword.txt
expect bigword 1 "briefparse: 'bigword.txt': no briefing found" && bounded bigword 10 && ok bigword
rm -f bigword.txt
# ... and the 50 MB line as a paragraph of a transcript: records, and a
# line-truncated warning; the block keeps the line's first BP_LINE_MAX bytes
$PY insert.py good.txt bigline-in-briefing.txt bigline.txt
rm -f bigline.txt
run bigline-in-briefing $NC bigline-in-briefing.txt
expect bigline-in-briefing 0 "" && bounded bigline-in-briefing 10 && pycheck bigline-in-briefing '
w = warning(briefings[0], "line-truncated")
assert w and w["count"] == 1, briefings[0]["warnings"]
assert briefings[0]["source"]["bytes"] > 50 * 2**20, briefings[0]["source"]
longest = max(len(r.get("text", "").encode()) for r in recs)
assert 2**20 <= longest < 2**20 + 2**16, longest
big = max((p for r in recs for p in r.get("text", "").split("\n\n")), key=len)
assert len(big.encode()) == 2**20 and big.startswith("word word ") and not big.endswith(" "), big[-40:]'
# the cut is where BP_LINE_MAX falls, whatever the chunks
"$BIN" $NC --chunk-size 4093 bigline-in-briefing.txt 2>&1 | cmp -s - bigline-in-briefing.out &&
	ok bigline-in-briefing/chunk-4093 ||
	fail bigline-in-briefing/chunk-4093 "output differs when fed in 4093-byte chunks"
rm -f bigline-in-briefing.txt bigline-in-briefing.out

# a block with more offset anchors than BP_BLOCK_ANCHORS_MAX (each folded run
# of spaces is one): its later offsets are approximate, and a warning says so
$PY -c '
import sys
sys.stdout.buffer.write(b"\n\n".join(b"a  " * 60000 + b"end %d." % i for i in range(5)))' > anchors.payload
$PY insert.py good.txt anchors.txt anchors.payload
run anchors $NC anchors.txt
expect anchors 0 "" && pycheck anchors '
w = warning(briefings[0], "offsets-approximate")
assert w and w["count"] == 1, briefings[0]["warnings"]
assert any(r.get("text", "").count("a a a") and "end 4." in r.get("text", "") for r in recs), "text lost"'
rm -f anchors.*

# CR LF, lone CR and a BOM give the same structure as LF; CR LF split across
# chunks gives the same bytes
$PY - "$BP_ROOT"/tests/cases/*.txt <<'EOF'
import os, sys
for path in sys.argv[1:]:
    name = os.path.basename(path)[:-4]
    text = open(path, "rb").read().replace(b"\r\n", b"\n")
    open(name + ".lf", "wb").write(text)
    open(name + ".crlf", "wb").write(text.replace(b"\n", b"\r\n"))
    open(name + ".cr", "wb").write(text.replace(b"\n", b"\r"))
    open(name + ".bom", "wb").write(b"\xef\xbb\xbf" + text)
EOF
cat > structure.py <<'EOF'
import json, sys
# offsets, digests and the path differ with the line endings; the rest must not
def strip(o):
    if isinstance(o, dict):
        return {k: strip(v) for k, v in o.items()
                if k not in ("span", "source", "start", "end")}
    if isinstance(o, list):
        return [strip(v) for v in o]
    return o
for line in open(sys.argv[1], encoding="utf-8"):
    print(json.dumps(strip(json.loads(line)), ensure_ascii=False, sort_keys=True))
EOF
for lf in *.lf; do
	name=${lf%.lf}
	"$BIN" $NC "$lf" > "$name.lf.out" 2>&1
	$PY structure.py "$name.lf.out" > "$name.lf.s"
	for v in crlf cr bom; do
		"$BIN" $NC "$name.$v" > "$name.$v.out" 2>&1
		rc=$?
		if [ $rc = 0 ] && $PY structure.py "$name.$v.out" | cmp -s - "$name.lf.s"; then
			ok "$v/$name"
		else
			fail "$v/$name" "exit $rc; structure differs from LF:" \
				"$($PY structure.py "$name.$v.out" 2>&1 | diff "$name.lf.s" - | head -n 6 | cut -c1-200)"
		fi
	done
	if "$BIN" $NC --chunk-size 1 "$name.crlf" 2>&1 | cmp -s - "$name.crlf.out"; then
		ok "crlf-chunk-1/$name"
	else
		fail "crlf-chunk-1/$name" "CR LF fed a byte at a time gives other output"
	fi
done

# a transcript cut in the middle of a line: records for what is there
$PY - <<'EOF'
text = open("good.txt", "rb").read()
lines = text.split(b"\n")
i = max(range(len(lines) // 2, len(lines)), key=lambda k: len(lines[k]))
start = sum(len(l) + 1 for l in lines[:i])
cut = start + len(lines[i]) // 2
open("truncated.txt", "wb").write(text[:cut])
open("truncated.tail", "wb").write(b" ".join(text[start:cut].split()[-3:]))
EOF
run truncated $NC truncated.txt
expect truncated 0 "" && pycheck truncated "
tail = open('truncated.tail', encoding='utf-8').read()
assert len(briefings) == 1 and recs[-1]['type'] == 'briefing', 'no briefing record last'
assert len(recs) > 1, 'no blocks'
assert recs[-2]['text'].endswith(tail), (recs[-2]['text'][-80:], tail)"

# 100,000 headings: each with "Back to top" and a paragraph, and as bare lines
$PY - <<'EOF'
head = ("Briefing by Foreign Ministry Spokesperson Maria Zakharova, Moscow, February 9, 2017\n\n"
        "Table of contents\n\n  1. The situation in Syria\n\n"
        "The situation in Syria\n\nSome text about Syria.\n\n")
with open("headings.txt", "w") as f:
    f.write(head)
    for i in range(100000):
        f.write("Back to top\n\nHeading number %d\n\nText of statement %d.\n\n" % (i, i))
with open("heading-lines.txt", "w") as f:
    f.write(head + "Back to top\n\n")
    for i in range(100000):
        f.write("Heading line %d\n" % i)
EOF
run headings $NC headings.txt
expect headings 0 "" && bounded headings 5 && pycheck headings '
assert len(briefings) == 1
assert briefings[0]["counts"]["statements"] == 100001, briefings[0]["counts"]
assert len(recs) == 100002'
run heading-lines $NC heading-lines.txt
# ... the lines have no blank line between them: after the first statement,
# one statement headed by the first line, whose text is every other line, in
# order, as one hard-wrapped paragraph; nothing lost, nothing repeated
expect heading-lines 0 "" && bounded heading-lines 5 && pycheck heading-lines '
assert len(briefings) == 1 and len(recs) == 3, [r["type"] for r in recs][:10]
s = recs[1]
assert s["type"] == "statement" and s["heading"] == "Heading line 0", (s["type"], s.get("heading"))
want = " ".join("Heading line %d" % i for i in range(1, 100000))
assert s["text"] == want, (len(s["text"]), len(want), s["text"][-60:])
size = len(open("heading-lines.txt", "rb").read())
assert s["span"]["end"] == size - 1, (s["span"], size)
assert briefings[0]["counts"]["statements"] == 2, briefings[0]["counts"]'

# 100,000 agenda items: the first BP_AGENDA_MAX (1000) kept, with a warning
$PY - <<'EOF'
title = "Briefing by Foreign Ministry Spokesperson Maria Zakharova, Moscow, February 9, 2017\n\nTable of contents\n\n"
tail = "\nAgenda item 0\n\nText.\n\nBack to top\n\nAgenda item 1\n\nMore text.\n"
with open("agenda-bullets.txt", "w") as f:
    f.write(title + "".join("  - Agenda item %d\n" % i for i in range(100000)) + tail)
# numbers past 999 are not item markers: the rest are wrapped lines of item 999
with open("agenda-numbered.txt", "w") as f:
    f.write(title + "".join("  %d. Agenda item %d\n" % (i + 1, i) for i in range(100000)) + tail)
EOF
run agenda-bullets $NC agenda-bullets.txt
expect agenda-bullets 0 "" && bounded agenda-bullets 3 && pycheck agenda-bullets '
b = briefings[0]
assert len(b["agenda"]) == 1000, len(b["agenda"])
w = warning(b, "agenda-truncated")
assert w and w["count"] == 99000, b["warnings"]'
run agenda-numbered $NC agenda-numbered.txt
expect agenda-numbered 0 "" && bounded agenda-numbered 3 && pycheck agenda-numbered '
assert len(briefings[0]["agenda"]) == 999, len(briefings[0]["agenda"])'
rm -f headings.* heading-lines.* agenda-*.txt agenda-*.out

# good, bad, good: records for both good files, one error, exit 1
cp "$BP_ROOT/tests/bad/elf.bin" bad.bin
run mixed $NC good.txt bad.bin good2.txt
"$BIN" $NC good.txt > mixed-1.out 2>/dev/null
"$BIN" $NC good2.txt > mixed-2.out 2>/dev/null
if expect mixed 1 "briefparse: 'bad.bin': not a text transcript"; then
	if cat mixed-1.out mixed-2.out | cmp -s - mixed.out && [ -s mixed-1.out ] && [ -s mixed-2.out ]; then
		ok mixed
	else
		fail mixed "stdout is not the good files' records in order"
	fi
fi
run mixed-missing $NC good.txt missing.txt good2.txt
if expect mixed-missing 1 "briefparse: 'missing.txt': cannot read: no such file" &&
	cmp -s mixed.out mixed-missing.out; then
	ok mixed-missing
else
	fail mixed-missing "stdout is not the good files' records in order"
fi

# ---- 3. fault injection -------------------------------------------------------
SHIM="$BP_TMP/fault-shim.so"
if ! out=$(cc -shared -fPIC -Wall -Wextra -o "$SHIM" "$BP_ROOT/tests/fault/shim.c" -ldl 2>&1); then
	fail fault-shim-build "$out"
	exit 0
fi
ok fault-shim-build
# a victim big enough for several reads
$PY - <<'EOF'
text = open("good.txt", "rb").read()
i = 0
while len(text) < 300000:
    text += b"Filler paragraph %d of a long statement.\n\n" % i
    i += 1
open("victim.txt", "wb").write(text)
EOF
# frun NAME ENV... -- ARGS...: run NAME with the shim
frun() {
	n=$1
	shift
	env_args=""
	while [ "$1" != "--" ]; do
		env_args="$env_args $1"
		shift
	done
	shift
	# shellcheck disable=SC2086
	timeout 60 env LD_PRELOAD="$SHIM" $env_args "$BIN" "$@" > "$n.out" 2> "$n.err"
	echo $? > "$n.rc"
}
for after in 0 5000 70000 200000; do
	n=read-error-at-$after
	frun $n BP_FAULT_READ_AFTER=$after BP_FAULT_READ_FILE=victim.txt -- $NC victim.txt good2.txt
	if expect $n 1 "briefparse: 'victim.txt': read error: Input/output error"; then
		# the next input is still processed in full
		if [ "$(tail -c "$(wc -c < mixed-2.out)" $n.out)" = "$(cat mixed-2.out)" ]; then
			ok $n
		else
			fail $n "records of the next input missing"
		fi
	fi
done
frun read-error-stdin BP_FAULT_READ_AFTER=100 BP_FAULT_READ_FILE=victim.txt -- $NC - < victim.txt
expect read-error-stdin 1 "briefparse: '-': read error: Input/output error" && ok read-error-stdin

"$BIN" $NC good.txt good2.txt victim.txt > all.out
for after in 0 1000 100000; do
	for mode in enospc eio; do
		n=write-$mode-at-$after
		frun $n BP_FAULT_WRITE=$mode BP_FAULT_WRITE_AFTER=$after -- $NC good.txt good2.txt victim.txt
		msg="No space left on device"
		[ $mode = eio ] && msg="Input/output error"
		if expect $n 1 "briefparse: write error: $msg"; then
			# what was written is a prefix of the real output
			size=$(wc -c < $n.out)
			if [ "$size" -le "$after" ] && head -c "$size" all.out | cmp -s - $n.out; then
				ok $n
			else
				fail $n "output is not a prefix of the real output, or too long"
			fi
		fi
	done
done
frun write-short BP_FAULT_WRITE=short -- $NC good.txt good2.txt victim.txt
expect write-short 0 "" && { cmp -s write-short.out all.out && ok write-short || fail write-short "output differs with short writes"; }
timeout 60 "$BIN" $NC good.txt good2.txt > /dev/full 2> dev-full.err
echo $? > dev-full.rc
expect dev-full 1 "briefparse: write error: No space left on device" && ok dev-full

# a reader that goes away: killed by SIGPIPE, or with SIGPIPE ignored one
# error line; never a hang
(timeout 60 "$BIN" $NC victim.txt victim.txt victim.txt 2> sigpipe.err; echo $? > sigpipe.rc) | head -c 100 > /dev/null
rc=$(cat sigpipe.rc)
if [ "$rc" = 141 ] || { [ "$rc" = 1 ] && [ "$(cat sigpipe.err)" = "briefparse: write error: Broken pipe" ]; }; then
	ok sigpipe
else
	fail sigpipe "exit status $rc (124: timed out)" "$(head -n 3 sigpipe.err)"
fi
(trap '' PIPE; timeout 60 "$BIN" $NC victim.txt victim.txt victim.txt 2> sigpipe-ignored.err; echo $? > sigpipe-ignored.rc) | head -c 100 > /dev/null
expect sigpipe-ignored 1 "briefparse: write error: Broken pipe" && ok sigpipe-ignored
# out of memory: each allocation made once the input is being read fails in
# turn (BP_FAULT_MALLOC_NTH, armed by the input's first read). Every run must
# give the whole output, or exit 1 with one "out of memory" line and a prefix
# of the output: never a record missing a key or a digest, never a crash.
# alloc_sweep NAME STEP ARGS... (STEP: try every STEP-th allocation)
alloc_sweep() {
	n=$1
	step=$2
	shift 2
	input=$(eval echo "\${$#}")
	"$BIN" "$@" > $n.want 2>/dev/null
	LD_PRELOAD="$ASHIM" BP_FAULT_MALLOC_ARM="$input" BP_FAULT_MALLOC_REPORT=$n.count "$BIN" "$@" > /dev/null 2>&1
	total=$(cat $n.count 2>/dev/null || echo 0)
	bad=""
	k=1
	while [ "$k" -le "$total" ]; do
		LD_PRELOAD="$ASHIM" BP_FAULT_MALLOC_ARM="$input" BP_FAULT_MALLOC_NTH=$k timeout 60 "$BIN" "$@" > $n.out 2> $n.err
		rc=$?
		if [ $rc = 0 ] && [ ! -s $n.err ] && cmp -s $n.out $n.want; then
			:
		elif [ $rc = 1 ] && [ "$(wc -l < $n.err)" = 1 ] && grep -q ": out of memory$" $n.err &&
			head -c "$(wc -c < $n.out)" $n.want | cmp -s - $n.out; then
			:
		else
			bad="$bad $k(exit $rc$(cmp -s $n.out $n.want || echo ', output differs'))"
		fi
		k=$((k + step))
	done
	if [ "$total" -lt 10 ]; then
		fail $n "only $total allocations counted: is the shim working?"
	elif [ -n "$bad" ]; then
		fail $n "of $total allocations, failing these lost data silently or crashed:" \
			"$(echo $bad | cut -c1-300)"
	else
		ok $n
	fi
}
ASHIM="$BP_TMP/fault-alloc.so"
if out=$(cc -shared -fPIC -Wall -Wextra -DBP_FAULT_ALLOC -o "$ASHIM" "$BP_ROOT/tests/fault/shim.c" -ldl 2>&1); then
	ok fault-alloc-shim-build
else
	fail fault-alloc-shim-build "$out"
fi
cp "$BP_ROOT/tests/cases/variant-kozhin-2018.txt" small.txt
alloc_sweep alloc-fail-no-classify 1 $NC -t1 small.txt
alloc_sweep alloc-fail-t1 5 -t1 small.txt
alloc_sweep alloc-fail-t2 5 -t2 small.txt
alloc_sweep alloc-fail-victim-t2 499 -t2 victim.txt
rm -f small.txt alloc-fail-*

# ---- 4. the classifier on its own thread ---------------------------------------
# With classification on, records go through bp_offload (a second thread)
# unless -t1: byte-identical output and the same errors either way. victim.txt
# spans several batches (BP_OFFLOAD_BATCH).
for t in 1 2; do
	"$BIN" -t$t good.txt good2.txt victim.txt > all-t$t.out 2> all-t$t.err
done
if [ -s all-t1.out ] && cmp -s all-t1.out all-t2.out && [ ! -s all-t1.err ] && [ ! -s all-t2.err ]; then
	ok threads-same-output
else
	fail threads-same-output "-t1 and -t2 differ" "$(cmp all-t1.out all-t2.out 2>&1 | head -n 2)"
fi
for t in 1 2; do
	n=classify-read-error-t$t
	frun $n BP_FAULT_READ_AFTER=200000 BP_FAULT_READ_FILE=victim.txt -- -t$t victim.txt good2.txt
	expect $n 1 "briefparse: 'victim.txt': read error: Input/output error" || continue
	# the records parsed before the error are out, then the next input's
	if [ "$(grep -c '^{"type":"statement"' $n.out)" -gt 0 ] &&
		[ "$(grep -c '"path":"good2.txt"' $n.out)" = 1 ]; then
		ok $n
	else
		fail $n "records before the error or of the next input missing"
	fi
done
if cmp -s classify-read-error-t1.out classify-read-error-t2.out; then
	ok classify-read-error-same
else
	fail classify-read-error-same "-t1 and -t2 emit different records before a read error"
fi
for t in 1 2; do
	n=classify-write-enospc-t$t
	frun $n BP_FAULT_WRITE=enospc BP_FAULT_WRITE_AFTER=150000 -- -t$t good.txt good2.txt victim.txt
	if expect $n 1 "briefparse: write error: No space left on device"; then
		size=$(wc -c < $n.out)
		if [ "$size" -le 150000 ] && head -c "$size" all-t1.out | cmp -s - $n.out; then
			ok $n
		else
			fail $n "output is not a prefix of the real output, or too long"
		fi
	fi
done
(timeout 60 "$BIN" -t2 victim.txt victim.txt victim.txt 2> sigpipe-t2.err; echo $? > sigpipe-t2.rc) | head -c 100 > /dev/null
rc=$(cat sigpipe-t2.rc)
if [ "$rc" = 141 ] || { [ "$rc" = 1 ] && [ "$(cat sigpipe-t2.err)" = "briefparse: write error: Broken pipe" ]; }; then
	ok sigpipe-t2
else
	fail sigpipe-t2 "exit status $rc (124: timed out)" "$(head -n 3 sigpipe-t2.err)"
fi
rm -f all-t*.out classify-*.out

rm -f victim.* all.out write-*.out
