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
 * Variants (the LRU is the kernel's default unless the name says otherwise):
 *
 *   tree		MR_DEPTH x MR_FANOUT (default 2 x 3)
 *   chain8		a chain of 8 memcgs with one leaf (reparenting through
 *			every level)
 *   tree_classic	"tree" with MGLRU switched off (the classic LRU: the
 *			lru_gen checks are skipped, the rest must hold); a
 *			reader in each leaf reads the first half of its file
 *			twice (activated), so both file lists are populated at the
 *			offline (t's active_file and inactive_file above the
 *			stat tolerance, else the case SKIPs with the counts)
 *   chain32		a chain of 32 memcgs
 *   cascade		3 x 2; each inner node is removed as soon as its last
 *			child is gone (the others: all leaves, then bottom-up)
 *   shmem		"tree", the leaves write to a tmpfs of the test's own
 *			(mr_tmpfs_private()): shmem of a removed memcg is
 *			reparented like page cache, on the anon LRU
 *   wide		MR_WIDE leaves of 256 KiB below t (nightly: 1024); SKIPs
 *			when MR_WIDE is 0, as in the quick profile
 *   deep_wide	a binary tree 9 deep: 1022 memcgs, 512 of them leaves, each
 *			memcg (inner ones before their children exist) with
 *			256 KiB of its own page cache; removed bottom-up in one
 *			go, so inner memcgs offline while their children's
 *			reparenting is in flight; SKIPs when MR_WIDE is 0
 *			(nightly and soak run it)
 *   raise		(MGLRU) one child; before its offline t is evicted
 *			down to MIN_NR_GENS while the child keeps MAX_NR_GENS
 *			(t has no pages of its own: eviction only retires its
 *			empty generations)
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
 *   lrugen_parent_raised	(raise) t shows MAX_NR_GENS generations of
 *				both types on every node after the offline:
 *				the child's generations were not spliced into
 *				slots outside t's window
 *   lrugen_no_dying_pages	(MGLRU) right after the rmdirs, within
 *				MR_DYING_MS, no lru_gen entry of a removed memcg
 *				below t holds pages (judged before, and apart
 *				from, dying_memcgs)
 *   lrugen_old_slots		(MGLRU) no memcg at or below t counts pages in
 *				a generation slot below its min_seq
 *   lrugen_absorbed		(MGLRU) t's own generations hold F0 of file,
 *				its shmem S0 on the anon LRU, the rest on
 *				the file LRU
 *   lru_lists_absorbed	(tree_classic) t's active_file and inactive_file
 *				equal theirs before the offline: a list left on
 *				the dying child, or counted on the wrong list
 *				of t, shows here or in reparented_reachable
 *   reparented_reachable	memory.reclaim on t frees that page cache
 *				(shmem: only with swap, else skipped)
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

/* Page cache per leaf of the wide fan: the point is the number of memcgs */
#define WIDE_BYTES	(256 << 10)
/* deep_wide: 2 + 4 + ... + 512 memcgs */
#define DEEP_DEPTH	9
/* Writers of the wide fan running at once */
#define WIDE_BATCH	64
/*
 * fio writers running at once: 64 of them starting together under TCG took
 * more than MR_LOAD_MS ("job startup hung?"), 8 keep the disk busy
 */
#define FIO_BATCH	8

/* depth 0: MR_DEPTH x MR_FANOUT */
FIXTURE_VARIANT(dying_file) {
	int depth;
	int fanout;
	enum mr_mglru mglru;
	bool cascade;
	bool shmem;
	bool wide;
	/* page cache of its own in every memcg, inner ones too */
	bool every;
	bool raise;
	/* classic LRU: half of each leaf's page cache activated */
	bool lists;
};

FIXTURE_VARIANT_ADD(dying_file, tree) {
	.depth = 0,
};

FIXTURE_VARIANT_ADD(dying_file, chain8) {
	.depth = 8,
	.fanout = 1,
};

FIXTURE_VARIANT_ADD(dying_file, tree_classic) {
	.depth = 0,
	.mglru = MR_MGLRU_OFF,
	.lists = true,
};

FIXTURE_VARIANT_ADD(dying_file, chain32) {
	.depth = 32,
	.fanout = 1,
};

FIXTURE_VARIANT_ADD(dying_file, cascade) {
	.depth = 3,
	.fanout = 2,
	.cascade = true,
};

FIXTURE_VARIANT_ADD(dying_file, shmem) {
	.depth = 0,
	.shmem = true,
};

FIXTURE_VARIANT_ADD(dying_file, wide) {
	.depth = 1,
	.wide = true,
};

FIXTURE_VARIANT_ADD(dying_file, deep_wide) {
	.depth = DEEP_DEPTH,
	.fanout = 2,
	.every = true,
};

FIXTURE_VARIANT_ADD(dying_file, raise) {
	.depth = 1,
	.fanout = 1,
	.mglru = MR_MGLRU_ON,
	.raise = true,
};

FIXTURE_SETUP(dying_file)
{
	mr_setup_lru(_metadata, &self->ctx, &needs, variant->mglru);
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

/*
 * t's "file" equals the sum of its children's (hierarchical: with every
 * memcg's own page cache, within the stat tolerance)
 */
static bool file_settled(const struct mr_tree *tree, const char *root,
			 long long *file, long long *sum)
{
	long long v;
	int i;

	*sum = 0;
	for (i = 0; i < tree->nr; i++) {
		if (tree->parent[i] != -1)
			continue;
		if (mr_memory_stat(tree->paths[i], "file", &v))
			return false;
		*sum += v;
	}
	return !mr_memory_stat(root, "file", file) &&
	       mr_close(*file, *sum, mr_stat_tolerance());
}

/*
 * F0 = t's "file" = S0 (shmem, on the anon LRU) + the rest (file LRU; with
 * MR_JOBS=1 it includes fio's own binary and libraries read in the leaves).
 */
static void check_lrugen(struct __test_metadata *_metadata,
			 const struct mr_ctx *ctx, long long f0, long long s0)
{
	long long tol = mr_stat_tolerance(), file, shmem;
	const struct mr_lrugen_memcg *m;
	unsigned long long anon, pages;
	struct mr_lrugen lg;

	if (!ctx->mglru) {
		mr_msg("MGLRU is off: lru_gen checks skipped");
		return;
	}
	MR_OK("lrugen_old_slots", mr_lrugen_read(true, &lg));
	mr_check_lrugen_old(_metadata, ctx, &lg);
	mr_lrugen_free(&lg);
	MR_OK("lrugen_absorbed", mr_lrugen_read(false, &lg));
	m = mr_lrugen_find(&lg, ctx->kroot);
	if (!m) {
		MR_ASSERTION("lrugen_absorbed", "%s not listed in lru_gen",
			     ctx->kroot);
		mr_lrugen_free(&lg);
		return;
	}
	mr_lrugen_totals(m, &anon, &pages);
	file = pages * mr_page_size();
	shmem = anon * mr_page_size();
	if (file < f0 - s0 - tol || file > f0 - s0 + tol)
		MR_ASSERTION("lrugen_absorbed",
			     "lru_gen file=%lld expected==F0-S0=%lld (+-%lld)",
			     file, f0 - s0, tol);
	if (s0 && (shmem < s0 - tol || shmem > s0 + tol))
		MR_ASSERTION("lrugen_absorbed",
			     "lru_gen anon=%lld expected==S0=%lld (shmem, +-%lld)",
			     shmem, s0, tol);
	mr_lrugen_free(&lg);
}

/*
 * Precondition of lrugen_parent_raised: t at MIN_NR_GENS, its child above.
 * Not met, the assertion could not fail: the test stops as broken.
 */
static void shrink_root(struct __test_metadata *_metadata,
			const struct mr_ctx *ctx, const struct mr_tree *tree)
{
	char child[PATH_MAX];
	int t_gens, c_gens;

	MR_KERNEL_OK("lrugen_parent_raised", mr_lrugen_shrink(ctx->kroot));
	MR_OK("lrugen_parent_raised",
	      mr_cg_kpath(&ctx->run, tree->paths[0], child, sizeof(child)));
	t_gens = mr_lrugen_min_gens(ctx->kroot);
	c_gens = mr_lrugen_min_gens(child);
	mr_msg("before the offline: t has %d generations, its child %d", t_gens,
	       c_gens);
	if (t_gens != MR_MIN_NR_GENS || c_gens <= t_gens)
		MR_BROKEN_FATAL("lrugen_parent_raised",
				"precondition: t %d generations expected==%d, child %d expected>%d",
				t_gens, MR_MIN_NR_GENS, c_gens, t_gens);
}

static int offline_timeout(void)
{
	long wide, depth, fanout, leaves = 1;

	if (!mr_knob("MR_WIDE", &wide))
		wide = 0;
	if (!mr_knob("MR_DEPTH", &depth) || !mr_knob("MR_FANOUT", &fanout))
		depth = fanout = 1;
	while (depth--)
		leaves *= fanout;
	/*
	 * Measured under TCG, doubled: a fio writer takes ~1.7 s of one
	 * CPU, a leaf of the wide fan ~45 ms; deep_wide (with MR_WIDE)
	 * writes in 1022 memcgs.
	 */
	return 100 + 2 * leaves + wide / 10 + (wide ? 150 : 0);
}

/* Starts the writer of leaf @i; the wide fan uses C writers, not fio. */
static int start_leaf(struct mr_child *c, const struct mr_ctx *ctx,
		      const struct mr_tree *tree, int i, const char *tmpfs,
		      long long bytes, bool wide, char *file)
{
	struct mr_file_job w = { .file = file, .bytes = bytes };
	char name[32];
	int ret;

	snprintf(name, sizeof(name), "leaf%d.dat", i);
	/* tmpfs has no metadata to keep out of the leaf: no preallocation */
	if (tmpfs)
		ret = mr_pathf(file, PATH_MAX, "%s/%s", tmpfs, name);
	else
		ret = mr_scratch_file(ctx, name, bytes, file, PATH_MAX);
	if (ret)
		return ret;
	if (wide)
		return mr_spawn_fn(c, "writer", tree->paths[i], mr_write_fn,
				   &w);
	return mr_start_writer(c, ctx, tree->paths[i], file, bytes, NULL);
}

/* Writes every leaf, at most @batch writers at a time; failures counted */
static int load_leaves(struct __test_metadata *_metadata,
		       const struct mr_ctx *ctx, const struct mr_tree *tree,
		       const char *tmpfs, long long bytes, bool wide, int batch)
{
	struct mr_child *writers;
	char file[PATH_MAX];
	int i, first = 0, failed = 0;

	writers = calloc(tree->nr, sizeof(*writers));
	if (!writers)
		return -ENOMEM;
	for (i = 0; i < tree->nr; i++) {
		if (tree->leaf[i]) {
			MR_OK("load", start_leaf(&writers[i], ctx, tree, i,
						 tmpfs, bytes, wide, file));
		}
		if (i - first + 1 < batch && i < tree->nr - 1)
			continue;
		for (; first <= i; first++)
			if (tree->leaf[first] &&
			    mr_child_wait(&writers[first], MR_LOAD_MS))
				failed++;
	}
	free(writers);
	return failed;
}

/* deep_wide: each node, when created, gets page cache of its own */
struct every_load {
	const struct mr_ctx *ctx;
	long long bytes;
	int n;
};

static int load_node(const char *path, void *arg)
{
	struct every_load *e = arg;
	char file[PATH_MAX], name[32];
	struct mr_file_job w = { .file = file, .bytes = e->bytes };
	struct mr_child c;
	int ret;

	snprintf(name, sizeof(name), "node%d.dat", e->n++);
	ret = mr_scratch_file(e->ctx, name, e->bytes, file, sizeof(file));
	if (!ret)
		ret = mr_spawn_fn(&c, "writer", path, mr_write_fn, &w);
	if (!ret && mr_child_wait(&c, MR_LOAD_MS))
		ret = -EIO;
	return ret;
}

/*
 * Reads the first half of a leaf's file twice: written pages are not
 * referenced, the first read marks them, the second activates them
 */
static int read_half_fn(void *arg)
{
	const struct mr_file_job *w = arg;
	static char chunk[65536];
	long long done = 0;
	int fd, pass;

	fd = open(w->file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	for (pass = 0; pass < 2; pass++)
		for (done = 0; done < w->bytes / 2; done += sizeof(chunk))
			if (pread(fd, chunk, sizeof(chunk), done) < 0)
				break;
	close(fd);
	return done < w->bytes / 2;
}

/* the periodic memcg stat flush runs every 2 s; a little more */
#define RSTAT_PERIOD_MS	2500

static bool lists_populated(const char *cg, long long tol, long long *act,
			    long long *inact)
{
	return !mr_memory_stat(cg, "active_file", act) &&
	       !mr_memory_stat(cg, "inactive_file", inact) &&
	       *act > tol && *inact > tol;
}

/*
 * Classic LRU: written page cache sits on the inactive list, unreferenced;
 * a reader in each leaf reads the first half twice, which activates it.
 * Returns false when t's active_file or inactive_file stays
 * within the stat tolerance (the test SKIPs: nothing would be proven).
 */
static bool activate_half(struct __test_metadata *_metadata,
			  const struct mr_ctx *ctx, const struct mr_tree *tree,
			  long long bytes, long long *act, long long *inact)
{
	struct mr_file_job *job;
	struct mr_child *readers;
	char (*files)[PATH_MAX];
	long long waited, end;
	int i, failed = 0;

	readers = calloc(tree->nr, sizeof(*readers));
	job = calloc(tree->nr, sizeof(*job));
	files = calloc(tree->nr, sizeof(*files));
	if (!readers || !job || !files)
		MR_BROKEN_FATAL("lists_populated", "out of memory");
	for (i = 0; i < tree->nr; i++) {
		if (!tree->leaf[i])
			continue;
		job[i].bytes = bytes;
		job[i].file = files[i];
		MR_OK("lists_populated",
		      mr_pathf(files[i], sizeof(files[i]), "%s/leaf%d.dat",
			       ctx->files, i));
		MR_OK("lists_populated",
		      mr_spawn_fn(&readers[i], "reader", tree->paths[i],
				  read_half_fn, &job[i]));
	}
	for (i = 0; i < tree->nr; i++)
		if (tree->leaf[i] && mr_child_wait(&readers[i], MR_LOAD_MS))
			failed++;
	free(readers);
	free(job);
	free(files);
	if (failed)
		MR_BROKEN_FATAL("lists_populated", "%d reader(s) failed", failed);
	/*
	 * The activations move pages between two counters without changing
	 * their sum, and memory.stat shows them only once the memcg stats are
	 * flushed: the periodic flush (every 2 s, mm/memcontrol.c FLUSH_TIME)
	 * covers what the read-side flush threshold lets pass.  The snapshot
	 * the offline is judged against is taken after one such period (a
	 * DEBUG_VM run saw 3.9 MiB of activations land only after the offline).
	 */
	end = mr_now_ms();
	mr_poll_until(mr_now_ms() - end >= RSTAT_PERIOD_MS &&
		      lists_populated(ctx->root, mr_stat_tolerance(), act, inact),
		      RSTAT_PERIOD_MS + MR_FLUSH_MS, &waited,
		      "t's active and inactive file after a periodic stat flush");
	mr_msg("t active_file=%lld inactive_file=%lld (tolerance %lld)",
	       *act, *inact, mr_stat_tolerance());
	return *act > mr_stat_tolerance() && *inact > mr_stat_tolerance();
}

TEST_F_TIMEOUT(dying_file, offline, offline_timeout())
{
	struct mr_ctx *ctx = &self->ctx;
	long long bytes = ctx->p.file_mb << 20, tol = mr_stat_tolerance();
	int depth = variant->depth ? variant->depth : ctx->p.depth;
	int fanout = variant->depth ? variant->fanout : ctx->p.fanout;
	char tmpfs[PATH_MAX];
	struct mr_tree tree = {};
	long long f0, f1, s0, t0, waited, sum = 0, act = 0, inact = 0;
	long long act1, inact1;
	struct every_load every = { .ctx = ctx, .bytes = WIDE_BYTES };
	int n, failed;

	if (variant->wide || variant->every) {
		if (!ctx->p.wide)
			SKIP(return, "MR_WIDE=0: the wide fan and deep_wide run in the nightly and soak profiles");
		bytes = WIDE_BYTES;
	}
	if (variant->wide)
		fanout = ctx->p.wide;
	if (variant->shmem)
		MR_OK("load", mr_tmpfs_private(ctx, tmpfs, sizeof(tmpfs)));

	t0 = mr_now_ms();
	MR_OK("build_tree", mr_tree_build_load(&tree, ctx->root, depth, fanout,
					       variant->every ? load_node : NULL,
					       &every));
	/* memcgs with page cache of their own */
	n = variant->every ? tree.nr : mr_tree_leaves(&tree);
	mr_msg("tree %dx%d: %d memcgs in %lld ms, %d %s writing %lld KiB each%s",
	       depth, fanout, tree.nr, mr_now_ms() - t0, n,
	       variant->every ? "memcgs (written as they were made)" : "leaves",
	       bytes >> 10, variant->shmem ? " to tmpfs" : "");
	/*
	 * A size check judges nothing when its tolerance (64 pages per CPU)
	 * is not small against the load: on a machine with many CPUs the
	 * load must grow (MR_FILE_MB) or the case says why it cannot judge.
	 */
	if (n * bytes < 8 * tol) {
		mr_tree_free(&tree);
		SKIP(return, "load %lld KiB is below 8x the stat tolerance of %ld CPUs (%lld KiB): raise MR_FILE_MB",
		     (n * bytes) >> 10, mr_nr_cpus(), tol >> 10);
	}

	t0 = mr_now_ms();
	failed = variant->every ? 0 :
		 load_leaves(_metadata, ctx, &tree,
			     variant->shmem ? tmpfs : NULL, bytes,
			     variant->wide, variant->wide ? WIDE_BATCH :
			     ctx->p.jobs ? FIO_BATCH : tree.nr);
	MR_OK("load", failed);
	if (failed)
		MR_BROKEN_FATAL("load", "%d writer(s) failed", failed);
	MR_OK("load", mr_syncfs(ctx));
	mr_msg("load: written and synced in %lld ms", mr_now_ms() - t0);

	if (!mr_poll_until(file_at_least(ctx->root, n * bytes - tol, &f0),
			   MR_FLUSH_MS, &waited, "memory.stat to show the writes"))
		MR_FATAL("load_charged",
			 "file=%lld expected>=%lld (%d memcgs x %lld, -%lld)",
			 f0, n * bytes - tol, n, bytes, tol);
	/*
	 * t's numbers can lag behind its leaves' (see mr_stats_settle()):
	 * F0 is taken once t agrees with them
	 */
	if (!mr_poll_until(file_settled(&tree, ctx->root, &f0, &sum),
			   MR_SETTLE_MS, &waited,
			   "t's file to agree with its children's"))
		MR_FATAL("load_charged",
			 "t file=%lld expected==sum of its children=%lld (+-%lld, waited %lld ms)",
			 f0, sum, tol, waited);
	MR_OK("load_charged", mr_memory_stat(ctx->root, "shmem", &s0));

	if (variant->raise)
		shrink_root(_metadata, ctx, &tree);
	if (variant->lists &&
	    !activate_half(_metadata, ctx, &tree, bytes, &act, &inact)) {
		mr_tree_free(&tree);
		SKIP(return, "the kernel did not populate both file lists (active_file=%lld inactive_file=%lld, tolerance %lld)",
		     act, inact, tol);
	}

	/* a removed memcg's lru_gen count is read, not freed away unread */
	if (ctx->mglru)
		MR_OK("offline", mr_tree_pin(&tree));
	t0 = mr_now_ms();
	if (variant->cascade)
		MR_KERNEL_OK("offline", mr_tree_offline_cascade(&tree));
	else
		MR_KERNEL_OK("offline", mr_tree_offline(&tree));
	mr_msg("offline: %d rmdir in %lld ms%s", tree.nr, mr_now_ms() - t0,
	       variant->cascade ? " (cascading)" : "");
	mr_tree_free(&tree);
	mr_offlined(ctx);

	if (variant->raise)
		mr_check_parent_raised(_metadata, ctx, ctx->kroot);
	mr_wait_lrugen_dying_empty(_metadata, ctx);
	mr_check_dying(_metadata, ctx);

	if (!mr_poll_until(file_near(ctx->root, f0, tol, &f1), MR_FLUSH_MS,
			   &waited, "t's file to equal F0"))
		MR_ASSERTION("file_absorbed",
			     "file=%lld expected==F0=%lld (+-%lld, waited %lld ms)",
			     f1, f0, tol, waited);

	if (variant->lists &&
	    !mr_poll_until(!mr_memory_stat(ctx->root, "active_file", &act1) &&
			   !mr_memory_stat(ctx->root, "inactive_file", &inact1) &&
			   mr_close(act1, act, tol) && mr_close(inact1, inact, tol),
			   MR_FLUSH_MS, &waited, "t's file lists to equal the leaves'"))
		MR_ASSERTION("lru_lists_absorbed",
			     "t active_file=%lld inactive_file=%lld expected==%lld %lld (+-%lld)",
			     act1, inact1, act, inact, tol);

	check_lrugen(_metadata, ctx, f0, s0);
	if (variant->shmem && mr_swap_total() <= 0) {
		mr_msg("no swap: shmem cannot be reclaimed, reparented_reachable skipped");
		return;
	}
	t0 = mr_now_ms();
	mr_check_reachable(_metadata, ctx);
	mr_msg("reclaim: %lld ms", mr_now_ms() - t0);
}

TEST_HARNESS_MAIN
