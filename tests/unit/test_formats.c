/* Unit tests for the output formats behind the emitter interface: CSV field
 * quoting (RFC 4180) and rows; the JSON document buffered and streamed
 * (a tiny buffer) giving the same members; pretty JSON equal to compact;
 * an unfinished briefing closed at the end of its input; SQLite rolling
 * back a briefing its input did not close. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "bp_emit.h"
#include "harness.h"

typedef struct sink {
	char buf[1 << 16];
	size_t len;
} sink;

static bp_status to_buf(void *ctx, const char *bytes, size_t n, bp_error *err)
{
	sink *s = ctx;
	(void)err;
	if (s->len + n < sizeof(s->buf)) {
		memcpy(s->buf + s->len, bytes, n);
		s->len += n;
		s->buf[s->len] = '\0';
	}
	return BP_OK;
}

static const char *field(const char *in)
{
	static char out[256];
	size_t n = bp_csv_field(out, in, strlen(in));
	out[n] = '\0';
	return out;
}

TEST(csv_field_quotes_only_when_needed)
{
	CHECK_STR(field(""), "");
	CHECK_STR(field("plain text; semicolons too"), "plain text; semicolons too");
	CHECK_STR(field("caf\xC3\xA9 \xE6\x9D\xB1\xE4\xBA\xAC"), "caf\xC3\xA9 \xE6\x9D\xB1\xE4\xBA\xAC");
	CHECK_STR(field("a,b"), "\"a,b\"");
	CHECK_STR(field("say \"no\""), "\"say \"\"no\"\"\"");
	CHECK_STR(field("\""), "\"\"\"\"");
	CHECK_STR(field("two\n\nparagraphs"), "\"two\n\nparagraphs\"");
	CHECK_STR(field("cr\rhere"), "\"cr\rhere\"");
	CHECK_STR(field(" leading and trailing "), " leading and trailing ");
}

TEST(csv_field_worst_case_fits)
{
	char out[2 * 8 + 2];
	CHECK_INT(bp_csv_field(out, "\"\"\"\"\"\"\"\"", 8), 2 * 8 + 2);
}

static char text[512];
static bp_briefing briefing;
static bp_anchor anchor[1];

static bp_block make_block(bp_block_type type, unsigned seq, const char *body)
{
	bp_block b;

	memset(&b, 0, sizeof(b));
	strcpy(briefing.id, "2017-02-09-0123abcd");
	strcpy(briefing.date, "2017-02-09");
	anchor[0].norm = 0;
	anchor[0].raw = 100;
	b.type = type;
	b.briefing_id = briefing.id;
	b.date = briefing.date;
	b.seq = seq;
	if (type == BP_BLOCK_STATEMENT) {
		snprintf(text, sizeof(text), "A \"heading\", too\n\n%s", body);
		b.heading_len = 16;
		b.text_off = 18;
		b.agenda = "1";
	} else {
		snprintf(text, sizeof(text), "%s", body);
		b.exchange = 1;
		b.speaker = type == BP_BLOCK_ANSWER ? "Maria Zakharova" : NULL;
	}
	b.buf = text;
	b.len = strlen(text);
	b.start = 100;
	b.end = 100 + b.len;
	b.map = anchor;
	b.nmap = 1;
	b.line = 7;
	return b;
}

TEST(csv_rows)
{
	static sink s;
	bp_emitter *e = bp_csv_emitter_new(to_buf, &s);
	bp_block b = make_block(BP_BLOCK_STATEMENT, 1, "He said \"yes, \u00e9\".\n\nThen, no.");
	bp_tag c[2];
	bp_tags tags;
	bp_error err;

	memset(c, 0, sizeof(c));
	memset(&tags, 0, sizeof(tags));
	c[0].id = "SY";
	c[1].id = "RU";
	tags.countries = c;
	tags.ncountries = 2;
	CHECK_INT(bp_emit_block(e, &b, &tags, &err), BP_OK);
	b = make_block(BP_BLOCK_ANSWER, 2, "Fine.");
	CHECK_INT(bp_emit_block(e, &b, NULL, &err), BP_OK);
	CHECK_INT(bp_emit_finish(e, &err), BP_OK);
	CHECK_STR(s.buf, BP_CSV_HEADER "\r\n"
		  "2017-02-09-0123abcd,2017-02-09-0123abcd/s1,2017-02-09,statement,1,,1,,"
		  "\"A \"\"heading\"\", too\",SY;RU,,,\"He said \"\"yes, \u00e9\"\".\n\nThen, no.\",,,,\r\n"
		  "2017-02-09-0123abcd,2017-02-09-0123abcd/t2,2017-02-09,answer,2,1,,Maria Zakharova,"
		  ",,,,Fine.,,,,\r\n");
	bp_emitter_free(e);
}

/* The fields of layout profiles are the last four columns. */
TEST(csv_profile_columns)
{
	static sink s;
	bp_emitter *e = bp_csv_emitter_new(to_buf, &s);
	bp_block b = make_block(BP_BLOCK_QUESTION, 1, "Any comment?");
	bp_error err;

	b.profile = "cn-mfa";
	b.language = "en";
	b.outlet = "CCTV";
	CHECK_INT(bp_emit_block(e, &b, NULL, &err), BP_OK);
	b = make_block(BP_BLOCK_ANSWER, 2, "Yes.");
	b.profile = "cn-mfa";
	b.language = "en";
	b.speaker_name = "Mao Ning";
	CHECK_INT(bp_emit_block(e, &b, NULL, &err), BP_OK);
	CHECK_INT(bp_emit_finish(e, &err), BP_OK);
	CHECK_STR(s.buf, BP_CSV_HEADER "\r\n"
		  "2017-02-09-0123abcd,2017-02-09-0123abcd/t1,2017-02-09,question,1,1,,,,,,,"
		  "Any comment?,cn-mfa,en,,CCTV\r\n"
		  "2017-02-09-0123abcd,2017-02-09-0123abcd/t2,2017-02-09,answer,2,1,,Maria Zakharova,"
		  ",,,,Yes.,cn-mfa,en,Mao Ning,\r\n");
	bp_emitter_free(e);
}

TEST(csv_header_without_rows)
{
	static sink s;
	bp_emitter *e = bp_csv_emitter_new(to_buf, &s);
	bp_error err;

	CHECK_INT(bp_emit_finish(e, &err), BP_OK);
	CHECK_STR(s.buf, BP_CSV_HEADER "\r\n");
	bp_emitter_free(e);
}

/* Emits three blocks and the briefing record (source digest "ab12", or
 * digest) through e. */
static void emit_briefing_from(bp_emitter *e, const char *digest)
{
	static bp_agenda_item item;
	bp_source_info src = { "x.txt", "text", 0, 500, "ab12", };
	bp_error err;
	bp_block b;

	b = make_block(BP_BLOCK_STATEMENT, 1, "First, \"quoted\".");
	CHECK_INT(bp_emit_block(e, &b, NULL, &err), BP_OK);
	b = make_block(BP_BLOCK_QUESTION, 1, "Why?");
	CHECK_INT(bp_emit_block(e, &b, NULL, &err), BP_OK);
	b = make_block(BP_BLOCK_ANSWER, 2, "Because [{,}]: \\ and \"\".");
	CHECK_INT(bp_emit_block(e, &b, NULL, &err), BP_OK);
	strcpy(item.n, "1");
	item.title = "A \"heading\", too";
	item.statement = 1;
	briefing.title = "Briefing, {with} [brackets]";
	briefing.agenda = &item;
	briefing.nagenda = 1;
	briefing.statements = 1;
	briefing.questions = briefing.answers = briefing.exchanges = 1;
	if (digest)
		snprintf(src.sha256, sizeof(src.sha256), "%s", digest);
	CHECK_INT(bp_emit_briefing(e, &briefing, &src, &err), BP_OK);
}

static void emit_briefing(bp_emitter *e)
{
	emit_briefing_from(e, NULL);
}

static cJSON *json_doc(int pretty, size_t max, sink *s)
{
	bp_emitter *e = bp_json_emitter_new(pretty, max, to_buf, s);
	cJSON *doc;

	memset(s, 0, sizeof(*s));
	emit_briefing(e);
	bp_emitter_free(e);
	CHECK(s->len > 0 && s->buf[s->len - 1] == '\n');
	doc = cJSON_Parse(s->buf);
	CHECK(doc != NULL);
	return doc;
}

static int starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

TEST(json_buffered_and_streamed_agree)
{
	static sink s1, s2, s3, s4;
	cJSON *buffered = json_doc(0, 0, &s1), *streamed = json_doc(0, 1, &s2);
	cJSON *pretty = json_doc(1, 0, &s3), *pretty_streamed = json_doc(1, 1, &s4);
	cJSON *blocks = cJSON_GetObjectItem(buffered, "blocks");

	CHECK(cJSON_Compare(buffered, streamed, 1));
	CHECK(cJSON_Compare(buffered, pretty, 1));
	CHECK(cJSON_Compare(buffered, pretty_streamed, 1));
	CHECK_INT(cJSON_GetArraySize(blocks), 3);
	CHECK_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(blocks, 2), "text")->valuestring,
		  "Because [{,}]: \\ and \"\".");
	CHECK_STR(cJSON_GetObjectItem(buffered, "title")->valuestring, "Briefing, {with} [brackets]");
	/* buffered: the briefing's members first; streamed: "blocks" third */
	CHECK(starts(s1.buf, "{\"type\":\"briefing\",\"id\":\"2017-02-09-0123abcd\",\"schema\":1,"));
	CHECK(starts(s2.buf, "{\"type\":\"briefing\",\"id\":\"2017-02-09-0123abcd\",\"blocks\":[{"));
	CHECK(strchr(s1.buf, '\n') == s1.buf + s1.len - 1); /* compact: one line */
	CHECK(strstr(s3.buf, "\n\t\"blocks\": [\n\t\t{\n\t\t\t\"type\": \"statement\",") != NULL);
	CHECK(strstr(s3.buf, "\"warnings\": [],") != NULL); /* empty arrays stay on their line */
	cJSON_Delete(buffered);
	cJSON_Delete(streamed);
	cJSON_Delete(pretty);
	cJSON_Delete(pretty_streamed);
}

/* Two documents, one per line, from two briefings in a row. */
TEST(json_one_document_per_briefing)
{
	static sink s;
	bp_emitter *e = bp_json_emitter_new(0, 0, to_buf, &s);
	char *second;
	cJSON *a, *b;

	emit_briefing(e);
	emit_briefing(e);
	bp_emitter_free(e);
	second = strchr(s.buf, '\n') + 1;
	CHECK(strchr(second, '\n') == s.buf + s.len - 1);
	second[-1] = '\0';
	a = cJSON_Parse(s.buf);
	b = cJSON_Parse(second);
	CHECK(a && b && cJSON_Compare(a, b, 1));
	CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItem(b, "blocks")), 3);
	cJSON_Delete(a);
	cJSON_Delete(b);
}

/* An input that fails inside a briefing: its blocks still close a document. */
TEST(json_unfinished_briefing_is_closed)
{
	static sink s;
	size_t max[2] = { 0, 1 };

	for (int k = 0; k < 2; k++) {
		bp_emitter *e = bp_json_emitter_new(0, max[k], to_buf, &s);
		bp_block b = make_block(BP_BLOCK_QUESTION, 1, "Cut short?");
		bp_error err;
		cJSON *doc;

		memset(&s, 0, sizeof(s));
		CHECK_INT(bp_emit_block(e, &b, NULL, &err), BP_OK);
		CHECK_INT(bp_emit_end_input(e, BP_ERR_IO, &err), BP_OK);
		CHECK_INT(bp_emit_end_input(e, BP_OK, &err), BP_OK); /* nothing more */
		bp_emitter_free(e);
		doc = cJSON_Parse(s.buf);
		CHECK(doc != NULL);
		CHECK_STR(cJSON_GetObjectItem(doc, "id")->valuestring, "2017-02-09-0123abcd");
		CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "blocks")), 1);
		CHECK(cJSON_GetObjectItem(doc, "title") == NULL);
		CHECK(strchr(s.buf, '\n') == s.buf + s.len - 1);
		cJSON_Delete(doc);
	}
}

static long long count(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long long n = -1;

	if (sqlite3_open(path, &db) == SQLITE_OK && sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

TEST(sqlite_rolls_back_an_unfinished_briefing)
{
	char path[] = "/tmp/bp-test-formats-XXXXXX";
	char db[64];
	int fd = mkstemp(path);
	bp_emitter *e = NULL;
	bp_block b;
	bp_error err;

	CHECK(fd >= 0);
	close(fd);
	unlink(path);
	snprintf(db, sizeof(db), "%s.db", path);
	CHECK_INT(bp_sqlite_emitter_open(db, &e, &err), BP_OK);
	emit_briefing(e);
	CHECK_INT(bp_emit_end_input(e, BP_OK, &err), BP_OK);
	/* the next input breaks off after one block of a new version */
	b = make_block(BP_BLOCK_QUESTION, 1, "Cut short?");
	CHECK_INT(bp_emit_block(e, &b, NULL, &err), BP_OK);
	CHECK_INT(bp_emit_end_input(e, BP_ERR_IO, &err), BP_OK);
	CHECK_INT(bp_emit_finish(e, &err), BP_OK);
	bp_emitter_free(e);
	CHECK_INT(count(db, "select count(*) from blocks"), 3);
	CHECK_INT(count(db, "select count(*) from briefings"), 1);
	CHECK_INT(count(db, "select count(*) from blocks_fts where blocks_fts match 'quoted'"), 1);
	CHECK_INT(count(db, "select count(*) from blocks where text = 'Cut short?'"), 0);
	unlink(db);
}

/* Keyed by id and by source digest: the same source under a new id (new
 * rules, say) replaces the old briefing; a new source under the same id too. */
TEST(sqlite_replaces_by_id_and_by_digest)
{
	char db[] = "/tmp/bp-test-formats-digest-XXXXXX";
	int fd = mkstemp(db);
	bp_emitter *e = NULL;
	bp_source_info src = { "y.txt", "text", 0, 500, "ab12", };
	bp_block b;
	bp_error err;

	CHECK(fd >= 0);
	close(fd);
	CHECK_INT(bp_sqlite_emitter_open(db, &e, &err), BP_OK);
	emit_briefing(e); /* id 2017-02-09-0123abcd, digest ab12 */
	strcpy(briefing.id, "2017-02-09-99999999");
	b = make_block(BP_BLOCK_QUESTION, 1, "Renamed?");
	b.briefing_id = "2017-02-09-99999999";
	CHECK_INT(bp_emit_block(e, &b, NULL, &err), BP_OK);
	strcpy(briefing.id, "2017-02-09-99999999");
	CHECK_INT(bp_emit_briefing(e, &briefing, &src, &err), BP_OK);
	CHECK_INT(count(db, "select count(*) from briefings"), 1);
	CHECK_INT(count(db, "select count(*) from briefings where briefing_id = '2017-02-09-99999999'"), 1);
	CHECK_INT(count(db, "select count(*) from blocks"), 1);
	CHECK_INT(count(db, "select count(*) from agenda"), 1);
	emit_briefing(e); /* the first id again, the same digest: replaces the second */
	emit_briefing_from(e, "cd34"); /* the same id, a new digest */
	CHECK_INT(count(db, "select count(*) from briefings where sha256 = 'cd34'"), 1);
	CHECK_INT(count(db, "select count(*) from briefings"), 1);
	CHECK_INT(count(db, "select count(*) from blocks"), 3);
	CHECK_INT(count(db, "select count(*) from blocks_fts where blocks_fts match 'renamed'"), 0);
	CHECK_INT(bp_emit_finish(e, &err), BP_OK);
	bp_emitter_free(e);
	unlink(db);
}

TEST(sqlite_open_error_names_the_file)
{
	bp_emitter *e = NULL;
	bp_error err;

	bp_error_clear(&err);
	CHECK_INT(bp_sqlite_emitter_open("/nonexistent-dir/x.db", &e, &err), BP_ERR_IO);
	CHECK(e == NULL);
	CHECK_STR(err.path, "/nonexistent-dir/x.db");
	CHECK(strncmp(err.message, "sqlite: ", 8) == 0);
}

TEST(output_names)
{
	bp_output o;

	CHECK_INT(bp_output_parse("jsonl", &o), BP_OK);
	CHECK_INT(o, BP_OUTPUT_JSONL);
	CHECK_INT(bp_output_parse("csv", &o), BP_OK);
	CHECK_INT(o, BP_OUTPUT_CSV);
	CHECK_INT(bp_output_parse("json", &o), BP_OK);
	CHECK_INT(o, BP_OUTPUT_JSON);
	CHECK_INT(bp_output_parse("xml", &o), BP_ERR_USAGE);
}

int main(void)
{
	RUN(csv_field_quotes_only_when_needed);
	RUN(csv_field_worst_case_fits);
	RUN(csv_rows);
	RUN(csv_profile_columns);
	RUN(csv_header_without_rows);
	RUN(json_buffered_and_streamed_agree);
	RUN(json_one_document_per_briefing);
	RUN(json_unfinished_briefing_is_closed);
	RUN(sqlite_rolls_back_an_unfinished_briefing);
	RUN(sqlite_replaces_by_id_and_by_digest);
	RUN(sqlite_open_error_names_the_file);
	RUN(output_names);
	return DONE();
}
