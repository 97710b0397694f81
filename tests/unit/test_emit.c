/* Unit tests for the emitter: escaping identical to cJSON's, exact integers,
 * tags rendered as cJSON would print them, compact and pretty records equal,
 * write errors returned. The tests read the output back with cJSON. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "bp_emit.h"
#include "harness.h"

typedef struct sink {
	char buf[1 << 16];
	size_t len;
	int fail;
} sink;

static bp_status to_buf(void *ctx, const char *bytes, size_t n, bp_error *err)
{
	sink *s = ctx;
	if (s->fail)
		return bp_error_set(err, BP_ERR_IO, NULL, 0, "write error: disk full");
	if (s->len + n < sizeof(s->buf)) {
		memcpy(s->buf + s->len, bytes, n);
		s->len += n;
		s->buf[s->len] = '\0';
	}
	return BP_OK;
}

static char text[512];
static bp_briefing briefing;
static bp_anchor anchor[1];

/* A statement "Heading \"x\"\n\n<every awkward byte>" whose offsets start at
 * 2^40 (raw = block offset + 2^40). */
static bp_block make_block(void)
{
	bp_block b;
	size_t n = 0;
	int c;

	memset(&b, 0, sizeof(b));
	n += (size_t)sprintf(text, "Heading \"x\"\n\n");
	b.heading_len = 11;
	b.text_off = 13;
	for (c = 1; c < 0x20; c++)
		text[n++] = (char)c;
	n += (size_t)sprintf(text + n, " quote \" back \\ slash / caf\xC3\xA9 \xE2\x80\x99 Aleppo and Syria.");
	text[n] = '\0';
	strcpy(briefing.id, "2017-02-09-0123abcd");
	strcpy(briefing.date, "2017-02-09");
	anchor[0].norm = 0;
	anchor[0].raw = (uint64_t)1 << 40;
	b.type = BP_BLOCK_STATEMENT;
	b.briefing_id = briefing.id;
	b.date = briefing.date;
	b.seq = 3;
	b.agenda = "7";
	b.buf = text;
	b.len = n;
	b.start = (uint64_t)1 << 40;
	b.end = ((uint64_t)1 << 40) + n;
	b.map = anchor;
	b.nmap = 1;
	b.line = 42;
	return b;
}

static bp_tags make_tags(const bp_block *b, bp_tag *c, bp_tag *t)
{
	bp_tags tags;
	const char *aleppo = strstr(b->buf, "Aleppo"), *syria = strstr(b->buf, "Syria");

	memset(&tags, 0, sizeof(tags));
	memset(c, 0, sizeof(*c));
	c->id = "SY";
	c->name = "Syria";
	c->count = 9; /* more matches than evidence spans */
	c->nevidence = 2;
	c->evidence[0].start = (size_t)(aleppo - b->buf);
	c->evidence[0].end = c->evidence[0].start + 6;
	c->evidence[1].start = (size_t)(syria - b->buf);
	c->evidence[1].end = c->evidence[1].start + 5;
	memset(t, 0, sizeof(*t));
	t->id = "armed-conflict";
	t->name = "Armed conflict";
	t->score = 0.5;
	t->count = 1;
	tags.countries = c;
	tags.ncountries = 1;
	tags.topics = t;
	tags.ntopics = 1;
	return tags;
}

static cJSON *emit_one(int pretty, const bp_tags *tags, sink *s)
{
	bp_emitter *e = bp_emitter_new(pretty, to_buf, s);
	bp_block b = make_block();
	bp_error err;

	memset(s, 0, sizeof(*s));
	CHECK_INT(bp_emit_block(e, &b, tags, &err), BP_OK);
	bp_emitter_free(e);
	CHECK(s->len > 0 && s->buf[s->len - 1] == '\n');
	return cJSON_Parse(s->buf);
}

TEST(escaping_is_cjsons_own)
{
	static sink s;
	bp_block b = make_block();
	cJSON *rec = emit_one(0, NULL, &s), *mine = cJSON_CreateString(b.buf + b.text_off);
	char *want = cJSON_PrintUnformatted(mine);

	CHECK(rec != NULL);
	CHECK_STR(cJSON_GetObjectItem(rec, "text")->valuestring, b.buf + b.text_off);
	CHECK_STR(cJSON_GetObjectItem(rec, "heading")->valuestring, "Heading \"x\"");
	/* the bytes of "text" in the record are exactly what cJSON writes */
	CHECK(strstr(s.buf, want) != NULL);
	CHECK(strchr(s.buf, '\n') == s.buf + s.len - 1); /* one record, one line */
	free(want);
	cJSON_Delete(mine);
	cJSON_Delete(rec);
}

TEST(integers_are_exact)
{
	static sink s;
	cJSON *rec = emit_one(0, NULL, &s);

	CHECK(strstr(s.buf, "\"span\":{\"start\":1099511627776,\"end\":") != NULL);
	CHECK(strstr(s.buf, "\"seq\":3,") != NULL);
	CHECK(strstr(s.buf, "\"line\":42,") != NULL);
	CHECK_STR(cJSON_GetObjectItem(rec, "id")->valuestring, "2017-02-09-0123abcd/s3");
	CHECK_STR(cJSON_GetObjectItem(rec, "agenda")->valuestring, "7");
	cJSON_Delete(rec);
}

/* Integers at every digit-count boundary, up to the largest offset. */
TEST(integers_at_digit_boundaries)
{
	static sink s;
	uint64_t p = 1;
	for (int k = 0; k <= 20; k++) {
		uint64_t vals[3] = {p - 1, p, p + 1};
		for (int j = 0; j < 3; j++) {
			bp_emitter *e = bp_emitter_new(0, to_buf, &s);
			bp_block b = make_block();
			bp_error err;
			char want[64];
			b.start = vals[j];
			b.end = UINT64_MAX;
			memset(&s, 0, sizeof(s));
			CHECK_INT(bp_emit_block(e, &b, NULL, &err), BP_OK);
			bp_emitter_free(e);
			snprintf(want, sizeof(want), "\"span\":{\"start\":%llu,\"end\":%llu}",
				 (unsigned long long)vals[j], (unsigned long long)UINT64_MAX);
			CHECK(strstr(s.buf, want) != NULL);
		}
		if (k < 19)
			p *= 10;
		else
			p = UINT64_MAX; /* the last round: 2^64 - 2, - 1, and 0 (wrapped) */
	}
}

TEST(tags_compact_and_pretty_agree)
{
	static sink s1, s2;
	bp_block b = make_block();
	bp_tag c, t;
	bp_tags tags = make_tags(&b, &c, &t);
	cJSON *compact = emit_one(0, &tags, &s1), *pretty = emit_one(1, &tags, &s2), *sy, *ev;

	CHECK(compact && pretty);
	CHECK(cJSON_Compare(compact, pretty, 1));
	CHECK(strchr(s2.buf, '\n') < s2.buf + s2.len - 1); /* pretty spans lines */
	sy = cJSON_GetArrayItem(cJSON_GetObjectItem(compact, "countries"), 0);
	CHECK_STR(cJSON_GetObjectItem(sy, "code")->valuestring, "SY");
	CHECK_INT(cJSON_GetObjectItem(sy, "count")->valuedouble, 9);
	ev = cJSON_GetArrayItem(cJSON_GetObjectItem(sy, "evidence"), 0);
	CHECK_STR(cJSON_GetObjectItem(ev, "match")->valuestring, "Aleppo");
	CHECK_INT(cJSON_GetObjectItem(ev, "start")->valuedouble,
		  (double)(((uint64_t)1 << 40) + c.evidence[0].start));
	CHECK_INT(cJSON_GetObjectItem(ev, "end")->valuedouble,
		  (double)(((uint64_t)1 << 40) + c.evidence[0].end));
	CHECK(strstr(s1.buf, "\"score\":0.50,") != NULL);
	CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItem(compact, "organizations")), 0);
	cJSON_Delete(compact);
	cJSON_Delete(pretty);
}

TEST(briefing_record_nulls_and_refs)
{
	static sink s;
	bp_emitter *e = bp_emitter_new(0, to_buf, &s);
	bp_briefing b;
	bp_agenda_item items[2];
	bp_source_info src = { "-", "text", 10, 20, "ab", };
	bp_error err;
	cJSON *rec, *a;

	memset(&b, 0, sizeof(b));
	memset(items, 0, sizeof(items));
	strcpy(b.id, "undated-00000001");
	strcpy(items[0].n, "1");
	items[0].title = "Syria";
	items[0].statement = 1;
	strcpy(items[1].n, "2.1");
	items[1].title = "Mosul";
	items[1].qa = 1;
	b.agenda = items;
	b.nagenda = 2;
	b.warnings[0].code = "no-title";
	b.warnings[0].count = 1;
	strcpy(b.warnings[0].message, "no title line");
	b.nwarnings = 1;
	memset(&s, 0, sizeof(s));
	CHECK_INT(bp_emit_briefing(e, &b, &src, &err), BP_OK);
	rec = cJSON_Parse(s.buf);
	CHECK(rec != NULL);
	CHECK(cJSON_IsNull(cJSON_GetObjectItem(rec, "title")));
	CHECK(cJSON_IsNull(cJSON_GetObjectItem(rec, "date")));
	a = cJSON_GetObjectItem(rec, "agenda");
	CHECK_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(a, 0), "ref")->valuestring, "undated-00000001/s1");
	CHECK(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetArrayItem(a, 1), "ref")));
	CHECK_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(a, 1), "section")->valuestring, "qa");
	CHECK_INT(cJSON_GetObjectItem(cJSON_GetObjectItem(rec, "source"), "offset")->valuedouble, 10);
	cJSON_Delete(rec);
	bp_emitter_free(e);
}

TEST(write_errors_are_returned)
{
	static sink s;
	bp_emitter *e = bp_emitter_new(0, to_buf, &s);
	bp_block b = make_block();
	bp_error err;

	memset(&s, 0, sizeof(s));
	s.fail = 1;
	CHECK_INT(bp_emit_block(e, &b, NULL, &err), BP_ERR_IO);
	CHECK_STR(err.message, "write error: disk full");
	bp_emitter_free(e);
}

/* cJSON's allocations through a hook that fails the fail_at-th (1-based;
 * 0: never) and counts them. */
static size_t cj_calls, cj_fail_at;

static void *cj_malloc(size_t n)
{
	if (++cj_calls == cj_fail_at)
		return NULL;
	return malloc(n);
}

/* Emits one record (a block with tags, compact or pretty, or a briefing)
 * with cJSON's fail_at-th allocation failing; returns the status. */
static bp_status emit_failing(int what, size_t fail_at, sink *s)
{
	cJSON_Hooks hooks = {cj_malloc, free};
	bp_emitter *e = bp_emitter_new(what == 1, to_buf, s);
	bp_block b = make_block();
	bp_tag c, t;
	bp_tags tags = make_tags(&b, &c, &t);
	bp_briefing br;
	bp_agenda_item item;
	bp_source_info src = {"x.txt", "text", 0, 20, "ab"};
	bp_error err;
	bp_status st;

	memset(&br, 0, sizeof(br));
	memset(&item, 0, sizeof(item));
	strcpy(br.id, "2017-02-09-0123abcd");
	strcpy(item.n, "1");
	item.title = "Syria";
	item.statement = 1;
	br.agenda = &item;
	br.nagenda = 1;
	br.warnings[0].code = "no-title";
	br.nwarnings = 1;
	memset(s, 0, sizeof(*s));
	cj_calls = 0;
	cj_fail_at = fail_at;
	cJSON_InitHooks(&hooks);
	st = what == 2 ? bp_emit_briefing(e, &br, &src, &err) : bp_emit_block(e, &b, &tags, &err);
	cJSON_InitHooks(NULL);
	if (st == BP_ERR_NOMEM)
		CHECK_STR(err.message, "out of memory");
	bp_emitter_free(e);
	return st;
}

/* Out of memory in cJSON: the record fails with BP_ERR_NOMEM and nothing
 * is written, whichever allocation fails; never a record with keys missing. */
TEST(out_of_memory_is_an_error)
{
	static sink s, whole;
	for (int what = 0; what < 3; what++) {
		size_t n, k;
		CHECK_INT(emit_failing(what, 0, &whole), BP_OK);
		n = cj_calls;
		CHECK(n > 10);
		for (k = 1; k <= n; k++) {
			bp_status st = emit_failing(what, k, &s);
			if (st != BP_ERR_NOMEM || s.len != 0) {
				printf("  record %d, allocation %zu of %zu failing: status %d, %zu bytes written\n",
				       what, k, n, (int)st, s.len);
				CHECK(0);
				break;
			}
		}
	}
}

int main(void)
{
	RUN(escaping_is_cjsons_own);
	RUN(integers_are_exact);
	RUN(integers_at_digit_boundaries);
	RUN(tags_compact_and_pretty_agree);
	RUN(briefing_record_nulls_and_refs);
	RUN(write_errors_are_returned);
	RUN(out_of_memory_is_an_error);
	return DONE();
}
