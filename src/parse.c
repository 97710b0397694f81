/*
 * parse.c - stage 3: the section parser (bp_parse.h).
 *
 * One state per part of a briefing page; each line either changes state,
 * adds to the open block, or is dropped. Headings are recognized by position
 * (after "Back to top", after the agenda) and confirmed or completed (a
 * heading wrapped over two lines) against the agenda's titles.
 */
#include "bp_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_ascii.h"
#include "bp_buf.h"
#include "bp_words.h"

enum state {
	S_PRE,       /* before a briefing: page furniture */
	S_HEAD,      /* title seen: metadata lines until the agenda or content */
	S_AGENDA,    /* after "Table of contents" */
	S_AGENDA_QA, /* the agenda's "Answers to media questions" sub-list */
	S_BODY,      /* opening statements */
	S_QA,        /* answers to media questions */
	S_TRAILER    /* after the footer */
};

/* Lines the header and agenda recognisers cannot place yet are held, at most
 * BP_HOLD_MAX of them and each at most BP_FIELD_MAX bytes, until a later line
 * says what they were: page furniture (dropped, with a warning) or content
 * (replayed, in order, as if never held). */
#define BP_HOLD_MAX 8

typedef struct held {
	bp_line line;      /* line.text and line.anchors point into the copies */
	char *text;
	bp_anchor *anchors;
	size_t cap_text, cap_anchors;
	int blank_before;  /* a blank line came before it */
} held;

struct bp_parser {
	const bp_cues *cues;
	int untitled;         /* the profile's "untitled" setting: a briefing opens at its first line */
	int header_place;     /* "header-place": short header lines are the place */
	int qa_only;          /* "qa-only": after the header, all is Q&A (no agenda, no statements) */
	int paragraph_blank;  /* "paragraph-blank": only blank lines end paragraphs */
	int speaker_names;    /* "speaker-names": turns get a normalised speaker_name */
	int header_byline;    /* "header-byline": "Ned Price, Department Spokesperson" in the header */
	int opening_speaker;  /* "opening-speaker": text before any label is the spokesperson's */
	int title_possessive; /* "title-possessive": "Mao Ning's Regular Press Conference" */
	int profile_warn;     /* the next briefing gets a profile-unknown warning */
	bp_sink sink;
	enum state state;

	bp_briefing b;        /* the current briefing */
	int open;             /* b holds a briefing not yet handed to the sink */
	int id_set;
	unsigned nbriefings;
	int saw_text;         /* any non-blank line in the input */
	bp_warning pending[BP_WARNING_KINDS]; /* problems seen before a briefing */
	size_t npending;

	/* agenda parsing */
	int agenda_last_item; /* previous line was an item (no blank since) */
	int agenda_numbered;  /* the current list uses numbers */
	int agenda_plain;     /* items are plain lines */
	char qa_n[24];
	unsigned qa_count, top_count;
	long top_last_n;

	/* the open block */
	int have_block;
	int labelled;          /* the briefing has had a labelled turn or a statement */
	bp_block_type btype;
	bp_sbuf text;          /* heading "\n\n" body, or body */
	bp_anchor *map;
	size_t nmap, cap_map;
	size_t heading_len;
	int heading_open;      /* heading may continue on the next line */
	size_t heading_item;   /* agenda index the heading is matching, or (size_t)-1 */
	char speaker[BP_FIELD_MAX + 1];
	int has_speaker;
	char field[BP_FIELD_MAX + 1]; /* a title field continued over lines */
	size_t field_len;
	int field_open, field_lines;
	int date_weak;         /* the date came from before the title (a field, a timestamp) */
	char speaker_name[BP_FIELD_MAX + 1];
	int has_speaker_name;
	char outlet[BP_FIELD_MAX + 1];
	int has_outlet;
	uint64_t bstart, bend;
	unsigned long bline;
	int blank_before;      /* a blank line since the last appended line */
	int last_terminal;     /* the last appended line ended a sentence */
	int truncated_warned;
	int map_warned;        /* offsets-approximate counted for this block */
	int expect_heading;    /* BODY: the next text line is a heading */
	unsigned seq_statement, seq_turn, exchange;
	char pre_date[11], pre_time[6]; /* a timestamp line seen before the title */
	/* held lines (see BP_HOLD_MAX) */
	held hold[BP_HOLD_MAX];
	size_t nhold;
	int replaying;         /* held lines are being replayed: hold no more */
	int blank_prev;        /* the line before the current one was blank */
	int held_plain;        /* the held line may be the first of a plain agenda */
	int qa_after_back;     /* Q&A: the last non-blank line was "Back to top" */
	int last_blank;
	unsigned item_indent;  /* indent of the agenda's last item line */
	/* comparison keys of the agenda titles (key_of), parallel to b.agenda */
	char **keys;
	size_t *keylens;
	size_t nkeys, key_max;
};

/* ---- small helpers -------------------------------------------------------- */

static char *dupn(const char *s, size_t n)
{
	char *d;
	if (n > BP_FIELD_MAX)
		n = BP_FIELD_MAX;
	d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

static void warn_into(bp_warning *w, size_t *nw, const char *code, unsigned long count,
		      unsigned long line, const char *msg)
{
	size_t i;
	for (i = 0; i < *nw; i++) {
		if (strcmp(w[i].code, code) == 0) {
			w[i].count += count;
			return;
		}
	}
	if (*nw == BP_WARNING_KINDS)
		return;
	w[*nw].code = code;
	w[*nw].count = count;
	w[*nw].line = line;
	snprintf(w[*nw].message, sizeof(w[*nw].message), "%s", msg);
	(*nw)++;
}

/* Counts a problem on the open briefing, or keeps it for the next one. */
static void warn(bp_parser *p, const char *code, unsigned long count, unsigned long line,
		 const char *msg)
{
	if (p->open)
		warn_into(p->b.warnings, &p->b.nwarnings, code, count, line, msg);
	else
		warn_into(p->pending, &p->npending, code, count, line, msg);
}

#define KEY_MAX (BP_FIELD_MAX * 2 + 8)

/* How lines are told apart by their look; lengths are bytes of normalized
 * text. */
#define HEADING_LEN_MAX 200 /* longer: no heading found by its look, no furniture held */
#define PROSE_LEN_MIN 250   /* longer (and at a heading position, ending a sentence): running text */
#define PROSE_WORDS_MIN 5   /* a sentence of at least this many words is running text */
#define TITLE_LEN_MAX 300   /* longer: no title line without its cue */
/* Matching a line to the agenda's titles (agenda_find, agenda_similar). */
#define KEY_HEAD 16        /* bytes of the line keyed first, to reject most lines early */
#define KEY_HEAD_CUT 4     /* bytes of that key not compared: the cut may end inside a word */
#define KEY_LEN_SLACK 32   /* a line longer than the longest title by more is a paragraph */
#define SIMILAR_MIN 0.8    /* words an edited heading shares with its title (2c / (a + b)) */
/* Years a date may have. */
#define YEAR_MIN 1900
#define YEAR_MAX 2999

/* A comparison key: ASCII letters lower-cased, digits and non-ASCII letters
 * kept, punctuation (ASCII and the common typographic marks) dropped, words
 * separated by one space. */
static size_t key_of(const char *s, size_t n, char *out, size_t cap)
{
	size_t i = 0, o = 0;
	int space = 0;

	while (i < n && o + 4 < cap) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			if (space && o)
				out[o++] = ' ';
			space = 0;
			out[o++] = (char)c;
			i++;
		} else if (c >= 'A' && c <= 'Z') {
			if (space && o)
				out[o++] = ' ';
			space = 0;
			out[o++] = (char)bp_ascii_lower(c);
			i++;
		} else if (c == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80) {
			/* quotes, dashes, ellipsis: punctuation; an apostrophe joins */
			if ((unsigned char)s[i + 2] != 0x99 && (unsigned char)s[i + 2] != 0x98)
				space = 1;
			i += 3;
		} else if (c >= 0x80) {
			size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
			if (space && o)
				out[o++] = ' ';
			space = 0;
			while (len-- && i < n && o + 1 < cap)
				out[o++] = s[i++];
		} else {
			if (c != '\'') /* "Russia's" stays one word */
				space = 1;
			i++;
		}
	}
	out[o] = '\0';
	return o;
}

static void keys_clear(bp_parser *p)
{
	size_t i;
	for (i = 0; i < p->nkeys; i++)
		free(p->keys[i]);
	p->nkeys = 0;
	p->key_max = 0;
}

/* Keeps the key of agenda item i in step with its title. */
static int key_set(bp_parser *p, size_t i)
{
	char k[KEY_MAX];
	const char *title = p->b.agenda[i].title;
	size_t kl = key_of(title, strlen(title), k, sizeof(k));

	if (i >= p->nkeys) {
		char **nk = realloc(p->keys, (i + 1) * sizeof(*nk));
		size_t *nl;
		if (!nk)
			return -1;
		p->keys = nk;
		nl = realloc(p->keylens, (i + 1) * sizeof(*nl));
		if (!nl)
			return -1;
		p->keylens = nl;
		p->keys[i] = NULL;
		p->nkeys = i + 1;
	}
	free(p->keys[i]);
	p->keys[i] = dupn(k, kl);
	if (!p->keys[i])
		return -1;
	p->keylens[i] = kl;
	if (strlen(title) > p->key_max)
		p->key_max = strlen(title);
	return 0;
}

/* The agenda item (not yet used by a statement) whose title equals text, or
 * when prefix is set, whose title starts with text at a word boundary. */
static size_t agenda_find(const bp_parser *p, const char *text, size_t n, int prefix)
{
	char k[KEY_MAX];
	size_t kl, i;

	if (p->nkeys == 0 || n > p->key_max + KEY_LEN_SLACK)
		return (size_t)-1; /* longer than any title: a paragraph */
	/* most lines differ from every title in their first characters: key
	 * only those before keying the whole line */
	kl = key_of(text, n < KEY_HEAD ? n : KEY_HEAD, k, sizeof(k));
	if (kl > KEY_HEAD_CUT) {
		kl -= KEY_HEAD_CUT;
		for (i = 0; i < p->nkeys; i++)
			if (p->keylens[i] >= kl && memcmp(p->keys[i], k, kl) == 0)
				break;
		if (i == p->nkeys)
			return (size_t)-1;
	}
	kl = key_of(text, n, k, sizeof(k));
	if (kl == 0)
		return (size_t)-1;
	for (i = 0; i < p->nkeys; i++) {
		const char *t = p->keys[i];
		size_t tl = p->keylens[i];
		if (p->b.agenda[i].statement || p->b.agenda[i].qa)
			continue;
		if (!prefix && tl == kl && memcmp(t, k, kl) == 0)
			return i;
		if (prefix && tl > kl && memcmp(t, k, kl) == 0 && t[kl] == ' ')
			return i;
	}
	return (size_t)-1;
}

/* Words of key k[0, n) (space-separated) that also occur in key t[0, m). */
static size_t common_words(const char *k, size_t n, const char *t, size_t m, size_t *kw, size_t *tw)
{
	size_t i = 0, common = 0;

	*kw = *tw = 0;
	for (i = 0; i <= m; i++)
		if (i == m || t[i] == ' ')
			(*tw)++;
	i = 0;
	while (i < n) {
		size_t e = i, j = 0;
		while (e < n && k[e] != ' ')
			e++;
		(*kw)++;
		while (j < m) { /* is k[i, e) a word of t? */
			size_t f = j;
			while (f < m && t[f] != ' ')
				f++;
			if (f - j == e - i && memcmp(t + j, k + i, e - i) == 0) {
				common++;
				break;
			}
			j = f + 1;
		}
		i = e + 1;
	}
	return common;
}

/* The unused agenda item whose title shares most words with a heading that
 * matched none exactly (an edited heading: "The situation in Syria" under
 * "Situation in Syria"), when the two share at least 80% of their words. */
static size_t agenda_similar(const bp_parser *p, const char *text, size_t n)
{
	char k[KEY_MAX];
	size_t kl = key_of(text, n, k, sizeof(k)), i, best = (size_t)-1;
	double best_score = SIMILAR_MIN;

	for (i = 0; kl && i < p->nkeys; i++) {
		size_t kw, tw, c;
		double score;
		if (p->b.agenda[i].statement || p->b.agenda[i].qa)
			continue;
		c = common_words(k, kl, p->keys[i], p->keylens[i], &kw, &tw);
		score = 2.0 * (double)c / (double)(kw + tw);
		if (score >= best_score) {
			best_score = score;
			best = i;
		}
	}
	return best;
}

static int ends_sentence(const char *s, size_t n)
{
	unsigned char c;
	if (!n)
		return 0;
	c = (unsigned char)s[n - 1];
	if (c == '.' || c == '?' || c == '!' || c == ':' || c == ';' || c == '"' || c == ')')
		return 1;
	/* ” ’ » */
	return n >= 3 && (unsigned char)s[n - 3] == 0xE2 && (unsigned char)s[n - 2] == 0x80 &&
	       ((unsigned char)s[n - 1] == 0x9D || (unsigned char)s[n - 1] == 0x99);
}

/* ---- dates and titles ----------------------------------------------------- */

static int parse_uint(const char *s, size_t n, size_t *i, int maxd)
{
	int v = 0, d = 0;
	while (*i < n && s[*i] >= '0' && s[*i] <= '9' && d < maxd) {
		v = v * 10 + (s[*i] - '0');
		(*i)++;
		d++;
	}
	return d ? v : -1;
}

static size_t word_at(const char *s, size_t n, size_t i)
{
	size_t j = i;
	/* letters: ASCII, or UTF-8 ("марта"); a word of another script never
	 * names an English month, so English dates read as before */
	while (j < n && ((s[j] >= 'A' && s[j] <= 'Z') || (s[j] >= 'a' && s[j] <= 'z') || s[j] == '.' ||
			 (unsigned char)s[j] >= 0xC0 || ((unsigned char)s[j] >= 0x80 && j > i)))
		j++;
	return j - i;
}

/* After a year: " года", " г." (a profile's yearword cues) are part of the date. */
static size_t skip_yearword(const bp_cues *cues, const char *s, size_t n, size_t j)
{
	size_t w;
	if (j + 1 >= n || s[j] != ' ')
		return j;
	w = word_at(s, n, j + 1);
	return w && bp_cues_is_yearword(cues, s + j + 1, w) ? j + 1 + w : j;
}

/* Parses a date at s[i]: "9 February 2017", "February 9, 2017", "09.02.2017".
 * On success fills iso (YYYY-MM-DD) and returns the end index, else 0. */
static size_t parse_date(const bp_cues *cues, const char *s, size_t n, size_t i, char iso[11])
{
	size_t j = i, w;
	int d, m, y;

	if (j < n && s[j] >= '0' && s[j] <= '9') {
		d = parse_uint(s, n, &j, 2);
		if (j < n && s[j] == '.') { /* 09.02.2017 */
			j++;
			m = parse_uint(s, n, &j, 2);
			if (m < 1 || j >= n || s[j] != '.')
				return 0;
			j++;
			y = parse_uint(s, n, &j, 4);
			j = skip_yearword(cues, s, n, j);
		} else {
			if (j >= n || s[j] != ' ')
				return 0;
			j++;
			w = word_at(s, n, j);
			m = bp_cues_month(cues, s + j, w);
			if (!m)
				return 0;
			j += w;
			if (j < n && s[j] == ',')
				j++;
			if (j >= n || s[j] != ' ')
				return 0;
			j++;
			y = parse_uint(s, n, &j, 4);
			j = skip_yearword(cues, s, n, j);
		}
	} else {
		w = word_at(s, n, j);
		m = bp_cues_month(cues, s + j, w);
		if (!m)
			return 0;
		j += w;
		if (j >= n || s[j] != ' ')
			return 0;
		j++;
		d = parse_uint(s, n, &j, 2);
		if (j < n && s[j] == ',')
			j++;
		if (j < n && s[j] == ' ')
			j++;
		y = parse_uint(s, n, &j, 4);
		j = skip_yearword(cues, s, n, j);
	}
	if (d < 1 || d > 31 || m < 1 || m > 12 || y < YEAR_MIN || y > YEAR_MAX)
		return 0;
	snprintf(iso, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u, (unsigned)d % 100u);
	return j;
}

/* The date of a title: the last date that starts a word at or after from
 * and ends the title or a comma-separated part of it ("..., Moscow, July 14,
 * 2017" or "..., 14 July 2017, Moscow"). Sets [*ds, *de) to it, the comma
 * and space before it included; 0 when there is none. */
static int title_date(const bp_cues *cues, const char *s, size_t n, size_t from, char iso[11], size_t *ds,
		      size_t *de)
{
	char d[11];
	size_t i, j;
	int found = 0;

	for (i = from; i < n; i++) {
		if (i > from && s[i - 1] != ' ')
			continue;
		j = parse_date(cues, s, n, i, d);
		if (j && (j == n || s[j] == ',')) {
			size_t k = i;
			while (k > from && (s[k - 1] == ' ' || s[k - 1] == ','))
				k--;
			memcpy(iso, d, 11);
			*ds = k;
			*de = j;
			found = 1;
		}
	}
	return found;
}

/* "9 February 201717:54", "9 February 2017 17:54", "February 9, 2017, 17:54" */
static int parse_timestamp(const bp_cues *cues, const char *s, size_t n, char iso[11], char hm[6])
{
	size_t j, k, w = word_at(s, n, 0);
	int h, m;

	if (w && bp_cues_is_weekday(cues, s, w)) { /* "Thursday, 26 July 2018 11:41" */
		j = w;
		while (j < n && (s[j] == ',' || s[j] == ' '))
			j++;
		s += j;
		n -= j;
	}
	j = parse_date(cues, s, n, 0, iso);

	if (!j)
		return 0;
	while (j < n && (s[j] == ' ' || s[j] == ','))
		j++;
	k = j;
	h = parse_uint(s, n, &k, 2);
	if (h < 0 || h > 23 || k >= n || s[k] != ':')
		return 0;
	k++;
	m = parse_uint(s, n, &k, 2);
	if (m < 0 || m > 59 || k != n)
		return 0;
	snprintf(hm, 6, "%02u:%02u", (unsigned)h % 100u, (unsigned)m % 100u);
	return 1;
}

static int is_upper_ascii(char c)
{
	return c >= 'A' && c <= 'Z';
}

/* Where the last role word or phrase of s[0, n) ends (a comma after it
 * excluded), or 0 when it has none. */
static size_t last_role_end(const bp_cues *cues, const char *s, size_t n)
{
	size_t i = 0, ws, r, last = 0;
	while (i < n) {
		while (i < n && (s[i] == ' ' || s[i] == ','))
			i++;
		ws = i;
		r = i < n ? bp_cues_role_at(cues, s + ws, n - ws) : 0;
		if (r) {
			last = ws + r;
			i = last;
			continue;
		}
		while (i < n && s[i] != ' ')
			i++;
	}
	return last;
}

static int has_role_word(const bp_cues *cues, const char *s, size_t n)
{
	return last_role_end(cues, s, n) != 0;
}

/* Splits "ROLE NAME" at the last role word; the name is the capitalized words
 * after it. Returns 1 when a name was found, -1 when out of memory. */
static int split_role_name(const bp_cues *cues, const char *s, size_t n, char **role, char **name)
{
	size_t i, role_end = last_role_end(cues, s, n), ws;

	if (!role_end) {
		/* no role word: the name is the last two capitalized words */
		size_t k = n, words = 0;
		while (k > 0 && words < 2) {
			size_t e = k;
			while (k > 0 && s[k - 1] != ' ')
				k--;
			if (!is_upper_ascii(s[k]) && !((unsigned char)s[k] >= 0xC0)) {
				k = e;
				break;
			}
			words++;
			if (words < 2)
				while (k > 0 && s[k - 1] == ' ')
					k--;
		}
		if (words == 0)
			return 0;
		role_end = k;
		while (role_end > 0 && s[role_end - 1] == ' ')
			role_end--;
	}
	i = role_end;
	while (i < n && (s[i] == ' ' || s[i] == ','))
		i++;
	ws = i;
	/* the name: the capitalized words up to the first other word */
	while (i < n) {
		size_t e = i;
		while (e < n && s[e] != ' ')
			e++;
		if (!(is_upper_ascii(s[i]) || (unsigned char)s[i] >= 0xC0))
			break;
		i = e;
		while (i < n && s[i] == ' ')
			i++;
	}
	while (i > ws && s[i - 1] == ' ')
		i--;
	if (i == ws)
		return 0;
	*name = dupn(s + ws, i - ws);
	*role = role_end ? dupn(s, role_end) : NULL;
	return !*name || (role_end && !*role) ? -1 : 1;
}

/* The title grammar (the profile's role cues): "[Briefing by] ROLE NAME[, PLACE][, DATE]"
 * with the date and the place in either order. -1 when out of memory. */
/* A field's value unquoted ("\"Press Briefing by ...\"", YAML's escapes:
 * \_ a no-break space, \" \\ \/; '' in single quotes) into out; its length. */
static size_t unquote(const char *v, size_t n, char *out)
{
	size_t i, o = 0;
	char q = n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0] ? v[0] : 0;

	if (q)
		v++, n -= 2;
	for (i = 0; i < n && o < BP_FIELD_MAX; i++) {
		if (q == '"' && v[i] == '\\' && i + 5 < n && v[i + 1] == 'u') {
			/* \uXXXX: zero-width characters dropped, others in UTF-8 */
			unsigned cp = 0;
			size_t k;
			for (k = i + 2; k < i + 6; k++) {
				char c = v[k];
				cp = cp * 16 + (unsigned)(c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
							 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 0);
			}
			i += 5;
			if ((cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 || cp == 0xFEFF || cp < 0x20 ||
			    (cp >= 0xD800 && cp <= 0xDFFF) || o + 3 > BP_FIELD_MAX)
				continue;
			if (cp < 0x80) {
				out[o++] = (char)cp;
			} else if (cp < 0x800) {
				out[o++] = (char)(0xC0 | (cp >> 6));
				out[o++] = (char)(0x80 | (cp & 0x3F));
			} else {
				out[o++] = (char)(0xE0 | (cp >> 12));
				out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
				out[o++] = (char)(0x80 | (cp & 0x3F));
			}
		} else if (q == '"' && v[i] == '\\' && i + 1 < n) {
			char c = v[++i];
			out[o++] = c == '_' ? ' ' : c;
		} else if (q == '\'' && v[i] == '\'' && i + 1 < n && v[i + 1] == '\'') {
			out[o++] = v[i++];
		} else if (v[i] != ' ' || (o && out[o - 1] != ' ')) {
			out[o++] = v[i];
		}
	}
	while (o && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	return o;
}

/* A title that names no one: only its date. */
static int title_date_only(bp_parser *p, const char *s, size_t n)
{
	char iso[11];
	size_t ds, de;
	if (title_date(p->cues, s, n, 0, iso, &ds, &de))
		memcpy(p->b.date, iso, sizeof(iso));
	return 0;
}

/* has_prefix: 1 after a title cue ("Briefing by"), 2 in a title field
 * (where a title without " by " names no one). */
static int parse_title_text(bp_parser *p, const char *text, size_t tlen, int has_prefix)
{
	char s[BP_FIELD_MAX + 1], iso[11], *open;
	size_t n, body = 0, end, who_end, i, ds, de;

	n = tlen < BP_FIELD_MAX ? tlen : BP_FIELD_MAX;
	if (!(p->b.title = dupn(text, tlen)))
		return -1;
	memcpy(s, text, n);
	s[n] = '\0';
	while (n && (s[n - 1] == ':' || s[n - 1] == '.'))
		n--;
	/* "... Maria Zakharova (Moscow, May 15, 2024)": read the closing
	 * parenthetical as if it followed a comma */
	if (n && s[n - 1] == ')' && (open = memchr(s, '(', n)) != NULL) {
		*open = ',';
		n--;
		while (n && s[n - 1] == ' ')
			n--;
	}
	s[n] = '\0';
	if (has_prefix) {
		/* skip the cue ("Briefing by"): up to and including " by " */
		const char *by = strstr(s, " by ");
		body = by ? (size_t)(by - s) + 4 : 0;
		if (!by && has_prefix == 2)
			return title_date_only(p, s, n); /* "Background Press Call on ...": no one named */
	}
	/* the date, wherever it stands: cut out, what is left is ROLE NAME, PLACE */
	if (title_date(p->cues, s, n, body, iso, &ds, &de)) {
		memcpy(p->b.date, iso, sizeof(iso));
		while (de < n && (s[de] == ' ' || s[de] == ','))
			de++;
		if (de < n && ds > body) {
			s[ds++] = ',';
			s[ds++] = ' ';
		}
		memmove(s + ds, s + de, n - de);
		n = ds + (n - de);
		s[n] = '\0';
	}
	/* "Senior Administration Officials on the ...", "... and National
	 * Security Advisor ...": the role and name end at a title stop word */
	n = body + bp_cues_title_stop(p->cues, s + body, n - body);
	s[n] = '\0';
	end = n;
	/* "ROLE NAME[, PLACE]": the role and name end with the last comma-separated
	 * part that holds a role word (a role may hold commas itself); what
	 * follows is the place ("Sochi", "Sochi, Russia") */
	who_end = end;
	for (i = body; i < end; i++) {
		if (s[i] == ',' && has_role_word(p->cues, s + body, i - body) &&
		    !has_role_word(p->cues, s + i + 1, end - i - 1)) {
			who_end = i;
			break;
		}
	}
	if (who_end == end && !has_role_word(p->cues, s + body, end - body)) {
		const char *c = memchr(s + body, ',', end - body);
		if (c)
			who_end = (size_t)(c - s);
	}
	if (who_end < end) {
		size_t ps = who_end + 1;
		while (ps < end && s[ps] == ' ')
			ps++;
		if (ps < end && !(p->b.place = dupn(s + ps, end - ps)))
			return -1;
	}
	if (split_role_name(p->cues, s + body, who_end - body, &p->b.role, &p->b.spokesperson) < 0)
		return -1;
	if (p->title_possessive && p->b.spokesperson) { /* "Mao Ning's" */
		size_t k = strlen(p->b.spokesperson);
		if (k > 2 && strcmp(p->b.spokesperson + k - 2, "'s") == 0)
			p->b.spokesperson[k - 2] = '\0';
		else if (k > 4 && strcmp(p->b.spokesperson + k - 4, "\xE2\x80\x99s") == 0)
			p->b.spokesperson[k - 4] = '\0';
	}
	return 0;
}

static int parse_title(bp_parser *p, const bp_line *l, int has_prefix)
{
	char field[BP_FIELD_MAX + 1];

	if (l->body) /* a title field: "title: \"...\"" */
		return parse_title_text(p, field, unquote(l->text + l->body, l->len - l->body, field), 2);
	return parse_title_text(p, l->text, l->len, has_prefix);
}

static void apply_pre_timestamp(bp_parser *p);

/* Lines a quoted title field may continue over ("title: \"... Communications\"
 * then "\ Advisor John Kirby\""). */
#define FIELD_LINES_MAX 8

/* Whether a field value v[0, n) opens a double quote it does not close. */
static int field_unclosed(const char *v, size_t n)
{
	return n && v[0] == '"' && (n == 1 || v[n - 1] != '"' || v[n - 2] == '\\');
}

/* A line of a title field that continues over lines: YAML's folding (a
 * line break is a space, or nothing after a '\\'), then the title once the
 * quote closes. -1 when out of memory. */
static int title_field_line(bp_parser *p, const bp_line *l)
{
	char field[BP_FIELD_MAX + 1];
	size_t n = l->len;

	if (p->field_len && p->field[p->field_len - 1] == '\\')
		p->field_len--; /* an escaped line break */
	else if (p->field_len < BP_FIELD_MAX && n)
		p->field[p->field_len++] = ' ';
	if (n > BP_FIELD_MAX - p->field_len)
		n = BP_FIELD_MAX - p->field_len;
	memcpy(p->field + p->field_len, l->text, n);
	p->field_len += n;
	if (field_unclosed(p->field, p->field_len) && ++p->field_lines < FIELD_LINES_MAX &&
	    p->field_len < BP_FIELD_MAX)
		return 0;
	p->field_open = 0;
	if (parse_title_text(p, field, unquote(p->field, p->field_len, field), 2) != 0)
		return -1;
	apply_pre_timestamp(p);
	return 0;
}

/* A title line without the "Briefing by" cue: a role word before a date
 * ("Foreign Ministry Deputy Spokesman Artyom Kozhin, July 26, 2018"). */
static int looks_like_title(const bp_parser *p, const bp_line *l)
{
	char iso[11];
	size_t ds, de;

	if (l->len > TITLE_LEN_MAX || !l->len || l->text[l->len - 1] == '.')
		return 0;
	if (!title_date(p->cues, l->text, l->len, 0, iso, &ds, &de) || ds == 0)
		return 0;
	return has_role_word(p->cues, l->text, ds);
}

/* ---- briefing lifecycle --------------------------------------------------- */

static uint64_t fnv1a(uint64_t h, const char *s, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL; /* the 64-bit FNV prime */
	}
	return h;
}

/* The id: the date and a hash of the title and agenda titles, so that it is
 * known before the first block is emitted and stable across runs. */
static void set_id(bp_parser *p)
{
	uint64_t h = 14695981039346656037ULL; /* the 64-bit FNV-1a offset basis */
	size_t i;

	if (p->id_set)
		return;
	if (p->b.title)
		h = fnv1a(h, p->b.title, strlen(p->b.title));
	for (i = 0; i < p->b.nagenda; i++) {
		h = fnv1a(h, "\n", 1);
		h = fnv1a(h, p->b.agenda[i].title, strlen(p->b.agenda[i].title));
	}
	snprintf(p->b.id, sizeof(p->b.id), "%s-%08x", p->b.date[0] ? p->b.date : "undated",
		 (unsigned)(h ^ (h >> 32)));
	p->id_set = 1;
}

static void briefing_clear(bp_briefing *b)
{
	size_t i;
	free(b->title);
	free(b->role);
	free(b->spokesperson);
	free(b->spokesperson_name);
	free(b->place);
	for (i = 0; i < b->nagenda; i++)
		free(b->agenda[i].title);
	free(b->agenda);
	memset(b, 0, sizeof(*b));
}

/* strdup that keeps NULL; *ok drops to 0 when a copy fails. */
static char *dup_or_null(const char *s, int *ok)
{
	char *d;
	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*ok = 0;
	return d;
}

bp_briefing *bp_briefing_copy(const bp_briefing *b)
{
	bp_briefing *c = malloc(sizeof(*c));
	int ok = 1;

	if (!c)
		return NULL;
	*c = *b;
	c->title = dup_or_null(b->title, &ok);
	c->role = dup_or_null(b->role, &ok);
	c->spokesperson = dup_or_null(b->spokesperson, &ok);
	c->spokesperson_name = dup_or_null(b->spokesperson_name, &ok);
	c->place = dup_or_null(b->place, &ok);
	c->agenda = NULL;
	c->nagenda = 0;
	if (b->nagenda) {
		c->agenda = calloc(b->nagenda, sizeof(*c->agenda));
		if (!c->agenda)
			ok = 0;
		for (size_t i = 0; c->agenda && i < b->nagenda; i++) {
			c->agenda[i] = b->agenda[i];
			c->agenda[i].title = dup_or_null(b->agenda[i].title, &ok);
			c->nagenda = i + 1;
		}
	}
	if (!ok) {
		bp_briefing_free(c);
		return NULL;
	}
	return c;
}

void bp_briefing_free(bp_briefing *copy)
{
	if (copy) {
		briefing_clear(copy);
		free(copy);
	}
}

static bp_status close_block(bp_parser *p, bp_error *err);
static bp_status end_held(bp_parser *p, bp_error *err);
static bp_status end_place_paragraph(bp_parser *p, bp_error *err);

/* Hands the open briefing to the sink (after its last block). */
static bp_status close_briefing(bp_parser *p, bp_error *err)
{
	bp_status st;
	size_t i, qa;

	if (!p->open)
		return BP_OK;
	if (p->field_open) { /* the input ended inside a title field */
		char field[BP_FIELD_MAX + 1];
		p->field_open = 0;
		if (parse_title_text(p, field, unquote(p->field, p->field_len, field), 2) != 0)
			return bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
		apply_pre_timestamp(p);
	}
	st = end_held(p, err);
	if (st != BP_OK)
		return st;
	st = close_block(p, err);
	if (st != BP_OK)
		return st;
	set_id(p);
	if (p->b.spokesperson && !p->b.spokesperson_name && bp_cues_has_nominative(p->cues)) {
		char nom[BP_FIELD_MAX + 1];
		const char *name = bp_cues_nominative(p->cues, p->b.spokesperson, nom, sizeof(nom))
					   ? nom
					   : p->b.spokesperson;
		if (!(p->b.spokesperson_name = dupn(name, strlen(name))))
			return bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
	}
	if (!p->b.title)
		warn(p, "no-title", 1, p->b.first_line, "no title line (\"Briefing by ...\") was found");
	if (!p->b.date[0])
		warn(p, "no-date", 1, p->b.first_line, "no briefing date was found");
	if (p->b.title && !p->b.spokesperson)
		warn(p, "no-spokesperson", 1, p->b.first_line, "the title names no spokesperson");
	if (p->b.statements == 0 && p->b.questions == 0 && p->b.answers == 0)
		warn(p, "no-content", 1, p->b.first_line, "no statements or questions were found");
	if (p->b.nagenda == 0 && p->b.statements > 0)
		warn(p, "no-agenda", 1, p->b.first_line,
		     "no table of contents was found: headings were found by layout alone");
	for (i = 0, qa = 0; i < p->b.nagenda; i++) {
		qa += p->b.agenda[i].qa;
		p->b.linked += p->b.agenda[i].statement != 0;
	}
	if (qa && p->b.questions == 0)
		warn(p, "no-questions", 1, p->b.first_line,
		     "the agenda lists topics of the answers to questions but no question was found");
	for (i = 0; i < p->b.nagenda; i++) {
		if (!p->b.agenda[i].qa && !p->b.agenda[i].statement) {
			char msg[160];
			snprintf(msg, sizeof(msg), "agenda item %s has no statement with its heading",
				 p->b.agenda[i].n);
			warn(p, "agenda-unmatched", 1, p->b.agenda[i].line, msg);
		}
		if (p->b.agenda[i].qa && !p->b.agenda[i].turn_words && p->b.questions + p->b.answers) {
			char msg[160];
			snprintf(msg, sizeof(msg),
				 "Q&A topic %s shares no word with any question or answer",
				 p->b.agenda[i].n);
			warn(p, "qa-topic-unmatched", 1, p->b.agenda[i].line, msg);
		}
	}
	st = p->sink.briefing(p->sink.ctx, &p->b, err);
	briefing_clear(&p->b);
	keys_clear(p);
	p->open = 0;
	p->id_set = 0;
	return st;
}

/* A timestamp seen above the title gives the time, and the date when the
 * title has none. */
static void apply_pre_timestamp(bp_parser *p)
{
	if (p->pre_time[0] && !p->b.time[0])
		memcpy(p->b.time, p->pre_time, sizeof(p->b.time));
	if (p->pre_date[0] && !p->b.date[0]) {
		memcpy(p->b.date, p->pre_date, sizeof(p->b.date));
		p->date_weak = 1; /* a header date line may say better */
	}
	p->pre_time[0] = p->pre_date[0] = '\0';
}

static bp_status open_briefing(bp_parser *p, const bp_line *l, bp_error *err)
{
	bp_status st;
	size_t i;

	if (p->open) {
		if (p->sink.cut)
			p->sink.cut(p->sink.ctx, BP_CUT_BEFORE_LINE);
		st = close_briefing(p, err);
		if (st != BP_OK)
			return st;
	}
	memset(&p->b, 0, sizeof(p->b));
	p->b.profile = bp_cues_name(p->cues);
	p->b.moderator_cues = bp_cues_has_moderator(p->cues);
	p->b.language = bp_cues_language(p->cues);
	p->b.index = ++p->nbriefings;
	p->date_weak = 0;
	p->b.first_line = l->lineno;
	p->b.start = l->start;
	p->open = 1;
	for (i = 0; i < p->npending; i++)
		warn_into(p->b.warnings, &p->b.nwarnings, p->pending[i].code, p->pending[i].count,
			  p->pending[i].line, p->pending[i].message);
	p->npending = 0;
	if (p->profile_warn) {
		warn(p, "profile-unknown", 1, l->lineno,
		     "no layout profile matched: read with the generic profile (paragraphs and "
		     "\"Name:\" turns)");
		p->profile_warn = 0;
	}
	p->agenda_last_item = p->agenda_numbered = p->agenda_plain = 0;
	p->qa_n[0] = '\0';
	p->qa_count = p->top_count = 0;
	p->top_last_n = 0;
	p->expect_heading = 0;
	p->seq_statement = p->seq_turn = p->exchange = 0;
	p->labelled = 0;
	p->nhold = 0;
	p->item_indent = 0;
	p->qa_after_back = 0;
	return BP_OK;
}

/* ---- blocks ------------------------------------------------------------- */

const char *bp_block_type_name(bp_block_type t)
{
	static const char *const names[] = { "statement", "question", "answer", "moderator" };
	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "answer";
}

/* Adds an offset anchor to the open block. Past BP_BLOCK_ANCHORS_MAX the
 * anchor is dropped and the block's later offsets are approximate: a
 * warning says so. -1 when memory runs out. */
static int map_add(bp_parser *p, size_t norm, uint64_t raw, unsigned long line)
{
	if (p->nmap && p->map[p->nmap - 1].norm == norm) {
		p->map[p->nmap - 1].raw = raw;
		return 0;
	}
	if (p->nmap == BP_BLOCK_ANCHORS_MAX) {
		if (!p->map_warned)
			warn(p, "offsets-approximate", 1, line,
			     "a block has more offset anchors than the anchor limit: offsets in "
			     "the rest of it are approximate");
		p->map_warned = 1;
		return 0;
	}
	if (bp_grow(&p->map, &p->cap_map, p->nmap + 1, sizeof(bp_anchor), 256) != 0)
		return -1;
	p->map[p->nmap].norm = (uint32_t)norm;
	p->map[p->nmap].raw = raw;
	p->nmap++;
	return 0;
}

static uint64_t line_raw(const bp_line *l, size_t off)
{
	return bp_anchor_raw(l->anchors, l->nanchors, off, l->start);
}

uint64_t bp_block_raw(const bp_block *b, size_t off)
{
	return bp_anchor_raw(b->map, b->nmap, off, b->start);
}

/* A NUL-terminated string (or NULL) copied into a; *ok drops to 0 on failure. */
static const char *arena_str(bp_arena *a, const char *s, int *ok)
{
	const char *d;
	if (!s)
		return NULL;
	if (!(d = bp_arena_copy(a, s, strlen(s) + 1)))
		*ok = 0;
	return d;
}

int bp_block_copy(bp_block *dst, const bp_block *b, bp_arena *a)
{
	int ok = 1;

	*dst = *b;
	dst->buf = bp_arena_copy(a, b->buf, b->len + 1); /* with its NUL */
	dst->map = b->nmap ? bp_arena_copy(a, b->map, b->nmap * sizeof(*b->map)) : NULL;
	ok = dst->buf && (!b->nmap || dst->map);
	dst->briefing_id = arena_str(a, b->briefing_id, &ok);
	dst->date = arena_str(a, b->date, &ok);
	dst->agenda = arena_str(a, b->agenda, &ok);
	dst->speaker = arena_str(a, b->speaker, &ok);
	dst->speaker_name = arena_str(a, b->speaker_name, &ok);
	dst->outlet = arena_str(a, b->outlet, &ok);
	return ok ? 0 : -1;
}

/* Appends line text [from, len) to the open block, after sep. */
static bp_status block_append(bp_parser *p, const bp_line *l, size_t from, const char *sep,
			      bp_error *err)
{
	size_t n = l->len - from, base, i;

	if (p->text.len + strlen(sep) + n > BP_BLOCK_MAX) {
		if (!p->truncated_warned)
			warn(p, "block-truncated", 1, l->lineno,
			     "a block longer than the block limit was truncated");
		p->truncated_warned = 1;
		p->bend = l->end;
		return BP_OK;
	}
	if (bp_sbuf_add(&p->text, sep, strlen(sep)) != 0)
		return bp_error_set(err, BP_ERR_NOMEM, NULL, l->lineno, "out of memory");
	base = p->text.len;
	if (map_add(p, base, line_raw(l, from), l->lineno) != 0)
		return bp_error_set(err, BP_ERR_NOMEM, NULL, l->lineno, "out of memory");
	for (i = 0; i < l->nanchors; i++)
		if (l->anchors[i].norm > from &&
		    map_add(p, base + (l->anchors[i].norm - from), l->anchors[i].raw, l->lineno) != 0)
			return bp_error_set(err, BP_ERR_NOMEM, NULL, l->lineno, "out of memory");
	if (bp_sbuf_add(&p->text, l->text + from, n) != 0)
		return bp_error_set(err, BP_ERR_NOMEM, NULL, l->lineno, "out of memory");
	p->bend = l->end;
	return BP_OK;
}

static bp_status start_block(bp_parser *p, bp_block_type type, const bp_line *l)
{
	p->have_block = 1;
	p->btype = type;
	if (type == BP_BLOCK_STATEMENT || l->kind == BP_LINE_LABEL)
		p->labelled = 1;
	p->text.len = 0;
	if (p->text.s)
		p->text.s[0] = '\0';
	p->nmap = 0;
	p->heading_len = 0;
	p->heading_open = 0;
	p->heading_item = (size_t)-1;
	p->has_speaker = 0;
	p->has_speaker_name = 0;
	p->has_outlet = 0;
	p->bstart = l->start;
	p->bend = l->end;
	p->bline = l->lineno;
	p->blank_before = 0;
	p->last_terminal = 1;
	p->truncated_warned = 0;
	p->map_warned = 0;
	return BP_OK;
}

/* Adds a body line to the open block: a paragraph of its own after a blank
 * line or a sentence end, else a continuation of a hard-wrapped paragraph. */
static bp_status add_paragraph(bp_parser *p, const bp_line *l, size_t from, bp_error *err)
{
	const char *sep;
	bp_status st;

	if (p->text.len == 0)
		sep = "";
	else if (p->heading_len && p->text.len == p->heading_len)
		sep = "\n\n"; /* the heading, then the first paragraph */
	else if (p->blank_before || (p->last_terminal && !p->paragraph_blank))
		sep = "\n\n";
	else
		sep = " "; /* a hard-wrapped paragraph */
	st = block_append(p, l, from, sep, err);
	p->blank_before = 0;
	p->last_terminal = ends_sentence(l->text, l->len);
	return st;
}

/* ---- Q&A topics and the turns ------------------------------------------ */

#define TOPIC_PREFIX 5     /* characters of a word two words must share */
#define TOPIC_ENDING_MAX 4 /* characters of a title word past what it shares */

/* s[0, n) folded to lower case into out (ASCII and Cyrillic letters,
 * bp_words_lower: the same byte length); the length. */
static size_t fold_text(const char *s, size_t n, char *out)
{
	for (size_t i = 0; i < n;) {
		unsigned char low[2];
		size_t k = bp_words_lower((const unsigned char *)s + i, n - i, low);
		if (k) {
			memcpy(out + i, low, k);
			i += k;
		} else {
			out[i] = s[i];
			i++;
		}
	}
	return n;
}

/* A word byte for Q&A topics: a letter or digit, or any byte of a non-ASCII
 * character but those of U+2000-U+2FFF (dashes, quotes) and U+00A0-U+00BF. */
static int topic_word_byte(const unsigned char *s, size_t n, size_t i)
{
	unsigned char c = s[i];
	size_t k = i;
	if (c < 0x80)
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
	while (k > 0 && (s[k] & 0xC0) == 0x80) /* the character's lead byte */
		k--;
	if (s[k] == 0xE2 || (s[k] == 0xC2 && k + 1 < n && s[k + 1] >= 0xA0))
		return 0;
	return 1;
}

/* Whether folded text t[0, tn) has a word that shares with a word of folded
 * title w[0, wn) a prefix of at least TOPIC_PREFIX characters, the title
 * word going on past it by TOPIC_ENDING_MAX characters at most (an ending):
 * a content word and its inflections ("Astana", "сотрудничестве" and
 * "сотрудничество", "negotiations" and "negotiate", "barbarity" and
 * "barbaric") share a stem, while junk that merely starts like some word
 * of the turns ("Sochimasterplan" and "Sochi") does not. Title words
 * shorter than TOPIC_PREFIX characters do not count. */
static int shares_word(const char *w, size_t wn, const char *t, size_t tn)
{
	const unsigned char *a = (const unsigned char *)w, *b = (const unsigned char *)t;
	size_t i = 0;

	while (i < wn) {
		size_t j = i, chars = 0, pre = 0;
		if (!topic_word_byte(a, wn, i)) {
			i++;
			continue;
		}
		while (j < wn && topic_word_byte(a, wn, j)) {
			if ((a[j] & 0xC0) != 0x80 && ++chars == TOPIC_PREFIX + 1)
				pre = j - i;
			j++;
		}
		if (chars == TOPIC_PREFIX)
			pre = j - i;
		if (chars >= TOPIC_PREFIX) {
			for (size_t k = 0; k + pre <= tn; k++) {
				const char *hit = memchr(t + k, w[i], tn - k);
				size_t m, same = 0;
				if (!hit)
					break;
				k = (size_t)(hit - t);
				if (k + pre > tn || memcmp(t + k, w + i, pre) != 0 ||
				    (k > 0 && topic_word_byte(b, tn, k - 1)))
					continue;
				/* the common prefix, cut back to a whole character */
				for (m = pre; i + m < j && k + m < tn && a[i + m] == b[k + m]; m++)
					;
				while (m > 0 && i + m < j && (a[i + m] & 0xC0) == 0x80)
					m--;
				for (size_t q = 0; q < m; q++)
					same += (a[i + q] & 0xC0) != 0x80;
				if (same >= TOPIC_PREFIX && chars - same <= TOPIC_ENDING_MAX)
					return 1;
			}
		}
		i = j;
	}
	return 0;
}

/* A question or answer closes: the Q&A topics it shares a content word with
 * are linked to the turns. */
static int link_qa_topics(bp_parser *p, const char *text, size_t n)
{
	char *ft = NULL;
	for (size_t i = 0; i < p->b.nagenda; i++) {
		bp_agenda_item *a = &p->b.agenda[i];
		char ftitle[BP_FIELD_MAX * 2 + 1];
		size_t tl;
		if (!a->qa || a->turn_words)
			continue;
		if (!ft) {
			if (!(ft = malloc(n + 1)))
				return -1;
			fold_text(text, n, ft);
		}
		tl = strlen(a->title);
		if (tl > sizeof(ftitle) - 1)
			tl = sizeof(ftitle) - 1;
		fold_text(a->title, tl, ftitle);
		a->turn_words = shares_word(ftitle, tl, ft, n);
	}
	free(ft);
	return 0;
}

static bp_status close_block(bp_parser *p, bp_error *err)
{
	bp_block b;
	bp_status st;

	if (!p->have_block)
		return BP_OK;
	p->have_block = 0;
	set_id(p);
	memset(&b, 0, sizeof(b));
	b.type = p->btype;
	b.briefing_id = p->b.id;
	b.date = p->b.date;
	b.buf = p->text.s ? p->text.s : "";
	b.len = p->text.len;
	b.heading_len = p->heading_len;
	b.text_off = p->heading_len ? (p->text.len > p->heading_len ? p->heading_len + 2 : p->heading_len)
				    : 0;
	b.start = p->bstart;
	b.end = p->bend;
	b.map = p->map;
	b.nmap = p->nmap;
	b.line = p->bline;
	b.profile = p->b.profile;
	b.language = p->b.language;
	if (p->btype == BP_BLOCK_STATEMENT) {
		b.seq = ++p->seq_statement;
		p->b.statements++;
		if (p->heading_item != (size_t)-1) {
			p->b.agenda[p->heading_item].statement = b.seq;
			b.agenda = p->b.agenda[p->heading_item].n;
		} else {
			p->b.unlinked++;
		}
		if (p->heading_item == (size_t)-1 && p->b.nagenda) {
			char msg[160];
			snprintf(msg, sizeof(msg), "a heading on line %lu is not in the agenda", p->bline);
			warn(p, "heading-unmatched", 1, p->bline, msg);
		}
	} else {
		b.seq = ++p->seq_turn;
		b.exchange = p->exchange;
		if (p->btype == BP_BLOCK_QUESTION)
			p->b.questions++;
		else if (p->btype == BP_BLOCK_ANSWER)
			p->b.answers++;
		else
			p->b.moderator++;
		b.speaker = p->has_speaker ? p->speaker : NULL;
		b.speaker_name = p->has_speaker_name ? p->speaker_name : NULL;
		b.outlet = p->has_outlet ? p->outlet : NULL;
		if (p->btype != BP_BLOCK_MODERATOR && link_qa_topics(p, b.buf, b.len) != 0)
			return bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
	}
	if (b.end > p->b.end)
		p->b.end = b.end;
	st = p->sink.block(p->sink.ctx, &b, err);
	return st;
}


#define HEADING_SKIPPED "lines at a heading position that can be no heading were skipped"
#define TURN_SKIPPED "lines after \"Back to top\" that are no part of a turn were skipped"
#define AGENDA_SKIPPED "lines in the table of contents that are no agenda item were skipped"

/* ---- lines the recognisers do not know ------------------------------------ */

/* A letter: ASCII, or a non-ASCII lead byte outside the punctuation blocks
 * (U+0080-U+00BF: no-break space, quotes, signs; U+2000-U+2FFF: dashes,
 * bullets, arrows, box drawing). */
static int has_letter(const char *s, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= 0xC3 && c <= 0xDF) ||
		    c >= 0xE3)
			return 1;
	}
	return 0;
}

/* Whether s[0, n) holds the two bytes a b in a row. */
static int has_pair(const char *s, size_t n, char a, char b)
{
	size_t i;
	for (i = 0; i + 1 < n; i++)
		if (s[i] == a && s[i + 1] == b)
			return 1;
	return 0;
}

/* A line that can be no title, heading, item or speaker label: no letter at
 * all (a document number "1349-27-06-2019", a lone "|" or "*"), or markup
 * left over from a page (" rel="111">, <a href=...). */
static int is_debris(const bp_line *l)
{
	if (!l->len || !has_letter(l->text, l->len))
		return 1;
	if (l->text[0] == '<' || has_pair(l->text, l->len, '=', '"') ||
	    has_pair(l->text, l->len, '=', '\''))
		return 1;
	return l->text[l->len - 1] == '>' && (memchr(l->text, '"', l->len) || memchr(l->text, '<', l->len));
}

/* A line that reads as a sentence of running text, not as page furniture:
 * it ends with a full stop and has at least five words, or it is long. */
static int is_prose(const bp_line *l)
{
	size_t i, spaces = 0;
	if (l->len > PROSE_LEN_MIN)
		return 1;
	if (!l->len || (l->text[l->len - 1] != '.' && l->text[l->len - 1] != '?'))
		return 0;
	for (i = 0; i < l->len; i++)
		spaces += l->text[i] == ' ';
	return spaces >= PROSE_WORDS_MIN - 1;
}

/* Holds a copy of line l; 0 when it cannot be held (the hold is full, the
 * line is too long to be furniture, or memory ran out: then it is content). */
static int hold_line(bp_parser *p, const bp_line *l)
{
	held *h;

	if (p->replaying || p->nhold == BP_HOLD_MAX || l->len > BP_FIELD_MAX || l->truncated)
		return 0;
	h = &p->hold[p->nhold];
	if (h->cap_text < l->len + 1) {
		char *t = realloc(h->text, l->len + 1);
		if (!t)
			return 0;
		h->text = t;
		h->cap_text = l->len + 1;
	}
	if (h->cap_anchors < l->nanchors + 1) {
		bp_anchor *a = realloc(h->anchors, (l->nanchors + 1) * sizeof(*a));
		if (!a)
			return 0;
		h->anchors = a;
		h->cap_anchors = l->nanchors + 1;
	}
	memcpy(h->text, l->text, l->len);
	h->text[l->len] = '\0';
	if (l->nanchors)
		memcpy(h->anchors, l->anchors, l->nanchors * sizeof(*h->anchors));
	h->line = *l;
	h->line.text = h->text;
	h->line.anchors = h->anchors;
	h->blank_before = p->blank_prev;
	p->nhold++;
	return 1;
}

/* Whether a held line reads as content (see is_prose). */
static int held_prose(const bp_parser *p)
{
	size_t i;
	for (i = 0; i < p->nhold; i++)
		if (is_prose(&p->hold[i].line))
			return 1;
	return 0;
}

/* The held lines were page furniture: dropped, counted under code. */
static void drop_held(bp_parser *p, const char *code, const char *msg)
{
	if (!p->nhold)
		return;
	warn(p, code, p->nhold, p->hold[0].line.lineno, msg);
	p->b.skipped += (unsigned)p->nhold;
	p->nhold = 0;
}

static bp_status state_line(bp_parser *p, const bp_line *l, bp_error *err);

/* The held lines were content: each goes through the parser in order, as it
 * would have had it not been held, blank lines before it included. */
static bp_status flush_held(bp_parser *p, bp_error *err)
{
	bp_line blank;
	size_t i, n = p->nhold;
	int saved = p->blank_prev;
	bp_status st = BP_OK;

	if (!n)
		return BP_OK;
	p->replaying = 1;
	p->nhold = 0;
	for (i = 0; i < n && st == BP_OK; i++) {
		if (p->hold[i].blank_before) {
			memset(&blank, 0, sizeof(blank));
			blank.kind = BP_LINE_BLANK;
			blank.text = "";
			blank.lineno = p->hold[i].line.lineno;
			st = state_line(p, &blank, err);
			if (st != BP_OK)
				break;
		}
		st = state_line(p, &p->hold[i].line, err);
	}
	p->replaying = 0;
	if (st == BP_OK && saved) {
		memset(&blank, 0, sizeof(blank));
		blank.kind = BP_LINE_BLANK;
		blank.text = "";
		st = state_line(p, &blank, err);
	}
	p->blank_prev = saved;
	return st;
}

/* The briefing ends with lines held: after "Back to top" in the statements
 * or the Q&A they were the page's furniture; in the header, content. */
static bp_status end_held(bp_parser *p, bp_error *err)
{
	if (p->state == S_BODY) {
		drop_held(p, "heading-line-skipped", HEADING_SKIPPED);
		return BP_OK;
	}
	if (p->state == S_QA) {
		drop_held(p, "turn-line-skipped", TURN_SKIPPED);
		return BP_OK;
	}
	if (p->state == S_HEAD && p->qa_only)
		return end_place_paragraph(p, err); /* the place, or the first turn */
	return flush_held(p, err);
}

/* The held lines were content; then line l, in whatever state they left. */
static bp_status flush_then(bp_parser *p, const bp_line *l, bp_error *err)
{
	bp_status st = flush_held(p, err);
	return st == BP_OK ? state_line(p, l, err) : st;
}

/* ---- states --------------------------------------------------------------- */

static bp_status start_statement(bp_parser *p, const bp_line *l, bp_error *err)
{
	size_t from = 0, hit, hl;
	bp_status st = close_block(p, err);

	if (st != BP_OK)
		return st;
	p->expect_heading = 0;
	if (l->kind == BP_LINE_ITEM && agenda_find(p, l->text + l->body, l->len - l->body, 0) != (size_t)-1)
		from = l->body;
	start_block(p, BP_BLOCK_STATEMENT, l);
	hl = l->len - from;
	if (hl > BP_FIELD_MAX)
		hl = BP_FIELD_MAX;
	{
		bp_line part = *l;
		part.len = from + hl;
		st = block_append(p, &part, from, "", err);
	}
	if (st != BP_OK)
		return st;
	p->heading_len = p->text.len;
	hit = agenda_find(p, l->text + from, hl, 0);
	if (hit != (size_t)-1) {
		p->heading_item = hit;
	} else if ((hit = agenda_find(p, l->text + from, hl, 1)) != (size_t)-1) {
		p->heading_item = hit;
		p->heading_open = 1;
	} else {
		p->heading_item = agenda_similar(p, l->text + from, hl);
	}
	return BP_OK;
}

/* A line right after a heading that was a prefix of an agenda title: it
 * continues the heading when the two together still match that title. */
static int continue_heading(bp_parser *p, const bp_line *l, bp_error *err)
{
	char joined[KEY_MAX], k[KEY_MAX], t[KEY_MAX];
	const char *title = p->b.agenda[p->heading_item].title;
	size_t jl, kl, tl;

	p->heading_open = 0;
	if (p->heading_len + 1 + l->len >= sizeof(joined))
		return 0;
	memcpy(joined, p->text.s, p->heading_len);
	joined[p->heading_len] = ' ';
	memcpy(joined + p->heading_len + 1, l->text, l->len);
	jl = p->heading_len + 1 + l->len;
	kl = key_of(joined, jl, k, sizeof(k));
	tl = key_of(title, strlen(title), t, sizeof(t));
	if (kl > tl || memcmp(t, k, kl) != 0 || (kl < tl && t[kl] != ' '))
		return 0;
	if (block_append(p, l, 0, " ", err) != BP_OK)
		return -1;
	p->heading_len = p->text.len;
	p->heading_open = kl < tl;
	return 1;
}

/* A line inside a statement that starts the next one although no "Back to
 * top" came before it and it matches no agenda title exactly: a short
 * capitalized line without a sentence end, after a blank line, when the
 * briefing has no agenda or the line resembles an unused agenda title. */
static int looks_like_heading(const bp_parser *p, const bp_line *l)
{
	unsigned char c = (unsigned char)l->text[0];

	if (l->kind != BP_LINE_TEXT || !p->blank_before || l->len > HEADING_LEN_MAX ||
	    ends_sentence(l->text, l->len))
		return 0;
	if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0xC0))
		return 0;
	return p->b.nagenda == 0 || agenda_similar(p, l->text, l->len) != (size_t)-1;
}

/* Whether a line at a heading position reads as a paragraph instead. */
static int reads_as_paragraph(const bp_parser *p, const bp_line *l)
{
	if (agenda_find(p, l->text, l->len, 0) != (size_t)-1)
		return 0;
	return l->len > PROSE_LEN_MIN && ends_sentence(l->text, l->len);
}

static bp_status qa_line(bp_parser *p, const bp_line *l, bp_error *err);

/* Whether a line is an unused agenda item's heading: its title, the first
 * part of it (a wrapped heading), or a close edit of it. */
static int matches_agenda(const bp_parser *p, const bp_line *l)
{
	return agenda_find(p, l->text, l->len, 0) != (size_t)-1 || agenda_find(p, l->text, l->len, 1) != (size_t)-1 ||
	       agenda_similar(p, l->text, l->len) != (size_t)-1;
}

/* Whether a line at a heading position of a briefing with an agenda is
 * held: it matches no agenda title (not even in part), is no sentence, and
 * may be furniture ("Share", "Print version") when a heading or the footer
 * follows. */
static int hold_heading(bp_parser *p, const bp_line *l)
{
	if (!p->expect_heading || !p->b.nagenda || l->kind != BP_LINE_TEXT || is_prose(l) ||
	    l->len > HEADING_LEN_MAX)
		return 0;
	if (matches_agenda(p, l))
		return 0;
	return hold_line(p, l);
}

static bp_status body_line(bp_parser *p, const bp_line *l, bp_error *err)
{
	int r;

	if (p->nhold && l->kind != BP_LINE_BLANK) {
		/* held after "Back to top": furniture when a heading follows */
		if (l->kind == BP_LINE_QA || l->kind == BP_LINE_BACK || (l->kind == BP_LINE_LABEL && l->is_question) ||
		    (l->kind == BP_LINE_TEXT && matches_agenda(p, l)))
			drop_held(p, "heading-line-skipped", HEADING_SKIPPED);
		else if (!(l->kind == BP_LINE_TEXT && (is_debris(l) || l->is_action)))
			return flush_then(p, l, err);
	}
	switch (l->kind) {
	case BP_LINE_BLANK:
		p->blank_before = 1;
		return BP_OK;
	case BP_LINE_BACK:
		p->expect_heading = 1;
		p->heading_open = 0;
		return BP_OK;
	case BP_LINE_QA:
		p->state = S_QA;
		return close_block(p, err);
	case BP_LINE_LABEL:
		if (l->is_question || p->untitled) { /* a Q&A without its heading */
			p->state = S_QA;
			return qa_line(p, l, err);
		}
		break;
	default:
		break;
	}
	if (p->have_block && p->heading_open && p->text.len == p->heading_len) {
		r = continue_heading(p, l, err);
		if (r < 0)
			return BP_ERR_NOMEM;
		if (r > 0)
			return BP_OK;
	}
	if (p->expect_heading && l->kind == BP_LINE_TEXT && (is_debris(l) || l->is_action)) {
		warn(p, "heading-line-skipped", 1, l->lineno, HEADING_SKIPPED);
		p->b.skipped++;
		return BP_OK;
	}
	if (hold_heading(p, l))
		return BP_OK;
	if (!p->have_block || (p->expect_heading && !reads_as_paragraph(p, l)) ||
	    agenda_find(p, l->text, l->len, 0) != (size_t)-1 || looks_like_heading(p, l))
		return start_statement(p, l, err);
	p->expect_heading = 0;
	return add_paragraph(p, l, 0, err);
}

/* Whether word w[0, n) occurs in s as a word (ASCII case folded); its
 * start in *at. */
static int find_word(const char *s, const char *w, size_t n, size_t *at)
{
	size_t i, sl = strlen(s);
	for (i = 0; i + n <= sl; i++)
		if ((i == 0 || s[i - 1] == ' ') && bp_ascii_ieq(s + i, w, n) &&
		    (i + n == sl || s[i + n] == ' ' || s[i + n] == ',' || s[i + n] == ')')) {
			*at = i;
			return 1;
		}
	return 0;
}

/* The speaker's name normalised: honorifics dropped ("MS. PSAKI"), a
 * surname completed from the briefing's title ("Jen Psaki"), else the words
 * in capitals title-cased ("SENIOR ADMINISTRATION OFFICIAL" -> "Senior
 * Administration Official"); a label in mixed case stays as printed. */
static void normalise_speaker(bp_parser *p, const char *s, size_t n, char *out)
{
	size_t i = 0, o = 0, at, words = 0, k;
	int caps = 1, up = 1;

	while (i < n) { /* leading honorifics */
		size_t e = i;
		while (e < n && s[e] != ' ')
			e++;
		if (e == n || !bp_cues_is_honorific(p->cues, s + i, e - i))
			break;
		i = e + 1;
	}
	for (k = i; k < n; k++) {
		if (s[k] >= 'a' && s[k] <= 'z')
			caps = 0;
		words += s[k] == ' ';
	}
	if (words == 0 && p->b.spokesperson && find_word(p->b.spokesperson, s + i, n - i, &at)) {
		snprintf(out, BP_FIELD_MAX + 1, "%s", p->b.spokesperson); /* "MR PRICE" -> "Ned Price" */
		return;
	}
	if (words == 0 && p->b.title && find_word(p->b.title, s + i, n - i, &at)) {
		/* the surname in the title: with the capitalised words before it */
		size_t st = at, w = 0;
		while (st > 0 && w < 2) {
			size_t ws = st - 1;
			while (ws > 0 && p->b.title[ws - 1] != ' ')
				ws--;
			if (!(p->b.title[ws] >= 'A' && p->b.title[ws] <= 'Z') || p->b.title[st - 2] == ',' ||
			    bp_cues_role_at(p->cues, p->b.title + ws, st - 1 - ws) == st - 1 - ws)
				break;
			st = ws;
			w++;
		}
		k = at + (n - i) - st; /* from the first name to the surname's end */
		memcpy(out, p->b.title + st, k);
		out[k] = '\0';
		return;
	}
	for (; i < n && o < BP_FIELD_MAX; i++) {
		char c = s[i];
		if (caps && c >= 'A' && c <= 'Z' && !up)
			c = (char)(c - 'A' + 'a');
		up = c == ' ' || c == '-' || c == '\'' || c == '(';
		out[o++] = c;
	}
	out[o] = '\0';
}

static void copy_speaker(bp_parser *p, const bp_line *l)
{
	size_t n = l->label_len > BP_FIELD_MAX ? BP_FIELD_MAX : l->label_len;
	memcpy(p->speaker, l->text, n);
	p->speaker[n] = '\0';
	p->has_speaker = 1;
	if (p->speaker_names) {
		normalise_speaker(p, p->speaker, n, p->speaker_name);
		p->has_speaker_name = p->speaker_name[0] != '\0';
	}
}

static bp_status qa_line(bp_parser *p, const bp_line *l, bp_error *err)
{
	bp_status st;
	int after_back = p->qa_after_back;

	if (l->kind != BP_LINE_BLANK)
		p->qa_after_back = l->kind == BP_LINE_BACK;
	if (p->nhold && l->kind != BP_LINE_BLANK) {
		/* held after "Back to top": furniture when a label follows */
		if (l->kind == BP_LINE_LABEL || l->kind == BP_LINE_BACK || l->kind == BP_LINE_QA)
			drop_held(p, "turn-line-skipped", TURN_SKIPPED);
		else
			return flush_then(p, l, err);
	}
	/* a line after "Back to top" that is no sentence (a banner may end in
	 * '!') is held: furniture when a label or the footer follows */
	if (after_back && l->kind == BP_LINE_TEXT && p->have_block &&
	    (is_debris(l) || ((!ends_sentence(l->text, l->len) || l->text[l->len - 1] == '!') &&
			      l->len <= HEADING_LEN_MAX)) &&
	    hold_line(p, l))
		return BP_OK;
	switch (l->kind) {
	case BP_LINE_BLANK:
		p->blank_before = 1;
		return BP_OK;
	case BP_LINE_BACK:
	case BP_LINE_QA:
	case BP_LINE_TOC:
		return BP_OK;
	case BP_LINE_LABEL:
		st = close_block(p, err);
		if (st != BP_OK)
			return st;
		if (l->is_question) {
			p->exchange++;
			p->b.exchanges++;
			start_block(p, BP_BLOCK_QUESTION, l);
			if (l->is_outlet) {
				size_t n = l->label_len > BP_FIELD_MAX ? BP_FIELD_MAX : l->label_len;
				memcpy(p->outlet, l->text, n);
				p->outlet[n] = '\0';
				p->has_outlet = 1;
			}
		} else if (l->is_moderator) {
			start_block(p, BP_BLOCK_MODERATOR, l);
			copy_speaker(p, l);
		} else {
			if (p->exchange == 0) {
				p->exchange++;
				p->b.exchanges++;
			}
			start_block(p, BP_BLOCK_ANSWER, l);
			copy_speaker(p, l);
		}
		if (l->body < l->len)
			return add_paragraph(p, l, l->body, err);
		return BP_OK;
	default:
		if (!p->have_block) {
			if (!(p->opening_speaker && p->b.spokesperson && p->b.questions == 0))
				warn(p, "unlabelled-turn", 1, l->lineno,
				     "text in the Q&A before any \"Question:\" or speaker label");
			if (p->exchange == 0) {
				p->exchange++;
				p->b.exchanges++;
			}
			start_block(p, BP_BLOCK_ANSWER, l);
			if (p->opening_speaker && p->b.spokesperson && p->b.questions == 0) {
				/* the spokesperson's opening announcements */
				snprintf(p->speaker, sizeof(p->speaker), "%s", p->b.spokesperson);
				p->has_speaker = 1;
				if (p->speaker_names) {
					snprintf(p->speaker_name, sizeof(p->speaker_name), "%s", p->b.spokesperson);
					p->has_speaker_name = 1;
				}
			}
		}
		return add_paragraph(p, l, 0, err);
	}
}

static bp_status agenda_add(bp_parser *p, const bp_line *l, size_t from, const char *n)
{
	bp_agenda_item *na, *a;

	if (p->b.nagenda >= BP_AGENDA_MAX) {
		warn(p, "agenda-truncated", 1, l->lineno, "more agenda items than the agenda limit");
		return BP_OK;
	}
	na = realloc(p->b.agenda, (p->b.nagenda + 1) * sizeof(*na));
	if (!na)
		return BP_ERR_NOMEM;
	p->b.agenda = na;
	a = &na[p->b.nagenda];
	memset(a, 0, sizeof(*a));
	snprintf(a->n, sizeof(a->n), "%s", n);
	a->title = dupn(l->text + from, l->len - from);
	if (!a->title)
		return BP_ERR_NOMEM;
	a->qa = p->state == S_AGENDA_QA;
	a->line = l->lineno;
	p->b.nagenda++;
	return key_set(p, p->b.nagenda - 1) == 0 ? BP_OK : BP_ERR_NOMEM;
}

/* A wrapped agenda title: append the line to the previous item. */
static bp_status agenda_continue(bp_parser *p, const bp_line *l)
{
	bp_agenda_item *a = &p->b.agenda[p->b.nagenda - 1];
	size_t ol = strlen(a->title), nl = l->len;
	char *t;

	if (ol + 1 + nl > BP_FIELD_MAX)
		return BP_OK;
	t = realloc(a->title, ol + nl + 2);
	if (!t)
		return BP_ERR_NOMEM;
	t[ol] = ' ';
	memcpy(t + ol + 1, l->text, nl);
	t[ol + 1 + nl] = '\0';
	a->title = t;
	return key_set(p, p->b.nagenda - 1) == 0 ? BP_OK : BP_ERR_NOMEM;
}

static void enter_agenda_qa(bp_parser *p, const char *number)
{
	if (number && number[0])
		snprintf(p->qa_n, sizeof(p->qa_n), "%s", number);
	else
		snprintf(p->qa_n, sizeof(p->qa_n), "%ld", p->top_last_n + 1);
	p->state = S_AGENDA_QA;
	p->qa_count = 0;
	p->agenda_last_item = 0;
	p->agenda_plain = 0;
	p->agenda_numbered = 0;
}

static bp_status leave_agenda(bp_parser *p, const bp_line *l, enum state next, bp_error *err);

/* A line right after an agenda item that continues its wrapped title: it
 * starts in lower case, hangs deeper than the item's marker, or follows a
 * title cut at a comma or a dash. Anything else is an item or furniture. */
static int continues_item(const bp_parser *p, const bp_line *l)
{
	const char *t = p->b.agenda[p->b.nagenda - 1].title;
	size_t tl = strlen(t);
	unsigned char c = (unsigned char)l->text[0], e = tl ? (unsigned char)t[tl - 1] : 0;

	if (c >= 'a' && c <= 'z')
		return 1;
	if (l->indent > p->item_indent)
		return 1;
	return e == ',' || e == '-' || e == '(' || (tl >= 3 && (unsigned char)t[tl - 3] == 0xE2 &&
						     (unsigned char)t[tl - 2] == 0x80 &&
						     ((unsigned char)t[tl - 1] == 0x93 || (unsigned char)t[tl - 1] == 0x94));
}


static bp_status agenda_line(bp_parser *p, const bp_line *l, bp_error *err)
{
	char n[48];
	int sub = p->state == S_AGENDA_QA;
	unsigned count = sub ? p->qa_count : p->top_count;

	switch (l->kind) {
	case BP_LINE_BLANK:
		p->agenda_last_item = 0;
		return BP_OK;
	case BP_LINE_QA:
		drop_held(p, "agenda-line-skipped", AGENDA_SKIPPED);
		if (sub && p->qa_count) /* the real Q&A heading after the topic list */
			return leave_agenda(p, l, S_QA, err);
		enter_agenda_qa(p, NULL);
		return BP_OK;
	case BP_LINE_ITEM:
		drop_held(p, "agenda-line-skipped", AGENDA_SKIPPED);
		p->item_indent = l->indent;
		if (l->item_kind == BP_LINE_QA) {
			enter_agenda_qa(p, l->number);
			return BP_OK;
		}
		if (count && p->agenda_plain)
			break; /* a numbered line inside a plain list is text */
		p->agenda_numbered = l->number[0] != '\0';
		if (sub) {
			/* by position: sub-lists may restart at 1, continue the
			 * top-level numbers (16, 17, ...) or have gaps */
			snprintf(n, sizeof(n), "%s.%u", p->qa_n, ++p->qa_count);
		} else {
			long v = l->number[0] ? strtol(l->number, NULL, 10) : p->top_last_n + 1;
			snprintf(n, sizeof(n), "%s", l->number[0] ? l->number : "");
			if (!l->number[0])
				snprintf(n, sizeof(n), "%ld", v);
			p->top_last_n = v;
			p->top_count++;
		}
		p->agenda_last_item = 1;
		return agenda_add(p, l, l->body, n) == BP_OK
			       ? BP_OK
			       : bp_error_set(err, BP_ERR_NOMEM, NULL, l->lineno, "out of memory");
	case BP_LINE_TEXT:
		break;
	case BP_LINE_LABEL:
		if (l->is_question || sub) {
			if (p->nhold && held_prose(p))
				return flush_then(p, l, err);
			drop_held(p, "agenda-line-skipped", AGENDA_SKIPPED);
			return leave_agenda(p, l, S_QA, err);
		}
		break;
	default:
		if (p->nhold)
			return flush_then(p, l, err);
		return leave_agenda(p, l, S_BODY, err);
	}
	/* a text line: the first heading, a wrapped item, a plain item,
	 * furniture, or the end of the agenda */
	if (agenda_find(p, l->text, l->len, 0) != (size_t)-1) {
		drop_held(p, "agenda-line-skipped", AGENDA_SKIPPED);
		return leave_agenda(p, l, S_BODY, err);
	}
	if (is_debris(l) || l->is_action) {
		warn(p, "agenda-line-skipped", 1, l->lineno, AGENDA_SKIPPED);
		p->b.skipped++;
		return BP_OK;
	}
	if (p->nhold && (p->held_plain || is_prose(l)))
		return flush_then(p, l, err); /* held plain items; or the end of the agenda */
	if (count && p->agenda_last_item && !p->agenda_plain && continues_item(p, l))
		return agenda_continue(p, l) == BP_OK
			       ? BP_OK
			       : bp_error_set(err, BP_ERR_NOMEM, NULL, l->lineno, "out of memory");
	if ((count == 0 || p->agenda_plain) && l->len <= BP_FIELD_MAX && l->text[l->len - 1] != '.') {
		/* plain lines: a list without numbers or bullets; the first is
		 * held until the next line says whether the list is plain */
		if (count == 0 && hold_line(p, l)) {
			p->held_plain = 1;
			return BP_OK;
		}
		if (count && !p->agenda_last_item && p->agenda_numbered)
			return leave_agenda(p, l, S_BODY, err);
		p->agenda_plain = 1;
		if (sub)
			snprintf(n, sizeof(n), "%s.%u", p->qa_n, ++p->qa_count);
		else {
			snprintf(n, sizeof(n), "%ld", ++p->top_last_n);
			p->top_count++;
		}
		p->agenda_last_item = 1;
		return agenda_add(p, l, 0, n) == BP_OK
			       ? BP_OK
			       : bp_error_set(err, BP_ERR_NOMEM, NULL, l->lineno, "out of memory");
	}
	/* in a numbered list: furniture when more items follow (held until
	 * then), else the first line after the agenda */
	if (count && !is_prose(l) && hold_line(p, l)) {
		p->held_plain = 0;
		p->agenda_last_item = 0;
		return BP_OK;
	}
	if (p->nhold)
		return flush_then(p, l, err);
	return leave_agenda(p, l, S_BODY, err);
}

static bp_status leave_agenda(bp_parser *p, const bp_line *l, enum state next, bp_error *err)
{
	p->state = next;
	p->expect_heading = 1;
	if (next == S_QA)
		return qa_line(p, l, err);
	return body_line(p, l, err);
}

#define HEADER_SKIPPED "lines between the title and the agenda that are no header line were skipped"

/* The header: the title seen, metadata until the agenda or the content.
 * Lines it does not know are held until a later line says what they were:
 * furniture when the agenda follows, the first statement otherwise. */
/* A header line that is the place ("James S. Brady Press Briefing Room",
 * "Aboard Air Force One"): appended to it. -1 when out of memory. */
static int add_place(bp_parser *p, const bp_line *l)
{
	size_t ol = p->b.place ? strlen(p->b.place) : 0;
	char *t;

	if (ol + 2 + l->len > BP_FIELD_MAX)
		return 0;
	t = realloc(p->b.place, ol + l->len + 3);
	if (!t)
		return -1;
	if (ol)
		memcpy(t + ol, ", ", 2), ol += 2;
	memcpy(t + ol, l->text, l->len);
	t[ol + l->len] = '\0';
	p->b.place = t;
	return 0;
}

/* Whether the held lines, one paragraph joined by spaces, read as running
 * text (as is_prose): "This call is on background, attributable to
 * \"senior administration / officials,\" and the contents will be embargoed
 * until 5:00 a.m." is one wrapped sentence, not a place. */
static int held_paragraph_prose(const bp_parser *p)
{
	size_t len = 0, spaces = 0;
	const bp_line *last;

	if (!p->nhold)
		return 0;
	for (size_t i = 0; i < p->nhold; i++) {
		const bp_line *h = &p->hold[i].line;
		len += h->len + (i > 0);
		spaces += i > 0;
		for (size_t k = 0; k < h->len; k++)
			spaces += h->text[k] == ' ';
	}
	last = &p->hold[p->nhold - 1].line;
	if (len > PROSE_LEN_MIN)
		return 1;
	if (!last->len || (last->text[last->len - 1] != '.' && last->text[last->len - 1] != '?'))
		return 0;
	return spaces >= PROSE_WORDS_MIN - 1;
}

/* The header paragraph whose lines were held as the place ended (see
 * head_line): they are the place, or, when the paragraph reads as running
 * text, the first turn's text (the turns start). */
static bp_status end_place_paragraph(bp_parser *p, bp_error *err)
{
	if (!p->nhold)
		return BP_OK;
	if (held_paragraph_prose(p)) {
		p->state = S_QA;
		return flush_held(p, err);
	}
	for (size_t i = 0; i < p->nhold; i++)
		if (add_place(p, &p->hold[i].line) != 0)
			return bp_error_set(err, BP_ERR_NOMEM, NULL, p->hold[i].line.lineno, "out of memory");
	p->nhold = 0;
	return BP_OK;
}

static int parse_field_date(const bp_cues *cues, const char *s, size_t n, char iso[11]);

/* A date alone in the header, in parentheses or not ("(June 14, 2021)"):
 * the briefing's date when its title has none (over a date field's, which
 * may be the day it was published). */
static int header_date(bp_parser *p, const bp_line *l, int apply)
{
	char iso[11];
	const char *t = l->text;
	size_t n = l->len;

	if (n >= 2 && t[0] == '(' && t[n - 1] == ')')
		t++, n -= 2;
	if (n >= 10 && t[4] == '-' && t[7] == '-' && parse_field_date(p->cues, t, 10, iso)) {
		/* "2023-04-28 19:13" */
		size_t i = 11;
		int h, m;
		if (n > 10 && (t[10] != ' ' || (h = parse_uint(t, n, &i, 2)) < 0 || h > 23 || i >= n ||
			       t[i] != ':'))
			return 0;
		if (n > 10) {
			i++;
			m = parse_uint(t, n, &i, 2);
			if (m < 0 || m > 59 || i != n)
				return 0;
			if (apply && !p->b.time[0])
				snprintf(p->b.time, sizeof(p->b.time), "%02u:%02u", (unsigned)h % 100u,
					 (unsigned)m % 100u);
		}
	} else if (!n || parse_date(p->cues, t, n, 0, iso) != n) {
		return 0;
	}
	if (apply && (!p->b.date[0] || p->date_weak)) {
		memcpy(p->b.date, iso, sizeof(iso));
		p->date_weak = 0;
	}
	return 1;
}

/* "Ned Price, Department Spokesperson": a name, a comma, a role (a role
 * word in it): the spokesperson and role. 1 when it was one, -1 when out
 * of memory. */
static int byline(bp_parser *p, const bp_line *l)
{
	const char *c = memchr(l->text, ',', l->len);
	size_t nl, i, words = 1, rs;

	if (!c || l->len > TITLE_LEN_MAX || ends_sentence(l->text, l->len))
		return 0;
	nl = (size_t)(c - l->text);
	for (i = 0; i < nl; i++) {
		if (l->text[i] == ' ') {
			words++;
			continue;
		}
		if ((i == 0 || l->text[i - 1] == ' ') && !is_upper_ascii(l->text[i]) &&
		    (unsigned char)l->text[i] < 0xC0)
			return 0;
	}
	rs = nl + 1;
	while (rs < l->len && l->text[rs] == ' ')
		rs++;
	if (words < 2 || words > 4 || !has_role_word(p->cues, l->text + rs, l->len - rs))
		return 0;
	free(p->b.role);
	p->b.spokesperson = dupn(l->text, nl);
	p->b.role = dupn(l->text + rs, l->len - rs);
	return p->b.spokesperson && p->b.role ? 1 : -1;
}

static bp_status head_line(bp_parser *p, const bp_line *l, bp_error *err)
{
	char iso[11], hm[6];

	if (p->qa_only) { /* no agenda, no statements: the turns start */
		/* a short header line that is no sentence is (part of) the place;
		 * with paragraph-blank, where only blank lines end paragraphs,
		 * the place lines of a paragraph are held until it ends, since a
		 * hard-wrapped sentence may start with such a line */
		int place = p->header_place && l->kind == BP_LINE_TEXT && !is_debris(l) &&
			    !is_prose(l) && l->len <= HEADING_LEN_MAX &&
			    !strchr("?!:\"'", l->text[l->len - 1]) && !header_date(p, l, 0);
		if (p->nhold) {
			bp_status st;
			if (place && !p->header_byline && hold_line(p, l))
				return BP_OK; /* (a byline would end the paragraph) */
			if (l->kind == BP_LINE_TEXT && !place && !is_debris(l) && !header_date(p, l, 0)) {
				/* the paragraph goes on as a sentence: the turns start */
				p->state = S_QA;
				return flush_then(p, l, err);
			}
			if ((st = end_place_paragraph(p, err)) != BP_OK)
				return st;
			if (p->state != S_HEAD)
				return state_line(p, l, err);
		}
		if (l->kind == BP_LINE_BLANK || l->kind == BP_LINE_BOILER)
			return BP_OK;
		if (l->kind == BP_LINE_TEXT && header_date(p, l, 1))
			return BP_OK;
		if (p->header_byline && l->kind == BP_LINE_TEXT && !p->b.spokesperson) {
			int r = byline(p, l);
			if (r < 0)
				return bp_error_set(err, BP_ERR_NOMEM, NULL, l->lineno, "out of memory");
			if (r > 0)
				return BP_OK;
		}
		if (place && p->paragraph_blank && hold_line(p, l))
			return BP_OK;
		if (place)
			return add_place(p, l) == 0
				       ? BP_OK
				       : bp_error_set(err, BP_ERR_NOMEM, NULL, l->lineno, "out of memory");
		p->state = S_QA;
		return qa_line(p, l, err);
	}
	switch (l->kind) {
	case BP_LINE_BLANK:
	case BP_LINE_BOILER:
		return BP_OK;
	case BP_LINE_TOC:
		drop_held(p, "header-line-skipped", HEADER_SKIPPED);
		p->state = S_AGENDA;
		return BP_OK;
	case BP_LINE_QA:
		if (p->nhold && held_prose(p))
			return flush_then(p, l, err);
		drop_held(p, "header-line-skipped", HEADER_SKIPPED);
		p->state = S_QA;
		return BP_OK;
	case BP_LINE_ITEM: /* an agenda without a "Table of contents" line */
		if (p->nhold && held_prose(p))
			return flush_then(p, l, err);
		drop_held(p, "header-line-skipped", HEADER_SKIPPED);
		p->state = S_AGENDA;
		return agenda_line(p, l, err);
	case BP_LINE_LABEL:
		if (l->is_question) {
			if (p->nhold && held_prose(p))
				return flush_then(p, l, err);
			drop_held(p, "header-line-skipped", HEADER_SKIPPED);
			p->state = S_QA;
			return qa_line(p, l, err);
		}
		break;
	case BP_LINE_TEXT:
		break;
	default:
		if (p->nhold)
			return flush_then(p, l, err);
		break;
	}
	if (parse_timestamp(p->cues, l->text, l->len, iso, hm)) {
		memcpy(p->b.time, hm, sizeof(hm));
		if (!p->b.date[0])
			memcpy(p->b.date, iso, sizeof(iso));
		return BP_OK;
	}
	if (parse_date(p->cues, l->text, l->len, 0, iso) == l->len) {
		if (!p->b.date[0])
			memcpy(p->b.date, iso, sizeof(iso));
		return BP_OK;
	}
	if (l->kind == BP_LINE_TEXT && is_debris(l)) {
		warn(p, "header-line-skipped", 1, l->lineno, HEADER_SKIPPED);
		p->b.skipped++;
		return BP_OK;
	}
	if (l->kind == BP_LINE_TEXT && hold_line(p, l))
		return BP_OK;
	if (p->nhold)
		return flush_then(p, l, err);
	/* content without an agenda: the first statement */
	p->state = S_BODY;
	p->expect_heading = 1;
	return body_line(p, l, err);
}

static void count_line_problems(bp_parser *p, const bp_line *l)
{
	char msg[160];
	if (l->invalid_utf8) {
		snprintf(msg, sizeof(msg), "invalid UTF-8 replaced with U+FFFD (first on line %lu)", l->lineno);
		warn(p, "invalid-utf8", l->invalid_utf8, l->lineno, msg);
	}
	if (l->controls) {
		snprintf(msg, sizeof(msg), "control characters removed (first on line %lu)", l->lineno);
		warn(p, "control-characters", l->controls, l->lineno, msg);
	}
	if (l->nuls) {
		snprintf(msg, sizeof(msg), "NUL bytes removed (first on line %lu)", l->lineno);
		warn(p, "nul-bytes", l->nuls, l->lineno, msg);
	}
	if (l->truncated) {
		snprintf(msg, sizeof(msg), "line %lu is longer than %u bytes and was truncated", l->lineno,
			 BP_LINE_MAX);
		warn(p, "line-truncated", 1, l->lineno, msg);
	}
	if (l->map_truncated)
		warn(p, "offsets-approximate", 1, l->lineno,
		     "a line has too many white-space runs: offsets in it are approximate");
}

/* The page footer (or a closing time) ends the briefing's content. */
static bp_status end_by_footer(bp_parser *p, bp_error *err)
{
	bp_status st = end_held(p, err);
	if (st != BP_OK)
		return st;
	if (p->sink.cut)
		p->sink.cut(p->sink.ctx, BP_CUT_AFTER_LINE);
	p->state = S_TRAILER;
	return close_block(p, err);
}

/* "7:06 P.M. EST": hours and minutes (24-hour) into hm; 0 when it is none. */
static int parse_clock(const bp_cues *cues, const char *s, size_t n, char hm[6])
{
	size_t i = 0, w;
	int h = parse_uint(s, n, &i, 2), m, add;

	if (h < 1 || h > 12 || i >= n || s[i] != ':')
		return 0;
	i++;
	m = parse_uint(s, n, &i, 2);
	while (i < n && s[i] == ' ')
		i++;
	for (w = i; w < n && s[w] != ' '; w++)
		;
	add = bp_cues_meridiem(cues, s + i, w - i);
	if (m < 0 || m > 59 || add < 0)
		return 0;
	h = h % 12 + add;
	snprintf(hm, 6, "%02u:%02u", (unsigned)h % 100u, (unsigned)m % 100u);
	return 1;
}

/* A date field's value: "'2021-01-20'", "2021-01-20", or a date as titles
 * write it; into iso. 0 when it is none. */
static int parse_field_date(const bp_cues *cues, const char *s, size_t n, char iso[11])
{
	size_t i = 0;
	int y, m, d;

	if (n >= 2 && (s[0] == '\'' || s[0] == '"') && s[n - 1] == s[0])
		s++, n -= 2;
	y = parse_uint(s, n, &i, 4);
	if (i == 4 && i < n && s[i] == '-') {
		i++;
		m = parse_uint(s, n, &i, 2);
		if (i < n && s[i] == '-') {
			i++;
			d = parse_uint(s, n, &i, 2);
			if (y >= YEAR_MIN && y <= YEAR_MAX && m >= 1 && m <= 12 && d >= 1 && d <= 31 &&
			    (i == n || s[i] == ' ' || s[i] == 'T')) {
				snprintf(iso, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
					 (unsigned)d % 100u);
				return 1;
			}
		}
		return 0;
	}
	return parse_date(cues, s, n, 0, iso) != 0;
}

/* A time alone ("7:06 P.M. EST"): the briefing's time in its header (or
 * before its title), its end after its content. Content is a labelled turn
 * or a statement: before one (the header's lines may have been read as an
 * unlabelled turn) the time is still the header's. A date field: the date
 * when the title has none. */
static bp_status clock_or_date_line(bp_parser *p, const bp_line *l, bp_error *err)
{
	char hm[6], iso[11];
	int before = p->state == S_PRE || p->state == S_TRAILER;

	if (l->kind == BP_LINE_DATE) {
		if (parse_field_date(p->cues, l->text + l->body, l->len - l->body, iso)) {
			if (before)
				memcpy(p->pre_date, iso, sizeof(iso));
			else if (!p->b.date[0])
				memcpy(p->b.date, iso, sizeof(iso));
		}
		return BP_OK;
	}
	if (!parse_clock(p->cues, l->text, l->len, hm) || p->state == S_TRAILER)
		return BP_OK;
	if (p->state == S_PRE) {
		memcpy(p->pre_time, hm, sizeof(hm));
		return BP_OK;
	}
	if (p->state == S_HEAD || p->state == S_AGENDA || p->state == S_AGENDA_QA || !p->labelled) {
		if (!p->b.time[0])
			memcpy(p->b.time, hm, sizeof(hm));
		return BP_OK;
	}
	return end_by_footer(p, err);
}

bp_status bp_parser_line(void *parser, const bp_line *l, bp_error *err)
{
	bp_parser *p = parser;
	bp_status st;

	if (l->kind != BP_LINE_BLANK)
		p->saw_text = 1;
	p->blank_prev = p->last_blank;
	p->last_blank = l->kind == BP_LINE_BLANK;
	if (p->field_open && p->open) {
		count_line_problems(p, l);
		return title_field_line(p, l) == 0
			       ? BP_OK
			       : bp_error_set(err, BP_ERR_NOMEM, NULL, l->lineno, "out of memory");
	}
	if (l->kind == BP_LINE_TITLE || (l->kind == BP_LINE_TEXT && (p->state == S_PRE || p->state == S_TRAILER) &&
					 looks_like_title(p, l))) {
		if (p->open && p->state == S_HEAD && !p->b.nagenda && !p->have_block)
			return BP_OK; /* a repeated title line */
		st = open_briefing(p, l, err);
		if (st != BP_OK)
			return st;
		count_line_problems(p, l);
		p->state = S_HEAD;
		if (l->kind == BP_LINE_TITLE && l->body && field_unclosed(l->text + l->body, l->len - l->body)) {
			p->field_len = l->len - l->body < BP_FIELD_MAX ? l->len - l->body : BP_FIELD_MAX;
			memcpy(p->field, l->text + l->body, p->field_len);
			p->field_open = 1;
			p->field_lines = 1;
			return BP_OK;
		}
		if (parse_title(p, l, l->kind == BP_LINE_TITLE) != 0)
			return bp_error_set(err, BP_ERR_NOMEM, NULL, l->lineno, "out of memory");
		apply_pre_timestamp(p);
		return BP_OK;
	}
	if (p->untitled && p->state == S_PRE && l->kind != BP_LINE_BLANK && l->kind != BP_LINE_BOILER &&
	    l->kind != BP_LINE_FOOTER) {
		/* a layout without title lines: the briefing starts here */
		st = open_briefing(p, l, err);
		if (st != BP_OK)
			return st;
		apply_pre_timestamp(p);
		p->state = S_BODY;
	}
	count_line_problems(p, l);
	if (l->kind == BP_LINE_FOOTER && p->open && p->state != S_TRAILER)
		return end_by_footer(p, err);
	if (l->kind == BP_LINE_CLOCK || l->kind == BP_LINE_DATE)
		return clock_or_date_line(p, l, err);
	if (l->kind == BP_LINE_BOILER)
		return BP_OK;
	return state_line(p, l, err);
}

/* A line of text outside the transcript's structure, before its title or
 * after its footer: words that are no furniture cue (BP_LINE_BOILER never
 * gets here) and no "Back to top"; lines of no letter (rules, document
 * numbers, lone punctuation) are debris, not text. */
static int outside_text(const bp_line *l)
{
	return (l->kind == BP_LINE_TEXT || l->kind == BP_LINE_ITEM || l->kind == BP_LINE_LABEL) &&
	       has_letter(l->text, l->len);
}

/* A line in the current state (titles, footers and furniture dealt with). */
static bp_status state_line(bp_parser *p, const bp_line *l, bp_error *err)
{
	bp_status st;

	switch (p->state) {
	case S_PRE:
	case S_TRAILER:
		if (l->kind == BP_LINE_TEXT &&
		    parse_timestamp(p->cues, l->text, l->len, p->pre_date, p->pre_time))
			return BP_OK; /* pages may put the timestamp above the title */
		if (l->kind == BP_LINE_TOC || l->kind == BP_LINE_QA ||
		    (l->kind == BP_LINE_LABEL && l->is_question)) {
			st = open_briefing(p, l, err);
			if (st != BP_OK)
				return st;
			apply_pre_timestamp(p);
			p->state = l->kind == BP_LINE_TOC ? S_AGENDA : S_QA;
			return l->kind == BP_LINE_LABEL ? qa_line(p, l, err) : BP_OK;
		}
		if (outside_text(l)) { /* boilerplate that survived, or lost content: counted */
			if (p->state == S_TRAILER)
				warn(p, "text-after-footer", 1, l->lineno, "text after the page footer was skipped");
			else
				warn(p, "text-before-title", 1, l->lineno, "text before the briefing's title was skipped");
		}
		return BP_OK;
	case S_HEAD:
		return head_line(p, l, err);
	case S_AGENDA:
	case S_AGENDA_QA:
		return agenda_line(p, l, err);
	case S_BODY:
		return body_line(p, l, err);
	case S_QA:
		return qa_line(p, l, err);
	}
	return BP_OK;
}

bp_status bp_parser_finish(bp_parser *p, bp_error *err)
{
	bp_status st = close_briefing(p, err);

	if (st != BP_OK)
		return st;
	if (p->nbriefings == 0)
		return p->saw_text ? bp_error_set(err, BP_ERR_NO_BRIEFING, NULL, 0, "no briefing found")
				   : bp_error_set(err, BP_ERR_EMPTY, NULL, 0, "empty file");
	return BP_OK;
}

void bp_parser_set_cues(bp_parser *p, const bp_cues *cues, int fallback)
{
	p->cues = cues;
	p->untitled = bp_cues_setting(cues, "untitled") != 0;
	p->header_place = bp_cues_setting(cues, "header-place") != 0;
	p->qa_only = bp_cues_setting(cues, "qa-only") != 0;
	p->paragraph_blank = bp_cues_setting(cues, "paragraph-blank") != 0;
	p->speaker_names = bp_cues_setting(cues, "speaker-names") != 0;
	p->header_byline = bp_cues_setting(cues, "header-byline") != 0;
	p->opening_speaker = bp_cues_setting(cues, "opening-speaker") != 0;
	p->title_possessive = bp_cues_setting(cues, "title-possessive") != 0;
	p->profile_warn = fallback;
}

bp_parser *bp_parser_new(const bp_cues *cues, const bp_sink *sink)
{
	bp_parser *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	bp_parser_set_cues(p, cues, 0);
	p->sink = *sink;
	return p;
}

void bp_parser_reset(bp_parser *p)
{
	briefing_clear(&p->b);
	keys_clear(p);
	p->open = 0;
	p->id_set = 0;
	p->have_block = 0;
	p->state = S_PRE;
	p->nbriefings = 0;
	p->saw_text = 0;
	p->npending = 0;
	p->pre_date[0] = p->pre_time[0] = '\0';
	p->nhold = 0;
	p->replaying = 0;
	p->blank_prev = p->last_blank = 0;
	p->profile_warn = 0;
	p->field_open = 0;
}

void bp_parser_free(bp_parser *p)
{
	if (!p)
		return;
	briefing_clear(&p->b);
	keys_clear(p);
	free(p->keys);
	free(p->keylens);
	free(p->text.s);
	free(p->map);
	for (size_t i = 0; i < BP_HOLD_MAX; i++) {
		free(p->hold[i].text);
		free(p->hold[i].anchors);
	}
	free(p);
}

void bp_briefing_warn(bp_briefing *b, const char *code, unsigned long count, unsigned long line,
		      const char *msg)
{
	warn_into(b->warnings, &b->nwarnings, code, count, line, msg);
}
