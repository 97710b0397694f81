/*
 * offload.c - the classifier on a second thread (bp_offload.h).
 *
 * Two batches take turns. The caller fills one (fill) while the thread
 * classifies the other (flight). When fill is full, the caller waits for
 * flight, hands fill to the thread and emits flight, which then becomes the
 * next fill. A batch owns copies of its blocks (text, offset map, strings)
 * in chunks that never move, and the tags the thread found for them.
 */
#include "bp_offload.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#define CHUNK_BYTES (BP_OFFLOAD_BATCH + (16u << 10))
#define ALIGN 16

typedef struct item {
	int is_block;
	bp_block block;    /* its buf, map and strings point into the batch */
	size_t tags;       /* its tags: the batch's tags[tags, tags + nc + no + nt) */
	size_t nc, no, nt;
	bp_briefing *briefing; /* a briefing record: a copy, owned */
	bp_source_info src;
} item;

typedef struct chunk {
	struct chunk *next;
	size_t used, cap;
	_Alignas(ALIGN) unsigned char mem[];
} chunk;

typedef struct batch {
	item *items;
	size_t n, cap;
	chunk *chunks;      /* newest first */
	size_t bytes;       /* block bytes copied in */
	bp_tag *tags;       /* written by the thread */
	size_t ntags, tags_cap;
	size_t failed;      /* the item whose classification failed, or SIZE_MAX */
	bp_status st;       /* ... and why */
	bp_error err;
	int done;           /* classified (under mu) */
} batch;

struct bp_offload {
	bp_classifier *classifier; /* the thread's (or, without one, the caller's) */
	bp_emitter *emitter;
	batch batches[2];
	batch *fill, *flight;
	thrd_t thread;
	mtx_t mu;
	cnd_t cv;
	batch *job;         /* for the thread (under mu) */
	int quit;           /* (under mu) */
	int started;        /* the thread runs */
	int no_thread;      /* it could not be started: classify in the caller */
};

/* ---- batches ---- */

/* n bytes of s copied into the batch, or NULL. */
static void *keep(batch *bt, const void *s, size_t n)
{
	chunk *c = bt->chunks;
	void *d;

	if (!c || c->cap - c->used < n) {
		size_t cap = n > CHUNK_BYTES ? n : CHUNK_BYTES;
		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->cap = cap;
		c->used = 0;
		c->next = bt->chunks;
		bt->chunks = c;
	}
	d = c->mem + c->used;
	if (n)
		memcpy(d, s, n);
	c->used += (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (c->used > c->cap)
		c->used = c->cap;
	return d;
}

static const char *keep_str(batch *bt, const char *s, int *ok)
{
	const char *d;
	if (!s)
		return NULL;
	d = keep(bt, s, strlen(s) + 1);
	if (!d)
		*ok = 0;
	return d;
}

static item *new_item(batch *bt)
{
	if (bt->n == bt->cap) {
		size_t cap = bt->cap ? bt->cap * 2 : 256;
		item *ni = realloc(bt->items, cap * sizeof(*ni));
		if (!ni)
			return NULL;
		bt->items = ni;
		bt->cap = cap;
	}
	memset(&bt->items[bt->n], 0, sizeof(item));
	return &bt->items[bt->n];
}

/* Empty again; keeps one standard chunk for the next round. */
static void reset(batch *bt)
{
	chunk *c = bt->chunks, *kept = NULL;

	for (size_t i = 0; i < bt->n; i++)
		bp_briefing_free(bt->items[i].briefing);
	while (c) {
		chunk *next = c->next;
		if (!kept && c->cap == CHUNK_BYTES) {
			kept = c;
			kept->used = 0;
			kept->next = NULL;
		} else {
			free(c);
		}
		c = next;
	}
	bt->chunks = kept;
	bt->n = bt->bytes = bt->ntags = 0;
	bt->failed = SIZE_MAX;
	bt->done = 0;
}

static void release(batch *bt)
{
	reset(bt);
	free(bt->chunks);
	free(bt->items);
	free(bt->tags);
}

/* ---- the classifier thread ---- */

/* Appends the tags of one run to the batch for item it. */
static int keep_tags(batch *bt, item *it, const bp_tags *t)
{
	size_t need = bt->ntags + t->ncountries + t->norganizations + t->ntopics;
	bp_tag *dst;

	if (need > bt->tags_cap) {
		size_t cap = bt->tags_cap ? bt->tags_cap : 1024;
		bp_tag *nt;
		while (cap < need)
			cap *= 2;
		nt = realloc(bt->tags, cap * sizeof(*nt));
		if (!nt)
			return 0;
		bt->tags = nt;
		bt->tags_cap = cap;
	}
	it->tags = bt->ntags;
	it->nc = t->ncountries;
	it->no = t->norganizations;
	it->nt = t->ntopics;
	dst = bt->tags + bt->ntags;
	if (it->nc)
		memcpy(dst, t->countries, it->nc * sizeof(*dst));
	if (it->no)
		memcpy(dst + it->nc, t->organizations, it->no * sizeof(*dst));
	if (it->nt)
		memcpy(dst + it->nc + it->no, t->topics, it->nt * sizeof(*dst));
	bt->ntags = need;
	return 1;
}

static void classify_batch(bp_classifier *c, batch *bt)
{
	for (size_t i = 0; i < bt->n; i++) {
		item *it = &bt->items[i];
		bp_tags t;
		bp_status st;
		if (!it->is_block)
			continue;
		st = bp_classifier_run(c, it->block.buf, it->block.len, it->block.heading_len, &t,
				       &bt->err);
		if (st == BP_OK && !keep_tags(bt, it, &t))
			st = bp_error_set(&bt->err, BP_ERR_NOMEM, NULL, 0, "out of memory");
		if (st != BP_OK) {
			bt->failed = i;
			bt->st = st;
			return;
		}
	}
}

static int thread_main(void *arg)
{
	bp_offload *o = arg;

	mtx_lock(&o->mu);
	for (;;) {
		batch *bt;
		while (!o->job && !o->quit)
			cnd_wait(&o->cv, &o->mu);
		if (!o->job)
			break;
		bt = o->job;
		mtx_unlock(&o->mu);
		classify_batch(o->classifier, bt);
		mtx_lock(&o->mu);
		o->job = NULL;
		bt->done = 1;
		cnd_broadcast(&o->cv);
	}
	mtx_unlock(&o->mu);
	return 0;
}

/* Hands bt to the thread (started on first use). Without a thread the
 * caller classifies it now. */
static void submit(bp_offload *o, batch *bt)
{
	if (!o->started && !o->no_thread) {
		if (thrd_create(&o->thread, thread_main, o) == thrd_success)
			o->started = 1;
		else
			o->no_thread = 1;
	}
	if (o->no_thread) {
		classify_batch(o->classifier, bt);
		bt->done = 1;
		return;
	}
	mtx_lock(&o->mu);
	bt->done = 0;
	o->job = bt;
	cnd_broadcast(&o->cv);
	mtx_unlock(&o->mu);
}

static void wait_done(bp_offload *o, batch *bt)
{
	if (o->no_thread)
		return;
	mtx_lock(&o->mu);
	while (!bt->done)
		cnd_wait(&o->cv, &o->mu);
	mtx_unlock(&o->mu);
}

/* ---- the caller's side ---- */

static bp_status emit_batch(bp_offload *o, batch *bt, bp_error *err)
{
	for (size_t i = 0; i < bt->n; i++) {
		const item *it = &bt->items[i];
		bp_status st;
		if (i == bt->failed) {
			if (err)
				*err = bt->err;
			return bt->st;
		}
		if (it->is_block) {
			const bp_tag *t = bt->tags + it->tags;
			bp_tags tags = {t, it->nc, t + it->nc, it->no, t + it->nc + it->no, it->nt};
			st = bp_emit_block(o->emitter, &it->block, &tags, err);
		} else {
			st = bp_emit_briefing(o->emitter, it->briefing, &it->src, err);
		}
		if (st != BP_OK)
			return st;
	}
	return BP_OK;
}

void bp_offload_drop(bp_offload *o)
{
	if (o->flight) {
		wait_done(o, o->flight);
		reset(o->flight);
		o->flight = NULL;
	}
	reset(o->fill);
}

/* fill goes to the thread; the batch it had is emitted meanwhile and is the
 * next fill. After an error everything queued is dropped. */
static bp_status cycle(bp_offload *o, bp_error *err)
{
	batch *prev = o->flight;
	bp_status st = BP_OK;

	if (prev)
		wait_done(o, prev);
	o->flight = o->fill;
	submit(o, o->flight);
	o->fill = prev ? prev : (o->flight == &o->batches[0] ? &o->batches[1] : &o->batches[0]);
	if (prev) {
		st = emit_batch(o, prev, err);
		reset(prev);
		if (st != BP_OK)
			bp_offload_drop(o);
	}
	return st;
}

bp_status bp_offload_flush(bp_offload *o, bp_error *err)
{
	bp_status st = BP_OK;

	if (o->fill->n)
		st = cycle(o, err);
	if (st == BP_OK && o->flight) {
		wait_done(o, o->flight);
		st = emit_batch(o, o->flight, err);
	}
	bp_offload_drop(o);
	return st;
}

bp_status bp_offload_block(bp_offload *o, const bp_block *b, bp_error *err)
{
	batch *bt = o->fill;
	item *it = new_item(bt);
	int ok = it != NULL;

	if (ok) {
		it->is_block = 1;
		it->block = *b;
		it->block.buf = keep(bt, b->buf, b->len + 1); /* with its NUL */
		it->block.map = b->nmap ? keep(bt, b->map, b->nmap * sizeof(*b->map)) : NULL;
		ok = it->block.buf && (!b->nmap || it->block.map);
		it->block.briefing_id = keep_str(bt, b->briefing_id, &ok);
		it->block.date = keep_str(bt, b->date, &ok);
		it->block.agenda = keep_str(bt, b->agenda, &ok);
		it->block.speaker = keep_str(bt, b->speaker, &ok);
	}
	if (!ok)
		return bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
	bt->n++;
	bt->bytes += b->len + b->nmap * sizeof(*b->map);
	return bt->bytes >= BP_OFFLOAD_BATCH ? cycle(o, err) : BP_OK;
}

bp_status bp_offload_briefing(bp_offload *o, const bp_briefing *b, const bp_source_info *src,
			      bp_error *err)
{
	item *it = new_item(o->fill);

	if (!it || !(it->briefing = bp_briefing_copy(b)))
		return bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
	it->src = *src;
	o->fill->n++;
	return BP_OK;
}

bp_offload *bp_offload_new(const bp_rules *rules, bp_emitter *emitter)
{
	bp_offload *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->emitter = emitter;
	o->fill = &o->batches[0];
	reset(&o->batches[0]);
	reset(&o->batches[1]);
	o->classifier = bp_classifier_new(rules);
	if (!o->classifier || mtx_init(&o->mu, mtx_plain) != thrd_success) {
		bp_classifier_free(o->classifier);
		free(o);
		return NULL;
	}
	if (cnd_init(&o->cv) != thrd_success) {
		mtx_destroy(&o->mu);
		bp_classifier_free(o->classifier);
		free(o);
		return NULL;
	}
	return o;
}

void bp_offload_free(bp_offload *o)
{
	if (!o)
		return;
	if (o->started) { /* it finishes the batch it has, then sees quit */
		mtx_lock(&o->mu);
		o->quit = 1;
		cnd_broadcast(&o->cv);
		mtx_unlock(&o->mu);
		thrd_join(o->thread, NULL);
	}
	release(&o->batches[0]);
	release(&o->batches[1]);
	cnd_destroy(&o->cv);
	mtx_destroy(&o->mu);
	bp_classifier_free(o->classifier);
	free(o);
}
