/*
 * gazetteer.c - the name gazetteer (see bp_gazetteer.h): loads
 * countries.tsv and organizations.tsv into entities and distinct aliases,
 * builds their trie and prefilter, and finds the longest alias at a word
 * start.
 */
#include "bp_gazetteer.h"

#include <stdlib.h>
#include <string.h>

#include "bp_data.h"
#include "bp_rulefile.h"
#include "bp_trie.h"

#define ID_MAX 32 /* organisation ids */
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

struct bp_gazetteer {
	bp_arena arena;
	const bp_words *w;
	entity *ents; /* countries sorted by id, then organisations sorted by id */
	size_t nents, ncountries;
	alias *aliases;
	size_t naliases;
	const char *src[2]; /* blob paths: countries, organisations */
	bp_trie trie;
	bp_gaz_filter filter;
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

typedef struct gaz_load {
	bp_gazetteer *g;
	size_t ents_cap;
	int last; /* the entity found last, tried first */
	alias_row *rows;
	size_t nrows, rows_cap;
} gaz_load;

static const char *const country_kinds[] = {"name",  "official", "variant", "adj", "demonym",
					    "capital", "place", "historic", "stop", NULL};
static const char *const org_kinds[] = {"name", "abbr", "variant", "stop", NULL};

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
	if (l->nrows >= ALIASES_MAX)
		return bp_error_set(err, BP_ERR_LIMIT, path, line, "more than %d aliases", ALIASES_MAX);
	if (bp_grow(&l->rows, &l->rows_cap, l->nrows + 1, sizeof(alias_row), 16) != 0)
		return bp_error_set(err, BP_ERR_NOMEM, path, line, "out of memory");
	l->rows[l->nrows].text = text;
	l->rows[l->nrows].len = len;
	l->rows[l->nrows].ent = ent;
	l->nrows++;
	if (ent >= 0)
		l->g->ents[ent].naliases++;
	return BP_OK;
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
		return add_row(l, text, fn[2], -1, path, line, err);
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
		st = add_row(l, text, fn[2], ent, path, line, err);
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

/* Sorts entities (countries first, by id), remaps rows, merges equal aliases. */
static bp_status gaz_finish(gaz_load *l, bp_error *err)
{
	bp_gazetteer *g = l->g;
	unsigned *map = NULL;
	size_t i, j;

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
	free(map);
	qsort(l->rows, l->nrows, sizeof(alias_row), cmp_row);
	if (l->nrows && !(g->aliases = calloc(l->nrows, sizeof(alias))))
		return bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
	for (i = 0; i < l->nrows; i = j) {
		alias *a = &g->aliases[g->naliases++];
		size_t nt = 0;
		for (j = i; j < l->nrows && l->rows[j].len == l->rows[i].len &&
			    memcmp(l->rows[j].text, l->rows[i].text, l->rows[i].len) == 0;
		     j++)
			nt += l->rows[j].ent >= 0;
		a->text = l->rows[i].text;
		a->len = l->rows[i].len;
		if (nt && !(a->targets = bp_arena_alloc(&g->arena, nt * sizeof(unsigned))))
			return bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
		for (size_t k = i; k < j; k++) {
			int e = l->rows[k].ent;
			if (e >= 0 && (a->ntargets == 0 || a->targets[a->ntargets - 1] != (unsigned)e))
				a->targets[a->ntargets++] = (unsigned)e;
		}
	}
	return BP_OK;
}

/* The filter and the trie of the distinct aliases. */
static bp_status gaz_build(bp_gazetteer *g, bp_error *err)
{
	size_t nkeys = g->naliases;
	bp_tkey *keys;
	bp_status st;

	if (nkeys == 0)
		return BP_OK;
	keys = calloc(nkeys, sizeof(bp_tkey));
	if (!keys)
		return bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
	for (size_t i = 0; i < nkeys; i++) {
		keys[i].mark = (unsigned)i;
		keys[i].s = g->aliases[i].text;
		keys[i].n = g->aliases[i].len;
		filter_add(g, (const unsigned char *)keys[i].s, keys[i].n);
	}
	qsort(keys, nkeys, sizeof(bp_tkey), bp_tkey_cmp);
	st = bp_trie_build(&g->trie, keys, nkeys, err);
	free(keys);
	return st;
}

void bp_gazetteer_free(bp_gazetteer *g)
{
	if (!g)
		return;
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
		st = gaz_build(g, err);
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
	return bp_trie_nonempty(&g->trie);
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
static inline int gaz_walk(const bp_gazetteer *g, const unsigned char *t, size_t len, size_t i,
			   size_t *e, unsigned *key)
{
	const bp_trie *tr = &g->trie;
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

static void on_alias(bp_gaz_run *run, unsigned mark, size_t s, size_t e)
{
	const bp_gazetteer *g = run->g;
	const alias *a;

	if (mark >= g->naliases)
		return;
	a = &g->aliases[mark];
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
	unsigned key;

	if (!gaz_walk(run->g, t, len, i, end, &key))
		return 0;
	on_alias(run, key, i, *end);
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
