// SPDX-License-Identifier: GPL-2.0-only
/*
 * Diagnosis of dying memcgs: what, besides pages, still holds a removed one.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "mr_check.h"
#include "mr_diag.h"
#include "mr_load.h"
#include "mr_lrugen.h"
#include "mr_stat.h"
#include "mr_util.h"

#define BDI_DEBUGFS	"/sys/kernel/debug/bdi"
#define MAX_WBS		256

/* the fields of one wb_stats block that the diagnosis prints */
static const struct {
	const char *key;
	size_t off;
} wb_keys[] = {
	{ "WbCgIno:", offsetof(struct mr_diag_wb, cg_ino) },
	{ "WbWriteback:", offsetof(struct mr_diag_wb, writeback_kb) },
	{ "WbReclaimable:", offsetof(struct mr_diag_wb, reclaimable_kb) },
	{ "b_dirty:", offsetof(struct mr_diag_wb, b_dirty) },
	{ "b_io:", offsetof(struct mr_diag_wb, b_io) },
	{ "b_more_io:", offsetof(struct mr_diag_wb, b_more_io) },
	{ "b_dirty_time:", offsetof(struct mr_diag_wb, b_dirty_time) },
	{ "state:", offsetof(struct mr_diag_wb, state) },
};

int mr_diag_wb_parse(const char *text, const char *bdi, struct mr_diag_wb *wbs,
		     int max)
{
	const char *line = text, *end;
	struct mr_diag_wb *wb = NULL;
	char key[32];
	unsigned long long v;
	int n = 0, lineno = 0, used;
	size_t i;

	for (; *line; line = *end ? end + 1 : end) {
		end = strchrnul(line, '\n');
		lineno++;
		if (end == line) {		/* blank line: end of a block */
			wb = NULL;
			continue;
		}
		/* "state:" is printed in hex, every other value in decimal */
		if (sscanf(line, "%31s %n", key, &used) != 1)
			goto bad;
		if (sscanf(line + used, strcmp(key, "state:") ? "%llu" : "%llx",
			   &v) != 1)
			goto bad;
		if (!strcmp(key, "WbCgIno:")) {
			if (n == max)
				return n;
			wb = &wbs[n++];
			memset(wb, 0, sizeof(*wb));
			snprintf(wb->bdi, sizeof(wb->bdi), "%s", bdi);
		} else if (!wb) {
			goto bad;
		}
		for (i = 0; i < ARRAY_SIZE(wb_keys); i++)
			if (!strcmp(key, wb_keys[i].key))
				*(unsigned long long *)((char *)wb + wb_keys[i].off) = v;
	}
	return n;
bad:
	mr_err(0, "wb_stats of %s, line %d: '%.*s' is no \"Key: value\" of a WbCgIno block",
	       bdi, lineno, (int)(end - line), line);
	return -EINVAL;
}

/* the inode numbers of every cgroup that exists now */
static unsigned long long *live_inos;
static size_t nr_live, max_live;

static int note_ino(const char *path, const struct stat *st, int type,
		    struct FTW *ftw)
{
	unsigned long long *grown;

	(void)path;
	(void)ftw;
	if (type != FTW_D)
		return 0;
	if (nr_live == max_live) {
		max_live = max_live ? 2 * max_live : 1024;
		grown = realloc(live_inos, max_live * sizeof(*live_inos));
		if (!grown)
			return -1;
		live_inos = grown;
	}
	live_inos[nr_live++] = st->st_ino;
	return 0;
}

static bool is_live(unsigned long long ino)
{
	size_t i;

	for (i = 0; i < nr_live; i++)
		if (live_inos[i] == ino)
			return true;
	return false;
}

int mr_diag_removed_wbs(const char *cgmnt)
{
	struct mr_diag_wb *wbs;
	char path[PATH_MAX], *text;
	struct dirent *de;
	int found = 0, n, i;
	DIR *d;

	d = opendir(BDI_DEBUGFS);
	if (!d)
		return -errno;
	wbs = calloc(MAX_WBS, sizeof(*wbs));
	nr_live = 0;
	if (!wbs || nftw(cgmnt, note_ino, 16, FTW_PHYS | FTW_MOUNT)) {
		free(wbs);
		closedir(d);
		return -ENOMEM;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' ||
		    mr_pathf(path, sizeof(path), "%s/%s/wb_stats", BDI_DEBUGFS,
			     de->d_name) ||
		    mr_read_file(path, &text) < 0)
			continue;
		n = mr_diag_wb_parse(text, de->d_name, wbs, MAX_WBS);
		free(text);
		for (i = 0; i < n; i++) {
			if (is_live(wbs[i].cg_ino))
				continue;
			found++;
			mr_msg("writeback of a removed cgroup: bdi %s WbCgIno=%llu b_dirty=%llu b_io=%llu b_more_io=%llu b_dirty_time=%llu WbWriteback=%llukB WbReclaimable=%llukB state=%#llx",
			       wbs[i].bdi, wbs[i].cg_ino, wbs[i].b_dirty,
			       wbs[i].b_io, wbs[i].b_more_io,
			       wbs[i].b_dirty_time, wbs[i].writeback_kb,
			       wbs[i].reclaimable_kb, wbs[i].state);
		}
	}
	closedir(d);
	free(wbs);
	return found;
}

/* swap cache left in the machine: its records can pin a removed memcg's id */
void mr_swapcached_clue(void)
{
	long long kb;
	char *buf;

	if (mr_read_file("/proc/meminfo", &buf) < 0)
		return;
	if (!mr_buf_kb(buf, "SwapCached:", &kb))
		mr_msg("SwapCached: %lld kB in the machine", kb);
	free(buf);
}

long long mr_list_removed(const struct mr_ctx *ctx)
{
	struct mr_lrugen lg;
	long long held;

	if (!ctx->mglru || mr_lrugen_read(false, &lg))
		return -1;
	held = mr_lrugen_removed_pages(ctx, &lg, true);
	mr_lrugen_free(&lg);
	return held;
}

void mr_dying_clues(const struct mr_ctx *ctx)
{
	static const char * const keys[] = {
		"swapcached", "file_dirty", "file_writeback",
	};
	char line[256], path[PATH_MAX], *swap = NULL;
	long long v;
	size_t i, n = 0;

	if (!mr_pathf(path, sizeof(path), "%s/memory.swap.current", ctx->root) &&
	    mr_read_file(path, &swap) > 0) {
		swap[strcspn(swap, "\n")] = '\0';
		n += snprintf(line + n, sizeof(line) - n, " swap.current=%s", swap);
	}
	free(swap);
	for (i = 0; i < ARRAY_SIZE(keys) && n < sizeof(line); i++)
		if (!mr_memory_stat(ctx->root, keys[i], &v))
			n += snprintf(line + n, sizeof(line) - n, " %s=%lld",
				      keys[i], v);
	if (n)
		mr_msg("what the test root holds that can pin removed memcgs:%s",
		       line);
}

int mr_cgwb_cleanup_kick(const struct mr_ctx *ctx)
{
	char kick[PATH_MAX];
	int ret;

	ret = mr_pathf(kick, sizeof(kick), "%s/kick", ctx->run.path);
	if (!ret)
		ret = mr_cg_create(kick);
	if (!ret)
		ret = mr_cg_rmdir(kick, MR_DYING_MS);
	return ret;
}

bool mr_dying_kick_diagnosis(const struct mr_ctx *ctx)
{
	long long dying, dying_mem, waited;

	if (mr_cgwb_cleanup_kick(ctx) ||
	    !mr_poll_until(mr_dying_at_base(ctx, &dying, &dying_mem), 2000,
			   &waited, "a freed memcg after one more offline"))
		return false;
	mr_msg("diagnosis: freed by the writeback cleanup of one more offline: its cgroup writeback had dirty IO at the previous one although t was synced");
	return true;
}

/* In a child of the drain memcg: charge one page on CPU *arg, exit there */
static int stock_fill_fn(void *arg)
{
	long cpu = *(long *)arg;
	cpu_set_t set;
	char *p;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return -errno;
	p = mmap(NULL, mr_page_size(), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	*p = 1;
	return 0;
}

int mr_stock_drain_in(const char *cg)
{
	long cpu, cpus = mr_nr_cpus();
	struct mr_child c;
	int ret = 0;

	for (cpu = 0; !ret && cpu < cpus; cpu++) {
		ret = mr_spawn_fn(&c, "stockdrain", cg, stock_fill_fn, &cpu);
		if (!ret)
			ret = mr_child_wait(&c, MR_LOAD_MS) ? -ECHILD : 0;
	}
	if (!ret)
		ret = mr_cg_rmdir(cg, MR_DYING_MS);
	return ret;
}

static int drain_cpu_stocks(const struct mr_ctx *ctx)
{
	char cg[PATH_MAX];
	int ret;

	ret = mr_pathf(cg, sizeof(cg), "%s/stockdrain", ctx->run.path);
	if (!ret)
		ret = mr_cg_create(cg);
	return ret ? ret : mr_stock_drain_in(cg);
}

bool mr_dying_stock_diagnosis(const struct mr_ctx *ctx)
{
	long long dying, dying_mem, waited;
	int ret = drain_cpu_stocks(ctx);

	if (ret) {
		mr_msg("could not drain the CPUs' charge stocks: %s",
		       strerror(-ret));
		return false;
	}
	if (!mr_poll_until(mr_dying_at_base(ctx, &dying, &dying_mem), 2000,
			   &waited, "a freed memcg after draining the CPUs' charge stocks"))
		return false;
	mr_msg("diagnosis: percpu_stock: freed once every CPU's memcg charge stock was drained: a stock slot without pages held its css reference (drain_all_stock() at offline skips such slots)");
	return true;
}

void mr_dying_reclaim_diagnosis(const struct mr_ctx *ctx,
				long long held)
{
	long long dying, dying_mem, waited, cur = 0, swap = 0;
	char val[32];

	/* the test may have ended its tasks and deleted its files since */
	if (mr_dying_at_base(ctx, &dying, &dying_mem)) {
		mr_msg("diagnosis: freed by the end of the test, before any reclaim: pinned by what the test still held at its check (%s)",
		       held > 0 ? "lru_gen listed pages in it: not reparented" :
		       held == 0 ? "lru_gen listed no pages in it" :
		       "lru_gen could not tell");
		return;
	}
	if (!mr_cg_value(ctx->root, "memory.current", &cur)) {
		snprintf(val, sizeof(val), "%lld", cur);
		mr_cg_try_write(ctx->root, "memory.reclaim", val);
	}
	if (mr_poll_until(mr_dying_at_base(ctx, &dying, &dying_mem), 2000,
			  &waited, "a freed memcg after memory.reclaim of t")) {
		mr_msg("diagnosis: freed by memory.reclaim of t (%lld bytes asked): %s",
		       cur, held > 0 ? "its own pages pinned it (lru_gen listed them: not reparented)" :
		       held == 0 ? "memory outside the LRU lists lru_gen shows pinned it" :
		       "pages reclaim frees pinned it (lru_gen could not tell which)");
		return;
	}
	mr_cg_value(ctx->root, "memory.swap.current", &swap);
	if (swap > 0)
		mr_msg("diagnosis: still dying (nr_dying_descendants=%lld) after memory.reclaim of t, which holds %lld bytes of swap: swap records pin a memcg by its id",
		       dying, swap);
	else if (mr_diag_removed_wbs(ctx->run.mnt) > 0)
		mr_msg("diagnosis: still dying (nr_dying_descendants=%lld) after one more offline and memory.reclaim of t, no swap, a cgroup writeback of a removed cgroup remains (above): its inodes pin it",
		       dying);
	else
		mr_msg("diagnosis: still dying (nr_dying_descendants=%lld) after one more offline and memory.reclaim of t, no swap, no writeback: no cause the suite knows, a leaked reference?",
		       dying);
}
