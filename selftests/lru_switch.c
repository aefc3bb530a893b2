// SPDX-License-Identifier: GPL-2.0-only
/*
 * lru_switch - MGLRU switched on and off while memcgs come and go
 *
 *	t				test root, target of the reclaimer
 *	├── keeper			holders move here before an rmdir
 *	├── k0c0/l1/.../l<d-1>		churner 0's subtree of this cycle
 *	├── k1c5/l1 ...			churner 1's, ... (MR_CHURNERS of them)
 *
 *	ctl (outside t)		churners and workers: the switcher writes
 *				"y" and "n" to /sys/kernel/mm/lru_gen/enabled
 *				at random intervals of 0-50 ms; the reclaimer
 *				writes memory.reclaim on t and on random
 *				memcgs below it
 *
 * Switching moves every folio of every memcg between the generations and
 * the classic active/inactive lists, and a memcg going offline reparents
 * its folios with the one or the other code depending on the switch, so
 * the two must agree on every list they leave behind.  For MR_RACE_SECONDS
 * the churn engine (lib/mr_churn.c, as in reparent_race) builds, loads and
 * removes subtrees up to MR_RACE_DEPTH deep with MR_CHURNERS churners at
 * once.  Churner 0's leaf also gets this test's own load: a file writer of
 * MR_FILE_MB (fio, or C with MR_JOBS=0) and MR_ANON_MB of anon from a task
 * that then moves to the keeper (so the anon stays charged to the leaf)
 * and exits a few cycles later.
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
 *   worker_effect		at least 10 % of the memory.reclaim writes took
 *				effect
 *   churn			no churner failed
 *   no_oom_kill, kernel_clean	(teardown) no memcg OOM kill in t's subtree
 *				(the churners set memory.high, never
 *				memory.max); no WARN, BUG, bad taint
 *
 * The original value of the switch is restored at the end, whatever way
 * the test ends (mr_lru_gen_set()).
 */
#include "mr_test.h"
#include "mr_churn.h"

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

/*
 * Cycle @cycle of churner 0: a page cache writer of MR_FILE_MB in its leaf
 * and an anon holder of MR_ANON_MB that moves to the keeper (so the anon
 * stays charged to the leaf) and exits a few cycles later; the engine then
 * offlines the subtree.
 */
static int leaf_load(struct __test_metadata *_metadata, struct mr_ctx *ctx,
		     void *arg, const char *leaf, const char *keeper, int cycle,
		     struct mr_holders *hs)
{
	size_t anon = (size_t)ctx->p.anon_mb << 20;
	struct mr_child c, *h;

	(void)arg;

	MR_OK("load", mr_churn_leaf_file(&c, ctx, leaf, cycle, NULL));
	if (mr_child_wait(&c, MR_LOAD_MS))
		MR_BROKEN_FATAL("load", "writer of c%d failed", cycle + 1);

	h = &mr_holders_next(hs)->c;
	mr_holders_push(hs);
	MR_OK("load", mr_spawn_fn(h, "anon holder", leaf, mr_anon_hold, &anon));
	if (mr_child_ready(h, MR_LOAD_MS)) {
		mr_child_wait(h, 1000);
		MR_BROKEN_FATAL("load", "anon holder of c%d did not get ready",
				cycle + 1);
	}
	MR_KERNEL_OK("move", mr_cg_enter(keeper, h->pid));
	MR_OK("load", mr_syncfs(ctx));
	return 0;
}

TEST_F_TIMEOUT(lru_switch, offline, mr_race_timeout())
{
	struct mr_ctx *ctx = &self->ctx;
	struct mr_churn_test t = {
		.metadata = _metadata, .ctx = ctx, .leaf = leaf_load,
	};
	/* the anon holders exit when released, the oldest first */
	struct mr_churn_cfg cfg = {
		.load = { .leaf = mr_churn_test_leaf, .arg = &t,
			  .holders = MAX_HOLDERS, .release = true },
	};
	struct switcher sw = { .ctx = ctx };
	struct mr_churn_stats cs;
	struct mr_child switcher_c;
	char keeper[PATH_MAX];
	int ret;

	mr_churn_test_start(&cfg, ctx, keeper, sizeof(keeper));
	sw.toggles = mmap(NULL, sizeof(*sw.toggles), PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sw.toggles);

	MR_OK("workers", mr_spawn_fn(&switcher_c, "switcher", ctx->ctl,
				     switcher, &sw));
	ret = mr_churn_run(&cfg, &cs);
	kill(switcher_c.pid, SIGTERM);
	if (mr_child_wait(&switcher_c, MR_LOAD_MS))
		MR_ASSERTION("race_workers", "%s failed (see above)",
			     switcher_c.name);
	mr_churn_report(&cfg, &cs);
	if (ret)
		MR_ASSERTION("churn", "failed=%d expected==0 (churners and workers, see above)",
			     cs.failed);
	if (cs.holder_failures)
		MR_BROKEN("load", "%ld holder(s) failed", cs.holder_failures);
	mr_msg("%ld memcgs offlined in %ld s, MGLRU switched %ld times",
	       cs.offlines, ctx->p.race_seconds, *sw.toggles);
	if (*sw.toggles < 2)
		MR_ASSERTION("lru_switch_toggles",
			     "toggles=%ld expected>=2", *sw.toggles);
	if (!mr_churn_effective(cs.reclaim_effective, cs.reclaim_cmds))
		MR_ASSERTION("worker_effect",
			     "reclaim_effective=%ld expected>=%d%% of %ld memory.reclaim writes",
			     cs.reclaim_effective, MR_EFFECT_MIN_PCT, cs.reclaim_cmds);

	MR_KERNEL_OK("lru_switch", mr_lru_gen_set(ctx, variant->end_mglru));
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
