/*
 * trie.c - building the classifier's byte tries (see bp_trie.h).
 */
#include "bp_trie.h"

#include <stdlib.h>

#include "bp_rulefile.h"

int bp_tkey_cmp(const void *pa, const void *pb)
{
	const bp_tkey *a = pa, *b = pb;
	int c = bp_bytes_cmp(a->s, a->n, b->s, b->n);
	return c ? c : (a->mark > b->mark) - (a->mark < b->mark);
}

/* Fills node n (already allocated) for keys[lo, hi), which share their
 * first d bytes, d being where its label starts; keys are sorted, so the
 * shortest come first and the label runs to their common prefix. */
static int trie_fill(bp_trie *t, bp_tkey *keys, size_t lo, size_t hi, size_t d, uint32_t n)
{
	const bp_tkey *a = &keys[lo], *z = &keys[hi - 1];
	size_t m = d, i = lo, j, nchild = 0;
	uint32_t first;

	while (m < a->n && a->s[m] == z->s[m])
		m++;
	while (i < hi && keys[i].n == m)
		i++;
	for (j = i; j < hi; nchild++) {
		unsigned char c = (unsigned char)keys[j].s[m];
		while (j < hi && (unsigned char)keys[j].s[m] == c)
			j++;
	}
	if (bp_grow(&t->pool, &t->pool_cap, t->npool + (m - d) + nchild, 1, 16) != 0 ||
	    bp_grow(&t->nodes, &t->nodes_cap, t->nnodes + nchild, sizeof(bp_tnode), 16) != 0)
		return 0;
	first = (uint32_t)t->nnodes;
	t->nnodes += nchild;
	t->nodes[n] = (bp_tnode){.bytes = (uint32_t)t->npool, .child = first, .key = -1,
				 .nlabel = (uint8_t)(m - d), .nchild = (uint16_t)nchild};
	for (size_t k = lo; k < i; k++)
		keys[k].node = n;
	if (i > lo) {
		t->nodes[n].key = (int32_t)a->mark;
		t->nodes[n].plain = (uint8_t)a->plain;
	}
	/* index the pool rather than keep a pointer: it may move (and is not
	 * allocated at all while no node has a label or a child) */
	if (m > d)
		memcpy(t->pool + t->npool, a->s + d, m - d);
	t->npool += (m - d) + nchild;
	for (size_t k = 0; i < hi; k++) {
		unsigned char c = (unsigned char)keys[i].s[m];
		for (j = i; j < hi && (unsigned char)keys[j].s[m] == c; j++)
			;
		t->pool[t->nodes[n].bytes + (m - d) + k] = c;
		if (!trie_fill(t, keys, i, j, m + 1, first + (uint32_t)k))
			return 0;
		i = j;
	}
	return 1;
}

/* The root and its children by first byte; each child holds the keys
 * starting with it. */
bp_status bp_trie_build(bp_trie *t, bp_tkey *keys, size_t nkeys, bp_error *err)
{
	size_t i = 0, j;

	/* a pool even for a tree with no labels, so that pool + offset is
	 * always defined (fuzz_rules found the NULL pool of such a tree) */
	if (bp_grow(&t->nodes, &t->nodes_cap, 1, sizeof(bp_tnode), 16) != 0 ||
	    bp_grow(&t->pool, &t->pool_cap, 1, 1, 16) != 0)
		return bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
	t->nodes[0] = (bp_tnode){.key = -1};
	t->nnodes = 1;
	while (i < nkeys && keys[i].n == 0)
		i++; /* topic patterns without a literal prefix: PCRE2 only */
	for (; i < nkeys; i = j) {
		unsigned char c = (unsigned char)keys[i].s[0];
		uint32_t n = (uint32_t)t->nnodes;
		for (j = i; j < nkeys && (unsigned char)keys[j].s[0] == c; j++)
			;
		if (bp_grow(&t->nodes, &t->nodes_cap, t->nnodes + 1, sizeof(bp_tnode), 16) != 0)
			return bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
		t->nnodes++;
		t->root[c] = n;
		if (!trie_fill(t, keys, i, j, 1, n))
			return bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
	}
	/* child and spell read up to eight bytes at a time past any offset */
	if (bp_grow(&t->pool, &t->pool_cap, t->npool + BP_TRIE_PAD, 1, 16) != 0)
		return bp_error_set(err, BP_ERR_NOMEM, "", 0, "out of memory");
	memset(t->pool + t->npool, 0, BP_TRIE_PAD);
	return BP_OK;
}

void bp_trie_release(bp_trie *t)
{
	free(t->nodes);
	free(t->pool);
	memset(t, 0, sizeof(*t));
}
