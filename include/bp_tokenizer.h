/*
 * bp_tokenizer.h - stage 2: bytes in, normalized and classified lines out.
 *
 * Streaming: bp_tokenizer_feed accepts any chunk boundary (a line, a UTF-8
 * sequence or a CR LF split in two); each completed line is handed to the
 * line callback at once, then its raw bytes to the raw callback. Memory is
 * bounded by BP_LINE_MAX, never by the input.
 *
 * Normalization of each line: UTF-8 validated (each invalid sequence becomes
 * U+FFFD and is counted), no-break and other Unicode spaces, tabs and runs of
 * white space folded to one space, leading and trailing space trimmed,
 * zero-width characters and the BOM removed, C0/C1 control characters removed
 * and counted, NUL bytes removed and counted. CR LF, LF and lone CR end lines.
 *
 * Classification uses cue phrases of a layout profile (data/formats/), never
 * words in code: each line gets a bp_line_kind.
 */
#ifndef BP_TOKENIZER_H
#define BP_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "bp_error.h"

/* Normalized bytes kept per line; the rest of a longer line is dropped and
 * the line is flagged `truncated`. */
#define BP_LINE_MAX (1u << 20)
/* Offset-map entries kept per line; past it, offsets in the rest of that line
 * are approximate and the line is flagged `map_truncated`. */
#define BP_ANCHOR_MAX 65536
/* Raw bytes of a line that spans chunks, kept so that the raw callback sees
 * each line whole after its line callback; a longer line's raw bytes are
 * passed on early (only segment digests care, see bp_pipeline.h). */
#define BP_RAW_CARRY_MAX (64u << 10)

typedef enum bp_line_kind {
	BP_LINE_BLANK,   /* nothing but white space */
	BP_LINE_TEXT,    /* anything else */
	BP_LINE_ITEM,    /* "12. Title", "- Title", "• Title": see number/body */
	BP_LINE_LABEL,   /* "Question: ...", "Maria Zakharova: ...": see label_len/body */
	BP_LINE_BACK,    /* "Back to top", also with HTML debris before it */
	BP_LINE_TOC,     /* "Table of contents" */
	BP_LINE_QA,      /* "Answers to media questions:" and variants */
	BP_LINE_TITLE,   /* "Briefing by ..." */
	BP_LINE_FOOTER,  /* "Join the ... mailing list" */
	BP_LINE_BOILER,  /* page furniture: "The Ministry of Foreign Affairs of ..." */
	BP_LINE_CLOCK,   /* a time of day alone: "7:06 P.M. EST" (profiles with meridiem cues) */
	BP_LINE_DATE     /* a date field: "date: '2021-01-20'" (body: the value) */
} bp_line_kind;

/* Maps a normalized offset back to the raw input: for the last anchor a with
 * a.norm <= x, raw(x) = a.raw + (x - a.norm). */
typedef struct bp_anchor {
	uint32_t norm;
	uint64_t raw;
} bp_anchor;

/* raw(off) by binary search of anchors[0, n) (norm ascending); `none` when
 * n is 0. */
uint64_t bp_anchor_raw(const bp_anchor *anchors, size_t n, size_t off, uint64_t none);

typedef struct bp_line {
	bp_line_kind kind;
	const char *text;     /* normalized UTF-8, NUL-terminated */
	size_t len;
	uint64_t start, end;  /* raw offsets of the first and after the last non-space byte */
	unsigned long lineno; /* 1-based */
	unsigned indent;      /* leading white-space characters in the raw line */
	/* ITEM: the marker's number ("12", "3.1"), "" for a bullet; body is where
	 * the item's text starts; item_kind is the kind of that text (BP_LINE_QA
	 * for "12. Answers to media questions:", else BP_LINE_TEXT). */
	char number[16];
	size_t body;
	bp_line_kind item_kind;
	/* TITLE: body is where the title starts (after a titlefield cue, else 0).
	 * LABEL: text[0, label_len) is the speaker ("Maria Zakharova", "Question"),
	 * body is where the turn's text starts (== len for a label alone on its
	 * line), is_question is set for a question cue. */
	size_t label_len;
	int is_question;
	int is_moderator;     /* LABEL: a moderator cue ("MODERATOR:") */
	int is_outlet;        /* LABEL: a question labelled by an outlet cue ("CCTV:") */
	/* TEXT or LABEL: a short call to action of page furniture ("Print
	 * version", "Share"): its first words are an `action` cue */
	int is_action;
	const bp_anchor *anchors; /* nanchors >= 1 when len > 0 */
	size_t nanchors;
	/* problems found in this line */
	unsigned invalid_utf8, controls, nuls;
	int truncated, map_truncated;
} bp_line;

/* Called for each completed line; the line and its buffers are valid only
 * during the call. A non-OK return stops the tokenizer and is returned by
 * feed/finish (fill err). */
typedef bp_status (*bp_line_fn)(void *ctx, const bp_line *line, bp_error *err);
/* Called after the line callback with the line's raw bytes, terminator
 * included, possibly in several pieces; line_end is 1 on the last piece. */
typedef void (*bp_raw_fn)(void *ctx, const char *bytes, size_t len, int line_end);

/* A bp_cues is one layout profile's cue file (data/formats/NAME.tsv, see
 * data/formats/README.md); profiles are chained into a set. */
typedef struct bp_cues bp_cues;

#define BP_PROFILE_NAME_MAX 63 /* bytes of a profile's name */

struct bp_blob;
/* Loads the profile set (profile.c, see bp_profile.h): the default
 * profile (ru-mfa-en) first, the others after it by name (bp_cues_next).
 * With dir: dir/cues.tsv, when there is one, is the only profile (named
 * ru-mfa-en, never detected away); else dir/formats/NAME.tsv replaces the
 * bundled profile NAME or adds one. Errors: BP_ERR_DATA with path and line
 * (a bad cue or detect pattern). The caller owns *out (bp_cues_free frees
 * the whole set). */
bp_status bp_cues_load(const char *dir, bp_cues **out, bp_error *err);
/* Parses one cue file as profile `name`. The caller owns *out. */
bp_status bp_cues_parse(const struct bp_blob *blob, const char *name, bp_cues **out, bp_error *err);
/* Frees cues and every profile chained after it. */
void bp_cues_free(bp_cues *cues);
/* The profile's name, its `language` ("en"; NULL when it names none), its
 * `about` line ("" when none), the next profile of the set (NULL at the end). */
const char *bp_cues_name(const bp_cues *cues);
const char *bp_cues_language(const bp_cues *cues);
const char *bp_cues_about(const bp_cues *cues);
const bp_cues *bp_cues_next(const bp_cues *cues);
/* The value of a `setting` line (0 when the profile has none): "default",
 * "fallback", "detect-min", "untitled", "header-place", "qa-only",
 * "paragraph-blank", "speaker-names" (see data/formats/README.md). */
int bp_cues_setting(const bp_cues *cues, const char *name);
/* Whether the profile has moderator cues (its briefings count moderator turns). */
int bp_cues_has_moderator(const bp_cues *cues);
/* The nominative of a name printed in the genitive ("М.В.Захаровой" ->
 * "М.В.Захарова"), by the profile's nominative cues on its last word (the
 * longest genitive ending that leaves a stem of two letters or more): 1
 * with out filled (NUL-terminated, cap bytes), 0 when no cue applies. */
int bp_cues_nominative(const bp_cues *cues, const char *name, char *out, size_t cap);
/* Whether the profile has nominative cues (its briefings get spokesperson_name). */
int bp_cues_has_nominative(const bp_cues *cues);
/* The profile's `detect` lines: count, and the i-th pattern with its weight
 * and line. */
size_t bp_cues_detect_count(const bp_cues *cues);
const char *bp_cues_detect(const bp_cues *cues, size_t i, int *weight, unsigned long *line);
/* For profile.c: compiled detection state owned by the cues (freed with
 * them by detect_free), and the chaining of the set. */
void bp_cues_set_detect(bp_cues *cues, void *detect, void (*detect_free)(void *));
const void *bp_cues_get_detect(const bp_cues *cues);
void bp_cues_link(bp_cues *cues, bp_cues *next);
/* 1 when word[0, len) is a role word of titles ("Spokesperson", "Director"). */
int bp_cues_is_role_word(const bp_cues *cues, const char *word, size_t len);
/* The length of the longest role cue, a word or a phrase ("Spokesperson",
 * "Ministry of Foreign Affairs of Russia"), that s[0, n) starts with and that
 * ends there or before a space or comma; 0 when none does. */
size_t bp_cues_role_at(const bp_cues *cues, const char *s, size_t n);
/* The hours a meridiem cue adds ("P.M." 12, "A.M." 0), -1 for no cue. */
int bp_cues_meridiem(const bp_cues *cues, const char *word, size_t len);
/* Where the first titlestop word of s[0, n) ("on", "and": case folded,
 * between spaces) starts, minus its space; n when there is none. */
size_t bp_cues_title_stop(const bp_cues *cues, const char *s, size_t n);
/* 1 when word[0, len) follows a year in dates ("года", "г."). */
int bp_cues_is_yearword(const bp_cues *cues, const char *word, size_t len);
/* 1 when word[0, len) is an honorific of speaker labels ("MR."). */
int bp_cues_is_honorific(const bp_cues *cues, const char *word, size_t len);
/* 1 when word[0, len) is a day name ("Thursday"). */
int bp_cues_is_weekday(const bp_cues *cues, const char *word, size_t len);
/* Month number 1-12 for an English month name or abbreviation, else 0. */
int bp_cues_month(const bp_cues *cues, const char *word, size_t len);

typedef struct bp_tokenizer bp_tokenizer;

/* cues must outlive the tokenizer; raw may be NULL. NULL on allocation failure. */
bp_tokenizer *bp_tokenizer_new(const bp_cues *cues, bp_line_fn line, bp_raw_fn raw, void *ctx);
/* Classifies the lines from the next one on with another profile's cues. */
void bp_tokenizer_set_cues(bp_tokenizer *t, const bp_cues *cues);
/* Feeds len bytes; returns the first non-OK status of the line callback. */
bp_status bp_tokenizer_feed(bp_tokenizer *t, const char *bytes, size_t len, bp_error *err);
/* The same for bytes that stand for raw input bytes raw, raw + 1, ... (a
 * stage in front of the tokenizer, such as the HTML reader, passes text
 * whose offsets are not the count of bytes fed: line offsets and anchors
 * then point into its input). Feeds that follow without an offset continue
 * from raw + len. */
bp_status bp_tokenizer_feed_at(bp_tokenizer *t, const char *bytes, size_t len, uint64_t raw,
			       bp_error *err);
/* Ends the input: completes a last line that has no terminator. */
bp_status bp_tokenizer_finish(bp_tokenizer *t, bp_error *err);
/* Bytes fed so far. */
uint64_t bp_tokenizer_offset(const bp_tokenizer *t);
/* Makes the tokenizer ready for a new input (offsets and line numbers from 0). */
void bp_tokenizer_reset(bp_tokenizer *t);
void bp_tokenizer_free(bp_tokenizer *t);

/* Classifies one already-normalized line in place (kind, number, body,
 * item_kind, label_len, is_question). Exposed for tests. */
void bp_tokenizer_classify(const bp_cues *cues, bp_line *line);

#endif
