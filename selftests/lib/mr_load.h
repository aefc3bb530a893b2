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
 * mr_anon_hold() - a function child (mr_spawn_fn()) that touches the
 *		    anonymous memory of *(size_t *)@arg bytes once, reports
 *		    ready and keeps it until released (mr_child_release())
 * @arg: size_t, the bytes
 *
 * Return: exit status: 0, or 1 when the memory could not be mapped.
 */
int mr_anon_hold(void *arg);

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

/**
 * mr_child_step() - let a child waiting for a step (see struct mr_live
 *		     @owner_exits) go on, without releasing the others
 * @c: child
 *
 * Writes one byte into the pipe mr_hold() waits on; closing it
 * (mr_child_release()) still releases everyone.
 *
 * Return: 0 or a negative errno.
 */
int mr_child_step(struct mr_child *c);

/**
 * enum mr_users - who uses the memory of a live holder (mr_live_hold())
 * @MR_USERS_ONE: the spawned process alone
 * @MR_USERS_THREADS: the spawned process and @nr_users threads of it
 * @MR_USERS_CLONE_VM: the spawned process and @nr_users processes it
 *		       cloned with CLONE_VM (its mm, not its thread group)
 * @MR_USERS_VFORK: the spawned process vfork()s one process that uses the
 *		    memory; the spawned one sleeps in vfork until it exits
 */
enum mr_users {
	MR_USERS_ONE,
	MR_USERS_THREADS,
	MR_USERS_CLONE_VM,
	MR_USERS_VFORK,
};

/**
 * struct mr_live - the load of a holder that keeps using its memory
 * @anon_bytes: anonymous memory, written every round
 * @file: a file on a block file system, written and fsync'ed by the holder
 *	  (its page cache is charged to the holder's memcg), mapped shared
 *	  read-only and read every round (never dirtied again: a dirty inode
 *	  pins its writer's memcg through cgroup writeback); NULL: none
 * @file_bytes: size of @file
 * @shmem_bytes: a memfd, written, mapped shared, written every round
 * @socket: every round a new AF_UNIX socket pair carries 64 KiB; each is
 *	    closed within the round (a socket holds a reference on the memcg
 *	    it was created in, mem_cgroup_sk_alloc(): a documented pin)
 * @users: who uses the memory
 * @nr_users: threads or CLONE_VM processes beside the spawned process
 * @owner_exits: (MR_USERS_CLONE_VM) at mr_child_step(), the spawned
 *		 process, the mm's owner, exits; the others go on until
 *		 released
 * @activate: read the first half of @file twice and of the shmem once
 *	      before ready (classic LRU: written file pages are not
 *	      referenced, the second read activates them; shmem is activated
 *	      by one; the rest stays inactive)
 * @idle: (MR_USERS_ONE) at mr_child_step(), stop touching and wait to be
 *	  released: reclaim of the memory then does not fight the holder's
 *	  references
 */
struct mr_live {
	size_t anon_bytes;
	const char *file;
	size_t file_bytes;
	size_t shmem_bytes;
	bool socket;
	enum mr_users users;
	int nr_users;
	bool owner_exits;
	bool activate;
	bool idle;
};

/**
 * mr_live_hold() - a function child (mr_spawn_fn()) that maps the load of
 *		    a struct mr_live, reports ready once every user touched
 *		    all of it, and keeps touching it until released
 * @arg: struct mr_live
 *
 * Every user of the memory touches all of it every round (20 ms apart), so
 * memory the test checks is in use while the memcgs it was charged to go.
 * Released (mr_child_release()), the spawned process stops its users,
 * waits for them and exits 0; 1 if anything failed.
 *
 * Return: exit status.
 */
int mr_live_hold(void *arg);

/* The tasks (threads) of a cgroup, as a snapshot */
#define MR_TASKS_MAX	64

/**
 * struct mr_tasks - tasks that were in a cgroup
 * @cg: the cgroup
 * @nr: number of tasks
 * @tid: their thread ids
 * @comm: their names then
 */
struct mr_tasks {
	char cg[256];
	int nr;
	pid_t tid[MR_TASKS_MAX];
	char comm[MR_TASKS_MAX][16];
};

/**
 * mr_tasks_read() - snapshot the threads of @cg (cgroup.threads)
 * @t: snapshot
 * @cg: cgroup directory
 *
 * Return: 0 or a negative errno.
 */
int mr_tasks_read(struct mr_tasks *t, const char *cg);

/**
 * mr_tasks_alive() - how many tasks of a snapshot still live (zombies
 *		      count as gone: their memory is released)
 * @t: snapshot
 * @log: print each living one as "pid N (comm) left <cg>, still alive"
 */
int mr_tasks_alive(const struct mr_tasks *t, bool log);

struct mr_ctx;

/**
 * struct mr_file_job - the argument of mr_write_fn() and mr_read_fn()
 * @file: the file
 * @bytes: its size
 */
struct mr_file_job {
	const char *file;
	long long bytes;
};

/** mr_write_fn() - a function child: mr_file_write() of a struct mr_file_job */
int mr_write_fn(void *arg);

/** mr_read_fn() - a function child: mr_file_read() of a struct mr_file_job */
int mr_read_fn(void *arg);

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
int mr_start_writer(struct mr_child *c, const struct mr_ctx *ctx,
		    const char *cg, const char *file, long long bytes,
		    const char *job);

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
int mr_start_reader(struct mr_child *c, const struct mr_ctx *ctx,
		    const char *cg, const char *file, long long bytes,
		    const char *job);

/**
 * mr_warm_loaders() - run each job-file loader once, small, in ctl
 * @ctx: test context
 * @fio: the test runs fio
 * @stress_ng: the test runs stress-ng
 *
 * The page cache of its binary and libraries is then charged outside the
 * test root.  Otherwise the first fio or stress-ng to run inside a leaf is
 * charged for them, they are reparented into the test root with the leaf,
 * and the test's own memory.reclaim of the root evicts them again and
 * again: measured in reparent_race, a 8 MiB fio writer thrashed (t's file
 * ~200 KiB, 300 refaults/s) and was still running after 60 s.
 *
 * Return: 0 or a negative errno.
 */
int mr_warm_loaders(const struct mr_ctx *ctx, bool fio, bool stress_ng);

#endif /* MR_LOAD_H */
