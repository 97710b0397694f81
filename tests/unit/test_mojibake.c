/* Unit tests for mojibake repair: repaired both ways it happens, correct
 * text (Latin-1 and Cyrillic words that look like mojibake) never changed,
 * offsets of a repaired line still point into the input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_mojibake.h"
#include "harness.h"

static char out[1024];

static int fix(const char *s)
{
	size_t n;
	return bp_mojibake_text(s, strlen(s), out, &n);
}

#define REPAIRED(in, want, runs)       \
	do {                           \
		CHECK_INT(fix(in), runs); \
		CHECK_STR(out, want);  \
	} while (0)
#define UNCHANGED(in) REPAIRED(in, in, 0)

TEST(repaired)
{
	/* windows-1252 */
	REPAIRED("Russia\xC3\xA2\xE2\x82\xAC\xE2\x84\xA2s policy", "Russia\xE2\x80\x99s policy", 1); /* â€™ */
	REPAIRED("2016 \xC3\xA2\xE2\x82\xAC\xE2\x80\x9C 2017", "2016 \xE2\x80\x93 2017", 1);        /* â€“ */
	REPAIRED("caf\xC3\x83\xC2\xA9 and \xC3\x83\xC2\xA9t\xC3\x83\xC2\xA9", "caf\xC3\xA9 and \xC3\xA9t\xC3\xA9", 3);
	/* Mac Central European, as in tests/cases/seed-004.txt */
	REPAIRED("risks \xE2\x80\x9A\xC3\x84\xC4\x8F the", "risks \xE2\x80\x93 the", 1);              /* ‚Äď */
	REPAIRED("the \xC5\x87\xC3\xB6wi\xC5\x84\xC3\xB4tokrzyskie", "the \xC5\x9Awi\xC4\x99tokrzyskie", 2); /* Świętokrzyskie */
	/* windows-1251: "Москва" read as windows-1251 */
	REPAIRED("\xD0\xA0\xD1\x9A\xD0\xA0\xD1\x95\xD0\xA1\xD0\x83\xD0\xA0\xD1\x94\xD0\xA0\xD0\x86\xD0\xA0\xC2\xB0",
		 "\xD0\x9C\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0", 1);
}

TEST(correct_text_unchanged)
{
	UNCHANGED("Russia\xE2\x80\x99s policy \xE2\x80\x93 \xE2\x80\x9Cquoted\xE2\x80\x9D \xE2\x80\x94 \xE2\x80\xA6");
	UNCHANGED("S\xC3\xA3o Paulo, M\xC3\xBCller, na\xC3\xAFve fa\xC3\xA7" "ade, \xC3\x84rger \xC3\xBC" "ber");
	UNCHANGED("\xC3\x9E\xC3\xB3r\xC3\xB0ur, Fu\xC3\x9F" "ball, na\xC3\xA7\xC3\xA3o, \xC3\x80\xC3\x89");
	UNCHANGED("\xD0\x9C\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0");                  /* Москва */
	UNCHANGED("\xD0\xA0\xD1\x91\xD0\xB2");                                          /* Рёв: Рё alone would be "и" */
	UNCHANGED("\xD0\xA1\xD1\x91\xD0\xBC\xD0\xB3\xD0\xB0");                          /* Сёмга */
	UNCHANGED("\xD0\xA0\xD1\x96\xD0\xB2\xD0\xBD\xD0\xB5");                          /* Рівне */
	UNCHANGED("\xC2\xAB\xD0\xA2\xD0\x90\xD0\xA1\xD0\xA1\xC2\xBB, \xE2\x84\x96 5, 10 \xE2\x82\xAC");
	UNCHANGED("\xEF\xBF\xBD\xEF\xBF\xBD invalid input stays");
	UNCHANGED("");
}

TEST(line_offsets)
{
	/* "a â€™ b" from input offset 100, one to one: after the repair "b"
	 * still maps to its input byte */
	static const char text[] = "a \xC3\xA2\xE2\x82\xAC\xE2\x84\xA2 b";
	bp_anchor a = { 0, 100 };
	bp_line l, o;
	bp_mojibake *m = bp_mojibake_new();

	memset(&l, 0, sizeof(l));
	l.text = text;
	l.len = sizeof(text) - 1;
	l.anchors = &a;
	l.nanchors = 1;
	l.start = 100;
	l.end = 100 + l.len;
	CHECK_INT(bp_mojibake_line(m, &l, &o), 1);
	CHECK_STR(o.text, "a \xE2\x80\x99 b");
	CHECK_INT(o.len, 7);
	CHECK_INT(bp_anchor_raw(o.anchors, o.nanchors, 2, 0), 102);  /* the repaired mark */
	CHECK_INT(bp_anchor_raw(o.anchors, o.nanchors, 6, 0), 100 + l.len - 1); /* "b" */
	CHECK_INT(o.end, l.end);
	l.text = "plain text";
	l.len = 10;
	CHECK_INT(bp_mojibake_line(m, &l, &o), 0);
	bp_mojibake_free(m);
}

int main(void)
{
	RUN(repaired);
	RUN(correct_text_unchanged);
	RUN(line_offsets);
	return DONE();
}
