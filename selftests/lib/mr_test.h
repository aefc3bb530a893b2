/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Test glue of the memcg_reparent suite on top of kselftest_harness.h.
 *
 * Harness glue only: the library (lib/mr_*.c, see mr_ctx.h) knows nothing of
 * kselftest_harness.h; this header turns its verdicts into the harness's.
 *
 * Include it once, from the test program.  Each program declares its needs
 * (struct mr_needs, after LTP's struct tst_test) and embeds a struct mr_ctx
 * in its fixture; mr_setup() checks the needs (SKIP with the reason), reads
 * the parameters from the environment and builds this layout:
 *
 *	BASE/memcg_reparent.OWNER/	run subtree, OWNER = pid doing teardown
 *	 ├── ctl/			the test process and its helpers
 *	 └── t/				test root: every tree and assertion
 *
 * The fixture teardown must be FIXTURE_TEARDOWN_PARENT() calling
 * mr_teardown(): it runs in the parent of the test process, so it also runs
 * when the test crashes or fails an assertion.  It checks the kernel log and
 * taint of the test's window, then kills and removes the run subtree.
 * SIGINT/SIGTERM/SIGHUP of the harness do the same at once; a subtree left
 * by a SIGKILLed run is reaped by the next one (its owner is dead).
 *
 * Failures of the suite's own assertions are printed as one TAP diagnostic
 *	# ASSERTION <name>: <measured> expected<op><bound> [(context)]
 * which the runner quotes as "the failing assertion" (the first one of a
 * failing test).  A step of the test's own machinery that could not be done
 * (a file not written, a helper not started, a file it could not read or
 * parse) is no verdict on the kernel and is printed as
 *	# BROKEN <step>: <what> = -<ERRNO> (<message>) at <file>:<line>
 * (LTP's TBROK against TFAIL): the case ends "broken", the run exits 3 (125
 * under --bisect) unless a case failed.  Where the kernel's answer to the
 * step is what the test checks (an rmdir that fails with EBUSY after the
 * tasks left, a task the kernel does not move), the step is an assertion:
 * MR_KERNEL_OK(), not MR_OK().
 */
#ifndef MR_TEST_H
#define MR_TEST_H

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "mr_cgroup.h"
#include "mr_check.h"
#include "mr_churn.h"
#include "mr_ctx.h"
#include "mr_diag.h"
#include "mr_kmsg.h"
#include "mr_knob.h"
#include "mr_load.h"
#include "mr_lrugen.h"
#include "mr_numa.h"
#include "mr_pin.h"
#include "mr_scratch.h"
#include "mr_stat.h"
#include "mr_tree.h"
#include "mr_util.h"

/**
 * enum mr_mglru - the LRU a test (variant) runs under
 * @MR_MGLRU_DEFAULT: whatever the kernel runs with; the knob is not touched
 * @MR_MGLRU_ON: MGLRU, switched on for the test if it is off
 * @MR_MGLRU_OFF: the classic active/inactive LRU, MGLRU switched off
 */
enum mr_mglru {
	MR_MGLRU_DEFAULT,
	MR_MGLRU_ON,
	MR_MGLRU_OFF,
};

/**
 * struct mr_needs - what a test program needs to run at all
 * @root: euid 0
 * @memcg: a cgroup v2 hierarchy with the memory controller
 * @scratch: $MR_SCRATCH on a block file system (page cache tests)
 * @fio: fio in $PATH and the fio job files (unless MR_JOBS=0)
 * @stress_ng: stress-ng in $PATH and the stress-ng job files (unless
 *	       MR_JOBS=0)
 * @lru_gen: MGLRU enabled and debugfs lru_gen readable
 * @swap: an active swap area (zram in the VM)
 * @nodes: at least this many NUMA nodes with memory (the suite's VM has 2:
 *	   reparenting runs node by node, one node never exercises the loop)
 * @mglru: the LRU to run under; ON and OFF need CONFIG_LRU_GEN (SKIP
 *	   without) and switch the global knob for the test, see
 *	   mr_lru_gen_set()
 */
struct mr_needs {
	bool root;
	bool memcg;
	bool scratch;
	bool fio;
	bool stress_ng;
	bool lru_gen;
	bool swap;
	int nodes;
	enum mr_mglru mglru;
};

/*
 * State the harness process needs to clean up on a signal.  @lru_gen_saved
 * is the value of MR_LRU_GEN_ENABLED before a test changed it ("" while
 * untouched): shared, so that whichever process cleans up restores it.
 */
struct mr_shared {
	pid_t main_pid;
	pid_t pgid;
	struct mr_cg_run run;
	struct mr_cg_run last;
	char lru_gen_saved[32];
};

static struct mr_shared *mr_shared;

/*
 * Puts MGLRU's global switch back to the value saved by mr_lru_gen_set().
 * Only system calls: the signal handler calls it.  Runs from mr_teardown(),
 * after a failed setup, on SIGINT/SIGTERM/SIGHUP, at the start of the next
 * test (a test killed by the harness timeout has no teardown) and when the
 * program exits.
 */
static inline int mr_lru_gen_restore(void)
{
	int ret;

	if (!mr_shared || !mr_shared->lru_gen_saved[0])
		return 0;
	ret = mr_write_file(MR_LRU_GEN_ENABLED, mr_shared->lru_gen_saved);
	if (!ret)
		mr_shared->lru_gen_saved[0] = '\0';
	return ret;
}

/*
 * The test runs in a process group of its own (the harness calls setpgrp())
 * that a terminal's SIGINT does not reach: the harness process kills it and
 * removes the run subtree itself.
 */
static void mr_on_signal(int sig)
{
	if (mr_shared && getpid() == mr_shared->main_pid) {
		if (mr_shared->pgid > 0)
			kill(-mr_shared->pgid, SIGKILL);
		mr_cg_run_destroy(&mr_shared->run);
		mr_lru_gen_restore();
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void __attribute__((constructor)) mr_test_init(void)
{
	struct sigaction sa = { .sa_handler = mr_on_signal };

	mr_shared = mmap(NULL, sizeof(*mr_shared), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mr_shared == MAP_FAILED) {
		mr_shared = NULL;
		return;
	}
	memset(mr_shared, 0, sizeof(*mr_shared));
	mr_shared->main_pid = getpid();
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* After a harness timeout (SIGKILL of the test) nothing else cleans up. */
static void __attribute__((destructor)) mr_test_exit(void)
{
	if (mr_shared && getpid() == mr_shared->main_pid &&
	    mr_shared->last.base[0]) {
		mr_cg_reap_stale(mr_shared->last.base);
		if (mr_shared->last.restore_memory)
			mr_cg_run_destroy(&mr_shared->last);
	}
	if (mr_shared && getpid() == mr_shared->main_pid)
		mr_lru_gen_restore();
}

/**
 * MR_ASSERTION() - report a failed assertion of the suite and fail the test
 * @aname: assertion name, stable (runners and CI key on it)
 * @fmt: "<measured> expected<op><bound> [(context)]"
 *
 * The test goes on, so that one run shows every assertion that fails.
 */
#define MR_ASSERTION(aname, fmt, ...) do { \
	MR_PRINT_ASSERTION(aname, fmt, ##__VA_ARGS__); \
	_metadata->exit_code = KSFT_FAIL; \
} while (0)

/**
 * MR_FATAL() - report a failed assertion and stop the test
 * @aname: assertion name
 * @fmt: message
 *
 * For kernel answers after which the rest of the test means nothing (a
 * load the kernel did not charge, a memory.reclaim the kernel refused).  A
 * step of the machinery that failed is MR_BROKEN_FATAL().  The teardown
 * still runs.
 */
#define MR_FATAL(aname, fmt, ...) do { \
	MR_ASSERTION(aname, fmt, ##__VA_ARGS__); \
	abort(); \
} while (0)

/**
 * MR_BROKEN() - report a step of the test's own machinery that failed
 * @step: name of the step ("load", "setup_tree", ...)
 * @fmt: what failed, with the errno by name where there is one
 *
 * No verdict on the kernel: the case ends "broken" (ktap-cases.awk), unless
 * one of its assertions failed too.  The test goes on.
 */
#define MR_BROKEN(step, fmt, ...) do { \
	MR_PRINT_BROKEN(step, fmt, ##__VA_ARGS__); \
	_metadata->exit_code = KSFT_FAIL; \
} while (0)

/**
 * MR_BROKEN_FATAL() - report a failed step of the machinery and stop the test
 * @step: name of the step
 * @fmt: message
 *
 * For a helper that could not start or did not do its part: the rest of the
 * test would measure nothing.  The teardown still runs (and still judges
 * the kernel's log and the removed subtree).
 */
#define MR_BROKEN_FATAL(step, fmt, ...) do { \
	MR_BROKEN(step, fmt, ##__VA_ARGS__); \
	abort(); \
} while (0)

/**
 * MR_OK() - stop the test as broken if a step of its machinery returned a
 * negative errno
 * @step: name of the step
 * @expr: the operation (creating a cgroup or a file, spawning a helper,
 *	reading or parsing a kernel file whose values are checked after)
 */
#define MR_OK(step, expr) do { \
	long __ret = (expr); \
	if (__ret < 0) \
		MR_BROKEN_FATAL(step, MR_ERRNO_FMT, #expr, \
				mr_errname((int)-__ret), \
				strerror((int)-__ret), __FILE__, __LINE__); \
} while (0)

/**
 * MR_KERNEL_OK() - stop the test as failed if an operation whose answer is
 * the kernel's verdict returned a negative errno
 * @aname: assertion name
 * @expr: the operation: removing a memcg its tasks left (EBUSY is the
 *	kernel's answer), moving a task, an offline
 */
#define MR_KERNEL_OK(aname, expr) do { \
	long __ret = (expr); \
	if (__ret < 0) \
		MR_FATAL(aname, MR_ERRNO_FMT, #expr, mr_errname((int)-__ret), \
			 strerror((int)-__ret), __FILE__, __LINE__); \
} while (0)

/* the test fails when a check of the library printed @failed verdicts */
static inline void mr_verdict(struct __test_metadata *_metadata, int failed)
{
	if (failed)
		_metadata->exit_code = KSFT_FAIL;
}

/**
 * mr_lru_gen_set() - switch MGLRU on or off for the rest of the test
 * @ctx: test context; @ctx->mglru is updated
 * @on: MGLRU (true) or the classic LRU (false)
 *
 * MR_LRU_GEN_ENABLED is a global knob: it changes the LRU of every memcg of
 * the machine, not only the test's.  The first call of a test saves the
 * value it finds, and mr_lru_gen_restore() writes it back whatever way the
 * test ends (see there).  May be called again and again (lru_switch).
 *
 * Return: 0 or a negative errno (-ENOENT without CONFIG_LRU_GEN).
 */
static inline int mr_lru_gen_set(struct mr_ctx *ctx, bool on)
{
	int ret;

	ret = mr_lrugen_switch(on, mr_shared ? mr_shared->lru_gen_saved : NULL,
			       mr_shared ? sizeof(mr_shared->lru_gen_saved) : 0);
	if (ret)
		return ret;
	ctx->mglru = on && mr_lrugen_readable();
	return 0;
}

/*
 * "<fixture>.<variant>.<test>" as the harness names it in KTAP; fixtures are
 * named after their program, so the name says which program ran too.
 */
static inline void mr_test_name(struct __test_metadata *_metadata, char *out,
				size_t len)
{
	struct __fixture_variant_metadata *v;
	const char *vname = "";

	for (v = _metadata->fixture->variant; v; v = v->next) {
		if (v->data == _metadata->variant) {
			vname = v->name;
			break;
		}
	}
	snprintf(out, len, "%s%s%s.%s", _metadata->fixture->name,
		 vname[0] ? "." : "", vname, _metadata->name);
}

/**
 * mr_setup() - check needs, build the run subtree, open the log window
 * @_metadata: harness metadata (SKIP and failures)
 * @ctx: test context (in the fixture, shared with the teardown)
 * @needs: what the test needs
 *
 * Return: true when the test can run; false after SKIP or failure.
 */
static inline bool mr_setup(struct __test_metadata *_metadata,
			    struct mr_ctx *ctx, const struct mr_needs *needs)
{
	char why[sizeof(_metadata->results->reason)], job[PATH_MAX];
	pid_t owner = getppid();
	int ret;

	memset(ctx, 0, sizeof(*ctx));
	ctx->start_ms = mr_now_ms();
	mr_test_name(_metadata, ctx->name, sizeof(ctx->name));
	/* a previous test of this program may have been killed by a timeout */
	if (mr_lru_gen_restore())
		mr_msg("could not restore %s", MR_LRU_GEN_ENABLED);
	if (!mr_read_params(&ctx->p)) {
		MR_BROKEN("params", "invalid environment, see above");
		return false;
	}
	if (needs->root && geteuid())
		SKIP(return false, "not root");
	if (needs->memcg && mr_cg_probe(&ctx->run, why, sizeof(why)))
		SKIP(return false, "%s", why);
	if (needs->scratch &&
	    mr_scratch_check(ctx->p.scratch, why, sizeof(why)))
		SKIP(return false, "%s", why);
	if (needs->fio && ctx->p.jobs && !mr_in_path("fio"))
		SKIP(return false, "fio not installed");
	if (needs->fio && ctx->p.jobs &&
	    mr_job(ctx, "leaf-file-write.fio", job, sizeof(job)))
		SKIP(return false, "fio job files not found (set MR_WORKLOADS)");
	if (needs->stress_ng && ctx->p.jobs && !mr_in_path("stress-ng"))
		SKIP(return false, "stress-ng not installed");
	if (needs->stress_ng && ctx->p.jobs &&
	    mr_job(ctx, "leaf-anon.job", job, sizeof(job)))
		SKIP(return false, "stress-ng job files not found (set MR_WORKLOADS)");
	if (needs->swap && mr_swap_total() <= 0)
		SKIP(return false, "no active swap area (the VM sets up zram)");
	if (needs->nodes > 1 && mr_memory_nodes(NULL) < needs->nodes)
		SKIP(return false, "%d NUMA node(s) with memory, the test needs %d (the VM has 2)",
		     mr_memory_nodes(NULL), needs->nodes);
	if (needs->mglru != MR_MGLRU_DEFAULT &&
	    access(MR_LRU_GEN_ENABLED, W_OK))
		SKIP(return false, "kernel without CONFIG_LRU_GEN (%s)",
		     MR_LRU_GEN_ENABLED);
	if (needs->mglru != MR_MGLRU_DEFAULT) {
		ret = mr_lru_gen_set(ctx, needs->mglru == MR_MGLRU_ON);
		if (ret) {
			MR_BROKEN("setup", "switch MGLRU %s: -%s (%s)",
				  needs->mglru == MR_MGLRU_ON ? "on" : "off",
				  mr_errname(-ret), strerror(-ret));
			mr_lru_gen_restore();
			return false;
		}
	}
	ctx->mglru = mr_lrugen_enabled() == 1 && mr_lrugen_readable();
	if (needs->lru_gen && !ctx->mglru)
		SKIP(return false, "MGLRU disabled or debugfs lru_gen not readable");

	ret = mr_kmsg_mark("start", ctx->name, &ctx->kmsg_seq);
	if (!ret)
		ret = mr_taint_read(&ctx->taint);
	if (ret) {
		MR_BROKEN("setup", "kernel log window: -%s (%s)",
			  mr_errname(-ret), strerror(-ret));
		return false;
	}

	ret = mr_cg_run_create(&ctx->run, owner);
	if (ret) {
		MR_BROKEN("setup", "run subtree: -%s (%s)",
			  mr_errname(-ret), strerror(-ret));
		return false;
	}
	if (mr_shared) {
		mr_shared->run = ctx->run;
		mr_shared->last = ctx->run;
		mr_shared->pgid = getpgrp();
	}
	ret = mr_ctx_build(ctx, owner, needs->scratch, needs->fio,
			   needs->stress_ng);
	if (ret) {
		/* the teardown does not run after a failed setup */
		if (mr_shared)
			mr_shared->run.path[0] = '\0';
		mr_lru_gen_restore();
		MR_BROKEN("setup", "test root: -%s (%s)",
			  mr_errname(-ret), strerror(-ret));
		return false;
	}
	mr_msg("%s: root %s, MGLRU %s, seed %ld", ctx->name, ctx->root,
	       ctx->mglru ? "on" : "off", ctx->p.seed);
	return true;
}

/**
 * mr_setup_lru() - mr_setup() of a test whose variants choose the LRU
 * @_metadata: harness metadata
 * @ctx: test context
 * @needs: what the test needs, but for the LRU
 * @mglru: the LRU of the variant
 *
 * Return: as mr_setup().
 */
static inline bool mr_setup_lru(struct __test_metadata *_metadata,
				struct mr_ctx *ctx,
				const struct mr_needs *needs,
				enum mr_mglru mglru)
{
	struct mr_needs n = *needs;

	n.mglru = mglru;
	return mr_setup(_metadata, ctx, &n);
}

/**
 * mr_teardown() - end-of-test checks and cleanup, in the harness process
 * @_metadata: harness metadata
 * @ctx: test context
 *
 * Fails the test on a memcg OOM kill under the test root (no test sets a
 * limit), and on any kernel badness or new bad taint in the test's window,
 * including what the removal of the subtree (more reparenting) triggers.
 * Waits until the removed subtree is freed (__mr_check_run_freed()).
 */
static inline void mr_teardown(struct __test_metadata *_metadata,
			       struct mr_ctx *ctx)
{
	char end[300], path[PATH_MAX];
	long long oom;
	int ret;

	if (!ctx->run.path[0])
		return;
	if (!mr_memory_events(ctx->root, "oom_kill", &oom) && oom > 0)
		MR_ASSERTION("no_oom_kill", "oom_kill=%lld expected==0", oom);
	if (ctx->dying_failed)
		mr_dying_reclaim_diagnosis(ctx, ctx->dying_held);
	snprintf(path, sizeof(path), "%s", ctx->run.path);
	ret = mr_ctx_remove(ctx);
	if (ret)
		MR_ASSERTION("cleanup", "remove %s: %s", ctx->run.path,
			     strerror(-ret));
	if (mr_shared)
		mr_shared->run.path[0] = '\0';
	ret = mr_lru_gen_restore();
	if (ret)
		MR_BROKEN("cleanup", "restore %s: -%s (%s)", MR_LRU_GEN_ENABLED,
			  mr_errname(-ret), strerror(-ret));
	mr_verdict(_metadata, __mr_check_run_freed(ctx, path));

	snprintf(end, sizeof(end), MR_NAME ": end %s", ctx->name);
	ret = mr_kmsg_mark("end", ctx->name, NULL);
	if (!ret)
		ret = mr_kernel_check(ctx->kmsg_seq, end, ctx->taint);
	if (ret < 0)
		MR_BROKEN("kernel_clean", "kernel log unreadable: -%s (%s)",
			  mr_errname(-ret), strerror(-ret));
	else if (ret > 0)
		MR_ASSERTION("kernel_clean", "%d problem(s) expected==0 (listed above)",
			     ret);
	/* setup to teardown; summary.json's duration_ms (ktap-cases.awk) */
	mr_msg("duration_ms=%lld", mr_now_ms() - ctx->start_ms);
}

/* The library's shared checks (mr_check.h), as the tests call them */

static inline void mr_check_dying(struct __test_metadata *_metadata,
				  struct mr_ctx *ctx)
{
	mr_verdict(_metadata, __mr_check_dying(ctx));
}

static inline void mr_check_reachable(struct __test_metadata *_metadata,
				      const struct mr_ctx *ctx)
{
	mr_verdict(_metadata, __mr_check_reachable(ctx));
}

static inline void mr_check_lrugen_old(struct __test_metadata *_metadata,
				       const struct mr_ctx *ctx,
				       const struct mr_lrugen *full)
{
	mr_verdict(_metadata, __mr_check_lrugen_old(ctx, full));
}

static inline void mr_check_parent_raised(struct __test_metadata *_metadata,
					  const struct mr_ctx *ctx,
					  const char *kpath)
{
	mr_verdict(_metadata, __mr_check_parent_raised(ctx, kpath));
}

static inline void mr_wait_lrugen_dying_empty(struct __test_metadata *_metadata,
					      const struct mr_ctx *ctx)
{
	mr_verdict(_metadata, __mr_wait_lrugen_dying_empty(ctx));
}

static inline void mr_check_sizes(struct __test_metadata *_metadata,
				  const struct mr_ctx *ctx)
{
	mr_verdict(_metadata, __mr_check_sizes(ctx));
}

/**
 * struct mr_churn_test - a churn test's own leaf load (struct mr_churn_load)
 *			  with the harness's metadata, for its MR_* macros
 * @metadata: the test's _metadata
 * @ctx: test context
 * @arg: the test's own argument
 * @leaf: run by churner 0 for the leaf of each cycle (see struct
 *	  mr_churn_load); its holders go into @hs
 *
 * Set mr_churn_test_leaf() as the load's leaf and the mr_churn_test as its
 * argument.
 */
struct mr_churn_test {
	struct __test_metadata *metadata;
	struct mr_ctx *ctx;
	void *arg;
	int (*leaf)(struct __test_metadata *_metadata, struct mr_ctx *ctx,
		    void *arg, const char *leaf, const char *keeper, int cycle,
		    struct mr_holders *hs);
};

static inline int mr_churn_test_leaf(void *arg, const char *leaf,
				     const char *keeper, int cycle,
				     struct mr_holders *hs)
{
	struct mr_churn_test *t = arg;

	return t->leaf(t->metadata, t->ctx, t->arg, leaf, keeper, cycle, hs);
}

#endif /* MR_TEST_H */
