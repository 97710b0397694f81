# html: saved pages. tests/cases/NAME.LAYOUT.html (built from NAME.txt by
# tests/html/make-fixtures.py) must give NAME.LAYOUT.jsonl byte for byte
# (also with --threads 1 and 2 and in 1-, 7- and 4096-byte chunks), and the
# same records as the text twin NAME.txt once source, spans and evidence
# offsets are dropped. Also: the fixtures are what the script makes, spans
# cut the passage out of the page, HTML is detected on stdin, mixed inputs.
# Regenerate after an intended change with tests/sh/update-golden.sh.
AREA=html
. "$BP_ROOT/tests/sh/lib.sh"
D="$BP_TMP/html"
rm -rf "$D"
mkdir -p "$D/fixtures"
cd "$BP_ROOT/tests/cases" || exit 1

# the fixtures in the repository are the script's output
cp seed-*.txt "$D/fixtures/"
if $PY "$BP_ROOT/tests/html/make-fixtures.py" "$D/fixtures" > /dev/null; then
	same=1
	for f in *.html; do
		cmp -s "$f" "$D/fixtures/$f" || { same=0; fail "fixture-$f" "differs from make-fixtures.py output"; }
	done
	[ $same = 1 ] && ok fixtures-up-to-date
else
	fail fixtures-up-to-date "make-fixtures.py failed"
fi

for in in *.html; do
	pg=${in%.html}
	twin=${pg%.*}
	"$BIN" "$in" > "$D/$pg.jsonl" 2> "$D/$pg.err"
	if cmp -s "$D/$pg.jsonl" "$pg.jsonl" && [ ! -s "$D/$pg.err" ]; then
		ok "$pg"
	else
		fail "$pg" "$(diff "$pg.jsonl" "$D/$pg.jsonl" | head -n 10 | cut -c1-300)" "$(head -n 3 "$D/$pg.err")"
	fi
	for t in 1 2; do
		if "$BIN" -t$t "$in" 2>/dev/null | cmp -s - "$pg.jsonl"; then
			ok "$pg/threads-$t"
		else
			fail "$pg/threads-$t" "output differs with --threads $t"
		fi
	done
	for c in 1 7 4096; do
		if "$BIN" --chunk-size $c "$in" 2>/dev/null | cmp -s - "$pg.jsonl"; then
			ok "$pg/chunk-$c"
		else
			fail "$pg/chunk-$c" "output differs when fed in $c-byte chunks"
		fi
	done
	args=""
	[ -f "$twin.args" ] && args=$(cat "$twin.args")
	# shellcheck disable=SC2086
	"$BIN" $args "$twin.txt" > "$D/$twin.txt.jsonl" 2>/dev/null
	check "$pg/twin" $PY "$BP_ROOT/tests/html/twin.py" "$D/$pg.jsonl" "$D/$twin.txt.jsonl"
	check "$pg/format" $PY -c '
import json, sys
b = [json.loads(l) for l in open(sys.argv[1])][-1]
assert b["type"] == "briefing" and b["source"]["format"] == "html", b["source"]' "$D/$pg.jsonl"
done

# spans point into the page: each evidence span of a UTF-8 page cuts out its
# match (or the same words with tags or entities between), each block's span
# starts with its heading or label
check spans $PY - "$D" *.html <<'EOF'
import html, json, re, sys
d = sys.argv[1]
bad = 0
for page in sys.argv[2:]:
    raw = open(page, "rb").read()
    if b"charset=utf-8" not in raw[:2000].lower():
        continue
    for line in open("%s/%s.jsonl" % (d, page[:-5]), encoding="utf-8"):
        r = json.loads(line)
        for tag in r.get("countries", []) + r.get("organizations", []) + r.get("topics", []):
            for e in tag["evidence"]:
                cut = raw[e["start"]:e["end"]].decode("utf-8", "replace")
                plain = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]*>", "", cut)))
                if plain.lower() != re.sub(r"\s+", " ", e["match"]).lower():
                    bad += 1
                    if bad < 5:
                        print(page, "evidence", e, "cuts", repr(cut))
        if r["type"] in ("statement", "question", "answer"):
            cut = raw[r["span"]["start"]:r["span"]["end"]].decode("utf-8", "replace")
            first = (r.get("heading") or r.get("speaker") or "Question").split()[0]
            if not html.unescape(cut).startswith(first):
                bad += 1
                if bad < 5:
                    print(page, r["id"], "span starts", repr(cut[:60]), "not", first)
sys.exit(1 if bad else 0)
EOF

# HTML on standard input is detected by its content; mixed inputs in one run
page=$(ls seed-*.page.html | head -n 1)
"$BIN" < "$page" > "$D/stdin.jsonl" 2>&1
if sed "s/\"path\":\"$page\"/\"path\":\"-\"/" "${page%.html}.jsonl" | cmp -s - "$D/stdin.jsonl"; then
	ok stdin
else
	fail stdin "records from stdin differ from the file's"
fi
set -- $(ls seed-*.txt | head -n 1) $(ls seed-*.divs.html | head -n 1) $(ls seed-*.table.html | tail -n 1)
"$BIN" "$@" > "$D/mixed.jsonl" 2> "$D/mixed.err"
rc=$?
for f in "$@"; do "$BIN" "$f"; done > "$D/mixed-each.jsonl" 2>/dev/null
if [ $rc = 0 ] && cmp -s "$D/mixed.jsonl" "$D/mixed-each.jsonl"; then
	ok mixed-inputs
else
	fail mixed-inputs "exit $rc; a text and two pages in one run differ from one run each" "$(head -n 3 "$D/mixed.err")"
fi

# ---- broken pages: each parses, or fails with one line naming the file, in
# bounded time and memory ---------------------------------------------------
cd "$D" || exit 1
MAX_RSS_KB=65536
page=$BP_ROOT/tests/cases/$(ls "$BP_ROOT/tests/cases" | grep 'page\.html$' | head -n 1)
# run NAME ARGS...: NAME.out, NAME.err, NAME.rc, NAME.time ("seconds KB")
run() {
	n=$1
	shift
	timeout 120 /usr/bin/time -f '%e %M' -o "$n.time" nice "$BIN" "$@" > "$n.out" 2> "$n.err"
	echo $? > "$n.rc"
}
# bounded NAME SECONDS: ran under SECONDS and MAX_RSS_KB
bounded() {
	t=$(tail -n 1 "$1.time")
	if ! awk -v s="${t% *}" -v l="$2" 'BEGIN { exit !(s < l) }'; then
		fail "$1" "took ${t% *}s, limit ${2}s"
		return 1
	fi
	if [ "${t#* }" -ge "$MAX_RSS_KB" ]; then
		fail "$1" "peak RSS ${t#* } KB, limit $MAX_RSS_KB KB"
		return 1
	fi
	return 0
}
cat > shape.py <<'PYEOF'
import json, sys
# shape.py A B: the records of A have the structure of B's
def shape(path):
    recs = [json.loads(l) for l in open(path, encoding="utf-8")]
    b = [r for r in recs if r["type"] == "briefing"]
    return (len(recs), [(a["n"], a["title"]) for x in b for a in x["agenda"]],
            [(r["type"], r.get("heading"), r.get("speaker"), r["text"][:60]) for r in recs if r["type"] != "briefing"])
a, b = shape(sys.argv[1]), shape(sys.argv[2])
if a != b:
    print("records:", a[0], "expected", b[0])
    print("agenda differs" if a[1] != b[1] else "blocks differ")
    for x, y in zip(a[2], b[2]):
        if x != y:
            print(" ", x, "\n  expected", y)
            break
    sys.exit(1)
PYEOF
# same NAME: exit 0, no stderr, and the structure of the page's records
same() {
	if [ "$(cat "$1.rc")" != 0 ] || [ -s "$1.err" ]; then
		fail "$1" "exit $(cat "$1.rc")" "$(head -n 3 "$1.err")"
		return 1
	fi
	if ! out=$($PY shape.py "$1.out" good.out); then
		fail "$1" "$out"
		return 1
	fi
	return 0
}
"$BIN" --no-classify "$page" > good.out 2>/dev/null
cat > broken.py <<'PYEOF'
import random, re, sys
page = open(sys.argv[1], "rb").read()
random.seed(8)
# unclosed tags: no end tag of p, li, div, td, h1-h6 anywhere
open("unclosed.html", "wb").write(re.sub(rb"</(p|li|div|td|tr|h[1-6]|ol|ul)>", b"", page))
# stray end tags between the blocks
parts = page.split(b"\n")
stray = [b"</div>", b"</span></b>", b"</table>", b"</li></ol>", b"</p></p>", b"</section>", b"</html>"]
open("stray.html", "wb").write(b"\n".join(p + (random.choice(stray) if i > 40 and i % 3 == 0 else b"")
                                          for i, p in enumerate(parts)))
# "Back to top" debris of every kind seen
debris = [b'<p>" rel="111"&gt;Back to top</p>', b'<p><a rel="111">Back to top</a></p>',
          b'<p><a href="#top"" rel="111">Back to top</a></p>', b'<p>Back to top</p>']
n = [0]
def pick(m):
    n[0] += 1
    return debris[n[0] % len(debris)]
open("debris.html", "wb").write(re.sub(rb'<p class="back">.*?</p>', pick, page))
# truncated in the middle of a tag, two thirds in
cut = page.find(b"<p", len(page) * 2 // 3) + 3
open("truncated.html", "wb").write(page[:cut])
# 100,000 nested divs around the content
body = page.index(b"<main>")
open("nested.html", "wb").write(page[:body] + b"<div>" * 100000 + page[body:] + b"</div>" * 100000)
# entity expansion: an internal subset (never expanded by an HTML parser)
# and a million character references
laughs = b'<!DOCTYPE html [<!ENTITY lol "lol">' + b"".join(
    b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10)) + b"]>"
open("entities.html", "wb").write(laughs + page[page.index(b"<html"):].replace(
    b"<main>", b"<main><p>" + b"&lol9;" * 1000 + b"&amp;&#x41;&#65;" * 1000000 + b"</p>"))
# a page that is not a briefing
open("notes.html", "wb").write(b"<!DOCTYPE html><html><body><nav><a href='/'>Home</a></nav>"
                               b"<h1>Press releases</h1><p>Nothing here is a briefing.</p></body></html>")
PYEOF
$PY broken.py "$page"
for n in unclosed stray debris; do
	run $n --no-classify $n.html
	same $n && bounded $n 20 && ok $n
done
run truncated --no-classify truncated.html
if [ "$(cat truncated.rc)" = 0 ] && [ "$(tail -n 1 truncated.out | cut -c1-19)" = '{"type":"briefing",' ] &&
	[ "$(wc -l < truncated.out)" -gt 5 ] && bounded truncated 20; then
	ok truncated
else
	fail truncated "exit $(cat truncated.rc), $(wc -l < truncated.out) records" "$(head -n 3 truncated.err)"
fi
run nested --no-classify nested.html
if [ "$(cat nested.rc)" = 0 ] && bounded nested 30 && grep -q '"code":"html-too-deep"' nested.out &&
	[ "$(grep -c '"type":"statement"' nested.out)" = "$(grep -c '"type":"statement"' good.out)" ]; then
	ok nested-100000
else
	fail nested-100000 "exit $(cat nested.rc), $(grep -c '"type":"statement"' nested.out) statements" "$(head -n 3 nested.err)"
fi
run entities --no-classify entities.html
if [ "$(cat entities.rc)" = 0 ] && bounded entities 30 && ! grep -q "lollol" entities.out; then
	ok entities
else
	fail entities "exit $(cat entities.rc)" "$(head -n 3 entities.err)"
fi
run notes --no-classify notes.html
if [ "$(cat notes.rc)" = 1 ] && [ "$(cat notes.err)" = "briefparse: 'notes.html': no briefing found" ]; then
	ok not-a-briefing
else
	fail not-a-briefing "exit $(cat notes.rc): $(cat notes.err)"
fi
# a bad page among good inputs: the others still come out
run mixed-bad --no-classify "$page" notes.html "$BP_ROOT/tests/cases/seed-001.txt"
"$BIN" --no-classify "$BP_ROOT/tests/cases/seed-001.txt" > seed-001.out
if [ "$(cat mixed-bad.rc)" = 1 ] && cat good.out seed-001.out | cmp -s - mixed-bad.out; then
	ok mixed-bad
else
	fail mixed-bad "exit $(cat mixed-bad.rc); other inputs' records missing"
fi
# two saved pages in one stream (cat a.html b.html | briefparse): both briefings
cat "$page" "$BP_ROOT/tests/cases/seed-004.table.html" > concat.html
run concat --no-classify - < concat.html
"$BIN" --no-classify "$BP_ROOT/tests/cases/seed-004.table.html" > seed-004.out
if [ "$(cat concat.rc)" = 0 ] && [ "$(grep -c '"type":"briefing"' concat.out)" = 2 ] &&
	[ "$(grep -c '"type":"statement"' concat.out)" = $(($(grep -c '"type":"statement"' good.out) + $(grep -c '"type":"statement"' seed-004.out))) ]; then
	ok concatenated-pages
else
	fail concatenated-pages "exit $(cat concat.rc), $(grep -c '"type":"briefing"' concat.out) briefings" "$(head -n 3 concat.err)"
fi
# all the fixtures in one stream, windows-1251 and UTF-8 pages mixed: each
# page is read in its own charset, the records are those of the pages one
# by one (no mojibake repaired, no warning), only positions differ
cat "$BP_ROOT"/tests/cases/*.html > allpages.html
run allpages --no-classify - < allpages.html
for f in "$BP_ROOT"/tests/cases/*.html; do "$BIN" --no-classify "$f"; done > allpages-each.out 2>/dev/null
if [ "$(cat allpages.rc)" = 0 ] && [ ! -s allpages.err ] && bounded allpages 20; then
	check concatenated-charsets $PY - allpages.out allpages-each.out <<'PYEOF'
import json, sys
def load(path):
    out = []
    for line in open(path, encoding="utf-8"):
        r = json.loads(line)
        for k in ("source", "span", "line"):
            r.pop(k, None)
        for w in r.get("warnings", []):
            w.pop("line")
            w.pop("message")
        out.append(r)
    return out
a, b = load(sys.argv[1]), load(sys.argv[2])
bad = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
if len(a) != len(b) or bad:
    print("%d records, one by one %d; first difference at record %s" % (len(a), len(b), bad[:1]))
    sys.exit(1)
PYEOF
else
	fail concatenated-charsets "exit $(cat allpages.rc)" "$(head -n 3 allpages.err)"
fi
# boilerplate that survives the reader (plain paragraphs, no links) is text
# outside the transcript: counted in warnings, the records stay the same
$PY - "$page" <<'PYEOF'
import sys
page = open(sys.argv[1], "rb").read()
pre = b"<div class='promo'><p>Subscribe to our newsletter and get the latest news first</p><p>Most read this week</p></div>"
post = b"<div class='notice'><p>This website uses cookies to improve your experience of reading it</p></div>"
at = page.index(b"<h1")
page = page[:at] + pre + page[at:]
at = page.index(b"mailing list")
at = page.index(b"\n", at)
open("survives.html", "wb").write(page[:at] + post + page[at:])
PYEOF
run survives --no-classify survives.html
if same survives && bounded survives 20; then
	check survives-warned $PY -c '
import json, sys
b = [json.loads(l) for l in open(sys.argv[1])][-1]
w = {x["code"]: x["count"] for x in b["warnings"]}
assert w.get("text-before-title") == 2 and w.get("text-after-footer") == 1, b["warnings"]' survives.out
fi
rm -f unclosed.* stray.* debris.* truncated.* nested.* entities.* concat.* survives.* allpages*

# memory is flat with page size: a 1 MB and a 100 MB page (the fixture with
# filler paragraphs), peak RSS within 1 MB of each other
cat > big.py <<'PYEOF'
import sys
page = open(sys.argv[1], "rb").read()
head, tail = page[: page.index(b"<footer")], page[page.index(b"<footer"):]
para = (b"<p>Filler paragraph about the situation in Syria and the work of the UN Security Council, "
        b"with <b>bold</b> and <a href='/x'>linked</a> words &amp; an entity.</p>\n")
for name, size in (("page-1mb.html", 1 << 20), ("page-100mb.html", 100 << 20)):
    with open(name, "wb") as f:
        f.write(head)
        n = len(head) + len(tail)
        block = para * 1000
        while n + len(block) < size:
            f.write(block)
            n += len(block)
        while n + len(para) < size:
            f.write(para)
            n += len(para)
        f.write(tail)
PYEOF
nice $PY big.py "$page"
run page-1mb --no-classify page-1mb.html
run page-100mb --no-classify page-100mb.html
if [ "$(cat page-1mb.rc)" = 0 ] && [ "$(cat page-100mb.rc)" = 0 ] && bounded page-100mb 120; then
	a=$(tail -n 1 page-1mb.time)
	b=$(tail -n 1 page-100mb.time)
	if [ $((${b#* } - ${a#* })) -le 1024 ]; then
		ok "memory-flat (1 MB page ${a#* } KB, 100 MB page ${b#* } KB in ${b% *}s)"
	else
		fail memory-flat "peak RSS ${a#* } KB for 1 MB, ${b#* } KB for 100 MB"
	fi
else
	fail memory-flat "exit $(cat page-1mb.rc) / $(cat page-100mb.rc)" "$(head -n 3 page-100mb.err)"
fi
rm -f page-1mb.* page-100mb.*
