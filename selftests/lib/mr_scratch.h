/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The scratch file system of the page cache tests: this run's folder on it
 * (created, cleaned of dead runs' folders, removed), its files, its
 * write-back, and the private tmpfs of the shmem tests inside it.
 */
#ifndef MR_SCRATCH_H
#define MR_SCRATCH_H

#include <stddef.h>
#include <sys/types.h>

#include "mr_ctx.h"

/**
 * mr_scratch_prepare() - this run's folder on the scratch file system
 * @ctx: test context; @ctx->files receives the folder
 * @owner: pid the folder is named after (MR_NAME.<owner>)
 *
 * Removes the MR_NAME.<pid> folders of dead runs first.
 *
 * Return: 0 or a negative errno.
 */
int mr_scratch_prepare(struct mr_ctx *ctx, pid_t owner);

/** mr_scratch_remove() - delete this run's folder and its files, if any */
void mr_scratch_remove(struct mr_ctx *ctx);

/**
 * mr_scratch_sync() - syncfs of the scratch file system, errors ignored
 * @ctx: test context
 *
 * Deleting the run's files dirties the scratch file system's metadata; it
 * is written back before the subtree goes, so that no cgroup writeback of
 * the subtree has dirty IO at its offline (which would keep it, see
 * mr_cgwb_cleanup_kick()).
 */
void mr_scratch_sync(const struct mr_ctx *ctx);

/**
 * mr_syncfs() - write back the scratch file system
 * @ctx: test context
 *
 * Before the cgroups go offline: an inode still dirty at rmdir stays
 * attached to the dying memcg's writeback structure (its bdi_writeback
 * holds a css reference), and a sync after the rmdir does not undo that:
 * the inode switches writebacks only when it is dirtied again (README,
 * "Runs that go wrong": the teardown's writeback pins).
 *
 * Return: 0 or a negative errno.
 */
int mr_syncfs(const struct mr_ctx *ctx);

/**
 * mr_scratch_file() - preallocate a file of this run on the scratch disk
 * @ctx: test context
 * @name: file name
 * @bytes: size
 * @out: receives the path
 * @len: size of @out
 *
 * Called from the test process, outside the test root: see
 * mr_file_prealloc() for why the metadata must not be charged to a leaf.
 *
 * Return: 0 or a negative errno.
 */
int mr_scratch_file(const struct mr_ctx *ctx, const char *name,
		    long long bytes, char *out, size_t len);

/**
 * mr_tmpfs_private() - a tmpfs of the test's own for shmem page cache
 * @ctx: test context; the test needs .scratch
 * @out: receives the directory (ctx->files/shm)
 * @len: size of @out
 *
 * Moves the test process into a private mount namespace and mounts a fresh
 * tmpfs there on an empty directory of the test's scratch folder; the
 * children it spawns afterwards share it.  Nobody else sees it, and it goes
 * away with its last process, so a crash or a timeout leaves nothing but
 * the empty directory, which the scratch clean-up removes.  (Mounting over
 * /tmp hid the suite itself when it ran from there, job files included.)
 * Call it from the test process, before spawning the loaders.
 *
 * Return: 0 or a negative errno.
 */
int mr_tmpfs_private(const struct mr_ctx *ctx, char *out, size_t len);

#endif /* MR_SCRATCH_H */
