/* Unit tests for the tokenizer: normalization, chunk boundaries, offsets,
 * line kinds. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "bp_tokenizer.h"
#include "harness.h"

#define MAXL 64

typedef struct got {
	int n;
	char text[MAXL][512];
	bp_line_kind kind[MAXL];
	char number[MAXL][16];
	size_t body[MAXL], label_len[MAXL];
	int is_question[MAXL];
	int is_action[MAXL];
	unsigned long long start[MAXL], end[MAXL];
	unsigned invalid[MAXL], controls[MAXL], nuls[MAXL];
	int truncated[MAXL];
	size_t len[MAXL];
	/* raw(x) for every byte x of the line, to check the offset map */
	unsigned long long map_last[MAXL];
	char raw[8192];
	size_t rawlen;
	int raw_line_ends;
} got;

static bp_cues *cues;

static uint64_t map(const bp_line *l, size_t off)
{
	return bp_anchor_raw(l->anchors, l->nanchors, off, l->start);
}

static bp_status on_line(void *ctx, const bp_line *l, bp_error *err)
{
	got *g = ctx;
	(void)err;
	if (g->n == MAXL)
		return BP_OK;
	snprintf(g->text[g->n], sizeof(g->text[0]), "%s", l->text);
	g->kind[g->n] = l->kind;
	snprintf(g->number[g->n], sizeof(g->number[0]), "%s", l->number);
	g->body[g->n] = l->body;
	g->label_len[g->n] = l->label_len;
	g->is_question[g->n] = l->is_question;
	g->is_action[g->n] = l->is_action;
	g->start[g->n] = l->start;
	g->end[g->n] = l->end;
	g->invalid[g->n] = l->invalid_utf8;
	g->controls[g->n] = l->controls;
	g->nuls[g->n] = l->nuls;
	g->truncated[g->n] = l->truncated;
	g->len[g->n] = l->len;
	g->map_last[g->n] = l->len ? map(l, l->len - 1) : 0;
	g->n++;
	return BP_OK;
}

static void on_raw(void *ctx, const char *b, size_t n, int line_end)
{
	got *g = ctx;
	if (g->rawlen + n <= sizeof(g->raw)) {
		memcpy(g->raw + g->rawlen, b, n);
		g->rawlen += n;
	}
	g->raw_line_ends += line_end;
}

/* Tokenizes s (n bytes) fed in chunks of `chunk` bytes. */
static void tok(got *g, const char *s, size_t n, size_t chunk)
{
	bp_tokenizer *t = bp_tokenizer_new(cues, on_line, on_raw, g);
	bp_error err;
	size_t i;

	memset(g, 0, sizeof(*g));
	for (i = 0; i < n; i += chunk)
		bp_tokenizer_feed(t, s + i, n - i < chunk ? n - i : chunk, &err);
	bp_tokenizer_finish(t, &err);
	bp_tokenizer_free(t);
}

TEST(folds_white_space_and_nbsp)
{
	got g;
	const char *s = "  a\t\tb \xC2\xA0 c\xE2\x80\x83" "d  \n";
	tok(&g, s, strlen(s), 4096);
	CHECK_INT(g.n, 1);
	CHECK_STR(g.text[0], "a b c d");
	CHECK_INT(g.start[0], 2);       /* the first non-space byte */
	CHECK_INT(g.end[0], strlen(s) - 3); /* after the last non-space byte */
	CHECK_INT(g.map_last[0], strlen(s) - 4); /* 'd' maps back to its raw byte */
}

TEST(line_endings_lf_crlf_cr_and_none)
{
	got g;
	const char *s = "one\r\ntwo\rthree\nfour";
	tok(&g, s, strlen(s), 4096);
	CHECK_INT(g.n, 4);
	CHECK_STR(g.text[0], "one");
	CHECK_STR(g.text[1], "two");
	CHECK_STR(g.text[2], "three");
	CHECK_STR(g.text[3], "four");
	CHECK_INT(g.start[3], 15);
}

TEST(every_chunk_size_gives_the_same_lines)
{
	const char *s = "\xEF\xBB\xBFTitle \xE2\x80\x99quoted\xE2\x80\x99\r\n\r\n"
			"caf\xC3\xA9 \xC2\xA0na\xC3\xAFve\r\nbad \xC3\x28 byte\xFF end\r\n";
	got ref, g;
	size_t c, i;

	tok(&ref, s, strlen(s), 4096);
	CHECK_INT(ref.n, 4);
	CHECK_STR(ref.text[0], "Title \xE2\x80\x99quoted\xE2\x80\x99"); /* BOM removed */
	CHECK_STR(ref.text[2], "caf\xC3\xA9 na\xC3\xAFve");
	CHECK_STR(ref.text[3], "bad \xEF\xBF\xBD( byte\xEF\xBF\xBD end");
	CHECK_INT(ref.invalid[3], 2);
	for (c = 1; c <= 9; c++) {
		tok(&g, s, strlen(s), c);
		CHECK_INT(g.n, ref.n);
		for (i = 0; i < (size_t)ref.n && i < (size_t)g.n; i++) {
			CHECK_STR(g.text[i], ref.text[i]);
			CHECK_INT(g.start[i], ref.start[i]);
			CHECK_INT(g.end[i], ref.end[i]);
			CHECK_INT(g.map_last[i], ref.map_last[i]);
		}
		/* the raw callback sees every byte, in order, once */
		CHECK_INT(g.rawlen, strlen(s));
		CHECK(memcmp(g.raw, s, strlen(s)) == 0);
		CHECK_INT(g.raw_line_ends, 4);
	}
}

TEST(invalid_utf8_forms)
{
	got g;
	/* overlong '/', a surrogate, a lone continuation, a truncated 3-byte
	 * sequence at the end of input, and > U+10FFFF */
	const char *s = "a\xC0\xAF" "b\xED\xA0\x80" "c\x80" "d\xF4\x90\x80\x80" "e\xE2\x82";
	tok(&g, s, strlen(s), 4096);
	CHECK_INT(g.n, 1);
	CHECK(strstr(g.text[0], "a\xEF\xBF\xBD") == g.text[0]);
	CHECK(g.invalid[0] >= 5);
	CHECK(strchr(g.text[0], (char)0xC0) == NULL);
	CHECK(strchr(g.text[0], (char)0xED) == NULL);
}

TEST(nul_and_control_characters_are_removed_and_counted)
{
	got g;
	const char s[] = "ab\0c\x01" "d\x7F\xC2\x85" "e\n";
	tok(&g, s, sizeof(s) - 1, 4096);
	CHECK_INT(g.n, 1);
	CHECK_STR(g.text[0], "abcd e"); /* NEL (U+0085) is white space */
	CHECK_INT(g.nuls[0], 1);
	CHECK_INT(g.controls[0], 2);
}

TEST(zero_width_characters_are_removed)
{
	got g;
	const char *s = "a\xE2\x80\x8B" "b\xEF\xBB\xBF" "c\n";
	tok(&g, s, strlen(s), 4096);
	CHECK_STR(g.text[0], "abc");
	CHECK_INT(g.map_last[0], strlen(s) - 2);
}

TEST(overlong_line_is_truncated_not_grown)
{
	size_t n = BP_LINE_MAX + 5000, i;
	char *s = malloc(n + 1);
	got *g = malloc(sizeof(got));
	for (i = 0; i < n; i++)
		s[i] = (char)('a' + i % 26);
	s[n] = '\n';
	tok(g, s, n + 1, 65536);
	CHECK_INT(g->n, 1);
	CHECK_INT(g->len[0], BP_LINE_MAX);
	CHECK_INT(g->truncated[0], 1);
	CHECK_INT(g->end[0], n); /* the span still covers the whole line */
	free(s);
	free(g);
}

TEST(items_numbers_and_bullets)
{
	got g;
	const char *s = "  1. First item\n    12.4. Sub item\n- Bullet\n\xE2\x80\xA2 Dot\n"
			"12. Answers to media questions:\n2017 was a year\n45th anniversary\n3) Paren\n";
	tok(&g, s, strlen(s), 4096);
	CHECK_INT(g.n, 8);
	CHECK_INT(g.kind[0], BP_LINE_ITEM);
	CHECK_STR(g.number[0], "1");
	CHECK_STR(g.text[0] + g.body[0], "First item");
	CHECK_STR(g.number[1], "12.4");
	CHECK_INT(g.kind[2], BP_LINE_ITEM);
	CHECK_STR(g.number[2], "");
	CHECK_STR(g.text[2] + g.body[2], "Bullet");
	CHECK_INT(g.kind[3], BP_LINE_ITEM);
	CHECK_STR(g.text[3] + g.body[3], "Dot");
	CHECK_INT(g.kind[4], BP_LINE_ITEM);
	CHECK_STR(g.number[4], "12");
	CHECK_INT(g.kind[5], BP_LINE_TEXT);
	CHECK_INT(g.kind[6], BP_LINE_TEXT);
	CHECK_INT(g.kind[7], BP_LINE_ITEM);
}

TEST(labels)
{
	got g;
	const char *s = "Question: Can you comment?\n"
			"Maria Zakharova: We can.\n"
			"Maria Zakharova (adding): Also this.\n"
			"Question (retranslated from Russian): Why?\n"
			"Question:\n"
			"Note: this is not a speaker.\n"
			"The meeting will start at 10:30 tomorrow.\n"
			"As for the US: we disagree.\n"
			"Sergey Lavrov: Yes.\n"
			"Question from RIA Novosti: And?\n"
			"Question:No space?\n";
	tok(&g, s, strlen(s), 4096);
	CHECK_INT(g.n, 11);
	CHECK_INT(g.is_question[9], 1);
	CHECK_STR(g.text[9] + g.body[9], "And?");
	CHECK_INT(g.is_question[10], 1);
	CHECK_STR(g.text[10] + g.body[10], "No space?");
	CHECK_INT(g.kind[0], BP_LINE_LABEL);
	CHECK_INT(g.is_question[0], 1);
	CHECK_STR(g.text[0] + g.body[0], "Can you comment?");
	CHECK_INT(g.kind[1], BP_LINE_LABEL);
	CHECK_INT(g.is_question[1], 0);
	CHECK_INT(g.label_len[1], strlen("Maria Zakharova"));
	CHECK_INT(g.label_len[2], strlen("Maria Zakharova"));
	CHECK_STR(g.text[2] + g.body[2], "Also this.");
	CHECK_INT(g.is_question[3], 1);
	CHECK_INT(g.kind[4], BP_LINE_LABEL);
	CHECK_INT(g.body[4], g.len[4]);
	CHECK_INT(g.kind[5], BP_LINE_TEXT);
	CHECK_INT(g.kind[6], BP_LINE_TEXT);
	CHECK_INT(g.kind[7], BP_LINE_TEXT);
	CHECK_INT(g.kind[8], BP_LINE_LABEL);
}

TEST(cue_lines)
{
	got g;
	const char *s = "Back to top   \n\" rel=\"111\">Back to top\nGo back to top\n"
			"Table of Contents\nFrom answers to media questions:\n"
			"Briefing by Foreign Ministry Spokesperson Maria Zakharova, Moscow, February 9, 2017\n"
			"Join the GlobalSecurity.org mailing list\nJoin the mailing list\n"
			"The Ministry of Foreign Affairs of the Russian Federation\n";
	tok(&g, s, strlen(s), 4096);
	CHECK_INT(g.n, 9);
	CHECK_INT(g.kind[0], BP_LINE_BACK);
	CHECK_INT(g.kind[1], BP_LINE_BACK);
	CHECK_INT(g.kind[2], BP_LINE_TEXT);
	CHECK_INT(g.kind[3], BP_LINE_TOC);
	CHECK_INT(g.kind[4], BP_LINE_QA);
	CHECK_INT(g.kind[5], BP_LINE_TITLE);
	CHECK_INT(g.kind[6], BP_LINE_FOOTER);
	CHECK_INT(g.kind[7], BP_LINE_FOOTER);
	CHECK_INT(g.kind[8], BP_LINE_BOILER);
}

TEST(footer_glued_to_next_line_is_split)
{
	/* a file without a final newline, then the next file */
	const char *s = "Last answer.\n\nJoin the GlobalSecurity.org mailing listBriefing by X Spokesperson "
			"Anna Ivanova, May 1, 2020\nNext\n";
	size_t cut = strlen("Last answer.\n\nJoin the GlobalSecurity.org mailing list"), c;
	got g;

	for (c = 1; c <= 64; c += (c < 8 ? 1 : 28)) {
		tok(&g, s, strlen(s), c);
		CHECK_INT(g.n, 5);
		CHECK_INT(g.kind[2], BP_LINE_FOOTER);
		CHECK_STR(g.text[2], "Join the GlobalSecurity.org mailing list");
		CHECK_INT(g.end[2], cut);
		CHECK_INT(g.kind[3], BP_LINE_TITLE);
		CHECK_INT(g.start[3], cut);
		CHECK(strncmp(g.text[3], "Briefing by X", 13) == 0);
		CHECK_STR(g.text[4], "Next");
		/* raw bytes: all of them, in order; the footer's piece ends at the cut */
		CHECK_INT(g.rawlen, strlen(s));
		CHECK(memcmp(g.raw, s, strlen(s)) == 0);
		CHECK_INT(g.raw_line_ends, 5);
	}
}

TEST(cue_file_errors)
{
	bp_cues *c = NULL;
	bp_error err;
	char dir[] = "/tmp/bp-cues-XXXXXX", path[64];
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/cues.tsv", dir);
	f = fopen(path, "w");
	fputs("# comment\ntoc\tContents\nbogus\tthing\n", f);
	fclose(f);
	CHECK_INT(bp_cues_load(dir, &c, &err), BP_ERR_DATA);
	CHECK(c == NULL);
	CHECK_INT(err.line, 3);
	CHECK_STR(err.message, "unknown cue kind 'bogus'");
	f = fopen(path, "w");
	fputs("month\tJanuary\t13\n", f);
	fclose(f);
	CHECK_INT(bp_cues_load(dir, &c, &err), BP_ERR_DATA);
	CHECK_STR(err.message, "month needs a value 1-12");
	remove(path);
	rmdir(dir);
}

TEST(calls_to_action_of_page_furniture)
{
	got g;
	const char *s = "Print version\n"
			"Share\n"
			"Send by e-mail\n"
			"Subscribe to our channel for the latest news and comments on events\n"
			"Stay informed: subscribe to our newsletter!\n"
			"Printing of banknotes in occupied regions\n"
			"Sharing of intelligence with Kiev\n"
			"Follow-up to the Istanbul talks\n"
			"Share this if you agree, and send it on to all of your friends and family today\n"
			"Print media in the Baltic states.\n"
			"Send a message?\n"
			"Russian-Japanese relations\n";
	tok(&g, s, strlen(s), 4096);
	CHECK_INT(g.n, 12);
	CHECK_INT(g.is_action[0], 1);
	CHECK_INT(g.is_action[1], 1);
	CHECK_INT(g.is_action[2], 1);
	CHECK_INT(g.is_action[3], 1);
	CHECK_INT(g.is_action[4], 1);
	CHECK_INT(g.is_action[5], 0); /* a word that only starts with a cue */
	CHECK_INT(g.is_action[6], 0);
	CHECK_INT(g.is_action[7], 0); /* "Follow us" is the cue, not "Follow" */
	CHECK_INT(g.is_action[8], 0); /* more than 12 words */
	CHECK_INT(g.is_action[9], 0); /* a sentence */
	CHECK_INT(g.is_action[10], 0); /* a question */
	CHECK_INT(g.is_action[11], 0);
}

int main(void)
{
	bp_error err;
	if (bp_cues_load(NULL, &cues, &err) != BP_OK) {
		printf("cannot load cues: %s\n", err.message);
		return 1;
	}
	RUN(folds_white_space_and_nbsp);
	RUN(line_endings_lf_crlf_cr_and_none);
	RUN(every_chunk_size_gives_the_same_lines);
	RUN(invalid_utf8_forms);
	RUN(nul_and_control_characters_are_removed_and_counted);
	RUN(zero_width_characters_are_removed);
	RUN(overlong_line_is_truncated_not_grown);
	RUN(items_numbers_and_bullets);
	RUN(labels);
	RUN(calls_to_action_of_page_furniture);
	RUN(cue_lines);
	RUN(footer_glued_to_next_line_is_split);
	RUN(cue_file_errors);
	bp_cues_free(cues);
	return DONE();
}
