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
 *   numa_absorbed	t's memory.numa_stat, node by node: anon, file and
 *			the LRU sums (active+inactive of anon, of file)
 *			after the removal equal what they were before (the
 *			holders interleave their pages over both nodes, so
 *			every removed memcg held pages on each), stat
 *			tolerance per node and key
 *   lrugen_node_sizes	(MGLRU) per memcg and node: the pages over the
 *			generations of that node == the memcg's local LRU
 *			sizes of that node from memory.numa_stat (own minus
 *			live children), stat tolerance per node and type;
 *			a reparenting that moves one node's folios to the
 *			wrong node, or leaves them behind, fails it
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
	/* the per-node checks: reparenting runs node by node */
	.nodes = 2,
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
	mr_setup_lru(_metadata, &self->ctx, &needs, variant->mglru);
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

	/* pages of every kind on every node: the offline moves node by node */
	ret = mr_spread_nodes();
	if (ret) {
		mr_err(ret, "set_mempolicy(MPOL_INTERLEAVE)");
		return 1;
	}
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

/* what numa_absorbed compares, per node */
enum { NUMA_ANON, NUMA_FILE, NUMA_LRU_ANON, NUMA_LRU_FILE, NR_NUMA_KEYS };

static const char * const numa_keys[NR_NUMA_KEYS] = {
	"anon", "file", "active_anon+inactive_anon", "active_file+inactive_file",
};

static void numa_values(const struct mr_numa_node *n, long long v[NR_NUMA_KEYS])
{
	v[NUMA_ANON] = n->s.anon;
	v[NUMA_FILE] = n->s.file;
	v[NUMA_LRU_ANON] = n->s.active_anon + n->s.inactive_anon;
	v[NUMA_LRU_FILE] = n->s.active_file + n->s.inactive_file;
}

/* t's numbers on every node, logged */
static int numa_read(const char *cg, struct mr_numastat *ns, const char *when)
{
	int i, ret = mr_numastat_read(cg, ns);
	long long v[NR_NUMA_KEYS];

	for (i = 0; !ret && i < ns->nr_nodes; i++) {
		numa_values(&ns->nodes[i], v);
		mr_msg("t N%d %s: anon=%lld file=%lld shmem=%lld lru_anon=%lld lru_file=%lld",
		       ns->nodes[i].nid, when, v[NUMA_ANON], v[NUMA_FILE],
		       ns->nodes[i].s.shmem, v[NUMA_LRU_ANON], v[NUMA_LRU_FILE]);
	}
	return ret;
}

/*
 * The first node where @got and @want differ by more than @tol in one of
 * numa_keys (its index in *@key), or -1
 */
static int numa_differs(const struct mr_numastat *got,
			const struct mr_numastat *want, long long tol, int *key)
{
	long long g[NR_NUMA_KEYS], w[NR_NUMA_KEYS];
	int i;

	*key = -1;
	if (got->nr_nodes != want->nr_nodes)
		return 0;
	for (i = 0; i < got->nr_nodes; i++) {
		if (got->nodes[i].nid != want->nodes[i].nid)
			return i;
		numa_values(&got->nodes[i], g);
		numa_values(&want->nodes[i], w);
		for (*key = 0; *key < NR_NUMA_KEYS; (*key)++)
			if (!mr_close(g[*key], w[*key], tol))
				return i;
	}
	*key = -1;
	return -1;
}

static int numa_sub_child(const char *child, void *arg)
{
	struct mr_numastat c;
	int ret = mr_numastat_read(child, &c);

	if (ret == -ENOENT)
		return 0;	/* removed meanwhile */
	return ret ? ret : mr_numastat_sub(arg, &c);
}

struct numa_settle {
	int bad;
	int children;
};

static int numa_count_child(const char *child, void *arg)
{
	(void)child;
	((struct numa_settle *)arg)->children++;
	return 0;
}

/*
 * In a memcg with children and no pages of its own (t and the inner nodes
 * before the removal), memory.numa_stat minus that of its children is 0 on
 * every node once the hierarchy's stats are flushed; counts the memcgs
 * where it is not, below @dir too.
 */
static int numa_settle_walk(const char *dir, void *arg)
{
	struct numa_settle *s = arg, here = {};
	long long v[NR_NUMA_KEYS], tol = mr_stat_tolerance();
	struct mr_numastat local;
	int i, k, ret;

	ret = mr_cg_walk_children(dir, numa_count_child, &here);
	if (ret || !here.children)
		return ret;
	ret = mr_numastat_read(dir, &local);
	if (!ret)
		ret = mr_cg_walk_children(dir, numa_sub_child, &local);
	if (ret)
		return ret;
	for (i = 0; i < local.nr_nodes; i++) {
		numa_values(&local.nodes[i], v);
		for (k = 0; k < NR_NUMA_KEYS; k++)
			if (v[k] > tol || v[k] < -tol) {
				s->bad++;
				return mr_cg_walk_children(dir, numa_settle_walk, s);
			}
	}
	return mr_cg_walk_children(dir, numa_settle_walk, s);
}

static bool numa_settled(const char *root)
{
	struct numa_settle s = {};

	return !numa_settle_walk(root, &s) && !s.bad;
}

static bool numa_near(const char *cg, const struct mr_numastat *want,
		      struct mr_numastat *got)
{
	int key;

	return !mr_numastat_read(cg, got) &&
	       numa_differs(got, want, mr_stat_tolerance(), &key) < 0;
}

struct node_walk {
	struct __test_metadata *meta;
	const struct mr_ctx *ctx;
	struct mr_lrugen lg;
	bool dry;
	int bad;
	int checked;
};


/*
 * lrugen_node_sizes for @dir and below: per node, the pages lru_gen counts
 * in @dir's generations of that node against @dir's local LRU sizes of the
 * node (memory.numa_stat of @dir minus that of each live child).  In a dry
 * walk a mismatch is only counted.
 */
static int node_sizes_walk(const char *dir, void *arg)
{
	struct node_walk *w = arg;
	struct __test_metadata *_metadata = w->meta;
	long long tol = mr_stat_tolerance(), page = mr_page_size();
	const struct mr_lrugen_memcg *m;
	unsigned long long a, f;
	long long lru_anon, lru_file;
	struct mr_numa_node *n;
	struct mr_numastat local;
	char kpath[PATH_MAX];
	int i, ret;

	ret = mr_numastat_read(dir, &local);
	if (!ret)
		ret = mr_cg_walk_children(dir, numa_sub_child, &local);
	if (!ret)
		ret = mr_cg_kpath(&w->ctx->run, dir, kpath, sizeof(kpath));
	if (ret)
		return ret;
	w->checked++;
	m = mr_lrugen_find(&w->lg, kpath);
	for (i = 0; i < local.nr_nodes; i++) {
		n = &local.nodes[i];
		if (!m || !mr_lrugen_node_totals(m, n->nid, &a, &f)) {
			w->bad++;
			if (!w->dry)
				MR_ASSERTION("lrugen_node_sizes",
					     "%s node %d not listed in lru_gen",
					     kpath, n->nid);
			continue;
		}
		lru_anon = n->s.active_anon + n->s.inactive_anon;
		lru_file = n->s.active_file + n->s.inactive_file;
		if (mr_close(a * page, lru_anon, tol) &&
		    mr_close(f * page, lru_file, tol))
			continue;
		w->bad++;
		if (!w->dry)
			MR_ASSERTION("lrugen_node_sizes",
				     "%s N%d lru_gen anon=%lld file=%lld expected==local numa_stat active+inactive anon=%lld file=%lld (+-%lld)",
				     kpath, n->nid, (long long)a * page,
				     (long long)f * page, lru_anon, lru_file,
				     tol);
	}
	return mr_cg_walk_children(dir, node_sizes_walk, w);
}

/* a fresh lru_gen dump and a dry walk: true when every node of every memcg agrees */
static bool node_sizes_agree(struct node_walk *w)
{
	mr_lrugen_free(&w->lg);
	if (mr_lrugen_read(false, &w->lg))
		return false;
	w->bad = 0;
	w->checked = 0;
	return !node_sizes_walk(w->ctx->root, w) && !w->bad;
}

/*
 * lrugen_node_sizes: read again (the periodic flush every 2 s settles the
 * hierarchy, see mr_stats_settle()) until every node of every live memcg
 * agrees, bounded; what persists is asserted on the last dump.
 */
static void check_node_sizes(struct __test_metadata *_metadata,
			     const struct mr_ctx *ctx)
{
	struct node_walk w = { .meta = _metadata, .ctx = ctx, .dry = true };
	long long waited;

	if (!ctx->mglru) {
		mr_msg("MGLRU is off: lrugen_node_sizes skipped");
		return;
	}
	if (mr_poll_until(node_sizes_agree(&w), MR_SETTLE_MS, &waited,
			  "lru_gen to agree with memory.numa_stat node by node")) {
		mr_msg("lrugen_node_sizes: %d live memcg(s) checked", w.checked);
		mr_lrugen_free(&w.lg);
		return;
	}
	w.dry = false;
	if (!w.lg.nr_memcgs)
		MR_ASSERTION("lrugen_node_sizes", "lru_gen unreadable");
	else
		MR_OK("lrugen_node_sizes", node_sizes_walk(ctx->root, &w));
	mr_lrugen_free(&w.lg);
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
	long long tol = mr_stat_tolerance();
	struct mr_numastat numa_before, numa_after;
	long long nb[NR_NUMA_KEYS], na[NR_NUMA_KEYS];
	int key;

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
			MR_BROKEN_FATAL("load", "holder in %s did not get ready",
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

	/*
	 * t's per-node numbers before the offline, once the hierarchy agrees:
	 * t, not read before, may lag behind its freshly flushed leaves by
	 * more than the tolerance, even after a periodic flush's 2 s (seen on
	 * a loaded host: 4.5 MiB of shmem per node).  t and the inner nodes
	 * hold no pages of their own, so each equals the sum of its children.
	 */
	mr_poll_until(numa_settled(ctx->root), 2 * MR_SETTLE_MS, &waited,
		      "memory.numa_stat of t and the inner nodes to equal their children's, node by node");
	MR_OK("numa_absorbed", numa_read(ctx->root, &numa_before, "before"));
	for (i = 0; i < numa_before.nr_nodes; i++) {
		/* as every size check: a load below 8x its tolerance judges nothing */
		if (numa_before.nodes[i].s.anon >= 8 * tol &&
		    numa_before.nodes[i].s.file >= 8 * tol)
			continue;
		for (leaf_idx = 0; leaf_idx < tree.nr; leaf_idx++)
			if (tree.leaf[leaf_idx])
				mr_child_kill(&holders[leaf_idx]);
		SKIP(return, "t holds anon=%lld file=%lld on node %d, below 8x the stat tolerance of %ld CPUs (%lld KiB): raise MR_FILE_MB/MR_ANON_MB",
		     numa_before.nodes[i].s.anon, numa_before.nodes[i].s.file,
		     numa_before.nodes[i].nid, mr_nr_cpus(), tol >> 10);
	}

	/* first move the tasks out, then offline bottom-up */
	for (i = 0, leaf_idx = 0; i < tree.nr; i++) {
		gone[i] = doomed(&tree, ctx->root, variant->depth,
				 variant->fanout, i, leaf_idx);
		if (tree.leaf[i]) {
			leaf_idx++;
			if (gone[i])
				MR_KERNEL_OK("move",
					     mr_cg_enter(keeper, holders[i].pid));
		}
	}
	/* a removed memcg's lru_gen count is read, not freed away unread */
	for (i = 0; ctx->mglru && i < tree.nr; i++)
		if (gone[i] && tree.leaf[i])
			MR_OK("offline", mr_pin(tree.paths[i]));
	for (i = tree.nr - 1; i >= 0; i--) {
		if (gone[i]) {
			MR_KERNEL_OK("offline",
				     mr_cg_rmdir(tree.paths[i], MR_DYING_MS));
			removed++;
		}
	}
	mr_msg("%d of %d memcgs removed", removed, tree.nr);
	mr_offlined(ctx);

	mr_wait_lrugen_dying_empty(_metadata, ctx);
	mr_check_dying(_metadata, ctx);
	mr_check_sizes(_metadata, ctx);
	if (!mr_poll_until(numa_near(ctx->root, &numa_before, &numa_after),
			   MR_FLUSH_MS, &waited,
			   "t's memory.numa_stat to equal its numbers before, node by node")) {
		i = numa_differs(&numa_after, &numa_before, tol, &key);
		if (key < 0) {
			MR_ASSERTION("numa_absorbed",
				     "t lists %d node(s) expected==%d as before",
				     numa_after.nr_nodes, numa_before.nr_nodes);
		} else {
			numa_values(&numa_after.nodes[i], na);
			numa_values(&numa_before.nodes[i], nb);
			MR_ASSERTION("numa_absorbed",
				     "t N%d %s=%lld expected==%lld as before the removal (+-%lld)",
				     numa_after.nodes[i].nid, numa_keys[key],
				     na[key], nb[key], tol);
		}
	}
	numa_read(ctx->root, &numa_after, "after");
	check_node_sizes(_metadata, ctx);
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
			MR_BROKEN("load", "holder of %s failed",
				  tree.paths[i]);
	}
	free(holders);
	free(loads);
	free(gone);
	mr_tree_free(&tree);
}

TEST_HARNESS_MAIN
