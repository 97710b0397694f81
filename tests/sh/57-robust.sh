# robust: one unknown line (a document number, a banner, a link, a lone
# punctuation mark, HTML debris, an NBSP-only line) inserted at every line of
# the header and table of contents and after each "Back to top", and each
# blank line of the header and agenda deleted, must leave the agenda,
# statements and turns as they were (tests/robust_check.py)
AREA=robust
. "$BP_ROOT/tests/sh/lib.sh"
cd "$BP_ROOT"
$PY tests/robust_check.py "$BIN" tests/cases/seed-*.txt tests/cases/variant-bullets-2021.txt \
	tests/cases/variant-deputy-director.txt tests/cases/variant-outside-moscow.txt tests/cases/variant-kozhin-2018.txt > "$BP_TMP/robust.out" 2>&1
grep -q '^robust: ' "$BP_TMP/robust.out" || fail run "$(tail -n 5 "$BP_TMP/robust.out")"
while read -r st name rest; do
	case $st in
	ok) ok "$name" ;;
	FAIL) fail "${name%:}" "$rest" "$(grep -A1 -F "$name" "$BP_TMP/robust.out" | sed -n 2p)" ;;
	esac
done < "$BP_TMP/robust.out"
grep '^robust: ' "$BP_TMP/robust.out" | sed 's/^/   /'
