/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reader and writer of the MGLRU debugfs files lru_gen and lru_gen_full
 * (Documentation/admin-guide/mm/multigen_lru.rst).
 *
 * Format, as mm/vmscan.c lru_gen_seq_show() prints it in 6.1 and 7.2:
 *
 *	memcg ID PATH			6.1: "memcg %5hu %s", 7.2: "memcg %llu %s"
 *	 node NID			" node %5d"
 *	 SEQ AGE_MS ANON[x] FILE[x]	" %10lu %10u" then " %10lu%c" twice
 *
 * lru_gen_full prints all MAX_NR_GENS slots, marks the sizes of slots below
 * min_seq of that type with 'x', and follows each generation line with
 * detail lines (per tier and mm walk stats) indented by at least 12 columns.
 * A generation line is indented by at most 10 (" %10lu"), which is how the
 * two are told apart without relying on the number of detail columns, which
 * differ between kernels.  Sizes are clamped at 0 by the kernel.
 */
#ifndef MR_LRUGEN_H
#define MR_LRUGEN_H

#include <stdbool.h>
#include <stddef.h>

/* include/linux/mmzone.h */
/* MGLRU's global switch (Documentation/admin-guide/mm/multigen_lru.rst) */
#define MR_LRU_GEN_ENABLED	"/sys/kernel/mm/lru_gen/enabled"

#define MR_MIN_NR_GENS	2
#define MR_MAX_NR_GENS	4

/**
 * struct mr_lrugen_gen - one generation line
 * @seq: sequence number
 * @age_ms: age in milliseconds
 * @pages: number of pages, [0] anon, [1] file
 * @old: slot marked 'x' (below min_seq of that type; lru_gen_full only)
 */
struct mr_lrugen_gen {
	unsigned long long seq;
	unsigned long long age_ms;
	unsigned long long pages[2];
	bool old[2];
};

/**
 * struct mr_lrugen_node - the generations of one memcg on one node
 * @nid: node id
 * @nr_gens: number of entries in @gens
 * @gens: generation lines in the order printed (oldest first)
 * @max_seq: seq of the youngest generation
 * @min_seq: [0] anon, [1] file: the oldest seq not marked 'x' (for lru_gen,
 *	     which prints no marks, the oldest seq printed)
 */
struct mr_lrugen_node {
	int nid;
	int nr_gens;
	struct mr_lrugen_gen *gens;
	unsigned long long max_seq;
	unsigned long long min_seq[2];
};

/**
 * struct mr_lrugen_memcg - one "memcg" block
 * @id: memcg id as printed (7.2: cgroup id = inode number of the directory;
 *	6.1: private memcg id, 0 once offline)
 * @path: path in the cgroup hierarchy ("/" for the root, "" without memcg)
 * @nr_nodes: number of entries in @nodes
 * @nodes: per-node generations
 */
struct mr_lrugen_memcg {
	unsigned long long id;
	char *path;
	int nr_nodes;
	struct mr_lrugen_node *nodes;
};

/**
 * struct mr_lrugen - a parsed lru_gen or lru_gen_full dump
 * @nr_memcgs: number of entries in @memcgs
 * @memcgs: memcg blocks in the order printed
 */
struct mr_lrugen {
	int nr_memcgs;
	struct mr_lrugen_memcg *memcgs;
};

/**
 * mr_lrugen_parse() - parse an lru_gen or lru_gen_full dump
 * @text: NUL-terminated dump
 * @lg: result, released with mr_lrugen_free() (also on error)
 * @bad_line: if not NULL, set to the 1-based line that did not parse
 *
 * Return: 0, -EINVAL for a line of unknown shape, -ENOMEM.
 */
int mr_lrugen_parse(const char *text, struct mr_lrugen *lg, int *bad_line);

/** mr_lrugen_free() - release what mr_lrugen_parse() allocated */
void mr_lrugen_free(struct mr_lrugen *lg);

/**
 * mr_lrugen_file() - path of debugfs lru_gen or lru_gen_full
 * @full: lru_gen_full
 * @buf: destination
 * @len: size of @buf
 *
 * Return: 0, or -ENOENT when debugfs is not mounted or the file is absent.
 */
int mr_lrugen_file(bool full, char *buf, size_t len);

/**
 * mr_lrugen_read() - read and parse debugfs lru_gen or lru_gen_full
 * @full: read lru_gen_full
 * @lg: result, released with mr_lrugen_free()
 *
 * Return: 0 or a negative errno (printed unless -ENOENT).
 */
int mr_lrugen_read(bool full, struct mr_lrugen *lg);

/**
 * mr_lrugen_find() - the block of a live memcg by hierarchy path
 * @lg: parsed dump
 * @path: hierarchy path (see mr_cg_kpath())
 *
 * A removed memcg may still be listed under its old path until it is freed.
 * On 6.1 its id is 0, so an entry with a non-zero id is preferred; the suite
 * never reuses a cgroup name within a run.
 *
 * Return: the block or NULL.
 */
const struct mr_lrugen_memcg *mr_lrugen_find(const struct mr_lrugen *lg,
					     const char *path);

/**
 * mr_lrugen_totals() - pages over all nodes and generations of a memcg
 * @m: memcg block
 * @anon: sum of anon sizes
 * @file: sum of file sizes
 */
void mr_lrugen_totals(const struct mr_lrugen_memcg *m,
		      unsigned long long *anon, unsigned long long *file);

/**
 * mr_lrugen_old_pages() - pages in slots marked 'x' (must be 0)
 * @m: memcg block (from lru_gen_full)
 *
 * Return: the sum of the sizes printed with an 'x' mark.
 */
unsigned long long mr_lrugen_old_pages(const struct mr_lrugen_memcg *m);

/**
 * mr_lrugen_enabled() - whether MGLRU is on
 *
 * Return: 1 if /sys/kernel/mm/lru_gen/enabled is not 0x0000, 0 if it is,
 * -ENOENT without CONFIG_LRU_GEN.
 */
int mr_lrugen_enabled(void);

/**
 * mr_lrugen_readable() - whether debugfs lru_gen and lru_gen_full can be
 *			  read
 */
bool mr_lrugen_readable(void);

/**
 * mr_lrugen_switch() - write MR_LRU_GEN_ENABLED, saving its value first
 * @on: "y" (true) or "n"
 * @saved: where the value found is saved if it is still "" (NULL: not
 *	   saved); written back by whoever restores it
 * @len: size of @saved
 *
 * Return: 0 or a negative errno (-ENOENT without CONFIG_LRU_GEN).
 */
int mr_lrugen_switch(bool on, char *saved, size_t len);

/**
 * mr_lrugen_age() - run "+ ID NID MAX_SEQ [SWAPPINESS [FORCE_SCAN]]"
 * @id: memcg id as printed in lru_gen
 * @nid: node id
 * @max_seq: the max_seq the caller saw
 * @swappiness: 0-200, or -1 to leave it and @force_scan out
 * @force_scan: 0 or 1, or -1 to leave it out
 *
 * Return: 0; -EEXIST (nothing to do, or raced) and -EINVAL (stale seq,
 * memcg gone) are normal answers; other negative errnos.
 */
int mr_lrugen_age(unsigned long long id, int nid, unsigned long long max_seq,
		  int swappiness, int force_scan);

/**
 * mr_lrugen_evict() - run "- ID NID MIN_SEQ [SWAPPINESS [NR_TO_RECLAIM]]"
 * @id: memcg id as printed in lru_gen
 * @nid: node id
 * @min_seq: evict generations up to this seq
 * @swappiness: 0-200, or -1 to leave it and @nr_to_reclaim out
 * @nr_to_reclaim: pages, or -1 to leave it out
 *
 * Return: as mr_lrugen_age().
 */
int mr_lrugen_evict(unsigned long long id, int nid, unsigned long long min_seq,
		    int swappiness, long nr_to_reclaim);

/**
 * mr_lrugen_nr_gens() - generations of one type on one node
 * @n: the node, from an lru_gen_full dump
 * @type: 0 anon, 1 file
 */
int mr_lrugen_nr_gens(const struct mr_lrugen_node *n, int type);

/**
 * mr_lrugen_shrink() - evict a memcg down to MIN_NR_GENS on every node
 * @kpath: the memcg as lru_gen names it
 *
 * "- ID NID MAX_SEQ-2" evicts the generations below the two youngest; on a
 * memcg whose old generations are empty it only retires them.
 *
 * Return: 0, or a negative errno (-ENOENT: not listed).
 */
int mr_lrugen_shrink(const char *kpath);

/**
 * mr_lrugen_min_gens() - fewest generations of a memcg over nodes and types
 * @kpath: the memcg as lru_gen names it
 *
 * Return: that number, or a negative errno (-ENOENT: not listed).
 */
int mr_lrugen_min_gens(const char *kpath);

#endif /* MR_LRUGEN_H */
