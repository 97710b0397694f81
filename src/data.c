/* data.c - bundled and user data files (see bp_data.h). */
#include "bp_data.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bp_bundled.h"

/* Data files are small; a larger one is an error rather than a memory hazard. */
#define BP_DATA_FILE_MAX (16u << 20)

static bp_status read_file(const char *path, bp_blob *out, bp_error *err)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return bp_error_set(err, BP_ERR_IO, path, 0, "cannot read: %s", strerror(errno));
	for (;;) {
		if (cap - len < 4096) {
			char *nb;
			cap = cap ? cap * 2 : 65536;
			if (cap > BP_DATA_FILE_MAX + 4096) {
				free(buf);
				fclose(f);
				return bp_error_set(err, BP_ERR_LIMIT, path, 0,
						    "data file larger than %u bytes", BP_DATA_FILE_MAX);
			}
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return bp_error_set(err, BP_ERR_NOMEM, path, 0, "out of memory");
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return bp_error_set(err, BP_ERR_IO, path, 0, "cannot read: %s", strerror(errno));
	}
	fclose(f);
	out->owned = buf;
	out->bytes = buf;
	out->len = len;
	return BP_OK;
}

bp_status bp_blob_load(const char *dir, const char *name, bp_blob *out, bp_error *err)
{
	const bp_bundled_file *b;

	memset(out, 0, sizeof(*out));
	if (dir) {
		struct stat st;
		/* a mistyped --rules DIR is an error, not "every file bundled" */
		if (stat(dir, &st) != 0)
			return bp_error_set(err, BP_ERR_IO, dir, 0, "cannot read: %s",
					    errno == ENOENT ? "no such directory" : strerror(errno));
		if (!S_ISDIR(st.st_mode))
			return bp_error_set(err, BP_ERR_IO, dir, 0, "cannot read: not a directory");
		snprintf(out->path, sizeof(out->path), "%s/%s", dir, name);
		FILE *probe = fopen(out->path, "rb");
		if (probe) {
			fclose(probe);
			return read_file(out->path, out, err);
		}
		if (errno != ENOENT)
			return bp_error_set(err, BP_ERR_IO, out->path, 0, "cannot read: %s",
					    strerror(errno));
	}
	for (b = bp_bundled; b->name; b++) {
		if (strcmp(b->name, name) == 0) {
			snprintf(out->path, sizeof(out->path), "data/%s", name);
			out->bytes = b->bytes;
			out->len = b->len;
			return BP_OK;
		}
	}
	return bp_error_set(err, BP_ERR_IO, name, 0, "no such data file");
}

void bp_blob_release(bp_blob *blob)
{
	free(blob->owned);
	blob->owned = NULL;
	blob->bytes = NULL;
	blob->len = 0;
}

int bp_blob_next_line(const bp_blob *blob, size_t *pos, const char **line, size_t *len)
{
	const char *p, *nl;
	size_t n;

	if (*pos >= blob->len)
		return 0;
	p = blob->bytes + *pos;
	nl = memchr(p, '\n', blob->len - *pos);
	n = nl ? (size_t)(nl - p) : blob->len - *pos;
	*pos += n + (nl ? 1 : 0);
	if (n && p[n - 1] == '\r')
		n--;
	*line = p;
	*len = n;
	return 1;
}
