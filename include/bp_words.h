/*
 * bp_words.h - the words the classifier matches at, shared by the gazetteer
 * (bp_gazetteer.h), the topic rules (bp_topics.h) and the scan that drives
 * both (classify.c).
 *
 * A word starts at an ASCII letter or digit, or a 2-byte UTF-8 letter (lead
 * byte C3-D4: Latin, Greek, Cyrillic), that does not follow one; other
 * bytes, such as the curly apostrophe (E2 80 99), separate words. Matching
 * is only tried at word starts, and a gazetteer alias must also end at a
 * word end (docs/rules.md, "Words").
 */
#ifndef BP_WORDS_H
#define BP_WORDS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bp_swar.h"

enum { BP_KIND_OTHER, BP_KIND_ALNUM, BP_KIND_LEAD, BP_KIND_CONT }; /* a byte's kind */
enum { BP_WB_OTHER, BP_WB_WORD, BP_WB_CONT }; /* a continuation byte continues what it follows */

/* The prefilters' byte classes: a-z folded 1-26, 0-9 27-36, else 0. */
#define BP_NCLS 37

/* Byte tables, filled by bp_words_init and read-only after. */
typedef struct bp_words {
	unsigned char kind[256];     /* BP_KIND_* */
	unsigned char wordbyte[256]; /* BP_WB_*: BP_KIND_ALNUM and BP_KIND_LEAD are BP_WB_WORD */
	unsigned char lower[256];    /* ASCII folding */
	unsigned char cls[256];      /* prefilter class, < BP_NCLS */
} bp_words;

void bp_words_init(bp_words *w);

/* The length of the run of word bytes (BP_WB_WORD) at s[0, n). */
static inline size_t bp_words_run(const unsigned char *wb, const unsigned char *s, size_t n)
{
	size_t k = 0;
	while (k < n && wb[s[k]] == BP_WB_WORD)
		k++;
	return k;
}

/* The bytes s[0, 8), zero past n, into h: the prefilters' key material.
 * Returns them as one word, s[0] in its lowest byte. */
static inline uint64_t bp_words_head8(const unsigned char *s, size_t n, unsigned char h[8])
{
	if (n >= 8) {
		memcpy(h, s, 8);
	} else {
		memset(h, 0, 8);
		memcpy(h, s, n);
	}
	return bp_swar_load_le(h);
}

/* The case mapping of one letter of UTF-8 text s[0, n): ASCII A-Z and
 * a-z, Cyrillic U+0400-U+042F and U+0430-U+045F (А-Я and а-я, Ѐ-Џ and ѐ-џ,
 * Ё and ё among them). Each writes the letter in the other case to out
 * (of the same length: 1 or 2 bytes) and returns that length, or returns 0
 * when s does not start with such a letter of its case (upper case for
 * bp_words_lower, lower case for bp_words_upper). Shared by the parser's
 * Q&A topic folding and the gazetteer's capitalised forms. */
size_t bp_words_lower(const unsigned char *s, size_t n, unsigned char out[2]);
size_t bp_words_upper(const unsigned char *s, size_t n, unsigned char out[2]);

/* Bit i of a byte map (filters, first-byte sets). */
#define BP_BIT(map, i) (((map)[(i) >> 3] >> ((i) & 7)) & 1)
#define BP_SET(map, i) ((map)[(i) >> 3] |= (unsigned char)(1u << ((i) & 7)))

#endif
