/*
 * bp_pipeline.h - the stages wired together for one input at a time:
 *   input (read, sniff) -> tokenizer -> parser -> classifier -> emitter
 * plus the per-briefing segment digests. With threads, the classifier runs
 * on a second thread (bp_offload.h); the output is the same. The CLI and the fuzz targets drive
 * it; archive mode will run one pipeline per worker.
 */
#ifndef BP_PIPELINE_H
#define BP_PIPELINE_H

#include <stddef.h>

#include "bp_classify.h"
#include "bp_emit.h"
#include "bp_error.h"
#include "bp_tokenizer.h"

typedef struct bp_options {
	int pretty;          /* indented JSON */
	size_t chunk;        /* feed the tokenizer this many bytes at a time (0: as read) */
	unsigned threads;    /* 1: all in this thread; 2: classify on a second
				thread (bp_offload.h); 0: 2 when the process may
				run on two CPUs */
	bp_write_fn explain; /* non-NULL: explain every block's topics to
				explain(explain_ctx, ...), as text (see
				bp_classifier_explain); classifies on this thread */
	void *explain_ctx;
	const bp_cues *profile; /* non-NULL: every briefing is read with this
				   profile of the set (--profile); NULL: detected
				   per briefing (bp_profile.h) */
} bp_options;

typedef struct bp_pipeline bp_pipeline;

/* cues (the profile set, bp_cues_load), rules (NULL: no classification)
 * must outlive the pipeline. Records
 * go to write(ctx, ...) as JSON Lines. NULL on allocation failure. */
bp_pipeline *bp_pipeline_new(const bp_options *opts, const bp_cues *cues, const bp_rules *rules,
			     bp_write_fn write, void *ctx);
/* The same with records handed to emitter (any format, bp_emit.h), which
 * the caller keeps: it must outlive the pipeline, and the caller frees it
 * after bp_pipeline_free (and calls bp_emit_finish once the last input is
 * done). opts->pretty is the emitter's business then. */
bp_pipeline *bp_pipeline_new_emitter(const bp_options *opts, const bp_cues *cues,
				     const bp_rules *rules, bp_emitter *emitter);
void bp_pipeline_free(bp_pipeline *pl);

/* Parses one input read from fd; path names it in records and errors ("-"
 * for stdin). Errors: BP_ERR_NOT_TEXT (binary, UTF-16),
 * BP_ERR_EMPTY, BP_ERR_NO_BRIEFING, BP_ERR_IO (read or write), BP_ERR_NOMEM;
 * err->path is set. Records already emitted for the input stay emitted. */
bp_status bp_pipeline_run_fd(bp_pipeline *pl, int fd, const char *path, bp_error *err);

/* The same for an input held in memory (tests, fuzzing). */
bp_status bp_pipeline_run_mem(bp_pipeline *pl, const char *bytes, size_t len, const char *path,
			      bp_error *err);

#endif
