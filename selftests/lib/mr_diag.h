/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Diagnosis of dying memcgs: what, besides pages, still holds a removed
 * memcg.  Owns the readers of kernel state that only a failed dying check
 * looks at (the cgroup writebacks of /sys/kernel/debug/bdi, what the test
 * root holds, the memcgs lru_gen still lists) and the experiments that
 * tell a cause: one more offline (the cgroup writeback cleanup), a drain
 * of every CPU's memcg charge stock, memory.reclaim of the test root.
 * Each prints its finding as a "diagnosis: ..." line; the verdict stays
 * with the checks (mr_check.h).
 */
#ifndef MR_DIAG_H
#define MR_DIAG_H

#include <stdbool.h>
#include <stddef.h>

struct mr_ctx;

/**
 * struct mr_diag_wb - one cgroup writeback of a bdi (debugfs wb_stats)
 * @bdi: name of the bdi (its debugfs folder, e.g. "254:16")
 * @cg_ino: inode number of the wb's memory cgroup (WbCgIno)
 * @writeback_kb: WbWriteback
 * @reclaimable_kb: WbReclaimable (dirty + writeback pages)
 * @b_dirty: inodes on the wb's b_dirty list
 * @b_io: inodes on b_io
 * @b_more_io: inodes on b_more_io
 * @b_dirty_time: inodes on b_dirty_time
 * @state: the wb's state bits (WB_registered 0x1, WB_writeback_running 0x2,
 *	   WB_has_dirty_io 0x4, WB_start_all 0x8)
 */
struct mr_diag_wb {
	char bdi[64];
	unsigned long long cg_ino;
	unsigned long long writeback_kb;
	unsigned long long reclaimable_kb;
	unsigned long long b_dirty;
	unsigned long long b_io;
	unsigned long long b_more_io;
	unsigned long long b_dirty_time;
	unsigned long long state;
};

/**
 * mr_diag_wb_parse() - parse the text of one bdi's wb_stats
 * @text: the file's content
 * @bdi: the bdi's name, copied into each entry
 * @wbs: array to fill
 * @max: its size
 *
 * Blocks of "Key: value [unit]" lines, separated by an empty line, each
 * beginning with WbCgIno.  Keys are matched exactly.
 *
 * Return: number of entries filled (at most @max), or -EINVAL with the
 * offending line reported at file:line when a block is malformed.
 */
int mr_diag_wb_parse(const char *text, const char *bdi, struct mr_diag_wb *wbs,
		     int max);

/**
 * mr_diag_removed_wbs() - print the cgroup writebacks of removed cgroups
 * @cgmnt: mount point of the cgroup2 hierarchy
 *
 * A cgroup writeback holds its memcg until every inode attached to it is
 * switched away (cleanup_offline_cgwbs_workfn(), which skips a wb with dirty
 * IO) or evicted.  Prints, as TAP diagnostics, every wb whose WbCgIno is not
 * the inode of a cgroup that exists now, with its lists and state.
 *
 * Return: number of such wbs, or a negative errno (no debugfs, no
 * CONFIG_CGROUP_WRITEBACK: -ENOENT).
 */
int mr_diag_removed_wbs(const char *cgmnt);

/** mr_swapcached_clue() - print the machine's SwapCached: its records can pin a removed memcg's id */
void mr_swapcached_clue(void);

/**
 * mr_list_removed() - print the memcgs below the test root that lru_gen
 *		       still lists after their rmdir
 * @ctx: test context
 *
 * Return: the pages they hold, -1 when lru_gen cannot tell.
 */
long long mr_list_removed(const struct mr_ctx *ctx);

/**
 * mr_dying_clues() - print what the test root holds that can pin removed
 *		      memcgs
 * @ctx: test context
 *
 * Besides pages, a removed memcg is kept by the swap records of its entries
 * (a swap-cache folio left unmapped keeps its entry, and the record the
 * removed memcg's ID) and by inodes under writeback.  Print what the test
 * root holds of each, so that a failure says which to look at.
 */
void mr_dying_clues(const struct mr_ctx *ctx);

/**
 * mr_cgwb_cleanup_kick() - offline one empty memcg beside the test root
 * @ctx: test context
 *
 * At offline the kernel moves the inodes of the memcg's cgroup writeback to
 * the parent's (cleanup_offline_cgwbs_workfn(), mm/backing-dev.c), but it
 * skips a writeback that has dirty IO at that moment and retries only at
 * the next memcg offline, anywhere; until then the writeback pins the memcg.
 * On a busy machine the next offline comes soon; after a test's last rmdir
 * nothing offlines, so the test does: one empty memcg beside t (not below
 * it: t's nr_dying_descendants must not count it).
 *
 * Return: 0 or a negative errno.
 */
int mr_cgwb_cleanup_kick(const struct mr_ctx *ctx);

/**
 * mr_dying_kick_diagnosis() - whether one more offline frees the memcgs
 * @ctx: test context
 *
 * A removed memcg is still dying after MR_DYING_MS.  First, non-destructive:
 * did its writeback cleanup only need one more offline?  What
 * memory.reclaim of t frees is tried at the teardown
 * (mr_dying_reclaim_diagnosis()), after the test's other checks: reclaim
 * would change what they measure.
 *
 * Return: true if that freed it.
 */
bool mr_dying_kick_diagnosis(const struct mr_ctx *ctx);

/**
 * mr_stock_drain_in() - drain every CPU's memcg charge stock completely
 * @cg: an existing, empty memcg of the run; removed
 *
 * A memcg's charges are cached per CPU (mm/memcontrol.c memcg_stock); a
 * slot holds a css reference on its memcg even at 0 pages, and
 * drain_all_stock() at offline drains only CPUs where the removed subtree's
 * slots hold pages (see selftests/dying_percpu.c).  A drain that does run
 * empties every slot of that CPU.  So: @cg is charged one page on every
 * CPU (its slot then holds the rest of a batch) and removed: its offline
 * drains all CPUs fully.  Touches nothing outside the run.
 *
 * Return: 0 or a negative errno.
 */
int mr_stock_drain_in(const char *cg);

/**
 * mr_dying_stock_diagnosis() - whether draining the CPUs' charge stocks
 *				frees the memcgs
 * @ctx: test context
 *
 * Still dying after the kick, with no writeback: a CPU's memcg charge stock
 * may hold it (see selftests/dying_percpu.c).  Draining every CPU's stock
 * (mr_stock_drain_in()) tells.  The diagnosis line is the evidence a known
 * issue can name.
 *
 * Return: true if that freed it.
 */
bool mr_dying_stock_diagnosis(const struct mr_ctx *ctx);

/**
 * mr_dying_reclaim_diagnosis() - whether reclaim of the test root frees
 *				  the memcgs
 * @ctx: test context
 * @held: pages lru_gen showed in them (-1: it could not tell)
 *
 * At the teardown of a test whose dying check failed: reclaim all of t and
 * say whether that freed the memcgs.
 */
void mr_dying_reclaim_diagnosis(const struct mr_ctx *ctx, long long held);

#endif /* MR_DIAG_H */
