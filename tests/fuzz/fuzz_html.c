/*
 * fuzz_html.c - libFuzzer target for the HTML reader (bp_html.h) and the
 * pipeline on HTML input.
 *
 * The first byte picks a chunk size (its low 6 bits, 0: whole; bit 6: feed
 * the page as a declared windows-1251 one). The rest is the page. Besides
 * "no crash, no leak, no undefined behaviour" it checks chunk invariance:
 * the reader gives the same text with the same input offsets, and the
 * pipeline the same records and status, whole and in chunks; every offset
 * lies inside the page. Output is hashed (FNV-1a), never kept.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_html.h"
#include "bp_pipeline.h"
#include "bp_tokenizer.h"

typedef struct sink {
	uint64_t hash, bytes, max_raw;
} sink;

static bp_cues *cues;

/* Not instrumented (nor inlined into an instrumented caller): the hash
 * loop is the harness's, not the library's, and its comparison hooks, one
 * per output byte, took a tenth of the target's time. */
__attribute__((no_sanitize("coverage"), noinline))
static void mix(sink *s, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;
	for (i = 0; i < n; i++)
		s->hash = (s->hash ^ b[i]) * 0x100000001b3ULL;
	s->bytes += n;
}

static bp_status text_out(void *ctx, const char *b, size_t n, uint64_t raw, bp_error *err)
{
	sink *s = ctx;
	(void)err;
	mix(s, b, n);
	mix(s, &raw, sizeof(raw));
	if (raw > s->max_raw) /* synthetic bytes (a list number, a line break) stand at a tag */
		s->max_raw = raw;
	return BP_OK;
}

static int keep(void *ctx, const char *line, size_t n)
{
	(void)ctx;
	return n > 9 && memcmp(line, "Question:", 9) == 0;
}

static void raw_back(void *ctx, const char *b, size_t n, int line_end)
{
	(void)ctx;
	(void)b;
	(void)n;
	(void)line_end;
}

static bp_status records(void *ctx, const char *b, size_t n, bp_error *err)
{
	(void)err;
	mix(ctx, b, n);
	return BP_OK;
}

static void die(const char *what)
{
	fprintf(stderr, "fuzz_html: %s\n", what);
	abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	bp_error err;
	(void)argc;
	(void)argv;
	if (bp_cues_load(NULL, &cues, &err) != BP_OK)
		die(err.message);
	return 0;
}

static void stage(const char *page, size_t len, size_t chunk, sink *s)
{
	bp_html *h = bp_html_new(text_out, keep, raw_back, s);
	bp_error err;
	size_t i, step = chunk ? chunk : (len ? len : 1);

	if (!h)
		die("out of memory");
	for (i = 0; i < len; i += step)
		bp_html_feed(h, page + i, len - i < step ? len - i : step, &err);
	bp_html_finish(h, &err);
	bp_html_raw_upto(h, UINT64_MAX, 0);
	bp_html_free(h);
}

static bp_status pipeline(const char *page, size_t len, size_t chunk, sink *s)
{
	bp_options o = { .pretty = 0, .chunk = chunk, .threads = 1 };
	bp_pipeline *pl = bp_pipeline_new(&o, cues, NULL, records, s);
	bp_error err;
	bp_status st;

	if (!pl)
		die("out of memory");
	st = bp_pipeline_run_mem(pl, page, len, "fuzz.html", &err);
	bp_pipeline_free(pl);
	return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char head[] = "<!DOCTYPE html><html><head><meta charset=windows-1251></head>";
	size_t chunk, len, off;
	char *page;
	sink a = { 0, 0, 0 }, b = { 0, 0, 0 };

	if (size < 1)
		return 0;
	chunk = data[0] & 63;
	off = data[0] & 64 ? sizeof(head) - 1 : 15;
	len = off + size - 1;
	page = malloc(len ? len : 1);
	if (!page)
		return 0;
	memcpy(page, head, off); /* "<!DOCTYPE html>" at least: read as HTML */
	memcpy(page + off, data + 1, size - 1);

	stage(page, len, 0, &a);
	stage(page, len, chunk, &b);
	if (a.hash != b.hash || a.bytes != b.bytes)
		die("reader output differs when fed in chunks");
	if (a.max_raw > len)
		die("an offset past the end of the page");
	a.hash = b.hash = a.bytes = b.bytes = 0;
	if (pipeline(page, len, 0, &a) != pipeline(page, len, chunk, &b) || a.hash != b.hash)
		die("records differ when fed in chunks");
	free(page);
	return 0;
}
