// SPDX-License-Identifier: GPL-2.0-only
/*
 * walk_race - offline a memcg while an MGLRU page table walk of its task's
 *	       mm holds size changes in its batch
 *
 *	t			test root: parent of every cN, survives
 *	├── keeper		the holder H lives here between cycles
 *	└── cN			one per cycle: H joins, faults in its head
 *
 * H maps, inside one 1 GiB-aligned range (one PUD: the walker checks
 * need_resched() and its batch limit only between PUDs), a head of
 * MR_WALK_HEAD_PAGES anon pages at the start and, after it, a tail of
 * MR_WALK_TAIL_MB that H faulted in while it was in keeper and keeps young.
 * Per cycle, with H in cN and its fresh head the only thing cN holds:
 *
 *   1. cN is shaped so that the head sits in the oldest of 4 generations
 *	(seq S; "-" and "+" without anon walk, swappiness 0);
 *   2. on CPU 0 a walker runs "+ cN NID S+3 200 1": walk_update_folio()
 *	moves each head folio's gen in folio->flags from S to S+3 at once,
 *	but the size change goes into walk->nr_pages until the walk ends;
 *	the tail (another memcg's folios, young) keeps the walk going;
 *   3. on CPU 1, during the walk, "- cN NID S 201 N" sorts the head folios
 *	off list S (their flags say S+3): the list is empty and S retires
 *	(try_to_inc_min_seq() looks at lists, not at counts), though its
 *	count still includes the head; then H moves to keeper and cN is
 *	removed: its generations are spliced into t while the batch waits;
 *   4. the walk ends, reset_batch_size() lands the batch on t (cN is dying).
 *
 * A kernel whose reparenting moves only the counts of [min_seq, max_seq]
 * leaves the head's count in cN's retired slot S and takes it off t's slot
 * S: cN is freed counting pages (the DEBUG_VM WARN in lru_gen_exit_memcg())
 * and t is short (docs/bugs/lru_gen_exit_memcg-nr_pages.md).
 *
 * Asserted:
 *   lrugen_no_dying_pages  after the walk returned (its batch landed) and
 *			    cN's reparenting (its generations empty, within
 *			    REPARENT_MS), cN (removed, kept listed by a
 *			    zombie) counts no pages in any slot of
 *			    lru_gen_full.  Every CONTROL_EVERY-th cycle runs
 *			    without walk: when all controls were clean, what
 *			    the walk cycles left is the walk's doing and the
 *			    line ends in cause=stranded_gen_count
 *   walk_raced		    at least one cycle removed cN while its walk ran
 *			    with the head retired on the child first (else the
 *			    race was never set up: the test cannot judge)
 *   dying_memcgs, and the size checks of sizes_match at the end
 *
 * MR_WALK_SECONDS bounds the loop.  Needs MGLRU, 2 CPUs and swap (the
 * shaping evicts nothing but the anon of H's own stack, if any).
 */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "mr_test.h"

static const struct mr_needs needs = {
	.root = true,
	.memcg = true,
	.lru_gen = true,
	.mglru = MR_MGLRU_ON,
};

FIXTURE(walk_race) {
	struct mr_ctx ctx;
};

FIXTURE_SETUP(walk_race)
{
	mr_setup(_metadata, &self->ctx, &needs);
}

FIXTURE_TEARDOWN_PARENT(walk_race)
{
	mr_teardown(_metadata, &self->ctx);
}

#define PUD_BYTES	(1UL << 30)
#define MPOL_BIND	2	/* include/uapi/linux/mempolicy.h */
/* the head ends in its own 2 MiB (one PTE table), the tail starts after */
#define HEAD_SPAN	(2UL << 20)

/*
 * Shared with H (MAP_SHARED: mr_spawn_fn() closes the child's other
 * descriptors): the test raises @req, H answers by setting @done to it,
 * or @err and exits.  @req = -1 ends H.
 */
struct holder {
	long head_pages;
	long tail_mb;
	volatile int ready;
	volatile int req;
	volatile int done;
	volatile int err;
};

static void pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/*
 * H: on CPU 0.  Each request faults in a fresh head (charged to the memcg
 * H is in now; the old head's pages, reparented, are freed) and reads the
 * tail again (accessed bits: the walker skips folios of other memcgs before
 * it clears theirs, so they stay young, but reclaim may clear them).
 */
static int holder_fn(void *arg)
{
	struct holder *h = arg;
	long psz = mr_page_size(), i;
	size_t tail = (size_t)h->tail_mb << 20;
	volatile char *tp;
	unsigned long sum = 0, node0 = 1;
	char *res, *base;
	int seen = 0;

	pin_cpu(0);
	/* every page on node 0: the walk and the eviction are per node */
	if (syscall(SYS_set_mempolicy, MPOL_BIND, &node0, 8 * sizeof(node0)))
		return 9;
	res = mmap(NULL, 2 * PUD_BYTES, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED)
		return 10;
	base = (char *)(((unsigned long)res + PUD_BYTES - 1) & ~(PUD_BYTES - 1));
	tp = mmap(base + HEAD_SPAN, tail, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (tp == MAP_FAILED)
		return 11;
	madvise((void *)tp, tail, MADV_NOHUGEPAGE);
	for (i = 0; i < (long)tail; i += psz)
		tp[i] = 1;
	__atomic_store_n(&h->ready, 1, __ATOMIC_RELEASE);
	for (;;) {
		int req = h->req;
		char *p;

		if (req < 0)
			return 0;
		if (req == seen) {
			mr_sleep_ms(1);
			continue;
		}
		p = mmap(base, h->head_pages * psz, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (p == MAP_FAILED) {
			h->err = errno;
			return 12;
		}
		madvise(p, h->head_pages * psz, MADV_NOHUGEPAGE);
		for (i = 0; i < h->head_pages; i++)
			p[i * psz] = 1;
		for (i = 0; i < (long)tail; i += psz)
			sum += tp[i];
		h->err = !sum;		/* keeps the reads; the tail holds 1s */
		seen = req;
		__atomic_store_n(&h->done, req, __ATOMIC_RELEASE);
	}
}

/* a fresh head from H, within @timeout_ms */
static int holder_fault(struct holder *h, struct mr_child *hc, int timeout_ms)
{
	long long end = mr_now_ms() + timeout_ms;
	int req = h->req + 1;

	__atomic_store_n(&h->req, req, __ATOMIC_RELEASE);
	/* not mr_poll_until(): no log line per cycle */
	while (__atomic_load_n(&h->done, __ATOMIC_ACQUIRE) != req) {
		if (mr_child_poll(hc) != -EBUSY)
			return -ECHILD;
		if (mr_now_ms() > end)
			return -ETIMEDOUT;
		mr_sleep_ms(1);
	}
	return h->err ? -EIO : 0;
}

/* what one cycle's lru_gen shows of cN on the node holding the head */
struct shape {
	unsigned long long id;
	int nid;
	unsigned long long min_seq, max_seq;
	unsigned long long head_seq, head_anon;
};

/* reads cN (@kpath) from lru_gen: the node and generation with most anon */
static int read_shape(const char *kpath, struct shape *s)
{
	const struct mr_lrugen_memcg *m;
	const struct mr_lrugen_node *n;
	const struct mr_lrugen_gen *g;
	unsigned long long best = 0;
	struct mr_lrugen lg;
	int i, j, ret;

	/* lru_gen_full: anon's min_seq (file's stays, swappiness 201) */
	ret = mr_lrugen_read(true, &lg);
	if (ret)
		return ret;
	m = mr_lrugen_find(&lg, kpath);
	ret = -ENOENT;
	for (i = 0; m && i < m->nr_nodes; i++) {
		n = &m->nodes[i];
		for (j = 0; j < n->nr_gens; j++) {
			g = &n->gens[j];
			if (g->old[0] || (!ret && g->pages[0] <= best))
				continue;
			best = g->pages[0];
			s->id = m->id;
			s->nid = n->nid;
			s->min_seq = n->min_seq[0];
			s->max_seq = n->max_seq;
			s->head_seq = g->seq;
			s->head_anon = g->pages[0];
			ret = 0;
		}
	}
	mr_lrugen_free(&lg);
	return ret;
}

/*
 * Step 1: the head (just faulted, in max_seq - 1: lru_gen_folio_seq())
 * into the oldest of 4 generations: retire the older ones with "-" and add
 * young ones with "+" at swappiness 0, which keeps the walk off anon VMAs
 * (should_skip_vma()).  True when cN looks as planned.
 */
static bool shape(const char *kpath, long head_pages, struct shape *s,
		  bool log)
{
	int step, ret = 0;

	for (step = 0; step < 8; step++) {
		ret = read_shape(kpath, s);
		if (ret)
			break;
		if (s->head_seq == s->min_seq &&
		    s->max_seq - s->min_seq + 1 == MR_MAX_NR_GENS)
			break;
		if (s->head_seq > s->min_seq &&
		    s->min_seq + 1 + MR_MIN_NR_GENS <= s->max_seq)
			ret = mr_lrugen_evict(s->id, s->nid, s->min_seq, 201,
					      head_pages);
		else if (s->max_seq - s->min_seq + 1 < MR_MAX_NR_GENS)
			ret = mr_lrugen_age(s->id, s->nid, s->max_seq, 0, 0);
		else
			break;
		if (ret)
			break;
	}
	if (!ret && s->head_seq == s->min_seq &&
	    s->max_seq - s->min_seq + 1 == MR_MAX_NR_GENS &&
	    s->head_anon * 4 >= (unsigned long long)head_pages * 3)
		return true;
	if (log)
		mr_msg("not shaped: %s after %d steps: %s; node %d seq %llu..%llu, head %llu pages in seq %llu",
		       kpath, step, ret ? strerror(-ret) : "ok", s->nid,
		       s->min_seq, s->max_seq, s->head_anon, s->head_seq);
	return false;
}

/*
 * Pages the removed memcg @kpath counts in lru_gen_full: @live in its
 * generations, @old in slots below min_seq (marked 'x').  -1 if not listed
 * (already freed).
 */
static int removed_pages(const char *kpath, long long *live, long long *old)
{
	const struct mr_lrugen_memcg *m;
	const struct mr_lrugen_gen *g;
	struct mr_lrugen full;
	int i, j, t;

	if (mr_lrugen_read(true, &full))
		return -1;
	m = mr_lrugen_find(&full, kpath);
	*live = *old = 0;
	for (i = 0; m && i < m->nr_nodes; i++)
		for (j = 0; j < m->nodes[i].nr_gens; j++)
			for (g = &m->nodes[i].gens[j], t = 0; t < 2; t++)
				*(g->old[t] ? old : live) += g->pages[t];
	mr_lrugen_free(&full);
	return m ? 0 : -1;
}

/*
 * Offline (and with it the reparenting) runs from a workqueue after an RCU
 * grace period, some time after rmdir returned: poll until cN's
 * generations are empty, for at most REPARENT_MS.  cN stays listed: the
 * zombie of a task that exited in it pins its css until reaped.
 * False when cN is not listed at all.
 */
#define REPARENT_MS	1000
#define CONTROL_EVERY	8

static bool wait_reparented(const char *kpath, long long *live,
			    long long *old)
{
	long long end = mr_now_ms() + REPARENT_MS;

	do {
		if (removed_pages(kpath, live, old)) {
			*live = -1;
			return false;
		}
		if (!*live)
			return true;
		mr_sleep_ms(2);
	} while (mr_now_ms() < end);
	return true;
}

/* the harness's bound: the cycles, and setup and checks as for a race */
static int walk_timeout(void)
{
	long seconds;

	if (!mr_knob("MR_WALK_SECONDS", &seconds))
		seconds = 10;
	return seconds + 120;
}

struct walk_result {
	long long start_ms;
	long long end_ms;
	int ret;
};

TEST_F_TIMEOUT(walk_race, offline, walk_timeout())
{
	struct mr_ctx *ctx = &self->ctx;
	struct holder *h;
	struct mr_child hc;
	struct walk_result *wr;
	struct shape s = {};
	char keeper[PATH_MAX], cg[PATH_MAX], kpath[PATH_MAX], first[PATH_MAX];
	long long first_held = 0, live;
	double first_s = 0;
	long long t0, deadline, rm_ms, held, walk_ms = 0, walk_sum = 0;
	long cycles = 0, shaped = 0, retired = 0, raced = 0, stranded = 0;
	long listed = 0, controls_clean = 0, controls_dirty = 0, delay, seconds;
	bool control;
	pid_t w;
	int status, ret;

	if (mr_nr_cpus() < 2)
		SKIP(return, "one CPU: walker and remover must run at once");
	wr = mmap(NULL, sizeof(*wr) + sizeof(*h), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, wr);
	h = (struct holder *)(wr + 1);
	if (!mr_knob("MR_WALK_HEAD_PAGES", &h->head_pages) ||
	    !mr_knob("MR_WALK_TAIL_MB", &h->tail_mb) ||
	    !mr_knob("MR_WALK_SECONDS", &seconds))
		MR_BROKEN_FATAL("setup", "MR_WALK_HEAD_PAGES, MR_WALK_TAIL_MB or MR_WALK_SECONDS out of range (configs/knobs.tsv)");
	srand(ctx->p.seed);
	MR_OK("setup_tree", mr_pathf(keeper, sizeof(keeper), "%s/keeper",
				     ctx->root));
	MR_OK("setup_tree", mr_cg_create(keeper));
	MR_OK("load", mr_spawn_fn(&hc, "holder", keeper, holder_fn, h));
	t0 = mr_now_ms();
	while (!__atomic_load_n(&h->ready, __ATOMIC_ACQUIRE)) {
		if (mr_child_poll(&hc) != -EBUSY || mr_now_ms() - t0 > MR_LOAD_MS) {
			mr_child_wait(&hc, 0);
			MR_BROKEN_FATAL("load", "holder: no tail of %ld MiB in keeper",
					h->tail_mb);
		}
		mr_sleep_ms(5);
	}
	/* the remover (this process) on CPU 1, away from walker and H */
	pin_cpu(1);

	t0 = mr_now_ms();
	deadline = t0 + seconds * 1000LL;
	while (mr_now_ms() < deadline) {
		MR_OK("setup_tree", mr_pathf(cg, sizeof(cg), "%s/c%ld",
					     ctx->root, cycles));
		MR_OK("setup_tree", mr_cg_create(cg));
		MR_OK("setup_tree", mr_cg_kpath(&ctx->run, cg, kpath,
						sizeof(kpath)));
		MR_KERNEL_OK("move", mr_cg_enter(cg, hc.pid));
		/* the zombie that keeps cN listed, reaped after the check */
		ret = mr_pin(cg);
		if (ret != 1)
			MR_BROKEN_FATAL("load", "pin of %s: %s", cg,
					ret ? strerror(-ret) : "no pin free");
		ret = holder_fault(h, &hc, MR_LOAD_MS);
		if (ret) {
			mr_child_wait(&hc, 0);
			MR_BROKEN_FATAL("load", "holder: fault in the head of %s: %s",
					cg, strerror(-ret));
		}
		cycles++;
		w = 0;
		/*
		 * Every CONTROL_EVERY-th cycle runs without walk and eviction:
		 * what its removed memcg keeps is not the walk's doing.
		 */
		control = !((cycles - 1) % CONTROL_EVERY);
		if (control) {
			shape(kpath, h->head_pages, &s, false);
		} else if (shape(kpath, h->head_pages, &s, cycles - shaped <= 3)) {
			shaped++;
			memset(wr, 0, sizeof(*wr));
			w = fork();
			if (w < 0)
				MR_BROKEN_FATAL("walk", "fork: %s", strerror(errno));
			if (!w) {
				pin_cpu(0);
				wr->start_ms = mr_now_ms();
				wr->ret = mr_lrugen_age(s.id, s.nid, s.max_seq,
							200, 1);
				wr->end_ms = mr_now_ms();
				_exit(0);
			}
			/* into the walk: past the head, early in the tail */
			delay = 1 + (walk_ms > 3 ? rand() % (walk_ms / 3) : 0);
			mr_sleep_ms(delay);
			retired += !mr_lrugen_evict(s.id, s.nid, s.min_seq,
						    201, h->head_pages);
		}
		MR_KERNEL_OK("move", mr_cg_enter(keeper, hc.pid));
		MR_KERNEL_OK("offline", mr_cg_rmdir(cg, MR_DYING_MS));
		rm_ms = mr_now_ms();
		if (w && waitpid(w, &status, 0) != w)
			MR_BROKEN_FATAL("walk", "waitpid: %s", strerror(errno));
		if (control) {
			wait_reparented(kpath, &live, &held);
			mr_unpin_all();
			if (live < 0)
				continue;
			if (live + held > 0 && !controls_dirty++)
				mr_msg("control cycle %ld (no walk): removed %s still counts %lld pages %d ms after its removal",
				       cycles, kpath, live + held, REPARENT_MS);
			controls_clean += !(live + held);
			continue;
		}
		if (!w || !wr->end_ms) {
			mr_unpin_all();
			continue;
		}
		walk_ms = wr->end_ms - wr->start_ms;
		walk_sum += walk_ms;
		raced += wr->end_ms > rm_ms;
		/*
		 * The batch has landed: nothing may be left counted in cN.
		 * Pages in its generations: not reparented at all (6.1);
		 * only in retired slots: the stranded count.
		 */
		listed += wait_reparented(kpath, &live, &held);
		/* now cN may go (the DEBUG_VM check of its counts) */
		mr_unpin_all();
		if (live < 0)
			continue;
		held += live;
		if (held > 0 && !stranded++) {
			snprintf(first, sizeof(first), "%s", kpath);
			first_held = held;
			first_s = (mr_now_ms() - t0) / 1000.0;
		}
		if (held > 0)
			mr_msg("cycle %ld: removed %s counts %lld pages after its walk ended (walk %lld ms, removed %lld ms before its end)",
			       cycles, kpath, held, walk_ms, wr->end_ms - rm_ms);
	}
	mr_offlined(ctx);
	mr_msg("intensity: walk_cycles=%ld shaped=%ld retired_in_walk=%ld removed_in_walk=%ld listed_after_walk=%ld stranded=%ld walk_ms_avg=%.1f cycles_per_s=%.1f",
	       cycles, shaped, retired, raced, listed, stranded,
	       shaped ? (double)walk_sum / shaped : 0.0,
	       cycles * 1000.0 / (mr_now_ms() - t0 + 1));
	h->req = -1;
	ret = mr_child_wait(&hc, MR_LOAD_MS);
	if (ret)
		MR_BROKEN("load", "holder exited %d", ret);
	munmap(wr, sizeof(*wr) + sizeof(*h));
	if (controls_dirty)
		MR_ASSERTION("lrugen_no_dying_pages",
			     "%ld of %ld control cycles (no walk) left pages counted in their removed memcg expected==0",
			     controls_dirty, controls_dirty + controls_clean);
	/*
	 * The walk's doing when the control cycles were clean; one line,
	 * the known-issue token must end it.
	 */
	if (stranded)
		MR_ASSERTION("lrugen_no_dying_pages",
			     "%ld of %ld memcgs removed during an MGLRU walk of their task counted pages after the walk ended and their reparenting (first %.1f s into the race: %s, %lld pages) expected==0%s",
			     stranded, listed, first_s, first, first_held,
			     controls_clean && !controls_dirty ?
			     " cause=stranded_gen_count" : "");
	if (!raced)
		MR_ASSERTION("walk_raced",
			     "removed_in_walk=0 expected>0 (of %ld cycles, %ld shaped): the race was never set up",
			     cycles, shaped);
	mr_check_dying(_metadata, ctx);
	mr_check_sizes(_metadata, ctx);
}

TEST_HARNESS_MAIN
