/* Unit tests for the case mapping of letters (bp_words.h): ASCII and every
 * Cyrillic letter of U+0400-U+045F, both ways, and what is no such letter. */
#include <stdio.h>
#include <string.h>

#include "bp_words.h"
#include "harness.h"

/* The UTF-8 bytes of code point u (< U+0800) into out; their number. */
static size_t utf8(unsigned u, unsigned char out[2])
{
	if (u < 0x80) {
		out[0] = (unsigned char)u;
		return 1;
	}
	out[0] = (unsigned char)(0xC0 | u >> 6);
	out[1] = (unsigned char)(0x80 | (u & 0x3F));
	return 2;
}

TEST(ascii_both_ways)
{
	unsigned char o[2];
	for (unsigned c = 0; c < 0x80; c++) {
		unsigned char s = (unsigned char)c;
		size_t lo = bp_words_lower(&s, 1, o);
		if (c >= 'A' && c <= 'Z') {
			CHECK_INT(lo, 1);
			CHECK_INT(o[0], c + 32);
		} else {
			CHECK_INT(lo, 0);
		}
		lo = bp_words_upper(&s, 1, o);
		if (c >= 'a' && c <= 'z') {
			CHECK_INT(lo, 1);
			CHECK_INT(o[0], c - 32);
		} else {
			CHECK_INT(lo, 0);
		}
	}
}

/* Cyrillic: U+0400-U+042F upper, U+0430-U+045F lower, U+0410 + k and
 * U+0430 + k a pair, U+0400 + k and U+0450 + k a pair; the rest of
 * U+0080-U+07FF is no letter of these. */
TEST(cyrillic_every_letter)
{
	unsigned char s[2], o[2], want[2];
	for (unsigned u = 0x80; u < 0x800; u++) {
		unsigned lower = u >= 0x410 && u <= 0x42F ? u + 0x20 : u >= 0x400 && u <= 0x40F ? u + 0x50 : 0;
		unsigned upper = u >= 0x430 && u <= 0x44F ? u - 0x20 : u >= 0x450 && u <= 0x45F ? u - 0x50 : 0;
		utf8(u, s);
		if (lower) {
			utf8(lower, want);
			CHECK_INT(bp_words_lower(s, 2, o), 2);
			CHECK(memcmp(o, want, 2) == 0);
		} else {
			CHECK_INT(bp_words_lower(s, 2, o), 0);
		}
		if (upper) {
			utf8(upper, want);
			CHECK_INT(bp_words_upper(s, 2, o), 2);
			CHECK(memcmp(o, want, 2) == 0);
		} else {
			CHECK_INT(bp_words_upper(s, 2, o), 0);
		}
		/* a letter cut off at the end of the text is no letter */
		CHECK_INT(bp_words_lower(s, 1, o), 0);
		CHECK_INT(bp_words_upper(s, 1, o), 0);
	}
}

TEST(named_letters)
{
	unsigned char o[2];
	CHECK_INT(bp_words_lower((const unsigned char *)"Ё", 2, o), 2);
	CHECK(memcmp(o, "ё", 2) == 0);
	CHECK_INT(bp_words_upper((const unsigned char *)"ё", 2, o), 2);
	CHECK(memcmp(o, "Ё", 2) == 0);
	CHECK_INT(bp_words_lower((const unsigned char *)"Я", 2, o), 2);
	CHECK(memcmp(o, "я", 2) == 0);
	CHECK_INT(bp_words_upper((const unsigned char *)"сирия", 10, o), 2);
	CHECK(memcmp(o, "С", 2) == 0);
	CHECK_INT(bp_words_upper((const unsigned char *)"Сирия", 10, o), 0);
	CHECK_INT(bp_words_lower((const unsigned char *)"Ї", 2, o), 2); /* Ukrainian */
	CHECK(memcmp(o, "ї", 2) == 0);
	CHECK_INT(bp_words_lower((const unsigned char *)"É", 2, o), 0); /* Latin-1: not mapped */
	CHECK_INT(bp_words_lower((const unsigned char *)"", 0, o), 0);
}

int main(void)
{
	RUN(ascii_both_ways);
	RUN(cyrillic_every_letter);
	RUN(named_letters);
	return DONE();
}
