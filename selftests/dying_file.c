// SPDX-License-Identifier: GPL-2.0-only
/*
 * dying_file - page cache of offlined memcgs moves to the parent
 *
 *	t			test root, F0 = its "file" once the leaves wrote
 *	├── n0
 *	│   ├── n0		each leaf: fio (C if MR_JOBS=0) writes MR_FILE_MB
 *	│   ├── n1		to its own file on MR_SCRATCH, fsync'ed; the
 *	│   └── ...		files stay
 *	└── n1 ...
 *
 * Variants: "tree" is MR_DEPTH x MR_FANOUT (default 2 x 3), "chain8" a chain
 * of 8 memcgs with one leaf (reparenting through every level).
 *
 * After syncfs (a dirty inode would pin its memcg through cgroup writeback),
 * the leaves and then the inner nodes are removed bottom-up.  Asserted:
 *
 *   dying_memcgs		t's cgroup.stat nr_dying_descendants (and
 *				nr_dying_subsys_memory where it exists) return
 *				to their values from before the test within
 *				MR_DYING_MS: nothing pins the offlined memcgs
 *				once their page cache moved to the parent
 *   file_absorbed		t's "file" still equals F0 (stat tolerance):
 *				the charges moved, none was lost or doubled
 *   lrugen_no_dying_pages	(MGLRU) no lru_gen entry of a removed memcg
 *				below t holds pages
 *   lrugen_absorbed		(MGLRU) t's own generations hold F0 of file
 *   reparented_reachable	memory.reclaim on t frees that page cache
 *
 * A kernel without LRU reparenting (6.1) fails dying_memcgs: the page cache
 * keeps every offlined memcg alive.
 */
#include "mr_test.h"

static const struct mr_needs needs = {
	.root = true,
	.memcg = true,
	.scratch = true,
	.fio = true,
};

FIXTURE(dying_file) {
	struct mr_ctx ctx;
};

/* depth 0: MR_DEPTH x MR_FANOUT */
FIXTURE_VARIANT(dying_file) {
	int depth;
	int fanout;
};

FIXTURE_VARIANT_ADD(dying_file, tree) {
	.depth = 0,
};

FIXTURE_VARIANT_ADD(dying_file, chain8) {
	.depth = 8,
	.fanout = 1,
};

FIXTURE_SETUP(dying_file)
{
	mr_setup(_metadata, &self->ctx, &needs);
}

FIXTURE_TEARDOWN_PARENT(dying_file)
{
	mr_teardown(_metadata, &self->ctx);
}

static bool file_at_least(const char *cg, long long want, long long *file)
{
	return !mr_memory_stat(cg, "file", file) && *file >= want;
}

static bool file_near(const char *cg, long long want, long long tol,
		      long long *file)
{
	return !mr_memory_stat(cg, "file", file) && *file >= want - tol &&
	       *file <= want + tol;
}

static void check_lrugen(struct __test_metadata *_metadata,
			 const struct mr_ctx *ctx, long long f0)
{
	long long tol = mr_stat_tolerance(), file;
	const struct mr_lrugen_memcg *m;
	unsigned long long anon, pages;
	struct mr_lrugen lg;

	if (!ctx->mglru) {
		mr_msg("MGLRU is off: lru_gen checks skipped");
		return;
	}
	MR_OK("lrugen_no_dying_pages", mr_lrugen_read(false, &lg));
	mr_check_lrugen_dying(_metadata, ctx, &lg);
	m = mr_lrugen_find(&lg, ctx->kroot);
	if (!m) {
		MR_ASSERTION("lrugen_absorbed", "%s not listed in lru_gen",
			     ctx->kroot);
	} else {
		mr_lrugen_totals(m, &anon, &pages);
		file = pages * mr_page_size();
		if (file < f0 - tol || file > f0 + tol)
			MR_ASSERTION("lrugen_absorbed",
				     "lru_gen file=%lld expected==F0=%lld (+-%lld)",
				     file, f0, tol);
	}
	mr_lrugen_free(&lg);
}

TEST_F_TIMEOUT(dying_file, offline, 100)
{
	struct mr_ctx *ctx = &self->ctx;
	long long bytes = ctx->p.file_mb << 20, tol = mr_stat_tolerance();
	int depth = variant->depth ? variant->depth : ctx->p.depth;
	int fanout = variant->depth ? variant->fanout : ctx->p.fanout;
	char file[PATH_MAX], name[32];
	struct mr_child *writers;
	struct mr_tree tree = {};
	long long f0, f1, t0, waited;
	int i, n, failed = 0;

	MR_OK("build_tree", mr_tree_build(&tree, ctx->root, depth, fanout));
	n = mr_tree_leaves(&tree);
	mr_msg("tree %dx%d: %d memcgs, %d leaves writing %ld MiB each",
	       depth, fanout, tree.nr, n, ctx->p.file_mb);

	writers = calloc(tree.nr, sizeof(*writers));
	ASSERT_NE(NULL, writers);
	t0 = mr_now_ms();
	for (i = 0; i < tree.nr; i++) {
		if (!tree.leaf[i])
			continue;
		snprintf(name, sizeof(name), "leaf%d.dat", i);
		MR_OK("load", mr_scratch_file(ctx, name, bytes, file,
					      sizeof(file)));
		MR_OK("load", mr_start_writer(&writers[i], ctx, tree.paths[i],
					   file, bytes));
	}
	for (i = 0; i < tree.nr; i++) {
		if (tree.leaf[i] && mr_child_wait(&writers[i], MR_LOAD_MS))
			failed++;
	}
	free(writers);
	if (failed)
		MR_FATAL("load", "%d fio writer(s) failed", failed);
	MR_OK("load", mr_syncfs(ctx));
	mr_msg("load: written and synced in %lld ms", mr_now_ms() - t0);

	if (!mr_poll_until(file_at_least(ctx->root, n * bytes - tol, &f0),
			   MR_FLUSH_MS, &waited, "memory.stat to show the writes"))
		MR_FATAL("load_charged",
			 "file=%lld expected>=%lld (%d leaves x %lld, -%lld)",
			 f0, n * bytes - tol, n, bytes, tol);

	t0 = mr_now_ms();
	MR_OK("offline", mr_tree_offline(&tree));
	mr_msg("offline: %d rmdir in %lld ms", tree.nr, mr_now_ms() - t0);
	mr_tree_free(&tree);

	mr_check_dying(_metadata, ctx);

	if (!mr_poll_until(file_near(ctx->root, f0, tol, &f1), MR_FLUSH_MS,
			   &waited, "t's file to equal F0"))
		MR_ASSERTION("file_absorbed",
			     "file=%lld expected==F0=%lld (+-%lld, waited %lld ms)",
			     f1, f0, tol, waited);

	check_lrugen(_metadata, ctx, f0);
	t0 = mr_now_ms();
	mr_check_reachable(_metadata, ctx);
	mr_msg("reclaim: %lld ms", mr_now_ms() - t0);
}

TEST_HARNESS_MAIN
