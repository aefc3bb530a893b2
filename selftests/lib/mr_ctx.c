// SPDX-License-Identifier: GPL-2.0-only
/*
 * The per-test context: parameters, the workloads folder, the cgroups and
 * files of a test inside its run subtree.  See mr_ctx.h.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mr_ctx.h"
#include "mr_knob.h"
#include "mr_load.h"
#include "mr_scratch.h"
#include "mr_stat.h"

static bool dir_exists(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* MR_WORKLOADS, else workloads/ beside the binary, else ../workloads/. */
static bool find_workloads(char *out, size_t len)
{
	const char *env = getenv("MR_WORKLOADS");
	char exe[PATH_MAX], *dir;
	ssize_t n;

	if (env && *env)
		return !mr_pathf(out, len, "%s", env) && dir_exists(out);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return false;
	exe[n] = '\0';
	dir = dirname(exe);
	if (!mr_pathf(out, len, "%s/workloads", dir) && dir_exists(out))
		return true;
	return !mr_pathf(out, len, "%s/../workloads", dir) &&
	       dir_exists(out);
}

bool mr_read_params(struct mr_params *p)
{
	const char *scratch = getenv("MR_SCRATCH");
	bool ok = true;

	/* defaults and ranges: configs/knobs.tsv */
	ok &= mr_knob("MR_DEPTH", &p->depth);
	ok &= mr_knob("MR_FANOUT", &p->fanout);
	ok &= mr_knob("MR_FILE_MB", &p->file_mb);
	ok &= mr_knob("MR_ANON_MB", &p->anon_mb);
	ok &= mr_knob("MR_RACE_SECONDS", &p->race_seconds);
	ok &= mr_knob("MR_WIDE", &p->wide);
	/* drawn when unset */
	p->seed = (long)(time(NULL) ^ getpid());
	ok &= mr_knob("MR_SEED", &p->seed);
	ok &= mr_knob("MR_JOBS", &p->jobs);
	snprintf(p->scratch, sizeof(p->scratch), "%s", scratch ? scratch : "");
	if (!find_workloads(p->workloads, sizeof(p->workloads)))
		p->workloads[0] = '\0';
	return ok;
}

bool mr_in_path(const char *prog)
{
	char *path = getenv("PATH"), *copy, *dir, *save, file[PATH_MAX];
	bool found = false;

	if (!path)
		return false;
	copy = strdup(path);
	for (dir = strtok_r(copy, ":", &save); dir && !found;
	     dir = strtok_r(NULL, ":", &save))
		found = !mr_pathf(file, sizeof(file), "%s/%s", dir, prog) &&
			!access(file, X_OK);
	free(copy);
	return found;
}

int mr_job(const struct mr_ctx *ctx, const char *file, char *out, size_t len)
{
	if (!ctx->p.workloads[0] ||
	    mr_pathf(out, len, "%s/%s", ctx->p.workloads, file))
		return -ENOENT;
	return access(out, R_OK) ? -ENOENT : 0;
}

/* The cgroup directory of the calling process, from /proc/self/cgroup. */
static int own_cgroup(const struct mr_ctx *ctx, char *out, size_t len)
{
	char *buf, *p, *nl;
	int ret = -ENOENT;

	if (mr_read_file("/proc/self/cgroup", &buf) < 0)
		return -ENOENT;
	/* the v2 line is "0::PATH" */
	for (p = buf; p && *p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (strncmp(p, "0::", 3))
			continue;
		ret = mr_cg_fspath(&ctx->run, p + 3, out, len);
		break;
	}
	free(buf);
	return ret;
}

int mr_ctx_build(struct mr_ctx *ctx, pid_t owner, bool scratch, bool fio,
		 bool stress_ng)
{
	int ret;

	ret = mr_pathf(ctx->root, sizeof(ctx->root), "%s/t", ctx->run.path);
	if (!ret)
		ret = mr_pathf(ctx->ctl, sizeof(ctx->ctl), "%s/ctl",
			       ctx->run.path);
	if (!ret)
		ret = own_cgroup(ctx, ctx->home, sizeof(ctx->home));
	/* the scratch folder's metadata is charged to the home cgroup */
	if (!ret && scratch)
		ret = mr_scratch_prepare(ctx, owner);
	if (!ret)
		ret = mr_cg_create(ctx->root);
	if (!ret)
		ret = mr_cg_create(ctx->ctl);
	if (!ret)
		ret = mr_cg_enter(ctx->ctl, getpid());
	if (!ret)
		ret = mr_warm_loaders(ctx, fio, stress_ng);
	if (!ret)
		ret = mr_cg_kpath(&ctx->run, ctx->root, ctx->kroot,
				  sizeof(ctx->kroot));
	if (!ret) {
		ret = mr_cgroup_stat(ctx->root, "nr_dying_descendants",
				     &ctx->dying_base);
	}
	if (!ret && mr_cgroup_stat(ctx->run.base, "nr_dying_descendants",
				   &ctx->base_dying_base))
		ctx->base_dying_base = -1;
	if (!ret) {
		ret = mr_cgroup_stat(ctx->root, "nr_dying_subsys_memory",
				     &ctx->dying_mem_base);
		if (ret == -ENOENT) {
			ctx->dying_mem_base = -1;
			ret = 0;
		}
	}
	if (ret) {
		/* the teardown does not run after a failed setup */
		mr_scratch_remove(ctx);
		/* leave ctl first: the drain kills everything inside */
		if (ctx->home[0])
			mr_cg_enter(ctx->home, getpid());
		mr_cg_run_destroy(&ctx->run);
	}
	return ret;
}

/* memory.reclaim of all that @cg still charges (a few tries, EAGAIN is normal) */
static void release_subtree(const char *cg)
{
	long long cur;
	char val[32];
	int i;

	for (i = 0; i < 3; i++) {
		if (mr_cg_value(cg, "memory.current", &cur) || cur <= 0)
			return;
		snprintf(val, sizeof(val), "%lld", cur);
		mr_cg_try_write(cg, "memory.reclaim", val);
	}
}

/*
 * In the suite's own VM (/dev/shm is a tmpfs of its own, mr.init= on the
 * kernel command line), POSIX shm objects that a killed stress-ng left
 * behind are removed: their swapped-out pages would keep swap records of a
 * removed memcg.  On any other machine /dev/shm is not ours to clean.
 */
static void shm_leftovers(void)
{
	struct dirent *d;
	char *cmdline;
	bool vm;
	DIR *dir;

	if (mr_read_file("/proc/cmdline", &cmdline) < 0)
		return;
	vm = strstr(cmdline, "mr.init=") != NULL;
	free(cmdline);
	dir = vm ? opendir("/dev/shm") : NULL;
	if (!dir)
		return;
	while ((d = readdir(dir)))
		if (!strncmp(d->d_name, "stress-ng", 9) &&
		    !unlinkat(dirfd(dir), d->d_name, 0))
			mr_msg("removed /dev/shm/%s, left by a killed stress-ng",
			       d->d_name);
	closedir(dir);
}

/* whether cgroup @cg (and its subtree) has tasks; false when unreadable */
static bool cg_populated(const char *cg)
{
	char path[PATH_MAX], *buf;
	long long populated = 0;

	if (mr_pathf(path, sizeof(path), "%s/cgroup.events", cg) ||
	    mr_read_file(path, &buf) < 0)
		return false;
	mr_buf_key(buf, "populated", &populated);
	free(buf);
	return populated;
}

int mr_ctx_remove(struct mr_ctx *ctx)
{
	long long waited;

	/*
	 * Tasks first (a reader's atime or a writer's mtime dirties an inode
	 * for up to dirty_expire_centisecs, and a cgroup writeback with a
	 * dirty inode is not cleaned up at offline), then the files, then
	 * the write-back, then what the subtree still holds (swap cache: an
	 * unmapped swap-cache folio keeps its swap record, and the record the
	 * memcg's id, until reclaim frees it), then the cgroups.
	 */
	/*
	 * SIGTERM before SIGKILL: stress-ng removes its POSIX shm objects
	 * when told to stop; killed, it leaves them in /dev/shm, where their
	 * swapped-out pages keep swap records of the removed memcg for good.
	 */
	mr_cg_signal(ctx->run.path, SIGTERM);
	mr_poll_until(!cg_populated(ctx->run.path), 3000, &waited,
		      "the subtree's tasks to end on SIGTERM");
	mr_cg_drain(ctx->run.path, MR_CG_DRAIN_MS);
	shm_leftovers();
	mr_scratch_remove(ctx);
	mr_scratch_sync(ctx);
	release_subtree(ctx->run.path);
	return mr_cg_run_destroy(&ctx->run);
}
