/*
 * bp_mojibake.h - stage 2b: mojibake repair on the tokenizer's lines, for
 * text and HTML alike (between the tokenizer and the parser).
 *
 * Mojibake is UTF-8 that was read through a single-byte code page and
 * written out again as UTF-8: "’" becomes "â€™" (windows-1252), "–"
 * becomes "‚Äď" (Mac Central European), "Москва" becomes "РњРѕСЃРєРІР°"
 * (windows-1251). A run of two or more non-ASCII characters (a word's
 * worth, between ASCII bytes) is repaired when, for one of windows-1252,
 * Mac Roman, Mac Central European and windows-1251 (tried in that order),
 * every character of the run has a byte in that code page, those bytes are
 * valid UTF-8 as a whole, and every character they spell is one a text of
 * this kind uses (Latin-1 and Latin Extended-A letters and signs, Cyrillic,
 * general punctuation, the euro, numero and trade mark signs). Correct text
 * is left alone: a real word's characters spell valid UTF-8 in no code page
 * (a Cyrillic word such as "Рёв" has a letter that cannot follow, "São" has
 * a single non-ASCII character). Runs longer than BP_MOJIBAKE_RUN_MAX bytes
 * are never repaired.
 */
#ifndef BP_MOJIBAKE_H
#define BP_MOJIBAKE_H

#include <stddef.h>

#include "bp_tokenizer.h"

#define BP_MOJIBAKE_RUN_MAX 96 /* bytes of a non-ASCII run that may be repaired */

typedef struct bp_mojibake bp_mojibake;

/* NULL on allocation failure. */
bp_mojibake *bp_mojibake_new(void);
void bp_mojibake_free(bp_mojibake *m);

/* Repairs a line. Returns the number of runs repaired: 0 leaves *out
 * untouched; otherwise *out is a copy of *line with the repaired text and
 * an offset map that still points into the input (a repaired run maps to
 * its first byte). Its text and anchors belong to m and stay valid until the
 * next call; its kind is the old one (classify it again). -1 when memory
 * ran out (nothing repaired). */
int bp_mojibake_line(bp_mojibake *m, const bp_line *line, bp_line *out);

/* Repairs s[0, n) into out (room for n + 1 bytes, NUL-terminated); returns
 * the runs repaired and sets *out_len. For tests. */
int bp_mojibake_text(const char *s, size_t n, char *out, size_t *out_len);

#endif
