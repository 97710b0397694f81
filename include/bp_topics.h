/*
 * bp_topics.h - the topic rules (topics.rules) and the topic scorer.
 *
 * Each topic is a section of weighted PCRE2 patterns, matched at word
 * starts. Loading splits every pattern into its literal prefix, put in a
 * byte trie (bp_trie.h), and the rest: a plain literal is settled by the
 * trie walk alone, the patterns of any other prefix become one anchored
 * PCRE2 pattern (JIT) matched from the end of the prefix. Loaded once, then
 * read-only and shareable between threads; each thread matches with its
 * own bp_topic_run. Only topics.c includes PCRE2.
 *
 * Every match runs under PCRE2 limits (topics.c: match limit, depth and
 * heap limits, a bounded JIT stack), since topics.rules is user input
 * (--rules DIR). A pattern that reaches one in a block is skipped for the
 * rest of that block (the others sharing its compiled alternation are then
 * tried one by one, in the same order, so they still match as before), and
 * bp_topic_run_collect reports it in bp_tags.nlimited / limited.
 *
 * The scan that visits word starts is the classifier's (classify.c): at a
 * word start that passes the filter it calls bp_topic_run_at; at the end of
 * a block bp_topic_run_collect scores the topics (docs/rules.md, "Scoring").
 */
#ifndef BP_TOPICS_H
#define BP_TOPICS_H

#include <stddef.h>
#include <stdint.h>

#include "bp_classify.h"
#include "bp_emit.h"
#include "bp_error.h"
#include "bp_words.h"

/* The prefilter, exact on the bytes keys begin with: the classes
 * (bp_words' cls) of a word's first three bytes (tri), then either a key
 * shorter than four bytes with them (shortk), or, by a hash of the first
 * four classes, the shortest first run of a key with them (quadmin; 255 for
 * none): a text word whose first run is shorter cannot start one. */
#define BP_TOPIC_FILTER_BITS (BP_NCLS * BP_NCLS * BP_NCLS)
#define BP_TOPIC_QUAD_SHIFT 13
/* Knuth's multiplicative hash (2^32 / golden ratio), top QUAD_SHIFT bits */
#define BP_TOPIC_QUAD_HASH(k4) \
	((unsigned)(((uint32_t)(k4) * 2654435761u) >> (32 - BP_TOPIC_QUAD_SHIFT)))

typedef struct bp_topic_filter {
	unsigned char tri[(BP_TOPIC_FILTER_BITS + 7) / 8];
	unsigned char shortk[(BP_TOPIC_FILTER_BITS + 7) / 8];
	unsigned char quadmin[1u << BP_TOPIC_QUAD_SHIFT];
} bp_topic_filter;

/* Whether a key may start at a word whose first bytes are h[0, 4) (zero
 * past the text) and whose first run of word bytes is wlen long. */
static inline unsigned bp_topic_may_start(const bp_topic_filter *f, const unsigned char *cls,
					  const unsigned char h[8], size_t wlen)
{
	unsigned tk = (unsigned)(cls[h[0]] * BP_NCLS + cls[h[1]]) * BP_NCLS + cls[h[2]];
	return BP_BIT(f->tri, tk) &
	       (BP_BIT(f->shortk, tk) |
		(wlen >= f->quadmin[BP_TOPIC_QUAD_HASH(tk * BP_NCLS + cls[h[3]])]));
}

typedef struct bp_topics bp_topics;       /* loaded, read-only */
typedef struct bp_topic_run bp_topic_run; /* one thread's match state and results */

/* Loads topics.rules (from dir when it has it, else bundled) and compiles
 * it. words must outlive the topics. On error returns BP_ERR_DATA (err->path
 * the file, err->line the line, e.g. "invalid pattern: missing )"),
 * BP_ERR_LIMIT, BP_ERR_IO or BP_ERR_NOMEM, and *out is NULL. The caller owns
 * *out. */
bp_status bp_topics_load(const bp_words *words, const char *dir, bp_topics **out,
			 bp_error *err);
void bp_topics_free(bp_topics *tp);

/* Whether any pattern can match; the filter (owned by tp). */
int bp_topics_nonempty(const bp_topics *tp);
const bp_topic_filter *bp_topics_filter(const bp_topics *tp);

/* For --list-rules: the topics in file order; kind "topic", detail its
 * pattern count. */
size_t bp_topics_count(const bp_topics *tp);
void bp_topics_info(const bp_topics *tp, size_t i, bp_rule_info *e);

/* A run borrows tp, which must outlive it. NULL on allocation failure. */
bp_topic_run *bp_topic_run_new(const bp_topics *tp);
void bp_topic_run_free(bp_topic_run *run);

/* Tries the patterns at word start i of text[0, len), whose first
 * heading_len bytes are the block's heading: records the match (weight,
 * evidence) if any. Returns 0, or -1 when PCRE2 fails otherwise than by a
 * limit (err filled: BP_ERR_NOMEM or BP_ERR_LIMIT). */
int bp_topic_run_at(bp_topic_run *run, const char *text, size_t len, size_t i,
		    size_t heading_len, bp_error *err);

/* Scores the topics recorded since the last collect for a block of len
 * bytes and puts those given into out's topics, by score descending, then
 * id, and the patterns skipped at a limit into out's nlimited and limited
 * (valid until the next collect or the free); the run starts afresh, with
 * every pattern on again. */
void bp_topic_run_collect(bp_topic_run *run, size_t len, bp_tags *out);

/* Questions and answers (the answer_credit setting, docs/rules.md): an
 * answer right after a question needs only (1 - answer_credit) x its
 * threshold for a topic the question was given. With answer_credit > 0,
 * bp_topic_run_collect also lists in out's candidates every topic of the
 * block with a positive match and ratio >= 1 - answer_credit (score
 * raw / (raw + need), before the relative cut and max_topics).
 * bp_topics_pair scores an answer's candidates again with the credit for
 * the question's topics q[0, nq): ratio + answer_credit for those, then the
 * threshold, the relative cut, the order and max_topics as in collect; it
 * writes the topics given to out (room for ncand) and returns their number,
 * each scored ratio / (1 + ratio). When explain is not NULL, *explain gets
 * a malloc'd text of explanation lines (NULL when out of memory). */
double bp_topics_answer_credit(const bp_topics *tp);
size_t bp_topics_pair(const bp_topics *tp, const bp_tag *cand, size_t ncand, const bp_tag *q,
		      size_t nq, bp_tag *out, char **explain);

/* Explanations (--explain). While on, the run keeps every pattern match of
 * the block (also those past repeat_cap) and, at collect, the verdict on
 * every topic a match touched; bp_topic_run_clear forgets them (call it
 * before each block). bp_topic_run_explain writes them, for the block last
 * collected, as text lines to write(ctx, ...): text is that block's text
 * (the matches are quoted from it). Returns BP_OK, BP_ERR_NOMEM or write's
 * error. */
void bp_topic_run_set_explain(bp_topic_run *run, int on);
void bp_topic_run_clear(bp_topic_run *run);
bp_status bp_topic_run_explain(const bp_topic_run *run, const char *text, bp_write_fn write,
			       void *ctx, bp_error *err);

#endif
