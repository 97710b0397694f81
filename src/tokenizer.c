/*
 * tokenizer.c - stage 2: bytes to normalized, classified lines (bp_tokenizer.h).
 *
 * A byte-class table drives one loop over each chunk; runs of plain ASCII are
 * copied in bulk. Every state that can straddle a chunk boundary (a partial
 * UTF-8 sequence, a CR waiting for its LF, a partial line and its raw bytes)
 * lives in struct bp_tokenizer.
 */
#include "bp_tokenizer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_ascii.h"
#include "bp_data.h"
#include "bp_swar.h"

/* ---- cues ---------------------------------------------------------------- */

enum cue_kind { CUE_TITLE, CUE_TOC, CUE_QA, CUE_BACK, CUE_QUESTION, CUE_ANSWER,
		CUE_NONSPEAKER, CUE_FOOTER, CUE_BOILER, CUE_ROLE, CUE_MONTH, CUE_WEEKDAY,
		CUE_LANGUAGE, CUE_ABOUT, CUE_DETECT, CUE_SETTING, CUE_QMARK, CUE_MODERATOR,
		CUE_TITLEFIELD, CUE_DATEFIELD, CUE_MERIDIEM, CUE_HONORIFIC, CUE_OUTLET, CUE_END, CUE_TITLESTOP, CUE_YEARWORD, CUE_ACTION,
		CUE_NOMINATIVE, CUE_KINDS };

static const char *const cue_names[CUE_KINDS] = {
	"title", "toc", "qa", "back", "question", "answer",
	"nonspeaker", "footer", "boiler", "role", "month", "weekday",
	"language", "about", "detect", "setting", "qmark", "moderator",
	"titlefield", "datefield", "meridiem", "honorific", "outlet", "end", "titlestop", "yearword", "action",
	"nominative"
};

/* The settings a profile may give (KIND setting, TEXT the name, VALUE an
 * integer): see bp_cues_setting. */
static const char *const setting_names[] = { "default", "fallback", "detect-min", "detect-sure", "untitled",
					      "header-place", "qa-only", "paragraph-blank",
					      "speaker-names", "caps-labels", "outlet-labels",
					      "header-byline", "opening-speaker", "title-possessive", NULL };

typedef struct cue {
	char *text;
	size_t len;
	size_t lit; /* characters other than '*': at least 1 */
	int value;
	unsigned long lineno; /* where it was defined, for duplicate errors */
} cue;

struct bp_cues {
	cue *list[CUE_KINDS];
	size_t n[CUE_KINDS];
	char name[BP_PROFILE_NAME_MAX + 1]; /* the profile's name ("ru-mfa-en") */
	int caps_labels;                    /* the caps-labels setting */
	int outlet_labels;                  /* the outlet-labels setting */
	bp_cues *next;                      /* the next profile of the set */
	void *detect;                       /* compiled detect patterns (bp_profile.h) */
	void (*detect_free)(void *);
};

/* Case-insensitive glob: '*' matches any run. Iterative with one backtrack
 * point, so linear enough for cue-sized patterns. */
static int glob_match(const char *pat, size_t plen, const char *s, size_t slen)
{
	size_t p = 0, i = 0, star_p = (size_t)-1, star_i = 0;

	while (i < slen) {
		if (p < plen && pat[p] == '*') {
			star_p = p++;
			star_i = i;
		} else if (p < plen && bp_ascii_ieq(pat + p, s + i, 1)) {
			p++;
			i++;
		} else if (star_p != (size_t)-1) {
			p = star_p + 1;
			i = ++star_i;
		} else {
			return 0;
		}
	}
	while (p < plen && pat[p] == '*')
		p++;
	return p == plen;
}

/* Cue lines (headings, furniture) are short: longer lines are never tried. */
#define CUE_LINE_MAX 240
/* Most words in a call to action of page furniture (is_action_line) */
#define ACTION_WORDS_MAX 12
/* Longest cue text accepted at load (shorter than CUE_LINE_MAX, or it could
 * never match). */
#define CUE_TEXT_MAX 200

static int cue_match_line(const bp_cues *c, enum cue_kind k, const char *s, size_t n)
{
	size_t i;

	if (n > CUE_LINE_MAX)
		return 0;
	while (n && (s[n - 1] == ':' || s[n - 1] == ' '))
		n--;
	for (i = 0; i < c->n[k]; i++) {
		const cue *q = &c->list[k][i];
		/* cheap rejections before the glob: first and last characters */
		if (!n || (q->text[0] != '*' && !bp_ascii_ieq(q->text, s, 1)) ||
		    (q->text[q->len - 1] != '*' && !bp_ascii_ieq(q->text + q->len - 1, s + n - 1, 1)))
			continue;
		if (glob_match(q->text, q->len, s, n))
			return 1;
	}
	return 0;
}

static int cue_match_prefix(const bp_cues *c, enum cue_kind k, const char *s, size_t n)
{
	size_t i;
	for (i = 0; i < c->n[k]; i++) {
		const cue *q = &c->list[k][i];
		if (q->len <= n && bp_ascii_ieq(q->text, s, q->len) &&
		    (q->len == n || s[q->len] == ' '))
			return 1;
	}
	return 0;
}

/* A call to action of page furniture: a short line ("Print version",
 * "Share", "Subscribe to our channel") whose first words are an action cue,
 * followed by the line's end, a space or punctuation, and which does not
 * end as a sentence or a question does. */
static int is_action_line(const bp_cues *c, const char *s, size_t n)
{
	size_t i, words = 1;

	if (!c->n[CUE_ACTION] || !n || s[n - 1] == '.' || s[n - 1] == '?')
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] == ' ' && ++words > ACTION_WORDS_MAX)
			return 0;
	for (i = 0; i < c->n[CUE_ACTION]; i++) {
		const cue *q = &c->list[CUE_ACTION][i];
		unsigned char e;
		if (q->len > n || !bp_ascii_ieq(q->text, s, q->len))
			continue;
		if (q->len == n)
			return 1;
		e = (unsigned char)s[q->len];
		if (e < 0x80 && !((e | 0x20) >= 'a' && (e | 0x20) <= 'z') && !(e >= '0' && e <= '9') &&
		    e != '-' && e != '\'' && e != '_')
			return 1;
	}
	return 0;
}

static const cue *cue_find_word(const bp_cues *c, enum cue_kind k, const char *w, size_t n)
{
	size_t i;
	for (i = 0; i < c->n[k]; i++)
		if (c->list[k][i].len == n && bp_ascii_ieq(c->list[k][i].text, w, n))
			return &c->list[k][i];
	return NULL;
}

int bp_cues_is_role_word(const bp_cues *cues, const char *word, size_t len)
{
	return cue_find_word(cues, CUE_ROLE, word, len) != NULL;
}

size_t bp_cues_role_at(const bp_cues *cues, const char *s, size_t n)
{
	size_t i, best = 0;
	for (i = 0; i < cues->n[CUE_ROLE]; i++) {
		const cue *q = &cues->list[CUE_ROLE][i];
		if (q->len > best && q->len <= n && bp_ascii_ieq(q->text, s, q->len) &&
		    (q->len == n || s[q->len] == ' ' || s[q->len] == ','))
			best = q->len;
	}
	return best;
}

int bp_cues_month(const bp_cues *cues, const char *word, size_t len)
{
	const cue *q;
	if (len && word[len - 1] == '.')
		len--;
	q = cue_find_word(cues, CUE_MONTH, word, len);
	return q ? q->value : 0;
}

int bp_cues_meridiem(const bp_cues *cues, const char *word, size_t len)
{
	const cue *q = cue_find_word(cues, CUE_MERIDIEM, word, len);
	return q ? q->value : -1;
}

size_t bp_cues_title_stop(const bp_cues *cues, const char *s, size_t n)
{
	size_t i, k, best = n;
	for (k = 0; k < cues->n[CUE_TITLESTOP]; k++) {
		const cue *q = &cues->list[CUE_TITLESTOP][k];
		for (i = 1; i + q->len + 1 < n && i < best; i++)
			if (s[i - 1] == ' ' && bp_ascii_ieq(s + i, q->text, q->len) && s[i + q->len] == ' ') {
				best = i - 1;
				break;
			}
	}
	return best;
}

int bp_cues_is_yearword(const bp_cues *cues, const char *word, size_t len)
{
	if (len && word[len - 1] == '.' && !cue_find_word(cues, CUE_YEARWORD, word, len))
		len--;
	return cues->n[CUE_YEARWORD] && cue_find_word(cues, CUE_YEARWORD, word, len) != NULL;
}

int bp_cues_is_honorific(const bp_cues *cues, const char *word, size_t len)
{
	return cue_find_word(cues, CUE_HONORIFIC, word, len) != NULL;
}

int bp_cues_is_weekday(const bp_cues *cues, const char *word, size_t len)
{
	return cue_find_word(cues, CUE_WEEKDAY, word, len) != NULL;
}

void bp_cues_free(bp_cues *cues)
{
	size_t k, i;

	while (cues) {
		bp_cues *next = cues->next;
		for (k = 0; k < CUE_KINDS; k++) {
			for (i = 0; i < cues->n[k]; i++)
				free(cues->list[k][i].text);
			free(cues->list[k]);
		}
		if (cues->detect_free)
			cues->detect_free(cues->detect);
		free(cues);
		cues = next;
	}
}

const char *bp_cues_name(const bp_cues *cues)
{
	return cues->name;
}

const char *bp_cues_language(const bp_cues *cues)
{
	return cues->n[CUE_LANGUAGE] ? cues->list[CUE_LANGUAGE][0].text : NULL;
}

const char *bp_cues_about(const bp_cues *cues)
{
	return cues->n[CUE_ABOUT] ? cues->list[CUE_ABOUT][0].text : "";
}

const bp_cues *bp_cues_next(const bp_cues *cues)
{
	return cues->next;
}

int bp_cues_setting(const bp_cues *cues, const char *name)
{
	size_t i;
	for (i = 0; i < cues->n[CUE_SETTING]; i++)
		if (strcmp(cues->list[CUE_SETTING][i].text, name) == 0)
			return cues->list[CUE_SETTING][i].value;
	return 0;
}

int bp_cues_nominative(const bp_cues *cues, const char *name, char *out, size_t cap)
{
	size_t n = strlen(name), w = n, best = 0;
	const cue *hit = NULL;

	/* the last word: after the last space or '.' ("М.В.Захаровой") */
	while (w > 0 && name[w - 1] != ' ' && name[w - 1] != '.')
		w--;
	for (size_t k = 0; k < cues->n[CUE_NOMINATIVE]; k++) {
		const cue *q = &cues->list[CUE_NOMINATIVE][k];
		size_t g = (size_t)((const char *)memchr(q->text, ' ', q->len) - q->text);
		if (g == 1 && q->text[0] == '-')
			g = 0;
		/* the longest genitive ending, and a stem of two letters or more left */
		if (g >= best && (hit == NULL || g > best) && n - w >= g + 4 &&
		    memcmp(name + n - g, q->text, g) == 0) {
			best = g;
			hit = q;
		}
	}
	if (!hit)
		return 0;
	{
		const char *nom = memchr(hit->text, ' ', hit->len) + 1;
		size_t nn = hit->len - (size_t)(nom - hit->text);
		if (nn == 1 && nom[0] == '-')
			nn = 0;
		if (n - best + nn + 1 > cap)
			return 0;
		memcpy(out, name, n - best);
		memcpy(out + n - best, nom, nn);
		out[n - best + nn] = '\0';
	}
	return 1;
}

int bp_cues_has_nominative(const bp_cues *cues)
{
	return cues->n[CUE_NOMINATIVE] != 0;
}

int bp_cues_has_moderator(const bp_cues *cues)
{
	return cues->n[CUE_MODERATOR] != 0;
}

size_t bp_cues_detect_count(const bp_cues *cues)
{
	return cues->n[CUE_DETECT];
}

const char *bp_cues_detect(const bp_cues *cues, size_t i, int *weight, unsigned long *line)
{
	*weight = cues->list[CUE_DETECT][i].value;
	*line = cues->list[CUE_DETECT][i].lineno;
	return cues->list[CUE_DETECT][i].text;
}

void bp_cues_set_detect(bp_cues *cues, void *detect, void (*detect_free)(void *))
{
	cues->detect = detect;
	cues->detect_free = detect_free;
}

const void *bp_cues_get_detect(const bp_cues *cues)
{
	return cues->detect;
}

void bp_cues_link(bp_cues *cues, bp_cues *next)
{
	cues->next = next;
}

static bp_status cue_add(bp_cues *c, enum cue_kind k, const char *text, size_t len, int value,
			 unsigned long lineno)
{
	cue *nl = realloc(c->list[k], (c->n[k] + 1) * sizeof(cue));
	if (!nl)
		return BP_ERR_NOMEM;
	c->list[k] = nl;
	nl[c->n[k]].text = malloc(len + 1);
	if (!nl[c->n[k]].text)
		return BP_ERR_NOMEM;
	memcpy(nl[c->n[k]].text, text, len);
	nl[c->n[k]].text[len] = '\0';
	nl[c->n[k]].len = len;
	nl[c->n[k]].lit = len;
	while (len--)
		if (text[len] == '*')
			nl[c->n[k]].lit--;
	nl[c->n[k]].value = value;
	nl[c->n[k]].lineno = lineno;
	c->n[k]++;
	return BP_OK;
}

/* A cue is user input (--rules DIR): one that would match nearly every line,
 * or none, or that the matchers cannot take, is an error at load. Labels
 * (question, answer) may be one character ("Q:"); every other cue needs two
 * characters besides its wildcards. */
static bp_status cue_check(const bp_cues *c, const bp_blob *b, unsigned long lineno,
			   enum cue_kind k, const char *text, size_t len, bp_error *err)
{
	size_t i, lit = 0, min = (k == CUE_QUESTION || k == CUE_ANSWER || k == CUE_QMARK) ? 1 : 2;

	if (len == 0)
		return bp_error_set(err, BP_ERR_DATA, b->path, lineno, "empty %s cue", cue_names[k]);
	if (len > CUE_TEXT_MAX)
		return bp_error_set(err, BP_ERR_DATA, b->path, lineno,
				    "%s cue longer than %d bytes", cue_names[k], CUE_TEXT_MAX);
	for (i = 0; i < len; i++) {
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
			return bp_error_set(err, BP_ERR_DATA, b->path, lineno,
					    "control character in %s cue", cue_names[k]);
		lit += text[i] != '*';
	}
	if (text[0] == ' ' || text[len - 1] == ' ')
		return bp_error_set(err, BP_ERR_DATA, b->path, lineno,
				    "%s cue '%.*s' starts or ends with a space (lines are trimmed)",
				    cue_names[k], (int)len, text);
	if (lit == 0)
		return bp_error_set(err, BP_ERR_DATA, b->path, lineno,
				    "%s cue '%.*s' is only wildcards", cue_names[k], (int)len, text);
	if (lit < min)
		return bp_error_set(err, BP_ERR_DATA, b->path, lineno,
				    "%s cue '%.*s' has only one character",
				    cue_names[k], (int)len, text);
	for (i = 0; i < c->n[k]; i++)
		if (c->list[k][i].len == len && bp_ascii_ieq(c->list[k][i].text, text, len))
			return bp_error_set(err, BP_ERR_DATA, b->path, lineno,
					    "duplicate %s cue '%.*s' (first on line %lu)", cue_names[k],
					    (int)len, text, c->list[k][i].lineno);
	return BP_OK;
}

static bp_status parse_cue_line(bp_cues *c, const bp_blob *b, unsigned long lineno,
				const char *line, size_t len, bp_error *err)
{
	const char *tab = memchr(line, '\t', len), *text, *tab2;
	size_t klen, tlen;
	int k, value = 0;
	bp_status st;

	if (!tab)
		return bp_error_set(err, BP_ERR_DATA, b->path, lineno, "expected KIND<TAB>TEXT");
	klen = (size_t)(tab - line);
	for (k = 0; k < CUE_KINDS; k++)
		if (strlen(cue_names[k]) == klen && memcmp(cue_names[k], line, klen) == 0)
			break;
	if (k == CUE_KINDS)
		return bp_error_set(err, BP_ERR_DATA, b->path, lineno, "unknown cue kind '%.*s'",
				    (int)(klen > 40 ? 40 : klen), line);
	text = tab + 1;
	tlen = len - klen - 1;
	tab2 = memchr(text, '\t', tlen);
	if (tab2) {
		char num[16];
		size_t vlen = tlen - (size_t)(tab2 - text) - 1;
		char *endp;
		tlen = (size_t)(tab2 - text);
		if (vlen == 0 || vlen >= sizeof(num))
			return bp_error_set(err, BP_ERR_DATA, b->path, lineno, "bad value");
		memcpy(num, tab2 + 1, vlen);
		num[vlen] = '\0';
		value = (int)strtol(num, &endp, 10);
		if (*endp)
			return bp_error_set(err, BP_ERR_DATA, b->path, lineno, "bad value '%s'", num);
	}
	st = cue_check(c, b, lineno, (enum cue_kind)k, text, tlen, err);
	if (st != BP_OK)
		return st;
	if (k == CUE_MONTH && (value < 1 || value > 12))
		return bp_error_set(err, BP_ERR_DATA, b->path, lineno, "month needs a value 1-12");
	if (k == CUE_MERIDIEM && (!tab2 || (value != 0 && value != 12)))
		return bp_error_set(err, BP_ERR_DATA, b->path, lineno, "meridiem needs a value 0 or 12");
	if (k == CUE_DETECT && (!tab2 || value == 0))
		return bp_error_set(err, BP_ERR_DATA, b->path, lineno,
				    "detect needs a weight other than 0 (detect<TAB>PATTERN<TAB>WEIGHT)");
	if (k == CUE_NOMINATIVE) { /* "овой ова": GENITIVE NOMINATIVE, "-" no ending */
		const char *sp = memchr(text, ' ', tlen);
		if (!sp || sp == text || memchr(sp + 1, ' ', tlen - (size_t)(sp + 1 - text)) ||
		    sp + 1 == text + tlen || tab2)
			return bp_error_set(err, BP_ERR_DATA, b->path, lineno,
					    "nominative needs 'ENDING ENDING' (genitive, then nominative; - for none)");
	}
	if ((k == CUE_LANGUAGE || k == CUE_ABOUT) && c->n[k])
		return bp_error_set(err, BP_ERR_DATA, b->path, lineno, "a second %s line", cue_names[k]);
	if (k == CUE_SETTING) {
		size_t i;
		for (i = 0; setting_names[i]; i++)
			if (strlen(setting_names[i]) == tlen && memcmp(setting_names[i], text, tlen) == 0)
				break;
		if (!setting_names[i])
			return bp_error_set(err, BP_ERR_DATA, b->path, lineno, "unknown setting '%.*s'",
					    (int)(tlen > 40 ? 40 : tlen), text);
		if (!tab2)
			return bp_error_set(err, BP_ERR_DATA, b->path, lineno, "setting needs a value");
	}
	if (k == CUE_SETTING && tlen == 11 && memcmp(text, "caps-labels", 11) == 0)
		c->caps_labels = value;
	if (k == CUE_SETTING && tlen == 13 && memcmp(text, "outlet-labels", 13) == 0)
		c->outlet_labels = value;
	if (cue_add(c, (enum cue_kind)k, text, tlen, value, lineno) != BP_OK)
		return bp_error_set(err, BP_ERR_NOMEM, b->path, lineno, "out of memory");
	return BP_OK;
}

bp_status bp_cues_parse(const bp_blob *blob, const char *name, bp_cues **out, bp_error *err)
{
	bp_cues *c;
	bp_status st;
	size_t pos = 0, len;
	const char *line;
	unsigned long lineno = 0;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return bp_error_set(err, BP_ERR_NOMEM, blob->path, 0, "out of memory");
	snprintf(c->name, sizeof(c->name), "%s", name);
	while (bp_blob_next_line(blob, &pos, &line, &len)) {
		lineno++;
		if (len == 0 || line[0] == '#')
			continue;
		st = parse_cue_line(c, blob, lineno, line, len, err);
		if (st != BP_OK) {
			bp_cues_free(c);
			return st;
		}
	}
	*out = c;
	return BP_OK;
}

/* ---- line classification -------------------------------------------------- */

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* "12. ", "12) ", "3.1. ", "- ", "• ", "* " at the start of the line. */
static int match_item(bp_line *l)
{
	const char *s = l->text;
	size_t i = 0, n = l->len, nl = 0;

	if (n >= 2 && (s[0] == '-' || s[0] == '*') && s[1] == ' ') {
		l->number[0] = '\0';
		l->body = 2;
		return l->body < n;
	}
	if (n >= 4 && (unsigned char)s[0] == 0xE2 && (unsigned char)s[1] == 0x80 &&
	    ((unsigned char)s[2] == 0xA2 || (unsigned char)s[2] == 0x93 ||
	     (unsigned char)s[2] == 0x94) && s[3] == ' ') { /* • – — */
		l->number[0] = '\0';
		l->body = 4;
		return l->body < n;
	}
	for (;;) {
		size_t d = 0;
		while (i < n && is_digit((unsigned char)s[i]) && d < 3)
			i++, d++;
		if (d == 0 || (i < n && is_digit((unsigned char)s[i])))
			return 0;
		if (i + 1 < n && s[i] == '.' && is_digit((unsigned char)s[i + 1])) {
			i++;
			continue;
		}
		break;
	}
	if (i + 1 >= n || (s[i] != '.' && s[i] != ')') || s[i + 1] != ' ')
		return 0;
	nl = i < sizeof(l->number) ? i : sizeof(l->number) - 1;
	memcpy(l->number, s, nl);
	l->number[nl] = '\0';
	l->body = i + 2;
	return l->body < n;
}

/* An uppercase letter starts at s: ASCII, Latin-1, Latin Extended-A (even
 * code points are capitals there), or Cyrillic. */
static int upper_at(const unsigned char *s, size_t n)
{
	unsigned cp;

	if (n && s[0] >= 'A' && s[0] <= 'Z')
		return 1;
	if (n < 2 || (s[0] & 0xE0) != 0xC0)
		return 0;
	cp = ((unsigned)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
	return (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) ||
	       (cp >= 0x100 && cp <= 0x17F && !(cp & 1)) || (cp >= 0x400 && cp <= 0x42F);
}

static int is_particle(const char *w, size_t n)
{
	static const char *const p[] = { "de", "da", "del", "der", "van", "von", "al",
					  "bin", "ibn", "la", "le", "du", "dos", "el", NULL };
	size_t i;
	for (i = 0; p[i]; i++)
		if (strlen(p[i]) == n && memcmp(p[i], w, n) == 0)
			return 1;
	return 0;
}

/* "Question from RIA Novosti", "Question from the audience": a question cue
 * followed by "from". */
static int question_with_source(const bp_cues *cues, const char *s, size_t n)
{
	size_t i;
	for (i = 0; i < cues->n[CUE_QUESTION]; i++) {
		const cue *q = &cues->list[CUE_QUESTION][i];
		if (q->len + 6 <= n && bp_ascii_ieq(q->text, s, q->len) && bp_ascii_ieq(" from ", s + q->len, 6))
			return 1;
	}
	return 0;
}

/* Looks for "Label: " at the start of the line: a question/answer cue, or a
 * speaker's name of 2-6 capitalized words, optionally followed by a
 * parenthetical ("Maria Zakharova (adding):"). */
static void match_label(const bp_cues *cues, bp_line *l)
{
	const char *s = l->text, *colon;
	size_t n = l->len, lab, name, i, words = 0, caps = 0, wstart;
	size_t lim = n < 100 ? n : 100;

	for (i = 0; i < cues->n[CUE_QMARK]; i++) { /* "Q  Can you say...": no colon */
		const cue *q = &cues->list[CUE_QMARK][i];
		if (q->len <= n && memcmp(q->text, s, q->len) == 0 && (q->len == n || s[q->len] == ' ')) {
			l->kind = BP_LINE_LABEL;
			l->is_question = 1;
			l->label_len = q->len;
			l->body = q->len;
			while (l->body < n && s[l->body] == ' ')
				l->body++;
			return;
		}
	}
	colon = memchr(s, ':', lim);
	if (!colon || colon == s)
		return;
	lab = (size_t)(colon - s);
	if (lab + 1 < n && (is_digit((unsigned char)s[lab + 1]) || s[lab + 1] == '/'))
		return; /* "10:30", "http://" */
	name = lab;
	while (name && s[name - 1] == ' ')
		name--;
	if (name && s[name - 1] == ')') { /* drop a trailing parenthetical */
		const char *open = memchr(s, '(', name);
		if (!open)
			return;
		name = (size_t)(open - s);
		while (name && s[name - 1] == ' ')
			name--;
	}
	if (name == 0 || cue_match_line(cues, CUE_NONSPEAKER, s, lab))
		return;
	if (cue_find_word(cues, CUE_QUESTION, s, name) || question_with_source(cues, s, name)) {
		l->is_question = 1;
	} else if (cues->n[CUE_MODERATOR] && cue_find_word(cues, CUE_MODERATOR, s, name)) {
		l->is_moderator = 1;
	} else if (cues->n[CUE_OUTLET] && cue_find_word(cues, CUE_OUTLET, s, name)) {
		l->is_question = 1; /* "CCTV: ...": a question, by its outlet */
		l->is_outlet = 1;
	} else if (cues->outlet_labels && !cue_find_word(cues, CUE_ANSWER, s, name)) {
		/* every label that names no spokesperson is an outlet's question
		 * ("Bloomberg:", "China News Service:"): 1-6 words, a capital first */
		for (i = 0; i < name; i++)
			if (is_digit((unsigned char)s[i]) || s[i] == ',' || s[i] == ';' || s[i] == '"' ||
			    s[i] == '?' || s[i] == '!')
				return;
		for (i = 0, words = 1; i < name; i++)
			words += s[i] == ' ';
		if (words > 6 || !upper_at((const unsigned char *)s, name))
			return;
		l->is_question = 1;
		l->is_outlet = 1;
	} else if (cues->caps_labels) {
		/* labels in capitals ("MS. PSAKI:", "AIDE:"): no lower-case letter,
		 * at least two letters; "On Russia:" is text */
		size_t letters = 0;
		for (i = 0; i < name; i++) {
			if (s[i] >= 'a' && s[i] <= 'z')
				return;
			letters += (s[i] >= 'A' && s[i] <= 'Z') || (unsigned char)s[i] >= 0xC0;
			if (is_digit((unsigned char)s[i]) || s[i] == ',' || s[i] == ';' || s[i] == '"' ||
			    s[i] == '?' || s[i] == '!')
				return;
		}
		if (letters < 2 || name > 60)
			return;
	} else if (!cue_find_word(cues, CUE_ANSWER, s, name)) {
		for (i = 0; i <= name; i++) {
			if (i < name && s[i] != ' ')
				continue;
			wstart = i;
			while (wstart > 0 && s[wstart - 1] != ' ')
				wstart--;
			if (i == wstart)
				return;
			words++;
			if (upper_at((const unsigned char *)s + wstart, i - wstart))
				caps++;
			else if (!is_particle(s + wstart, i - wstart))
				return;
		}
		for (i = 0; i < name; i++)
			if (is_digit((unsigned char)s[i]) || s[i] == ',' || s[i] == ';' ||
			    s[i] == '"' || s[i] == '?' || s[i] == '!')
				return;
		if (words < 2 || words > 6 || caps < 2)
			return;
	}
	l->kind = BP_LINE_LABEL;
	l->label_len = name;
	l->body = lab + 1;
	while (l->body < n && s[l->body] == ' ')
		l->body++;
}

/* Where a footer phrase ends when the line starts with one, else 0. A
 * transcript file without a final newline, concatenated with the next one,
 * glues the next file's first line to its footer ("... mailing listUNITED24
 * ..."): the footer is then the shortest prefix that matches. */
static size_t footer_end(const bp_cues *cues, const char *s, size_t n)
{
	size_t i, k;

	if (n > CUE_LINE_MAX)
		return 0;
	if (cue_match_line(cues, CUE_FOOTER, s, n))
		return n;
	for (i = 0; i < cues->n[CUE_FOOTER]; i++) {
		const cue *q = &cues->list[CUE_FOOTER][i];
		if (q->text[q->len - 1] == '*' || !bp_ascii_ieq(q->text, s, 1))
			continue;
		/* a prefix that matches holds at least the cue's literal characters
		 * (at least one: see cue_check), so k - 1 never underflows */
		for (k = q->lit; k < n; k++)
			if (bp_ascii_ieq(s + k - 1, q->text + q->len - 1, 1) &&
			    glob_match(q->text, q->len, s, k))
				return k;
	}
	return 0;
}

static int match_back(const bp_cues *cues, const bp_line *l)
{
	size_t i;
	for (i = 0; i < cues->n[CUE_BACK]; i++) {
		const cue *q = &cues->list[CUE_BACK][i];
		size_t pre;
		if (q->len > l->len || !bp_ascii_ieq(q->text, l->text + l->len - q->len, q->len))
			continue;
		pre = l->len - q->len;
		while (pre && l->text[pre - 1] == ' ')
			pre--;
		if (pre == 0 || l->text[pre - 1] == '>')
			return 1;
	}
	return 0;
}

/* "7:06 P.M. EST", "10:48 AM": a time of day with a meridiem cue, then at
 * most one zone word. */
static int match_clock(const bp_cues *cues, const char *s, size_t n)
{
	size_t i = 0, d = 0, w;

	if (n > 40)
		return 0;
	while (i < n && s[i] >= '0' && s[i] <= '9' && d < 3)
		i++, d++;
	if (d == 0 || d > 2 || i + 3 > n || s[i] != ':' || !is_digit((unsigned char)s[i + 1]) ||
	    !is_digit((unsigned char)s[i + 2]))
		return 0;
	i += 3;
	while (i < n && s[i] == ' ')
		i++;
	for (w = i; w < n && s[w] != ' '; w++)
		;
	if (w == i || bp_cues_meridiem(cues, s + i, w - i) < 0)
		return 0;
	while (w < n && s[w] == ' ')
		w++;
	for (i = w; i < n; i++)
		if (!(s[i] >= 'A' && s[i] <= 'Z'))
			return 0;
	return 1;
}

/* A line that starts with a field cue ("title:"): where its value starts,
 * else 0. */
static size_t field_at(const bp_cues *cues, enum cue_kind k, const char *s, size_t n)
{
	size_t i, b;
	for (i = 0; i < cues->n[k]; i++) {
		const cue *q = &cues->list[k][i];
		if (q->len < n && bp_ascii_ieq(q->text, s, q->len) && s[q->len] == ' ') {
			for (b = q->len; b < n && s[b] == ' '; b++)
				;
			return b < n ? b : 0;
		}
	}
	return 0;
}

/* "END", "END 11:44 A.M. EDT": an end cue (case-sensitive) alone or before
 * a time of day. */
static int match_end(const bp_cues *cues, const char *s, size_t n)
{
	size_t i;
	for (i = 0; i < cues->n[CUE_END]; i++) {
		const cue *q = &cues->list[CUE_END][i];
		if (q->len <= n && memcmp(q->text, s, q->len) == 0 &&
		    (q->len == n || (s[q->len] == ' ' && match_clock(cues, s + q->len + 1, n - q->len - 1))))
			return 1;
	}
	return 0;
}

void bp_tokenizer_classify(const bp_cues *cues, bp_line *l)
{
	l->number[0] = '\0';
	l->body = 0;
	l->item_kind = BP_LINE_TEXT;
	l->label_len = 0;
	l->is_question = 0;
	l->is_moderator = 0;
	l->is_outlet = 0;
	l->is_action = 0;
	if (l->len && cues->n[CUE_TITLEFIELD] && (l->body = field_at(cues, CUE_TITLEFIELD, l->text, l->len))) {
		l->kind = BP_LINE_TITLE;
		return;
	}
	if (l->len && cues->n[CUE_DATEFIELD] && (l->body = field_at(cues, CUE_DATEFIELD, l->text, l->len))) {
		l->kind = BP_LINE_DATE;
		return;
	}
	if (l->len == 0)
		l->kind = BP_LINE_BLANK;
	else if (cues->n[CUE_END] && match_end(cues, l->text, l->len)) {
		l->kind = BP_LINE_FOOTER; /* the footer, whole: body == len */
		l->body = l->len;
	}
	else if (match_back(cues, l))
		l->kind = BP_LINE_BACK;
	else if (cue_match_line(cues, CUE_TOC, l->text, l->len))
		l->kind = BP_LINE_TOC;
	else if (cue_match_line(cues, CUE_QA, l->text, l->len))
		l->kind = BP_LINE_QA;
	else if (cue_match_prefix(cues, CUE_TITLE, l->text, l->len))
		l->kind = BP_LINE_TITLE;
	else if ((l->body = footer_end(cues, l->text, l->len)) != 0)
		l->kind = BP_LINE_FOOTER;
	else if (cue_match_line(cues, CUE_BOILER, l->text, l->len))
		l->kind = BP_LINE_BOILER;
	else if (cues->n[CUE_MERIDIEM] && match_clock(cues, l->text, l->len))
		l->kind = BP_LINE_CLOCK;
	else if (match_item(l)) {
		l->kind = BP_LINE_ITEM;
		if (cue_match_line(cues, CUE_QA, l->text + l->body, l->len - l->body))
			l->item_kind = BP_LINE_QA;
	} else {
		l->kind = BP_LINE_TEXT;
		match_label(cues, l);
		l->is_action = is_action_line(cues, l->text, l->len);
	}
}

/* ---- the streaming loop ---------------------------------------------------- */

enum { C_PLAIN, C_SPACE, C_LF, C_CR, C_NUL, C_CTRL, C_CONT, C_LEAD2, C_LEAD3, C_LEAD4, C_BAD };

/* The class of byte c, a constant expression: cls[] below is built by the
 * compiler, so that no tokenizer writes shared state (pipelines may start
 * on several threads at once). */
#define CLS(c)                                                                          \
	((c) == '\n'                     ? C_LF                                          \
	 : (c) == '\r'                   ? C_CR                                          \
	 : (c) >= 0x21 && (c) <= 0x7E    ? C_PLAIN                                       \
	 : (c) == ' ' || (c) == '\t' || (c) == '\v' || (c) == '\f' ? C_SPACE            \
	 : (c) == 0                      ? C_NUL                                         \
	 : (c) < 0x20 || (c) == 0x7F     ? C_CTRL                                        \
	 : (c) >= 0x80 && (c) <= 0xBF    ? C_CONT                                        \
	 : (c) >= 0xC2 && (c) <= 0xDF    ? C_LEAD2                                       \
	 : (c) >= 0xE0 && (c) <= 0xEF    ? C_LEAD3                                       \
	 : (c) >= 0xF0 && (c) <= 0xF4    ? C_LEAD4                                       \
					 : C_BAD)
#define CLS4(c) CLS(c), CLS((c) + 1), CLS((c) + 2), CLS((c) + 3)
#define CLS16(c) CLS4(c), CLS4((c) + 4), CLS4((c) + 8), CLS4((c) + 12)
#define CLS64(c) CLS16(c), CLS16((c) + 16), CLS16((c) + 32), CLS16((c) + 48)

static const unsigned char cls[256] = { CLS64(0), CLS64(64), CLS64(128), CLS64(192) };

struct bp_tokenizer {
	const bp_cues *cues;
	bp_line_fn line_fn;
	bp_raw_fn raw_fn;
	void *ctx;

	uint64_t off;            /* raw offset of the next byte */
	unsigned long lineno;

	/* the line being built */
	char *buf;               /* BP_LINE_MAX + 4 + 1 bytes */
	size_t len;
	bp_anchor *anchors;
	size_t nanchors, cap_anchors;
	int64_t delta;           /* raw - norm at the last anchor */
	int started;             /* a non-space character was seen */
	int pending_space;
	uint64_t space_raw;
	unsigned indent;
	uint64_t last_end;       /* raw offset after the last non-space character */
	unsigned invalid, controls, nuls;
	int truncated, map_truncated;

	/* a UTF-8 sequence split across chunks */
	unsigned char u8[4];
	int u8len, u8need;
	uint64_t u8start;

	int cr_pending;          /* a CR ended the line; an LF may follow */

	/* raw bytes of the current line from earlier chunks */
	char *carry;
	size_t carry_len;
	uint64_t line_raw;       /* raw offset where the current line starts */
	const char *chunk;       /* the chunk being fed */
};

bp_tokenizer *bp_tokenizer_new(const bp_cues *cues, bp_line_fn line, bp_raw_fn raw, void *ctx)
{
	bp_tokenizer *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->cues = cues;
	t->line_fn = line;
	t->raw_fn = raw;
	t->ctx = ctx;
	t->buf = malloc(BP_LINE_MAX + 5);
	t->cap_anchors = 64;
	t->anchors = malloc(t->cap_anchors * sizeof(bp_anchor));
	t->carry = raw ? malloc(BP_RAW_CARRY_MAX) : NULL;
	if (!t->buf || !t->anchors || (raw && !t->carry)) {
		bp_tokenizer_free(t);
		return NULL;
	}
	return t;
}

void bp_tokenizer_set_cues(bp_tokenizer *t, const bp_cues *cues)
{
	t->cues = cues;
}

void bp_tokenizer_free(bp_tokenizer *t)
{
	if (!t)
		return;
	free(t->buf);
	free(t->anchors);
	free(t->carry);
	free(t);
}

static void line_reset(bp_tokenizer *t)
{
	t->len = 0;
	t->nanchors = 0;
	t->delta = 0;
	t->started = 0;
	t->pending_space = 0;
	t->indent = 0;
	t->invalid = t->controls = t->nuls = 0;
	t->truncated = t->map_truncated = 0;
	t->carry_len = 0;
}

void bp_tokenizer_reset(bp_tokenizer *t)
{
	line_reset(t);
	t->off = 0;
	t->line_raw = 0;
	t->lineno = 0;
	t->u8len = t->u8need = 0;
	t->cr_pending = 0;
}

uint64_t bp_tokenizer_offset(const bp_tokenizer *t)
{
	return t->off;
}

static void add_anchor(bp_tokenizer *t, uint64_t raw)
{
	if (t->nanchors == t->cap_anchors) {
		bp_anchor *na;
		if (t->cap_anchors >= BP_ANCHOR_MAX) {
			t->map_truncated = 1;
			return;
		}
		na = realloc(t->anchors, t->cap_anchors * 2 * sizeof(bp_anchor));
		if (!na) {
			t->map_truncated = 1;
			return;
		}
		t->anchors = na;
		t->cap_anchors *= 2;
	}
	t->anchors[t->nanchors].norm = (uint32_t)t->len;
	t->anchors[t->nanchors].raw = raw;
	t->nanchors++;
	t->delta = (int64_t)raw - (int64_t)t->len;
}

/* Appends n normalized bytes that stand for raw bytes starting at raw, after
 * the pending space if any. */
static void emit(bp_tokenizer *t, const char *s, size_t n, uint64_t raw, uint64_t raw_end)
{
	/* past BP_LINE_MAX the line keeps its first bytes: an ASCII run is cut,
	 * a multi-byte character kept whole or dropped, no space left at the end
	 * and nothing appended after the cut */
	size_t first = (unsigned char)s[0] < 0x80 ? 1 : n;

	t->started = 1;
	t->last_end = raw_end;
	if (t->truncated)
		return;
	if (t->pending_space) {
		t->pending_space = 0;
		if (t->len + 1 + first > BP_LINE_MAX) {
			t->truncated = 1;
			return;
		}
		if (t->nanchors == 0 || (int64_t)t->space_raw - (int64_t)t->len != t->delta)
			add_anchor(t, t->space_raw);
		t->buf[t->len++] = ' ';
	}
	if (t->len + n > BP_LINE_MAX) {
		t->truncated = 1;
		if (first > 1 || t->len == BP_LINE_MAX)
			return;
		n = BP_LINE_MAX - t->len;
	}
	if (t->nanchors == 0 || (int64_t)raw - (int64_t)t->len != t->delta)
		add_anchor(t, raw);
	memcpy(t->buf + t->len, s, n);
	t->len += n;
}

static void space(bp_tokenizer *t, uint64_t raw)
{
	if (!t->started) {
		t->indent++;
		return;
	}
	if (!t->pending_space) {
		t->pending_space = 1;
		t->space_raw = raw;
	}
}

static void raw_out(bp_tokenizer *t, const char *p, size_t n, int line_end)
{
	if (!t->raw_fn)
		return;
	if (t->carry_len) {
		t->raw_fn(t->ctx, t->carry, t->carry_len, 0);
		t->carry_len = 0;
	}
	if (n || line_end)
		t->raw_fn(t->ctx, n ? p : "", n, line_end); /* never NULL */
}

static bp_status end_line(bp_tokenizer *t, const char *p, size_t n, bp_error *err);

uint64_t bp_anchor_raw(const bp_anchor *anchors, size_t n, size_t off, uint64_t none)
{
	size_t lo = 0, hi = n;

	if (!n)
		return none;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (anchors[mid].norm <= off)
			lo = mid;
		else
			hi = mid;
	}
	return anchors[lo].raw + (off - anchors[lo].norm);
}

static uint64_t anchor_raw(const bp_tokenizer *t, size_t norm)
{
	return bp_anchor_raw(t->anchors, t->nanchors, norm, t->line_raw);
}

/* A footer glued to the next file's first line: hands the footer on as a
 * line of its own, with its raw bytes up to where the phrase ends, then the
 * rest as another line (re-classified) with the remaining raw bytes. */
static bp_status split_footer(bp_tokenizer *t, bp_line *l, const char *p, size_t n, bp_error *err)
{
	size_t cut = l->body, rest = cut, i, k, a = 0;
	uint64_t raw_cut = anchor_raw(t, cut), upto = raw_cut - t->line_raw;
	char saved = t->buf[cut];
	bp_status st;

	l->len = cut;
	l->end = raw_cut;
	t->buf[cut] = '\0';
	while (l->nanchors > 1 && l->anchors[l->nanchors - 1].norm >= cut)
		l->nanchors--;
	st = t->line_fn(t->ctx, l, err);
	t->buf[cut] = saved;
	/* the line's problems went with the footer part: count them once */
	t->invalid = t->controls = t->nuls = 0;
	t->truncated = t->map_truncated = 0;
	/* raw bytes up to the cut end the footer line (a short line: all of its
	 * earlier bytes are still in the carry) */
	if (t->raw_fn) {
		if (upto <= t->carry_len) {
			t->raw_fn(t->ctx, t->carry, (size_t)upto, 1);
			memmove(t->carry, t->carry + upto, t->carry_len - (size_t)upto);
			t->carry_len -= (size_t)upto;
		} else {
			k = (size_t)upto - t->carry_len;
			if (k > n) /* fed with bp_tokenizer_feed_at: offsets are not counts */
				k = n;
			raw_out(t, p, k, 1);
			/* p is NULL at the end of the input (finish), with n = 0 */
			if (p) {
				p += k;
				n -= k;
			}
		}
	}
	if (st != BP_OK)
		return st;
	/* the rest becomes the line being built */
	while (rest < t->len && t->buf[rest] == ' ')
		rest++;
	memmove(t->buf, t->buf + rest, t->len - rest);
	t->len -= rest;
	for (i = 0; i < t->nanchors; i++) {
		if (t->anchors[i].norm < rest)
			continue;
		t->anchors[a].norm = t->anchors[i].norm - (uint32_t)rest;
		t->anchors[a].raw = t->anchors[i].raw;
		a++;
	}
	if (a == 0 || t->anchors[0].norm != 0) {
		uint64_t r0 = anchor_raw(t, rest);
		memmove(t->anchors + 1, t->anchors, a * sizeof(bp_anchor));
		t->anchors[0].norm = 0;
		t->anchors[0].raw = r0;
		a++;
	}
	t->nanchors = a;
	t->line_raw = raw_cut;
	t->indent = 0;
	t->lineno--; /* the same input line */
	return end_line(t, p, n, err);
}

/* Completes the current line; raw bytes [p, p + n) of this chunk (terminator
 * included) belong to it. */
static bp_status end_line(bp_tokenizer *t, const char *p, size_t n, bp_error *err)
{
	bp_line l;
	bp_status st;

	t->buf[t->len] = '\0';
	memset(&l, 0, sizeof(l));
	l.text = t->buf;
	l.len = t->len;
	l.lineno = ++t->lineno;
	l.indent = t->indent;
	l.anchors = t->anchors;
	l.nanchors = t->nanchors;
	l.start = t->nanchors ? t->anchors[0].raw : t->line_raw;
	l.end = t->started ? t->last_end : l.start;
	l.invalid_utf8 = t->invalid;
	l.controls = t->controls;
	l.nuls = t->nuls;
	l.truncated = t->truncated;
	l.map_truncated = t->map_truncated;
	bp_tokenizer_classify(t->cues, &l);
	if (l.kind == BP_LINE_FOOTER && l.body < l.len)
		return split_footer(t, &l, p, n, err);
	st = t->line_fn(t->ctx, &l, err);
	raw_out(t, p, n, 1);
	line_reset(t);
	if (p)
		t->line_raw = t->off + (uint64_t)(p + n - t->chunk);
	return st;
}

static void invalid_seq(bp_tokenizer *t, uint64_t raw)
{
	t->invalid++;
	emit(t, "\xEF\xBF\xBD", 3, raw, raw + 1);
}

/* A complete, valid multi-byte sequence u8[0, u8len). */
static void multibyte(bp_tokenizer *t)
{
	const unsigned char *u = t->u8;
	uint64_t raw = t->u8start, end = raw + (uint64_t)t->u8len;

	if (t->u8len == 2 && u[0] == 0xC2) {
		if (u[1] == 0xA0 || u[1] == 0x85) { /* NBSP, NEL */
			space(t, raw);
			return;
		}
		if (u[1] < 0xA0) { /* C1 controls */
			t->controls++;
			return;
		}
	}
	if (t->u8len == 3 && u[0] == 0xE2 && u[1] == 0x80) {
		if (u[2] <= 0x8A || u[2] == 0xA8 || u[2] == 0xA9 || u[2] == 0xAF) {
			space(t, raw); /* U+2000-200A, line/para separators, NNBSP */
			return;
		}
		if (u[2] >= 0x8B && u[2] <= 0x8D) /* zero-width space, (non-)joiner */
			return;
	}
	if (t->u8len == 3 && ((u[0] == 0xE2 && u[1] == 0x81 && u[2] == 0x9F) ||
			      (u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x80))) {
		space(t, raw); /* U+205F, U+3000 */
		return;
	}
	if (t->u8len == 3 && ((u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) ||
			      (u[0] == 0xE2 && u[1] == 0x81 && u[2] == 0xA0)))
		return; /* BOM / zero-width no-break space, word joiner */
	emit(t, (const char *)u, (size_t)t->u8len, raw, end);
}

/* Second-byte bounds that rule out overlong forms, surrogates and > U+10FFFF. */
static void lead_bounds(unsigned char lead, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xBF;
	if (lead == 0xE0)
		*lo = 0xA0;
	else if (lead == 0xED)
		*hi = 0x9F;
	else if (lead == 0xF0)
		*lo = 0x90;
	else if (lead == 0xF4)
		*hi = 0x8F;
}

/* The end of a run of printable ASCII starting at p[i] (which is printable)
 * with single spaces inside it: such a run is copied 1:1. Eight bytes at a
 * time while no byte is a control, DEL or non-ASCII and no two spaces touch. */
static size_t plain_run(const unsigned char *p, size_t i, size_t n)
{
	size_t j = i + 1;

	while (j + 8 <= n) {
		uint64_t x = bp_swar_load(p + j), sp;
		if (BP_SWAR_HAS_LESS(x, 0x20) | (x & BP_SWAR_HIGHS) | BP_SWAR_HAS_BYTE(x, 0x7F))
			break;
		sp = BP_SWAR_HAS_BYTE(x, ' ');
		if ((sp & (sp >> 8)) || (p[j] == ' ' && p[j - 1] == ' '))
			break; /* maybe two spaces in a row: bytewise */
		j += 8;
	}
	if (p[j - 1] == ' ')
		j--; /* a space ending the word run is for the bytewise loop */
	for (;;) {
		while (j < n && cls[p[j]] == C_PLAIN)
			j++;
		if (j + 1 < n && p[j] == ' ' && cls[p[j + 1]] == C_PLAIN)
			j += 2;
		else
			return j;
	}
}

bp_status bp_tokenizer_feed(bp_tokenizer *t, const char *bytes, size_t n, bp_error *err)
{
	const unsigned char *p = (const unsigned char *)bytes;
	size_t i = 0, line_start = 0; /* where this chunk's part of the current line starts */
	bp_status st;

	t->chunk = bytes;
	while (i < n) {
		unsigned char c = p[i];

		if (t->cr_pending) {
			t->cr_pending = 0;
			if (c == '\n') {
				i++;
				st = end_line(t, bytes + line_start, i - line_start, err);
				line_start = i;
			} else {
				st = end_line(t, bytes + line_start, i - line_start, err);
				line_start = i;
			}
			if (st != BP_OK)
				return st;
			continue;
		}
		if (t->u8need) {
			unsigned char lo = 0x80, hi = 0xBF;
			if (t->u8len == 1)
				lead_bounds(t->u8[0], &lo, &hi);
			if (c >= lo && c <= hi) {
				t->u8[t->u8len++] = c;
				i++;
				if (--t->u8need == 0) {
					multibyte(t);
					t->u8len = 0;
				}
				continue;
			}
			/* truncated sequence: one U+FFFD, then look at c afresh */
			invalid_seq(t, t->u8start);
			t->u8len = t->u8need = 0;
		}
		switch (cls[c]) {
		case C_PLAIN: {
			size_t j = plain_run(p, i, n);
			emit(t, bytes + i, j - i, t->off + i, t->off + j);
			i = j;
			continue;
		}
		case C_SPACE:
			space(t, t->off + i);
			break;
		case C_LF:
			st = end_line(t, bytes + line_start, i + 1 - line_start, err);
			line_start = i + 1;
			if (st != BP_OK) {
				t->off += i + 1;
				return st;
			}
			break;
		case C_CR:
			if (i + 1 < n) {
				size_t term = p[i + 1] == '\n' ? 2 : 1;
				st = end_line(t, bytes + line_start, i + term - line_start, err);
				line_start = i + term;
				i += term;
				if (st != BP_OK) {
					t->off += i;
					return st;
				}
				continue;
			}
			t->cr_pending = 1;
			break;
		case C_NUL:
			t->nuls++;
			break;
		case C_CTRL:
			t->controls++;
			break;
		case C_LEAD2:
		case C_LEAD3:
		case C_LEAD4:
			t->u8[0] = c;
			t->u8len = 1;
			t->u8need = cls[c] == C_LEAD2 ? 1 : cls[c] == C_LEAD3 ? 2 : 3;
			t->u8start = t->off + i;
			break;
		default: /* C_CONT, C_BAD */
			invalid_seq(t, t->off + i);
			break;
		}
		i++;
	}
	/* keep this chunk's part of the unfinished line for the raw callback */
	if (t->raw_fn && line_start < n) {
		size_t rest = n - line_start;
		if (t->carry_len + rest <= BP_RAW_CARRY_MAX) {
			memcpy(t->carry + t->carry_len, bytes + line_start, rest);
			t->carry_len += rest;
		} else {
			raw_out(t, bytes + line_start, rest, 0);
		}
	}
	t->off += n;
	return BP_OK;
}

bp_status bp_tokenizer_feed_at(bp_tokenizer *t, const char *bytes, size_t n, uint64_t raw,
			       bp_error *err)
{
	t->off = raw;
	return bp_tokenizer_feed(t, bytes, n, err);
}

bp_status bp_tokenizer_finish(bp_tokenizer *t, bp_error *err)
{
	if (t->u8need) {
		invalid_seq(t, t->u8start);
		t->u8len = t->u8need = 0;
	}
	if (t->cr_pending) {
		t->cr_pending = 0;
		return end_line(t, NULL, 0, err);
	}
	if (t->started || t->carry_len || t->invalid || t->controls || t->nuls)
		return end_line(t, NULL, 0, err);
	return BP_OK;
}
