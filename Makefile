# briefparse - see README.md. `make` builds ./briefparse, `make run` parses the
# bundled samples, `make check` runs every test gate. Missing Debian packages
# are installed first by .ci/install-deps.

PKGS     := libxml-2.0 libpcre2-8 libcjson openssl sqlite3
CC       ?= cc
OPT      ?= -O2 -g
WARN     := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wformat=2 -Wvla
BUILD    ?= build/default
DATA     := $(sort $(wildcard data/*.tsv data/*.rules data/formats/*.tsv))
SRC      := $(sort $(wildcard src/*.c))
LIB_SRC  := $(filter-out src/main.c,$(SRC))
OBJ      := $(patsubst src/%.c,$(BUILD)/%.o,$(LIB_SRC)) $(BUILD)/bundled.o
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNITS    := $(patsubst tests/unit/%.c,$(BUILD)/%,$(UNIT_SRC))
VERSION  := 0.1.0

# Written once by the deps step; holds pkg-config's flags for PKGS.
include build/config.mk

CPPFLAGS += -D_POSIX_C_SOURCE=200809L -DBP_VERSION='"$(VERSION)"' -Iinclude $(PKG_CFLAGS)
CFLAGS   += $(OPT) $(WARN) -pthread $(EXTRA_CFLAGS)
LDFLAGS  += $(EXTRA_LDFLAGS)
LDLIBS   += $(PKG_LIBS) -pthread

.PHONY: all run check unit golden asan valgrind fuzz fuzz-long bench lint format clean deps
.DEFAULT_GOAL := all

all: briefparse

build/config.mk: Makefile .ci/install-deps
	@sh .ci/install-deps
	@mkdir -p build
	@{ echo "PKG_CFLAGS := $$(pkg-config --cflags $(PKGS))"; \
	   echo "PKG_LIBS := $$(pkg-config --libs $(PKGS))"; } > $@

deps:
	@sh .ci/install-deps check

# copy and rename: a running ./briefparse (benchmarks) keeps its old inode
briefparse: $(BUILD)/briefparse
	cp $< $@.tmp && mv -f $@.tmp $@

$(BUILD)/briefparse: $(BUILD)/main.o $(BUILD)/libbriefparse.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libbriefparse.a: $(OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: src/%.c $(wildcard include/*.h) | $(BUILD)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/bundled.c: $(DATA) $(BUILD)/embed | $(BUILD)
	$(BUILD)/embed $@ $(DATA)

$(BUILD)/bundled.o: $(BUILD)/bundled.c include/bp_bundled.h
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/embed: src/tools/embed.c | $(BUILD)
	$(CC) $(OPT) $(WARN) -o $@ $<

$(BUILD)/test_%: tests/unit/test_%.c tests/unit/harness.h $(BUILD)/libbriefparse.a
	$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libbriefparse.a $(LDLIBS)

$(BUILD):
	mkdir -p $@

units: $(UNITS)

run: briefparse
	@mkdir -p build/samples
	@for f in data/samples/*.txt; do \
		out=build/samples/$$(basename $$f .txt).jsonl; \
		./briefparse "$$f" > "$$out" || exit 1; \
		echo "$$f -> $$out ($$(wc -l < $$out) records)"; \
	done
	@echo; echo "first records of $$(ls build/samples/*.jsonl | head -1):"
	@head -c 1500 "$$(ls build/samples/*.jsonl | head -1)"; echo ...

# Everything CI runs. Ends with "N passed, N failed".
check: deps
	@sh tests/run.sh

unit: briefparse
	@$(MAKE) --no-print-directory units
	@sh tests/run.sh unit

golden: briefparse
	@sh tests/run.sh golden

asan:
	@sh tests/run.sh asan

valgrind: briefparse
	@sh tests/run.sh valgrind

fuzz:
	@sh tests/fuzz/run.sh

# every fuzz target at once for FUZZ_SECONDS (default 600), niced; see tests/fuzz/long.sh
fuzz-long:
	@sh tests/fuzz/long.sh

bench: briefparse
	@sh .ci/install-deps bench
	@sh bench/run.sh

lint:
	cppcheck --quiet --error-exitcode=1 --std=c11 -Iinclude src

# .clang-format on the lines changed since the last commit (new files: git add
# them first); the rest of the tree is left as it is
format:
	@sh .ci/install-deps format
	git clang-format --force --quiet HEAD -- src include tests/unit

clean:
	rm -rf build briefparse
