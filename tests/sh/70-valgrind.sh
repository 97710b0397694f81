# valgrind: memcheck over the default build (./briefparse, -O2 -g): every
# golden case, a few hostile inputs and the error paths. Any memory error or
# definite/indirect leak fails the test (valgrind then exits with 99).
AREA=valgrind
. "$BP_ROOT/tests/sh/lib.sh"
D="$BP_TMP/valgrind"
rm -rf "$D"
mkdir -p "$D"
if ! command -v valgrind > /dev/null; then
	fail setup "valgrind is not installed (.ci/install-deps check)"
	exit 0
fi

# vg NAME EXPECTED-STATUS ARGS...: runs briefparse under memcheck in the
# current directory, with the environment assignments in $VG_ENV
VG_ENV=""
vg() {
	n=$1
	want=$2
	shift 2
	# shellcheck disable=SC2086
	timeout 300 env $VG_ENV valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
		--track-origins=yes "$BIN" "$@" > "$D/out" 2> "$D/err"
	rc=$?
	if [ $rc = "$want" ]; then
		ok "$n"
	else
		fail "$n" "exit status $rc, expected $want (99: memcheck error, 124: timed out)" \
			"$(grep -v '^briefparse: ' "$D/err" | head -n 30)"
	fi
}

cd "$BP_ROOT/tests/cases" || exit 1
for in in *.txt *.html; do
	name=${in%.txt}
	name=${name%.html} # saved pages too (tests/sh/35-html.sh)
	args=""
	[ -f "$name.args" ] && args=$(cat "$name.args")
	# shellcheck disable=SC2086
	vg "golden-$name" 0 $args "$in"
done
big=$(ls -SL *.txt | head -n 1)
vg chunk-7 0 --no-classify --chunk-size 7 "$big"
vg pretty 0 --pretty "$big"

cd "$BP_ROOT/tests/bad" || exit 1
vg bad-binary-empty-missing 1 --no-classify elf.bin random.bin empty.txt whitespace.txt \
	no-such-file.txt rules-broken utf16-le.txt no-structure.txt "$BP_ROOT/tests/cases/$big"
vg bad-rules-pattern 2 --rules rules-broken no-structure.txt
vg bad-rules-countries 2 --rules rules-broken-countries no-structure.txt
vg bad-usage 2 --chunk-size 0 no-structure.txt

cd "$D" || exit 1
$PY - "$BP_ROOT/tests/cases/$big" <<'EOF'
import sys
text = open(sys.argv[1], "rb").read()
pad = b"".join(b"Filler paragraph %d.\n\n" % i for i in range(3000))
open("mangled.txt", "wb").write(text[: len(text) // 2] + b" \xff\xc3(\xed\xa0\x80\x01" +
                                text[len(text) // 2 :] + pad + b"nul\x00 \xe2\x80")
open("longline.txt", "wb").write(text + b"\n" + b"word " * 250000 + b"\n")
open("crlf-cut.txt", "wb").write(text.replace(b"\n", b"\r\n")[: len(text) * 2 // 3])
EOF
vg mangled 0 --no-classify mangled.txt
vg longline 0 --no-classify longline.txt
vg crlf-cut 0 crlf-cut.txt
vg crlf-cut/chunk-1 0 --no-classify --chunk-size 1 crlf-cut.txt

# error paths with the fault-injection shim (valgrind honours LD_PRELOAD)
if cc -shared -fPIC -o shim.so "$BP_ROOT/tests/fault/shim.c" -ldl 2> "$D/err"; then
	VG_ENV="LD_PRELOAD=$D/shim.so BP_FAULT_READ_AFTER=30000 BP_FAULT_READ_FILE=mangled.txt"
	vg fault-read 1 --no-classify mangled.txt crlf-cut.txt
	VG_ENV="LD_PRELOAD=$D/shim.so BP_FAULT_WRITE=enospc BP_FAULT_WRITE_AFTER=5000"
	vg fault-write 1 mangled.txt crlf-cut.txt
	VG_ENV=""
else
	fail fault-shim-build "$(cat "$D/err")"
fi
rm -f longline.txt
