# gold: accuracy against the hand-checked gold of the three samples.
# Structure (meta, agenda, statements, qa) must stay at F1 1.000; countries
# at >= 0.97 and topics at >= 0.80.
AREA=gold
. "$BP_ROOT/tests/sh/lib.sh"
cd "$BP_ROOT"
out="$BP_TMP/gold"
rm -rf "$out"
mkdir -p "$out"
for g in tests/gold/*.gold.json; do
	name=$(basename "$g" .gold.json)
	"$BIN" "data/samples/$name.txt" > "$out/$name.jsonl" 2>> "$out/errors"
done
$PY tests/gold/score --gold tests/gold --out "$out" --json > "$out/score.json" 2>> "$out/errors"
$PY tests/gold/score --gold tests/gold --out "$out" > "$out/score.txt" 2>&1
for k in meta:1.0 agenda:1.0 statements:1.0 qa:1.0 countries:0.97 topics:0.80; do
	key=${k%%:*}
	min=${k#*:}
	got=$($PY -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]]['f1'])" "$out/score.json" "$key" 2>/dev/null)
	if [ -n "$got" ] && $PY -c "import sys; sys.exit(0 if float(sys.argv[1]) >= float(sys.argv[2]) else 1)" "$got" "$min"; then
		ok "$key-f1>=$min"
	else
		fail "$key-f1>=$min" "F1 is ${got:-missing}" "$(cat "$out/score.txt")"
	fi
done
# the same briefings as saved pages (tests/cases/seed-NNN.LAYOUT.html, see
# tests/sh/35-html.sh): structure F1 1.000 in every layout
for layout in page divs table; do
	o="$out/html-$layout"
	mkdir -p "$o"
	for g in tests/gold/*.gold.json; do
		name=$(basename "$g" .gold.json)
		"$BIN" "tests/cases/seed-${name%%_*}.$layout.html" > "$o/$name.jsonl" 2>> "$o/errors"
	done
	$PY tests/gold/score --gold tests/gold --out "$o" --json > "$o/score.json" 2>> "$o/errors"
	for k in meta agenda statements qa; do
		got=$($PY -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]]['f1'])" "$o/score.json" "$k" 2>/dev/null)
		if [ -n "$got" ] && $PY -c "import sys; sys.exit(0 if float(sys.argv[1]) >= 1.0 else 1)" "$got"; then
			ok "html-$layout-$k-f1>=1.0"
		else
			fail "html-$layout-$k-f1>=1.0" "F1 is ${got:-missing}" "$($PY tests/gold/score --gold tests/gold --out "$o" 2>&1 | tail -n 12)"
		fi
	done
done
