/* Unit tests of Russian text in the classifier: topic patterns with Cyrillic
 * letters are matched in Unicode mode (docs/rules.md, topics.rules), caselessly
 * and only at a word start; the English patterns beside them stay bytewise.
 * The gazetteer's Russian aliases are stems with ending classes
 * (docs/rules.md, "Ending classes"): every case form matches, words that
 * only start with a stem do not. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bp_classify.h"
#include "harness.h"

static bp_classifier *mine;    /* the rules below */
static bp_classifier *bundled; /* the bundled rules */

/* The count of country code in text under the bundled rules, -1 on an error. */
static int country_count(const char *text, const char *code)
{
	bp_tags tg;
	bp_error err;

	if (bp_classifier_run(bundled, text, strlen(text), 0, &tg, &err) != BP_OK)
		return -1;
	for (size_t i = 0; i < tg.ncountries; i++)
		if (strcmp(tg.countries[i].id, code) == 0)
			return (int)tg.countries[i].count;
	return 0;
}

/* The number of countries tagged in text. */
static int countries_in(const char *text)
{
	bp_tags tg;
	bp_error err;

	if (bp_classifier_run(bundled, text, strlen(text), 0, &tg, &err) != BP_OK)
		return -1;
	return (int)tg.ncountries;
}

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

/* Whether the bundled rules give text the topic id. */
static int has_topic(const char *text, const char *id)
{
	return topic_count(bundled, text, id) > 0;
}

TEST(bundled_topics)
{
	CHECK(has_topic("Евросоюз ввёл новые санкции против российских компаний.", "sanctions"));
	CHECK(has_topic("В ответ на высылку наших дипломатов будут приняты ответные меры.",
			"sanctions"));
	CHECK(has_topic("Министры иностранных дел провели переговоры в Москве.", "diplomacy"));
	CHECK(has_topic("Вопрос обсуждался в Совете Безопасности ООН.", "multilateral"));
	CHECK(has_topic("Гуманитарная помощь доставлена беженцам.", "humanitarian"));
	CHECK(has_topic("Хакеры провели кибератаку на серверы министерства.", "cyber"));
	CHECK(has_topic("Террористы ИГИЛ совершили теракт.", "terrorism"));
	CHECK(has_topic("Наступление продолжается, обстрелы не прекращаются.", "armed-conflict"));
	CHECK(has_topic("Договор о нераспространении ядерного оружия.", "arms-control"));
	CHECK(has_topic("Журналисты этого телеканала распространяют дезинформацию.", "media"));
	CHECK(has_topic("Президентские выборы и референдум прошли спокойно.", "elections"));
	CHECK(has_topic("Товарооборот и инвестиции выросли.", "economy"));
	CHECK(has_topic("Пандемия коронавируса и вакцинация.", "health"));
	CHECK(has_topic("Годовщина Победы в Великой Отечественной войне.", "history"));
	CHECK(has_topic("Международный суд вынес решение по иску.", "law"));
	CHECK(has_topic("Территориальный спор о Курильских островах.", "territory"));
	CHECK(has_topic("Фестиваль культуры и студенческие обмены.", "culture"));
	CHECK(has_topic("Визы для российских граждан и консульская помощь.", "consular"));
	CHECK(has_topic("Нелегальная миграция и депортация мигрантов.", "migration"));
	CHECK(has_topic("Права человека и преследование правозащитников.", "human-rights"));
	/* a passing word is not a subject; nor a stem inside another word */
	CHECK(!has_topic("Несанкционированный митинг прошёл в центре города, и никто не пострадал.",
			 "sanctions"));
	CHECK(!has_topic("Министр рассказал о развитии культуры и образования.", "sanctions"));
	/* English text keeps its own vocabulary */
	CHECK(has_topic("The EU imposed new sanctions on Russian companies.", "sanctions"));
}

TEST(country_cases)
{
	/* Сирия in all six cases, the adjective and the demonym */
	CHECK_INT(country_count("Сирия. Из Сирии. К Сирии. В Сирию. С Сирией. О Сирии.", "SY"), 6);
	CHECK_INT(country_count("Сирийский народ, сирийская сторона, сирийскому урегулированию, "
				"сирийских беженцев.", "SY"), 4);
	CHECK_INT(country_count("Сирийцы вернулись; помощь сирийцам.", "SY"), 2);
	/* masculine, feminine, plural and multi-word names */
	CHECK_INT(country_count("Иран, Ирана, Ирану, Ираном, Иране.", "IR"), 5);
	CHECK_INT(country_count("Украина, Украины, Украине, Украину, Украиной.", "UA"), 5);
	CHECK_INT(country_count("Китай и Китая, в Китае, с Китаем.", "CN"), 4);
	CHECK_INT(country_count("Соединённые Штаты, Соединенных Штатов, США.", "US"), 3);
	CHECK_INT(country_count("Переговоры с Объединёнными Арабскими Эмиратами.", "AE"), 1);
	CHECK_INT(country_count("в Саудовской Аравии", "SA"), 1);
	CHECK_INT(country_count("с Беларусью и в Белоруссии", "BY"), 2);
	CHECK_INT(country_count("Кремлём и Кремлем", "RU"), 2);
	CHECK_INT(country_count("в Египте, Египет", "EG"), 2);
	/* the longest form wins: Гвинея-Бисау is not Гвинея */
	CHECK_INT(country_count("в Гвинее-Бисау и в Экваториальной Гвинее", "GN"), 0);
	CHECK_INT(country_count("в Гвинее-Бисау и в Гвинее", "GW"), 1);
	CHECK_INT(country_count("в Гвинее-Бисау и в Гвинее", "GN"), 1);
}

TEST(country_stems_stay_words)
{
	/* a form must end at a word end: no country inside a longer word */
	CHECK_INT(country_count("Иранская сторона", "IR"), 1); /* the adjective, not Иран */
	CHECK_INT(countries_in("Кубань, Кубанский край"), 0);   /* not Куба */
	CHECK_INT(countries_in("Индиана и Индианаполис"), 0);    /* not Индия */
	CHECK_INT(countries_in("Ирановед и иранистика"), 0);     /* not Иран */
	CHECK_INT(countries_in("Чадо и чадра"), 0);              /* not Чад */
	CHECK_INT(countries_in("Сирийскийх Сириус"), 0);         /* no such ending */
	/* nor at a word's middle */
	CHECK_INT(countries_in("антироссийский, проамериканская"), 0);
	/* the stop row: Korea alone tags neither Korea */
	CHECK_INT(countries_in("на Корейском полуострове и в Корее"), 0);
	CHECK_INT(country_count("в Северной Корее и в КНДР", "KP"), 2);
	CHECK_INT(country_count("в Индийском океане", "IN"), 0);
}

TEST(class_errors)
{
	static const struct {
		const char *rows, *want;
	} bad[] = {
		{"SY\tname\tSyria\nSY\tvariant\tСир{ия}\n", "unknown ending class '{ия}'"},
		{"ия\tendings\tия ии\nSY\tname\tСир{ия}\n", "a name row cannot have ending classes"},
		{"ия\tendings\tия ии ия\n", "ending 'ия' twice in class 'ия'"},
		{"ия\tendings\tия\nия\tendings\tии\n", "second endings row for class 'ия'"},
		{"SY\tname\tSyria\nSY\tvariant\tСир{ия\n", "'{' without '}' in alias"},
		{"a\tendings\t-\nSY\tname\tSyria\nSY\tvariant\tS{a}\n", "a form of one character"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char dir[] = "/tmp/bp-test-russian-XXXXXX", path[64];
		bp_rules *r = NULL;
		bp_error err = {0};
		FILE *f;
		CHECK(mkdtemp(dir) != NULL);
		snprintf(path, sizeof(path), "%s/countries.tsv", dir);
		f = fopen(path, "w");
		CHECK(f != NULL);
		if (!f)
			continue;
		fputs(bad[i].rows, f);
		fclose(f);
		CHECK_INT(bp_rules_load(dir, &r, &err), BP_ERR_DATA);
		if (!strstr(err.message, bad[i].want))
			CHECK_STR(err.message, bad[i].want);
		bp_rules_free(r);
		unlink(path);
		rmdir(dir);
	}
}

int main(void)
{
	char dir[] = "/tmp/bp-test-russian-XXXXXX", path[64];
	bp_rules *rules = NULL, *brules = NULL;
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
	if (bp_rules_load(NULL, &brules, &err) != BP_OK || !(bundled = bp_classifier_new(brules))) {
		printf("FAIL - loading the bundled rules: %s\n", err.message);
		return 1;
	}
	RUN(caseless_cyrillic);
	RUN(word_start_and_end);
	RUN(case_sensitive_cyrillic);
	RUN(mixed_scripts);
	RUN(invalid_utf8);
	RUN(bundled_topics);
	RUN(country_cases);
	RUN(country_stems_stay_words);
	RUN(class_errors);
	bp_classifier_free(mine);
	bp_rules_free(rules);
	bp_classifier_free(bundled);
	bp_rules_free(brules);
	return DONE();
}
