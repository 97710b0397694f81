/* emit_json.c - stage 5: --format json (bp_emit.h), one JSON document per
 * briefing: its briefing record with a "blocks" array of its block records.
 *
 * The records are rendered by a compact JSON Lines emitter (emit.c) into a
 * capture buffer, so their members are exactly those of the JSONL records.
 * The briefing record closes its briefing, so the rendered blocks wait in a
 * buffer bounded by buffer_max; past it the document is streamed (opened
 * with "type" and "id", the blocks as they come, the rest after them).
 * --pretty re-indents the compact text as it goes out (reindent()). */
#include "bp_emit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct buf {
	char *p;
	size_t len, cap;
} buf;

static int buf_add(buf *b, const char *s, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *nb;
		while (cap < b->len + n)
			cap *= 2;
		nb = realloc(b->p, cap);
		if (!nb)
			return -1;
		b->p = nb;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return 0;
}

#define BUF_LIT(b, lit) buf_add(b, lit, sizeof(lit) - 1)

/* Empties b, and gives back its memory when one big record made it huge. */
static void buf_clear(buf *b)
{
	b->len = 0;
	if (b->cap > (8u << 20)) {
		free(b->p);
		b->p = NULL;
		b->cap = 0;
	}
}

/* The state of the pretty printer between pieces of one document. */
typedef struct indent {
	unsigned depth;
	int in_string, escaped, opened;
} indent;

typedef struct json {
	int pretty;
	size_t max;
	bp_write_fn write;
	void *ctx;
	bp_emitter *inner; /* compact JSONL into rec */
	buf rec;           /* the record just rendered */
	buf blocks;        /* the briefing's blocks so far, joined by ',' */
	size_t nblocks;
	int streaming;     /* the document is open on the output */
	char id[sizeof(((bp_briefing *)0)->id)]; /* the briefing's, from its blocks */
	buf out;
	indent ind;
} json;

static bp_status capture(void *ctx, const char *bytes, size_t n, bp_error *err)
{
	json *j = ctx;
	if (buf_add(&j->rec, bytes, n) != 0)
		return bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
	return BP_OK;
}

static int tabs(buf *o, unsigned depth)
{
	static const char t[] = "\n\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t";
	int r = buf_add(o, t, 1);
	while (depth > 0 && r == 0) {
		unsigned k = depth < 16 ? depth : 16;
		r = buf_add(o, t + 1, k);
		depth -= k;
	}
	return r;
}

/* Appends compact JSON text s[0, n) to o, indented: one member or element a
 * line, tabs, "key": value; empty arrays and objects stay "[]" and "{}".
 * Works piece by piece: the state is in *st. */
static int reindent(buf *o, indent *st, const char *s, size_t n)
{
	size_t i;
	int r = 0;

	for (i = 0; i < n && r == 0; i++) {
		char c = s[i];
		if (st->in_string) {
			size_t k = i;
			while (k < n && (st->escaped || (s[k] != '"' && s[k] != '\\'))) {
				st->escaped = 0;
				k++;
			}
			if (k > i)
				r = buf_add(o, s + i, k - i);
			if (k == n || r)
				break;
			if (s[k] == '\\')
				st->escaped = 1;
			else
				st->in_string = 0;
			r = buf_add(o, s + k, 1);
			i = k;
			continue;
		}
		if (st->opened) {
			st->opened = 0;
			if (c == '}' || c == ']') {
				st->depth--;
				r = buf_add(o, &c, 1);
				continue;
			}
			r = tabs(o, st->depth);
			if (r)
				break;
		}
		switch (c) {
		case '"':
			st->in_string = 1;
			r = buf_add(o, &c, 1);
			break;
		case '{':
		case '[':
			st->depth++;
			st->opened = 1;
			r = buf_add(o, &c, 1);
			break;
		case '}':
		case ']':
			st->depth--;
			r = tabs(o, st->depth);
			if (r == 0)
				r = buf_add(o, &c, 1);
			break;
		case ',':
			r = buf_add(o, &c, 1);
			if (r == 0)
				r = tabs(o, st->depth);
			break;
		case ':':
			r = BUF_LIT(o, ": ");
			break;
		default:
			r = buf_add(o, &c, 1);
			break;
		}
	}
	return r;
}

/* Sends document text out (re-indented with pretty); end: the document ends
 * here, a newline follows. */
static bp_status out(json *j, const char *s, size_t n, int end, bp_error *err)
{
	int r;
	bp_status st;

	if (!j->pretty) {
		st = n ? j->write(j->ctx, s, n, err) : BP_OK;
		return st == BP_OK && end ? j->write(j->ctx, "\n", 1, err) : st;
	}
	j->out.len = 0;
	r = reindent(&j->out, &j->ind, s, n);
	if (r == 0 && end)
		r = BUF_LIT(&j->out, "\n");
	if (r)
		return bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
	if (end)
		memset(&j->ind, 0, sizeof(j->ind));
	st = j->write(j->ctx, j->out.p, j->out.len, err);
	buf_clear(&j->out);
	return st;
}

/* Appends id as a JSON string (ids are ASCII; quotes, backslashes and
 * control bytes are escaped all the same). */
static int add_string(buf *b, const char *s)
{
	int r = BUF_LIT(b, "\"");
	for (; *s && r == 0; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			r = buf_add(b, esc, 2);
		} else if (c < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			r = buf_add(b, esc, 6);
		} else {
			r = buf_add(b, (const char *)&c, 1);
		}
	}
	return r ? r : BUF_LIT(b, "\"");
}

/* The opening of a streamed document: {"type":"briefing","id":ID, */
static int opening(buf *b, const char *id)
{
	b->len = 0;
	if (BUF_LIT(b, "{\"type\":\"briefing\",\"id\":") || add_string(b, id) || BUF_LIT(b, ","))
		return -1;
	return 0;
}

/* Opens the document on the output with the blocks held so far. */
static bp_status start_streaming(json *j, const char *id, bp_error *err)
{
	buf head = { 0 };
	bp_status st;

	if (opening(&head, id) || BUF_LIT(&head, "\"blocks\":[")) {
		free(head.p);
		return bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
	}
	st = out(j, head.p, head.len, 0, err);
	free(head.p);
	if (st == BP_OK && j->blocks.len)
		st = out(j, j->blocks.p, j->blocks.len, 0, err);
	buf_clear(&j->blocks);
	j->streaming = 1;
	return st;
}

/* The rendered record in rec, without its newline. */
static size_t rec_len(const json *j)
{
	size_t n = j->rec.len;
	while (n && (j->rec.p[n - 1] == '\n'))
		n--;
	return n;
}

static bp_status json_block(void *impl, const bp_block *b, const bp_tags *tags, bp_error *err)
{
	json *j = impl;
	size_t n;
	bp_status st;

	j->rec.len = 0;
	st = bp_emit_block(j->inner, b, tags, err);
	if (st != BP_OK)
		return st;
	n = rec_len(j);
	snprintf(j->id, sizeof(j->id), "%s", b->briefing_id);
	if (!j->streaming && j->blocks.len + n + 1 > j->max) {
		st = start_streaming(j, b->briefing_id, err);
		if (st != BP_OK)
			return st;
	}
	if (j->streaming) {
		st = j->nblocks ? out(j, ",", 1, 0, err) : BP_OK;
		if (st == BP_OK)
			st = out(j, j->rec.p, n, 0, err);
	} else if ((j->nblocks && BUF_LIT(&j->blocks, ",")) || buf_add(&j->blocks, j->rec.p, n)) {
		st = bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
	}
	j->nblocks++;
	buf_clear(&j->rec);
	return st;
}

static void reset_briefing(json *j)
{
	buf_clear(&j->blocks);
	j->nblocks = 0;
	j->streaming = 0;
}

static bp_status json_briefing(void *impl, const bp_briefing *b, const bp_source_info *src,
			       bp_error *err)
{
	json *j = impl;
	buf head = { 0 };
	size_t n;
	bp_status st;

	j->rec.len = 0;
	st = bp_emit_briefing(j->inner, b, src, err);
	if (st != BP_OK)
		return st;
	n = rec_len(j);
	if (n < 2 || j->rec.p[n - 1] != '}') {
		st = bp_error_set(err, BP_ERR_DATA, NULL, 0, "briefing record not an object");
	} else if (j->streaming) {
		/* the record without the opening already written */
		if (opening(&head, b->id)) {
			st = bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
		} else if (n < head.len || memcmp(j->rec.p, head.p, head.len) != 0) {
			st = bp_error_set(err, BP_ERR_DATA, NULL, 0,
					  "briefing record of '%s' does not open as expected", b->id);
		} else {
			st = out(j, "],", 2, 0, err);
			if (st == BP_OK)
				st = out(j, j->rec.p + head.len, n - head.len, 1, err);
		}
		free(head.p);
	} else {
		st = out(j, j->rec.p, n - 1, 0, err);
		if (st == BP_OK)
			st = out(j, ",\"blocks\":[", 11, 0, err);
		if (st == BP_OK && j->blocks.len)
			st = out(j, j->blocks.p, j->blocks.len, 0, err);
		if (st == BP_OK)
			st = out(j, "]}", 2, 1, err);
	}
	buf_clear(&j->rec);
	reset_briefing(j);
	return st;
}

/* An input that ended inside a briefing (an error) leaves blocks without
 * their briefing record: like the JSONL records already out, they go out
 * as a document of "type", "id" and "blocks" only. */
static bp_status json_end_input(void *impl, bp_status status, bp_error *err)
{
	json *j = impl;
	bp_status st = BP_OK;

	(void)status;
	if (!j->streaming && !j->nblocks)
		return BP_OK;
	if (!j->streaming)
		st = start_streaming(j, j->id, err);
	if (st == BP_OK)
		st = out(j, "]}", 2, 1, err);
	reset_briefing(j);
	return st;
}

static void json_free(void *impl)
{
	json *j = impl;
	if (!j)
		return;
	bp_emitter_free(j->inner);
	free(j->rec.p);
	free(j->blocks.p);
	free(j->out.p);
	free(j);
}

static const bp_emit_ops json_ops = {
	.name = "json",
	.block = json_block,
	.briefing = json_briefing,
	.end_input = json_end_input,
	.free = json_free,
};

bp_emitter *bp_json_emitter_new(int pretty, size_t buffer_max, bp_write_fn write, void *ctx)
{
	json *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->pretty = pretty;
	j->max = buffer_max ? buffer_max : BP_JSON_BUFFER_MAX;
	j->write = write;
	j->ctx = ctx;
	j->inner = bp_emitter_new(0, capture, j);
	if (!j->inner) {
		free(j);
		return NULL;
	}
	return bp_emitter_wrap(&json_ops, j);
}
