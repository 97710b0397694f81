/*
 * test_limits.c - PCRE2 limits on the topic patterns (issue 13): a pattern
 * that backtracks catastrophically reaches the match limit, is skipped for
 * the rest of its block with a message naming its rule, and the block keeps
 * every other tag, also those of patterns in the same compiled alternation.
 * The next block starts with every pattern on again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bp_classify.h"
#include "harness.h"

static char dir[64];

static void put(const char *name, const char *text)
{
	char path[128];
	FILE *f;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void unput(const char *name)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	remove(path);
}

/* Topic ids of t, space-separated, in a static buffer. */
static const char *topic_ids(const bp_tags *t)
{
	static char buf[256];
	buf[0] = '\0';
	for (size_t i = 0; i < t->ntopics; i++) {
		if (i)
			strcat(buf, " ");
		strncat(buf, t->topics[i].id, 40);
	}
	return buf;
}

static const char *country_ids(const bp_tags *t)
{
	static char buf[256];
	buf[0] = '\0';
	for (size_t i = 0; i < t->ncountries && i < 20; i++) {
		if (i)
			strcat(buf, " ");
		strncat(buf, t->countries[i].id, 8);
	}
	return buf;
}

/* block_bytes is large so that a long block still gets its topics. The
 * [bad] pattern and the [near] one share the prefix "xx", so one rx. */
static const char rules[] =
	"block_bytes = 10000000\n"
	"threshold = 1\n"
	"relative = 0\n"
	"max_topics = 10\n"
	"[peace]\n"
	"2 peace talks\n"
	"[bad]\n"
	"1 xx(?:x+x+)+y\n"
	"[near]\n"
	"1 xx(?:q|r)s\n";

/* A block: n words of 30 x, with "peace talks", "xxqs" and Syria around. */
static char *block(size_t n, size_t *len)
{
	static const char head[] = "Peace talks on Syria\n\nxxqs and peace talks in Geneva. ";
	static const char word[] = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx ";
	static const char tail[] = "Then xxrs and Syria again.";
	size_t cap = sizeof(head) + n * (sizeof(word) - 1) + sizeof(tail);
	char *b = malloc(cap), *p = b;
	if (!b)
		return NULL;
	memcpy(p, head, sizeof(head) - 1);
	p += sizeof(head) - 1;
	for (size_t i = 0; i < n; i++, p += sizeof(word) - 1)
		memcpy(p, word, sizeof(word) - 1);
	memcpy(p, tail, sizeof(tail));
	*len = (size_t)(p - b) + sizeof(tail) - 1;
	return b;
}

static bp_rules *loaded;
static bp_classifier *cls;

TEST(catastrophic_pattern_is_skipped_with_a_message)
{
	size_t len;
	char *b = block(3, &len), want[512];
	bp_tags t;
	bp_error err;
	CHECK(b != NULL);
	if (!b)
		return;
	CHECK_INT(bp_classifier_run(cls, b, len, 20, &t, &err), BP_OK);
	CHECK_INT(t.nlimited, 1);
	snprintf(want, sizeof(want),
		 "%s/topics.rules:8: [bad] pattern 'xx(?:x+x+)+y': match limit exceeded; "
		 "skipped in this block",
		 dir);
	CHECK(t.limited != NULL);
	if (t.limited)
		CHECK_STR(t.limited, want);
	/* the other patterns, also the one in the same rx, still count */
	CHECK_STR(topic_ids(&t), "peace near");
	CHECK_STR(country_ids(&t), "SY CH");
	for (size_t i = 0; i < t.ntopics; i++)
		if (strcmp(t.topics[i].id, "near") == 0)
			CHECK_INT(t.topics[i].count, 2); /* xxqs, xxrs */
	free(b);
}

TEST(next_block_starts_with_every_pattern_on)
{
	static const char ok[] = "Talks\n\nxxxxy and xxqs and peace talks.";
	bp_tags t;
	bp_error err;
	CHECK_INT(bp_classifier_run(cls, ok, sizeof(ok) - 1, 5, &t, &err), BP_OK);
	CHECK_INT(t.nlimited, 0);
	CHECK(t.limited == NULL);
	CHECK_STR(topic_ids(&t), "peace bad near");
}

/* The case: a 1 MB block; what counts is that it completes with the
 * message and the other tags (time is for benchmarks). */
TEST(one_megabyte_block)
{
	size_t len;
	char *b = block((1u << 20) / 31, &len);
	bp_tags t;
	bp_error err;
	CHECK(b != NULL);
	if (!b)
		return;
	CHECK(len > 1000000);
	CHECK_INT(bp_classifier_run(cls, b, len, 20, &t, &err), BP_OK);
	CHECK_INT(t.nlimited, 1);
	CHECK_STR(topic_ids(&t), "peace near");
	CHECK_STR(country_ids(&t), "SY CH");
	free(b);
}

int main(void)
{
	bp_error err;

	strcpy(dir, "/tmp/bp_limits_XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	put("topics.rules", rules);
	if (bp_rules_load(dir, &loaded, &err) != BP_OK || !(cls = bp_classifier_new(loaded))) {
		printf("FAIL - loading the rules: %s\n", err.message);
		unput("topics.rules");
		rmdir(dir);
		return 1;
	}
	RUN(catastrophic_pattern_is_skipped_with_a_message);
	RUN(next_block_starts_with_every_pattern_on);
	RUN(one_megabyte_block);
	bp_classifier_free(cls);
	bp_rules_free(loaded);
	unput("topics.rules");
	rmdir(dir);
	return DONE();
}
