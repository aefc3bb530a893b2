// SPDX-License-Identifier: GPL-2.0-only
/*
 * Exact-key readers of cgroup v2 "key value" files.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mr_stat.h"
#include "mr_util.h"

/* Reads @path and looks @key up with @parse; a bad value is reported. */
static int read_key(const char *path, const char *key, long long *val,
		    int (*parse)(const char *, const char *, long long *),
		    const char *file, int line)
{
	char *buf;
	ssize_t len;
	int ret;

	len = mr_read_file(path, &buf);
	if (len < 0) {
		mr_err_at(file, line, len, "read %s", path);
		return len;
	}
	ret = parse(buf, key, val);
	if (ret == -EINVAL)
		mr_err_at(file, line, 0, "%s: bad value for key '%s'",
			  path, key);
	free(buf);
	return ret;
}

int __mr_stat_key(const char *path, const char *key, long long *val,
		  const char *file, int line)
{
	return read_key(path, key, val, mr_buf_key, file, line);
}

int __mr_cg_stat_key(const char *cg, const char *name, const char *key,
		     long long *val, const char *file, int line)
{
	char path[PATH_MAX];

	if (mr_pathf(path, sizeof(path), "%s/%s", cg, name)) {
		mr_err_at(file, line, -ENAMETOOLONG, "%s/%s", cg, name);
		return -ENAMETOOLONG;
	}
	return __mr_stat_key(path, key, val, file, line);
}

int __mr_cg_value(const char *cg, const char *name, long long *val,
		  const char *file, int line)
{
	char path[PATH_MAX], *buf, *end;
	ssize_t len;

	len = mr_pathf(path, sizeof(path), "%s/%s", cg, name);
	if (!len)
		len = mr_read_file(path, &buf);
	if (len < 0) {
		mr_err_at(file, line, len, "read %s", path);
		return len;
	}
	errno = 0;
	*val = strtoll(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n')) {
		mr_err_at(file, line, 0, "%s: not a number: '%.32s'",
			  path, buf);
		free(buf);
		return -EINVAL;
	}
	free(buf);
	return 0;
}

int __mr_proc_kb(pid_t pid, const char *name, const char *key,
		 long long *kb, const char *file, int line)
{
	char path[64];
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	ret = read_key(path, key, kb, mr_buf_kb, file, line);
	if (ret == -ENOENT)
		mr_err_at(file, line, ret, "%s: no key '%s'", path, key);
	return ret;
}

int __mr_memstat_read(const char *cg, struct mr_memstat *ms,
		      const char *file, int line)
{
	const struct {
		const char *key;
		long long *val;
	} keys[] = {
		{ "anon", &ms->anon },
		{ "file", &ms->file },
		{ "shmem", &ms->shmem },
		{ "active_anon", &ms->active_anon },
		{ "inactive_anon", &ms->inactive_anon },
		{ "active_file", &ms->active_file },
		{ "inactive_file", &ms->inactive_file },
		{ "unevictable", &ms->unevictable },
		{ "swapcached", &ms->swapcached },
	};
	char path[PATH_MAX], *buf;
	ssize_t len;
	size_t i;
	int ret = 0;

	len = mr_pathf(path, sizeof(path), "%s/memory.stat", cg);
	if (!len)
		len = mr_read_file(path, &buf);
	if (len < 0) {
		mr_err_at(file, line, len, "read %s", path);
		return len;
	}
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		ret = mr_buf_key(buf, keys[i].key, keys[i].val);
		if (ret) {
			mr_err_at(file, line, ret, "%s: key '%s'",
				  path, keys[i].key);
			break;
		}
	}
	free(buf);
	return ret;
}
