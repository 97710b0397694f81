/*
 * classify.c - the classifier stage (see bp_classify.h): loads the name
 * gazetteer (gazetteer.c) and the topic rules (topics.c), and runs both in
 * one scan over each block's word starts. Formats and scoring:
 * docs/rules.md.
 */
#include "bp_classify.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bp_buf.h"
#include "bp_gazetteer.h"
#include "bp_swar.h"
#include "bp_topics.h"
#include "bp_words.h"

struct bp_rules {
	bp_words words;
	bp_gazetteer *gaz;
	bp_topics *topics;
};

struct bp_classifier {
	const bp_rules *rules;
	bp_gaz_run *gaz;
	bp_topic_run *topics;
};

/* ---- loading ---- */

void bp_rules_free(bp_rules *r)
{
	if (!r)
		return;
	bp_gazetteer_free(r->gaz);
	bp_topics_free(r->topics);
	free(r);
}

bp_status bp_rules_load(const char *dir, bp_rules **out, bp_error *err)
{
	bp_rules *r = calloc(1, sizeof(*r));
	bp_status st;

	*out = NULL;
	if (!r)
		return bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
	bp_words_init(&r->words);
	st = bp_gazetteer_load(&r->words, dir, &r->gaz, err);
	if (st == BP_OK)
		st = bp_topics_load(&r->words, dir, &r->topics, err);
	if (st != BP_OK) {
		bp_rules_free(r);
		return st;
	}
	*out = r;
	return BP_OK;
}

size_t bp_rules_count(const bp_rules *r)
{
	return r ? bp_gazetteer_count(r->gaz) + bp_topics_count(r->topics) : 0;
}

void bp_rules_info(const bp_rules *r, size_t i, bp_rule_info *e)
{
	size_t ng = r ? bp_gazetteer_count(r->gaz) : 0;

	memset(e, 0, sizeof(*e));
	if (!r)
		return;
	if (i < ng)
		bp_gazetteer_info(r->gaz, i, e);
	else
		bp_topics_info(r->topics, i - ng, e);
}

/* ---- classifying ---- */

bp_classifier *bp_classifier_new(const bp_rules *rules)
{
	bp_classifier *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->rules = rules;
	c->gaz = bp_gaz_run_new(rules->gaz);
	c->topics = bp_topic_run_new(rules->topics);
	if (!c->gaz || !c->topics) {
		bp_classifier_free(c);
		return NULL;
	}
	return c;
}

void bp_classifier_free(bp_classifier *c)
{
	if (!c)
		return;
	bp_gaz_run_free(c->gaz);
	bp_topic_run_free(c->topics);
	free(c);
}

/* The word masks of text window t[0, n), n <= 64: bit k of *w is set when
 * t[k] is a word byte, of *c when it is a continuation byte (see "Words"
 * and bp_words.h). Eight bytes at a time, without branches. */
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
 * word is a run of word and continuation bytes (BP_WB_WORD, BP_WB_CONT) from its
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
	const unsigned char *t = (const unsigned char *)text, *cls = r->words.cls;
	const unsigned char *wb = r->words.wordbyte;
	const bp_gaz_filter *gf = bp_gazetteer_filter(r->gaz);
	const bp_topic_filter *tf = bp_topics_filter(r->topics);
	unsigned gaz = bp_gazetteer_nonempty(r->gaz) != 0;
	unsigned top = bp_topics_nonempty(r->topics) != 0;
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
			unsigned may_gaz, may_top;
			unsigned char h[8]; /* t[i, i + 8), zero past len */
			uint64_t g;

			wlen = rest ? (size_t)__builtin_ctzll(rest) : 64;
			if (k + wlen >= 64) /* the run goes on in the next window */
				wlen = bp_words_run(wb, t + i, len - i);
			g = bp_gaz_key(bp_words_head8(t + i, len - i, h), wlen);
			/* both sides' first filters, one branch for the usual "neither" */
			may_gaz = gaz & (i >= gaz_until) & bp_gaz_may_begin(gf, g);
			may_top = top & bp_topic_may_start(tf, cls, h, wlen);
			if (!(may_gaz | may_top))
				continue;
			if (may_gaz && bp_gaz_may_start(gf, t + i, len - i, wlen, g)) {
				int m = bp_gaz_run_match(c->gaz, t, len, i, &e);
				if (m < 0)
					return bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
				if (m)
					gaz_until = e;
			}
			if (may_top && bp_topic_run_at(c->topics, text, len, i, heading_len, err) < 0)
				return err ? err->code : BP_ERR_LIMIT;
		}
	}
	return BP_OK;
}


bp_status bp_classifier_run(bp_classifier *c, const char *text, size_t len, size_t heading_len,
			    bp_tags *out, bp_error *err)
{
	bp_status st;

	memset(out, 0, sizeof(*out));
	if (heading_len > len)
		heading_len = len;
	bp_topic_run_clear(c->topics);
	st = scan(c, text, len, heading_len, err);
	bp_gaz_run_collect(c->gaz, out);
	bp_topic_run_collect(c->topics, len, out);
	if (st != BP_OK)
		memset(out, 0, sizeof(*out));
	return st;
}

/* ---- questions and answers ---- */

void bp_pairing_init(bp_pairing *p, const bp_rules *rules)
{
	memset(p, 0, sizeof(*p));
	p->rules = rules;
	p->credit = rules ? bp_topics_answer_credit(rules->topics) : 0;
}

void bp_pairing_free(bp_pairing *p)
{
	free(p->q);
	free(p->out);
	memset(p, 0, sizeof(*p));
}

static int same_briefing(const bp_pairing *p, const char *id)
{
	size_t n = strlen(id);
	return n < sizeof(p->briefing) && memcmp(p->briefing, id, n + 1) == 0;
}

bp_status bp_pairing_apply(bp_pairing *p, int kind, const char *briefing_id, bp_tags *tags,
			   bp_status (*explain)(void *ctx, const char *bytes, size_t n,
						bp_error *err),
			   void *ctx, bp_error *err)
{
	bp_status st = BP_OK;

	if (p->credit <= 0)
		return BP_OK;
	if (!briefing_id)
		briefing_id = "";
	if (kind == BP_PAIR_ANSWER && p->have_question && tags->ncandidates &&
	    same_briefing(p, briefing_id)) {
		char *text = NULL;
		size_t n;
		if (bp_grow(&p->out, &p->outcap, tags->ncandidates, sizeof(bp_tag), 16) != 0)
			return bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
		n = bp_topics_pair(p->rules->topics, tags->candidates, tags->ncandidates, p->q,
				   p->nq, p->out, explain ? &text : NULL);
		if (explain && !text)
			return bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
		tags->topics = p->out;
		tags->ntopics = n;
		if (explain) {
			if (*text)
				st = explain(ctx, text, strlen(text), err);
			free(text);
		}
	}
	p->have_question = 0;
	if (kind == BP_PAIR_QUESTION && strlen(briefing_id) < sizeof(p->briefing)) {
		if (tags->ntopics &&
		    bp_grow(&p->q, &p->qcap, tags->ntopics, sizeof(bp_tag), 16) != 0)
			return bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
		if (tags->ntopics)
			memcpy(p->q, tags->topics, tags->ntopics * sizeof(bp_tag));
		p->nq = tags->ntopics;
		memcpy(p->briefing, briefing_id, strlen(briefing_id) + 1);
		p->have_question = 1;
	}
	return st;
}

void bp_classifier_set_explain(bp_classifier *c, int on)
{
	bp_topic_run_set_explain(c->topics, on);
}

bp_status bp_classifier_explain(const bp_classifier *c, const char *text, bp_write_fn write,
				void *ctx, bp_error *err)
{
	return bp_topic_run_explain(c->topics, text, write, ctx, err);
}
