/*
 * fuzz_cues.c - libFuzzer target for data/cues.tsv (bp_cues_load) and the
 * line classifier that uses it (bp_tokenizer_classify).
 *
 * The input up to its first NUL byte becomes cues.tsv in a private temporary
 * directory; the rest (or a fixed transcript excerpt when there is none) is
 * tokenized with the cues that loaded. Cue patterns are globs ("Briefing*"),
 * so hostile ones also test the glob matcher's running time.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bp_tokenizer.h"

static char dir[64];
static const char sample[] =
	"Briefing by Foreign Ministry Spokesperson Maria Zakharova, Moscow, February 9, 2017\n"
	"9 February 201717:54\n\nTable of contents\n\n  1. The situation in Syria\n"
	"  2. Answers to media questions:\n    1. Russian-US relations\n\n"
	"The situation in Syria\n\nText about Syria.\n\n\" rel=\"111\">Back to top\n\n"
	"Question: What about the talks?\n\nMaria Zakharova (adding): They go on.\n"
	"The Ministry of Foreign Affairs of the Russian Federation\n";

static void die(const char *what)
{
	fprintf(stderr, "fuzz_cues: %s\n", what);
	abort();
}

static void cleanup(void)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/cues.tsv", dir);
	unlink(path);
	rmdir(dir);
}

static bp_status on_line(void *ctx, const bp_line *l, bp_error *err)
{
	(void)err;
	if (l->len && l->text[l->len] != '\0')
		die("line text not NUL-terminated");
	if (l->body > l->len || l->label_len > l->len)
		die("body or label past the end of the line");
	*(size_t *)ctx += l->kind;
	return BP_OK;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	(void)argc;
	(void)argv;
	struct stat st;
	/* under /dev/shm when it is there: a file written per input costs no disk */
	if (!tmp || strlen(tmp) >= 32)
		tmp = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";
	snprintf(dir, sizeof(dir), "%s/bp-fuzz-cues-XXXXXX", tmp);
	if (!mkdtemp(dir))
		die("mkdtemp failed");
	atexit(cleanup);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t clen = nul ? (size_t)(nul - data) : size, sum = 0;
	const char *text = nul ? (const char *)nul + 1 : sample;
	size_t tlen = nul ? size - clen - 1 : sizeof(sample) - 1;
	char path[128];
	bp_cues *cues = NULL;
	bp_tokenizer *t;
	bp_error err;
	FILE *f;

	snprintf(path, sizeof(path), "%s/cues.tsv", dir);
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, clen, f) != clen || fclose(f) != 0)
		die("cannot write cues.tsv");
	bp_error_clear(&err);
	if (bp_cues_load(dir, &cues, &err) != BP_OK) {
		if (cues)
			die("an error, yet cues were returned");
		if (!err.message[0] || !err.path[0])
			die("an error without a message or a path");
		return 0;
	}
	t = bp_tokenizer_new(cues, on_line, NULL, &sum);
	if (!t)
		die("out of memory");
	if (bp_tokenizer_feed(t, text, tlen, &err) != BP_OK || bp_tokenizer_finish(t, &err) != BP_OK)
		die("the tokenizer failed with a callback that never fails");
	bp_tokenizer_free(t);
	bp_cues_free(cues);
	return 0;
}
