/*
 * fuzz_manifest.c - libFuzzer target for archive mode's manifest reader
 * (OUT/.briefparse-manifest, bp_archive.h), which a re-run trusts to skip
 * inputs and to remove stale outputs.
 *
 * Set up once in a private temporary folder (under /dev/shm when it is
 * there, so that fsync costs nothing): in/a.txt and in/sub/b.txt, two small
 * transcripts; a sentinel file and a sentinel folder beside OUT, and
 * in/a.txt itself, which nothing may touch. Per input: OUT is emptied, the
 * input becomes OUT/.briefparse-manifest, and bp_archive_run runs over in/
 * (one worker, one thread). Whatever the manifest says: the run is carried
 * out, no input fails, both outputs exist afterwards, and nothing outside
 * OUT was removed or changed (a manifest entry must never name a path that
 * leaves OUT).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bp_archive.h"
#include "bp_classify.h"
#include "bp_tokenizer.h"

static bp_cues *cues;
static char base[96], out[128], in[128], digest[65];
static const char transcript[] =
	"Briefing by Foreign Ministry Spokesperson Maria Zakharova, Moscow, February 9, 2017\n\n"
	"Table of contents\n\n1. Syria\n\nSyria\n\nText about Syria.\n\n"
	"Answers to media questions:\n\nQuestion: Why?\n\nMaria Zakharova: Because.\n";
static const char sentinel[] = "must stay\n";

static void die(const char *what)
{
	fprintf(stderr, "fuzz_manifest: %s\n", what);
	abort();
}

static void put(const char *path, const char *bytes, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(bytes, 1, n, f) != n || fclose(f) != 0)
		die("cannot write a fixture file");
}

/* Removes everything under dir (dir itself when self). */
static void clear(const char *dir, int self)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[4096];

	if (d) {
		while ((de = readdir(d)) != NULL) {
			struct stat st;
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
				clear(p, 1);
			else
				unlink(p);
		}
		closedir(d);
	}
	if (self)
		rmdir(dir);
}

static int same_file(const char *path, const char *want, size_t n)
{
	char got[512];
	FILE *f = fopen(path, "rb");
	size_t k;
	if (!f)
		return 0;
	k = fread(got, 1, sizeof(got), f);
	fclose(f);
	return k == n && memcmp(got, want, n) == 0;
}

static int is_file(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static void cleanup(void)
{
	clear(base, 1);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	struct stat st;
	char p[256];
	bp_error err;
	(void)argc;
	(void)argv;
	if (!tmp || strlen(tmp) > 40)
		tmp = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";
	snprintf(base, sizeof(base), "%s/bp-fuzz-manifest-XXXXXX", tmp);
	if (!mkdtemp(base))
		die("mkdtemp failed");
	atexit(cleanup);
	snprintf(out, sizeof(out), "%s/out", base);
	snprintf(in, sizeof(in), "%s/in", base);
	snprintf(p, sizeof(p), "%s/sub", in);
	if (mkdir(out, 0777) || mkdir(in, 0777) || mkdir(p, 0777))
		die("mkdir failed");
	snprintf(p, sizeof(p), "%s/a.txt", in);
	put(p, transcript, sizeof(transcript) - 1);
	snprintf(p, sizeof(p), "%s/sub/b.txt", in);
	put(p, transcript, sizeof(transcript) - 1);
	snprintf(p, sizeof(p), "%s/sentinel", base);
	put(p, sentinel, sizeof(sentinel) - 1);
	snprintf(p, sizeof(p), "%s/keep", base);
	if (mkdir(p, 0777))
		die("mkdir failed");
	if (bp_cues_load(NULL, &cues, &err) != BP_OK ||
	    bp_archive_rules_digest(NULL, "classify=0 pretty=0", digest, &err) != BP_OK)
		die(err.message);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	volatile sig_atomic_t stop = 0;
	bp_archive_options o;
	bp_archive_stats stats;
	bp_error err;
	bp_status st;
	char p[256];
	char *inputs[1];
	struct stat sb;

	clear(out, 0);
	snprintf(p, sizeof(p), "%s/%s", out, BP_ARCHIVE_MANIFEST);
	put(p, (const char *)data, size);
	memset(&o, 0, sizeof(o));
	o.out_dir = out;
	o.jobs = 1;
	o.pipeline.threads = 1;
	o.rules_digest = digest;
	o.stop = &stop;
	inputs[0] = in;
	bp_error_clear(&err);
	st = bp_archive_run(&o, cues, NULL, inputs, 1, NULL, &stats, &err);
	if (st != BP_OK)
		die("the manifest stopped the run");
	if (stats.failed != 0)
		die("the manifest made an input fail");
	snprintf(p, sizeof(p), "%s/a.txt.jsonl", out);
	if (!is_file(p))
		die("an output is missing after the run");
	snprintf(p, sizeof(p), "%s/sub/b.txt.jsonl", out);
	if (!is_file(p))
		die("an output in a subfolder is missing after the run");
	snprintf(p, sizeof(p), "%s/sentinel", base);
	if (!same_file(p, sentinel, sizeof(sentinel) - 1))
		die("a file outside OUT was removed or changed");
	snprintf(p, sizeof(p), "%s/keep", base);
	if (lstat(p, &sb) != 0 || !S_ISDIR(sb.st_mode))
		die("a folder outside OUT was removed");
	snprintf(p, sizeof(p), "%s/a.txt", in);
	if (!same_file(p, transcript, sizeof(transcript) - 1))
		die("an input was removed or changed");
	return 0;
}
