/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Per-node views of a memcg: the reader of memory.numa_stat, the nodes that
 * have memory, a memory policy that spreads a loader's pages over them, and
 * the per-node page sums of an lru_gen block.
 *
 * memory.numa_stat (mm/memcontrol.c memory_numa_stat_show(), 6.1 and 7.2)
 * prints one line per key, the key then " N<nid>=<bytes>" for every node
 * with memory (N_MEMORY) in nid order:
 *
 *	anon N0=18010112 N1=106496
 *
 * Values are bytes and hierarchical (they include descendants), like
 * memory.stat; reading the file flushes the stats as memory.stat does.
 */
#ifndef MR_NUMA_H
#define MR_NUMA_H

#include <stdbool.h>

#include "mr_lrugen.h"
#include "mr_stat.h"

/* more nodes than a test machine of the suite has; a dump with more fails */
#define MR_NUMA_MAX_NODES	64

/**
 * struct mr_numa_node - the LRU-related lines of memory.numa_stat, one node
 * @nid: node id ("N<nid>=")
 * @s: "anon", "file" (page cache including shmem), "shmem", "active_anon",
 *     "inactive_anon", "active_file", "inactive_file" of the node, named as
 *     in memory.stat; bytes, hierarchical (numa_stat has no "unevictable"
 *     and "swapcached" per node: 0)
 */
struct mr_numa_node {
	int nid;
	struct mr_memstat s;
};

/**
 * struct mr_numastat - one memory.numa_stat
 * @nr_nodes: entries in @nodes
 * @nodes: per node, in the order printed (nid order)
 */
struct mr_numastat {
	int nr_nodes;
	struct mr_numa_node nodes[MR_NUMA_MAX_NODES];
};

/**
 * mr_numastat_parse() - parse the text of a memory.numa_stat
 * @text: NUL-terminated content
 * @ns: result
 * @bad_line: if not NULL, set to the 1-based line at fault (0 when a key is
 *	      missing)
 *
 * Keys match exactly at the start of a line followed by one space ("anon"
 * is not "anon_thp"); every key read must list the same nodes in the same
 * order, each "N<nid>=<decimal>", nothing else on the line.
 *
 * Return: 0, -ENOENT when a key is missing, -EINVAL for a line of another
 * shape, -E2BIG for more than MR_NUMA_MAX_NODES nodes.
 */
int mr_numastat_parse(const char *text, struct mr_numastat *ns, int *bad_line);

int __mr_numastat_read(const char *cg, struct mr_numastat *ns,
		       const char *file, int line);

/**
 * mr_numastat_read() - read and parse CG/memory.numa_stat
 * @cg: cgroup directory
 * @ns: result
 *
 * Return: 0 or a negative errno (printed with the caller's file:line and,
 * for a parse error, the line of the file at fault).
 */
#define mr_numastat_read(cg, ns) \
	__mr_numastat_read(cg, ns, __FILE__, __LINE__)

/**
 * mr_numastat_node() - the entry of node @nid
 * @ns: parsed memory.numa_stat
 * @nid: node id
 *
 * Return: the entry, or NULL when @ns does not list @nid.
 */
struct mr_numa_node *mr_numastat_node(struct mr_numastat *ns, int nid);

/**
 * mr_numastat_sub() - @a -= @b, node by node
 * @a: minuend, updated
 * @b: subtrahend; must list the same nodes
 *
 * Return: 0, or -EINVAL when the node lists differ (@a unchanged).
 */
int mr_numastat_sub(struct mr_numastat *a, const struct mr_numastat *b);

/**
 * mr_nodelist_parse() - the nodes of a sysfs node list ("0-1,3\n")
 * @text: content of /sys/devices/system/node/{online,has_memory}
 * @mask: receives bit N for node N (nodes < 64)
 *
 * Return: the number of nodes, or -EINVAL (also for node ids >= 64).
 */
int mr_nodelist_parse(const char *text, unsigned long long *mask);

/**
 * mr_memory_nodes() - the nodes that have memory
 * @mask: receives bit N for node N, may be NULL
 *
 * Return: how many (at least 1 on a kernel without NUMA sysfs: node 0), or
 * a negative errno when the list cannot be parsed.
 */
int mr_memory_nodes(unsigned long long *mask);

/**
 * mr_spread_nodes() - interleave the caller's new pages over every node with
 *		       memory
 *
 * set_mempolicy(MPOL_INTERLEAVE): anon, page cache and shmem (tmpfs and
 * memfd without a policy of their own) allocated by the calling task from
 * now on go to those nodes in turn, so every memcg the task charges holds
 * pages on each of them.  Call it in the loader, before it allocates.
 *
 * Return: 0 (also with one node: nothing to do), or a negative errno.
 */
int mr_spread_nodes(void);

/**
 * mr_lrugen_node_totals() - pages over the generations of one node
 * @m: memcg block of an lru_gen dump
 * @nid: node id
 * @anon: sum of anon sizes on @nid
 * @file: sum of file sizes on @nid
 *
 * Return: true, or false when @m lists no such node (sums are 0 then).
 */
bool mr_lrugen_node_totals(const struct mr_lrugen_memcg *m, int nid,
			   unsigned long long *anon, unsigned long long *file);

#endif /* MR_NUMA_H */
