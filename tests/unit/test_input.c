/* Unit tests for the input stage: format sniffing, opening, segment digests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_input.h"
#include "harness.h"

static bp_format sniff(const char *s, size_t n)
{
	return bp_input_sniff(s, n);
}

/* a string literal's bytes, its terminating NUL left out */
#define SNIFF(lit) sniff(lit, sizeof(lit) - 1)

TEST(sniff_text_html_binary_utf16)
{
	char big[BP_SNIFF_BYTES + 16];
	size_t i;

	CHECK_INT(SNIFF("Briefing by Foreign Ministry Spokesperson\n"), BP_FORMAT_TEXT);
	CHECK_INT(SNIFF(""), BP_FORMAT_TEXT); /* empty: the parser says "empty file" */
	CHECK_INT(SNIFF("caf\xC3\xA9 \xE2\x80\x99 ok\n"), BP_FORMAT_TEXT);
	CHECK_INT(SNIFF("<!DOCTYPE html><html>"), BP_FORMAT_HTML);
	CHECK_INT(SNIFF("\xEF\xBB\xBF  \n<HTML lang=en>"), BP_FORMAT_HTML);
	CHECK_INT(SNIFF("<!-- saved from url=(0042)https://mid.ru/ -->\n<!-- x -->\n<html>"), BP_FORMAT_HTML);
	CHECK_INT(SNIFF("<?xml version=\"1.0\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0//EN\">\n<html>"), BP_FORMAT_HTML);
	CHECK_INT(SNIFF("<div class=\"text\"><p>Briefing by</p></div>"), BP_FORMAT_HTML);
	CHECK_INT(SNIFF("<meta charset=\"utf-8\"><p>x</p>"), BP_FORMAT_HTML);
	CHECK_INT(SNIFF("<b>not a page</b> but a line of text\n"), BP_FORMAT_TEXT);
	CHECK_INT(SNIFF("text\0more"), BP_FORMAT_BINARY);
	CHECK_INT(SNIFF("\xFF\xFEH\0i\0"), BP_FORMAT_UTF16);
	CHECK_INT(SNIFF("\xFE\xFF\0H\0i"), BP_FORMAT_UTF16);
	CHECK_INT(SNIFF("\x01\x02\x03\x04\x05\x06\x07\x08" "ab"), BP_FORMAT_BINARY);
	/* a Latin-1 text with a few accents is text (they become U+FFFD, counted) */
	CHECK_INT(SNIFF("The caf\xE9" " in Bogot\xE1" " is open today, as it was yesterday.\n"), BP_FORMAT_TEXT);
	/* a UTF-8 character cut by the end of the sniff window is not a fault */
	for (i = 0; i < sizeof(big); i++)
		big[i] = 'a';
	big[BP_SNIFF_BYTES - 1] = (char)0xE2;
	big[BP_SNIFF_BYTES] = (char)0x80;
	big[BP_SNIFF_BYTES + 1] = (char)0x99;
	CHECK_INT(sniff(big, sizeof(big)), BP_FORMAT_TEXT);
	/* the window is BP_SNIFF_BYTES: a NUL after it is the tokenizer's business */
	big[BP_SNIFF_BYTES + 8] = '\0';
	CHECK_INT(sniff(big, sizeof(big)), BP_FORMAT_TEXT);
}

/* Every search stays inside bytes[0, len): the input is not NUL-terminated
 * (under ASan, a heap buffer of exactly len bytes shows an over-read). */
TEST(sniff_reads_only_len_bytes)
{
	static const char xml[] = "<?xml a>";
	static const char later[] = "<?xml a><html>";
	char *b = malloc(sizeof(xml) - 1);

	CHECK(b != NULL);
	if (!b)
		return;
	memcpy(b, xml, sizeof(xml) - 1);
	CHECK_INT(sniff(b, sizeof(xml) - 1), BP_FORMAT_TEXT);
	free(b);
	/* "<html" after len is not looked at; inside it, it is found */
	CHECK_INT(sniff(later, sizeof(xml) - 1), BP_FORMAT_TEXT);
	CHECK_INT(SNIFF("<?xml version=\"1.0\"?>\n<!DOCTYPE x>\n<html>"), BP_FORMAT_HTML);
	CHECK_INT(SNIFF("<?XML version=\"1.0\"?><HTML>"), BP_FORMAT_HTML);
	CHECK_INT(SNIFF("<?xml version=\"1.0\"?><feed>"), BP_FORMAT_TEXT);
}

TEST(open_errors_name_the_problem)
{
	bp_error err;
	int fd = -1;

	CHECK_INT(bp_input_open("/nonexistent/briefparse-test", &fd, &err), BP_ERR_IO);
	CHECK_STR(err.message, "cannot read: no such file");
	CHECK_STR(err.path, "/nonexistent/briefparse-test");
	CHECK_INT(bp_input_open("/", &fd, &err), BP_ERR_IO);
	CHECK_STR(err.message, "cannot read: is a directory");
	CHECK_INT(bp_input_open("-", &fd, &err), BP_OK);
	CHECK_INT(fd, 0);
}

/* Feeds lines to a digest as the tokenizer does: each line's bytes, then
 * line_end. */
static void line(bp_digest *d, const char *s)
{
	bp_digest_update(d, s, strlen(s), 1);
}

TEST(digest_whole_input)
{
	bp_digest *d = bp_digest_new();
	char hex[65];
	uint64_t off, n;

	line(d, "A\n");
	line(d, "B\n");
	bp_digest_final(d, hex, &off, &n);
	CHECK_STR(hex, "daee1cd25194ae952d046ad9b9c81d3c07dc5332440b58d6d7461b248be56712");
	CHECK_INT(off, 0);
	CHECK_INT(n, 4);
	bp_digest_free(d);
}

TEST(digest_cut_before_a_line)
{
	bp_digest *d = bp_digest_new();
	char hex[65];
	uint64_t off, n;

	line(d, "A\n");
	bp_digest_cut_before(d, hex, &off, &n); /* the next briefing starts at "B" */
	CHECK_STR(hex, "06f961b802bc46ee168555f066d28f4f0e9afdf3f88174c1ee6f9de004fc30a0");
	CHECK_INT(n, 2);
	line(d, "B\n");
	bp_digest_final(d, hex, &off, &n);
	CHECK_STR(hex, "c0cde77fa8fef97d476c10aad3d2d54fcc2f336140d073651c2dcccf1e379fd6");
	CHECK_INT(off, 2);
	CHECK_INT(n, 2);
	bp_digest_free(d);
}

TEST(digest_cut_after_a_footer)
{
	bp_digest *d = bp_digest_new();
	char hex[65];
	uint64_t off, n;

	/* another briefing follows: the bytes after the footer go with it */
	bp_digest_cut_after(d);
	line(d, "Join\n");
	line(d, "tail\n");
	bp_digest_cut_before(d, hex, &off, &n);
	CHECK_STR(hex, "f11430c6fd8b2373f6dddf06ea5060d09d8ebdd8e2937bf1119cf99dfa2d046a");
	CHECK_INT(n, 5);
	line(d, "B\n");
	bp_digest_final(d, hex, &off, &n);
	CHECK_STR(hex, "b899119b0f7489cd0ea1656a8cf15d08e9e95e6e0d0315ce9b26f8f6b772a9e3");
	CHECK_INT(off, 5);
	CHECK_INT(n, 7);
	/* none follows: they stay with the last briefing */
	bp_digest_reset(d);
	bp_digest_cut_after(d);
	line(d, "Join\n");
	line(d, "tail\n");
	bp_digest_final(d, hex, &off, &n);
	CHECK_STR(hex, "da28b8a3757259aa1ea85525d02ccbedfc861a2d6be856c798e4f72849d97d90");
	CHECK_INT(n, 10);
	bp_digest_free(d);
}

int main(void)
{
	RUN(sniff_text_html_binary_utf16);
	RUN(sniff_reads_only_len_bytes);
	RUN(open_errors_name_the_problem);
	RUN(digest_whole_input);
	RUN(digest_cut_before_a_line);
	RUN(digest_cut_after_a_footer);
	return DONE();
}
