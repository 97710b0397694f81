#!/bin/sh
# Regenerates tests/cases/NAME.jsonl and NAME.err (the expected stderr; all
# cases when no NAME) from the current ./briefparse. Review
# `git diff tests/cases` before committing.
cd "$(dirname "$0")/../cases" || exit 2
names="$*"
[ -z "$names" ] && names=$(ls *.txt *.html | sed 's/\.txt$//; s/\.html$//')
for name in $names; do
	args=""
	[ -f "$name.args" ] && args=$(cat "$name.args")
	in=$name.txt
	err=$name.err
	if [ ! -f "$in" ]; then
		in=$name.html # a saved page: 35-html.sh wants its stderr empty
		err=/dev/stderr
	fi
	# shellcheck disable=SC2086
	../../briefparse $args "$in" > "$name.jsonl" 2> "$err"
	echo "$name.jsonl: $(wc -l < "$name.jsonl") records"
	[ "$err" = /dev/stderr ] || echo "$err: $(wc -l < "$err") lines"
done
