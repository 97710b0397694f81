#!/bin/sh
# Regenerates tests/cases/NAME.jsonl (all when no NAME) from the current
# ./briefparse. Review `git diff tests/cases` before committing.
cd "$(dirname "$0")/../cases" || exit 2
names="$*"
[ -z "$names" ] && names=$(ls *.txt | sed 's/\.txt$//')
for name in $names; do
	args=""
	[ -f "$name.args" ] && args=$(cat "$name.args")
	# shellcheck disable=SC2086
	../../briefparse $args "$name.txt" > "$name.jsonl"
	echo "$name.jsonl: $(wc -l < "$name.jsonl") records"
done
