/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A per-run cgroup v2 subtree for the memcg_reparent tests.
 *
 * Layout: BASE/memcg_reparent.OWNER/ where BASE is the cgroup2 mount (or
 * $MR_CGROUP_ROOT) and OWNER the pid of the process that cleans it up.  A
 * subtree whose owner is dead is stale and reaped by the next run.
 *
 * libcgroup creates groups and attaches tasks.  It has no verb for what a
 * reparenting test needs beyond that (cgroup.kill, waiting for
 * "populated 0", rmdir with retries while a dying task leaves, cgroup.stat
 * nr_dying_*), so those use the cgroup files directly.
 */
#ifndef MR_CGROUP_H
#define MR_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Default bound for draining and removing a subtree. */
#define MR_CG_DRAIN_MS	10000

/**
 * struct mr_cg_run - the per-run subtree
 * @mnt: where the cgroup2 hierarchy is mounted
 * @mnt_root: hierarchy path of @mnt (mountinfo field 4, "/" normally)
 * @base: directory the run subtree is created in
 * @path: the run subtree, @base/memcg_reparent.OWNER
 * @restore_memory: +memory was enabled on @base by us, disable it at the end
 */
struct mr_cg_run {
	char mnt[PATH_MAX];
	char mnt_root[PATH_MAX];
	char base[PATH_MAX];
	char path[PATH_MAX];
	bool restore_memory;
};

/**
 * mr_cg_probe() - find the cgroup2 hierarchy and check the memory controller
 * @run: @mnt, @mnt_root and @base are filled
 * @why: reason to SKIP when the answer is -EOPNOTSUPP
 * @len: size of @why
 *
 * Writes nothing.  $MR_CGROUP_ROOT, when set, names @base (a directory of
 * the cgroup2 hierarchy, e.g. a delegated subtree).
 *
 * Return: 0, or -EOPNOTSUPP with @why set.
 */
int mr_cg_probe(struct mr_cg_run *run, char *why, size_t len);

/**
 * mr_cg_run_create() - reap stale runs and create this run's subtree
 * @run: probed by mr_cg_probe(); @path and @restore_memory are filled
 * @owner: pid of the process that will call mr_cg_run_destroy()
 *
 * Enables +memory on @base only if it is missing (and remembers that), and
 * creates @path with +memory in its cgroup.subtree_control.
 *
 * Return: 0 or a negative errno (printed).
 */
int mr_cg_run_create(struct mr_cg_run *run, pid_t owner);

/**
 * mr_cg_run_destroy() - kill, drain and remove the run subtree
 * @run: the run
 *
 * Restores @base's cgroup.subtree_control if mr_cg_run_create() changed it.
 * Uses only system calls and stack buffers, so a signal handler may call it.
 *
 * Return: 0 or a negative errno.
 */
int mr_cg_run_destroy(struct mr_cg_run *run);

/**
 * mr_cg_reap_stale() - destroy memcg_reparent.PID subtrees of dead PIDs
 * @base: directory holding run subtrees
 *
 * Return: number of subtrees reaped, or a negative errno.
 */
int mr_cg_reap_stale(const char *base);

/**
 * mr_cg_signal() - send a signal to every task of a subtree
 * @path: cgroup directory
 * @sig: the signal
 *
 * Async-signal-safe.  Return: 0 or a negative errno.
 */
int mr_cg_signal(const char *path, int sig);

/**
 * mr_cg_drain() - kill every task of a subtree and wait until it is empty
 * @path: cgroup directory (absent is fine)
 * @timeout_ms: bound
 *
 * The cgroups stay.  Async-signal-safe like mr_cg_run_destroy().
 *
 * Return: 0 or a negative errno (-ETIMEDOUT).
 */
int mr_cg_drain(const char *path, int timeout_ms);

/**
 * mr_cg_destroy() - kill every task of a subtree, wait until it is empty,
 *		     and remove it bottom-up
 * @path: cgroup directory (absent is fine)
 * @timeout_ms: bound for the whole operation
 *
 * Async-signal-safe like mr_cg_run_destroy().
 *
 * Return: 0 or a negative errno (-ETIMEDOUT, -EBUSY...).
 */
int mr_cg_destroy(const char *path, int timeout_ms);

int __mr_cg_create(const char *path, const char *file, int line);
int __mr_cg_enter(const char *path, pid_t pid, const char *file, int line);
int __mr_cg_rmdir(const char *path, int timeout_ms, const char *file,
		  int line);
int __mr_cg_write(const char *cg, const char *name, const char *val,
		  bool quiet, const char *file, int line);
ssize_t __mr_cg_read(const char *cg, const char *name, char **buf,
		     const char *file, int line);
int __mr_cg_move_procs(const char *from, const char *to, int timeout_ms,
		       const char *file, int line);

/**
 * mr_cg_create() - create a cgroup (libcgroup) and enable memory for it
 * @path: absolute directory of the new cgroup
 *
 * libcgroup writes +memory into the cgroup.subtree_control of every ancestor
 * below the mount, so inner nodes of a test tree get the controller.  When
 * the parent already has memory in its cgroup.subtree_control, a mkdir does
 * the same for far less.
 *
 * Return: 0 or a negative errno (printed with the caller's file:line).
 */
#define mr_cg_create(path) __mr_cg_create(path, __FILE__, __LINE__)

/**
 * mr_cg_enter() - move a process into a cgroup (libcgroup)
 * @path: absolute cgroup directory
 * @pid: process to move
 *
 * Return: 0 or a negative errno (printed).
 */
#define mr_cg_enter(path, pid) __mr_cg_enter(path, pid, __FILE__, __LINE__)

/**
 * mr_cg_rmdir() - remove one empty cgroup (offline it)
 * @path: absolute cgroup directory
 * @timeout_ms: how long to retry EBUSY (a reaped task may still be leaving)
 *
 * Return: 0 or a negative errno (printed).
 */
#define mr_cg_rmdir(path, timeout_ms) \
	__mr_cg_rmdir(path, timeout_ms, __FILE__, __LINE__)

/**
 * mr_cg_write() - write a value to a cgroup interface file
 * @cg: cgroup directory
 * @name: file name, e.g. "memory.reclaim"
 * @val: string to write
 *
 * Return: 0 or a negative errno (printed).
 */
#define mr_cg_write(cg, name, val) \
	__mr_cg_write(cg, name, val, false, __FILE__, __LINE__)

/**
 * mr_cg_try_write() - like mr_cg_write() for writes whose failure is an
 *		       answer (EAGAIN from memory.reclaim): nothing is printed
 * @cg: cgroup directory
 * @name: file name
 * @val: string to write
 */
#define mr_cg_try_write(cg, name, val) \
	__mr_cg_write(cg, name, val, true, __FILE__, __LINE__)

/**
 * mr_cg_read() - read a cgroup interface file into a malloc()ed buffer
 * @cg: cgroup directory
 * @name: file name
 * @buf: set to the NUL-terminated content, freed by the caller
 *
 * Return: length or a negative errno (printed).
 */
#define mr_cg_read(cg, name, buf) \
	__mr_cg_read(cg, name, buf, __FILE__, __LINE__)

/**
 * mr_cg_move_procs() - move every process of @from into @to until @from
 *			stays empty (catches children forked meanwhile)
 * @from: source cgroup directory
 * @to: destination cgroup directory
 * @timeout_ms: bound
 *
 * Charges stay behind with @from: that is the point of the move.
 *
 * Return: number of processes moved, or a negative errno (printed).
 */
#define mr_cg_move_procs(from, to, timeout_ms) \
	__mr_cg_move_procs(from, to, timeout_ms, __FILE__, __LINE__)

/**
 * mr_cg_exists() - whether a cgroup directory exists (is not removed)
 * @path: absolute cgroup directory
 */
bool mr_cg_exists(const char *path);

/* Called with a child cgroup's directory; non-zero stops the walk */
typedef int (*mr_cg_child_fn)(const char *child, void *arg);

/**
 * mr_cg_walk_children() - call @fn on each child cgroup of @path
 * @path: absolute cgroup directory
 * @fn: called with the child's directory; a non-zero return stops the walk
 * @arg: passed to @fn
 *
 * Return: 0, the first non-zero return of @fn, or a negative errno of the
 * directory read.
 */
int mr_cg_walk_children(const char *path, mr_cg_child_fn fn, void *arg);

/**
 * mr_cg_kpath() - the path of a cgroup as the kernel prints it
 * @run: the run (for the mount)
 * @path: absolute cgroup directory below @run->mnt
 * @out: buffer for the hierarchy path (e.g. "/memcg_reparent.42/t")
 * @len: size of @out
 *
 * debugfs lru_gen names memcgs by their path in the hierarchy, which differs
 * from the file system path by the mount point.
 *
 * Return: 0 or -ENAMETOOLONG / -EINVAL.
 */
int mr_cg_kpath(const struct mr_cg_run *run, const char *path, char *out,
		size_t len);

/**
 * mr_cg_fspath() - the directory of a cgroup the kernel names by @kpath
 * @run: the run (for the mount)
 * @kpath: hierarchy path, as in lru_gen or /proc/PID/cgroup
 * @out: buffer for the directory
 * @len: size of @out
 *
 * The inverse of mr_cg_kpath().
 *
 * Return: 0, -EINVAL if @kpath is outside the mount, -ENAMETOOLONG.
 */
int mr_cg_fspath(const struct mr_cg_run *run, const char *kpath, char *out,
		 size_t len);

#endif /* MR_CGROUP_H */
