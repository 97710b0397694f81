/* Unit tests for pipelines started on several threads at the same moment
 * (archive workers as threads): no stage may share mutable state. Run by
 * the unit area and, for data races, under ThreadSanitizer (65-tsan.sh).
 * The pipelines start before any other pipeline or tokenizer of the
 * process exists, so that a table filled lazily by the first one would race
 * (as the gazetteer's Russian part and the JIT compiles are, under a lock). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_classify.h"
#include "bp_pipeline.h"
#include "bp_tokenizer.h"
#include "harness.h"

#define NTHREADS 4

typedef struct sink {
	char *buf;
	size_t len, cap;
	int nomem;
} sink;

static bp_status to_sink(void *ctx, const char *bytes, size_t n, bp_error *err)
{
	sink *s = ctx;
	(void)err;
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 1 << 16;
		char *nb;
		while (cap < s->len + n + 1)
			cap *= 2;
		nb = realloc(s->buf, cap);
		if (!nb) {
			s->nomem = 1;
			return BP_OK;
		}
		s->buf = nb;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, bytes, n);
	s->len += n;
	s->buf[s->len] = '\0';
	return BP_OK;
}

static const char input[] =
	"Briefing by Foreign Ministry Spokesperson Maria Zakharova, Moscow, February 9, 2017\n"
	"\n"
	"Table of contents\n"
	"\n"
	"  1. The situation in Syria\n"
	"  2. Relations with Japan\n"
	"  3. Answers to media questions:\n"
	"  - On sanctions\n"
	"\n"
	"The situation in Syria\n"
	"\n"
	"The ceasefire in Aleppo holds; talks in Geneva with the UN envoy go on.\n"
	"\n"
	/* Russian words: the gazetteer's aliases past ASCII and the Unicode-mode
	 * topic patterns are built and JIT-compiled when first needed, by
	 * whichever pipeline gets there first (gazetteer.c, topics.c) */
	"In Russian: Сирия и Иран обсудили санкции против Ирана.\n"
	"\x01Control bytes, \xff invalid UTF-8 and  runs   of spaces are folded.\n"
	"\n"
	"Back to top\n"
	"\n"
	"Relations with Japan\n"
	"\n"
	"Tokyo and Moscow discussed the Kuril Islands and NATO drills.\n"
	"\n"
	"Answers to media questions:\n"
	"\n"
	"Question: What about the sanctions of the European Union?\n"
	"\n"
	"Maria Zakharova: Sanctions against Russia do not work.\n";

static bp_cues *cues;
static bp_rules *rules;
static pthread_barrier_t start;

typedef struct job {
	unsigned threads; /* the pipeline's own --threads */
	sink out;
	bp_status st;
} job;

/* One pipeline over input, from a start shared with the other threads. */
static void run_one(job *j)
{
	bp_options opts = {.threads = j->threads};
	bp_pipeline *pl = bp_pipeline_new(&opts, cues, rules, to_sink, &j->out);
	bp_error err;

	if (!pl) {
		j->st = BP_ERR_NOMEM;
		return;
	}
	j->st = bp_pipeline_run_mem(pl, input, sizeof(input) - 1, "x.txt", &err);
	bp_pipeline_free(pl);
}

static void *worker(void *arg)
{
	pthread_barrier_wait(&start);
	run_one(arg);
	return NULL;
}

TEST(pipelines_at_once)
{
	pthread_t t[NTHREADS];
	job jobs[NTHREADS], alone;
	int i, started = 0;

	memset(jobs, 0, sizeof(jobs));
	memset(&alone, 0, sizeof(alone));
	CHECK(pthread_barrier_init(&start, NULL, NTHREADS) == 0);
	for (i = 0; i < NTHREADS; i++) {
		jobs[i].threads = i % 2 ? 2 : 1; /* some with their classifier thread */
		if (pthread_create(&t[i], NULL, worker, &jobs[i]) == 0)
			started++;
	}
	CHECK_INT(started, NTHREADS);
	for (i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&start);
	/* then one alone: every pipeline's records must be its records */
	alone.threads = 1;
	run_one(&alone);
	CHECK_INT(alone.st, BP_OK);
	CHECK(alone.out.len > 0 && !alone.out.nomem);
	CHECK(alone.out.buf && strstr(alone.out.buf, "\"code\":\"SY\"") != NULL);
	CHECK(alone.out.buf && strstr(alone.out.buf, "\"match\":\"Ирана\"") != NULL);
	for (i = 0; i < started; i++) {
		CHECK_INT(jobs[i].st, BP_OK);
		CHECK(!jobs[i].out.nomem);
		CHECK(jobs[i].out.len == alone.out.len && jobs[i].out.buf && alone.out.buf &&
		      memcmp(jobs[i].out.buf, alone.out.buf, alone.out.len) == 0);
		free(jobs[i].out.buf);
	}
	free(alone.out.buf);
}

int main(void)
{
	bp_error err;

	if (bp_cues_load(NULL, &cues, &err) != BP_OK || bp_rules_load(NULL, &rules, &err) != BP_OK) {
		printf("FAIL - setup: %s\n", err.message);
		return 1;
	}
	RUN(pipelines_at_once);
	bp_rules_free(rules);
	bp_cues_free(cues);
	return DONE();
}
