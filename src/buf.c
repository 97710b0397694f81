/* buf.c - growing arrays and arenas shared by the stages (bp_buf.h). */
#include "bp_buf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ALIGN 16
#define ARENA_CHUNK (64u << 10) /* chunk_bytes 0 */

struct bp_arena_chunk {
	bp_arena_chunk *next;
	size_t used, cap;
	_Alignas(ALIGN) unsigned char mem[];
};

int bp_grow(void *pp, size_t *cap, size_t need, size_t size, size_t first)
{
	void **p = pp;
	size_t ncap;
	void *np;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap : first ? first : 1;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return -1;
		ncap *= 2;
	}
	if (size && ncap > SIZE_MAX / size)
		return -1;
	np = realloc(*p, ncap * size);
	if (!np)
		return -1;
	*p = np;
	*cap = ncap;
	return 0;
}

int bp_sbuf_add(bp_sbuf *b, const char *s, size_t n)
{
	if (n > SIZE_MAX - b->len - 1 || bp_grow(&b->s, &b->cap, b->len + n + 1, 1, 4096) != 0)
		return -1;
	if (n)
		memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

void *bp_arena_alloc(bp_arena *a, size_t n)
{
	bp_arena_chunk *c = a->chunks;
	size_t need;

	if (n > SIZE_MAX - ALIGN - sizeof(*c))
		return NULL;
	need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (!c || c->cap - c->used < need) {
		size_t std = a->chunk_bytes ? a->chunk_bytes : ARENA_CHUNK;
		size_t cap = need > std ? need : std;
		/* zeroed: PCRE2's JIT may read a little past a copied block's end,
		 * and valgrind would see those bytes as undefined */
		c = calloc(1, sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->cap = cap;
		c->used = 0;
		c->next = a->chunks;
		a->chunks = c;
	}
	c->used += need;
	return c->mem + c->used - need;
}

void *bp_arena_copy(bp_arena *a, const void *s, size_t n)
{
	void *d = bp_arena_alloc(a, n);
	if (d && n)
		memcpy(d, s, n);
	return d;
}

const char *bp_arena_str(bp_arena *a, const char *s, size_t n)
{
	char *d = n < SIZE_MAX ? bp_arena_alloc(a, n + 1) : NULL;
	if (!d)
		return NULL;
	if (n)
		memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

void bp_arena_reset(bp_arena *a)
{
	bp_arena_chunk *c = a->chunks, *kept = NULL;
	size_t std = a->chunk_bytes ? a->chunk_bytes : ARENA_CHUNK;

	while (c) {
		bp_arena_chunk *next = c->next;
		if (!kept && c->cap == std) {
			kept = c;
			kept->used = 0;
			kept->next = NULL;
		} else {
			free(c);
		}
		c = next;
	}
	a->chunks = kept;
}

void bp_arena_free(bp_arena *a)
{
	bp_arena_chunk *c = a->chunks;
	while (c) {
		bp_arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	a->chunks = NULL;
}
