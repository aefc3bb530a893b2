// SPDX-License-Identifier: GPL-2.0-only
/*
 * Diagnosis of dying memcgs: what, besides pages, still holds a removed one.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mr_diag.h"
#include "mr_util.h"

#define BDI_DEBUGFS	"/sys/kernel/debug/bdi"
#define MAX_WBS		256

/* the fields of one wb_stats block that the diagnosis prints */
static const struct {
	const char *key;
	size_t off;
} wb_keys[] = {
	{ "WbCgIno:", offsetof(struct mr_diag_wb, cg_ino) },
	{ "WbWriteback:", offsetof(struct mr_diag_wb, writeback_kb) },
	{ "WbReclaimable:", offsetof(struct mr_diag_wb, reclaimable_kb) },
	{ "b_dirty:", offsetof(struct mr_diag_wb, b_dirty) },
	{ "b_io:", offsetof(struct mr_diag_wb, b_io) },
	{ "b_more_io:", offsetof(struct mr_diag_wb, b_more_io) },
	{ "b_dirty_time:", offsetof(struct mr_diag_wb, b_dirty_time) },
	{ "state:", offsetof(struct mr_diag_wb, state) },
};

int mr_diag_wb_parse(const char *text, const char *bdi, struct mr_diag_wb *wbs,
		     int max)
{
	const char *line = text, *end;
	struct mr_diag_wb *wb = NULL;
	char key[32];
	unsigned long long v;
	int n = 0, lineno = 0, used;
	size_t i;

	for (; *line; line = *end ? end + 1 : end) {
		end = strchrnul(line, '\n');
		lineno++;
		if (end == line) {		/* blank line: end of a block */
			wb = NULL;
			continue;
		}
		/* "state:" is printed in hex, every other value in decimal */
		if (sscanf(line, "%31s %n", key, &used) != 1)
			goto bad;
		if (sscanf(line + used, strcmp(key, "state:") ? "%llu" : "%llx",
			   &v) != 1)
			goto bad;
		if (!strcmp(key, "WbCgIno:")) {
			if (n == max)
				return n;
			wb = &wbs[n++];
			memset(wb, 0, sizeof(*wb));
			snprintf(wb->bdi, sizeof(wb->bdi), "%s", bdi);
		} else if (!wb) {
			goto bad;
		}
		for (i = 0; i < ARRAY_SIZE(wb_keys); i++)
			if (!strcmp(key, wb_keys[i].key))
				*(unsigned long long *)((char *)wb + wb_keys[i].off) = v;
	}
	return n;
bad:
	mr_err(0, "wb_stats of %s, line %d: '%.*s' is no \"Key: value\" of a WbCgIno block",
	       bdi, lineno, (int)(end - line), line);
	return -EINVAL;
}

/* the inode numbers of every cgroup that exists now */
static unsigned long long *live_inos;
static size_t nr_live, max_live;

static int note_ino(const char *path, const struct stat *st, int type,
		    struct FTW *ftw)
{
	unsigned long long *grown;

	(void)path;
	(void)ftw;
	if (type != FTW_D)
		return 0;
	if (nr_live == max_live) {
		max_live = max_live ? 2 * max_live : 1024;
		grown = realloc(live_inos, max_live * sizeof(*live_inos));
		if (!grown)
			return -1;
		live_inos = grown;
	}
	live_inos[nr_live++] = st->st_ino;
	return 0;
}

static bool is_live(unsigned long long ino)
{
	size_t i;

	for (i = 0; i < nr_live; i++)
		if (live_inos[i] == ino)
			return true;
	return false;
}

int mr_diag_removed_wbs(const char *cgmnt)
{
	struct mr_diag_wb *wbs;
	char path[PATH_MAX], *text;
	struct dirent *de;
	int found = 0, n, i;
	DIR *d;

	d = opendir(BDI_DEBUGFS);
	if (!d)
		return -errno;
	wbs = calloc(MAX_WBS, sizeof(*wbs));
	nr_live = 0;
	if (!wbs || nftw(cgmnt, note_ino, 16, FTW_PHYS | FTW_MOUNT)) {
		free(wbs);
		closedir(d);
		return -ENOMEM;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' ||
		    mr_pathf(path, sizeof(path), "%s/%s/wb_stats", BDI_DEBUGFS,
			     de->d_name) ||
		    mr_read_file(path, &text) < 0)
			continue;
		n = mr_diag_wb_parse(text, de->d_name, wbs, MAX_WBS);
		free(text);
		for (i = 0; i < n; i++) {
			if (is_live(wbs[i].cg_ino))
				continue;
			found++;
			mr_msg("writeback of a removed cgroup: bdi %s WbCgIno=%llu b_dirty=%llu b_io=%llu b_more_io=%llu b_dirty_time=%llu WbWriteback=%llukB WbReclaimable=%llukB state=%#llx",
			       wbs[i].bdi, wbs[i].cg_ino, wbs[i].b_dirty,
			       wbs[i].b_io, wbs[i].b_more_io,
			       wbs[i].b_dirty_time, wbs[i].writeback_kb,
			       wbs[i].reclaimable_kb, wbs[i].state);
		}
	}
	closedir(d);
	free(wbs);
	return found;
}
