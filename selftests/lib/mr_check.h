/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The checks every test shares: dying memcgs freed (dying_memcgs, at the
 * dying check and at the teardown), reparented page cache reachable by the
 * parent's reclaim (reparented_reachable), the lru_gen checks of removed
 * memcgs, retired generations and raised parents (lrugen_no_dying_pages,
 * lrugen_old_slots, lrugen_parent_raised), and the size walk over every
 * live memcg at quiescence (lru_split, lru_local, lrugen_sizes).
 *
 * Each prints its failures as "# ASSERTION <name>: ..." or
 * "# BROKEN <step>: ..." lines (MR_PRINT_ASSERTION(), MR_PRINT_BROKEN() of
 * mr_ctx.h) and returns how many it printed; mr_test.h's wrappers of the
 * same name without "__" fail the test then.  A step that cannot be done
 * stops the test (MR_LIB_OK(), MR_LIB_FATAL(): print, then abort()).
 */
#ifndef MR_CHECK_H
#define MR_CHECK_H

#include <stdbool.h>

#include "mr_ctx.h"
#include "mr_lrugen.h"
#include "mr_stat.h"

/*
 * A read of memory.stat flushes a memcg's pending per-cpu updates only when
 * that memcg counts more than MEMCG_CHARGE_BATCH x nr_cpus of them
 * (memcg_vmstats_needs_flush()); a parent can so show older numbers than
 * its freshly flushed child, by far more than the per-counter tolerance
 * (seen on 7.2: a parent's anon 42 MB behind its only child).  The periodic
 * worker force-flushes the whole tree every 2 s: wait, bounded by two of its
 * periods, until a dry walk finds every memcg consistent, then assert on
 * what the real walk reads.  A mismatch that outlives forced flushes fails.
 */
#define MR_SETTLE_MS	5000

/* whether @a and @b differ by at most @tol */
static inline bool mr_close(long long a, long long b, long long tol)
{
	return a - b <= tol && b - a <= tol;
}

/**
 * mr_offlined() - note that the test's memcgs were just removed
 * @ctx: test context
 *
 * The bounds of the checks that follow (lrugen_no_dying_pages,
 * dying_memcgs) run from here: "freed within MR_DYING_MS of the rmdirs",
 * however many checks wait in between.
 */
void mr_offlined(struct mr_ctx *ctx);

/**
 * mr_dying() - current nr_dying_descendants and nr_dying_subsys_memory of
 *		the test root
 * @ctx: test context
 * @dying: nr_dying_descendants
 * @dying_mem: nr_dying_subsys_memory, or -1 without the key
 *
 * Return: 0 or a negative errno.
 */
int mr_dying(const struct mr_ctx *ctx, long long *dying, long long *dying_mem);

/** mr_dying_at_base() - mr_dying(), and whether both are back at the start's */
bool mr_dying_at_base(const struct mr_ctx *ctx, long long *dying,
		      long long *dying_mem);

/**
 * mr_lrugen_removed_pages() - pages lru_gen lists in removed memcgs below
 *			       the test root
 * @ctx: test context
 * @lg: lru_gen or lru_gen_full dump
 * @log: print each removed memcg it lists
 */
long long mr_lrugen_removed_pages(const struct mr_ctx *ctx,
				  const struct mr_lrugen *lg, bool log);

/**
 * __mr_check_dying() - assertion dying_memcgs: the offlined memcgs are freed
 * @ctx: test context
 *
 * Offlines one empty memcg beside t (see mr_cgwb_cleanup_kick()), then polls
 * the test root's cgroup.stat until nr_dying_descendants (and
 * nr_dying_subsys_memory where the kernel has it) are back at their values
 * from the start, for at most MR_DYING_MS since mr_offlined().  Call it
 * after syncfs.  A failure is diagnosed (mr_diag.h), and again at the
 * teardown (@ctx->dying_failed).
 *
 * Return: failures printed.
 */
int __mr_check_dying(struct mr_ctx *ctx);

/**
 * __mr_check_reachable() - assertion reparented_reachable
 * @ctx: test context
 *
 * Reparented page cache must stay where the parent's reclaim finds it:
 * memory.reclaim on the test root, asked for all of its page cache (a few
 * tries, EAGAIN is a normal answer), must bring "file" down to the stat
 * tolerance.  Call it after the children are gone and written back.
 *
 * Return: failures printed.
 */
int __mr_check_reachable(const struct mr_ctx *ctx);

/**
 * __mr_check_lrugen_dying() - assertion lrugen_no_dying_pages
 * @ctx: test context
 * @lg: lru_gen or lru_gen_full dump
 *
 * A memcg below the test root whose cgroup was removed may still be listed
 * until it is freed, but with reparenting it holds no pages.
 *
 * Return: failures printed.
 */
int __mr_check_lrugen_dying(const struct mr_ctx *ctx,
			    const struct mr_lrugen *lg);

/**
 * __mr_check_lrugen_old() - assertion lrugen_old_slots
 * @ctx: test context
 * @full: lru_gen_full dump
 *
 * Slots below min_seq (marked 'x') must be empty, for every memcg below and
 * at the test root, removed or not.
 *
 * Return: failures printed.
 */
int __mr_check_lrugen_old(const struct mr_ctx *ctx,
			  const struct mr_lrugen *full);

/**
 * __mr_check_parent_raised() - assertion lrugen_parent_raised
 * @ctx: test context (the bound runs from mr_offlined())
 * @kpath: the parent of the memcg just removed, as lru_gen names it
 *
 * Reparenting splices the child's generations into the parent's slot by
 * slot, so the parent is first raised to MAX_NR_GENS (max_lru_gen_memcg());
 * a parent left with fewer generations would receive folios in slots outside
 * its window.  Call it right after the rmdir of a child that had more
 * generations than the parent, in a test where nothing else ages or evicts
 * the parent.
 *
 * Return: failures printed.
 */
int __mr_check_parent_raised(const struct mr_ctx *ctx, const char *kpath);

/**
 * __mr_wait_lrugen_dying_empty() - assertion lrugen_no_dying_pages, at once
 * @ctx: test context
 *
 * Right after the rmdirs, while the removed memcgs are still listed: poll
 * lru_gen until none of them below the test root holds pages (offline and
 * its reparenting run asynchronously after rmdir), for at most MR_DYING_MS
 * since mr_offlined().
 * Judged on its own, before and whatever the dying check finds.
 *
 * Return: failures printed.
 */
int __mr_wait_lrugen_dying_empty(const struct mr_ctx *ctx);

/**
 * __mr_check_sizes() - size assertions for the test root and every live
 *			memcg below it, at quiescence
 * @ctx: test context
 *
 * lru_split: active+inactive of each LRU type equals memory.stat's total of
 * that type (anon+shmem, file-shmem) within the stat tolerance;
 * lru_local: own minus children is never negative;
 * lrugen_sizes (MGLRU): the pages over all generations and nodes of a memcg
 * equal its local LRU sizes; lrugen_old_slots: no pages in slots below
 * min_seq; lrugen_no_dying_pages: removed memcgs hold no pages.
 *
 * Return: failures printed.
 */
int __mr_check_sizes(const struct mr_ctx *ctx);

/**
 * __mr_check_run_freed() - assertion dying_memcgs at the teardown: the
 *			    removed run subtree is freed
 * @ctx: test context
 * @path: the run subtree, removed
 *
 * The work that removing memcgs starts is asynchronous: offline,
 * reparenting, css_free and lru_gen_exit_memcg() run from workqueues, after
 * the rmdir returned.  Before the test closes its kernel-log window, wait
 * until its whole subtree is freed (the run subtree's parent back at the
 * dying count it had at the start), so that what those workers report
 * lands in the window of the test that caused it.  Not freed within the
 * bound is itself a dying_memcgs failure: the test's own root stays dying.
 * A test whose dying check already failed does not wait: its failure is
 * known, and a kernel without reparenting would otherwise spend the full
 * bound in every test.
 *
 * Return: failures printed.
 */
int __mr_check_run_freed(const struct mr_ctx *ctx, const char *path);

#endif /* MR_CHECK_H */
