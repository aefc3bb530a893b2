// SPDX-License-Identifier: GPL-2.0-only
/*
 * The churn engine of the race tests: concurrent churners and the pressure
 * workers that run while they churn.  See mr_churn.h.
 *
 * A churner repeats one cycle until the deadline:
 *
 *	root/k<churner>c<cycle>		level 0 (its parent, root, survives)
 *	 └── l1 └── l2 ... └── l<d-1>	d drawn from the seed, 1..max_depth
 *
 * Top-down, each level is created and loaded: a task in it writes
 * MR_CHURN_FILE_BYTES of page cache (written back: a dirty inode would pin
 * its writer's memcg through cgroup writeback) and touches
 * MR_CHURN_ANON_BYTES of anon; it either exits (short-lived) or becomes a
 * holder that goes on touching its pages.  An inner level's task moves to
 * the keeper before +memory goes into the level's subtree_control (the no
 * internal process rule); the leaf's stays until the subtree goes.  Once
 * loaded, some inner levels get a memory.high limit of half their usage
 * (limit reclaim inside the tree; never memory.max, whose OOM kills the
 * tests count as failures).
 *
 * Then, in variant lrugen, the leaf and its parent are given different
 * numbers of generations, and an aging command with force_scan (a page
 * table walk of the mms on the leaf's list, which holds the leaf's holder)
 * is started while the holder moves to the keeper and the leaf is removed:
 * the walk's batched counts may land while reparenting splices the leaf's
 * generations into the parent.
 *
 * The subtree is removed either bottom-up as fast as rmdir allows (inner
 * memcgs then offline while their children's reparenting is in flight) or
 * leaf by leaf with a memory.reclaim of the new leaf in between.
 *
 * Meanwhile the reclaimer writes memory.reclaim to the root and to random
 * memcgs below it, and in variant lrugen the lru_gen worker ages and evicts
 * random memcgs below the root.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mr_churn.h"
#include "mr_ctx.h"
#include "mr_scratch.h"
#include "mr_knob.h"
#include "mr_load.h"
#include "mr_lrugen.h"
#include "mr_stat.h"
#include "mr_util.h"

/* bound for a loader to charge its memory, and for an rmdir's EBUSY */
#define LOAD_MS		60000
#define RMDIR_MS	10000
/* holders a churner keeps alive in the keeper; the oldest goes first */
#define MAX_HOLDERS	4
#define MAX_DEPTH	256
/* a holder touches its pages every HOLD_TOUCH_MS */
#define HOLD_TOUCH_MS	20

/* Counters and flags shared by the churners, the workers and the caller. */
struct churn_shared {
	struct mr_churn_stats st;
	/* set by a failing churner: the others stop at their next cycle */
	int abort;
};

struct churner {
	const struct mr_churn_cfg *cfg;
	struct churn_shared *sh;
	int k;
	long long deadline;
	struct mr_holders holders;
	/* churner 0's holders of the test's leaf load */
	struct mr_holders load_holders;
};

volatile sig_atomic_t mr_stop;

static void on_term(int sig)
{
	(void)sig;
	mr_stop = 1;
}

static void stop_on_term(void)
{
	struct sigaction sa = { .sa_handler = on_term };

	sigaction(SIGTERM, &sa, NULL);
}

void mr_worker_init(const struct mr_ctx *ctx, unsigned int salt)
{
	stop_on_term();
	srand(ctx->p.seed + salt);
}

int mr_race_timeout(void)
{
	long seconds;

	mr_knob("MR_RACE_SECONDS", &seconds);
	return seconds + 120;
}

#define add(field, n)	__atomic_add_fetch(&(field), (n), __ATOMIC_RELAXED)

/*
 * A failure of the churn: "# ASSERTION <name>: ..." as the tests print it
 * (a churner has no harness metadata; its exit status tells the test).
 */
static int __printf(3, 4) churn_fail(struct churner *ch, const char *aname,
				     const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mr_msg("ASSERTION %s: churner %d: %s", aname, ch->k, msg);
	__atomic_store_n(&ch->sh->abort, 1, __ATOMIC_RELAXED);
	return -1;
}

int mr_churn_params(const char *root, int *churners, int *max_depth)
{
	long long limit = LLONG_MAX;
	char path[PATH_MAX], *buf, *end;
	long n, depth;

	/* defaults and ranges: configs/knobs.tsv */
	if (!mr_knob("MR_CHURNERS", &n) || !mr_knob("MR_RACE_DEPTH", &depth))
		return -EINVAL;
	if (depth > MAX_DEPTH) {
		mr_msg("MR_RACE_DEPTH=%ld: this build holds at most %d levels",
		       depth, MAX_DEPTH);
		return -EINVAL;
	}
	*churners = n;
	*max_depth = depth;
	/* "max", or a number of levels allowed below root */
	if (!mr_pathf(path, sizeof(path), "%s/cgroup.max.depth", root) &&
	    mr_read_file(path, &buf) >= 0) {
		limit = strtoll(buf, &end, 10);
		if (end == buf)
			limit = LLONG_MAX;
		free(buf);
	}
	if (limit < *max_depth) {
		mr_msg("MR_RACE_DEPTH=%d: %s/cgroup.max.depth allows %lld",
		       *max_depth, root, limit);
		*max_depth = limit;
	}
	return *max_depth > 0 ? 0 : -EINVAL;
}

/* Errnos that are answers, not failures, of the lru_gen commands (6.1: ERANGE) */
static bool lrugen_answer(int ret)
{
	return !ret || ret == -EAGAIN || ret == -EEXIST || ret == -EINVAL ||
	       ret == -EINTR || ret == -ENOENT || ret == -ERANGE;
}

/* ... of memory.reclaim; ENOENT, ENODEV: the memcg was removed meanwhile */
static bool reclaim_answer(int ret)
{
	return !ret || ret == -EAGAIN || ret == -EINTR || ret == -ENOENT ||
	       ret == -ENODEV;
}

/*
 * Appends "/NAME" of a random child cgroup of @path to it.  Returns 0, or
 * -ENOENT when it has none.
 */
static int random_child(char *path, size_t len)
{
	char name[256] = "";
	struct dirent *d;
	int n = 0;
	DIR *dir;

	dir = opendir(path);
	if (!dir)
		return -ENOENT;
	while ((d = readdir(dir))) {
		if (d->d_type != DT_DIR || d->d_name[0] == '.')
			continue;
		/* reservoir sampling */
		if (!(rand() % ++n))
			snprintf(name, sizeof(name), "%s", d->d_name);
	}
	closedir(dir);
	if (!n)
		return -ENOENT;
	return strlen(path) + 1 + strlen(name) < len ?
	       (strcat(strcat(path, "/"), name), 0) : -ENOENT;
}

/* memory.reclaim on the root or on a random memcg below it (half and half) */
static int reclaimer(void *arg)
{
	struct churner *ch = arg;
	struct mr_churn_stats *st = &ch->sh->st;
	char cg[PATH_MAX];
	int ret, bad = 0;
	bool inner;

	stop_on_term();
	srand(ch->cfg->seed + 1);
	while (!mr_stop) {
		snprintf(cg, sizeof(cg), "%s", ch->cfg->root);
		inner = rand() % 2;
		if (inner)
			while (!random_child(cg, sizeof(cg)) && rand() % 4)
				;
		ret = mr_cg_try_write(cg, "memory.reclaim",
				      inner ? "512K" : "2M");
		add(st->reclaim_cmds, 1);
		add(st->reclaim_effective, !ret);
		if (!reclaim_answer(ret) && bad++ < 5)
			mr_err(ret, "memory.reclaim of %s", cg);
		mr_sleep_ms(1 + rand() % 20);
	}
	return bad ? 1 : 0;
}

static bool in_subtree(const char *path, const char *kroot)
{
	size_t n = strlen(kroot);

	return !strncmp(path, kroot, n) && (!path[n] || path[n] == '/');
}

static unsigned long long oldest(const struct mr_lrugen_node *n)
{
	return n->min_seq[0] < n->min_seq[1] ? n->min_seq[0] : n->min_seq[1];
}

static int nr_gens(const struct mr_lrugen_node *n)
{
	return n->max_seq - oldest(n) + 1;
}

/* "+" aging and "-" eviction of random memcgs of the subtree */
static int lrugen_worker(void *arg)
{
	struct churner *ch = arg;
	struct mr_churn_stats *st = &ch->sh->st;
	const struct mr_lrugen_memcg *m, *pick;
	const struct mr_lrugen_node *n;
	char kroot[PATH_MAX];
	struct mr_lrugen lg;
	int i, nr, ret, bad = 0;
	bool age;

	stop_on_term();
	srand(ch->cfg->seed + 2);
	if (mr_cg_kpath(ch->cfg->run, ch->cfg->root, kroot, sizeof(kroot)))
		return 1;
	while (!mr_stop) {
		ret = mr_lrugen_read(false, &lg);
		if (ret) {
			mr_err(ret, "read lru_gen");
			return 1;
		}
		pick = NULL;
		for (i = 0, nr = 0; i < lg.nr_memcgs; i++) {
			m = &lg.memcgs[i];
			if (m->id && m->nr_nodes && in_subtree(m->path, kroot) &&
			    !(rand() % ++nr))
				pick = m;
		}
		if (pick) {
			n = &pick->nodes[rand() % pick->nr_nodes];
			age = rand() % 2;
			if (age)
				ret = mr_lrugen_age(pick->id, n->nid, n->max_seq,
						    rand() % 201, rand() % 2);
			else
				ret = mr_lrugen_evict(pick->id, n->nid,
						      oldest(n), rand() % 201,
						      1 + rand() % 256);
			add(st->lrugen_cmds, 1);
			add(st->lrugen_effective, !ret);
			if (!lrugen_answer(ret) && bad++ < 5)
				mr_err(ret, "lru_gen %c %llu %d",
				       age ? '+' : '-', pick->id, n->nid);
		}
		mr_lrugen_free(&lg);
		/*
		 * Each read of lru_gen walks every memcg of the machine: at
		 * 0-10 ms between them (one churner) the worker took more
		 * vCPU time than the churners once there were four.
		 */
		mr_sleep_ms(5 + rand() % 30);
	}
	return bad ? 1 : 0;
}

/* What a leaf's memcg looks like in lru_gen after shape_gens() */
struct gens {
	unsigned long long id;
	int nr_nodes;
	int nid[8];
	unsigned long long max_seq[8];
};

/*
 * Age (@grow) the memcg named @kpath to MAX_NR_GENS generations on every
 * node, or evict it down to MIN_NR_GENS.  The workers interfere, so this is
 * best effort: it returns the smallest (@grow) or largest number of
 * generations seen at the end, or a negative errno; @g (if not NULL)
 * receives the memcg's id and max_seq per node as last seen.
 */
static int shape_gens(const char *kpath, bool grow, struct gens *g)
{
	const struct mr_lrugen_memcg *m;
	const struct mr_lrugen_node *n;
	int try, i, ret = 0, got = 0;
	struct mr_lrugen lg;
	bool done;

	for (try = 0; try < 2 * MR_MAX_NR_GENS; try++) {
		ret = mr_lrugen_read(false, &lg);
		if (ret)
			return ret;
		m = mr_lrugen_find(&lg, kpath);
		if (!m) {
			/*
			 * A dump read while other memcgs come and go can skip
			 * one (the seq_file restarts each read() at a count of
			 * memcgs): read again.
			 */
			mr_lrugen_free(&lg);
			ret = -ENOENT;
			continue;
		}
		done = true;
		got = grow ? MR_MAX_NR_GENS : MR_MIN_NR_GENS;
		if (g) {
			g->id = m->id;
			g->nr_nodes = 0;
		}
		for (i = 0; i < m->nr_nodes; i++) {
			n = &m->nodes[i];
			if (g && g->nr_nodes < (int)ARRAY_SIZE(g->nid)) {
				g->nid[g->nr_nodes] = n->nid;
				g->max_seq[g->nr_nodes++] = n->max_seq;
			}
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
			if (!lrugen_answer(ret))
				break;
		}
		mr_lrugen_free(&lg);
		if (!lrugen_answer(ret))
			return ret;
		if (done)
			return got;
	}
	return ret == -ENOENT ? ret : got;
}

/*
 * Starts "+ ID NID MAX_SEQ 200 1" on every node of @g in a child process,
 * so that the walk runs while the caller moves the holder and removes the
 * memcg.  The child's exit status is the number of accepted commands.
 */
static pid_t start_walk(const struct gens *g)
{
	int i, ok = 0;
	pid_t pid;

	pid = fork();
	if (pid)
		return pid;
	for (i = 0; i < g->nr_nodes; i++)
		ok += !mr_lrugen_age(g->id, g->nid[i], g->max_seq[i], 200, 1);
	_exit(ok);
}

static int end_walk(pid_t pid)
{
	int status;

	if (pid <= 0 || waitpid(pid, &status, 0) != pid ||
	    !WIFEXITED(status))
		return 0;
	return WEXITSTATUS(status);
}

struct level_load {
	const char *file;
	bool hold;
};

/*
 * Page cache and anon in the memcg the task was spawned into; a holder
 * then touches its anon every HOLD_TOUCH_MS (setting the accessed bits an
 * MGLRU page table walk or look-around finds) until SIGTERM.
 */
static int level_loader(void *arg)
{
	const struct level_load *l = arg;
	long page = mr_page_size();
	size_t i;
	char *p;
	int ret;

	stop_on_term();
	ret = mr_file_write(l->file, MR_CHURN_FILE_BYTES);
	if (ret) {
		mr_err(ret, "write %s", l->file);
		return 1;
	}
	p = mr_anon_touch(MR_CHURN_ANON_BYTES);
	if (!p) {
		mr_err(-errno, "anon");
		return 1;
	}
	if (!l->hold)
		return 0;
	mr_ready();
	while (!mr_stop) {
		for (i = 0; i < MR_CHURN_ANON_BYTES; i += page)
			p[i]++;
		mr_sleep_ms(HOLD_TOUCH_MS);
	}
	return 0;
}

int mr_holders_init(struct mr_holders *hs, int max, bool release)
{
	hs->h = calloc(max, sizeof(*hs->h));
	hs->max = max;
	hs->nr = 0;
	hs->release = release;
	return hs->h ? 0 : -ENOMEM;
}

void mr_holders_free(struct mr_holders *hs)
{
	free(hs->h);
	hs->h = NULL;
	hs->nr = 0;
}

/* ends holder @i and drops it from the pool; returns 1 if it failed */
static int holders_stop_one(struct mr_holders *hs, int i)
{
	struct mr_child *c = &hs->h[i].c;
	int failed;

	if (hs->release) {
		mr_child_release(c);
		failed = mr_child_wait(c, LOAD_MS) ? 1 : 0;
	} else if (mr_child_poll(c) != -EBUSY) {
		mr_msg("%s exited before it was stopped", c->name);
		failed = 1;
	} else {
		kill(c->pid, SIGTERM);
		failed = mr_child_wait(c, LOAD_MS) ? 1 : 0;
	}
	memmove(hs->h + i, hs->h + i + 1, (--hs->nr - i) * sizeof(*hs->h));
	return failed;
}

struct mr_holder *mr_holders_next(struct mr_holders *hs)
{
	if (hs->nr == hs->max)
		hs->failed += holders_stop_one(hs, 0);
	hs->h[hs->nr].moved_ms = 0;
	return &hs->h[hs->nr];
}

void mr_holders_push(struct mr_holders *hs)
{
	hs->nr++;
}

int mr_holders_stop(struct mr_holders *hs, long long age_ms)
{
	long long now = mr_now_ms();
	int i = 0, failed = 0;

	while (i < hs->nr) {
		if (age_ms >= 0 && now - hs->h[i].moved_ms < age_ms)
			i++;
		else
			failed += holders_stop_one(hs, i);
	}
	hs->failed += failed;
	return failed;
}

/*
 * The file of level @level: two sets per churner, used by turns, so that a
 * file's pages stay cached (reparented) for one more cycle before they are
 * dropped and the file is written again by a new memcg.  Files are
 * preallocated once by the churner (outside the test root, see
 * mr_file_prealloc()).
 */
static int level_file(struct churner *ch, int level, int cycle, char *out,
		      size_t len)
{
	int fd, ret;

	ret = mr_pathf(out, len, "%s/churn.k%d.l%d.%d", ch->cfg->files,
		       ch->k, level, cycle % 2);
	if (ret)
		return ret;
	fd = open(out, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ?
		       mr_file_prealloc(out, MR_CHURN_FILE_BYTES) : -errno;
	/* clean after the loader's fsync: the next write charges anew */
	ret = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	close(fd);
	return -ret;
}

/* Creates and loads level @level at @cg; @leaf: the deepest one. */
static int build_level(struct churner *ch, const char *cg, int level,
		       int cycle, bool leaf)
{
	char file[PATH_MAX];
	struct level_load l = { .file = file };
	struct mr_child c, *h;
	long long deadline;
	int ret;

	ret = mr_cg_create(cg);
	if (ret)
		return churn_fail(ch, "cycle", "create %s: %s", cg,
				  strerror(-ret));
	ret = level_file(ch, level, cycle, file, sizeof(file));
	if (ret)
		return churn_fail(ch, "load", "file %s: %s", file,
				  strerror(-ret));
	/*
	 * The leaf's task holds (the page table walk's target) in lrugen;
	 * elsewhere half of them do.
	 */
	l.hold = leaf && ch->cfg->lrugen ? true : rand() % 2;
	h = l.hold ? &mr_holders_next(&ch->holders)->c : &c;
	ret = mr_spawn_fn(h, l.hold ? "holder" : "loader", cg, level_loader,
			  &l);
	if (ret)
		return churn_fail(ch, "load", "spawn in %s: %s", cg,
				  strerror(-ret));
	if (!l.hold) {
		ret = mr_child_wait(h, LOAD_MS);
		if (ret)
			return churn_fail(ch, "load", "loader in %s: %d", cg,
					  ret);
	} else {
		mr_holders_push(&ch->holders);
		ret = mr_child_ready(h, LOAD_MS);
		if (ret)
			return churn_fail(ch, "load", "holder in %s: %s", cg,
					  strerror(-ret));
	}
	if (leaf)
		return 0;
	if (l.hold) {
		ret = mr_cg_move_procs(cg, ch->cfg->keeper, LOAD_MS);
		if (ret < 0)
			return churn_fail(ch, "move", "%s: %s", cg,
					  strerror(-ret));
	}
	/*
	 * EBUSY: the loader that just exited may still count as a task of the
	 * cgroup until it has switched out for the last time (7.x unlinks it
	 * from its css_set only then), after its parent reaped it.
	 */
	deadline = mr_now_ms() + RMDIR_MS;
	while ((ret = mr_cg_try_write(cg, "cgroup.subtree_control",
				      "+memory")) == -EBUSY &&
	       mr_now_ms() < deadline)
		mr_sleep_ms(1);
	return ret ? churn_fail(ch, "cycle", "subtree_control %s: %s", cg,
				strerror(-ret)) : 0;
}

/*
 * Limit reclaim inside the tree: memory.high of @cg set to half of what it
 * holds, once its subtree is loaded.  The write reclaims down to the limit
 * itself; a limit set before the loads throttled every loader (the penalty
 * sleep of tasks charging over memory.high) and cut the churn rate tenfold.
 * Never memory.max: its OOM kills would fail the test.
 */
static int set_high(struct churner *ch, const char *cg)
{
	long long cur;
	char val[32];
	int ret;

	ret = mr_memory_current(cg, &cur);
	if (ret)
		return churn_fail(ch, "cycle", "memory.current %s: %s", cg,
				  strerror(-ret));
	snprintf(val, sizeof(val), "%lld", cur / 2 + mr_page_size());
	ret = mr_cg_try_write(cg, "memory.high", val);
	/* EAGAIN, EINTR: the reclaim to the new limit gave up, it is set */
	if (ret && ret != -EAGAIN && ret != -EINTR)
		return churn_fail(ch, "cycle", "memory.high %s: %s", cg,
				  strerror(-ret));
	add(ch->sh->st.high_limits, 1);
	return 0;
}

/*
 * Counts the pages the subtree @cg holds: at its removal every one of them
 * moves, by one or more reparentings, into the surviving parent.
 */
static int count_reparented(struct churner *ch, const char *cg)
{
	struct mr_memstat ms;
	long long high;
	int ret;

	ret = mr_memstat_read(cg, &ms);
	if (ret)
		return churn_fail(ch, "offline", "memory.stat %s: %s", cg,
				  strerror(-ret));
	add(ch->sh->st.file_pages, ms.file / mr_page_size());
	add(ch->sh->st.anon_pages, ms.anon / mr_page_size());
	if (!mr_memory_events(cg, "high", &high))
		add(ch->sh->st.high_events, high);
	return 0;
}

static int offline(struct churner *ch, const char *cg)
{
	int ret = mr_cg_rmdir(cg, RMDIR_MS);

	if (ret)
		return churn_fail(ch, "offline", "rmdir %s: %s", cg,
				  strerror(-ret));
	add(ch->sh->st.offlines, 1);
	return 0;
}

/* The path of level @j: @path cut at @ends[j] */
static const char *level_path(char *buf, const char *path, const size_t *ends,
			      int j)
{
	memcpy(buf, path, ends[j]);
	buf[ends[j]] = '\0';
	return buf;
}

/*
 * In variant lrugen: leaf and parent get different numbers of generations
 * (leaf up, parent down on even cycles, the reverse on odd ones).  @g
 * receives the leaf's id and sequence numbers for the walk.
 */
static int shape(struct churner *ch, const char *leaf, const char *parent,
		 int cycle, struct gens *g)
{
	char kleaf[PATH_MAX], kparent[PATH_MAX];
	int leaf_gens, parent_gens;
	bool grow = !(cycle % 2);

	if (mr_cg_kpath(ch->cfg->run, leaf, kleaf, sizeof(kleaf)) ||
	    mr_cg_kpath(ch->cfg->run, parent, kparent, sizeof(kparent)))
		return churn_fail(ch, "lru_gen", "kernel path of %s", leaf);
	parent_gens = shape_gens(kparent, !grow, NULL);
	leaf_gens = shape_gens(kleaf, grow, g);
	/* not listed in any dump read meanwhile: no shaping this time */
	if (leaf_gens == -ENOENT || parent_gens == -ENOENT) {
		g->nr_nodes = 0;
		add(ch->sh->st.shape_missed, 1);
		return 0;
	}
	if (leaf_gens < 0 || parent_gens < 0)
		return churn_fail(ch, "lru_gen", "shape %s: %s", leaf,
				  strerror(-(leaf_gens < 0 ? leaf_gens :
						parent_gens)));
	add(ch->sh->st.shaped, 1);
	add(ch->sh->st.gen_mismatch, leaf_gens != parent_gens);
	return 0;
}

/* One subtree: build, load, shape, remove. */
static int churn_cycle(struct churner *ch, int cycle)
{
	const struct mr_churn_cfg *cfg = ch->cfg;
	char path[PATH_MAX], cg[PATH_MAX], parent[PATH_MAX];
	int depth = 1 + rand() % cfg->max_depth, j, walked;
	bool bottom_up = rand() % 2;
	struct gens g = { .nr_nodes = 0 };
	size_t ends[MAX_DEPTH];
	long long t0 = mr_now_ms(), t;
	pid_t walk = 0;
	int ret;

	ret = mr_pathf(path, sizeof(path), "%s/k%dc%d", cfg->root, ch->k,
		       cycle);
	for (j = 0; !ret && j < depth; j++) {
		if (j)
			ret = mr_pathf(path + ends[j - 1],
				       sizeof(path) - ends[j - 1], "/l%d", j);
		ends[j] = strlen(path);
		if (!ret)
			ret = build_level(ch, path, j, cycle, j == depth - 1);
	}
	if (ret)
		return ret == -1 ? -1 : churn_fail(ch, "cycle", "%s: %s", path,
						   strerror(-ret));
	t = mr_now_ms();
	add(ch->sh->st.build_ms, t - t0);
	if (depth > __atomic_load_n(&ch->sh->st.deepest, __ATOMIC_RELAXED))
		__atomic_store_n(&ch->sh->st.deepest, depth, __ATOMIC_RELAXED);
	if (!ch->k && cfg->load.leaf) {
		ret = cfg->load.leaf(cfg->load.arg, path, cfg->keeper, cycle,
				     &ch->load_holders);
		if (ret)
			return churn_fail(ch, "load", "leaf load of %s: %d",
					  path, ret);
	}

	t0 = mr_now_ms();
	add(ch->sh->st.leaf_load_ms, t0 - t);
	if (cfg->lrugen) {
		if (depth > 1)
			level_path(parent, path, ends, depth - 2);
		else
			snprintf(parent, sizeof(parent), "%s", cfg->root);
		if (shape(ch, path, parent, cycle, &g))
			return -1;
	}
	t = mr_now_ms();
	add(ch->sh->st.shape_ms, t - t0);
	/*
	 * Not in churner 0's subtrees: the throttling of memory.high would
	 * reach the test's own holders there (swap-ins), which must run on.
	 */
	for (j = 0; j < depth - 1 && ch->k; j++)
		if (!(rand() % 4) &&
		    set_high(ch, level_path(cg, path, ends, j)))
			return -1;
	/* one read: every page of the subtree ends in root, the survivor */
	if (count_reparented(ch, level_path(cg, path, ends, 0)))
		return -1;
	if (g.nr_nodes)
		walk = start_walk(&g);
	ret = mr_cg_move_procs(path, cfg->keeper, LOAD_MS);
	if (ret < 0)
		return churn_fail(ch, "move", "%s: %s", path, strerror(-ret));
	for (j = depth - 1; j >= 0; j--) {
		level_path(cg, path, ends, j);
		if (offline(ch, cg))
			return -1;
		/* leaf by leaf: the new leaf reclaims what it absorbed */
		if (!bottom_up && j) {
			ret = mr_cg_try_write(level_path(cg, path, ends, j - 1),
					      "memory.reclaim", "128K");
			add(ch->sh->st.reclaim_cmds, 1);
			add(ch->sh->st.reclaim_effective, !ret);
			if (!reclaim_answer(ret))
				return churn_fail(ch, "race_workers",
						  "memory.reclaim %s: %s", cg,
						  strerror(-ret));
		}
	}
	add(ch->sh->st.remove_ms, mr_now_ms() - t);
	/* reaped only now: the removal did not wait for the walk */
	if (walk > 0) {
		walked = end_walk(walk);
		add(ch->sh->st.walks, walked);
		add(ch->sh->st.lrugen_cmds, g.nr_nodes);
		add(ch->sh->st.lrugen_effective, walked);
	}
	add(ch->sh->st.cycles, 1);
	add(ch->sh->st.bottom_up, bottom_up);
	return 0;
}

static int churner(void *arg)
{
	struct churner *ch = arg;
	int cycle, ret = 0;

	srand(ch->cfg->seed + 100 + ch->k);
	memset(&ch->load_holders, 0, sizeof(ch->load_holders));
	if (mr_holders_init(&ch->holders, MAX_HOLDERS, false) ||
	    (!ch->k && ch->cfg->load.leaf &&
	     mr_holders_init(&ch->load_holders, ch->cfg->load.holders,
			     ch->cfg->load.release)))
		return 1;
	for (cycle = 0; !ret && mr_now_ms() < ch->deadline &&
	     !__atomic_load_n(&ch->sh->abort, __ATOMIC_RELAXED); cycle++)
		ret = churn_cycle(ch, cycle);
	mr_holders_stop(&ch->holders, -1);
	mr_holders_stop(&ch->load_holders, -1);
	add(ch->sh->st.holder_failures,
	    ch->holders.failed + ch->load_holders.failed);
	return ret ? 1 : 0;
}

int mr_churn_run(const struct mr_churn_cfg *cfg, struct mr_churn_stats *st)
{
	struct mr_child *churners = NULL, workers[2];
	struct churner *chs = NULL, wctx;
	int i, nr_workers = 0, nr_churners = 0, failed = 0;
	struct churn_shared *sh;
	long long start;

	memset(st, 0, sizeof(*st));
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		mr_err(-errno, "mmap");
		st->failed = 1;
		return -1;
	}
	memset(sh, 0, sizeof(*sh));
	churners = calloc(cfg->churners, sizeof(*churners));
	chs = calloc(cfg->churners, sizeof(*chs));
	if (!churners || !chs) {
		failed++;
		goto out;
	}

	start = mr_now_ms();
	wctx = (struct churner){ .cfg = cfg, .sh = sh };
	if (!cfg->no_workers &&
	    mr_spawn_fn(&workers[nr_workers++], "reclaimer", cfg->ctl,
			reclaimer, &wctx))
		nr_workers--, failed++;
	if (!cfg->no_workers && cfg->lrugen && mr_spawn_fn(&workers[nr_workers++],
							   "lru_gen worker", cfg->ctl,
				       lrugen_worker, &wctx))
		nr_workers--, failed++;
	for (i = 0; i < cfg->churners && !failed; i++) {
		chs[i] = (struct churner){
			.cfg = cfg, .sh = sh, .k = i,
			.deadline = start + cfg->seconds * 1000,
		};
		if (mr_spawn_fn(&churners[i], "churner", cfg->ctl, churner,
				&chs[i]))
			failed++;
		else
			nr_churners++;
	}
	/*
	 * A churner finishes its cycle after the deadline; the bound stays
	 * below the tests' own (MR_RACE_SECONDS + 120 s), so that a stuck
	 * churner is reported as such, not as a harness timeout.
	 */
	for (i = 0; i < nr_churners; i++)
		if (mr_child_wait(&churners[i],
				  cfg->seconds * 1000 + LOAD_MS)) {
			mr_msg("churner %d failed (see above)", i);
			failed++;
		}
	sh->st.elapsed_ms = mr_now_ms() - start;
	for (i = 0; i < nr_workers; i++)
		kill(workers[i].pid, SIGTERM);
	for (i = 0; i < nr_workers; i++)
		if (mr_child_wait(&workers[i], LOAD_MS)) {
			mr_msg("ASSERTION race_workers: %s failed (see above)",
			       workers[i].name);
			failed++;
		}
out:
	*st = sh->st;
	st->failed = failed;
	munmap(sh, sizeof(*sh));
	free(churners);
	free(chs);
	return failed ? -1 : 0;
}

static double per(long long total, long n)
{
	return n ? (double)total / n : 0;
}

void mr_churn_report(const struct mr_churn_cfg *cfg,
		     const struct mr_churn_stats *st)
{
	double s = st->elapsed_ms > 0 ? st->elapsed_ms / 1000.0 : 1;

	mr_msg("intensity: offlines=%ld offlines_per_s=%.1f reparented_file_pages=%lld reparented_anon_pages=%lld gen_mismatch_offlines=%ld worker_cmds_effective=%ld reparented_pages_per_s=%.0f cycles=%ld bottom_up=%ld churners=%d max_depth=%d deepest=%ld reclaim_cmds=%ld reclaim_effective=%ld lrugen_cmds=%ld lrugen_effective=%ld walks=%ld shaped=%ld shape_missed=%ld high_limits=%ld high_events=%lld seconds=%.1f cycle_ms_build=%.0f cycle_ms_leaf_load=%.0f cycle_ms_shape=%.0f cycle_ms_remove=%.0f",
	       st->offlines, st->offlines / s, st->file_pages, st->anon_pages,
	       st->gen_mismatch, st->reclaim_effective + st->lrugen_effective,
	       (st->file_pages + st->anon_pages) / s, st->cycles,
	       st->bottom_up, cfg->churners, cfg->max_depth, st->deepest,
	       st->reclaim_cmds, st->reclaim_effective, st->lrugen_cmds,
	       st->lrugen_effective, st->walks, st->shaped, st->shape_missed,
	       st->high_limits,
	       st->high_events, s, per(st->build_ms, st->cycles),
	       per(st->leaf_load_ms, st->cycles), per(st->shape_ms, st->cycles),
	       per(st->remove_ms, st->cycles));
}

void mr_churn_test_start(struct mr_churn_cfg *cfg, const struct mr_ctx *ctx,
			 char *keeper, size_t len)
{
	cfg->root = ctx->root;
	cfg->ctl = ctx->ctl;
	cfg->files = ctx->files;
	cfg->run = &ctx->run;
	cfg->seed = ctx->p.seed;
	cfg->seconds = ctx->p.race_seconds;
	srand(ctx->p.seed);
	MR_LIB_OK("params", mr_churn_params(ctx->root, &cfg->churners,
					    &cfg->max_depth));
	MR_LIB_OK("setup_tree", mr_pathf(keeper, len, "%s/keeper", ctx->root));
	MR_LIB_OK("setup_tree", mr_cg_create(keeper));
	cfg->keeper = keeper;
}

int mr_churn_leaf_file(struct mr_child *c, const struct mr_ctx *ctx,
		       const char *leaf, int cycle, const char *job)
{
	long long bytes = ctx->p.file_mb << 20;
	char file[PATH_MAX], name[32];
	int ret;

	snprintf(name, sizeof(name), "c%d.dat", cycle + 1);
	ret = mr_scratch_file(ctx, name, bytes, file, sizeof(file));
	return ret ? ret : mr_start_writer(c, ctx, leaf, file, bytes, job);
}
