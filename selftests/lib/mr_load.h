/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Load for the tests: processes started inside a cgroup (running a function
 * or exec'ing fio / stress-ng with a job file), anonymous memory, page cache
 * on a block file system and shmem.
 */
#ifndef MR_LOAD_H
#define MR_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define MR_LOG_MAX	4096

/**
 * struct mr_child - a process started inside a cgroup
 * @pid: its pid, 0 once reaped
 * @out: read end of the pipe with its stdout and stderr (exec'd programs),
 *	 or -1
 * @ready: read end of the pipe on which a function child reports ready
 * @hold: write end of the pipe a function child waits on; closing it lets
 *	  the child go on (see mr_hold())
 * @name: label used in diagnostics
 * @log: the last output of the child, printed if it fails
 * @log_len: bytes in @log
 */
struct mr_child {
	pid_t pid;
	int out;
	int ready;
	int hold;
	char name[64];
	char log[MR_LOG_MAX];
	size_t log_len;
};

/**
 * mr_spawn_fn() - fork a child that joins @cg, then runs @fn
 * @c: child handle
 * @name: label for diagnostics
 * @cg: absolute cgroup directory to join before anything else
 * @fn: function run in the child; its return value is the exit status
 * @arg: argument of @fn
 *
 * The child dies with SIGKILL if the test process dies.  Returns once the
 * child is in @cg (or died before it got there).
 *
 * Return: 0 or a negative errno.
 */
int mr_spawn_fn(struct mr_child *c, const char *name, const char *cg,
		int (*fn)(void *arg), void *arg);

/**
 * mr_spawn_exec() - fork a child that joins @cg, then execs @argv
 * @c: child handle
 * @name: label for diagnostics
 * @cg: absolute cgroup directory to join before the exec
 * @argv: program and arguments (searched in $PATH)
 * @env: NULL-terminated "NAME=VALUE" strings added to the environment (fio
 *	 job files expand ${NAME}), or NULL
 *
 * Returns once the child is in @cg (or died before it got there).
 *
 * Return: 0 or a negative errno.
 */
int mr_spawn_exec(struct mr_child *c, const char *name, const char *cg,
		  char *const argv[], char *const env[]);

/**
 * mr_ready() - in a function child: tell the parent that the load is in
 *		place (see mr_child_ready())
 */
void mr_ready(void);

/**
 * mr_hold() - in a function child: wait until the parent releases it with
 *	       mr_child_release() (or dies)
 */
void mr_hold(void);

/**
 * mr_child_ready() - wait until a function child called mr_ready()
 * @c: child
 * @timeout_ms: bound
 *
 * Return: 0, -ETIMEDOUT, or -ECHILD if the child ended first.
 */
int mr_child_ready(struct mr_child *c, int timeout_ms);

/**
 * mr_child_release() - let a child waiting in mr_hold() go on
 * @c: child
 */
void mr_child_release(struct mr_child *c);

/**
 * mr_child_wait() - wait for a child to exit
 * @c: child
 * @timeout_ms: bound; the child is killed when it is reached
 *
 * Prints the child's captured output when it did not exit with 0.
 *
 * Return: exit status (0-255), 128 + signal, or -ETIMEDOUT.
 */
int mr_child_wait(struct mr_child *c, int timeout_ms);

/**
 * mr_child_poll() - reap a child if it has exited, without waiting
 * @c: child
 *
 * Return: -EBUSY while it runs, else as mr_child_wait().
 */
int mr_child_poll(struct mr_child *c);

/**
 * mr_child_kill() - SIGKILL a child and reap it (no-op once reaped)
 * @c: child
 */
void mr_child_kill(struct mr_child *c);

/**
 * mr_anon_touch() - map anonymous memory and write every page of it
 * @bytes: size
 *
 * Return: the mapping, or NULL (errno set).
 */
void *mr_anon_touch(size_t bytes);

/**
 * mr_shmem_fill() - create a memfd of @bytes and write every page of it
 * @bytes: size
 *
 * Return: the memfd, or a negative errno.
 */
int mr_shmem_fill(size_t bytes);

/**
 * mr_file_write() - write @bytes to @path through the page cache, then fsync
 * @path: file to write from offset 0, created if needed (never truncated,
 *	  so blocks preallocated by mr_file_prealloc() are kept)
 * @bytes: size
 *
 * The file is kept: its clean page cache stays charged to the writer's
 * memcg.
 *
 * Return: 0 or a negative errno.
 */
int mr_file_write(const char *path, size_t bytes);

/**
 * mr_file_read() - read @path through the page cache
 * @path: file to read
 *
 * Pages not cached yet are charged to the reader's memcg.
 *
 * Return: 0 or a negative errno.
 */
int mr_file_read(const char *path);

/**
 * mr_file_prealloc() - create @path with @bytes of allocated blocks, synced
 * @path: file to create
 * @bytes: size
 *
 * The file system metadata a file needs (directory entry, inode, extents,
 * bitmaps, all in the block device's page cache) is then charged to the
 * caller, not to the cgroup that later writes the data: a metadata page
 * charged to a test memcg attaches the block device inode to that memcg's
 * writeback and keeps it dying after rmdir, which is not reparenting.
 *
 * Return: 0 or a negative errno.
 */
int mr_file_prealloc(const char *path, size_t bytes);

/**
 * mr_scratch_check() - whether @dir can hold page cache tests
 * @dir: directory
 * @why: reason to SKIP when the answer is -EOPNOTSUPP
 * @len: size of @why
 *
 * Page cache of a block file system is needed: tmpfs/ramfs pages are shmem,
 * 9p/virtiofs/overlay files are not on a disk of the guest.
 *
 * Return: 0, or -EOPNOTSUPP with @why set.
 */
int mr_scratch_check(const char *dir, char *why, size_t len);

#endif /* MR_LOAD_H */
