/* Unit tests for the shared growing memory (bp_buf.h): arrays that double,
 * text buffers, arenas whose allocations never move. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_buf.h"
#include "harness.h"

TEST(grow_doubles_from_first)
{
	int *v = NULL;
	size_t cap = 0;

	CHECK_INT(bp_grow(&v, &cap, 1, sizeof(*v), 16), 0);
	CHECK_INT(cap, 16);
	v[15] = 7;
	CHECK_INT(bp_grow(&v, &cap, 16, sizeof(*v), 16), 0); /* room already */
	CHECK_INT(cap, 16);
	CHECK_INT(bp_grow(&v, &cap, 100, sizeof(*v), 16), 0);
	CHECK_INT(cap, 128);
	CHECK_INT(v[15], 7);
	free(v);
}

TEST(grow_refuses_overflow_and_keeps_the_array)
{
	char *v = NULL;
	size_t cap = 0;

	CHECK_INT(bp_grow(&v, &cap, 10, 1, 8), 0);
	CHECK_INT(bp_grow(&v, &cap, SIZE_MAX, 1, 8), -1);
	CHECK_INT(bp_grow(&v, &cap, SIZE_MAX / 4, 16, 8), -1);
	CHECK(v != NULL);
	CHECK_INT(cap, 16);
	free(v);
}

TEST(sbuf_appends_and_terminates)
{
	bp_sbuf b = {NULL, 0, 0};
	int i;

	CHECK_INT(bp_sbuf_add(&b, "", 0), 0);
	CHECK_STR(b.s, "");
	for (i = 0; i < 2000; i++)
		CHECK_INT(bp_sbuf_add(&b, "abc", 3), 0);
	CHECK_INT(b.len, 6000);
	CHECK(b.s[5999] == 'c' && b.s[6000] == '\0');
	CHECK_INT(bp_sbuf_add(&b, "x", SIZE_MAX), -1);
	CHECK_INT(b.len, 6000);
	free(b.s);
}

TEST(arena_allocations_stay_put)
{
	bp_arena a = {NULL, 256};
	char *p[64], *big;
	int i;

	for (i = 0; i < 64; i++) {
		p[i] = bp_arena_alloc(&a, 40);
		CHECK(p[i] != NULL && ((uintptr_t)p[i] & 15) == 0);
		memset(p[i], 'a' + i % 26, 40);
	}
	big = bp_arena_copy(&a, "a larger allocation than a chunk", 33);
	CHECK(big != NULL);
	big = bp_arena_alloc(&a, 1000); /* its own chunk */
	CHECK(big != NULL);
	memset(big, 'z', 1000);
	for (i = 0; i < 64; i++)
		CHECK(p[i][0] == 'a' + i % 26 && p[i][39] == 'a' + i % 26);
	CHECK(bp_arena_alloc(&a, SIZE_MAX - 8) == NULL);
	bp_arena_reset(&a);
	CHECK(a.chunks != NULL); /* one standard chunk kept */
	CHECK(bp_arena_alloc(&a, 40) != NULL);
	bp_arena_free(&a);
	CHECK(a.chunks == NULL);
}

int main(void)
{
	RUN(grow_doubles_from_first);
	RUN(grow_refuses_overflow_and_keeps_the_array);
	RUN(sbuf_appends_and_terminates);
	RUN(arena_allocations_stay_put);
	return DONE();
}
