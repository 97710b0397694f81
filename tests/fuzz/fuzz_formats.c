/*
 * fuzz_formats.c - libFuzzer target for the output formats (bp_emit.h):
 * JSON Lines, --format json, --format csv and --sqlite, each behind the
 * pipeline, on arbitrary bytes.
 *
 * The first byte picks the options: bits 0-1 the format (0 json, 1 csv,
 * 2 sqlite, 3 JSON Lines pretty), bit 2 the classifier on its own thread;
 * the rest is the input. Every input first goes through compact JSON Lines
 * on one thread, the reference: each line must be one JSON object with a
 * "type". Then the chosen format must end with the same status and render
 * the same records: json one parseable document per briefing whose
 * "blocks" add up to the reference's blocks; csv the header row and one
 * well-formed RFC 4180 row of 17 fields per block; sqlite (a database file
 * in a private temporary directory) no error, and at most the reference's
 * blocks in its blocks table (briefings of the same id or digest replace
 * each other). Output is kept in memory and freed.
 *
 * The database is made once, by the emitter, in LLVMFuzzerInitialize
 * (under /dev/shm when it is there); before each sqlite input every table
 * is emptied through a connection the harness keeps open, and the row count
 * of every table (FTS5's shadow tables included) and the list of tables
 * must then be those of the new database: each input meets the database as
 * it was made. Making it afresh per input (schema, FTS5 tables, WAL files)
 * and opening it again to count took half of the target's time.
 */
#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bp_classify.h"
#include "bp_emit.h"
#include "bp_pipeline.h"
#include "bp_tokenizer.h"

typedef struct buf {
	char *s;
	size_t n, cap;
} buf;

static bp_cues *cues;
static bp_rules *rules;
static char dir[64], db[128];
static sqlite3 *chk;          /* the harness's own connection to db */
static sqlite3_stmt *count_q; /* SELECT count(*) FROM blocks */
static sqlite3_stmt *tables_q, *stats_q;
#define MAX_TABLES 64
static sqlite3_stmt *empty_q[MAX_TABLES], *rows_q[MAX_TABLES];
static size_t nempty, ntables;
static long long fresh_rows[MAX_TABLES], fresh_tables;
static char table_name[MAX_TABLES][64];

static void die(const char *what)
{
	fprintf(stderr, "fuzz_formats: %s\n", what);
	abort();
}

static bp_status put(void *ctx, const char *b, size_t n, bp_error *err)
{
	buf *o = ctx;
	(void)err;
	if (o->n + n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap : 4096;
		while (cap < o->n + n + 1)
			cap *= 2;
		if (!(o->s = realloc(o->s, cap)))
			die("out of memory");
		o->cap = cap;
	}
	memcpy(o->s + o->n, b, n);
	o->n += n;
	o->s[o->n] = '\0';
	return BP_OK;
}

static void cleanup(void)
{
	size_t i;
	for (i = 0; i < nempty; i++)
		sqlite3_finalize(empty_q[i]);
	for (i = 0; i < ntables; i++)
		sqlite3_finalize(rows_q[i]);
	sqlite3_finalize(count_q);
	sqlite3_finalize(tables_q);
	sqlite3_finalize(stats_q);
	sqlite3_close(chk);
	bp_sqlite_remove(db);
	rmdir(dir);
}

static long long one_value(sqlite3_stmt *q)
{
	long long n = -1;
	if (sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	return n;
}

static void chk_prepare(const char *sql, sqlite3_stmt **q)
{
	if (sqlite3_prepare_v3(chk, sql, -1, SQLITE_PREPARE_PERSISTENT, q, NULL) != SQLITE_OK)
		die(sqlite3_errmsg(chk));
}

/* The number of tables, and the rows of each (in sqlite_master's order). */
static long long table_rows(long long *rows)
{
	size_t i;
	if (!tables_q)
		chk_prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table'", &tables_q);
	for (i = 0; i < ntables; i++)
		rows[i] = one_value(rows_q[i]);
	return one_value(tables_q);
}

/* The database made by the emitter on no input: its tables and their rows
 * are the state every sqlite input starts from. */
static void make_db(void)
{
	bp_emitter *e;
	bp_error err;
	sqlite3_stmt *q;
	char sql[256];

	if (bp_sqlite_emitter_open(db, &e, &err) != BP_OK || bp_emit_finish(e, &err) != BP_OK)
		die(err.message);
	bp_emitter_free(e);
	if (sqlite3_open_v2(db, &chk, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		die("--sqlite: the database cannot be opened");
	sqlite3_busy_timeout(chk, 60000);
	/* ordinary tables are emptied; FTS5 is reset through its own command
	 * (its shadow tables then hold their initial rows) */
	chk_prepare("SELECT name, sql LIKE 'CREATE VIRTUAL TABLE%',"
		    " EXISTS(SELECT 1 FROM sqlite_master v"
		    "  WHERE v.sql LIKE 'CREATE VIRTUAL TABLE%' AND m.name LIKE v.name || '\\_%' ESCAPE '\\')"
		    " FROM sqlite_master m WHERE type = 'table' ORDER BY name",
		    &q);
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(q, 0);
		int virt = sqlite3_column_int(q, 1), shadow = sqlite3_column_int(q, 2);
		if (ntables == MAX_TABLES)
			die("too many tables");
		snprintf(table_name[ntables], sizeof(table_name[0]), "%s", name);
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM \"%s\"", name);
		chk_prepare(sql, &rows_q[ntables]);
		if (virt)
			snprintf(sql, sizeof(sql), "INSERT INTO \"%s\"(\"%s\") VALUES('delete-all')", name, name);
		else if (shadow || one_value(rows_q[ntables]) != 0)
			sql[0] = '\0'; /* reset with its virtual table; rows of its own (the schema version) */
		else
			snprintf(sql, sizeof(sql), "DELETE FROM \"%s\"", name);
		ntables++;
		if (sql[0])
			chk_prepare(sql, &empty_q[nempty++]);
	}
	sqlite3_finalize(q);
	chk_prepare("SELECT count(*) FROM blocks", &count_q);
	fresh_tables = table_rows(fresh_rows);
}

/* Empties the database; it must then be as make_db left it. Statistics
 * tables that the emitter's PRAGMA optimize made since go too. */
static void reset_db(void)
{
	long long rows[MAX_TABLES];
	char sql[128], drop[4][64];
	size_t i, k, ndrop = 0;

	if (!stats_q)
		chk_prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND"
			    " name LIKE 'sqlite\\_stat%' ESCAPE '\\'",
			    &stats_q);
	if (sqlite3_exec(chk, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		die(sqlite3_errmsg(chk));
	for (i = 0; i < nempty; i++) {
		if (sqlite3_step(empty_q[i]) != SQLITE_DONE)
			die(sqlite3_errmsg(chk));
		sqlite3_reset(empty_q[i]);
	}
	while (ndrop < 4 && sqlite3_step(stats_q) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(stats_q, 0);
		for (k = 0; k < ntables && strcmp(table_name[k], name) != 0; k++)
			;
		if (k == ntables)
			snprintf(drop[ndrop++], sizeof(drop[0]), "%s", name);
	}
	sqlite3_reset(stats_q);
	for (k = 0; k < ndrop; k++) {
		snprintf(sql, sizeof(sql), "DROP TABLE \"%s\"", drop[k]);
		if (sqlite3_exec(chk, sql, NULL, NULL, NULL) != SQLITE_OK)
			die(sqlite3_errmsg(chk));
	}
	if (sqlite3_exec(chk, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		die(sqlite3_errmsg(chk));
	if (table_rows(rows) != fresh_tables || memcmp(rows, fresh_rows, ntables * sizeof(rows[0])) != 0) {
		for (i = 0; i < ntables; i++)
			fprintf(stderr, "fuzz_formats: %s: %lld rows, %lld when made\n", table_name[i], rows[i],
				fresh_rows[i]);
		die("the emptied database is not as it was made");
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	bp_error err;
	(void)argc;
	(void)argv;
	if (bp_cues_load(NULL, &cues, &err) != BP_OK || bp_rules_load(NULL, &rules, &err) != BP_OK)
		die(err.message);
	struct stat st;
	/* under /dev/shm when it is there: a file written per input costs no disk */
	if (!tmp || strlen(tmp) >= 32)
		tmp = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";
	snprintf(dir, sizeof(dir), "%s/bp-fuzz-formats-XXXXXX", tmp);
	if (!mkdtemp(dir))
		die("mkdtemp failed");
	snprintf(db, sizeof(db), "%s/out.sqlite", dir);
	atexit(cleanup);
	make_db();
	return 0;
}

/* Runs the input through emitter e (then finishes and frees it). */
static bp_status run(bp_emitter *e, unsigned threads, const char *bytes, size_t len)
{
	bp_options o = { .pretty = 0, .chunk = 0, .threads = threads };
	bp_pipeline *pl;
	bp_error err;
	bp_status st, fst;

	if (!e)
		die("no emitter");
	if (!(pl = bp_pipeline_new_emitter(&o, cues, rules, e)))
		die("out of memory");
	bp_error_clear(&err);
	st = bp_pipeline_run_mem(pl, bytes, len, "fuzz.txt", &err);
	if (st != BP_OK && (!err.message[0] || !err.path[0]))
		die("an error without a message or a path");
	bp_pipeline_free(pl);
	fst = bp_emit_finish(e, &err);
	bp_emitter_free(e);
	if (fst != BP_OK)
		die("the emitter failed to finish");
	return st;
}

/* The reference: compact JSON Lines on one thread. Counts blocks and
 * briefing records; every line must be a JSON object with a type. */
static bp_status reference(const char *bytes, size_t len, size_t *blocks, size_t *briefings)
{
	buf out = {0};
	bp_status st = run(bp_emitter_new(0, put, &out), 1, bytes, len);
	char *line = out.s;

	*blocks = *briefings = 0;
	while (line && *line) {
		char *nl = strchr(line, '\n');
		cJSON *j, *type;
		if (!nl)
			die("JSON Lines output without a final newline");
		*nl = '\0';
		j = cJSON_Parse(line);
		type = j ? cJSON_GetObjectItemCaseSensitive(j, "type") : NULL;
		if (!cJSON_IsString(type))
			die("a JSON Lines record that is not an object with a type");
		if (strcmp(type->valuestring, "briefing") == 0)
			(*briefings)++;
		else
			(*blocks)++;
		cJSON_Delete(j);
		line = nl + 1;
	}
	free(out.s);
	return st;
}

static void check_json(const char *s, size_t blocks, size_t briefings, int whole)
{
	size_t docs = 0, nb = 0;
	const char *p = s;

	while (p && *p) {
		const char *end = NULL;
		cJSON *j = cJSON_ParseWithOpts(p, &end, 0), *b;
		if (!j)
			die("--format json: a document that does not parse");
		b = cJSON_GetObjectItemCaseSensitive(j, "blocks");
		if (!cJSON_IsArray(b))
			die("--format json: a document without a blocks array");
		nb += (size_t)cJSON_GetArraySize(b);
		docs++;
		cJSON_Delete(j);
		p = end;
		while (*p == '\n' || *p == ' ')
			p++;
	}
	if (nb != blocks)
		die("--format json: not the blocks of JSON Lines");
	if (whole && docs != briefings)
		die("--format json: not one document per briefing");
}

/* RFC 4180 rows of 17 fields: the header, then one per block. */
static void check_csv(const char *s, size_t n, size_t blocks)
{
	size_t i = 0, rows = 0, fields = 1;
	static const char header[] = BP_CSV_HEADER "\r\n";

	if (n < sizeof(header) - 1 || memcmp(s, header, sizeof(header) - 1) != 0)
		die("--format csv: no header row");
	while (i < n) {
		if (s[i] == '"') {
			for (i++;; i++) {
				if (i >= n)
					die("--format csv: an unterminated quoted field");
				if (s[i] == '"') {
					if (i + 1 < n && s[i + 1] == '"') {
						i++;
						continue;
					}
					break;
				}
			}
			i++;
			if (i < n && s[i] != ',' && s[i] != '\r')
				die("--format csv: text after a closing quote");
			continue;
		}
		if (s[i] == ',') {
			fields++;
		} else if (s[i] == '\r') {
			if (i + 1 >= n || s[i + 1] != '\n')
				die("--format csv: CR without LF outside quotes");
			if (fields != 17)
				die("--format csv: a row without 17 fields");
			rows++;
			fields = 1;
			i++;
		} else if (s[i] == '\n') {
			die("--format csv: LF outside quotes");
		}
		i++;
	}
	if (fields != 1)
		die("--format csv: a last row without CRLF");
	if (rows != blocks + 1)
		die("--format csv: not one row per block");
}

static void check_sqlite(size_t blocks)
{
	long long n = one_value(count_q);

	if (n < 0 || (size_t)n > blocks)
		die("--sqlite: more blocks than JSON Lines has");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *bytes = (const char *)data + 1;
	size_t len, blocks, briefings;
	unsigned format, threads;
	bp_status ref, st;
	buf out = {0};
	bp_emitter *e = NULL;
	bp_error err;

	if (size == 0)
		return 0;
	len = size - 1;
	format = data[0] & 3;
	threads = (data[0] & 4) ? 2 : 1;
	ref = reference(bytes, len, &blocks, &briefings);
	switch (format) {
	case 0:
		st = run(bp_json_emitter_new(0, 0, put, &out), threads, bytes, len);
		if (out.s)
			check_json(out.s, blocks, briefings, st == BP_OK);
		break;
	case 1:
		st = run(bp_csv_emitter_new(put, &out), threads, bytes, len);
		check_csv(out.s ? out.s : "", out.n, blocks);
		break;
	case 2:
		reset_db();
		if (bp_sqlite_emitter_open(db, &e, &err) != BP_OK)
			die("--sqlite: cannot open the database");
		st = run(e, threads, bytes, len);
		check_sqlite(blocks);
		break;
	default:
		st = run(bp_emitter_new(1, put, &out), threads, bytes, len);
		break;
	}
	if (st != ref)
		die("the format changes the status of the input");
	free(out.s);
	return 0;
}
