/* profile.c - layout profiles: the set's loading and detection (bp_profile.h). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "bp_profile.h"

#include <dirent.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bp_bundled.h"
#include "bp_data.h"

#define FORMATS_DIR "formats/"
#define PROFILES_MAX 64

typedef struct detect_set {
	pcre2_code **codes;
	int *weights;
	size_t n;
} detect_set;

static void detect_free(void *p)
{
	detect_set *d = p;
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->n; i++)
		pcre2_code_free(d->codes[i]);
	free(d->codes);
	free(d->weights);
	free(d);
}

/* Compiles the profile's detect patterns (multi-line, UTF-8, JIT when it can). */
static bp_status detect_compile(bp_cues *c, const char *path, bp_error *err)
{
	size_t n = bp_cues_detect_count(c), i;
	detect_set *d = calloc(1, sizeof(*d));

	if (!d || (n && (!(d->codes = calloc(n, sizeof(*d->codes))) ||
			 !(d->weights = calloc(n, sizeof(*d->weights)))))) {
		detect_free(d);
		return bp_error_set(err, BP_ERR_NOMEM, path, 0, "out of memory");
	}
	bp_cues_set_detect(c, d, detect_free);
	for (i = 0; i < n; i++) {
		unsigned long line;
		const char *pat = bp_cues_detect(c, i, &d->weights[i], &line);
		int code;
		PCRE2_SIZE at;
		d->codes[i] = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
					    PCRE2_MULTILINE | PCRE2_UTF | PCRE2_UCP, &code, &at, NULL);
		if (!d->codes[i]) {
			PCRE2_UCHAR msg[160];
			pcre2_get_error_message(code, msg, sizeof(msg));
			return bp_error_set(err, BP_ERR_DATA, path, line, "invalid detect pattern: %s", (char *)msg);
		}
		d->n = i + 1;
		pcre2_jit_compile(d->codes[i], PCRE2_JIT_COMPLETE); /* the interpreter when it fails */
	}
	return BP_OK;
}

static bp_status load_one(const char *dir, const char *file, const char *name, bp_cues **out, bp_error *err)
{
	bp_blob blob;
	bp_status st = bp_blob_load(dir, file, &blob, err);

	*out = NULL;
	if (st != BP_OK)
		return st;
	st = bp_cues_parse(&blob, name, out, err);
	if (st == BP_OK)
		st = detect_compile(*out, blob.path, err);
	if (st != BP_OK) {
		bp_cues_free(*out);
		*out = NULL;
	}
	bp_blob_release(&blob);
	return st;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A profile file name: NAME.tsv, NAME of letters, digits, '-' and '_'. */
static int profile_file(const char *base, size_t *namelen)
{
	size_t n = strlen(base), i;

	if (n < 5 || n - 4 > BP_PROFILE_NAME_MAX || strcmp(base + n - 4, ".tsv") != 0)
		return 0;
	for (i = 0; i < n - 4; i++) {
		char ch = base[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '-' || ch == '_'))
			return 0;
	}
	*namelen = n - 4;
	return 1;
}

static int add_name(char **names, size_t *n, const char *base, size_t len)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strlen(names[i]) == len && memcmp(names[i], base, len) == 0)
			return 0;
	if (*n == PROFILES_MAX)
		return 0;
	names[*n] = malloc(len + 1);
	if (!names[*n])
		return -1;
	memcpy(names[*n], base, len);
	names[*n][len] = '\0';
	(*n)++;
	return 0;
}

/* The names of the bundled profiles and of dir/formats/NAME.tsv, sorted. */
static bp_status profile_names(const char *dir, char **names, size_t *n, bp_error *err)
{
	const bp_bundled_file *f;
	size_t len;

	*n = 0;
	for (f = bp_bundled; f->name; f++)
		if (strncmp(f->name, FORMATS_DIR, strlen(FORMATS_DIR)) == 0 &&
		    profile_file(f->name + strlen(FORMATS_DIR), &len) &&
		    add_name(names, n, f->name + strlen(FORMATS_DIR), len) != 0)
			return bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
	if (dir) {
		char path[1024];
		DIR *d;
		struct dirent *e;
		snprintf(path, sizeof(path), "%s/formats", dir);
		if ((d = opendir(path)) != NULL) {
			while ((e = readdir(d)) != NULL)
				if (profile_file(e->d_name, &len) && add_name(names, n, e->d_name, len) != 0) {
					closedir(d);
					return bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
				}
			closedir(d);
		}
	}
	qsort(names, *n, sizeof(*names), cmp_str);
	return BP_OK;
}

static int has_file(const char *dir, const char *name)
{
	char path[1024];
	struct stat sb;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &sb) == 0;
}

bp_status bp_cues_load(const char *dir, bp_cues **out, bp_error *err)
{
	char *names[PROFILES_MAX];
	bp_cues *list[PROFILES_MAX], *head = NULL, *tail = NULL;
	size_t n = 0, i, def = 0, loaded = 0;
	bp_status st;

	*out = NULL;
	if (dir && has_file(dir, "cues.tsv")) /* one layout of the user's, as before profiles */
		return load_one(dir, "cues.tsv", "ru-mfa-en", out, err);
	st = profile_names(dir, names, &n, err);
	for (loaded = 0; st == BP_OK && loaded < n; loaded++) {
		char file[BP_PROFILE_NAME_MAX + 16];
		snprintf(file, sizeof(file), FORMATS_DIR "%s.tsv", names[loaded]);
		st = load_one(dir, file, names[loaded], &list[loaded], err);
		if (st != BP_OK)
			break;
	}
	if (st == BP_OK && n == 0)
		st = bp_error_set(err, BP_ERR_DATA, "data/formats", 0, "no layout profile");
	for (i = 0; st == BP_OK && i < n; i++)
		if (bp_cues_setting(list[i], "default"))
			def = i;
	/* the set: the default first, then the others by name */
	for (i = 0; i < loaded; i++) {
		size_t k = i == 0 ? def : (i <= def ? i - 1 : i);
		if (st != BP_OK) {
			bp_cues_free(list[i]);
			continue;
		}
		if (!head)
			head = list[k];
		else
			bp_cues_link(tail, list[k]);
		tail = list[k];
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	if (st == BP_OK)
		*out = head;
	return st;
}

size_t bp_profile_user_files(const char *dir, char (*files)[BP_PROFILE_FILE_MAX], size_t max)
{
	char *names[PROFILES_MAX];
	size_t n = 0, i, k = 0, len;
	const bp_bundled_file *f;
	bp_error err;

	if (!dir)
		return 0;
	if (has_file(dir, "cues.tsv") && k < max)
		snprintf(files[k++], BP_PROFILE_FILE_MAX, "cues.tsv");
	if (profile_names(dir, names, &n, &err) != BP_OK)
		n = 0; /* out of memory: the names so far are freed below */
	for (i = 0; i < n; i++) {
		int bundled = 0;
		char file[BP_PROFILE_FILE_MAX];
		snprintf(file, sizeof(file), FORMATS_DIR "%s.tsv", names[i]);
		for (f = bp_bundled; f->name; f++)
			bundled |= strcmp(f->name, file) == 0;
		if (!bundled && k < max && profile_file(file + strlen(FORMATS_DIR), &len))
			snprintf(files[k++], BP_PROFILE_FILE_MAX, "%s", file);
		free(names[i]);
	}
	return k;
}

const bp_cues *bp_profile_find(const bp_cues *set, const char *name)
{
	for (; set; set = bp_cues_next(set))
		if (strcmp(bp_cues_name(set), name) == 0)
			return set;
	return NULL;
}

long bp_profile_score(const bp_cues *profile, const char *text, size_t len, long sure)
{
	const detect_set *d = bp_cues_get_detect(profile);
	pcre2_match_data *md;
	long score = 0;
	size_t i;

	if (!d || !d->n)
		return 0;
	if (!(md = pcre2_match_data_create(1, NULL)))
		return -1;
	for (i = 0; i < d->n && !(sure > 0 && score >= sure); i++) {
		PCRE2_SIZE at = 0;
		int count = 0;
		while (count < BP_DETECT_COUNT_MAX && at <= len && !(sure > 0 && score >= sure) &&
		       pcre2_match(d->codes[i], (PCRE2_SPTR)text, len, at, PCRE2_NO_UTF_CHECK, md, NULL) > 0) {
			PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
			count++;
			score += d->weights[i];
			at = ov[1] > ov[0] ? ov[1] : ov[1] + 1;
			while (at < len && ((unsigned char)text[at] & 0xC0) == 0x80)
				at++; /* never inside a character */
		}
	}
	pcre2_match_data_free(md);
	return score;
}

static long detect_min(const bp_cues *c)
{
	int m = bp_cues_setting(c, "detect-min");
	return m > 0 ? m : 1;
}

const bp_cues *bp_profile_pick(const bp_cues *set, const char *text, size_t len, const bp_cues *keep,
			       int *fallback)
{
	const bp_cues *c, *best = NULL, *fb = NULL;
	long best_score = 0;

	*fallback = 0;
	for (c = set; c; c = bp_cues_next(c)) {
		long s;
		if (bp_cues_setting(c, "fallback")) {
			if (!fb)
				fb = c;
			continue;
		}
		s = bp_profile_score(c, text, len, bp_cues_setting(c, "detect-sure"));
		if (s < 0)
			return NULL;
		if (bp_cues_setting(c, "detect-sure") > 0 && s >= bp_cues_setting(c, "detect-sure"))
			return c; /* sure: the profiles after it are not scored */
		if (s >= detect_min(c) && s > best_score) {
			best = c;
			best_score = s;
		}
	}
	if (best)
		return best;
	if (keep)
		return keep;
	if (fb) {
		long s = bp_profile_score(fb, text, len, 0);
		if (s < 0)
			return NULL;
		if (s >= detect_min(fb)) {
			*fallback = 1;
			return fb;
		}
	}
	return set;
}
