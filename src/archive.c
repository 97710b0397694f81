/*
 * archive.c - archive mode (bp_archive.h): the walk, the manifest, the
 * workers (one pipeline each), atomic outputs under OUT.
 */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "bp_archive.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bp_bundled.h"
#include "bp_charset.h"
#include "bp_data.h"
#include "bp_input.h"
#include "bp_profile.h"

#ifndef BP_VERSION
#define BP_VERSION "dev"
#endif

#define MANIFEST_MAGIC "briefparse-manifest\t1"
#define WRITE_BUF (64u << 10)
#define COMMIT_BATCH 64 /* outputs renamed into place, their folders synced, at a time */

enum state { ST_TODO, ST_UPTODATE, ST_OK, ST_SKIPPED, ST_FAILED };

typedef struct entry {
	char *rel;       /* output path under OUT (the key) */
	char *src;       /* the input's path */
	uint64_t size, records;
	int64_t mtime_s;
	long mtime_ns;
	char sha[65];
	int warned;
	int valid;       /* made under this version and rules digest */
	int deleted;     /* a "D" journal line */
	size_t seq;      /* line order, for the journal's last word */
} entry;

typedef struct item {
	char *path;      /* to open */
	char *rel;       /* output path under OUT, ".jsonl" appended */
	size_t arg;      /* the command-line input it came from */
	uint64_t size;
	int64_t mtime_s;
	long mtime_ns;
	enum state state;
	char *msg;       /* why it failed or was skipped */
	const entry *old;
	entry result;    /* the manifest entry it earns (ST_OK, ST_UPTODATE) */
	int walk_error;  /* a folder that could not be read, a loop */
	char tmp[32];    /* ST_OK: its output's temporary name, until committed */
	int tmpfd;       /* ST_OK: that file, open (its fsync at commit), or -1 */
	int dir_errno;   /* at commit: why its folder under OUT could not be opened */
	uint64_t bytes;  /* read */
} item;

typedef struct archive {
	const bp_archive_options *opts;
	const bp_cues *cues;
	const bp_rules *rules;
	const bp_archive_callbacks *cb;
	int outfd, tmpfd, journal;
	item *items;
	size_t nitems, capitems;
	entry *entries;
	size_t nentries;
	size_t next;           /* the next item to hand to a worker */
	size_t tmpseq;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t running;
	item **pending;        /* outputs written, to be committed */
	size_t npending;
	int inline_work;       /* no worker thread: nothing commits meanwhile */
	bp_archive_stats st;
	struct timespec t0;
	int walk_incomplete;
	int failed_alloc;
} archive;

/* ---- small helpers -------------------------------------------------------- */

static char *xstrdup(archive *a, const char *s)
{
	char *d = strdup(s);
	if (!d)
		a->failed_alloc = 1;
	return d;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	va_list ap;
	char buf[BP_ERROR_MESSAGE_MAX + 64];
	va_start(ap, f);
	vsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	return strdup(buf);
}

static double elapsed(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static int stopped(const archive *a)
{
	return a->opts->stop && *a->opts->stop;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

void bp_archive_display_path(const char *path, char *buf, size_t size)
{
	const unsigned char *s = (const unsigned char *)path;
	size_t n = strlen(path), i = 0, o = 0;

	while (i < n) {
		uint32_t cp;
		int l = bp_utf8_get(s + i, n - i, &cp);
		if (l < 0) /* cut off at the end of the name: invalid */
			l = 0;
		const char *add = l ? path + i : "\xef\xbf\xbd";
		size_t m = l ? (size_t)l : 3;
		if (o + m + 1 > size)
			break;
		memcpy(buf + o, add, m);
		o += m;
		i += l ? (size_t)l : 1;
	}
	buf[o] = '\0';
}

unsigned bp_archive_cpus(void)
{
#ifdef CPU_COUNT
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return (unsigned)CPU_COUNT(&set);
#endif
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

bp_status bp_archive_rules_digest(const char *rules_dir, const char *settings, char hex[65],
				  bp_error *err)
{
	bp_digest *d = bp_digest_new();
	const bp_bundled_file *f;
	uint64_t off, len;
	char head[64], user[64][BP_PROFILE_FILE_MAX];
	size_t nuser = bp_profile_user_files(rules_dir, user, 64), u;

	if (!d)
		return bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
	bp_digest_update(d, settings, strlen(settings) + 1, 0);
	for (f = bp_bundled; f->name; f++) {
		bp_blob blob;
		memset(&blob, 0, sizeof(blob));
		if (bp_blob_load(rules_dir, f->name, &blob, err) != BP_OK) {
			bp_digest_free(d);
			return err ? err->code : BP_ERR_IO;
		}
		bp_digest_update(d, f->name, strlen(f->name) + 1, 0);
		snprintf(head, sizeof(head), "%zu\n", blob.len);
		bp_digest_update(d, head, strlen(head), 0);
		bp_digest_update(d, blob.bytes, blob.len, 0);
		bp_blob_release(&blob);
	}
	for (u = 0; u < nuser; u++) { /* the user's own layout profiles */
		bp_blob blob;
		memset(&blob, 0, sizeof(blob));
		if (bp_blob_load(rules_dir, user[u], &blob, err) != BP_OK) {
			bp_digest_free(d);
			return err ? err->code : BP_ERR_IO;
		}
		bp_digest_update(d, user[u], strlen(user[u]) + 1, 0);
		snprintf(head, sizeof(head), "%zu\n", blob.len);
		bp_digest_update(d, head, strlen(head), 0);
		bp_digest_update(d, blob.bytes, blob.len, 0);
		bp_blob_release(&blob);
	}
	bp_digest_final(d, hex, &off, &len);
	bp_digest_free(d);
	return BP_OK;
}

/* ---- manifest lines: tab-separated fields, %XX for %, tab, LF, CR, controls */

static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == '%' || c == 0x7f)
			fprintf(f, "%%%02X", c);
		else
			fputc(c, f);
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Unescapes s in place; -1 when malformed. */
static int unescape(char *s)
{
	char *o = s;
	for (; *s; s++) {
		if (*s == '%') {
			int h = hexval(s[1]), l = h < 0 ? -1 : hexval(s[2]);
			if (l < 0 || (h == 0 && l == 0))
				return -1;
			*o++ = (char)(h * 16 + l);
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return 0;
}

static void entry_free(entry *e)
{
	free(e->rel);
	free(e->src);
	e->rel = e->src = NULL;
}

/* Splits line at tabs into at most max fields; returns how many. */
static size_t split_tabs(char *line, char **field, size_t max)
{
	size_t n = 0;
	char *p = line;
	while (n < max) {
		field[n++] = p;
		p = strchr(p, '\t');
		if (!p)
			break;
		*p++ = '\0';
	}
	return n;
}

/* Whether rel, read from the manifest, names a file under OUT: relative,
 * no empty, "." or ".." component. The manifest is a file in OUT that
 * anyone who can write OUT can edit; an entry such as "../x" would make the
 * stale-output removal delete a file outside OUT. */
static int rel_ok(const char *rel)
{
	const char *p = rel;

	if (!*rel || *rel == '/')
		return 0;
	for (;;) {
		size_t n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		if (!p[n])
			return 1;
		p += n + 1;
	}
}

/* "F rel size mtime sha records warned ok|old src" or "D rel" */
static int parse_entry(char *line, entry *e, int header_ok)
{
	char *f[9], *end;
	size_t n = split_tabs(line, f, 9);

	memset(e, 0, sizeof(*e));
	if (n == 2 && strcmp(f[0], "D") == 0) {
		if (unescape(f[1]) || !rel_ok(f[1]))
			return -1;
		e->rel = strdup(f[1]);
		e->deleted = 1;
		return e->rel ? 0 : -1;
	}
	if (n != 9 || strcmp(f[0], "F") != 0 || strlen(f[4]) != 64)
		return -1;
	errno = 0;
	e->size = strtoull(f[2], &end, 10);
	if (*end)
		return -1;
	e->mtime_s = strtoll(f[3], &end, 10);
	if (*end != '.')
		return -1;
	e->mtime_ns = strtol(end + 1, &end, 10);
	if (*end)
		return -1;
	memcpy(e->sha, f[4], 65);
	e->records = strtoull(f[5], &end, 10);
	if (*end || errno)
		return -1;
	e->warned = strcmp(f[6], "1") == 0;
	e->valid = header_ok && strcmp(f[7], "ok") == 0;
	if (unescape(f[1]) || unescape(f[8]) || !rel_ok(f[1]))
		return -1;
	e->rel = strdup(f[1]);
	e->src = strdup(f[8]);
	if (!e->rel || !e->src) {
		entry_free(e);
		return -1;
	}
	return 0;
}

static void put_entry(FILE *f, const entry *e)
{
	fputs("F\t", f);
	put_escaped(f, e->rel);
	fprintf(f, "\t%" PRIu64 "\t%" PRId64 ".%09ld\t%s\t%" PRIu64 "\t%d\t%s\t", e->size,
		e->mtime_s, e->mtime_ns, e->sha, e->records, e->warned, e->valid ? "ok" : "old");
	put_escaped(f, e->src);
	fputc('\n', f);
}

static int entry_cmp(const void *x, const void *y)
{
	const entry *a = x, *b = y;
	int c = strcmp(a->rel, b->rel);
	if (c)
		return c;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int entry_key_cmp(const void *key, const void *y)
{
	return strcmp(key, ((const entry *)y)->rel);
}

static const entry *find_entry(const archive *a, const char *rel)
{
	if (!a->nentries)
		return NULL;
	return bsearch(rel, a->entries, a->nentries, sizeof(entry), entry_key_cmp);
}

static char *header_line(archive *a)
{
	return fmt(MANIFEST_MAGIC "\t%s\t%s\n", BP_VERSION, a->opts->rules_digest);
}

/* Reads OUT's manifest, if any: the last word per output wins, "D" drops
 * it. Entries made under another version or rules digest are kept (their
 * outputs are ours) but not valid. A malformed last line (a run killed
 * while appending) is ignored. */
static bp_status load_manifest(archive *a, bp_error *err)
{
	int fd = openat(a->outfd, BP_ARCHIVE_MANIFEST, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	FILE *f;
	char *line = NULL, *want;
	size_t cap = 0, n = 0, cape = 0, i, o;
	ssize_t len;
	int header_ok = 0, first = 1;

	if (fd < 0) {
		if (errno == ENOENT)
			return BP_OK;
		return bp_error_set(err, BP_ERR_IO, a->opts->out_dir, 0, "cannot read %s: %s",
				    BP_ARCHIVE_MANIFEST, strerror(errno));
	}
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
	}
	want = header_line(a);
	while ((len = getline(&line, &cap, f)) > 0) {
		entry e;
		if (line[len - 1] != '\n')
			break; /* cut off */
		if (first) {
			first = 0;
			header_ok = want && strcmp(line, want) == 0 && !a->opts->force;
			if (strncmp(line, MANIFEST_MAGIC "\t", strlen(MANIFEST_MAGIC) + 1) != 0)
				break; /* not ours: no entries */
			continue;
		}
		line[len - 1] = '\0';
		if (parse_entry(line, &e, header_ok))
			continue;
		if (n == cape) {
			entry *ne = realloc(a->entries, (cape = cape ? 2 * cape : 256) * sizeof(*ne));
			if (!ne) {
				entry_free(&e);
				a->failed_alloc = 1;
				break;
			}
			a->entries = ne;
		}
		e.seq = n;
		a->entries[n++] = e;
	}
	free(line);
	free(want);
	fclose(f);
	if (a->failed_alloc)
		return bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
	if (n)
		qsort(a->entries, n, sizeof(entry), entry_cmp);
	/* keep the last of each run of equal keys, unless it is a deletion */
	for (i = 0, o = 0; i < n; i++) {
		if (i + 1 < n && strcmp(a->entries[i].rel, a->entries[i + 1].rel) == 0) {
			entry_free(&a->entries[i]);
			continue;
		}
		if (a->entries[i].deleted) {
			entry_free(&a->entries[i]);
			continue;
		}
		a->entries[o++] = a->entries[i];
	}
	a->nentries = o;
	return BP_OK;
}

/* ---- files under OUT, never through a symbolic link ------------------------ */

/* Opens (creating when create) the folder of rel under OUT, one component
 * at a time with O_NOFOLLOW; *base points at rel's last component. -1 with
 * errno on failure. */
static int open_parent(archive *a, const char *rel, int create, const char **base)
{
	char comp[NAME_MAX + 1];
	const char *p = rel, *slash;
	int dfd = dup(a->outfd);

	while (dfd >= 0 && (slash = strchr(p, '/')) != NULL) {
		size_t len = (size_t)(slash - p);
		int nfd;
		if (len == 0 || len > NAME_MAX) {
			close(dfd);
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(comp, p, len);
		comp[len] = '\0';
		if (create && mkdirat(dfd, comp, 0777) < 0 && errno != EEXIST) {
			int e = errno;
			close(dfd);
			errno = e;
			return -1;
		}
		nfd = openat(dfd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(dfd);
		dfd = nfd;
		p = slash + 1;
	}
	*base = p;
	return dfd;
}

static const char *out_reason(int e)
{
	if (e == ELOOP || e == ENOTDIR)
		return "a symbolic link or not a folder (not followed)";
	return strerror(e);
}

/* Removes OUT/rel, then the folders it leaves empty. */
static void remove_output(archive *a, const char *rel)
{
	char *dir = xstrdup(a, rel), *slash;
	const char *base;
	int dfd;

	if (!dir)
		return;
	dfd = open_parent(a, rel, 0, &base);
	if (dfd >= 0) {
		if (unlinkat(dfd, base, 0) == 0)
			fsync(dfd); /* gone for good before the manifest forgets it */
		close(dfd);
	}
	while ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		dfd = open_parent(a, dir, 0, &base);
		if (dfd < 0 || unlinkat(dfd, base, AT_REMOVEDIR) < 0) {
			if (dfd >= 0)
				close(dfd);
			break;
		}
		close(dfd);
	}
	free(dir);
}

static void journal_deleted(archive *a, const char *rel);

/* An input that now fails or is skipped, or is no longer a file: its old
 * output goes (journaled when journal_it) and, with --sqlite, the briefings
 * its old output held (bp_sqlite_forget_source; one that another input
 * gives too stays as it is). */
static void forget_src(archive *a, const char *old_src);

static void drop_output(archive *a, const char *rel, const char *old_src, int journal_it)
{
	remove_output(a, rel);
	if (journal_it)
		journal_deleted(a, rel);
	forget_src(a, old_src);
}

/* --sqlite: the database forgets source path old_src (its display name):
 * the briefings only it gave are deleted (bp_sqlite_forget_source). */
static void forget_src(archive *a, const char *old_src)
{
	if (a->opts->sqlite_path && old_src) {
		char shown[BP_ERROR_PATH_MAX];
		bp_sqlite_db *x;
		bp_error e;
		size_t removed = 0;
		bp_archive_display_path(old_src, shown, sizeof(shown));
		if (bp_sqlite_db_open(a->opts->sqlite_path, &x, &e) == BP_OK) {
			bp_sqlite_forget_source(x, shown, NULL, NULL, &removed, &e);
			bp_sqlite_db_close(x);
		}
		pthread_mutex_lock(&a->mu);
		a->st.db_removed += removed;
		pthread_mutex_unlock(&a->mu);
	}
}

/* Whether OUT/rel is a regular file (not a link to one). */
static int output_exists(archive *a, const char *rel)
{
	const char *base;
	struct stat st;
	int dfd = open_parent(a, rel, 0, &base), ok;

	if (dfd < 0)
		return 0;
	ok = fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
	close(dfd);
	return ok;
}

/* Writes bytes to a temporary file and renames it to OUT/name (top level). */
static int put_file(archive *a, const char *name, const char *bytes, size_t len)
{
	char tmp[64];
	int fd, rc = -1;

	pthread_mutex_lock(&a->mu);
	snprintf(tmp, sizeof(tmp), "main-%zu", a->tmpseq++);
	pthread_mutex_unlock(&a->mu);
	fd = openat(a->tmpfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (fd < 0)
		return -1;
	if (write_all(fd, bytes, len) == 0 && fsync(fd) == 0)
		rc = 0;
	if (close(fd) != 0)
		rc = -1;
	if (rc == 0 && renameat(a->tmpfd, tmp, a->outfd, name) != 0)
		rc = -1;
	if (rc != 0)
		unlinkat(a->tmpfd, tmp, 0);
	else
		fsync(a->outfd);
	return rc;
}

/* ---- the walk --------------------------------------------------------------- */

static item *add_item(archive *a, const char *path, const char *rel, size_t arg)
{
	item *it;
	if (a->nitems == a->capitems) {
		size_t cap = a->capitems ? 2 * a->capitems : 256;
		item *ni = realloc(a->items, cap * sizeof(*ni));
		if (!ni) {
			a->failed_alloc = 1;
			return NULL;
		}
		a->items = ni;
		a->capitems = cap;
	}
	it = &a->items[a->nitems];
	memset(it, 0, sizeof(*it));
	it->path = xstrdup(a, path);
	it->rel = fmt("%s.%s", rel, a->opts->format == BP_OUTPUT_CSV ? "csv"
				    : a->opts->format == BP_OUTPUT_JSON ? "json" : "jsonl");
	it->arg = arg;
	if (!it->path || !it->rel) {
		free(it->path);
		free(it->rel);
		a->failed_alloc = 1;
		return NULL;
	}
	a->nitems++;
	return it;
}

/* A failure found by the walk; unread: a folder whose files are unknown. */
static void walk_error(archive *a, const char *path, const char *rel, size_t arg, char *msg, int unread)
{
	item *it = add_item(a, path, rel, arg);
	if (!it) {
		free(msg);
		return;
	}
	it->state = ST_FAILED;
	it->walk_error = 1;
	it->msg = msg;
	if (unread)
		a->walk_incomplete = 1;
}

typedef struct dirstack {
	dev_t dev[BP_ARCHIVE_DEPTH_MAX + 1];
	ino_t ino[BP_ARCHIVE_DEPTH_MAX + 1];
	size_t n;
} dirstack;

static int name_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static void walk_dir(archive *a, const char *path, const char *rel, size_t arg, dirstack *ds,
		     const struct stat *out_st);

/* One entry found by the walk (or named): a file becomes an item, a folder
 * is walked. */
static void walk_entry(archive *a, const char *path, const char *rel, size_t arg, dirstack *ds,
		       const struct stat *out_st)
{
	struct stat st, lst;
	size_t i;
	item *it;

	if (stat(path, &st) != 0) {
		int e = errno;
		if (e == ELOOP)
			walk_error(a, path, rel, arg, fmt("symlink loop"), 0);
		else if (e == ENOENT && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode))
			walk_error(a, path, rel, arg, fmt("cannot read: dangling symbolic link"), 0);
		else
			walk_error(a, path, rel, arg, fmt("cannot read: %s", e == ENOENT ? "no such file" : e == EACCES ? "permission denied" : strerror(e)), 1);
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		if (st.st_dev == out_st->st_dev && st.st_ino == out_st->st_ino)
			return; /* the output folder inside an input folder */
		for (i = 0; i < ds->n; i++)
			if (ds->dev[i] == st.st_dev && ds->ino[i] == st.st_ino) {
				walk_error(a, path, rel, arg, fmt("symlink loop: the folder contains itself"), 0);
				return;
			}
		if (ds->n >= BP_ARCHIVE_DEPTH_MAX) {
			walk_error(a, path, rel, arg, fmt("folders nested deeper than %d", BP_ARCHIVE_DEPTH_MAX), 0);
			return;
		}
		ds->dev[ds->n] = st.st_dev;
		ds->ino[ds->n] = st.st_ino;
		ds->n++;
		walk_dir(a, path, rel, arg, ds, out_st);
		ds->n--;
		return;
	}
	it = add_item(a, path, rel, arg);
	if (!it)
		return;
	it->size = (uint64_t)st.st_size;
	it->mtime_s = (int64_t)st.st_mtim.tv_sec;
	it->mtime_ns = st.st_mtim.tv_nsec;
	if (!S_ISREG(st.st_mode)) {
		it->state = ST_SKIPPED;
		it->msg = fmt("not a regular file");
	}
}

static char *join(const char *a, const char *b)
{
	size_t la = strlen(a);
	if (!*a)
		return strdup(b);
	return fmt("%s%s%s", a, a[la - 1] == '/' ? "" : "/", b);
}

static void walk_dir(archive *a, const char *path, const char *rel, size_t arg, dirstack *ds,
		     const struct stat *out_st)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;

	if (!d) {
		walk_error(a, path, rel, arg, fmt("cannot read folder: %s", errno == EACCES ? "permission denied" : strerror(errno)), 1);
		return;
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof(*nn));
			if (!nn) {
				a->failed_alloc = 1;
				break;
			}
			names = nn;
		}
		if (!(names[n] = xstrdup(a, de->d_name)))
			break;
		n++;
	}
	if (errno && !a->failed_alloc)
		walk_error(a, path, rel, arg, fmt("cannot read folder: %s", strerror(errno)), 1);
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		char *p = join(path, names[i]), *r = join(rel, names[i]);
		if (p && r && !a->failed_alloc)
			walk_entry(a, p, r, arg, ds, out_st);
		else
			a->failed_alloc = 1;
		free(p);
		free(r);
		free(names[i]);
	}
	free(names);
}

static int item_cmp(const void *x, const void *y)
{
	const item *a = x, *b = y;
	int c = strcmp(a->rel, b->rel);
	if (c)
		return c;
	return a->arg < b->arg ? -1 : a->arg > b->arg;
}

/* A name this mode keeps for itself at the top of OUT. */
static int reserved(const char *rel)
{
	return strcmp(rel, BP_ARCHIVE_ERRORS) == 0 || strncmp(rel, ".briefparse-", 12) == 0;
}

static void walk(archive *a, char *const *inputs, size_t n, const struct stat *out_st)
{
	size_t i;
	dirstack *ds = calloc(1, sizeof(*ds));

	if (!ds) {
		a->failed_alloc = 1;
		return;
	}
	for (i = 0; i < n && !a->failed_alloc; i++) {
		const char *p = inputs[i], *base;
		struct stat st;
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			ds->n = 0;
			walk_entry(a, p, "", i, ds, out_st);
			continue;
		}
		/* a file: its base name (trailing slashes dropped) */
		base = strrchr(p, '/');
		base = base ? base + 1 : p;
		walk_entry(a, p, *base ? base : p, i, ds, out_st);
	}
	free(ds);
	if (a->nitems)
		qsort(a->items, a->nitems, sizeof(item), item_cmp);
	for (i = 0; i < a->nitems; i++) {
		item *it = &a->items[i];
		if (it->state != ST_TODO)
			continue;
		if (i > 0 && strcmp(it->rel, a->items[i - 1].rel) == 0) {
			it->state = ST_FAILED;
			it->msg = fmt("its output name is taken by '%s'", a->items[i - 1].path);
		} else if (reserved(it->rel)) {
			it->state = ST_FAILED;
			it->msg = fmt("its output name '%s' is reserved", it->rel);
		}
	}
}

/* ---- one input, in a worker ------------------------------------------------- */

typedef struct worker {
	archive *a;
	unsigned id;
	bp_pipeline *pl;
	bp_emitter *out;   /* the pipeline's: counts, then hands on to */
	bp_emitter *file;  /* this input's output (its format), and */
	bp_emitter *db;    /* the database (--sqlite), or NULL */
	int fd;            /* the temporary output */
	char *buf;         /* WRITE_BUF bytes to it */
	size_t have;
	uint64_t records;
	int warned, write_errno, interrupted;
	char *readbuf;
	pthread_t thread;
} worker;

static int flush_out(worker *w)
{
	if (w->have && write_all(w->fd, w->buf, w->have) != 0) {
		w->write_errno = errno ? errno : EIO;
		return -1;
	}
	w->have = 0;
	return 0;
}

/* The output emitter's write callback. */
static bp_status out_write(void *ctx, const char *bytes, size_t n, bp_error *err)
{
	worker *w = ctx;

	if (stopped(w->a)) {
		w->interrupted = 1;
		return bp_error_set(err, BP_ERR_IO, NULL, 0, "interrupted");
	}
	if (w->have + n > WRITE_BUF && flush_out(w) != 0)
		return bp_error_set(err, BP_ERR_IO, NULL, 0, "cannot write: %s", strerror(w->write_errno));
	if (n > WRITE_BUF) {
		if (write_all(w->fd, bytes, n) != 0) {
			w->write_errno = errno ? errno : EIO;
			return bp_error_set(err, BP_ERR_IO, NULL, 0, "cannot write: %s", strerror(w->write_errno));
		}
		return BP_OK;
	}
	memcpy(w->buf + w->have, bytes, n);
	w->have += n;
	return BP_OK;
}

/* Appends one line to the manifest: one write, and O_APPEND, keep lines
 * whole (no lock: the lines of one output come from one thread in turn). */
static void journal_line(archive *a, const entry *e, const char *deleted_rel)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return;
	if (e) {
		put_entry(f, e);
	} else if (deleted_rel) {
		fputs("D\t", f);
		put_escaped(f, deleted_rel);
		fputc('\n', f);
	}
	fclose(f);
	if (buf && a->journal >= 0)
		write_all(a->journal, buf, len);
	free(buf);
}

static void journal(archive *a, const entry *e)
{
	journal_line(a, e, NULL);
}

static void journal_deleted(archive *a, const char *rel)
{
	journal_line(a, NULL, rel);
}

/* The figures and the event of a settled item (a->mu held). */
static void count_settled(archive *a, item *it, uint64_t bytes_read)
{
	a->st.done++;
	a->st.bytes_done += bytes_read;
	switch (it->state) {
	case ST_OK:
		a->st.ok++;
		a->st.warned += (size_t)it->result.warned;
		a->st.records += it->result.records;
		break;
	case ST_UPTODATE:
		a->st.uptodate++;
		break;
	case ST_SKIPPED:
		a->st.skipped++;
		break;
	case ST_FAILED:
	default:
		a->st.failed++;
		break;
	}
	if (a->cb && a->cb->event && (it->state == ST_FAILED || it->state == ST_SKIPPED))
		a->cb->event(a->cb->ctx, it->state == ST_FAILED ? BP_ARCHIVE_FAILED : BP_ARCHIVE_SKIPPED,
			     it->path, it->msg ? it->msg : "out of memory");
}

static int journaled(const item *it)
{
	return it->state == ST_OK || (it->state == ST_UPTODATE && it->result.rel);
}

/* Settles it: the journal (outside the lock), the figures, the event. */
static void settle(archive *a, item *it, uint64_t bytes_read)
{
	if (journaled(it))
		journal(a, &it->result);
	pthread_mutex_lock(&a->mu);
	count_settled(a, it, bytes_read);
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
}

/* Settles a committed batch: its manifest lines in one write, then its
 * figures and events under one lock (the workers take the lock too). */
static void settle_batch(archive *a, item **batch, size_t n)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);
	int whole = 0;

	if (f) {
		for (i = 0; i < n; i++)
			if (journaled(batch[i]))
				put_entry(f, &batch[i]->result);
		whole = fclose(f) == 0;
	}
	if (whole && len && a->journal >= 0)
		write_all(a->journal, buf, len);
	else if (!whole) /* no memory for the lot: a line at a time */
		for (i = 0; i < n; i++)
			if (journaled(batch[i]))
				journal(a, &batch[i]->result);
	free(buf);
	pthread_mutex_lock(&a->mu);
	for (i = 0; i < n; i++)
		count_settled(a, batch[i], batch[i]->bytes);
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
}

/* The emitter the worker's pipeline writes to: it counts records (and
 * notes warnings) and hands each to the input's output and the database. */
static bp_status count_block(void *impl, const bp_block *b, const bp_tags *tags, bp_error *err)
{
	worker *w = impl;
	bp_status st = bp_emit_block(w->file, b, tags, err);

	w->records++;
	return st == BP_OK && w->db ? bp_emit_block(w->db, b, tags, err) : st;
}

static bp_status count_briefing(void *impl, const bp_briefing *b, const bp_source_info *src,
				bp_error *err)
{
	worker *w = impl;
	bp_status st = bp_emit_briefing(w->file, b, src, err);

	w->records++;
	if (b->nwarnings)
		w->warned = 1;
	return st == BP_OK && w->db ? bp_emit_briefing(w->db, b, src, err) : st;
}

static bp_status count_end_input(void *impl, bp_status status, bp_error *err)
{
	worker *w = impl;
	bp_error later;
	bp_status st = bp_emit_end_input(w->file, status, err);

	if (w->db)
		bp_emit_end_input(w->db, status, st == BP_OK ? err : &later);
	return st;
}

static void count_free(void *impl)
{
	(void)impl; /* the worker's */
}

static const bp_emit_ops count_ops = {
	.name = "archive",
	.block = count_block,
	.briefing = count_briefing,
	.end_input = count_end_input,
	.free = count_free,
};

static void set_result(item *it, const struct stat *st, const char *sha, uint64_t records, int warned)
{
	entry *r = &it->result;
	r->rel = it->rel;
	r->src = it->path;
	r->size = (uint64_t)st->st_size;
	r->mtime_s = (int64_t)st->st_mtim.tv_sec;
	r->mtime_ns = st->st_mtim.tv_nsec;
	memcpy(r->sha, sha, 65);
	r->records = records;
	r->warned = warned;
	r->valid = 1;
}

static const char *skip_reason(bp_format f)
{
	switch (f) {
	case BP_FORMAT_UTF16:
		return "UTF-16 text";
	case BP_FORMAT_HTML:
		return NULL; /* read by the HTML reader (bp_html.h) */
	case BP_FORMAT_TEXT:
		return NULL;
	case BP_FORMAT_BINARY:
	default:
		return "not text";
	}
}

/* Reads fd whole: its SHA-256 and the sniffer's verdict on its start.
 * *whole: the input fitted in w->readbuf, which holds it (it is parsed
 * from there, not read again). */
static int hash_input(worker *w, int fd, char sha[65], uint64_t *total, bp_format *format,
		      int *whole, bp_error *err)
{
	bp_digest *d = bp_digest_new();
	size_t got, have = 0;
	uint64_t off, len;
	int sniffed = 0;

	*total = 0;
	*whole = 1;
	if (!d) {
		bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
		return -1;
	}
	for (;;) {
		if (have == BP_READ_CHUNK) { /* full: it is read in chunks */
			have = 0;
			*whole = 0;
		}
		if (bp_input_read(fd, "", w->readbuf + have, BP_READ_CHUNK - have, &got, err) != BP_OK) {
			bp_digest_free(d);
			return -1;
		}
		if (got)
			bp_digest_update(d, w->readbuf + have, got, 0);
		*total += got;
		have += got;
		if (!sniffed && (!got || *total >= BP_SNIFF_BYTES)) {
			*format = bp_input_sniff(w->readbuf, have);
			sniffed = 1;
		}
		if (!got)
			break;
	}
	bp_digest_final(d, sha, &off, &len);
	bp_digest_free(d);
	return 0;
}

static int same_stat(const struct stat *x, const struct stat *y)
{
	return x->st_size == y->st_size && x->st_mtim.tv_sec == y->st_mtim.tv_sec &&
	       x->st_mtim.tv_nsec == y->st_mtim.tv_nsec && x->st_ino == y->st_ino;
}

/* Whether two output paths are in the same folder under OUT. */
static int same_folder(const char *x, const char *y)
{
	const char *sx = strrchr(x, '/'), *sy = strrchr(y, '/');
	size_t lx = sx ? (size_t)(sx - x) : 0, ly = sy ? (size_t)(sy - y) : 0;
	return lx == ly && memcmp(x, y, lx) == 0;
}

/* Flushes an item's temporary output to disk and closes it: fsync and
 * close through the descriptor the worker wrote it with (close reports a
 * delayed write error too). 0, or -1 with errno. */
static int sync_tmp(item *it)
{
	int rc = fsync(it->tmpfd), e = errno;

	if (close(it->tmpfd) != 0 && rc == 0) {
		rc = -1;
		e = errno;
	}
	it->tmpfd = -1;
	errno = e;
	return rc;
}

/* Commits a batch of written outputs, each as the issue has it: its
 * temporary file fsync'd, then renamed into place; then every folder a
 * rename changed is fsync'd, and only then does the manifest learn of them
 * (settle), so that no manifest line names an output a crash could still
 * take back. The fsyncs, renames and closes of a batch run on COMMIT_IO
 * threads at once: each of them waits on the disk (a cache flush per fsync
 * here), and one thread doing them in turn could not keep up with two
 * workers.
 *
 * An output that replaces an older one is held open across its rename:
 * the rename then only unlinks the old file, and freeing its blocks (a
 * synchronous discard on a filesystem mounted with -o discard) happens at
 * the close, outside the folder locks the rename takes; inside them it
 * stalled every worker's next create in OUT/.briefparse-tmp/. */
#define COMMIT_IO 8

typedef struct commit_job {
	archive *a;
	item **batch;
	int *olds;  /* per item: the output it replaces, held open, or -1 */
	int *dirs;  /* per item: its folder under OUT (shared by the items of
		     * one folder, opened by the first), or -1 */
	int *renamed; /* per folder opener: whether a rename changed it */
	size_t n, next;
	int phase; /* 0: fsync and rename; 1: close the replaced outputs */
	pthread_mutex_t mu;
} commit_job;

static const char *base_name(const char *rel)
{
	const char *slash = strrchr(rel, '/');
	return slash ? slash + 1 : rel;
}

static void commit_one(commit_job *j, size_t i)
{
	archive *a = j->a;
	item *it = j->batch[i];
	const char *base = base_name(it->rel);
	int dfd = j->dirs[i];

	if (j->phase == 1) {
		if (j->olds[i] >= 0)
			close(j->olds[i]);
		return;
	}
	j->olds[i] = -1;
	if (sync_tmp(it) != 0) {
		it->state = ST_FAILED;
		it->msg = fmt("cannot write '%s/%s': %s", a->opts->out_dir, it->rel, strerror(errno));
		unlinkat(a->tmpfd, it->tmp, 0);
		return;
	}
	/* only an output the manifest knows is likely there to be replaced */
	if (dfd >= 0 && it->old)
		j->olds[i] = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (dfd < 0 || renameat(a->tmpfd, it->tmp, dfd, base) != 0) {
		it->state = ST_FAILED;
		it->msg = fmt("cannot write '%s/%s': %s", a->opts->out_dir, it->rel,
			      out_reason(dfd < 0 ? it->dir_errno : errno));
		unlinkat(a->tmpfd, it->tmp, 0);
		return;
	}
}

static void *commit_thread(void *arg)
{
	commit_job *j = arg;
	for (;;) {
		size_t i;
		pthread_mutex_lock(&j->mu);
		i = j->next++;
		pthread_mutex_unlock(&j->mu);
		if (i >= j->n)
			return NULL;
		commit_one(j, i);
	}
}

/* Runs the job's phase over the batch on up to COMMIT_IO threads (this one
 * included). */
static void commit_phase(commit_job *j, int phase)
{
	pthread_t t[COMMIT_IO - 1];
	size_t k, started = 0, want = j->n < COMMIT_IO ? j->n : COMMIT_IO;

	j->phase = phase;
	j->next = 0;
	for (k = 1; k < want; k++)
		if (pthread_create(&t[started], NULL, commit_thread, j) == 0)
			started++;
	commit_thread(j);
	for (k = 0; k < started; k++)
		pthread_join(t[k], NULL);
}

/* Opens the folders of the batch's outputs under OUT, creating them: each
 * run of items in one folder (the batch is nearly in name order) shares
 * the descriptor its first item opened. */
static void open_folders(commit_job *j)
{
	size_t i, first = 0;

	for (i = 0; i < j->n; i++) {
		item *it = j->batch[i];
		const char *base;
		j->renamed[i] = -1;
		if (i > 0 && same_folder(j->batch[first]->rel, it->rel)) {
			j->dirs[i] = j->dirs[first];
			it->dir_errno = j->batch[first]->dir_errno;
			continue;
		}
		first = i;
		j->renamed[i] = 0;
		j->dirs[i] = open_parent(j->a, it->rel, 1, &base);
		it->dir_errno = j->dirs[i] < 0 ? errno : 0;
	}
}

static void commit(archive *a)
{
	commit_job j;
	size_t i, first = 0;

	memset(&j, 0, sizeof(j));
	j.a = a;
	pthread_mutex_init(&j.mu, NULL);
	pthread_mutex_lock(&a->mu);
	j.n = a->npending;
	j.batch = malloc((j.n ? j.n : 1) * sizeof(*j.batch));
	j.olds = malloc((j.n ? j.n : 1) * sizeof(*j.olds));
	j.dirs = malloc((j.n ? j.n : 1) * sizeof(*j.dirs));
	j.renamed = malloc((j.n ? j.n : 1) * sizeof(*j.renamed));
	if (j.batch && j.olds && j.dirs && j.renamed) {
		memcpy(j.batch, a->pending, j.n * sizeof(*j.batch));
		a->npending = 0;
	} else {
		j.n = 0;
	}
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
	if (j.n) {
		open_folders(&j);
		commit_phase(&j, 0);
	}
	/* the folders the renames changed, each once */
	for (i = 0; i < j.n; i++) {
		if (j.renamed[i] >= 0)
			first = i;
		if (j.batch[i]->state != ST_FAILED)
			j.renamed[first] = 1;
	}
	for (i = 0; i < j.n; i++) {
		if (j.renamed[i] < 0 || j.dirs[i] < 0)
			continue;
		if (j.renamed[i])
			fsync(j.dirs[i]);
		close(j.dirs[i]);
	}
	if (j.n)
		commit_phase(&j, 1);
	for (i = 0; i < j.n; i++) {
		item *it = j.batch[i];
		if (it->state == ST_FAILED && it->old)
			drop_output(a, it->rel, it->old->src, 1);
	}
	settle_batch(a, j.batch, j.n);
	pthread_mutex_destroy(&j.mu);
	free(j.batch);
	free(j.olds);
	free(j.dirs);
	free(j.renamed);
}

/* Queues a written output for commit; waits while two batches wait. */
static void pend(archive *a, item *it)
{
	pthread_mutex_lock(&a->mu);
	while (!a->inline_work && a->npending >= 2 * COMMIT_BATCH)
		pthread_cond_wait(&a->cv, &a->mu);
	a->pending[a->npending++] = it;
	if (a->npending >= COMMIT_BATCH)
		pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
}

/* Parses the open input into a temporary file (committed later). */
static void convert(worker *w, item *it, int fd, const struct stat *st0, const char *sha,
		    size_t whole)
{
	archive *a = w->a;
	char tmp[32], shown[BP_ERROR_PATH_MAX];
	bp_output_config oc;
	bp_error err;
	bp_status s;
	struct stat st1;

	pthread_mutex_lock(&a->mu);
	snprintf(tmp, sizeof(tmp), "w%u-%zu", w->id, a->tmpseq++);
	pthread_mutex_unlock(&a->mu);
	w->fd = openat(a->tmpfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (w->fd < 0) {
		it->state = ST_FAILED;
		it->msg = fmt("cannot write a temporary file in '%s': %s", a->opts->out_dir, strerror(errno));
		return;
	}
	w->have = 0;
	w->records = 0;
	w->warned = w->write_errno = 0;
	bp_error_clear(&err);
	bp_archive_display_path(it->path, shown, sizeof(shown));
	memset(&oc, 0, sizeof(oc));
	oc.format = a->opts->format;
	oc.pretty = a->opts->pipeline.pretty;
	oc.write = out_write;
	oc.ctx = w;
	s = bp_output_open(&oc, &w->file, &err);
	if (s == BP_OK)
		s = whole ? bp_pipeline_run_mem(w->pl, w->readbuf, whole, shown, &err)
			  : bp_pipeline_run_fd(w->pl, fd, shown, &err);
	if (s == BP_OK)
		s = bp_emit_finish(w->file, &err);
	bp_emitter_free(w->file);
	w->file = NULL;
	if (s == BP_OK && flush_out(w) != 0)
		s = bp_error_set(&err, BP_ERR_IO, NULL, 0, "cannot write: %s", strerror(w->write_errno));
	if (s == BP_OK && (fstat(fd, &st1) != 0 || !same_stat(st0, &st1)))
		s = bp_error_set(&err, BP_ERR_IO, NULL, 0, "changed while being read");
	if (s != BP_OK) {
		close(w->fd);
		w->fd = -1;
		unlinkat(a->tmpfd, tmp, 0);
		it->state = ST_FAILED;
		if (w->interrupted) {
			it->state = ST_TODO;
			return;
		}
		if (s == BP_ERR_NOT_TEXT || s == BP_ERR_EMPTY) {
			it->state = ST_SKIPPED;
			it->msg = fmt("%s", s == BP_ERR_EMPTY ? "empty" : "not text");
			return;
		}
		it->msg = fmt("%s", err.message);
		return;
	}
	it->state = ST_OK; /* once committed (commit) */
	memcpy(it->tmp, tmp, sizeof(it->tmp));
	it->tmpfd = w->fd; /* fsync'd and closed at commit (sync_tmp) */
	w->fd = -1;
	set_result(it, st0, sha, w->records, w->warned);
}

static void process(worker *w, item *it)
{
	archive *a = w->a;
	bp_error err;
	struct stat st0;
	char sha[65];
	uint64_t total = 0;
	bp_format format = BP_FORMAT_TEXT;
	const char *why;
	int fd, whole = 0;

	bp_error_clear(&err);
	fd = open(it->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		it->state = ST_FAILED;
		it->msg = errno == ENOENT ? fmt("vanished before it was read")
					  : fmt("cannot read: %s", errno == EACCES ? "permission denied" : strerror(errno));
		goto done;
	}
	if (fstat(fd, &st0) != 0 || !S_ISREG(st0.st_mode)) {
		it->state = ST_SKIPPED;
		it->msg = fmt("not a regular file");
		goto done;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	if (hash_input(w, fd, sha, &total, &format, &whole, &err) != 0) {
		it->state = ST_FAILED;
		it->msg = fmt("%s", err.message);
		goto done;
	}
	if (total != (uint64_t)st0.st_size) {
		it->state = ST_FAILED;
		it->msg = fmt("changed while being read");
		goto done;
	}
	/* touched but not changed: the output stands */
	if (it->old && it->old->valid && it->old->size == total && strcmp(it->old->sha, sha) == 0 &&
	    strcmp(it->old->src, it->path) == 0 && output_exists(a, it->rel)) {
		it->state = ST_UPTODATE;
		set_result(it, &st0, sha, it->old->records, it->old->warned);
		goto done;
	}
	if (total == 0) {
		it->state = ST_SKIPPED;
		it->msg = fmt("empty");
		goto done;
	}
	why = skip_reason(format);
	if (why) {
		it->state = ST_SKIPPED;
		it->msg = fmt("%s", why);
		goto done;
	}
	if (!whole && lseek(fd, 0, SEEK_SET) != 0) {
		it->state = ST_FAILED;
		it->msg = fmt("cannot read: %s", strerror(errno));
		goto done;
	}
	convert(w, it, fd, &st0, sha, whole ? (size_t)total : 0);
done:
	if (fd >= 0)
		close(fd);
	if (it->state == ST_TODO)
		return; /* interrupted: as it was */
	if (it->state == ST_OK) {
		/* named by another path than before (records carry the path):
		 * the briefings are this path's now, the old path gives none */
		if (it->old && strcmp(it->old->src, it->path) != 0) {
			char was[BP_ERROR_PATH_MAX], now[BP_ERROR_PATH_MAX];
			bp_archive_display_path(it->old->src, was, sizeof(was));
			bp_archive_display_path(it->path, now, sizeof(now));
			if (strcmp(was, now) != 0)
				forget_src(a, it->old->src);
		}
		it->bytes = total;
		pend(a, it);
		return;
	}
	if ((it->state == ST_FAILED || it->state == ST_SKIPPED) && it->old)
		drop_output(a, it->rel, it->old->src, 1);
	settle(a, it, total);
}

static void *work(void *arg)
{
	worker *w = arg;
	archive *a = w->a;

	for (;;) {
		item *it = NULL;
		pthread_mutex_lock(&a->mu);
		while (a->next < a->nitems && !stopped(a)) {
			it = &a->items[a->next++];
			if (it->state == ST_TODO)
				break;
			it = NULL;
		}
		pthread_mutex_unlock(&a->mu);
		if (!it)
			break;
		process(w, it);
	}
	pthread_mutex_lock(&a->mu);
	a->running--;
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

/* ---- the run ---------------------------------------------------------------- */

/* The figures as of now, to the progress callback (called with a->mu held). */
static void report(archive *a, int final)
{
	a->st.seconds = elapsed(&a->t0);
	a->st.final = final;
	a->st.interrupted = stopped(a);
	a->st.walk_incomplete = a->walk_incomplete;
	if (a->cb && a->cb->progress)
		a->cb->progress(a->cb->ctx, &a->st);
}

/* Up to date without reading it: size and mtime as recorded, the output
 * there. Otherwise its manifest entry, if any, for the worker. */
static void precheck(archive *a)
{
	size_t i;
	for (i = 0; i < a->nitems; i++) {
		item *it = &a->items[i];
		const entry *e;
		if (it->state != ST_TODO) {
			a->st.done++;
			if (it->state == ST_FAILED)
				a->st.failed++;
			else
				a->st.skipped++;
			/* no longer a file, say: its old output goes (a name clash
			 * leaves it to the first input of that name) */
			if (!it->walk_error && (i == 0 || strcmp(it->rel, a->items[i - 1].rel) != 0) &&
			    (e = find_entry(a, it->rel)) != NULL)
				drop_output(a, it->rel, e->src, 0);
			continue;
		}
		e = it->old = find_entry(a, it->rel);
		if (e && e->valid && e->size == it->size && e->mtime_s == it->mtime_s &&
		    e->mtime_ns == it->mtime_ns && strcmp(e->src, it->path) == 0 &&
		    output_exists(a, it->rel)) {
			it->state = ST_UPTODATE;
			a->st.done++;
			a->st.uptodate++;
			continue;
		}
		a->st.bytes_total += it->size;
	}
}

static bp_status open_out(archive *a, struct stat *out_st, bp_error *err)
{
	const char *dir = a->opts->out_dir;
	char *p = strdup(dir), *s;
	DIR *d;
	struct dirent *de;

	if (!p)
		return bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
	for (s = p + 1; *s; s++) /* mkdir -p */
		if (*s == '/') {
			*s = '\0';
			mkdir(p, 0777);
			*s = '/';
		}
	if (mkdir(p, 0777) != 0 && errno != EEXIST) {
		free(p);
		return bp_error_set(err, BP_ERR_IO, dir, 0, "cannot create: %s", strerror(errno));
	}
	free(p);
	a->outfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (a->outfd < 0 || fstat(a->outfd, out_st) != 0)
		return bp_error_set(err, BP_ERR_IO, dir, 0, "cannot open: %s", strerror(errno));
	/* one run at a time (released when the process ends, however) */
	if (flock(a->outfd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK)
		return bp_error_set(err, BP_ERR_IO, dir, 0, "in use by another briefparse run");
	if (mkdirat(a->outfd, BP_ARCHIVE_TMP, 0777) != 0 && errno != EEXIST)
		return bp_error_set(err, BP_ERR_IO, dir, 0, "cannot create %s: %s", BP_ARCHIVE_TMP, strerror(errno));
	a->tmpfd = openat(a->outfd, BP_ARCHIVE_TMP, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (a->tmpfd < 0)
		return bp_error_set(err, BP_ERR_IO, dir, 0, "cannot open %s: %s", BP_ARCHIVE_TMP, out_reason(errno));
	/* what a killed run left */
	d = fdopendir(dup(a->tmpfd));
	if (!d)
		return bp_error_set(err, BP_ERR_IO, dir, 0, "cannot read %s: %s", BP_ARCHIVE_TMP, strerror(errno));
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			unlinkat(a->tmpfd, de->d_name, 0);
	closedir(d);
	return BP_OK;
}

/* The manifest, whole: this run's entries and the old ones still standing. */
static int write_manifest(archive *a, int final)
{
	char *buf = NULL, *head = header_line(a);
	size_t len = 0, i = 0, j = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (!f || !head) {
		if (f)
			fclose(f);
		free(buf);
		free(head);
		return -1;
	}
	fputs(head, f);
	free(head);
	/* both lists are sorted by rel: merge */
	while (i < a->nitems || j < a->nentries) {
		const item *it = i < a->nitems ? &a->items[i] : NULL;
		const entry *e = j < a->nentries ? &a->entries[j] : NULL;
		int c = !it ? 1 : !e ? -1 : strcmp(it->rel, e->rel);
		if (c < 0) {
			if (it->state == ST_OK || (it->state == ST_UPTODATE && it->result.rel))
				put_entry(f, &it->result);
			i++;
			continue;
		}
		if (c > 0) { /* no input for it: stale */
			if (!final || a->opts->keep_stale || a->walk_incomplete || stopped(a))
				put_entry(f, e);
			j++;
			continue;
		}
		/* the same output; duplicates of it->rel (name clashes) follow */
		if (it->state == ST_OK || (it->state == ST_UPTODATE && it->result.rel))
			put_entry(f, &it->result);
		else if (it->state == ST_UPTODATE || it->state == ST_TODO)
			put_entry(f, e);
		i++;
		while (i < a->nitems && strcmp(a->items[i].rel, e->rel) == 0)
			i++;
		j++;
	}
	if (fclose(f) != 0) {
		free(buf);
		return -1;
	}
	rc = put_file(a, BP_ARCHIVE_MANIFEST, buf, len);
	free(buf);
	return rc;
}

/* Outputs of inputs that are gone, unless kept. */
static void remove_stale(archive *a)
{
	size_t i = 0, j;
	if (a->opts->keep_stale || a->walk_incomplete || stopped(a))
		return;
	for (j = 0; j < a->nentries; j++) {
		const entry *e = &a->entries[j];
		while (i < a->nitems && strcmp(a->items[i].rel, e->rel) < 0)
			i++;
		if (i < a->nitems && strcmp(a->items[i].rel, e->rel) == 0)
			continue;
		remove_output(a, e->rel);
		a->st.removed++;
	}
}

/* An up-to-date input redone after all: marked in the manifest first (its
 * entry "old"), so that a run killed meanwhile redoes it too. */
static void redo(archive *a, item *it)
{
	entry *e = (entry *)it->old; /* a->entries' own */

	it->state = ST_TODO;
	a->st.done--;
	a->st.uptodate--;
	a->st.bytes_total += it->size;
	if (e) {
		e->valid = 0;
		journal(a, e);
	}
}

/* The up-to-date inputs whose records name source path shown: redone. */
static void redo_source(void *ctx, const char *shown)
{
	archive *a = ctx;
	char name[BP_ERROR_PATH_MAX];
	size_t i;

	for (i = 0; i < a->nitems; i++) {
		item *it = &a->items[i];
		if (it->state != ST_UPTODATE)
			continue;
		bp_archive_display_path(it->path, name, sizeof(name));
		if (strcmp(name, shown) == 0)
			redo(a, it);
	}
}

/* --sqlite: the database forgets each input that is gone, before the
 * workers start (their outputs go at the end, remove_stale), unless kept.
 * Its briefings no other input gives are deleted; an input that gives one
 * of the others, whose row the gone input wrote, is redone to write its
 * own, and so is an input whose name shows as the gone one's (names that
 * differ in bytes that are not UTF-8 share one source path). */
static bp_status forget_stale(archive *a, bp_error *err)
{
	bp_sqlite_db *x = NULL;
	size_t i = 0, j;
	bp_status s = BP_OK;

	if (!a->opts->sqlite_path || a->opts->keep_stale || a->walk_incomplete || stopped(a))
		return BP_OK;
	for (j = 0; j < a->nentries && s == BP_OK; j++) {
		const entry *e = &a->entries[j];
		char shown[BP_ERROR_PATH_MAX];
		while (i < a->nitems && strcmp(a->items[i].rel, e->rel) < 0)
			i++;
		if (i < a->nitems && strcmp(a->items[i].rel, e->rel) == 0)
			continue;
		if (!x && (s = bp_sqlite_db_open(a->opts->sqlite_path, &x, err)) != BP_OK)
			break;
		bp_archive_display_path(e->src, shown, sizeof(shown));
		redo_source(a, shown);
		s = bp_sqlite_forget_source(x, shown, redo_source, a, &a->st.db_removed, err);
	}
	bp_sqlite_db_close(x);
	return s;
}

static void put_json_string(FILE *f, const char *s)
{
	char shown[BP_ERROR_PATH_MAX + BP_ERROR_MESSAGE_MAX];
	const unsigned char *p;

	bp_archive_display_path(s, shown, sizeof(shown));
	fputc('"', f);
	for (p = (const unsigned char *)shown; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* OUT/errors.jsonl: {"path":..,"error":..} per failed input, in order. */
static int write_errors(archive *a)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (!f)
		return -1;
	for (i = 0; i < a->nitems; i++) {
		const item *it = &a->items[i];
		if (it->state != ST_FAILED)
			continue;
		fputs("{\"path\":", f);
		put_json_string(f, it->path);
		fputs(",\"error\":", f);
		put_json_string(f, it->msg ? it->msg : "out of memory");
		fputs("}\n", f);
	}
	if (fclose(f) != 0) {
		free(buf);
		return -1;
	}
	rc = put_file(a, BP_ARCHIVE_ERRORS, buf ? buf : "", len);
	free(buf);
	return rc;
}

static void run_workers(archive *a, worker *ws, unsigned n)
{
	unsigned i, started = 0;
	struct timespec t;
	double last;

	pthread_mutex_lock(&a->mu);
	for (i = 0; i < n; i++) {
		a->running++;
		if (pthread_create(&ws[i].thread, NULL, work, &ws[i]) != 0) {
			a->running--;
			break;
		}
		started++;
	}
	if (!started) { /* no thread: this one works */
		a->inline_work = 1;
		pthread_mutex_unlock(&a->mu);
		a->running++;
		work(&ws[0]);
		pthread_mutex_lock(&a->mu);
	}
	last = elapsed(&a->t0);
	while (a->running || a->npending) {
		report(a, 0);
		if (a->npending >= COMMIT_BATCH || !a->running || elapsed(&a->t0) - last >= 0.5) {
			pthread_mutex_unlock(&a->mu);
			commit(a);
			pthread_mutex_lock(&a->mu);
			last = elapsed(&a->t0);
			continue;
		}
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_nsec += 100 * 1000000L;
		if (t.tv_nsec >= 1000000000L) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&a->cv, &a->mu, &t);
	}
	pthread_mutex_unlock(&a->mu);
	for (i = 0; i < started; i++)
		pthread_join(ws[i].thread, NULL);
}

static void cleanup(archive *a, worker *ws, unsigned n)
{
	size_t i;
	unsigned k;

	for (k = 0; ws && k < n; k++) {
		bp_pipeline_free(ws[k].pl);
		bp_emitter_free(ws[k].out);
		if (ws[k].db) {
			bp_error ignored;
			bp_emit_finish(ws[k].db, &ignored);
			bp_emitter_free(ws[k].db);
		}
		free(ws[k].buf);
		free(ws[k].readbuf);
	}
	free(ws);
	for (i = 0; i < a->nitems; i++) {
		free(a->items[i].path);
		free(a->items[i].rel);
		free(a->items[i].msg);
	}
	free(a->items);
	free(a->pending);
	for (i = 0; i < a->nentries; i++)
		entry_free(&a->entries[i]);
	free(a->entries);
	if (a->journal >= 0)
		close(a->journal);
	if (a->tmpfd >= 0) {
		unlinkat(a->outfd, BP_ARCHIVE_TMP, AT_REMOVEDIR);
		close(a->tmpfd);
	}
	if (a->outfd >= 0)
		close(a->outfd);
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->cv);
}

bp_status bp_archive_run(const bp_archive_options *opts, const bp_cues *cues, const bp_rules *rules,
			 char *const *inputs, size_t n, const bp_archive_callbacks *cb,
			 bp_archive_stats *stats, bp_error *err)
{
	archive a;
	struct stat out_st;
	worker *ws = NULL;
	unsigned jobs = opts->jobs ? opts->jobs : bp_archive_cpus(), k;
	bp_options po = opts->pipeline;
	bp_status s;

	memset(&a, 0, sizeof(a));
	memset(stats, 0, sizeof(*stats));
	a.opts = opts;
	a.cues = cues;
	a.rules = rules;
	a.cb = cb;
	a.outfd = a.tmpfd = a.journal = -1;
	pthread_mutex_init(&a.mu, NULL);
	pthread_cond_init(&a.cv, NULL);
	clock_gettime(CLOCK_MONOTONIC, &a.t0);
	if (jobs > BP_ARCHIVE_JOBS_MAX)
		jobs = BP_ARCHIVE_JOBS_MAX;
	if (po.threads == 0)
		po.threads = 1;

	s = open_out(&a, &out_st, err);
	if (s == BP_OK)
		s = load_manifest(&a, err);
	if (s == BP_OK) {
		walk(&a, inputs, n, &out_st);
		if (a.failed_alloc)
			s = bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
	}
	if (s == BP_OK) {
		a.st.total = a.nitems;
		precheck(&a);
		if (jobs > a.nitems)
			jobs = a.nitems ? (unsigned)a.nitems : 1;
		ws = calloc(jobs, sizeof(*ws));
		a.pending = malloc((a.nitems ? a.nitems : 1) * sizeof(*a.pending));
		for (k = 0; ws && k < jobs; k++) {
			ws[k].a = &a;
			ws[k].id = k;
			ws[k].fd = -1;
			if (opts->sqlite_path &&
			    (s = bp_sqlite_emitter_open(opts->sqlite_path, &ws[k].db, err)) != BP_OK)
				break;
			ws[k].out = bp_emitter_wrap(&count_ops, &ws[k]);
			ws[k].pl = ws[k].out ? bp_pipeline_new_emitter(&po, cues, rules, ws[k].out) : NULL;
			ws[k].buf = malloc(WRITE_BUF);
			ws[k].readbuf = malloc(BP_READ_CHUNK);
			if (!ws[k].pl || !ws[k].buf || !ws[k].readbuf)
				break;
		}
		if (s == BP_OK && (!ws || k < jobs || !a.pending))
			s = bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
	}
	/* the manifest under this run's header, then appended to as outputs land */
	if (s == BP_OK && write_manifest(&a, 0) != 0)
		s = bp_error_set(err, BP_ERR_IO, opts->out_dir, 0, "cannot write %s: %s",
				 BP_ARCHIVE_MANIFEST, strerror(errno));
	if (s == BP_OK) {
		a.journal = openat(a.outfd, BP_ARCHIVE_MANIFEST, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
		if (a.journal < 0)
			s = bp_error_set(err, BP_ERR_IO, opts->out_dir, 0, "cannot write %s: %s",
					 BP_ARCHIVE_MANIFEST, strerror(errno));
	}
	if (s == BP_OK) {
		size_t i;
		/* the walk's own failures and skips */
		for (i = 0; cb && cb->event && i < a.nitems; i++)
			if (a.items[i].state == ST_FAILED || a.items[i].state == ST_SKIPPED)
				cb->event(cb->ctx, a.items[i].state == ST_FAILED ? BP_ARCHIVE_FAILED : BP_ARCHIVE_SKIPPED,
					  a.items[i].path, a.items[i].msg ? a.items[i].msg : "out of memory");
		s = forget_stale(&a, err);
	}
	if (s == BP_OK) {
		run_workers(&a, ws, jobs);
		remove_stale(&a);
		if (write_errors(&a) != 0 || write_manifest(&a, 1) != 0) {
			pthread_mutex_lock(&a.mu);
			a.st.failed++;
			pthread_mutex_unlock(&a.mu);
			s = bp_error_set(err, BP_ERR_IO, opts->out_dir, 0, "cannot write %s or %s: %s",
					 BP_ARCHIVE_MANIFEST, BP_ARCHIVE_ERRORS, strerror(errno));
		}
		pthread_mutex_lock(&a.mu);
		report(&a, 1);
		pthread_mutex_unlock(&a.mu);
	}
	*stats = a.st;
	cleanup(&a, ws, jobs);
	return s;
}
