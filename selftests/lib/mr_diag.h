/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Diagnosis of dying memcgs: what, besides pages, still holds a removed
 * memcg.  Owns the readers of kernel state that only a failed dying check
 * looks at (today: the cgroup writebacks of /sys/kernel/debug/bdi).
 */
#ifndef MR_DIAG_H
#define MR_DIAG_H

#include <stdbool.h>
#include <stddef.h>

/**
 * struct mr_diag_wb - one cgroup writeback of a bdi (debugfs wb_stats)
 * @bdi: name of the bdi (its debugfs folder, e.g. "254:16")
 * @cg_ino: inode number of the wb's memory cgroup (WbCgIno)
 * @writeback_kb: WbWriteback
 * @reclaimable_kb: WbReclaimable (dirty + writeback pages)
 * @b_dirty: inodes on the wb's b_dirty list
 * @b_io: inodes on b_io
 * @b_more_io: inodes on b_more_io
 * @b_dirty_time: inodes on b_dirty_time
 * @state: the wb's state bits (WB_registered 0x1, WB_writeback_running 0x2,
 *	   WB_has_dirty_io 0x4, WB_start_all 0x8)
 */
struct mr_diag_wb {
	char bdi[64];
	unsigned long long cg_ino;
	unsigned long long writeback_kb;
	unsigned long long reclaimable_kb;
	unsigned long long b_dirty;
	unsigned long long b_io;
	unsigned long long b_more_io;
	unsigned long long b_dirty_time;
	unsigned long long state;
};

/**
 * mr_diag_wb_parse() - parse the text of one bdi's wb_stats
 * @text: the file's content
 * @bdi: the bdi's name, copied into each entry
 * @wbs: array to fill
 * @max: its size
 *
 * Blocks of "Key: value [unit]" lines, separated by an empty line, each
 * beginning with WbCgIno.  Keys are matched exactly.
 *
 * Return: number of entries filled (at most @max), or -EINVAL with the
 * offending line reported at file:line when a block is malformed.
 */
int mr_diag_wb_parse(const char *text, const char *bdi, struct mr_diag_wb *wbs,
		     int max);

/**
 * mr_diag_removed_wbs() - print the cgroup writebacks of removed cgroups
 * @cgmnt: mount point of the cgroup2 hierarchy
 *
 * A cgroup writeback holds its memcg until every inode attached to it is
 * switched away (cleanup_offline_cgwbs_workfn(), which skips a wb with dirty
 * IO) or evicted.  Prints, as TAP diagnostics, every wb whose WbCgIno is not
 * the inode of a cgroup that exists now, with its lists and state.
 *
 * Return: number of such wbs, or a negative errno (no debugfs, no
 * CONFIG_CGROUP_WRITEBACK: -ENOENT).
 */
int mr_diag_removed_wbs(const char *cgmnt);

#endif /* MR_DIAG_H */
