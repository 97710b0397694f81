/* pipeline.c - the stages wired together for one input (bp_pipeline.h). */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "bp_pipeline.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bp_html.h"
#include "bp_input.h"
#include "bp_mojibake.h"
#include "bp_offload.h"
#include "bp_parse.h"
#include "bp_profile.h"

/* Raw bytes held while a briefing's profile is being detected; past it the
 * profile is picked from the lines held so far. */
#define BP_DETECT_RAW_MAX (4u << 20)

/* What the tokenizer handed on while a profile was being detected, in
 * order: a line (a copy) or raw bytes for the digests. Replayed in the same
 * order once the profile is known. */
typedef struct held_event {
	int is_line;
	bp_line line;          /* is_line: text and anchors point into text, anchors */
	char *text;
	bp_anchor *anchors;
	const bp_cues *cues;   /* what the tokenizer classified it with */
	size_t raw_off, raw_len; /* !is_line: bytes raw[raw_off, +raw_len) */
	int line_end;
} held_event;

struct bp_pipeline {
	bp_options opts;
	const bp_cues *cues;
	const bp_rules *rules;
	bp_classifier *classifier; /* in line, or */
	bp_pairing pairing;        /* its questions and answers */
	bp_offload *offload;       /* on a second thread */
	bp_tokenizer *tok;
	bp_parser *parser;
	bp_emitter *emitter;
	int own_emitter;       /* made here (JSONL), not handed in */
	bp_digest *digest;
	const char *path;
	const char *format;
	int have_closed;       /* a cut_before gave the closing briefing's segment */
	bp_source_info closed;
	char *readbuf;
	bp_html *html;         /* the HTML reader, for HTML inputs */
	int is_html;
	uint64_t html_pos;     /* input offset after the text fed last */
	bp_html_report html_told; /* what earlier briefings' warnings already said */
	bp_tag_warnings tagwarn; /* of the open briefing's blocks, classified in line */
	bp_mojibake *mojibake;
	unsigned long repaired, repaired_line; /* mojibake since the last briefing */
	/* profiles: the set, the one lines are read with now, detection */
	const bp_cues *tok_cues;   /* what the tokenizer classifies with */
	int detecting;             /* holding lines until the profile is known */
	int redetect;              /* a footer closed the briefing: detect the next one's */
	int detected;              /* a profile was detected for this input */
	held_event *ev;
	size_t nev, cap_ev, held_text;
	char *raw;                 /* held raw bytes */
	size_t nraw, cap_raw;
	bp_status pending;         /* a replay's failure inside the raw callback */
	bp_error pending_err;
};

static bp_status detect_decide(bp_pipeline *pl, int at_end, bp_error *err);

/* Room for one more held event; new slots zeroed (their buffers are
 * reused by later holds). 0, or -1 when out of memory. */
static int ev_grow(bp_pipeline *pl)
{
	size_t old = pl->cap_ev;
	if (bp_grow(&pl->ev, &pl->cap_ev, pl->nev + 1, sizeof(*pl->ev), 64) != 0)
		return -1;
	memset(pl->ev + old, 0, (pl->cap_ev - old) * sizeof(*pl->ev));
	return 0;
}

/* Raw bytes for the segment digests: held while detecting. */
static void digest_feed(bp_pipeline *pl, const char *bytes, size_t len, int line_end)
{
	held_event *e;

	if (pl->detecting && pl->nraw + len > BP_DETECT_RAW_MAX && pl->pending == BP_OK)
		pl->pending = detect_decide(pl, 0, &pl->pending_err); /* a huge line: decide now */
	if (!pl->detecting || pl->pending != BP_OK) {
		bp_digest_update(pl->digest, bytes, len, line_end);
		return;
	}
	if (ev_grow(pl) != 0 ||
	    bp_grow(&pl->raw, &pl->cap_raw, pl->nraw + len + 1, 1, 4096) != 0) {
		pl->pending = bp_error_set(&pl->pending_err, BP_ERR_NOMEM, NULL, 0, "out of memory");
		return;
	}
	e = &pl->ev[pl->nev++];
	e->is_line = 0; /* its text and anchors buffers stay for a later line */
	e->raw_off = pl->nraw;
	e->raw_len = len;
	e->line_end = line_end;
	memcpy(pl->raw + pl->nraw, bytes, len);
	pl->nraw += len;
}

static void on_raw(void *ctx, const char *bytes, size_t len, int line_end)
{
	bp_pipeline *pl = ctx;
	if (!pl->is_html)
		digest_feed(pl, bytes, len, line_end);
	else if (line_end) /* the page's bytes up to the end of this line */
		bp_html_raw_upto(pl->html, pl->html_pos, 1);
}

static void on_html_raw(void *ctx, const char *bytes, size_t len, int line_end)
{
	bp_pipeline *pl = ctx;
	digest_feed(pl, bytes, len, line_end);
}

static bp_status on_html_text(void *ctx, const char *bytes, size_t len, uint64_t raw, bp_error *err)
{
	bp_pipeline *pl = ctx;
	pl->html_pos = raw + len;
	return bp_tokenizer_feed_at(pl->tok, bytes, len, raw, err);
}

/* Transcript structure, never dropped as page furniture. */
static int on_html_keep(void *ctx, const char *text, size_t len)
{
	bp_pipeline *pl = ctx;
	bp_line l;

	memset(&l, 0, sizeof(l));
	l.text = text;
	l.len = len;
	bp_tokenizer_classify(pl->tok_cues, &l);
	return l.kind == BP_LINE_TITLE || l.kind == BP_LINE_TOC || l.kind == BP_LINE_QA ||
	       l.kind == BP_LINE_LABEL || l.kind == BP_LINE_BACK || l.kind == BP_LINE_FOOTER;
}

static void add_warning(bp_briefing *b, const char *code, unsigned long count, unsigned long line,
			const char *msg)
{
	size_t i;

	if (!count)
		return;
	for (i = 0; i < b->nwarnings; i++)
		if (strcmp(b->warnings[i].code, code) == 0) {
			b->warnings[i].count += count;
			return;
		}
	if (b->nwarnings == BP_WARNING_KINDS)
		return;
	b->warnings[i].code = code;
	b->warnings[i].count = count;
	b->warnings[i].line = line;
	snprintf(b->warnings[i].message, sizeof(b->warnings[i].message), "%s", msg);
	b->nwarnings++;
}

/* What the HTML reader found since the last briefing, as its warnings. */
static void html_warnings(bp_pipeline *pl, bp_briefing *b)
{
	const bp_html_report *r = bp_html_report_get(pl->html);
	bp_html_report *t = &pl->html_told;
	char msg[160];

	if (r->charset_mismatch && !t->charset_mismatch) {
		snprintf(msg, sizeof(msg), "the page declares %s but is UTF-8: read as UTF-8",
			 bp_charset_name(r->declared));
		add_warning(b, "charset-mismatch", 1, 0, msg);
	}
	if (r->charset_guessed && !t->charset_guessed) {
		snprintf(msg, sizeof(msg), "no charset declared and not UTF-8: read as %s",
			 bp_charset_name(r->used));
		add_warning(b, "charset-guessed", 1, 0, msg);
	}
	if (r->charset_unknown && !t->charset_unknown)
		add_warning(b, "charset-unknown", 1, 0,
			    "the declared charset is not one briefparse reads: read as UTF-8");
	snprintf(msg, sizeof(msg), "invalid UTF-8 replaced with U+FFFD (first on line %lu)", r->first_line[0]);
	add_warning(b, "invalid-utf8", r->invalid_utf8 - t->invalid_utf8, r->first_line[0], msg);
	snprintf(msg, sizeof(msg), "control characters removed (first on line %lu)", r->first_line[1]);
	add_warning(b, "control-characters", r->controls - t->controls, r->first_line[1], msg);
	add_warning(b, "nul-bytes", r->nuls - t->nuls, 0, "NUL bytes removed");
	snprintf(msg, sizeof(msg), "bytes of a text, tag or comment that never ends were skipped (near line %lu)",
		 r->first_line[2]);
	add_warning(b, "html-skipped", r->skipped - t->skipped, r->first_line[2], msg);
	snprintf(msg, sizeof(msg), "elements nested deeper than %d read without list numbers and links",
		 BP_HTML_DEPTH_MAX);
	add_warning(b, "html-too-deep", r->deep - t->deep, r->first_line[3], msg);
	*t = *r;
}

/* A line for the parser, read with the current profile (cues: what it was
 * classified with). */
static bp_status parse_line(bp_pipeline *pl, const bp_line *line, const bp_cues *cues, bp_error *err)
{
	bp_line fixed;
	bp_status st;
	int r = bp_mojibake_line(pl->mojibake, line, &fixed);

	if (r == 0 && cues != pl->tok_cues) {
		fixed = *line;
		bp_tokenizer_classify(pl->tok_cues, &fixed);
		return bp_parser_line(pl->parser, &fixed, err);
	}
	if (r == 0)
		return bp_parser_line(pl->parser, line, err);
	if (r < 0)
		return bp_error_set(err, BP_ERR_NOMEM, NULL, line->lineno, "out of memory");
	bp_tokenizer_classify(pl->tok_cues, &fixed);
	st = bp_parser_line(pl->parser, &fixed, err);
	/* after the line: a title line closes the briefing before it first */
	if (pl->repaired == 0)
		pl->repaired_line = line->lineno;
	pl->repaired += (unsigned long)r;
	return st;
}

static void use_profile(bp_pipeline *pl, const bp_cues *c, int fallback)
{
	pl->tok_cues = c;
	bp_tokenizer_set_cues(pl->tok, c);
	bp_parser_set_cues(pl->parser, c, fallback);
}

/* Picks the profile of the briefing whose first lines are held, then
 * replays what was held. A footer in the replay starts the next
 * briefing's detection with the events after it; at_end: the input has
 * ended, decide on whatever is held. */
static bp_status detect_decide(bp_pipeline *pl, int at_end, bp_error *err)
{
	size_t i, n, len = 0;
	char *text;
	int fallback;
	const bp_cues *c;
	bp_status st = BP_OK;

	if (!pl->detecting)
		return BP_OK;
	for (i = 0; i < pl->nev; i++)
		if (pl->ev[i].is_line)
			len += pl->ev[i].line.len + 1;
	/* zeroed, with room after the end: PCRE2's JIT may read a little past it */
	if (!(text = calloc(1, len + 64)))
		return bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
	for (i = 0, n = 0; i < pl->nev; i++) {
		const bp_line *l = &pl->ev[i].line;
		if (!pl->ev[i].is_line)
			continue;
		memcpy(text + n, l->text, l->len);
		n += l->len;
		text[n++] = '\n';
	}
	if (n > BP_DETECT_BYTES) { /* the window, cut at a character's start */
		n = BP_DETECT_BYTES;
		while (n && ((unsigned char)text[n] & 0xC0) == 0x80)
			n--;
	}
	c = bp_profile_pick(pl->cues, text, n, pl->detected ? pl->tok_cues : NULL, &fallback);
	free(text);
	if (!c)
		return bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
	pl->detected = 1;
	use_profile(pl, c, fallback);
	pl->detecting = 0;
	pl->held_text = 0;
	for (i = 0; i < pl->nev && st == BP_OK; i++) {
		held_event *e = &pl->ev[i];
		if (e->is_line)
			st = parse_line(pl, &e->line, e->cues, err);
		else
			bp_digest_update(pl->digest, pl->raw + e->raw_off, e->raw_len, e->line_end);
		if (pl->redetect && i + 1 < pl->nev) {
			/* the next briefing's detection starts with the events left */
			size_t k, rest = pl->nev - i - 1;
			held_event tmp;
			pl->redetect = 0;
			pl->detecting = 1;
			for (k = 0; k < rest; k++) { /* keep the buffers of the replayed ones */
				tmp = pl->ev[k];
				pl->ev[k] = pl->ev[i + 1 + k];
				pl->ev[i + 1 + k] = tmp;
				if (pl->ev[k].is_line)
					pl->held_text += pl->ev[k].line.len + 1;
			}
			pl->nev = rest;
			if (at_end || pl->held_text >= BP_DETECT_BYTES)
				return st == BP_OK ? detect_decide(pl, at_end, err) : st;
			return st;
		}
	}
	pl->nev = 0;
	pl->nraw = 0;
	if (pl->redetect) {
		pl->redetect = 0;
		pl->detecting = 1;
	}
	return st;
}

/* Holds a copy of line l (detection). */
static bp_status hold_line(bp_pipeline *pl, const bp_line *l, bp_error *err)
{
	held_event *e;
	size_t na = l->nanchors;

	if (ev_grow(pl) != 0)
		return bp_error_set(err, BP_ERR_NOMEM, NULL, l->lineno, "out of memory");
	e = &pl->ev[pl->nev];
	/* buffers are kept from earlier holds; realloc to this line's size */
	{
		char *t = realloc(e->text, l->len + 1);
		bp_anchor *a;
		if (!t)
			return bp_error_set(err, BP_ERR_NOMEM, NULL, l->lineno, "out of memory");
		e->text = t;
		a = realloc(e->anchors, (na ? na : 1) * sizeof(*a));
		if (!a)
			return bp_error_set(err, BP_ERR_NOMEM, NULL, l->lineno, "out of memory");
		e->anchors = a;
	}
	memcpy(e->text, l->text, l->len);
	e->text[l->len] = '\0';
	if (na)
		memcpy(e->anchors, l->anchors, na * sizeof(*e->anchors));
	e->line = *l;
	e->line.text = e->text;
	e->line.anchors = e->anchors;
	e->is_line = 1;
	e->cues = pl->tok_cues;
	pl->nev++;
	pl->held_text += l->len + 1;
	return BP_OK;
}

static bp_status on_line(void *ctx, const bp_line *line, bp_error *err)
{
	bp_pipeline *pl = ctx;
	bp_status st;

	if (pl->pending != BP_OK) {
		*err = pl->pending_err;
		return pl->pending;
	}
	if (!pl->detecting) {
		st = parse_line(pl, line, pl->tok_cues, err);
		if (pl->redetect) { /* a footer: the lines after it are the next briefing's */
			pl->redetect = 0;
			pl->detecting = 1;
		}
		return st;
	}
	st = hold_line(pl, line, err);
	if (st == BP_OK && pl->held_text >= BP_DETECT_BYTES)
		st = detect_decide(pl, 0, err);
	return st;
}

static void on_cut(void *ctx, enum bp_cut where)
{
	bp_pipeline *pl = ctx;
	if (where == BP_CUT_AFTER_LINE) {
		bp_digest_cut_after(pl->digest);
		if (!pl->opts.profile)
			pl->redetect = 1;
		return;
	}
	bp_digest_cut_before(pl->digest, pl->closed.sha256, &pl->closed.offset, &pl->closed.bytes);
	pl->have_closed = 1;
}

/* --explain: a line naming the block (its record id), then the
 * classifier's explanation. */
static bp_status explain_block(bp_pipeline *pl, const bp_block *b, bp_error *err)
{
	char head[256];
	int n = snprintf(head, sizeof(head), "explain %s/%c%u (%s, line %lu, %zu bytes)\n",
			 b->briefing_id, b->type == BP_BLOCK_STATEMENT ? 's' : 't', b->seq,
			 bp_block_type_name(b->type), b->line, b->len);
	bp_status st = pl->opts.explain(pl->opts.explain_ctx, head,
					n < 0 ? 0 : (size_t)n < sizeof(head) ? (size_t)n : sizeof(head) - 1, err);
	if (st != BP_OK)
		return st;
	return bp_classifier_explain(pl->classifier, b->buf, pl->opts.explain, pl->opts.explain_ctx, err);
}

static bp_status on_block(void *ctx, const bp_block *b, bp_error *err)
{
	bp_pipeline *pl = ctx;
	bp_tags tags;
	bp_status st;

	if (pl->offload)
		return bp_offload_block(pl->offload, b, err);
	if (!pl->classifier)
		return bp_emit_block(pl->emitter, b, NULL, err);
	st = bp_classifier_run(pl->classifier, b->buf, b->len, b->heading_len, &tags, err);
	if (st == BP_OK && pl->opts.explain)
		st = explain_block(pl, b, err);
	if (st == BP_OK)
		st = bp_pairing_apply(&pl->pairing, bp_block_pair_kind(b), b->briefing_id, &tags,
				      pl->opts.explain, pl->opts.explain_ctx, err);
	if (st != BP_OK)
		return st;
	bp_tag_warnings_add(&pl->tagwarn, b, &tags);
	return bp_emit_block(pl->emitter, b, &tags, err);
}

static bp_status on_briefing(void *ctx, const bp_briefing *b, bp_error *err)
{
	bp_pipeline *pl = ctx;
	bp_source_info src;
	bp_briefing with;

	if (pl->have_closed) {
		src = pl->closed;
		pl->have_closed = 0;
	} else {
		bp_digest_final(pl->digest, src.sha256, &src.offset, &src.bytes);
	}
	if (!bp_digest_ok(pl->digest)) /* never a record without its digest */
		return bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
	src.path = pl->path;
	src.format = pl->format;
	if (pl->is_html || pl->repaired || (!pl->offload && pl->tagwarn.nlimited)) {
		with = *b; /* shallow: only its warnings change */
		if (pl->is_html)
			html_warnings(pl, &with);
		if (pl->repaired) { /* no line: a stream's briefing says what the file alone says */
			add_warning(&with, "mojibake-repaired", pl->repaired, 0,
				    "mojibake (UTF-8 read through another code page) repaired");
			pl->repaired = 0;
		}
		if (pl->offload) /* the classifier's warnings join there */
			return bp_offload_briefing(pl->offload, &with, &src, err);
		bp_tag_warnings_move(&pl->tagwarn, &with);
		return bp_emit_briefing(pl->emitter, &with, &src, err);
	}
	if (pl->offload)
		return bp_offload_briefing(pl->offload, b, &src, err);
	return bp_emit_briefing(pl->emitter, b, &src, err);
}

/* Whether to classify on a second thread: asked for, or (0) when this
 * process may run on two CPUs (taskset or a cpuset can allow fewer than are
 * online). */
static int use_thread(unsigned threads)
{
	if (threads == 0) {
#ifdef CPU_COUNT
		cpu_set_t set;
		if (sched_getaffinity(0, sizeof(set), &set) == 0)
			return CPU_COUNT(&set) >= 2;
#endif
		return sysconf(_SC_NPROCESSORS_ONLN) >= 2;
	}
	return threads == 2;
}

bp_pipeline *bp_pipeline_new(const bp_options *opts, const bp_cues *cues, const bp_rules *rules,
			     bp_write_fn write, void *ctx)
{
	bp_emitter *e = bp_emitter_new(opts->pretty, write, ctx);
	bp_pipeline *pl = e ? bp_pipeline_new_emitter(opts, cues, rules, e) : NULL;

	if (!pl) {
		bp_emitter_free(e);
		return NULL;
	}
	pl->own_emitter = 1;
	return pl;
}

bp_pipeline *bp_pipeline_new_emitter(const bp_options *opts, const bp_cues *cues,
				     const bp_rules *rules, bp_emitter *emitter)
{
	bp_pipeline *pl = calloc(1, sizeof(*pl));
	bp_sink sink;

	if (!pl)
		return NULL;
	pl->opts = *opts;
	pl->cues = cues;
	pl->rules = rules;
	sink.block = on_block;
	sink.briefing = on_briefing;
	sink.cut = on_cut;
	sink.ctx = pl;
	pl->tok = bp_tokenizer_new(cues, on_line, on_raw, pl);
	pl->parser = bp_parser_new(cues, &sink);
	pl->emitter = emitter;
	pl->digest = bp_digest_new();
	pl->readbuf = malloc(BP_READ_CHUNK);
	pl->html = bp_html_new(on_html_text, on_html_keep, on_html_raw, pl);
	pl->mojibake = bp_mojibake_new();
	pl->tok_cues = cues;
	if (rules && !opts->explain && use_thread(opts->threads) && pl->emitter)
		pl->offload = bp_offload_new(rules, pl->emitter);
	else if (rules && (pl->classifier = bp_classifier_new(rules)))
		bp_classifier_set_explain(pl->classifier, opts->explain != NULL);
	bp_pairing_init(&pl->pairing, rules);
	if (!pl->tok || !pl->parser || !pl->emitter || !pl->digest || !pl->readbuf || !pl->html || !pl->mojibake ||
	    (rules && !pl->classifier && !pl->offload)) {
		bp_pipeline_free(pl);
		return NULL;
	}
	return pl;
}

void bp_pipeline_free(bp_pipeline *pl)
{
	if (!pl)
		return;
	bp_offload_free(pl->offload); /* before the emitter it writes to */
	bp_tokenizer_free(pl->tok);
	bp_parser_free(pl->parser);
	if (pl->own_emitter)
		bp_emitter_free(pl->emitter);
	bp_digest_free(pl->digest);
	bp_classifier_free(pl->classifier);
	bp_pairing_free(&pl->pairing);
	free(pl->readbuf);
	bp_html_free(pl->html);
	bp_mojibake_free(pl->mojibake);
	for (size_t i = 0; i < pl->cap_ev; i++) {
		free(pl->ev[i].text);
		free(pl->ev[i].anchors);
	}
	free(pl->ev);
	free(pl->raw);
	free(pl);
}

static void begin(bp_pipeline *pl, const char *path)
{
	bp_tokenizer_reset(pl->tok);
	bp_parser_reset(pl->parser);
	bp_digest_reset(pl->digest);
	pl->have_closed = 0;
	pl->tagwarn.nlimited = 0;
	/* an answer never pairs with the last question of the input before,
	 * though both may be of an "undated-..." briefing of the same id */
	pl->pairing.have_question = 0;
	pl->path = path;
	pl->format = "text";
	pl->is_html = 0;
	pl->repaired = 0;
	pl->detecting = pl->opts.profile == NULL;
	pl->redetect = pl->detected = 0;
	pl->nev = pl->nraw = pl->held_text = 0;
	pl->pending = BP_OK;
	use_profile(pl, pl->opts.profile ? pl->opts.profile : pl->cues, 0);
}

static bp_status check_format(bp_pipeline *pl, const char *bytes, size_t len, const char *path,
			       bp_error *err)
{
	switch (bp_input_sniff(bytes, len)) {
	case BP_FORMAT_TEXT:
		return BP_OK;
	case BP_FORMAT_HTML:
		pl->is_html = 1;
		pl->format = "html";
		pl->html_pos = 0;
		memset(&pl->html_told, 0, sizeof(pl->html_told));
		return bp_html_reset(pl->html, err);
	case BP_FORMAT_UTF16:
		return bp_error_set(err, BP_ERR_NOT_TEXT, path, 0,
				    "UTF-16 text is not supported: convert it to UTF-8");
	case BP_FORMAT_BINARY:
	default:
		return bp_error_set(err, BP_ERR_NOT_TEXT, path, 0, "not a text transcript");
	}
}

static bp_status feed(bp_pipeline *pl, const char *bytes, size_t len, bp_error *err)
{
	size_t step = pl->opts.chunk ? pl->opts.chunk : len, i;
	bp_status st;

	for (i = 0; i < len; i += step) {
		size_t n = len - i < step ? len - i : step;
		st = pl->is_html ? bp_html_feed(pl->html, bytes + i, n, err)
				 : bp_tokenizer_feed(pl->tok, bytes + i, n, err);
		if (st != BP_OK)
			return st;
	}
	return BP_OK;
}

static bp_status finish(bp_pipeline *pl, const char *path, bp_error *err)
{
	bp_status st = BP_OK;

	if (pl->is_html) {
		st = bp_html_finish(pl->html, err);
		bp_html_raw_upto(pl->html, UINT64_MAX, 0);
	}
	if (st == BP_OK)
		st = bp_tokenizer_finish(pl->tok, err);
	if (st == BP_OK && pl->pending != BP_OK) {
		*err = pl->pending_err;
		st = pl->pending;
	}
	if (st == BP_OK)
		st = detect_decide(pl, 1, err);
	if (st == BP_OK)
		st = bp_parser_finish(pl->parser, err);
	if (st != BP_OK && err && !err->path[0])
		snprintf(err->path, sizeof(err->path), "%s", path);
	return st;
}

static bp_status fail(bp_status st, const char *path, bp_error *err)
{
	if (err && !err->path[0])
		snprintf(err->path, sizeof(err->path), "%s", path);
	return st;
}

/* The end of an input. With the classifier on its thread, its records still
 * queued go out now: after an error, those parsed before it (as in line).
 * Then the emitter hears that the input is done (and how). */
static bp_status flush(bp_pipeline *pl, bp_status st, const char *path, bp_error *err)
{
	bp_error later;

	if (!pl->offload)
		return st;
	if (st != BP_OK) {
		bp_offload_flush(pl->offload, &later); /* the first error is the one to report */
		return st;
	}
	st = bp_offload_flush(pl->offload, err);
	return st == BP_OK ? st : fail(st, path, err);
}

static bp_status settle(bp_pipeline *pl, bp_status st, const char *path, bp_error *err)
{
	bp_error later;

	st = flush(pl, st, path, err);
	if (st != BP_OK) {
		bp_emit_end_input(pl->emitter, st, &later);
		return st;
	}
	st = bp_emit_end_input(pl->emitter, st, err);
	return st == BP_OK ? st : fail(st, path, err);
}

static bp_status run_mem(bp_pipeline *pl, const char *bytes, size_t len, const char *path,
			 bp_error *err)
{
	bp_status st;

	begin(pl, path);
	st = check_format(pl, bytes, len, path, err);
	if (st == BP_OK)
		st = feed(pl, bytes, len, err);
	if (st != BP_OK)
		return fail(st, path, err);
	return finish(pl, path, err);
}

static bp_status run_fd(bp_pipeline *pl, int fd, const char *path, bp_error *err)
{
	size_t have = 0, got;
	bp_status st;

	begin(pl, path);
	/* gather the sniff window: reads from pipes may come in small pieces */
	do {
		st = bp_input_read(fd, path, pl->readbuf + have, BP_READ_CHUNK - have, &got, err);
		if (st != BP_OK)
			return st;
		have += got;
	} while (got && have < BP_SNIFF_BYTES);
	st = check_format(pl, pl->readbuf, have, path, err);
	if (st != BP_OK)
		return st;
	while (have) {
		st = feed(pl, pl->readbuf, have, err);
		if (st != BP_OK)
			return fail(st, path, err);
		st = bp_input_read(fd, path, pl->readbuf, BP_READ_CHUNK, &have, err);
		if (st != BP_OK)
			return st;
	}
	return finish(pl, path, err);
}

bp_status bp_pipeline_run_mem(bp_pipeline *pl, const char *bytes, size_t len, const char *path,
			      bp_error *err)
{
	return settle(pl, run_mem(pl, bytes, len, path, err), path, err);
}

bp_status bp_pipeline_run_fd(bp_pipeline *pl, int fd, const char *path, bp_error *err)
{
	return settle(pl, run_fd(pl, fd, path, err), path, err);
}
