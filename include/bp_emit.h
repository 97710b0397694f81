/*
 * bp_emit.h - stage 5: records out as JSON Lines (schema v1, docs/schema.json).
 *
 * The only file that includes cJSON. Renders what the parser and classifier
 * produced; never reads input bytes. Each record is one line (or, with
 * pretty, one indented object followed by a newline) handed to the write
 * callback. Numbers are printed by our own integer formatter (cJSON's
 * double formatting is slow and would print 1e+15-style values for large
 * offsets).
 */
#ifndef BP_EMIT_H
#define BP_EMIT_H

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

/* pretty: indented JSON. NULL on allocation failure. */
bp_emitter *bp_emitter_new(int pretty, bp_write_fn write, void *ctx);
void bp_emitter_free(bp_emitter *e);

/* A statement, question or answer. tags may be NULL (--no-classify): the
 * arrays are then empty. Tag evidence offsets are block offsets; they are
 * mapped to raw input offsets here with bp_block_raw. */
bp_status bp_emit_block(bp_emitter *e, const bp_block *b, const bp_tags *tags, bp_error *err);
bp_status bp_emit_briefing(bp_emitter *e, const bp_briefing *b, const bp_source_info *src,
			   bp_error *err);

#endif
