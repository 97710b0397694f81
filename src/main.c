/*
 * main.c - stage 6: the command line. Parses options, loads cues and rules,
 * runs the pipeline over each input, prints errors, chooses the exit status:
 *   0  every input parsed
 *   1  some input failed (the others were still processed)
 *   2  usage error, or the rules or cues could not be loaded
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bp_archive.h"
#include "bp_classify.h"
#include "bp_input.h"
#include "bp_pipeline.h"
#include "bp_profile.h"
#include "bp_progress.h"
#include "bp_tokenizer.h"

#ifndef BP_VERSION
#define BP_VERSION "dev"
#endif

enum { EXIT_OK = 0, EXIT_INPUT = 1, EXIT_USAGE = 2 };
/* long options without a short one */
enum { OPT_KEEP_STALE = 256, OPT_FORCE, OPT_PROFILE, OPT_LIST_PROFILES };

static const char usage_text[] =
	"usage: briefparse [OPTIONS] [FILE...]\n"
	"       briefparse -o OUT [OPTIONS] FILE|DIR...   (archive mode)\n"
	"Turn press-briefing transcripts into JSON Lines records (or JSON, CSV, SQLite).\n"
	"Reads each FILE in turn, or standard input when there is none or FILE is '-'.\n"
	"\n"
	"  -f, --format F      jsonl (default: one JSON record a line), json (one\n"
	"                      document per briefing, blocks nested) or csv (one row\n"
	"                      per block, a header row)\n"
	"      --sqlite FILE   write the records into the SQLite database FILE\n"
	"                      (created when missing; briefings already in it are\n"
	"                      replaced) instead of standard output\n"
	"  -p, --pretty        indented JSON (jsonl, json)\n"
	"      --no-classify   skip country, organisation and topic tagging\n"
	"      --rules DIR     read countries.tsv, organizations.tsv, topics.rules and\n"
	"                      cues.tsv from DIR in place of the bundled files of the\n"
	"                      same name (files DIR lacks stay bundled)\n"
	"      --list-rules    print the loaded countries, organisations and topics\n"
	"      --profile NAME  read every briefing with layout profile NAME (default:\n"
	"                      detected per briefing; DIR/formats/NAME.tsv with --rules)\n"
	"      --list-profiles print the layout profiles: name, language, what for\n"
	"      --explain       on standard error, for each block: every topic pattern\n"
	"                      that matched with its weight, and each topic's score\n"
	"                      against its threshold (for tuning topics.rules)\n"
	"  -t, --threads N     1: everything on one thread; 2: classify on a second\n"
	"                      thread while parsing and output go on (the same\n"
	"                      output); default 2 when it may run on two CPUs,\n"
	"                      and 1 per worker in archive mode (-j1 is one core)\n"
	"      --chunk-size N  feed the parser N bytes at a time (for testing)\n"
	"\n"
	"Archive mode: every FILE, and every file under each DIR (sorted, links\n"
	"followed), to OUT/PATH.jsonl, PATH being the file's path under DIR (a\n"
	"FILE's own name); text or HTML; binary, UTF-16 and empty files are\n"
	"skipped. Re-runs\n"
	"redo only what changed (OUT/.briefparse-manifest); failures are listed\n"
	"in OUT/errors.jsonl.\n"
	"  -o, --output OUT    archive mode, into the folder OUT\n"
	"  -j, --jobs N        N inputs at a time (default: the CPUs it may use)\n"
	"  -q, --quiet         no progress and no summary (failures still shown)\n"
	"      --keep-stale    keep outputs whose input is gone, and their briefings\n"
	"                      in the --sqlite database (default: remove)\n"
	"      --force         redo every input, up to date or not\n"
	"  -h, --help          this help\n"
	"  -V, --version       the version\n"
	"\n"
	"Exit status: 0 all inputs parsed, 1 some input failed (the others are still\n"
	"processed), 2 usage error, unreadable rules or unusable OUT, 130 interrupted.\n"
	"See man briefparse.\n";

typedef struct cli {
	int pretty, classify, list_rules, explain, list_profiles;
	const char *profile;
	size_t chunk;
	unsigned threads;
	const char *rules_dir;
	bp_output format;
	const char *format_name, *sqlite_path;
	int write_failed;
	const char *out_dir; /* archive mode */
	unsigned jobs;
	int quiet, keep_stale, force;
} cli;

static void print_error(const bp_error *err)
{
	char msg[BP_ERROR_PATH_MAX + BP_ERROR_MESSAGE_MAX + 64];
	bp_error_format(err, msg, sizeof(msg));
	fprintf(stderr, "briefparse: %s\n", msg);
}

static bp_status write_stdout(void *ctx, const char *bytes, size_t n, bp_error *err)
{
	cli *c = ctx;
	if (fwrite(bytes, 1, n, stdout) != n) {
		c->write_failed = 1;
		return bp_error_set(err, BP_ERR_IO, NULL, 0, "write error: %s", strerror(errno));
	}
	return BP_OK;
}

/* --explain text: flushed after each block's, so that it stays next to
 * the records around it when both streams go to one terminal or file. */
static bp_status write_stderr(void *ctx, const char *bytes, size_t n, bp_error *err)
{
	(void)ctx;
	if (fwrite(bytes, 1, n, stderr) != n)
		return bp_error_set(err, BP_ERR_IO, NULL, 0, "write error on standard error: %s",
				    strerror(errno));
	return BP_OK;
}

static int parse_args(int argc, char **argv, cli *c)
{
	static const struct option opts[] = {
		{ "pretty", no_argument, NULL, 'p' },
		{ "format", required_argument, NULL, 'f' },
		{ "sqlite", required_argument, NULL, 's' },
		{ "no-classify", no_argument, NULL, 'n' },
		{ "rules", required_argument, NULL, 'r' },
		{ "list-rules", no_argument, NULL, 'l' },
		{ "explain", no_argument, NULL, 'e' },
		{ "chunk-size", required_argument, NULL, 'c' },
		{ "threads", required_argument, NULL, 't' },
		{ "output", required_argument, NULL, 'o' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "keep-stale", no_argument, NULL, OPT_KEEP_STALE },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "profile", required_argument, NULL, OPT_PROFILE },
		{ "list-profiles", no_argument, NULL, OPT_LIST_PROFILES },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int o;
	char *end;

	c->classify = 1;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":pf:t:o:j:qhV", opts, NULL)) != -1) {
		switch (o) {
		case 'p':
			c->pretty = 1;
			break;
		case 'f':
			if (bp_output_parse(optarg, &c->format) != BP_OK || c->format == BP_OUTPUT_SQLITE) {
				fprintf(stderr, "briefparse: --format needs jsonl, json or csv, not '%s'%s\n",
					optarg, strcmp(optarg, "sqlite") == 0 ? " (use --sqlite FILE)" : "");
				return EXIT_USAGE;
			}
			c->format_name = optarg;
			break;
		case 's':
			c->sqlite_path = optarg;
			break;
		case 'n':
			c->classify = 0;
			break;
		case 'r':
			c->rules_dir = optarg;
			break;
		case 'l':
			c->list_rules = 1;
			break;
		case 'e':
			c->explain = 1;
			break;
		case 'c':
			errno = 0;
			c->chunk = (size_t)strtoul(optarg, &end, 10);
			if (errno || *end || c->chunk == 0 || optarg[0] == '-') {
				fprintf(stderr, "briefparse: --chunk-size needs a positive number, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 't': {
			unsigned long n;
			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno || *end || n < 1 || n > 2 || optarg[0] == '-') {
				fprintf(stderr, "briefparse: --threads needs 1 or 2, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			c->threads = (unsigned)n;
			break;
		}
		case 'o':
			c->out_dir = optarg;
			break;
		case 'j': {
			unsigned long n;
			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno || *end || n < 1 || n > BP_ARCHIVE_JOBS_MAX || optarg[0] == '-') {
				fprintf(stderr, "briefparse: --jobs needs a number from 1 to %d, not '%s'\n",
					BP_ARCHIVE_JOBS_MAX, optarg);
				return EXIT_USAGE;
			}
			c->jobs = (unsigned)n;
			break;
		}
		case 'q':
			c->quiet = 1;
			break;
		case OPT_KEEP_STALE:
			c->keep_stale = 1;
			break;
		case OPT_FORCE:
			c->force = 1;
			break;
		case OPT_PROFILE:
			c->profile = optarg;
			break;
		case OPT_LIST_PROFILES:
			c->list_profiles = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(EXIT_OK);
		case 'V':
			printf("briefparse %s\n", BP_VERSION);
			exit(EXIT_OK);
		case ':':
			fprintf(stderr, "briefparse: option '%s' needs an argument\n", argv[optind - 1]);
			return EXIT_USAGE;
		default:
			/* in a cluster ("-xp") argv[optind - 1] may not hold the option */
			if (optopt && strncmp(argv[optind - 1], "--", 2) != 0)
				fprintf(stderr, "briefparse: unknown option '-%c'\n", optopt);
			else
				fprintf(stderr, "briefparse: unknown option '%s'\n", argv[optind - 1]);
			fputs("Try 'briefparse --help'.\n", stderr);
			return EXIT_USAGE;
		}
	}
	if (c->sqlite_path && c->format_name && !c->out_dir) {
		fprintf(stderr, "briefparse: --sqlite and --format go together only with -o\n");
		return EXIT_USAGE;
	}
	if (c->sqlite_path && !c->out_dir)
		c->format = BP_OUTPUT_SQLITE;
	if (c->pretty && c->format != BP_OUTPUT_JSONL && c->format != BP_OUTPUT_JSON) {
		fprintf(stderr, "briefparse: --pretty is for JSON output, not %s\n",
			c->format == BP_OUTPUT_SQLITE ? "--sqlite" : "--format csv");
		return EXIT_USAGE;
	}
	return -1;
}

static void list_rules(const bp_rules *rules)
{
	size_t i, n = bp_rules_count(rules);
	bp_rule_info e;

	for (i = 0; i < n; i++) {
		bp_rules_info(rules, i, &e);
		printf("%s\t%s\t%s\t%zu\t%s\n", e.kind, e.id, e.name ? e.name : "", e.detail, e.source);
	}
}

static int run_input(bp_pipeline *pl, cli *c, const char *path)
{
	bp_error err;
	bp_status st;
	int fd;
	char shown[BP_ERROR_PATH_MAX];

	bp_error_clear(&err);
	st = bp_input_open(path, &fd, &err);
	if (st == BP_OK) {
		/* records are UTF-8: a name's invalid bytes become U+FFFD */
		bp_archive_display_path(path, shown, sizeof(shown));
		st = bp_pipeline_run_fd(pl, fd, shown, &err);
		bp_input_close(fd);
	}
	if (st == BP_OK && fflush(stdout) != 0) {
		c->write_failed = 1;
		st = bp_error_set(&err, BP_ERR_IO, NULL, 0, "write error: %s", strerror(errno));
	}
	if (st != BP_OK) {
		if (c->write_failed)
			err.path[0] = '\0';
		print_error(&err);
		return EXIT_INPUT;
	}
	return EXIT_OK;
}

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

/* briefparse -o OUT INPUT...: bp_archive.h */
static int run_archive(cli *c, char **inputs, int n, const bp_cues *cues, const bp_rules *rules,
		       const bp_cues *profile)
{
	bp_archive_options ao;
	bp_archive_callbacks cb;
	bp_archive_stats st;
	bp_progress *pr;
	bp_error err;
	char digest[65], settings[64 + BP_ERROR_PATH_MAX];
	struct stat db;
	struct sigaction sa;
	int i;

	if (n == 0) {
		fprintf(stderr, "briefparse: -o needs input files or folders\n");
		return EXIT_USAGE;
	}
	for (i = 0; i < n; i++)
		if (strcmp(inputs[i], "-") == 0) {
			fprintf(stderr, "briefparse: -o reads files and folders, not standard input\n");
			return EXIT_USAGE;
		}
	bp_error_clear(&err);
	/* the database is part of the settings: a new one (or none before) redoes all */
	snprintf(settings, sizeof(settings), "classify=%d pretty=%d format=%s%s%s%s%s", c->classify, c->pretty,
		 c->format_name ? c->format_name : "jsonl", c->sqlite_path ? " sqlite=" : "",
		 c->sqlite_path ? c->sqlite_path : "", profile ? " profile=" : "",
		 profile ? bp_cues_name(profile) : "");
	if (bp_archive_rules_digest(c->rules_dir, settings, digest, &err) != BP_OK) {
		print_error(&err);
		return EXIT_USAGE;
	}
	pr = bp_progress_new(stderr, c->quiet);
	if (!pr) {
		fprintf(stderr, "briefparse: out of memory\n");
		return EXIT_INPUT;
	}
	memset(&ao, 0, sizeof(ao));
	ao.pipeline.profile = profile;
	ao.out_dir = c->out_dir;
	ao.jobs = c->jobs;
	ao.keep_stale = c->keep_stale;
	ao.force = c->force || (c->sqlite_path && stat(c->sqlite_path, &db) != 0);
	ao.format = c->format;
	ao.sqlite_path = c->sqlite_path;
	ao.pipeline.pretty = c->pretty;
	ao.pipeline.chunk = c->chunk;
	ao.pipeline.threads = c->threads;
	ao.rules_digest = digest;
	ao.stop = &stop_signal;
	cb.progress = bp_progress_update;
	cb.event = bp_progress_event;
	cb.ctx = pr;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (bp_archive_run(&ao, cues, rules, inputs, (size_t)n, &cb, &st, &err) != BP_OK) {
		print_error(&err);
		bp_progress_free(pr);
		return EXIT_USAGE;
	}
	bp_progress_free(pr);
	if (stop_signal)
		return 128 + stop_signal;
	return st.failed ? EXIT_INPUT : EXIT_OK;
}

int main(int argc, char **argv)
{
	cli c;
	bp_error err;
	bp_cues *cues = NULL;
	bp_rules *rules = NULL;
	bp_pipeline *pl;
	bp_emitter *emitter;
	bp_output_config out;
	bp_options opts;
	int rc, status = EXIT_OK, i;
	static char outbuf[1 << 16];

	memset(&c, 0, sizeof(c));
	rc = parse_args(argc, argv, &c);
	if (rc >= 0)
		return rc;
	bp_error_clear(&err);
	if (bp_cues_load(c.rules_dir, &cues, &err) != BP_OK) {
		print_error(&err);
		return EXIT_USAGE;
	}
	if (c.list_profiles) {
		const bp_cues *p;
		for (p = cues; p; p = bp_cues_next(p))
			printf("%s\t%s\t%s\n", bp_cues_name(p),
			       bp_cues_language(p) ? bp_cues_language(p) : "-", bp_cues_about(p));
		bp_cues_free(cues);
		return fflush(stdout) == 0 ? EXIT_OK : EXIT_INPUT;
	}
	memset(&opts, 0, sizeof(opts));
	if (c.profile && !(opts.profile = bp_profile_find(cues, c.profile))) {
		fprintf(stderr, "briefparse: unknown profile '%s' (see --list-profiles)\n", c.profile);
		bp_cues_free(cues);
		return EXIT_USAGE;
	}
	if ((c.classify || c.list_rules) && bp_rules_load(c.rules_dir, &rules, &err) != BP_OK) {
		print_error(&err);
		bp_cues_free(cues);
		return EXIT_USAGE;
	}
	if (c.list_rules) {
		list_rules(rules);
		bp_rules_free(rules);
		bp_cues_free(cues);
		return fflush(stdout) == 0 ? EXIT_OK : EXIT_INPUT;
	}
	if (c.out_dir) {
		rc = run_archive(&c, argv + optind, argc - optind, cues, c.classify ? rules : NULL, opts.profile);
		bp_rules_free(rules);
		bp_cues_free(cues);
		return rc;
	}
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	opts.pretty = c.pretty;
	opts.chunk = c.chunk;
	opts.threads = c.threads;
	memset(&out, 0, sizeof(out));
	out.format = c.format;
	out.pretty = c.pretty;
	out.write = write_stdout;
	out.ctx = &c;
	out.path = c.sqlite_path;
	if (bp_output_open(&out, &emitter, &err) != BP_OK) {
		print_error(&err);
		bp_rules_free(rules);
		bp_cues_free(cues);
		return EXIT_INPUT;
	}
	opts.explain = c.explain && c.classify ? write_stderr : NULL;
	opts.explain_ctx = &c;
	pl = bp_pipeline_new_emitter(&opts, cues, c.classify ? rules : NULL, emitter);
	if (!pl) {
		fprintf(stderr, "briefparse: out of memory\n");
		bp_emitter_free(emitter);
		return EXIT_INPUT;
	}
	if (optind >= argc) {
		status = run_input(pl, &c, "-");
	} else {
		for (i = optind; i < argc && !c.write_failed; i++)
			if (run_input(pl, &c, argv[i]) != EXIT_OK)
				status = EXIT_INPUT;
	}
	bp_pipeline_free(pl);
	if (!c.write_failed && (bp_emit_finish(emitter, &err) != BP_OK || fflush(stdout) != 0)) {
		if (err.code == BP_OK)
			bp_error_set(&err, BP_ERR_IO, NULL, 0, "write error: %s", strerror(errno));
		print_error(&err);
		status = EXIT_INPUT;
	}
	bp_emitter_free(emitter);
	bp_rules_free(rules);
	bp_cues_free(cues);
	return status;
}
