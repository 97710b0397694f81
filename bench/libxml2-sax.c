/*
 * libxml2-sax.c - the bench's baseline for HTML: libxml2's HTML push parser
 * over a file (or stdin) in 64 KiB reads, with empty SAX callbacks, as
 * briefparse's HTML reader drives it (UTF-8, the page's charset ignored, no
 * errors printed). Parse-only: no tree, no text kept. Built by bench/run.sh.
 * libxml2 reads nothing after a document's </html>, so a stream of pages
 * is parsed as one document per page: a new parser after each </html>.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libxml/HTMLparser.h>

static void start(void *ctx, const xmlChar *name, const xmlChar **atts)
{
	(void)ctx;
	(void)name;
	(void)atts;
}

static void end(void *ctx, const xmlChar *name)
{
	(void)ctx;
	(void)name;
}

static void text(void *ctx, const xmlChar *s, int n)
{
	(void)ctx;
	(void)s;
	(void)n;
}

static htmlSAXHandler sax;

static htmlParserCtxtPtr parser(void)
{
	htmlParserCtxtPtr px = htmlCreatePushParserCtxt(&sax, NULL, NULL, 0, NULL, XML_CHAR_ENCODING_UTF8);
	if (px)
		htmlCtxtUseOptions(px, HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
					       HTML_PARSE_NONET | HTML_PARSE_IGNORE_ENC);
	return px;
}

/* Where the first "</html>" (any case) in s[0, n) ends, or 0. */
static size_t page_end(const char *s, size_t n)
{
	size_t i;
	for (i = 0; i + 7 <= n; i++)
		if (s[i] == '<' && s[i + 1] == '/' && strncasecmp(s + i + 2, "html>", 5) == 0)
			return i + 7;
	return 0;
}

int main(int argc, char **argv)
{
	static char buf[(1 << 16) + 8];
	htmlParserCtxtPtr px;
	ssize_t n;
	size_t carry = 0;
	int fd = argc > 1 ? open(argv[1], O_RDONLY) : 0;

	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	memset(&sax, 0, sizeof(sax));
	sax.startElement = start;
	sax.endElement = end;
	sax.characters = text;
	sax.ignorableWhitespace = text;
	if (!(px = parser()))
		return 1;
	/* the last 6 bytes of a read wait for the next, so that a "</html>"
	 * cut by a read is seen */
	while ((n = read(fd, buf + carry, sizeof(buf) - 8 - carry)) > 0) {
		size_t len = carry + (size_t)n, at = 0, e;
		while ((e = page_end(buf + at, len - at)) != 0) {
			htmlParseChunk(px, buf + at, (int)e, 1);
			htmlFreeParserCtxt(px);
			if (!(px = parser()))
				return 1;
			at += e;
		}
		carry = len - at > 6 ? 6 : len - at;
		htmlParseChunk(px, buf + at, (int)(len - at - carry), 0);
		memmove(buf, buf + len - carry, carry);
	}
	htmlParseChunk(px, buf, (int)carry, 1);
	htmlFreeParserCtxt(px);
	return n < 0;
}
