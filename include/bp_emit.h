/*
 * bp_emit.h - stage 5: records out, through one emitter interface.
 *
 * The pipeline hands each block (statement, question, answer) and each
 * briefing record, in document order (a briefing's record after its blocks),
 * to a bp_emitter chosen at start-up. Each output format is one file behind
 * the bp_emit_ops table below; none of them reads input bytes:
 *
 *   src/emit.c         JSON Lines, schema v1 (docs/schema.json): the reference
 *   src/emit_json.c    --format json: one JSON document per briefing, blocks nested
 *   src/emit_csv.c     --format csv: one RFC 4180 row per block, a header row
 *   src/emit_sqlite.c  --sqlite FILE: tables and an FTS5 index (docs/formats.md)
 *
 * src/emitter.c holds the dispatch and the choice by name. Only the emitters
 * include cJSON; only emit_sqlite.c includes SQLite.
 *
 * The JSONL emitter prints each record as one line (or, with pretty, one
 * indented object followed by a newline) handed to the write callback.
 * Numbers are printed by our own integer formatter (cJSON's double
 * formatting is slow and would print 1e+15-style values for large offsets).
 */
#ifndef BP_EMIT_H
#define BP_EMIT_H

#include <stddef.h>
#include <stdint.h>

#include "bp_classify.h"
#include "bp_error.h"
#include "bp_parse.h"

/* Writes n bytes; returns BP_OK or BP_ERR_IO with err filled. */
typedef bp_status (*bp_write_fn)(void *ctx, const char *bytes, size_t n, bp_error *err);

/* Where a briefing came from: source.{path,format,bytes,sha256} of the record. */
typedef struct bp_source_info {
	const char *path;     /* as given on the command line, "-" for stdin */
	const char *format;   /* "text" */
	uint64_t offset;      /* where the briefing's segment starts in the input */
	uint64_t bytes;       /* the segment's length */
	char sha256[65];      /* hex digest of the segment */
} bp_source_info;

typedef struct bp_emitter bp_emitter;

/* ---- the interface every format implements --------------------------------
 * impl is the format's own state. block and briefing render one record; the
 * tags of block may be NULL (--no-classify: no tags). end_input is called
 * when an input is done and all its records were handed over: status is the
 * input's result (BP_OK, or the error that ended it), so a format that
 * groups records (a JSON document, an SQL transaction) can drop or roll back
 * the unfinished briefing. finish ends the output (after the last input);
 * free releases impl (after finish, or without it after an error). Every
 * function but free returns BP_OK or an error with err filled. end_input
 * and finish may be NULL: nothing to do. */
typedef struct bp_emit_ops {
	const char *name; /* "jsonl", "json", "csv", "sqlite" */
	bp_status (*block)(void *impl, const bp_block *b, const bp_tags *tags, bp_error *err);
	bp_status (*briefing)(void *impl, const bp_briefing *b, const bp_source_info *src,
			      bp_error *err);
	bp_status (*end_input)(void *impl, bp_status status, bp_error *err);
	bp_status (*finish)(void *impl, bp_error *err);
	void (*free)(void *impl);
} bp_emit_ops;

/* An emitter around impl, which it owns from now on (ops->free frees it,
 * also when this fails). NULL on allocation failure. */
bp_emitter *bp_emitter_wrap(const bp_emit_ops *ops, void *impl);
/* Frees the emitter and its format's state; NULL is a no-op. */
void bp_emitter_free(bp_emitter *e);
/* The format's name ("jsonl"...). */
const char *bp_emitter_name(const bp_emitter *e);

bp_status bp_emit_block(bp_emitter *e, const bp_block *b, const bp_tags *tags, bp_error *err);
bp_status bp_emit_briefing(bp_emitter *e, const bp_briefing *b, const bp_source_info *src,
			   bp_error *err);
bp_status bp_emit_end_input(bp_emitter *e, bp_status status, bp_error *err);
bp_status bp_emit_finish(bp_emitter *e, bp_error *err);

/* ---- choosing a format at start-up ---------------------------------------- */

typedef enum bp_output {
	BP_OUTPUT_JSONL = 0, /* the default */
	BP_OUTPUT_JSON,
	BP_OUTPUT_CSV,
	BP_OUTPUT_SQLITE
} bp_output;

typedef struct bp_output_config {
	bp_output format;
	int pretty;          /* jsonl, json: indented */
	bp_write_fn write;   /* jsonl, json, csv: where the bytes go */
	void *ctx;
	const char *path;    /* sqlite: the database file (created when missing) */
} bp_output_config;

/* "jsonl", "json", "csv", "sqlite" to *out; BP_ERR_USAGE for another name. */
bp_status bp_output_parse(const char *name, bp_output *out);
/* Opens the emitter cfg asks for into *out (the caller frees it). Errors:
 * BP_ERR_NOMEM; for sqlite BP_ERR_IO (cannot open or set up the database,
 * err->path is the file). */
bp_status bp_output_open(const bp_output_config *cfg, bp_emitter **out, bp_error *err);

/* ---- the formats ------------------------------------------------------------ */

/* JSON Lines (src/emit.c). pretty: indented JSON. NULL on allocation failure. */
bp_emitter *bp_emitter_new(int pretty, bp_write_fn write, void *ctx);

/* One document per briefing (src/emit_json.c): the briefing record with a
 * "blocks" array of its block records (each as in JSON Lines), written when
 * the briefing closes. The blocks wait, rendered, in a buffer of at most
 * buffer_max bytes (BP_JSON_BUFFER_MAX when 0); a briefing whose blocks pass
 * it is streamed instead: the document opens with "type" and "id", its
 * "blocks" follow as they come, the other fields of the briefing record after
 * them. Same members either way, only their order differs. Compact: one
 * document a line; pretty: indented. NULL on allocation failure. */
#define BP_JSON_BUFFER_MAX (64u << 20)
bp_emitter *bp_json_emitter_new(int pretty, size_t buffer_max, bp_write_fn write, void *ctx);

/* CSV (src/emit_csv.c): a header row, then one row per block, RFC 4180
 * (CRLF row ends, fields quoted when they hold '"', ',', CR or LF). Columns
 * in BP_CSV_HEADER; tags are their codes and ids joined by ';'. NULL on
 * allocation failure. */
#define BP_CSV_HEADER \
	"briefing,id,date,type,seq,exchange,agenda,speaker,heading,countries,organizations,topics,text," \
	"profile,language,speaker_name,outlet"
bp_emitter *bp_csv_emitter_new(bp_write_fn write, void *ctx);
/* Writes s[0, n) as one CSV field to out (room for 2 * n + 2 bytes, no NUL
 * added): as is, or quoted with '"' doubled when it holds '"', ',', CR or LF.
 * Returns the bytes written. */
size_t bp_csv_field(char *out, const char *s, size_t n);

/* SQLite (src/emit_sqlite.c): opens or creates the database at path and its
 * schema (docs/formats.md). Each briefing goes in one transaction, replacing
 * any briefing of the same id or the same source digest. Errors: BP_ERR_IO
 * (err->path is the file), BP_ERR_NOMEM. */
bp_status bp_sqlite_emitter_open(const char *path, bp_emitter **out, bp_error *err);

/* Removes the database file at path and the files SQLite keeps beside it
 * (-wal, -shm, -journal). */
void bp_sqlite_remove(const char *path);

/* Archive mode's own connection to the database (the schema made when
 * missing, as by bp_sqlite_emitter_open). */
typedef struct bp_sqlite_db bp_sqlite_db;
bp_status bp_sqlite_db_open(const char *path, bp_sqlite_db **out, bp_error *err);
void bp_sqlite_db_close(bp_sqlite_db *x);
/* Forgets the source path (a record's source.path) in one transaction: it
 * no longer gives any briefing (briefing_sources). A briefing no other path
 * gives is deleted with all its rows (blocks, tags, agenda, warnings, FTS);
 * *removed counts them. A briefing another path also gives stays; when its
 * row was written from this path, holder(ctx, other) is called for each
 * other path that gives it (before the commit), so that the caller redoes
 * them. Errors: BP_ERR_IO (the database's), BP_ERR_NOMEM. */
typedef void (*bp_sqlite_holder_fn)(void *ctx, const char *other_path);
bp_status bp_sqlite_forget_source(bp_sqlite_db *x, const char *path, bp_sqlite_holder_fn holder,
				  void *ctx, size_t *removed, bp_error *err);

#endif
