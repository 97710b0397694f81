# explain: --explain prints, per block, every topic pattern that matched and
# each topic's verdict (tests/explain/: rules that give every kind of verdict).
AREA=explain
. "$BP_ROOT/tests/sh/lib.sh"
cd "$BP_ROOT"
d=tests/explain
out="$BP_TMP/explain"
mkdir -p "$out"
run() { "$BIN" "$@" "$d/briefing.txt"; }
if run --rules "$d/rules" --explain > "$out/stdout" 2> "$out/stderr" &&
	cmp -s "$out/stderr" "$d/briefing.explain"; then
	ok text
else
	fail text "$(diff "$d/briefing.explain" "$out/stderr" | head -n 20)"
fi
for t in 1 2; do
	run --rules "$d/rules" -t$t > "$out/plain$t" 2> "$out/plain$t.err"
	if cmp -s "$out/stdout" "$out/plain$t" && [ ! -s "$out/plain$t.err" ]; then
		ok "same-records-t$t"
	else
		fail "same-records-t$t" "--explain changed the records or stderr without it is not empty"
	fi
done
# every verdict and kind of match is in the expected text
for want in 'given, score' 'below the threshold' 'no positive pattern matched' \
	'relative x the strongest' 'beyond max_topics' 'past repeat_cap' '(heading x2)' ' -1 at '; do
	if grep -qF -- "$want" "$d/briefing.explain"; then ok "has:$want"; else fail "has:$want"; fi
done
run --explain --no-classify > /dev/null 2> "$out/noclass.err"
if [ ! -s "$out/noclass.err" ]; then ok no-classify-silent; else fail no-classify-silent "$(head -n 3 "$out/noclass.err")"; fi
# the bundled rules: one "explain" line per record
run --explain > "$out/bundled" 2> "$out/bundled.err"
n=$(grep -c '^explain ' "$out/bundled.err")
r=$(grep -c '"type":"\(statement\|question\|answer\)"' "$out/bundled")
if [ "$n" -eq "$r" ] && [ "$n" -gt 0 ]; then ok one-per-block; else fail one-per-block "$n explain lines, $r blocks"; fi
# answer_credit (tests/explain/pair-rules): the answer right after a question
# gets the question's topic at the lowered threshold, says why, and the
# records are the same with one thread or two
p=tests/explain/pair-rules
run --rules "$p" --explain > "$out/pair" 2> "$out/pair.err"
if grep -qF 'answer topic harbour: ratio 0.440 + answer_credit 0.6 (the question'"'"'s topic) = 1.040: given, score 0.510' "$out/pair.err" &&
	grep -qF 'after a question given harbour: answer_credit 0.6 for its topics' "$out/pair.err"; then
	ok pair-explain
else
	fail pair-explain "$(grep -A3 '(answer' "$out/pair.err" | head -n 8)"
fi
if grep '"type":"answer"' "$out/pair" | grep -q '"id":"harbour"'; then
	ok pair-answer-topic
else
	fail pair-answer-topic "the answer lacks the question's topic"
fi
for t in 1 2; do
	run --rules "$p" -t$t > "$out/pair$t" 2> /dev/null
	if cmp -s "$out/pair" "$out/pair$t"; then ok "pair-same-t$t"; else fail "pair-same-t$t" "records differ from --explain's"; fi
done
