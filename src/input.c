/* input.c - stage 1: opening, reading, sniffing, segment digests (bp_input.h). */
#include "bp_input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "bp_ascii.h"
#include "bp_charset.h"

/* 1 when s[0, n) starts with lit, ASCII case ignored. */
static int ieq_prefix(const char *s, size_t n, const char *lit)
{
	size_t m = strlen(lit);
	return n >= m && bp_ascii_ieq(s, lit, m);
}

/* Where the first lit in s[0, n) ends, or NULL. */
static const char *memmem_end(const char *s, size_t n, const char *lit)
{
	size_t i, m = strlen(lit);
	for (i = 0; i + m <= n; i++)
		if (memcmp(s + i, lit, m) == 0)
			return s + i + m;
	return NULL;
}

/* An <html tag in s[0, n) (an XHTML page after its XML declaration). */
static int has_html_tag(const char *s, size_t n)
{
	size_t i;
	for (i = 0; i + 5 <= n; i++)
		if (s[i] == '<' && ieq_prefix(s + i, n - i, "<html"))
			return 1;
	return 0;
}

bp_format bp_input_sniff(const char *bytes, size_t len)
{
	const unsigned char *s = (const unsigned char *)bytes;
	size_t i = 0, bad = 0, n = len < BP_SNIFF_BYTES ? len : BP_SNIFF_BYTES;

	if (n >= 2 && ((s[0] == 0xFF && s[1] == 0xFE) || (s[0] == 0xFE && s[1] == 0xFF)))
		return BP_FORMAT_UTF16;
	if (memchr(s, '\0', n))
		return BP_FORMAT_BINARY;
	while (i < n) {
		uint32_t cp;
		int l = bp_utf8_get(s + i, n - i, &cp);
		if (l < 0)
			break; /* a sequence cut by the sniff window */
		if (l == 0) {
			bad++;
			i++;
			continue;
		}
		if (l == 1 && s[i] < 0x20 && s[i] != '\n' && s[i] != '\r' && s[i] != '\t' &&
		    s[i] != '\f' && s[i] != '\v')
			bad++;
		i += (size_t)l;
	}
	if (bad * 10 > n)
		return BP_FORMAT_BINARY;
	i = 0;
	if (n >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF)
		i = 3;
	for (;;) { /* white space and comments before the first tag */
		const char *end;
		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
			i++;
		if (!ieq_prefix(bytes + i, n - i, "<!--"))
			break;
		end = memmem_end(bytes + i, n - i, "-->");
		if (!end)
			break;
		i = (size_t)(end - bytes);
	}
	if (ieq_prefix(bytes + i, n - i, "<!doctype html") || ieq_prefix(bytes + i, n - i, "<html") ||
	    ieq_prefix(bytes + i, n - i, "<head") || ieq_prefix(bytes + i, n - i, "<body") ||
	    ieq_prefix(bytes + i, n - i, "<meta") || ieq_prefix(bytes + i, n - i, "<title") ||
	    ieq_prefix(bytes + i, n - i, "<div") || ieq_prefix(bytes + i, n - i, "<table") ||
	    ieq_prefix(bytes + i, n - i, "<p>") || ieq_prefix(bytes + i, n - i, "<p ") ||
	    ieq_prefix(bytes + i, n - i, "<article") || ieq_prefix(bytes + i, n - i, "<section") ||
	    ieq_prefix(bytes + i, n - i, "<h1") ||
	    ((ieq_prefix(bytes + i, n - i, "<?xml") || ieq_prefix(bytes + i, n - i, "<!doctype")) &&
	     has_html_tag(bytes + i, n - i)))
		return BP_FORMAT_HTML;
	return BP_FORMAT_TEXT;
}

static const char *reason(int e)
{
	switch (e) {
	case ENOENT:
		return "no such file";
	case EACCES:
	case EPERM:
		return "permission denied";
	case EISDIR:
		return "is a directory";
	default:
		return strerror(e);
	}
}

bp_status bp_input_open(const char *path, int *fd, bp_error *err)
{
	struct stat st;
	int f;

	if (strcmp(path, "-") == 0) {
		*fd = 0;
		return BP_OK;
	}
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return bp_error_set(err, BP_ERR_IO, path, 0, "cannot read: %s", reason(errno));
	if (fstat(f, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(f);
		return bp_error_set(err, BP_ERR_IO, path, 0, "cannot read: is a directory");
	}
	*fd = f;
	return BP_OK;
}

bp_status bp_input_read(int fd, const char *path, char *buf, size_t cap, size_t *got, bp_error *err)
{
	ssize_t r;
	do
		r = read(fd, buf, cap);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		*got = 0;
		return bp_error_set(err, BP_ERR_IO, path, 0, "read error: %s", reason(errno));
	}
	*got = (size_t)r;
	return BP_OK;
}

void bp_input_close(int fd)
{
	if (fd > 0)
		close(fd);
}

/* ---- segment digests ------------------------------------------------------ */

struct bp_digest {
	EVP_MD_CTX *cur;    /* the current segment, always fed */
	EVP_MD_CTX *snap;   /* the current segment as of the last cut_after */
	EVP_MD_CTX *next;   /* bytes since that cut, for the next segment */
	uint64_t pos;       /* bytes fed */
	uint64_t cur_start, snap_end;
	int cut_pending, have_snap;
	int failed;         /* an OpenSSL call failed since the last reset */
};

static void ctx_init(bp_digest *d, EVP_MD_CTX *c)
{
	if (!EVP_DigestInit_ex(c, EVP_sha256(), NULL))
		d->failed = 1;
}

static void ctx_hex(bp_digest *d, EVP_MD_CTX *c, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;
	static const char digits[] = "0123456789abcdef";

	if (!EVP_DigestFinal_ex(c, md, &len))
		d->failed = 1;
	for (i = 0; i < len && i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * i] = '\0';
}

bp_digest *bp_digest_new(void)
{
	bp_digest *d;

	/* SHA-256 from the built-in provider needs no openssl.cnf; reading and
	 * applying it was a tenth of the start-up time */
	if (!OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL))
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->cur = EVP_MD_CTX_new();
	d->snap = EVP_MD_CTX_new();
	d->next = EVP_MD_CTX_new();
	if (!d->cur || !d->snap || !d->next) {
		bp_digest_free(d);
		return NULL;
	}
	bp_digest_reset(d);
	if (d->failed) {
		bp_digest_free(d);
		return NULL;
	}
	return d;
}

void bp_digest_free(bp_digest *d)
{
	if (!d)
		return;
	EVP_MD_CTX_free(d->cur);
	EVP_MD_CTX_free(d->snap);
	EVP_MD_CTX_free(d->next);
	free(d);
}

int bp_digest_ok(const bp_digest *d)
{
	return !d->failed;
}

void bp_digest_reset(bp_digest *d)
{
	d->failed = 0;
	ctx_init(d, d->cur);
	d->pos = d->cur_start = d->snap_end = 0;
	d->cut_pending = d->have_snap = 0;
}

void bp_digest_update(bp_digest *d, const char *bytes, size_t len, int line_end)
{
	if (len) {
		if (!EVP_DigestUpdate(d->cur, bytes, len) ||
		    (d->have_snap && !EVP_DigestUpdate(d->next, bytes, len)))
			d->failed = 1;
		d->pos += len;
	}
	if (line_end && d->cut_pending) {
		d->cut_pending = 0;
		if (!EVP_MD_CTX_copy_ex(d->snap, d->cur))
			d->failed = 1;
		ctx_init(d, d->next);
		d->snap_end = d->pos;
		d->have_snap = 1;
	}
}

void bp_digest_cut_after(bp_digest *d)
{
	d->cut_pending = 1;
}

void bp_digest_cut_before(bp_digest *d, char hex[65], uint64_t *offset, uint64_t *bytes)
{
	EVP_MD_CTX *t;

	*offset = d->cur_start;
	if (d->have_snap) {
		ctx_hex(d, d->snap, hex);
		*bytes = d->snap_end - d->cur_start;
		t = d->cur; /* the next segment continues from the cut */
		d->cur = d->next;
		d->next = t;
		d->cur_start = d->snap_end;
	} else {
		ctx_hex(d, d->cur, hex);
		*bytes = d->pos - d->cur_start;
		ctx_init(d, d->cur);
		d->cur_start = d->pos;
	}
	d->have_snap = d->cut_pending = 0;
}

void bp_digest_final(bp_digest *d, char hex[65], uint64_t *offset, uint64_t *bytes)
{
	*offset = d->cur_start;
	*bytes = d->pos - d->cur_start;
	ctx_hex(d, d->cur, hex);
	d->have_snap = d->cut_pending = 0;
	ctx_init(d, d->cur);
	d->cur_start = d->pos;
}
