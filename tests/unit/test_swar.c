/* Unit tests for the word-at-a-time helpers (bp_swar.h): every byte value in
 * every lane against a bytewise reference. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bp_swar.h"
#include "harness.h"

/* Eight bytes with byte `lane` set to b and the others from a fixed filler. */
static void lanes(unsigned char out[8], unsigned lane, unsigned b, unsigned seed)
{
	for (unsigned i = 0; i < 8; i++)
		out[i] = (unsigned char)((seed * 37u + i * 101u) & 0xFF);
	out[lane] = (unsigned char)b;
}

TEST(load_le_puts_first_byte_lowest)
{
	unsigned char b[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	CHECK(bp_swar_load_le(b) == 0x0807060504030201ull);
}

TEST(lower_folds_ascii_only)
{
	for (unsigned seed = 0; seed < 4; seed++)
		for (unsigned lane = 0; lane < 8; lane++)
			for (unsigned b = 0; b < 256; b++) {
				unsigned char in[8], want[8];
				uint64_t got;
				lanes(in, lane, b, seed);
				for (unsigned i = 0; i < 8; i++)
					want[i] = (unsigned char)(in[i] >= 'A' && in[i] <= 'Z' ? in[i] + 32 : in[i]);
				got = bp_swar_lower(bp_swar_load_le(in));
				if (got != bp_swar_load_le(want)) {
					CHECK(got == bp_swar_load_le(want));
					return;
				}
			}
}

TEST(in7_flags_the_range)
{
	static const unsigned range[][2] = {{'a', 'z'}, {'0', '9'}, {0x43, 0x54}, {0, 0x7F}, {5, 5}};
	for (size_t r = 0; r < sizeof(range) / sizeof(range[0]); r++)
		for (unsigned lane = 0; lane < 8; lane++)
			for (unsigned b = 0; b < 128; b++) {
				unsigned char in[8];
				uint64_t m;
				lanes(in, lane, b, (unsigned)r);
				for (unsigned i = 0; i < 8; i++)
					in[i] &= 0x7F;
				m = bp_swar_in7(bp_swar_load_le(in), range[r][0], range[r][1]);
				for (unsigned i = 0; i < 8; i++) {
					int want = in[i] >= range[r][0] && in[i] <= range[r][1];
					if (((m >> (8 * i + 7)) & 1) != (uint64_t)want || (m & ~BP_SWAR_HIGHS)) {
						CHECK_INT(((m >> (8 * i + 7)) & 1), want);
						return;
					}
				}
			}
}

TEST(movemask_and_first_zero)
{
	srand(7);
	for (unsigned n = 0; n < 100000; n++) {
		unsigned char in[8];
		unsigned want_mask = 0, first = 8;
		uint64_t x, z;
		for (unsigned i = 0; i < 8; i++) {
			in[i] = (unsigned char)(rand() % 4 == 0 ? 0 : rand() & 0xFF);
			if (in[i] & 0x80)
				want_mask |= 1u << i;
			if (!in[i] && first == 8)
				first = i;
		}
		x = bp_swar_load_le(in);
		CHECK_INT(bp_swar_movemask(x), want_mask);
		z = bp_swar_zeros(x);
		CHECK_INT(z != 0, first < 8);
		if (z)
			CHECK_INT(bp_swar_first(z), first);
		if (h_cur_failed)
			return;
	}
}

int main(void)
{
	RUN(load_le_puts_first_byte_lowest);
	RUN(lower_folds_ascii_only);
	RUN(in7_flags_the_range);
	RUN(movemask_and_first_zero);
	return DONE();
}
