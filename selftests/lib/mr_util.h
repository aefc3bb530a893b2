/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Small helpers shared by the memcg_reparent library: error reporting with
 * the caller's file:line, whole-file reads into a growing buffer, exact-key
 * lookup in "key value" text, time, bounded polling and tolerance.
 */
#ifndef MR_UTIL_H
#define MR_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define MR_NAME		"memcg_reparent"

#ifndef __printf
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#endif

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/**
 * mr_err_at() - report an error as a TAP diagnostic on stderr
 * @file: source file of the caller to blame
 * @line: line in @file
 * @err: negative errno to decode, or 0 for none
 * @fmt: printf format of the message
 *
 * Prints "# FILE:LINE: MESSAGE[: strerror]".  Library entry points take the
 * location of their caller (see the wrapper macros) so a failing helper
 * names the test line that used it, not the helper.
 */
void mr_err_at(const char *file, int line, int err, const char *fmt, ...)
	__printf(4, 5);

#define mr_err(err, fmt, ...) \
	mr_err_at(__FILE__, __LINE__, err, fmt, ##__VA_ARGS__)

/**
 * mr_msg() - print a TAP diagnostic line ("# ...") on stdout and flush it
 * @fmt: printf format, without the trailing newline
 *
 * Tests run in forked children that leave with _exit(), so every message is
 * flushed at once or it would be lost.
 */
void mr_msg(const char *fmt, ...) __printf(1, 2);

/**
 * mr_read_file() - read a whole file into a NUL-terminated buffer
 * @path: file to read
 * @buf: on success, a malloc()ed buffer the caller frees
 *
 * The buffer grows until read() returns 0, so large files such as
 * lru_gen_full or memory.stat on big machines are never truncated.
 *
 * Return: length read (>= 0) or a negative errno.
 */
ssize_t mr_read_file(const char *path, char **buf);

/**
 * mr_write_file() - write a string to a file with one write()
 * @path: file to write
 * @val: string to write (no newline is added)
 *
 * Kernel interface files take one command per write(), and the error of that
 * write() is the answer (e.g. EBUSY, EAGAIN, EINVAL), so it is returned as is.
 *
 * Return: 0 or a negative errno.
 */
int mr_write_file(const char *path, const char *val);

/**
 * mr_buf_key() - look up "KEY VALUE" in a text buffer
 * @buf: NUL-terminated text, one "key value" pair per line
 * @key: key to find
 * @val: where to store the value
 *
 * A key matches only at the start of a line and only when followed by exactly
 * one space: "file" does not match "file_mapped", nor " file" in the middle
 * of another line.  Needs no allocation, so it is safe in signal handlers.
 *
 * Return: 0, -ENOENT if the key is absent, -EINVAL if the value is no number.
 */
int mr_buf_key(const char *buf, const char *key, long long *val);

/**
 * mr_buf_kb() - look up "Key:    N kB" in a /proc text (status, smaps_rollup)
 * @buf: NUL-terminated text
 * @key: key with its colon ("Swap:"): "Swap:" does not match "SwapPss:"
 * @kb: where to store N
 *
 * Return: 0, -ENOENT if the key is absent, -EINVAL if the line is not
 * "KEY <blanks> N kB".
 */
int mr_buf_kb(const char *buf, const char *key, long long *kb);

/**
 * mr_pathf() - format a path into a fixed buffer, refusing truncation
 * @buf: destination
 * @len: size of @buf
 * @fmt: printf format
 *
 * Return: 0 or -ENAMETOOLONG (then @buf holds a truncated string).
 */
int mr_pathf(char *buf, size_t len, const char *fmt, ...) __printf(3, 4);

/** mr_now_ms() - CLOCK_MONOTONIC in milliseconds */
long long mr_now_ms(void);

/** mr_sleep_ms() - sleep @ms milliseconds, restarting after signals */
void mr_sleep_ms(long ms);

/** mr_nr_cpus() - number of online CPUs (at least 1) */
long mr_nr_cpus(void);

/** mr_page_size() - the page size in bytes */
long mr_page_size(void);

/**
 * mr_stat_tolerance() - largest legitimate error of one memcg stat counter
 *
 * Memcg statistics are batched per CPU; upstream allows 64 pages per CPU of
 * error (MAX_VMSTAT_ERROR in the cgroup selftests).  Nothing in the suite may
 * use a wider margin.
 *
 * Return: the tolerance in bytes.
 */
long long mr_stat_tolerance(void);

/**
 * mr_pid_alive() - whether a process with this pid exists
 * @pid: process id
 */
bool mr_pid_alive(pid_t pid);

/**
 * mr_bracketed() - the selected word of a sysfs choice list
 * @buf: text like "always [madvise] never\n"
 * @out: receives the word between the brackets ("madvise")
 * @len: size of @out
 *
 * Return: 0, -ENOENT when no word is bracketed, -ENAMETOOLONG.
 */
int mr_bracketed(const char *buf, char *out, size_t len);

/**
 * mr_swaps_parse() - total size of the active swap areas
 * @buf: content of /proc/swaps (a header line, then one line per area:
 *	 "Filename Type Size Used Priority", sizes in KiB)
 * @size_kb: receives the sum of the Size column
 *
 * Return: number of swap areas (0 without swap), or -EINVAL for a line of
 * unknown shape.
 */
int mr_swaps_parse(const char *buf, long long *size_kb);

/** mr_swap_total() - size of the active swap areas in KiB, or a negative errno */
long long mr_swap_total(void);

/**
 * mr_errname() - the name of an errno ("EBUSY" for EBUSY), which a reader
 *		  greps for
 * @err: positive errno
 *
 * Return: the name, or "E?" for a number without one.
 */
const char *mr_errname(int err);

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

#endif /* MR_UTIL_H */
