// SPDX-License-Identifier: GPL-2.0-only
/*
 * reparent_race - offline memcgs while reclaim and MGLRU aging/eviction run
 *
 *	t				test root, target of the workers
 *	├── keeper			stress-ng tasks move here before rmdir
 *	├── c1				a leaf, or c1/g when nested (random)
 *	├── c2 ...			created, loaded, offlined in a loop
 *
 *	ctl (outside t)		workers: memory.reclaim on t; in variant
 *				"lrugen" also "+" aging and "-" eviction of
 *				random memcgs of t's subtree (debugfs lru_gen)
 *
 * For MR_RACE_SECONDS each iteration creates a child, writes a file in it
 * (fio: in order, at random or through a mapping), sometimes reads back an
 * older file (fio, refaulting pages another memcg had), runs a stress-ng
 * holder in it (vm, mmap of a file, POSIX shm or pagemove), moves that to
 * the keeper while it goes on (HOLD_SECONDS more, then the test stops it),
 * and offlines the child.  The mix comes from the seed and is logged.
 * MR_JOBS=0 does the same with in-process C (one writer, one reader, an anon
 * rewriter) instead of fio and stress-ng.  In variant
 * "lrugen" each offline first gives parent and child different numbers of
 * generations (the seed's case): the child aged up to MAX_NR_GENS while the
 * parent is evicted down to MIN_NR_GENS, and the reverse on the next one.
 *
 * At quiescence (workers stopped, tasks gone, syncfs) the assertions of the
 * other tests must hold: dying_memcgs, the size checks of sizes_match
 * (lru_split, lru_local, lrugen_sizes, lrugen_old_slots,
 * lrugen_no_dying_pages) and reparented_reachable; race_workers fails when
 * a worker met an errno that is no normal answer.
 */
#include "mr_test.h"

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
 * Errnos that are answers, not failures, of the lru_gen commands.  ERANGE:
 * 6.1 refuses to age a memcg that already has MAX_NR_GENS without
 * force_scan (7.2 does not return it).
 */
static bool normal_answer(int ret)
{
	return !ret || ret == -EAGAIN || ret == -EEXIST || ret == -EINVAL ||
	       ret == -EINTR || ret == -ENOENT || ret == -ERANGE;
}

static bool in_subtree(const struct mr_ctx *ctx, const char *path)
{
	return !strcmp(path, ctx->kroot) || mr_kpath_below(path, ctx->kroot);
}

/* Picks a random memcg of t's subtree that has an id; NULL if none. */
static const struct mr_lrugen_memcg *pick(const struct mr_ctx *ctx,
					  const struct mr_lrugen *lg)
{
	const struct mr_lrugen_memcg *found = NULL;
	int i, n = 0;

	for (i = 0; i < lg->nr_memcgs; i++) {
		if (!lg->memcgs[i].id || !lg->memcgs[i].nr_nodes ||
		    !in_subtree(ctx, lg->memcgs[i].path))
			continue;
		/* reservoir sampling */
		if (!(rand() % ++n))
			found = &lg->memcgs[i];
	}
	return found;
}

static unsigned long long oldest(const struct mr_lrugen_node *n)
{
	return n->min_seq[0] < n->min_seq[1] ? n->min_seq[0] : n->min_seq[1];
}

/* "+" aging and "-" eviction of random memcgs of the subtree */
static int lrugen_worker(void *arg)
{
	const struct mr_ctx *ctx = arg;
	const struct mr_lrugen_memcg *m;
	const struct mr_lrugen_node *n;
	struct mr_lrugen lg;
	int ret, bad = 0;
	bool age;

	mr_worker_init(ctx, 2);
	while (!mr_stop) {
		ret = mr_lrugen_read(false, &lg);
		if (ret) {
			bad++;
			break;
		}
		m = pick(ctx, &lg);
		if (m) {
			n = &m->nodes[rand() % m->nr_nodes];
			age = rand() % 2;
			if (age)
				ret = mr_lrugen_age(m->id, n->nid, n->max_seq,
						    rand() % 201, rand() % 2);
			else
				ret = mr_lrugen_evict(m->id, n->nid, oldest(n),
						      rand() % 201,
						      1 + rand() % 256);
			if (!normal_answer(ret) && bad++ < 5)
				mr_err(ret, "lru_gen %c %llu %d",
				       age ? '+' : '-', m->id, n->nid);
		}
		mr_lrugen_free(&lg);
		mr_sleep_ms(rand() % 10);
	}
	return bad ? 1 : 0;
}

static int nr_gens(const struct mr_lrugen_node *n)
{
	return n->max_seq - oldest(n) + 1;
}

/*
 * Age (@grow) the memcg named @kpath to MAX_NR_GENS generations on every
 * node, or evict it down to MIN_NR_GENS.  The workers interfere, so this is
 * best effort: it returns the smallest (@grow) or largest number of
 * generations seen at the end, or a negative errno.
 */
static int shape_gens(const char *kpath, bool grow)
{
	const struct mr_lrugen_memcg *m;
	int try, i, ret = 0, got = 0;
	const struct mr_lrugen_node *n;
	struct mr_lrugen lg;
	bool done;

	for (try = 0; try < 2 * MR_MAX_NR_GENS; try++) {
		ret = mr_lrugen_read(false, &lg);
		if (ret)
			return ret;
		m = mr_lrugen_find(&lg, kpath);
		if (!m) {
			mr_lrugen_free(&lg);
			return -ENOENT;
		}
		done = true;
		got = grow ? MR_MAX_NR_GENS : MR_MIN_NR_GENS;
		for (i = 0; i < m->nr_nodes; i++) {
			n = &m->nodes[i];
			if (grow && nr_gens(n) < MR_MAX_NR_GENS) {
				ret = mr_lrugen_age(m->id, n->nid, n->max_seq,
						    -1, -1);
				got = nr_gens(n) < got ? nr_gens(n) : got;
				done = false;
			} else if (!grow && nr_gens(n) > MR_MIN_NR_GENS) {
				/* swappiness 200: evict anon too when swap exists */
				ret = mr_lrugen_evict(m->id, n->nid,
						      n->max_seq - MR_MIN_NR_GENS,
						      200, -1);
				got = nr_gens(n) > got ? nr_gens(n) : got;
				done = false;
			}
			if (!normal_answer(ret))
				break;
		}
		mr_lrugen_free(&lg);
		if (!normal_answer(ret))
			return ret;
		if (done)
			return got;
	}
	return got;
}

/*
 * A holder: stress-ng's vm stressor (or, MR_JOBS=0, anon_rewriter()) that
 * rewrites its pages until the test stops it with SIGTERM, HOLD_SECONDS
 * after its move to the keeper.  Exiting before that is a failure (an OOM
 * kill, a crash); so is any exit status but 0 after SIGTERM.
 */
struct holder {
	struct mr_child c;
	long long moved_ms;
};

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
	while (!mr_stop)
		for (i = 0; i < bytes && !mr_stop; i += page)
			p[i]++;
	return 0;
}

static int start_holder(struct holder *h, const struct mr_ctx *ctx,
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

/* SIGTERM and reap; returns whether it ended as asked (exit status 0). */
static bool stop_holder(struct holder *h)
{
	if (mr_child_poll(&h->c) != -EBUSY) {
		mr_msg("%s exited before it was stopped", h->c.name);
		return false;
	}
	kill(h->c.pid, SIGTERM);
	return !mr_child_wait(&h->c, MR_LOAD_MS);
}

/*
 * Stops the holders moved at least HOLD_SECONDS ago (all of them with
 * @all); returns how many failed.
 */
static int stop_holders(struct holder *holders, int *nr, bool all)
{
	long long now = mr_now_ms();
	int i, failed = 0;

	for (i = 0; i < *nr; i++) {
		if (!all && now - holders[i].moved_ms < HOLD_SECONDS * 1000)
			continue;
		failed += !stop_holder(&holders[i]);
		holders[i] = holders[--*nr];
		i--;
	}
	return failed;
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

struct race_stats {
	int offlines;
	int mismatched;
	int holder_failures;
	/* how often each job file ran */
	int writers[ARRAY_SIZE(writer_jobs)];
	int readers[ARRAY_SIZE(reader_jobs)];
	int holders[ARRAY_SIZE(holder_jobs)];
};

/* One create, load, offline cycle of child @i. */
static void cycle(struct __test_metadata *_metadata, struct mr_ctx *ctx,
		  const char *keeper, int i, bool lrugen,
		  struct holder *holders, int *nr_holders,
		  struct race_stats *st)
{
	long long bytes = ctx->p.file_mb << 20, want, got = -1, waited;
	const struct holder_job *hj;
	struct growth g;
	bool loaded;
	size_t w, r;
	int old;
	char top[PATH_MAX], leaf[PATH_MAX], file[PATH_MAX];
	char kleaf[PATH_MAX], kparent[PATH_MAX], name[32];
	bool nested = rand() % 2, grow = i % 2, running;
	int child_gens, parent_gens;
	struct mr_child c;
	struct holder *h;

	MR_OK("cycle", mr_pathf(top, sizeof(top), "%s/c%d", ctx->root, i));
	MR_OK("cycle", mr_pathf(leaf, sizeof(leaf), nested ? "%s/g" : "%s",
				top));
	MR_OK("cycle", mr_cg_create(leaf));

	snprintf(name, sizeof(name), "c%d.dat", i);
	MR_OK("load", mr_scratch_file(ctx, name, bytes, file, sizeof(file)));
	w = rand() % ARRAY_SIZE(writer_jobs);
	MR_OK("load", mr_start_writer(&c, ctx, leaf, file, bytes,
				      writer_jobs[w]));
	st->writers[w] += ctx->p.jobs;
	if (mr_child_wait(&c, MR_LOAD_MS))
		MR_FATAL("load", "writer %s of c%d failed", c.name, i);
	if (i > KEEP_FILES) {
		MR_OK("cycle", mr_pathf(file, sizeof(file), "%s/c%d.dat",
					ctx->files, i - KEEP_FILES));
		if (unlink(file))
			MR_FATAL("cycle", "unlink %s: %s", file, strerror(errno));
	}
	if (i > 1 && rand() % 2) {
		old = i - 1 - rand() % (i - 1 < KEEP_FILES - 1 ? i - 1 :
							KEEP_FILES - 1);
		MR_OK("cycle", mr_pathf(file, sizeof(file), "%s/c%d.dat",
					ctx->files, old));
		r = rand() % ARRAY_SIZE(reader_jobs);
		MR_OK("load", mr_start_reader(&c, ctx, leaf, file, bytes,
					      reader_jobs[r]));
		st->readers[r] += ctx->p.jobs;
		if (mr_child_wait(&c, MR_LOAD_MS))
			MR_FATAL("load", "reader %s in c%d failed", c.name, i);
	}

	/* the pool is full: the longest-moved holder goes early */
	if (*nr_holders == MAX_HOLDERS) {
		st->holder_failures += !stop_holder(&holders[0]);
		holders[0] = holders[--*nr_holders];
	}
	h = &holders[(*nr_holders)++];
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
	st->holders[hj - holder_jobs] += ctx->p.jobs;
	MR_OK("move", mr_cg_move_procs(leaf, keeper, MR_LOAD_MS));
	h->moved_ms = mr_now_ms();
	MR_OK("load", mr_syncfs(ctx));

	if (lrugen) {
		MR_OK("cycle", mr_cg_kpath(&ctx->run, leaf, kleaf,
					   sizeof(kleaf)));
		MR_OK("cycle", mr_cg_kpath(&ctx->run, nested ? top : ctx->root,
					   kparent, sizeof(kparent)));
		child_gens = shape_gens(kleaf, grow);
		parent_gens = shape_gens(kparent, !grow);
		MR_OK("lru_gen", child_gens);
		MR_OK("lru_gen", parent_gens);
		st->mismatched += child_gens != parent_gens;
	}

	MR_OK("offline", mr_cg_rmdir(leaf, MR_DYING_MS));
	if (nested)
		MR_OK("offline", mr_cg_rmdir(top, MR_DYING_MS));
	st->offlines += 1 + nested;
	st->holder_failures += stop_holders(holders, nr_holders, false);
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
	struct holder holders[MAX_HOLDERS];
	struct mr_child workers[2];
	int i, nr_holders = 0, nr_workers = 0;
	struct race_stats st = {};
	char keeper[PATH_MAX];
	long long deadline;

	srand(ctx->p.seed);
	MR_OK("setup_tree", mr_pathf(keeper, sizeof(keeper), "%s/keeper",
				     ctx->root));
	MR_OK("setup_tree", mr_cg_create(keeper));

	MR_OK("workers", mr_spawn_fn(&workers[nr_workers++], "reclaimer",
				     ctx->ctl, mr_reclaimer, ctx));
	if (variant->lrugen)
		MR_OK("workers", mr_spawn_fn(&workers[nr_workers++],
					     "lru_gen worker", ctx->ctl,
					     lrugen_worker, ctx));

	deadline = mr_now_ms() + ctx->p.race_seconds * 1000;
	for (i = 1; mr_now_ms() < deadline; i++)
		cycle(_metadata, ctx, keeper, i, variant->lrugen, holders,
		      &nr_holders, &st);

	for (i = 0; i < nr_workers; i++)
		kill(workers[i].pid, SIGTERM);
	for (i = 0; i < nr_workers; i++)
		if (mr_child_wait(&workers[i], MR_LOAD_MS))
			MR_ASSERTION("race_workers", "%s failed (see above)",
				     workers[i].name);
	st.holder_failures += stop_holders(holders, &nr_holders, true);
	if (st.holder_failures)
		MR_ASSERTION("load", "%d holder(s) failed (see above)",
			     st.holder_failures);
	mr_msg("%d memcgs offlined in %ld s%s", st.offlines,
	       ctx->p.race_seconds, variant->lrugen ? "" : " (no lru_gen)");
	if (variant->lrugen)
		mr_msg("%d leaf offlines with parent and child generations differing",
		       st.mismatched);
	if (ctx->p.jobs) {
		const char *holders_names[ARRAY_SIZE(holder_jobs)];

		for (i = 0; i < (int)ARRAY_SIZE(holder_jobs); i++)
			holders_names[i] = holder_jobs[i].job;
		print_mix("writers", writer_jobs, st.writers,
			  ARRAY_SIZE(writer_jobs));
		print_mix("readers", reader_jobs, st.readers,
			  ARRAY_SIZE(reader_jobs));
		print_mix("holders", holders_names, st.holders,
			  ARRAY_SIZE(holder_jobs));
	}

	MR_OK("load", mr_syncfs(ctx));
	mr_check_dying(_metadata, ctx);
	mr_check_sizes(_metadata, ctx);
	mr_check_reachable(_metadata, ctx);
}

TEST_HARNESS_MAIN
