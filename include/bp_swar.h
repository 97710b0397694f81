/*
 * bp_swar.h - word-at-a-time byte tests, shared by the tokenizer's and the
 * emitter's scanning loops. Each macro tests the eight bytes of a uint64_t
 * at once and is non-zero when some byte qualifies (a boolean: which byte is
 * found bytewise afterwards).
 */
#ifndef BP_SWAR_H
#define BP_SWAR_H

#include <stdint.h>
#include <string.h>

#define BP_SWAR_ONES 0x0101010101010101ULL
#define BP_SWAR_HIGHS 0x8080808080808080ULL

/* some byte of x is zero (exact as a boolean) */
#define BP_SWAR_HAS_ZERO(x) (((x) - BP_SWAR_ONES) & ~(x) & BP_SWAR_HIGHS)
/* some byte of x equals c */
#define BP_SWAR_HAS_BYTE(x, c) BP_SWAR_HAS_ZERO((x) ^ (BP_SWAR_ONES * (uint64_t)(c)))
/* some byte of x is below n (n <= 128) */
#define BP_SWAR_HAS_LESS(x, n) (((x) - BP_SWAR_ONES * (uint64_t)(n)) & ~(x) & BP_SWAR_HIGHS)

static inline uint64_t bp_swar_load(const void *p)
{
	uint64_t x;
	memcpy(&x, p, sizeof(x));
	return x;
}

#endif
