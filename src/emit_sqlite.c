/* emit_sqlite.c - stage 5: --sqlite FILE (bp_emit.h), the records as tables
 * of an SQLite database with an FTS5 index on block text. The only file that
 * includes SQLite. Schema and queries: docs/formats.md.
 *
 * One transaction per briefing: it opens at the briefing's first block,
 * deletes whatever the database holds under the briefing's id, inserts the
 * blocks as they come, and at the briefing record (which closes the
 * briefing) also deletes any briefing with the same source digest, indexes
 * the new blocks, inserts the briefing and commits. A run killed at any
 * point leaves every briefing either as it was or wholly replaced (WAL
 * journal).
 *
 * The FTS index is written by one statement per briefing (Q_FTS_INSERT),
 * not by a trigger per block: FTS5 flushes its pending terms into a new
 * index segment at every statement savepoint of the transaction, and a
 * trigger made that once per block and tag row (cpu time 4x).
 *
 * briefing_sources records which source paths gave each briefing (two
 * inputs holding the same transcript give one briefing row): archive mode
 * forgets an input that is gone through it (bp_sqlite_forget_source). */
#include "bp_emit.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#define SCHEMA_VERSION "1"
#define BUSY_TIMEOUT_MS 60000 /* other writers (archive workers) hold the lock per briefing */

/* Whether the query compiles (its columns exist). */
static int has_columns(sqlite3 *conn, const char *sql)
{
	sqlite3_stmt *q = NULL;
	int has = sqlite3_prepare_v2(conn, sql, -1, &q, NULL) == SQLITE_OK;
	sqlite3_finalize(q);
	return has;
}

/* A database made before layout profiles gets the columns of the records'
 * optional fields: briefings' profile, language, moderators and
 * spokesperson_name, blocks'
 * speaker_name and outlet. 0, or -1 on an error. */
static int add_profile_columns_conn(sqlite3 *conn)
{
	if (!has_columns(conn, "SELECT profile, language FROM briefings LIMIT 0") &&
	    sqlite3_exec(conn, "ALTER TABLE briefings ADD COLUMN profile TEXT;"
			       "ALTER TABLE briefings ADD COLUMN language TEXT;",
			 NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	if (!has_columns(conn, "SELECT moderators FROM briefings LIMIT 0") &&
	    sqlite3_exec(conn, "ALTER TABLE briefings ADD COLUMN moderators INTEGER;", NULL, NULL,
			 NULL) != SQLITE_OK)
		return -1;
	if (!has_columns(conn, "SELECT spokesperson_name FROM briefings LIMIT 0") &&
	    sqlite3_exec(conn, "ALTER TABLE briefings ADD COLUMN spokesperson_name TEXT;", NULL,
			 NULL, NULL) != SQLITE_OK)
		return -1;
	if (!has_columns(conn, "SELECT speaker_name, outlet FROM blocks LIMIT 0") &&
	    sqlite3_exec(conn, "ALTER TABLE blocks ADD COLUMN speaker_name TEXT;"
			       "ALTER TABLE blocks ADD COLUMN outlet TEXT;",
			 NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	return 0;
}

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS briefparse_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"INSERT OR IGNORE INTO briefparse_meta VALUES('schema', '" SCHEMA_VERSION "');"
	"CREATE TABLE IF NOT EXISTS briefings("
	" briefing_id TEXT PRIMARY KEY, sha256 TEXT NOT NULL, source_path TEXT NOT NULL,"
	" source_format TEXT NOT NULL, source_offset INTEGER NOT NULL, source_bytes INTEGER NOT NULL,"
	" source_index INTEGER NOT NULL, title TEXT, date TEXT, time TEXT, spokesperson TEXT,"
	" role TEXT, place TEXT, statements INTEGER NOT NULL, questions INTEGER NOT NULL,"
	" answers INTEGER NOT NULL, exchanges INTEGER NOT NULL, agenda_items INTEGER NOT NULL,"
	" linked INTEGER NOT NULL, unlinked INTEGER NOT NULL, skipped INTEGER NOT NULL,"
	" span_start INTEGER NOT NULL,"
	" span_end INTEGER NOT NULL, profile TEXT, language TEXT, moderators INTEGER,"
	" spokesperson_name TEXT);"
	"CREATE INDEX IF NOT EXISTS briefings_sha256 ON briefings(sha256);"
	"CREATE INDEX IF NOT EXISTS briefings_date ON briefings(date);"
	"CREATE TABLE IF NOT EXISTS agenda("
	" briefing_id TEXT NOT NULL, pos INTEGER NOT NULL, n TEXT NOT NULL, title TEXT NOT NULL,"
	" ref TEXT, section TEXT NOT NULL, PRIMARY KEY(briefing_id, pos)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS warnings("
	" briefing_id TEXT NOT NULL, pos INTEGER NOT NULL, code TEXT NOT NULL, count INTEGER NOT NULL,"
	" line INTEGER NOT NULL, message TEXT NOT NULL, PRIMARY KEY(briefing_id, pos)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS blocks("
	" block_id INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, briefing_id TEXT NOT NULL,"
	" date TEXT, type TEXT NOT NULL, seq INTEGER NOT NULL, exchange INTEGER, agenda TEXT,"
	" heading TEXT, speaker TEXT, text TEXT NOT NULL, span_start INTEGER NOT NULL,"
	" span_end INTEGER NOT NULL, line INTEGER NOT NULL, speaker_name TEXT, outlet TEXT);"
	"CREATE INDEX IF NOT EXISTS blocks_briefing ON blocks(briefing_id);"
	"CREATE INDEX IF NOT EXISTS blocks_date ON blocks(date);"
	"CREATE TABLE IF NOT EXISTS block_countries("
	" block_id INTEGER NOT NULL, code TEXT NOT NULL, name TEXT, count INTEGER NOT NULL,"
	" evidence TEXT NOT NULL, PRIMARY KEY(block_id, code)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS block_countries_code ON block_countries(code);"
	"CREATE TABLE IF NOT EXISTS block_organizations("
	" block_id INTEGER NOT NULL, code TEXT NOT NULL, name TEXT, count INTEGER NOT NULL,"
	" evidence TEXT NOT NULL, PRIMARY KEY(block_id, code)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS block_organizations_code ON block_organizations(code);"
	"CREATE TABLE IF NOT EXISTS block_topics("
	" block_id INTEGER NOT NULL, topic TEXT NOT NULL, name TEXT, score REAL NOT NULL,"
	" count INTEGER NOT NULL, evidence TEXT NOT NULL, PRIMARY KEY(block_id, topic)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS block_topics_topic ON block_topics(topic);"
	"CREATE TABLE IF NOT EXISTS briefing_sources("
	" source_path TEXT NOT NULL, briefing_id TEXT NOT NULL,"
	" PRIMARY KEY(source_path, briefing_id)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS briefing_sources_id ON briefing_sources(briefing_id);"
	"CREATE VIRTUAL TABLE IF NOT EXISTS blocks_fts USING fts5("
	" heading, text, id UNINDEXED, briefing_id UNINDEXED, date UNINDEXED, type UNINDEXED,"
	" content='blocks', content_rowid='block_id', tokenize='porter unicode61 remove_diacritics 2');";

enum {
	Q_BEGIN, Q_COMMIT, Q_ROLLBACK,
	Q_FTS_DELETE, Q_FTS_INSERT, Q_DEL_COUNTRIES, Q_DEL_ORGS, Q_DEL_TOPICS, Q_DEL_BLOCKS, Q_DEL_AGENDA, Q_DEL_WARNINGS,
	Q_DEL_BRIEFING, Q_SAME_DIGEST, Q_DEL_SOURCES_OF, Q_INS_SOURCE,
	Q_INS_BLOCK, Q_INS_COUNTRY, Q_INS_ORG, Q_INS_TOPIC, Q_INS_BRIEFING, Q_INS_AGENDA,
	Q_INS_WARNING,
	Q_COUNT
};

static const char *const query_sql[Q_COUNT] = {
	[Q_BEGIN] = "BEGIN IMMEDIATE",
	[Q_COMMIT] = "COMMIT",
	[Q_ROLLBACK] = "ROLLBACK",
	[Q_FTS_DELETE] = "INSERT INTO blocks_fts(blocks_fts, rowid, heading, text, id, briefing_id, date,"
			 " type) SELECT 'delete', block_id, heading, text, id, briefing_id, date, type"
			 " FROM blocks WHERE briefing_id = ?1",
	[Q_FTS_INSERT] = "INSERT INTO blocks_fts(rowid, heading, text, id, briefing_id, date, type)"
			 " SELECT block_id, heading, text, id, briefing_id, date, type"
			 " FROM blocks WHERE briefing_id = ?1",
	[Q_DEL_COUNTRIES] = "DELETE FROM block_countries WHERE block_id IN"
			    " (SELECT block_id FROM blocks WHERE briefing_id = ?1)",
	[Q_DEL_ORGS] = "DELETE FROM block_organizations WHERE block_id IN"
		       " (SELECT block_id FROM blocks WHERE briefing_id = ?1)",
	[Q_DEL_TOPICS] = "DELETE FROM block_topics WHERE block_id IN"
			 " (SELECT block_id FROM blocks WHERE briefing_id = ?1)",
	[Q_DEL_BLOCKS] = "DELETE FROM blocks WHERE briefing_id = ?1",
	[Q_DEL_AGENDA] = "DELETE FROM agenda WHERE briefing_id = ?1",
	[Q_DEL_WARNINGS] = "DELETE FROM warnings WHERE briefing_id = ?1",
	[Q_DEL_BRIEFING] = "DELETE FROM briefings WHERE briefing_id = ?1",
	[Q_SAME_DIGEST] = "SELECT briefing_id FROM briefings WHERE sha256 = ?1 AND briefing_id <> ?2",
	[Q_DEL_SOURCES_OF] = "DELETE FROM briefing_sources WHERE briefing_id = ?1",
	[Q_INS_SOURCE] = "INSERT OR IGNORE INTO briefing_sources VALUES(?1, ?2)",
	[Q_INS_BLOCK] = "INSERT INTO blocks(id, briefing_id, date, type, seq, exchange, agenda,"
			" heading, speaker, text, span_start, span_end, line, speaker_name, outlet)"
			" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
	[Q_INS_COUNTRY] = "INSERT INTO block_countries VALUES(?1, ?2, ?3, ?4, ?5)",
	[Q_INS_ORG] = "INSERT INTO block_organizations VALUES(?1, ?2, ?3, ?4, ?5)",
	[Q_INS_TOPIC] = "INSERT INTO block_topics VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
	[Q_INS_BRIEFING] = "INSERT INTO briefings VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
			   " ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27)",
	[Q_INS_AGENDA] = "INSERT INTO agenda VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
	[Q_INS_WARNING] = "INSERT INTO warnings VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
};

typedef struct db {
	sqlite3 *conn;
	sqlite3_stmt *q[Q_COUNT];
	char path[BP_ERROR_PATH_MAX];
	int in_tx;                 /* a briefing's transaction is open */
	char *json;                /* evidence rendered as JSON */
	size_t json_len, json_cap;
} db;

static bp_status db_error(db *d, bp_error *err)
{
	return bp_error_set(err, BP_ERR_IO, d->path, 0, "sqlite: %s", sqlite3_errmsg(d->conn));
}

/* Runs a statement that returns no rows, then resets it. */
static int run(db *d, int k)
{
	int rc = sqlite3_step(d->q[k]);
	sqlite3_reset(d->q[k]);
	sqlite3_clear_bindings(d->q[k]);
	return rc == SQLITE_DONE ? 0 : -1;
}

static void bind_text(sqlite3_stmt *s, int i, const char *v, size_t n)
{
	if (v)
		sqlite3_bind_text64(s, i, v, n, SQLITE_STATIC, SQLITE_UTF8);
	else
		sqlite3_bind_null(s, i);
}

/* NULL and "" as SQL NULL. */
static void bind_str(sqlite3_stmt *s, int i, const char *v)
{
	bind_text(s, i, v && *v ? v : NULL, v ? strlen(v) : 0);
}

static void bind_int(sqlite3_stmt *s, int i, uint64_t v)
{
	sqlite3_bind_int64(s, i, (sqlite3_int64)v);
}

/* ---- evidence as a JSON array ------------------------------------------------ */

static int json_put(db *d, const char *s, size_t n)
{
	if (d->json_len + n > d->json_cap) {
		size_t cap = d->json_cap ? d->json_cap : 1024;
		char *nb;
		while (cap < d->json_len + n)
			cap *= 2;
		nb = realloc(d->json, cap);
		if (!nb)
			return -1;
		d->json = nb;
		d->json_cap = cap;
	}
	memcpy(d->json + d->json_len, s, n);
	d->json_len += n;
	return 0;
}

static int json_string(db *d, const char *s, size_t n)
{
	size_t i;
	int r = json_put(d, "\"", 1);

	for (i = 0; i < n && r == 0; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			r = json_put(d, esc, 2);
		} else if (c < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			r = json_put(d, esc, 6);
		} else {
			r = json_put(d, s + i, 1);
		}
	}
	return r ? r : json_put(d, "\"", 1);
}

/* [{"start":..,"end":..,"match":".."}...], raw offsets as in JSON Lines. */
static int evidence_json(db *d, const bp_block *b, const bp_tag *t)
{
	size_t k;
	int r = 0;

	d->json_len = 0;
	r |= json_put(d, "[", 1);
	for (k = 0; k < t->nevidence && r == 0; k++) {
		const bp_evidence *x = &t->evidence[k];
		char num[80];
		int n = snprintf(num, sizeof(num), "%s{\"start\":%llu,\"end\":%llu,\"match\":", k ? "," : "",
				 (unsigned long long)bp_block_raw(b, x->start),
				 (unsigned long long)(bp_block_raw(b, x->end - 1) + 1));
		r |= json_put(d, num, (size_t)n);
		r |= json_string(d, b->buf + x->start, x->end - x->start);
		r |= json_put(d, "}", 1);
	}
	r |= json_put(d, "]", 1);
	return r;
}

/* ---- one briefing's transaction ------------------------------------------------ */

static int delete_briefing(db *d, const char *id)
{
	static const int order[] = { Q_FTS_DELETE, Q_DEL_COUNTRIES, Q_DEL_ORGS, Q_DEL_TOPICS, Q_DEL_BLOCKS,
				     Q_DEL_AGENDA, Q_DEL_WARNINGS, Q_DEL_BRIEFING };
	size_t i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		bind_str(d->q[order[i]], 1, id);
		if (run(d, order[i]) != 0)
			return -1;
	}
	return 0;
}

/* Opens the briefing's transaction and clears its id's rows. */
static bp_status open_briefing(db *d, const char *id, bp_error *err)
{
	if (d->in_tx)
		return BP_OK;
	if (run(d, Q_BEGIN) != 0)
		return db_error(d, err);
	d->in_tx = 1;
	if (delete_briefing(d, id) != 0)
		return db_error(d, err);
	return BP_OK;
}

static void rollback(db *d)
{
	if (d->in_tx) {
		run(d, Q_ROLLBACK);
		d->in_tx = 0;
	}
}

static int insert_tags(db *d, int k, sqlite3_int64 block, const bp_block *b, const bp_tag *t,
		       size_t n, int topic)
{
	sqlite3_stmt *s = d->q[k];
	size_t i;

	for (i = 0; i < n; i++) {
		int c = 1;
		if (evidence_json(d, b, &t[i]) != 0)
			return -2;
		sqlite3_bind_int64(s, c++, block);
		bind_str(s, c++, t[i].id);
		bind_str(s, c++, t[i].name);
		if (topic)
			sqlite3_bind_double(s, c++, (double)(unsigned)(t[i].score * 100 + 0.5) / 100);
		bind_int(s, c++, t[i].count);
		bind_text(s, c++, d->json, d->json_len);
		if (run(d, k) != 0)
			return -1;
	}
	return 0;
}

static const char *type_name(bp_block_type t)
{
	return bp_block_type_name(t);
}

static bp_status sqlite_block(void *impl, const bp_block *b, const bp_tags *tags, bp_error *err)
{
	static const bp_tags none;
	const bp_tags *t = tags ? tags : &none;
	db *d = impl;
	sqlite3_stmt *s = d->q[Q_INS_BLOCK];
	int statement = b->type == BP_BLOCK_STATEMENT, r;
	char id[96];
	sqlite3_int64 rowid;
	bp_status st = open_briefing(d, b->briefing_id, err);

	if (st != BP_OK)
		return st;
	snprintf(id, sizeof(id), "%s/%c%u", b->briefing_id, statement ? 's' : 't', b->seq);
	bind_str(s, 1, id);
	bind_str(s, 2, b->briefing_id);
	bind_str(s, 3, b->date);
	bind_str(s, 4, type_name(b->type));
	bind_int(s, 5, b->seq);
	if (!statement && b->exchange)
		bind_int(s, 6, b->exchange);
	bind_str(s, 7, statement ? b->agenda : NULL);
	if (statement)
		bind_text(s, 8, b->buf, b->heading_len);
	bind_str(s, 9, b->speaker);
	bind_text(s, 10, b->buf + b->text_off, b->len - b->text_off);
	bind_int(s, 11, b->start);
	bind_int(s, 12, b->end);
	bind_int(s, 13, b->line);
	bind_str(s, 14, b->speaker_name);
	bind_str(s, 15, b->outlet);
	if (run(d, Q_INS_BLOCK) != 0)
		return db_error(d, err);
	rowid = sqlite3_last_insert_rowid(d->conn);
	r = insert_tags(d, Q_INS_COUNTRY, rowid, b, t->countries, t->ncountries, 0);
	if (r == 0)
		r = insert_tags(d, Q_INS_ORG, rowid, b, t->organizations, t->norganizations, 0);
	if (r == 0)
		r = insert_tags(d, Q_INS_TOPIC, rowid, b, t->topics, t->ntopics, 1);
	if (r == -2)
		return bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
	return r ? db_error(d, err) : BP_OK;
}

/* Deletes the briefings (other ids) whose source had the same digest. */
static int delete_same_digest(db *d, const bp_briefing *b, const bp_source_info *src)
{
	sqlite3_stmt *s = d->q[Q_SAME_DIGEST];
	char other[sizeof(b->id) * 2];
	int rc;

	for (;;) {
		bind_str(s, 1, src->sha256);
		bind_str(s, 2, b->id);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW)
			snprintf(other, sizeof(other), "%s", (const char *)sqlite3_column_text(s, 0));
		sqlite3_reset(s);
		if (rc != SQLITE_ROW)
			return rc == SQLITE_DONE ? 0 : -1;
		if (delete_briefing(d, other) != 0)
			return -1;
		bind_str(d->q[Q_DEL_SOURCES_OF], 1, other);
		if (run(d, Q_DEL_SOURCES_OF) != 0)
			return -1;
	}
}

static int insert_briefing(db *d, const bp_briefing *b, const bp_source_info *src)
{
	sqlite3_stmt *s = d->q[Q_INS_BRIEFING];
	size_t i;
	int c = 1;

	bind_str(s, c++, b->id);
	bind_str(s, c++, src->sha256);
	bind_text(s, c++, src->path, strlen(src->path));
	bind_str(s, c++, src->format);
	bind_int(s, c++, src->offset);
	bind_int(s, c++, src->bytes);
	bind_int(s, c++, b->index);
	bind_str(s, c++, b->title);
	bind_str(s, c++, b->date);
	bind_str(s, c++, b->time);
	bind_str(s, c++, b->spokesperson);
	bind_str(s, c++, b->role);
	bind_str(s, c++, b->place);
	bind_int(s, c++, b->statements);
	bind_int(s, c++, b->questions);
	bind_int(s, c++, b->answers);
	bind_int(s, c++, b->exchanges);
	bind_int(s, c++, b->nagenda);
	bind_int(s, c++, b->linked);
	bind_int(s, c++, b->unlinked);
	bind_int(s, c++, b->skipped);
	bind_int(s, c++, b->start);
	bind_int(s, c++, b->end);
	bind_str(s, c++, b->profile);
	bind_str(s, c++, b->language);
	if (b->moderator_cues)
		bind_int(s, c++, b->moderator);
	else
		sqlite3_bind_null(s, c++);
	bind_str(s, c++, b->spokesperson_name);
	if (run(d, Q_INS_BRIEFING) != 0)
		return -1;
	bind_text(d->q[Q_INS_SOURCE], 1, src->path, strlen(src->path));
	bind_str(d->q[Q_INS_SOURCE], 2, b->id);
	if (run(d, Q_INS_SOURCE) != 0)
		return -1;
	for (i = 0; i < b->nagenda; i++) {
		const bp_agenda_item *a = &b->agenda[i];
		char ref[96];
		s = d->q[Q_INS_AGENDA];
		bind_str(s, 1, b->id);
		bind_int(s, 2, i + 1);
		bind_str(s, 3, a->n);
		bind_text(s, 4, a->title ? a->title : "", a->title ? strlen(a->title) : 0);
		if (a->statement) {
			snprintf(ref, sizeof(ref), "%s/s%u", b->id, a->statement);
			sqlite3_bind_text(s, 5, ref, -1, SQLITE_TRANSIENT);
		}
		bind_str(s, 6, a->qa ? "qa" : "statements");
		if (run(d, Q_INS_AGENDA) != 0)
			return -1;
	}
	for (i = 0; i < b->nwarnings; i++) {
		const bp_warning *w = &b->warnings[i];
		s = d->q[Q_INS_WARNING];
		bind_str(s, 1, b->id);
		bind_int(s, 2, i + 1);
		bind_str(s, 3, w->code);
		bind_int(s, 4, w->count);
		bind_int(s, 5, w->line);
		bind_text(s, 6, w->message, strlen(w->message));
		if (run(d, Q_INS_WARNING) != 0)
			return -1;
	}
	return 0;
}

static bp_status sqlite_briefing(void *impl, const bp_briefing *b, const bp_source_info *src,
				 bp_error *err)
{
	db *d = impl;
	bp_status st = open_briefing(d, b->id, err);

	if (st != BP_OK)
		return st;
	bind_str(d->q[Q_FTS_INSERT], 1, b->id);
	if (delete_same_digest(d, b, src) != 0 || run(d, Q_FTS_INSERT) != 0 ||
	    insert_briefing(d, b, src) != 0 || run(d, Q_COMMIT) != 0)
		return db_error(d, err);
	d->in_tx = 0;
	return BP_OK;
}

/* A briefing the input did not close (an error ended it) is rolled back:
 * the database keeps what it had under that id. */
static bp_status sqlite_end_input(void *impl, bp_status status, bp_error *err)
{
	(void)status;
	(void)err;
	rollback(impl);
	return BP_OK;
}

static void sqlite_free(void *impl)
{
	db *d = impl;
	size_t i;

	if (!d)
		return;
	rollback(d);
	for (i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(d->q[i]);
	sqlite3_close(d->conn);
	free(d->json);
	free(d);
}

static bp_status sqlite_finish(void *impl, bp_error *err)
{
	db *d = impl;

	rollback(d);
	if (sqlite3_exec(d->conn, "PRAGMA optimize", NULL, NULL, NULL) != SQLITE_OK)
		return db_error(d, err);
	return BP_OK;
}

static const bp_emit_ops sqlite_ops = {
	.name = "sqlite",
	.block = sqlite_block,
	.briefing = sqlite_briefing,
	.end_input = sqlite_end_input,
	.finish = sqlite_finish,
	.free = sqlite_free,
};

static bp_status setup(db *d, bp_error *err)
{
	size_t i;

	if (sqlite3_busy_timeout(d->conn, BUSY_TIMEOUT_MS) != SQLITE_OK ||
	    sqlite3_exec(d->conn, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL", NULL, NULL,
			 NULL) != SQLITE_OK ||
	    sqlite3_exec(d->conn, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_error(d, err);
	if (sqlite3_exec(d->conn, schema_sql, NULL, NULL, NULL) != SQLITE_OK || add_profile_columns_conn(d->conn) != 0) {
		bp_status st = db_error(d, err);
		sqlite3_exec(d->conn, "ROLLBACK", NULL, NULL, NULL);
		return st;
	}
	if (sqlite3_exec(d->conn, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return db_error(d, err);
	for (i = 0; i < Q_COUNT; i++)
		if (sqlite3_prepare_v3(d->conn, query_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &d->q[i],
				       NULL) != SQLITE_OK)
			return db_error(d, err);
	return BP_OK;
}

/* What SQLite keeps beside a database file, by suffix of its name. */
static const char *const sides[] = {"-wal", "-shm", "-journal"};
#define NSIDES (sizeof(sides) / sizeof(sides[0]))
/* db_create's name for a new database at PATH: PATH NEW_INFIX PID-HEX */
#define NEW_INFIX ".new-"

void bp_sqlite_remove(const char *path)
{
	size_t n = strlen(path), i;
	char *side = malloc(n + sizeof("-journal"));

	unlink(path);
	for (i = 0; side && i < NSIDES; i++) {
		memcpy(side, path, n);
		strcpy(side + n, sides[i]);
		unlink(side);
	}
	free(side);
}

/* When there is no database at path yet (or an empty file, as a reader's
 * sqlite3 leaves), makes one with its whole schema under a name of its own
 * beside path and only then links it to path, so that path never holds a
 * database without its schema: a kill while it is made (the flaky
 * formats:kill-0.3-consistent, killed 0.3 s in under load) leaves no
 * database, which the next run makes, instead of a file of no tables that
 * a reader fails on ("no such table: blocks_fts"). Another process making
 * it at the same moment wins the link; ours is dropped. Best effort: when
 * it cannot be done so (say the directory refuses hard links), db_open
 * makes the database in place, as before, and reports the errors. */
static void db_create(const db *d, const char *path)
{
	char tmp[sizeof(d->path) + 48];
	struct stat st;
	sqlite3 *c = NULL;
	int empty = 0, ok;

	if (stat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode) || st.st_size != 0)
			return;
		empty = 1;
	} else if (errno != ENOENT) {
		return;
	}
	/* the process and the emitter: archive workers are threads of one */
	snprintf(tmp, sizeof(tmp), "%s" NEW_INFIX "%ld-%lx", path, (long)getpid(),
		 (unsigned long)(uintptr_t)d);
	bp_sqlite_remove(tmp);
	ok = sqlite3_open_v2(tmp, &c, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) == SQLITE_OK &&
	     sqlite3_exec(c, "PRAGMA journal_mode=WAL; BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK &&
	     sqlite3_exec(c, schema_sql, NULL, NULL, NULL) == SQLITE_OK &&
	     add_profile_columns_conn(c) == 0 && sqlite3_exec(c, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
	/* the last connection: the WAL is checkpointed into the file and removed */
	if (sqlite3_close(c) != SQLITE_OK)
		ok = 0;
	if (ok) {
		if (empty)
			rename(tmp, path);
		else if (link(tmp, path) != 0 && errno != EEXIST && stat(path, &st) != 0)
			rename(tmp, path); /* no hard links there */
	}
	bp_sqlite_remove(tmp);
}

/* Whether name is "BASE.new-PID-HEX" with an optional -wal, -shm or -journal
 * (db_create's names for a database at BASE); *pid gets PID. */
static int new_name(const char *name, const char *base, size_t nb, long *pid)
{
	const char *s, *e;
	char *end;

	if (strncmp(name, base, nb) != 0 ||
	    strncmp(name + nb, NEW_INFIX, sizeof(NEW_INFIX) - 1) != 0)
		return 0;
	s = name + nb + sizeof(NEW_INFIX) - 1;
	if (!(*s >= '1' && *s <= '9'))
		return 0;
	errno = 0;
	*pid = strtol(s, &end, 10);
	if (errno || *pid <= 0 || *end != '-' || !end[1])
		return 0;
	for (e = end + 1; (*e >= '0' && *e <= '9') || (*e >= 'a' && *e <= 'f'); e++)
		;
	if (e == end + 1)
		return 0;
	if (!*e)
		return 1;
	for (size_t i = 0; i < NSIDES; i++)
		if (strcmp(e, sides[i]) == 0)
			return 1;
	return 0;
}

/* Removes what db_create left beside path when its process was killed while
 * it made the database (a kill -9 between the open and the link): the files
 * named for a process that no longer runs on this machine. Best effort. */
static void remove_stale_new(const char *path)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	size_t nd = slash ? (size_t)(slash - path) : 0, nb = strlen(base);
	char *dir, *full = NULL;
	DIR *dp;
	struct dirent *de;

	if (!nb || !(dir = malloc(nd + 2)))
		return;
	if (!slash) {
		strcpy(dir, ".");
	} else {
		if (nd == 0) /* "/FILE" */
			nd = 1;
		memcpy(dir, path, nd);
		dir[nd] = '\0';
	}
	if ((dp = opendir(dir))) {
		while ((de = readdir(dp))) {
			long pid;
			size_t nn = strlen(de->d_name);
			char *f;
			if (!new_name(de->d_name, base, nb, &pid) || (long)(pid_t)pid != pid ||
			    pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
				continue;
			if (!(f = realloc(full, strlen(dir) + nn + 2)))
				break;
			full = f;
			sprintf(full, "%s/%s", dir, de->d_name);
			unlink(full);
		}
		closedir(dp);
	}
	free(full);
	free(dir);
}

/* Opens (or creates, see db_create) the database at path into d and sets it
 * up; on an error the caller frees d. */
static bp_status db_open(db *d, const char *path, bp_error *err)
{
	snprintf(d->path, sizeof(d->path), "%s", path);
	remove_stale_new(path);
	db_create(d, path);
	if (sqlite3_open_v2(path, &d->conn, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK)
		return d->conn ? db_error(d, err)
			       : bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
	return setup(d, err);
}

bp_status bp_sqlite_emitter_open(const char *path, bp_emitter **out, bp_error *err)
{
	db *d = calloc(1, sizeof(*d));
	bp_status st;

	*out = NULL;
	if (!d)
		return bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
	st = db_open(d, path, err);
	if (st != BP_OK) {
		sqlite_free(d);
		return st;
	}
	*out = bp_emitter_wrap(&sqlite_ops, d);
	return *out ? BP_OK : bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
}

/* ---- archive mode: the rows of an input that is gone ---------------------------- */

struct bp_sqlite_db {
	db d;
};

bp_status bp_sqlite_db_open(const char *path, bp_sqlite_db **out, bp_error *err)
{
	bp_sqlite_db *x = calloc(1, sizeof(*x));
	bp_status st;

	*out = NULL;
	if (!x)
		return bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
	st = db_open(&x->d, path, err);
	if (st != BP_OK) {
		bp_sqlite_db_close(x);
		return st;
	}
	*out = x;
	return BP_OK;
}

void bp_sqlite_db_close(bp_sqlite_db *x)
{
	size_t i;

	if (!x)
		return;
	rollback(&x->d);
	for (i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(x->d.q[i]);
	sqlite3_close(x->d.conn);
	free(x->d.json);
	free(x);
}

/* The text of column 0 of the next row of s (a copy), or NULL at the end;
 * *rc is the step's result. */
static char *next_text(sqlite3_stmt *s, int *rc)
{
	const unsigned char *t;

	*rc = sqlite3_step(s);
	if (*rc != SQLITE_ROW)
		return NULL;
	t = sqlite3_column_text(s, 0);
	return strdup(t ? (const char *)t : "");
}

bp_status bp_sqlite_forget_source(bp_sqlite_db *x, const char *path, bp_sqlite_holder_fn holder,
				  void *ctx, size_t *removed, bp_error *err)
{
	static const char *const sql[] = {
		/* its briefings: those it gave, and those whose row names it
		 * (a database made before briefing_sources) */
		("SELECT briefing_id FROM briefing_sources WHERE source_path = ?1"
		 " UNION SELECT briefing_id FROM briefings WHERE source_path = ?1"),
		"DELETE FROM briefing_sources WHERE source_path = ?1",
		"SELECT source_path FROM briefings WHERE briefing_id = ?1",
		"SELECT source_path FROM briefing_sources WHERE briefing_id = ?1 ORDER BY source_path",
	};
	enum { S_IDS, S_FORGET, S_ROW, S_OWNERS, S_N };
	db *d = &x->d;
	sqlite3_stmt *s[S_N] = { NULL };
	char **ids = NULL, *t;
	size_t n = 0, cap = 0, i, k;
	int rc, ok = 0, nomem = 0;

	for (k = 0; k < S_N; k++)
		if (sqlite3_prepare_v2(d->conn, sql[k], -1, &s[k], NULL) != SQLITE_OK)
			goto done;
	if (run(d, Q_BEGIN) != 0)
		goto done;
	d->in_tx = 1;
	bind_text(s[S_IDS], 1, path, strlen(path));
	while ((t = next_text(s[S_IDS], &rc)) != NULL) {
		char **nv = n == cap ? realloc(ids, (cap = cap ? 2 * cap : 16) * sizeof(*ids)) : ids;
		if (!nv) {
			free(t);
			nomem = 1;
			goto done;
		}
		ids = nv;
		ids[n++] = t;
	}
	if (rc != SQLITE_DONE)
		goto done;
	bind_text(s[S_FORGET], 1, path, strlen(path));
	if (sqlite3_step(s[S_FORGET]) != SQLITE_DONE)
		goto done;
	for (i = 0; i < n; i++) {
		int from_path, owned = 0;
		/* still another input's: the row stays; if it came from path,
		 * the other inputs are redone (holder) to write their own */
		sqlite3_reset(s[S_ROW]);
		bind_str(s[S_ROW], 1, ids[i]);
		t = next_text(s[S_ROW], &rc);
		from_path = t && strcmp(t, path) == 0;
		free(t);
		sqlite3_reset(s[S_OWNERS]);
		bind_str(s[S_OWNERS], 1, ids[i]);
		while ((t = next_text(s[S_OWNERS], &rc)) != NULL) {
			owned = 1;
			if (from_path && holder)
				holder(ctx, t);
			free(t);
		}
		if (rc != SQLITE_DONE)
			goto done;
		if (owned)
			continue;
		if (delete_briefing(d, ids[i]) != 0)
			goto done;
		if (removed)
			(*removed)++;
	}
	if (run(d, Q_COMMIT) != 0)
		goto done;
	d->in_tx = 0;
	ok = 1;
done:;
	bp_status st = ok ? BP_OK : nomem ? bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory")
				    : db_error(d, err);
	rollback(d);
	for (k = 0; k < S_N; k++)
		sqlite3_finalize(s[k]);
	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	return st;
}
