/*
 * html.c - stage 1b: HTML pages to the tokenizer's line stream (bp_html.h).
 *
 * Four parts, in the order bytes go through them: the charset decision and
 * decoding to UTF-8 (with a map from decoded to input offsets), fixed-size
 * slices into libxml2's push parser, the SAX callbacks that build lines
 * (blocks, lists, dropped elements), and the hold queue where blocks wait
 * until they close to be judged as boilerplate.
 */
#include "bp_html.h"
#include "bp_swar.h"

#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/parserInternals.h>

/* ---- tags ------------------------------------------------------------------ */

enum tag_class {
	T_INLINE,
	T_PARA,    /* a block: the line ends, a blank line follows */
	T_LINE,    /* the line ends */
	T_BR,
	T_LI,
	T_OL,
	T_UL,
	T_PRE,
	T_A,
	T_DROP,    /* dropped with its content at once (never text) */
	T_BOX,     /* page furniture: dropped when it closes unless it holds structure */
	T_HF       /* header, footer: T_BOX outside article/main/section, else T_PARA */
};

#define F_SECTIONING 0x10 /* article, main, section */
#define F_ROOT 0x20       /* html, body, main, article: never boilerplate */

static const struct tag {
	const char *name;
	unsigned char cls;
} tags[] = {
	{ "a", T_A }, { "address", T_PARA }, { "applet", T_DROP }, { "article", T_PARA | F_SECTIONING | F_ROOT },
	{ "aside", T_BOX }, { "audio", T_DROP }, { "blockquote", T_PARA }, { "body", T_PARA | F_ROOT },
	{ "br", T_BR }, { "button", T_DROP }, { "canvas", T_DROP }, { "caption", T_PARA },
	{ "center", T_PARA }, { "datalist", T_DROP }, { "dd", T_LINE }, { "details", T_PARA },
	{ "dialog", T_BOX }, { "dir", T_UL }, { "div", T_PARA }, { "dl", T_PARA }, { "dt", T_LINE },
	{ "embed", T_DROP }, { "fieldset", T_PARA }, { "figcaption", T_PARA }, { "figure", T_PARA },
	{ "footer", T_HF }, { "form", T_BOX }, { "frame", T_DROP }, { "frameset", T_DROP },
	{ "h1", T_PARA }, { "h2", T_PARA }, { "h3", T_PARA }, { "h4", T_PARA }, { "h5", T_PARA },
	{ "h6", T_PARA }, { "head", T_DROP }, { "header", T_HF }, { "hgroup", T_PARA },
	{ "hr", T_PARA }, { "html", T_PARA | F_ROOT }, { "iframe", T_DROP }, { "input", T_DROP },
	{ "legend", T_PARA }, { "li", T_LI }, { "main", T_PARA | F_SECTIONING | F_ROOT }, { "map", T_DROP },
	{ "math", T_DROP }, { "menu", T_BOX }, { "nav", T_BOX }, { "noembed", T_DROP },
	{ "noframes", T_DROP }, { "noscript", T_DROP }, { "object", T_DROP }, { "ol", T_OL },
	{ "optgroup", T_DROP }, { "option", T_DROP }, { "p", T_PARA }, { "pre", T_PRE },
	{ "script", T_DROP }, { "section", T_PARA | F_SECTIONING }, { "select", T_DROP },
	{ "style", T_DROP }, { "summary", T_PARA }, { "svg", T_DROP }, { "table", T_PARA },
	{ "tbody", T_PARA }, { "td", T_PARA }, { "template", T_DROP }, { "textarea", T_DROP },
	{ "tfoot", T_PARA }, { "th", T_PARA }, { "thead", T_PARA }, { "title", T_DROP },
	{ "tr", T_LINE }, { "ul", T_UL }, { "video", T_DROP },
};

static unsigned tag_class(const xmlChar *name)
{
	size_t lo = 0, hi = sizeof(tags) / sizeof(tags[0]);

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp((const char *)name, tags[mid].name);
		if (c == 0)
			return tags[mid].cls;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return T_INLINE;
}

static int is_block(unsigned cls)
{
	return cls == T_PARA || cls == T_LINE || cls == T_LI || cls == T_OL || cls == T_UL ||
	       cls == T_PRE || cls == T_BOX;
}

/* ---- state ----------------------------------------------------------------- */

typedef struct piece {
	uint32_t off, len; /* in hbuf */
	uint64_t raw;
} piece;

typedef struct elem {
	unsigned char cls, sect, root, link, committed, structural, pre, list;
	long next;              /* ol: the next item's number */
	uint64_t seq;           /* hold queue position at its start */
	uint64_t text, linktext; /* non-space text bytes inside it, in off-page links */
	uint64_t dropped;       /* of its text, in boilerplate dropped inside it */
	int line_text, last;    /* line state at its start */
	unsigned long lines;
	int prefix_len;
} elem;

typedef struct anchor {
	uint64_t lx, raw;
} anchor;

enum { LAST_NONE, LAST_TEXT, LAST_BLANK };
enum { CS_UNDECIDED = -1 };
#define WINDOW (1u << 16) /* decoded bytes kept for aligning text with the input */
#define LINE_COPY 512     /* bytes of a line kept for the keep callback */
#define DECIDE_AFTER 1024 /* non-ASCII lookahead for the charset decision */

struct bp_html {
	bp_html_out_fn out;
	bp_html_keep_fn keep;
	bp_html_raw_fn raw_fn;
	void *ctx;
	htmlParserCtxtPtr px;
	bp_status st;           /* the first error of a callback */
	bp_error *err;
	bp_html_report rep;

	/* input and charset */
	uint64_t raw_pos;       /* input bytes fed */
	uint64_t page_raw;      /* where the current page starts (pages concatenated) */
	int pe, page_over;      /* bytes of "</html" matched (7: then white space); a page ended */
	int cs;                 /* bp_charset, or CS_UNDECIDED */
	char sniff[BP_HTML_SNIFF];
	size_t nsniff;
	char *pend;             /* undecided input from the first non-ASCII byte */
	size_t npend;
	uint64_t pend_raw;
	unsigned char u8[4];    /* a UTF-8 sequence split across feeds */
	int nu8;
	uint64_t u8raw;
	int skipping;           /* past BP_HTML_LAG_MAX: input dropped to '<' or '>' */
	int ts;                 /* tag scanner state (scan_tags) */
	char tname[12];         /* the tag's name, lower case, cut to fit */
	int ntname, tend;       /* its length; an end tag */
	const char *rawend;     /* in script or style: the end tag that ends it */
	int nmatch;             /* bytes of "-->" or of rawend matched */
	size_t safe;            /* where the slice may end: outside any tag */
	size_t tagstart;        /* slice index of the tag's '<', or SIZE_MAX */

	/* decoded bytes */
	uint64_t lx;            /* decoded bytes produced */
	anchor *amap;
	size_t na, ahead, acap;
	size_t acur; /* the anchor anchor_find found last */
	char slice[BP_HTML_SLICE];
	size_t nslice;
	unsigned char *win;     /* the last WINDOW decoded bytes pushed, ring */
	uint64_t pushed;

	/* input kept for raw_upto */
	char *rhold;
	size_t rcap, rlen, rstart; /* rhold[rstart, rstart + rlen) */
	uint64_t rbase;         /* input offset of rhold[0] */

	/* elements */
	elem stack[BP_HTML_DEPTH_MAX];
	unsigned long depth;    /* open elements; stack[0] is the document */
	unsigned long drop_depth;
	unsigned in_link, in_pre, sect, in_li;

	/* the line being built */
	int line_text, last;
	char prefix[48];
	int prefix_len;
	uint64_t prefix_raw;
	char lcopy[LINE_COPY];
	size_t nlcopy;
	uint64_t line_seq;      /* hold queue position where the line starts */
	uint64_t line_textc, line_link;
	int line_last;          /* `last` before the line */

	/* hold queue */
	char *hbuf;
	size_t hlen, hcap;
	piece *pieces;
	size_t np, pcap;
	uint64_t base;          /* sequence number of pieces[0] */
	int seal;               /* the next piece starts a new one */
};

/* ---- the hold queue ---------------------------------------------------------- */

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 64;
	void *q;

	if (need <= *cap)
		return 1;
	while (n < need)
		n *= 2;
	q = realloc(*p, n * size);
	if (!q)
		return 0;
	*p = q;
	*cap = n;
	return 1;
}

static void fail(bp_html *h, bp_status st)
{
	if (h->st == BP_OK) {
		h->st = st;
		if (st == BP_ERR_NOMEM)
			bp_error_set(h->err, st, NULL, 0, "out of memory");
	}
	if (h->px)
		xmlStopParser(h->px);
}

/* Passes on the first n held pieces. */
static void flush_pieces(bp_html *h, size_t n)
{
	size_t i, cut;
	bp_status st;

	if (n == 0)
		return;
	for (i = 0; i < n && h->st == BP_OK; i++) {
		st = h->out(h->ctx, h->hbuf + h->pieces[i].off, h->pieces[i].len, h->pieces[i].raw, h->err);
		if (st != BP_OK)
			fail(h, st);
	}
	cut = n < h->np ? h->pieces[n].off : h->hlen;
	memmove(h->hbuf, h->hbuf + cut, h->hlen - cut);
	h->hlen -= cut;
	for (i = n; i < h->np; i++) {
		h->pieces[i - n] = h->pieces[i];
		h->pieces[i - n].off -= (uint32_t)cut;
	}
	h->np -= n;
	h->base += n;
	h->seal = 1;
}

/* Held text past BP_HTML_HOLD_MAX: pass on what comes before the outermost
 * open block that is still small enough to be judged; the blocks around it
 * can no longer be dropped. */
static void relieve(bp_html *h)
{
	unsigned long d, top = h->depth < BP_HTML_DEPTH_MAX ? h->depth : BP_HTML_DEPTH_MAX - 1;
	uint64_t upto = h->base + h->np;

	for (d = 0; d <= top; d++) {
		elem *e = &h->stack[d];
		if (e->committed)
			continue;
		if (e->seq >= h->base && e->seq <= h->base + h->np &&
		    (e->seq == h->base + h->np ||
		     h->hlen - h->pieces[e->seq - h->base].off < BP_HTML_HOLD_MAX / 2)) {
			upto = e->seq;
			break;
		}
		e->committed = 1;
	}
	flush_pieces(h, (size_t)(upto - h->base));
}

/* Appends n bytes that stand for input bytes raw, raw + 1, ... */
static void hold(bp_html *h, const char *s, size_t n, uint64_t raw)
{
	piece *last = h->np ? &h->pieces[h->np - 1] : NULL;

	if (n == 0 || h->st != BP_OK)
		return;
	if (!grow((void **)&h->hbuf, &h->hcap, h->hlen + n, 1)) {
		fail(h, BP_ERR_NOMEM);
		return;
	}
	memcpy(h->hbuf + h->hlen, s, n);
	if (last && !h->seal && last->off + last->len == h->hlen && last->raw + last->len == raw &&
	    last->len + n < (1u << 30)) {
		last->len += (uint32_t)n;
	} else {
		if (!grow((void **)&h->pieces, &h->pcap, h->np + 1, sizeof(piece))) {
			fail(h, BP_ERR_NOMEM);
			return;
		}
		h->pieces[h->np].off = (uint32_t)h->hlen;
		h->pieces[h->np].len = (uint32_t)n;
		h->pieces[h->np].raw = raw;
		h->np++;
		h->seal = 0;
	}
	h->hlen += n;
	if (h->hlen > BP_HTML_HOLD_MAX)
		relieve(h);
}

/* ---- lines -------------------------------------------------------------------- */

static elem *top(bp_html *h)
{
	return &h->stack[h->depth < BP_HTML_DEPTH_MAX ? h->depth : BP_HTML_DEPTH_MAX - 1];
}

static void newline(bp_html *h, uint64_t raw)
{
	hold(h, "\n", 1, raw);
	h->seal = 1;
	h->rep.lines++;
}

/* Mostly links to other pages: a menu, breadcrumbs, a share bar. */
static int link_dense(uint64_t text, uint64_t link)
{
	return text > 0 && link * 2 >= text && text - link < 100;
}

/* The line being built ends. A line of links that is not structure is
 * dropped (it counts as links for the blocks around it). */
static void end_line(bp_html *h, uint64_t raw)
{
	int keep = h->keep && h->nlcopy && h->keep(h->ctx, h->lcopy, h->nlcopy);

	h->nlcopy = 0;
	h->line_text = 0;
	if (keep)
		top(h)->structural = 1;
	if (!keep && link_dense(h->line_textc, h->line_link) && h->line_seq >= h->base &&
	    h->line_seq <= h->base + h->np) {
		size_t k = (size_t)(h->line_seq - h->base);
		h->hlen = k < h->np ? h->pieces[k].off : h->hlen;
		h->np = k;
		h->seal = 1;
		h->last = h->line_last;
		top(h)->dropped += h->line_textc;
		top(h)->linktext -= h->line_link;
		h->rep.dropped++;
		return;
	}
	newline(h, raw);
	h->last = LAST_TEXT;
}

/* A block boundary: para leaves a blank line after the text before it. */
static void boundary(bp_html *h, int para, uint64_t raw)
{
	if (h->line_text)
		end_line(h, raw);
	if (para && h->last == LAST_TEXT) {
		newline(h, raw);
		h->last = LAST_BLANK;
	}
}

/* <br>: ends the line, or makes an empty one (a blank line) */
static void line_break(bp_html *h, uint64_t raw)
{
	if (h->line_text) {
		end_line(h, raw);
	} else if (h->last != LAST_NONE) {
		newline(h, raw);
		h->last = LAST_BLANK;
	}
}

/* HTML white space: 1 for ' ', 2 for the others (which become ' ') */
static const unsigned char space_kind[256] = {[' '] = 1, ['\t'] = 2, ['\n'] = 2, ['\r'] = 2, ['\f'] = 2};

static int is_space(unsigned char c)
{
	return space_kind[c] != 0;
}

/* The high bit of each byte of x that is b (exact, unlike bp_swar_zeros). */
static uint64_t swar_mask(uint64_t x, unsigned char b)
{
	uint64_t t = x ^ (BP_SWAR_ONES * b), low7 = ~BP_SWAR_HIGHS;

	return ~(((t & low7) + low7) | t) & BP_SWAR_HIGHS;
}

/* The number of bytes of x (eight) that are b. */
static unsigned swar_count(uint64_t x, unsigned char b)
{
	return (unsigned)(((swar_mask(x, b) >> 7) * BP_SWAR_ONES) >> 56);
}

/* The line's first LINE_COPY bytes for the keep callback, white space
 * folded to single spaces, leading space dropped. */
static void copy_line(bp_html *h, const char *s, size_t n)
{
	size_t i = 0, o = h->nlcopy;
	char prev = o ? h->lcopy[o - 1] : ' ';

	while (i < n && o < LINE_COPY) {
		char c;
		/* eight bytes at once while no space follows a space */
		while (i + 8 <= n && o + 8 <= LINE_COPY) {
			uint64_t x = bp_swar_load_le(s + i), m = swar_mask(x, ' ');
			if (BP_SWAR_HAS_LESS(x, 0x20) || (m & (m << 8)) || (prev == ' ' && (m & 0x80)))
				break;
			memcpy(h->lcopy + o, s + i, 8);
			o += 8;
			i += 8;
			prev = s[i - 1];
		}
		if (i == n || o == LINE_COPY)
			break;
		c = space_kind[(unsigned char)s[i]] ? ' ' : s[i];
		h->lcopy[o] = c;
		o += !(c == ' ' && prev == ' '); /* a space after a space is not kept */
		prev = c;
		i++;
	}
	h->nlcopy = o;
}

/* Holds text s[0, n) for input bytes raw.. on, white space other than ' '
 * as ' ' (the tokenizer folds it), and copies it for the keep callback;
 * returns the number of bytes that are not white space. */
static size_t hold_text(bp_html *h, const char *s, size_t n, uint64_t raw)
{
	size_t k = 0, ns = 0, at = h->hlen;
	unsigned char *d;

	if (n == 0 || h->st != BP_OK)
		return 0;
	if (h->hlen + n > BP_HTML_HOLD_MAX) {
		/* in runs, as held text past the limit is relieved in between */
		while (k < n) {
			size_t m = k;
			while (m < n && space_kind[(unsigned char)s[m]] < 2)
				m++;
			hold(h, s + k, m - k, raw + k);
			copy_line(h, s + k, m - k);
			if (m < n) {
				hold(h, " ", 1, raw + m);
				copy_line(h, " ", 1);
				m++;
			}
			k = m;
		}
		for (k = 0; k < n; k++)
			ns += !is_space((unsigned char)s[k]);
		return ns;
	}
	hold(h, s, n, raw);
	if (h->st != BP_OK)
		return 0;
	d = (unsigned char *)h->hbuf + at;
	for (; k + 8 <= n; k += 8) {
		uint64_t x = bp_swar_load(d + k);
		if (!BP_SWAR_HAS_LESS(x, 0x20)) {
			ns += 8 - swar_count(x, ' ');
			continue;
		}
		for (size_t q = k; q < k + 8; q++) {
			ns += !space_kind[d[q]];
			if (space_kind[d[q]])
				d[q] = ' ';
		}
	}
	for (; k < n; k++) {
		ns += !space_kind[d[k]];
		if (space_kind[d[k]])
			d[k] = ' ';
	}
	if (h->keep && h->nlcopy < LINE_COPY)
		copy_line(h, (const char *)d, n);
	return ns;
}

/* Text that maps byte for byte to input raw, raw + 1, ... */
static void put_text(bp_html *h, const char *s, size_t n, uint64_t raw)
{
	size_t i = 0, j, ns = 0;
	elem *e = top(h);

	while (i < n) {
		if (h->in_pre && (s[i] == '\n' || s[i] == '\r')) {
			if (s[i] == '\n')
				line_break(h, raw + i);
			i++;
			continue;
		}
		if (!h->line_text) {
			while (i < n && is_space((unsigned char)s[i]))
				i++;
			if (i == n)
				break;
			h->line_text = 1;
			h->line_seq = h->base + h->np;
			h->line_textc = h->line_link = 0;
			h->line_last = h->last;
			h->seal = 1;
			if (h->prefix_len) {
				hold(h, h->prefix, (size_t)h->prefix_len, h->prefix_raw);
				copy_line(h, h->prefix, (size_t)h->prefix_len);
				h->prefix_len = 0;
				h->seal = 1;
			}
		}
		j = n;
		if (h->in_pre)
			for (j = i; j < n && s[j] != '\n' && s[j] != '\r'; j++)
				;
		ns += hold_text(h, s + i, j - i, raw + i);
		i = j;
	}
	e->text += ns;
	h->line_textc += ns;
	if (h->in_link) {
		e->linktext += ns;
		h->line_link += ns;
	}
}

/* ---- decoded offsets ------------------------------------------------------------ */

static void map_add(bp_html *h, uint64_t lx, uint64_t raw)
{
	if (h->na > h->ahead) {
		anchor *a = &h->amap[h->na - 1];
		if (a->raw + (lx - a->lx) == raw)
			return;
		if (a->lx == lx) {
			a->raw = raw;
			return;
		}
	}
	if (h->na == h->acap && h->ahead > 0 && h->ahead >= h->na / 2) {
		memmove(h->amap, h->amap + h->ahead, (h->na - h->ahead) * sizeof(anchor));
		h->na -= h->ahead;
		h->ahead = h->acur = 0;
	}
	if (!grow((void **)&h->amap, &h->acap, h->na + 1, sizeof(anchor))) {
		fail(h, BP_ERR_NOMEM);
		return;
	}
	h->amap[h->na].lx = lx;
	h->amap[h->na].raw = raw;
	h->na++;
}

/* The last anchor at or before lx (amap[ahead].lx <= lx): the one found
 * last time or the next when offsets moved little, else a binary search. */
static size_t anchor_find(bp_html *h, uint64_t lx)
{
	size_t lo = h->ahead, hi = h->na, c = h->acur;

	if (c >= lo && c < hi && h->amap[c].lx <= lx) {
		if (c + 1 == hi || h->amap[c + 1].lx > lx)
			return c;
		if (c + 2 == hi || h->amap[c + 2].lx > lx)
			return h->acur = c + 1;
		lo = c + 1;
	}
	if (h->amap[hi - 1].lx <= lx) /* past the last anchor */
		return h->acur = hi - 1;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (h->amap[mid].lx <= lx)
			lo = mid;
		else
			hi = mid;
	}
	return h->acur = lo;
}

/* The input offset of decoded offset lx. */
static uint64_t map_raw(bp_html *h, uint64_t lx)
{
	size_t lo = h->ahead, hi = h->na;

	if (lo == hi)
		return lx;
	if (lx < h->amap[lo].lx)
		return h->amap[lo].raw;
	lo = anchor_find(h, lx);
	/* drop anchors far behind: libxml2 never reports offsets that old */
	if (lx > 2 * (uint64_t)WINDOW) {
		uint64_t old = lx - 2 * (uint64_t)WINDOW;
		while (h->ahead + 1 < lo && h->amap[h->ahead + 1].lx <= old)
			h->ahead++;
	}
	return h->amap[lo].raw + (lx - h->amap[lo].lx);
}

/* Passes decoded text s[0, n) that stands for decoded offsets lx.. on, split
 * where the input offsets stop running one to one. */
static void put_decoded(bp_html *h, const char *s, size_t n, uint64_t lx)
{
	size_t i = 0;

	while (i < n) {
		uint64_t raw = map_raw(h, lx + i), next = UINT64_MAX;
		size_t k = h->ahead, j;
		/* the run lasts to the next anchor after lx + i */
		if (k < h->na && h->amap[k].lx <= lx + i)
			k = anchor_find(h, lx + i) + 1;
		if (k < h->na)
			next = h->amap[k].lx;
		j = next - lx < n ? (size_t)(next - lx) : n;
		if (j <= i)
			j = i + 1;
		put_text(h, s + i, j - i, raw);
		i = j;
	}
}

static unsigned char win_at(const bp_html *h, uint64_t lx)
{
	return h->win[lx & (WINDOW - 1)];
}

/* Whether the window's bytes from decoded offset lx on are s[0, n). */
static int win_eq(const bp_html *h, uint64_t lx, const char *s, size_t n)
{
	size_t at = (size_t)(lx & (WINDOW - 1)), first = WINDOW - at < n ? WINDOW - at : n;

	return memcmp(h->win + at, s, first) == 0 && memcmp(h->win, s + first, n - first) == 0;
}

/* Where libxml2's text s[0, n) came from: it ended at decoded offset end.
 * Walks back through the decoded input: equal bytes match, CRs (dropped by
 * libxml2 from CR LF) are skipped; what does not match is an entity or
 * character reference, mapped to its '&'. */
static void on_text(bp_html *h, const char *s, size_t n, uint64_t end)
{
	uint64_t j = end, low = h->pushed > WINDOW ? h->pushed - WINDOW : 0, amp;
	size_t k = n, i;

	if (end > h->pushed)
		end = j = h->pushed;
	/* libxml2 reports where it is, which may be a character past or before
	 * the text's end (a long text is flushed in pieces): the nearest end
	 * where the text's last bytes are */
	for (i = 0; i <= 8; i++) {
		uint64_t e = (i & 1) ? end + (i + 1) / 2 : end - i / 2;
		size_t m, t = n < 8 ? n : 8;
		if (e > h->pushed || e < low + t)
			continue;
		for (m = 0; m < t && win_at(h, e - 1 - m) == (unsigned char)s[n - 1 - m]; m++)
			;
		if (m == t) {
			end = j = e;
			break;
		}
	}
	if (end >= low && n <= end - low && win_eq(h, end - n, s, n)) { /* the text as it stands in the page */
		put_decoded(h, s, n, end - n);
		return;
	}
	while (k > 0 && j > low) {
		unsigned char c = win_at(h, j - 1);
		if (c == (unsigned char)s[k - 1]) {
			j--;
			k--;
		} else if (c == '\r') {
			j--;
		} else {
			break;
		}
	}
	if (k > 0) { /* s[0, k): a reference ending at j, or text that does not match */
		amp = UINT64_MAX;
		for (i = 1; i <= 40 && j >= i && j - i >= low; i++)
			if (win_at(h, j - i) == '&') {
				amp = j - i;
				break;
			}
		/* a reference's text is no longer than the reference: it maps
		 * byte for byte from its '&' and stays inside it */
		if (amp != UINT64_MAX && k <= j - amp)
			put_text(h, s, k, map_raw(h, amp));
		else /* else the decoded bytes before j: through the anchors, for
		      * a decoded byte need not be one input byte */
			put_decoded(h, s, k, j > k ? j - k : 0);
	}
	/* forward from j: runs between skipped CRs */
	while (k < n) {
		size_t k0 = k;
		uint64_t j0;
		while (j < end && win_at(h, j) == '\r' && win_at(h, j) != (unsigned char)s[k])
			j++;
		j0 = j;
		while (k < n && j < end && win_at(h, j) == (unsigned char)s[k]) {
			j++;
			k++;
		}
		if (k == k0) { /* lost: the rest where we are */
			put_decoded(h, s + k, n - k, j0);
			return;
		}
		put_decoded(h, s + k0, k - k0, j0);
	}
}

/* ---- SAX callbacks ------------------------------------------------------------- */

static uint64_t here(bp_html *h)
{
	long c = xmlByteConsumed(h->px);
	return map_raw(h, c > 0 ? (uint64_t)c : 0);
}

static const xmlChar *attr(const xmlChar **atts, const char *name)
{
	size_t i;
	if (!atts)
		return NULL;
	for (i = 0; atts[i]; i += 2)
		if (strcmp((const char *)atts[i], name) == 0)
			return atts[i + 1] ? atts[i + 1] : (const xmlChar *)"";
	return NULL;
}

static int ieq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
		if (x != *b)
			return 0;
	}
	return *a == *b;
}

/* Page furniture by its role (WAI-ARIA landmarks and widgets). */
static int furniture_role(const xmlChar *role)
{
	static const char *const roles[] = { "navigation", "banner", "contentinfo", "complementary",
					     "search", "menu", "menubar", "toolbar", "dialog",
					     "alertdialog", NULL };
	size_t i;
	if (!role)
		return 0;
	for (i = 0; roles[i]; i++)
		if (ieq((const char *)role, roles[i]))
			return 1;
	return 0;
}

static int hidden(const xmlChar **atts)
{
	const xmlChar *v = attr(atts, "aria-hidden");
	if (attr(atts, "hidden"))
		return 1;
	return v && ieq((const char *)v, "true");
}

/* An off-page link: an href that is not "#..." within this page. */
static int off_page(const xmlChar *href)
{
	const char *s = (const char *)href;
	if (!s)
		return 0;
	while (*s == ' ')
		s++;
	return *s && !strchr(s, '#');
}

static void set_prefix(bp_html *h, elem *list, const xmlChar **atts, uint64_t raw)
{
	unsigned lvl = 0;
	unsigned long d;
	int n = 0;
	const xmlChar *v = attr(atts, "value");

	for (d = 1; d < h->depth && d < BP_HTML_DEPTH_MAX; d++)
		if (h->stack[d].list)
			lvl++;
	if (lvl > 8)
		lvl = 8;
	memset(h->prefix, ' ', 2 * lvl);
	n = (int)(2 * lvl);
	if (list && list->list == 'o') {
		if (v)
			list->next = strtol((const char *)v, NULL, 10);
		if (list->next < 0 || list->next > 999999)
			list->next = 1;
		n += snprintf(h->prefix + n, sizeof(h->prefix) - (size_t)n, "%ld. ", list->next);
		list->next++;
	} else {
		h->prefix[n++] = '-';
		h->prefix[n++] = ' ';
	}
	h->prefix_len = n;
	h->prefix_raw = raw;
}

static void sax_start(void *ctx, const xmlChar *name, const xmlChar **atts)
{
	bp_html *h = ctx;
	unsigned flags = tag_class(name), cls = flags & 0x0F, sect = flags & F_SECTIONING;
	uint64_t raw;
	elem *e, *parent;

	if (h->st != BP_OK)
		return;
	h->depth++;
	if (h->drop_depth)
		return;
	raw = here(h);
	if (cls == T_DROP || hidden(atts)) {
		h->drop_depth = h->depth;
		return;
	}
	if (cls == T_HF)
		cls = h->sect ? T_PARA : T_BOX;
	if (furniture_role(attr(atts, "role")))
		cls = T_BOX;
	parent = &h->stack[h->depth - 1 < BP_HTML_DEPTH_MAX ? h->depth - 1 : BP_HTML_DEPTH_MAX - 1];
	if (h->depth >= BP_HTML_DEPTH_MAX) {
		if (h->rep.deep++ == 0)
			h->rep.first_line[3] = h->rep.lines + 1;
		if (cls == T_BR)
			line_break(h, raw);
		else if (is_block(cls))
			boundary(h, cls != T_LINE && cls != T_LI, raw);
		if (cls == T_LI) {
			h->prefix_len = 0;
			set_prefix(h, NULL, atts, raw);
		}
		return;
	}
	switch (cls) {
	case T_BR:
		line_break(h, raw);
		break;
	case T_LI:
		boundary(h, 0, raw);
		break;
	case T_OL:
	case T_UL:
		/* a list inside a list item adds no blank line */
		boundary(h, !(parent->cls == T_LI), raw);
		break;
	case T_LINE:
		boundary(h, 0, raw);
		break;
	case T_INLINE:
	case T_A:
		break;
	default: /* inside a list item, blocks do not leave blank lines */
		boundary(h, !h->in_li, raw);
		break;
	}
	e = &h->stack[h->depth];
	memset(e, 0, sizeof(*e));
	e->cls = (unsigned char)cls;
	e->sect = sect ? 1 : 0;
	e->root = flags & F_ROOT ? 1 : 0;
	e->seq = h->base + h->np;
	e->line_text = h->line_text;
	e->last = h->last;
	e->lines = h->rep.lines;
	h->seal = 1;
	if (sect)
		h->sect++;
	if (cls == T_A && off_page(attr(atts, "href"))) {
		e->link = 1;
		h->in_link++;
	} else if (cls == T_PRE) {
		e->pre = 1;
		h->in_pre++;
	} else if (cls == T_OL || cls == T_UL) {
		const xmlChar *st = attr(atts, "start");
		e->list = cls == T_OL ? 'o' : 'u';
		e->next = st ? strtol((const char *)st, NULL, 10) : 1;
	} else if (cls == T_LI) {
		set_prefix(h, parent->list ? parent : NULL, atts, raw);
		e->prefix_len = h->prefix_len;
		h->in_li++;
	}
}

/* Whether a closing block is boilerplate: furniture without structure,
 * text that is mostly links to other pages, or only a caption left of
 * boilerplate ("Related news" over a list of links). */
static int boilerplate(const elem *e)
{
	uint64_t kept = e->text - e->dropped;

	if (e->structural || e->committed || e->root)
		return 0;
	if (e->cls == T_BOX)
		return 1;
	if (!is_block(e->cls))
		return 0;
	return link_dense(kept, e->linktext) || (e->dropped > kept && kept < 80);
}

static void sax_end(void *ctx, const xmlChar *name)
{
	bp_html *h = ctx;
	unsigned cls = tag_class(name) & 0x0F;
	uint64_t raw;
	elem *e, *parent;

	if (h->st != BP_OK || h->depth == 0)
		return;
	if (h->drop_depth) {
		if (h->depth == h->drop_depth)
			h->drop_depth = 0;
		h->depth--;
		return;
	}
	raw = here(h);
	if (h->depth >= BP_HTML_DEPTH_MAX) {
		if (is_block(cls) || cls == T_HF)
			boundary(h, cls != T_LINE && cls != T_LI, raw);
		h->depth--;
		return;
	}
	e = &h->stack[h->depth];
	parent = &h->stack[h->depth - 1];
	if (e->cls == T_LI) {
		boundary(h, 0, raw);
		h->prefix_len = 0;
		h->in_li--;
	} else if (e->cls == T_OL || e->cls == T_UL) {
		boundary(h, parent->cls != T_LI, raw);
	} else if (e->cls == T_LINE) {
		boundary(h, 0, raw);
	} else if (is_block(e->cls)) {
		boundary(h, !h->in_li, raw);
	}
	if (e->link)
		h->in_link--;
	if (e->pre)
		h->in_pre--;
	if (e->sect)
		h->sect--;
	if (boilerplate(e) && e->seq >= h->base) {
		size_t keep = (size_t)(e->seq - h->base);
		h->hlen = keep < h->np ? h->pieces[keep].off : h->hlen;
		h->np = keep;
		h->line_text = e->line_text;
		h->last = e->last;
		h->rep.lines = e->lines;
		h->nlcopy = 0;
		h->prefix_len = 0;
		h->rep.dropped++;
		parent->text += e->text;
		parent->dropped += e->text;
	} else {
		parent->text += e->text;
		parent->linktext += e->linktext;
		parent->dropped += e->dropped;
		parent->structural |= e->structural;
		if (e->committed)
			parent->committed = 1;
	}
	h->seal = 1;
	h->depth--;
}

static void sax_chars(void *ctx, const xmlChar *s, int n)
{
	bp_html *h = ctx;
	long c;

	if (h->st != BP_OK || h->drop_depth || n <= 0)
		return;
	c = xmlByteConsumed(h->px);
	on_text(h, (const char *)s, (size_t)n, c > 0 ? (uint64_t)c : 0);
}

static htmlSAXHandler sax_handler(void)
{
	htmlSAXHandler s;
	memset(&s, 0, sizeof(s));
	s.startElement = sax_start;
	s.endElement = sax_end;
	s.characters = sax_chars;
	s.ignorableWhitespace = sax_chars;
	return s;
}

/* libxml2 prints nothing: errors go nowhere (it recovers) */
static void quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

/* ---- slices into libxml2 ------------------------------------------------------- */

/* Pushes the first n bytes of the slice to libxml2; the rest moves up. */
static void push_slice(bp_html *h, size_t n, int terminate)
{
	size_t i;
	int opts = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
		   HTML_PARSE_NONET | HTML_PARSE_IGNORE_ENC;

	if (h->st != BP_OK)
		return;
	if (!h->px) {
		htmlSAXHandler s = sax_handler();
		h->px = htmlCreatePushParserCtxt(&s, h, NULL, 0, NULL, XML_CHAR_ENCODING_UTF8);
		if (!h->px) {
			fail(h, BP_ERR_NOMEM);
			return;
		}
		htmlCtxtUseOptions(h->px, opts);
		h->px->vctxt.error = quiet;
		h->px->vctxt.warning = quiet;
	}
	i = (size_t)(h->pushed & (WINDOW - 1)); /* n <= BP_HTML_SLICE < WINDOW */
	if (i + n <= WINDOW) {
		memcpy(h->win + i, h->slice, n);
	} else {
		memcpy(h->win + i, h->slice, WINDOW - i);
		memcpy(h->win, h->slice + (WINDOW - i), n - (WINDOW - i));
	}
	h->pushed += n;
	htmlParseChunk(h->px, h->slice, (int)n, terminate);
	memmove(h->slice, h->slice + n, h->nslice - n);
	h->nslice -= n;
	h->safe = 0;
	h->tagstart = h->tagstart != (size_t)-1 && h->tagstart >= n ? h->tagstart - n : (size_t)-1;
}

/* Whether libxml2 holds too much it cannot parse yet. */
static int lagging(bp_html *h)
{
	long c = h->px ? xmlByteConsumed(h->px) : 0;
	return c >= 0 && h->pushed - (uint64_t)c > BP_HTML_LAG_MAX;
}

/*
 * libxml2 2.9's push parser looks ahead for the '>' of a start tag with
 * its own count of quotes and, when that look-ahead spans two pushes, loses
 * the quote it was in: one stray quote in a tag (the `<a href="#top""
 * rel="111">` debris of saved pages) then makes it wait for the end of the
 * page, holding all of it. Its real attribute parser skips such a quote as
 * junk, so here it becomes a space before libxml2 sees it (same length: the
 * offsets do not move). A small scanner follows tags, quoted values,
 * comments and script/style text to tell which quotes are stray.
 */
enum { TS_TEXT, TS_LT, TS_NAME, TS_ATTRS, TS_EQ, TS_DQ, TS_SQ, TS_UNQ, TS_ENDTAG, TS_BANG,
       TS_BANG2, TS_COMMENT, TS_DECL, TS_DECLQ, TS_RAW };

static int alpha(unsigned char c)
{
	return (c | 32) >= 'a' && (c | 32) <= 'z';
}

static void tag_end(bp_html *h)
{
	h->ts = TS_TEXT;
	if (h->tend)
		return;
	h->tname[h->ntname] = '\0';
	if (strcmp(h->tname, "script") == 0)
		h->rawend = "</script";
	else if (strcmp(h->tname, "style") == 0)
		h->rawend = "</style";
	else
		return;
	h->ts = TS_RAW;
	h->nmatch = 0;
}

static void scan_tags(bp_html *h, char *s, size_t n, size_t at)
{
	size_t i;
	char *slice = s - at;

	for (i = 0; i < n; i++) {
		unsigned char c;
		int to = -1; /* the one byte that can change the state */
		if (h->ts == TS_TEXT || (h->ts == TS_RAW && h->nmatch == 0))
			to = '<';
		else if (h->ts == TS_DQ)
			to = '"';
		else if (h->ts == TS_SQ)
			to = '\'';
		else if (h->ts == TS_COMMENT && h->nmatch == 0)
			to = '-';
		if (to >= 0) {
			const char *p = memchr(s + i, to, n - i);
			if (!p)
				break;
			i = (size_t)(p - s);
		}
		c = (unsigned char)s[i];
		if (h->ts == TS_TEXT && c == '<' && at + i > 0)
			h->safe = at + i; /* a push may end here, before a tag */
		switch (h->ts) {
		case TS_TEXT:
			if (c == '<') {
				h->ts = TS_LT;
				h->tagstart = at + i;
			}
			break;
		case TS_LT:
			h->ntname = 0;
			h->tend = 0;
			if (alpha(c)) {
				h->tname[h->ntname++] = (char)(c | 32);
				h->ts = TS_NAME;
			} else if (c == '/') {
				h->ts = TS_ENDTAG;
			} else if (c == '!') {
				h->ts = TS_BANG;
			} else if (c == '?') {
				h->ts = TS_DECL;
			} else if (c != '<') {
				h->ts = TS_TEXT;
			}
			break;
		case TS_NAME:
			if (c == '>') {
				tag_end(h);
			} else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '/') {
				h->ts = TS_ATTRS;
			} else if (h->ntname < (int)sizeof(h->tname) - 1) {
				h->tname[h->ntname++] = (char)(alpha(c) ? (c | 32) : c);
			}
			break;
		case TS_ATTRS:
			if (c == '>')
				tag_end(h);
			else if (c == '=')
				h->ts = TS_EQ;
			else if (c == '"' || c == '\'')
				s[i] = ' '; /* stray */
			break;
		case TS_EQ:
			if (c == '"')
				h->ts = TS_DQ;
			else if (c == '\'')
				h->ts = TS_SQ;
			else if (c == '>')
				tag_end(h);
			else if (!(c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'))
				h->ts = TS_UNQ;
			break;
		case TS_UNQ:
			if (c == '>')
				tag_end(h);
			else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f')
				h->ts = TS_ATTRS;
			else if (c == '"' || c == '\'')
				s[i] = ' ';
			break;
		case TS_DQ:
			if (c == '"')
				h->ts = TS_ATTRS;
			break;
		case TS_SQ:
			if (c == '\'')
				h->ts = TS_ATTRS;
			break;
		case TS_ENDTAG:
			if (c != '>') {
				if (h->ntname < (int)sizeof(h->tname) - 1)
					h->tname[h->ntname++] = (char)(alpha(c) ? (c | 32) : c);
				break;
			}
			h->ts = TS_TEXT;
			h->tname[h->ntname] = '\0';
			/* libxml2 reads nothing after </html> or </body> (the next
			 * page of a concatenated stream, stray end tags): they go,
			 * the elements close at the end */
			if ((strcmp(h->tname, "html") == 0 || strcmp(h->tname, "body") == 0) &&
			    h->tagstart != (size_t)-1)
				memset(slice + h->tagstart, ' ', at + i + 1 - h->tagstart);
			break;
		case TS_BANG:
			h->ts = c == '-' ? TS_BANG2 : TS_DECL;
			if (c == '>')
				h->ts = TS_TEXT;
			break;
		case TS_BANG2:
			h->ts = c == '-' ? TS_COMMENT : TS_DECL;
			h->nmatch = 0;
			if (c == '>')
				h->ts = TS_TEXT;
			break;
		case TS_COMMENT:
			if (c == '>' && h->nmatch >= 2)
				h->ts = TS_TEXT;
			h->nmatch = c == '-' ? h->nmatch + 1 : 0;
			break;
		case TS_DECL:
			if (c == '>')
				h->ts = TS_TEXT;
			else if (c == '"' || c == '\'') {
				h->tname[0] = (char)c;
				h->ts = TS_DECLQ;
			}
			break;
		case TS_DECLQ:
			if (c == (unsigned char)h->tname[0])
				h->ts = TS_DECL;
			break;
		case TS_RAW:
			if ((char)(h->nmatch ? c | 32 : c) == h->rawend[h->nmatch] ||
			    (h->nmatch == 1 && c == '/')) {
				if (h->rawend[++h->nmatch] == '\0') {
					h->ts = TS_ENDTAG;
					h->nmatch = 0;
					h->ntname = 0;
				}
			} else {
				h->nmatch = c == '<' ? 1 : 0;
			}
			break;
		}
	}
}

/* Decoded bytes s[0, n) standing for input from raw on (one input byte per
 * decoded character when one_to_one is 0, else byte for byte). */
static void decoded(bp_html *h, const char *s, size_t n, uint64_t raw)
{
	size_t i = 0;

	while (i < n && h->st == BP_OK) {
		size_t room = BP_HTML_SLICE - h->nslice, m = n - i < room ? n - i : room;
		if (h->skipping) {
			size_t k;
			for (k = i; k < n && s[k] != '<' && s[k] != '>'; k++)
				;
			h->rep.skipped += k - i;
			raw += k - i;
			i = k;
			if (i == n)
				break;
			h->skipping = 0;
			continue;
		}
		map_add(h, h->lx, raw);
		memcpy(h->slice + h->nslice, s + i, m);
		scan_tags(h, h->slice + h->nslice, m, h->nslice);
		h->nslice += m;
		h->lx += m;
		raw += m;
		i += m;
		if (h->nslice == BP_HTML_SLICE) {
			/* never in the middle of a tag: libxml2 2.9 can lose track of
			 * a quoted value when its look-ahead spans two pushes */
			push_slice(h, h->safe ? h->safe : h->nslice, 0);
			if (lagging(h)) {
				if (h->rep.skipped == 0)
					h->rep.first_line[2] = h->rep.lines + 1;
				h->skipping = 1;
			}
		}
	}
}

/* One decoded character for input bytes [raw, raw + width). */
static void decoded_char(bp_html *h, const char *s, size_t n, uint64_t raw, size_t width)
{
	decoded(h, s, n, raw);
	(void)width;
	map_add(h, h->lx, raw + width);
}

/* ---- charsets ----------------------------------------------------------------- */

static int ieq_n(const char *s, const char *lit, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		char c = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
		if (c != lit[i])
			return 0;
	}
	return 1;
}

/* Whether a <meta> in s[0, n) declares a charset (charset="x", or
 * content="text/html; charset=x"); sets *cs (BP_CS_UNKNOWN for a label we
 * cannot read). */
static int find_declared(const char *s, size_t n, bp_charset *cs)
{
	size_t i, j, end;

	for (i = 0; i + 5 < n; i++) {
		if (s[i] != '<' || !ieq_n(s + i + 1, "meta", 4))
			continue;
		for (end = i; end < n && s[end] != '>'; end++)
			;
		for (j = i + 5; j + 7 <= end; j++) {
			const char *t, *v;
			if (!ieq_n(s + j, "charset", 7))
				continue;
			t = s + j + 7;
			while (t < s + end && *t == ' ')
				t++;
			if (t == s + end || *t != '=')
				continue;
			t++;
			while (t < s + end && (*t == ' ' || *t == '"' || *t == '\''))
				t++;
			v = t;
			while (t < s + end && *t != '"' && *t != '\'' && *t != ';' && *t != ' ' &&
			       *t != '/')
				t++;
			if (t > v) {
				*cs = bp_charset_from_label(v, (size_t)(t - v));
				return 1;
			}
		}
	}
	return 0;
}

static void count_control(bp_html *h, int nul)
{
	if (nul)
		h->rep.nuls++;
	else if (h->rep.controls++ == 0)
		h->rep.first_line[1] = h->rep.lines + 1;
}

static void count_invalid(bp_html *h)
{
	if (h->rep.invalid_utf8++ == 0)
		h->rep.first_line[0] = h->rep.lines + 1;
}

static int is_control(unsigned char c)
{
	return (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') || c == 0x7F;
}

/* Past the eight-byte words of plain ASCII (no control byte, no white
 * space other than ' ') from s[i] on. */
static size_t ascii_run(const unsigned char *s, size_t i, size_t n)
{
	while (i + 8 <= n) {
		uint64_t x = bp_swar_load(s + i);
		if (BP_SWAR_HAS_LESS(x, 0x20) | (x & BP_SWAR_HIGHS) | BP_SWAR_HAS_BYTE(x, 0x7F))
			break;
		i += 8;
	}
	return i;
}

/* Characters that libxml2 2.9 drops from text (not XML Chars): a form feed
 * (HTML white space) and the noncharacters U+FFFE, U+FFFF. The decoder
 * passes a space and U+FFFD instead, of the same length, so that libxml2's
 * text is the decoded page's, byte for byte (on_text aligns the two). */
static int xml_nonchar(uint32_t cp)
{
	return cp == 0xFFFE || cp == 0xFFFF;
}

/* Decodes input s[0, n) (from input offset raw on) with the chosen charset;
 * a form feed becomes a space, U+FFFE and U+FFFF become U+FFFD. */
static void decode(bp_html *h, const unsigned char *s, size_t n, uint64_t raw, int final)
{
	size_t i = 0, run;
	char buf[4];

	if (h->cs != BP_CS_UTF8) {
		while (i < n) {
			for (run = ascii_run(s, i, n); run < n && s[run] < 0x80 && !is_control(s[run]) &&
						       s[run] != '\f';)
				run = ascii_run(s, run + 1, n);
			decoded(h, (const char *)s + i, run - i, raw + i);
			i = run;
			if (i == n)
				break;
			if (s[i] == '\f') {
				decoded(h, " ", 1, raw + i);
			} else if (s[i] < 0x80) {
				count_control(h, s[i] == 0);
				map_add(h, h->lx, raw + i + 1);
			} else {
				size_t m = bp_utf8_put(buf, bp_charset_decode((bp_charset)h->cs, s[i]));
				decoded_char(h, buf, m, raw + i, 1);
			}
			i++;
		}
		return;
	}
	/* UTF-8: a sequence split by the last feed first */
	while (h->nu8 && i < n) {
		uint32_t cp;
		int l;
		h->u8[h->nu8++] = s[i++];
		l = bp_utf8_get(h->u8, (size_t)h->nu8, &cp);
		if (l > 0) {
			decoded_char(h, xml_nonchar(cp) ? "\xEF\xBF\xBD" : (const char *)h->u8, (size_t)l,
				     h->u8raw, (size_t)l);
			h->nu8 = 0;
		} else if (l == 0) { /* invalid: U+FFFD for the lead byte, the rest afresh */
			unsigned char rest[4];
			int k, nrest = h->nu8 - 1;
			uint64_t r = h->u8raw + 1;
			memcpy(rest, h->u8 + 1, (size_t)nrest);
			count_invalid(h);
			decoded_char(h, "\xEF\xBF\xBD", 3, h->u8raw, 1);
			h->nu8 = 0;
			for (k = 0; k < nrest; k++) /* at most 3: re-run through the main loop */
				decode(h, rest + k, 1, r + (uint64_t)k, 0);
			if (h->nu8) /* a lead byte among them waits for this feed's bytes */
				continue;
		}
	}
	while (i < n) {
		uint32_t cp;
		int l;
		for (run = i; run < n; run++) {
			unsigned char c;
			run = ascii_run(s, run, n);
			if (run == n)
				break;
			c = s[run];
			if (c >= 0x80) {
				l = bp_utf8_get(s + run, n - run, &cp);
				if (l <= 1 || xml_nonchar(cp))
					break;
				run += (size_t)l - 1;
			} else if (is_control(c) || c == '\f') {
				break;
			}
		}
		decoded(h, (const char *)s + i, run - i, raw + i);
		i = run;
		if (i == n)
			break;
		if (s[i] == '\f') {
			decoded(h, " ", 1, raw + i);
			i++;
			continue;
		}
		if (s[i] < 0x80) {
			count_control(h, s[i] == 0);
			map_add(h, h->lx, raw + i + 1);
			i++;
			continue;
		}
		l = bp_utf8_get(s + i, n - i, &cp);
		if (l == 3 && xml_nonchar(cp)) { /* byte for byte: the offsets run on */
			decoded(h, "\xEF\xBF\xBD", 3, raw + i);
			i += 3;
			continue;
		}
		if (l < 0 && !final) { /* cut by the end of this feed */
			memcpy(h->u8, s + i, n - i);
			h->nu8 = (int)(n - i);
			h->u8raw = raw + i;
			return;
		}
		count_invalid(h);
		decoded_char(h, "\xEF\xBF\xBD", 3, raw + i, 1);
		i++;
	}
}

/* Valid UTF-8 with at least one multi-byte sequence (a sequence cut by the
 * end of s counts as valid unless final). */
static int looks_utf8(const unsigned char *s, size_t n, int final)
{
	size_t i = 0;
	int multi = 0;
	while (i < n) {
		uint32_t cp;
		int l = bp_utf8_get(s + i, n - i, &cp);
		if (l < 0)
			return !final && multi;
		if (l == 0)
			return 0;
		if (l > 1)
			multi = 1;
		i += (size_t)l;
	}
	return multi;
}

/* Single-byte text: Cyrillic (windows-1251) when most non-ASCII bytes are
 * letters next to another non-ASCII byte (words), else windows-1252. */
static bp_charset guess(const unsigned char *s, size_t n)
{
	size_t i, high = 0, paired = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < 0x80)
			continue;
		high++;
		if (s[i] >= 0xC0 && ((i > 0 && s[i - 1] >= 0xC0) || (i + 1 < n && s[i + 1] >= 0xC0)))
			paired++;
	}
	return paired * 2 > high ? BP_CS_CP1251 : BP_CS_CP1252;
}

static void decide(bp_html *h, int final)
{
	const unsigned char *p = (const unsigned char *)h->pend;
	size_t n = h->npend, skip = 0;
	bp_charset decl = BP_CS_UNKNOWN;
	int have = find_declared(h->sniff, h->nsniff, &decl), utf8;

	if (h->page_raw > 0 && n == 0 && !have) { /* a later page in plain ASCII: nothing to tell */
		h->cs = BP_CS_UTF8;
		return;
	}
	if (have || h->page_raw == 0)
		h->rep.declared = have ? decl : BP_CS_UNKNOWN;
	if (have && decl == BP_CS_UNKNOWN)
		h->rep.charset_unknown = 1;
	if (h->pend_raw == h->page_raw && n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
		h->rep.bom = 1;
		h->cs = BP_CS_UTF8;
		skip = 3;
	} else {
		utf8 = looks_utf8(p, n, final);
		if (have && decl != BP_CS_UNKNOWN && decl != BP_CS_UTF8) {
			h->cs = utf8 ? BP_CS_UTF8 : (int)decl;
			h->rep.charset_mismatch |= utf8;
		} else if (have && decl == BP_CS_UTF8) {
			h->cs = BP_CS_UTF8;
		} else if (utf8 || n == 0) {
			h->cs = BP_CS_UTF8;
		} else {
			h->cs = (int)guess(p, n);
			h->rep.charset_guessed = 1;
		}
	}
	h->rep.used = (bp_charset)h->cs;
	if (skip)
		map_add(h, h->lx, h->pend_raw + skip);
	decode(h, p + skip, n - skip, h->pend_raw + skip, final);
	h->npend = 0;
}

/* ---- the stage ---------------------------------------------------------------- */

static void keep_raw(bp_html *h, const char *s, size_t n)
{
	if (!h->raw_fn)
		return;
	if (n > BP_HTML_RAW_HOLD) { /* far more than is ever needed back */
		bp_html_raw_upto(h, h->rbase + h->rlen, 0);
		h->raw_fn(h->ctx, s, n - BP_HTML_RAW_HOLD, 0);
		h->rbase += n - BP_HTML_RAW_HOLD;
		s += n - BP_HTML_RAW_HOLD;
		n = BP_HTML_RAW_HOLD;
	}
	if (h->rlen + n > BP_HTML_RAW_HOLD)
		bp_html_raw_upto(h, h->rbase + (h->rlen + n - BP_HTML_RAW_HOLD), 0);
	if (h->rstart + h->rlen + n > h->rcap && h->rstart > 0) { /* compact: amortized */
		memmove(h->rhold, h->rhold + h->rstart, h->rlen);
		h->rstart = 0;
	}
	if (!grow((void **)&h->rhold, &h->rcap, h->rlen + n, 1)) {
		fail(h, BP_ERR_NOMEM);
		return;
	}
	memcpy(h->rhold + h->rstart + h->rlen, s, n);
	h->rlen += n;
}

void bp_html_raw_upto(bp_html *h, uint64_t upto, int line_end)
{
	size_t n = 0;

	if (!h->raw_fn)
		return;
	if (upto > h->rbase)
		n = upto - h->rbase < h->rlen ? (size_t)(upto - h->rbase) : h->rlen;
	h->raw_fn(h->ctx, n ? h->rhold + h->rstart : "", n, line_end);
	h->rstart = h->rlen == n ? 0 : h->rstart + n;
	h->rlen -= n;
	h->rbase += n;
}

/* Input s[0, n) of one page (charset decided per page). */
static void feed_page(bp_html *h, const char *bytes, size_t len)
{
	const unsigned char *s = (const unsigned char *)bytes;
	size_t i = 0;

	if (h->nsniff < BP_HTML_SNIFF) {
		size_t m = len < BP_HTML_SNIFF - h->nsniff ? len : BP_HTML_SNIFF - h->nsniff;
		memcpy(h->sniff + h->nsniff, bytes, m);
		h->nsniff += m;
	}
	while (h->cs == CS_UNDECIDED && i < len && h->st == BP_OK) {
		if (h->npend == 0) { /* ASCII reads the same in every charset we know */
			size_t run = i;
			while (run < len && s[run] < 0x80)
				run++;
			if (run > i) {
				h->cs = BP_CS_UTF8;
				decode(h, s + i, run - i, h->raw_pos + i, 0);
				h->cs = CS_UNDECIDED;
				i = run;
				continue;
			}
			h->pend_raw = h->raw_pos + i;
		}
		h->pend[h->npend++] = bytes[i++];
		if ((h->npend >= DECIDE_AFTER && h->pend_raw - h->page_raw + h->npend >= BP_HTML_SNIFF) ||
		    h->npend >= BP_HTML_SNIFF + DECIDE_AFTER)
			decide(h, 0);
	}
	if (i < len && h->st == BP_OK)
		decode(h, s + i, len - i, h->raw_pos + i, 0);
	h->raw_pos += len;
}

/* How much of s[0, n) belongs to the current page: all of it, or up to the
 * '>' of its "</html>" (any case, white space before the '>'), which ends
 * the page (page_over). Pages concatenated in one stream ("cat a.html
 * b.html") each get their own charset. */
static size_t page_part(bp_html *h, const char *s, size_t n)
{
	static const char end[] = "</html";
	size_t i = 0;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		if (h->pe == 0) {
			const char *lt = memchr(s + i, '<', n - i);
			if (!lt)
				return n;
			i = (size_t)(lt - s) + 1;
			h->pe = 1;
			continue;
		}
		if (h->pe < (int)sizeof(end) - 1) {
			h->pe = (c >= 'A' && c <= 'Z' ? c + 32 : c) == (unsigned char)end[h->pe] ? h->pe + 1 : c == '<';
		} else if (c == '>') {
			h->pe = 0;
			h->page_over = 1;
			return i + 1;
		} else if (!is_space(c)) {
			h->pe = c == '<';
		}
		i++;
	}
	return n;
}

bp_status bp_html_feed(bp_html *h, const char *bytes, size_t len, bp_error *err)
{
	size_t at = 0;

	h->err = err;
	if (h->st != BP_OK)
		return h->st;
	keep_raw(h, bytes, len);
	while (at < len && h->st == BP_OK) {
		size_t n = page_part(h, bytes + at, len - at);
		feed_page(h, bytes + at, n);
		at += n;
		if (h->page_over) { /* the next page's charset is its own */
			h->page_over = 0;
			if (h->cs == CS_UNDECIDED)
				decide(h, 1);
			h->cs = CS_UNDECIDED;
			h->nsniff = h->npend = 0;
			h->page_raw = h->raw_pos;
		}
	}
	return h->st;
}

bp_status bp_html_finish(bp_html *h, bp_error *err)
{
	h->err = err;
	if (h->st != BP_OK)
		return h->st;
	if (h->cs == CS_UNDECIDED)
		decide(h, 1);
	if (h->nu8) {
		count_invalid(h);
		h->nu8 = 0;
		decoded_char(h, "\xEF\xBF\xBD", 3, h->u8raw, 1);
	}
	map_add(h, h->lx, h->raw_pos);
	push_slice(h, h->nslice, 1);
	while (h->depth > 0 && h->st == BP_OK) /* whatever libxml2 left open */
		sax_end(h, (const xmlChar *)"");
	boundary(h, 0, h->raw_pos);
	flush_pieces(h, h->np);
	return h->st;
}

const bp_html_report *bp_html_report_get(const bp_html *h)
{
	return &h->rep;
}

bp_html *bp_html_new(bp_html_out_fn out, bp_html_keep_fn keep, bp_html_raw_fn raw, void *ctx)
{
	bp_html *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->out = out;
	h->keep = keep;
	h->raw_fn = raw;
	h->ctx = ctx;
	h->pend = malloc(BP_HTML_SNIFF + DECIDE_AFTER);
	h->win = malloc(WINDOW);
	if (!h->pend || !h->win || bp_html_reset(h, NULL) != BP_OK) {
		bp_html_free(h);
		return NULL;
	}
	return h;
}

void bp_html_free(bp_html *h)
{
	if (!h)
		return;
	if (h->px)
		htmlFreeParserCtxt(h->px);
	free(h->pend);
	free(h->win);
	free(h->amap);
	free(h->hbuf);
	free(h->pieces);
	free(h->rhold);
	free(h);
}

bp_status bp_html_reset(bp_html *h, bp_error *err)
{
	(void)err;
	if (h->px) {
		htmlFreeParserCtxt(h->px);
		h->px = NULL;
	}
	h->st = BP_OK;
	memset(&h->rep, 0, sizeof(h->rep));
	h->rep.declared = h->rep.used = BP_CS_UNKNOWN;
	h->raw_pos = h->page_raw = 0;
	h->pe = h->page_over = 0;
	h->cs = CS_UNDECIDED;
	h->nsniff = h->npend = 0;
	h->nu8 = 0;
	h->skipping = 0;
	h->ts = TS_TEXT;
	h->nmatch = 0;
	h->tagstart = (size_t)-1;
	h->lx = 0;
	h->na = h->ahead = h->acur = 0;
	h->nslice = 0;
	h->pushed = 0;
	h->rlen = h->rstart = 0;
	h->rbase = 0;
	memset(&h->stack[0], 0, sizeof(h->stack[0]));
	h->stack[0].cls = T_PARA;
	h->depth = h->drop_depth = 0;
	h->in_link = h->in_pre = h->sect = h->in_li = 0;
	h->line_text = 0;
	h->last = LAST_NONE;
	h->prefix_len = 0;
	h->nlcopy = 0;
	h->hlen = h->np = 0;
	h->base = 0;
	h->seal = 1;
	return BP_OK;
}
