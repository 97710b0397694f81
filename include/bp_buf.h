/*
 * bp_buf.h - the growing memory every stage shares: arrays that double
 * (bp_grow) and arenas of chunks that never move (bp_arena). Both fail
 * cleanly, returning an error value and leaving what they had intact.
 */
#ifndef BP_BUF_H
#define BP_BUF_H

#include <stddef.h>

/* Makes the array *pp (room for *cap elements of size bytes, or NULL with
 * *cap 0) hold at least need elements, doubling from first (or from *cap).
 * Returns 0, or -1 on allocation failure or size overflow (*pp and *cap are
 * then unchanged). */
int bp_grow(void *pp, size_t *cap, size_t need, size_t size, size_t first);

/* Text appended to a growing buffer, always NUL-terminated once non-empty. */
typedef struct bp_sbuf {
	char *s;
	size_t len, cap;
} bp_sbuf;

/* Appends s[0, n). 0, or -1 when out of memory (b unchanged). */
int bp_sbuf_add(bp_sbuf *b, const char *s, size_t n);

/* An arena: allocations carved from chunks of chunk_bytes (0: 64 KiB; a
 * larger chunk for a larger allocation) that never move until the arena is
 * reset or freed. Zero-initialize it (and set chunk_bytes if need be).
 * Allocations are 16-byte aligned. */
typedef struct bp_arena_chunk bp_arena_chunk;
typedef struct bp_arena {
	bp_arena_chunk *chunks; /* newest first */
	size_t chunk_bytes;
} bp_arena;

/* n bytes, or NULL when out of memory. */
void *bp_arena_alloc(bp_arena *a, size_t n);
/* n bytes of s copied into the arena, or NULL. */
void *bp_arena_copy(bp_arena *a, const void *s, size_t n);
/* A NUL-terminated copy of s[0, n), or NULL. */
const char *bp_arena_str(bp_arena *a, const char *s, size_t n);
/* Frees every allocation, keeping one standard chunk for reuse. */
void bp_arena_reset(bp_arena *a);
void bp_arena_free(bp_arena *a);

#endif
