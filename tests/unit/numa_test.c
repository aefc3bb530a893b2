// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the per-node readers (selftests/lib/mr_numa.c) on output of
 * real kernels: memory.numa_stat, memory.stat and lru_gen of /fixture, dumped
 * one after the other by tests/capture-fixtures.sh in the suite's 2-node VM
 * (Debian sid 7.2.13 and bookworm 6.1, live and after an rmdir).  Per node,
 * numa_stat must add up to memory.stat, and lru_gen's generations of the
 * subtree on that node must add up to numa_stat's LRU lines of that node:
 * the identities sizes_match's numa_absorbed and lrugen_node_sizes rely on.
 * Inline strings test the exact keys and the error paths.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mr_lrugen.h"
#include "mr_numa.h"
#include "mr_stat.h"
#include "mr_util.h"
#include "tap.h"

/* The fixtures come from the suite's VM: 2 CPUs, 4 KiB pages. */
#define FIXTURE_PAGE	4096LL
#define FIXTURE_TOL	(64LL * 2 * FIXTURE_PAGE)

static const char *fixtures;

static bool read_fixture(const char *kdir, const char *name, char **buf)
{
	char path[4096];

	return !mr_pathf(path, sizeof(path), "%s/%s/%s", fixtures, kdir, name) &&
	       mr_read_file(path, buf) >= 0;
}

static bool close_to(long long a, long long b)
{
	return a - b <= FIXTURE_TOL && b - a <= FIXTURE_TOL;
}

/* the value of keys[@k] in @n */
static long long column(const struct mr_numa_node *n, size_t k)
{
	const long long col[] = {
		n->s.anon, n->s.file, n->s.shmem, n->s.active_anon, n->s.inactive_anon,
		n->s.active_file, n->s.inactive_file,
	};

	return col[k];
}

/* numa_stat of /fixture against memory.stat and lru_gen of the same dump */
static void test_kernel(const char *kdir, const char *when)
{
	static const char * const keys[] = {
		"anon", "file", "shmem", "active_anon", "inactive_anon",
		"active_file", "inactive_file",
	};
	char name[64], *text, *stat, *gen;
	unsigned long long a, f, sa, sf;
	long long sum, want, lru_anon, lru_file;
	struct mr_numastat ns;
	struct mr_lrugen lg;
	size_t k;
	int i, j, bad = -1, ret;
	bool found;

	snprintf(name, sizeof(name), "memory.numa_stat.%s", when);
	if (!read_fixture(kdir, name, &text)) {
		tap_skip("%s/%s: no fixture", kdir, name);
		return;
	}
	ret = mr_numastat_parse(text, &ns, &bad);
	free(text);
	if (!tap_ok(!ret, "%s/%s parses (ret %d, line %d)", kdir, name, ret, bad))
		return;
	tap_ok(ns.nr_nodes == 2 && ns.nodes[0].nid == 0 && ns.nodes[1].nid == 1,
	       "%s/%s: the VM's two nodes, N0 and N1 (%d listed)", kdir, name,
	       ns.nr_nodes);
	tap_ok(ns.nodes[0].s.anon + ns.nodes[1].s.anon > 0 &&
	       ns.nodes[0].s.anon > 0 && ns.nodes[1].s.anon > 0,
	       "%s/%s: anon on both nodes (%lld, %lld)", kdir, name,
	       ns.nodes[0].s.anon, ns.nodes[1].s.anon);

	snprintf(name, sizeof(name), "memory.stat.%s", when);
	if (read_fixture(kdir, name, &stat)) {
		for (k = 0; k < ARRAY_SIZE(keys); k++) {
			for (i = 0, sum = 0; i < ns.nr_nodes; i++)
				sum += column(&ns.nodes[i], k);
			ret = mr_buf_key(stat, keys[k], &want);
			tap_ok(!ret && close_to(sum, want),
			       "%s/%s: %s summed over nodes %lld == memory.stat %lld (+-%lld)",
			       kdir, when, keys[k], sum, want, FIXTURE_TOL);
		}
		free(stat);
	} else {
		tap_skip("%s/%s: no fixture", kdir, name);
	}

	snprintf(name, sizeof(name), "lru_gen.%s", when);
	if (!read_fixture(kdir, name, &gen)) {
		tap_skip("%s/%s: no fixture", kdir, name);
		return;
	}
	ret = mr_lrugen_parse(gen, &lg, &bad);
	free(gen);
	if (!tap_ok(!ret, "%s/%s parses", kdir, name))
		return;
	for (i = 0; i < ns.nr_nodes; i++) {
		/* numa_stat is hierarchical: the whole subtree, removed included */
		sa = 0;
		sf = 0;
		for (j = 0; j < lg.nr_memcgs; j++) {
			const char *p = lg.memcgs[j].path;

			if (strcmp(p, "/fixture") && strncmp(p, "/fixture/", 9))
				continue;
			found = mr_lrugen_node_totals(&lg.memcgs[j],
						      ns.nodes[i].nid, &a, &f);
			tap_ok(found, "%s/%s: %s lists node %d", kdir, when, p,
			       ns.nodes[i].nid);
			sa += a;
			sf += f;
		}
		lru_anon = ns.nodes[i].s.active_anon + ns.nodes[i].s.inactive_anon;
		lru_file = ns.nodes[i].s.active_file + ns.nodes[i].s.inactive_file;
		tap_ok(close_to(sa * FIXTURE_PAGE, lru_anon) &&
		       close_to(sf * FIXTURE_PAGE, lru_file),
		       "%s/%s N%d: lru_gen anon=%lld file=%lld == numa_stat LRU anon=%lld file=%lld",
		       kdir, when, ns.nodes[i].nid, (long long)sa * FIXTURE_PAGE,
		       (long long)sf * FIXTURE_PAGE, lru_anon, lru_file);
	}
	found = mr_lrugen_node_totals(&lg.memcgs[0], 7, &a, &f);
	tap_ok(!found && !a && !f, "%s/%s: a node not listed is not found",
	       kdir, when);
	mr_lrugen_free(&lg);
}

static const char keys_ok[] =
	"anon_thp N0=4096 N1=8192\n"
	"anon N0=1 N1=2\n"
	"file_mapped N0=3 N1=3\n"
	"file N0=10 N1=20\n"
	"shmem N0=0 N1=0\n"
	"inactive_anon N0=0 N1=0\n"
	"active_anon N0=1 N1=2\n"
	"inactive_file N0=4 N1=5\n"
	"active_file N0=6 N1=15\n";

static void test_inline(void)
{
	struct mr_numastat ns, other;
	unsigned long long mask;
	char buf[1024];
	int bad, ret;

	ret = mr_numastat_parse(keys_ok, &ns, &bad);
	tap_ok(!ret && ns.nr_nodes == 2 && ns.nodes[0].s.anon == 1 &&
	       ns.nodes[1].s.anon == 2 && ns.nodes[1].s.file == 20,
	       "exact keys: anon is not anon_thp, file is not file_mapped");
	tap_ok(mr_numastat_node(&ns, 1) == &ns.nodes[1] &&
	       !mr_numastat_node(&ns, 2), "mr_numastat_node() finds N1 only");

	other = ns;
	tap_ok(!mr_numastat_sub(&ns, &other) && !ns.nodes[1].s.file &&
	       !ns.nodes[0].s.active_file, "a - a == 0 node by node");
	other.nodes[1].nid = 2;
	tap_ok(mr_numastat_sub(&ns, &other) == -EINVAL,
	       "subtracting another node list is refused");

	snprintf(buf, sizeof(buf), "%s", keys_ok);
	*strstr(buf, "\nshmem") = '\0';
	bad = -1;
	ret = mr_numastat_parse(buf, &ns, &bad);
	tap_ok(ret == -ENOENT && bad == 0, "missing key: -ENOENT (got %d)",
	       ret);

	snprintf(buf, sizeof(buf), "%s", keys_ok);
	memcpy(strstr(buf, "file N0=10"), "file N0=1x", 10);
	ret = mr_numastat_parse(buf, &ns, &bad);
	tap_ok(ret == -EINVAL && bad == 4, "bad value: -EINVAL at line 4 (got %d, %d)",
	       ret, bad);

	snprintf(buf, sizeof(buf), "%s", keys_ok);
	memcpy(strstr(buf, "shmem N0=0 N1=0"), "shmem N0=0 N2=0", 15);
	ret = mr_numastat_parse(buf, &ns, &bad);
	tap_ok(ret == -EINVAL && bad == 5,
	       "a key listing other nodes than anon: -EINVAL at its line (got %d, %d)",
	       ret, bad);

	ret = mr_numastat_parse("anon N1=1 N0=2\n", &ns, &bad);
	tap_ok(ret == -EINVAL && bad == 1, "nodes out of order: -EINVAL");
	ret = mr_numastat_parse("anon\n", &ns, &bad);
	tap_ok(ret == -ENOENT, "a key without a space is not that key");
	ret = mr_numastat_parse("anon N0=1\nfile ", &ns, &bad);
	tap_ok(ret == -EINVAL, "a key without nodes: -EINVAL");

	tap_ok(mr_nodelist_parse("0-1\n", &mask) == 2 && mask == 3,
	       "node list 0-1: 2 nodes");
	tap_ok(mr_nodelist_parse("0,2-3\n", &mask) == 3 && mask == 0xd,
	       "node list 0,2-3: 3 nodes");
	tap_ok(mr_nodelist_parse("0\n", &mask) == 1 && mask == 1,
	       "node list 0: 1 node");
	tap_ok(mr_nodelist_parse("\n", &mask) == -EINVAL &&
	       mr_nodelist_parse("1-0\n", &mask) == -EINVAL &&
	       mr_nodelist_parse("64\n", &mask) == -EINVAL &&
	       mr_nodelist_parse("0-\n", &mask) == -EINVAL &&
	       mr_nodelist_parse("0;1\n", &mask) == -EINVAL,
	       "bad node lists: -EINVAL");
}

int main(int argc, char **argv)
{
	static const char * const kernels[] = {
		"7.2.13+deb14-amd64", "6.1.0-50-amd64",
	};
	size_t i;

	fixtures = getenv("MR_FIXTURES");
	if (!fixtures)
		fixtures = argc > 1 ? argv[1] : FIXTURES;
	test_inline();
	for (i = 0; i < ARRAY_SIZE(kernels); i++) {
		test_kernel(kernels[i], "live");
		test_kernel(kernels[i], "after-rmdir");
	}
	return tap_done();
}
