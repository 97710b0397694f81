# manifest: OUT/.briefparse-manifest is a file anyone who can write OUT can
# edit (issue 13, found by tests/fuzz/fuzz_manifest.c). An entry that names a
# path leaving OUT ("../victim") must never make the stale-output removal
# delete it; the run goes on as without that entry.
AREA=manifest
. "$BP_ROOT/tests/sh/lib.sh"
D="$BP_TMP/manifest"
rm -rf "$D"
mkdir -p "$D/in" "$D/out"
cd "$D" || exit 1
cp "$BP_ROOT/tests/cases/$(ls "$BP_ROOT/tests/cases" | grep '\.txt$' | head -n 1)" in/a.txt
echo "must stay" > victim
mkdir keep
sha=$(printf '%064d' 0)
for rel in ../victim ../keep/x ./../victim %2E%2E/victim /etc/passwd; do
	printf 'briefparse-manifest\t1\t0.1.0\t%s\nF\t%s\t1\t1.000000001\t%s\t1\t0\tok\tgone.txt\n' \
		"$sha" "$rel" "$sha" > out/.briefparse-manifest
	"$BIN" --no-classify -o out in > run.out 2> run.err
	rc=$?
	if [ $rc != 0 ]; then
		fail "entry $rel" "exit status $rc" "$(head -n 3 run.err)"
	elif [ "$(cat victim 2>/dev/null)" != "must stay" ] || [ ! -d keep ]; then
		fail "entry $rel" "a file outside OUT was removed"
	elif [ ! -f out/a.txt.jsonl ]; then
		fail "entry $rel" "the output is missing"
	else
		ok "entry $rel"
	fi
done
