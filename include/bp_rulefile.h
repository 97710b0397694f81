/*
 * bp_rulefile.h - what the classifier's rule loaders share: reading a rule
 * file line by line, the small value parsers, and the memory the loaded
 * rules live in (bp_buf.h: arrays grow with bp_grow, strings and tables
 * live in a bp_arena). Used by the gazetteer (bp_gazetteer.h) and the topic rules
 * (bp_topics.h); the formats themselves are in docs/rules.md.
 */
#ifndef BP_RULEFILE_H
#define BP_RULEFILE_H

#include <stddef.h>

#include "bp_buf.h"
#include "bp_data.h"
#include "bp_error.h"

#define BP_RULEFILE_LINE_MAX 4096 /* any rule-file line, bytes */

/* The next line of blob b that holds something: trimmed of spaces and tabs,
 * blank lines and '#' comment lines skipped. *pos and *lineno start at 0 and
 * are advanced. Returns 1 with *s, *n (borrowed from b) and *lineno set, 0 at
 * the end, -1 for a line longer than BP_RULEFILE_LINE_MAX or holding a NUL
 * byte (err filled: BP_ERR_DATA, b's path and the line). */
int bp_rulefile_next_line(const bp_blob *b, size_t *pos, unsigned long *lineno, const char **s,
			  size_t *n, bp_error *err);

/* Trims spaces and tabs from both ends of (*s, *n). */
void bp_rulefile_trim(const char **s, size_t *n);

/* Whether s[0, n) holds a control byte (< 0x20 or 0x7f). */
int bp_rulefile_has_control(const char *s, size_t n);

/* Parses s[0, n) as [+-]digits[.digits] exactly (at most 12 digits, no
 * locale): 1 with *out set, else 0. */
int bp_rulefile_number(const char *s, size_t n, double *out);

/* memcmp order for byte strings of different lengths (a prefix first). */
int bp_bytes_cmp(const char *a, size_t an, const char *b, size_t bn);

#endif
