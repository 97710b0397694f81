/*
 * topics.c - the topic rules and scorer (see bp_topics.h): loads
 * topics.rules, splits each pattern into a literal prefix for the trie and
 * a rest for PCRE2, finds the pattern matching at a word start, and scores
 * each topic per block. Formats and scoring: docs/rules.md.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include "bp_topics.h"

#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "bp_ascii.h"
#include "bp_data.h"
#include "bp_buf.h"
#include "bp_rulefile.h"
#include "bp_trie.h"

#define PREFIX_MAX 100         /* literal prefix of a topic pattern put in the tree */
#define PATTERN_MAX 1000       /* topic pattern, bytes */
#define ID_MAX 32              /* topic ids */
#define TOPIC_NAME_MAX 100
#define TOPICS_MAX 1000
#define PATTERNS_MAX 20000
#define WEIGHT_MAX 1000.0
#define JIT_STACK_MAX (1024 * 1024)
/* PCRE2 limits on every match of a user pattern (topics.rules), see
 * bp_topics.h: a pattern that reaches one is skipped for the rest of the
 * block, with a warning. */
#define MATCH_LIMIT 100000  /* backtracking steps per attempt (JIT and interpreter) */
#define DEPTH_LIMIT 5000    /* nested backtracking (interpreter) */
#define HEAP_LIMIT_KIB 8192 /* backtracking memory (interpreter) */

/* The topic walk collects every key node on its path and tries them from
 * the longest: a node with one plain literal is checked in C; the patterns
 * of any other node are one anchored PCRE2 pattern of their rests (an rx,
 * JIT), leaves marked (*MARK:n), matched from the end of the prefix. */

typedef struct topic {
	const char *id, *name;
	double threshold;
	size_t npatterns;
} topic;

typedef struct tpattern {
	unsigned char first[32]; /* bytes that can start a match (for no prefix) */
	unsigned topic;
	double weight;
	const char *prefix; /* literal prefix, ASCII-folded to lower case */
	size_t prefix_len;
	const char *rest;   /* the pattern after its prefix */
	size_t rest_len;
	const char *raw;    /* the literal prefix unfolded (compared for (?-i)) */
	int plain;          /* PLAIN_* when the rest is "" or "\\b", else 0 */
	int utf;            /* matched in Unicode mode (see is_utf_pattern), no prefix */
	unsigned long line;
	const char *text;   /* the pattern as written, for messages and explanations */
	size_t text_len;
} tpattern;

typedef struct rx { /* one compiled PCRE2 pattern, matched anchored */
	pcre2_code *code;
	int jit;               /* JIT-compiled (valid once rx_jit has run for it) */
	const unsigned *marks; /* its pattern groups, in alternative order */
	size_t nmarks;
} rx;

/* The rxs are compiled at load (so that a rule that cannot compile is an
 * error there) but JIT-compiled when first matched (rx_jit): most inputs
 * need few of them, and one in English never needs the Unicode-mode one,
 * whose JIT compile was the largest part of startup. Matching threads share
 * the topics, so the first use is under a lock and published by ready. */
typedef struct jit_state {
	pthread_mutex_t mu;
	atomic_uchar *ready; /* by rx: its JIT compile was tried */
} jit_state;

/* Topic patterns that the trie settles without PCRE2: a literal, and a
 * literal followed by \\b; the same with (?-i) (compared case-sensitively). */
enum { PLAIN_LIT = 1, PLAIN_LIT_B, PLAIN_CS, PLAIN_CS_B };

struct bp_topics {
	bp_arena arena;
	const bp_words *w;
	topic *topics;
	size_t ntopics;
	tpattern *patterns;
	size_t npatterns;
	unsigned *members; /* pattern indices, grouped by identical pattern text */
	size_t *group_start; /* group g: members[group_start[g], group_start[g + 1]) */
	size_t ngroups;
	const char *src; /* blob path */
	double heading_weight, block_bytes, min_bytes, relative;
	double answer_credit; /* see bp_topics_pair */
	unsigned repeat_cap, max_topics;
	bp_trie trie;
	/* PCRE2 for what the tree does not settle. At a tree node whose
	 * patterns are not one plain literal: their rests, as alternatives in
	 * file order, matched from the end of the prefix. Patterns without a
	 * literal prefix: one pattern matched from the word start. */
	rx *rxs;
	size_t nrx;
	jit_state *lazy;      /* for rx_jit */
	uint16_t *node_rx;    /* by tree node: 1 + its rx, or 0 */
	short empty_rx;       /* the patterns without a literal prefix, or -1 */
	unsigned char empty_first[32]; /* the bytes they can start with */
	short utf_rx;         /* the Unicode-mode patterns, or -1 */
	unsigned char utf_first[32];
	bp_topic_filter filter;
};

struct bp_topic_run {
	const bp_topics *tp;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	pcre2_jit_stack *jstack;
	/* Limits: a group that reached one is off for the rest of the block;
	 * an rx that did is matched one group at a time (solo, compiled when
	 * first needed) until the block ends. */
	pcre2_code **solo;       /* by group */
	unsigned char *group_off; /* by group */
	unsigned char *rx_split;  /* by rx */
	unsigned *off_list, *split_list;
	size_t noff, nsplit;
	char limited[BP_TAGS_LIMITED_MAX];
	bp_tag *topic_tags; /* by topic index */
	double *topic_raw;
	unsigned *topic_touched;
	size_t ntopic_touched;
	unsigned char *pat_hits; /* by pattern group */
	unsigned *pat_touched;
	size_t npat_touched;
	bp_tag *out_t;
	bp_tag *cand_t; /* answer_credit > 0: the candidates (bp_tags.candidates) */
	size_t ncand;
	/* --explain: every pattern match of the block (hits) and the verdict
	 * on every topic a match touched (verdicts), kept only when explain */
	int explain;
	struct hit {
		unsigned group;
		size_t start, end;
		double factor; /* heading_weight in the heading, else 1 */
		int capped;    /* past repeat_cap: not counted */
	} *hits;
	size_t nhits, hits_cap;
	struct verdict {
		unsigned topic;
		double raw, need, score;
		int why; /* WHY_* */
	} *verdicts;
	size_t nverdicts;
	double scale, best;
};

enum { WHY_GIVEN, WHY_NO_POSITIVE, WHY_BELOW, WHY_RELATIVE, WHY_MAX_TOPICS };

/* ---- small helpers ---- */

typedef struct sbuf {
	char *s;
	size_t len, cap;
	int nomem;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n)
{
	if (b->nomem)
		return;
	if (bp_grow(&b->s, &b->cap, b->len + n + 1, 1, 16) != 0) {
		b->nomem = 1;
		return;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void sb_str(sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

static void sb_fmt(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_fmt(sbuf *b, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		sb_put(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static int is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* PCRE2 options of a pattern: Unicode mode for a pattern with a letter of
 * U+0370-U+07FF (Greek, Cyrillic, Armenian, Hebrew, Arabic: UTF-8 lead
 * bytes CD-DF), so that it matches caselessly and \\w, \\b know its letters;
 * invalid UTF-8 in a text then never matches. Other patterns are bytewise. */
#define UTF_OPTIONS (PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF)

static int is_utf_pattern(const char *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++)
		if ((unsigned char)p[i] >= 0xCD && (unsigned char)p[i] <= 0xDF &&
		    ((unsigned char)p[i + 1] & 0xC0) == 0x80)
			return 1;
	return 0;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static double square_root(double x)
{
	double g = x > 1 ? x : 1;
	for (int i = 0; i < 40; i++) {
		double ng = 0.5 * (g + x / g);
		if (ng == g)
			break;
		g = ng;
	}
	return g;
}


/* ---- the filter ---- */

/* Sets the topic filter bits for classes (c0, c1, c2, c3) of a key of n
 * bytes; -1 is "any", and c3 < 0 marks a key shorter than four bytes. */
static void filter_set(bp_topics *r, int c0, int c1, int c2, int c3, size_t n)
{
	for (int a = c0 < 0 ? 0 : c0; a <= (c0 < 0 ? BP_NCLS - 1 : c0); a++)
		for (int b = c1 < 0 ? 0 : c1; b <= (c1 < 0 ? BP_NCLS - 1 : c1); b++)
			for (int c = c2 < 0 ? 0 : c2; c <= (c2 < 0 ? BP_NCLS - 1 : c2); c++) {
				unsigned k = (unsigned)((a * BP_NCLS + b) * BP_NCLS + c);
				BP_SET(r->filter.tri, k);
				if (c3 < 0)
					BP_SET(r->filter.shortk, k);
				else {
					unsigned char *m = &r->filter.quadmin[BP_TOPIC_QUAD_HASH(k * BP_NCLS + (unsigned)c3)];
					if (n < *m)
						*m = (unsigned char)n;
				}
			}
}

/* Adds a topic key (folded prefix bytes; for an empty one its first[] set). */
static void filter_topic(bp_topics *r, const char *key, size_t n, const unsigned char *first)
{
	const unsigned char *k = (const unsigned char *)key;
	size_t run;

	if (n == 0) {
		unsigned char seen[BP_NCLS] = {0};
		for (int b = 0; b < 256; b++)
			if (BP_BIT(first, b))
				seen[r->w->cls[b]] = 1;
		for (int c = 0; c < BP_NCLS; c++)
			if (seen[c])
				filter_set(r, c, -1, -1, -1, 0);
		return;
	}
	/* the text's first run must be as long as the key's (which can only
	 * match at a word start when it starts with a word byte) */
	run = bp_words_run(r->w->wordbyte, k, n);
	filter_set(r, r->w->cls[k[0]], n > 1 ? r->w->cls[k[1]] : -1, n > 2 ? r->w->cls[k[2]] : -1,
		   n > 3 ? r->w->cls[k[3]] : -1, run < 1 ? 1 : run < 254 ? run : 254);
}

/* ---- topic rules ---- */

typedef struct topic_load {
	bp_topics *r;
	size_t topics_cap, patterns_cap;
	int in_section;
	double threshold; /* the default */
} topic_load;

static bp_status pattern_error(const char *path, unsigned long line, int code, bp_error *err)
{
	PCRE2_UCHAR msg[200];
	if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
		snprintf((char *)msg, sizeof(msg), "error %d", code);
	return bp_error_set(err, BP_ERR_DATA, path, line, "invalid pattern: %s", (char *)msg);
}

/* Rejects constructs that cannot live inside the combined pattern, and finds
 * whether the pattern has a top-level alternation. Returns NULL or a reason. */
static const char *pattern_scan(const char *p, size_t n, int *top_alt)
{
	int depth = 0;

	*top_alt = 0;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c == '\\') {
			char d = i + 1 < n ? p[i + 1] : '\0';
			if (d == 'Q') {
				const char *e = NULL;
				for (size_t k = i + 2; k + 1 < n; k++)
					if (p[k] == '\\' && p[k + 1] == 'E') {
						e = p + k;
						break;
					}
				if (!e)
					return "\\Q without \\E is not supported";
				i = (size_t)(e - p) + 1;
				continue;
			}
			if (d == 'K')
				return "\\K is not supported";
			if (d == 'g' || d == 'k' || (d >= '1' && d <= '9'))
				return "backreferences are not supported";
			i++;
		} else if (c == '[') {
			size_t k = i + 1;
			if (k < n && p[k] == '^')
				k++;
			if (k < n && p[k] == ']')
				k++;
			for (; k < n && p[k] != ']'; k++) {
				if (p[k] == '\\')
					k++;
				else if (p[k] == '[' && k + 1 < n && p[k + 1] == ':') {
					const char *e = strstr(p + k, ":]");
					if (e && (size_t)(e - p) < n)
						k = (size_t)(e - p) + 1;
				}
			}
			i = k;
		} else if (c == '(') {
			char d = i + 1 < n ? p[i + 1] : '\0';
			char e = i + 2 < n ? p[i + 2] : '\0';
			if (d == '*')
				return "backtracking verbs and (*...) options are not supported";
			if (d == '?') {
				if (e == '#') {
					const char *close = memchr(p + i, ')', n - i);
					if (!close)
						return NULL;
					i = (size_t)(close - p);
					continue;
				}
				if (e == 'P' || e == '\'' || (e == '<' && i + 3 < n && p[i + 3] != '=' &&
							      p[i + 3] != '!'))
					return "named groups are not supported; use (?:...)";
				if (e == 'R' || e == '&' || e == '+' || (e >= '0' && e <= '9') ||
				    (e == '-' && i + 3 < n && p[i + 3] >= '0' && p[i + 3] <= '9'))
					return "recursion is not supported";
				if (e == 'C')
					return "callouts are not supported";
				for (size_t k = i + 2; k < n && p[k] != ')' && p[k] != ':'; k++) {
					if (p[k] == 'x')
						return "extended mode (?x) is not supported";
					if (!((p[k] >= 'a' && p[k] <= 'z') || (p[k] >= 'A' && p[k] <= 'Z') ||
					      p[k] == '-' || p[k] == '^'))
						break;
				}
				{
					/* (?i) without ':' sets options and opens no group */
					size_t k = i + 2;
					while (k < n && ((p[k] >= 'a' && p[k] <= 'z') ||
							 (p[k] >= 'A' && p[k] <= 'Z') || p[k] == '-' ||
							 p[k] == '^'))
						k++;
					if (k > i + 2 && k < n && p[k] == ')') {
						i = k;
						continue;
					}
				}
			}
			depth++;
		} else if (c == ')') {
			depth--;
		} else if (c == '|' && depth == 0) {
			*top_alt = 1;
		}
	}
	return NULL;
}

/* Splits a pattern into its literal prefix (into out, at most
 * PREFIX_MAX bytes) and the rest; returns the pattern offset of the rest. */
static size_t pattern_prefix(const char *p, size_t n, char *out, size_t *outn)
{
	size_t i = 0, k = 0;

	*outn = 0;
	while (i < n && k < PREFIX_MAX) {
		unsigned char c = (unsigned char)p[i];
		size_t step = 1;
		unsigned char lit;
		char q;

		if (c == '\\') {
			if (i + 1 >= n)
				break;
			lit = (unsigned char)p[i + 1];
			if (is_alnum(lit) || lit >= 0x80)
				break;
			step = 2;
		} else if (strchr("^$.[|()?*+{#", c) || c < 0x20) {
			break;
		} else {
			lit = c;
		}
		q = i + step < n ? p[i + step] : '\0';
		if (q == '?' || q == '*' || q == '+' || q == '{')
			break; /* quantified: not fixed */
		out[k++] = (char)lit;
		i += step;
	}
	*outn = k;
	return i;
}

static bp_status topic_section(topic_load *t, const char *path, unsigned long line,
			       const char *s, size_t n, bp_error *err)
{
	bp_topics *r = t->r;
	const char *id;

	if (s[n - 1] != ']')
		return bp_error_set(err, BP_ERR_DATA, path, line, "missing ']' after section name");
	s++;
	n -= 2;
	bp_rulefile_trim(&s, &n);
	if (n == 0 || n > ID_MAX)
		return bp_error_set(err, BP_ERR_DATA, path, line, "invalid topic id '%.*s'",
				    (int)(n > 40 ? 40 : n), s);
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		      (i > 0 && (s[i] == '-' || s[i] == '_'))))
			return bp_error_set(err, BP_ERR_DATA, path, line,
					    "invalid topic id '%.*s' (use a-z, 0-9, - and _)",
					    (int)n, s);
	for (size_t i = 0; i < r->ntopics; i++)
		if (strlen(r->topics[i].id) == n && memcmp(r->topics[i].id, s, n) == 0)
			return bp_error_set(err, BP_ERR_DATA, path, line, "duplicate section [%.*s]",
					    (int)n, s);
	if (r->ntopics >= TOPICS_MAX)
		return bp_error_set(err, BP_ERR_LIMIT, path, line, "more than %d topics", TOPICS_MAX);
	if (bp_grow(&r->topics, &t->topics_cap, r->ntopics + 1, sizeof(topic), 16) != 0 ||
	    !(id = bp_arena_str(&r->arena, s, n)))
		return bp_error_set(err, BP_ERR_NOMEM, path, line, "out of memory");
	r->topics[r->ntopics].id = id;
	r->topics[r->ntopics].name = id;
	r->topics[r->ntopics].threshold = -1; /* the default, set at the end */
	r->topics[r->ntopics].npatterns = 0;
	r->ntopics++;
	t->in_section = 1;
	return BP_OK;
}

static bp_status topic_setting(topic_load *t, const char *path, unsigned long line,
			       const char *s, size_t n, bp_error *err)
{
	bp_topics *r = t->r;
	const char *eq = memchr(s, '=', n), *k = s, *v;
	size_t kn, vn;
	double d = 0;
	int num;

	if (!eq)
		return bp_error_set(err, BP_ERR_DATA, path, line,
				    "expected [topic], 'key = value' or 'WEIGHT PATTERN'");
	kn = (size_t)(eq - s);
	bp_rulefile_trim(&k, &kn);
	v = eq + 1;
	vn = (size_t)(s + n - v);
	bp_rulefile_trim(&v, &vn);
	num = bp_rulefile_number(v, vn, &d);
#define KEY(lit) (kn == sizeof(lit) - 1 && memcmp(k, lit, kn) == 0)
	if (KEY("name")) {
		if (!t->in_section)
			return bp_error_set(err, BP_ERR_DATA, path, line,
					    "setting 'name' outside a section");
		if (vn == 0 || vn > TOPIC_NAME_MAX || bp_rulefile_has_control(v, vn))
			return bp_error_set(err, BP_ERR_DATA, path, line,
					    "invalid name (1 to %d bytes)", TOPIC_NAME_MAX);
		if (!(r->topics[r->ntopics - 1].name = bp_arena_str(&r->arena, v, vn)))
			return bp_error_set(err, BP_ERR_NOMEM, path, line, "out of memory");
		return BP_OK;
	}
	if (KEY("threshold")) {
		if (!num || d <= 0 || d > WEIGHT_MAX)
			return bp_error_set(err, BP_ERR_DATA, path, line,
					    "invalid threshold '%.*s' (a number > 0)",
					    (int)(vn > 40 ? 40 : vn), v);
		if (t->in_section)
			r->topics[r->ntopics - 1].threshold = d;
		else
			t->threshold = d;
		return BP_OK;
	}
	if (KEY("heading_weight") || KEY("block_bytes") || KEY("min_bytes") ||
	    KEY("repeat_cap") || KEY("relative") || KEY("max_topics") || KEY("answer_credit")) {
		int whole = KEY("repeat_cap") || KEY("max_topics");
		if (t->in_section)
			return bp_error_set(err, BP_ERR_DATA, path, line,
					    "setting '%.*s' must come before the first section",
					    (int)kn, k);
		if (!num || d < 0 || d > 1e9 || (whole && (d != (double)(unsigned)d || d < 1)) ||
		    (KEY("repeat_cap") && d > 255) || (KEY("relative") && d > 1) ||
		    (KEY("answer_credit") && d >= 1) ||
		    (KEY("block_bytes") && d < 1))
			return bp_error_set(err, BP_ERR_DATA, path, line, "invalid value '%.*s'",
					    (int)(vn > 40 ? 40 : vn), v);
		if (KEY("heading_weight"))
			r->heading_weight = d;
		else if (KEY("block_bytes"))
			r->block_bytes = d;
		else if (KEY("min_bytes"))
			r->min_bytes = d;
		else if (KEY("relative"))
			r->relative = d;
		else if (KEY("max_topics"))
			r->max_topics = (unsigned)d;
		else if (KEY("answer_credit"))
			r->answer_credit = d;
		else
			r->repeat_cap = (unsigned)d;
		return BP_OK;
	}
#undef KEY
	return bp_error_set(err, BP_ERR_DATA, path, line, "unknown setting '%.*s'",
			    (int)(kn > 40 ? 40 : kn), k);
}

/* The bytes that can start a match of code (all when PCRE2 cannot tell). */
static void first_bytes(const pcre2_code *code, unsigned char first[32])
{
	uint32_t type = 0, unit = 0;
	const uint8_t *bitmap = NULL;

	pcre2_pattern_info(code, PCRE2_INFO_FIRSTCODETYPE, &type);
	if (type == 1 && pcre2_pattern_info(code, PCRE2_INFO_FIRSTCODEUNIT, &unit) == 0 &&
	    unit < 256) {
		memset(first, 0, 32);
		first[unit >> 3] |= (unsigned char)(1u << (unit & 7));
		if ((unit | 0x20) >= 'a' && (unit | 0x20) <= 'z') {
			unit ^= 0x20;
			first[unit >> 3] |= (unsigned char)(1u << (unit & 7));
		}
		return;
	}
	if (type == 0 && pcre2_pattern_info(code, PCRE2_INFO_FIRSTBITMAP, &bitmap) == 0 &&
	    bitmap) {
		memcpy(first, bitmap, 32);
		return;
	}
	memset(first, 0xff, 32);
}

/* Whether a pattern whose matches start with the bytes first[] can start at
 * any word: every ASCII letter and digit is in first[]. Such a pattern would
 * run PCRE2 at every word start of every block. */
static int starts_anywhere(const unsigned char first[32])
{
	for (unsigned b = '0'; b <= 'z'; b++)
		if (is_alnum((unsigned char)b) && !(first[b >> 3] & (1u << (b & 7))))
			return 0;
	return 1;
}

/* Compiles pattern p[0, pn) as the rules would to check it: a syntax error,
 * the empty match and capturing groups are errors. Fills first[] with the
 * bytes a match can start with, *minlen_out with PCRE2's shortest match and
 * *literal_out with whether a match needs a given first or last byte. */
static bp_status check_pattern(const char *path, unsigned long line, const char *p, size_t pn,
			       int utf, unsigned char first[32], uint32_t *minlen_out,
			       int *literal_out, bp_error *err)
{
	int errcode;
	PCRE2_SIZE erroff;
	uint32_t minlen = 0, caps = 0, type = 0;
	pcre2_code *code = pcre2_compile((PCRE2_SPTR)p, pn,
					 PCRE2_CASELESS | PCRE2_NO_AUTO_CAPTURE | (utf ? UTF_OPTIONS : 0),
					 &errcode, &erroff, NULL);

	if (!code)
		return pattern_error(path, line, errcode, err);
	pcre2_pattern_info(code, PCRE2_INFO_MINLENGTH, &minlen);
	pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &caps);
	first_bytes(code, first);
	if (utf) /* another case of a letter can have another lead byte */
		for (unsigned b = 0x80; b < 256; b++)
			if (BP_BIT(first, b)) {
				for (unsigned l = 0xC2; l <= 0xF4; l++)
					BP_SET(first, l);
				break;
			}
	*literal_out = pcre2_pattern_info(code, PCRE2_INFO_FIRSTCODETYPE, &type) == 0 && type == 1;
	if (pcre2_pattern_info(code, PCRE2_INFO_LASTCODETYPE, &type) == 0 && type == 1)
		*literal_out = 1;
	pcre2_code_free(code);
	if (minlen == 0)
		return bp_error_set(err, BP_ERR_DATA, path, line,
				    "invalid pattern: it can match the empty string");
	*minlen_out = minlen;
	if (caps)
		return bp_error_set(err, BP_ERR_DATA, path, line,
				    "invalid pattern: named groups are not supported; use (?:...)");
	return BP_OK;
}

static bp_status topic_pattern(topic_load *t, const char *path, unsigned long line,
			       const char *s, size_t n, bp_error *err)
{
	bp_topics *r = t->r;
	size_t wn = 0, pn, off, pfn;
	const char *p, *why;
	char pf[PREFIX_MAX];
	unsigned char first[32];
	uint32_t minlen = 0;
	int has_lit = 1;
	double w;
	int top_alt, cs, literal, utf;
	bp_status st;
	tpattern *tp;

	while (wn < n && !is_blank(s[wn]))
		wn++;
	if (!bp_rulefile_number(s, wn, &w) || w > WEIGHT_MAX || w < -WEIGHT_MAX)
		return bp_error_set(err, BP_ERR_DATA, path, line, "invalid weight '%.*s'",
				    (int)(wn > 40 ? 40 : wn), s);
	if (!t->in_section)
		return bp_error_set(err, BP_ERR_DATA, path, line, "pattern outside a section");
	p = s + wn;
	pn = n - wn;
	bp_rulefile_trim(&p, &pn);
	if (pn == 0)
		return bp_error_set(err, BP_ERR_DATA, path, line, "missing pattern after weight");
	if (pn > PATTERN_MAX)
		return bp_error_set(err, BP_ERR_DATA, path, line, "pattern longer than %d bytes",
				    PATTERN_MAX);
	/* A literal (the prefix scan takes all of it, or all but a final \b)
	 * compiles and cannot match the empty string; other patterns are
	 * compiled once here, to be checked and for the bytes they can start
	 * with. A leading (?-i) keeps the prefix in the (caseless) tree; the
	 * leaf then checks its case. */
	cs = pn > 5 && memcmp(p, "(?-i)", 5) == 0;
	off = cs ? 5 + pattern_prefix(p + 5, pn - 5, pf, &pfn) : pattern_prefix(p, pn, pf, &pfn);
	literal = pfn > 0 && (off == pn || (pn - off == 2 && memcmp(p + off, "\\b", 2) == 0));
	/* A Unicode-mode pattern has no prefix in the (bytewise) tree */
	if ((utf = is_utf_pattern(p, pn)))
		cs = literal = 0, off = pfn = 0;
	memset(first, 0, sizeof(first));
	if (literal && pfn < 2)
		return bp_error_set(err, BP_ERR_DATA, path, line,
				    "invalid pattern: a single character");
	if (!literal && (st = check_pattern(path, line, p, pn, utf, first, &minlen, &has_lit, err)) != BP_OK)
		return st;
	if ((why = pattern_scan(p, pn, &top_alt)))
		return bp_error_set(err, BP_ERR_DATA, path, line, "invalid pattern: %s", why);
	if (!literal && minlen < 2)
		return bp_error_set(err, BP_ERR_DATA, path, line,
				    "invalid pattern: it can match a single character");
	if (top_alt) { /* no prefix: a|b */
		cs = 0;
		off = pfn = 0;
	}
	if (pfn == 0 && !has_lit && starts_anywhere(first))
		return bp_error_set(err, BP_ERR_DATA, path, line,
				    "invalid pattern: only wildcards, it can match any word");
	for (size_t k = r->npatterns; k-- > 0 && r->patterns[k].topic == r->ntopics - 1;)
		if (r->patterns[k].text_len == pn && memcmp(r->patterns[k].text, p, pn) == 0)
			return bp_error_set(err, BP_ERR_DATA, path, line,
					    "duplicate pattern in [%s] (first on line %lu)",
					    r->topics[r->ntopics - 1].id, r->patterns[k].line);
	if (r->npatterns >= PATTERNS_MAX)
		return bp_error_set(err, BP_ERR_LIMIT, path, line, "more than %d patterns",
				    PATTERNS_MAX);
	if (bp_grow(&r->patterns, &t->patterns_cap, r->npatterns + 1, sizeof(tpattern), 16) != 0)
		return bp_error_set(err, BP_ERR_NOMEM, path, line, "out of memory");
	tp = &r->patterns[r->npatterns];
	memcpy(tp->first, first, sizeof(first));
	tp->topic = (unsigned)(r->ntopics - 1);
	tp->weight = w;
	tp->line = line;
	tp->text = bp_arena_str(&r->arena, p, pn);
	tp->text_len = pn;
	tp->raw = bp_arena_str(&r->arena, pf, pfn);
	for (size_t k = 0; k < pfn; k++)
		pf[k] = (char)bp_ascii_lower((unsigned char)pf[k]);
	tp->prefix = bp_arena_str(&r->arena, pf, pfn);
	tp->prefix_len = pfn;
	tp->plain = !literal ? 0 : off == pn ? PLAIN_LIT : PLAIN_LIT_B;
	tp->utf = utf;
	if (cs && pfn) {
		sbuf b = {0};
		if (tp->plain)
			tp->plain += PLAIN_CS - PLAIN_LIT;
		sb_str(&b, "(?-i:(?<=");
		sb_put(&b, p + 5, off - 5);
		sb_str(&b, "))(?-i:");
		sb_put(&b, p + off, pn - off);
		sb_str(&b, "\\E)");
		tp->rest = b.nomem ? NULL : bp_arena_str(&r->arena, b.s, b.len);
		tp->rest_len = b.len;
		free(b.s);
	} else {
		tp->rest = bp_arena_str(&r->arena, p + off, pn - off);
		tp->rest_len = pn - off;
	}
	if (!tp->prefix || !tp->rest || !tp->raw || !tp->text)
		return bp_error_set(err, BP_ERR_NOMEM, path, line, "out of memory");
	r->npatterns++;
	r->topics[r->ntopics - 1].npatterns++;
	return BP_OK;
}

static bp_status topics_file(topic_load *t, const bp_blob *b, bp_error *err)
{
	size_t pos = 0;
	unsigned long lineno = 0;
	const char *s, *path = t->r->src;
	size_t n;
	int rc;
	bp_status st;

	while ((rc = bp_rulefile_next_line(b, &pos, &lineno, &s, &n, err)) > 0) {
		if (s[0] == '[')
			st = topic_section(t, path, lineno, s, n, err);
		else if ((s[0] >= '0' && s[0] <= '9') || s[0] == '-' || s[0] == '+' || s[0] == '.')
			st = topic_pattern(t, path, lineno, s, n, err);
		else
			st = topic_setting(t, path, lineno, s, n, err);
		if (st != BP_OK)
			return st;
	}
	return rc < 0 ? (err ? err->code : BP_ERR_DATA) : BP_OK;
}

/* ---- the tree and its patterns ---- */

static void emit_leaf(sbuf *b, const bp_tkey *k)
{
	if (k->rest && k->rest_len) {
		sb_str(b, "(?:");
		sb_put(b, k->rest, k->rest_len);
		sb_str(b, "\\E)");
	}
	sb_fmt(b, "(*:%u)", k->mark);
}

/* Compiles the patterns of keys[lo, hi), which share their prefix, into a
 * new rx, *index: "(?:rest(*:mark)|...)", alternatives in mark order. */
static bp_status compile_rx(bp_topics *r, const bp_tkey *keys, size_t lo, size_t hi, int utf,
			    size_t *cap, short *index, bp_error *err)
{
	sbuf b = {0};
	PCRE2_SIZE erroff;
	PCRE2_UCHAR msg[200];
	int errcode = 0;
	unsigned long line = 0;
	rx x;

	sb_str(&b, "(?:");
	for (size_t k = lo; k < hi; k++) {
		if (k > lo)
			sb_str(&b, "|");
		emit_leaf(&b, &keys[k]);
	}
	sb_str(&b, ")");
	if (b.nomem) {
		free(b.s);
		return bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
	}
	x.code = pcre2_compile((PCRE2_SPTR)b.s, b.len,
			       PCRE2_CASELESS | PCRE2_NO_AUTO_CAPTURE | PCRE2_ANCHORED |
				       (utf ? UTF_OPTIONS : 0),
			       &errcode, &erroff, NULL);
	free(b.s);
	if (x.code) {
		unsigned *marks = bp_arena_alloc(&r->arena, (hi - lo) * sizeof(unsigned));
		x.jit = 0; /* rx_jit */
		if (!marks || r->nrx >= INT16_MAX ||
		    bp_grow(&r->rxs, cap, r->nrx + 1, sizeof(rx), 16) != 0) {
			pcre2_code_free(x.code);
			return bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
		}
		for (size_t k = lo; k < hi; k++)
			marks[k - lo] = keys[k].mark;
		x.marks = marks;
		x.nmarks = hi - lo;
		*index = (short)r->nrx;
		r->rxs[r->nrx++] = x;
		return BP_OK;
	}
	if (errcode == PCRE2_ERROR_NOMEMORY)
		return bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
	pcre2_get_error_message(errcode, msg, sizeof(msg));
	if (hi - lo == 1)
		line = r->patterns[r->members[r->group_start[keys[lo].mark]]].line;
	return bp_error_set(err, BP_ERR_DATA, r->src, line, "cannot compile the rules: %s",
			    (char *)msg);
}

typedef struct pref { /* a pattern, while grouping */
	const tpattern *p;
	unsigned i;
} pref;

static int same_text(const tpattern *a, const tpattern *b)
{
	return !bp_bytes_cmp(a->prefix, a->prefix_len, b->prefix, b->prefix_len) &&
	       !bp_bytes_cmp(a->rest, a->rest_len, b->rest, b->rest_len);
}

static int cmp_pref_text(const void *pa, const void *pb)
{
	const pref *a = pa, *b = pb;
	int c = bp_bytes_cmp(a->p->prefix, a->p->prefix_len, b->p->prefix, b->p->prefix_len);
	if (!c)
		c = bp_bytes_cmp(a->p->rest, a->p->rest_len, b->p->rest, b->p->rest_len);
	return c ? c : (a->i > b->i) - (a->i < b->i);
}

typedef struct run { /* a run of identical patterns in the sorted prefs */
	unsigned first;   /* its first pattern in file order */
	size_t at;
} run;

static int cmp_run(const void *pa, const void *pb)
{
	const run *a = pa, *b = pb;
	return (a->first > b->first) - (a->first < b->first);
}

/* Groups the patterns with identical text (one match feeds every topic that
 * lists it); groups are numbered in file order of their first pattern. */
static bp_status group_patterns(bp_topics *r, bp_error *err)
{
	size_t n = r->npatterns, g = 0, m = 0;
	pref *v;
	run *runs;

	if (n == 0)
		return BP_OK;
	v = malloc(n * sizeof(pref));
	runs = malloc(n * sizeof(run));
	r->members = malloc(n * sizeof(unsigned));
	r->group_start = malloc((n + 1) * sizeof(size_t));
	if (!v || !runs || !r->members || !r->group_start) {
		free(v);
		free(runs);
		return bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		v[i].p = &r->patterns[i];
		v[i].i = (unsigned)i;
	}
	qsort(v, n, sizeof(pref), cmp_pref_text);
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && same_text(v[i].p, v[j].p); j++)
			;
		runs[g].first = v[i].i;
		runs[g].at = i;
		g++;
	}
	qsort(runs, g, sizeof(run), cmp_run);
	r->ngroups = g;
	for (size_t k = 0; k < g; k++) {
		size_t a = runs[k].at;
		r->group_start[k] = m;
		for (size_t q = a; q < n && same_text(v[a].p, v[q].p); q++)
			r->members[m++] = v[q].i;
	}
	r->group_start[g] = m;
	free(v);
	free(runs);
	return BP_OK;
}

/* The filter, the tree of the pattern groups' prefixes, and their rxs: one
 * for the keys with an empty prefix (sorted first), and one for each tree
 * node whose keys are not one plain literal. */
static bp_status topics_build(bp_topics *r, bp_error *err)
{
	size_t nkeys = r->ngroups, cap = 0, i = 0;
	bp_tkey *keys;
	bp_status st;

	if (nkeys == 0)
		return BP_OK;
	keys = calloc(nkeys, sizeof(bp_tkey));
	if (!keys)
		return bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
	for (i = 0; i < nkeys; i++) {
		const tpattern *tp = &r->patterns[r->members[r->group_start[i]]];
		keys[i].mark = (unsigned)i;
		keys[i].s = tp->prefix;
		keys[i].n = tp->prefix_len;
		keys[i].rest = tp->rest;
		keys[i].rest_len = tp->rest_len;
		keys[i].plain = tp->plain;
		filter_topic(r, keys[i].s, keys[i].n, tp->first);
	}
	qsort(keys, nkeys, sizeof(bp_tkey), bp_tkey_cmp);
	st = bp_trie_build(&r->trie, keys, nkeys, err);
	if (st == BP_OK) {
		r->node_rx = calloc(r->trie.nnodes, sizeof(*r->node_rx));
		if (!r->node_rx)
			st = bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
	}
	for (i = 0; i < nkeys && st == BP_OK;) {
		size_t j = i + 1;
		short idx = -1;
		while (j < nkeys && !bp_bytes_cmp(keys[j].s, keys[j].n, keys[i].s, keys[i].n))
			j++;
		if (keys[i].n == 0) {
			/* bytewise ones first (the sort is stable in mark order),
			 * then the Unicode-mode ones, each group in mark order */
			size_t m = i;
			for (int utf = 0; utf < 2 && st == BP_OK; utf++) {
				size_t from = m;
				for (size_t k = m; k < j; k++) {
					const tpattern *tp =
						&r->patterns[r->members[r->group_start[keys[k].mark]]];
					if (tp->utf != utf)
						continue;
					bp_tkey tk = keys[k];
					memmove(&keys[m + 1], &keys[m], (k - m) * sizeof(bp_tkey));
					keys[m++] = tk;
					for (int b = 0; b < 32; b++)
						(utf ? r->utf_first : r->empty_first)[b] |= tp->first[b];
				}
				if (m == from)
					continue;
				idx = -1;
				st = compile_rx(r, keys, from, m, utf, &cap, &idx, err);
				if (utf)
					r->utf_rx = idx;
				else
					r->empty_rx = idx;
			}
		} else if (j - i > 1 || !keys[i].plain) {
			st = compile_rx(r, keys, i, j, 0, &cap, &idx, err);
			r->node_rx[keys[i].node] = (uint16_t)(idx + 1);
		}
		i = j;
	}
	free(keys);
	return st;
}

/* ---- loading ---- */

void bp_topics_free(bp_topics *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nrx; i++)
		pcre2_code_free(r->rxs[i].code);
	free(r->rxs);
	if (r->lazy) {
		pthread_mutex_destroy(&r->lazy->mu);
		free(r->lazy->ready);
		free(r->lazy);
	}
	free(r->node_rx);
	bp_trie_release(&r->trie);
	free(r->topics);
	free(r->patterns);
	free(r->members);
	free(r->group_start);
	bp_arena_free(&r->arena);
	free(r);
}

static bp_status topics_load_all(bp_topics *r, const char *dir, bp_error *err)
{
	bp_blob blob;
	topic_load t = {0};
	bp_status st;

	t.r = r;
	t.threshold = 2.0;
	st = bp_blob_load(dir, "topics.rules", &blob, err);
	if (st != BP_OK)
		return st;
	if (!(r->src = bp_arena_str(&r->arena, blob.path, strlen(blob.path))))
		st = bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
	else
		st = topics_file(&t, &blob, err);
	bp_blob_release(&blob);
	if (st != BP_OK)
		return st;
	for (size_t i = 0; i < r->ntopics; i++)
		if (r->topics[i].threshold < 0)
			r->topics[i].threshold = t.threshold;
	st = group_patterns(r, err);
	if (st == BP_OK)
		st = topics_build(r, err);
	if (st == BP_OK) {
		r->lazy = calloc(1, sizeof(*r->lazy));
		if (!r->lazy || !(r->lazy->ready = calloc(r->nrx + 1, sizeof(*r->lazy->ready))))
			st = bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
		else if (pthread_mutex_init(&r->lazy->mu, NULL) != 0) {
			free(r->lazy->ready);
			free(r->lazy);
			r->lazy = NULL;
			st = bp_error_set(err, BP_ERR_NOMEM, "", 0, "cannot create a lock");
		}
	}
	return st;
}

bp_status bp_topics_load(const bp_words *words, const char *dir, bp_topics **out, bp_error *err)
{
	bp_topics *r = calloc(1, sizeof(*r));
	bp_status st;

	*out = NULL;
	if (!r)
		return bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
	r->w = words;
	memset(r->filter.quadmin, 0xFF, sizeof(r->filter.quadmin));
	r->empty_rx = -1;
	r->utf_rx = -1;
	r->heading_weight = 2.0;
	r->block_bytes = 1000.0;
	r->min_bytes = 0;
	r->relative = 0;
	r->repeat_cap = 3;
	r->max_topics = 1000;
	st = topics_load_all(r, dir, err);
	if (st != BP_OK) {
		bp_topics_free(r);
		return st;
	}
	*out = r;
	return BP_OK;
}

int bp_topics_nonempty(const bp_topics *r)
{
	return bp_trie_nonempty(&r->trie) || r->empty_rx >= 0 || r->utf_rx >= 0;
}

const bp_topic_filter *bp_topics_filter(const bp_topics *r)
{
	return &r->filter;
}

size_t bp_topics_count(const bp_topics *r)
{
	return r ? r->ntopics : 0;
}

void bp_topics_info(const bp_topics *r, size_t i, bp_rule_info *e)
{
	memset(e, 0, sizeof(*e));
	if (!r || i >= r->ntopics)
		return;
	e->kind = "topic";
	e->id = r->topics[i].id;
	e->name = r->topics[i].name;
	e->detail = r->topics[i].npatterns;
	e->source = r->src;
}

/* ---- matching ---- */

bp_topic_run *bp_topic_run_new(const bp_topics *tp)
{
	bp_topic_run *c = calloc(1, sizeof(*c));
	size_t nt = tp->ntopics, np = tp->npatterns;

	if (!c)
		return NULL;
	c->tp = tp;
	c->md = pcre2_match_data_create(1, NULL);
	c->mctx = pcre2_match_context_create(NULL);
	c->jstack = pcre2_jit_stack_create(32 * 1024, JIT_STACK_MAX, NULL);
	c->topic_tags = calloc(nt + 1, sizeof(bp_tag));
	c->topic_raw = calloc(nt + 1, sizeof(double));
	c->topic_touched = calloc(nt + 1, sizeof(unsigned));
	c->pat_hits = calloc(np + 1, 1);
	c->pat_touched = calloc(np + 1, sizeof(unsigned));
	c->out_t = calloc(nt + 1, sizeof(bp_tag));
	c->cand_t = calloc(nt + 1, sizeof(bp_tag));
	c->solo = calloc(tp->ngroups + 1, sizeof(pcre2_code *));
	c->group_off = calloc(tp->ngroups + 1, 1);
	c->off_list = calloc(tp->ngroups + 1, sizeof(unsigned));
	c->rx_split = calloc(tp->nrx + 1, 1);
	c->split_list = calloc(tp->nrx + 1, sizeof(unsigned));
	c->verdicts = calloc(nt + 1, sizeof(*c->verdicts));
	if (!c->md || !c->mctx || !c->jstack || !c->topic_tags || !c->topic_raw ||
	    !c->topic_touched || !c->pat_hits || !c->pat_touched || !c->out_t || !c->cand_t || !c->solo ||
	    !c->group_off || !c->off_list || !c->rx_split || !c->split_list || !c->verdicts) {
		bp_topic_run_free(c);
		return NULL;
	}
	pcre2_jit_stack_assign(c->mctx, NULL, c->jstack);
	pcre2_set_match_limit(c->mctx, MATCH_LIMIT);
	pcre2_set_depth_limit(c->mctx, DEPTH_LIMIT);
	pcre2_set_heap_limit(c->mctx, HEAP_LIMIT_KIB);
	return c;
}

void bp_topic_run_free(bp_topic_run *c)
{
	if (!c)
		return;
	pcre2_match_data_free(c->md);
	pcre2_match_context_free(c->mctx);
	pcre2_jit_stack_free(c->jstack);
	if (c->solo)
		for (size_t g = 0; g < c->tp->ngroups; g++)
			pcre2_code_free(c->solo[g]);
	free(c->solo);
	free(c->group_off);
	free(c->off_list);
	free(c->rx_split);
	free(c->split_list);
	free(c->topic_tags);
	free(c->topic_raw);
	free(c->topic_touched);
	free(c->pat_hits);
	free(c->pat_touched);
	free(c->out_t);
	free(c->cand_t);
	free(c->hits);
	free(c->verdicts);
	free(c);
}


static unsigned parse_mark(PCRE2_SPTR m)
{
	unsigned v = 0;
	if (!m)
		return UINT_MAX;
	for (; *m >= '0' && *m <= '9'; m++)
		v = v * 10 + (unsigned)(*m - '0');
	return v;
}

enum { MATCH_LIMITED = -2 };

/* Matches code (JIT when jit) anchored at pos: 1 with the match end, 0 for
 * none, MATCH_LIMITED when it reached a limit (*rc_out the PCRE2 code), -1
 * on another match error (err filled). */
static int match_code(bp_topic_run *c, const pcre2_code *code, int jit, const char *text,
		      size_t len, size_t pos, uint32_t options, size_t *e, int *rc_out,
		      bp_error *err)
{
	int rc;

	if (jit)
		rc = pcre2_jit_match(code, (PCRE2_SPTR)text, len, pos, options, c->md, c->mctx);
	else
		rc = pcre2_match(code, (PCRE2_SPTR)text, len, pos, options, c->md, c->mctx);
	*rc_out = rc;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	    rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT)
		return MATCH_LIMITED;
	if (rc < 0) {
		PCRE2_UCHAR msg[200];
		pcre2_get_error_message(rc, msg, sizeof(msg));
		bp_error_set(err, rc == PCRE2_ERROR_NOMEMORY ? BP_ERR_NOMEM : BP_ERR_LIMIT, "", 0,
			     "matching the rules failed: %s", (char *)msg);
		return -1;
	}
	*e = pcre2_get_ovector_pointer(c->md)[1];
	return 1;
}

/* Turns group g off for the rest of the block; the first one in a block
 * gives the message that names its rule. */
static void group_limited(bp_topic_run *c, unsigned g, int rc)
{
	const bp_topics *r = c->tp;
	const tpattern *p = &r->patterns[r->members[r->group_start[g]]];
	size_t others = r->group_start[g + 1] - r->group_start[g] - 1;
	PCRE2_UCHAR msg[120];

	c->group_off[g] = 1;
	c->off_list[c->noff++] = g;
	if (c->noff > 1)
		return;
	if (pcre2_get_error_message(rc, msg, sizeof(msg)) < 0)
		snprintf((char *)msg, sizeof(msg), "error %d", rc);
	snprintf(c->limited, sizeof(c->limited), "%s:%lu: [%s] pattern '%.*s%s'%s: %s; skipped in this block",
		 r->src, p->line, r->topics[p->topic].id, (int)(p->text_len > 40 ? 40 : p->text_len),
		 p->text, p->text_len > 40 ? "..." : "", others ? " (and its copies)" : "", (char *)msg);
}

/* Group g's pattern alone, as it stands in its rx: compiled when first
 * needed, kept for the run. NULL when out of memory. */
static const pcre2_code *solo_code(bp_topic_run *c, unsigned g)
{
	const bp_topics *r = c->tp;
	const tpattern *p = &r->patterns[r->members[r->group_start[g]]];
	bp_tkey k;
	sbuf b = {0};
	int errcode;
	PCRE2_SIZE erroff;

	if (c->solo[g])
		return c->solo[g];
	memset(&k, 0, sizeof(k));
	k.rest = p->rest;
	k.rest_len = p->rest_len;
	k.mark = g;
	emit_leaf(&b, &k);
	if (!b.nomem) {
		c->solo[g] = pcre2_compile((PCRE2_SPTR)b.s, b.len,
					   PCRE2_CASELESS | PCRE2_NO_AUTO_CAPTURE | PCRE2_ANCHORED |
						   (p->utf ? UTF_OPTIONS : 0),
					   &errcode, &erroff, NULL);
		if (c->solo[g])
			pcre2_jit_compile(c->solo[g], PCRE2_JIT_COMPLETE);
	}
	free(b.s);
	return c->solo[g];
}

/* Rx xi, JIT-compiled on its first use (see jit_state). */
static const rx *rx_jit(const bp_topics *r, unsigned xi)
{
	jit_state *j = r->lazy;
	rx *x = &r->rxs[xi];

	if (!atomic_load_explicit(&j->ready[xi], memory_order_acquire)) {
		pthread_mutex_lock(&j->mu);
		if (!atomic_load_explicit(&j->ready[xi], memory_order_relaxed)) {
			x->jit = pcre2_jit_compile(x->code, PCRE2_JIT_COMPLETE) == 0;
			atomic_store_explicit(&j->ready[xi], 1, memory_order_release);
		}
		pthread_mutex_unlock(&j->mu);
	}
	return x;
}

/* Matches rx xi anchored at pos: 1 with the match end and its mark, 0 for
 * none, -1 on a match error (err filled). When the rx reaches a PCRE2 limit,
 * its groups are tried one by one, in the rx's order (the same first match
 * as the alternation), those that reach a limit are turned off, and the rx
 * stays split so until the block ends. */
static int try_rx(bp_topic_run *c, unsigned xi, const char *text, size_t len, size_t pos,
		  uint32_t options, size_t *e, unsigned *mark, bp_error *err)
{
	const rx *x = rx_jit(c->tp, xi);
	int rc, prc;

	if (!c->rx_split[xi]) {
		rc = match_code(c, x->code, x->jit, text, len, pos, options, e, &prc, err);
		if (rc == 1)
			*mark = parse_mark(pcre2_get_mark(c->md));
		if (rc != MATCH_LIMITED)
			return rc;
		c->rx_split[xi] = 1;
		c->split_list[c->nsplit++] = xi;
	}
	for (size_t k = 0; k < x->nmarks; k++) {
		unsigned g = x->marks[k];
		const pcre2_code *code;
		if (c->group_off[g])
			continue;
		if (!(code = solo_code(c, g))) {
			bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
			return -1;
		}
		rc = match_code(c, code, 1, text, len, pos, options, e, &prc, err);
		if (rc == MATCH_LIMITED) {
			group_limited(c, g, prc);
			continue;
		}
		if (rc == 1)
			*mark = g;
		if (rc)
			return rc;
	}
	return 0;
}

static void add_evidence(bp_tag *t, size_t s, size_t e)
{
	if (t->nevidence < BP_EVIDENCE_MAX) {
		t->evidence[t->nevidence].start = s;
		t->evidence[t->nevidence].end = e;
		t->nevidence++;
	}
}

static void on_pattern(bp_topic_run *c, unsigned mark, size_t s, size_t e, size_t heading_len)
{
	const bp_topics *r = c->tp;
	double factor = s < heading_len ? r->heading_weight : 1.0;

	if (mark >= r->ngroups)
		return;
	if (c->explain && bp_grow(&c->hits, &c->hits_cap, c->nhits + 1, sizeof(*c->hits), 64) == 0)
		c->hits[c->nhits++] = (struct hit){mark, s, e, factor, c->pat_hits[mark] >= r->repeat_cap};
	if (c->pat_hits[mark] >= r->repeat_cap)
		return;
	if (c->pat_hits[mark]++ == 0)
		c->pat_touched[c->npat_touched++] = mark;
	for (size_t m = r->group_start[mark]; m < r->group_start[mark + 1]; m++) {
		const tpattern *p = &r->patterns[r->members[m]];
		unsigned ti = p->topic;
		bp_tag *t = &c->topic_tags[ti];
		if (!t->id) {
			c->topic_touched[c->ntopic_touched++] = ti;
			t->id = r->topics[ti].id;
			t->name = r->topics[ti].name;
			t->count = 0;
			t->nevidence = 0;
			c->topic_raw[ti] = 0;
		}
		c->topic_raw[ti] += p->weight * factor;
		if (p->weight > 0) {
			t->count++;
			add_evidence(t, s, e);
		}
	}
}

/* PCRE2's \\w without UCP. */
static int is_w(unsigned char b)
{
	return is_alnum(b) || b == '_';
}



/* Whether the plain pattern of key node nd, whose literal prefix the tree
 * found at t[i, end), matches there (see PLAIN_*). */
static int plain_match(const bp_topics *r, const bp_tnode *nd, const unsigned char *t, size_t len,
		       size_t i, size_t end)
{
	unsigned pl = nd->plain;

	if (pl == PLAIN_CS || pl == PLAIN_CS_B) {
		const tpattern *tp = &r->patterns[r->members[r->group_start[nd->key]]];
		if (memcmp(t + i, tp->raw, end - i) != 0)
			return 0;
	}
	if (pl == PLAIN_LIT_B || pl == PLAIN_CS_B)
		return is_w(t[end - 1]) && (end == len || !is_w(t[end]));
	return 1;
}

/* The topic pattern matching at word start i: 1 with *e and *key set, 0 for
 * none, -1 on a match error. The tree finds the literal prefixes at i; from
 * the longest, a node's plain literal is checked here and other patterns
 * by the node's rx; then the patterns without a prefix. The first match
 * wins, as in one alternation ordered by prefix length, then file order. */
static int topic_walk(bp_topic_run *c, const char *text, size_t len, size_t i, size_t *e,
		      unsigned *key, bp_error *err)
{
	const bp_topics *r = c->tp;
	const unsigned char *t = (const unsigned char *)text;
	const bp_trie *tr = &r->trie;
	const unsigned char *lower = r->w->lower;
	uint32_t n = tr->root[lower[t[i]]], found[PREFIX_MAX + 1];
	size_t ends[PREFIX_MAX + 1], nfound = 0, j = i + 1;

	if (!n && r->empty_rx < 0 && r->utf_rx < 0)
		return 0;
	while (n) {
		const bp_tnode *nd = &tr->nodes[n];
		if (bp_trie_spell(tr, nd, 1, t, len, j) < nd->nlabel)
			break;
		j += nd->nlabel;
		if (nd->key >= 0) { /* keys on one path differ in length */
			found[nfound] = n;
			ends[nfound++] = j;
		}
		if (j == len)
			break;
		n = bp_trie_child(tr, nd, lower[t[j++]]);
	}
	while (nfound--) {
		const bp_tnode *nd = &tr->nodes[found[nfound]];
		unsigned x = r->node_rx[found[nfound]];
		int rc;
		if (!x) {
			if (plain_match(r, nd, t, len, i, ends[nfound])) {
				*e = ends[nfound];
				*key = (unsigned)nd->key;
				return 1;
			}
			continue;
		}
		rc = try_rx(c, x - 1, text, len, ends[nfound], 0, e, key, err);
		if (rc)
			return rc;
	}
	if (r->empty_rx >= 0 && BP_BIT(r->empty_first, t[i])) {
		/* NOTEMPTY_ATSTART: a pattern that can only match "" (say (?=x)) never does */
		int rc = try_rx(c, (unsigned)r->empty_rx, text, len, i, PCRE2_NOTEMPTY_ATSTART, e,
				key, err);
		if (rc)
			return rc;
	}
	if (r->utf_rx >= 0 && BP_BIT(r->utf_first, t[i]))
		return try_rx(c, (unsigned)r->utf_rx, text, len, i, PCRE2_NOTEMPTY_ATSTART, e, key,
			      err);
	return 0;
}

static int cmp_score(const void *pa, const void *pb)
{
	const bp_tag *a = pa, *b = pb;
	if (a->score != b->score)
		return a->score < b->score ? 1 : -1;
	return strcmp(a->id, b->id);
}

int bp_topic_run_at(bp_topic_run *c, const char *text, size_t len, size_t i, size_t heading_len,
		    bp_error *err)
{
	size_t e;
	unsigned key;
	int rc = topic_walk(c, text, len, i, &e, &key, err);

	if (rc > 0)
		on_pattern(c, key, i, e, heading_len);
	return rc < 0 ? -1 : 0;
}

/* The verdict on topic ti of the block, for explanations. */
static void note_verdict(bp_topic_run *c, unsigned ti, double raw, double need, int why)
{
	struct verdict *v = &c->verdicts[c->nverdicts++];
	v->topic = ti;
	v->raw = raw;
	v->need = need;
	v->score = raw >= need && need > 0 ? raw / (raw + need) : 0;
	v->why = why;
}

/* Marks the verdict on the topic of tag t (given until now) with why. */
static void note_dropped(bp_topic_run *c, const bp_tag *t, int why)
{
	for (size_t i = 0; i < c->nverdicts; i++)
		if (c->tp->topics[c->verdicts[i].topic].id == t->id && c->verdicts[i].why == WHY_GIVEN)
			c->verdicts[i].why = why;
}

void bp_topic_run_collect(bp_topic_run *c, size_t len, bp_tags *out)
{
	const bp_topics *r = c->tp;
	size_t nt = 0, keep = 0;
	double scale = ((double)len > r->min_bytes ? (double)len : r->min_bytes) / r->block_bytes;
	double best = 0;

	scale = scale > 1e-6 ? square_root(scale) : 1e-3;
	c->nverdicts = 0;
	c->ncand = 0;
	for (size_t i = 0; i < c->ntopic_touched; i++) {
		unsigned ti = c->topic_touched[i];
		bp_tag *t = &c->topic_tags[ti];
		double raw = c->topic_raw[ti], need = r->topics[ti].threshold * scale;
		if (r->answer_credit > 0 && t->count > 0 && raw > 0 &&
		    raw >= need * (1 - r->answer_credit)) {
			c->cand_t[c->ncand] = *t;
			c->cand_t[c->ncand++].score = raw / (raw + need);
		}
		if (raw >= need && t->count > 0) {
			t->score = raw / (raw + need);
			if (raw / need > best)
				best = raw / need;
			c->out_t[nt++] = *t;
		}
		if (c->explain)
			note_verdict(c, ti, raw, need,
				     t->count == 0 ? WHY_NO_POSITIVE : raw < need ? WHY_BELOW : WHY_GIVEN);
		t->id = NULL;
	}
	/* relative: drop topics far weaker than the block's strongest one */
	for (size_t i = 0; i < nt; i++) {
		double ratio = c->out_t[i].score / (1 - c->out_t[i].score);
		if (ratio >= r->relative * best)
			c->out_t[keep++] = c->out_t[i];
		else if (c->explain)
			note_dropped(c, &c->out_t[i], WHY_RELATIVE);
	}
	nt = keep;
	for (size_t i = 0; i < c->npat_touched; i++)
		c->pat_hits[c->pat_touched[i]] = 0;
	c->ntopic_touched = c->npat_touched = 0;
	out->nlimited = (unsigned)c->noff;
	out->limited = c->noff ? c->limited : NULL;
	for (size_t i = 0; i < c->noff; i++)
		c->group_off[c->off_list[i]] = 0;
	for (size_t i = 0; i < c->nsplit; i++)
		c->rx_split[c->split_list[i]] = 0;
	c->noff = c->nsplit = 0;
	if (nt > 1)
		qsort(c->out_t, nt, sizeof(bp_tag), cmp_score);
	if (nt > r->max_topics) {
		for (size_t i = r->max_topics; c->explain && i < nt; i++)
			note_dropped(c, &c->out_t[i], WHY_MAX_TOPICS);
		nt = r->max_topics;
	}
	c->scale = scale;
	c->best = best;
	out->topics = c->out_t;
	out->ntopics = nt;
	out->candidates = c->ncand ? c->cand_t : NULL;
	out->ncandidates = c->ncand;
}

double bp_topics_answer_credit(const bp_topics *r)
{
	return r->answer_credit;
}

static int in_tags(const bp_tag *v, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].id, id) == 0)
			return 1;
	return 0;
}

size_t bp_topics_pair(const bp_topics *r, const bp_tag *cand, size_t ncand, const bp_tag *q,
		      size_t nq, bp_tag *out, char **explain)
{
	size_t n = 0, keep = 0;
	double best = 0;

	for (size_t i = 0; i < ncand; i++) {
		double ratio = cand[i].score / (1 - cand[i].score);
		if (in_tags(q, nq, cand[i].id))
			ratio += r->answer_credit;
		if (ratio >= 1) {
			out[n] = cand[i];
			out[n++].score = ratio / (1 + ratio);
			if (ratio > best)
				best = ratio;
		}
	}
	for (size_t i = 0; i < n; i++) {
		double ratio = out[i].score / (1 - out[i].score);
		if (ratio >= r->relative * best)
			out[keep++] = out[i];
	}
	n = keep;
	if (n > 1)
		qsort(out, n, sizeof(bp_tag), cmp_score);
	if (n > r->max_topics)
		n = r->max_topics;
	if (explain) {
		sbuf b = {0};
		sb_str(&b, "  after a question given");
		for (size_t i = 0; i < nq; i++) {
			sb_str(&b, i ? ", " : " ");
			sb_str(&b, q[i].id);
		}
		sb_fmt(&b, "%s: answer_credit %g for its topics\n", nq ? "" : " no topic",
		       r->answer_credit);
		for (size_t i = 0; i < ncand; i++) {
			double ratio = cand[i].score / (1 - cand[i].score), eff = ratio;
			int inq = in_tags(q, nq, cand[i].id), given = in_tags(out, n, cand[i].id);
			if (!inq && !given)
				continue;
			sb_str(&b, "  answer topic ");
			sb_str(&b, cand[i].id);
			sb_fmt(&b, ": ratio %.3f", ratio);
			if (inq) {
				eff += r->answer_credit;
				sb_fmt(&b, " + answer_credit %g (the question's topic) = %.3f", r->answer_credit, eff);
			}
			sb_str(&b, given ? ": given" : eff < 1 ? ": not given: below the threshold"
				   : eff < r->relative * best ? ": not given: ratio under relative x the strongest topic's"
							    : ": not given: beyond max_topics");
			if (given)
				sb_fmt(&b, ", score %.3f", eff / (1 + eff));
			sb_str(&b, "\n");
		}
		if (b.nomem) {
			free(b.s);
			b.s = NULL;
		} else if (!b.s) {
			b.s = calloc(1, 1);
		}
		*explain = b.s;
	}
	return n;
}

void bp_topic_run_set_explain(bp_topic_run *c, int on)
{
	c->explain = on;
	c->nhits = c->nverdicts = 0;
}

void bp_topic_run_clear(bp_topic_run *c)
{
	c->nhits = c->nverdicts = 0;
}

/* Appends text[s, e) quoted, at most 60 bytes, control bytes as spaces. */
static void sb_quote(sbuf *b, const char *text, size_t s, size_t e)
{
	size_t n = e - s > 60 ? 60 : e - s;
	sb_str(b, "\"");
	for (size_t i = 0; i < n; i++) {
		char ch = text[s + i];
		sb_put(b, (unsigned char)ch < 0x20 ? " " : ch == '"' ? "\\\"" : &ch,
		       ch == '"' ? 2 : 1);
	}
	sb_str(b, n < e - s ? "...\"" : "\"");
}

static const char *const why_text[] = {
	[WHY_GIVEN] = "given",
	[WHY_NO_POSITIVE] = "not given: no positive pattern matched",
	[WHY_BELOW] = "not given: below the threshold",
	[WHY_RELATIVE] = "not given: ratio under relative x the strongest topic's",
	[WHY_MAX_TOPICS] = "not given: beyond max_topics",
};

bp_status bp_topic_run_explain(const bp_topic_run *c, const char *text, bp_write_fn write,
			       void *ctx, bp_error *err)
{
	const bp_topics *r = c->tp;
	sbuf b = {0};
	bp_status st;

	sb_fmt(&b, "  need = threshold x %.3f; strongest ratio %.3f\n", c->scale, c->best);
	if (c->nhits == 0)
		sb_str(&b, "  no topic pattern matched\n");
	for (size_t h = 0; h < c->nhits; h++) {
		const struct hit *x = &c->hits[h];
		for (size_t m = r->group_start[x->group]; m < r->group_start[x->group + 1]; m++) {
			const tpattern *p = &r->patterns[r->members[m]];
			sb_str(&b, "  match ");
			sb_str(&b, r->topics[p->topic].id);
			sb_str(&b, " ");
			if (x->capped)
				sb_str(&b, "0 (past repeat_cap)");
			else
				sb_fmt(&b, "%+g", p->weight * x->factor);
			if (x->factor != 1.0 && !x->capped)
				sb_fmt(&b, " (heading x%g)", x->factor);
			sb_fmt(&b, " at %zu ", x->start);
			sb_quote(&b, text, x->start, x->end);
			sb_fmt(&b, " %s:%lu: %g ", r->src, p->line, p->weight);
			sb_str(&b, p->text);
			sb_str(&b, "\n");
		}
	}
	for (size_t i = 0; i < c->nverdicts; i++) {
		const struct verdict *v = &c->verdicts[i];
		sb_str(&b, "  topic ");
		sb_str(&b, r->topics[v->topic].id);
		sb_fmt(&b, ": raw %.3f, need %.3f (threshold %g), ratio %.3f: ", v->raw, v->need,
		       r->topics[v->topic].threshold, v->need > 0 ? v->raw / v->need : 0);
		sb_str(&b, why_text[v->why]);
		if (v->why == WHY_GIVEN)
			sb_fmt(&b, ", score %.3f", v->score);
		else if (v->why == WHY_RELATIVE)
			sb_fmt(&b, " (%g x %.3f)", r->relative, c->best);
		else if (v->why == WHY_MAX_TOPICS)
			sb_fmt(&b, " (%u)", r->max_topics);
		sb_str(&b, "\n");
	}
	if (b.nomem) {
		free(b.s);
		return bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
	}
	st = write(ctx, b.s, b.len, err);
	free(b.s);
	return st;
}
