/* error.c - the bp_error value shared by all stages (see bp_error.h). */
#include "bp_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

bp_status bp_error_set(bp_error *err, bp_status code, const char *path,
		       unsigned long line, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	err->line = line;
	snprintf(err->path, sizeof(err->path), "%s", path ? path : "");
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return code;
}

void bp_error_clear(bp_error *err)
{
	if (!err)
		return;
	err->code = BP_OK;
	err->line = 0;
	err->path[0] = '\0';
	err->message[0] = '\0';
}

void bp_error_format(const bp_error *err, char *buf, size_t size)
{
	if (err->path[0] && err->line)
		snprintf(buf, size, "%s:%lu: %s", err->path, err->line, err->message);
	else if (err->path[0])
		snprintf(buf, size, "'%s': %s", err->path, err->message);
	else
		snprintf(buf, size, "%s", err->message);
}
