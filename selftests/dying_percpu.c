// SPDX-License-Identifier: GPL-2.0-only
/*
 * dying_percpu - memcgs that charged through a CPU's charge stock are freed
 *
 *	t
 *	├── c0		a task joins c0, faults in 1 page of anon on one CPU
 *	├── c1		and exits on the other; c0 is removed; the same with
 *	├── ...		2 pages in c1, ..., MR_PERCPU_MEMCGS pages in the last
 *	└── cN-1
 *
 * Charges go through a per-CPU stock (mm/memcontrol.c): try_charge_memcg()
 * charges a batch of MEMCG_CHARGE_BATCH (64) pages and caches the surplus
 * in one of the CPU's NR_MEMCG_STOCK slots, which holds a css reference on
 * the memcg; consume_stock() takes pages from the slot and can leave it at 0
 * pages while the memcg is still cached.  At offline, drain_all_stock()
 * drains only the CPUs whose slots of the subtree hold pages
 * (is_memcg_drain_needed()), so a slot at 0 keeps its reference, and the
 * removed memcg stays dying until that slot is reused on that CPU, on an
 * idle machine forever.  Counting 1..N pages per memcg makes some of the
 * memcgs end with their slot at exactly 0 whatever else (page tables, task
 * structures) the task charged.
 *
 * Variants: cpu0, cpu1 (the CPU the pages are charged on; the task exits on
 * CPU 1 or 0, so that the kmem its exit uncharges refills another CPU's
 * stock).  Needs 2 CPUs.
 *
 * Asserted:
 *   dying_memcgs	after each rmdir, while nothing charges on that CPU
 *			(the test itself runs on the other), t's
 *			nr_dying_descendants returns to its value from before
 *			the test within PER_MEMCG_MS; the sweep stops after
 *			MAX_PINNED memcgs that were not.  The diagnosis says
 *			whether draining every CPU's stock (CPU hotplug, in
 *			the suite's VM only) freed it: "percpu_stock".
 *
 * A kernel without reparenting (6.1) fails too, on the anon the tasks left
 * charged: nothing reparents it, so every cN stays.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/mman.h>

#include "mr_test.h"

static const struct mr_needs needs = {
	.root = true,
	.memcg = true,
};

FIXTURE(dying_percpu) {
	struct mr_ctx ctx;
};

FIXTURE_VARIANT(dying_percpu) {
	int cpu;
};

FIXTURE_VARIANT_ADD(dying_percpu, cpu0) {
	.cpu = 0,
};

FIXTURE_VARIANT_ADD(dying_percpu, cpu1) {
	.cpu = 1,
};

FIXTURE_SETUP(dying_percpu)
{
	mr_setup(_metadata, &self->ctx, &needs);
}

FIXTURE_TEARDOWN_PARENT(dying_percpu)
{
	mr_teardown(_metadata, &self->ctx);
}

struct touch {
	int cpu;
	int exit_cpu;
	long pages;
};

/* In the child, already in its memcg: pin, fault in the pages, exit. */
static int touch_fn(void *arg)
{
	const struct touch *t = arg;
	long psz = mr_page_size(), i;
	cpu_set_t set;
	char *p;

	CPU_ZERO(&set);
	CPU_SET(t->cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return -errno;
	p = mmap(NULL, t->pages * psz, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	/* one charge per page: no THP */
	madvise(p, t->pages * psz, MADV_NOHUGEPAGE);
	for (i = 0; i < t->pages; i++)
		p[i * psz] = 1;
	/*
	 * Exit elsewhere: what the exit uncharges of kmem (page tables) goes
	 * back into the stock of the CPU it runs on, which would refill the
	 * slot of the CPU the pages were charged on.
	 */
	CPU_ZERO(&set);
	CPU_SET(t->exit_cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return -errno;
	return 0;
}

static bool dying_at_base(const struct mr_ctx *ctx, long long *dying)
{
	return !mr_cgroup_stat(ctx->root, "nr_dying_descendants", dying) &&
	       *dying <= ctx->dying_base;
}

/* Pinned cases after which the sweep stops: each costs PER_MEMCG_MS */
#define MAX_PINNED	2
/*
 * Bound for one memcg, nothing else running: freed in 40-400 ms under TCG
 * (RCU and the offline work); the test's bound for a whole tree is twice it
 */
#define PER_MEMCG_MS	(MR_DYING_MS / 2)

TEST_F_TIMEOUT(dying_percpu, offline, 150)
{
	struct mr_ctx *ctx = &self->ctx;
	long nr, cpus = mr_nr_cpus();
	struct touch t = { .cpu = variant->cpu, .exit_cpu = !variant->cpu };
	long long t0, dying, waited;
	int ret, pinned = 0;
	bool stock;
	char cg[PATH_MAX];
	struct mr_child c;
	cpu_set_t set;

	if (cpus < 2)
		SKIP(return, "one CPU: the tasks must charge on one and exit on another");
	if (!mr_knob("MR_PERCPU_MEMCGS", &nr))
		MR_BROKEN_FATAL("setup", "MR_PERCPU_MEMCGS out of range (configs/knobs.tsv)");
	/* nothing of the test itself charges on the CPU under test */
	CPU_ZERO(&set);
	CPU_SET(t.exit_cpu, &set);
	MR_OK("setup", sched_setaffinity(0, sizeof(set), &set) ? -errno : 0);

	t0 = mr_now_ms();
	for (t.pages = 1; t.pages <= nr && pinned < MAX_PINNED; t.pages++) {
		MR_OK("load", mr_pathf(cg, sizeof(cg), "%s/c%ld", ctx->root,
				       t.pages - 1));
		MR_OK("load", mr_cg_create(cg));
		MR_OK("load", mr_spawn_fn(&c, "touch", cg, touch_fn, &t));
		ret = mr_child_wait(&c, MR_LOAD_MS);
		if (ret)
			MR_BROKEN_FATAL("load", "task of %s: exit %d", cg, ret);
		MR_KERNEL_OK("offline", mr_cg_rmdir(cg, MR_DYING_MS));
		/*
		 * Judged memcg by memcg: the offline of the next one drains
		 * the whole stock of a CPU where its own slot holds pages, and
		 * with it a slot left at 0 by this one.
		 */
		if (mr_poll_until(dying_at_base(ctx, &dying), PER_MEMCG_MS,
				  &waited, "the memcg to be freed"))
			continue;
		pinned++;
		mr_msg("removed but not freed: %s, %ld page(s) charged on CPU %d, nothing charged there since",
		       cg, t.pages, t.cpu);
		stock = mr_dying_stock_diagnosis(ctx);
		MR_ASSERTION("dying_memcgs",
			     "%s (%ld pages charged on CPU %d) nr_dying_descendants=%lld expected<=%lld (waited %lld ms)%s",
			     cg, t.pages, t.cpu, dying, ctx->dying_base, waited,
			     stock ? " cause=percpu_stock" : "");
	}
	mr_msg("%ld memcgs charged from CPU %d and removed in %lld ms, %d not freed",
	       t.pages - 1, variant->cpu, mr_now_ms() - t0, pinned);
	mr_check_dying(_metadata, ctx);
}

TEST_HARNESS_MAIN
