/*
 * bp_offload.h - the classifier on a second thread, records still in order.
 *
 * The pipeline hands blocks and briefing records here instead of to the
 * classifier and the emitter. They are copied into a batch; a full batch
 * is queued for the classifier thread, which classifies it and then emits
 * it, while the calling thread goes on reading and parsing into a fresh
 * one (and helps classify when the thread falls behind). Parsing thus
 * overlaps classification and output. Output is byte-identical to
 * classifying in line: records leave in the order they came, through the
 * same emitter, from one thread at a time. Memory: three batches of about
 * BP_OFFLOAD_BATCH bytes (or one block, when a block is larger).
 */
#ifndef BP_OFFLOAD_H
#define BP_OFFLOAD_H

#include "bp_classify.h"
#include "bp_emit.h"
#include "bp_error.h"
#include "bp_parse.h"

#define BP_OFFLOAD_BATCH (64u << 10) /* bytes of block text per batch */

typedef struct bp_offload bp_offload;

/* rules and emitter must outlive it. The thread starts with the first
 * batch. NULL on allocation failure. */
bp_offload *bp_offload_new(const bp_rules *rules, bp_emitter *emitter);
/* Stops the thread; what is still queued is dropped. */
void bp_offload_free(bp_offload *o);

/* Queue a block (copied) or a briefing record (copied, with src). May
 * report the error of an earlier record (classification, writing). */
bp_status bp_offload_block(bp_offload *o, const bp_block *b, bp_error *err);
bp_status bp_offload_briefing(bp_offload *o, const bp_briefing *b, const bp_source_info *src,
			      bp_error *err);
/* Classifies and emits everything queued. On an error, the records before
 * the failing one are out and the rest is dropped. */
bp_status bp_offload_flush(bp_offload *o, bp_error *err);
/* Drops everything queued (after an error of the input being parsed). */
void bp_offload_drop(bp_offload *o);

/* A block's kind for bp_pairing_apply (bp_classify.h). */
static inline int bp_block_pair_kind(const bp_block *b)
{
	return b->type == BP_BLOCK_QUESTION ? BP_PAIR_QUESTION
	       : b->type == BP_BLOCK_ANSWER ? BP_PAIR_ANSWER
					    : BP_PAIR_OTHER;
}

/* A briefing's pending classifier warnings, gathered from its blocks' tags
 * (bp_tags.nlimited) in the order they are emitted, then added to it. */
typedef struct bp_tag_warnings {
	unsigned long nlimited, line;
	char message[160];
} bp_tag_warnings;
/* Counts the tags of block b. */
void bp_tag_warnings_add(bp_tag_warnings *w, const bp_block *b, const bp_tags *tags);
/* Moves what w holds into briefing b ("pattern-limit") and clears w. */
void bp_tag_warnings_move(bp_tag_warnings *w, bp_briefing *b);

#endif
