/* Unit tests of Russian text in the classifier: topic patterns with Cyrillic
 * letters are matched in Unicode mode (docs/rules.md, topics.rules), caselessly
 * and only at a word start; the English patterns beside them stay bytewise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bp_classify.h"
#include "harness.h"

static bp_classifier *mine; /* the rules below */

/* The count of topic id in text under classifier c, or -1 on an error. */
static int topic_count(bp_classifier *c, const char *text, const char *id)
{
	bp_tags tg;
	bp_error err = {0};

	if (bp_classifier_run(c, text, strlen(text), 0, &tg, &err) != BP_OK)
		return -1;
	for (size_t i = 0; i < tg.ntopics; i++)
		if (strcmp(tg.topics[i].id, id) == 0)
			return (int)tg.topics[i].count;
	return 0;
}

/* threshold 1: one weight-1 match gives the topic; count = matches */
static const char rules_text[] = "threshold = 1\n"
				 "repeat_cap = 100\n"
				 "[sanc]\n"
				 "1 санкци\n"
				 "1 эмбарго\\b\n"
				 "1 sanction\n"
				 "[case]\n"
				 "1 (?-i)Сири\n"
				 "[mixed]\n"
				 "1 (?:агресси|aggressi)\n"
				 "1 peace (?:talks|мир\\w*)\n";

TEST(caseless_cyrillic)
{
	CHECK_INT(topic_count(mine, "Санкции, САНКЦИИ и санкционный режим.", "sanc"), 3);
	CHECK_INT(topic_count(mine, "ЭМБАРГО.", "sanc"), 1);
	/* the English pattern in the same section still bytewise and caseless */
	CHECK_INT(topic_count(mine, "Sanctions and SANCTIONS.", "sanc"), 2);
}

TEST(word_start_and_end)
{
	/* not inside a word: несанкционированный, антиэмбарго */
	CHECK_INT(topic_count(mine, "Это несанкционированный шаг, антиэмбарговый.", "sanc"), 0);
	/* \b is a Unicode word end: эмбарговый is no match of эмбарго\b */
	CHECK_INT(topic_count(mine, "Эмбарговый режим.", "sanc"), 0);
	CHECK_INT(topic_count(mine, "эмбарго, «эмбарго» (эмбарго)", "sanc"), 3);
}

TEST(case_sensitive_cyrillic)
{
	CHECK_INT(topic_count(mine, "Сирия, Сирии и СИРИЯ, сирийский.", "case"), 2);
}

TEST(mixed_scripts)
{
	CHECK_INT(topic_count(mine, "Агрессия and aggression.", "mixed"), 2);
	CHECK_INT(topic_count(mine, "peace talks, PEACE МИРНЫЕ", "mixed"), 2);
}

TEST(invalid_utf8)
{
	/* a broken sequence inside is no match and no error */
	CHECK_INT(topic_count(mine, "сан\xD0кции и санкции", "sanc"), 1);
}

int main(void)
{
	char dir[] = "/tmp/bp-test-russian-XXXXXX", path[64];
	bp_rules *rules = NULL;
	bp_error err = {0};
	FILE *f;

	if (!mkdtemp(dir)) {
		printf("FAIL - mkdtemp\n");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/topics.rules", dir);
	if (!(f = fopen(path, "w")) || fputs(rules_text, f) < 0 || fclose(f) != 0 ||
	    bp_rules_load(dir, &rules, &err) != BP_OK || !(mine = bp_classifier_new(rules))) {
		printf("FAIL - loading the test rules: %s\n", err.message);
		return 1;
	}
	unlink(path);
	rmdir(dir);
	RUN(caseless_cyrillic);
	RUN(word_start_and_end);
	RUN(case_sensitive_cyrillic);
	RUN(mixed_scripts);
	RUN(invalid_utf8);
	bp_classifier_free(mine);
	bp_rules_free(rules);
	return DONE();
}
