/*
 * classify.c - the classifier stage (see bp_classify.h). Loads the two
 * gazetteers and the topic rules into byte tries (and PCRE2 patterns, JIT,
 * for topic patterns that are not plain literals) and scans each block's
 * word starts once for both. Formats and scoring: docs/rules.md.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include "bp_classify.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "bp_data.h"
#include "bp_swar.h"

#define LINE_MAX_BYTES 4096    /* any rule-file line */
#define ALIAS_MAX 100          /* gazetteer alias, bytes (bounds the tree depth) */
#define PREFIX_MAX 100         /* literal prefix of a topic pattern put in the tree */
#define PATTERN_MAX 1000       /* topic pattern, bytes */
#define ID_MAX 32              /* organisation and topic ids */
#define TOPIC_NAME_MAX 100
#define ENTITIES_MAX 10000
#define ALIASES_MAX 200000
#define TOPICS_MAX 1000
#define PATTERNS_MAX 20000
#define WEIGHT_MAX 1000.0
#define JIT_STACK_MAX (1024 * 1024)

/* Words. A word starts at an ASCII letter or digit, or a 2-byte UTF-8 letter
 * (lead byte C3-D4: Latin, Greek, Cyrillic), that does not follow one; other
 * bytes, such as the curly apostrophe (E2 80 99), separate words. Matching is
 * only tried at word starts, and a gazetteer alias must also end at a word end.
 *
 * Each side (gazetteer, topics) has a byte trie of its literal keys (aliases;
 * topic patterns' literal prefixes, folded), stored as a compact radix tree
 * (tnode) and walked in C from each word start that passes the side's
 * prefilter (see bp_rules). The gazetteer needs nothing else. The topic
 * walk collects every key node on its path and tries them from the longest:
 * a node with one plain literal is checked in C; the patterns of any other
 * node are one anchored PCRE2 pattern of their rests (an rx, JIT), leaves
 * marked (*MARK:n), matched from the end of the prefix. */

enum side { SIDE_GAZ, SIDE_TOPIC, NSIDES };

typedef struct arena_chunk {
	struct arena_chunk *next;
	size_t used, cap;
	char mem[];
} arena_chunk;

typedef struct entity { /* a country or an organisation */
	const char *id, *name;
	const char *source;
	size_t naliases;
	unsigned long first_line;
	size_t order; /* load order, while sorting */
	int is_org;
} entity;

typedef struct alias { /* one distinct gazetteer string */
	const char *text;
	size_t len;
	unsigned *targets; /* entity indices; none for a stop alias */
	size_t ntargets;
} alias;

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
	unsigned long line;
} tpattern;

typedef struct rx { /* one compiled PCRE2 pattern, matched anchored */
	pcre2_code *code;
	int jit;
} rx;

/* A node of a radix tree: the bytes of a key so far, single-child chains
 * merged. A node is reached by one edge byte and then spells its label;
 * keys end only at a node's end. pool[bytes, bytes + nlabel) is the label,
 * the next nchild bytes the edge bytes of its children, which are
 * nodes[child, child + nchild) in byte order: one walk step reads one
 * 16-byte node and one run of pool bytes. */
typedef struct tnode {
	uint32_t bytes;
	uint32_t child;
	int32_t key;    /* the key ending here (topics: the first in file order), or -1 */
	uint8_t nlabel; /* <= ALIAS_MAX, PREFIX_MAX */
	uint8_t plain;  /* topics: that key's PLAIN_* kind, or 0 */
	uint16_t nchild;
} tnode;

/* Topic patterns that the trie settles without PCRE2: a literal, and a
 * literal followed by \\b; the same with (?-i) (compared case-sensitively). */
enum { PLAIN_LIT = 1, PLAIN_LIT_B, PLAIN_CS, PLAIN_CS_B };

#define NCLS 37
#define FILTER_BITS (NCLS * NCLS * NCLS)
#define QUAD_SHIFT 13
#define GAZ_SHIFT 17
#define QUAD_HASH(k4) ((unsigned)(((uint32_t)(k4) * 2654435761u) >> (32 - QUAD_SHIFT)))
#define BIT(map, i) (((map)[(i) >> 3] >> ((i) & 7)) & 1)
#define SET(map, i) ((map)[(i) >> 3] |= (unsigned char)(1u << ((i) & 7)))

#define TRIE_PAD 8 /* zero bytes after a tree's pool */

typedef struct trie {
	tnode *nodes; /* nodes[0] is the root, reached by no byte */
	unsigned char *pool;
	size_t nnodes, npool, nodes_cap, pool_cap;
	uint32_t root[256]; /* the root's children by byte; 0: none */
} trie;

struct bp_rules {
	arena_chunk *arena;
	entity *ents; /* countries sorted by id, then organisations sorted by id */
	size_t nents, ncountries;
	alias *aliases;
	size_t naliases;
	topic *topics;
	size_t ntopics;
	tpattern *patterns;
	size_t npatterns;
	unsigned *members; /* pattern indices, grouped by identical pattern text */
	size_t *group_start; /* group g: members[group_start[g], group_start[g + 1]) */
	size_t ngroups;
	const char *src[3]; /* blob paths */
	double heading_weight, block_bytes, min_bytes, relative;
	unsigned repeat_cap, max_topics;
	trie tries[NSIDES];
	/* Topics: PCRE2 for what the tree does not settle. At a tree node whose
	 * patterns are not one plain literal: their rests, as alternatives in
	 * file order, matched from the end of the prefix. Patterns without a
	 * literal prefix: one pattern matched from the word start. */
	rx *rxs;
	size_t nrx;
	uint16_t *node_rx;    /* by topic tree node: 1 + its rx, or 0 */
	short empty_rx;       /* the patterns without a literal prefix, or -1 */
	unsigned char empty_first[32]; /* the bytes they can start with */
	unsigned char kind[256]; /* KIND_* of a byte */
	unsigned char wordbyte[256]; /* WB_*: KIND_ALNUM and KIND_LEAD are WB_WORD */
	unsigned char lower[256]; /* ASCII folding */
	unsigned char cls[256];   /* filter class: a-z folded 1-26, 0-9 27-36, else 0 */
	/* Prefilters, exact on bytes the keys begin with, so cheap per word:
	 * gazetteer: a hash of the first run of word bytes (gazfirst), then of
	 * the run and what follows it (gazrun). Topics: the classes of the
	 * first three bytes (tri), then either a key shorter than four bytes
	 * with them (shortk), or, by a hash of the first four classes, the
	 * shortest first run of a key with them (quadmin; 255 for none): a text
	 * word whose first run is shorter cannot start one. */
	unsigned char gazfirst[(1u << GAZ_SHIFT) / 8];
	unsigned char gazrun[(1u << GAZ_SHIFT) / 8];
	unsigned char tri[(FILTER_BITS + 7) / 8];
	unsigned char shortk[(FILTER_BITS + 7) / 8];
	unsigned char quadmin[1u << QUAD_SHIFT];
};

struct bp_classifier {
	const bp_rules *rules;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	pcre2_jit_stack *jstack;
	/* the entities a run found, in the order found: few, so kept together
	 * rather than in an array by entity index (cache) */
	bp_tag *ent_tags;
	unsigned *ent_touched; /* their entity indices */
	size_t nent_touched;
	unsigned *ent_slot;    /* by entity index: 1 + its index in ent_tags, or 0 */
	bp_tag *topic_tags; /* by topic index */
	double *topic_raw;
	unsigned *topic_touched;
	size_t ntopic_touched;
	unsigned char *pat_hits; /* by pattern group */
	unsigned *pat_touched;
	size_t npat_touched;
	bp_tag *out_c, *out_o, *out_t;
};

enum { KIND_OTHER, KIND_ALNUM, KIND_LEAD, KIND_CONT }; /* see "Words" above */
enum { WB_OTHER, WB_WORD, WB_CONT }; /* a continuation byte continues what it follows */

static void init_tables(bp_rules *r)
{
	memset(r->quadmin, 0xFF, sizeof(r->quadmin));
	for (int b = 0; b < 256; b++) {
		unsigned char k = KIND_OTHER;
		if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9'))
			k = KIND_ALNUM;
		else if (b >= 0xC3 && b <= 0xD4)
			k = KIND_LEAD;
		else if (b >= 0x80 && b <= 0xBF)
			k = KIND_CONT;
		r->kind[b] = k;
		r->wordbyte[b] = k == KIND_ALNUM || k == KIND_LEAD ? WB_WORD
				 : k == KIND_CONT ? WB_CONT : WB_OTHER;
		r->lower[b] = (unsigned char)(b >= 'A' && b <= 'Z' ? b + 32 : b);
		r->cls[b] = (unsigned char)(r->lower[b] >= 'a' && r->lower[b] <= 'z' ? r->lower[b] - 'a' + 1
					    : b >= '0' && b <= '9' ? b - '0' + 27 : 0);
	}
}

/* ---- prefilters ---- */

/* The length of the run of word bytes (KIND_ALNUM, KIND_LEAD) at s[0, n). */
static size_t word_run(const unsigned char *wb, const unsigned char *s, size_t n)
{
	size_t k = 0;
	while (k < n && wb[s[k]] == WB_WORD)
		k++;
	return k;
}

/* The bytes s[0, 8), zero past n, into h: the prefilters' key material.
 * Returns them as one word, s[0] in its lowest byte. */
static inline uint64_t head8(const unsigned char *s, size_t n, unsigned char h[8])
{
	if (n >= 8) {
		memcpy(h, s, 8);
	} else {
		memset(h, 0, 8);
		memcpy(h, s, n);
	}
	return bp_swar_load_le(h);
}

/* The gazetteer filters key on an alias's first run of word bytes: its
 * length n and first eight bytes, from head8's word (gaz_key). gazfirst
 * holds gaz_bit(key, GAZ_FIRST) of every alias; gazrun adds what follows
 * the run: GAZ_END when the alias ends with it, else gaz_next(x, y) of the
 * two bytes after it (y = GAZ_ANY when the alias ends one byte past its
 * run). A matching alias has the same first run as the text, as the run
 * ends at a non-word byte or where the alias must end at a word end (see
 * "Words"). */
static inline uint64_t gaz_key(uint64_t head, size_t n)
{
	static const uint64_t first_bytes[9] = {
		0, 0xFF, 0xFFFF, 0xFFFFFF, 0xFFFFFFFF, 0xFFFFFFFFFFull, 0xFFFFFFFFFFFFull,
		0xFFFFFFFFFFFFFFull, ~0ull};
	return (head & first_bytes[n < 8 ? n : 8]) ^ (uint64_t)n * 0xFF51AFD7ED558CCDu;
}

static inline unsigned gaz_bit(uint64_t key, unsigned next)
{
	return (unsigned)(((key ^ (uint64_t)next << 40) * 0x9E3779B97F4A7C15u) >> (64 - GAZ_SHIFT));
}

#define GAZ_END 0
#define GAZ_ANY 0x100     /* gaz_next's y for an alias one byte past its run */
#define GAZ_FIRST 0x20000 /* gazfirst: the run alone, whatever follows */
static inline unsigned gaz_next(unsigned x, unsigned y)
{
	return 1 + (x << 9 | y); /* 1 .. 0x1FF00 */
}

/* Sets the bits of alias k[0, n). */
static void filter_gaz(bp_rules *r, const unsigned char *k, size_t n)
{
	unsigned char h[8];
	size_t run = word_run(r->wordbyte, k, n);
	uint64_t g = gaz_key(head8(k, n, h), run);

	SET(r->gazfirst, gaz_bit(g, GAZ_FIRST));
	if (run == n)
		SET(r->gazrun, gaz_bit(g, GAZ_END));
	else if (run + 1 == n)
		SET(r->gazrun, gaz_bit(g, gaz_next(k[run], GAZ_ANY)));
	else
		SET(r->gazrun, gaz_bit(g, gaz_next(k[run], k[run + 1])));
}

/* Whether an alias may start at t[0, n), whose first run of length run
 * passed gazfirst with gaz_key g: the second test, on what follows the run. */
static inline int gaz_may_start(const bp_rules *r, const unsigned char *t, size_t n, size_t run,
				uint64_t g)
{
	if (BIT(r->gazrun, gaz_bit(g, GAZ_END)))
		return 1;
	if (run == n)
		return 0;
	return (run + 1 < n && BIT(r->gazrun, gaz_bit(g, gaz_next(t[run], t[run + 1])))) ||
	       BIT(r->gazrun, gaz_bit(g, gaz_next(t[run], GAZ_ANY)));
}

/* Sets the topic filter bits for classes (c0, c1, c2, c3) of a key of n
 * bytes; -1 is "any", and c3 < 0 marks a key shorter than four bytes. */
static void filter_set(bp_rules *r, int c0, int c1, int c2, int c3, size_t n)
{
	for (int a = c0 < 0 ? 0 : c0; a <= (c0 < 0 ? NCLS - 1 : c0); a++)
		for (int b = c1 < 0 ? 0 : c1; b <= (c1 < 0 ? NCLS - 1 : c1); b++)
			for (int c = c2 < 0 ? 0 : c2; c <= (c2 < 0 ? NCLS - 1 : c2); c++) {
				unsigned k = (unsigned)((a * NCLS + b) * NCLS + c);
				SET(r->tri, k);
				if (c3 < 0)
					SET(r->shortk, k);
				else {
					unsigned char *m = &r->quadmin[QUAD_HASH(k * NCLS + (unsigned)c3)];
					if (n < *m)
						*m = (unsigned char)n;
				}
			}
}

/* Adds a topic key (folded prefix bytes; for an empty one its first[] set). */
static void filter_topic(bp_rules *r, const char *key, size_t n, const unsigned char *first)
{
	const unsigned char *k = (const unsigned char *)key;
	size_t run;

	if (n == 0) {
		unsigned char seen[NCLS] = {0};
		for (int b = 0; b < 256; b++)
			if (BIT(first, b))
				seen[r->cls[b]] = 1;
		for (int c = 0; c < NCLS; c++)
			if (seen[c])
				filter_set(r, c, -1, -1, -1, 0);
		return;
	}
	/* the text's first run must be as long as the key's (which can only
	 * match at a word start when it starts with a word byte) */
	run = word_run(r->wordbyte, k, n);
	filter_set(r, r->cls[k[0]], n > 1 ? r->cls[k[1]] : -1, n > 2 ? r->cls[k[2]] : -1,
		   n > 3 ? r->cls[k[3]] : -1, run < 1 ? 1 : run < 254 ? run : 254);
}

/* ---- small helpers ---- */

static void *arena_alloc(bp_rules *r, size_t n)
{
	arena_chunk *c = r->arena;
	n = (n + 15) & ~(size_t)15;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > 65536 ? n : 65536;
		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->next = r->arena;
		c->used = 0;
		c->cap = cap;
		r->arena = c;
	}
	c->used += n;
	return c->mem + c->used - n;
}

static const char *arena_str(bp_rules *r, const char *s, size_t n)
{
	char *p = arena_alloc(r, n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static int grow(void *pp, size_t *cap, size_t need, size_t size)
{
	void **p = pp;
	size_t ncap;
	void *np;

	if (need <= *cap)
		return 1;
	ncap = *cap ? *cap * 2 : 16;
	while (ncap < need)
		ncap *= 2;
	np = realloc(*p, ncap * size);
	if (!np)
		return 0;
	*p = np;
	*cap = ncap;
	return 1;
}

typedef struct sbuf {
	char *s;
	size_t len, cap;
	int nomem;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n)
{
	if (b->nomem)
		return;
	if (!grow(&b->s, &b->cap, b->len + n + 1, 1)) {
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

/* Appends byte c as a literal pattern character. */
static int is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static unsigned char fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static void trim(const char **s, size_t *n)
{
	while (*n && is_blank(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && is_blank((*s)[*n - 1]))
		(*n)--;
}

static int has_control(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 1;
	return 0;
}

/* Parses [+-]digits[.digits] exactly; returns 1 and sets *out. Locale-free. */
static int parse_number(const char *s, size_t n, double *out)
{
	size_t i = 0;
	double v = 0, scale = 1;
	int neg = 0, digits = 0;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	for (; i < n && s[i] >= '0' && s[i] <= '9' && digits < 12; i++, digits++)
		v = v * 10 + (s[i] - '0');
	if (i < n && s[i] == '.') {
		i++;
		for (; i < n && s[i] >= '0' && s[i] <= '9' && digits < 12; i++, digits++) {
			scale /= 10;
			v += (s[i] - '0') * scale;
		}
	}
	if (i != n || digits == 0)
		return 0;
	*out = neg ? -v : v;
	return 1;
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

/* Reads the next line of blob, checks NUL bytes and the length limit.
 * Returns 1 with a line, 0 at the end, -1 on error (err filled). */
/* The next line of a rule file that holds something: trimmed, blank lines
 * and '#' comments skipped. 1 with *s, *n and *lineno set, 0 at the end, -1
 * (err filled) for an overlong line or a NUL byte. */
static int next_line(const bp_blob *b, size_t *pos, unsigned long *lineno, const char **s,
		     size_t *n, bp_error *err)
{
	while (bp_blob_next_line(b, pos, s, n)) {
		(*lineno)++;
		if (*n > LINE_MAX_BYTES) {
			bp_error_set(err, BP_ERR_DATA, b->path, *lineno, "line longer than %d bytes",
				     LINE_MAX_BYTES);
			return -1;
		}
		if (memchr(*s, '\0', *n)) {
			bp_error_set(err, BP_ERR_DATA, b->path, *lineno, "NUL byte in line");
			return -1;
		}
		trim(s, n);
		if (*n && **s != '#')
			return 1;
	}
	return 0;
}

/* ---- gazetteers ---- */

typedef struct alias_row {
	const char *text;
	size_t len;
	int ent; /* -1: stop row */
} alias_row;

typedef struct gaz_load {
	bp_rules *r;
	size_t ents_cap;
	int last; /* the entity found last, tried first */
	alias_row *rows;
	size_t nrows, rows_cap;
} gaz_load;

static const char *const country_kinds[] = {"name",  "official", "variant", "adj", "demonym",
					    "capital", "place", "historic", "stop", NULL};
static const char *const org_kinds[] = {"name", "abbr", "variant", "stop", NULL};

static int kind_index(const char *const *kinds, const char *s, size_t n)
{
	for (int i = 0; kinds[i]; i++)
		if (strlen(kinds[i]) == n && memcmp(kinds[i], s, n) == 0)
			return i;
	return -1;
}

static int valid_code(const char *s, size_t n, int is_org)
{
	if (!is_org)
		return n == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z';
	if (n == 0 || n > ID_MAX || !is_alnum((unsigned char)s[0]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum((unsigned char)s[i]) && !strchr("_.&+-", s[i]))
			return 0;
	return 1;
}

/* Finds or adds the entity (is_org, id); returns its index or -1 (err filled). */
static int entity_get(gaz_load *g, int is_org, const char *id, size_t n, const char *path,
		      unsigned long line, bp_error *err)
{
	bp_rules *r = g->r;
	entity *e;

	if (g->last >= 0 && (size_t)g->last < r->nents) {
		e = &r->ents[g->last];
		if (e->is_org == is_org && strlen(e->id) == n && memcmp(e->id, id, n) == 0)
			return g->last;
	}
	for (size_t i = r->nents; i-- > 0;) {
		e = &r->ents[i];
		if (e->is_org == is_org && strlen(e->id) == n && memcmp(e->id, id, n) == 0)
			return g->last = (int)i;
	}
	if (r->nents >= ENTITIES_MAX) {
		bp_error_set(err, BP_ERR_LIMIT, path, line, "more than %d ids", ENTITIES_MAX);
		return -1;
	}
	if (!grow(&r->ents, &g->ents_cap, r->nents + 1, sizeof(entity)) ||
	    !(id = arena_str(r, id, n))) {
		bp_error_set(err, BP_ERR_NOMEM, path, line, "out of memory");
		return -1;
	}
	e = &r->ents[r->nents];
	memset(e, 0, sizeof(*e));
	e->id = id;
	e->source = path;
	e->first_line = line;
	e->is_org = is_org;
	return g->last = (int)r->nents++;
}

static bp_status add_row(gaz_load *g, const char *text, size_t len, int ent, const char *path,
			 unsigned long line, bp_error *err)
{
	if (g->nrows >= ALIASES_MAX)
		return bp_error_set(err, BP_ERR_LIMIT, path, line, "more than %d aliases", ALIASES_MAX);
	if (!grow(&g->rows, &g->rows_cap, g->nrows + 1, sizeof(alias_row)))
		return bp_error_set(err, BP_ERR_NOMEM, path, line, "out of memory");
	g->rows[g->nrows].text = text;
	g->rows[g->nrows].len = len;
	g->rows[g->nrows].ent = ent;
	g->nrows++;
	if (ent >= 0)
		g->r->ents[ent].naliases++;
	return BP_OK;
}

static bp_status gaz_line(gaz_load *g, int is_org, const char *path, unsigned long line,
			  const char *s, size_t n, bp_error *err)
{
	const char *f[3], *tab;
	size_t fn[3], rest = n;
	const char *p = s, *text;
	int kind, stop;
	const char *const *kinds = is_org ? org_kinds : country_kinds;

	for (int i = 0; i < 3; i++) {
		tab = i < 2 ? memchr(p, '\t', rest) : NULL;
		if (i < 2 && !tab)
			return bp_error_set(err, BP_ERR_DATA, path, line,
					    "expected 3 tab-separated fields");
		f[i] = p;
		fn[i] = tab ? (size_t)(tab - p) : rest;
		if (tab) {
			rest -= fn[i] + 1;
			p = tab + 1;
		}
		trim(&f[i], &fn[i]);
	}
	if (memchr(f[2], '\t', fn[2]))
		return bp_error_set(err, BP_ERR_DATA, path, line, "expected 3 tab-separated fields");
	kind = kind_index(kinds, f[1], fn[1]);
	if (kind < 0)
		return bp_error_set(err, BP_ERR_DATA, path, line, "unknown kind '%.*s'",
				    (int)(fn[1] > 40 ? 40 : fn[1]), f[1]);
	stop = strcmp(kinds[kind], "stop") == 0;
	if (fn[2] == 0)
		return bp_error_set(err, BP_ERR_DATA, path, line, "empty alias");
	if (fn[2] > ALIAS_MAX)
		return bp_error_set(err, BP_ERR_DATA, path, line, "alias longer than %d bytes",
				    ALIAS_MAX);
	if (has_control(f[2], fn[2]))
		return bp_error_set(err, BP_ERR_DATA, path, line, "control character in alias");
	if (g->r->kind[(unsigned char)f[2][0]] != KIND_ALNUM &&
	    g->r->kind[(unsigned char)f[2][0]] != KIND_LEAD)
		return bp_error_set(err, BP_ERR_DATA, path, line,
				    "alias must start with a letter or digit");
	if (stop != (fn[0] == 1 && f[0][0] == '-'))
		return bp_error_set(err, BP_ERR_DATA, path, line,
				    stop ? "a stop row needs '-' as its id"
					 : "'-' is only allowed on stop rows");
	if (!(text = arena_str(g->r, f[2], fn[2])))
		return bp_error_set(err, BP_ERR_NOMEM, path, line, "out of memory");
	if (stop)
		return add_row(g, text, fn[2], -1, path, line, err);
	for (const char *c = f[0], *end = f[0] + fn[0]; c <= end;) {
		const char *comma = memchr(c, ',', (size_t)(end - c));
		const char *ce = comma ? comma : end;
		const char *cs = c;
		size_t cn = (size_t)(ce - c);
		int ent;
		bp_status st;

		trim(&cs, &cn);
		if (!valid_code(cs, cn, is_org))
			return bp_error_set(err, BP_ERR_DATA, path, line, "invalid %s '%.*s'",
					    is_org ? "organization id" : "country code",
					    (int)(cn > 40 ? 40 : cn), cs);
		if (kind == 0 && (comma || c != f[0]))
			return bp_error_set(err, BP_ERR_DATA, path, line,
					    "a name row must have a single id");
		ent = entity_get(g, is_org, cs, cn, path, line, err);
		if (ent < 0)
			return err ? err->code : BP_ERR_DATA;
		if (kind == 0) {
			if (g->r->ents[ent].name)
				return bp_error_set(err, BP_ERR_DATA, path, line,
						    "second name row for '%s'",
						    g->r->ents[ent].id);
			g->r->ents[ent].name = text;
		}
		st = add_row(g, text, fn[2], ent, path, line, err);
		if (st != BP_OK)
			return st;
		c = ce + 1;
	}
	return BP_OK;
}

static bp_status gaz_file(gaz_load *g, const bp_blob *b, int is_org, bp_error *err)
{
	size_t pos = 0, first = g->r->nents;
	unsigned long lineno = 0;
	const char *s, *path = g->r->src[is_org];
	size_t n;
	int rc;
	bp_status st;

	while ((rc = next_line(b, &pos, &lineno, &s, &n, err)) > 0) {
		st = gaz_line(g, is_org, path, lineno, s, n, err);
		if (st != BP_OK)
			return st;
	}
	if (rc < 0)
		return err ? err->code : BP_ERR_DATA;
	for (size_t i = first; i < g->r->nents; i++)
		if (!g->r->ents[i].name)
			return bp_error_set(err, BP_ERR_DATA, path, g->r->ents[i].first_line,
					    "no name row for '%s'", g->r->ents[i].id);
	return BP_OK;
}

static int cmp_bytes(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);
	if (c)
		return c;
	return an < bn ? -1 : an > bn;
}

static int cmp_row(const void *pa, const void *pb)
{
	const alias_row *a = pa, *b = pb;
	int c = cmp_bytes(a->text, a->len, b->text, b->len);
	return c ? c : (a->ent > b->ent) - (a->ent < b->ent);
}

static int cmp_entity(const void *pa, const void *pb)
{
	const entity *a = pa, *b = pb;
	if (a->is_org != b->is_org)
		return a->is_org - b->is_org;
	return strcmp(a->id, b->id);
}

/* Sorts entities (countries first, by id), remaps rows, merges equal aliases. */
static bp_status gaz_finish(gaz_load *g, bp_error *err)
{
	bp_rules *r = g->r;
	unsigned *map = NULL;
	size_t i, j;

	for (i = 0; i < r->nents; i++)
		r->ents[i].order = i;
	qsort(r->ents, r->nents, sizeof(entity), cmp_entity);
	if (r->nents && !(map = malloc(r->nents * sizeof(unsigned))))
		return bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
	for (i = 0; i < r->nents; i++) {
		map[r->ents[i].order] = (unsigned)i;
		if (!r->ents[i].is_org)
			r->ncountries = i + 1;
	}
	for (i = 0; i < g->nrows; i++)
		if (g->rows[i].ent >= 0)
			g->rows[i].ent = (int)map[g->rows[i].ent];
	free(map);
	qsort(g->rows, g->nrows, sizeof(alias_row), cmp_row);
	if (g->nrows && !(r->aliases = calloc(g->nrows, sizeof(alias))))
		return bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
	for (i = 0; i < g->nrows; i = j) {
		alias *a = &r->aliases[r->naliases++];
		size_t nt = 0;
		for (j = i; j < g->nrows && g->rows[j].len == g->rows[i].len &&
			    memcmp(g->rows[j].text, g->rows[i].text, g->rows[i].len) == 0;
		     j++)
			nt += g->rows[j].ent >= 0;
		a->text = g->rows[i].text;
		a->len = g->rows[i].len;
		if (nt && !(a->targets = arena_alloc(r, nt * sizeof(unsigned))))
			return bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
		for (size_t k = i; k < j; k++) {
			int e = g->rows[k].ent;
			if (e >= 0 && (a->ntargets == 0 || a->targets[a->ntargets - 1] != (unsigned)e))
				a->targets[a->ntargets++] = (unsigned)e;
		}
	}
	return BP_OK;
}

/* ---- topic rules ---- */

typedef struct topic_load {
	bp_rules *r;
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
	bp_rules *r = t->r;
	const char *id;

	if (s[n - 1] != ']')
		return bp_error_set(err, BP_ERR_DATA, path, line, "missing ']' after section name");
	s++;
	n -= 2;
	trim(&s, &n);
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
	if (!grow(&r->topics, &t->topics_cap, r->ntopics + 1, sizeof(topic)) ||
	    !(id = arena_str(r, s, n)))
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
	bp_rules *r = t->r;
	const char *eq = memchr(s, '=', n), *k = s, *v;
	size_t kn, vn;
	double d = 0;
	int num;

	if (!eq)
		return bp_error_set(err, BP_ERR_DATA, path, line,
				    "expected [topic], 'key = value' or 'WEIGHT PATTERN'");
	kn = (size_t)(eq - s);
	trim(&k, &kn);
	v = eq + 1;
	vn = (size_t)(s + n - v);
	trim(&v, &vn);
	num = parse_number(v, vn, &d);
#define KEY(lit) (kn == sizeof(lit) - 1 && memcmp(k, lit, kn) == 0)
	if (KEY("name")) {
		if (!t->in_section)
			return bp_error_set(err, BP_ERR_DATA, path, line,
					    "setting 'name' outside a section");
		if (vn == 0 || vn > TOPIC_NAME_MAX || has_control(v, vn))
			return bp_error_set(err, BP_ERR_DATA, path, line,
					    "invalid name (1 to %d bytes)", TOPIC_NAME_MAX);
		if (!(r->topics[r->ntopics - 1].name = arena_str(r, v, vn)))
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
	    KEY("repeat_cap") || KEY("relative") || KEY("max_topics")) {
		int whole = KEY("repeat_cap") || KEY("max_topics");
		if (t->in_section)
			return bp_error_set(err, BP_ERR_DATA, path, line,
					    "setting '%.*s' must come before the first section",
					    (int)kn, k);
		if (!num || d < 0 || d > 1e9 || (whole && (d != (double)(unsigned)d || d < 1)) ||
		    (KEY("repeat_cap") && d > 255) || (KEY("relative") && d > 1) ||
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

/* Compiles pattern p[0, pn) as the rules would to check it: a syntax error,
 * the empty match and capturing groups are errors. Fills first[] with the
 * bytes a match can start with. */
static bp_status check_pattern(const char *path, unsigned long line, const char *p, size_t pn,
			       unsigned char first[32], bp_error *err)
{
	int errcode;
	PCRE2_SIZE erroff;
	uint32_t minlen = 0, caps = 0;
	pcre2_code *code = pcre2_compile((PCRE2_SPTR)p, pn, PCRE2_CASELESS | PCRE2_NO_AUTO_CAPTURE,
					 &errcode, &erroff, NULL);

	if (!code)
		return pattern_error(path, line, errcode, err);
	pcre2_pattern_info(code, PCRE2_INFO_MINLENGTH, &minlen);
	pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &caps);
	first_bytes(code, first);
	pcre2_code_free(code);
	if (minlen == 0)
		return bp_error_set(err, BP_ERR_DATA, path, line,
				    "invalid pattern: it can match the empty string");
	if (caps)
		return bp_error_set(err, BP_ERR_DATA, path, line,
				    "invalid pattern: named groups are not supported; use (?:...)");
	return BP_OK;
}

static bp_status topic_pattern(topic_load *t, const char *path, unsigned long line,
			       const char *s, size_t n, bp_error *err)
{
	bp_rules *r = t->r;
	size_t wn = 0, pn, off, pfn;
	const char *p, *why;
	char pf[PREFIX_MAX];
	unsigned char first[32];
	double w;
	int top_alt, cs, literal;
	bp_status st;
	tpattern *tp;

	while (wn < n && !is_blank(s[wn]))
		wn++;
	if (!parse_number(s, wn, &w) || w > WEIGHT_MAX || w < -WEIGHT_MAX)
		return bp_error_set(err, BP_ERR_DATA, path, line, "invalid weight '%.*s'",
				    (int)(wn > 40 ? 40 : wn), s);
	if (!t->in_section)
		return bp_error_set(err, BP_ERR_DATA, path, line, "pattern outside a section");
	p = s + wn;
	pn = n - wn;
	trim(&p, &pn);
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
	memset(first, 0, sizeof(first));
	if (!literal && (st = check_pattern(path, line, p, pn, first, err)) != BP_OK)
		return st;
	if ((why = pattern_scan(p, pn, &top_alt)))
		return bp_error_set(err, BP_ERR_DATA, path, line, "invalid pattern: %s", why);
	if (top_alt) { /* no prefix: a|b */
		cs = 0;
		off = pfn = 0;
	}
	if (r->npatterns >= PATTERNS_MAX)
		return bp_error_set(err, BP_ERR_LIMIT, path, line, "more than %d patterns",
				    PATTERNS_MAX);
	if (!grow(&r->patterns, &t->patterns_cap, r->npatterns + 1, sizeof(tpattern)))
		return bp_error_set(err, BP_ERR_NOMEM, path, line, "out of memory");
	tp = &r->patterns[r->npatterns];
	memcpy(tp->first, first, sizeof(first));
	tp->topic = (unsigned)(r->ntopics - 1);
	tp->weight = w;
	tp->line = line;
	tp->raw = arena_str(r, pf, pfn);
	for (size_t k = 0; k < pfn; k++)
		pf[k] = (char)fold((unsigned char)pf[k]);
	tp->prefix = arena_str(r, pf, pfn);
	tp->prefix_len = pfn;
	tp->plain = !literal ? 0 : off == pn ? PLAIN_LIT : PLAIN_LIT_B;
	if (cs && pfn) {
		sbuf b = {0};
		if (tp->plain)
			tp->plain += PLAIN_CS - PLAIN_LIT;
		sb_str(&b, "(?-i:(?<=");
		sb_put(&b, p + 5, off - 5);
		sb_str(&b, "))(?-i:");
		sb_put(&b, p + off, pn - off);
		sb_str(&b, "\\E)");
		tp->rest = b.nomem ? NULL : arena_str(r, b.s, b.len);
		tp->rest_len = b.len;
		free(b.s);
	} else {
		tp->rest = arena_str(r, p + off, pn - off);
		tp->rest_len = pn - off;
	}
	if (!tp->prefix || !tp->rest || !tp->raw)
		return bp_error_set(err, BP_ERR_NOMEM, path, line, "out of memory");
	r->npatterns++;
	r->topics[r->ntopics - 1].npatterns++;
	return BP_OK;
}

static bp_status topics_file(topic_load *t, const bp_blob *b, bp_error *err)
{
	size_t pos = 0;
	unsigned long lineno = 0;
	const char *s, *path = t->r->src[2];
	size_t n;
	int rc;
	bp_status st;

	while ((rc = next_line(b, &pos, &lineno, &s, &n, err)) > 0) {
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

/* ---- trees and their patterns ---- */

typedef struct tkey {
	const char *s; /* tree bytes */
	size_t n;
	int plain;
	unsigned mark;
	const char *rest; /* topics: the pattern after its prefix; NULL for aliases */
	size_t rest_len;
	uint32_t node;    /* the tree node where it ends */
} tkey;

static int cmp_tkey(const void *pa, const void *pb)
{
	const tkey *a = pa, *b = pb;
	int c = cmp_bytes(a->s, a->n, b->s, b->n);
	return c ? c : (a->mark > b->mark) - (a->mark < b->mark);
}

static void emit_leaf(sbuf *b, const tkey *k)
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
static bp_status compile_rx(bp_rules *r, const tkey *keys, size_t lo, size_t hi, size_t *cap,
			    short *index, bp_error *err)
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
			       PCRE2_CASELESS | PCRE2_NO_AUTO_CAPTURE | PCRE2_ANCHORED, &errcode,
			       &erroff, NULL);
	free(b.s);
	if (x.code) {
		x.jit = pcre2_jit_compile(x.code, PCRE2_JIT_COMPLETE) == 0;
		if (r->nrx >= INT16_MAX || !grow(&r->rxs, cap, r->nrx + 1, sizeof(rx))) {
			pcre2_code_free(x.code);
			return bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
		}
		*index = (short)r->nrx;
		r->rxs[r->nrx++] = x;
		return BP_OK;
	}
	if (errcode == PCRE2_ERROR_NOMEMORY)
		return bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
	pcre2_get_error_message(errcode, msg, sizeof(msg));
	if (hi - lo == 1)
		line = r->patterns[r->members[r->group_start[keys[lo].mark]]].line;
	return bp_error_set(err, BP_ERR_DATA, r->src[2], line, "cannot compile the rules: %s",
			    (char *)msg);
}

/* Fills node n (already allocated) for keys[lo, hi), which share their
 * first d bytes, d being where its label starts; keys are sorted, so the
 * shortest come first and the label runs to their common prefix. */
static int trie_fill(trie *t, tkey *keys, size_t lo, size_t hi, size_t d, uint32_t n)
{
	const tkey *a = &keys[lo], *z = &keys[hi - 1];
	size_t m = d, i = lo, j, nchild = 0;
	uint32_t first;

	while (m < a->n && a->s[m] == z->s[m])
		m++;
	while (i < hi && keys[i].n == m)
		i++;
	for (j = i; j < hi; nchild++) {
		unsigned char c = (unsigned char)keys[j].s[m];
		while (j < hi && (unsigned char)keys[j].s[m] == c)
			j++;
	}
	if (!grow(&t->pool, &t->pool_cap, t->npool + (m - d) + nchild, 1) ||
	    !grow(&t->nodes, &t->nodes_cap, t->nnodes + nchild, sizeof(tnode)))
		return 0;
	first = (uint32_t)t->nnodes;
	t->nnodes += nchild;
	t->nodes[n] = (tnode){.bytes = (uint32_t)t->npool, .child = first, .key = -1,
			      .nlabel = (uint8_t)(m - d), .nchild = (uint16_t)nchild};
	for (size_t k = lo; k < i; k++)
		keys[k].node = n;
	if (i > lo) {
		t->nodes[n].key = (int32_t)a->mark;
		t->nodes[n].plain = (uint8_t)a->plain;
	}
	/* index the pool rather than keep a pointer: it may move (and is not
	 * allocated at all while no node has a label or a child) */
	if (m > d)
		memcpy(t->pool + t->npool, a->s + d, m - d);
	t->npool += (m - d) + nchild;
	for (size_t k = 0; i < hi; k++) {
		unsigned char c = (unsigned char)keys[i].s[m];
		for (j = i; j < hi && (unsigned char)keys[j].s[m] == c; j++)
			;
		t->pool[t->nodes[n].bytes + (m - d) + k] = c;
		if (!trie_fill(t, keys, i, j, m + 1, first + (uint32_t)k))
			return 0;
		i = j;
	}
	return 1;
}

/* Builds the tree of keys[0, nkeys) (sorted by cmp_tkey): the root and its
 * children by first byte; each child holds the keys starting with it. */
static bp_status trie_build(trie *t, tkey *keys, size_t nkeys, bp_error *err)
{
	size_t i = 0, j;

	/* a pool even for a tree with no labels, so that pool + offset is
	 * always defined (fuzz_rules found the NULL pool of such a tree) */
	if (!grow(&t->nodes, &t->nodes_cap, 1, sizeof(tnode)) || !grow(&t->pool, &t->pool_cap, 1, 1))
		return bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
	t->nodes[0] = (tnode){.key = -1};
	t->nnodes = 1;
	while (i < nkeys && keys[i].n == 0)
		i++; /* topic patterns without a literal prefix: PCRE2 only */
	for (; i < nkeys; i = j) {
		unsigned char c = (unsigned char)keys[i].s[0];
		uint32_t n = (uint32_t)t->nnodes;
		for (j = i; j < nkeys && (unsigned char)keys[j].s[0] == c; j++)
			;
		if (!grow(&t->nodes, &t->nodes_cap, t->nnodes + 1, sizeof(tnode)))
			return bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
		t->nnodes++;
		t->root[c] = n;
		if (!trie_fill(t, keys, i, j, 1, n))
			return bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
	}
	/* child and spell read up to eight bytes at a time past any offset */
	if (!grow(&t->pool, &t->pool_cap, t->npool + TRIE_PAD, 1))
		return bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
	memset(t->pool + t->npool, 0, TRIE_PAD);
	return BP_OK;
}

typedef struct pref { /* a pattern, while grouping */
	const tpattern *p;
	unsigned i;
} pref;

static int same_text(const tpattern *a, const tpattern *b)
{
	return !cmp_bytes(a->prefix, a->prefix_len, b->prefix, b->prefix_len) &&
	       !cmp_bytes(a->rest, a->rest_len, b->rest, b->rest_len);
}

static int cmp_pref_text(const void *pa, const void *pb)
{
	const pref *a = pa, *b = pb;
	int c = cmp_bytes(a->p->prefix, a->p->prefix_len, b->p->prefix, b->p->prefix_len);
	if (!c)
		c = cmp_bytes(a->p->rest, a->p->rest_len, b->p->rest, b->p->rest_len);
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
static bp_status group_patterns(bp_rules *r, bp_error *err)
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

static bp_status build_side(bp_rules *r, enum side side, bp_error *err)
{
	size_t nkeys = side == SIDE_GAZ ? r->naliases : r->ngroups, cap = 0, i = 0;
	tkey *keys;
	bp_status st;

	if (nkeys == 0)
		return BP_OK;
	keys = calloc(nkeys, sizeof(tkey));
	if (!keys)
		return bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
	for (i = 0; i < nkeys; i++) {
		keys[i].mark = (unsigned)i;
		if (side == SIDE_GAZ) {
			keys[i].s = r->aliases[i].text;
			keys[i].n = r->aliases[i].len;
		} else {
			const tpattern *tp = &r->patterns[r->members[r->group_start[i]]];
			keys[i].s = tp->prefix;
			keys[i].n = tp->prefix_len;
			keys[i].rest = tp->rest;
			keys[i].rest_len = tp->rest_len;
			keys[i].plain = tp->plain;
		}
	}
	for (i = 0; i < nkeys; i++) {
		if (side == SIDE_GAZ)
			filter_gaz(r, (const unsigned char *)keys[i].s, keys[i].n);
		else
			filter_topic(r, keys[i].s, keys[i].n,
				     r->patterns[r->members[r->group_start[i]]].first);
	}
	qsort(keys, nkeys, sizeof(tkey), cmp_tkey);
	st = trie_build(&r->tries[side], keys, nkeys, err);
	/* Topics: an rx for the keys with an empty prefix (sorted first), and
	 * one for each tree node whose keys are not one plain literal. */
	if (side == SIDE_TOPIC && st == BP_OK) {
		r->node_rx = calloc(r->tries[side].nnodes, sizeof(*r->node_rx));
		if (!r->node_rx)
			st = bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
	}
	for (i = 0; side == SIDE_TOPIC && i < nkeys && st == BP_OK;) {
		size_t j = i + 1;
		short idx = -1;
		while (j < nkeys && !cmp_bytes(keys[j].s, keys[j].n, keys[i].s, keys[i].n))
			j++;
		if (keys[i].n == 0) {
			st = compile_rx(r, keys, i, j, &cap, &idx, err);
			r->empty_rx = idx;
			for (size_t k = i; k < j; k++) {
				const unsigned char *f =
					r->patterns[r->members[r->group_start[keys[k].mark]]].first;
				for (int b = 0; b < 32; b++)
					r->empty_first[b] |= f[b];
			}
		} else if (j - i > 1 || !keys[i].plain) {
			st = compile_rx(r, keys, i, j, &cap, &idx, err);
			r->node_rx[keys[i].node] = (uint16_t)(idx + 1);
		}
		i = j;
	}
	free(keys);
	return st;
}

/* ---- loading ---- */

void bp_rules_free(bp_rules *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nrx; i++)
		pcre2_code_free(r->rxs[i].code);
	free(r->rxs);
	free(r->node_rx);
	for (int s = 0; s < NSIDES; s++) {
		free(r->tries[s].nodes);
		free(r->tries[s].pool);
	}
	free(r->ents);
	free(r->aliases);
	free(r->topics);
	free(r->patterns);
	free(r->members);
	free(r->group_start);
	while (r->arena) {
		arena_chunk *next = r->arena->next;
		free(r->arena);
		r->arena = next;
	}
	free(r);
}

static bp_status load_all(bp_rules *r, const char *dir, bp_error *err)
{
	static const char *const names[3] = {"countries.tsv", "organizations.tsv", "topics.rules"};
	bp_blob blob;
	gaz_load g = {0};
	topic_load t = {0};
	bp_status st = BP_OK;

	g.r = r;
	g.last = -1;
	t.r = r;
	for (int f = 0; f < 3 && st == BP_OK; f++) {
		st = bp_blob_load(dir, names[f], &blob, err);
		if (st != BP_OK)
			break;
		if (!(r->src[f] = arena_str(r, blob.path, strlen(blob.path)))) {
			bp_blob_release(&blob);
			st = bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
			break;
		}
		if (f < 2) {
			st = gaz_file(&g, &blob, f, err);
		} else {
			t.threshold = 2.0;
			st = topics_file(&t, &blob, err);
		}
		bp_blob_release(&blob);
	}
	if (st == BP_OK)
		st = gaz_finish(&g, err);
	free(g.rows);
	if (st != BP_OK)
		return st;
	for (size_t i = 0; i < r->ntopics; i++)
		if (r->topics[i].threshold < 0)
			r->topics[i].threshold = t.threshold;
	st = build_side(r, SIDE_GAZ, err);
	if (st == BP_OK)
		st = group_patterns(r, err);
	if (st == BP_OK)
		st = build_side(r, SIDE_TOPIC, err);
	return st;
}

bp_status bp_rules_load(const char *dir, bp_rules **out, bp_error *err)
{
	bp_rules *r = calloc(1, sizeof(*r));
	bp_status st;

	*out = NULL;
	if (!r)
		return bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
	init_tables(r);
	r->empty_rx = -1;
	r->heading_weight = 2.0;
	r->block_bytes = 1000.0;
	r->min_bytes = 0;
	r->relative = 0;
	r->repeat_cap = 3;
	r->max_topics = 1000;
	st = load_all(r, dir, err);
	if (st != BP_OK) {
		bp_rules_free(r);
		return st;
	}
	*out = r;
	return BP_OK;
}

size_t bp_rules_count(const bp_rules *r)
{
	return r ? r->nents + r->ntopics : 0;
}

void bp_rules_info(const bp_rules *r, size_t i, bp_rule_info *e)
{
	memset(e, 0, sizeof(*e));
	if (!r)
		return;
	if (i < r->nents) {
		const entity *en = &r->ents[i];
		e->kind = en->is_org ? "organization" : "country";
		e->id = en->id;
		e->name = en->name;
		e->detail = en->naliases;
		e->source = en->source;
	} else if (i - r->nents < r->ntopics) {
		const topic *tp = &r->topics[i - r->nents];
		e->kind = "topic";
		e->id = tp->id;
		e->name = tp->name;
		e->detail = tp->npatterns;
		e->source = r->src[2];
	}
}

/* ---- classifying ---- */

bp_classifier *bp_classifier_new(const bp_rules *rules)
{
	bp_classifier *c = calloc(1, sizeof(*c));
	size_t ne = rules->nents, nt = rules->ntopics, np = rules->npatterns;

	if (!c)
		return NULL;
	c->rules = rules;
	c->md = pcre2_match_data_create(1, NULL);
	c->mctx = pcre2_match_context_create(NULL);
	c->jstack = pcre2_jit_stack_create(32 * 1024, JIT_STACK_MAX, NULL);
	c->ent_tags = calloc(ne + 1, sizeof(bp_tag));
	c->ent_touched = calloc(ne + 1, sizeof(unsigned));
	c->ent_slot = calloc(ne + 1, sizeof(unsigned));
	c->topic_tags = calloc(nt + 1, sizeof(bp_tag));
	c->topic_raw = calloc(nt + 1, sizeof(double));
	c->topic_touched = calloc(nt + 1, sizeof(unsigned));
	c->pat_hits = calloc(np + 1, 1);
	c->pat_touched = calloc(np + 1, sizeof(unsigned));
	c->out_c = calloc(ne + 1, sizeof(bp_tag));
	c->out_o = calloc(ne + 1, sizeof(bp_tag));
	c->out_t = calloc(nt + 1, sizeof(bp_tag));
	if (!c->md || !c->mctx || !c->jstack || !c->ent_tags || !c->ent_slot ||
	    !c->ent_touched || !c->topic_tags || !c->topic_raw || !c->topic_touched ||
	    !c->pat_hits || !c->pat_touched || !c->out_c || !c->out_o || !c->out_t) {
		bp_classifier_free(c);
		return NULL;
	}
	pcre2_jit_stack_assign(c->mctx, NULL, c->jstack);
	return c;
}

void bp_classifier_free(bp_classifier *c)
{
	if (!c)
		return;
	pcre2_match_data_free(c->md);
	pcre2_match_context_free(c->mctx);
	pcre2_jit_stack_free(c->jstack);
	free(c->ent_tags);
	free(c->ent_touched);
	free(c->ent_slot);
	free(c->topic_tags);
	free(c->topic_raw);
	free(c->topic_touched);
	free(c->pat_hits);
	free(c->pat_touched);
	free(c->out_c);
	free(c->out_o);
	free(c->out_t);
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

/* Matches x anchored at pos: 1 with the match end and its mark, 0 for none,
 * -1 on a match error (err filled). */
static int try_rx(bp_classifier *c, const rx *x, const char *text, size_t len, size_t pos,
		  uint32_t options, size_t *e, unsigned *mark, bp_error *err)
{
	PCRE2_SIZE *ov;
	int rc;

	if (x->jit)
		rc = pcre2_jit_match(x->code, (PCRE2_SPTR)text, len, pos, options, c->md, c->mctx);
	else
		rc = pcre2_match(x->code, (PCRE2_SPTR)text, len, pos, options, c->md, c->mctx);
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc < 0) {
		PCRE2_UCHAR msg[200];
		pcre2_get_error_message(rc, msg, sizeof(msg));
		bp_error_set(err, rc == PCRE2_ERROR_NOMEMORY ? BP_ERR_NOMEM : BP_ERR_LIMIT, "", 0,
			     "matching the rules failed: %s", (char *)msg);
		return -1;
	}
	ov = pcre2_get_ovector_pointer(c->md);
	*e = ov[1];
	*mark = parse_mark(pcre2_get_mark(c->md));
	return 1;
}

static void add_evidence(bp_tag *t, size_t s, size_t e)
{
	if (t->nevidence < BP_EVIDENCE_MAX) {
		t->evidence[t->nevidence].start = s;
		t->evidence[t->nevidence].end = e;
		t->nevidence++;
	}
}

static void on_alias(bp_classifier *c, unsigned mark, size_t s, size_t e)
{
	const bp_rules *r = c->rules;
	const alias *a;

	if (mark >= r->naliases)
		return;
	a = &r->aliases[mark];
	for (size_t i = 0; i < a->ntargets; i++) {
		unsigned ei = a->targets[i];
		bp_tag *t;
		if (c->ent_slot[ei] == 0) {
			t = &c->ent_tags[c->nent_touched];
			c->ent_touched[c->nent_touched++] = ei;
			c->ent_slot[ei] = (unsigned)c->nent_touched;
			t->id = r->ents[ei].id;
			t->name = r->ents[ei].name;
			t->count = 0;
			t->nevidence = 0;
			t->score = 0;
		} else {
			t = &c->ent_tags[c->ent_slot[ei] - 1];
		}
		t->count++;
		add_evidence(t, s, e);
	}
}

static void on_pattern(bp_classifier *c, unsigned mark, size_t s, size_t e, size_t heading_len)
{
	const bp_rules *r = c->rules;
	double factor = s < heading_len ? r->heading_weight : 1.0;

	if (mark >= r->ngroups || c->pat_hits[mark] >= r->repeat_cap)
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

/* The child of node nd for byte b, or 0. Its edge bytes are compared eight
 * at a time (the pool has TRIE_PAD bytes after its end), without a branch
 * per byte: edge bytes are distinct, so the first equal one is the child. */
static inline uint32_t child(const trie *tr, const tnode *nd, unsigned char b)
{
	const unsigned char *eb = tr->pool + nd->bytes + nd->nlabel;
	uint64_t pat = BP_SWAR_ONES * b;

	for (uint32_t k = 0; k < nd->nchild; k += 8) {
		uint64_t z = bp_swar_zeros(bp_swar_load_le(eb + k) ^ pat);
		if (z) {
			uint32_t at = k + bp_swar_first(z);
			return at < nd->nchild ? nd->child + at : 0;
		}
	}
	return 0;
}

/* How many bytes of node nd's label t[j, len) spells, ASCII-folded for
 * topics (fold); nd->nlabel when all. Eight bytes at a time. */
static inline size_t spell(const trie *tr, const tnode *nd, int fold, const unsigned char *t,
			   size_t len, size_t j)
{
	const unsigned char *lab = tr->pool + nd->bytes;
	size_t n = nd->nlabel;

	if (n > len - j)
		n = len - j;
	for (size_t k = 0; k < n; k += 8) {
		uint64_t x, d;
		if (len - j - k >= 8) {
			x = bp_swar_load_le(t + j + k);
		} else {
			unsigned char tail[8] = {0};
			memcpy(tail, t + j + k, len - j - k);
			x = bp_swar_load_le(tail);
		}
		if (fold)
			x = bp_swar_lower(x);
		d = x ^ bp_swar_load_le(lab + k);
		if (d) {
			size_t at = k + (size_t)__builtin_ctzll(d) / 8;
			return at < n ? at : n;
		}
	}
	return n;
}

/* The longest alias at word start i that ends at a word end: 1 with *e and
 * *key set, else 0. */
static inline int gaz_walk(const bp_rules *r, const unsigned char *t, size_t len, size_t i, size_t *e,
		    unsigned *key)
{
	const trie *tr = &r->tries[SIDE_GAZ];
	uint32_t n = tr->root[t[i]];
	int found = 0;

	i++;
	while (n) {
		const tnode *nd = &tr->nodes[n];
		if (spell(tr, nd, 0, t, len, i) < nd->nlabel)
			break;
		i += nd->nlabel;
		if (nd->key >= 0 && (i == len || r->wordbyte[t[i]] != WB_WORD)) {
			*e = i;
			*key = (unsigned)nd->key;
			found = 1;
		}
		if (i == len)
			break;
		n = child(tr, nd, t[i++]);
	}
	return found;
}

/* Whether the plain pattern of key node nd, whose literal prefix the tree
 * found at t[i, end), matches there (see PLAIN_*). */
static int plain_match(const bp_rules *r, const tnode *nd, const unsigned char *t, size_t len,
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
static int topic_walk(bp_classifier *c, const char *text, size_t len, size_t i, size_t *e,
		      unsigned *key, bp_error *err)
{
	const bp_rules *r = c->rules;
	const unsigned char *t = (const unsigned char *)text;
	const trie *tr = &r->tries[SIDE_TOPIC];
	const unsigned char *lower = r->lower;
	uint32_t n = tr->root[lower[t[i]]], found[PREFIX_MAX + 1];
	size_t ends[PREFIX_MAX + 1], nfound = 0, j = i + 1;

	if (!n && r->empty_rx < 0)
		return 0;
	while (n) {
		const tnode *nd = &tr->nodes[n];
		if (spell(tr, nd, 1, t, len, j) < nd->nlabel)
			break;
		j += nd->nlabel;
		if (nd->key >= 0) { /* keys on one path differ in length */
			found[nfound] = n;
			ends[nfound++] = j;
		}
		if (j == len)
			break;
		n = child(tr, nd, lower[t[j++]]);
	}
	while (nfound--) {
		const tnode *nd = &tr->nodes[found[nfound]];
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
		rc = try_rx(c, &r->rxs[x - 1], text, len, ends[nfound], 0, e, key, err);
		if (rc)
			return rc;
	}
	if (r->empty_rx >= 0 && BIT(r->empty_first, t[i]))
		/* NOTEMPTY_ATSTART: a pattern that can only match "" (say (?=x)) never does */
		return try_rx(c, &r->rxs[r->empty_rx], text, len, i, PCRE2_NOTEMPTY_ATSTART, e, key,
			      err);
	return 0;
}

/* The word masks of text window t[0, n), n <= 64: bit k of *w is set when
 * t[k] is a word byte, of *c when it is a continuation byte (see "Words"
 * and init_tables). Eight bytes at a time, without branches. */
static inline void window_masks(const unsigned char *t, size_t n, uint64_t *w, uint64_t *c)
{
	unsigned char pad[64];
	uint64_t wm = 0, cm = 0;

	if (n < 64) {
		memset(pad, 0, sizeof(pad)); /* NUL is no word byte */
		memcpy(pad, t, n);
		t = pad;
	}
	for (unsigned k = 0; k < 64; k += 8) {
		uint64_t x = bp_swar_load_le(t + k), a = x & ~BP_SWAR_HIGHS;
		uint64_t ascii = bp_swar_in7(a | BP_SWAR_ONES * 0x20, 'a', 'z') | bp_swar_in7(a, '0', '9');
		uint64_t lead = bp_swar_in7(a, 0xC3 & 0x7F, 0xD4 & 0x7F); /* C3-D4 */
		uint64_t cont = ~(x << 1); /* 80-BF: 10xxxxxx */
		wm |= (uint64_t)bp_swar_movemask((ascii & ~x) | (lead & x)) << k;
		cm |= (uint64_t)bp_swar_movemask(cont & x) << k;
	}
	*w = wm;
	*c = cm;
}

/* Visits every word start once for both sides. A gazetteer match consumes
 * its span (no alias starts inside it); a topic match does not.
 *
 * Word starts come from masks of 64-byte windows rather than byte loops. A
 * word is a run of word and continuation bytes (WB_WORD, WB_CONT) from its
 * first word byte on: continuation bytes before any word byte of a run
 * (stray ones, or the tail of a separator such as the curly apostrophe) are
 * no part of a word. With R = W | C per window:
 *   Y = C bytes that start a run of R,
 *   P = the runs of C bytes from each Y (added carries clear exactly them),
 *   L = R & ~P, the bytes inside words,
 *   S = W bytes not preceded by a byte of L: the word starts.
 * The carries take the previous window's last byte into account. */
static bp_status scan(bp_classifier *c, const char *text, size_t len, size_t heading_len,
		      bp_error *err)
{
	const bp_rules *r = c->rules;
	const unsigned char *t = (const unsigned char *)text, *cls = r->cls, *wb = r->wordbyte;
	unsigned gaz = r->tries[SIDE_GAZ].nnodes > 1;
	unsigned top = r->tries[SIDE_TOPIC].nnodes > 1 || r->empty_rx >= 0;
	size_t gaz_until = 0;
	uint64_t carry_r = 0, carry_p = 0, carry_l = 0;

	for (size_t base = 0; base < len; base += 64) {
		size_t n = len - base < 64 ? len - base : 64;
		uint64_t w, cm, rm, y, p, l, starts;

		window_masks(t + base, n, &w, &cm);
		rm = w | cm;
		y = cm & ~(rm << 1 | carry_r);
		p = cm & ~(cm + y + carry_p);
		l = rm & ~p;
		starts = w & ~(l << 1 | carry_l);
		carry_r = rm >> 63;
		carry_p = p >> 63;
		carry_l = l >> 63;

		for (; starts; starts &= starts - 1) {
			unsigned k = (unsigned)__builtin_ctzll(starts);
			uint64_t rest = ~(w >> k); /* zero bits: the word's first run */
			size_t i = base + k, e, wlen;
			unsigned key, tk, may_gaz, may_top;
			unsigned char h[8]; /* t[i, i + 8), zero past len */
			uint64_t g;

			wlen = rest ? (size_t)__builtin_ctzll(rest) : 64;
			if (k + wlen >= 64) /* the run goes on in the next window */
				wlen = word_run(wb, t + i, len - i);
			g = gaz_key(head8(t + i, len - i, h), wlen);
			tk = (unsigned)(cls[h[0]] * NCLS + cls[h[1]]) * NCLS + cls[h[2]];
			/* both sides' first filters, one branch for the usual "neither" */
			may_gaz = gaz & (i >= gaz_until) &
				  BIT(r->gazfirst, gaz_bit(g, GAZ_FIRST));
			may_top = top & BIT(r->tri, tk) &
				  (BIT(r->shortk, tk) |
				   (wlen >= r->quadmin[QUAD_HASH(tk * NCLS + cls[h[3]])]));
			if (!(may_gaz | may_top))
				continue;
			if (may_gaz &&
			    gaz_may_start(r, t + i, len - i, wlen, g) &&
			    gaz_walk(r, t, len, i, &e, &key)) {
				on_alias(c, key, i, e);
				gaz_until = e;
			}
			if (may_top) {
				int rc = topic_walk(c, text, len, i, &e, &key, err);
				if (rc < 0)
					return err ? err->code : BP_ERR_LIMIT;
				if (rc > 0)
					on_pattern(c, key, i, e, heading_len);
			}
		}
	}
	return BP_OK;
}

static int cmp_count(const void *pa, const void *pb)
{
	const bp_tag *a = pa, *b = pb;
	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	return strcmp(a->id, b->id);
}

static int cmp_score(const void *pa, const void *pb)
{
	const bp_tag *a = pa, *b = pb;
	if (a->score != b->score)
		return a->score < b->score ? 1 : -1;
	return strcmp(a->id, b->id);
}

static void collect(bp_classifier *c, size_t len, bp_tags *out)
{
	const bp_rules *r = c->rules;
	size_t nc = 0, no = 0, nt = 0, keep = 0;
	double scale = ((double)len > r->min_bytes ? (double)len : r->min_bytes) / r->block_bytes;
	double best = 0;

	scale = scale > 1e-6 ? square_root(scale) : 1e-3;
	for (size_t i = 0; i < c->nent_touched; i++) {
		unsigned ei = c->ent_touched[i];
		if (r->ents[ei].is_org)
			c->out_o[no++] = c->ent_tags[i];
		else
			c->out_c[nc++] = c->ent_tags[i];
		c->ent_slot[ei] = 0;
	}
	for (size_t i = 0; i < c->ntopic_touched; i++) {
		unsigned ti = c->topic_touched[i];
		bp_tag *t = &c->topic_tags[ti];
		double raw = c->topic_raw[ti], need = r->topics[ti].threshold * scale;
		if (raw >= need && t->count > 0) {
			t->score = raw / (raw + need);
			if (raw / need > best)
				best = raw / need;
			c->out_t[nt++] = *t;
		}
		t->id = NULL;
	}
	/* relative: drop topics far weaker than the block's strongest one */
	for (size_t i = 0; i < nt; i++) {
		double ratio = c->out_t[i].score / (1 - c->out_t[i].score);
		if (ratio >= r->relative * best)
			c->out_t[keep++] = c->out_t[i];
	}
	nt = keep;
	for (size_t i = 0; i < c->npat_touched; i++)
		c->pat_hits[c->pat_touched[i]] = 0;
	c->nent_touched = c->ntopic_touched = c->npat_touched = 0;
	if (nc > 1)
		qsort(c->out_c, nc, sizeof(bp_tag), cmp_count);
	if (no > 1)
		qsort(c->out_o, no, sizeof(bp_tag), cmp_count);
	if (nt > 1)
		qsort(c->out_t, nt, sizeof(bp_tag), cmp_score);
	if (nt > r->max_topics)
		nt = r->max_topics;
	out->countries = c->out_c;
	out->ncountries = nc;
	out->organizations = c->out_o;
	out->norganizations = no;
	out->topics = c->out_t;
	out->ntopics = nt;
}

bp_status bp_classifier_run(bp_classifier *c, const char *text, size_t len, size_t heading_len,
			    bp_tags *out, bp_error *err)
{
	bp_status st;

	memset(out, 0, sizeof(*out));
	if (heading_len > len)
		heading_len = len;
	st = scan(c, text, len, heading_len, err);
	collect(c, len, out);
	if (st != BP_OK)
		memset(out, 0, sizeof(*out));
	return st;
}
