/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Test glue of the memcg_reparent suite on top of kselftest_harness.h.
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
#include <libgen.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "mr_cgroup.h"
#include "mr_diag.h"
#include "mr_kmsg.h"
#include "mr_knob.h"
#include "mr_load.h"
#include "mr_lrugen.h"
#include "mr_numa.h"
#include "mr_stat.h"
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

/* MGLRU's global switch (Documentation/admin-guide/mm/multigen_lru.rst) */
#define MR_LRU_GEN_ENABLED	"/sys/kernel/mm/lru_gen/enabled"

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
	mr_msg("ASSERTION %s: " fmt, aname, ##__VA_ARGS__); \
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

/* "EBUSY" for EBUSY: the errno by name, which a reader greps for */
static inline const char *mr_errname(int err)
{
	const char *name = strerrorname_np(err);

	return name ? name : "E?";
}

/**
 * MR_BROKEN() - report a step of the test's own machinery that failed
 * @step: name of the step ("load", "setup_tree", ...)
 * @fmt: what failed, with the errno by name where there is one
 *
 * No verdict on the kernel: the case ends "broken" (ktap-cases.awk), unless
 * one of its assertions failed too.  The test goes on.
 */
#define MR_BROKEN(step, fmt, ...) do { \
	mr_msg("BROKEN %s: " fmt, step, ##__VA_ARGS__); \
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
		MR_BROKEN_FATAL(step, "%s = -%s (%s) at %s:%d", #expr, \
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
		MR_FATAL(aname, "%s = -%s (%s) at %s:%d", #expr, \
			 mr_errname((int)-__ret), strerror((int)-__ret), \
			 __FILE__, __LINE__); \
} while (0)

/**
 * mr_poll_until() - evaluate @cond until it holds or @timeout_ms passes
 * @cond: expression, re-evaluated after growing sleeps (1 ms to 50 ms)
 * @timeout_ms: bound
 * @waited: receives the elapsed milliseconds
 * @what: description for the log, "... to ..."
 *
 * Logs "waited N ms for WHAT" or "gave up after N ms waiting for WHAT".
 *
 * Return: whether @cond held.
 */
#define mr_poll_until(cond, timeout_ms, waited, what) ({ \
	long long __start = mr_now_ms(), __delay = 1; \
	bool __ok; \
	for (;;) { \
		__ok = (cond); \
		if (__ok || mr_now_ms() - __start >= (timeout_ms)) \
			break; \
		mr_sleep_ms(__delay); \
		if (__delay < 50) \
			__delay *= 2; \
	} \
	*(waited) = mr_now_ms() - __start; \
	mr_msg("%s %lld ms %s %s", __ok ? "waited" : "gave up after", \
	       *(waited), __ok ? "for" : "waiting for", what); \
	__ok; \
})

/*
 * Churn tests (reparent_race, lru_switch) run MR_RACE_SECONDS of workers;
 * the shared part of their workers lives here.
 */

/* TEST_F_TIMEOUT of a churn test: its duration plus setup and checks */
static inline int mr_race_timeout(void);

/* Set by SIGTERM in a worker: finish the current step and exit */
static volatile sig_atomic_t mr_stop;

static void mr_on_term(int sig)
{
	(void)sig;
	mr_stop = 1;
}

/* In a forked worker: stop on SIGTERM, own reproducible random sequence */
static inline void mr_worker_init(const struct mr_ctx *ctx, unsigned int salt)
{
	struct sigaction sa = { .sa_handler = mr_on_term };

	sigaction(SIGTERM, &sa, NULL);
	srand(ctx->p.seed + salt);
}

/* Errnos that are answers, not failures, of memory.reclaim */
static inline bool mr_reclaim_answer(int ret)
{
	return !ret || ret == -EAGAIN || ret == -EINTR;
}

/*
 * Worker of the churn tests: memory.reclaim of 2 MiB on t every 1-20 ms
 * until SIGTERM; fails on an errno that is no answer (the first five are
 * printed).
 */
static inline int mr_reclaimer(void *arg)
{
	const struct mr_ctx *ctx = arg;
	int ret, bad = 0;

	mr_worker_init(ctx, 1);
	while (!mr_stop) {
		ret = mr_cg_try_write(ctx->root, "memory.reclaim", "2M");
		if (!mr_reclaim_answer(ret) && bad++ < 5)
			mr_err(ret, "memory.reclaim worker");
		mr_sleep_ms(1 + rand() % 20);
	}
	return bad ? 1 : 0;
}

static inline int mr_race_timeout(void)
{
	long seconds;

	mr_knob("MR_RACE_SECONDS", &seconds);
	return seconds + 120;
}

static inline bool mr_dir_exists(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* MR_WORKLOADS, else workloads/ beside the binary, else ../workloads/. */
static inline bool mr_find_workloads(char *out, size_t len)
{
	const char *env = getenv("MR_WORKLOADS");
	char exe[PATH_MAX], *dir;
	ssize_t n;

	if (env && *env)
		return !mr_pathf(out, len, "%s", env) && mr_dir_exists(out);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return false;
	exe[n] = '\0';
	dir = dirname(exe);
	if (!mr_pathf(out, len, "%s/workloads", dir) && mr_dir_exists(out))
		return true;
	return !mr_pathf(out, len, "%s/../workloads", dir) &&
	       mr_dir_exists(out);
}

static inline bool mr_read_params(struct mr_params *p)
{
	const char *scratch = getenv("MR_SCRATCH");
	bool ok = true;

	/* defaults and ranges: configs/knobs.tsv */
	ok &= mr_knob("MR_DEPTH", &p->depth);
	ok &= mr_knob("MR_FANOUT", &p->fanout);
	ok &= mr_knob("MR_FILE_MB", &p->file_mb);
	ok &= mr_knob("MR_ANON_MB", &p->anon_mb);
	ok &= mr_knob("MR_RACE_SECONDS", &p->race_seconds);
	ok &= mr_knob("MR_WIDE", &p->wide);
	/* drawn when unset */
	p->seed = (long)(time(NULL) ^ getpid());
	ok &= mr_knob("MR_SEED", &p->seed);
	ok &= mr_knob("MR_JOBS", &p->jobs);
	snprintf(p->scratch, sizeof(p->scratch), "%s", scratch ? scratch : "");
	if (!mr_find_workloads(p->workloads, sizeof(p->workloads)))
		p->workloads[0] = '\0';
	return ok;
}

static inline bool mr_in_path(const char *prog)
{
	char *path = getenv("PATH"), *copy, *dir, *save, file[PATH_MAX];
	bool found = false;

	if (!path)
		return false;
	copy = strdup(path);
	for (dir = strtok_r(copy, ":", &save); dir && !found;
	     dir = strtok_r(NULL, ":", &save))
		found = !mr_pathf(file, sizeof(file), "%s/%s", dir, prog) &&
			!access(file, X_OK);
	free(copy);
	return found;
}

/**
 * mr_job() - path of a job file of the workloads folder
 * @ctx: test context
 * @file: job file name, e.g. "leaf-file-write.fio"
 * @out: destination
 * @len: size of @out
 *
 * Return: 0 or -ENOENT.
 */
static inline int mr_job(const struct mr_ctx *ctx, const char *file, char *out,
		  size_t len)
{
	if (!ctx->p.workloads[0] ||
	    mr_pathf(out, len, "%s/%s", ctx->p.workloads, file))
		return -ENOENT;
	return access(out, R_OK) ? -ENOENT : 0;
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

/* The cgroup directory of the calling process, from /proc/self/cgroup. */
static inline int mr_own_cgroup(const struct mr_ctx *ctx, char *out, size_t len)
{
	char *buf, *p, *nl;
	int ret = -ENOENT;

	if (mr_read_file("/proc/self/cgroup", &buf) < 0)
		return -ENOENT;
	/* the v2 line is "0::PATH" */
	for (p = buf; p && *p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (strncmp(p, "0::", 3))
			continue;
		ret = mr_cg_fspath(&ctx->run, p + 3, out, len);
		break;
	}
	free(buf);
	return ret;
}

/* Removes memcg_reparent.PID folders of dead runs, then creates ours. */
static inline int mr_scratch_prepare(struct mr_ctx *ctx, pid_t owner)
{
	char path[PATH_MAX];
	struct dirent *d, *f;
	DIR *dir, *sub;
	char *end;
	long pid;

	dir = opendir(ctx->p.scratch);
	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		if (strncmp(d->d_name, MR_NAME ".", strlen(MR_NAME ".")))
			continue;
		pid = strtol(d->d_name + strlen(MR_NAME "."), &end, 10);
		if (*end || pid <= 0 || mr_pid_alive(pid) ||
		    mr_pathf(path, sizeof(path), "%s/%s", ctx->p.scratch,
			     d->d_name))
			continue;
		sub = opendir(path);
		if (!sub)
			continue;
		while ((f = readdir(sub)))
			if (f->d_name[0] != '.' &&
			    unlinkat(dirfd(sub), f->d_name, 0))
				unlinkat(dirfd(sub), f->d_name, AT_REMOVEDIR);
		closedir(sub);
		rmdir(path);
	}
	closedir(dir);
	if (mr_pathf(ctx->files, sizeof(ctx->files), "%s/" MR_NAME ".%d",
		     ctx->p.scratch, owner))
		return -ENAMETOOLONG;
	if (mkdir(ctx->files, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

static inline void mr_scratch_remove(struct mr_ctx *ctx)
{
	struct dirent *f;
	DIR *dir;

	if (!ctx->files[0])
		return;
	dir = opendir(ctx->files);
	if (dir) {
		while ((f = readdir(dir)))
			if (f->d_name[0] != '.' &&
			    unlinkat(dirfd(dir), f->d_name, 0))
				unlinkat(dirfd(dir), f->d_name, AT_REMOVEDIR);
		closedir(dir);
	}
	rmdir(ctx->files);
	ctx->files[0] = '\0';
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
	char *old, path[PATH_MAX];
	ssize_t len;
	int ret;

	if (mr_shared && !mr_shared->lru_gen_saved[0]) {
		len = mr_read_file(MR_LRU_GEN_ENABLED, &old);
		if (len < 0)
			return len;
		/* "0x0007\n": the kernel takes the caps mask back as is */
		snprintf(mr_shared->lru_gen_saved,
			 sizeof(mr_shared->lru_gen_saved), "%.*s",
			 (int)strcspn(old, "\n"), old);
		free(old);
	}
	ret = mr_write_file(MR_LRU_GEN_ENABLED, on ? "y" : "n");
	if (ret)
		return ret;
	ctx->mglru = on && !mr_lrugen_file(true, path, sizeof(path)) &&
		     !mr_lrugen_file(false, path, sizeof(path));
	return 0;
}

/* Total size of the active swap areas in KiB, or a negative errno. */
static inline long long mr_swap_total(void)
{
	long long kb;
	char *buf;
	int ret;

	ret = mr_read_file("/proc/swaps", &buf);
	if (ret < 0)
		return ret;
	ret = mr_swaps_parse(buf, &kb);
	free(buf);
	return ret < 0 ? ret : kb;
}

/**
 * mr_tmpfs_private() - a tmpfs of the test's own for shmem page cache
 * @ctx: test context; the test needs .scratch
 * @out: receives the directory (ctx->files/shm)
 * @len: size of @out
 *
 * Moves the test process into a private mount namespace and mounts a fresh
 * tmpfs there on an empty directory of the test's scratch folder; the
 * children it spawns afterwards share it.  Nobody else sees it, and it goes
 * away with its last process, so a crash or a timeout leaves nothing but
 * the empty directory, which the scratch clean-up removes.  (Mounting over
 * /tmp hid the suite itself when it ran from there, job files included.)
 * Call it from the test process, before spawning the loaders.
 *
 * Return: 0 or a negative errno.
 */
static inline int mr_tmpfs_private(const struct mr_ctx *ctx, char *out,
				   size_t len)
{
	int ret;

	if (!ctx->files[0])
		return -ENOENT;
	ret = mr_pathf(out, len, "%s/shm", ctx->files);
	if (ret)
		return ret;
	if (mkdir(out, 0700) && errno != EEXIST)
		return -errno;
	if (unshare(CLONE_NEWNS))
		return -errno;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -errno;
	if (mount("tmpfs", out, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700"))
		return -errno;
	return 0;
}

static inline int mr_start_fio(struct mr_child *c, const struct mr_ctx *ctx,
			       const char *job, const char *cg,
			       const char *file, long long bytes);
static inline int mr_scratch_file(const struct mr_ctx *ctx, const char *name,
				  long long bytes, char *out, size_t len);

/*
 * Run each job-file loader once, small, in ctl: the page cache of its
 * binary and libraries is then charged outside the test root.  Otherwise
 * the first fio or stress-ng to run inside a leaf is charged for them,
 * they are reparented into the test root with the leaf, and the test's
 * own memory.reclaim of the root evicts them again and again: measured in
 * reparent_race, a 8 MiB fio writer thrashed (t's file ~200 KiB, 300
 * refaults/s) and was still running after 60 s.
 */
static inline int mr_warm_loaders(const struct mr_ctx *ctx,
				  const struct mr_needs *needs)
{
	char job[PATH_MAX], file[PATH_MAX];
	char *argv[] = { "stress-ng", "--job", job, "--vm-bytes", "1m",
			 "--timeout", "1s", "--temp-path", (char *)ctx->files,
			 NULL };
	struct mr_child c;
	int ret;

	if (!ctx->p.jobs)
		return 0;
	if (needs->fio && ctx->files[0]) {
		ret = mr_scratch_file(ctx, "warm.dat", 65536, file, sizeof(file));
		if (!ret)
			ret = mr_start_fio(&c, ctx, "leaf-file-write.fio", ctx->ctl,
					   file, 65536);
		if (!ret)
			ret = mr_child_wait(&c, MR_LOAD_MS);
		if (ret)
			return ret;
	}
	if (needs->stress_ng && ctx->files[0]) {
		ret = mr_job(ctx, "leaf-anon.job", job, sizeof(job));
		if (!ret)
			ret = mr_spawn_exec(&c, "stress-ng", ctx->ctl, argv, NULL);
		if (!ret)
			ret = mr_child_wait(&c, MR_LOAD_MS);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * mr_setup() - check needs, build the run subtree, open the log window
 * @_metadata: harness metadata (SKIP and failures)
 * @ctx: test context (in the fixture, shared with the teardown)
 * @needs: what the test needs
 *
 * Return: true when the test can run; false after SKIP or failure.
 */
static inline bool mr_setup(struct __test_metadata *_metadata, struct mr_ctx *ctx,
		     const struct mr_needs *needs)
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
	ctx->mglru = mr_lrugen_enabled() == 1 &&
		     !mr_lrugen_file(true, job, sizeof(job)) &&
		     !mr_lrugen_file(false, job, sizeof(job));
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
	ret = mr_pathf(ctx->root, sizeof(ctx->root), "%s/t", ctx->run.path);
	if (!ret)
		ret = mr_pathf(ctx->ctl, sizeof(ctx->ctl), "%s/ctl",
			       ctx->run.path);
	if (!ret)
		ret = mr_own_cgroup(ctx, ctx->home, sizeof(ctx->home));
	/* the scratch folder's metadata is charged to the home cgroup */
	if (!ret && needs->scratch)
		ret = mr_scratch_prepare(ctx, owner);
	if (!ret)
		ret = mr_cg_create(ctx->root);
	if (!ret)
		ret = mr_cg_create(ctx->ctl);
	if (!ret)
		ret = mr_cg_enter(ctx->ctl, getpid());
	if (!ret)
		ret = mr_warm_loaders(ctx, needs);
	if (!ret)
		ret = mr_cg_kpath(&ctx->run, ctx->root, ctx->kroot,
				  sizeof(ctx->kroot));
	if (!ret) {
		ret = mr_cgroup_stat(ctx->root, "nr_dying_descendants",
				     &ctx->dying_base);
	}
	if (!ret && mr_cgroup_stat(ctx->run.base, "nr_dying_descendants",
				   &ctx->base_dying_base))
		ctx->base_dying_base = -1;
	if (!ret) {
		ret = mr_cgroup_stat(ctx->root, "nr_dying_subsys_memory",
				     &ctx->dying_mem_base);
		if (ret == -ENOENT) {
			ctx->dying_mem_base = -1;
			ret = 0;
		}
	}
	if (ret) {
		/* the teardown does not run after a failed setup */
		mr_scratch_remove(ctx);
		/* leave ctl first: the drain kills everything inside */
		if (ctx->home[0])
			mr_cg_enter(ctx->home, getpid());
		mr_cg_run_destroy(&ctx->run);
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
 * mr_teardown() - end-of-test checks and cleanup, in the harness process
 * @_metadata: harness metadata
 * @ctx: test context
 *
 * Fails the test on a memcg OOM kill under the test root (no test sets a
 * limit), and on any kernel badness or new bad taint in the test's window,
 * including what the removal of the subtree (more reparenting) triggers.
 */
static inline void mr_dying_reclaim_diagnosis(const struct mr_ctx *ctx,
					      long long held);

/*
 * The work that removing memcgs starts is asynchronous: offline, reparenting,
 * css_free and lru_gen_exit_memcg() run from workqueues, after the rmdir
 * returned.  Before the test closes its kernel-log window, wait until its
 * whole subtree is freed (the run subtree's parent back at the dying count
 * it had at the start), so that what those workers report lands in the
 * window of the test that caused it.  Not freed within the bound is itself
 * a dying_memcgs failure: the test's own root stays dying.  A test whose
 * dying check already failed waits briefly: its failure is known, and a
 * kernel without reparenting would otherwise spend the full bound in every
 * test.
 */
static inline int mr_stock_drain_in(const char *cg);

/* swap cache left in the machine: its records can pin a removed memcg's id */
static inline void mr_swapcached_clue(void)
{
	long long kb;
	char *buf;

	if (mr_read_file("/proc/meminfo", &buf) < 0)
		return;
	if (!mr_buf_kb(buf, "SwapCached:", &kb))
		mr_msg("SwapCached: %lld kB in the machine", kb);
	free(buf);
}

/* memory.reclaim of all that @cg still charges (a few tries, EAGAIN is normal) */
static inline void mr_release_subtree(const char *cg)
{
	long long cur;
	char val[32];
	int i;

	for (i = 0; i < 3; i++) {
		if (mr_cg_value(cg, "memory.current", &cur) || cur <= 0)
			return;
		snprintf(val, sizeof(val), "%lld", cur);
		mr_cg_try_write(cg, "memory.reclaim", val);
	}
}
static inline void mr_scratch_sync(const struct mr_ctx *ctx);

static inline bool mr_base_at_start(const struct mr_ctx *ctx, long long *dying)
{
	return !mr_cgroup_stat(ctx->run.base, "nr_dying_descendants", dying) &&
	       *dying <= ctx->base_dying_base;
}

static inline void mr_wait_run_freed(struct __test_metadata *_metadata,
				     const struct mr_ctx *ctx, const char *path)
{
	long long dying = -1, freed, waited, drained, start, bound = MR_DYING_MS;
	char kick[PATH_MAX];
	bool stock;
	int kicks;

	if (ctx->base_dying_base < 0)
		return;
	if (ctx->dying_failed) {
		/* known to stay; what its workers print is "after" it */
		mr_msg("not waiting for the removed subtree: the dying check failed");
		return;
	}
	if (mr_poll_until(mr_base_at_start(ctx, &dying), bound / 2, &waited,
			  "the test's removed subtree to be freed"))
		return;
	/*
	 * As in the dying check (mr_cgwb_cleanup_kick()): a cgroup writeback
	 * that had dirty IO at the subtree's offline is cleaned up only at the
	 * next offline; the run's own kick cgroup beside the subtree.  Written
	 * back first: the scratch fs's metadata (the block device's inode,
	 * attached to the writeback of whoever dirtied it first) can be
	 * dirtied again by the journal after the teardown's sync.
	 */
	/*
	 * The block device's inode also moves between writebacks (cgroup
	 * writeback switches an inode to the memcg that dirtied most of it),
	 * and the journal dirties it every few seconds: the cleanup at an
	 * offline must find the removed cgroup's writeback clean.  So: write
	 * back, offline one more memcg, look; again, within the bound.
	 */
	for (kicks = 1, start = mr_now_ms(); ; kicks++) {
		mr_scratch_sync(ctx);
		if (!mr_pathf(kick, sizeof(kick), "%s.kick", path) &&
		    !mr_cg_create(kick))
			mr_cg_rmdir(kick, MR_DYING_MS);
		if (mr_poll_until(mr_base_at_start(ctx, &dying), 1000, &waited,
				  "the test's removed subtree to be freed after a write-back and one more offline")) {
			mr_msg("freed after %d write-back(s) and offline(s): its cgroup writeback had dirty IO at the previous cleanup",
			       kicks);
			return;
		}
		if (mr_now_ms() - start >= bound / 2)
			break;
	}
	waited = mr_now_ms() - start;
	if (mr_diag_removed_wbs(ctx->run.mnt) == 0)
		mr_msg("no cgroup writeback of a removed cgroup on any bdi");
	mr_swapcached_clue();
	stock = !mr_pathf(kick, sizeof(kick), "%s.stockdrain", path) &&
		!mr_cg_create(kick) && !mr_stock_drain_in(kick) &&
		mr_poll_until(mr_base_at_start(ctx, &freed), 2000, &drained,
			      "the subtree to be freed after draining the CPUs' charge stocks");
	if (stock)
		mr_msg("diagnosis: percpu_stock: freed once every CPU's memcg charge stock was drained: a stock slot without pages held its css reference (drain_all_stock() at offline skips such slots)");
	MR_ASSERTION("dying_memcgs",
		     "test subtree %s not freed after its removal: nr_dying_descendants of %s=%lld expected<=%lld (%d write-backs and offlines in %lld ms)%s",
		     path, ctx->run.base, dying, ctx->base_dying_base, kicks,
		     waited, stock ? " cause=percpu_stock" : "");
}

/*
 * Deleting the run's files dirties the scratch file system's metadata; it is
 * written back before the subtree goes, so that no cgroup writeback of the
 * subtree has dirty IO at its offline (which would keep it, see
 * mr_cgwb_cleanup_kick()).
 */
static inline void mr_scratch_sync(const struct mr_ctx *ctx)
{
	int fd;

	if (!ctx->p.scratch[0])
		return;
	fd = open(ctx->p.scratch, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	syncfs(fd);
	close(fd);
}

/*
 * In the suite's own VM (/dev/shm is a tmpfs of its own, mr.init= on the
 * kernel command line), POSIX shm objects that a killed stress-ng left
 * behind are removed: their swapped-out pages would keep swap records of a
 * removed memcg.  On any other machine /dev/shm is not ours to clean.
 */
static inline void mr_shm_leftovers(void)
{
	struct dirent *d;
	char *cmdline;
	bool vm;
	DIR *dir;

	if (mr_read_file("/proc/cmdline", &cmdline) < 0)
		return;
	vm = strstr(cmdline, "mr.init=") != NULL;
	free(cmdline);
	dir = vm ? opendir("/dev/shm") : NULL;
	if (!dir)
		return;
	while ((d = readdir(dir)))
		if (!strncmp(d->d_name, "stress-ng", 9) &&
		    !unlinkat(dirfd(dir), d->d_name, 0))
			mr_msg("removed /dev/shm/%s, left by a killed stress-ng",
			       d->d_name);
	closedir(dir);
}

/* whether cgroup @cg (and its subtree) has tasks; false when unreadable */
static inline bool mr_cg_populated(const char *cg)
{
	char path[PATH_MAX], *buf;
	long long populated = 0;

	if (mr_pathf(path, sizeof(path), "%s/cgroup.events", cg) ||
	    mr_read_file(path, &buf) < 0)
		return false;
	mr_buf_key(buf, "populated", &populated);
	free(buf);
	return populated;
}

static inline void mr_teardown(struct __test_metadata *_metadata, struct mr_ctx *ctx)
{
	char end[300], path[PATH_MAX];
	long long waited;
	long long oom;
	int ret;

	if (!ctx->run.path[0])
		return;
	if (!mr_memory_events(ctx->root, "oom_kill", &oom) && oom > 0)
		MR_ASSERTION("no_oom_kill", "oom_kill=%lld expected==0", oom);
	if (ctx->dying_failed)
		mr_dying_reclaim_diagnosis(ctx, ctx->dying_held);
	snprintf(path, sizeof(path), "%s", ctx->run.path);
	/*
	 * Tasks first (a reader's atime or a writer's mtime dirties an inode
	 * for up to dirty_expire_centisecs, and a cgroup writeback with a
	 * dirty inode is not cleaned up at offline), then the files, then
	 * the write-back, then what the subtree still holds (swap cache: an
	 * unmapped swap-cache folio keeps its swap record, and the record the
	 * memcg's id, until reclaim frees it), then the cgroups.
	 */
	/*
	 * SIGTERM before SIGKILL: stress-ng removes its POSIX shm objects
	 * when told to stop; killed, it leaves them in /dev/shm, where their
	 * swapped-out pages keep swap records of the removed memcg for good.
	 */
	mr_cg_signal(ctx->run.path, SIGTERM);
	mr_poll_until(!mr_cg_populated(ctx->run.path), 3000, &waited,
		      "the subtree's tasks to end on SIGTERM");
	mr_cg_drain(ctx->run.path, MR_CG_DRAIN_MS);
	mr_shm_leftovers();
	mr_scratch_remove(ctx);
	mr_scratch_sync(ctx);
	mr_release_subtree(ctx->run.path);
	ret = mr_cg_run_destroy(&ctx->run);
	if (ret)
		MR_ASSERTION("cleanup", "remove %s: %s", ctx->run.path,
			     strerror(-ret));
	if (mr_shared)
		mr_shared->run.path[0] = '\0';
	ret = mr_lru_gen_restore();
	if (ret)
		MR_BROKEN("cleanup", "restore %s: -%s (%s)", MR_LRU_GEN_ENABLED,
			  mr_errname(-ret), strerror(-ret));
	mr_wait_run_freed(_metadata, ctx, path);

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

/**
 * mr_dying() - current nr_dying_descendants and nr_dying_subsys_memory of
 *		the test root
 * @ctx: test context
 * @dying: nr_dying_descendants
 * @dying_mem: nr_dying_subsys_memory, or -1 without the key
 *
 * Return: 0 or a negative errno.
 */
static inline int mr_dying(const struct mr_ctx *ctx, long long *dying,
		    long long *dying_mem)
{
	int ret;

	*dying_mem = -1;
	ret = mr_cgroup_stat(ctx->root, "nr_dying_descendants", dying);
	if (!ret && ctx->dying_mem_base >= 0)
		ret = mr_cgroup_stat(ctx->root, "nr_dying_subsys_memory",
				     dying_mem);
	return ret;
}

/* Whether hierarchy path @path is strictly below @root. */
static inline bool mr_kpath_below(const char *path, const char *root)
{
	size_t n = strlen(root);

	return !strncmp(path, root, n) && path[n] == '/';
}

/*
 * Logs the memcgs below the test root lru_gen still lists after rmdir.
 * Returns the pages they hold, -1 when lru_gen cannot tell.
 */
static inline long long mr_list_removed(const struct mr_ctx *ctx)
{
	const struct mr_lrugen_memcg *m;
	unsigned long long anon, file;
	long long held = 0;
	char dir[PATH_MAX];
	struct mr_lrugen lg;
	int i;

	if (!ctx->mglru || mr_lrugen_read(false, &lg))
		return -1;
	for (i = 0; i < lg.nr_memcgs; i++) {
		m = &lg.memcgs[i];
		if (!mr_kpath_below(m->path, ctx->kroot) ||
		    (!mr_cg_fspath(&ctx->run, m->path, dir, sizeof(dir)) &&
		     mr_cg_exists(dir) && m->id))
			continue;
		mr_lrugen_totals(m, &anon, &file);
		mr_msg("removed but not freed: %s (id %llu) anon=%llu file=%llu pages",
		       m->path, m->id, anon, file);
		held += anon + file;
	}
	mr_lrugen_free(&lg);
	return held;
}

static inline bool mr_dying_at_base(const struct mr_ctx *ctx, long long *dying,
			     long long *dying_mem)
{
	if (mr_dying(ctx, dying, dying_mem))
		return false;
	return *dying <= ctx->dying_base && *dying_mem <= ctx->dying_mem_base;
}

/*
 * Besides pages, a removed memcg is kept by the swap records of its entries
 * (a swap-cache folio left unmapped keeps its entry, and the record the
 * removed memcg's ID) and by inodes under writeback.  Print what the test
 * root holds of each, so that a failure says which to look at.
 */
static inline void mr_dying_clues(const struct mr_ctx *ctx)
{
	static const char * const keys[] = {
		"swapcached", "file_dirty", "file_writeback",
	};
	char line[256], path[PATH_MAX], *swap = NULL;
	long long v;
	size_t i, n = 0;

	if (!mr_pathf(path, sizeof(path), "%s/memory.swap.current", ctx->root) &&
	    mr_read_file(path, &swap) > 0) {
		swap[strcspn(swap, "\n")] = '\0';
		n += snprintf(line + n, sizeof(line) - n, " swap.current=%s", swap);
	}
	free(swap);
	for (i = 0; i < ARRAY_SIZE(keys) && n < sizeof(line); i++)
		if (!mr_memory_stat(ctx->root, keys[i], &v))
			n += snprintf(line + n, sizeof(line) - n, " %s=%lld",
				      keys[i], v);
	if (n)
		mr_msg("what the test root holds that can pin removed memcgs:%s",
		       line);
}

/*
 * At offline the kernel moves the inodes of the memcg's cgroup writeback to
 * the parent's (cleanup_offline_cgwbs_workfn(), mm/backing-dev.c), but it
 * skips a writeback that has dirty IO at that moment and retries only at
 * the next memcg offline, anywhere; until then the writeback pins the memcg.
 * On a busy machine the next offline comes soon; after a test's last rmdir
 * nothing offlines, so the test does: one empty memcg beside t (not below
 * it: t's nr_dying_descendants must not count it).
 */
static inline int mr_cgwb_cleanup_kick(const struct mr_ctx *ctx)
{
	char kick[PATH_MAX];
	int ret;

	ret = mr_pathf(kick, sizeof(kick), "%s/kick", ctx->run.path);
	if (!ret)
		ret = mr_cg_create(kick);
	if (!ret)
		ret = mr_cg_rmdir(kick, MR_DYING_MS);
	return ret;
}

/*
 * A removed memcg is still dying after MR_DYING_MS.  First, non-destructive:
 * did its writeback cleanup only need one more offline?  (Returns true if
 * that freed it.)  What memory.reclaim of t frees is tried at the teardown
 * (mr_dying_reclaim_diagnosis()), after the test's other checks: reclaim
 * would change what they measure.
 */
static inline bool mr_dying_kick_diagnosis(const struct mr_ctx *ctx)
{
	long long dying, dying_mem, waited;

	if (mr_cgwb_cleanup_kick(ctx) ||
	    !mr_poll_until(mr_dying_at_base(ctx, &dying, &dying_mem), 2000,
			   &waited, "a freed memcg after one more offline"))
		return false;
	mr_msg("diagnosis: freed by the writeback cleanup of one more offline: its cgroup writeback had dirty IO at the previous one although t was synced");
	return true;
}

/* In a child of the drain memcg: charge one page on CPU *arg, exit there */
static inline int mr_stock_fill_fn(void *arg)
{
	long cpu = *(long *)arg;
	cpu_set_t set;
	char *p;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return -errno;
	p = mmap(NULL, mr_page_size(), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	*p = 1;
	return 0;
}

/**
 * mr_drain_cpu_stocks() - drain every CPU's memcg charge stock completely
 * @ctx: test context
 *
 * A memcg's charges are cached per CPU (mm/memcontrol.c memcg_stock); a
 * slot holds a css reference on its memcg even at 0 pages, and
 * drain_all_stock() at offline drains only CPUs where the removed subtree's
 * slots hold pages (see selftests/dying_percpu.c).  A drain that does run
 * empties every slot of that CPU.  So: a memcg of the run's own, charged
 * one page on every CPU (its slot then holds the rest of a batch), removed:
 * its offline drains all CPUs fully.  Touches nothing outside the run.
 *
 * Return: 0 or a negative errno.
 */
/* charges one page on every CPU in the existing memcg @cg, then removes it */
static inline int mr_stock_drain_in(const char *cg)
{
	long cpu, cpus = mr_nr_cpus();
	struct mr_child c;
	int ret = 0;

	for (cpu = 0; !ret && cpu < cpus; cpu++) {
		ret = mr_spawn_fn(&c, "stockdrain", cg, mr_stock_fill_fn, &cpu);
		if (!ret)
			ret = mr_child_wait(&c, MR_LOAD_MS) ? -ECHILD : 0;
	}
	if (!ret)
		ret = mr_cg_rmdir(cg, MR_DYING_MS);
	return ret;
}

static inline int mr_drain_cpu_stocks(const struct mr_ctx *ctx)
{
	char cg[PATH_MAX];
	int ret;

	ret = mr_pathf(cg, sizeof(cg), "%s/stockdrain", ctx->run.path);
	if (!ret)
		ret = mr_cg_create(cg);
	return ret ? ret : mr_stock_drain_in(cg);
}

/*
 * Still dying after the kick, with no writeback: a CPU's memcg charge stock
 * may hold it (see selftests/dying_percpu.c).  Draining every CPU's stock
 * (mr_drain_cpu_stocks()) tells.  Returns true if that freed it; the
 * diagnosis line is the evidence a known issue can name.
 */
static inline bool mr_dying_stock_diagnosis(const struct mr_ctx *ctx)
{
	long long dying, dying_mem, waited;
	int ret = mr_drain_cpu_stocks(ctx);

	if (ret) {
		mr_msg("could not drain the CPUs' charge stocks: %s",
		       strerror(-ret));
		return false;
	}
	if (!mr_poll_until(mr_dying_at_base(ctx, &dying, &dying_mem), 2000,
			   &waited, "a freed memcg after draining the CPUs' charge stocks"))
		return false;
	mr_msg("diagnosis: percpu_stock: freed once every CPU's memcg charge stock was drained: a stock slot without pages held its css reference (drain_all_stock() at offline skips such slots)");
	return true;
}

/*
 * At the teardown of a test whose dying check failed: reclaim all of t and
 * say whether that freed the memcgs.  @held: pages lru_gen showed in them
 * (-1: it could not tell).
 */
static inline void mr_dying_reclaim_diagnosis(const struct mr_ctx *ctx,
					      long long held)
{
	long long dying, dying_mem, waited, cur = 0, swap = 0;
	char val[32];

	/* the test may have ended its tasks and deleted its files since */
	if (mr_dying_at_base(ctx, &dying, &dying_mem)) {
		mr_msg("diagnosis: freed by the end of the test, before any reclaim: pinned by what the test still held at its check (%s)",
		       held > 0 ? "lru_gen listed pages in it: not reparented" :
		       held == 0 ? "lru_gen listed no pages in it" :
		       "lru_gen could not tell");
		return;
	}
	if (!mr_cg_value(ctx->root, "memory.current", &cur)) {
		snprintf(val, sizeof(val), "%lld", cur);
		mr_cg_try_write(ctx->root, "memory.reclaim", val);
	}
	if (mr_poll_until(mr_dying_at_base(ctx, &dying, &dying_mem), 2000,
			  &waited, "a freed memcg after memory.reclaim of t")) {
		mr_msg("diagnosis: freed by memory.reclaim of t (%lld bytes asked): %s",
		       cur, held > 0 ? "its own pages pinned it (lru_gen listed them: not reparented)" :
		       held == 0 ? "memory outside the LRU lists lru_gen shows pinned it" :
		       "pages reclaim frees pinned it (lru_gen could not tell which)");
		return;
	}
	mr_cg_value(ctx->root, "memory.swap.current", &swap);
	if (swap > 0)
		mr_msg("diagnosis: still dying (nr_dying_descendants=%lld) after memory.reclaim of t, which holds %lld bytes of swap: swap records pin a memcg by its id",
		       dying, swap);
	else if (mr_diag_removed_wbs(ctx->run.mnt) > 0)
		mr_msg("diagnosis: still dying (nr_dying_descendants=%lld) after one more offline and memory.reclaim of t, no swap, a cgroup writeback of a removed cgroup remains (above): its inodes pin it",
		       dying);
	else
		mr_msg("diagnosis: still dying (nr_dying_descendants=%lld) after one more offline and memory.reclaim of t, no swap, no writeback: no cause the suite knows, a leaked reference?",
		       dying);
}

/**
 * mr_check_dying() - assertion dying_memcgs: the offlined memcgs are freed
 * @_metadata: harness metadata
 * @ctx: test context
 *
 * Offlines one empty memcg beside t (see mr_cgwb_cleanup_kick()), then polls
 * the test root's cgroup.stat until nr_dying_descendants (and
 * nr_dying_subsys_memory where the kernel has it) are back at their values
 * from the start, for at most MR_DYING_MS.  Call it after syncfs.
 */
/**
 * mr_offlined() - note that the test's memcgs were just removed
 * @ctx: test context
 *
 * The bounds of the checks that follow (lrugen_no_dying_pages,
 * dying_memcgs) run from here: "freed within MR_DYING_MS of the rmdirs",
 * however many checks wait in between.
 */
static inline void mr_offlined(struct mr_ctx *ctx)
{
	ctx->offline_ms = mr_now_ms();
}

/* what is left of @bound ms since mr_offlined() (all of it without it) */
static inline long long mr_since_offline(const struct mr_ctx *ctx,
					 long long bound)
{
	long long left;

	if (!ctx->offline_ms)
		return bound;
	left = bound - (mr_now_ms() - ctx->offline_ms);
	return left > 0 ? left : 0;
}

static inline void mr_check_dying(struct __test_metadata *_metadata,
			   struct mr_ctx *ctx)
{
	long long dying = -1, dying_mem = -1, waited, held;
	bool stock = false;

	if (ctx->dying_mem_base < 0)
		mr_msg("cgroup.stat has no nr_dying_subsys_memory on this kernel");
	MR_OK("dying_memcgs", mr_cgwb_cleanup_kick(ctx));
	if (mr_poll_until(mr_dying_at_base(ctx, &dying, &dying_mem),
			  mr_since_offline(ctx, MR_DYING_MS), &waited,
			  "nr_dying_descendants to return to its baseline"))
		return;
	if (ctx->offline_ms)
		waited = mr_now_ms() - ctx->offline_ms;
	held = mr_list_removed(ctx);
	mr_dying_clues(ctx);
	if (mr_diag_removed_wbs(ctx->run.mnt) == 0)
		mr_msg("no cgroup writeback of a removed cgroup on any bdi");
	/*
	 * Freed now or not, the bound was missed: the assertion stands.  When
	 * draining the CPUs' charge stocks freed it, the message says so
	 * ("cause=percpu_stock"), which a known issue of a build can name.
	 */
	if (held > 0) {
		/* their own pages hold them: not reparented, nothing to find */
		ctx->dying_failed = true;
		ctx->dying_held = held;
	} else if (!mr_dying_kick_diagnosis(ctx)) {
		stock = mr_dying_stock_diagnosis(ctx);
		ctx->dying_failed = !stock;
		ctx->dying_held = held;
	}
	/* a count that cannot be read proves nothing: it must not pass */
	if (dying < 0 || (ctx->dying_mem_base >= 0 && dying_mem < 0))
		MR_ASSERTION("dying_memcgs",
			     "cgroup.stat of %s unreadable: nr_dying_descendants=%lld nr_dying_subsys_memory=%lld",
			     ctx->root, dying, dying_mem);
	if (dying > ctx->dying_base)
		MR_ASSERTION("dying_memcgs",
			     "nr_dying_descendants=%lld expected<=%lld (waited %lld ms)%s",
			     dying, ctx->dying_base, waited,
			     stock ? " cause=percpu_stock" : "");
	if (dying_mem > ctx->dying_mem_base)
		MR_ASSERTION("dying_memcgs",
			     "nr_dying_subsys_memory=%lld expected<=%lld (waited %lld ms)%s",
			     dying_mem, ctx->dying_mem_base, waited,
			     stock ? " cause=percpu_stock" : "");
}

/**
 * mr_check_reachable() - assertion reparented_reachable
 * @_metadata: harness metadata
 * @ctx: test context
 *
 * Reparented page cache must stay where the parent's reclaim finds it:
 * memory.reclaim on the test root, asked for all of its page cache (a few
 * tries, EAGAIN is a normal answer), must bring "file" down to the stat
 * tolerance.  Call it after the children are gone and written back.
 */
static inline void mr_check_reachable(struct __test_metadata *_metadata,
			       const struct mr_ctx *ctx)
{
	long long file, before, tol = mr_stat_tolerance();
	char val[32];
	int i, ret = 0;

	MR_OK("reparented_reachable", mr_memory_stat(ctx->root, "file", &file));
	before = file;
	/* at least one reclaim, even when little is left: a check must act */
	for (i = 0; i < 5 && (i == 0 || file > tol); i++) {
		snprintf(val, sizeof(val), "%lld", file > 0 ? file : 1);
		ret = mr_cg_try_write(ctx->root, "memory.reclaim", val);
		if (ret && ret != -EAGAIN)
			MR_FATAL("reparented_reachable", "memory.reclaim: %s",
				 strerror(-ret));
		MR_OK("reparented_reachable",
		      mr_memory_stat(ctx->root, "file", &file));
	}
	mr_msg("reparented_reachable: file=%lld before, %lld after %d memory.reclaim write(s) (tolerance %lld)",
	       before, file, i, tol);
	if (file > tol)
		MR_ASSERTION("reparented_reachable",
			     "file=%lld expected<=%lld (after %d memory.reclaim writes, last: %s)",
			     file, tol, i, ret ? strerror(-ret) : "ok");
}

/* pages lru_gen lists in removed memcgs below the test root */
static inline long long mr_lrugen_removed_pages(const struct mr_ctx *ctx,
						const struct mr_lrugen *lg)
{
	const struct mr_lrugen_memcg *m;
	unsigned long long anon, file;
	long long held = 0;
	char dir[PATH_MAX];
	int i;

	for (i = 0; i < lg->nr_memcgs; i++) {
		m = &lg->memcgs[i];
		if (!mr_kpath_below(m->path, ctx->kroot) ||
		    (!mr_cg_fspath(&ctx->run, m->path, dir, sizeof(dir)) &&
		     mr_cg_exists(dir) && m->id))
			continue;
		mr_lrugen_totals(m, &anon, &file);
		held += anon + file;
	}
	return held;
}

/**
 * mr_check_lrugen_dying() - assertion lrugen_no_dying_pages
 * @_metadata: harness metadata
 * @ctx: test context
 * @lg: lru_gen or lru_gen_full dump
 *
 * A memcg below the test root whose cgroup was removed may still be listed
 * until it is freed, but with reparenting it holds no pages.
 */
static inline void mr_check_lrugen_dying(struct __test_metadata *_metadata,
				  const struct mr_ctx *ctx,
				  const struct mr_lrugen *lg)
{
	const struct mr_lrugen_memcg *m;
	unsigned long long anon, file;
	char dir[PATH_MAX];
	int i;

	for (i = 0; i < lg->nr_memcgs; i++) {
		m = &lg->memcgs[i];
		if (!mr_kpath_below(m->path, ctx->kroot))
			continue;
		if (!mr_cg_fspath(&ctx->run, m->path, dir, sizeof(dir)) &&
		    mr_cg_exists(dir) && m->id)
			continue;
		mr_lrugen_totals(m, &anon, &file);
		if (anon || file)
			MR_ASSERTION("lrugen_no_dying_pages",
				     "%s (id %llu, removed) anon=%llu file=%llu pages expected==0",
				     m->path, m->id, anon, file);
	}
}

/**
 * mr_check_lrugen_old() - assertion lrugen_old_slots
 * @_metadata: harness metadata
 * @ctx: test context
 * @full: lru_gen_full dump
 *
 * Slots below min_seq (marked 'x') must be empty, for every memcg below and
 * at the test root, removed or not.
 */
static inline void mr_check_lrugen_old(struct __test_metadata *_metadata,
				const struct mr_ctx *ctx,
				const struct mr_lrugen *full)
{
	const struct mr_lrugen_memcg *m;
	unsigned long long old;
	int i;

	for (i = 0; i < full->nr_memcgs; i++) {
		m = &full->memcgs[i];
		if (strcmp(m->path, ctx->kroot) &&
		    !mr_kpath_below(m->path, ctx->kroot))
			continue;
		old = mr_lrugen_old_pages(m);
		if (old)
			MR_ASSERTION("lrugen_old_slots",
				     "%s (id %llu) pages_below_min_seq=%llu expected==0",
				     m->path, m->id, old);
	}
}

/* generations of one type on one node, from an lru_gen_full dump */
static inline int mr_lrugen_nr_gens(const struct mr_lrugen_node *n, int type)
{
	return (int)(n->max_seq - n->min_seq[type]) + 1;
}

/**
 * mr_lrugen_shrink() - evict a memcg down to MIN_NR_GENS on every node
 * @kpath: the memcg as lru_gen names it
 *
 * "- ID NID MAX_SEQ-2" evicts the generations below the two youngest; on a
 * memcg whose old generations are empty it only retires them.
 *
 * Return: 0, or a negative errno (-ENOENT: not listed).
 */
static inline int mr_lrugen_shrink(const char *kpath)
{
	const struct mr_lrugen_memcg *m;
	struct mr_lrugen lg;
	int i, ret;

	ret = mr_lrugen_read(true, &lg);
	if (ret)
		return ret;
	m = mr_lrugen_find(&lg, kpath);
	ret = m ? 0 : -ENOENT;
	for (i = 0; m && i < m->nr_nodes && !ret; i++) {
		ret = mr_lrugen_evict(m->id, m->nodes[i].nid,
				      m->nodes[i].max_seq - MR_MIN_NR_GENS, -1, -1);
		if (ret == -EEXIST || ret == -EINVAL)
			ret = 0;	/* nothing to evict: checked by the caller */
	}
	mr_lrugen_free(&lg);
	return ret;
}

/**
 * mr_lrugen_min_gens() - fewest generations of a memcg over nodes and types
 * @kpath: the memcg as lru_gen names it
 *
 * Return: that number, or a negative errno (-ENOENT: not listed).
 */
static inline int mr_lrugen_min_gens(const char *kpath)
{
	const struct mr_lrugen_memcg *m;
	struct mr_lrugen lg;
	int i, type, n, fewest = MR_MAX_NR_GENS + 1;

	n = mr_lrugen_read(true, &lg);
	if (n)
		return n;
	m = mr_lrugen_find(&lg, kpath);
	for (i = 0; m && i < m->nr_nodes; i++)
		for (type = 0; type < 2; type++) {
			n = mr_lrugen_nr_gens(&m->nodes[i], type);
			if (n < fewest)
				fewest = n;
		}
	mr_lrugen_free(&lg);
	return m ? fewest : -ENOENT;
}

/**
 * mr_check_parent_raised() - assertion lrugen_parent_raised
 * @_metadata: harness metadata
 * @ctx: test context (the bound runs from mr_offlined())
 * @kpath: the parent of the memcg just removed, as lru_gen names it
 *
 * Reparenting splices the child's generations into the parent's slot by
 * slot, so the parent is first raised to MAX_NR_GENS (max_lru_gen_memcg());
 * a parent left with fewer generations would receive folios in slots outside
 * its window.  Call it right after the rmdir of a child that had more
 * generations than the parent, in a test where nothing else ages or evicts
 * the parent.
 */
static inline void mr_check_parent_raised(struct __test_metadata *_metadata,
					  const struct mr_ctx *ctx,
					  const char *kpath)
{
	const struct mr_lrugen_memcg *m;
	struct mr_lrugen lg;
	long long waited;
	int i, type, n;

	/*
	 * The child's offline runs from a workqueue after the rmdir; nothing
	 * else ages or evicts a parent without pages of its own, so its number
	 * of generations changes only there.
	 */
	mr_poll_until(mr_lrugen_min_gens(kpath) == MR_MAX_NR_GENS,
		      mr_since_offline(ctx, MR_DYING_MS), &waited,
		      "the parent to be raised to MAX_NR_GENS");
	MR_OK("lrugen_parent_raised", mr_lrugen_read(true, &lg));
	m = mr_lrugen_find(&lg, kpath);
	if (!m)
		MR_ASSERTION("lrugen_parent_raised", "%s not listed in lru_gen_full",
			     kpath);
	for (i = 0; m && i < m->nr_nodes; i++)
		for (type = 0; type < 2; type++) {
			n = mr_lrugen_nr_gens(&m->nodes[i], type);
			if (n != MR_MAX_NR_GENS)
				MR_ASSERTION("lrugen_parent_raised",
					     "%s node %d %s: %d generations (seq %llu..%llu) expected==%d after its child's offline",
					     kpath, m->nodes[i].nid,
					     type ? "file" : "anon", n,
					     m->nodes[i].min_seq[type],
					     m->nodes[i].max_seq, MR_MAX_NR_GENS);
		}
	mr_lrugen_free(&lg);
}

/**
 * mr_wait_lrugen_dying_empty() - assertion lrugen_no_dying_pages, at once
 * @_metadata: harness metadata
 * @ctx: test context
 *
 * Right after the rmdirs, while the removed memcgs are still listed: poll
 * lru_gen until none of them below the test root holds pages (offline and
 * its reparenting run asynchronously after rmdir), for at most MR_DYING_MS
 * since mr_offlined().
 * Judged on its own, before and whatever the dying check finds.
 */
/* a fresh lru_gen dump in @lg; true when its removed memcgs hold no pages */
static inline bool mr_lrugen_dying_empty(const struct mr_ctx *ctx,
					 struct mr_lrugen *lg, long long *held)
{
	mr_lrugen_free(lg);
	*held = mr_lrugen_read(false, lg) ? -1 : mr_lrugen_removed_pages(ctx, lg);
	return *held == 0;
}

static inline void mr_wait_lrugen_dying_empty(struct __test_metadata *_metadata,
					      const struct mr_ctx *ctx)
{
	struct mr_lrugen lg = {};
	long long held = -1, waited;

	if (!ctx->mglru)
		return;
	if (mr_poll_until(mr_lrugen_dying_empty(ctx, &lg, &held),
			  mr_since_offline(ctx, MR_DYING_MS), &waited,
			  "lru_gen to show no pages in the removed memcgs")) {
		mr_lrugen_free(&lg);
		return;
	}
	if (held < 0)
		MR_BROKEN("lrugen_no_dying_pages", "lru_gen unreadable");
	else
		mr_check_lrugen_dying(_metadata, ctx, &lg);
	mr_lrugen_free(&lg);
}

/*
 * A fresh lru_gen_full in @full; true when no memcg at or below t counts
 * pages in a slot below its min_seq (false also when unreadable).
 */
static inline bool mr_lrugen_old_clean(const struct mr_ctx *ctx,
				       struct mr_lrugen *full)
{
	const struct mr_lrugen_memcg *m;
	int i;

	mr_lrugen_free(full);
	if (mr_lrugen_read(true, full))
		return false;
	for (i = 0; i < full->nr_memcgs; i++) {
		m = &full->memcgs[i];
		if ((!strcmp(m->path, ctx->kroot) ||
		     mr_kpath_below(m->path, ctx->kroot)) &&
		    mr_lrugen_old_pages(m))
			return false;
	}
	return true;
}

static inline bool mr_close(long long a, long long b, long long tol)
{
	return a - b <= tol && b - a <= tol;
}

struct mr_sizes_walk {
	struct __test_metadata *meta;
	const struct mr_ctx *ctx;
	const struct mr_lrugen *lg;
	int checked;
	bool dry;
	int bad;
};

/* In a dry walk a mismatch is only counted (see mr_stats_settle()). */
#define MR_SIZES_FAIL(w, aname, fmt, ...) do { \
	if ((w)->dry) \
		(w)->bad++; \
	else \
		MR_ASSERTION(aname, fmt, ##__VA_ARGS__); \
} while (0)

static inline int mr_local_sub_child(const char *child, void *arg)
{
	struct mr_memstat *local = arg, c;
	int ret = mr_memstat_read(child, &c);

	if (ret == -ENOENT)
		return 0;	/* removed meanwhile */
	if (ret)
		return ret;
	local->anon -= c.anon;
	local->file -= c.file;
	local->shmem -= c.shmem;
	local->active_anon -= c.active_anon;
	local->inactive_anon -= c.inactive_anon;
	local->active_file -= c.active_file;
	local->inactive_file -= c.inactive_file;
	local->unevictable -= c.unevictable;
	local->swapcached -= c.swapcached;
	return 0;
}

/* memory.stat of @dir minus the memory.stat of each live child */
static inline int mr_local_stat(const char *dir, struct mr_memstat *local,
				struct mr_memstat *own)
{
	int ret = mr_memstat_read(dir, own);

	if (ret)
		return ret;
	*local = *own;
	return mr_cg_walk_children(dir, mr_local_sub_child, local);
}

static inline int mr_sizes_one(const char *dir, struct mr_sizes_walk *w)
{
	struct __test_metadata *_metadata = w->meta;
	long long tol = mr_stat_tolerance(), page = mr_page_size();
	long long lru_anon, lru_file, gen_anon, gen_file;
	const struct mr_lrugen_memcg *m;
	unsigned long long a, f;
	struct mr_memstat local, own;
	char kpath[PATH_MAX];
	int ret;

	ret = mr_local_stat(dir, &local, &own);
	if (ret)
		return ret;
	w->checked++;

	/*
	 * LRU anon holds shmem, and swap-cache folios no task maps (not in
	 * "anon": on 6.1 after reparent_race the keeper's LRU anon exceeded
	 * anon+shmem by 528384 bytes, exactly its swapcached); "file" counts
	 * shmem, the file LRU does not.
	 */
	lru_anon = own.active_anon + own.inactive_anon;
	lru_file = own.active_file + own.inactive_file;
	if (lru_anon < own.anon + own.shmem - tol ||
	    lru_anon > own.anon + own.shmem + own.swapcached + tol)
		MR_SIZES_FAIL(w, "lru_split",
			     "%s active_anon+inactive_anon=%lld expected in anon+shmem=%lld .. +swapcached=%lld (+-%lld)",
			     dir, lru_anon, own.anon + own.shmem,
			     own.anon + own.shmem + own.swapcached, tol);
	if (!mr_close(lru_file, own.file - own.shmem, tol))
		MR_SIZES_FAIL(w, "lru_split",
			     "%s active_file+inactive_file=%lld expected==file-shmem=%lld (+-%lld)",
			     dir, lru_file, own.file - own.shmem, tol);

	lru_anon = local.active_anon + local.inactive_anon;
	lru_file = local.active_file + local.inactive_file;
	if (lru_anon < -tol || lru_file < -tol)
		MR_SIZES_FAIL(w, "lru_local",
			     "%s local LRU anon=%lld file=%lld expected>=-%lld (own minus children)",
			     dir, lru_anon, lru_file, tol);
	if (!w->lg)
		return 0;

	ret = mr_cg_kpath(&w->ctx->run, dir, kpath, sizeof(kpath));
	if (ret)
		return ret;
	m = mr_lrugen_find(w->lg, kpath);
	if (!m) {
		MR_SIZES_FAIL(w, "lrugen_sizes", "%s not listed in lru_gen", kpath);
		return 0;
	}
	mr_lrugen_totals(m, &a, &f);
	gen_anon = a * page;
	gen_file = f * page;
	if (!mr_close(gen_anon, lru_anon, tol))
		MR_SIZES_FAIL(w, "lrugen_sizes",
			     "%s lru_gen anon=%lld expected==local active_anon+inactive_anon=%lld (+-%lld)",
			     kpath, gen_anon, lru_anon, tol);
	if (!mr_close(gen_file, lru_file, tol))
		MR_SIZES_FAIL(w, "lrugen_sizes",
			     "%s lru_gen file=%lld expected==local active_file+inactive_file=%lld (+-%lld)",
			     kpath, gen_file, lru_file, tol);
	return 0;
}

/* Checks @dir and below; @arg is the struct mr_sizes_walk */
static inline int mr_sizes_walk(const char *dir, void *arg)
{
	int ret = mr_sizes_one(dir, arg);

	if (ret)
		return ret;
	return mr_cg_walk_children(dir, mr_sizes_walk, arg);
}

/*
 * A read of memory.stat flushes a memcg's pending per-cpu updates only when
 * that memcg counts more than MEMCG_CHARGE_BATCH x nr_cpus of them
 * (memcg_vmstats_needs_flush()); a parent can so show older numbers than
 * its freshly flushed child, by far more than the per-counter tolerance
 * (seen on 7.2: a parent's anon 42 MB behind its only child).  The periodic
 * worker force-flushes the whole tree every 2 s: wait, bounded by two of its
 * periods, until a dry walk finds every memcg consistent, then assert on
 * what the real walk reads.  A mismatch that outlives forced flushes fails.
 */
#define MR_SETTLE_MS	5000

static inline void mr_stats_settle(const struct mr_ctx *ctx,
				   struct mr_sizes_walk *w)
{
	long long waited;

	w->dry = true;
	mr_poll_until((w->bad = 0, !mr_sizes_walk(ctx->root, w) && !w->bad),
		      MR_SETTLE_MS, &waited,
		      "memory.stat to agree across the tree (rstat flush)");
	w->dry = false;
	w->bad = 0;
	w->checked = 0;
}

/**
 * mr_check_sizes() - size assertions for the test root and every live memcg
 *		      below it, at quiescence
 * @_metadata: harness metadata
 * @ctx: test context
 *
 * lru_split: active+inactive of each LRU type equals memory.stat's total of
 * that type (anon+shmem, file-shmem) within the stat tolerance;
 * lru_local: own minus children is never negative;
 * lrugen_sizes (MGLRU): the pages over all generations and nodes of a memcg
 * equal its local LRU sizes; lrugen_old_slots: no pages in slots below
 * min_seq; lrugen_no_dying_pages: removed memcgs hold no pages.
 */
static inline void mr_check_sizes(struct __test_metadata *_metadata,
			   const struct mr_ctx *ctx)
{
	struct mr_sizes_walk w = { .meta = _metadata, .ctx = ctx };
	struct mr_lrugen lg = {}, full = {};
	long long waited;

	if (ctx->mglru) {
		MR_OK("lrugen_sizes", mr_lrugen_read(false, &lg));
		MR_OK("lrugen_old_slots", mr_lrugen_read(true, &full));
		w.lg = &lg;
	} else {
		mr_msg("MGLRU is off: lru_gen size checks skipped");
	}
	mr_stats_settle(ctx, &w);
	MR_OK("lru_split", mr_sizes_walk(ctx->root, &w));
	mr_msg("sizes checked for %d live memcg(s)", w.checked);
	if (ctx->mglru) {
		/*
		 * A page table walk in flight holds its size changes in its
		 * batch (walk->nr_pages) until reset_batch_size(), so a slot
		 * just retired can count pages for a moment: read again until
		 * none does, for a bounded time; what persists is judged.
		 */
		mr_poll_until(mr_lrugen_old_clean(ctx, &full), 2000, &waited,
			      "no pages counted in retired generations");
		if (!full.nr_memcgs)
			MR_BROKEN("lrugen_old_slots", "lru_gen_full unreadable");
		mr_check_lrugen_old(_metadata, ctx, &full);
		mr_check_lrugen_dying(_metadata, ctx, &lg);
	}
	mr_lrugen_free(&lg);
	mr_lrugen_free(&full);
}

/**
 * struct mr_tree - a tree of cgroups below the test root
 * @nr: number of nodes
 * @paths: absolute directories in pre-order (a parent before its subtree)
 * @leaf: whether each node is a leaf
 * @parent: index of each node's parent, -1 below the test root
 */
struct mr_tree {
	int nr;
	char (*paths)[PATH_MAX];
	bool *leaf;
	int *parent;
};

/*
 * Called on each node after its creation and before its children's (an
 * inner node may hold tasks only until +memory goes into its
 * subtree_control, which creating a child does).
 */
typedef int (*mr_tree_load_fn)(const char *path, void *arg);

static inline int mr_tree_add(struct mr_tree *t, int up, const char *parent,
			      int idx, int depth, int fanout,
			      mr_tree_load_fn load, void *arg)
{
	int me = t->nr++, i, ret;

	ret = mr_pathf(t->paths[me], PATH_MAX, "%s/n%d", parent, idx);
	if (!ret)
		ret = mr_cg_create(t->paths[me]);
	if (!ret && load)
		ret = load(t->paths[me], arg);
	if (ret)
		return ret;
	t->leaf[me] = depth == 1;
	t->parent[me] = up;
	for (i = 0; depth > 1 && i < fanout; i++) {
		ret = mr_tree_add(t, me, t->paths[me], i, depth - 1, fanout,
				  load, arg);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * mr_tree_build_load() - create @fanout subtrees of @depth levels below
 *			  @parent, calling @load on every node
 * @t: the tree, released with mr_tree_free()
 * @parent: directory to build below
 * @depth: levels (1: @fanout leaves)
 * @fanout: children per node
 * @load: NULL, or called on each node, inner ones before their children
 * @arg: argument of @load
 *
 * Nodes are named n0, n1...: paths like PARENT/n0/n1.
 *
 * Return: 0 or a negative errno (of the creation or of @load).
 */
static inline int mr_tree_build_load(struct mr_tree *t, const char *parent,
				     int depth, int fanout,
				     mr_tree_load_fn load, void *arg)
{
	long nr = 0, level = 1;
	int i, ret;

	for (i = 0; i < depth; i++) {
		level *= fanout;
		nr += level;
	}
	t->nr = 0;
	t->paths = calloc(nr, PATH_MAX);
	t->leaf = calloc(nr, sizeof(*t->leaf));
	t->parent = calloc(nr, sizeof(*t->parent));
	if (!t->paths || !t->leaf || !t->parent)
		return -ENOMEM;
	for (i = 0; i < fanout; i++) {
		ret = mr_tree_add(t, -1, parent, i, depth, fanout, load, arg);
		if (ret)
			return ret;
	}
	return 0;
}

/** mr_tree_build() - mr_tree_build_load() without a load */
static inline int mr_tree_build(struct mr_tree *t, const char *parent, int depth,
			 int fanout)
{
	return mr_tree_build_load(t, parent, depth, fanout, NULL, NULL);
}

static inline int mr_tree_leaves(const struct mr_tree *t)
{
	int i, n = 0;

	for (i = 0; i < t->nr; i++)
		n += t->leaf[i];
	return n;
}

/**
 * mr_tree_offline() - rmdir every node, leaves first, then inner nodes
 *		       bottom-up
 * @t: the tree
 *
 * Return: 0 or a negative errno.
 */
static inline int mr_tree_offline(const struct mr_tree *t)
{
	int i, ret;

	for (i = t->nr - 1; i >= 0; i--) {
		if (!t->leaf[i])
			continue;
		ret = mr_cg_rmdir(t->paths[i], MR_DYING_MS);
		if (ret)
			return ret;
	}
	/* reverse pre-order visits every subtree before its root */
	for (i = t->nr - 1; i >= 0; i--) {
		if (t->leaf[i])
			continue;
		ret = mr_cg_rmdir(t->paths[i], MR_DYING_MS);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * mr_tree_offline_cascade() - rmdir the leaves in pre-order, each inner node
 *			       as soon as its last child is gone
 * @t: the tree
 *
 * The other order than mr_tree_offline(): a parent goes offline while its
 * siblings' subtrees are still online and loaded, and reparenting runs into
 * a parent that is itself dying a moment later.
 *
 * Return: 0 or a negative errno.
 */
static inline int mr_tree_offline_cascade(const struct mr_tree *t)
{
	int *left, i, up, ret = 0;

	left = calloc(t->nr, sizeof(*left));
	if (!left)
		return -ENOMEM;
	for (i = 0; i < t->nr; i++)
		if (t->parent[i] >= 0)
			left[t->parent[i]]++;
	for (i = 0; i < t->nr && !ret; i++) {
		if (!t->leaf[i])
			continue;
		ret = mr_cg_rmdir(t->paths[i], MR_DYING_MS);
		for (up = t->parent[i]; !ret && up >= 0 && !--left[up];
		     up = t->parent[up])
			ret = mr_cg_rmdir(t->paths[up], MR_DYING_MS);
	}
	free(left);
	return ret;
}

static inline void mr_tree_free(struct mr_tree *t)
{
	free(t->paths);
	free(t->leaf);
	free(t->parent);
	t->paths = NULL;
	t->leaf = NULL;
	t->parent = NULL;
	t->nr = 0;
}

/**
 * mr_syncfs() - write back the scratch file system
 * @ctx: test context
 *
 * Before the cgroups go offline: an inode still dirty at rmdir stays
 * attached to the dying memcg's writeback structure (its bdi_writeback
 * holds a css reference), and a sync after the rmdir does not undo that:
 * the inode switches writebacks only when it is dirtied again (README,
 * "Runs that go wrong": the teardown's writeback pins).
 *
 * Return: 0 or a negative errno.
 */
static inline int mr_syncfs(const struct mr_ctx *ctx)
{
	int fd, ret;

	fd = open(ctx->files, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syncfs(fd) ? -errno : 0;
	close(fd);
	return ret;
}

/**
 * mr_scratch_file() - preallocate a file of this run on the scratch disk
 * @ctx: test context
 * @name: file name
 * @bytes: size
 * @out: receives the path
 * @len: size of @out
 *
 * Called from the test process, outside the test root: see
 * mr_file_prealloc() for why the metadata must not be charged to a leaf.
 *
 * Return: 0 or a negative errno.
 */
static inline int mr_scratch_file(const struct mr_ctx *ctx, const char *name,
				  long long bytes, char *out, size_t len)
{
	int ret;

	ret = mr_pathf(out, len, "%s/%s", ctx->files, name);
	return ret ? ret : mr_file_prealloc(out, bytes);
}

struct mr_file_job {
	const char *file;
	long long bytes;
};

static inline int mr_write_fn(void *arg)
{
	const struct mr_file_job *w = arg;
	int ret;

	ret = mr_file_write(w->file, w->bytes);
	if (ret)
		mr_err(ret, "write %s", w->file);
	return ret ? 1 : 0;
}

static inline int mr_read_fn(void *arg)
{
	const struct mr_file_job *w = arg;
	int ret;

	ret = mr_file_read(w->file);
	if (ret)
		mr_err(ret, "read %s", w->file);
	return ret ? 1 : 0;
}

/* Runs @job of the workloads folder with MR_FILE and MR_FILE_SIZE set. */
static inline int mr_start_fio(struct mr_child *c, const struct mr_ctx *ctx,
			       const char *job, const char *cg,
			       const char *file, long long bytes)
{
	char path[PATH_MAX], env_file[PATH_MAX + 16], env_size[48];
	char *argv[] = { "fio", "--output-format=terse", path, NULL };
	char *env[] = { env_file, env_size, NULL };
	int ret;

	ret = mr_job(ctx, job, path, sizeof(path));
	if (ret)
		return ret;
	snprintf(env_file, sizeof(env_file), "MR_FILE=%s", file);
	snprintf(env_size, sizeof(env_size), "MR_FILE_SIZE=%lld", bytes);
	return mr_spawn_exec(c, job, cg, argv, env);
}

/**
 * mr_start_writer() - start a page cache writer in a cgroup
 * @c: child handle
 * @ctx: test context
 * @cg: cgroup to run in
 * @file: file to write, on the scratch file system (see mr_scratch_file())
 * @bytes: size
 * @job: fio job file of the workloads folder, NULL for leaf-file-write.fio
 *
 * With MR_JOBS=1 (default), @job with MR_FILE and MR_FILE_SIZE in its
 * environment; with MR_JOBS=0, mr_file_write().
 * Both write buffered and fsync at the end, so that the page cache is clean
 * before the cgroup goes offline.
 *
 * Return: 0 or a negative errno.
 */
static inline int mr_start_writer(struct mr_child *c, const struct mr_ctx *ctx,
				  const char *cg, const char *file,
				  long long bytes, const char *job)
{
	/* read by the child after fork(), so a stack copy is fine */
	struct mr_file_job w = { .file = file, .bytes = bytes };

	if (ctx->p.jobs)
		return mr_start_fio(c, ctx, job ? job : "leaf-file-write.fio",
				    cg, file, bytes);
	return mr_spawn_fn(c, "writer", cg, mr_write_fn, &w);
}

/**
 * mr_start_reader() - start a page cache reader in a cgroup
 * @c: child handle
 * @ctx: test context
 * @cg: cgroup to run in
 * @file: file to read
 * @bytes: its size
 * @job: fio job file of the workloads folder, NULL for file-read.fio
 *
 * @job, or mr_file_read() with MR_JOBS=0.  Pages not in
 * the page cache (reclaimed meanwhile) are charged to @cg.
 *
 * Return: 0 or a negative errno.
 */
static inline int mr_start_reader(struct mr_child *c, const struct mr_ctx *ctx,
				  const char *cg, const char *file,
				  long long bytes, const char *job)
{
	struct mr_file_job w = { .file = file, .bytes = bytes };

	if (ctx->p.jobs)
		return mr_start_fio(c, ctx, job ? job : "file-read.fio", cg,
				    file, bytes);
	return mr_spawn_fn(c, "reader", cg, mr_read_fn, &w);
}

#endif /* MR_TEST_H */
