# stream: spans and evidence cut out of the input, stdin equals file input,
# determinism, and a concatenated stream splits into its briefings with each
# file's own digest (tests/stream_check.py)
AREA=stream
. "$BP_ROOT/tests/sh/lib.sh"
cd "$BP_ROOT"
# the checker's report goes to a file, not into a pipe: if the checker dies
# (a traceback), its status and the missing reports fail
set -- data/samples/*.txt tests/cases/variant-kozhin-2018.txt
$PY tests/stream_check.py "$BIN" "$@" > "$BP_TMP/stream.out" 2> "$BP_TMP/stream.err"
rc=$?
while read -r st name rest; do
	name=${name%:}
	if [ "$st" = ok ]; then ok "$name"; else fail "$name" "$rest"; fi
done < "$BP_TMP/stream.out"
# per file: spans, stdin, deterministic, pretty; then concat
want=$(($# * 4 + 1))
got=$(grep -c -E '^(ok|FAIL) ' "$BP_TMP/stream.out")
if [ "$got" != "$want" ]; then
	fail reports "stream_check.py reported $got checks of $want (exit status $rc)" "$(tail -n 5 "$BP_TMP/stream.err")"
elif [ $rc != 0 ] && ! grep -q '^FAIL ' "$BP_TMP/stream.out"; then
	fail checker "stream_check.py exited with status $rc" "$(tail -n 5 "$BP_TMP/stream.err")"
fi
