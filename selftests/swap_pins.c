// SPDX-License-Identifier: GPL-2.0-only
/*
 * swap_pins - swap records pin a removed memcg only until their pages return
 *
 *	t				test root
 *	├── keeper			variant anon_moved: the task moves here
 *	├── reader			variant shmem_swapin: reads the file back
 *	└── leaf			MR_ANON_MB of anon (a task) or of shmem
 *					(a file on the test's own tmpfs)
 *
 * Half of the leaf's memory is pushed to swap (memory.reclaim on the leaf;
 * memory.swap.current shows it), then the leaf is removed.  A swap record
 * holds the private id of the memcg it was charged to, and the id pins the
 * memcg: mm/memcontrol.c documents that for swapped-out tmpfs/shmem pages
 * ("manageable from userspace"), and records of anon that a migrated task
 * still maps do the same.  So while pages are out, a dying memcg is no bug;
 * the test removes the cause, then requires zero:
 *
 *   anon_exit		the task exits in the leaf: its pages and swap
 *			entries are freed with it (nothing pins, on any
 *			kernel)
 *   anon_moved		the task moved to the keeper before the rmdir; it
 *			rewrites every page (swap-in by write fault, which
 *			frees the swap slot) and then faults in the rest of
 *			its address space: memory.reclaim on the leaf also
 *			took pages of its stack, heap and libc data, whose
 *			records pin the leaf as well (measured: 3 such pages
 *			kept t's swap.current at 12288 in one nightly run).
 *			Swap-in charges a record of an offline memcg to the
 *			faulting task's memcg (the keeper): the charge stays
 *			below t
 *   shmem_swapin	the file is read back from t/reader
 *   shmem_delete	the file is deleted
 *
 * Asserted:
 *
 *   swap_out		the leaf had memory.swap.current >= 1/4 of its load
 *			(else the test proves nothing)
 *   swap_in		(anon_moved) the task maps no swap any more
 *			(smaps_rollup), or the cause was not removed
 *   dying_memcgs	after the cause is removed, nr_dying_descendants of t
 *			returns to its baseline within MR_DYING_MS
 *   swap_freed		t's memory.swap.current drops to 0 (a page counter,
 *			exact)
 *   swapin_charged	(anon_moved, shmem_swapin) what came back is charged
 *			below t: t's anon (shmem) >= the load
 *
 * On a kernel without LRU reparenting (6.1) the resident half still pins
 * the memcg in anon_moved and shmem_swapin: dying_memcgs fails there.
 * anon_exit and shmem_delete free every page; on 6.1 they fail all the
 * same, measured: freed swap entries wait in the per-CPU swap slot cache
 * (mm/swap_slots.c, gone by 7.2), still charged, and their records keep the
 * memcg's id (swap_freed names the pages, dying_memcgs the memcg).
 */
#include "mr_test.h"

static const struct mr_needs needs = {
	.root = true,
	.memcg = true,
	.swap = true,
	.scratch = true,	/* the private tmpfs of the shmem variants */
};

enum cause {
	ANON_EXIT,
	ANON_MOVED,
	SHMEM_SWAPIN,
	SHMEM_DELETE,
};

FIXTURE(swap_pins) {
	struct mr_ctx ctx;
};

FIXTURE_VARIANT(swap_pins) {
	enum cause cause;
};

FIXTURE_VARIANT_ADD(swap_pins, anon_exit) {
	.cause = ANON_EXIT,
};

FIXTURE_VARIANT_ADD(swap_pins, anon_moved) {
	.cause = ANON_MOVED,
};

FIXTURE_VARIANT_ADD(swap_pins, shmem_swapin) {
	.cause = SHMEM_SWAPIN,
};

FIXTURE_VARIANT_ADD(swap_pins, shmem_delete) {
	.cause = SHMEM_DELETE,
};

FIXTURE_SETUP(swap_pins)
{
	mr_setup(_metadata, &self->ctx, &needs);
}

FIXTURE_TEARDOWN_PARENT(swap_pins)
{
	mr_teardown(_metadata, &self->ctx);
}

/*
 * Faults @bytes of anon; once released, either exits (@rewrite false) or
 * writes every page again, reports ready a second time and waits to be
 * killed, so that the parent can look at the charges of the swapped-in
 * pages.
 */
struct anon_load {
	size_t bytes;
	bool rewrite;
};

static int hold_anon(void *arg)
{
	const struct anon_load *l = arg;
	long page = mr_page_size();
	char *p;
	size_t i;

	p = mr_anon_touch(l->bytes);
	if (!p)
		return 1;
	mr_ready();
	mr_hold();
	if (!l->rewrite)
		return 0;
	for (i = 0; i < l->bytes; i += page)
		p[i]++;
	/*
	 * Populating a locked address space faults in every page the task
	 * maps, swapped-out ones included (private writable ones by write
	 * fault); unlocking leaves them resident and evictable.
	 */
	if (mlockall(MCL_CURRENT))
		return 1;
	munlockall();
	mr_ready();
	for (;;)
		pause();
}

static bool swapped_enough(const char *cg, long long want, long long *swap)
{
	char val[32];

	snprintf(val, sizeof(val), "%lld", want);
	/* EAGAIN: reclaimed less than asked, the next round goes on */
	mr_cg_try_write(cg, "memory.reclaim", val);
	return !mr_cg_value(cg, "memory.swap.current", swap) && *swap >= want;
}

/* memory.swap.current is a page counter, exact: no stat tolerance */
static bool swap_gone(const struct mr_ctx *ctx, long long *swap)
{
	return !mr_cg_value(ctx->root, "memory.swap.current", swap) &&
	       *swap == 0;
}

static const char *const cause_done[] = {
	[ANON_EXIT] = "after the task exited",
	[ANON_MOVED] = "after swap-in by the moved task",
	[SHMEM_SWAPIN] = "after swap-in by reading the file",
	[SHMEM_DELETE] = "after deleting the file",
};

TEST_F_TIMEOUT(swap_pins, offline, 90)
{
	struct mr_ctx *ctx = &self->ctx;
	enum cause cause = variant->cause;
	bool shmem = cause == SHMEM_SWAPIN || cause == SHMEM_DELETE;
	struct anon_load load = {
		.bytes = (size_t)ctx->p.anon_mb << 20,
		.rewrite = cause == ANON_MOVED,
	};
	struct mr_file_job w = { .bytes = load.bytes };
	long long bytes = load.bytes, tol = mr_stat_tolerance();
	long long charged, swap, dying, dying_mem, waited, back;
	long long task_swap = 0;
	char leaf[PATH_MAX], keeper[PATH_MAX], reader[PATH_MAX];
	char tmpfs[PATH_MAX], file[PATH_MAX];
	struct mr_child holder, c;

	MR_OK("setup_tree", mr_pathf(leaf, sizeof(leaf), "%s/leaf",
				     ctx->root));
	MR_OK("setup_tree", mr_pathf(keeper, sizeof(keeper), "%s/keeper",
				     ctx->root));
	MR_OK("setup_tree", mr_pathf(reader, sizeof(reader), "%s/reader",
				     ctx->root));
	MR_OK("setup_tree", mr_cg_create(leaf));
	MR_OK("setup_tree", mr_cg_create(keeper));
	MR_OK("setup_tree", mr_cg_create(reader));
	MR_OK("setup_tree", mr_pathf(file, sizeof(file),
				     "%s/memory.swap.current", leaf));
	if (access(file, R_OK))
		SKIP(return, "no memory.swap.current (swap accounting off)");

	if (shmem) {
		MR_OK("load", mr_tmpfs_private(&self->ctx, tmpfs, sizeof(tmpfs)));
		MR_OK("load", mr_pathf(file, sizeof(file), "%s/leaf.dat",
				       tmpfs));
		w.file = file;
		MR_OK("load", mr_spawn_fn(&c, "shmem writer", leaf,
					  mr_write_fn, &w));
		if (mr_child_wait(&c, MR_LOAD_MS))
			MR_BROKEN_FATAL("load", "shmem writer failed");
	} else {
		MR_OK("load", mr_spawn_fn(&holder, "anon holder", leaf,
					  hold_anon, &load));
		if (mr_child_ready(&holder, MR_LOAD_MS)) {
			mr_child_wait(&holder, 1000);
			MR_BROKEN_FATAL("load", "the anon holder did not get ready");
		}
	}
	MR_OK("load", mr_memory_stat(leaf, shmem ? "shmem" : "anon",
				     &charged));
	if (charged < bytes - tol)
		MR_FATAL("load_charged", "leaf %s=%lld expected>=%lld",
			 shmem ? "shmem" : "anon", charged, bytes - tol);

	if (!mr_poll_until(swapped_enough(leaf, bytes / 4, &swap),
			   MR_LOAD_MS, &waited, "memory.reclaim to swap out"))
		MR_FATAL("swap_out",
			 "leaf memory.swap.current=%lld expected>=%lld (waited %lld ms)",
			 swap, bytes / 4, waited);
	MR_OK("swap_out", mr_memory_stat(leaf, shmem ? "shmem" : "anon",
					 &charged));
	mr_msg("leaf: %lld KiB swapped out, %lld KiB of %s resident",
	       swap >> 10, charged >> 10, shmem ? "shmem" : "anon");

	if (cause == ANON_EXIT) {
		mr_child_release(&holder);
		if (mr_child_wait(&holder, MR_LOAD_MS))
			MR_BROKEN_FATAL("load", "the anon holder failed");
	} else if (cause == ANON_MOVED) {
		MR_KERNEL_OK("move", mr_cg_enter(keeper, holder.pid));
	}
	MR_KERNEL_OK("offline", mr_cg_rmdir(leaf, MR_DYING_MS));
	MR_OK("offline", mr_dying(ctx, &dying, &dying_mem));
	MR_OK("offline", mr_cg_value(ctx->root, "memory.swap.current",
				     &swap));
	mr_msg("after rmdir: nr_dying_descendants=%lld, t memory.swap.current=%lld KiB%s",
	       dying, swap >> 10,
	       dying <= ctx->dying_base ? "" : cause == ANON_EXIT ?
	       " (nothing pins it: freed asynchronously)" :
	       " (swap records pin it: documented)");

	/* remove the cause */
	if (cause == ANON_MOVED) {
		mr_child_release(&holder);
		if (mr_child_ready(&holder, MR_LOAD_MS)) {
			mr_child_wait(&holder, 1000);
			MR_BROKEN_FATAL("load", "the holder did not rewrite its pages");
		}
		/* smaps_rollup walks the page tables: exact, unlike VmSwap */
		MR_OK("swap_in", mr_proc_kb(holder.pid, "smaps_rollup",
					    "Swap:", &task_swap));
		if (task_swap)
			MR_FATAL("swap_in",
				 "the moved task still maps %lld KiB of swap after faulting in its address space",
				 task_swap);
	} else if (cause == SHMEM_SWAPIN) {
		MR_OK("swap_in", mr_spawn_fn(&c, "shmem reader", reader,
					     mr_read_fn, &w));
		if (mr_child_wait(&c, MR_LOAD_MS))
			MR_BROKEN_FATAL("swap_in", "shmem reader failed");
	} else if (cause == SHMEM_DELETE) {
		if (unlink(file))
			MR_BROKEN_FATAL("delete", "unlink %s: -%s (%s)", file,
					mr_errname(errno), strerror(errno));
	}

	if (!mr_poll_until(swap_gone(ctx, &swap), MR_DYING_MS, &waited,
			   "t's swap to be freed"))
		MR_ASSERTION("swap_freed",
			     "t memory.swap.current=%lld expected==0 %s (waited %lld ms)",
			     swap, cause_done[cause], waited);

	if (!mr_poll_until(mr_dying_at_base(ctx, &dying, &dying_mem),
			   MR_DYING_MS, &waited,
			   "nr_dying_descendants to return to its baseline")) {
		mr_list_removed(ctx);
		if (dying > ctx->dying_base)
			MR_ASSERTION("dying_memcgs",
				     "nr_dying_descendants=%lld expected<=%lld %s (documented pin removed; t swap=%lld, waited %lld ms)",
				     dying, ctx->dying_base, cause_done[cause],
				     swap, waited);
		if (dying_mem > ctx->dying_mem_base)
			MR_ASSERTION("dying_memcgs",
				     "nr_dying_subsys_memory=%lld expected<=%lld %s (documented pin removed; waited %lld ms)",
				     dying_mem, ctx->dying_mem_base,
				     cause_done[cause], waited);
	}

	if (cause == ANON_MOVED || cause == SHMEM_SWAPIN) {
		MR_OK("swapin_charged",
		      mr_memory_stat(ctx->root, shmem ? "shmem" : "anon",
				     &back));
		MR_OK("swapin_charged",
		      mr_memory_stat(cause == ANON_MOVED ? keeper : reader,
				     shmem ? "shmem" : "anon", &charged));
		mr_msg("t %s=%lld, of which %s holds %lld",
		       shmem ? "shmem" : "anon", back,
		       cause == ANON_MOVED ? "keeper" : "reader", charged);
		if (back < bytes - tol)
			MR_ASSERTION("swapin_charged",
				     "t %s=%lld expected>=%lld (+-%lld) %s",
				     shmem ? "shmem" : "anon", back, bytes, tol,
				     cause_done[cause]);
	}
	if (cause == ANON_MOVED)
		mr_child_kill(&holder);
}

TEST_HARNESS_MAIN
