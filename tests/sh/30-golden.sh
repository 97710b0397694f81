# golden: tests/cases/NAME.txt through briefparse must give NAME.jsonl byte for
# byte (options from NAME.args if present), also with --threads 1 and 2 and
# when fed in 1-, 7- and 4096-byte chunks. Regenerate after an intended change with
#   tests/sh/update-golden.sh NAME   (then review the diff)
AREA=golden
. "$BP_ROOT/tests/sh/lib.sh"
cd "$BP_ROOT/tests/cases"
for in in *.txt; do
	name=${in%.txt}
	args=""
	[ -f "$name.args" ] && args=$(cat "$name.args")
	# shellcheck disable=SC2086
	"$BIN" $args "$in" > "$BP_TMP/$name.jsonl" 2> "$BP_TMP/$name.err"
	if cmp -s "$BP_TMP/$name.jsonl" "$name.jsonl"; then
		ok "$name"
	else
		fail "$name" "$(diff "$name.jsonl" "$BP_TMP/$name.jsonl" | head -n 10 | cut -c1-300)"
	fi
	for t in 1 2; do # the classifier in line, and on its own thread
		# shellcheck disable=SC2086
		if "$BIN" $args -t$t "$in" 2>/dev/null | cmp -s - "$name.jsonl"; then
			ok "$name/threads-$t"
		else
			fail "$name/threads-$t" "output differs with --threads $t"
		fi
	done
	for c in 1 7 4096; do
		# shellcheck disable=SC2086
		if "$BIN" $args --chunk-size $c "$in" 2>/dev/null | cmp -s - "$name.jsonl"; then
			ok "$name/chunk-$c"
		else
			fail "$name/chunk-$c" "output differs when fed in $c-byte chunks"
		fi
	done
done
