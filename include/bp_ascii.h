/*
 * bp_ascii.h - ASCII case folding, the one helper every stage uses to compare
 * cue words, format tags and rule prefixes. Only A-Z fold; every other byte
 * (UTF-8 included) is itself, so folding never changes a string's length.
 */
#ifndef BP_ASCII_H
#define BP_ASCII_H

#include <stddef.h>

/* c with A-Z lowered to a-z. */
static inline unsigned char bp_ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* 1 when a[0, n) and b[0, n) are equal but for ASCII case. */
static inline int bp_ascii_ieq(const char *a, const char *b, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (bp_ascii_lower((unsigned char)a[i]) != bp_ascii_lower((unsigned char)b[i]))
			return 0;
	return 1;
}

#endif
