# schema: every golden output, and output on the bundled samples, is valid
# against docs/schema.json; and the validator does reject a broken record.
AREA=schema
. "$BP_ROOT/tests/sh/lib.sh"
cd "$BP_ROOT"
$PY tests/schema_check.py docs/schema.json tests/cases/*.jsonl | while read -r st path rest; do
	name=$(basename "$path" .jsonl)
	if [ "$st" = ok ]; then ok "$name"; else fail "$name" "$rest"; fi
done
for f in data/samples/*.txt; do
	[ -f "$f" ] || continue
	name=sample-$(basename "$f" .txt)
	"$BIN" "$f" > "$BP_TMP/$name.jsonl" 2>/dev/null
	check "$name" $PY tests/schema_check.py docs/schema.json "$BP_TMP/$name.jsonl"
done
# the validator must catch a record without its text
head -n 1 tests/cases/variant-kozhin-2018.jsonl | sed 's/"text":"[^"]*",//' > "$BP_TMP/broken.jsonl"
if $PY tests/schema_check.py docs/schema.json "$BP_TMP/broken.jsonl" > /dev/null; then
	fail rejects-broken-record "a statement without text passed validation"
else
	ok rejects-broken-record
fi
