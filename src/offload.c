/*
 * offload.c - the classifier on a second thread (bp_offload.h).
 *
 * Three batches take turns. The caller fills one (fill) and queues it
 * when full; the thread takes the queued ones in order, classifies each and
 * then emits it, so that the caller's thread (reading, parsing) does none
 * of the classifying or writing while it has a free batch to fill. When
 * two are queued, the caller helps classify them while it waits for the
 * oldest to be out, and takes that back as its next fill. Helping: the
 * thread claims a batch's items from the front, the caller from the back,
 * one atomic exchange per item, so each item is classified once and neither
 * waits while the other has work; the thread emits a batch only once the
 * caller is through with its share. Only the thread writes to the emitter
 * (or the caller, when no thread could be started), so emitters need not be
 * thread-safe. A batch owns copies of its blocks (text, offset map, strings)
 * in chunks that never move, and the tags found for them, in one array per
 * side (thread, caller).
 */
#include "bp_offload.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <stdio.h>

#include "bp_buf.h"

#define CHUNK_BYTES (BP_OFFLOAD_BATCH + (16u << 10))
#define NBATCHES 3 /* the one being filled and up to two queued */

enum { SIDE_THREAD, SIDE_CALLER, NSIDES };

typedef struct item {
	int is_block;
	bp_block block;    /* its buf, map and strings point into the batch */
	atomic_int claimed; /* set by the side that classifies it */
	int side;          /* that side: its tags are tags[side].v[tags, + nc + no + nt) */
	bp_status st;      /* of its classification */
	size_t tags;
	size_t nc, no, nt, nk; /* countries, organisations, topics, candidates */
	unsigned nlimited; /* bp_tags' nlimited; limited: a copy, owned */
	char *limited;
	bp_briefing *briefing; /* a briefing record: a copy, owned */
	bp_source_info src;
} item;

typedef struct tagvec {
	bp_tag *v;
	size_t n, cap;
} tagvec;

typedef struct batch {
	item *items;
	size_t n, cap;
	bp_arena mem;       /* the blocks' copies (bp_block_copy) */
	size_t bytes;       /* block bytes copied in */
	tagvec tags[NSIDES];
	size_t failed[NSIDES]; /* each side's first item whose classification failed */
	bp_error err[NSIDES];  /* ... and why */
	int caller_busy;    /* the caller is classifying some of its items (under mu) */
	int done;           /* classified and emitted (under mu) */
	bp_status emit_st;  /* of its emission (or the first failed classification) */
	bp_error emit_err;  /* ... and why */
} batch;

struct bp_offload {
	bp_classifier *classifier[NSIDES];
	bp_emitter *emitter;
	batch batches[NBATCHES];
	batch *fill;        /* the caller's */
	batch *pend[NBATCHES]; /* queued, oldest first, not yet taken back (the caller's) */
	size_t phead, npend;
	batch *q[NBATCHES]; /* queued, not yet out (under mu; the thread takes the head) */
	size_t qhead, qn;
	int failed;         /* a queued batch failed: the later ones are not emitted (under mu) */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int quit;           /* (under mu) */
	int started;        /* the thread runs */
	int no_thread;      /* it could not be started: classify in the caller */
	bp_tag_warnings tagwarn; /* of the emitted blocks of the briefing to come */
	bp_pairing pairing;      /* questions and answers, in output order */
};

/* ---- batches ---- */

static item *new_item(batch *bt)
{
	if (bp_grow(&bt->items, &bt->cap, bt->n + 1, sizeof(item), 256) != 0)
		return NULL;
	memset(&bt->items[bt->n], 0, sizeof(item));
	atomic_init(&bt->items[bt->n].claimed, 0);
	return &bt->items[bt->n];
}

/* Empty again; keeps one standard chunk for the next round. */
static void reset(batch *bt)
{
	for (size_t i = 0; i < bt->n; i++) {
		bp_briefing_free(bt->items[i].briefing);
		free(bt->items[i].limited);
	}
	bt->mem.chunk_bytes = CHUNK_BYTES;
	bp_arena_reset(&bt->mem);
	bt->n = bt->bytes = 0;
	for (int side = 0; side < NSIDES; side++) {
		bt->tags[side].n = 0;
		bt->failed[side] = SIZE_MAX;
	}
	bt->done = 0;
	bt->caller_busy = 0;
	bt->emit_st = BP_OK;
}

static void release(batch *bt)
{
	reset(bt);
	bp_arena_free(&bt->mem);
	free(bt->items);
	for (int side = 0; side < NSIDES; side++)
		free(bt->tags[side].v);
}

/* ---- the classifier thread ---- */

/* Appends the tags of one run to tv for item it. */
static int keep_tags(tagvec *tv, item *it, const bp_tags *t)
{
	size_t need = tv->n + t->ncountries + t->norganizations + t->ntopics + t->ncandidates;
	bp_tag *dst;

	it->nlimited = t->nlimited;
	if (t->limited && !(it->limited = strdup(t->limited)))
		return 0;
	it->tags = tv->n;
	it->nc = t->ncountries;
	it->no = t->norganizations;
	it->nt = t->ntopics;
	it->nk = t->ncandidates;
	if (need == tv->n)
		return 1;
	if (bp_grow(&tv->v, &tv->cap, need, sizeof(bp_tag), 1024) != 0)
		return 0;
	dst = tv->v + tv->n;
	if (it->nc)
		memcpy(dst, t->countries, it->nc * sizeof(*dst));
	if (it->no)
		memcpy(dst + it->nc, t->organizations, it->no * sizeof(*dst));
	if (it->nt)
		memcpy(dst + it->nc + it->no, t->topics, it->nt * sizeof(*dst));
	if (it->nk)
		memcpy(dst + it->nc + it->no + it->nt, t->candidates, it->nk * sizeof(*dst));
	tv->n = need;
	return 1;
}

/* Classifies item i for side, unless the other side has claimed it: then
 * returns 0 (the sides meet there). */
static int classify_item(bp_offload *o, batch *bt, size_t i, int side)
{
	item *it = &bt->items[i];
	bp_error err;
	bp_tags t;
	bp_status st;

	if (atomic_exchange(&it->claimed, 1))
		return 0;
	it->side = side;
	it->st = BP_OK;
	if (!it->is_block)
		return 1;
	st = bp_classifier_run(o->classifier[side], it->block.buf, it->block.len,
			       it->block.heading_len, &t, &err);
	if (st == BP_OK && !keep_tags(&bt->tags[side], it, &t))
		st = bp_error_set(&err, BP_ERR_NOMEM, NULL, 0, "out of memory");
	if (st != BP_OK) {
		it->st = st;
		if (i < bt->failed[side]) {
			bt->failed[side] = i;
			bt->err[side] = err;
		}
	}
	return 1;
}

/* The thread's share of a batch: from the front. */
static void classify_front(bp_offload *o, batch *bt)
{
	for (size_t i = 0; i < bt->n && classify_item(o, bt, i, SIDE_THREAD); i++)
		;
}

/* The caller's share: from the back, while the thread works on the front. */
static void classify_back(bp_offload *o, batch *bt)
{
	for (size_t i = bt->n; i-- > 0 && classify_item(o, bt, i, SIDE_CALLER);)
		;
}

/* Emits bt's items in order (the emitting side's tag warnings in o). */
static bp_status emit_batch(bp_offload *o, batch *bt, bp_error *err)
{
	for (size_t i = 0; i < bt->n; i++) {
		item *it = &bt->items[i];
		bp_status st;
		if (it->st != BP_OK) {
			if (err)
				*err = bt->err[it->side];
			return it->st;
		}
		if (it->is_block) {
			static const bp_tag none[1];
			const bp_tag *v = bt->tags[it->side].v, *t = v ? v + it->tags : none;
			bp_tags tags = {t, it->nc, t + it->nc, it->no, t + it->nc + it->no, it->nt,
					t + it->nc + it->no + it->nt, it->nk, it->nlimited, it->limited};
			st = bp_pairing_apply(&o->pairing, bp_block_pair_kind(&it->block),
					      it->block.briefing_id, &tags, NULL, NULL, err);
			if (st != BP_OK)
				return st;
			bp_tag_warnings_add(&o->tagwarn, &it->block, &tags);
			st = bp_emit_block(o->emitter, &it->block, &tags, err);
		} else {
			bp_tag_warnings_move(&o->tagwarn, it->briefing);
			st = bp_emit_briefing(o->emitter, it->briefing, &it->src, err);
		}
		if (st != BP_OK)
			return st;
	}
	return BP_OK;
}

static void *thread_main(void *arg)
{
	bp_offload *o = arg;

	pthread_mutex_lock(&o->mu);
	for (;;) {
		batch *bt;
		int skip;
		while (!o->qn && !o->quit)
			pthread_cond_wait(&o->cv, &o->mu);
		if (o->quit) /* what is still queued is dropped */
			break;
		bt = o->q[o->qhead];
		pthread_mutex_unlock(&o->mu);
		classify_front(o, bt);
		pthread_mutex_lock(&o->mu);
		while (bt->caller_busy) /* its share of the items */
			pthread_cond_wait(&o->cv, &o->mu);
		skip = o->failed || o->quit; /* an earlier batch failed: nothing more goes out */
		pthread_mutex_unlock(&o->mu);
		if (!skip)
			bt->emit_st = emit_batch(o, bt, &bt->emit_err);
		pthread_mutex_lock(&o->mu);
		if (bt->emit_st != BP_OK)
			o->failed = 1;
		bt->done = 1;
		o->qhead = (o->qhead + 1) % NBATCHES;
		o->qn--;
		pthread_cond_broadcast(&o->cv);
	}
	pthread_mutex_unlock(&o->mu);
	return NULL;
}

/* Queues bt for the thread (started on first use). Without a thread the
 * caller classifies and emits it now. */
static void submit(bp_offload *o, batch *bt)
{
	o->pend[(o->phead + o->npend++) % NBATCHES] = bt;
	if (!o->started && !o->no_thread) {
		if (pthread_create(&o->thread, NULL, thread_main, o) == 0)
			o->started = 1;
		else
			o->no_thread = 1;
	}
	if (o->no_thread) {
		classify_back(o, bt);
		if (!o->failed)
			bt->emit_st = emit_batch(o, bt, &bt->emit_err);
		if (bt->emit_st != BP_OK)
			o->failed = 1;
		bt->done = 1;
		return;
	}
	pthread_mutex_lock(&o->mu);
	bt->done = 0;
	o->q[(o->qhead + o->qn++) % NBATCHES] = bt;
	pthread_cond_broadcast(&o->cv);
	pthread_mutex_unlock(&o->mu);
}

/* The caller's help with bt: its share of the items, from the back. */
static void help(bp_offload *o, batch *bt)
{
	if (o->no_thread)
		return;
	pthread_mutex_lock(&o->mu);
	if (bt->done) {
		pthread_mutex_unlock(&o->mu);
		return;
	}
	bt->caller_busy = 1;
	pthread_mutex_unlock(&o->mu);
	classify_back(o, bt);
	pthread_mutex_lock(&o->mu);
	bt->caller_busy = 0;
	pthread_cond_broadcast(&o->cv);
	pthread_mutex_unlock(&o->mu);
}

/* Waits until bt is classified and emitted (or skipped); its status. */
static bp_status wait_done(bp_offload *o, batch *bt, bp_error *err)
{
	if (!o->no_thread) {
		pthread_mutex_lock(&o->mu);
		while (!bt->done)
			pthread_cond_wait(&o->cv, &o->mu);
		pthread_mutex_unlock(&o->mu);
	}
	if (bt->emit_st != BP_OK && err)
		*err = bt->emit_err;
	return bt->emit_st;
}

/* ---- the caller's side ---- */

void bp_offload_drop(bp_offload *o)
{
	while (o->npend) {
		batch *bt = o->pend[o->phead];
		wait_done(o, bt, NULL);
		reset(bt);
		o->phead = (o->phead + 1) % NBATCHES;
		o->npend--;
	}
	reset(o->fill);
	pthread_mutex_lock(&o->mu);
	o->failed = 0;
	pthread_mutex_unlock(&o->mu);
	o->tagwarn.nlimited = 0; /* an input ends: a briefing it left open is gone */
	o->pairing.have_question = 0; /* ... and its last question pairs with nothing */
}

/* Takes back the oldest queued batch once it is out, helping with the
 * classification of every queued batch meanwhile. After an error
 * everything queued is dropped. */
static bp_status reclaim(bp_offload *o, bp_error *err)
{
	batch *bt = o->pend[o->phead];
	bp_status st;

	for (size_t k = 0; k < o->npend; k++)
		help(o, o->pend[(o->phead + k) % NBATCHES]);
	st = wait_done(o, bt, err);
	if (st != BP_OK) {
		bp_offload_drop(o);
		return st;
	}
	reset(bt);
	o->phead = (o->phead + 1) % NBATCHES;
	o->npend--;
	return BP_OK;
}

/* fill goes to the thread; a free batch is the next fill (waiting for the
 * oldest queued one when none is free). */
static bp_status cycle(bp_offload *o, bp_error *err)
{
	bp_status st;
	batch *next = NULL;

	if (o->npend == NBATCHES - 1 && (st = reclaim(o, err)) != BP_OK)
		return st;
	submit(o, o->fill);
	for (size_t k = 0; k < NBATCHES && !next; k++) {
		batch *bt = &o->batches[k];
		size_t j;
		for (j = 0; j < o->npend && o->pend[(o->phead + j) % NBATCHES] != bt; j++)
			;
		if (j == o->npend)
			next = bt;
	}
	o->fill = next;
	return BP_OK;
}

bp_status bp_offload_flush(bp_offload *o, bp_error *err)
{
	bp_status st = BP_OK;

	if (o->fill->n)
		st = cycle(o, err);
	while (st == BP_OK && o->npend)
		st = reclaim(o, err);
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
		ok = bp_block_copy(&it->block, b, &bt->mem) == 0;
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
	for (int k = 0; k < NBATCHES; k++)
		reset(&o->batches[k]);
	o->classifier[SIDE_THREAD] = bp_classifier_new(rules);
	o->classifier[SIDE_CALLER] = bp_classifier_new(rules);
	bp_pairing_init(&o->pairing, rules);
	if (!o->classifier[SIDE_THREAD] || !o->classifier[SIDE_CALLER] ||
	    pthread_mutex_init(&o->mu, NULL) != 0)
		goto fail;
	if (pthread_cond_init(&o->cv, NULL) != 0) {
		pthread_mutex_destroy(&o->mu);
		goto fail;
	}
	return o;
fail:
	bp_classifier_free(o->classifier[SIDE_THREAD]);
	bp_classifier_free(o->classifier[SIDE_CALLER]);
	free(o);
	return NULL;
}

void bp_offload_free(bp_offload *o)
{
	if (!o)
		return;
	if (o->started) { /* it finishes the batch it has, then sees quit */
		pthread_mutex_lock(&o->mu);
		o->quit = 1;
		pthread_cond_broadcast(&o->cv);
		pthread_mutex_unlock(&o->mu);
		pthread_join(o->thread, NULL);
	}
	for (int k = 0; k < NBATCHES; k++)
		release(&o->batches[k]);
	pthread_cond_destroy(&o->cv);
	pthread_mutex_destroy(&o->mu);
	bp_classifier_free(o->classifier[SIDE_THREAD]);
	bp_classifier_free(o->classifier[SIDE_CALLER]);
	bp_pairing_free(&o->pairing);
	free(o);
}

void bp_tag_warnings_add(bp_tag_warnings *w, const bp_block *b, const bp_tags *tags)
{
	if (!tags || !tags->nlimited)
		return;
	if (!w->nlimited) {
		w->line = b->line;
		snprintf(w->message, sizeof(w->message), "%s", tags->limited ? tags->limited : "");
	}
	w->nlimited += tags->nlimited;
}

void bp_tag_warnings_move(bp_tag_warnings *w, bp_briefing *b)
{
	if (w->nlimited)
		bp_briefing_warn(b, "pattern-limit", w->nlimited, w->line, w->message);
	w->nlimited = 0;
}
