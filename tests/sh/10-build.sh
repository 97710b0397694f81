# build: the binary with gcc and clang, -Wall -Wextra -Werror, and the unit tests
AREA=build
. "$BP_ROOT/tests/sh/lib.sh"
cd "$BP_ROOT"
check gcc make -s CC=gcc BUILD=build/gcc build/gcc/briefparse
check clang make -s CC=clang BUILD=build/clang build/clang/briefparse
check default make -s briefparse units
