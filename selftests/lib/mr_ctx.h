/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The per-test context the library works on: the suite's bounds, the
 * parameters from the environment, struct mr_ctx (the run subtree, the test
 * root, the baselines of the checks), the steps that build and remove a
 * test's cgroups and files, and the verdict lines.
 *
 * The library prints the verdict lines the harness glue (mr_test.h) prints:
 *	# ASSERTION <name>: <measured> expected<op><bound> [(context)]
 *	# BROKEN <step>: <what> = -<ERRNO> (<message>) at <file>:<line>
 * A check of the library returns how many it printed; mr_test.h fails the
 * test when that is not 0.  Its fatal paths print and abort(), as
 * MR_FATAL() and MR_BROKEN_FATAL() do: the teardown runs in the parent.
 */
#ifndef MR_CTX_H
#define MR_CTX_H

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "mr_cgroup.h"
#include "mr_util.h"

/* Bound for dying memcgs to be freed once nothing pins them. */
#define MR_DYING_MS	10000
/* Bound for a loader (fio, stress-ng, function child) to finish. */
#define MR_LOAD_MS	60000
/*
 * Bound for memory.stat to show a change: a read flushes, but may return
 * before a concurrent flusher is done; the periodic flush runs every 2 s.
 */
#define MR_FLUSH_MS	3000

/**
 * struct mr_params - parameters, from the environment (the knobs' defaults
 *		       and ranges: configs/knobs.tsv)
 * @depth: MR_DEPTH, tree depth below the test root
 * @fanout: MR_FANOUT, children per inner node
 * @file_mb: MR_FILE_MB, page cache per leaf in MiB
 * @anon_mb: MR_ANON_MB, anonymous memory per loader in MiB
 * @race_seconds: MR_RACE_SECONDS, duration of race loops
 * @wide: MR_WIDE, leaves of the wide fan (dying_file.wide; 0: the variant
 *	  SKIPs: a thousand memcgs belong in nightly, not in quick)
 * @seed: MR_SEED, seed of random choices (unset: time and pid, printed)
 * @jobs: MR_JOBS, 1: load runs from the job files of the workloads folder
 *	  (fio, stress-ng); 0: in-process C doing the same (fio and stress-ng
 *	  take seconds to start under TCG)
 * @scratch: MR_SCRATCH, a directory on a scratch block file system
 * @workloads: MR_WORKLOADS, the job file folder (default: "workloads" beside
 *	       the binary, then "../workloads")
 */
struct mr_params {
	long depth;
	long fanout;
	long file_mb;
	long anon_mb;
	long race_seconds;
	long wide;
	long seed;
	long jobs;
	char scratch[PATH_MAX];
	char workloads[PATH_MAX];
};

/**
 * struct mr_ctx - per-test state, embedded in the fixture
 * @run: the run subtree
 * @root: the test root, @run.path/t
 * @ctl: @run.path/ctl, where the test process and its helpers live
 * @home: the cgroup the test process was in before it moved to @ctl
 * @kroot: @root as the kernel names it (debugfs lru_gen)
 * @files: this run's folder on the scratch file system, "" if none
 * @p: parameters
 * @name: "<fixture>.<variant>.<test>", for kernel log markers
 * @kmsg_seq: sequence number of the start marker in the kernel log
 * @taint: taint flags at the start
 * @mglru: MGLRU enabled and debugfs lru_gen readable
 * @dying_base: nr_dying_descendants of @root at the start
 * @base_dying_base: nr_dying_descendants of the run subtree's parent at the
 *	start (-1: unreadable); the teardown waits for it again
 * @dying_mem_base: nr_dying_subsys_memory of @root at the start, -1 if the
 *		    kernel has no such key
 * @start_ms: mr_now_ms() when the setup began
 * @offline_ms: mr_now_ms() at mr_offlined(), 0 before
 * @dying_failed: the dying check failed: diagnose at the teardown
 * @dying_held: pages lru_gen showed in the removed memcgs then, -1 unknown
 */
struct mr_ctx {
	struct mr_cg_run run;
	char root[PATH_MAX];
	char ctl[PATH_MAX];
	char home[PATH_MAX];
	char kroot[PATH_MAX];
	char files[PATH_MAX];
	struct mr_params p;
	char name[256];
	unsigned long long kmsg_seq;
	unsigned long taint;
	bool mglru;
	long long dying_base;
	long long base_dying_base;
	long long dying_mem_base;
	long long start_ms;
	long long offline_ms;
	bool dying_failed;
	long long dying_held;
};

/* "# ASSERTION <name>: ..." of a failed assertion (see the top) */
#define MR_PRINT_ASSERTION(aname, fmt, ...) \
	mr_msg("ASSERTION %s: " fmt, aname, ##__VA_ARGS__)

/* "# BROKEN <step>: ..." of a failed step of the machinery */
#define MR_PRINT_BROKEN(step, fmt, ...) \
	mr_msg("BROKEN %s: " fmt, step, ##__VA_ARGS__)

/* "<expr> = -<ERRNO> (<message>) at <file>:<line>": @ret failed @expr */
#define MR_ERRNO_FMT	"%s = -%s (%s) at %s:%d"
#define MR_PRINT_BROKEN_ERRNO(step, expr, ret) \
	MR_PRINT_BROKEN(step, MR_ERRNO_FMT, expr, mr_errname((int)-(ret)), \
			strerror((int)-(ret)), __FILE__, __LINE__)

/* In the library: an assertion after which the test means nothing */
#define MR_LIB_FATAL(aname, fmt, ...) do { \
	MR_PRINT_ASSERTION(aname, fmt, ##__VA_ARGS__); \
	abort(); \
} while (0)

/* In the library: stop the test as broken if @expr is a negative errno */
#define MR_LIB_OK(step, expr) do { \
	long __ret = (expr); \
	if (__ret < 0) { \
		MR_PRINT_BROKEN_ERRNO(step, #expr, __ret); \
		abort(); \
	} \
} while (0)

/**
 * mr_read_params() - the parameters from the environment
 * @p: receives them
 *
 * Return: false when a knob is invalid (printed).
 */
bool mr_read_params(struct mr_params *p);

/** mr_in_path() - whether @prog is an executable in $PATH */
bool mr_in_path(const char *prog);

/**
 * mr_job() - path of a job file of the workloads folder
 * @ctx: test context
 * @file: job file name, e.g. "leaf-file-write.fio"
 * @out: destination
 * @len: size of @out
 *
 * Return: 0 or -ENOENT.
 */
int mr_job(const struct mr_ctx *ctx, const char *file, char *out, size_t len);

/**
 * mr_ctx_build() - the test's cgroups and files inside the run subtree
 * @ctx: test context, @ctx->run created
 * @owner: pid the run subtree and scratch folder are named after
 * @scratch: prepare this run's scratch folder
 * @fio: warm fio up (see mr_warm_loaders())
 * @stress_ng: warm stress-ng up
 *
 * Creates t and ctl, moves the caller into ctl and reads the baselines of
 * the dying checks.  On failure, undoes what it did (the teardown does not
 * run after a failed setup) except the removal of @ctx->run's subtree,
 * which it does too.
 *
 * Return: 0 or a negative errno.
 */
int mr_ctx_build(struct mr_ctx *ctx, pid_t owner, bool scratch, bool fio,
		 bool stress_ng);

/**
 * mr_ctx_remove() - end the run subtree's tasks, delete its files, remove it
 * @ctx: test context
 *
 * Tasks first, then the files, then the write-back, then what the subtree
 * still charges, then the cgroups.
 *
 * Return: 0 or the negative errno of the removal of the cgroups.
 */
int mr_ctx_remove(struct mr_ctx *ctx);

#endif /* MR_CTX_H */
