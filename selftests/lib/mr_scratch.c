// SPDX-License-Identifier: GPL-2.0-only
/*
 * The scratch file system of the page cache tests.  See mr_scratch.h.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mr_load.h"
#include "mr_scratch.h"

/* the entries of @dir (files, or empty folders) */
static void remove_entries(DIR *dir)
{
	struct dirent *f;

	while ((f = readdir(dir)))
		if (f->d_name[0] != '.' &&
		    unlinkat(dirfd(dir), f->d_name, 0))
			unlinkat(dirfd(dir), f->d_name, AT_REMOVEDIR);
}

int mr_scratch_prepare(struct mr_ctx *ctx, pid_t owner)
{
	char path[PATH_MAX];
	struct dirent *d;
	DIR *dir, *sub;
	char *end;
	long pid;

	dir = opendir(ctx->p.scratch);
	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		if (strncmp(d->d_name, MR_NAME ".", strlen(MR_NAME ".")))
			continue;
		pid = strtol(d->d_name + strlen(MR_NAME "."), &end, 10);
		if (*end || pid <= 0 || mr_pid_alive(pid) ||
		    mr_pathf(path, sizeof(path), "%s/%s", ctx->p.scratch,
			     d->d_name))
			continue;
		sub = opendir(path);
		if (!sub)
			continue;
		remove_entries(sub);
		closedir(sub);
		rmdir(path);
	}
	closedir(dir);
	if (mr_pathf(ctx->files, sizeof(ctx->files), "%s/" MR_NAME ".%d",
		     ctx->p.scratch, owner))
		return -ENAMETOOLONG;
	if (mkdir(ctx->files, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

void mr_scratch_remove(struct mr_ctx *ctx)
{
	DIR *dir;

	if (!ctx->files[0])
		return;
	dir = opendir(ctx->files);
	if (dir) {
		remove_entries(dir);
		closedir(dir);
	}
	rmdir(ctx->files);
	ctx->files[0] = '\0';
}

void mr_scratch_sync(const struct mr_ctx *ctx)
{
	int fd;

	if (!ctx->p.scratch[0])
		return;
	fd = open(ctx->p.scratch, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	syncfs(fd);
	close(fd);
}

int mr_syncfs(const struct mr_ctx *ctx)
{
	int fd, ret;

	fd = open(ctx->files, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syncfs(fd) ? -errno : 0;
	close(fd);
	return ret;
}

int mr_scratch_file(const struct mr_ctx *ctx, const char *name,
		    long long bytes, char *out, size_t len)
{
	int ret;

	ret = mr_pathf(out, len, "%s/%s", ctx->files, name);
	return ret ? ret : mr_file_prealloc(out, bytes);
}

int mr_tmpfs_private(const struct mr_ctx *ctx, char *out,
		     size_t len)
{
	int ret;

	if (!ctx->files[0])
		return -ENOENT;
	ret = mr_pathf(out, len, "%s/shm", ctx->files);
	if (ret)
		return ret;
	if (mkdir(out, 0700) && errno != EEXIST)
		return -errno;
	if (unshare(CLONE_NEWNS))
		return -errno;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -errno;
	if (mount("tmpfs", out, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700"))
		return -errno;
	return 0;
}
