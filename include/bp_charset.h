/*
 * bp_charset.h - single-byte code pages to and from Unicode, shared by the
 * HTML reader (bp_html.h: pages declared in windows-1251, koi8-r,
 * windows-1252) and the mojibake repair (bp_mojibake.h: text that was UTF-8
 * read through windows-1252, Mac Roman, Mac Central European or
 * windows-1251). Tables only, no state, no allocation.
 */
#ifndef BP_CHARSET_H
#define BP_CHARSET_H

#include <stddef.h>
#include <stdint.h>

typedef enum bp_charset {
	BP_CS_UTF8 = 0,
	BP_CS_CP1251,   /* windows-1251 (Cyrillic) */
	BP_CS_CP1252,   /* windows-1252; also what "iso-8859-1" and "us-ascii" mean on the web */
	BP_CS_KOI8R,    /* koi8-r (koi8-u is read as koi8-r) */
	BP_CS_MACROMAN, /* macintosh */
	BP_CS_MACCE,    /* x-mac-ce (Mac Central European) */
	BP_CS_UNKNOWN
} bp_charset;

/* The charset a label names (WHATWG-style labels, case-insensitive, spaces
 * and quotes around it ignored): "utf-8", "windows-1251", "cp1251", "koi8-r",
 * "iso-8859-1", "latin1"...; BP_CS_UNKNOWN for any other. */
bp_charset bp_charset_from_label(const char *label, size_t len);
/* The canonical label ("utf-8", "windows-1251", ...). */
const char *bp_charset_name(bp_charset cs);
/* The code point of byte b (>= 0x80) in a single-byte charset. Bytes a code
 * page leaves undefined map to the C1 control of the same number. */
uint32_t bp_charset_decode(bp_charset cs, unsigned char b);
/* The byte that encodes code point cp (>= 0x80) in a single-byte charset, or
 * -1 when it has none. */
int bp_charset_encode(bp_charset cs, uint32_t cp);
/* Writes the UTF-8 form of cp (< 0x110000) to out (4 bytes room), returns its length. */
size_t bp_utf8_put(char *out, uint32_t cp);
/* Length of the valid UTF-8 sequence at s[0, n): 1-4, 0 when invalid, -1
 * when n ends inside a sequence that may still be valid. Sets *cp. */
int bp_utf8_get(const unsigned char *s, size_t n, uint32_t *cp);

#endif
