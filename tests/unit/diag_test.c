// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the dying-memcg diagnosis readers (selftests/lib/mr_diag.c)
 * on output captured from Debian's 7.2.13 in the suite's VM:
 * wb_stats.removed-cgroup is the scratch disk's bdi after a task of cgroup
 * "w" (inode 28) wrote 8 MiB there and "w" was removed before any sync.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mr_diag.h"
#include "mr_util.h"
#include "tap.h"

static void test_wb_stats(const char *fixtures)
{
	struct mr_diag_wb wbs[4];
	char path[4096], *text;
	int n;

	snprintf(path, sizeof(path), "%s/7.2.13+deb14-amd64/wb_stats.removed-cgroup",
		 fixtures);
	if (!tap_ok(mr_read_file(path, &text) > 0, "wb_stats fixture readable"))
		return;
	n = mr_diag_wb_parse(text, "254:0", wbs, 4);
	tap_ok(n == 2, "wb_stats: two wbs, the root's and the removed cgroup's (got %d)", n);
	if (n == 2) {
		tap_ok(wbs[0].cg_ino == 1 && wbs[0].b_dirty == 0 && wbs[0].state == 1,
		       "root wb: WbCgIno 1, nothing dirty, state registered");
		/* 8 MiB dirty, one inode on b_dirty, state WB_registered|WB_has_dirty_io */
		tap_ok(wbs[1].cg_ino == 28 && wbs[1].reclaimable_kb == 8192 &&
		       wbs[1].b_dirty == 1 && wbs[1].b_io == 0 && wbs[1].state == 5 &&
		       !strcmp(wbs[1].bdi, "254:0"),
		       "removed cgroup's wb: WbCgIno 28, 8192 kB reclaimable, b_dirty 1, state 0x5");
	}
	n = mr_diag_wb_parse(text, "254:0", wbs, 1);
	tap_ok(n == 1, "wb_stats: stops at the array's size (got %d)", n);
	free(text);

	/* a value line before any WbCgIno is not a wb_stats block */
	tap_ok(mr_diag_wb_parse("b_dirty: 1\n", "x", wbs, 4) == -EINVAL,
	       "wb_stats: a block without WbCgIno is refused");
	tap_ok(mr_diag_wb_parse("WbCgIno: 1\nb_dirty: many\n", "x", wbs, 4) == -EINVAL,
	       "wb_stats: a value that is no number is refused");
	/* exact keys: b_dirty_time must not land in b_dirty */
	n = mr_diag_wb_parse("WbCgIno: 7\nb_dirty_time: 3\n", "x", wbs, 4);
	tap_ok(n == 1 && wbs[0].b_dirty == 0 && wbs[0].b_dirty_time == 3,
	       "wb_stats: b_dirty_time does not match b_dirty");
}

int main(void)
{
	const char *fixtures = getenv("MR_FIXTURES");

	test_wb_stats(fixtures ? fixtures : FIXTURES);
	return tap_done();
}
