/*
 * gazetteer.c - the name gazetteer (see bp_gazetteer.h): loads
 * countries.tsv and organizations.tsv into entities and distinct aliases,
 * builds their trie and prefilter, and finds the longest alias at a word
 * start.
 */
#include "bp_gazetteer.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "bp_data.h"
#include "bp_rulefile.h"
#include "bp_trie.h"

#define ID_MAX 32 /* organisation ids */
#define CLASS_NAME_MAX 16    /* an ending class's name, bytes */
#define CLASS_ENDINGS_MAX 32 /* endings of a class */
#define ENDING_MAX 16        /* an ending, bytes */
#define MARKS_MAX 4          /* ending classes in one alias */
#define FORMS_MAX 2048       /* forms of one alias row */
#define ENTITIES_MAX 10000
#define ALIASES_MAX 200000

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

/* The aliases that start with a byte past ASCII (the Russian names and
 * their forms: most of the rows) are built only when a word starting with
 * such a byte first passes the filter: loading checks their rows, counts
 * their forms and sets their filter bits, but their trie, in a part of its
 * own, waits (gaz_later). The filter is thus the same as with them built,
 * and a walk from a byte past ASCII uses that part, a walk from an ASCII
 * byte the main trie: the tries split by first byte. */
typedef struct later_row { /* a row of an alias starting past ASCII */
	const char *text;
	size_t len;
	int ent; /* -1: stop row */
	const char *path;
	unsigned long line;
} later_row;

typedef struct ending_class ending_class;

typedef struct gaz_part { /* the aliases starting past ASCII, once built */
	bp_arena arena;
	alias *aliases;
	size_t naliases;
	bp_trie trie;
} gaz_part;

typedef struct gaz_later {
	struct bp_gazetteer *g;
	pthread_mutex_t mu;
	_Atomic(gaz_part *) part;
	int failed; /* out of memory building it (under mu) */
	later_row *rows;
	size_t nrows;
	ending_class *classes;
	size_t nclasses;
} gaz_later;

struct bp_gazetteer {
	bp_arena arena;
	const bp_words *w;
	entity *ents; /* countries sorted by id, then organisations sorted by id */
	size_t nents, ncountries;
	alias *aliases; /* those starting with an ASCII byte */
	size_t naliases;
	const char *src[2]; /* blob paths: countries, organisations */
	bp_trie trie;
	bp_gaz_filter filter;
	gaz_later *later; /* the others (NULL: none) */
};

struct bp_gaz_run {
	const bp_gazetteer *g;
	/* the entities a run found, in the order found: few, so kept together
	 * rather than in an array by entity index (cache) */
	bp_tag *ent_tags;
	unsigned *ent_touched; /* their entity indices */
	size_t nent_touched;
	unsigned *ent_slot;    /* by entity index: 1 + its index in ent_tags, or 0 */
	bp_tag *out_c, *out_o;
};

/* ---- the filter ---- */

/* Sets the bits of alias k[0, n). */
static void filter_add(bp_gazetteer *g, const unsigned char *k, size_t n)
{
	unsigned char h[8];
	size_t run = bp_words_run(g->w->wordbyte, k, n);
	uint64_t key = bp_gaz_key(bp_words_head8(k, n, h), run);

	BP_SET(g->filter.first, bp_gaz_bit(key, BP_GAZ_FIRST));
	if (run == n)
		BP_SET(g->filter.run, bp_gaz_bit(key, BP_GAZ_END));
	else if (run + 1 == n)
		BP_SET(g->filter.run, bp_gaz_bit(key, bp_gaz_next(k[run], BP_GAZ_ANY)));
	else
		BP_SET(g->filter.run, bp_gaz_bit(key, bp_gaz_next(k[run], k[run + 1])));
}

/* ---- loading ---- */

typedef struct alias_row {
	const char *text;
	size_t len;
	int ent; /* -1: stop row */
} alias_row;

/* An ending class (an `endings` row): the endings that can follow a stem
 * written STEM{NAME} in an alias ("" for the empty ending, written -). */
struct ending_class {
	char name[CLASS_NAME_MAX + 1];
	char end[CLASS_ENDINGS_MAX][ENDING_MAX + 1];
	size_t nend;
};

typedef struct gaz_load {
	bp_gazetteer *g;
	bp_arena *arena; /* where forms go */
	ending_class *classes;
	size_t nclasses, classes_cap;
	size_t ents_cap;
	int last; /* the entity found last, tried first */
	alias_row *rows;
	size_t nrows, rows_cap;
	int loading; /* 1: rows count as the entity's aliases, later ones wait */
	int filter_only; /* forms only counted and put in the filter (gaz_later) */
	size_t nlater_forms;
	later_row *later;
	size_t nlater, later_cap;
} gaz_load;

static const char *const country_kinds[] = {"name",  "official", "variant", "adj", "demonym",
					    "capital", "place", "historic", "stop", "endings", NULL};
static const char *const org_kinds[] = {"name", "abbr", "variant", "stop", "endings", NULL};

static int is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

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
static int entity_get(gaz_load *l, int is_org, const char *id, size_t n, const char *path,
		      unsigned long line, bp_error *err)
{
	bp_gazetteer *g = l->g;
	entity *e;

	if (l->last >= 0 && (size_t)l->last < g->nents) {
		e = &g->ents[l->last];
		if (e->is_org == is_org && strlen(e->id) == n && memcmp(e->id, id, n) == 0)
			return l->last;
	}
	for (size_t i = g->nents; i-- > 0;) {
		e = &g->ents[i];
		if (e->is_org == is_org && strlen(e->id) == n && memcmp(e->id, id, n) == 0)
			return l->last = (int)i;
	}
	if (g->nents >= ENTITIES_MAX) {
		bp_error_set(err, BP_ERR_LIMIT, path, line, "more than %d ids", ENTITIES_MAX);
		return -1;
	}
	if (bp_grow(&g->ents, &l->ents_cap, g->nents + 1, sizeof(entity), 16) != 0 ||
	    !(id = bp_arena_str(&g->arena, id, n))) {
		bp_error_set(err, BP_ERR_NOMEM, path, line, "out of memory");
		return -1;
	}
	e = &g->ents[g->nents];
	memset(e, 0, sizeof(*e));
	e->id = id;
	e->source = path;
	e->first_line = line;
	e->is_org = is_org;
	return l->last = (int)g->nents++;
}

static bp_status add_row(gaz_load *l, const char *text, size_t len, int ent, const char *path,
			 unsigned long line, bp_error *err)
{
	if (l->nrows + l->nlater_forms >= ALIASES_MAX)
		return bp_error_set(err, BP_ERR_LIMIT, path, line, "more than %d aliases", ALIASES_MAX);
	if (l->filter_only) { /* a form of a row that waits (gaz_later) */
		l->nlater_forms++;
		filter_add(l->g, (const unsigned char *)text, len);
	} else {
		if (bp_grow(&l->rows, &l->rows_cap, l->nrows + 1, sizeof(alias_row), 16) != 0)
			return bp_error_set(err, BP_ERR_NOMEM, path, line, "out of memory");
		l->rows[l->nrows].text = text;
		l->rows[l->nrows].len = len;
		l->rows[l->nrows].ent = ent;
		l->nrows++;
	}
	if (ent >= 0 && l->loading)
		l->g->ents[ent].naliases++;
	return BP_OK;
}

/* An `endings` row: class name[0, nn), its endings in e[0, en) separated by
 * spaces ("-" is the empty ending). */
static bp_status class_row(gaz_load *l, const char *path, unsigned long line, const char *name,
			   size_t nn, const char *e, size_t en, bp_error *err)
{
	ending_class *c;
	size_t i = 0;

	if (nn == 0 || nn > CLASS_NAME_MAX || memchr(name, ' ', nn) || memchr(name, '{', nn) ||
	    memchr(name, '}', nn) || bp_rulefile_has_control(name, nn))
		return bp_error_set(err, BP_ERR_DATA, path, line,
				    "invalid ending class name '%.*s' (1 to %d bytes, no space or brace)",
				    (int)(nn > 40 ? 40 : nn), name, CLASS_NAME_MAX);
	for (size_t k = 0; k < l->nclasses; k++)
		if (strlen(l->classes[k].name) == nn && memcmp(l->classes[k].name, name, nn) == 0)
			return bp_error_set(err, BP_ERR_DATA, path, line,
					    "second endings row for class '%.*s'", (int)nn, name);
	if (bp_grow(&l->classes, &l->classes_cap, l->nclasses + 1, sizeof(ending_class), 8) != 0)
		return bp_error_set(err, BP_ERR_NOMEM, path, line, "out of memory");
	c = &l->classes[l->nclasses];
	memset(c, 0, sizeof(*c));
	memcpy(c->name, name, nn);
	while (i < en) {
		size_t j = i;
		while (j < en && e[j] != ' ')
			j++;
		if (j > i) {
			size_t k = j - i;
			if (c->nend >= CLASS_ENDINGS_MAX)
				return bp_error_set(err, BP_ERR_DATA, path, line,
						    "more than %d endings in a class", CLASS_ENDINGS_MAX);
			if (k > ENDING_MAX || memchr(e + i, '{', k) || memchr(e + i, '}', k))
				return bp_error_set(err, BP_ERR_DATA, path, line,
						    "invalid ending '%.*s'", (int)(k > 40 ? 40 : k), e + i);
			if (!(k == 1 && e[i] == '-'))
				memcpy(c->end[c->nend], e + i, k);
			for (size_t q = 0; q < c->nend; q++)
				if (strcmp(c->end[q], c->end[c->nend]) == 0)
					return bp_error_set(err, BP_ERR_DATA, path, line,
							    "ending '%.*s' twice in class '%s'",
							    (int)k, e + i, c->name);
			c->nend++;
		}
		i = j + 1;
	}
	if (c->nend == 0)
		return bp_error_set(err, BP_ERR_DATA, path, line, "an endings row without endings");
	l->nclasses++;
	return BP_OK;
}

/* The forms of alias a[0, an) with ending classes ("Сир{ия}"): every
 * combination of its classes' endings, each added as a row of ent; when
 * the alias starts with a lower-case letter, also with it capitalised (the
 * first word of a sentence). */
static bp_status add_forms(gaz_load *l, const char *a, size_t an, int ent, const char *path,
			   unsigned long line, bp_error *err)
{
	const ending_class *cls[MARKS_MAX];
	size_t lit_at[MARKS_MAX + 1], lit_len[MARKS_MAX + 1], nm = 0, i = 0, forms = 1;
	unsigned char cap[2];
	size_t capn = bp_words_upper((const unsigned char *)a, an, cap);

	/* the literal parts and the classes between them */
	while (i <= an) {
		const char *o = i < an ? memchr(a + i, '{', an - i) : NULL;
		const char *c;
		size_t k;
		if (!o) {
			lit_at[nm] = i;
			lit_len[nm] = an - i;
			break;
		}
		if (nm >= MARKS_MAX)
			return bp_error_set(err, BP_ERR_DATA, path, line,
					    "more than %d ending classes in an alias", MARKS_MAX);
		lit_at[nm] = i;
		lit_len[nm] = (size_t)(o - (a + i));
		if (nm == 0 && lit_len[0] == 0)
			return bp_error_set(err, BP_ERR_DATA, path, line,
					    "an alias must start with a stem, not an ending class");
		c = memchr(o, '}', (size_t)(a + an - o));
		if (!c)
			return bp_error_set(err, BP_ERR_DATA, path, line, "'{' without '}' in alias");
		k = (size_t)(c - o - 1);
		cls[nm] = NULL;
		for (size_t q = 0; q < l->nclasses; q++)
			if (strlen(l->classes[q].name) == k && memcmp(l->classes[q].name, o + 1, k) == 0)
				cls[nm] = &l->classes[q];
		if (!cls[nm])
			return bp_error_set(err, BP_ERR_DATA, path, line,
					    "unknown ending class '{%.*s}' (define it on an endings row above)",
					    (int)(k > 40 ? 40 : k), o + 1);
		forms *= cls[nm]->nend;
		if (forms > FORMS_MAX)
			return bp_error_set(err, BP_ERR_DATA, path, line,
					    "more than %d forms of one alias", FORMS_MAX);
		nm++;
		i = (size_t)(c - a) + 1;
	}
	if (memchr(a, '}', an) && nm == 0)
		return bp_error_set(err, BP_ERR_DATA, path, line, "'}' without '{' in alias");
	for (size_t f = 0; f < forms; f++) {
		char buf[BP_GAZ_ALIAS_MAX * 2 + 1];
		size_t n = 0, rest = f;
		const char *text;
		for (size_t m = 0; m <= nm; m++) {
			if (lit_len[m] && memchr(a + lit_at[m], '}', lit_len[m]))
				return bp_error_set(err, BP_ERR_DATA, path, line,
						    "'}' without '{' in alias");
			if (n + lit_len[m] > BP_GAZ_ALIAS_MAX)
				return bp_error_set(err, BP_ERR_DATA, path, line,
						    "a form longer than %d bytes", BP_GAZ_ALIAS_MAX);
			memcpy(buf + n, a + lit_at[m], lit_len[m]);
			n += lit_len[m];
			if (m < nm) {
				const char *e = cls[m]->end[rest % cls[m]->nend];
				size_t en = strlen(e);
				rest /= cls[m]->nend;
				if (n + en > BP_GAZ_ALIAS_MAX)
					return bp_error_set(err, BP_ERR_DATA, path, line,
							    "a form longer than %d bytes",
							    BP_GAZ_ALIAS_MAX);
				memcpy(buf + n, e, en);
				n += en;
			}
		}
		if (n < 2)
			return bp_error_set(err, BP_ERR_DATA, path, line, "a form of one character");
		for (int up = 0; up < (capn ? 2 : 1); up++) {
			bp_status st;
			if (up)
				memcpy(buf, cap, capn); /* same length: a-z, 2-byte Cyrillic */
			if (l->filter_only)
				text = buf; /* not kept */
			else if (!(text = bp_arena_str(l->arena, buf, n)))
				return bp_error_set(err, BP_ERR_NOMEM, path, line, "out of memory");
			if ((st = add_row(l, text, n, ent, path, line, err)) != BP_OK)
				return st;
		}
	}
	return BP_OK;
}

/* Alias text[0, n) of ent (-1: a stop row), with its forms when it has
 * ending classes; one starting past ASCII waits (see gaz_later) while
 * loading. */
static bp_status add_alias(gaz_load *l, const char *text, size_t n, int ent, const char *path,
			   unsigned long line, bp_error *err)
{
	int forms = memchr(text, '{', n) != NULL;
	bp_status st;

	if (!l->loading || (unsigned char)text[0] < 0x80)
		return forms ? add_forms(l, text, n, ent, path, line, err)
			     : add_row(l, text, n, ent, path, line, err);
	if (bp_grow(&l->later, &l->later_cap, l->nlater + 1, sizeof(later_row), 16) != 0)
		return bp_error_set(err, BP_ERR_NOMEM, path, line, "out of memory");
	l->later[l->nlater++] = (later_row){text, n, ent, path, line};
	l->filter_only = 1;
	st = forms ? add_forms(l, text, n, ent, path, line, err)
		   : add_row(l, text, n, ent, path, line, err);
	l->filter_only = 0;
	return st;
}

static bp_status gaz_line(gaz_load *l, int is_org, const char *path, unsigned long line,
			  const char *s, size_t n, bp_error *err)
{
	bp_gazetteer *g = l->g;
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
		bp_rulefile_trim(&f[i], &fn[i]);
	}
	if (memchr(f[2], '\t', fn[2]))
		return bp_error_set(err, BP_ERR_DATA, path, line, "expected 3 tab-separated fields");
	kind = kind_index(kinds, f[1], fn[1]);
	if (kind < 0)
		return bp_error_set(err, BP_ERR_DATA, path, line, "unknown kind '%.*s'",
				    (int)(fn[1] > 40 ? 40 : fn[1]), f[1]);
	if (strcmp(kinds[kind], "endings") == 0)
		return class_row(l, path, line, f[0], fn[0], f[2], fn[2], err);
	stop = strcmp(kinds[kind], "stop") == 0;
	if (fn[2] == 0)
		return bp_error_set(err, BP_ERR_DATA, path, line, "empty alias");
	if (fn[2] == 1)
		return bp_error_set(err, BP_ERR_DATA, path, line, "alias of one character");
	if (fn[2] > BP_GAZ_ALIAS_MAX)
		return bp_error_set(err, BP_ERR_DATA, path, line, "alias longer than %d bytes",
				    BP_GAZ_ALIAS_MAX);
	if (bp_rulefile_has_control(f[2], fn[2]))
		return bp_error_set(err, BP_ERR_DATA, path, line, "control character in alias");
	if (g->w->kind[(unsigned char)f[2][0]] != BP_KIND_ALNUM &&
	    g->w->kind[(unsigned char)f[2][0]] != BP_KIND_LEAD)
		return bp_error_set(err, BP_ERR_DATA, path, line,
				    "alias must start with a letter or digit");
	if (stop != (fn[0] == 1 && f[0][0] == '-'))
		return bp_error_set(err, BP_ERR_DATA, path, line,
				    stop ? "a stop row needs '-' as its id"
					 : "'-' is only allowed on stop rows");
	if (!(text = bp_arena_str(&g->arena, f[2], fn[2])))
		return bp_error_set(err, BP_ERR_NOMEM, path, line, "out of memory");
	if (stop)
		return add_alias(l, text, fn[2], -1, path, line, err);
	for (const char *c = f[0], *end = f[0] + fn[0]; c <= end;) {
		const char *comma = memchr(c, ',', (size_t)(end - c));
		const char *ce = comma ? comma : end;
		const char *cs = c;
		size_t cn = (size_t)(ce - c);
		int ent;
		bp_status st;

		bp_rulefile_trim(&cs, &cn);
		if (!valid_code(cs, cn, is_org))
			return bp_error_set(err, BP_ERR_DATA, path, line, "invalid %s '%.*s'",
					    is_org ? "organization id" : "country code",
					    (int)(cn > 40 ? 40 : cn), cs);
		if (kind == 0 && (comma || c != f[0]))
			return bp_error_set(err, BP_ERR_DATA, path, line,
					    "a name row must have a single id");
		ent = entity_get(l, is_org, cs, cn, path, line, err);
		if (ent < 0)
			return err ? err->code : BP_ERR_DATA;
		if (kind == 0) {
			if (g->ents[ent].name)
				return bp_error_set(err, BP_ERR_DATA, path, line,
						    "second name row for '%s'", g->ents[ent].id);
			g->ents[ent].name = text;
		}
		if (kind == 0 && memchr(text, '{', fn[2]))
			return bp_error_set(err, BP_ERR_DATA, path, line,
					    "a name row cannot have ending classes (it is the display name)");
		st = add_alias(l, text, fn[2], ent, path, line, err);
		if (st != BP_OK)
			return st;
		c = ce + 1;
	}
	return BP_OK;
}

static bp_status gaz_file(gaz_load *l, const bp_blob *b, int is_org, bp_error *err)
{
	size_t pos = 0, first = l->g->nents;
	unsigned long lineno = 0;
	const char *s, *path = l->g->src[is_org];
	size_t n;
	int rc;
	bp_status st;

	while ((rc = bp_rulefile_next_line(b, &pos, &lineno, &s, &n, err)) > 0) {
		st = gaz_line(l, is_org, path, lineno, s, n, err);
		if (st != BP_OK)
			return st;
	}
	if (rc < 0)
		return err ? err->code : BP_ERR_DATA;
	for (size_t i = first; i < l->g->nents; i++)
		if (!l->g->ents[i].name)
			return bp_error_set(err, BP_ERR_DATA, path, l->g->ents[i].first_line,
					    "no name row for '%s'", l->g->ents[i].id);
	return BP_OK;
}

static int cmp_row(const void *pa, const void *pb)
{
	const alias_row *a = pa, *b = pb;
	int c = bp_bytes_cmp(a->text, a->len, b->text, b->len);
	return c ? c : (a->ent > b->ent) - (a->ent < b->ent);
}

static int cmp_entity(const void *pa, const void *pb)
{
	const entity *a = pa, *b = pb;
	if (a->is_org != b->is_org)
		return a->is_org - b->is_org;
	return strcmp(a->id, b->id);
}

/* Sorts v[0, n), whose texts share their first d bytes, into cmp_row order:
 * a radix sort on byte d (texts that end there first, then by byte), each
 * bucket sorted on from byte d + 1; small ones by insertion. tmp has room
 * for n rows. Loading sorts ten thousand rows (the Russian forms), which
 * qsort took two milliseconds of startup over. */
static void sort_rows(alias_row *v, size_t n, size_t d, alias_row *tmp)
{
	size_t at[258] = {0};

	if (n < 24) {
		for (size_t i = 1; i < n; i++) {
			alias_row x = v[i];
			size_t j = i;
			for (; j > 0 && cmp_row(&v[j - 1], &x) > 0; j--)
				v[j] = v[j - 1];
			v[j] = x;
		}
		return;
	}
	/* bucket 0: the texts of length d (all equal), then one per byte */
	for (size_t i = 0; i < n; i++)
		at[(v[i].len == d ? 0 : 1 + (unsigned char)v[i].text[d]) + 1]++;
	for (size_t b = 1; b < 258; b++)
		at[b] += at[b - 1];
	for (size_t i = 0; i < n; i++)
		tmp[at[v[i].len == d ? 0 : 1 + (unsigned char)v[i].text[d]]++] = v[i];
	memcpy(v, tmp, n * sizeof(*v));
	/* at[b] is now the end of bucket b */
	for (size_t b = 0, lo = 0; b < 257; lo = at[b++]) {
		if (at[b] - lo < 2)
			continue;
		if (b == 0)
			qsort(v + lo, at[b] - lo, sizeof(*v), cmp_row); /* by entity */
		else
			sort_rows(v + lo, at[b] - lo, d + 1, tmp);
	}
}

/* Sorts rows[0, n) and merges equal texts into *out (calloc'd), their
 * targets in arena. */
static bp_status merge_rows(alias_row *rows, size_t n, bp_arena *arena, alias **out,
			    size_t *nout, bp_error *err)
{
	alias *v;
	alias_row *tmp;
	size_t i, j, m = 0;

	*out = NULL;
	*nout = 0;
	if (n == 0)
		return BP_OK;
	if (!(tmp = malloc(n * sizeof(alias_row))))
		return bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
	sort_rows(rows, n, 0, tmp);
	free(tmp);
	if (!(v = calloc(n, sizeof(alias))))
		return bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
	*out = v;
	for (i = 0; i < n; i = j) {
		alias *a = &v[m++];
		size_t nt = 0;
		for (j = i; j < n && rows[j].len == rows[i].len &&
			    memcmp(rows[j].text, rows[i].text, rows[i].len) == 0;
		     j++)
			nt += rows[j].ent >= 0;
		a->text = rows[i].text;
		a->len = rows[i].len;
		*nout = m;
		if (nt && !(a->targets = bp_arena_alloc(arena, nt * sizeof(unsigned))))
			return bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
		for (size_t k = i; k < j; k++) {
			int e = rows[k].ent;
			if (e >= 0 && (a->ntargets == 0 || a->targets[a->ntargets - 1] != (unsigned)e))
				a->targets[a->ntargets++] = (unsigned)e;
		}
	}
	return BP_OK;
}

/* Sorts entities (countries first, by id), remaps rows (those waiting
 * too), merges equal aliases. */
static bp_status gaz_finish(gaz_load *l, bp_error *err)
{
	bp_gazetteer *g = l->g;
	unsigned *map = NULL;
	size_t i;

	for (i = 0; i < g->nents; i++)
		g->ents[i].order = i;
	qsort(g->ents, g->nents, sizeof(entity), cmp_entity);
	if (g->nents && !(map = malloc(g->nents * sizeof(unsigned))))
		return bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
	for (i = 0; i < g->nents; i++) {
		map[g->ents[i].order] = (unsigned)i;
		if (!g->ents[i].is_org)
			g->ncountries = i + 1;
	}
	for (i = 0; i < l->nrows; i++)
		if (l->rows[i].ent >= 0)
			l->rows[i].ent = (int)map[l->rows[i].ent];
	for (i = 0; i < l->nlater; i++)
		if (l->later[i].ent >= 0)
			l->later[i].ent = (int)map[l->later[i].ent];
	free(map);
	return merge_rows(l->rows, l->nrows, &g->arena, &g->aliases, &g->naliases, err);
}

/* The trie of the distinct aliases a[0, n), which merge_rows left in
 * bp_tkey_cmp order (by bytes; the marks ascending); with g, their filter
 * bits too. */
static bp_status trie_of(bp_gazetteer *g, const alias *a, size_t n, bp_trie *t, bp_error *err)
{
	bp_tkey *keys;
	bp_status st;

	if (n == 0)
		return BP_OK;
	keys = calloc(n, sizeof(bp_tkey));
	if (!keys)
		return bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
	for (size_t i = 0; i < n; i++) {
		keys[i].mark = (unsigned)i;
		keys[i].s = a[i].text;
		keys[i].n = a[i].len;
		if (g)
			filter_add(g, (const unsigned char *)keys[i].s, keys[i].n);
	}
	st = bp_trie_build(t, keys, n, err);
	free(keys);
	return st;
}

static void part_free(gaz_part *p)
{
	if (!p)
		return;
	bp_trie_release(&p->trie);
	free(p->aliases);
	bp_arena_free(&p->arena);
	free(p);
}

/* Builds the aliases that start past ASCII from their rows (see
 * gaz_later): their forms, merged, and their trie. NULL when out of memory. */
static gaz_part *part_build(const gaz_later *lt)
{
	gaz_part *p = calloc(1, sizeof(*p));
	gaz_load l = {0};
	bp_error err;
	bp_status st = BP_OK;

	if (!p)
		return NULL;
	bp_error_clear(&err);
	l.g = lt->g;
	l.arena = &p->arena;
	l.classes = lt->classes;
	l.nclasses = lt->nclasses;
	for (size_t i = 0; i < lt->nrows && st == BP_OK; i++) {
		const later_row *r = &lt->rows[i];
		st = memchr(r->text, '{', r->len) ? add_forms(&l, r->text, r->len, r->ent, r->path, r->line, &err)
						  : add_row(&l, r->text, r->len, r->ent, r->path, r->line, &err);
	}
	if (st == BP_OK)
		st = merge_rows(l.rows, l.nrows, &p->arena, &p->aliases, &p->naliases, &err);
	if (st == BP_OK)
		st = trie_of(NULL, p->aliases, p->naliases, &p->trie, &err);
	free(l.rows);
	if (st != BP_OK) {
		part_free(p);
		return NULL;
	}
	return p;
}

/* The aliases starting past ASCII, built on first use; NULL when out of
 * memory. Runs on several threads share the gazetteer: the first builds
 * under the lock, and the part is published by an atomic pointer. */
static const gaz_part *gaz_part_get(gaz_later *lt)
{
	gaz_part *p = atomic_load_explicit(&lt->part, memory_order_acquire);

	if (p)
		return p;
	pthread_mutex_lock(&lt->mu);
	p = atomic_load_explicit(&lt->part, memory_order_relaxed);
	if (!p && !lt->failed) {
		p = part_build(lt);
		if (p)
			atomic_store_explicit(&lt->part, p, memory_order_release);
		else
			lt->failed = 1;
	}
	pthread_mutex_unlock(&lt->mu);
	return p;
}

static void later_free(gaz_later *lt)
{
	if (!lt)
		return;
	part_free(atomic_load(&lt->part));
	pthread_mutex_destroy(&lt->mu);
	free(lt->rows);
	free(lt->classes);
	free(lt);
}

void bp_gazetteer_free(bp_gazetteer *g)
{
	if (!g)
		return;
	later_free(g->later);
	bp_trie_release(&g->trie);
	free(g->ents);
	free(g->aliases);
	bp_arena_free(&g->arena);
	free(g);
}

static bp_status gaz_load_all(bp_gazetteer *g, const char *dir, bp_error *err)
{
	static const char *const names[2] = {"countries.tsv", "organizations.tsv"};
	gaz_load l = {0};
	bp_blob blob;
	bp_status st = BP_OK;

	l.g = g;
	l.arena = &g->arena;
	l.loading = 1;
	l.last = -1;
	for (int f = 0; f < 2 && st == BP_OK; f++) {
		st = bp_blob_load(dir, names[f], &blob, err);
		if (st != BP_OK)
			break;
		if (!(g->src[f] = bp_arena_str(&g->arena, blob.path, strlen(blob.path))))
			st = bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
		else
			st = gaz_file(&l, &blob, f, err);
		bp_blob_release(&blob);
	}
	if (st == BP_OK)
		st = gaz_finish(&l, err);
	free(l.rows);
	if (st == BP_OK)
		st = trie_of(g, g->aliases, g->naliases, &g->trie, err);
	if (st == BP_OK && l.nlater) {
		gaz_later *lt = calloc(1, sizeof(*lt));
		if (!lt || pthread_mutex_init(&lt->mu, NULL) != 0) {
			free(lt);
			st = bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
		} else {
			lt->g = g;
			atomic_init(&lt->part, NULL);
			lt->rows = l.later;
			lt->nrows = l.nlater;
			lt->classes = l.classes;
			lt->nclasses = l.nclasses;
			l.later = NULL;
			l.classes = NULL;
			g->later = lt;
		}
	}
	free(l.later);
	free(l.classes);
	return st;
}

bp_status bp_gazetteer_load(const bp_words *words, const char *dir, bp_gazetteer **out,
			    bp_error *err)
{
	bp_gazetteer *g = calloc(1, sizeof(*g));
	bp_status st;

	*out = NULL;
	if (!g)
		return bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
	g->w = words;
	st = gaz_load_all(g, dir, err);
	if (st != BP_OK) {
		bp_gazetteer_free(g);
		return st;
	}
	*out = g;
	return BP_OK;
}

int bp_gazetteer_nonempty(const bp_gazetteer *g)
{
	return bp_trie_nonempty(&g->trie) || g->later;
}

const bp_gaz_filter *bp_gazetteer_filter(const bp_gazetteer *g)
{
	return &g->filter;
}

size_t bp_gazetteer_count(const bp_gazetteer *g)
{
	return g ? g->nents : 0;
}

void bp_gazetteer_info(const bp_gazetteer *g, size_t i, bp_rule_info *e)
{
	memset(e, 0, sizeof(*e));
	if (!g || i >= g->nents)
		return;
	e->kind = g->ents[i].is_org ? "organization" : "country";
	e->id = g->ents[i].id;
	e->name = g->ents[i].name;
	e->detail = g->ents[i].naliases;
	e->source = g->ents[i].source;
}

/* ---- matching ---- */

bp_gaz_run *bp_gaz_run_new(const bp_gazetteer *g)
{
	bp_gaz_run *run = calloc(1, sizeof(*run));
	size_t ne = g->nents;

	if (!run)
		return NULL;
	run->g = g;
	run->ent_tags = calloc(ne + 1, sizeof(bp_tag));
	run->ent_touched = calloc(ne + 1, sizeof(unsigned));
	run->ent_slot = calloc(ne + 1, sizeof(unsigned));
	run->out_c = calloc(ne + 1, sizeof(bp_tag));
	run->out_o = calloc(ne + 1, sizeof(bp_tag));
	if (!run->ent_tags || !run->ent_touched || !run->ent_slot || !run->out_c || !run->out_o) {
		bp_gaz_run_free(run);
		return NULL;
	}
	return run;
}

void bp_gaz_run_free(bp_gaz_run *run)
{
	if (!run)
		return;
	free(run->ent_tags);
	free(run->ent_touched);
	free(run->ent_slot);
	free(run->out_c);
	free(run->out_o);
	free(run);
}

/* The longest alias at word start i that ends at a word end: 1 with *e and
 * *key set, else 0. */
static inline int gaz_walk(const bp_gazetteer *g, const bp_trie *tr, const unsigned char *t,
			   size_t len, size_t i, size_t *e, unsigned *key)
{
	const unsigned char *wb = g->w->wordbyte;
	uint32_t n = tr->root[t[i]];
	int found = 0;

	i++;
	while (n) {
		const bp_tnode *nd = &tr->nodes[n];
		if (bp_trie_spell(tr, nd, 0, t, len, i) < nd->nlabel)
			break;
		i += nd->nlabel;
		if (nd->key >= 0 && (i == len || wb[t[i]] != BP_WB_WORD)) {
			*e = i;
			*key = (unsigned)nd->key;
			found = 1;
		}
		if (i == len)
			break;
		n = bp_trie_child(tr, nd, t[i++]);
	}
	return found;
}

static void add_evidence(bp_tag *t, size_t s, size_t e)
{
	if (t->nevidence < BP_EVIDENCE_MAX) {
		t->evidence[t->nevidence].start = s;
		t->evidence[t->nevidence].end = e;
		t->nevidence++;
	}
}

static void on_alias(bp_gaz_run *run, const alias *a, size_t s, size_t e)
{
	const bp_gazetteer *g = run->g;

	for (size_t i = 0; i < a->ntargets; i++) {
		unsigned ei = a->targets[i];
		bp_tag *t;
		if (run->ent_slot[ei] == 0) {
			t = &run->ent_tags[run->nent_touched];
			run->ent_touched[run->nent_touched++] = ei;
			run->ent_slot[ei] = (unsigned)run->nent_touched;
			t->id = g->ents[ei].id;
			t->name = g->ents[ei].name;
			t->count = 0;
			t->nevidence = 0;
			t->score = 0;
		} else {
			t = &run->ent_tags[run->ent_slot[ei] - 1];
		}
		t->count++;
		add_evidence(t, s, e);
	}
}

int bp_gaz_run_match(bp_gaz_run *run, const unsigned char *t, size_t len, size_t i, size_t *end)
{
	const bp_gazetteer *g = run->g;
	const bp_trie *tr = &g->trie;
	const alias *a = g->aliases;
	size_t na = g->naliases;
	unsigned key;

	if (t[i] >= 0x80 && g->later) { /* the tries split by first byte */
		const gaz_part *p = gaz_part_get(g->later);
		if (!p)
			return -1;
		tr = &p->trie;
		a = p->aliases;
		na = p->naliases;
	}
	if (!gaz_walk(g, tr, t, len, i, end, &key) || key >= na)
		return 0;
	on_alias(run, &a[key], i, *end);
	return 1;
}

static int cmp_count(const void *pa, const void *pb)
{
	const bp_tag *a = pa, *b = pb;
	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	return strcmp(a->id, b->id);
}

void bp_gaz_run_collect(bp_gaz_run *run, bp_tags *out)
{
	const bp_gazetteer *g = run->g;
	size_t nc = 0, no = 0;

	for (size_t i = 0; i < run->nent_touched; i++) {
		unsigned ei = run->ent_touched[i];
		if (g->ents[ei].is_org)
			run->out_o[no++] = run->ent_tags[i];
		else
			run->out_c[nc++] = run->ent_tags[i];
		run->ent_slot[ei] = 0;
	}
	run->nent_touched = 0;
	if (nc > 1)
		qsort(run->out_c, nc, sizeof(bp_tag), cmp_count);
	if (no > 1)
		qsort(run->out_o, no, sizeof(bp_tag), cmp_count);
	out->countries = run->out_c;
	out->ncountries = nc;
	out->organizations = run->out_o;
	out->norganizations = no;
}
