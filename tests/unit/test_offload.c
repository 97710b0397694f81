/* Unit tests for the classifier thread (bp_offload.h): the records it
 * writes equal those of classifying and emitting in line, in order, for
 * many batches, a block larger than a batch and briefing records between
 * blocks; flush and drop leave it ready for the next input; a write error
 * stops the output at a record boundary and drops the rest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_classify.h"
#include "bp_emit.h"
#include "bp_offload.h"
#include "harness.h"

typedef struct sink {
	char *buf;
	size_t len, cap;
	size_t writes, fail_at; /* fail the fail_at-th write (1-based; 0: never) */
} sink;

static bp_status to_sink(void *ctx, const char *bytes, size_t n, bp_error *err)
{
	sink *s = ctx;
	if (s->fail_at && ++s->writes == s->fail_at)
		return bp_error_set(err, BP_ERR_IO, NULL, 0, "write error: disk full");
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 1 << 16;
		while (cap < s->len + n + 1)
			cap *= 2;
		s->buf = realloc(s->buf, cap);
		s->cap = cap;
	}
	memcpy(s->buf + s->len, bytes, n);
	s->len += n;
	s->buf[s->len] = '\0';
	return BP_OK;
}

static bp_rules *rules;
static bp_briefing briefing;
static bp_source_info src = {"x.txt", "text", 0, 100, "00"};
static char text[3 << 20];
static bp_anchor anchor[1];

/* Block k of a made-up briefing: a statement or a turn, n bytes of text
 * mentioning places and topics. */
static bp_block make_block(unsigned k, size_t n)
{
	static const char words[] = "Russia and Syria discussed sanctions, NATO drills and the "
				    "ceasefire in Aleppo at talks with the UN envoy in Geneva. ";
	bp_block b;
	size_t i;

	memset(&b, 0, sizeof(b));
	for (i = 0; i < n; i++)
		text[i] = words[(i + k * 7) % (sizeof(words) - 1)];
	text[n] = '\0';
	anchor[0].norm = 0;
	anchor[0].raw = 1000u * k;
	b.type = k % 3 == 0 ? BP_BLOCK_STATEMENT : k % 3 == 1 ? BP_BLOCK_QUESTION : BP_BLOCK_ANSWER;
	b.briefing_id = briefing.id;
	b.date = briefing.date;
	b.seq = k + 1;
	b.exchange = k / 3;
	b.agenda = b.type == BP_BLOCK_STATEMENT ? "3" : NULL;
	b.speaker = b.type == BP_BLOCK_ANSWER ? "Maria Zakharova" : NULL;
	b.heading_len = b.type == BP_BLOCK_STATEMENT && n > 20 ? 18 : 0;
	b.text_off = b.heading_len ? 20 : 0;
	b.buf = text;
	b.len = n;
	b.start = anchor[0].raw;
	b.end = anchor[0].raw + n;
	b.map = anchor;
	b.nmap = 1;
	b.line = k + 1;
	return b;
}

static size_t block_size(unsigned k)
{
	return k == 37 ? (2u << 20) : 200 + (k * 131) % 3000; /* one block larger than a batch */
}

/* The same records in line: classify, pair answers with their questions
 * (bp_pairing, as the pipeline does), then emit. */
static void in_line(sink *s, unsigned nblocks)
{
	bp_classifier *c = bp_classifier_new(rules);
	bp_emitter *e = bp_emitter_new(0, to_sink, s);
	bp_pairing p;
	bp_error err;
	bp_tags t;
	bp_pairing_init(&p, rules);
	for (unsigned k = 0; k < nblocks; k++) {
		bp_block b = make_block(k, block_size(k));
		CHECK_INT(bp_classifier_run(c, b.buf, b.len, b.heading_len, &t, &err), BP_OK);
		CHECK_INT(bp_pairing_apply(&p, bp_block_pair_kind(&b), b.briefing_id, &t, NULL, NULL,
					   &err),
			  BP_OK);
		CHECK_INT(bp_emit_block(e, &b, &t, &err), BP_OK);
		if (k % 50 == 49)
			CHECK_INT(bp_emit_briefing(e, &briefing, &src, &err), BP_OK);
	}
	bp_emitter_free(e);
	bp_classifier_free(c);
	bp_pairing_free(&p);
}

static bp_status offloaded(bp_offload *o, unsigned nblocks, bp_error *err)
{
	bp_status st = BP_OK;
	for (unsigned k = 0; k < nblocks && st == BP_OK; k++) {
		bp_block b = make_block(k, block_size(k));
		st = bp_offload_block(o, &b, err);
		if (st == BP_OK && k % 50 == 49)
			st = bp_offload_briefing(o, &briefing, &src, err);
	}
	return st;
}

/* The first n lines of s, as a length. */
static size_t lines(const sink *s, size_t n)
{
	size_t at = 0;
	while (n-- && at < s->len) {
		const char *nl = memchr(s->buf + at, '\n', s->len - at);
		at = nl ? (size_t)(nl - s->buf) + 1 : s->len;
	}
	return at;
}

static int same(const sink *a, size_t from, const sink *b)
{
	return a->len - from == b->len && memcmp(a->buf + from, b->buf, b->len) == 0;
}

/* Whatever happened before, the next input (10 blocks) comes out whole. */
static void next_input_whole(bp_offload *o, sink *got)
{
	sink want = {0};
	bp_error err;
	size_t before = got->len;

	in_line(&want, 10);
	CHECK_INT(offloaded(o, 10, &err), BP_OK);
	CHECK_INT(bp_offload_flush(o, &err), BP_OK);
	CHECK(same(got, before, &want));
	free(want.buf);
}

TEST(same_records_as_in_line)
{
	sink want = {0}, got = {0};
	bp_emitter *e = bp_emitter_new(0, to_sink, &got);
	bp_offload *o = bp_offload_new(rules, e);
	bp_error err;

	in_line(&want, 200);
	CHECK(want.len > 4 * BP_OFFLOAD_BATCH); /* several batches */
	CHECK_INT(offloaded(o, 200, &err), BP_OK);
	CHECK_INT(bp_offload_flush(o, &err), BP_OK);
	CHECK(same(&got, 0, &want));
	/* the next input, through the same offload */
	CHECK_INT(offloaded(o, 200, &err), BP_OK);
	CHECK_INT(bp_offload_flush(o, &err), BP_OK);
	CHECK(same(&got, want.len, &want));
	bp_offload_free(o);
	bp_emitter_free(e);
	free(want.buf);
	free(got.buf);
}

TEST(drop_discards_the_queue)
{
	sink want = {0}, got = {0};
	bp_emitter *e = bp_emitter_new(0, to_sink, &got);
	bp_offload *o = bp_offload_new(rules, e);
	bp_error err;
	size_t before;

	in_line(&want, 120);
	CHECK_INT(offloaded(o, 120, &err), BP_OK);
	bp_offload_drop(o); /* an input failed: what it queued is not written */
	before = got.len;
	CHECK(before < want.len);
	CHECK(before == 0 || memcmp(got.buf, want.buf, before) == 0);
	CHECK(before == 0 || got.buf[before - 1] == '\n');
	next_input_whole(o, &got);
	bp_offload_free(o);
	bp_emitter_free(e);
	free(want.buf);
	free(got.buf);
}

TEST(write_error_stops_at_a_record)
{
	sink want = {0}, got = {.fail_at = 5};
	bp_emitter *e = bp_emitter_new(0, to_sink, &got);
	bp_offload *o = bp_offload_new(rules, e);
	bp_error err;
	bp_status st;

	in_line(&want, 200);
	bp_error_clear(&err);
	st = offloaded(o, 200, &err);
	if (st == BP_OK)
		st = bp_offload_flush(o, &err);
	else
		bp_offload_drop(o);
	CHECK_INT(st, BP_ERR_IO);
	CHECK_STR(err.message, "write error: disk full");
	/* four records out, whole, then nothing */
	CHECK_INT(got.len, lines(&want, 4));
	CHECK(memcmp(got.buf, want.buf, got.len) == 0);
	got.fail_at = 0;
	next_input_whole(o, &got);
	bp_offload_free(o);
	bp_emitter_free(e);
	free(want.buf);
	free(got.buf);
}

int main(void)
{
	bp_error err;
	strcpy(briefing.id, "2021-05-05-0123abcd");
	strcpy(briefing.date, "2021-05-05");
	briefing.title = "Briefing by Foreign Ministry Spokesperson Maria Zakharova";
	if (bp_rules_load(NULL, &rules, &err) != BP_OK) {
		printf("cannot load the bundled rules: %s\n", err.message);
		return 1;
	}
	RUN(same_records_as_in_line);
	RUN(drop_discards_the_queue);
	RUN(write_error_stops_at_a_record);
	bp_rules_free(rules);
	return DONE();
}
