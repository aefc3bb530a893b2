// SPDX-License-Identifier: GPL-2.0-only
/*
 * reparent_race - offline memcgs while reclaim and MGLRU aging/eviction run
 *
 *	t				test root, target of the workers
 *	├── keeper			holders move here before an rmdir
 *	├── k0c0/l1/.../l<d-1>		churner 0's subtree of this cycle
 *	├── k1c5/l1 ...			churner 1's, ... (MR_CHURNERS of them)
 *
 *	ctl (outside t)		churners and workers: memory.reclaim on t
 *				and on random memcgs below it; in variant
 *				"lrugen" also "+" aging and "-" eviction of
 *				random memcgs of t's subtree (debugfs lru_gen)
 *
 * For MR_RACE_SECONDS, MR_CHURNERS churners (lib/mr_churn.c) each build a
 * subtree of a depth drawn from the seed up to MR_RACE_DEPTH, load every
 * level (page cache on the scratch disk, anon of short-lived tasks and of
 * holders that keep touching it), put memory.high on some inner levels,
 * and remove it bottom-up in one go or leaf by leaf.  Churner 0's leaf also
 * gets this test's own load: a file writer of MR_FILE_MB (fio: in order, at
 * random or through a mapping), sometimes a reader of an older file (fio,
 * refaulting pages another memcg had), and a stress-ng holder (vm, mmap of
 * a file, POSIX shm or pagemove) that moves to the keeper and goes on there
 * for HOLD_SECONDS.  The mix comes from the seed and is logged; MR_JOBS=0
 * does the same with in-process C.  In variant "lrugen" each leaf offline
 * first gives leaf and parent different numbers of generations (the seed's
 * case: the leaf aged up to MAX_NR_GENS while the parent is evicted down to
 * MIN_NR_GENS, and the reverse on the next one), and a page table walk of
 * the leaf (aging with force_scan) runs while its holder moves out and the
 * leaf is removed.  The intensity is printed as one "# intensity:" line.
 *
 * At quiescence (workers stopped, tasks gone, syncfs) the assertions of the
 * other tests must hold: dying_memcgs, the size checks of sizes_match
 * (lru_split, lru_local, lrugen_sizes, lrugen_old_slots,
 * lrugen_no_dying_pages) and reparented_reachable; race_workers fails when
 * a worker met an errno that is no normal answer, worker_effect when fewer
 * than MR_EFFECT_MIN_PCT % of a worker's commands took effect, churn when a
 * churner failed.
 */
#include "mr_test.h"
#include "mr_churn.h"

#define MAX_HOLDERS	32
/*
 * The files of the last KEEP_FILES cycles stay for readers; older ones are
 * deleted (truncating page cache that was reparented to t), so that hours
 * of soak fit on the scratch disk.
 */
#define KEEP_FILES	32
/*
 * How long each holder keeps rewriting its pages after its move to the
 * keeper, in seconds.  The test stops the holders itself: a --timeout of
 * stress-ng counts from its start, and under single-threaded TCG on the
 * DEBUG_VM build a holder ran out of time while still faulting its memory.
 */
#define HOLD_SECONDS	3

static const struct mr_needs needs = {
	.root = true,
	.memcg = true,
	.scratch = true,
	.fio = true,
	.stress_ng = true,
};

FIXTURE(reparent_race) {
	struct mr_ctx ctx;
};

FIXTURE_VARIANT(reparent_race) {
	bool lrugen;
};

FIXTURE_VARIANT_ADD(reparent_race, reclaim) {
	.lrugen = false,
};

FIXTURE_VARIANT_ADD(reparent_race, lrugen) {
	.lrugen = true,
};

FIXTURE_SETUP(reparent_race)
{
	struct mr_needs n = needs;

	n.lru_gen = variant->lrugen;
	/* aging and eviction need MGLRU: on for the test where it is off (6.1) */
	if (variant->lrugen)
		n.mglru = MR_MGLRU_ON;
	mr_setup(_metadata, &self->ctx, &n);
}

FIXTURE_TEARDOWN_PARENT(reparent_race)
{
	mr_teardown(_metadata, &self->ctx);
}

/*
 * MR_JOBS=1: every cycle picks its page cache writer, reader and holder
 * from these job files (workloads/) by the seeded sequence, so that --seed
 * repeats the mix.  Writers fill the whole file (sequential, random, through
 * a shared mapping); readers read it in order or at random.
 */
static const char *const writer_jobs[] = {
	"leaf-file-write.fio", "leaf-file-randwrite.fio", "leaf-file-mmap.fio",
};

static const char *const reader_jobs[] = {
	"file-read.fio", "file-randread.fio",
};

/*
 * Holders: the stress-ng option that sizes each job; @keeps: it keeps its
 * memory mapped (vm-keep), so at least half of it must be charged to the
 * leaf as anon before the move; the others allocate and free in a loop,
 * and the leaf's memory.peak must reach a quarter of the size.
 */
static const struct holder_job {
	const char *job;
	const char *size_opt;
	bool keeps;
} holder_jobs[] = {
	{ "leaf-anon.job", "--vm-bytes", true },
	{ "leaf-mmap-file.job", "--mmap-bytes", false },
	{ "leaf-shm.job", "--shm-bytes", false },
	{ "leaf-pagemove.job", "--pagemove-bytes", false },
};

/* MR_JOBS=0: what leaf-anon.job does, rewrite anon pages until SIGTERM. */
static int anon_rewriter(void *arg)
{
	const struct mr_ctx *ctx = arg;
	size_t bytes = (size_t)ctx->p.anon_mb << 20, i;
	long page = mr_page_size();
	char *p;

	mr_worker_init(ctx, 0);
	p = mr_anon_touch(bytes);
	if (!p)
		return 1;
	/*
	 * A pause between passes: without it each holder kept a vCPU busy,
	 * and the churners that share the vCPUs with it ran at half speed.
	 */
	while (!mr_stop) {
		for (i = 0; i < bytes && !mr_stop; i += page)
			p[i]++;
		mr_sleep_ms(10);
	}
	return 0;
}

/*
 * A holder (struct mr_holder): stress-ng's vm stressor (or, MR_JOBS=0,
 * anon_rewriter()) that rewrites its pages until the test stops it with
 * SIGTERM, HOLD_SECONDS after its move to the keeper.  Exiting before that
 * is a failure (an OOM kill, a crash); so is any exit status but 0 after
 * SIGTERM (mr_holders_stop()).
 */
static int start_holder(struct mr_holder *h, const struct mr_ctx *ctx,
			const struct holder_job *hj, const char *cg)
{
	char job[PATH_MAX], bytes[32];
	/* --timeout 0: runs until stopped; --temp-path: cwd may be read-only */
	char *argv[] = { "stress-ng", "--job", job, (char *)hj->size_opt,
			 bytes, "--timeout", "0", "--temp-path",
			 (char *)ctx->files, NULL };
	int ret;

	h->moved_ms = 0;
	if (!ctx->p.jobs)
		return mr_spawn_fn(&h->c, "anon rewriter", cg, anon_rewriter,
				   (void *)ctx);
	ret = mr_job(ctx, hj->job, job, sizeof(job));
	if (ret)
		return ret;
	snprintf(bytes, sizeof(bytes), "%ldm", ctx->p.anon_mb);
	return mr_spawn_exec(&h->c, hj->job, cg, argv, NULL);
}

/*
 * The growth of a cgroup's memory since a point in time: memory.peak read
 * through a descriptor on which it was reset (a write resets the peak seen
 * through that descriptor, 6.12+), minus memory.current at the reset.  A
 * kernel whose memory.peak is read-only gives the peak since creation: the
 * leaf's page cache then counts too.
 */
struct growth {
	int fd;
	long long base;
};

static int growth_start(const char *cg, struct growth *g)
{
	char path[PATH_MAX];
	int ret;

	ret = mr_pathf(path, sizeof(path), "%s/memory.peak", cg);
	if (ret)
		return ret;
	g->base = 0;
	g->fd = open(path, O_RDWR | O_CLOEXEC);
	if (g->fd >= 0) {
		if (write(g->fd, "reset\n", 6) == 6 &&
		    !mr_cg_value(cg, "memory.current", &g->base))
			return 0;
		close(g->fd);
		g->base = 0;
	}
	g->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (g->fd < 0) {
		mr_err(-errno, "open %s", path);
		return -errno;
	}
	return 0;
}

static bool growth_read(const struct growth *g, long long *bytes)
{
	char buf[32];
	ssize_t n;

	n = pread(g->fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	*bytes = strtoll(buf, NULL, 10) - g->base;
	return true;
}

/*
 * Whether the holder's load reached the leaf (see struct holder_job); stops
 * early when the holder is gone: it will not charge anything.
 */
static bool holder_loaded(const char *cg, struct mr_child *holder,
			  const struct growth *g, long long want,
			  long long *got)
{
	if (g ? !growth_read(g, got) : mr_memory_stat(cg, "anon", got))
		return false;
	return *got >= want || mr_child_poll(holder) != -EBUSY;
}

/* How the job files were mixed; shared with churner 0, which runs them */
struct race_mix {
	int writers[ARRAY_SIZE(writer_jobs)];
	int readers[ARRAY_SIZE(reader_jobs)];
	int holders[ARRAY_SIZE(holder_jobs)];
};

/*
 * Cycle @cycle of churner 0: into its leaf, a page cache writer of
 * MR_FILE_MB, sometimes a reader of an older cycle's file, and a holder
 * that moves to the keeper and goes on there; the engine then offlines the
 * subtree.
 */
static int leaf_load(struct __test_metadata *_metadata, struct mr_ctx *ctx,
		     void *arg, const char *leaf, const char *keeper, int cycle,
		     struct mr_holders *hs)
{
	struct race_mix *mix = arg;
	long long bytes = ctx->p.file_mb << 20, want, got = -1, waited;
	const struct holder_job *hj;
	char file[PATH_MAX];
	struct mr_holder *h;
	struct mr_child c;
	struct growth g;
	bool loaded, running;
	int i = cycle + 1, old;
	size_t w, r;

	w = rand() % ARRAY_SIZE(writer_jobs);
	MR_OK("load", mr_churn_leaf_file(&c, ctx, leaf, cycle, writer_jobs[w]));
	mix->writers[w] += ctx->p.jobs;
	if (mr_child_wait(&c, MR_LOAD_MS))
		MR_BROKEN_FATAL("load", "writer %s of c%d failed", c.name, i);
	if (i > KEEP_FILES) {
		MR_OK("cycle", mr_pathf(file, sizeof(file), "%s/c%d.dat",
					ctx->files, i - KEEP_FILES));
		if (unlink(file))
			MR_BROKEN_FATAL("cycle", "unlink %s: -%s (%s)", file,
					mr_errname(errno), strerror(errno));
	}
	if (i > 1 && rand() % 2) {
		old = i - 1 - rand() % (i - 1 < KEEP_FILES - 1 ? i - 1 :
							KEEP_FILES - 1);
		MR_OK("cycle", mr_pathf(file, sizeof(file), "%s/c%d.dat",
					ctx->files, old));
		r = rand() % ARRAY_SIZE(reader_jobs);
		MR_OK("load", mr_start_reader(&c, ctx, leaf, file, bytes,
					      reader_jobs[r]));
		mix->readers[r] += ctx->p.jobs;
		if (mr_child_wait(&c, MR_LOAD_MS))
			MR_BROKEN_FATAL("load", "reader %s in c%d failed", c.name, i);
	}

	/* the pool is full: the longest-moved holder goes early */
	h = mr_holders_next(hs);
	mr_holders_push(hs);
	hj = &holder_jobs[ctx->p.jobs ? rand() % ARRAY_SIZE(holder_jobs) : 0];
	want = (ctx->p.anon_mb << 20) / (hj->keeps ? 2 : 4);
	if (!hj->keeps)
		MR_OK("load", growth_start(leaf, &g));
	MR_OK("load", start_holder(h, ctx, hj, leaf));
	loaded = mr_poll_until(holder_loaded(leaf, &h->c,
					     hj->keeps ? NULL : &g, want, &got),
			       MR_LOAD_MS, &waited,
			       "the holder to charge its memory");
	if (!hj->keeps)
		close(g.fd);
	if (!loaded || !h->c.pid) {
		running = h->c.pid;
		/* kills it if need be, prints its output */
		mr_child_wait(&h->c, 0);
		MR_FATAL("load", "c%d %s=%lld expected>=%lld (%s %s, waited %lld ms)",
			 i, hj->keeps ? "anon" : "memory.peak growth", got,
			 want, h->c.name, running ? "running" : "exited",
			 waited);
	}
	mix->holders[hj - holder_jobs] += ctx->p.jobs;
	MR_KERNEL_OK("move", mr_cg_move_procs(leaf, keeper, MR_LOAD_MS));
	h->moved_ms = mr_now_ms();
	MR_OK("load", mr_syncfs(ctx));
	mr_holders_stop(hs, HOLD_SECONDS * 1000);
	return 0;
}

/* One line per kind of load: how often each job file ran. */
static void print_mix(const char *what, const char *const *jobs,
		      const int *runs, size_t n)
{
	char line[512];
	size_t i, len = 0;

	for (i = 0; i < n && len < sizeof(line); i++)
		len += snprintf(line + len, sizeof(line) - len, " %s %d",
				jobs[i], runs[i]);
	mr_msg("%s:%s", what, line);
}

TEST_F_TIMEOUT(reparent_race, offline, mr_race_timeout())
{
	struct mr_ctx *ctx = &self->ctx;
	struct mr_churn_test t = {
		.metadata = _metadata, .ctx = ctx, .leaf = leaf_load,
	};
	struct mr_churn_cfg cfg = {
		.lrugen = variant->lrugen,
		.load = { .leaf = mr_churn_test_leaf, .arg = &t,
			  .holders = MAX_HOLDERS },
	};
	struct race_mix *mix;
	struct mr_churn_stats cs;
	char keeper[PATH_MAX];
	int i, ret;

	mr_churn_test_start(&cfg, ctx, keeper, sizeof(keeper));
	mix = mmap(NULL, sizeof(*mix), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mix);
	memset(mix, 0, sizeof(*mix));
	t.arg = mix;

	ret = mr_churn_run(&cfg, &cs);
	mr_churn_report(&cfg, &cs);
	if (ret)
		MR_ASSERTION("churn", "failed=%d expected==0 (churners and workers, see above)",
			     cs.failed);
	if (cs.holder_failures)
		MR_BROKEN("load", "%ld holder(s) failed (see above)",
			  cs.holder_failures);
	/* a worker whose commands hardly ever took effect exercised nothing */
	if (!mr_churn_effective(cs.reclaim_effective, cs.reclaim_cmds))
		MR_ASSERTION("worker_effect",
			     "reclaim_effective=%ld expected>=%d%% of %ld memory.reclaim writes",
			     cs.reclaim_effective, MR_EFFECT_MIN_PCT, cs.reclaim_cmds);
	if (variant->lrugen &&
	    !mr_churn_effective(cs.lrugen_effective, cs.lrugen_cmds))
		MR_ASSERTION("worker_effect",
			     "lrugen_effective=%ld expected>=%d%% of %ld lru_gen commands",
			     cs.lrugen_effective, MR_EFFECT_MIN_PCT, cs.lrugen_cmds);
	if (ctx->p.jobs) {
		const char *holders_names[ARRAY_SIZE(holder_jobs)];

		for (i = 0; i < (int)ARRAY_SIZE(holder_jobs); i++)
			holders_names[i] = holder_jobs[i].job;
		print_mix("writers", writer_jobs, mix->writers,
			  ARRAY_SIZE(writer_jobs));
		print_mix("readers", reader_jobs, mix->readers,
			  ARRAY_SIZE(reader_jobs));
		print_mix("holders", holders_names, mix->holders,
			  ARRAY_SIZE(holder_jobs));
	}
	munmap(mix, sizeof(*mix));

	MR_OK("load", mr_syncfs(ctx));
	mr_check_dying(_metadata, ctx);
	mr_check_sizes(_metadata, ctx);
	mr_check_reachable(_metadata, ctx);
}

TEST_HARNESS_MAIN
