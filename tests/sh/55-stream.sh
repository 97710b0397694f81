# stream: spans and evidence cut out of the input, stdin equals file input,
# determinism, and a concatenated stream splits into its briefings with each
# file's own digest (tests/stream_check.py)
AREA=stream
. "$BP_ROOT/tests/sh/lib.sh"
cd "$BP_ROOT"
$PY tests/stream_check.py "$BIN" data/samples/*.txt tests/cases/variant-kozhin-2018.txt | while read -r st name rest; do
	name=${name%:}
	if [ "$st" = ok ]; then ok "$name"; else fail "$name" "$rest"; fi
done
