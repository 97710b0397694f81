/*
 * bp_progress.h - archive mode's reports on standard error (part of the
 * CLI: the only place besides main.c that prints).
 *
 * On a terminal a bar redrawn in place (files done/total, MB/s, ETA,
 * failures so far); otherwise a plain line every few seconds (5, or
 * BRIEFPARSE_PROGRESS_SECONDS); nothing with quiet. Failed inputs are
 * always one line each, "briefparse: 'PATH': ERROR" (control bytes in PATH
 * shown as \n, \t, \xNN). At the end, unless quiet, a summary: inputs ok,
 * with warnings, up to date, skipped, failed and why, records, seconds.
 */
#ifndef BP_PROGRESS_H
#define BP_PROGRESS_H

#include <stdio.h>

#include "bp_archive.h"

typedef struct bp_progress bp_progress;

/* Reports to out (stderr); a bar when out is a terminal. NULL on
 * allocation failure. */
bp_progress *bp_progress_new(FILE *out, int quiet);
void bp_progress_free(bp_progress *p);

/* Callbacks for bp_archive_run (ctx is the bp_progress). */
void bp_progress_update(void *ctx, const bp_archive_stats *st);
void bp_progress_event(void *ctx, bp_archive_event_kind kind, const char *path, const char *message);

#endif
