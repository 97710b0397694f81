/*
 * bp_profile.h - layout profiles: loading the set and detection.
 *
 * A profile is a cue file, data/formats/NAME.tsv (format in
 * data/formats/README.md): the layout's cue phrases as the tokenizer and
 * parser read them, its `language`, `setting` lines and `detect` lines
 * (PCRE2 patterns with weights). bp_cues_load (bp_tokenizer.h) loads the
 * set; the pipeline scores each profile on the first BP_DETECT_BYTES of
 * text of each briefing and hands the winner's cues to the tokenizer and
 * the parser. Like the classifier, this file uses PCRE2 (for the patterns).
 */
#ifndef BP_PROFILE_H
#define BP_PROFILE_H

#include <stddef.h>

#include "bp_error.h"
#include "bp_tokenizer.h"

/* Normalized text (line bytes) scored per briefing. */
#define BP_DETECT_BYTES 8192
/* Matches of one pattern counted at most (a pattern's weight counts that often). */
#define BP_DETECT_COUNT_MAX 4

#define BP_PROFILE_FILE_MAX (BP_PROFILE_NAME_MAX + 16)

/* The profile files of --rules dir that are not bundled ("cues.tsv",
 * "formats/NAME.tsv"), sorted, at most max; their count. For archive
 * mode's rules digest: bundled names are digested anyway. */
size_t bp_profile_user_files(const char *dir, char (*files)[BP_PROFILE_FILE_MAX], size_t max);

/* The profile of the set named name, or NULL. */
const bp_cues *bp_profile_find(const bp_cues *set, const char *name);

/* A profile's score on text[0, len) (lines joined by '\n'): the sum over its
 * detect patterns of weight times matches (at most BP_DETECT_COUNT_MAX),
 * counted only until it reaches sure (when sure > 0); -1 when out of memory. */
long bp_profile_score(const bp_cues *profile, const char *text, size_t len, long sure);

/* The profile for a briefing whose first text is text[0, len): the best
 * scoring profile whose score reaches its detect-min (at least 1; ties go
 * to the earlier profile of the set); a profile whose score reaches its
 * detect-sure is taken at once, the ones after it unscored. When none does: keep when it is not
 * NULL (a briefing later in a stream keeps its predecessor's profile);
 * else the fallback profile when its score reaches its detect-min, with
 * *fallback set; else the default profile (the set's first). NULL when
 * out of memory. */
const bp_cues *bp_profile_pick(const bp_cues *set, const char *text, size_t len, const bp_cues *keep,
			       int *fallback);

#endif
