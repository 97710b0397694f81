# patterns: PCRE2 limits on user topic patterns (issue 13). A pattern that
# backtracks catastrophically, given with --rules, on a 1 MB block: briefparse
# completes, the briefing has a pattern-limit warning naming the rule, and
# the blocks keep their other tags; the same on one thread and on two. The
# check is on the warning and on completion (the timeout only catches a hang;
# speed is for benchmarks).
AREA=patterns
. "$BP_ROOT/tests/sh/lib.sh"
D="$BP_TMP/patterns"
rm -rf "$D"
mkdir -p "$D/rules"
cd "$D" || exit 1
# block_bytes is large so that a long block still gets its topic; [near]
# shares the prefix "xx" with [bad], so they are one compiled alternation
cat > rules/topics.rules <<'EOF'
block_bytes = 10000000
[peace]
name = Peace
2 peace talks
[bad]
name = Catastrophic
1 xx(?:x+x+)+y
[near]
name = Near
1 xx(?:q|r)s
EOF
$PY - <<'EOF'
para = " ".join(["x" * 30] * 32)  # 991 bytes, 32 word starts
with open("big.txt", "w") as f:
    f.write("Briefing by Foreign Ministry Spokesperson Maria Zakharova, Moscow, February 9, 2017\n\n"
            "Table of contents\n\n1. Peace talks on Syria\n\n2. Geneva\n\n"
            "Peace talks on Syria\n\nRussia and Syria held peace talks. xxqs.\n\n")
    f.write("\n\n".join([para] * 1060))
    # a "y" after the x words: PCRE2 cannot rule the pattern out by its last byte
    f.write("\n\nThat is all, thank you.")
    f.write("\n\nBack to top\n\nGeneva\n\nPeace talks in Geneva on Syria, xxrs.\n\n")
    f.write("\n\n".join([para] * 20))
    f.write("\n\nThank you.\n")
EOF
for t in 1 2; do
	n=big-t$t
	timeout 300 "$BIN" -t$t --rules rules big.txt > $n.out 2> $n.err
	rc=$?
	if [ $rc != 0 ] || [ -s $n.err ]; then
		fail $n "exit status $rc (124: timed out)" "$(head -n 3 $n.err)"
		continue
	fi
	if out=$($PY - $n.out <<'EOF' 2>&1
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
st = [r for r in recs if r["type"] == "statement"]
b = [r for r in recs if r["type"] == "briefing"]
assert len(st) == 2 and len(b) == 1, [r["type"] for r in recs]
assert len(st[0]["text"].encode()) > 2**20, len(st[0]["text"])
w = [w for w in b[0]["warnings"] if w["code"] == "pattern-limit"]
assert w, b[0]["warnings"]
w = w[0]
assert w["count"] == 2 and w["line"] == st[0]["line"], w
assert w["message"] == ("rules/topics.rules:7: [bad] pattern 'xx(?:x+x+)+y': "
                        "match limit exceeded; skipped in this block"), w["message"]
for s in st:
    topics = sorted(t["id"] for t in s["topics"])
    assert topics == ["near", "peace"], (s["heading"], topics)
    assert "SY" in [c["code"] for c in s["countries"]], s["heading"]
EOF
	); then
		ok $n
	else
		fail $n "$(printf '%s' "$out" | tail -n 3)"
	fi
done
if cmp -s big-t1.out big-t2.out; then
	ok big-same-output
else
	fail big-same-output "-t1 and -t2 differ"
fi
# a briefing without such blocks has no pattern-limit warning, after one
# that had (the count starts afresh with each briefing)
cp "$BP_ROOT/tests/cases/$(ls "$BP_ROOT/tests/cases" | grep '\.txt$' | head -n 1)" small.txt
"$BIN" -t1 --rules rules big.txt small.txt > two.out 2>&1
if [ "$(grep -c '"pattern-limit"' two.out)" = 1 ]; then
	ok next-briefing-clean
else
	fail next-briefing-clean "$(grep -c '"pattern-limit"' two.out) briefings with pattern-limit, expected 1"
fi
rm -f big.txt ./*.out
