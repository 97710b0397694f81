/* mojibake.c - stage 2b: repairing UTF-8 read through a code page (bp_mojibake.h). */
#include "bp_mojibake.h"

#include <stdlib.h>
#include <string.h>

#include "bp_charset.h"
#include "bp_swar.h"

struct bp_mojibake {
	char *text;
	size_t cap;
	bp_anchor *anchors;
	size_t na, acap;
};

/* A character that text of this kind uses. */
static int plausible(uint32_t cp)
{
	return (cp >= 0xA0 && cp <= 0x17F) || (cp >= 0x400 && cp <= 0x45F) ||
	       (cp >= 0x2010 && cp <= 0x2027) || (cp >= 0x2030 && cp <= 0x203A) || cp == 0x20AC ||
	       cp == 0x2116 || cp == 0x2122;
}

/* The repair of run s[0, n) (non-ASCII characters only) into out (n bytes
 * room); its length, or 0 when it is not mojibake. */
static size_t repair_run(const unsigned char *s, size_t n, char *out)
{
	static const bp_charset pages[] = { BP_CS_CP1252, BP_CS_MACROMAN, BP_CS_MACCE, BP_CS_CP1251 };
	unsigned char b[BP_MOJIBAKE_RUN_MAX];
	size_t p, i, nb, o;
	uint32_t cp;

	for (p = 0; p < sizeof(pages) / sizeof(pages[0]); p++) {
		int l, code, multi = 0;
		for (i = nb = 0; i < n; i += (size_t)l) {
			l = bp_utf8_get(s + i, n - i, &cp);
			if (l <= 0 || (code = bp_charset_encode(pages[p], cp)) < 0x80)
				break;
			b[nb++] = (unsigned char)code;
		}
		if (i < n)
			continue;
		for (i = o = 0; i < nb; i += (size_t)l) {
			l = bp_utf8_get(b + i, nb - i, &cp);
			if (l < 2 || !plausible(cp))
				break;
			multi = 1;
			o += bp_utf8_put(out + o, cp);
		}
		if (i == nb && multi)
			return o;
	}
	return 0;
}

/* Where the next run of two or more non-ASCII characters starts in s[i, n),
 * and its end; 0 when there is none. */
static int next_run(const unsigned char *s, size_t n, size_t *i, size_t *end)
{
	while (*i < n) {
		size_t j, chars = 0;
		uint32_t cp;
		while (*i + 8 <= n && !(bp_swar_load(s + *i) & BP_SWAR_HIGHS))
			*i += 8;
		while (*i < n && s[*i] < 0x80)
			(*i)++;
		for (j = *i; j < n && s[j] >= 0x80;) {
			int l = bp_utf8_get(s + j, n - j, &cp);
			j += l > 0 ? (size_t)l : 1;
			chars++;
		}
		if (chars >= 2 && j - *i <= BP_MOJIBAKE_RUN_MAX) {
			*end = j;
			return 1;
		}
		*i = j;
	}
	return 0;
}

int bp_mojibake_text(const char *s, size_t n, char *out, size_t *out_len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, from = 0, end, o = 0, m;
	int runs = 0;

	while (next_run(u, n, &i, &end)) {
		memcpy(out + o, s + from, i - from);
		o += i - from;
		m = repair_run(u + i, end - i, out + o);
		if (m) {
			runs++;
			o += m;
		} else {
			memcpy(out + o, s + i, end - i);
			o += end - i;
		}
		from = i = end;
	}
	memcpy(out + o, s + from, n - from);
	o += n - from;
	out[o] = '\0';
	*out_len = o;
	return runs;
}

bp_mojibake *bp_mojibake_new(void)
{
	return calloc(1, sizeof(bp_mojibake));
}

void bp_mojibake_free(bp_mojibake *m)
{
	if (!m)
		return;
	free(m->text);
	free(m->anchors);
	free(m);
}

static int anchor_add(bp_mojibake *m, size_t norm, uint64_t raw)
{
	if (m->na && m->anchors[m->na - 1].raw + (norm - m->anchors[m->na - 1].norm) == raw)
		return 0;
	if (m->na && m->anchors[m->na - 1].norm == norm) {
		m->anchors[m->na - 1].raw = raw;
		return 0;
	}
	if (m->na == m->acap) {
		size_t cap = m->acap ? m->acap * 2 : 64;
		bp_anchor *a = realloc(m->anchors, cap * sizeof(*a));
		if (!a)
			return -1;
		m->anchors = a;
		m->acap = cap;
	}
	m->anchors[m->na].norm = (uint32_t)norm;
	m->anchors[m->na].raw = raw;
	m->na++;
	return 0;
}

/* Copies line text [a, b) to out offset o with its anchors. */
static int copy_seg(bp_mojibake *m, const bp_line *l, size_t a, size_t b, size_t o, size_t *ai)
{
	if (a == b)
		return 0;
	memcpy(m->text + o, l->text + a, b - a);
	if (anchor_add(m, o, bp_anchor_raw(l->anchors, l->nanchors, a, l->start)) < 0)
		return -1;
	while (*ai < l->nanchors && l->anchors[*ai].norm <= a)
		(*ai)++;
	for (; *ai < l->nanchors && l->anchors[*ai].norm < b; (*ai)++)
		if (anchor_add(m, o + (l->anchors[*ai].norm - a), l->anchors[*ai].raw) < 0)
			return -1;
	return 0;
}

int bp_mojibake_line(bp_mojibake *m, const bp_line *l, bp_line *out)
{
	const unsigned char *u = (const unsigned char *)l->text;
	size_t i = 0, from = 0, end, o = 0, len, ai = 0;
	char fix[BP_MOJIBAKE_RUN_MAX];
	int runs = 0;

	/* nothing to repair: the common case, no copy */
	for (;;) {
		size_t k = i;
		if (!next_run(u, l->len, &k, &end))
			return 0;
		if (repair_run(u + k, end - k, fix))
			break;
		i = end;
	}
	if (m->cap < l->len + 1) {
		char *t = realloc(m->text, l->len + 1);
		if (!t)
			return -1;
		m->text = t;
		m->cap = l->len + 1;
	}
	m->na = 0;
	i = 0;
	while (next_run(u, l->len, &i, &end)) {
		len = repair_run(u + i, end - i, fix);
		if (!len) {
			i = end;
			continue;
		}
		if (copy_seg(m, l, from, i, o, &ai) < 0 ||
		    anchor_add(m, o + (i - from), bp_anchor_raw(l->anchors, l->nanchors, i, l->start)) < 0)
			return -1;
		o += i - from;
		memcpy(m->text + o, fix, len);
		o += len;
		runs++;
		from = i = end;
	}
	if (copy_seg(m, l, from, l->len, o, &ai) < 0)
		return -1;
	o += l->len - from;
	m->text[o] = '\0';
	*out = *l;
	out->text = m->text;
	out->len = o;
	out->anchors = m->anchors;
	out->nanchors = m->na;
	return runs;
}
