/*
 * fuzz_text.c - libFuzzer target for the text pipeline (bp_pipeline_run_mem):
 * tokenizer, parser, classifier and emitter on arbitrary bytes.
 *
 * The first byte picks the options: its low 6 bits a chunk size (0: whole),
 * bit 6 pretty output, bit 7 a second run with the classifier on its own
 * thread (--threads 2). The rest is the input. Besides "no crash, no leak,
 * no undefined behaviour" it checks STYLE.md point 9: the same input fed
 * whole and in chunks gives byte-identical output and the same status, on
 * one thread and on two, and a pipeline reused after another input gives
 * what it gave before (every pipeline is made once and reused).
 * Output is hashed (FNV-1a), never kept. Built by tests/fuzz/run.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "bp_classify.h"
#include "bp_pipeline.h"
#include "bp_tokenizer.h"

typedef struct sink {
	uint64_t hash, bytes;
} sink;

static const char before[] =
	"Briefing by Foreign Ministry Spokesperson Maria Zakharova, Moscow, May 5, 2021\n\n"
	"Table of contents\n\n1. Syria\n\nSyria\n\nText.\n\nAnswers to media questions:\n\n"
	"Question: Why?\n\nMaria Zakharova: Because.\n";
static bp_cues *cues;
static bp_rules *rules;

/* Not instrumented (nor inlined into an instrumented caller): the hash
 * loop is the harness's, not the library's, and its comparison hooks, one
 * per output byte, took a tenth of the target's time. */
__attribute__((no_sanitize("coverage"), noinline))
static bp_status discard(void *ctx, const char *b, size_t n, bp_error *err)
{
	sink *s = ctx;
	size_t i;
	(void)err;
	for (i = 0; i < n; i++)
		s->hash = (s->hash ^ (unsigned char)b[i]) * 0x100000001b3ULL;
	s->bytes += n;
	return BP_OK;
}

static void die(const char *what)
{
	fprintf(stderr, "fuzz_text: %s\n", what);
	abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	bp_error err;
	(void)argc;
	(void)argv;
	if (bp_cues_load(NULL, &cues, &err) != BP_OK || bp_rules_load(NULL, &rules, &err) != BP_OK)
		die(err.message);
	return 0;
}

/* One pipeline per options, made once and reused as the CLI reuses one for
 * every input; each writes to its own sink. */
static bp_pipeline *pipes[64][2][2];
static sink sinks[64][2][2];

static bp_status run(unsigned chunk, int pretty, unsigned threads, const char *bytes, size_t len,
		     sink *out)
{
	bp_error err;
	bp_status st;
	sink *s = &sinks[chunk][pretty][threads - 1];
	bp_pipeline **pl = &pipes[chunk][pretty][threads - 1];

	if (!*pl) {
		bp_options o = { .pretty = pretty, .chunk = chunk, .threads = threads };
		*pl = bp_pipeline_new(&o, cues, rules, discard, s);
		if (!*pl)
			die("out of memory");
	}
	s->hash = 0xcbf29ce484222325ULL;
	s->bytes = 0;
	bp_error_clear(&err);
	st = bp_pipeline_run_mem(*pl, bytes, len, "fuzz.txt", &err);
	if (st != BP_OK && (!err.message[0] || !err.path[0]))
		die("an error without a message or a path");
	*out = *s;
	return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *bytes = (const char *)data + 1;
	unsigned chunk;
	int pretty;
	size_t len;
	sink a, b;
	bp_status sa, sb;

	if (size == 0)
		return 0;
	len = size - 1;
	pretty = (data[0] >> 6) & 1;
	chunk = data[0] & 63;

	sa = run(0, pretty, 1, bytes, len, &a);
	if (chunk) {
		sb = run(chunk, pretty, 1, bytes, len, &b);
		if (sa != sb || a.hash != b.hash || a.bytes != b.bytes)
			die("output differs when the input is fed in chunks");
	}
	if (data[0] & 128) {
		sb = run(chunk, pretty, 2, bytes, len, &b);
		if (sa != sb || a.hash != b.hash || a.bytes != b.bytes)
			die("output differs with the classifier on its own thread");
	}
	/* The same pipeline after another input gives the same result. With a
	 * chunk size the comparison above already checks it (the two
	 * pipelines ran other inputs before, so their history differs); only
	 * without one is it checked here, at the cost of two more runs. */
	if (!chunk) {
		run(0, pretty, 1, before, sizeof(before) - 1, &b);
		sb = run(0, pretty, 1, bytes, len, &b);
		if (sa != sb || a.hash != b.hash || a.bytes != b.bytes)
			die("a reused pipeline gives other output");
	}
	return 0;
}
