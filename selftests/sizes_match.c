// SPDX-License-Identifier: GPL-2.0-only
/*
 * sizes_match - LRU sizes agree everywhere after some children went away
 *
 *	t				test root
 *	├── keeper			tasks of removed leaves move here
 *	├── n0
 *	│   ├── n0	kept		each leaf: a task writes MR_FILE_MB of
 *	│   └── n1	removed		page cache, faults MR_ANON_MB of anon and
 *	└── n1		removed		MR_FILE_MB of shmem, then stays
 *	    ├── n0	removed
 *	    └── n1	removed
 *
 * Odd leaves and the whole last top-level subtree are removed (variant
 * "chain4": the lower half of the chain), their tasks moved to the keeper
 * first, so anon, shmem and page cache all go through reparenting.  After
 * the removed memcgs are freed (dying_memcgs), for t and every live memcg
 * below it:
 *
 *   lru_split		active_X + inactive_X == X (anon+shmem for the anon
 *			LRU, file-shmem for the file LRU), stat tolerance
 *   lru_local		own minus children is never negative
 *   lrugen_sizes	(MGLRU) pages over all generations and nodes == the
 *			memcg's local LRU sizes from memory.stat
 *   lrugen_old_slots	(MGLRU) lru_gen_full slots below min_seq hold none
 *   lrugen_no_dying_pages (MGLRU) removed memcgs hold no pages
 *
 *   lru_lists_absorbed (d2f2_classic) t's active_anon, inactive_anon,
 *			active_file and inactive_file, all populated before
 *			the removal (each holder reads half of its file and
 *			of its shmem twice, which activates them; a list
 *			left empty SKIPs with the counts), are the same after
 *
 * Without MGLRU the lru_gen parts are skipped (and say so).  Variants
 * "d2f2" and "chain4" run under the kernel's default LRU, "d2f2_classic"
 * with MGLRU switched off, "d2f2_mglru" with it switched on (6.1 boots with
 * it off).
 */
#include "mr_test.h"

static const struct mr_needs needs = {
	.root = true,
	.memcg = true,
	.scratch = true,
};

FIXTURE(sizes_match) {
	struct mr_ctx ctx;
};

FIXTURE_VARIANT(sizes_match) {
	int depth;
	int fanout;
	enum mr_mglru mglru;
	/* classic LRU: all four evictable lists populated before the removal */
	bool lists;
};

FIXTURE_VARIANT_ADD(sizes_match, d2f2) {
	.depth = 2,
	.fanout = 2,
};

FIXTURE_VARIANT_ADD(sizes_match, chain4) {
	.depth = 4,
	.fanout = 1,
};

FIXTURE_VARIANT_ADD(sizes_match, d2f2_classic) {
	.depth = 2,
	.fanout = 2,
	.mglru = MR_MGLRU_OFF,
	.lists = true,
};

FIXTURE_VARIANT_ADD(sizes_match, d2f2_mglru) {
	.depth = 2,
	.fanout = 2,
	.mglru = MR_MGLRU_ON,
};

FIXTURE_SETUP(sizes_match)
{
	struct mr_needs n = needs;

	n.mglru = variant->mglru;
	mr_setup(_metadata, &self->ctx, &n);
}

FIXTURE_TEARDOWN_PARENT(sizes_match)
{
	mr_teardown(_metadata, &self->ctx);
}

struct load {
	char file[PATH_MAX];
	size_t file_bytes;
	size_t anon_bytes;
	bool activate;
};

/*
 * Reads the first half of @fd twice: written file pages are not referenced,
 * the second read activates them (shmem: already the first)
 */
static int read_half(int fd, size_t bytes)
{
	static char chunk[65536];
	size_t done;
	int pass;

	for (pass = 0; pass < 2; pass++)
		for (done = 0; done < bytes / 2; done += sizeof(chunk))
			if (pread(fd, chunk, sizeof(chunk), done) < 0)
				return -errno;
	return 0;
}

/* Page cache, anon and shmem charged to the leaf, held until released. */
static int hold_mix(void *arg)
{
	const struct load *l = arg;
	int ret, fd;

	ret = mr_file_write(l->file, l->file_bytes);
	if (ret) {
		mr_err(ret, "write %s", l->file);
		return 1;
	}
	if (!mr_anon_touch(l->anon_bytes)) {
		mr_err(-errno, "anon");
		return 1;
	}
	ret = mr_shmem_fill(l->file_bytes);
	if (ret < 0) {
		mr_err(ret, "shmem");
		return 1;
	}
	if (l->activate) {
		fd = open(l->file, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || read_half(fd, l->file_bytes) ||
		    read_half(ret, l->file_bytes)) {
			mr_err(-errno, "read %s and shmem again", l->file);
			return 1;
		}
		close(fd);
	}
	mr_ready();
	mr_hold();
	return 0;
}

/*
 * Which nodes go: with fan-out, the leaves of odd index and the whole last
 * top-level subtree; in a chain, the lower half (pre-order index = level).
 */
static bool doomed(const struct mr_tree *t, const char *root, int depth,
		   int fanout, int i, int leaf_idx)
{
	char last[PATH_MAX];
	size_t n;

	if (fanout == 1)
		return i >= depth / 2;
	if (mr_pathf(last, sizeof(last), "%s/n%d", root, fanout - 1))
		return false;
	n = strlen(last);
	if (!strncmp(t->paths[i], last, n) &&
	    (!t->paths[i][n] || t->paths[i][n] == '/'))
		return true;
	return t->leaf[i] && leaf_idx % 2;
}

static const char * const lru_keys[] = {
	"inactive_anon", "active_anon", "inactive_file", "active_file",
};

#define NR_LISTS	ARRAY_SIZE(lru_keys)

/* t's four lists; whether each is above the stat tolerance */
static bool lists_read(const char *cg, long long v[NR_LISTS])
{
	bool full = true;
	size_t i;

	for (i = 0; i < NR_LISTS; i++) {
		if (mr_memory_stat(cg, lru_keys[i], &v[i]))
			return false;
		full &= v[i] > mr_stat_tolerance();
	}
	return full;
}

static bool lists_near(const char *cg, const long long want[NR_LISTS],
		       long long got[NR_LISTS])
{
	size_t i;

	lists_read(cg, got);
	for (i = 0; i < NR_LISTS; i++)
		if (!mr_close(got[i], want[i], mr_stat_tolerance()))
			return false;
	return true;
}

TEST_F_TIMEOUT(sizes_match, removed, 100)
{
	struct mr_ctx *ctx = &self->ctx;
	int i, leaf_idx, removed = 0;
	struct mr_tree tree = {};
	struct mr_child *holders;
	char keeper[PATH_MAX], name[32];
	struct load *loads;
	bool *gone;
	long long lists[NR_LISTS] = {}, got[NR_LISTS] = {}, waited, t0;

	MR_OK("setup_tree", mr_pathf(keeper, sizeof(keeper), "%s/keeper",
				     ctx->root));
	MR_OK("setup_tree", mr_cg_create(keeper));
	MR_OK("setup_tree", mr_tree_build(&tree, ctx->root, variant->depth,
					  variant->fanout));
	holders = calloc(tree.nr, sizeof(*holders));
	loads = calloc(tree.nr, sizeof(*loads));
	gone = calloc(tree.nr, sizeof(*gone));
	ASSERT_TRUE(holders && loads && gone);

	for (i = 0; i < tree.nr; i++) {
		if (!tree.leaf[i])
			continue;
		loads[i].file_bytes = (size_t)ctx->p.file_mb << 20;
		snprintf(name, sizeof(name), "leaf%d.dat", i);
		MR_OK("load", mr_scratch_file(ctx, name, loads[i].file_bytes,
					      loads[i].file,
					      sizeof(loads[i].file)));
		loads[i].anon_bytes = (size_t)ctx->p.anon_mb << 20;
		loads[i].activate = variant->lists;
		MR_OK("load", mr_spawn_fn(&holders[i], "mix holder",
					  tree.paths[i], hold_mix, &loads[i]));
	}
	for (i = 0; i < tree.nr; i++) {
		if (tree.leaf[i] && mr_child_ready(&holders[i], MR_LOAD_MS)) {
			mr_child_wait(&holders[i], 1000);
			MR_FATAL("load", "holder in %s did not get ready",
				 tree.paths[i]);
		}
	}
	MR_OK("load", mr_syncfs(ctx));
	if (variant->lists) {
		/*
		 * Activations move pages between counters without changing
		 * their sums; memory.stat shows them once the periodic stat
		 * flush (every 2 s) ran: the snapshot the offline is judged
		 * against is taken after one such period.
		 */
		t0 = mr_now_ms();
		mr_poll_until(mr_now_ms() - t0 >= 2500 && lists_read(ctx->root, lists),
			      2500 + MR_FLUSH_MS, &waited,
			      "all four lists of t to be populated, after a periodic stat flush");
		mr_msg("t inactive_anon=%lld active_anon=%lld inactive_file=%lld active_file=%lld (tolerance %lld)",
		       lists[0], lists[1], lists[2], lists[3],
		       mr_stat_tolerance());
		if (!lists_read(ctx->root, lists)) {
			for (i = 0; i < tree.nr; i++)
				if (tree.leaf[i])
					mr_child_kill(&holders[i]);
			SKIP(return, "the kernel left an LRU list empty (inactive_anon=%lld active_anon=%lld inactive_file=%lld active_file=%lld)",
			     lists[0], lists[1], lists[2], lists[3]);
		}
	}

	/* first move the tasks out, then offline bottom-up */
	for (i = 0, leaf_idx = 0; i < tree.nr; i++) {
		gone[i] = doomed(&tree, ctx->root, variant->depth,
				 variant->fanout, i, leaf_idx);
		if (tree.leaf[i]) {
			leaf_idx++;
			if (gone[i])
				MR_OK("move", mr_cg_enter(keeper,
							  holders[i].pid));
		}
	}
	for (i = tree.nr - 1; i >= 0; i--) {
		if (gone[i]) {
			MR_OK("offline", mr_cg_rmdir(tree.paths[i],
						     MR_DYING_MS));
			removed++;
		}
	}
	mr_msg("%d of %d memcgs removed", removed, tree.nr);

	mr_check_dying(_metadata, ctx);
	mr_check_sizes(_metadata, ctx);
	if (variant->lists &&
	    !mr_poll_until(lists_near(ctx->root, lists, got), MR_FLUSH_MS,
			   &waited, "t's lists to equal theirs before"))
		MR_ASSERTION("lru_lists_absorbed",
			     "t inactive_anon=%lld active_anon=%lld inactive_file=%lld active_file=%lld expected==%lld %lld %lld %lld (+-%lld)",
			     got[0], got[1], got[2], got[3], lists[0], lists[1],
			     lists[2], lists[3], mr_stat_tolerance());

	for (i = 0; i < tree.nr; i++) {
		if (!tree.leaf[i])
			continue;
		mr_child_release(&holders[i]);
		if (mr_child_wait(&holders[i], MR_LOAD_MS))
			MR_ASSERTION("load", "holder of %s failed",
				     tree.paths[i]);
	}
	free(holders);
	free(loads);
	free(gone);
	mr_tree_free(&tree);
}

TEST_HARNESS_MAIN
