/* emit.c - stage 5: JSON Lines records with cJSON (bp_emit.h). */
#include "bp_emit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

struct bp_emitter {
	int pretty;
	bp_write_fn write;
	void *ctx;
	char *out;       /* reused print buffer */
	size_t cap;
};

bp_emitter *bp_emitter_new(int pretty, bp_write_fn write, void *ctx)
{
	bp_emitter *e = calloc(1, sizeof(*e));
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

void bp_emitter_free(bp_emitter *e)
{
	if (!e)
		return;
	free(e->out);
	free(e);
}

/* ---- building values ------------------------------------------------------ */

/* Integers as raw JSON text: exact for any 64-bit offset, and fast. */
static cJSON *num(uint64_t v)
{
	char s[24], *p = s + sizeof(s) - 1;
	*p = '\0';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return cJSON_CreateRaw(p);
}

static void add(cJSON *o, const char *key, cJSON *v)
{
	cJSON_AddItemToObjectCS(o, key, v);
}

/* A string, or null for NULL; `ref` borrows s (it must outlive the print). */
static cJSON *str(const char *s, int ref)
{
	if (!s)
		return cJSON_CreateNull();
	return ref ? cJSON_CreateStringReference(s) : cJSON_CreateString(s);
}

static cJSON *strn(const char *s, size_t n)
{
	char small[256], *tmp = n < sizeof(small) ? small : malloc(n + 1);
	cJSON *v;
	if (!tmp)
		return NULL;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	v = cJSON_CreateString(tmp);
	if (tmp != small)
		free(tmp);
	return v;
}

static cJSON *span(uint64_t start, uint64_t end)
{
	cJSON *o = cJSON_CreateObject();
	add(o, "start", num(start));
	add(o, "end", num(end));
	return o;
}

/* Scores are printed with two decimals, as raw text so the output does not
 * depend on the C library's float formatting beyond %.2f. */
static cJSON *score(double v)
{
	char s[32];
	snprintf(s, sizeof(s), "%.2f", v);
	return cJSON_CreateRaw(s);
}

static cJSON *tags_array(const bp_block *b, const bp_tag *t, size_t n, int is_topic)
{
	cJSON *arr = cJSON_CreateArray();
	size_t i, k;

	for (i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject(), *ev = cJSON_CreateArray();
		add(o, is_topic ? "id" : "code", cJSON_CreateStringReference(t[i].id));
		if (t[i].name)
			add(o, "name", cJSON_CreateStringReference(t[i].name));
		if (is_topic)
			add(o, "score", score(t[i].score));
		add(o, "count", num(t[i].count));
		for (k = 0; k < t[i].nevidence; k++) {
			const bp_evidence *x = &t[i].evidence[k];
			cJSON *m = cJSON_CreateObject();
			add(m, "start", num(bp_block_raw(b, x->start)));
			add(m, "end", num(bp_block_raw(b, x->end - 1) + 1));
			add(m, "match", strn(b->buf + x->start, x->end - x->start));
			cJSON_AddItemToArray(ev, m);
		}
		add(o, "evidence", ev);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

/* ---- printing -------------------------------------------------------------- */

static bp_status print_record(bp_emitter *e, cJSON *rec, size_t hint, bp_error *err)
{
	size_t need = hint + hint / 4 + 4096, len;
	bp_status st;

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
	/* keep the buffer from staying huge after one giant record */
	if (e->cap > (4u << 20)) {
		char *nb = realloc(e->out, 1 << 16);
		if (nb) {
			e->out = nb;
			e->cap = 1 << 16;
		}
	}
	return st;
}

static const char *type_name(bp_block_type t)
{
	return t == BP_BLOCK_STATEMENT ? "statement" : t == BP_BLOCK_QUESTION ? "question" : "answer";
}

bp_status bp_emit_block(bp_emitter *e, const bp_block *b, const bp_tags *tags, bp_error *err)
{
	cJSON *rec = cJSON_CreateObject();
	char id[80], *heading = NULL;
	static const bp_tags none;
	const bp_tags *t = tags ? tags : &none;
	bp_status st;

	if (!rec)
		return bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
	snprintf(id, sizeof(id), "%s/%c%u", b->briefing->id, b->type == BP_BLOCK_STATEMENT ? 's' : 't',
		 b->seq);
	add(rec, "type", cJSON_CreateStringReference(type_name(b->type)));
	add(rec, "id", cJSON_CreateString(id));
	add(rec, "briefing", cJSON_CreateStringReference(b->briefing->id));
	add(rec, "date", b->briefing->date[0] ? cJSON_CreateStringReference(b->briefing->date)
					      : cJSON_CreateNull());
	add(rec, "seq", num(b->seq));
	if (b->type == BP_BLOCK_STATEMENT) {
		add(rec, "agenda", str(b->agenda, 1));
		heading = malloc(b->heading_len + 1);
		if (!heading) {
			cJSON_Delete(rec);
			return bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
		}
		memcpy(heading, b->buf, b->heading_len);
		heading[b->heading_len] = '\0';
		add(rec, "heading", cJSON_CreateStringReference(heading));
	} else {
		add(rec, "exchange", num(b->exchange));
		add(rec, "speaker", str(b->speaker, 1));
	}
	add(rec, "text", cJSON_CreateStringReference(b->buf + b->text_off));
	add(rec, "span", span(b->start, b->end));
	add(rec, "line", num(b->line));
	add(rec, "countries", tags_array(b, t->countries, t->ncountries, 0));
	add(rec, "organizations", tags_array(b, t->organizations, t->norganizations, 0));
	add(rec, "topics", tags_array(b, t->topics, t->ntopics, 1));
	st = print_record(e, rec, b->len, err);
	free(heading);
	return st;
}

bp_status bp_emit_briefing(bp_emitter *e, const bp_briefing *b, const bp_source_info *src,
			   bp_error *err)
{
	cJSON *rec = cJSON_CreateObject(), *s, *agenda, *warnings, *counts;
	size_t i, hint = 4096;
	char ref[80];

	if (!rec)
		return bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
	add(rec, "type", cJSON_CreateStringReference("briefing"));
	add(rec, "id", cJSON_CreateStringReference(b->id));
	add(rec, "schema", num(1));
	s = cJSON_CreateObject();
	add(s, "path", cJSON_CreateString(src->path));
	add(s, "format", cJSON_CreateStringReference(src->format));
	add(s, "offset", num(src->offset));
	add(s, "bytes", num(src->bytes));
	add(s, "sha256", cJSON_CreateString(src->sha256));
	add(s, "index", num(b->index));
	add(rec, "source", s);
	add(rec, "title", str(b->title, 1));
	add(rec, "date", b->date[0] ? cJSON_CreateStringReference(b->date) : cJSON_CreateNull());
	add(rec, "time", b->time[0] ? cJSON_CreateStringReference(b->time) : cJSON_CreateNull());
	add(rec, "spokesperson", str(b->spokesperson, 1));
	add(rec, "role", str(b->role, 1));
	add(rec, "place", str(b->place, 1));
	agenda = cJSON_CreateArray();
	for (i = 0; i < b->nagenda; i++) {
		cJSON *a = cJSON_CreateObject();
		add(a, "n", cJSON_CreateStringReference(b->agenda[i].n));
		add(a, "title", cJSON_CreateStringReference(b->agenda[i].title));
		if (b->agenda[i].statement) {
			snprintf(ref, sizeof(ref), "%s/s%u", b->id, b->agenda[i].statement);
			add(a, "ref", cJSON_CreateString(ref));
		} else {
			add(a, "ref", cJSON_CreateNull());
		}
		add(a, "section", cJSON_CreateStringReference(b->agenda[i].qa ? "qa" : "statements"));
		cJSON_AddItemToArray(agenda, a);
		hint += strlen(b->agenda[i].title) + 64;
	}
	add(rec, "agenda", agenda);
	counts = cJSON_CreateObject();
	add(counts, "statements", num(b->statements));
	add(counts, "questions", num(b->questions));
	add(counts, "answers", num(b->answers));
	add(counts, "exchanges", num(b->exchanges));
	add(rec, "counts", counts);
	add(rec, "span", span(b->start, b->end));
	warnings = cJSON_CreateArray();
	for (i = 0; i < b->nwarnings; i++) {
		cJSON *w = cJSON_CreateObject();
		add(w, "code", cJSON_CreateStringReference(b->warnings[i].code));
		add(w, "count", num(b->warnings[i].count));
		add(w, "line", num(b->warnings[i].line));
		add(w, "message", cJSON_CreateStringReference(b->warnings[i].message));
		cJSON_AddItemToArray(warnings, w);
	}
	add(rec, "warnings", warnings);
	return print_record(e, rec, hint, err);
}
