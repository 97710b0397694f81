/*
 * bp_input.h - stage 1: where bytes come from, and what they are.
 *
 * Opening a path (or stdin), reading it in chunks, deciding from the first
 * bytes whether it is a text transcript, HTML, or something else, and the
 * SHA-256 digests of each briefing's byte segment. The only file that
 * includes OpenSSL (libcrypto's SHA-256 uses the CPU's SHA extensions).
 */
#ifndef BP_INPUT_H
#define BP_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "bp_error.h"

#define BP_READ_CHUNK (64u << 10) /* bytes per read(2) */
#define BP_SNIFF_BYTES 8192        /* bytes looked at to decide the format */

typedef enum bp_format {
	BP_FORMAT_TEXT,
	BP_FORMAT_HTML,
	BP_FORMAT_BINARY,   /* NUL bytes, mostly invalid UTF-8 or control bytes */
	BP_FORMAT_UTF16     /* a UTF-16 byte-order mark */
} bp_format;

/* Looks at the first bytes of an input (at most BP_SNIFF_BYTES of them; at
 * end of input, all of it). HTML by content: after a BOM, white space and
 * comments, a doctype, <html>, <head>, <body>, <meta>, <title>, or the
 * first tag of a fragment (<div>, <table>, <p>, <article>, <section>, <h1>). */
bp_format bp_input_sniff(const char *bytes, size_t len);

/* Opens path for reading ("-" is stdin, returned as fd 0). Fails with
 * BP_ERR_IO and a message such as "cannot read: permission denied" or
 * "is a directory"; err->path is the path. */
bp_status bp_input_open(const char *path, int *fd, bp_error *err);
/* Reads up to cap bytes, retrying on EINTR; 0 at end of input. On error
 * returns BP_ERR_IO ("read error: ..."). */
bp_status bp_input_read(int fd, const char *path, char *buf, size_t cap, size_t *got, bp_error *err);
void bp_input_close(int fd);

/*
 * Segment digests. Bytes are fed in input order. A segment ends either
 * before a line (cut_before: the next segment starts there) or after one
 * (cut_after: the bytes that follow belong to the next segment if another
 * briefing comes, else to this one, up to the end of input).
 */
typedef struct bp_digest bp_digest;

/* NULL on allocation failure (OpenSSL's included). */
bp_digest *bp_digest_new(void);
void bp_digest_free(bp_digest *d);
/* Starts over at offset 0. */
void bp_digest_reset(bp_digest *d);
void bp_digest_update(bp_digest *d, const char *bytes, size_t len, int line_end);
/* Marks a cut after the line whose last bytes are fed next with line_end set. */
void bp_digest_cut_after(bp_digest *d);
/* Ends the current segment here: fills its hex digest, offset and length,
 * and starts the next one (with the bytes since a cut_after, if any). */
void bp_digest_cut_before(bp_digest *d, char hex[65], uint64_t *offset, uint64_t *bytes);
/* Ends the last segment at the end of input. */
void bp_digest_final(bp_digest *d, char hex[65], uint64_t *offset, uint64_t *bytes);
/* 0 when an OpenSSL call failed (out of memory) since the last reset: the
 * digests filled since then are not to be used. */
int bp_digest_ok(const bp_digest *d);

#endif
