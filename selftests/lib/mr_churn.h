/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The churn engine of the race tests (reparent_race, lru_switch): it owns
 * the concurrent churners, which create, load, move and offline subtrees of
 * their own below the test root, the pressure workers that run meanwhile
 * (memory.reclaim, lru_gen aging and eviction), and the intensity counters
 * the tests report.  The assertions stay with the tests.
 */
#ifndef MR_CHURN_H
#define MR_CHURN_H

#include <signal.h>
#include <stdbool.h>

#include "mr_cgroup.h"
#include "mr_load.h"

struct mr_ctx;

/* Set by SIGTERM in a worker: finish the current step and exit */
extern volatile sig_atomic_t mr_stop;

/**
 * mr_worker_init() - in a forked worker: stop on SIGTERM (mr_stop), own
 *		      reproducible random sequence
 * @ctx: test context (its seed)
 * @salt: added to the seed
 */
void mr_worker_init(const struct mr_ctx *ctx, unsigned int salt);

/** mr_race_timeout() - TEST_F_TIMEOUT of a churn test: its duration plus setup and checks */
int mr_race_timeout(void);

/*
 * Load per memcg of a churn subtree, at every level: page cache written and
 * written back (the churn benchmark's load per memcg), and anon of a task
 * that either exits (short-lived) or keeps touching it from the keeper.
 */
#define MR_CHURN_FILE_BYTES	(256 << 10)
#define MR_CHURN_ANON_BYTES	(256 << 10)

/**
 * struct mr_holder - a holder: a process that keeps using the memory it
 *		      charged to a leaf after it moved to the keeper
 * @c: the process
 * @moved_ms: mr_now_ms() at its move, 0 before
 */
struct mr_holder {
	struct mr_child c;
	long long moved_ms;
};

/**
 * struct mr_holders - the holders kept alive across cycles, oldest first
 *		       (the churners' own, and churner 0's of a test's leaf
 *		       load)
 * @h: @max slots, @nr of them running
 * @max: capacity
 * @nr: holders running
 * @release: end a holder with mr_child_release() (a function child waiting
 *	     in mr_hold(), which then exits 0); else with SIGTERM, and one
 *	     that exited before fails
 * @failed: holders that did not end as asked
 */
struct mr_holders {
	struct mr_holder *h;
	int max;
	int nr;
	bool release;
	int failed;
};

/** mr_holders_init() - an empty pool of @max; 0 or -ENOMEM */
int mr_holders_init(struct mr_holders *hs, int max, bool release);

/** mr_holders_free() - release the slots of a pool whose holders ended */
void mr_holders_free(struct mr_holders *hs);

/**
 * mr_holders_next() - the slot for a new holder, the oldest holder ended
 *		       first when every slot is taken
 * @hs: pool
 *
 * Start the holder in it, then mr_holders_push().
 */
struct mr_holder *mr_holders_next(struct mr_holders *hs);

/** mr_holders_push() - the slot of mr_holders_next() runs a holder now */
void mr_holders_push(struct mr_holders *hs);

/**
 * mr_holders_stop() - end, oldest first, the holders that moved at least
 *		       @age_ms ago (every one with @age_ms < 0)
 * @hs: pool
 * @age_ms: age
 *
 * Return: how many of them failed (added to @hs->failed too).
 */
int mr_holders_stop(struct mr_holders *hs, long long age_ms);

/**
 * struct mr_churn_load - extra load a test puts into churner 0's leaves
 * @leaf: called in churner 0 for the leaf of each cycle, after the engine's
 *	  own load and before the subtree goes; may start holders in @hs
 *	  that it moves to @keeper, which the engine ends at the end of the
 *	  run (their failures count as holder failures).  Returns 0, else the
 *	  churner fails.
 * @arg: argument of @leaf
 * @holders: the slots of @hs (MAX_HOLDERS of the test)
 * @release: how @hs's holders end (struct mr_holders)
 */
struct mr_churn_load {
	int (*leaf)(void *arg, const char *leaf, const char *keeper, int cycle,
		    struct mr_holders *hs);
	void *arg;
	int holders;
	bool release;
};

/**
 * struct mr_churn_cfg - what to churn, for how long, under which pressure
 * @root: the test root; subtrees are created below it
 * @ctl: cgroup of the churners and workers (outside @root)
 * @keeper: cgroup below @root where holders move before an rmdir
 * @files: scratch folder for the page cache files
 * @run: the run subtree (kernel paths for debugfs lru_gen)
 * @seed: seed of every random choice
 * @seconds: how long the churners start new cycles
 * @churners: concurrent churner processes (MR_CHURNERS)
 * @max_depth: deepest subtree (MR_RACE_DEPTH)
 * @lrugen: shape parent/child generations before offlines and run the
 *	    lru_gen aging/eviction worker
 * @no_workers: no memory.reclaim or lru_gen worker (the benchmark's plain
 *		mode)
 * @load: the test's own leaf load (may be all NULL)
 */
struct mr_churn_cfg {
	const char *root;
	const char *ctl;
	const char *keeper;
	const char *files;
	const struct mr_cg_run *run;
	long seed;
	long seconds;
	int churners;
	int max_depth;
	bool lrugen;
	bool no_workers;
	struct mr_churn_load load;
};

/**
 * struct mr_churn_stats - what a churn run did
 * @offlines: memcgs removed
 * @cycles: subtrees built and removed
 * @bottom_up: cycles that removed the subtree bottom-up in one go
 * @deepest: deepest subtree built
 * @file_pages: page cache pages the removed subtrees held just before
 *		their removal (moved by reparenting into the surviving
 *		parent, the test root)
 * @anon_pages: anon pages likewise
 * @gen_mismatch: leaf offlines with leaf and parent generation counts
 *		  differing (lrugen)
 * @shaped: leaf offlines whose generations were shaped (lrugen)
 * @shape_missed: leaf offlines not shaped: the leaf or its parent was
 *		  missing from every lru_gen dump read meanwhile
 * @high_limits: memory.high limits set on inner memcgs
 * @high_events: memory.events "high" of the removed subtrees
 * @reclaim_cmds: memory.reclaim writes of the workers
 * @reclaim_effective: those that reclaimed what they asked for
 * @lrugen_cmds: lru_gen commands of the worker
 * @lrugen_effective: those the kernel accepted (aged or evicted)
 * @walks: accepted aging commands with force_scan on a leaf about to go
 * @holder_failures: holders that died before they were stopped
 * @build_ms: time the churners spent creating and loading subtrees
 * @leaf_load_ms: ... in the test's own leaf load (churner 0)
 * @shape_ms: ... shaping generations and setting memory.high
 * @remove_ms: ... removing subtrees
 * @elapsed_ms: from the first churner start to the last churner exit
 * @failed: churners or workers that failed (their messages are above)
 */
struct mr_churn_stats {
	long offlines;
	long cycles;
	long bottom_up;
	long deepest;
	long long file_pages;
	long long anon_pages;
	long gen_mismatch;
	long shaped;
	long shape_missed;
	long high_limits;
	long long high_events;
	long reclaim_cmds;
	long reclaim_effective;
	long lrugen_cmds;
	long lrugen_effective;
	long walks;
	long holder_failures;
	long long build_ms;
	long long leaf_load_ms;
	long long shape_ms;
	long long remove_ms;
	long long elapsed_ms;
	int failed;
};

/**
 * mr_churn_params() - MR_CHURNERS and MR_RACE_DEPTH from the environment
 * @churners: default 2 x online CPUs, range 1-256
 * @max_depth: default 4, range 1-256, and no deeper than the
 *	       cgroup.max.depth of @root allows
 * @root: the test root
 *
 * Return: 0, or -EINVAL after printing what is wrong.
 */
int mr_churn_params(const char *root, int *churners, int *max_depth);

/**
 * mr_churn_run() - churn for @cfg->seconds, then wait for everything
 * @cfg: configuration
 * @st: receives the counters
 *
 * Forks the workers and churners into @cfg->ctl, waits until the churners
 * removed their last subtree and stopped their holders, then stops the
 * workers.  Everything it created below @cfg->root is gone again, except
 * @cfg->keeper.
 *
 * Return: 0, or -1 when a churner or worker failed (@st->failed).
 */
int mr_churn_run(const struct mr_churn_cfg *cfg, struct mr_churn_stats *st);

/**
 * mr_churn_report() - print the intensity as one KTAP diagnostic
 * @cfg: configuration of the run
 * @st: its counters
 *
 * "# intensity: offlines=N offlines_per_s=X reparented_file_pages=N
 * reparented_anon_pages=N gen_mismatch_offlines=N worker_cmds_effective=N
 * ..." - key=value pairs, the first six in this order, more after them.
 */
void mr_churn_report(const struct mr_churn_cfg *cfg,
		     const struct mr_churn_stats *st);

/**
 * mr_churn_test_start() - the frame of a churn test (reparent_race,
 *			   lru_switch): @cfg from @ctx, the keeper
 * @cfg: receives the test root, ctl, files, run, seed, duration,
 *	 MR_CHURNERS and MR_RACE_DEPTH (the test sets the rest)
 * @ctx: test context
 * @keeper: receives the keeper below the test root, created
 * @len: size of @keeper
 *
 * Seeds the test process's random sequence.  Stops the test as broken
 * ("params", "setup_tree") when it cannot.
 */
void mr_churn_test_start(struct mr_churn_cfg *cfg, const struct mr_ctx *ctx,
			 char *keeper, size_t len);

/**
 * mr_churn_leaf_file() - start the page cache writer of a churn test's
 *			  leaf load
 * @c: the writer, for the caller to wait for
 * @ctx: test context
 * @leaf: the leaf of cycle @cycle of churner 0
 * @cycle: the cycle
 * @job: fio job file, NULL for leaf-file-write.fio (see mr_start_writer())
 *
 * The file is c<cycle + 1>.dat of MR_FILE_MB in the run's scratch folder.
 *
 * Return: 0 or a negative errno.
 */
int mr_churn_leaf_file(struct mr_child *c, const struct mr_ctx *ctx,
		       const char *leaf, int cycle, const char *job);

/*
 * worker_effect: a worker exercised something only when at least this share
 * of its commands took effect.  Measured (docs/measurements.md, session 6):
 * at least 47 % of the lru_gen commands (25 runs) and 42 % of the
 * memory.reclaim writes (54 runs) on Debian's 7.2.13 and the debug build; 0.2 % (1 of
 * 467, a walk that natural aging made look effective) on a kernel whose
 * lru_gen debugfs refused every command (lrugen-commands-ignored).
 */
#define MR_EFFECT_MIN_PCT	10

/* true when @effective of @cmds commands is a share of at least 10 % */
static inline bool mr_churn_effective(long effective, long cmds)
{
	return cmds > 0 && effective * 100 >= cmds * MR_EFFECT_MIN_PCT;
}

#endif /* MR_CHURN_H */
