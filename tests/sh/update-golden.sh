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
	[ -f "$in" ] || in=$name.html # a saved page (tests/sh/35-html.sh)
	# shellcheck disable=SC2086
	../../briefparse $args "$in" > "$name.jsonl" 2> "$name.err"
	echo "$name.jsonl: $(wc -l < "$name.jsonl") records; $name.err: $(wc -l < "$name.err") lines"
done
