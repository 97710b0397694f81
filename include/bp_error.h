/*
 * bp_error.h - errors as values, shared by every stage.
 *
 * Stage functions return a bp_status and, on failure, fill a caller-owned
 * bp_error. Only the CLI prints. Messages follow git's style: lower case, no
 * full stop, the subject quoted by the printer, e.g.
 *   briefparse: 'x.bin': not a text transcript
 *   briefparse: data/topics.rules:42: invalid pattern: missing )
 */
#ifndef BP_ERROR_H
#define BP_ERROR_H

#include <stddef.h>

typedef enum bp_status {
	BP_OK = 0,
	BP_ERR_IO,          /* cannot open, read or write */
	BP_ERR_NOT_TEXT,    /* binary input: NUL bytes, mostly invalid UTF-8 */
	BP_ERR_EMPTY,       /* zero bytes, or only white space */
	BP_ERR_NO_BRIEFING, /* text, but no briefing structure found */
	BP_ERR_LIMIT,       /* a named limit was exceeded */
	BP_ERR_DATA,        /* a data or rule file is malformed */
	BP_ERR_NOMEM,       /* allocation failed */
	BP_ERR_USAGE        /* bad command-line arguments */
} bp_status;

#define BP_ERROR_MESSAGE_MAX 256
#define BP_ERROR_PATH_MAX 1024

/* path: the file the error is about ("" for none); line: 1-based, 0 for none. */
typedef struct bp_error {
	bp_status code;
	unsigned long line;
	char path[BP_ERROR_PATH_MAX];
	char message[BP_ERROR_MESSAGE_MAX];
} bp_error;

/* Sets every field of *err (err may be NULL: then nothing happens) and returns
 * code, so that callers can write `return bp_error_set(err, ...)`. */
bp_status bp_error_set(bp_error *err, bp_status code, const char *path,
		       unsigned long line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Clears *err to BP_OK with empty path and message. */
void bp_error_clear(bp_error *err);

/* Formats "path:line: message", "path: message" or "message" into buf.
 * The path is quoted ('x.txt') when there is no line number. */
void bp_error_format(const bp_error *err, char *buf, size_t size);

#endif
