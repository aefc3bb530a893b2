// SPDX-License-Identifier: GPL-2.0-only
/*
 * dying_anon - anonymous memory of a live task outlives its memcg
 *
 *	t				test root
 *	├── keeper			the task moves here; its charges
 *	│				do not move with it (cgroup v2)
 *	└── leaf			variants "sibling", "sibling_classic",
 *	    or a/b/leaf			"thp"; variant "nested"
 *
 * "sibling_classic" runs with MGLRU switched off (the lru_gen checks are
 * skipped), "thp" maps the memory with MADV_HUGEPAGE (SKIPs when THP is
 * "never" or no huge page could be had).
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
 *   thp_reparented	(thp) t's local anon_thp holds the leaf's huge pages:
 *			they moved whole, none was split or lost
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
	enum mr_mglru mglru;
	bool thp;
};

FIXTURE_VARIANT_ADD(dying_anon, sibling) {
	.levels = 0,
};

FIXTURE_VARIANT_ADD(dying_anon, nested) {
	.levels = 2,
};

FIXTURE_VARIANT_ADD(dying_anon, sibling_classic) {
	.levels = 0,
	.mglru = MR_MGLRU_OFF,
};

FIXTURE_VARIANT_ADD(dying_anon, thp) {
	.levels = 0,
	.thp = true,
};

FIXTURE_SETUP(dying_anon)
{
	struct mr_needs n = needs;

	n.mglru = variant->mglru;
	mr_setup(_metadata, &self->ctx, &n);
}

FIXTURE_TEARDOWN_PARENT(dying_anon)
{
	mr_teardown(_metadata, &self->ctx);
}

#define THP_SIZE	(2UL << 20)

struct anon_load {
	size_t bytes;
	bool thp;
};

/* Anonymous memory in 2 MiB aligned, MADV_HUGEPAGE chunks */
static bool thp_touch(size_t bytes)
{
	size_t len = bytes + THP_SIZE, i;
	long page = mr_page_size();
	char *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return false;
	p = (char *)(((unsigned long)p + THP_SIZE - 1) & ~(THP_SIZE - 1));
	if (madvise(p, bytes, MADV_HUGEPAGE))
		return false;
	for (i = 0; i < bytes; i += page)
		p[i] = 1;
	return true;
}

static int hold_anon(void *arg)
{
	const struct anon_load *l = arg;

	if (l->thp ? !thp_touch(l->bytes) : !mr_anon_touch(l->bytes))
		return 1;
	mr_ready();
	mr_hold();
	return 0;
}

/* The THP mode ("always", "madvise", "never"), "" without THP */
static void thp_mode(char *out, size_t len)
{
	char *buf;

	out[0] = '\0';
	if (mr_read_file("/sys/kernel/mm/transparent_hugepage/enabled",
			 &buf) < 0)
		return;
	if (mr_bracketed(buf, out, len))
		out[0] = '\0';
	free(buf);
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

static bool anon_at_least(const char *cg, long long want, long long *anon)
{
	return !mr_memory_stat(cg, "anon", anon) && *anon >= want;
}

static bool anon_gone(const struct mr_ctx *ctx, long long *anon)
{
	return !mr_memory_stat(ctx->root, "anon", anon) &&
	       *anon <= mr_stat_tolerance();
}

TEST_F_TIMEOUT(dying_anon, offline, 90)
{
	struct mr_ctx *ctx = &self->ctx;
	struct anon_load load = {
		.bytes = (size_t)ctx->p.anon_mb << 20,
		.thp = variant->thp,
	};
	size_t bytes = load.bytes;
	long long tol = mr_stat_tolerance(), charged, local, kept, anon, waited;
	long long thp = 0, thp_all, thp_kept;
	char keeper[PATH_MAX], chain[4][PATH_MAX], mode[16];
	struct mr_child holder;
	int i, n = variant->levels + 1;

	if (variant->thp) {
		thp_mode(mode, sizeof(mode));
		if (!mode[0] || !strcmp(mode, "never"))
			SKIP(return, "transparent huge pages %s",
			     mode[0] ? "are \"never\"" : "not in this kernel");
	}

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
				  hold_anon, &load));
	if (mr_child_ready(&holder, MR_LOAD_MS)) {
		mr_child_wait(&holder, 1000);
		MR_FATAL("load", "the anon holder did not get ready");
	}
	/* 6.1 flushes memory.stat lazily: huge pages showed up late there */
	mr_poll_until(anon_at_least(chain[n - 1], bytes - tol, &charged),
		      MR_FLUSH_MS, &waited, "the leaf's anon to show the load");
	if (charged < (long long)bytes - tol) {
		mr_child_kill(&holder);
		MR_FATAL("load_charged", "leaf anon=%lld expected>=%lld",
			 charged, (long long)bytes - tol);
	}
	if (variant->thp) {
		MR_OK("load", mr_memory_stat(chain[n - 1], "anon_thp", &thp));
		mr_msg("leaf anon_thp=%lld of anon=%lld", thp, charged);
		if (!thp) {
			mr_child_kill(&holder);
			SKIP(return, "no huge page could be allocated");
		}
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

	/*
	 * t's hierarchical anon can lag behind the removal by a stat flush
	 * (see mr_stats_settle(); seen in nightly: 46 of 128 MiB right after
	 * the rmdir): wait for it, bounded by two periodic flushes.
	 */
	mr_poll_until(!local_anon(ctx, keeper, &local, &kept) &&
		      local >= charged - tol && local <= charged + tol,
		      MR_SETTLE_MS, &waited, "t's local anon to hold the task's");
	MR_OK("anon_reparented", local_anon(ctx, keeper, &local, &kept));
	if (local < charged - tol || local > charged + tol)
		MR_ASSERTION("anon_reparented",
			     "t local anon=%lld expected==%lld (+-%lld)",
			     local, charged, tol);
	if (kept > tol)
		MR_ASSERTION("keeper_empty", "keeper anon=%lld expected<=%lld",
			     kept, tol);
	if (variant->thp) {
		MR_OK("thp_reparented",
		      mr_memory_stat(ctx->root, "anon_thp", &thp_all));
		MR_OK("thp_reparented",
		      mr_memory_stat(keeper, "anon_thp", &thp_kept));
		if (thp_all - thp_kept < thp - tol)
			MR_ASSERTION("thp_reparented",
				     "t local anon_thp=%lld expected>=%lld (+-%lld)",
				     thp_all - thp_kept, thp, tol);
	}
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
