/*
 * bp_classify.h - the rule-based classifier: countries, organisations, topics.
 *
 * Rules come from three files (bundled from data/, or from a user directory,
 * see bp_data.h):
 *   countries.tsv      gazetteer: ISO 3166-1 code (plus XK), kind, alias
 *   organizations.tsv  organisations: id, kind, alias
 *   topics.rules       topic sections of weighted PCRE2 patterns
 * Their formats are documented in the files' own headers and docs/rules.md.
 * They are compiled once (PCRE2, JIT on) by bp_rules_load and matched in one
 * pass over each block by bp_classifier_run. The parts, one file and header
 * each: bp_rulefile.h (rule-file lines, values, memory), bp_words.h (word
 * starts), bp_trie.h (byte tries), bp_gazetteer.h (countries and
 * organisations), bp_topics.h (topic rules and scores; the only part that
 * includes PCRE2); classify.c runs the gazetteer and the topics in one scan.
 */
#ifndef BP_CLASSIFY_H
#define BP_CLASSIFY_H

#include <stddef.h>

#include "bp_error.h"

/* At most this many evidence spans are kept per tag; `count` still counts
 * every match. */
#define BP_EVIDENCE_MAX 8

/* A span of the text given to bp_classifier_run, in bytes: [start, end). */
typedef struct bp_evidence {
	size_t start, end;
} bp_evidence;

/* One tag on a block. Strings are owned by the bp_rules and live as long as
 * it does. */
typedef struct bp_tag {
	const char *id;       /* "SY", "NATO", "cyber" */
	const char *name;     /* "Syria", "North Atlantic Treaty Organization", topic name */
	unsigned count;       /* matches counted toward the tag */
	double score;         /* topics: score in [0, 1]; countries, organisations: 0 */
	size_t nevidence;     /* <= BP_EVIDENCE_MAX, in text order */
	bp_evidence evidence[BP_EVIDENCE_MAX];
} bp_tag;

/* The result of one bp_classifier_run. Arrays are owned by the classifier and
 * are valid until its next run or its free. Order: countries and
 * organisations by count descending, then id ascending; topics by score
 * descending, then id ascending. */
typedef struct bp_tags {
	const bp_tag *countries;
	size_t ncountries;
	const bp_tag *organizations;
	size_t norganizations;
	const bp_tag *topics;
	size_t ntopics;
	/* With topics.rules' answer_credit > 0: the topics an answer could get
	 * with the credit (bp_topics.h, bp_pairing below); else none. */
	const bp_tag *candidates;
	size_t ncandidates;
	/* Topic patterns that reached a PCRE2 limit in this block (match limit,
	 * depth or heap limit, JIT stack; see bp_topics.h) and were skipped for
	 * the rest of it; the block's other tags are complete. `limited` names
	 * the first one's rule ("DIR/topics.rules:12: [cyber] pattern '...':
	 * match limit exceeded; ..."), NULL when nlimited is 0. */
	unsigned nlimited;
	const char *limited;
} bp_tags;
#define BP_TAGS_LIMITED_MAX 200

typedef struct bp_rules bp_rules;           /* compiled, read-only, shareable between threads */
typedef struct bp_classifier bp_classifier; /* per-thread match state and result storage */

/* Loads and compiles the rules. dir: NULL for the bundled rules only, else a
 * directory whose countries.tsv / organizations.tsv / topics.rules replace
 * the bundled files of the same name (files it lacks stay bundled).
 * On error returns BP_ERR_DATA (malformed file: err->path is the file,
 * err->line the line, message e.g. "invalid pattern: missing )") or
 * BP_ERR_IO / BP_ERR_NOMEM, and *out is NULL. The caller owns *out. */
bp_status bp_rules_load(const char *dir, bp_rules **out, bp_error *err);
void bp_rules_free(bp_rules *rules);

/* What is loaded, for --list-rules: kind is "country", "organization" or
 * "topic"; for a country or organisation `detail` is its alias count, for a
 * topic its pattern count. `source` is the file it came from. Returns the
 * number of entries; fills *e for index i < that number. */
typedef struct bp_rule_info {
	const char *kind;
	const char *id;
	const char *name;
	size_t detail;
	const char *source;
} bp_rule_info;
size_t bp_rules_count(const bp_rules *rules);
void bp_rules_info(const bp_rules *rules, size_t i, bp_rule_info *e);

/* A classifier borrows rules, which must outlive it. NULL on allocation failure. */
bp_classifier *bp_classifier_new(const bp_rules *rules);
void bp_classifier_free(bp_classifier *c);

/* Tags text[0, len): UTF-8, already normalized (single spaces, paragraphs
 * separated by "\n\n"). The first heading_len bytes are the block's heading
 * (0 for none), which counts toward topics with extra weight. Evidence
 * offsets are relative to text. Returns BP_OK, or BP_ERR_NOMEM / BP_ERR_LIMIT
 * with err filled. */
bp_status bp_classifier_run(bp_classifier *c, const char *text, size_t len,
			    size_t heading_len, bp_tags *out, bp_error *err);

/* Questions and answers: an answer right after a question needs only
 * (1 - answer_credit) x the threshold for a topic the question was given
 * (topics.rules' answer_credit; docs/rules.md, "Questions and answers").
 * Since that depends on the block before, it is applied in output order:
 * the caller keeps one bp_pairing per output stream and passes every
 * block's tags, as they are about to be emitted, to bp_pairing_apply, with
 * the block's kind and briefing id. It may replace tags->topics (then
 * valid until the next apply or the free). With explain not NULL it writes
 * an explanation line for each topic of the question among the answer's
 * candidates (and for each topic given). Nothing changes when
 * answer_credit is 0. Returns BP_OK, BP_ERR_NOMEM or explain's error. */
enum { BP_PAIR_OTHER, BP_PAIR_QUESTION, BP_PAIR_ANSWER };
typedef struct bp_pairing {
	const bp_rules *rules;
	double credit;
	int have_question;  /* the block before was a question ... */
	char briefing[64];  /* ... of this briefing */
	bp_tag *q;          /* its topics */
	size_t nq, qcap;
	bp_tag *out;        /* an answer's topics, recomputed */
	size_t outcap;
} bp_pairing;
void bp_pairing_init(bp_pairing *p, const bp_rules *rules);
void bp_pairing_free(bp_pairing *p);
bp_status bp_pairing_apply(bp_pairing *p, int kind, const char *briefing_id, bp_tags *tags,
			   bp_status (*explain)(void *ctx, const char *bytes, size_t n,
						bp_error *err),
			   void *ctx, bp_error *err);

/* Explaining the topics, for a user tuning topics.rules (--explain). While
 * on (off after bp_classifier_new), each run also keeps every topic pattern
 * that matched, with its weight, and each touched topic's score against its
 * threshold. bp_classifier_explain writes them for the last run as text
 * lines ("  match TOPIC WEIGHT at OFFSET \"TEXT\" FILE:LINE: PATTERN",
 * "  topic TOPIC: raw R, need N (threshold T), ratio Q: given, score S" or
 * "...: not given: REASON"; format in docs/rules.md) to write(ctx, bytes, n,
 * err); text is what that run was given. Returns BP_OK, BP_ERR_NOMEM or
 * write's error. */
void bp_classifier_set_explain(bp_classifier *c, int on);
bp_status bp_classifier_explain(const bp_classifier *c, const char *text,
				bp_status (*write)(void *ctx, const char *bytes, size_t n,
						   bp_error *err),
				void *ctx, bp_error *err);

#endif
