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

/* Eight bytes with p[0] in the lowest byte on any host, so that the lowest
 * set bit of a byte mask below names the first byte in memory order. */
static inline uint64_t bp_swar_load_le(const void *p)
{
	uint64_t x = bp_swar_load(p);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	x = __builtin_bswap64(x);
#endif
	return x;
}

/* The high bit of each zero byte of x, exact up to and including the lowest
 * one (above it, a 0x01 byte may be flagged too): pair with bp_swar_first. */
static inline uint64_t bp_swar_zeros(uint64_t x)
{
	return (x - BP_SWAR_ONES) & ~x & BP_SWAR_HIGHS;
}

/* The index of the lowest flagged byte of a non-zero mask from a _le load. */
static inline unsigned bp_swar_first(uint64_t mask)
{
	return (unsigned)__builtin_ctzll(mask) / 8;
}

/* The high bit of each byte of a whose value is in [lo, hi]; a's bytes must
 * be below 0x80 (mask x with ~BP_SWAR_HIGHS first), so that no addition
 * carries into the next byte; lo <= hi <= 0x7F. */
static inline uint64_t bp_swar_in7(uint64_t a, unsigned lo, unsigned hi)
{
	return (a + BP_SWAR_ONES * (0x80 - lo)) & ~(a + BP_SWAR_ONES * (0x7F - hi)) & BP_SWAR_HIGHS;
}

/* ASCII A-Z folded to a-z in each byte; other bytes as they are (the
 * eight-byte form of bp_ascii_lower, bp_ascii.h). */
static inline uint64_t bp_swar_lower(uint64_t x)
{
	uint64_t upper = bp_swar_in7(x & ~BP_SWAR_HIGHS, 'A', 'Z') & ~x;
	return x | upper >> 2;
}

/* The high bits of a byte mask as eight bits, bit i for byte i of a _le
 * load. */
static inline unsigned bp_swar_movemask(uint64_t m)
{
	/* byte i's bit (now bit 8i) times 2^(56 - 7i) lands on bit 56 + i;
	 * no two products overlap, so the sum carries nowhere */
	return (unsigned)((((m & BP_SWAR_HIGHS) >> 7) * 0x0102040810204080ull) >> 56);
}

#endif
