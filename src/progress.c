/* progress.c - archive mode's progress, failures and summary on stderr (bp_progress.h). */
#include "bp_progress.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TALLY_MAX 6 /* distinct reasons named in the summary; the rest are "other" */

typedef struct tally {
	char *why[TALLY_MAX];
	size_t count[TALLY_MAX];
	size_t other;
} tally;

struct bp_progress {
	FILE *out;
	int quiet, bar, bar_shown;
	double interval, last;
	tally failed, skipped;
};

bp_progress *bp_progress_new(FILE *out, int quiet)
{
	bp_progress *p = calloc(1, sizeof(*p));
	const char *iv = getenv("BRIEFPARSE_PROGRESS_SECONDS");

	if (!p)
		return NULL;
	p->out = out;
	p->quiet = quiet;
	p->bar = !quiet && isatty(fileno(out));
	p->interval = p->bar ? 0.2 : 5.0;
	if (iv && *iv)
		p->interval = strtod(iv, NULL);
	p->last = 0;
	return p;
}

static void tally_free(tally *t)
{
	size_t i;
	for (i = 0; i < TALLY_MAX; i++)
		free(t->why[i]);
}

void bp_progress_free(bp_progress *p)
{
	if (!p)
		return;
	tally_free(&p->failed);
	tally_free(&p->skipped);
	free(p);
}

static void tally_add(tally *t, const char *why)
{
	size_t i;
	for (i = 0; i < TALLY_MAX && t->why[i]; i++)
		if (strcmp(t->why[i], why) == 0) {
			t->count[i]++;
			return;
		}
	if (i < TALLY_MAX && (t->why[i] = strdup(why)) != NULL)
		t->count[i] = 1;
	else
		t->other++;
}

static void tally_print(FILE *f, const tally *t)
{
	size_t i;
	const char *sep = " (";
	for (i = 0; i < TALLY_MAX && t->why[i]; i++) {
		fprintf(f, "%s%zu %s", sep, t->count[i], t->why[i]);
		sep = ", ";
	}
	if (t->other)
		fprintf(f, "%s%zu other", sep, t->other);
	if (strcmp(sep, ", ") == 0 || t->other)
		fputc(')', f);
}

static void clear_bar(bp_progress *p)
{
	if (p->bar_shown) {
		fputs("\r\033[K", p->out);
		p->bar_shown = 0;
	}
}

/* A path fit for a terminal line: control bytes escaped. */
static void put_path(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

void bp_progress_event(void *ctx, bp_archive_event_kind kind, const char *path, const char *message)
{
	bp_progress *p = ctx;

	if (kind == BP_ARCHIVE_SKIPPED) {
		tally_add(&p->skipped, message);
		return;
	}
	tally_add(&p->failed, message);
	clear_bar(p);
	fputs("briefparse: '", p->out);
	put_path(p->out, path);
	fprintf(p->out, "': %s\n", message);
	fflush(p->out);
}

static void eta(char *buf, size_t size, const bp_archive_stats *st, double rate)
{
	double left;
	if (rate <= 0 || st->bytes_done == 0) {
		snprintf(buf, size, "?");
		return;
	}
	/* files that grew meanwhile can make done pass total */
	left = st->bytes_done < st->bytes_total ? (double)(st->bytes_total - st->bytes_done) / rate : 0;
	if (left < 0)
		left = 0;
	snprintf(buf, size, "%d:%02d", (int)(left / 60), (int)left % 60);
}

static void summary(bp_progress *p, const bp_archive_stats *st)
{
	FILE *f = p->out;

	fprintf(f, "briefparse: %s%zu inputs in %.1f s: %zu parsed (%zu with warnings), %zu up to date, %zu skipped",
		st->interrupted ? "interrupted: " : "", st->total, st->seconds, st->ok, st->warned,
		st->uptodate, st->skipped);
	tally_print(f, &p->skipped);
	fprintf(f, ", %zu failed", st->failed);
	tally_print(f, &p->failed);
	fprintf(f, "; %llu records written", (unsigned long long)st->records);
	if (st->removed)
		fprintf(f, "; %zu stale outputs removed", st->removed);
	if (st->db_removed)
		fprintf(f, "; %zu stale briefings removed from the database", st->db_removed);
	if (st->walk_incomplete)
		fputs("; a folder could not be read, so no stale output was removed", f);
	if (st->interrupted && st->done < st->total)
		fprintf(f, "; %zu not done (run again to resume)", st->total - st->done);
	fputc('\n', f);
}

void bp_progress_update(void *ctx, const bp_archive_stats *st)
{
	bp_progress *p = ctx;
	double rate = st->seconds > 0 ? (double)st->bytes_done / st->seconds : 0;
	char left[32];

	if (p->quiet)
		return;
	if (st->final) {
		clear_bar(p);
		summary(p, st);
		fflush(p->out);
		return;
	}
	if (st->seconds - p->last < p->interval)
		return;
	p->last = st->seconds;
	eta(left, sizeof(left), st, rate);
	if (p->bar) {
		int w = 24, fill = st->total ? (int)((double)st->done / (double)st->total * w) : w, i;
		fputs("\r[", p->out);
		for (i = 0; i < w; i++)
			fputc(i < fill ? '#' : '-', p->out);
		fprintf(p->out, "] %zu/%zu files  %.1f MB/s  ETA %s  %zu failed\033[K", st->done,
			st->total, rate / 1e6, left, st->failed);
		p->bar_shown = 1;
	} else {
		fprintf(p->out, "briefparse: %zu/%zu files, %.1f MB/s, ETA %s, %zu failed\n", st->done,
			st->total, rate / 1e6, left, st->failed);
	}
	fflush(p->out);
}
