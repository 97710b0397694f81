/*
 * bp_parse.h - stage 3: lines in, briefing sections out.
 *
 * A state machine over bp_line (bp_tokenizer.h):
 *   preamble -> title/metadata -> agenda -> statements -> Q&A -> footer
 * Each block (a statement, a question, an answer) is handed to the sink when
 * it closes, then forgotten: memory is bounded by the longest block
 * (BP_BLOCK_MAX), the agenda (BP_AGENDA_MAX items) and the warning list,
 * never by the input. A stream may hold several briefings: a title line (or
 * an agenda or Q&A heading after a footer) starts the next one.
 *
 * The briefing record is the trailer of its briefing: its source digest, byte
 * count and warnings are only known once the briefing has been read, so the
 * sink gets it after the briefing's last block.
 */
#ifndef BP_PARSE_H
#define BP_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "bp_buf.h"
#include "bp_error.h"
#include "bp_tokenizer.h"

#define BP_BLOCK_MAX (2u << 20)    /* bytes of text per block; the rest is dropped, with a warning */
#define BP_BLOCK_ANCHORS_MAX 262144 /* offset-map entries per block; past it offsets are approximate, with a warning */
#define BP_AGENDA_MAX 1000         /* agenda items per briefing; more are dropped, with a warning */
#define BP_FIELD_MAX 1000          /* bytes per title, heading, agenda title, speaker */
#define BP_WARNING_KINDS 32        /* distinct warning codes per briefing */

typedef enum bp_block_type {
	BP_BLOCK_STATEMENT,
	BP_BLOCK_QUESTION,
	BP_BLOCK_ANSWER,
	BP_BLOCK_MODERATOR /* a moderator's turn ("MODERATOR:", profiles with moderator cues) */
} bp_block_type;

/* "statement", "question", "answer", "moderator". */
const char *bp_block_type_name(bp_block_type t);

typedef struct bp_agenda_item {
	char n[48];      /* "3", "12.4" */
	char *title;
	unsigned statement; /* seq of the statement it heads, 0 for none */
	int qa;          /* a topic of the Q&A sub-list */
	int turn_words;  /* qa: a question or answer shares a content word with it */
	unsigned long line; /* where the item starts */
} bp_agenda_item;

/* One warning code, counted: the first occurrence gives line and message. */
typedef struct bp_warning {
	const char *code;   /* "invalid-utf8", "line-truncated", ... (static) */
	unsigned long count;
	unsigned long line;
	char message[160];
} bp_warning;

typedef struct bp_briefing {
	char id[48];        /* "2017-02-09-5c1f03a2": date and a hash of title and agenda */
	unsigned index;     /* 1-based position in the input */
	char *title, *role, *spokesperson, *place; /* NULL when absent */
	/* the spokesperson normalised (profiles with nominative cues: the title's
	 * genitive in the nominative), NULL when absent or not normalised */
	char *spokesperson_name;
	char date[11];      /* YYYY-MM-DD or "" */
	char time[6];       /* HH:MM or "" */
	bp_agenda_item *agenda;
	size_t nagenda;
	bp_warning warnings[BP_WARNING_KINDS];
	size_t nwarnings;
	unsigned statements, questions, answers, exchanges;
	unsigned moderator; /* moderator turns (not in the turn counts) */
	int moderator_cues; /* the profile has moderator cues: counts.moderators given */
	unsigned linked;    /* agenda items that head a statement */
	unsigned unlinked;  /* statements whose heading is in no agenda item */
	unsigned skipped;   /* unknown lines skipped as page furniture */
	unsigned long first_line; /* where the briefing starts */
	uint64_t start, end; /* raw span of the briefing's content */
	/* the layout profile it was read with and its language (NULL when the
	 * profile names none): static, they live as long as the cues */
	const char *profile, *language;
} bp_briefing;

/* A block as the sink gets it: it points into the parser's buffers, valid
 * during the call. Keep every pointer field known to bp_block_copy. */
typedef struct bp_block {
	bp_block_type type;
	const char *briefing_id; /* the briefing's id ("2017-02-09-5c1f03a2") */
	const char *date;        /* its date, YYYY-MM-DD or "" */
	unsigned seq;        /* statements: 1..; turns: 1.. over questions and answers */
	unsigned exchange;   /* turns: 1.., a question opens the next one */
	const char *agenda;  /* statements: the agenda item's n, or NULL */
	const char *speaker; /* answers: the label as printed ("Maria Zakharova"); else NULL */
	const char *speaker_name; /* answers, moderator turns of a profile with the
				     speaker-names setting: the speaker normalised
				     ("MS. PSAKI" -> "Jen Psaki"); else NULL */
	const char *outlet;  /* questions labelled by a media outlet ("CCTV:",
				a profile's outlet cues): the outlet; else NULL */
	/* buf[0, len): what the classifier reads, NUL-terminated. For a statement
	 * it is heading "\n\n" text, heading_len > 0; for a turn it is the text. */
	const char *buf;
	size_t len;
	size_t heading_len;
	size_t text_off;     /* the text starts at buf + text_off */
	uint64_t start, end; /* raw span: from the heading or label to the last byte */
	const bp_anchor *map; /* buf offsets to raw offsets, as in bp_tokenizer.h */
	size_t nmap;
	unsigned long line;  /* line of the heading or label */
	const char *profile, *language; /* as the briefing's: live as long as the cues */
} bp_block;

enum bp_cut { BP_CUT_BEFORE_LINE, BP_CUT_AFTER_LINE };

typedef struct bp_sink {
	/* A block has closed. */
	bp_status (*block)(void *ctx, const bp_block *b, bp_error *err);
	/* A briefing has closed: after its blocks, before the next briefing's. */
	bp_status (*briefing)(void *ctx, const bp_briefing *b, bp_error *err);
	/* The current briefing's byte segment ends before or after the line being
	 * parsed (called from within the line callback). May be NULL. */
	void (*cut)(void *ctx, enum bp_cut where);
	void *ctx;
} bp_sink;

typedef struct bp_parser bp_parser;

/* cues must outlive the parser. NULL on allocation failure. */
bp_parser *bp_parser_new(const bp_cues *cues, const bp_sink *sink);
void bp_parser_free(bp_parser *p);
/* Reads the lines from the next one on with another profile's cues (its
 * briefings get its name and language). fallback: the profile was chosen
 * because no other matched; the next briefing opened gets a
 * `profile-unknown` warning. */
void bp_parser_set_cues(bp_parser *p, const bp_cues *cues, int fallback);
/* The tokenizer's line callback (ctx is the parser). */
bp_status bp_parser_line(void *parser, const bp_line *line, bp_error *err);
/* Ends the input: closes the open block and briefing. Returns BP_ERR_EMPTY
 * when the input had no text at all, BP_ERR_NO_BRIEFING when it had text but
 * no briefing; err->message says so (the caller sets err->path). */
bp_status bp_parser_finish(bp_parser *p, bp_error *err);
/* Ready for a new input. */
void bp_parser_reset(bp_parser *p);

/* A deep copy of a briefing (for records emitted later, on another thread's
 * schedule), NULL on allocation failure; bp_briefing_free frees a copy. */
bp_briefing *bp_briefing_copy(const bp_briefing *b);
void bp_briefing_free(bp_briefing *copy);

/* Counts a problem found after parsing (the classifier's) on briefing b as
 * the parser counts its own: count more of a code it has, or a new code
 * with its first line and message (at most BP_WARNING_KINDS codes). */
void bp_briefing_warn(bp_briefing *b, const char *code, unsigned long count, unsigned long line,
		      const char *msg);

/* Maps a block offset to a raw offset with the block's map. */
uint64_t bp_block_raw(const bp_block *b, size_t off);

/* Copies b into *dst with everything it points to (buf with its NUL, map,
 * briefing_id, date, agenda, speaker, speaker_name, outlet; profile and language
 * are static),
 * allocated from arena a: the copy
 * lives as long as the arena's allocations. Returns 0, or -1 when out of
 * memory (*dst is then not to be used). */
int bp_block_copy(bp_block *dst, const bp_block *b, bp_arena *a);

#endif
