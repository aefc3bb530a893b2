/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel log watching: a /dev/kmsg cursor, a classifier of badness lines
 * (WARN, BUG, oops, panic, lockups, hangs, list corruption, memcg LRU size
 * underflow, OOM...), a splat tracker so one incident counts once, and the
 * taint flags.
 */
#ifndef MR_KMSG_H
#define MR_KMSG_H

#include <stdbool.h>
#include <stddef.h>

/**
 * enum mr_class - what a kernel log line is
 * @MR_CLASS_NONE: nothing to report
 * @MR_CLASS_CONT: part of a splat ("Call Trace:", "---[ end trace ...]---")
 * @MR_CLASS_WARNING: WARN*() ("WARNING: ..." in 7.2 and older formats)
 * @MR_CLASS_BUG: "BUG: ..." not covered by a finer class
 * @MR_CLASS_BAD_PAGE: "BUG: Bad page state"
 * @MR_CLASS_SOFT_LOCKUP: "BUG: soft lockup"
 * @MR_CLASS_KASAN: "BUG: KASAN:"
 * @MR_CLASS_KERNEL_BUG: "kernel BUG at"
 * @MR_CLASS_OOPS: "Oops:"
 * @MR_CLASS_GPF: general protection fault
 * @MR_CLASS_INVALID_OPCODE: "invalid opcode:"
 * @MR_CLASS_PANIC: "Kernel panic - not syncing"
 * @MR_CLASS_LIST_CORRUPTION: list_add/list_del corruption
 * @MR_CLASS_LRU_SIZE: mem_cgroup_update_lru_size(): lru_size underflow
 * @MR_CLASS_HUNG_TASK: "INFO: task ... blocked for more than"
 * @MR_CLASS_RCU_STALL: RCU CPU/task stall
 * @MR_CLASS_UBSAN: "UBSAN:"
 * @MR_CLASS_OOM: global "Out of memory"
 * @MR_CLASS_MEMCG_OOM: "Memory cgroup out of memory"
 * @MR_NR_CLASSES: number of classes
 */
enum mr_class {
	MR_CLASS_NONE,
	MR_CLASS_CONT,
	MR_CLASS_WARNING,
	MR_CLASS_BUG,
	MR_CLASS_BAD_PAGE,
	MR_CLASS_SOFT_LOCKUP,
	MR_CLASS_KASAN,
	MR_CLASS_KERNEL_BUG,
	MR_CLASS_OOPS,
	MR_CLASS_GPF,
	MR_CLASS_INVALID_OPCODE,
	MR_CLASS_PANIC,
	MR_CLASS_LIST_CORRUPTION,
	MR_CLASS_LRU_SIZE,
	MR_CLASS_HUNG_TASK,
	MR_CLASS_RCU_STALL,
	MR_CLASS_UBSAN,
	MR_CLASS_OOM,
	MR_CLASS_MEMCG_OOM,
	MR_NR_CLASSES
};

/** mr_class_name() - stable short name of a class ("warning", "lru_size") */
const char *mr_class_name(enum mr_class class);

/**
 * mr_strip_prefix() - skip the record or console prefix of a log line
 * @line: a /dev/kmsg record ("6,1234,5678,-;msg"), a console or dmesg line
 *	  ("[    1.234567] msg", "[    1.234567][  T123] msg", "<4>[...] msg")
 *	  or a bare message
 *
 * Return: pointer into @line where the message starts.
 */
const char *mr_strip_prefix(const char *line);

/**
 * mr_classify() - classify one kernel log line
 * @line: line with or without prefix (see mr_strip_prefix())
 *
 * Benign lines other tools ignore too (ODEBUG, "INFO: lockdep is turned
 * off", NMI handler timing, the DEBUG kernel banner) are MR_CLASS_NONE.
 */
enum mr_class mr_classify(const char *line);

/**
 * struct mr_splat - state to count each incident once
 * @open: class of the splat being printed, MR_CLASS_NONE if none
 * @age: lines since the splat opened
 */
struct mr_splat {
	enum mr_class open;
	int age;
};

/**
 * mr_splat_feed() - feed the next log line, in order
 * @s: tracker, zero-initialised before the first line
 * @line: the line
 *
 * An oops that follows a BUG in the same splat, the WARNING that follows the
 * message of WARN(cond, "lru_size ...") and every continuation line belong
 * to the incident already reported.
 *
 * Return: the class when @line opens a new incident, else MR_CLASS_NONE.
 */
enum mr_class mr_splat_feed(struct mr_splat *s, const char *line);

/**
 * struct mr_kmsg - a reader of /dev/kmsg records
 * @fd: open /dev/kmsg
 * @lost: records overwritten before they could be read (EPIPE)
 * @next_seq: sequence number expected next, 0 before the first record
 * @first_seq: records before this sequence number are skipped
 */
struct mr_kmsg {
	int fd;
	unsigned long lost;
	unsigned long long next_seq;
	unsigned long long first_seq;
};

/**
 * mr_kmsg_open() - open /dev/kmsg positioned after the newest record
 * @k: reader
 *
 * Return: 0 or a negative errno.
 */
int mr_kmsg_open(struct mr_kmsg *k);

/**
 * mr_kmsg_open_seq() - open /dev/kmsg positioned at a sequence number
 * @k: reader
 * @seq: first record wanted; records before it are skipped
 *
 * If @seq was already overwritten, @k->lost counts what is missing.
 *
 * Return: 0 or a negative errno.
 */
int mr_kmsg_open_seq(struct mr_kmsg *k, unsigned long long seq);

/**
 * mr_kmsg_next() - read the next record without blocking
 * @k: reader
 * @buf: receives the message text (prefix removed, first line only)
 * @len: size of @buf
 * @seq: receives the record's sequence number
 *
 * Return: 1 for a record, 0 when no more records are available, or a
 * negative errno.  Overwritten records (EPIPE) are counted in @k->lost and
 * skipped.
 */
int mr_kmsg_next(struct mr_kmsg *k, char *buf, size_t len,
		 unsigned long long *seq);

/** mr_kmsg_close() - close the reader */
void mr_kmsg_close(struct mr_kmsg *k);

/**
 * mr_kmsg_mark() - write "memcg_reparent: WHAT NAME" into the kernel log
 * @what: "start" or "end"
 * @name: test name
 * @seq: if not NULL, receives the sequence number of the marker record
 *
 * Return: 0 or a negative errno.
 */
int mr_kmsg_mark(const char *what, const char *name, unsigned long long *seq);

/* Taint bits (Documentation/admin-guide/tainted-kernels.rst) */
#define MR_TAINT_BAD_PAGE	(1UL << 5)	/* B */
#define MR_TAINT_DIE		(1UL << 7)	/* D */
#define MR_TAINT_WARN		(1UL << 9)	/* W */
#define MR_TAINT_SOFTLOCKUP	(1UL << 14)	/* L */
#define MR_TAINT_BAD		(MR_TAINT_BAD_PAGE | MR_TAINT_DIE | \
				 MR_TAINT_WARN | MR_TAINT_SOFTLOCKUP)

/**
 * mr_taint_read() - read /proc/sys/kernel/tainted
 * @taint: receives the flags
 *
 * Return: 0 or a negative errno.
 */
int mr_taint_read(unsigned long *taint);

/**
 * mr_taint_letters() - decode taint flags as the kernel prints them
 * @taint: flags
 * @buf: receives e.g. "DW" (one letter per set bit), "-" for none
 * @len: size of @buf
 */
void mr_taint_letters(unsigned long taint, char *buf, size_t len);

/**
 * mr_splat_site() - the code site a WARNING line names
 * @line: a log line, with or without prefix
 * @site: receives "FILE:LINE" ("mm/vmscan.c:5814")
 * @site_len: size of @site
 * @func: receives the function ("lru_gen_exit_memcg")
 * @func_len: size of @func
 *
 * Both WARNING formats are understood: 7.2's "WARNING: FILE:LINE at
 * FUNC+0x../0x.., CPU#n: comm/pid" and the older "WARNING: CPU: n PID: n at
 * FILE:LINE FUNC+0x../0x..".
 *
 * Return: true when @line is a WARNING with a site and a function.
 */
bool mr_splat_site(const char *line, char *site, size_t site_len,
		   char *func, size_t func_len);

/**
 * mr_known_load() - load the known kernel issues of this run
 * @path: file of "ID<TAB>FILE:LINE<TAB>FUNCTION" lines (run-tests.sh writes
 *	  it from configs/known-issues/ for the build under test), NULL or ""
 *	  for none
 *
 * A known issue is one splat site, already analysed and reported, on the
 * kernel builds its file names by identity: an incident whose first line
 * is a WARNING at exactly that FILE:LINE in exactly that FUNCTION is
 * reported as known and does not count as a problem, so that a run on such
 * a build still finds everything else.  Another WARNING in the same
 * function (another line) or at the same line of another function is not
 * known.
 *
 * Return: number of issues loaded, or a negative errno (the file could not
 * be read, or a line is not "ID<TAB>FILE:LINE<TAB>FUNCTION").
 */
int mr_known_load(const char *path);

/**
 * mr_known_match() - ID of the known issue a log line is, if any
 * @line: first line of an incident, with or without prefix
 *
 * Return: the ID, or NULL.
 */
const char *mr_known_match(const char *line);

/** mr_known_free() - forget the loaded known issues */
void mr_known_free(void);

/**
 * mr_kernel_check() - report badness logged since a start marker
 * @start_seq: sequence number of the start marker
 * @end_marker: stop at the record holding exactly this text ("" for none)
 * @taint_before: taint flags read at the start
 *
 * Prints each incident ("# kernel <class>: <line>"), records lost to ring
 * buffer overwrites and newly set taint flags of MR_TAINT_BAD.  Incidents
 * of known issues (mr_known_load(), from $MR_KNOWN_FILE when nothing was
 * loaded) are printed as "# kernel known <id>: <line>" and not counted; the
 * W taint they set is not counted either when nothing else was found.
 *
 * Return: number of problems found (0 when clean), or a negative errno.
 */
int mr_kernel_check(unsigned long long start_seq, const char *end_marker,
		    unsigned long taint_before);

#endif /* MR_KMSG_H */
