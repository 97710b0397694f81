/*
 * words.c - the classifier's byte tables (see bp_words.h).
 */
#include "bp_words.h"

#include "bp_ascii.h"

void bp_words_init(bp_words *w)
{
	for (int b = 0; b < 256; b++) {
		unsigned char k = BP_KIND_OTHER;
		if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9'))
			k = BP_KIND_ALNUM;
		else if (b >= 0xC3 && b <= 0xD4)
			k = BP_KIND_LEAD;
		else if (b >= 0x80 && b <= 0xBF)
			k = BP_KIND_CONT;
		w->kind[b] = k;
		w->wordbyte[b] = k == BP_KIND_ALNUM || k == BP_KIND_LEAD ? BP_WB_WORD
				 : k == BP_KIND_CONT ? BP_WB_CONT : BP_WB_OTHER;
		w->lower[b] = bp_ascii_lower((unsigned char)b);
		w->cls[b] = (unsigned char)(w->lower[b] >= 'a' && w->lower[b] <= 'z' ? w->lower[b] - 'a' + 1
					    : b >= '0' && b <= '9' ? b - '0' + 27 : 0);
	}
}
