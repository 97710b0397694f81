/* emit_csv.c - stage 5: --format csv (bp_emit.h), one RFC 4180 row per block
 * for spreadsheets. The header row goes first; briefing records give no row
 * (their fields are in docs/formats.md's other formats). Rows stream: nothing
 * is held beyond the row being written. */
#include "bp_emit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct csv {
	bp_write_fn write;
	void *ctx;
	int header_done;
	char *row;
	size_t len, cap;
} csv;

size_t bp_csv_field(char *out, const char *s, size_t n)
{
	size_t i, o = 0;

	if (!memchr(s, '"', n) && !memchr(s, ',', n) && !memchr(s, '\n', n) && !memchr(s, '\r', n)) {
		memcpy(out, s, n);
		return n;
	}
	out[o++] = '"';
	for (i = 0; i < n; i++) {
		if (s[i] == '"')
			out[o++] = '"';
		out[o++] = s[i];
	}
	out[o++] = '"';
	return o;
}

static int reserve(csv *c, size_t more)
{
	if (c->len + more > c->cap) {
		size_t cap = c->cap ? c->cap : 4096;
		char *nb;
		while (cap < c->len + more)
			cap *= 2;
		nb = realloc(c->row, cap);
		if (!nb)
			return -1;
		c->row = nb;
		c->cap = cap;
	}
	return 0;
}

/* Appends a field, a ',' before it unless it is the row's first. */
static int field(csv *c, const char *s, size_t n)
{
	if (reserve(c, 2 * n + 3) != 0)
		return -1;
	if (c->len)
		c->row[c->len++] = ',';
	c->len += bp_csv_field(c->row + c->len, s, n);
	return 0;
}

static int field_str(csv *c, const char *s)
{
	return field(c, s ? s : "", s ? strlen(s) : 0);
}

static int field_num(csv *c, unsigned long v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof(tmp), "%lu", v);
	return field(c, tmp, (size_t)n);
}

/* Tag ids joined by ';' (ids hold no ';'). */
static int field_tags(csv *c, const bp_tag *t, size_t n)
{
	size_t i, need = 0, at = 0;
	char *tmp;
	int r;

	for (i = 0; i < n; i++)
		need += strlen(t[i].id) + 1;
	tmp = malloc(need + 1);
	if (!tmp)
		return -1;
	for (i = 0; i < n; i++) {
		size_t k = strlen(t[i].id);
		if (i)
			tmp[at++] = ';';
		memcpy(tmp + at, t[i].id, k);
		at += k;
	}
	r = field(c, tmp, at);
	free(tmp);
	return r;
}

static bp_status header(csv *c, bp_error *err)
{
	static const char head[] = BP_CSV_HEADER "\r\n";

	if (c->header_done)
		return BP_OK;
	c->header_done = 1;
	return c->write(c->ctx, head, sizeof(head) - 1, err);
}

static const char *type_name(bp_block_type t)
{
	return bp_block_type_name(t);
}

static bp_status csv_block(void *impl, const bp_block *b, const bp_tags *tags, bp_error *err)
{
	static const bp_tags none;
	const bp_tags *t = tags ? tags : &none;
	csv *c = impl;
	char id[96];
	int statement = b->type == BP_BLOCK_STATEMENT, bad = 0;
	bp_status st = header(c, err);

	if (st != BP_OK)
		return st;
	snprintf(id, sizeof(id), "%s/%c%u", b->briefing_id, statement ? 's' : 't', b->seq);
	c->len = 0;
	bad |= field_str(c, b->briefing_id);
	bad |= field_str(c, id);
	bad |= field_str(c, b->date);
	bad |= field_str(c, type_name(b->type));
	bad |= field_num(c, b->seq);
	bad |= statement || !b->exchange ? field_str(c, NULL) : field_num(c, b->exchange);
	bad |= field_str(c, statement ? b->agenda : NULL);
	bad |= field_str(c, b->speaker);
	bad |= field(c, b->buf, statement ? b->heading_len : 0);
	bad |= field_tags(c, t->countries, t->ncountries);
	bad |= field_tags(c, t->organizations, t->norganizations);
	bad |= field_tags(c, t->topics, t->ntopics);
	bad |= field(c, b->buf + b->text_off, b->len - b->text_off);
	/* the fields of layout profiles, after the first 13 columns */
	bad |= field_str(c, b->profile);
	bad |= field_str(c, b->language);
	bad |= field_str(c, statement ? NULL : b->speaker_name);
	bad |= field_str(c, statement ? NULL : b->outlet);
	bad |= reserve(c, 2);
	if (bad)
		return bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
	c->row[c->len++] = '\r';
	c->row[c->len++] = '\n';
	st = c->write(c->ctx, c->row, c->len, err);
	if (c->cap > (4u << 20)) { /* not huge for long after one giant block */
		free(c->row);
		c->row = NULL;
		c->cap = 0;
	}
	return st;
}

static bp_status csv_briefing(void *impl, const bp_briefing *b, const bp_source_info *src,
			      bp_error *err)
{
	(void)b;
	(void)src;
	return header(impl, err);
}

/* An output with no block at all is still a CSV file with its header. */
static bp_status csv_finish(void *impl, bp_error *err)
{
	return header(impl, err);
}

static void csv_free(void *impl)
{
	csv *c = impl;
	if (!c)
		return;
	free(c->row);
	free(c);
}

static const bp_emit_ops csv_ops = {
	.name = "csv",
	.block = csv_block,
	.briefing = csv_briefing,
	.finish = csv_finish,
	.free = csv_free,
};

bp_emitter *bp_csv_emitter_new(bp_write_fn write, void *ctx)
{
	csv *c = calloc(1, sizeof(*c));
	if (c) {
		c->write = write;
		c->ctx = ctx;
	}
	return bp_emitter_wrap(&csv_ops, c);
}
