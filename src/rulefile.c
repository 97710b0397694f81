/*
 * rulefile.c - rule-file lines, values and memory shared by the classifier's
 * loaders (see bp_rulefile.h).
 */
#include "bp_rulefile.h"

#include <stdlib.h>
#include <string.h>

int bp_bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);
	if (c)
		return c;
	return an < bn ? -1 : an > bn;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

void bp_rulefile_trim(const char **s, size_t *n)
{
	while (*n && is_blank(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && is_blank((*s)[*n - 1]))
		(*n)--;
}

int bp_rulefile_has_control(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 1;
	return 0;
}

int bp_rulefile_number(const char *s, size_t n, double *out)
{
	size_t i = 0;
	double v = 0, scale = 1;
	int neg = 0, digits = 0;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	for (; i < n && s[i] >= '0' && s[i] <= '9' && digits < 12; i++, digits++)
		v = v * 10 + (s[i] - '0');
	if (i < n && s[i] == '.') {
		i++;
		for (; i < n && s[i] >= '0' && s[i] <= '9' && digits < 12; i++, digits++) {
			scale /= 10;
			v += (s[i] - '0') * scale;
		}
	}
	if (i != n || digits == 0)
		return 0;
	*out = neg ? -v : v;
	return 1;
}

int bp_rulefile_next_line(const bp_blob *b, size_t *pos, unsigned long *lineno, const char **s,
			  size_t *n, bp_error *err)
{
	while (bp_blob_next_line(b, pos, s, n)) {
		(*lineno)++;
		if (*n > BP_RULEFILE_LINE_MAX) {
			bp_error_set(err, BP_ERR_DATA, b->path, *lineno, "line longer than %d bytes",
				     BP_RULEFILE_LINE_MAX);
			return -1;
		}
		if (memchr(*s, '\0', *n)) {
			bp_error_set(err, BP_ERR_DATA, b->path, *lineno, "NUL byte in line");
			return -1;
		}
		bp_rulefile_trim(s, n);
		if (*n && **s != '#')
			return 1;
	}
	return 0;
}
