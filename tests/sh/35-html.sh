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
