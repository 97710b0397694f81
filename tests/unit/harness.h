/*
 * harness.h - a tiny unit-test harness.
 *
 *   TEST(name) { CHECK(expr); CHECK_STR(a, b); CHECK_INT(a, b); }
 *   int main(void) { RUN(name); ...; return DONE(); }
 *
 * Each TEST is one test: it passes when all its checks hold. Output, read by
 * tests/run.sh: "ok - NAME" or "FAIL - NAME: file:line: what", and a last line
 * "UNIT: N passed, N failed". The exit status is non-zero if any test failed.
 */
#ifndef BP_HARNESS_H
#define BP_HARNESS_H

#include <stdio.h>
#include <string.h>

static int h_passed, h_failed, h_cur_failed;

#define TEST(name) static void test_##name(void)

#define CHECK(expr)                                                              \
	do {                                                                     \
		if (!(expr)) {                                                   \
			printf("  %s:%d: check failed: %s\n", __FILE__, __LINE__, #expr); \
			h_cur_failed = 1;                                        \
		}                                                                \
	} while (0)

#define CHECK_INT(a, b)                                                          \
	do {                                                                     \
		long long h_a = (long long)(a), h_b = (long long)(b);            \
		if (h_a != h_b) {                                                \
			printf("  %s:%d: %s == %lld, expected %lld\n", __FILE__,  \
			       __LINE__, #a, h_a, h_b);                          \
			h_cur_failed = 1;                                        \
		}                                                                \
	} while (0)

#define CHECK_STR(a, b)                                                          \
	do {                                                                     \
		const char *h_a = (a), *h_b = (b);                               \
		if (!h_a || !h_b || strcmp(h_a, h_b) != 0) {                     \
			printf("  %s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, \
			       __LINE__, #a, h_a ? h_a : "(null)", h_b ? h_b : "(null)"); \
			h_cur_failed = 1;                                        \
		}                                                                \
	} while (0)

#define RUN(name)                                                                \
	do {                                                                     \
		h_cur_failed = 0;                                                \
		test_##name();                                                   \
		if (h_cur_failed) {                                              \
			h_failed++;                                              \
			printf("FAIL - %s\n", #name);                            \
		} else {                                                         \
			h_passed++;                                              \
			printf("ok - %s\n", #name);                              \
		}                                                                \
	} while (0)

#define DONE() (printf("UNIT: %d passed, %d failed\n", h_passed, h_failed), h_failed != 0)

#endif
