/*
 * words.c - the classifier's byte tables and the case mapping of letters
 * (see bp_words.h).
 */
#include "bp_words.h"

#include "bp_ascii.h"

void bp_words_init(bp_words *w)
{
	for (int b = 0; b < 256; b++) {
		unsigned char k = BP_KIND_OTHER;
		if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9'))
			k = BP_KIND_ALNUM;
		else if (b >= 0xC3 && b <= 0xD4)
			k = BP_KIND_LEAD;
		else if (b >= 0x80 && b <= 0xBF)
			k = BP_KIND_CONT;
		w->kind[b] = k;
		w->wordbyte[b] = k == BP_KIND_ALNUM || k == BP_KIND_LEAD ? BP_WB_WORD
				 : k == BP_KIND_CONT ? BP_WB_CONT : BP_WB_OTHER;
		w->lower[b] = bp_ascii_lower((unsigned char)b);
		w->cls[b] = (unsigned char)(w->lower[b] >= 'a' && w->lower[b] <= 'z' ? w->lower[b] - 'a' + 1
					    : b >= '0' && b <= '9' ? b - '0' + 27 : 0);
	}
}

/* Cyrillic in UTF-8: U+0400-U+043F are D0 80-BF, U+0440-U+047F D1 80-BF.
 * Upper case Ѐ-Џ (D0 80-8F), А-П (D0 90-9F), Р-Я (D0 A0-AF); lower case
 * а-п (D0 B0-BF), р-я (D1 80-8F), ѐ-џ (D1 90-9F). */
size_t bp_words_lower(const unsigned char *s, size_t n, unsigned char out[2])
{
	if (n >= 1 && s[0] >= 'A' && s[0] <= 'Z') {
		out[0] = (unsigned char)(s[0] + 32);
		return 1;
	}
	if (n < 2 || s[0] != 0xD0 || s[1] < 0x80 || s[1] > 0xAF)
		return 0;
	if (s[1] <= 0x8F) { /* Ѐ-Џ */
		out[0] = 0xD1;
		out[1] = (unsigned char)(s[1] + 0x10);
	} else if (s[1] <= 0x9F) { /* А-П */
		out[0] = 0xD0;
		out[1] = (unsigned char)(s[1] + 0x20);
	} else { /* Р-Я */
		out[0] = 0xD1;
		out[1] = (unsigned char)(s[1] - 0x20);
	}
	return 2;
}

size_t bp_words_upper(const unsigned char *s, size_t n, unsigned char out[2])
{
	if (n >= 1 && s[0] >= 'a' && s[0] <= 'z') {
		out[0] = (unsigned char)(s[0] - 32);
		return 1;
	}
	if (n < 2)
		return 0;
	if (s[0] == 0xD0 && s[1] >= 0xB0 && s[1] <= 0xBF) { /* а-п */
		out[0] = 0xD0;
		out[1] = (unsigned char)(s[1] - 0x20);
		return 2;
	}
	if (s[0] == 0xD1 && s[1] >= 0x80 && s[1] <= 0x9F) {
		out[0] = 0xD0; /* р-я to Р-Я, ѐ-џ to Ѐ-Џ */
		out[1] = (unsigned char)(s[1] <= 0x8F ? s[1] + 0x20 : s[1] - 0x10);
		return 2;
	}
	return 0;
}
