/*
 * bp_trie.h - the byte tries the gazetteer and the topic rules walk: a
 * compact radix tree of literal keys (gazetteer aliases; topic patterns'
 * literal prefixes, folded), built once at load and read-only after, so
 * shareable between threads.
 *
 * A node is reached by one edge byte and then spells its label (single-child
 * chains merged); keys end only at a node's end. pool[bytes, bytes + nlabel)
 * is the label, the next nchild bytes the edge bytes of its children, which
 * are nodes[child, child + nchild) in byte order: one walk step reads one
 * 16-byte node and one run of pool bytes. The walks themselves (longest
 * alias, every topic prefix on the path) belong to their users; the two
 * steps they share are here, inline.
 */
#ifndef BP_TRIE_H
#define BP_TRIE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bp_error.h"
#include "bp_swar.h"

#define BP_TRIE_LABEL_MAX 255 /* a key is at most this long */
#define BP_TRIE_PAD 8         /* zero bytes after a tree's pool */

typedef struct bp_tnode {
	uint32_t bytes;
	uint32_t child;
	int32_t key;    /* the key's mark ending here (the first in key order), or -1 */
	uint8_t nlabel;
	uint8_t plain;  /* that key's `plain` (topics: its PLAIN_* kind), or 0 */
	uint16_t nchild;
} bp_tnode;

typedef struct bp_trie {
	bp_tnode *nodes; /* nodes[0] is the root, reached by no byte */
	unsigned char *pool;
	size_t nnodes, npool, nodes_cap, pool_cap;
	uint32_t root[256]; /* the root's children by byte; 0: none */
} bp_trie;

/* A key to build from. s[0, n) are its bytes (n <= BP_TRIE_LABEL_MAX);
 * mark and plain are stored at its node; rest is its user's (the topics'
 * pattern after its prefix). node is set by bp_trie_build. */
typedef struct bp_tkey {
	const char *s;
	size_t n;
	int plain;
	unsigned mark;
	const char *rest;
	size_t rest_len;
	uint32_t node; /* the tree node where it ends */
} bp_tkey;

/* Orders keys for bp_trie_build: by bytes, then mark. */
int bp_tkey_cmp(const void *a, const void *b);

/* Builds *t (zeroed) from keys[0, nkeys), sorted with bp_tkey_cmp; keys of
 * length 0 are skipped (their node stays 0). Sets each key's node. Returns
 * BP_OK or BP_ERR_NOMEM (err filled). The caller releases t with
 * bp_trie_release, also after a failure. */
bp_status bp_trie_build(bp_trie *t, bp_tkey *keys, size_t nkeys, bp_error *err);
void bp_trie_release(bp_trie *t);

/* Whether the tree holds any key. */
static inline int bp_trie_nonempty(const bp_trie *t)
{
	return t->nnodes > 1;
}

/* The child of node nd for byte b, or 0. Its edge bytes are compared eight
 * at a time (the pool has BP_TRIE_PAD bytes after its end), without a branch
 * per byte: edge bytes are distinct, so the first equal one is the child. */
static inline uint32_t bp_trie_child(const bp_trie *tr, const bp_tnode *nd, unsigned char b)
{
	const unsigned char *eb = tr->pool + nd->bytes + nd->nlabel;
	uint64_t pat = BP_SWAR_ONES * b;

	for (uint32_t k = 0; k < nd->nchild; k += 8) {
		uint64_t z = bp_swar_zeros(bp_swar_load_le(eb + k) ^ pat);
		if (z) {
			uint32_t at = k + bp_swar_first(z);
			return at < nd->nchild ? nd->child + at : 0;
		}
	}
	return 0;
}

/* How many bytes of node nd's label t[j, len) spells (j <= len), ASCII-folded
 * when fold; nd->nlabel when all. Eight bytes at a time. */
static inline size_t bp_trie_spell(const bp_trie *tr, const bp_tnode *nd, int fold,
				   const unsigned char *t, size_t len, size_t j)
{
	const unsigned char *lab = tr->pool + nd->bytes;
	size_t n = nd->nlabel;

	if (n > len - j)
		n = len - j;
	for (size_t k = 0; k < n; k += 8) {
		uint64_t x, d;
		if (len - j - k >= 8) {
			x = bp_swar_load_le(t + j + k);
		} else {
			unsigned char tail[8] = {0};
			memcpy(tail, t + j + k, len - j - k);
			x = bp_swar_load_le(tail);
		}
		if (fold)
			x = bp_swar_lower(x);
		d = x ^ bp_swar_load_le(lab + k);
		if (d) {
			size_t at = k + (size_t)__builtin_ctzll(d) / 8;
			return at < n ? at : n;
		}
	}
	return n;
}

#endif
