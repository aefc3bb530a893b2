// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the suite's parsers and kernel log classifier, on output
 * captured from real kernels (tests/fixtures/<release>/, written by
 * tests/capture-fixtures.sh: a tree /fixture/{a/{leaf1,leaf2},b} with page
 * cache in the leaves and anon in b, dumped live and after rmdir of leaf1).
 * Inline strings only test the error paths and the line prefixes.
 *
 * MR_FIXTURES overrides the fixture folder.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mr_kmsg.h"
#include "mr_lrugen.h"
#include "mr_stat.h"
#include "mr_util.h"
#include "tap.h"

/* The fixtures come from the suite's VM: 2 CPUs, 4 KiB pages. */
#define FIXTURE_PAGE	4096LL
#define FIXTURE_TOL	(64LL * 2 * FIXTURE_PAGE)

static const char *fixtures;

/* @path relative to the fixture folder, for short messages */
static const char *rel(const char *path)
{
	size_t n = strlen(fixtures);

	return strncmp(path, fixtures, n) ? path : path + n + (path[n] == '/');
}

/* The fixture folder of the newest release starting with @prefix. */
static bool kernel_dir(const char *prefix, char *out, size_t len)
{
	char best[256] = "";
	struct dirent *d;
	DIR *dir;

	dir = opendir(fixtures);
	if (!dir)
		return false;
	while ((d = readdir(dir)))
		if (!strncmp(d->d_name, prefix, strlen(prefix)) &&
		    strcmp(d->d_name, best) > 0)
			snprintf(best, sizeof(best), "%s", d->d_name);
	closedir(dir);
	return best[0] && !mr_pathf(out, len, "%s/%s", fixtures, best);
}

static bool fixture(const char *kdir, const char *name, char *out,
		    size_t len)
{
	return !mr_pathf(out, len, "%s/%s", kdir, name) && !access(out, R_OK);
}

static bool load_lrugen(const char *path, struct mr_lrugen *lg)
{
	char *text;
	int ret, bad = 0;

	if (mr_read_file(path, &text) < 0)
		return false;
	ret = mr_lrugen_parse(text, lg, &bad);
	free(text);
	if (ret)
		printf("# %s: line %d: %s\n", path, bad, strerror(-ret));
	return !ret;
}

/* Sum of file pages of @path and everything listed below it. */
static long long subtree_file_pages(const struct mr_lrugen *lg,
				    const char *path)
{
	unsigned long long anon, file, sum = 0;
	size_t n = strlen(path);
	int i;

	for (i = 0; i < lg->nr_memcgs; i++) {
		if (strncmp(lg->memcgs[i].path, path, n) ||
		    (lg->memcgs[i].path[n] && lg->memcgs[i].path[n] != '/'))
			continue;
		mr_lrugen_totals(&lg->memcgs[i], &anon, &file);
		sum += file;
	}
	return sum;
}

static void test_lrugen_kernel(const char *kdir, bool reparents)
{
	static const char * const names[] = {
		"lru_gen.live", "lru_gen.after-rmdir",
		"lru_gen_full.live", "lru_gen_full.after-rmdir",
	};
	static const char * const tree[] = {
		"/", "/fixture", "/fixture/a", "/fixture/a/leaf2", "/fixture/b",
	};
	const struct mr_lrugen_memcg *m;
	long long stat_lru, file, inactive, active;
	unsigned long long anon, pages;
	char path[PATH_MAX], stat[PATH_MAX];
	struct mr_lrugen lg;
	bool full, after;
	size_t i, j;
	int k;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (!fixture(kdir, names[i], path, sizeof(path))) {
			tap_skip("%s: no fixture %s", rel(kdir), names[i]);
			continue;
		}
		full = strstr(names[i], "full");
		after = strstr(names[i], "after");
		if (!tap_ok(load_lrugen(path, &lg), "%s parses", rel(path)))
			continue;

		for (j = 0; j < ARRAY_SIZE(tree); j++) {
			m = mr_lrugen_find(&lg, tree[j]);
			tap_ok(m && m->id && m->nr_nodes >= 1,
			       "%s: %s listed with an id and nodes", rel(path),
			       tree[j]);
		}
		m = mr_lrugen_find(&lg, "/fixture/a/leaf1");
		if (!after)
			tap_ok(m && m->id, "%s: leaf1 listed live", rel(path));
		else if (reparents)
			tap_ok(!m, "%s: removed leaf1 freed, not listed", rel(path));
		else
			tap_ok(m && !m->id && (mr_lrugen_totals(m, &anon, &pages),
					       pages >= 2048),
			       "%s: removed leaf1 listed with id 0, its 8 MiB of page cache still there",
			       rel(path));
		if (after && reparents) {
			m = mr_lrugen_find(&lg, "/fixture/a");
			if (m)
				mr_lrugen_totals(m, &anon, &pages);
			tap_ok(m && pages >= 2048,
			       "%s: /fixture/a holds leaf1's 8 MiB of page cache",
			       rel(path));
		}

		if (full) {
			bool four = true;

			for (k = 0; k < lg.nr_memcgs; k++) {
				tap_ok(!mr_lrugen_old_pages(&lg.memcgs[k]),
				       "%s: %s: no pages below min_seq", rel(path),
				       lg.memcgs[k].path);
				for (j = 0; j < (size_t)lg.memcgs[k].nr_nodes; j++)
					four &= lg.memcgs[k].nodes[j].nr_gens ==
						MR_MAX_NR_GENS;
			}
			tap_ok(four, "%s: every node shows MAX_NR_GENS slots",
			       rel(path));
		}

		/* the LRU of a's subtree, dying memcgs included */
		if (fixture(kdir, after ? "memory.stat.a.after-rmdir" :
			    "memory.stat.a.live", stat, sizeof(stat)) &&
		    !mr_stat_key(stat, "inactive_file", &inactive) &&
		    !mr_stat_key(stat, "active_file", &active) &&
		    !mr_stat_key(stat, "file", &file)) {
			stat_lru = inactive + active;
			file = subtree_file_pages(&lg, "/fixture/a") * FIXTURE_PAGE;
			tap_ok(llabs(file - stat_lru) <= FIXTURE_TOL,
			       "%s: lru_gen file of /fixture/a's subtree %lld == memory.stat active+inactive_file %lld",
			       rel(path), file, stat_lru);
		} else {
			tap_skip("%s: no memory.stat of /fixture/a", rel(kdir));
		}
		mr_lrugen_free(&lg);
	}
}

static void test_lrugen_errors(void)
{
	static const struct {
		const char *text;
		int line;
		const char *what;
	} bad[] = {
		{ "garbage\n", 1, "unknown line" },
		{ " node     0\n", 1, "node before memcg" },
		{ "memcg 1 /\n          0      100          0           0\n", 2,
		  "generation before node" },
		{ "memcg 1 /\n node 0\n          5 1 0 0\n          4 1 0 0\n",
		  4, "sequence numbers going down" },
		{ "memcg 1 /\n node 0\n          5 1 0y 0\n", 3,
		  "mark other than x" },
		{ "memcg 1 /\n node 0\n                     0          0r\n", 3,
		  "detail line without a generation" },
	};
	struct mr_lrugen lg;
	size_t i;
	int line, ret;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		line = 0;
		ret = mr_lrugen_parse(bad[i].text, &lg, &line);
		tap_ok(ret == -EINVAL && line == bad[i].line,
		       "lru_gen parser rejects %s at line %d (got %d at %d)",
		       bad[i].what, bad[i].line, ret, line);
		mr_lrugen_free(&lg);
	}
	ret = mr_lrugen_parse("memcg 7 /a b\n node 1\n 3 10 1x 2\n", &lg, NULL);
	tap_ok(!ret && lg.nr_memcgs == 1 && !strcmp(lg.memcgs[0].path, "/a b") &&
	       lg.memcgs[0].nodes[0].nid == 1 &&
	       lg.memcgs[0].nodes[0].gens[0].old[0] &&
	       !lg.memcgs[0].nodes[0].gens[0].old[1],
	       "lru_gen parser keeps blanks in paths and reads x marks");
	mr_lrugen_free(&lg);
}

/* An independent, naive lookup to compare mr_stat_key() with. */
static bool naive_key(const char *path, const char *key, long long *val)
{
	char *text, *line, *save, *sp;
	bool found = false;

	if (mr_read_file(path, &text) < 0)
		return false;
	for (line = strtok_r(text, "\n", &save); line && !found;
	     line = strtok_r(NULL, "\n", &save)) {
		sp = strchr(line, ' ');
		if (sp && (size_t)(sp - line) == strlen(key) &&
		    !memcmp(line, key, sp - line)) {
			*val = atoll(sp + 1);
			found = true;
		}
	}
	free(text);
	return found;
}

static void test_stat_kernel(const char *kdir, bool has_dying_subsys)
{
	static const char * const keys[] = {
		"anon", "file", "file_mapped", "shmem", "active_file",
		"inactive_file", "active_anon", "inactive_anon",
	};
	char path[PATH_MAX];
	long long a, b;
	size_t i;
	int ret;

	if (fixture(kdir, "memory.stat.live", path, sizeof(path))) {
		for (i = 0; i < ARRAY_SIZE(keys); i++)
			tap_ok(!mr_stat_key(path, keys[i], &a) &&
			       naive_key(path, keys[i], &b) && a == b,
			       "%s: %s read exactly", rel(path), keys[i]);
		tap_ok(mr_stat_key(path, "fil", &a) == -ENOENT &&
		       mr_stat_key(path, "file_", &a) == -ENOENT,
		       "%s: a prefix of a key is no key", rel(path));
	} else {
		tap_skip("%s: no memory.stat.live", rel(kdir));
	}
	if (fixture(kdir, "cgroup.stat.after-rmdir", path, sizeof(path))) {
		ret = mr_stat_key(path, "nr_dying_subsys_memory", &a);
		tap_ok(has_dying_subsys ? !ret : ret == -ENOENT,
		       "%s: nr_dying_subsys_memory %s", rel(path),
		       has_dying_subsys ? "present" : "absent (-ENOENT)");
		ret = mr_stat_key(path, "nr_dying_descendants", &a);
		if (has_dying_subsys)
			tap_ok(!ret && a == 0,
			       "%s: leaf1 freed after rmdir (reparenting)",
			       rel(path));
		else
			tap_ok(!ret && a >= 1,
			       "%s: leaf1 still dying after rmdir (no reparenting)",
			       rel(path));
	} else {
		tap_skip("%s: no cgroup.stat.after-rmdir", rel(kdir));
	}
}

static void test_buf_key(void)
{
	const char *text = "a 1\nab 2\nx  3\nneg -4\nbad 5z\n";
	long long v = 0;

	tap_ok(!mr_buf_key(text, "a", &v) && v == 1, "key a");
	tap_ok(!mr_buf_key(text, "ab", &v) && v == 2, "key ab, not a");
	tap_ok(mr_buf_key(text, "b", &v) == -ENOENT, "b is not a key");
	tap_ok(mr_buf_key(text, "x", &v) == -ENOENT,
	       "two blanks after a key do not match");
	tap_ok(!mr_buf_key(text, "neg", &v) && v == -4, "negative value");
	tap_ok(mr_buf_key(text, "bad", &v) == -EINVAL, "trailing junk");
}

static void test_buf_kb(void)
{
	const char *text = "Swap:  12 kB\nSwapPss:  4 kB\nRss: 8\nPss: x kB\n";
	long long v = 0;

	tap_ok(!mr_buf_kb(text, "Swap:", &v) && v == 12, "kb: Swap:");
	tap_ok(!mr_buf_kb(text, "SwapPss:", &v) && v == 4,
	       "kb: SwapPss:, not Swap:");
	tap_ok(mr_buf_kb(text, "Pss:", &v) == -EINVAL, "kb: no number");
	tap_ok(mr_buf_kb(text, "Rss:", &v) == -EINVAL, "kb: no unit");
	tap_ok(mr_buf_kb(text, "Swap", &v) == -ENOENT, "kb: key without colon");
}

/* /proc/<pid>/smaps_rollup of a task holding anon (capture-fixtures.sh) */
static void test_proc_kernel(const char *kdir)
{
	long long rss = -1, anon = -1, swap = -1;
	char path[PATH_MAX], *text;
	bool ok;

	if (!fixture(kdir, "smaps_rollup", path, sizeof(path)) ||
	    mr_read_file(path, &text) < 0) {
		tap_skip("%s: no smaps_rollup", rel(kdir));
		return;
	}
	ok = !mr_buf_kb(text, "Rss:", &rss) &&
	     !mr_buf_kb(text, "Anonymous:", &anon) &&
	     !mr_buf_kb(text, "Swap:", &swap);
	tap_ok(ok && anon > 0 && rss >= anon && swap >= 0,
	       "%s: Rss %lld >= Anonymous %lld > 0, Swap %lld kB",
	       rel(path), rss, anon, swap);
	free(text);
}

static void test_choices(void)
{
	/* /proc/swaps and THP's "enabled" as the kernel prints them */
	const char *none = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";
	const char *zram = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
			   "/dev/zram0                              partition\t1048572\t\t0\t\t-2\n"
			   "/swapfile                               file\t\t2048\t\t12\t\t-3\n";
	long long kb = -1;
	char word[16];

	tap_ok(mr_swaps_parse(none, &kb) == 0 && kb == 0, "no swap area");
	tap_ok(mr_swaps_parse(zram, &kb) == 2 && kb == 1048572 + 2048,
	       "two swap areas, sizes summed");
	tap_ok(mr_swaps_parse("", &kb) == 0, "empty /proc/swaps");
	tap_ok(mr_swaps_parse("garbage\n", &kb) == -EINVAL, "no header");
	tap_ok(!mr_bracketed("always [madvise] never\n", word, sizeof(word)) &&
	       !strcmp(word, "madvise"), "THP mode madvise");
	tap_ok(!mr_bracketed("[always] madvise never\n", word, sizeof(word)) &&
	       !strcmp(word, "always"), "THP mode always");
	tap_ok(mr_bracketed("always madvise never\n", word, sizeof(word)) ==
	       -ENOENT, "nothing selected");
	tap_ok(mr_bracketed("[a-very-long-choice-name]", word, sizeof(word)) ==
	       -ENAMETOOLONG, "choice longer than the buffer");
}

static void test_prefixes(void)
{
	static const struct {
		const char *line;
		const char *msg;
	} cases[] = {
		{ "6,1234,5678,-;WARNING: x", "WARNING: x" },
		{ "4,99,100,c,caller=T12;BUG: y", "BUG: y" },
		{ "[    1.234567] Oops: z", "Oops: z" },
		{ "[    1.234567][  T123] Oops: z", "Oops: z" },
		{ "[    1.234567] [    C1] Oops: z", "Oops: z" },
		{ "<4>[ 1234.5] list_del corruption", "list_del corruption" },
		{ "plain message", "plain message" },
		{ "[not a timestamp] msg", "[not a timestamp] msg" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		tap_ok(!strcmp(mr_strip_prefix(cases[i].line), cases[i].msg),
		       "prefix of '%s'", cases[i].line);
}

static void test_classes(void)
{
	/* first lines as the kernel prints them (formats from the sources) */
	static const struct {
		const char *line;
		enum mr_class class;
	} cases[] = {
		{ "WARNING: mm/vmscan.c:3028 at try_to_inc_max_seq+0x4c5/0x5a0, CPU#1: sh/74",
		  MR_CLASS_WARNING },
		{ "WARNING: CPU: 1 PID: 74 at mm/vmscan.c:3028 try_to_inc_max_seq+0x4c5/0x5a0",
		  MR_CLASS_WARNING },
		{ "BUG: kernel NULL pointer dereference, address: 0000000000000008",
		  MR_CLASS_BUG },
		{ "BUG: Bad page state in process sh  pfn:10a2b", MR_CLASS_BAD_PAGE },
		{ "BUG: soft lockup - CPU#0 stuck for 26s! [sh:74]",
		  MR_CLASS_SOFT_LOCKUP },
		{ "BUG: KASAN: slab-use-after-free in lru_gen_exit_memcg+0x1/0x2",
		  MR_CLASS_KASAN },
		{ "kernel BUG at mm/memcontrol.c:123!", MR_CLASS_KERNEL_BUG },
		{ "Oops: 0002 [#1] SMP NOPTI", MR_CLASS_OOPS },
		{ "Oops: general protection fault, probably for non-canonical address 0xdead: 0000 [#1] SMP",
		  MR_CLASS_GPF },
		{ "general protection fault: 0000 [#1] SMP", MR_CLASS_GPF },
		{ "Oops: invalid opcode: 0000 [#1] SMP", MR_CLASS_INVALID_OPCODE },
		{ "Kernel panic - not syncing: Fatal exception", MR_CLASS_PANIC },
		{ "list_add corruption. prev->next should be next (ffff), but was 0000.",
		  MR_CLASS_LIST_CORRUPTION },
		{ "list_del corruption, ffff->next is LIST_POISON1 (dead000000000100)",
		  MR_CLASS_LIST_CORRUPTION },
		{ "mem_cgroup_update_lru_size(00000000deadbeef, 1, -1): lru_size -1",
		  MR_CLASS_LRU_SIZE },
		{ "INFO: task kworker/0:1:12 blocked for more than 120 seconds.",
		  MR_CLASS_HUNG_TASK },
		{ "rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:",
		  MR_CLASS_RCU_STALL },
		{ "rcu: INFO: rcu_preempt self-detected stall on CPU",
		  MR_CLASS_RCU_STALL },
		{ "UBSAN: shift-out-of-bounds in mm/vmscan.c:100:5", MR_CLASS_UBSAN },
		{ "invalid opcode: 0000 [#1] SMP", MR_CLASS_INVALID_OPCODE },
		{ "Out of memory: Killed process 74 (stress-ng)", MR_CLASS_OOM },
		{ "Memory cgroup out of memory: Killed process 74 (stress-ng)",
		  MR_CLASS_MEMCG_OOM },
		{ "Call Trace:", MR_CLASS_CONT },
		{ "---[ end trace 0000000000000000 ]---", MR_CLASS_CONT },
		{ "ODEBUG: free active (active state 0) object", MR_CLASS_NONE },
		{ "INFO: lockdep is turned off.", MR_CLASS_NONE },
		{ "INFO: NMI handler (perf_event_nmi_handler) took too long to run: 1.2 msecs",
		  MR_CLASS_NONE },
		{ "This means that this is a DEBUG kernel and it is", MR_CLASS_NONE },
		{ "stress-ng invoked oom-killer: gfp_mask=0xcc0", MR_CLASS_NONE },
		{ "memcg_reparent: start dying_file.d2f3.offline", MR_CLASS_NONE },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		tap_ok(mr_classify(cases[i].line) == cases[i].class,
		       "class %s: %.50s", mr_class_name(cases[i].class),
		       cases[i].line);
}

/* Incidents in a sequence of lines, counted by the splat tracker. */
static int incidents(const char * const *lines, size_t n)
{
	struct mr_splat s = {};
	int count = 0;
	size_t i;

	for (i = 0; i < n; i++)
		count += mr_splat_feed(&s, lines[i]) != MR_CLASS_NONE;
	return count;
}

static void test_splats(void)
{
	static const char * const warn_msg[] = {
		"mem_cgroup_update_lru_size(00000000deadbeef, 1, -1): lru_size -1",
		"WARNING: mm/memcontrol.c:1400 at mem_cgroup_update_lru_size+0x1/0x2, CPU#0: sh/1",
		"Call Trace:",
		"---[ end trace 0000000000000000 ]---",
	};
	static const char * const bug_oops[] = {
		"BUG: kernel NULL pointer dereference, address: 0000000000000008",
		"#PF: supervisor read access in kernel mode",
		"Oops: 0000 [#1] SMP NOPTI",
		"Call Trace:",
		"---[ end trace 0000000000000000 ]---",
		"Kernel panic - not syncing: Fatal exception",
	};
	static const char * const two_warns[] = {
		"WARNING: CPU: 1 PID: 74 at mm/vmscan.c:3028 f+0x1/0x2",
		"---[ end trace 0000000000000000 ]---",
		"WARNING: CPU: 1 PID: 74 at mm/vmscan.c:3028 f+0x1/0x2",
		"---[ end trace 0000000000000000 ]---",
	};

	tap_ok(incidents(warn_msg, ARRAY_SIZE(warn_msg)) == 1,
	       "WARN message and its WARNING count once");
	tap_ok(incidents(bug_oops, ARRAY_SIZE(bug_oops)) == 2,
	       "BUG with its oops once, the panic after the trace once more");
	tap_ok(incidents(two_warns, ARRAY_SIZE(two_warns)) == 2,
	       "two WARNs count twice");
}

static int log_incidents(const char *path, int *end_traces)
{
	char *text, *line, *save;
	struct mr_splat s = {};
	int count = 0;

	*end_traces = 0;
	if (mr_read_file(path, &text) < 0)
		return -1;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		count += mr_splat_feed(&s, line) != MR_CLASS_NONE;
		*end_traces += !!strstr(line, "---[ end trace");
	}
	free(text);
	return count;
}

static void test_logs_kernel(const char *kdir)
{
	static const char * const clean[] = { "dmesg", "console.log" };
	char path[PATH_MAX];
	int n, ends;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(clean); i++) {
		if (!fixture(kdir, clean[i], path, sizeof(path))) {
			tap_skip("%s: no %s", rel(kdir), clean[i]);
			continue;
		}
		n = log_incidents(path, &ends);
		tap_ok(n == 0, "%s: clean boot log, %d incident(s) found", rel(path),
		       n);
	}
	/* TODO(lead): capture dmesg.warn, a log with a real WARN splat */
	if (!fixture(kdir, "dmesg.warn", path, sizeof(path))) {
		tap_skip("%s: no dmesg.warn fixture yet", rel(kdir));
		return;
	}
	n = log_incidents(path, &ends);
	tap_ok(n >= 1 && n == ends,
	       "%s: %d incident(s), one per '---[ end trace' (%d)", rel(path), n,
	       ends);
}

/*
 * Known issues: the site= and function= lines of
 * configs/known-issues/<id>.known, loaded as run-tests.sh writes them
 * (ID<TAB>FILE:LINE<TAB>FUNCTION), must match the real splat the issue was
 * filed for (debug-7.2.13/dmesg.exit-memcg) and nothing else: not the other
 * real WARN (dmesg.warn, try_to_inc_max_seq), not the other VM_WARN_ON_ONCE
 * of the same function (dmesg.mm-list: line 5808, mm_list not empty);
 * malformed files are refused.  (dmesg.warn2, from the lru-list-not-spliced
 * self-check run, holds the very same splat.)
 */
static char *known_key(const char *text, const char *key)
{
	const char *m = strstr(text, key);

	return m ? strndup(m + strlen(key), strcspn(m + strlen(key), "\n")) :
		   NULL;
}

static int write_known(const char *out, const char *known_file, const char *id)
{
	char *text, *site = NULL, *func = NULL;
	FILE *f;
	int ret = -1;

	if (mr_read_file(known_file, &text) < 0)
		return -1;
	site = known_key(text, "\nsite=");
	func = known_key(text, "\nfunction=");
	f = fopen(out, "we");
	if (site && func && f)
		ret = fprintf(f, "%s\t%s\t%s\n", id, site, func) < 0 ? -1 : 0;
	if (f)
		fclose(f);
	free(site);
	free(func);
	free(text);
	return ret;
}

static int known_in_log(const char *path, const char **id)
{
	char *text, *line, *save;
	struct mr_splat s = {};
	const char *hit;
	int count = 0;

	*id = NULL;
	if (mr_read_file(path, &text) < 0)
		return -1;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (mr_splat_feed(&s, line) == MR_CLASS_NONE)
			continue;
		hit = mr_known_match(line);
		if (hit) {
			*id = hit;
			count++;
		}
	}
	free(text);
	return count;
}

static void test_known(const char *kdir)
{
	static const char id[] = "lru_gen_exit_memcg-nr_pages";
	static const char * const others[] = { "dmesg.warn", "dmesg.mm-list" };
	static const struct {
		const char *text, *what;
	} malformed[] = {
		{ "no tab here\n", "a line without ID<TAB>SITE<TAB>FUNCTION" },
		{ "id\tmm/vmscan.c\tlru_gen_exit_memcg\n", "a site without a line" },
		{ "id\tmm/vmscan.c:58x4\tlru_gen_exit_memcg\n", "a line that is no number" },
		{ "id\tmm/vmscan.c:5814\tlru_gen_exit_memcg+0x11b\n", "a function with an offset" },
		{ "id\tmm/vmscan.c:5814\n", "no function" },
		{ "id\t^WARNING: mm/vmscan\\.c:[0-9]+ at lru_gen_exit_memcg\\+\n",
		  "a regular expression (the old format)" },
	};
	char tmp[] = "/tmp/mr-known.XXXXXX", path[PATH_MAX], site[64], func[64];
	size_t len;
	const char *hit;
	size_t i;
	int fd, n;

	tap_ok(mr_splat_site("[   96.180690] WARNING: mm/vmscan.c:5814 at lru_gen_exit_memcg+0x11b/0x150, CPU#0: kworker/0:0/9",
			     site, sizeof(site), func, sizeof(func)) &&
	       !strcmp(site, "mm/vmscan.c:5814") &&
	       !strcmp(func, "lru_gen_exit_memcg"),
	       "splat site of a 7.2 WARNING: %s %s", site, func);
	tap_ok(mr_splat_site("WARNING: CPU: 1 PID: 74 at mm/vmscan.c:3028 try_to_inc_max_seq+0x4c5/0x5a0",
			     site, sizeof(site), func, sizeof(func)) &&
	       !strcmp(site, "mm/vmscan.c:3028") &&
	       !strcmp(func, "try_to_inc_max_seq"),
	       "splat site of an older WARNING: %s %s", site, func);
	tap_ok(!mr_splat_site("kernel BUG at mm/vmscan.c:5814!", site,
			      sizeof(site), func, sizeof(func)),
	       "no splat site without a function");

	fd = mkstemp(tmp);
	if (fd < 0) {
		tap_skip("known issues: mkstemp: %s", strerror(errno));
		return;
	}
	close(fd);
	if (write_known(tmp, KNOWN_DIR "/lru_gen_exit_memcg-nr_pages.known", id)) {
		tap_ok(false, "known issues: %s.known has site= and function= lines", id);
		unlink(tmp);
		return;
	}
	tap_ok(mr_known_load(tmp) == 1, "known issues: %s loads", id);
	if (fixture(kdir, "dmesg.exit-memcg", path, sizeof(path))) {
		n = known_in_log(path, &hit);
		tap_ok(n == 1 && hit && !strcmp(hit, id),
		       "%s: the real splat is known issue %s (%d match(es))",
		       rel(path), id, n);
	} else {
		tap_skip("%s: no dmesg.exit-memcg", rel(kdir));
	}
	for (i = 0; i < ARRAY_SIZE(others); i++) {
		if (!fixture(kdir, others[i], path, sizeof(path))) {
			tap_ok(false, "%s: fixture %s missing", rel(kdir),
			       others[i]);
			continue;
		}
		n = known_in_log(path, &hit);
		tap_ok(n == 0, "%s: other WARNs are not known (%d match(es))",
		       rel(path), n);
	}
	tap_ok(!!mr_known_match("WARNING: CPU: 0 PID: 9 at mm/vmscan.c:5814 lru_gen_exit_memcg+0x11b/0x150"),
	       "known issues: the same site in the older WARNING format is known");
	tap_ok(!mr_known_match("WARNING: mm/vmscan.c:5814 at lru_gen_exit_memcg_other+0x11b/0x150, CPU#0: kworker/0:0/9"),
	       "known issues: the same line in another function is not known");
	tap_ok(!mr_known_match("WARNING: mm/vmscan.c:58140 at lru_gen_exit_memcg+0x11b/0x150, CPU#0: kworker/0:0/9"),
	       "known issues: a line number that starts alike is not known");
	tap_ok(!mr_known_match("lru_gen_exit_memcg+0x11b/0x150"),
	       "known issues: a Call Trace line mentioning the function is not the splat");
	tap_ok(!mr_known_match("RIP: 0010:lru_gen_exit_memcg+0x11b/0x150"),
	       "known issues: the RIP line of the splat is not its first line");

	for (i = 0; i < ARRAY_SIZE(malformed); i++) {
		fd = open(tmp, O_WRONLY | O_TRUNC | O_CLOEXEC);
		if (fd < 0)
			break;
		len = strlen(malformed[i].text);
		n = write(fd, malformed[i].text, len);
		close(fd);
		tap_ok(n == (int)len && mr_known_load(tmp) == -EINVAL,
		       "known issues: %s is refused", malformed[i].what);
	}
	tap_ok(mr_known_load(NULL) == 0 && !mr_known_match(
		"WARNING: mm/vmscan.c:5814 at lru_gen_exit_memcg+0x11b/0x150, CPU#0: kworker/0:0/9"),
	       "known issues: none loaded, nothing is known");
	mr_known_free();
	unlink(tmp);
}

static void test_taint(void)
{
	char buf[32];

	mr_taint_letters(MR_TAINT_WARN | MR_TAINT_DIE, buf, sizeof(buf));
	tap_ok(!strcmp(buf, "DW"), "taint D+W decodes as DW (%s)", buf);
	mr_taint_letters(0, buf, sizeof(buf));
	tap_ok(!strcmp(buf, "-"), "no taint decodes as - (%s)", buf);
}

int main(void)
{
	char k61[PATH_MAX], k7[PATH_MAX];

	fixtures = getenv("MR_FIXTURES");
	if (!fixtures || !*fixtures)
		fixtures = FIXTURES;

	test_buf_key();
	test_buf_kb();
	test_choices();
	test_lrugen_errors();
	test_prefixes();
	test_classes();
	test_splats();
	test_taint();
	if (kernel_dir("6.1.", k61, sizeof(k61))) {
		test_lrugen_kernel(k61, false);
		test_stat_kernel(k61, false);
		test_logs_kernel(k61);
		test_proc_kernel(k61);
	} else {
		tap_skip("no 6.1 fixtures in %s", fixtures);
	}
	if (kernel_dir("7.", k7, sizeof(k7))) {
		test_lrugen_kernel(k7, true);
		test_stat_kernel(k7, true);
		test_logs_kernel(k7);
		test_proc_kernel(k7);
	} else {
		tap_skip("no 7.x fixtures in %s", fixtures);
	}
	/* the suite's DEBUG_VM build: logs of a clean run and of a real WARN */
	if (kernel_dir("debug-", k7, sizeof(k7))) {
		test_logs_kernel(k7);
		test_known(k7);
	} else
		tap_skip("no debug kernel fixtures in %s", fixtures);
	return tap_done();
}
