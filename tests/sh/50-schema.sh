# schema: every golden output, and output on the bundled samples, is valid
# against docs/schema.json; and the validator does reject a broken record.
AREA=schema
. "$BP_ROOT/tests/sh/lib.sh"
cd "$BP_ROOT"
# the checker's report goes to a file, not into a pipe: if the checker dies
# (jsonschema missing, a traceback), its status and missing lines fail
$PY tests/schema_check.py docs/schema.json tests/cases/*.jsonl > "$BP_TMP/schema.out" 2> "$BP_TMP/schema.err"
rc=$?
for f in tests/cases/*.jsonl; do
	name=$(basename "$f" .jsonl)
	line=$(grep -F -x -e "ok $f" "$BP_TMP/schema.out"; grep -F -e "FAIL $f:" "$BP_TMP/schema.out")
	case $line in
	"ok $f") ok "$name" ;;
	"") fail "$name" "no report from schema_check.py (exit status $rc)" ;;
	*) fail "$name" "${line#"FAIL $f: "}" ;;
	esac
done
[ $rc = 0 ] || grep -q '^FAIL ' "$BP_TMP/schema.out" ||
	fail checker "schema_check.py exited with status $rc" "$(tail -n 5 "$BP_TMP/schema.err")"
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
# ... and a briefing whose counts.moderators is not its moderator records
sed 's/"moderators":11}/"moderators":10}/' tests/cases/us-wh-2025-01-03-kirby.jsonl > "$BP_TMP/bad-counts.jsonl"
if ! grep -q '"moderators":10}' "$BP_TMP/bad-counts.jsonl"; then
	fail rejects-wrong-moderators "the kirby case has no counts.moderators of 11"
elif $PY tests/schema_check.py docs/schema.json "$BP_TMP/bad-counts.jsonl" > /dev/null; then
	fail rejects-wrong-moderators "a wrong counts.moderators passed validation"
else
	ok rejects-wrong-moderators
fi
