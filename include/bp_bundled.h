/* bp_bundled.h - the data files compiled into the binary (generated build/bundled.c). */
#ifndef BP_BUNDLED_H
#define BP_BUNDLED_H

#include <stddef.h>

typedef struct bp_bundled_file {
	const char *name; /* base name, e.g. "countries.tsv" */
	const char *bytes;
	size_t len;
} bp_bundled_file;

/* Terminated by an entry whose name is NULL. */
extern const bp_bundled_file bp_bundled[];

#endif
