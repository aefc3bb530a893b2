/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Exact-key readers of cgroup v2 "key value" files: memory.stat,
 * cgroup.stat, memory.events, and single-value files like memory.current;
 * and the "Key:  N kB" lines of /proc/<pid> files.
 */
#ifndef MR_STAT_H
#define MR_STAT_H

#include <sys/types.h>

/**
 * struct mr_memstat - the LRU-related lines of one memory.stat
 * @anon: "anon", mapped anonymous memory
 * @file: "file", page cache including shmem
 * @shmem: "shmem"
 * @active_anon: "active_anon"
 * @inactive_anon: "inactive_anon"
 * @active_file: "active_file"
 * @inactive_file: "inactive_file"
 * @unevictable: "unevictable"
 * @swapcached: "swapcached", anon and shmem in the swap cache
 *
 * All values are in bytes and hierarchical (they include descendants).
 */
struct mr_memstat {
	long long anon;
	long long file;
	long long shmem;
	long long active_anon;
	long long inactive_anon;
	long long active_file;
	long long inactive_file;
	long long unevictable;
	long long swapcached;
};

int __mr_stat_key(const char *path, const char *key, long long *val,
		  const char *file, int line);
int __mr_cg_stat_key(const char *cg, const char *name, const char *key,
		     long long *val, const char *file, int line);
int __mr_cg_value(const char *cg, const char *name, long long *val,
		  const char *file, int line);
int __mr_memstat_read(const char *cg, struct mr_memstat *ms,
		      const char *file, int line);
int __mr_proc_kb(pid_t pid, const char *name, const char *key,
		 long long *kb, const char *file, int line);

/**
 * mr_stat_key() - read one key of a "key value" file
 * @path: file to read
 * @key: key to look up (exact match at the start of a line, see mr_buf_key())
 * @val: where to store the value
 *
 * Errors other than a missing key are printed with the caller's file:line.
 *
 * Return: 0; -ENOENT, silently, when the key is absent, so that callers can
 * tell "not on this kernel" (nr_dying_subsys_memory is absent on 6.1);
 * another negative errno when the file cannot be read or parsed.
 */
#define mr_stat_key(path, key, val) \
	__mr_stat_key(path, key, val, __FILE__, __LINE__)

/**
 * mr_cgroup_stat() - read a key of CG/cgroup.stat
 * @cg: cgroup directory
 * @key: e.g. "nr_dying_descendants"
 * @val: where to store the value
 *
 * Return: as mr_stat_key().
 */
#define mr_cgroup_stat(cg, key, val) \
	__mr_cg_stat_key(cg, "cgroup.stat", key, val, __FILE__, __LINE__)

/**
 * mr_memory_stat() - read a key of CG/memory.stat (reading it flushes stats)
 * @cg: cgroup directory
 * @key: e.g. "file"
 * @val: where to store the value in bytes
 *
 * Return: as mr_stat_key().
 */
#define mr_memory_stat(cg, key, val) \
	__mr_cg_stat_key(cg, "memory.stat", key, val, __FILE__, __LINE__)

/**
 * mr_memory_events() - read a key of CG/memory.events
 * @cg: cgroup directory
 * @key: e.g. "oom_kill"
 * @val: where to store the count
 *
 * Return: as mr_stat_key().
 */
#define mr_memory_events(cg, key, val) \
	__mr_cg_stat_key(cg, "memory.events", key, val, __FILE__, __LINE__)

/**
 * mr_memory_current() - read CG/memory.current
 * @cg: cgroup directory
 * @val: where to store the value in bytes
 *
 * Return: 0 or a negative errno (printed).
 */
#define mr_memory_current(cg, val) \
	__mr_cg_value(cg, "memory.current", val, __FILE__, __LINE__)

/**
 * mr_cg_value() - read a single-value cgroup file (memory.swap.current...)
 * @cg: cgroup directory
 * @name: file name
 * @val: where to store the value
 *
 * Return: 0 or a negative errno (printed).
 */
#define mr_cg_value(cg, name, val) \
	__mr_cg_value(cg, name, val, __FILE__, __LINE__)

/**
 * mr_proc_kb() - read "Key:  N kB" of /proc/<pid>/<name>
 * @pid: process
 * @name: "smaps_rollup", "status"...
 * @key: key with its colon (see mr_buf_kb())
 * @kb: where to store N
 *
 * Return: 0 or a negative errno (reported with the caller's file:line).
 */
#define mr_proc_kb(pid, name, key, kb) \
	__mr_proc_kb(pid, name, key, kb, __FILE__, __LINE__)

/**
 * mr_memstat_read() - read the LRU-related lines of CG/memory.stat at once
 * @cg: cgroup directory
 * @ms: filled on success
 *
 * One read gives one consistent snapshot of all the counters.
 *
 * Return: 0 or a negative errno (printed; a missing key is an error here).
 */
#define mr_memstat_read(cg, ms) \
	__mr_memstat_read(cg, ms, __FILE__, __LINE__)

#endif /* MR_STAT_H */
