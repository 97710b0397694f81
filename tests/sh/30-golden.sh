# golden: tests/cases/NAME.txt through briefparse must give NAME.jsonl byte for
# byte on stdout and NAME.err on stderr (empty, or the expected warning
# lines), options from NAME.args if present; also with --threads 1 and 2 and
# when fed in 1-, 7- and 4096-byte chunks. Regenerate after an intended change with
#   tests/sh/update-golden.sh NAME   (then review the diff)
AREA=golden
. "$BP_ROOT/tests/sh/lib.sh"
cd "$BP_ROOT/tests/cases"
# same NAME WHAT: the run's $BP_TMP/$NAME.{jsonl,err} against the golden pair
same() {
	if ! cmp -s "$BP_TMP/$1.jsonl" "$1.jsonl"; then
		fail "$2" "output differs from $1.jsonl:" \
			"$(diff "$1.jsonl" "$BP_TMP/$1.jsonl" | head -n 10 | cut -c1-300)"
	elif [ ! -f "$1.err" ]; then
		fail "$2" "no $1.err (the expected stderr; tests/sh/update-golden.sh $1)"
	elif ! cmp -s "$BP_TMP/$1.err" "$1.err"; then
		fail "$2" "stderr differs from $1.err:" "$(diff "$1.err" "$BP_TMP/$1.err" | head -n 10 | cut -c1-300)"
	else
		ok "$2"
	fi
}
for in in *.txt; do
	name=${in%.txt}
	args=""
	[ -f "$name.args" ] && args=$(cat "$name.args")
	# shellcheck disable=SC2086
	"$BIN" $args "$in" > "$BP_TMP/$name.jsonl" 2> "$BP_TMP/$name.err"
	same "$name" "$name"
	for t in 1 2; do # the classifier in line, and on its own thread
		# shellcheck disable=SC2086
		"$BIN" $args -t$t "$in" > "$BP_TMP/$name.jsonl" 2> "$BP_TMP/$name.err"
		same "$name" "$name/threads-$t"
	done
	for c in 1 7 4096; do
		# shellcheck disable=SC2086
		"$BIN" $args --chunk-size $c "$in" > "$BP_TMP/$name.jsonl" 2> "$BP_TMP/$name.err"
		same "$name" "$name/chunk-$c"
	done
done
