/*
 * bp_html.h - stage 1b: HTML pages in, the tokenizer's line stream out.
 *
 * A saved web page is read with libxml2's HTML push parser (SAX callbacks,
 * never a tree; the only file that includes libxml2) and turned into the
 * same kind of text a plain-text transcript of the page has:
 *
 *   - block elements (p, div, h1-h6, blockquote, section, article, table,
 *     td, hr, ...) end the line and leave one blank line after it; li, dt,
 *     dd, tr end the line only; br ends the line (two give a blank line);
 *     inline elements join; white space is folded by the tokenizer.
 *   - list items keep their numbers as text shows them: "1. " in an <ol>
 *     (start and value attributes honoured), "- " in a <ul>, indented two
 *     spaces per list level; a list inside an item adds no blank line.
 *   - entities arrive decoded (libxml2); <pre> keeps its line breaks.
 *   - dropped with all they contain: head, script, style, noscript,
 *     template, iframe, svg, math, object, canvas, forms and their controls,
 *     nav, aside, menu, dialog, audio, video; header and footer unless inside
 *     article, main or section; elements marked hidden, aria-hidden or with a
 *     role of navigation, banner, contentinfo, complementary, search, menu,
 *     menubar, toolbar, dialog or alertdialog; comments.
 *   - boilerplate by structure: a block whose text is mostly links to other
 *     pages (menus, breadcrumbs, language switchers, share bars, lists of
 *     related news) is dropped when it closes, unless one of its lines is
 *     structure (the keep callback: a title, a table of contents, a speaker
 *     turn, "Back to top"...). Links within the page (href="#...") count as
 *     text. Blocks are held until they close (at most BP_HTML_HOLD_MAX bytes:
 *     past it the oldest are passed on and can no longer be dropped).
 *
 * Encodings: a UTF-8 BOM, else the <meta charset> / http-equiv declaration
 * in the first BP_HTML_SNIFF bytes, else UTF-8. A page declared in a single-
 * byte charset whose first non-ASCII bytes are valid UTF-8 is read as UTF-8
 * (report.charset_mismatch); an undeclared page whose non-ASCII bytes are
 * not UTF-8 is read as windows-1251 when most of them are Cyrillic letters,
 * else windows-1252 (report.charset_guessed). The text passed on is always
 * valid UTF-8: invalid sequences become U+FFFD, NUL and other control bytes
 * are removed (all counted in the report); a form feed becomes a space and
 * the noncharacters U+FFFE, U+FFFF become U+FFFD (not counted), as libxml2
 * 2.9 would drop them from text. libxml2 gets the page as UTF-8
 * and ignores the page's own declaration. In a stream of concatenated pages
 * the charset is decided again after each "</html>" (the declaration looked
 * for in the next BP_HTML_SNIFF bytes): each page is read in its own.
 *
 * Offsets: every byte passed on carries the offset of the input byte it
 * came from: out(bytes, len, raw) means bytes[i] stands for input byte
 * raw + i, so that tokenizer spans point into the page as read. Text maps
 * byte for byte (through the charset decoding); a decoded entity maps to
 * its '&'; a list number, indent and line breaks map to the tag that made
 * them.
 *
 * Streaming: bp_html_feed accepts any chunk boundary; the decoded page goes
 * to libxml2 in slices of BP_HTML_SLICE bytes cut at fixed offsets, so the
 * output does not depend on how the input was chunked. Memory is bounded by
 * the limits below, never by the page: elements nested deeper than
 * BP_HTML_DEPTH_MAX are read without their list numbers and links (counted),
 * and when libxml2 holds more than BP_HTML_LAG_MAX bytes that it cannot
 * parse yet (a text, tag or comment that never ends), input is skipped to
 * the next '<' or '>' (counted).
 */
#ifndef BP_HTML_H
#define BP_HTML_H

#include <stddef.h>
#include <stdint.h>

#include "bp_charset.h"
#include "bp_error.h"

#define BP_HTML_SNIFF 4096          /* bytes searched for a charset declaration */
#define BP_HTML_SLICE 4096          /* bytes per libxml2 push */
#define BP_HTML_DEPTH_MAX 256       /* elements whose state is kept */
#define BP_HTML_HOLD_MAX (64u << 10) /* text held back for boilerplate decisions */
#define BP_HTML_LAG_MAX (1u << 20)  /* bytes libxml2 may hold unparsed */
#define BP_HTML_RAW_HOLD (4u << 20) /* input bytes kept for bp_html_raw_upto */

/* Text for the tokenizer: bytes[i] stands for input byte raw + i. A non-OK
 * return stops the reader and is returned by feed/finish. */
typedef bp_status (*bp_html_out_fn)(void *ctx, const char *bytes, size_t len, uint64_t raw,
				    bp_error *err);
/* Whether a completed line of text is transcript structure (never dropped as
 * boilerplate). May be NULL. */
typedef int (*bp_html_keep_fn)(void *ctx, const char *line, size_t len);
/* Input bytes handed back in order (see bp_html_raw_upto). */
typedef void (*bp_html_raw_fn)(void *ctx, const char *bytes, size_t len, int line_end);

/* What the reader found, counted since bp_html_reset. */
typedef struct bp_html_report {
	bp_charset declared;        /* BP_CS_UNKNOWN when nothing was declared */
	bp_charset used;
	int bom;                    /* a UTF-8 byte-order mark */
	int charset_mismatch;       /* declared single-byte, read as UTF-8 */
	int charset_guessed;        /* undeclared, not UTF-8: used was guessed */
	int charset_unknown;        /* a declared charset we cannot read (read as UTF-8) */
	unsigned long invalid_utf8, controls, nuls;
	unsigned long skipped;      /* input bytes skipped past BP_HTML_LAG_MAX */
	unsigned long deep;         /* elements past BP_HTML_DEPTH_MAX */
	unsigned long dropped;      /* boilerplate blocks dropped by link density */
	unsigned long lines;        /* lines passed on so far */
	unsigned long first_line[4]; /* line of the first invalid, control, skipped, deep */
} bp_html_report;

typedef struct bp_html bp_html;

/* raw may be NULL (nothing retained); keep may be NULL. NULL on allocation
 * failure. */
bp_html *bp_html_new(bp_html_out_fn out, bp_html_keep_fn keep, bp_html_raw_fn raw, void *ctx);
void bp_html_free(bp_html *h);
/* Ready for a new page (offsets from 0, a fresh libxml2 context). */
bp_status bp_html_reset(bp_html *h, bp_error *err);
/* Feeds len bytes of the page. Errors: those of out, BP_ERR_NOMEM. */
bp_status bp_html_feed(bp_html *h, const char *bytes, size_t len, bp_error *err);
/* Ends the page: parses what is left, closes open elements, passes on the
 * held text and a final line break. */
bp_status bp_html_finish(bp_html *h, bp_error *err);
/* Hands the input bytes before offset upto (those not handed back yet) to
 * the raw callback, line_end set on the last piece. Bytes still needed are
 * kept up to BP_HTML_RAW_HOLD; older ones are handed back early with
 * line_end 0. At finish, upto = UINT64_MAX hands back the rest. */
void bp_html_raw_upto(bp_html *h, uint64_t upto, int line_end);
/* The report so far. */
const bp_html_report *bp_html_report_get(const bp_html *h);

#endif
