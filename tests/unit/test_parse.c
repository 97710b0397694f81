/* Unit tests for the section parser: titles, agenda numbering, headings,
 * Q&A pairing, briefing boundaries, errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_parse.h"
#include "bp_tokenizer.h"
#include "harness.h"

#define MAXR 64

typedef struct rec {
	bp_block_type type;
	char heading[256], text[1024], speaker[64], agenda[48];
	unsigned seq, exchange;
	unsigned long long start, end, text_raw;
} rec;

typedef struct out {
	rec r[MAXR];
	int n;
	int briefings, cuts_before, cuts_after;
	char title[256], role[128], name[64], place[64], date[11], time[6];
	char agenda[32][96];
	char agenda_n[32][48];
	int nagenda;
	char warnings[256];
	unsigned questions, answers, exchanges, statements;
} out;

static bp_cues *cues;
static const char *src; /* the input, to check raw offsets */

static bp_status on_block(void *ctx, const bp_block *b, bp_error *err)
{
	out *o = ctx;
	rec *r;
	(void)err;
	if (o->n == MAXR)
		return BP_OK;
	r = &o->r[o->n++];
	memset(r, 0, sizeof(*r));
	r->type = b->type;
	snprintf(r->heading, sizeof(r->heading), "%.*s", (int)b->heading_len, b->buf);
	snprintf(r->text, sizeof(r->text), "%s", b->buf + b->text_off);
	snprintf(r->speaker, sizeof(r->speaker), "%s", b->speaker ? b->speaker : "");
	snprintf(r->agenda, sizeof(r->agenda), "%s", b->agenda ? b->agenda : "");
	r->seq = b->seq;
	r->exchange = b->exchange;
	r->start = b->start;
	r->end = b->end;
	r->text_raw = bp_block_raw(b, b->text_off);
	return BP_OK;
}

static bp_status on_briefing(void *ctx, const bp_briefing *b, bp_error *err)
{
	out *o = ctx;
	size_t i;
	(void)err;
	o->briefings++;
	snprintf(o->title, sizeof(o->title), "%s", b->title ? b->title : "");
	snprintf(o->role, sizeof(o->role), "%s", b->role ? b->role : "");
	snprintf(o->name, sizeof(o->name), "%s", b->spokesperson ? b->spokesperson : "");
	snprintf(o->place, sizeof(o->place), "%s", b->place ? b->place : "");
	memcpy(o->date, b->date, sizeof(o->date));
	memcpy(o->time, b->time, sizeof(o->time));
	o->nagenda = 0;
	for (i = 0; i < b->nagenda && i < 32; i++) {
		snprintf(o->agenda[i], sizeof(o->agenda[0]), "%s", b->agenda[i].title);
		snprintf(o->agenda_n[i], sizeof(o->agenda_n[0]), "%s", b->agenda[i].n);
		o->nagenda++;
	}
	o->warnings[0] = '\0';
	for (i = 0; i < b->nwarnings; i++) {
		strncat(o->warnings, b->warnings[i].code, sizeof(o->warnings) - strlen(o->warnings) - 2);
		strcat(o->warnings, " ");
	}
	o->questions = b->questions;
	o->answers = b->answers;
	o->exchanges = b->exchanges;
	o->statements = b->statements;
	return BP_OK;
}

static void on_cut(void *ctx, enum bp_cut where)
{
	out *o = ctx;
	if (where == BP_CUT_BEFORE_LINE)
		o->cuts_before++;
	else
		o->cuts_after++;
}

static bp_status on_line(void *ctx, const bp_line *l, bp_error *err)
{
	return bp_parser_line(ctx, l, err);
}

static bp_status parse(out *o, const char *s)
{
	bp_sink sink = { on_block, on_briefing, on_cut, NULL };
	bp_parser *p;
	bp_tokenizer *t;
	bp_error err;
	bp_status st;

	memset(o, 0, sizeof(*o));
	sink.ctx = o;
	src = s;
	p = bp_parser_new(cues, &sink);
	t = bp_tokenizer_new(cues, on_line, NULL, p);
	st = bp_tokenizer_feed(t, s, strlen(s), &err);
	if (st == BP_OK)
		st = bp_tokenizer_finish(t, &err);
	if (st == BP_OK)
		st = bp_parser_finish(p, &err);
	bp_tokenizer_free(t);
	bp_parser_free(p);
	return st;
}

TEST(title_with_place_and_date)
{
	out o;
	parse(&o, "Briefing by Foreign Ministry Spokesperson Maria Zakharova, Moscow, February 9, 2017\n\n"
		  "9 February 201717:54\n\nTable of contents\n\n  1. Topic one\n\nTopic one\n\nText.\n");
	CHECK_STR(o.title, "Briefing by Foreign Ministry Spokesperson Maria Zakharova, Moscow, February 9, 2017");
	CHECK_STR(o.role, "Foreign Ministry Spokesperson");
	CHECK_STR(o.name, "Maria Zakharova");
	CHECK_STR(o.place, "Moscow");
	CHECK_STR(o.date, "2017-02-09");
	CHECK_STR(o.time, "17:54");
}

TEST(title_variants)
{
	out o;
	parse(&o, "Foreign Ministry Deputy Spokesman Artyom Kozhin, July 26, 2018\n\n1. A\n\nA\n\nText.\n");
	CHECK_STR(o.role, "Foreign Ministry Deputy Spokesman");
	CHECK_STR(o.name, "Artyom Kozhin");
	CHECK_STR(o.place, "");
	CHECK_STR(o.date, "2018-07-26");
	parse(&o, "Briefing by Deputy Director of the Information and Press Department Artyom Kozhin\n\n"
		  "Thursday, 26 July 2018 11:41\n\n1. A\n\nA\n\nText.\n");
	CHECK_STR(o.role, "Deputy Director of the Information and Press Department");
	CHECK_STR(o.name, "Artyom Kozhin");
	CHECK_STR(o.date, "2018-07-26");
	CHECK_STR(o.time, "11:41");
	parse(&o, "23 March 201813:38\n\nBriefing by Foreign Ministry Spokeswoman Maria Zakharova, Sochi, 12 May 2016\n\n"
		  "1. A\n\nA\n\nText.\n");
	CHECK_STR(o.place, "Sochi");
	CHECK_STR(o.date, "2016-05-12"); /* the title's date wins over the timestamp's */
	CHECK_STR(o.time, "13:38");      /* a timestamp above the title gives the time */
}

TEST(title_role_with_comma_and_place_with_comma)
{
	out o;
	parse(&o, "Briefing by Director of the Information and Press Department, Foreign Ministry Spokesperson "
		  "Maria Zakharova, Sochi, Russia, May 12, 2016\n\n1. A\n\nA\n\nText.\n");
	CHECK_STR(o.role, "Director of the Information and Press Department, Foreign Ministry Spokesperson");
	CHECK_STR(o.name, "Maria Zakharova");
	CHECK_STR(o.place, "Sochi, Russia");
	CHECK_STR(o.date, "2016-05-12");
}

TEST(headings_without_back_to_top)
{
	out o;
	/* no agenda at all: short capitalized lines between paragraphs */
	parse(&o, "Briefing by X Spokesperson Anna Ivanova, May 1, 2020\n\nThe situation in Syria\n\n"
		  "The situation remains tense.\n\nIt is \"calm\" now, as \"they\" say\n\nTalks with Japan\n\n"
		  "The talks will be held in Tokyo.\n");
	CHECK_INT(o.n, 3);
	CHECK_STR(o.r[0].heading, "The situation in Syria");
	CHECK_STR(o.r[1].heading, "It is \"calm\" now, as \"they\" say"); /* no agenda: structure decides */
	CHECK_STR(o.r[2].heading, "Talks with Japan");
	CHECK_STR(o.r[2].text, "The talks will be held in Tokyo.");
	/* an agenda: an edited heading is found by its likeness to an unused item */
	parse(&o, "Briefing by X Spokesperson Anna Ivanova, May 1, 2020\n\n1. Situation in Syria\n"
		  "2. Russian-Japanese talks on a peace treaty\n\nSituation in Syria\n\nTense.\n\n"
		  "Untitled remark without a full stop\n\nThe Russian-Japanese talks on the peace treaty\n\nSoon.\n");
	CHECK_INT(o.n, 2);
	CHECK_STR(o.r[0].text, "Tense.\n\nUntitled remark without a full stop");
	CHECK_STR(o.r[1].heading, "The Russian-Japanese talks on the peace treaty");
	CHECK_STR(o.r[1].agenda, "2");
}

TEST(title_with_only_a_date)
{
	out o;
	/* found by fuzz_text: the date starts right after the cue */
	parse(&o, "Briefing by 1 May 2020\n\n1. A\n\nA\n\nText.\n");
	CHECK_STR(o.date, "2020-05-01");
	CHECK_STR(o.name, "");
	CHECK_STR(o.role, "");
	CHECK_INT(o.n, 1);
}

TEST(title_place_and_date_in_parentheses)
{
	out o;
	parse(&o, "Briefing by Foreign Ministry Spokeswoman Maria Zakharova (Moscow, May 15, 2024)\n\n"
		  "1. A\n\nA\n\nText.\n");
	CHECK_STR(o.title, "Briefing by Foreign Ministry Spokeswoman Maria Zakharova (Moscow, May 15, 2024)");
	CHECK_STR(o.role, "Foreign Ministry Spokeswoman");
	CHECK_STR(o.name, "Maria Zakharova");
	CHECK_STR(o.place, "Moscow");
	CHECK_STR(o.date, "2024-05-15");
}

TEST(edited_heading_links_to_its_agenda_item)
{
	out o;
	parse(&o, "Briefing by X Spokesperson Anna Ivanova, May 1, 2020\n\n1. Situation in Syria\n"
		  "2. Russia-Japan relations\n\nThe situation in Syria\n\nText.\n\nBack to top\n\n"
		  "Russian-Japanese relations\n\nText 2.\n");
	CHECK_INT(o.n, 2);
	CHECK_STR(o.r[0].heading, "The situation in Syria");
	CHECK_STR(o.r[0].agenda, "1");
	CHECK_STR(o.r[1].heading, "Russian-Japanese relations");
	CHECK_STR(o.r[1].agenda, ""); /* too different to link: a warning instead */
	CHECK(strstr(o.warnings, "heading-unmatched") != NULL);
}

TEST(agenda_qa_as_numbered_item_with_sublist)
{
	out o;
	parse(&o, "Briefing by Foreign Ministry Spokesperson Maria Zakharova, Moscow, July 14, 2017\n\n"
		  "Table of contents\n\n  1. Syria\n  2. Answers to media questions:\n  1. Mosul\n  2. Korea\n\n"
		  "Syria\n\nText.\n");
	CHECK_INT(o.nagenda, 3);
	CHECK_STR(o.agenda_n[0], "1");
	CHECK_STR(o.agenda_n[1], "2.1");
	CHECK_STR(o.agenda[1], "Mosul");
	CHECK_STR(o.agenda_n[2], "2.2");
}

TEST(agenda_qa_heading_and_continued_numbers)
{
	out o;
	parse(&o, "Briefing by X Spokesperson Anna Ivanova, May 1, 2020\n\nTable of contents\n\n  1. A\n  2. B\n\n"
		  "Answers to media questions:\n\n  1. C\n  2. D\n\n\n\nA\n\nText a.\n\nBack to top\n\nB\n\nText b.\n");
	CHECK_INT(o.nagenda, 4);
	CHECK_STR(o.agenda_n[2], "3.1");
	CHECK_STR(o.agenda_n[3], "3.2");
	CHECK_INT(o.statements, 2);
	parse(&o, "Briefing by X Spokesperson Anna Ivanova, May 1, 2020\n\n"
		  "  1. A\n  2. Answers to media questions:\n  3. C\n  4. D\n\nA\n\nText a.\n");
	CHECK_INT(o.nagenda, 3);
	CHECK_STR(o.agenda_n[1], "2.1"); /* by position under the Q&A line */
	CHECK_STR(o.agenda[2], "D");
}

TEST(agenda_plain_topics)
{
	out o;
	parse(&o, "Briefing by X Spokesperson Anna Ivanova, May 1, 2020\n\nTable of Contents\n\n- First topic\n"
		  "- Second topic\n\nFrom answers to media questions:\n\nQ one\n\nIs Q two \xe2\x80\x9cquoted\xe2\x80\x9d?\n\n\nFirst topic\n\nText.\n"
		  "\nSecond topic\n\nMore text.\n");
	CHECK_INT(o.nagenda, 4);
	CHECK_STR(o.agenda_n[1], "2");
	CHECK_STR(o.agenda_n[2], "3.1");
	CHECK_STR(o.agenda[3], "Is Q two \xe2\x80\x9cquoted\xe2\x80\x9d?");
	CHECK_INT(o.statements, 2); /* the second heading found without "Back to top" */
	CHECK_STR(o.r[1].heading, "Second topic");
	CHECK_STR(o.r[1].agenda, "2");
}

TEST(wrapped_heading_is_joined)
{
	out o;
	parse(&o, "Briefing by X Spokesperson Anna Ivanova, May 1, 2020\n\nTable of contents\n\n"
		  "  1. Talks between the ministers of two countries\n  2. Other\n\n"
		  "Talks between the ministers\n\nof two countries\n\nThe talks will be held soon.\n\nBack to top\n\n"
		  "Other\n\nText.\n");
	CHECK_INT(o.n, 2);
	CHECK_STR(o.r[0].heading, "Talks between the ministers of two countries");
	CHECK_STR(o.r[0].text, "The talks will be held soon.");
	CHECK_STR(o.r[0].agenda, "1");
	CHECK(strstr(o.warnings, "agenda-unmatched") == NULL);
}

TEST(qa_turns_and_exchanges)
{
	out o;
	const char *s = "Briefing by X Spokesperson Anna Ivanova, May 1, 2020\n\n1. A\n\nA\n\nText.\n\n"
			"Answers to media questions:\n\n"
			"Question: First?\n\nSecond part?\n\n"
			"Anna Ivanova: Answer one.\n\nBack to top\n\nMore of answer one.\n\n"
			"Question:\n\nAlone label?\n\n"
			"Anna Ivanova: Two.\n\nSergey Lavrov: And me.\n";
	parse(&o, s);
	CHECK_INT(o.n, 6);
	CHECK_INT(o.r[1].type, BP_BLOCK_QUESTION);
	CHECK_STR(o.r[1].text, "First?\n\nSecond part?");
	CHECK_INT(o.r[1].exchange, 1);
	CHECK_INT(o.r[2].type, BP_BLOCK_ANSWER);
	CHECK_STR(o.r[2].speaker, "Anna Ivanova");
	CHECK_STR(o.r[2].text, "Answer one.\n\nMore of answer one.");
	CHECK_INT(o.r[2].exchange, 1);
	CHECK_STR(o.r[3].text, "Alone label?");
	CHECK_INT(o.r[3].exchange, 2);
	CHECK_INT(o.r[5].exchange, 2);
	CHECK_STR(o.r[5].speaker, "Sergey Lavrov");
	CHECK_INT(o.questions, 2);
	CHECK_INT(o.answers, 3);
	CHECK_INT(o.exchanges, 2);
	/* the span starts at the label; the text maps to the bytes after it */
	CHECK(strncmp(src + o.r[2].start, "Anna Ivanova:", 13) == 0);
	CHECK(strncmp(src + o.r[2].text_raw, "Answer one.", 11) == 0);
	CHECK_INT(o.r[2].seq, 2);
}

TEST(hard_wrapped_paragraphs_are_joined)
{
	out o;
	parse(&o, "Briefing by X Spokesperson Anna Ivanova, May 1, 2020\n\n1. A\n\nA\n\n"
		  "This paragraph was wrapped\nat a fixed width by\nthe page.\nThis one was not.\n");
	CHECK_STR(o.r[0].text, "This paragraph was wrapped at a fixed width by the page.\n\nThis one was not.");
}

TEST(footer_and_two_briefings)
{
	out o;
	parse(&o, "Briefing by X Spokesperson Anna Ivanova, May 1, 2020\n\n1. A\n\nA\n\nText.\n\n"
		  "Join the mailing list\n\nSome ad line\n"
		  "Briefing by X Spokesperson Anna Ivanova, May 8, 2020\n\n1. B\n\nB\n\nText b.\n");
	CHECK_INT(o.briefings, 2);
	CHECK_INT(o.cuts_after, 1);
	CHECK_INT(o.cuts_before, 1);
	CHECK_INT(o.n, 2);
	CHECK_STR(o.r[0].text, "Text.");
	CHECK_STR(o.date, "2020-05-08");
}

TEST(errors_empty_and_no_briefing)
{
	out o;
	CHECK_INT(parse(&o, ""), BP_ERR_EMPTY);
	CHECK_INT(parse(&o, "\n  \n\t\n"), BP_ERR_EMPTY);
	CHECK_INT(parse(&o, "Dear diary,\n\nToday nothing happened.\n"), BP_ERR_NO_BRIEFING);
	CHECK_INT(o.n, 0);
}

TEST(missing_title_still_parses_with_warning)
{
	out o;
	CHECK_INT(parse(&o, "Table of contents\n\n1. A\n\nA\n\nText.\n\nQuestion: Q?\n\nAnna Ivanova: A.\n"), BP_OK);
	CHECK_INT(o.briefings, 1);
	CHECK_INT(o.n, 3);
	CHECK(strstr(o.warnings, "no-title") != NULL);
	CHECK(strstr(o.warnings, "no-date") != NULL);
}


TEST(unknown_header_lines_are_skipped_issue12)
{
	out o;
	/* issue 12: the current site prints a document number above the agenda */
	parse(&o, "Briefing by Foreign Ministry Spokesperson Maria Zakharova, Moscow, June 27, 2019\n\n"
		  "27 June 2019 19:35\n\n1349-27-06-2019\n\nPrint version\n\nTable of contents\n\n"
		  "  1. Topic one\n  2. Topic two\n\nTopic one\n\nText one.\n\nBack to top\n\nShare\n\n"
		  "Topic two\n\nText two.\n");
	CHECK_INT(o.nagenda, 2);
	CHECK_INT(o.statements, 2);
	CHECK_STR(o.r[1].heading, "Topic two");
	CHECK_STR(o.r[1].agenda, "2");
	CHECK_STR(o.time, "19:35");
	CHECK(strstr(o.warnings, "header-line-skipped") != NULL);
	CHECK(strstr(o.warnings, "heading-line-skipped") != NULL);
	/* furniture above an agenda that has no "Table of contents" line */
	parse(&o, "Briefing by X Spokesperson Anna Ivanova, May 1, 2020\n\nShare\n|\n  1. A\n\nA\n\nText.\n");
	CHECK_INT(o.nagenda, 1);
	CHECK_INT(o.n, 1);
	CHECK_STR(o.r[0].agenda, "1");
}

TEST(unknown_agenda_lines_are_skipped)
{
	out o;
	parse(&o, "Briefing by X Spokesperson Anna Ivanova, May 1, 2020\n\nTable of contents\n\nPrint version\n"
		  "  1. Topic one\nSubscribe to our channel\n  2. Topic two\n\" rel=\"111\">\n\nSend by e-mail\n\n"
		  "Topic one\n\nText one.\n\nTopic two\n\nText two.\n");
	CHECK_INT(o.nagenda, 2);
	CHECK_STR(o.agenda[0], "Topic one");
	CHECK_STR(o.agenda[1], "Topic two");
	CHECK_INT(o.statements, 2);
	CHECK(strstr(o.warnings, "agenda-line-skipped") != NULL);
	/* a wrapped title still continues its item: lower case, or hanging deeper */
	parse(&o, "Briefing by X Spokesperson Anna Ivanova, May 1, 2020\n\nTable of contents\n\n"
		  "  1. Talks between the ministers\n  of two countries\n  2. Visit of the\n"
		  "     Foreign Minister of Japan\n\nTalks between the ministers of two countries\n\nText.\n");
	CHECK_STR(o.agenda[0], "Talks between the ministers of two countries");
	CHECK_STR(o.agenda[1], "Visit of the Foreign Minister of Japan");
}

TEST(held_header_lines_without_agenda_are_content)
{
	out o;
	/* no agenda follows: the lines held after the title were the first statement */
	parse(&o, "Briefing by X Spokesperson Anna Ivanova, May 1, 2020\n\nThe situation in Syria\n\n"
		  "It is tense.\n\nStill tense.\n");
	CHECK_INT(o.n, 1);
	CHECK_STR(o.r[0].heading, "The situation in Syria");
	CHECK_STR(o.r[0].text, "It is tense.\n\nStill tense.");
	CHECK(strstr(o.warnings, "skipped") == NULL);
}

/* The title grammar of data/cues.tsv over the forms used over the years. */
TEST(title_grammar_forms)
{
	static const char *const cases[][5] = {
		{ "Briefing by official representative of the Ministry of Foreign Affairs of Russia Alexander "
		  "Lukashevich, 13 November 2014",
		  "2014-11-13", "Alexander Lukashevich", "official representative of the Ministry of Foreign Affairs of Russia", "" },
		{ "Briefing by Foreign Ministry Spokesman Alexander Lukashevich, Moscow, 29 May 2014", "2014-05-29",
		  "Alexander Lukashevich", "Foreign Ministry Spokesman", "Moscow" },
		{ "Briefing by Foreign Ministry Spokesperson Maria Zakharova, July 14, 2017, Moscow", "2017-07-14",
		  "Maria Zakharova", "Foreign Ministry Spokesperson", "Moscow" },
		{ "Foreign Ministry Deputy Spokesperson Artyom Kozhin, 14 July 2017", "2017-07-14", "Artyom Kozhin",
		  "Foreign Ministry Deputy Spokesperson", "" },
		{ "Briefing by Deputy Director of the Information and Press Department Alexei Zaitsev, St Petersburg, "
		  "June 5, 2021",
		  "2021-06-05", "Alexei Zaitsev", "Deputy Director of the Information and Press Department", "St Petersburg" },
		{ "Briefing by Official Representative of the Russian Ministry of Foreign Affairs Alexander Lukashevich, "
		  "Moscow, 4 April 2013",
		  "2013-04-04", "Alexander Lukashevich", "Official Representative of the Russian Ministry of Foreign Affairs",
		  "Moscow" },
		{ "Official representative of the Ministry of Foreign Affairs of Russia Alexander Lukashevich, Moscow, "
		  "13 November 2014",
		  "2014-11-13", "Alexander Lukashevich", "Official representative of the Ministry of Foreign Affairs of Russia",
		  "Moscow" },
		{ "Briefing by Foreign Ministry Spokeswoman Maria Zakharova, 12 May 2016, Sochi", "2016-05-12",
		  "Maria Zakharova", "Foreign Ministry Spokeswoman", "Sochi" },
		{ "Briefing by Maria Zakharova, Moscow, 14.07.2017", "2017-07-14", "Maria Zakharova", "", "Moscow" },
	};
	out o;
	char in[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(in, sizeof(in), "%s\n\n1. A\n\nA\n\nText.\n", cases[i][0]);
		parse(&o, in);
		CHECK_STR(o.date, cases[i][1]);
		CHECK_STR(o.name, cases[i][2]);
		CHECK_STR(o.role, cases[i][3]);
		CHECK_STR(o.place, cases[i][4]);
		CHECK(strstr(o.warnings, "no-spokesperson") == NULL);
	}
	parse(&o, "Briefing by the Foreign Ministry, Moscow, 5 March 2015\n\n1. A\n\nA\n\nText.\n");
	CHECK(strstr(o.warnings, "no-spokesperson") != NULL);
}

/* bp_block_copy copies what every pointer field points to: the copy stays
 * whole when the source's buffers change or go away. */
TEST(block_copy_is_deep)
{
	char text[] = "Heading\n\nSome text.", id[] = "2017-02-09-0123abcd", date[] = "2017-02-09",
	     agenda[] = "3", speaker[] = "Maria Zakharova";
	bp_anchor map[2] = {{0, 100}, {9, 120}};
	bp_arena a = {NULL, 64}; /* small chunks: the copy spans several */
	bp_block b, c;

	memset(&b, 0, sizeof(b));
	b.type = BP_BLOCK_ANSWER;
	b.briefing_id = id;
	b.date = date;
	b.seq = 4;
	b.exchange = 2;
	b.agenda = agenda;
	b.speaker = speaker;
	b.buf = text;
	b.len = sizeof(text) - 1;
	b.heading_len = 7;
	b.text_off = 9;
	b.start = 100;
	b.end = 140;
	b.map = map;
	b.nmap = 2;
	b.line = 12;
	CHECK_INT(bp_block_copy(&c, &b, &a), 0);
	memset(text, 'x', sizeof(text) - 1);
	memset(id, 'x', sizeof(id) - 1);
	memset(date, 'x', sizeof(date) - 1);
	agenda[0] = speaker[0] = 'x';
	map[1].raw = 0;
	CHECK_STR(c.buf, "Heading\n\nSome text.");
	CHECK_INT(c.len, b.len);
	CHECK_STR(c.briefing_id, "2017-02-09-0123abcd");
	CHECK_STR(c.date, "2017-02-09");
	CHECK_STR(c.agenda, "3");
	CHECK_STR(c.speaker, "Maria Zakharova");
	CHECK(c.map != map && c.nmap == 2 && c.map[1].norm == 9 && c.map[1].raw == 120);
	CHECK_INT(bp_block_raw(&c, 10), 121);
	CHECK(c.seq == 4 && c.exchange == 2 && c.heading_len == 7 && c.text_off == 9 && c.line == 12);
	/* NULL fields stay NULL */
	b.agenda = b.speaker = NULL;
	b.map = NULL;
	b.nmap = 0;
	CHECK_INT(bp_block_copy(&c, &b, &a), 0);
	CHECK(c.agenda == NULL && c.speaker == NULL && c.map == NULL);
	bp_arena_free(&a);
}

int main(void)
{
	bp_error err;
	if (bp_cues_load(NULL, &cues, &err) != BP_OK) {
		printf("cannot load cues: %s\n", err.message);
		return 1;
	}
	RUN(block_copy_is_deep);
	RUN(title_with_place_and_date);
	RUN(title_variants);
	RUN(title_role_with_comma_and_place_with_comma);
	RUN(headings_without_back_to_top);
	RUN(title_with_only_a_date);
	RUN(title_place_and_date_in_parentheses);
	RUN(edited_heading_links_to_its_agenda_item);
	RUN(agenda_qa_as_numbered_item_with_sublist);
	RUN(agenda_qa_heading_and_continued_numbers);
	RUN(agenda_plain_topics);
	RUN(wrapped_heading_is_joined);
	RUN(qa_turns_and_exchanges);
	RUN(hard_wrapped_paragraphs_are_joined);
	RUN(footer_and_two_briefings);
	RUN(errors_empty_and_no_briefing);
	RUN(missing_title_still_parses_with_warning);
	RUN(unknown_header_lines_are_skipped_issue12);
	RUN(unknown_agenda_lines_are_skipped);
	RUN(held_header_lines_without_agenda_are_content);
	RUN(title_grammar_forms);
	bp_cues_free(cues);
	return DONE();
}
