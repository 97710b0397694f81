/*
 * bp_gazetteer.h - the name gazetteer: countries (countries.tsv) and
 * organisations (organizations.tsv), their aliases in one byte trie
 * (bp_trie.h), and the prefilter that lets most words skip the walk.
 *
 * Loaded once by bp_gazetteer_load, then read-only and shareable between
 * threads; each thread matches with its own bp_gaz_run. The scan that
 * visits word starts is the classifier's (classify.c): at a word start that
 * passes the filter it calls bp_gaz_run_match, and skips the span matched.
 * At each word start the longest alias that also ends at a word end wins.
 * Formats: docs/rules.md and the files' headers.
 */
#ifndef BP_GAZETTEER_H
#define BP_GAZETTEER_H

#include <stddef.h>
#include <stdint.h>

#include "bp_classify.h"
#include "bp_error.h"
#include "bp_words.h"

#define BP_GAZ_ALIAS_MAX 100 /* alias, bytes (bounds the tree depth) */

/* The prefilter, exact on the bytes aliases begin with, so cheap per word.
 * It keys on an alias's first run of word bytes: its length n and first
 * eight bytes (bp_gaz_key). first holds bp_gaz_bit(key, BP_GAZ_FIRST) of
 * every alias; run adds what follows the run: BP_GAZ_END when the alias
 * ends with it, else bp_gaz_next(x, y) of the two bytes after it
 * (y = BP_GAZ_ANY when the alias ends one byte past its run). A matching
 * alias has the same first run as the text, as the run ends at a non-word
 * byte or where the alias must end at a word end. */
#define BP_GAZ_SHIFT 17
#define BP_GAZ_END 0
#define BP_GAZ_ANY 0x100     /* bp_gaz_next's y for an alias one byte past its run */
#define BP_GAZ_FIRST 0x20000 /* first: the run alone, whatever follows */

typedef struct bp_gaz_filter {
	unsigned char first[(1u << BP_GAZ_SHIFT) / 8];
	unsigned char run[(1u << BP_GAZ_SHIFT) / 8];
} bp_gaz_filter;

/* head: bp_words_head8 of the word; n: the length of its first run. */
static inline uint64_t bp_gaz_key(uint64_t head, size_t n)
{
	static const uint64_t first_bytes[9] = {
		0, 0xFF, 0xFFFF, 0xFFFFFF, 0xFFFFFFFF, 0xFFFFFFFFFFull, 0xFFFFFFFFFFFFull,
		0xFFFFFFFFFFFFFFull, ~0ull};
	/* a multiplier of MurmurHash3's finaliser: the run length spread over
	 * all bits, so equal heads of different lengths differ */
	return (head & first_bytes[n < 8 ? n : 8]) ^ (uint64_t)n * 0xFF51AFD7ED558CCDu;
}

static inline unsigned bp_gaz_bit(uint64_t key, unsigned next)
{
	/* Fibonacci hashing: 2^64 / golden ratio, the top BP_GAZ_SHIFT bits */
	return (unsigned)(((key ^ (uint64_t)next << 40) * 0x9E3779B97F4A7C15u) >> (64 - BP_GAZ_SHIFT));
}

static inline unsigned bp_gaz_next(unsigned x, unsigned y)
{
	return 1 + (x << 9 | y); /* 1 .. 0x1FF00 */
}

/* The first test: whether an alias may have the first run of key g. */
static inline unsigned bp_gaz_may_begin(const bp_gaz_filter *f, uint64_t g)
{
	return BP_BIT(f->first, bp_gaz_bit(g, BP_GAZ_FIRST));
}

/* The second test, for t[0, n) whose first run of length run passed the
 * first with key g: on what follows the run. */
static inline int bp_gaz_may_start(const bp_gaz_filter *f, const unsigned char *t, size_t n,
				   size_t run, uint64_t g)
{
	if (BP_BIT(f->run, bp_gaz_bit(g, BP_GAZ_END)))
		return 1;
	if (run == n)
		return 0;
	return (run + 1 < n && BP_BIT(f->run, bp_gaz_bit(g, bp_gaz_next(t[run], t[run + 1])))) ||
	       BP_BIT(f->run, bp_gaz_bit(g, bp_gaz_next(t[run], BP_GAZ_ANY)));
}

typedef struct bp_gazetteer bp_gazetteer; /* loaded, read-only */
typedef struct bp_gaz_run bp_gaz_run;     /* one thread's match state and results */

/* Loads countries.tsv then organizations.tsv (from dir when it has them,
 * else bundled; see bp_data.h) and builds the trie and filter. words must
 * outlive the gazetteer. On error returns BP_ERR_DATA (err->path the file,
 * err->line the line), BP_ERR_LIMIT, BP_ERR_IO or BP_ERR_NOMEM, and *out is
 * NULL. The caller owns *out. */
bp_status bp_gazetteer_load(const bp_words *words, const char *dir, bp_gazetteer **out,
			    bp_error *err);
void bp_gazetteer_free(bp_gazetteer *g);

/* Whether it holds any alias; its filter (owned by g). */
int bp_gazetteer_nonempty(const bp_gazetteer *g);
const bp_gaz_filter *bp_gazetteer_filter(const bp_gazetteer *g);

/* For --list-rules: countries by id, then organisations by id; kind
 * "country" or "organization", detail its alias count. */
size_t bp_gazetteer_count(const bp_gazetteer *g);
void bp_gazetteer_info(const bp_gazetteer *g, size_t i, bp_rule_info *e);

/* A run borrows g, which must outlive it. NULL on allocation failure. */
bp_gaz_run *bp_gaz_run_new(const bp_gazetteer *g);
void bp_gaz_run_free(bp_gaz_run *run);

/* Tries the aliases at word start i of t[0, len): on a match records it
 * (tags and evidence) and returns 1 with *end its end, else 0; -1 when out
 * of memory building the aliases that start past ASCII, which wait for the
 * first word start past ASCII that passes the filter (gazetteer.c). */
int bp_gaz_run_match(bp_gaz_run *run, const unsigned char *t, size_t len, size_t i, size_t *end);

/* The countries and organisations recorded since the last collect, ordered
 * by count descending, then id, into out's countries and organizations
 * (valid until the next collect or the free); the run starts afresh. */
void bp_gaz_run_collect(bp_gaz_run *run, bp_tags *out);

#endif
