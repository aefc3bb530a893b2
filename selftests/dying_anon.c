// SPDX-License-Identifier: GPL-2.0-only
/*
 * dying_anon - anonymous memory of a live task outlives its memcg
 *
 *	t				test root
 *	├── keeper			the task moves here; its charges
 *	│				do not move with it (cgroup v2)
 *	└── leaf			variant "sibling"
 *	    or a/b/leaf			variant "nested"
 *
 * A task faults MR_ANON_MB of anonymous memory in the leaf, moves to the
 * keeper, and the leaf (then, nested, its ancestors) is removed.  The pages
 * are still mapped, so they can only be reparented, never freed.  Asserted:
 *
 *   keeper_empty	the keeper was not charged for the move
 *   dying_memcgs	the removed memcgs are freed (nr_dying_descendants
 *			of t back to its baseline within MR_DYING_MS)
 *   anon_reparented	t's local anon (t minus keeper) still holds the
 *			task's anon; under MGLRU t's own generations do
 *   anon_freed		once the task exits, t's anon drops to the stat
 *			tolerance (uncharging reparented pages works)
 */
#include "mr_test.h"

static const struct mr_needs needs = {
	.root = true,
	.memcg = true,
};

FIXTURE(dying_anon) {
	struct mr_ctx ctx;
};

FIXTURE_VARIANT(dying_anon) {
	/* memcgs between t and the loaded leaf */
	int levels;
};

FIXTURE_VARIANT_ADD(dying_anon, sibling) {
	.levels = 0,
};

FIXTURE_VARIANT_ADD(dying_anon, nested) {
	.levels = 2,
};

FIXTURE_SETUP(dying_anon)
{
	mr_setup(_metadata, &self->ctx, &needs);
}

FIXTURE_TEARDOWN_PARENT(dying_anon)
{
	mr_teardown(_metadata, &self->ctx);
}

static int hold_anon(void *arg)
{
	size_t bytes = *(size_t *)arg;

	if (!mr_anon_touch(bytes))
		return 1;
	mr_ready();
	mr_hold();
	return 0;
}

/* t's anon minus the keeper's (hierarchical minus the only live child) */
static int local_anon(const struct mr_ctx *ctx, const char *keeper,
		      long long *local, long long *kept)
{
	long long all;
	int ret;

	ret = mr_memory_stat(ctx->root, "anon", &all);
	if (!ret)
		ret = mr_memory_stat(keeper, "anon", kept);
	*local = all - *kept;
	return ret;
}

static long long lrugen_anon(struct __test_metadata *_metadata,
			     const struct mr_ctx *ctx)
{
	const struct mr_lrugen_memcg *m;
	unsigned long long anon = 0, file;
	struct mr_lrugen lg;

	MR_OK("anon_reparented", mr_lrugen_read(false, &lg));
	m = mr_lrugen_find(&lg, ctx->kroot);
	if (m)
		mr_lrugen_totals(m, &anon, &file);
	else
		MR_ASSERTION("anon_reparented", "%s not listed in lru_gen",
			     ctx->kroot);
	mr_lrugen_free(&lg);
	return anon * mr_page_size();
}

static bool anon_gone(const struct mr_ctx *ctx, long long *anon)
{
	return !mr_memory_stat(ctx->root, "anon", anon) &&
	       *anon <= mr_stat_tolerance();
}

TEST_F_TIMEOUT(dying_anon, offline, 90)
{
	struct mr_ctx *ctx = &self->ctx;
	size_t bytes = (size_t)ctx->p.anon_mb << 20;
	long long tol = mr_stat_tolerance(), charged, local, kept, anon, waited;
	char keeper[PATH_MAX], chain[4][PATH_MAX];
	struct mr_child holder;
	int i, n = variant->levels + 1;

	MR_OK("setup_tree", mr_pathf(keeper, sizeof(keeper), "%s/keeper",
				     ctx->root));
	MR_OK("setup_tree", mr_cg_create(keeper));
	for (i = 0; i < n; i++) {
		MR_OK("setup_tree",
		      mr_pathf(chain[i], sizeof(chain[i]), "%s/%s",
			       i ? chain[i - 1] : ctx->root,
			       i == n - 1 ? "leaf" : i ? "b" : "a"));
		MR_OK("setup_tree", mr_cg_create(chain[i]));
	}

	MR_OK("load", mr_spawn_fn(&holder, "anon holder", chain[n - 1],
				  hold_anon, &bytes));
	if (mr_child_ready(&holder, MR_LOAD_MS)) {
		mr_child_wait(&holder, 1000);
		MR_FATAL("load", "the anon holder did not get ready");
	}
	MR_OK("load", mr_memory_stat(chain[n - 1], "anon", &charged));
	if (charged < (long long)bytes - tol) {
		mr_child_kill(&holder);
		MR_FATAL("load_charged", "leaf anon=%lld expected>=%lld",
			 charged, (long long)bytes - tol);
	}

	MR_OK("move", mr_cg_enter(keeper, holder.pid));
	MR_OK("move", mr_memory_stat(keeper, "anon", &kept));
	if (kept > tol)
		MR_ASSERTION("keeper_empty",
			     "keeper anon=%lld expected<=%lld right after the move",
			     kept, tol);

	for (i = n - 1; i >= 0; i--)
		MR_OK("offline", mr_cg_rmdir(chain[i], MR_DYING_MS));

	mr_check_dying(_metadata, ctx);

	MR_OK("anon_reparented", local_anon(ctx, keeper, &local, &kept));
	if (local < charged - tol || local > charged + tol)
		MR_ASSERTION("anon_reparented",
			     "t local anon=%lld expected==%lld (+-%lld)",
			     local, charged, tol);
	if (kept > tol)
		MR_ASSERTION("keeper_empty", "keeper anon=%lld expected<=%lld",
			     kept, tol);
	if (ctx->mglru) {
		anon = lrugen_anon(_metadata, ctx);
		if (anon < charged - tol || anon > charged + tol)
			MR_ASSERTION("anon_reparented",
				     "t lru_gen anon=%lld expected==%lld (+-%lld)",
				     anon, charged, tol);
	}

	mr_child_release(&holder);
	if (mr_child_wait(&holder, MR_LOAD_MS))
		MR_FATAL("load", "the anon holder failed");
	if (!mr_poll_until(anon_gone(ctx, &anon), MR_DYING_MS, &waited,
			   "t's anon to be uncharged"))
		MR_ASSERTION("anon_freed",
			     "t anon=%lld expected<=%lld after the task exited (waited %lld ms)",
			     anon, tol, waited);
	if (ctx->mglru) {
		anon = lrugen_anon(_metadata, ctx);
		if (anon > tol)
			MR_ASSERTION("anon_freed",
				     "t lru_gen anon=%lld expected<=%lld",
				     anon, tol);
	}
}

TEST_HARNESS_MAIN
