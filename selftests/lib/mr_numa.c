// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-node views of a memcg: memory.numa_stat, nodes with memory, a memory
 * policy over them, per-node lru_gen sums.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <linux/mempolicy.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mr_numa.h"
#include "mr_util.h"

#define NR_KEYS	7

static const struct {
	const char *key;
	size_t off;
} numa_keys[NR_KEYS] = {
	{ "anon", offsetof(struct mr_numa_node, s.anon) },
	{ "file", offsetof(struct mr_numa_node, s.file) },
	{ "shmem", offsetof(struct mr_numa_node, s.shmem) },
	{ "active_anon", offsetof(struct mr_numa_node, s.active_anon) },
	{ "inactive_anon", offsetof(struct mr_numa_node, s.inactive_anon) },
	{ "active_file", offsetof(struct mr_numa_node, s.active_file) },
	{ "inactive_file", offsetof(struct mr_numa_node, s.inactive_file) },
};

/* Start of the line "KEY ..." (exact key, one space) and its number, or NULL */
static const char *find_line(const char *text, const char *key, int *nr)
{
	size_t n = strlen(key);
	const char *line = text;

	for (*nr = 1; *line; (*nr)++) {
		if (!strncmp(line, key, n) && line[n] == ' ')
			return line;
		line = strchr(line, '\n');
		if (!line)
			break;
		line++;
	}
	return NULL;
}

/* " N<nid>=<val>" fields of one line into column @off of @ns */
static int parse_fields(const char *s, struct mr_numastat *ns, size_t off,
			bool first)
{
	unsigned long long nid;
	long long val;
	char *end;
	int i = 0;

	while (*s == ' ') {
		if (s[1] != 'N' || !isdigit((unsigned char)s[2]))
			return -EINVAL;
		errno = 0;
		nid = strtoull(s + 2, &end, 10);
		if (errno || nid > INT_MAX || *end != '=' ||
		    !isdigit((unsigned char)end[1]))
			return -EINVAL;
		val = strtoll(end + 1, &end, 10);
		if (errno)
			return -EINVAL;
		if (first) {
			if (i == MR_NUMA_MAX_NODES)
				return -E2BIG;
			/* nid order, each node once */
			if (i && (int)nid <= ns->nodes[i - 1].nid)
				return -EINVAL;
			ns->nodes[i].nid = nid;
		} else if (i >= ns->nr_nodes || ns->nodes[i].nid != (int)nid) {
			return -EINVAL;
		}
		*(long long *)((char *)&ns->nodes[i] + off) = val;
		i++;
		s = end;
	}
	if (*s && *s != '\n')
		return -EINVAL;
	if (first)
		ns->nr_nodes = i;
	else if (i != ns->nr_nodes)
		return -EINVAL;
	return i ? 0 : -EINVAL;
}

int mr_numastat_parse(const char *text, struct mr_numastat *ns, int *bad_line)
{
	const char *line;
	int k, nr = 0, ret;

	memset(ns, 0, sizeof(*ns));
	for (k = 0; k < NR_KEYS; k++) {
		line = find_line(text, numa_keys[k].key, &nr);
		if (!line) {
			ret = -ENOENT;
			nr = 0;
			break;
		}
		ret = parse_fields(line + strlen(numa_keys[k].key), ns,
				   numa_keys[k].off, k == 0);
		if (ret)
			break;
	}
	if (ret && bad_line)
		*bad_line = nr;
	return ret;
}

int __mr_numastat_read(const char *cg, struct mr_numastat *ns,
		       const char *file, int line)
{
	char path[PATH_MAX], *buf;
	int ret, bad = 0;
	ssize_t len;

	len = mr_pathf(path, sizeof(path), "%s/memory.numa_stat", cg);
	if (!len)
		len = mr_read_file(path, &buf);
	if (len < 0) {
		mr_err_at(file, line, len, "read %s", path);
		return len;
	}
	ret = mr_numastat_parse(buf, ns, &bad);
	if (ret == -ENOENT)
		mr_err_at(file, line, ret, "%s: a key of the LRU lines", path);
	else if (ret)
		mr_err_at(file, line, ret, "%s:%d does not parse", path, bad);
	free(buf);
	return ret;
}

struct mr_numa_node *mr_numastat_node(struct mr_numastat *ns, int nid)
{
	int i;

	for (i = 0; i < ns->nr_nodes; i++)
		if (ns->nodes[i].nid == nid)
			return &ns->nodes[i];
	return NULL;
}

int mr_numastat_sub(struct mr_numastat *a, const struct mr_numastat *b)
{
	struct mr_numa_node *x;
	const struct mr_numa_node *y;
	int i;

	if (a->nr_nodes != b->nr_nodes)
		return -EINVAL;
	for (i = 0; i < a->nr_nodes; i++)
		if (a->nodes[i].nid != b->nodes[i].nid)
			return -EINVAL;
	for (i = 0; i < a->nr_nodes; i++) {
		x = &a->nodes[i];
		y = &b->nodes[i];
		x->s.anon -= y->s.anon;
		x->s.file -= y->s.file;
		x->s.shmem -= y->s.shmem;
		x->s.active_anon -= y->s.active_anon;
		x->s.inactive_anon -= y->s.inactive_anon;
		x->s.active_file -= y->s.active_file;
		x->s.inactive_file -= y->s.inactive_file;
	}
	return 0;
}

int mr_nodelist_parse(const char *text, unsigned long long *mask)
{
	unsigned long long lo, hi, n;
	const char *s = text;
	char *end;
	int count = 0;

	*mask = 0;
	while (*s && *s != '\n') {
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		lo = strtoull(s, &end, 10);
		hi = lo;
		if (*end == '-') {
			if (!isdigit((unsigned char)end[1]))
				return -EINVAL;
			hi = strtoull(end + 1, &end, 10);
		}
		if (hi < lo || hi >= 64)
			return -EINVAL;
		for (n = lo; n <= hi; n++) {
			if (!(*mask & (1ULL << n)))
				count++;
			*mask |= 1ULL << n;
		}
		s = end;
		if (*s == ',')
			s++;
		else if (*s && *s != '\n')
			return -EINVAL;
	}
	return count ? count : -EINVAL;
}

int mr_memory_nodes(unsigned long long *mask)
{
	unsigned long long m = 1;
	char *buf;
	int ret;

	/* no NUMA sysfs (CONFIG_NUMA=n): all memory is node 0's */
	if (mr_read_file("/sys/devices/system/node/has_memory", &buf) < 0) {
		ret = 1;
	} else {
		ret = mr_nodelist_parse(buf, &m);
		free(buf);
	}
	if (mask)
		*mask = m;
	return ret;
}

int mr_spread_nodes(void)
{
	unsigned long long mask;
	unsigned long nodemask;
	int n;

	n = mr_memory_nodes(&mask);
	if (n < 0)
		return n;
	if (n < 2)
		return 0;
	nodemask = mask;
	/* maxnode: the kernel reads maxnode - 1 bits */
	if (syscall(SYS_set_mempolicy, MPOL_INTERLEAVE, &nodemask,
		    sizeof(nodemask) * 8 + 1))
		return -errno;
	return 0;
}

bool mr_lrugen_node_totals(const struct mr_lrugen_memcg *m, int nid,
			   unsigned long long *anon, unsigned long long *file)
{
	const struct mr_lrugen_node *n;
	int i, j;

	*anon = 0;
	*file = 0;
	for (i = 0; i < m->nr_nodes; i++) {
		n = &m->nodes[i];
		if (n->nid != nid)
			continue;
		for (j = 0; j < n->nr_gens; j++) {
			*anon += n->gens[j].pages[0];
			*file += n->gens[j].pages[1];
		}
		return true;
	}
	return false;
}
