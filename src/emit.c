/* emit.c - stage 5: JSON Lines records with cJSON (bp_emit.h), the
 * reference format; the others are emit_json.c, emit_csv.c, emit_sqlite.c.
 *
 * cJSON builds and prints every record. Its values are, where it matters for
 * speed, raw JSON text that borrows the emitter's per-record scratch buffer
 * (cJSON_Raw | cJSON_IsReference: printed as is, never freed by cJSON):
 * strings escaped here eight bytes at a time (cJSON escapes one character at
 * a time, and block texts are most of the output) with exactly the escapes
 * cJSON writes, and integers by our own formatter (cJSON's number printing
 * goes through double and is slow on hot paths).
 */
#include "bp_emit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "bp_buf.h"
#include "bp_swar.h"

typedef struct jsonl {
	int pretty;
	bp_write_fn write;
	void *ctx;
	char *out;          /* reused print buffer */
	size_t cap;
	char *scratch;      /* raw values of the record being built */
	size_t used, scratch_cap;
	int nomem;          /* a node of the record being built is missing */
} jsonl;

static jsonl *jsonl_new(int pretty, bp_write_fn write, void *ctx)
{
	jsonl *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->pretty = pretty;
	e->write = write;
	e->ctx = ctx;
	e->cap = 1 << 16;
	e->out = malloc(e->cap);
	if (!e->out) {
		free(e);
		return NULL;
	}
	return e;
}

static void jsonl_free(void *impl)
{
	jsonl *e = impl;

	if (!e)
		return;
	free(e->out);
	free(e->scratch);
	free(e);
}

/* ---- raw values in the scratch buffer -------------------------------------- */

/* Starts a record: empties the scratch buffer and makes room for need bytes,
 * so that it never moves while the record's nodes point into it. */
static int scratch_reserve(jsonl *e, size_t need)
{
	e->used = 0;
	e->nomem = 0; /* a new record */
	return bp_grow(&e->scratch, &e->scratch_cap, need, 1, 4096);
}

/* Bytes that escaping s[0, n) may take, quotes and NUL included. */
static size_t escaped_max(size_t n)
{
	return 6 * n + 3;
}

static const char *const short_escape[32] = {
	['\b'] = "\\b", ['\f'] = "\\f", ['\n'] = "\\n", ['\r'] = "\\r", ['\t'] = "\\t"
};

/* Writes s[0, n) as a quoted JSON string into the scratch buffer; returns it. */
static const char *escape(jsonl *e, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	char *start = e->scratch + e->used, *o = start;
	size_t i = 0;

	*o++ = '"';
	while (i < n) {
		size_t j = i;
		while (j + 8 <= n) {
			uint64_t x = bp_swar_load(p + j);
			if (BP_SWAR_HAS_LESS(x, 0x20) | BP_SWAR_HAS_BYTE(x, '"') | BP_SWAR_HAS_BYTE(x, '\\'))
				break;
			j += 8;
		}
		while (j < n && p[j] >= 0x20 && p[j] != '"' && p[j] != '\\')
			j++;
		memcpy(o, p + i, j - i);
		o += j - i;
		if (j == n)
			break;
		if (p[j] == '"' || p[j] == '\\') {
			*o++ = '\\';
			*o++ = (char)p[j];
		} else if (short_escape[p[j]]) {
			memcpy(o, short_escape[p[j]], 2);
			o += 2;
		} else {
			static const char hex[] = "0123456789abcdef";
			memcpy(o, "\\u00", 4);
			o[4] = hex[p[j] >> 4];
			o[5] = hex[p[j] & 15];
			o += 6;
		}
		i = j + 1;
	}
	*o++ = '"';
	*o++ = '\0';
	e->used += (size_t)(o - start);
	return start;
}

/* A node printing text as is; text lives in the scratch buffer or is static. */
static cJSON *raw(const char *text)
{
	cJSON *v = cJSON_CreateNull();
	if (v) {
		v->type = cJSON_Raw | cJSON_IsReference;
		v->valuestring = (char *)text;
	}
	return v;
}

#define NUM_MAX 24 /* scratch bytes per integer */

/* Writes an integer, exact for any 64-bit offset, NUL-terminated, into the
 * scratch buffer; returns it. */
static const char *num_text(jsonl *e, uint64_t v)
{
	char tmp[NUM_MAX], *end = tmp + sizeof(tmp) - 1, *d = end;
	size_t n;

	static const char pairs[] = "00010203040506070809101112131415161718192021222324"
				    "25262728293031323334353637383940414243444546474849"
				    "50515253545556575859606162636465666768697071727374"
				    "75767778798081828384858687888990919293949596979899";

	*d = '\0';
	while (v >= 100) { /* two digits a step: offsets are most of the numbers */
		unsigned k = (unsigned)(v % 100) * 2;
		v /= 100;
		*--d = pairs[k + 1];
		*--d = pairs[k];
	}
	if (v >= 10) {
		*--d = pairs[v * 2 + 1];
		*--d = pairs[v * 2];
	} else {
		*--d = (char)('0' + v);
	}
	n = (size_t)(end - d) + 1;
	memcpy(e->scratch + e->used, d, n);
	e->used += n;
	return e->scratch + e->used - n;
}

static cJSON *num(jsonl *e, uint64_t v)
{
	return raw(num_text(e, v));
}

/* Writes a score in [0, 1] with two decimals, like num_text. */
static const char *score_text(jsonl *e, double v)
{
	unsigned hundredths = v <= 0 ? 0 : v >= 1 ? 100 : (unsigned)(v * 100 + 0.5);
	char *s = e->scratch + e->used;

	s[0] = (char)('0' + hundredths / 100);
	s[1] = '.';
	s[2] = (char)('0' + hundredths / 10 % 10);
	s[3] = (char)('0' + hundredths % 10);
	s[4] = '\0';
	e->used += 5;
	return s;
}

static cJSON *score(jsonl *e, double v)
{
	return raw(score_text(e, v));
}

/* A short ASCII string built from parts (ids): "id/s12". */
static cJSON *id_value(jsonl *e, const char *id, char kind, unsigned seq)
{
	char *s = e->scratch + e->used, *o = s, tmp[NUM_MAX], *d = tmp + sizeof(tmp) - 1;
	size_t n = strlen(id);

	*o++ = '"';
	memcpy(o, id, n);
	o += n;
	if (kind) {
		*o++ = '/';
		*o++ = kind;
		*d = '\0';
		do {
			*--d = (char)('0' + seq % 10);
			seq /= 10;
		} while (seq);
		n = strlen(d);
		memcpy(o, d, n);
		o += n;
	}
	*o++ = '"';
	*o++ = '\0';
	e->used += (size_t)(o - s);
	return raw(s);
}

/* Adds v to object o (or, with key NULL, to array o). A node that could not
 * be made (NULL, out of memory) or added marks the record as failed: it is
 * then not printed, and the record's call returns BP_ERR_NOMEM. */
static void add(jsonl *e, cJSON *o, const char *key, cJSON *v)
{
	if (v && o && (key ? cJSON_AddItemToObjectCS(o, key, v) : cJSON_AddItemToArray(o, v)))
		return;
	e->nomem = 1;
	cJSON_Delete(v); /* not in the tree: ours to free (NULL is a no-op) */
}

/* A borrowed string, or null for NULL. */
static cJSON *str(const char *s)
{
	return s ? cJSON_CreateStringReference(s) : cJSON_CreateNull();
}

static cJSON *span(jsonl *e, uint64_t start, uint64_t end)
{
	cJSON *o = cJSON_CreateObject();
	add(e, o, "start", num(e, start));
	add(e, o, "end", num(e, end));
	return o;
}

static cJSON *tags_array(jsonl *e, const bp_block *b, const bp_tag *t, size_t n, int is_topic);

/* Scratch bytes the tags of a block need, rendered or as nodes. */
static size_t tags_size(const bp_tag *t, size_t n)
{
	size_t i, k, need = 8;
	for (i = 0; i < n; i++) {
		need += 96 + 2 * NUM_MAX + escaped_max(strlen(t[i].id)) +
			escaped_max(t[i].name ? strlen(t[i].name) : 0);
		for (k = 0; k < t[i].nevidence; k++)
			need += 48 + 2 * NUM_MAX + escaped_max(t[i].evidence[k].end - t[i].evidence[k].start);
	}
	return need;
}

static void put(jsonl *e, const char *s, size_t n)
{
	memcpy(e->scratch + e->used, s, n);
	e->used += n;
}

#define PUT(e, lit) put(e, lit, sizeof(lit) - 1)

/* Appends an escaped string or an integer without its NUL. */
static void put_escaped(jsonl *e, const char *s, size_t n)
{
	escape(e, s, n);
	e->used--;
}

static void put_num(jsonl *e, uint64_t v)
{
	num_text(e, v);
	e->used--;
}

/* A tag array rendered as compact JSON text in one raw node: what
 * tags_array's nodes would print, without building them (compact output
 * only: --pretty prints the nodes so that they are indented). */
static cJSON *tags_rendered(jsonl *e, const bp_block *b, const bp_tag *t, size_t n, int is_topic)
{
	const char *start = e->scratch + e->used;
	size_t i, k;

	PUT(e, "[");
	for (i = 0; i < n; i++) {
		if (i)
			PUT(e, ",");
		if (is_topic)
			PUT(e, "{\"id\":");
		else
			PUT(e, "{\"code\":");
		put_escaped(e, t[i].id, strlen(t[i].id));
		if (t[i].name) {
			PUT(e, ",\"name\":");
			put_escaped(e, t[i].name, strlen(t[i].name));
		}
		if (is_topic) {
			PUT(e, ",\"score\":");
			score_text(e, t[i].score);
			e->used--;
		}
		PUT(e, ",\"count\":");
		put_num(e, t[i].count);
		PUT(e, ",\"evidence\":[");
		for (k = 0; k < t[i].nevidence; k++) {
			const bp_evidence *x = &t[i].evidence[k];
			if (k)
				PUT(e, ",");
			PUT(e, "{\"start\":");
			put_num(e, bp_block_raw(b, x->start));
			PUT(e, ",\"end\":");
			put_num(e, bp_block_raw(b, x->end - 1) + 1);
			PUT(e, ",\"match\":");
			put_escaped(e, b->buf + x->start, x->end - x->start);
			PUT(e, "}");
		}
		PUT(e, "]}");
	}
	PUT(e, "]");
	put(e, "", 1);
	return raw(start);
}

static cJSON *tags_value(jsonl *e, const bp_block *b, const bp_tag *t, size_t n, int is_topic)
{
	return e->pretty ? tags_array(e, b, t, n, is_topic) : tags_rendered(e, b, t, n, is_topic);
}

static cJSON *tags_array(jsonl *e, const bp_block *b, const bp_tag *t, size_t n, int is_topic)
{
	cJSON *arr = cJSON_CreateArray();
	size_t i, k;

	for (i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject(), *ev = cJSON_CreateArray();
		add(e, o, is_topic ? "id" : "code", cJSON_CreateStringReference(t[i].id));
		if (t[i].name)
			add(e, o, "name", cJSON_CreateStringReference(t[i].name));
		if (is_topic)
			add(e, o, "score", score(e, t[i].score));
		add(e, o, "count", num(e, t[i].count));
		for (k = 0; k < t[i].nevidence; k++) {
			const bp_evidence *x = &t[i].evidence[k];
			cJSON *m = cJSON_CreateObject();
			add(e, m, "start", num(e, bp_block_raw(b, x->start)));
			add(e, m, "end", num(e, bp_block_raw(b, x->end - 1) + 1));
			add(e, m, "match", raw(escape(e, b->buf + x->start, x->end - x->start)));
			add(e, ev, NULL, m);
		}
		add(e, o, "evidence", ev);
		add(e, arr, NULL, o);
	}
	return arr;
}

/* ---- printing -------------------------------------------------------------- */

static bp_status print_record(jsonl *e, cJSON *rec, size_t hint, bp_error *err)
{
	size_t need = hint + hint / 4 + 4096, len;
	bp_status st;

	if (e->nomem) { /* a record with a key missing is never printed */
		cJSON_Delete(rec);
		return bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
	}
	for (;;) {
		if (need > e->cap) {
			char *nb = realloc(e->out, need);
			if (!nb) {
				cJSON_Delete(rec);
				return bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
			}
			e->out = nb;
			e->cap = need;
		}
		if (cJSON_PrintPreallocated(rec, e->out, (int)(e->cap - 1), e->pretty))
			break;
		if (e->cap > ((size_t)1 << 30)) {
			cJSON_Delete(rec);
			return bp_error_set(err, BP_ERR_LIMIT, NULL, 0, "record too large to print");
		}
		need = e->cap * 2;
	}
	cJSON_Delete(rec);
	len = strlen(e->out);
	e->out[len++] = '\n';
	st = e->write(e->ctx, e->out, len, err);
	/* keep the buffers from staying huge after one giant record */
	if (e->cap > (4u << 20)) {
		char *nb = realloc(e->out, 1 << 16);
		if (nb) {
			e->out = nb;
			e->cap = 1 << 16;
		}
	}
	if (e->scratch_cap > (16u << 20)) {
		free(e->scratch);
		e->scratch = NULL;
		e->scratch_cap = 0;
	}
	return st;
}

static const char *type_name(bp_block_type t)
{
	return bp_block_type_name(t);
}

/* "profile" and "language" of a record (none without a profile). */
static void profile_fields(jsonl *e, cJSON *rec, const char *profile, const char *language)
{
	if (!profile)
		return;
	add(e, rec, "profile", cJSON_CreateStringReference(profile));
	add(e, rec, "language", language ? cJSON_CreateStringReference(language) : cJSON_CreateNull());
}

static bp_status jsonl_block(void *impl, const bp_block *b, const bp_tags *tags, bp_error *err)
{
	jsonl *e = impl;
	static const bp_tags none;
	const bp_tags *t = tags ? tags : &none;
	size_t need = escaped_max(b->len) + 16 * NUM_MAX + 3 * (strlen(b->briefing_id) + NUM_MAX + 8) +
		      tags_size(t->countries, t->ncountries) + tags_size(t->organizations, t->norganizations) +
		      tags_size(t->topics, t->ntopics);
	cJSON *rec;

	if (scratch_reserve(e, need) != 0 || !(rec = cJSON_CreateObject()))
		return bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
	add(e, rec, "type", cJSON_CreateStringReference(type_name(b->type)));
	add(e, rec, "id", id_value(e, b->briefing_id, b->type == BP_BLOCK_STATEMENT ? 's' : 't', b->seq));
	add(e, rec, "briefing", cJSON_CreateStringReference(b->briefing_id));
	add(e, rec, "date", b->date[0] ? cJSON_CreateStringReference(b->date) : cJSON_CreateNull());
	profile_fields(e, rec, b->profile, b->language);
	add(e, rec, "seq", num(e, b->seq));
	if (b->type == BP_BLOCK_STATEMENT) {
		add(e, rec, "agenda", str(b->agenda));
		add(e, rec, "heading", raw(escape(e, b->buf, b->heading_len)));
	} else {
		add(e, rec, "exchange", b->exchange ? num(e, b->exchange) : cJSON_CreateNull());
		add(e, rec, "speaker", str(b->speaker));
		if (b->speaker_name)
			add(e, rec, "speaker_name", str(b->speaker_name));
		if (b->outlet)
			add(e, rec, "outlet", str(b->outlet));
	}
	add(e, rec, "text", raw(escape(e, b->buf + b->text_off, b->len - b->text_off)));
	add(e, rec, "span", span(e, b->start, b->end));
	add(e, rec, "line", num(e, b->line));
	add(e, rec, "countries", tags_value(e, b, t->countries, t->ncountries, 0));
	add(e, rec, "organizations", tags_value(e, b, t->organizations, t->norganizations, 0));
	add(e, rec, "topics", tags_value(e, b, t->topics, t->ntopics, 1));
	return print_record(e, rec, e->used, err);
}

static bp_status jsonl_briefing(void *impl, const bp_briefing *b, const bp_source_info *src,
			       bp_error *err)
{
	jsonl *e = impl;
	cJSON *rec, *s, *agenda, *warnings, *counts;
	size_t i, hint = 4096, need = 64 * NUM_MAX + b->nwarnings * NUM_MAX * 2;

	for (i = 0; i < b->nagenda; i++)
		need += strlen(b->id) + NUM_MAX + 8;
	if (scratch_reserve(e, need) != 0 || !(rec = cJSON_CreateObject()))
		return bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
	add(e, rec, "type", cJSON_CreateStringReference("briefing"));
	add(e, rec, "id", cJSON_CreateStringReference(b->id));
	add(e, rec, "schema", num(e, 1));
	profile_fields(e, rec, b->profile, b->language);
	s = cJSON_CreateObject();
	add(e, s, "path", cJSON_CreateString(src->path));
	add(e, s, "format", cJSON_CreateStringReference(src->format));
	add(e, s, "offset", num(e, src->offset));
	add(e, s, "bytes", num(e, src->bytes));
	add(e, s, "sha256", cJSON_CreateString(src->sha256));
	add(e, s, "index", num(e, b->index));
	add(e, rec, "source", s);
	add(e, rec, "title", str(b->title));
	add(e, rec, "date", b->date[0] ? cJSON_CreateStringReference(b->date) : cJSON_CreateNull());
	add(e, rec, "time", b->time[0] ? cJSON_CreateStringReference(b->time) : cJSON_CreateNull());
	add(e, rec, "spokesperson", str(b->spokesperson));
	if (b->spokesperson_name)
		add(e, rec, "spokesperson_name", str(b->spokesperson_name));
	add(e, rec, "role", str(b->role));
	add(e, rec, "place", str(b->place));
	agenda = cJSON_CreateArray();
	for (i = 0; i < b->nagenda; i++) {
		cJSON *a = cJSON_CreateObject();
		add(e, a, "n", cJSON_CreateStringReference(b->agenda[i].n));
		add(e, a, "title", cJSON_CreateStringReference(b->agenda[i].title));
		add(e, a, "ref", b->agenda[i].statement ? id_value(e, b->id, 's', b->agenda[i].statement)
						     : cJSON_CreateNull());
		add(e, a, "section", cJSON_CreateStringReference(b->agenda[i].qa ? "qa" : "statements"));
		add(e, agenda, NULL, a);
		hint += 2 * strlen(b->agenda[i].title) + 64;
	}
	add(e, rec, "agenda", agenda);
	counts = cJSON_CreateObject();
	add(e, counts, "statements", num(e, b->statements));
	add(e, counts, "questions", num(e, b->questions));
	add(e, counts, "answers", num(e, b->answers));
	add(e, counts, "exchanges", num(e, b->exchanges));
	add(e, counts, "agenda", num(e, b->nagenda));
	add(e, counts, "linked", num(e, b->linked));
	add(e, counts, "unlinked", num(e, b->unlinked));
	add(e, counts, "skipped", num(e, b->skipped));
	if (b->moderator_cues)
		add(e, counts, "moderators", num(e, b->moderator));
	add(e, rec, "counts", counts);
	add(e, rec, "span", span(e, b->start, b->end));
	warnings = cJSON_CreateArray();
	for (i = 0; i < b->nwarnings; i++) {
		cJSON *w = cJSON_CreateObject();
		add(e, w, "code", cJSON_CreateStringReference(b->warnings[i].code));
		add(e, w, "count", num(e, b->warnings[i].count));
		add(e, w, "line", num(e, b->warnings[i].line));
		add(e, w, "message", cJSON_CreateStringReference(b->warnings[i].message));
		add(e, warnings, NULL, w);
	}
	add(e, rec, "warnings", warnings);
	return print_record(e, rec, hint, err);
}

static const bp_emit_ops jsonl_ops = {
	.name = "jsonl",
	.block = jsonl_block,
	.briefing = jsonl_briefing,
	.free = jsonl_free,
};

bp_emitter *bp_emitter_new(int pretty, bp_write_fn write, void *ctx)
{
	return bp_emitter_wrap(&jsonl_ops, jsonl_new(pretty, write, ctx));
}
