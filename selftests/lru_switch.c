// SPDX-License-Identifier: GPL-2.0-only
/*
 * lru_switch - MGLRU switched on and off while memcgs come and go
 *
 *	t				test root, target of the reclaimer
 *	├── keeper			anon holders move here before rmdir
 *	├── c1				a leaf, or c1/g (random): created,
 *	├── c2 ...			loaded, offlined in a loop
 *
 *	ctl (outside t)		workers: the switcher writes "y" and "n" to
 *				/sys/kernel/mm/lru_gen/enabled at random
 *				intervals of 0-50 ms; the reclaimer writes
 *				memory.reclaim on t
 *
 * Switching moves every folio of every memcg between the generations and
 * the classic active/inactive lists, and a memcg going offline reparents
 * its folios with the one or the other code depending on the switch, so
 * the two must agree on every list they leave behind.  For MR_RACE_SECONDS
 * each iteration creates a child, writes a file in it (fio, or C with
 * MR_JOBS=0), faults MR_ANON_MB of anon in it from a task that then moves
 * to the keeper (so the anon stays charged to the child), and offlines the
 * child; holders exit a few iterations later.
 *
 * At quiescence (workers stopped, tasks gone, syncfs) the switch is forced
 * to a known state, MGLRU in variant "to_mglru", the classic LRU in
 * "to_classic", and then:
 *
 *   dying_memcgs		the offlined memcgs are freed
 *   lru_split, lru_local	the size checks of sizes_match, under the
 *   lrugen_*			final LRU (the lru_gen ones only with MGLRU)
 *   reparented_reachable	memory.reclaim on t frees the page cache
 *   lru_switch_toggles	the switcher switched at least twice
 *   race_workers		no worker met an errno that is no normal answer
 *   no_oom_kill, kernel_clean	(teardown) no memcg OOM kill in t's subtree,
 *				no limit being set; no WARN, BUG, bad taint
 *
 * The original value of the switch is restored at the end, whatever way
 * the test ends (mr_lru_gen_set()).
 */
#include "mr_test.h"

#define MAX_HOLDERS	8

static const struct mr_needs needs = {
	.root = true,
	.memcg = true,
	.scratch = true,
	.fio = true,
	/* the switch is driven directly: needs CONFIG_LRU_GEN, not debugfs */
	.mglru = MR_MGLRU_ON,
};

FIXTURE(lru_switch) {
	struct mr_ctx ctx;
};

FIXTURE_VARIANT(lru_switch) {
	/* the LRU forced at the end, before the checks */
	bool end_mglru;
};

FIXTURE_VARIANT_ADD(lru_switch, to_mglru) {
	.end_mglru = true,
};

FIXTURE_VARIANT_ADD(lru_switch, to_classic) {
	.end_mglru = false,
};

FIXTURE_SETUP(lru_switch)
{
	mr_setup(_metadata, &self->ctx, &needs);
}

FIXTURE_TEARDOWN_PARENT(lru_switch)
{
	mr_teardown(_metadata, &self->ctx);
}

struct switcher {
	const struct mr_ctx *ctx;
	/* shared with the test process */
	long *toggles;
};

static int switcher(void *arg)
{
	const struct switcher *sw = arg;
	bool on = false;
	int ret, bad = 0;

	mr_worker_init(sw->ctx, 3);
	while (!mr_stop) {
		ret = mr_write_file(MR_LRU_GEN_ENABLED, on ? "y" : "n");
		if (ret && bad++ < 5)
			mr_err(ret, "write %s %c", MR_LRU_GEN_ENABLED,
			       on ? 'y' : 'n');
		if (!ret)
			__atomic_add_fetch(sw->toggles, 1, __ATOMIC_RELAXED);
		on = !on;
		mr_sleep_ms(rand() % 51);
	}
	return bad ? 1 : 0;
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

/* Lets the oldest holder exit; returns 1 if it failed. */
static int release_oldest(struct mr_child *holders, int *nr)
{
	int ret;

	mr_child_release(&holders[0]);
	ret = mr_child_wait(&holders[0], MR_LOAD_MS);
	memmove(holders, holders + 1, --*nr * sizeof(*holders));
	return ret ? 1 : 0;
}

/* One create, load, offline cycle of child @i; returns memcgs offlined. */
static int cycle(struct __test_metadata *_metadata, struct mr_ctx *ctx,
		 const char *keeper, int i, struct mr_child *holders,
		 int *nr_holders, int *holder_failures)
{
	long long bytes = ctx->p.file_mb << 20;
	size_t anon = (size_t)ctx->p.anon_mb << 20;
	char top[PATH_MAX], leaf[PATH_MAX], file[PATH_MAX], name[32];
	bool nested = rand() % 2;
	struct mr_child c, *h;

	MR_OK("cycle", mr_pathf(top, sizeof(top), "%s/c%d", ctx->root, i));
	MR_OK("cycle", mr_pathf(leaf, sizeof(leaf), nested ? "%s/g" : "%s",
				top));
	MR_OK("cycle", mr_cg_create(leaf));

	snprintf(name, sizeof(name), "c%d.dat", i);
	MR_OK("load", mr_scratch_file(ctx, name, bytes, file, sizeof(file)));
	MR_OK("load", mr_start_writer(&c, ctx, leaf, file, bytes, NULL));
	if (mr_child_wait(&c, MR_LOAD_MS))
		MR_FATAL("load", "writer of c%d failed", i);

	if (*nr_holders == MAX_HOLDERS)
		*holder_failures += release_oldest(holders, nr_holders);
	h = &holders[(*nr_holders)++];
	MR_OK("load", mr_spawn_fn(h, "anon holder", leaf, hold_anon, &anon));
	if (mr_child_ready(h, MR_LOAD_MS)) {
		mr_child_wait(h, 1000);
		MR_FATAL("load", "anon holder of c%d did not get ready", i);
	}
	MR_OK("move", mr_cg_enter(keeper, h->pid));
	MR_OK("load", mr_syncfs(ctx));

	MR_OK("offline", mr_cg_rmdir(leaf, MR_DYING_MS));
	if (nested)
		MR_OK("offline", mr_cg_rmdir(top, MR_DYING_MS));
	return 1 + nested;
}

TEST_F_TIMEOUT(lru_switch, offline, mr_race_timeout())
{
	struct mr_ctx *ctx = &self->ctx;
	struct mr_child holders[MAX_HOLDERS], workers[2];
	int i, nr_holders = 0, offlines = 0, holder_failures = 0;
	struct switcher sw = { .ctx = ctx };
	long long deadline;
	char keeper[PATH_MAX];

	srand(ctx->p.seed);
	sw.toggles = mmap(NULL, sizeof(*sw.toggles), PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sw.toggles);
	MR_OK("setup_tree", mr_pathf(keeper, sizeof(keeper), "%s/keeper",
				     ctx->root));
	MR_OK("setup_tree", mr_cg_create(keeper));

	MR_OK("workers", mr_spawn_fn(&workers[0], "switcher", ctx->ctl,
				     switcher, &sw));
	MR_OK("workers", mr_spawn_fn(&workers[1], "reclaimer", ctx->ctl,
				     mr_reclaimer, ctx));

	deadline = mr_now_ms() + ctx->p.race_seconds * 1000;
	for (i = 1; mr_now_ms() < deadline; i++)
		offlines += cycle(_metadata, ctx, keeper, i, holders,
				  &nr_holders, &holder_failures);

	for (i = 0; i < 2; i++)
		kill(workers[i].pid, SIGTERM);
	for (i = 0; i < 2; i++)
		if (mr_child_wait(&workers[i], MR_LOAD_MS))
			MR_ASSERTION("race_workers", "%s failed (see above)",
				     workers[i].name);
	while (nr_holders)
		holder_failures += release_oldest(holders, &nr_holders);
	if (holder_failures)
		MR_ASSERTION("load", "%d anon holder(s) failed",
			     holder_failures);
	mr_msg("%d memcgs offlined in %ld s, MGLRU switched %ld times",
	       offlines, ctx->p.race_seconds, *sw.toggles);
	if (*sw.toggles < 2)
		MR_ASSERTION("lru_switch_toggles",
			     "toggles=%ld expected>=2", *sw.toggles);

	MR_OK("lru_switch", mr_lru_gen_set(ctx, variant->end_mglru));
	mr_msg("final state: MGLRU %s%s", variant->end_mglru ? "on" : "off",
	       variant->end_mglru && !ctx->mglru ?
	       " (debugfs lru_gen not readable: lru_gen checks skipped)" : "");
	MR_OK("load", mr_syncfs(ctx));
	mr_check_dying(_metadata, ctx);
	mr_check_sizes(_metadata, ctx);
	mr_check_reachable(_metadata, ctx);
	munmap(sw.toggles, sizeof(*sw.toggles));
}

TEST_HARNESS_MAIN
