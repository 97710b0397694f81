/*
 * fuzz_rules.c - libFuzzer target for the rule files (bp_rules_load).
 *
 * The first byte picks the file the rest of the input becomes, in a private
 * temporary directory given as --rules DIR: 0 topics.rules, 1 countries.tsv,
 * 2 organizations.tsv (mod 3). The directory's other two files are tiny valid
 * ones, so that each run compiles only the fuzzed file. When the rules load,
 * a classifier runs over a fixed text with them. Loading must never crash;
 * an error must come with a path and a message; a pattern that reaches a
 * PCRE2 limit must be reported with a message naming its file; everything
 * is freed.
 */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bp_classify.h"

static char dir[64];
static const char *const names[3] = { "topics.rules", "countries.tsv", "organizations.tsv" };
static const char *const minimal[3] = {
	"[peace]\nname = Peace\n2 peace\n1 talks?\\b\n",
	"RU\tname\tRussia\nRU\tadj\tRussian\nUS\tname\tUnited States\nUS\tofficial\tUSA\n",
	"NATO\tname\tNorth Atlantic Treaty Organization\nNATO\tabbr\tNATO\n"
};
static const char text[] =
	"Situation in Syria\n\nRussia and the United States discussed a ceasefire in Syria. "
	"NATO, the UN Security Council and the European Union held peace talks in Geneva; "
	"the Russian side said sanctions and cyberattacks on Ukraine's and Belarus's "
	"infrastructure must stop. The USA, the U.S. and Russia's partners: 100% agreed.";

/* Which files hold an input rather than their minimal text: only those are
 * written again (rewriting all three, open, truncate and write, was a
 * quarter of the target's time). */
static int fuzzed[3] = { 1, 1, 1 };

static void die(const char *what)
{
	fprintf(stderr, "fuzz_rules: %s\n", what);
	abort();
}

static void put(const char *name, const void *bytes, size_t len)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(bytes, 1, len, f) != len || fclose(f) != 0)
		die("cannot write the rule file");
}

static void cleanup(void)
{
	char path[128];
	int i;
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	(void)argc;
	(void)argv;
	struct stat st;
	/* glibc: the loader's arena chunks and tables, mapped and unmapped (or
	 * the heap grown and trimmed) per input, were a third of the target's
	 * time in page faults, mmap, munmap and brk; keep freed memory instead.
	 * The library's code path is the same (the asan build has its own
	 * allocator and ignores this). */
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	/* under /dev/shm when it is there: a file written per input costs no disk */
	if (!tmp || strlen(tmp) >= 32)
		tmp = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";
	snprintf(dir, sizeof(dir), "%s/bp-fuzz-rules-XXXXXX", tmp);
	if (!mkdtemp(dir))
		die("mkdtemp failed");
	atexit(cleanup);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bp_rules *rules = NULL;
	bp_classifier *c;
	bp_error err;
	bp_status st;
	bp_tags tags;
	int which, i;

	if (size == 0)
		return 0;
	which = data[0] % 3;
	for (i = 0; i < 3; i++) {
		if (i == which) {
			put(names[i], data + 1, size - 1);
			fuzzed[i] = 1;
		} else if (fuzzed[i]) {
			put(names[i], minimal[i], strlen(minimal[i]));
			fuzzed[i] = 0;
		}
	}
	bp_error_clear(&err);
	st = bp_rules_load(dir, &rules, &err);
	if (st != BP_OK) {
		if (rules)
			die("an error, yet rules were returned");
		if (!err.message[0] || !err.path[0])
			die("an error without a message or a path");
		return 0;
	}
	if (!rules)
		die("no error and no rules");
	for (size_t k = 0, n = bp_rules_count(rules); k < n; k++) {
		bp_rule_info e;
		bp_rules_info(rules, k, &e);
		if (!e.kind || !e.id || !e.source)
			die("rule info without a kind, id or source");
	}
	c = bp_classifier_new(rules);
	if (!c)
		die("out of memory");
	st = bp_classifier_run(c, text, sizeof(text) - 1, 18, &tags, &err);
	if (st == BP_OK && (tags.nlimited == 0) != (tags.limited == NULL))
		die("a pattern limit without its message, or a message without one");
	if (st == BP_OK && tags.limited && strncmp(tags.limited, dir, strlen(dir)) != 0)
		die("a pattern-limit message that does not name the rule file");
	if (st == BP_OK) {
		const bp_tag *all[3] = { tags.countries, tags.organizations, tags.topics };
		size_t ns[3] = { tags.ncountries, tags.norganizations, tags.ntopics };
		for (int g = 0; g < 3; g++)
			for (size_t k = 0; k < ns[g]; k++)
				for (size_t v = 0; v < all[g][k].nevidence; v++)
					if (all[g][k].evidence[v].start >= all[g][k].evidence[v].end ||
					    all[g][k].evidence[v].end > sizeof(text) - 1)
						die("evidence outside the text");
	}
	bp_classifier_free(c);
	bp_rules_free(rules);
	return 0;
}
