/* Unit tests for the classifier: the bundled gazetteers on real sentences,
 * matching rules on small fixture files, topic scoring, rule-file errors,
 * overlay directories and --list-rules data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bp_classify.h"
#include "bp_data.h"
#include "harness.h"

static bp_rules *bundled;
static bp_classifier *bc;
static bp_tags tg;
static char ids[512];

/* Classifies text with classifier c; fails the test on an error. */
static const bp_tags *run_with(bp_classifier *c, const char *text, size_t heading_len)
{
	bp_error err;
	memset(&tg, 0, sizeof(tg));
	CHECK_INT(bp_classifier_run(c, text, strlen(text), heading_len, &tg, &err), BP_OK);
	return &tg;
}

static const bp_tags *run(const char *text)
{
	return run_with(bc, text, 0);
}

/* "ID,ID" in the array's order. */
static const char *join(const bp_tag *t, size_t n)
{
	ids[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(ids, ",");
		strncat(ids, t[i].id, sizeof(ids) - strlen(ids) - 2);
	}
	return ids;
}

static const char *countries(const char *text)
{
	const bp_tags *t = run(text);
	return join(t->countries, t->ncountries);
}

static const char *orgs(const char *text)
{
	const bp_tags *t = run(text);
	return join(t->organizations, t->norganizations);
}

static const bp_tag *find_tag(const bp_tag *t, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].id, id) == 0)
			return &t[i];
	return NULL;
}

/* ---- fixture directories ---- */

static char fixdir[64];

static void write_file(const char *dir, const char *name, const char *bytes, size_t len)
{
	char path[256];
	FILE *f;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f) {
		perror(path);
		exit(2);
	}
	fwrite(bytes, 1, len, f);
	fclose(f);
}

static void put(const char *name, const char *text)
{
	write_file(fixdir, name, text, strlen(text));
}

static void unput(const char *name)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", fixdir, name);
	remove(path);
}

static const char fx_countries[] =
	"# fixture\n"
	"RU\tname\tRussia\n"
	"RU\tofficial\tthe Russian Federation\n"
	"RU\tadj\tRussian\n"
	"US\tname\tUnited States\n"
	"US\tvariant\tUS\n"
	"US\tplace\tNew Mexico\n"
	"MX\tname\tMexico\n"
	"JP\tname\tJapan\n"
	"RU,JP\tplace\tSouth Kuril Islands\n"
	"BY\tname\tBelarus\n"
	"BY\tcapital\tMinsk\n"
	"-\tstop\tMinsk agreements\n"
	"GN\tname\tGuinea\n"
	"GW\tname\tGuinea-Bissau\n"
	"FR\tname\tFrance\n"
	"FR\tadj\tFrench\n"
	"\n";

static const char fx_orgs[] = "UN\tname\tUnited Nations\n"
			      "UN\tabbr\tUN\n"
			      "NATO\tname\tNorth Atlantic Treaty Organization\n"
			      "NATO\tabbr\tNATO\n";

static const char fx_topics[] = "heading_weight = 2\n"
				"block_bytes = 1000\n"
				"min_bytes = 1000\n"
				"threshold = 2\n"
				"[cyber]\n"
				"name = Cyber security\n"
				"2 hack\n"
				"2 cyber\n"
				"0 hackney\n"
				"1 information security\n"
				"[war]\n"
				"1.5 war\\b\n"
				"-1.5 cold war\n"
				"[multi]\n"
				"threshold = 1\n"
				"1 (?-i)UN\\b\n"
				"1 United Nations\n"
				"[both]\n"
				"2 information security\n";

static void fixture_reset(void)
{
	put("countries.tsv", fx_countries);
	put("organizations.tsv", fx_orgs);
	put("topics.rules", fx_topics);
}

/* Loads the fixture dir; on failure returns NULL with err filled. */
static bp_rules *load_fix(bp_error *err)
{
	bp_rules *r = NULL;
	if (bp_rules_load(fixdir, &r, err) != BP_OK)
		return NULL;
	return r;
}

/* Loads the fixture with topics.rules replaced by text; returns the status. */
static bp_status topics_error(const char *text, size_t len, bp_error *err)
{
	bp_rules *r = NULL;
	bp_status st;
	write_file(fixdir, "topics.rules", text, len);
	st = bp_rules_load(fixdir, &r, err);
	bp_rules_free(r);
	fixture_reset();
	return st;
}

static char pathbuf[300];

static const char *fix_path(const char *name)
{
	snprintf(pathbuf, sizeof(pathbuf), "%s/%s", fixdir, name);
	return pathbuf;
}

/* ---- the bundled gazetteer ---- */

TEST(iso_codes_have_name_and_adj)
{
	char listpath[512], code[16];
	const char *slash = strrchr(__FILE__, '/');
	FILE *f;
	bp_blob blob;
	bp_error err;
	size_t pos = 0, len, ncodes = 0;
	const char *line;
	static char names[26 * 26], adjs[26 * 26];

	snprintf(listpath, sizeof(listpath), "%.*siso3166.txt",
		 slash ? (int)(slash - __FILE__ + 1) : 0, __FILE__);
	f = fopen(listpath, "r");
	CHECK(f != NULL);
	if (!f)
		return;
	CHECK_INT(bp_blob_load(NULL, "countries.tsv", &blob, &err), BP_OK);
	while (bp_blob_next_line(&blob, &pos, &line, &len)) {
		const char *t1 = memchr(line, '\t', len), *t2;
		if (!t1 || line[0] == '#' || t1 - line != 2)
			continue;
		t2 = memchr(t1 + 1, '\t', len - (size_t)(t1 + 1 - line));
		if (!t2 || line[0] < 'A' || line[0] > 'Z' || line[1] < 'A' || line[1] > 'Z')
			continue;
		if (t2 - t1 - 1 == 4 && memcmp(t1 + 1, "name", 4) == 0)
			names[(line[0] - 'A') * 26 + line[1] - 'A']++;
		if (t2 - t1 - 1 == 3 && memcmp(t1 + 1, "adj", 3) == 0)
			adjs[(line[0] - 'A') * 26 + line[1] - 'A']++;
	}
	bp_blob_release(&blob);
	while (fscanf(f, "%15s", code) == 1) {
		int i = (code[0] - 'A') * 26 + code[1] - 'A';
		if (strlen(code) != 2 || i < 0 || i >= 26 * 26) {
			CHECK(!"bad line in iso3166.txt");
			continue;
		}
		ncodes++;
		if (names[i] != 1 || adjs[i] < 1)
			printf("  %s: %d name rows, %d adj rows\n", code, names[i], adjs[i]);
		CHECK_INT(names[i], 1);
		CHECK(adjs[i] >= 1);
	}
	fclose(f);
	CHECK(ncodes >= 249);
}

TEST(every_iso_code_is_a_loaded_country)
{
	size_t n = bp_rules_count(bundled), ncountry = 0;
	bp_rule_info e;
	for (size_t i = 0; i < n; i++) {
		bp_rules_info(bundled, i, &e);
		if (strcmp(e.kind, "country") == 0) {
			ncountry++;
			CHECK(e.name && e.name[0]);
			CHECK(e.detail >= 2);
			CHECK_STR(e.source, "data/countries.tsv");
		}
	}
	CHECK(ncountry >= 250);
}

TEST(georgia_country_and_us_state)
{
	CHECK_STR(countries("Georgia and Russia have no diplomatic relations."), "GE,RU");
	CHECK_STR(countries("The company is based in Atlanta, Georgia."), "US");
	CHECK_STR(countries("Tbilisi has responded."), "GE");
}

TEST(policy_names_and_summit_venues)
{
	CHECK_STR(countries("He rescinded the Mexico City Policy on his first day."), "");
	CHECK_STR(countries("He rescinded the Mexico City policy."), "");
	CHECK_STR(countries("The flight to Mexico City was delayed."), "MX");
	CHECK_STR(countries("The G7 leaders met at Elmau."), "DE");
}

TEST(jersey_and_new_jersey)
{
	CHECK_STR(countries("Jersey is a Crown Dependency."), "JE");
	CHECK_STR(countries("He lives in New Jersey."), "US");
}

TEST(chad_niger_nigeria)
{
	CHECK_STR(countries("Chad has closed its border."), "TD");
	CHECK_STR(countries("Niger borders Nigeria."), "NE,NG");
	CHECK_STR(countries("The Nigerian navy found the Nigerien boat."), "NE,NG");
}

TEST(guineas)
{
	CHECK_STR(countries("Guinea, Guinea-Bissau, Equatorial Guinea and Papua New Guinea."),
		  "GN,GQ,GW,PG");
	const bp_tags *t = run("Papua New Guinea");
	CHECK_INT(t->ncountries, 1);
	CHECK_INT(t->countries[0].evidence[0].start, 0);
	CHECK_INT(t->countries[0].evidence[0].end, 16);
}

TEST(sudans_and_congos)
{
	const bp_tags *t = run("Sudan and South Sudan signed an agreement.");
	CHECK_STR(join(t->countries, t->ncountries), "SD,SS");
	CHECK_INT(t->countries[0].count, 1);
	CHECK_STR(countries("the Democratic Republic of the Congo and the Republic of the Congo"),
		  "CD,CG");
	CHECK_STR(countries("The Congo river is long."), "");
}

TEST(dominica_and_dominican_republic)
{
	CHECK_STR(countries("Dominica is not the Dominican Republic."), "DM,DO");
	CHECK_STR(countries("Dominica"), "DM");
}

TEST(koreas)
{
	CHECK_STR(countries("North Korea and South Korea met."), "KP,KR");
	CHECK_STR(countries("Peace on the Korean Peninsula matters to Korea."), "");
}

TEST(agreements_and_formats_name_no_place)
{
	CHECK_STR(countries("We support the Minsk agreements."), "");
	CHECK_STR(countries("Talks were held in Minsk."), "BY");
	CHECK_STR(countries("The Normandy format meets today."), "");
	CHECK_STR(countries("The Astana format has proved useful."), "");
	CHECK_STR(countries("There will be a meeting in Astana."), "KZ");
}

TEST(russian_us_and_curly_apostrophe)
{
	const bp_tags *t = run("Russian-US relations and Russia’s position");
	CHECK_STR(join(t->countries, t->ncountries), "RU,US");
	CHECK_INT(t->countries[0].count, 2);
	CHECK_INT(t->countries[0].evidence[1].start, 25);
	CHECK_INT(t->countries[0].evidence[1].end, 31);
}

TEST(organisations_are_not_countries)
{
	CHECK_STR(countries("The UN, NATO, the OSCE and the CSTO."), "");
	CHECK_STR(orgs("The UN, NATO, the OSCE and the CSTO."), "CSTO,NATO,OSCE,UN");
}

TEST(binary_input_does_not_crash)
{
	static const char junk[] = "\0\xff\xfe\xc3\x28Russia\xe2\x80\0NATO\x80\x80\xc3";
	bp_tags t;
	bp_error err;
	CHECK_INT(bp_classifier_run(bc, junk, sizeof(junk) - 1, 3, &t, &err), BP_OK);
	CHECK_INT(bp_classifier_run(bc, "", 0, 0, &t, &err), BP_OK);
	CHECK_INT(t.ncountries + t.norganizations + t.ntopics, 0);
}

/* ---- matching rules, on the fixture ---- */

TEST(longest_match_stop_rows_and_multi_codes)
{
	bp_error err;
	bp_rules *r = load_fix(&err);
	bp_classifier *c;
	const bp_tags *t;
	CHECK(r != NULL);
	if (!r)
		return;
	c = bp_classifier_new(r);
	t = run_with(c, "New Mexico, Mexico, Guinea-Bissau and the Minsk agreements in Minsk", 0);
	CHECK_STR(join(t->countries, t->ncountries), "BY,GW,MX,US");
	t = run_with(c, "the South Kuril Islands", 0);
	CHECK_STR(join(t->countries, t->ncountries), "JP,RU");
	CHECK_INT(t->countries[0].evidence[0].start, 4);
	CHECK_INT(t->countries[0].evidence[0].end, 23);
	/* word boundaries: letters and digits, 2-byte UTF-8 letters; ’ is not one */
	t = run_with(c, "Russias RussiaX 1Russia éRussia Russia1 Russia’s (Russia)", 0);
	CHECK_STR(join(t->countries, t->ncountries), "RU");
	CHECK_INT(t->countries[0].count, 2);
	CHECK_INT(t->countries[0].evidence[0].start, 41);
	CHECK_INT(t->countries[0].evidence[1].start, 53);
	bp_classifier_free(c);
	bp_rules_free(r);
}

TEST(counts_order_and_evidence_cap)
{
	bp_error err;
	bp_rules *r = load_fix(&err);
	bp_classifier *c;
	const bp_tags *t;
	char text[400] = "";
	CHECK(r != NULL);
	if (!r)
		return;
	c = bp_classifier_new(r);
	for (int i = 0; i < 10; i++)
		strcat(text, "Russia ");
	strcat(text, "France Japan France UN the United Nations NATO");
	t = run_with(c, text, 0);
	CHECK_STR(join(t->countries, t->ncountries), "RU,FR,JP");
	CHECK_INT(t->countries[0].count, 10);
	CHECK_INT(t->countries[0].nevidence, BP_EVIDENCE_MAX);
	CHECK_INT(t->countries[0].evidence[7].start, 49);
	CHECK_STR(t->countries[0].name, "Russia");
	CHECK(t->countries[0].score == 0);
	CHECK_STR(join(t->organizations, t->norganizations), "UN,NATO");
	CHECK_INT(t->organizations[0].count, 2);
	CHECK_STR(t->organizations[0].name, "United Nations");
	/* the arrays are reset by the next run */
	t = run_with(c, "nothing here", 0);
	CHECK_INT(t->ncountries + t->norganizations, 0);
	bp_classifier_free(c);
	bp_rules_free(r);
}

TEST(topics_substantive_not_passing)
{
	const bp_tags *t;
	const bp_tag *cy;
	static const char hacking[] =
		"The hackers attacked the ministry's email servers last week. The cyberattack "
		"was traced, and information security specialists are studying the malware.";
	static const char passing[] =
		"Trade between our countries grew by a third last year, and the intergovernmental "
		"commission will meet in the autumn to discuss investment, energy projects, "
		"transport corridors and agriculture. Our companies are interested in joint "
		"ventures in the car industry and in pharmaceuticals, and the banks are working "
		"on payments in national currencies. Some newspapers wrote about hackers, but "
		"that is not on the agenda. We expect the trade turnover to keep growing, and "
		"the business forum in the spring will bring together hundreds of companies.";

	t = run(hacking);
	cy = find_tag(t->topics, t->ntopics, "cyber");
	CHECK(cy != NULL);
	if (cy) {
		CHECK(cy->score > 0.5 && cy->score < 1);
		CHECK(cy->count >= 3);
		CHECK_INT(cy->evidence[0].start, 4);
		CHECK_INT(cy->evidence[0].end, 8);
		CHECK_STR(cy->name, "Cyber security");
	}
	t = run(passing);
	CHECK(find_tag(t->topics, t->ntopics, "cyber") == NULL);
	CHECK(find_tag(t->topics, t->ntopics, "economy") != NULL);
	for (size_t i = 1; i < t->ntopics; i++)
		CHECK(t->topics[i - 1].score >= t->topics[i].score);
}

TEST(topic_heading_weight_negative_and_shared_patterns)
{
	bp_error err;
	bp_rules *r = load_fix(&err);
	bp_classifier *c;
	const bp_tags *t;
	const bp_tag *x;
	CHECK(r != NULL);
	if (!r)
		return;
	c = bp_classifier_new(r);
	/* one weight-1 match: below the threshold (2) in the body, at it in the heading */
	t = run_with(c, "Information security\n\nA statement was made.", 0);
	CHECK(find_tag(t->topics, t->ntopics, "cyber") == NULL);
	t = run_with(c, "Information security\n\nA statement was made.", 20);
	x = find_tag(t->topics, t->ntopics, "cyber");
	CHECK(x != NULL);
	if (x)
		CHECK(x->score == 0.5); /* raw 2, need 2 */
	t = run_with(c, "Hacking\n\nA statement was made.", 7);
	x = find_tag(t->topics, t->ntopics, "cyber");
	CHECK(x != NULL);
	if (x)
		CHECK(x->score > 0.66 && x->score < 0.67); /* raw 4, need 2: 4/6 */
	/* weight 0 blocks at its own position; negative weights subtract */
	t = run_with(c, "hackney hackney hackney", 0);
	CHECK_INT(t->ntopics, 0);
	t = run_with(c, "war war war", 0);
	CHECK_STR(join(t->topics, t->ntopics), "war");
	t = run_with(c, "cold war, cold war, cold war", 0);
	CHECK_INT(t->ntopics, 0);
	/* the same pattern text in two sections counts for both */
	t = run_with(c, "information security information security", 0);
	CHECK(find_tag(t->topics, t->ntopics, "both") != NULL);
	CHECK(find_tag(t->topics, t->ntopics, "cyber") != NULL);
	/* (?-i) stays case-sensitive; \b stops at a word end */
	t = run_with(c, "un-American unity Un", 0);
	CHECK(find_tag(t->topics, t->ntopics, "multi") == NULL);
	t = run_with(c, "The UN met.", 0);
	x = find_tag(t->topics, t->ntopics, "multi");
	CHECK(x != NULL);
	if (x) {
		CHECK_INT(x->evidence[0].start, 4);
		CHECK_INT(x->evidence[0].end, 6);
	}
	bp_classifier_free(c);
	bp_rules_free(r);
}

/* The tree settles plain patterns itself (longest prefix first, a case
 * check failing falls back to shorter prefixes) and leaves a prefix shared
 * with a non-plain pattern to PCRE2: the answers are PCRE2's either way. */
TEST(topic_prefixes_nested_and_shared)
{
	static const char rules[] = "block_bytes = 1000\nmin_bytes = 1000\nthreshold = 1\n"
				    "[upper]\n1 (?-i)WHO\\b\n1 (?-i)UN\\b\n"
				    "[short]\n1 wh\n"
				    "[under]\n1 un(?:der)\n"
				    "[alt]\n1 zeta|yota\\b\n"
				    "[opt]\n1 sanctions?\n1 (?-i)EU(?:RO)?\\b\n";
	bp_error err;
	bp_rules *r;
	bp_classifier *c;
	const bp_tags *t;
	put("topics.rules", rules);
	r = load_fix(&err);
	CHECK(r != NULL);
	if (!r) {
		fixture_reset();
		return;
	}
	c = bp_classifier_new(r);
	t = run_with(c, "WHO", 0);
	CHECK_STR(join(t->topics, t->ntopics), "upper");
	t = run_with(c, "who", 0);
	CHECK_STR(join(t->topics, t->ntopics), "short");
	if (t->ntopics == 1)
		CHECK_INT(t->topics[0].evidence[0].end, 2);
	t = run_with(c, "UN", 0);
	CHECK_STR(join(t->topics, t->ntopics), "upper");
	t = run_with(c, "under", 0);
	CHECK_STR(join(t->topics, t->ntopics), "under");
	t = run_with(c, "unit", 0);
	CHECK_INT(t->ntopics, 0);
	/* no literal prefix (a top-level |): tried at every word start */
	t = run_with(c, "a yota", 0);
	CHECK_STR(join(t->topics, t->ntopics), "alt");
	t = run_with(c, "yotas", 0);
	CHECK_INT(t->ntopics, 0);
	/* a rest that matches the empty string; a case-checked prefix with a rest */
	t = run_with(c, "Sanction", 0);
	CHECK_STR(join(t->topics, t->ntopics), "opt");
	if (t->ntopics == 1)
		CHECK_INT(t->topics[0].evidence[0].end, 8);
	t = run_with(c, "EURO eu", 0);
	CHECK_STR(join(t->topics, t->ntopics), "opt");
	if (t->ntopics == 1) {
		CHECK_INT(t->topics[0].count, 1);
		CHECK_INT(t->topics[0].evidence[0].end, 4);
	}
	bp_classifier_free(c);
	bp_rules_free(r);
	fixture_reset();
}

/* Word starts come from 64-byte window masks: a name is found at every
 * offset across window ends, after separators and stray continuation bytes,
 * and never inside a word that a 2-byte letter began. */
TEST(word_starts_at_every_offset)
{
	char text[200];
	for (size_t k = 0; k < 140; k++) {
		const bp_tags *t;
		memset(text, 'x', k);
		text[k ? k - 1 : 0] = ' ';
		strcpy(text + k, "Russia x");
		t = run(text);
		CHECK_INT(t->ncountries, 1);
		if (t->ncountries == 1) {
			CHECK_INT(t->countries[0].evidence[0].start, k);
			CHECK_INT(t->countries[0].evidence[0].end, k + 6);
		}
	}
	CHECK_STR(countries("’Russia"), "RU");       /* E2 80 99: a separator */
	CHECK_STR(countries("\x80\x80Russia"), "RU"); /* stray continuation bytes */
	CHECK_STR(countries("\xc3\xa9Russia"), ""); /* "éRussia": one word */
	CHECK_STR(countries("x\xc3\xa9 Russia"), "RU");
}

/* ---- rule-file errors ---- */

#define TOPICS_ERROR(text, line_, msg)                                                     \
	do {                                                                               \
		bp_error e_;                                                               \
		CHECK_INT(topics_error(text, sizeof(text) - 1, &e_), BP_ERR_DATA);         \
		CHECK_INT(e_.line, line_);                                                 \
		CHECK_STR(e_.message, msg);                                                \
		CHECK_STR(e_.path, fix_path("topics.rules"));                              \
	} while (0)

TEST(topic_rule_errors)
{
	TOPICS_ERROR("[t]\n# ok\n1 abc\n2 ab(c\n", 4,
		     "invalid pattern: missing closing parenthesis");
	TOPICS_ERROR("[t]\n1 abc\\\n", 2, "invalid pattern: \\ at end of pattern");
	TOPICS_ERROR("[t]\n1.2.3 abc\n", 2, "invalid weight '1.2.3'");
	TOPICS_ERROR("[t]\n-x abc\n", 2, "invalid weight '-x'");
	TOPICS_ERROR("[t]\n1\n", 2, "missing pattern after weight");
	TOPICS_ERROR("\n1 abc\n", 2, "pattern outside a section");
	TOPICS_ERROR("[t]\n1 a?\n", 2, "invalid pattern: it can match the empty string");
	TOPICS_ERROR("[t]\n1 (?:x|)\n", 2, "invalid pattern: it can match the empty string");
	TOPICS_ERROR("[t]\n[u]\n[t]\n", 3, "duplicate section [t]");
	TOPICS_ERROR("[T x]\n", 1, "invalid topic id 'T x' (use a-z, 0-9, - and _)");
	TOPICS_ERROR("[t\n", 1, "missing ']' after section name");
	TOPICS_ERROR("[t]\nfoo = 1\n", 2, "unknown setting 'foo'");
	TOPICS_ERROR("[t]\nthreshold = -1\n", 2, "invalid threshold '-1' (a number > 0)");
	TOPICS_ERROR("[t]\nrepeat_cap = 2\n", 2,
		     "setting 'repeat_cap' must come before the first section");
	TOPICS_ERROR("[t]\nwhat is this\n", 2,
		     "expected [topic], 'key = value' or 'WEIGHT PATTERN'");
	TOPICS_ERROR("[t]\n1 (?<n>abc)\n", 2,
		     "invalid pattern: named groups are not supported; use (?:...)");
	TOPICS_ERROR("[t]\n1 abc(*ACCEPT)\n", 2,
		     "invalid pattern: backtracking verbs and (*...) options are not supported");
	TOPICS_ERROR("[t]\n1 \\Qabc\n", 2, "invalid pattern: \\Q without \\E is not supported");
	TOPICS_ERROR("[t]\n1 (?x)a b\n", 2, "invalid pattern: extended mode (?x) is not supported");
	TOPICS_ERROR("[t]\n1 a\0b\n", 2, "NUL byte in line");
}

TEST(topic_rule_limits_and_empty_files)
{
	bp_error err;
	bp_rules *r;
	size_t n = 1 << 20;
	char *big = malloc(n + 8);
	CHECK(big != NULL);
	if (!big)
		return;
	memcpy(big, "[t]\n1 ", 6);
	memset(big + 6, 'a', n);
	CHECK_INT(topics_error(big, n + 6, &err), BP_ERR_DATA);
	CHECK_INT(err.line, 2);
	CHECK_STR(err.message, "line longer than 4096 bytes");
	free(big);
	/* an empty topics file is valid: no topics */
	put("topics.rules", "");
	r = load_fix(&err);
	CHECK(r != NULL);
	if (r) {
		bp_classifier *c = bp_classifier_new(r);
		const bp_tags *t = run_with(c, "hackers hacked the hacking", 0);
		CHECK_INT(t->ntopics, 0);
		CHECK_STR(join(t->countries, t->ncountries), "");
		bp_classifier_free(c);
		bp_rules_free(r);
	}
	fixture_reset();
}

#define GAZ_ERROR(file, text, line_, msg)                                                  \
	do {                                                                               \
		bp_error e_;                                                               \
		bp_rules *r_ = NULL;                                                       \
		put(file, text);                                                           \
		CHECK_INT(bp_rules_load(fixdir, &r_, &e_), BP_ERR_DATA);                   \
		CHECK(r_ == NULL);                                                         \
		CHECK_INT(e_.line, line_);                                                 \
		CHECK_STR(e_.message, msg);                                                \
		CHECK_STR(e_.path, fix_path(file));                                        \
		fixture_reset();                                                           \
	} while (0)

TEST(gazetteer_errors)
{
	GAZ_ERROR("countries.tsv", "RU\tname\tRussia\nRU\tadjective\tRussian\n", 2,
		  "unknown kind 'adjective'");
	GAZ_ERROR("countries.tsv", "RU\tname\tRussia\nRU Russian\n", 2,
		  "expected 3 tab-separated fields");
	GAZ_ERROR("countries.tsv", "Ru\tname\tRussia\n", 1, "invalid country code 'Ru'");
	GAZ_ERROR("countries.tsv", "RU\tname\tRussia\nRU\tname\tRossiya\n", 2,
		  "second name row for 'RU'");
	GAZ_ERROR("countries.tsv", "RU\tname\tRussia\n\nUS\tadj\tAmerican\n", 3,
		  "no name row for 'US'");
	GAZ_ERROR("countries.tsv", "-\tname\tMinsk agreements\n", 1,
		  "'-' is only allowed on stop rows");
	GAZ_ERROR("countries.tsv", "RU\tstop\tMinsk agreements\n", 1,
		  "a stop row needs '-' as its id");
	GAZ_ERROR("countries.tsv", "RU\tname\t \n", 1, "expected 3 tab-separated fields");
	GAZ_ERROR("countries.tsv", "RU\tname\t-Russia\n", 1,
		  "alias must start with a letter or digit");
	GAZ_ERROR("organizations.tsv", "UN\tabbr\tUN\n", 1, "no name row for 'UN'");
	GAZ_ERROR("organizations.tsv", "U N\tname\tUnited Nations\n", 1,
		  "invalid organization id 'U N'");
}

/* ---- overlay directories and --list-rules ---- */

TEST(overlay_replaces_one_file)
{
	char dir[64] = "/tmp/bp_overlay_XXXXXX";
	bp_error err;
	bp_rules *r = NULL;
	bp_rule_info e;
	size_t nc = 0, no = 0, nt = 0;
	CHECK(mkdtemp(dir) != NULL);
	static const char only[] = "[only]\nname = Only topic\n1 alpha\n2 beta\\b\n";
	write_file(dir, "topics.rules", only, strlen(only));
	CHECK_INT(bp_rules_load(dir, &r, &err), BP_OK);
	if (r) {
		for (size_t i = 0; i < bp_rules_count(r); i++) {
			bp_rules_info(r, i, &e);
			if (strcmp(e.kind, "country") == 0) {
				nc++;
				CHECK_STR(e.source, "data/countries.tsv");
			} else if (strcmp(e.kind, "organization") == 0) {
				no++;
				CHECK_STR(e.source, "data/organizations.tsv");
			} else {
				nt++;
				CHECK_STR(e.kind, "topic");
				CHECK_STR(e.id, "only");
				CHECK_STR(e.name, "Only topic");
				CHECK_INT(e.detail, 2);
			}
		}
		CHECK(nc >= 250);
		CHECK(no >= 10);
		CHECK_INT(nt, 1);
		bp_rules_free(r);
	}
	snprintf(pathbuf, sizeof(pathbuf), "%s/topics.rules", dir);
	remove(pathbuf);
	rmdir(dir);
}

TEST(list_rules_entries)
{
	bp_error err;
	bp_rules *r = load_fix(&err);
	bp_rule_info e;
	CHECK(r != NULL);
	if (!r)
		return;
	/* 8 countries, 2 organisations, 4 topics, each group sorted / in file order */
	CHECK_INT(bp_rules_count(r), 14);
	bp_rules_info(r, 0, &e);
	CHECK_STR(e.kind, "country");
	CHECK_STR(e.id, "BY");
	CHECK_STR(e.name, "Belarus");
	CHECK_INT(e.detail, 2);
	CHECK_STR(e.source, fix_path("countries.tsv"));
	bp_rules_info(r, 6, &e);
	CHECK_STR(e.id, "RU");
	CHECK_INT(e.detail, 4);
	bp_rules_info(r, 8, &e);
	CHECK_STR(e.kind, "organization");
	CHECK_STR(e.id, "NATO");
	bp_rules_info(r, 10, &e);
	CHECK_STR(e.kind, "topic");
	CHECK_STR(e.id, "cyber");
	CHECK_STR(e.name, "Cyber security");
	CHECK_INT(e.detail, 4);
	CHECK_STR(e.source, fix_path("topics.rules"));
	bp_rules_info(r, 13, &e);
	CHECK_STR(e.id, "both");
	CHECK_STR(e.name, "both");
	bp_rules_free(r);
}

int main(void)
{
	bp_error err;

	strcpy(fixdir, "/tmp/bp_classify_XXXXXX");
	if (!mkdtemp(fixdir)) {
		perror("mkdtemp");
		return 2;
	}
	fixture_reset();
	if (bp_rules_load(NULL, &bundled, &err) != BP_OK) {
		char msg[1400];
		bp_error_format(&err, msg, sizeof(msg));
		printf("FAIL - loading the bundled rules: %s\n", msg);
		return 1;
	}
	bc = bp_classifier_new(bundled);

	RUN(iso_codes_have_name_and_adj);
	RUN(every_iso_code_is_a_loaded_country);
	RUN(georgia_country_and_us_state);
	RUN(policy_names_and_summit_venues);
	RUN(jersey_and_new_jersey);
	RUN(chad_niger_nigeria);
	RUN(guineas);
	RUN(sudans_and_congos);
	RUN(dominica_and_dominican_republic);
	RUN(koreas);
	RUN(agreements_and_formats_name_no_place);
	RUN(russian_us_and_curly_apostrophe);
	RUN(organisations_are_not_countries);
	RUN(binary_input_does_not_crash);
	RUN(longest_match_stop_rows_and_multi_codes);
	RUN(counts_order_and_evidence_cap);
	RUN(topics_substantive_not_passing);
	RUN(topic_heading_weight_negative_and_shared_patterns);
	RUN(topic_rule_errors);
	RUN(topic_rule_limits_and_empty_files);
	RUN(topic_prefixes_nested_and_shared);
	RUN(word_starts_at_every_offset);
	RUN(gazetteer_errors);
	RUN(overlay_replaces_one_file);
	RUN(list_rules_entries);

	bp_classifier_free(bc);
	bp_rules_free(bundled);
	unput("countries.tsv");
	unput("organizations.tsv");
	unput("topics.rules");
	rmdir(fixdir);
	return DONE();
}
