/*
 * bp_archive.h - archive mode: many inputs to one output folder, around the
 * pipeline (bp_pipeline.h), which is run unchanged once per input.
 *
 *   briefparse -o OUT/ archive/ more.txt ...
 *
 * Inputs: each FILE named, and every file under each DIR named, found by a
 * recursive walk that follows symbolic links (a link back to a folder being
 * walked is a "symlink loop" error), sorted bytewise by output name. Files
 * are sniffed (bp_input_sniff): text and HTML are parsed (the pipeline
 * reads either); binary, UTF-16 and empty files and files that are not
 * regular files are skipped, not failed.
 *
 * Outputs: OUT/REL.jsonl per input, REL being the path under the DIR named
 * (for a FILE named, its base name), with ".jsonl" appended: a/b.txt gives
 * OUT/a/b.txt.jsonl (".json", ".csv" with the format option: each output
 * is what `briefparse --format F FILE` prints). With sqlite_path, every
 * worker also writes each input's briefings into that database (one
 * transaction per briefing, bp_emit.h), before the input's output lands. Each output is written to OUT/.briefparse-tmp/, fsync'd
 * and renamed into place (then its folder is fsync'd): a reader never sees
 * half a file. Folders under OUT are opened one component at a time with
 * O_NOFOLLOW: nothing is written through a symbolic link inside OUT.
 *
 * OUT also holds:
 *   .briefparse-manifest  per output: the input's size, mtime and SHA-256,
 *                         its records; a header with the version and the
 *                         rules digest (bp_archive_rules_digest). Appended
 *                         to as each output lands, rewritten at the end.
 *   errors.jsonl          this run's failures, {"path":..,"error":..} per
 *                         line in input order (empty when none).
 *   .briefparse-tmp/      temporary files; emptied at the start of a run.
 *
 * A re-run skips each input whose path, size and mtime match its manifest
 * entry and whose output exists; when only the mtime changed, the input's
 * SHA-256 decides (the path is in the records: named otherwise, redone). A different version or rules digest (or force) redoes every
 * input. After a complete walk, outputs in the manifest whose input is no
 * longer among the inputs are removed, unless keep_stale; an input that now
 * fails or is skipped loses its old output. With sqlite_path the database
 * follows: the briefings of those inputs are deleted (before the workers
 * start; bp_sqlite_forget_source), a briefing another input also gives
 * staying (that input redone when the row was the gone one's). Killing a run at any point
 * leaves outputs that are either complete or absent (and OUT is locked
 * with flock while a run uses it); the next run redoes
 * what is missing, giving outputs byte-identical to an uninterrupted run.
 */
#ifndef BP_ARCHIVE_H
#define BP_ARCHIVE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "bp_classify.h"
#include "bp_emit.h"
#include "bp_pipeline.h"
#include "bp_tokenizer.h"

#define BP_ARCHIVE_DEPTH_MAX 128   /* folder nesting under an input folder */
#define BP_ARCHIVE_JOBS_MAX 256    /* -j */
#define BP_ARCHIVE_MANIFEST ".briefparse-manifest"
#define BP_ARCHIVE_TMP ".briefparse-tmp"
#define BP_ARCHIVE_ERRORS "errors.jsonl"

/* Where the run stands; handed to the progress callback. */
typedef struct bp_archive_stats {
	size_t total;         /* inputs found (files, and walk errors) */
	size_t done;          /* of those, settled */
	size_t ok;            /* parsed, output written */
	size_t warned;        /* of ok, with a non-empty "warnings" */
	size_t uptodate;      /* skipped: output up to date */
	size_t skipped;       /* skipped: not text, empty, not a regular file */
	size_t failed;
	size_t removed;       /* stale outputs removed */
	size_t db_removed;    /* --sqlite: briefings of inputs that are gone, deleted */
	uint64_t bytes_total; /* input bytes still to read when the run began */
	uint64_t bytes_done;  /* of those, read */
	uint64_t records;     /* records written */
	double seconds;       /* since the start */
	int final;            /* the last call: the run is over */
	int interrupted;      /* *stop was set */
	int walk_incomplete;  /* a folder could not be read: nothing was removed */
} bp_archive_stats;

typedef enum bp_archive_event_kind {
	BP_ARCHIVE_FAILED,    /* also in errors.jsonl; message is the error */
	BP_ARCHIVE_SKIPPED    /* message is the reason: "not text", "empty"... */
} bp_archive_event_kind;

typedef struct bp_archive_callbacks {
	/* called from one thread at a time, about every 100 ms and at the end */
	void (*progress)(void *ctx, const bp_archive_stats *st);
	/* a failed or skipped input; path as found (may hold any byte) */
	void (*event)(void *ctx, bp_archive_event_kind kind, const char *path, const char *message);
	void *ctx;
} bp_archive_callbacks;

typedef struct bp_archive_options {
	const char *out_dir;
	unsigned jobs;               /* workers; 0: the CPUs in the affinity mask */
	int keep_stale;              /* keep outputs whose input is gone */
	int force;                   /* redo every input */
	bp_options pipeline;         /* per worker; threads 0 means 1 here */
	bp_output format;            /* of the outputs: jsonl, json or csv */
	const char *sqlite_path;     /* also into this database (NULL: none) */
	const char *rules_digest;    /* bp_archive_rules_digest's */
	volatile sig_atomic_t *stop; /* when set (a signal): stop soon, clean up */
} bp_archive_options;

/* Runs archive mode over inputs[0..n). cues and rules (NULL: no
 * classification) as for bp_pipeline_new. Returns BP_OK when the run was
 * carried out (some inputs may have failed: see *stats), or an error that
 * stopped it before any input was read (OUT unusable, in use, no memory),
 * with err filled. On return *stats holds the final figures. */
bp_status bp_archive_run(const bp_archive_options *opts, const bp_cues *cues, const bp_rules *rules,
			 char *const *inputs, size_t n, const bp_archive_callbacks *cb,
			 bp_archive_stats *stats, bp_error *err);

/* The digest of what decides the output besides the input: every data file
 * as loaded (the bundled one, or DIR's from --rules DIR) and settings (for
 * example "classify=1 pretty=0"). hex gets 64 digits. */
bp_status bp_archive_rules_digest(const char *rules_dir, const char *settings, char hex[65],
				  bp_error *err);

/* path as valid UTF-8 for records and messages: invalid bytes become
 * U+FFFD. Truncated to fit size (at least 4). */
void bp_archive_display_path(const char *path, char *buf, size_t size);

/* The CPUs this process may run on (its affinity mask), at least 1. */
unsigned bp_archive_cpus(void);

#endif
