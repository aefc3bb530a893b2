// SPDX-License-Identifier: GPL-2.0-only
/*
 * A per-run cgroup v2 subtree for the memcg_reparent tests.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libcgroup.h>

#include "mr_cgroup.h"
#include "mr_util.h"

#define RUN_PREFIX	MR_NAME "."

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s)
{
	char *d = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (s[1] - '0') << 6 | (s[2] - '0') << 3 |
			       (s[3] - '0');
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = '\0';
}

/* Fills @mnt and @mnt_root from the first cgroup2 line of mountinfo. */
static int find_cgroup2(char *mnt, char *mnt_root, size_t len)
{
	char *buf, *line, *next, *sep, *f[5], *save;
	int i, ret = -ENOENT;

	if (mr_read_file("/proc/self/mountinfo", &buf) < 0)
		return -ENOENT;

	for (line = buf; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS] - TYPE ..." */
		sep = strstr(line, " - ");
		if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		*sep = '\0';
		for (i = 0, save = NULL; i < 5; i++) {
			f[i] = strtok_r(i ? NULL : line, " ", &save);
			if (!f[i])
				break;
		}
		if (i < 5)
			continue;
		unescape_octal(f[3]);
		unescape_octal(f[4]);
		if (mr_pathf(mnt_root, len, "%s", f[3]) ||
		    mr_pathf(mnt, len, "%s", f[4]))
			continue;
		ret = 0;
		break;
	}
	free(buf);
	return ret;
}

/* Whether the space-separated @list (a file's content) holds @word. */
static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word))) {
		if ((p == list || p[-1] == ' ') &&
		    (p[n] == ' ' || p[n] == '\n' || !p[n]))
			return true;
		p += n;
	}
	return false;
}

static bool file_has_word(const char *dir, const char *name, const char *word)
{
	char path[PATH_MAX], *buf;
	bool ret;

	if (mr_pathf(path, sizeof(path), "%s/%s", dir, name) ||
	    mr_read_file(path, &buf) < 0)
		return false;
	ret = has_word(buf, word);
	free(buf);
	return ret;
}

int mr_cg_probe(struct mr_cg_run *run, char *why, size_t len)
{
	const char *env = getenv("MR_CGROUP_ROOT");
	size_t n;

	memset(run, 0, sizeof(*run));
	if (find_cgroup2(run->mnt, run->mnt_root, sizeof(run->mnt))) {
		snprintf(why, len, "no cgroup v2 memory controller (no cgroup2 mount)");
		return -EOPNOTSUPP;
	}
	if (env && *env) {
		n = strlen(run->mnt);
		if (strncmp(env, run->mnt, n) || (env[n] && env[n] != '/') ||
		    mr_pathf(run->base, sizeof(run->base), "%s", env)) {
			snprintf(why, len,
				 "no cgroup v2 memory controller (MR_CGROUP_ROOT=%s is not below %s)",
				 env, run->mnt);
			return -EOPNOTSUPP;
		}
	} else {
		memcpy(run->base, run->mnt, sizeof(run->base));
	}
	if (!file_has_word(run->base, "cgroup.controllers", "memory")) {
		snprintf(why, len,
			 "no cgroup v2 memory controller (not in %s/cgroup.controllers)",
			 run->base);
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * Everything below up to mr_cg_run_create() may run in a signal handler:
 * system calls, stack buffers and mr_buf_key() only.
 */

static ssize_t read_small(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		n = -errno;
	else
		buf[n] = '\0';
	close(fd);
	return n;
}

/* -ENOENT when the cgroup is gone, 1 populated, 0 empty. */
static int cg_populated(const char *path)
{
	char file[PATH_MAX], buf[256];
	long long val;
	ssize_t n;

	if (mr_pathf(file, sizeof(file), "%s/cgroup.events", path))
		return -ENAMETOOLONG;
	n = read_small(file, buf, sizeof(buf));
	if (n < 0)
		return n;
	if (mr_buf_key(buf, "populated", &val))
		return -EINVAL;
	return val != 0;
}

int mr_cg_walk_children(const char *path, mr_cg_child_fn fn, void *arg)
{
	char buf[4096], child[PATH_MAX];
	struct dirent64 *d;
	ssize_t n, off;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((n = getdents64(fd, buf, sizeof(buf))) > 0) {
		for (off = 0; off < n; off += d->d_reclen) {
			d = (struct dirent64 *)(buf + off);
			if (d->d_type != DT_DIR || !strcmp(d->d_name, ".") ||
			    !strcmp(d->d_name, ".."))
				continue;
			ret = mr_pathf(child, sizeof(child), "%s/%s", path,
				       d->d_name);
			if (!ret)
				ret = fn(child, arg);
			if (ret)
				goto out;
		}
	}
	if (n < 0)
		ret = -errno;
out:
	close(fd);
	return ret;
}

/* Fallback for kernels without cgroup.kill (before 5.14). */
static int kill_procs(const char *path, void *arg)
{
	char file[PATH_MAX], buf[4096], *p, *end;
	ssize_t n;
	long pid;

	if (mr_pathf(file, sizeof(file), "%s/cgroup.procs", path))
		return -ENAMETOOLONG;
	n = read_small(file, buf, sizeof(buf));
	for (p = buf; n > 0 && *p; p = end) {
		pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (pid > 0)
			kill(pid, arg ? *(int *)arg : SIGKILL);
	}
	return mr_cg_walk_children(path, kill_procs, arg);
}

int mr_cg_signal(const char *path, int sig)
{
	return kill_procs(path, &sig);
}

static int kill_tree(const char *path)
{
	char file[PATH_MAX];
	int fd;

	if (mr_pathf(file, sizeof(file), "%s/cgroup.kill", path))
		return -ENAMETOOLONG;
	fd = open(file, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, "1", 1) == 1) {
			close(fd);
			return 0;
		}
		close(fd);
	}
	return kill_procs(path, NULL);
}

struct rm_ctx {
	long long deadline;
};

static int rmdir_tree(const char *path, void *arg)
{
	struct rm_ctx *ctx = arg;
	int ret;

	ret = mr_cg_walk_children(path, rmdir_tree, arg);
	if (ret && ret != -ENOENT)
		return ret;
	for (;;) {
		if (!rmdir(path) || errno == ENOENT)
			return 0;
		/* EBUSY while an exiting task still counts as a member. */
		if (errno != EBUSY || mr_now_ms() >= ctx->deadline)
			return -errno;
		mr_sleep_ms(10);
	}
}

/* 1: drained, 0: absent, negative errno */
static int drain(const char *path, long long deadline)
{
	int ret;

	for (;;) {
		ret = cg_populated(path);
		if (ret == -ENOENT)
			return 0;
		if (ret <= 0)
			return ret < 0 ? ret : 1;
		kill_tree(path);
		if (mr_now_ms() >= deadline)
			return -ETIMEDOUT;
		mr_sleep_ms(10);
	}
}

int mr_cg_drain(const char *path, int timeout_ms)
{
	int ret = drain(path, mr_now_ms() + timeout_ms);

	return ret < 0 ? ret : 0;
}

int mr_cg_destroy(const char *path, int timeout_ms)
{
	struct rm_ctx ctx = { .deadline = mr_now_ms() + timeout_ms };
	int ret = drain(path, ctx.deadline);

	/* absent, or still populated at the deadline */
	if (ret == 0 || ret == -ETIMEDOUT)
		return ret;
	return rmdir_tree(path, &ctx);
}

int mr_cg_run_destroy(struct mr_cg_run *run)
{
	char file[PATH_MAX];
	int ret, err;

	if (!run->path[0])
		return 0;
	ret = mr_cg_destroy(run->path, MR_CG_DRAIN_MS);
	if (!ret)
		run->path[0] = '\0';
	if (run->restore_memory) {
		err = mr_pathf(file, sizeof(file), "%s/cgroup.subtree_control",
			       run->base);
		if (!err)
			err = mr_write_file(file, "-memory");
		if (!err)
			run->restore_memory = false;
		else if (!ret)
			ret = err;
	}
	return ret;
}

static int reap_one(const char *path, void *arg)
{
	const char *name = strrchr(path, '/') + 1;
	int *count = arg;
	char *end;
	long pid;

	if (strncmp(name, RUN_PREFIX, strlen(RUN_PREFIX)))
		return 0;
	pid = strtol(name + strlen(RUN_PREFIX), &end, 10);
	if (*end || pid <= 0 || mr_pid_alive(pid))
		return 0;
	if (!mr_cg_destroy(path, MR_CG_DRAIN_MS))
		(*count)++;
	return 0;
}

int mr_cg_reap_stale(const char *base)
{
	int count = 0, ret;

	ret = mr_cg_walk_children(base, reap_one, &count);
	return ret ? ret : count;
}

/* End of the async-signal-safe part. */

static void cg_logger(void *userdata, int level, const char *fmt, va_list ap)
{
	char msg[1024];
	size_t n;

	(void)userdata;
	(void)level;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	if (n && msg[n - 1] == '\n')
		msg[n - 1] = '\0';
	/* libcgroup's own logger would write to stdout, into the TAP stream */
	fprintf(stderr, "# libcgroup: %s\n", msg);
}

static int cg_lib_init(void)
{
	static bool done;
	int ret;

	if (done)
		return 0;
	cgroup_set_logger(cg_logger, CGROUP_LOG_WARNING, NULL);
	ret = cgroup_init();
	if (ret)
		return ret;
	done = true;
	return 0;
}

/* libcgroup's error code as a negative errno. */
static int cg_lib_errno(int ret)
{
	if (ret == ECGOTHER && cgroup_get_last_errno())
		return -cgroup_get_last_errno();
	return -EIO;
}

/* libcgroup names groups by their path below the mount point. */
static struct cgroup *cg_lib_group(const char *path)
{
	static char mnt[PATH_MAX], mnt_root[PATH_MAX];
	struct cgroup *cg;
	size_t n;

	if (!mnt[0] && find_cgroup2(mnt, mnt_root, sizeof(mnt)))
		return NULL;
	n = strlen(mnt);
	if (strncmp(path, mnt, n) || path[n] != '/')
		return NULL;
	cg = cgroup_new_cgroup(path + n);
	if (cg && !cgroup_add_controller(cg, "memory"))
		cgroup_free(&cg);
	return cg;
}

/* libcgroup set up and @path as its struct cgroup; errors reported */
static int cg_lib_open(const char *path, struct cgroup **cg,
		       const char *file, int line)
{
	int ret = cg_lib_init();

	if (ret) {
		mr_err_at(file, line, 0, "cgroup_init: %s", cgroup_strerror(ret));
		return cg_lib_errno(ret);
	}
	*cg = cg_lib_group(path);
	if (!*cg) {
		mr_err_at(file, line, 0, "%s: not a cgroup2 path", path);
		return -EINVAL;
	}
	return 0;
}

/* Whether the parent of @path lists "memory" in its cgroup.subtree_control */
static bool parent_delegates_memory(const char *path)
{
	char parent[PATH_MAX], buf[256], *tok, *save;
	char *slash;
	ssize_t n;

	if (mr_pathf(parent, sizeof(parent), "%s", path))
		return false;
	slash = strrchr(parent, '/');
	if (!slash || slash == parent)
		return false;
	if (snprintf(slash, sizeof(parent) - (slash - parent),
		     "/cgroup.subtree_control") >= (int)(sizeof(parent) - (slash - parent)))
		return false;
	n = read_small(parent, buf, sizeof(buf));
	if (n <= 0)
		return false;
	for (tok = strtok_r(buf, "\n ", &save); tok;
	     tok = strtok_r(NULL, "\n ", &save))
		if (!strcmp(tok, "memory"))
			return true;
	return false;
}

int __mr_cg_create(const char *path, const char *file, int line)
{
	struct cgroup *cg;
	int ret;

	/*
	 * Where the parent already hands memory down, a mkdir is all that is
	 * left for libcgroup to do after it rewrites +memory into every
	 * ancestor's cgroup.subtree_control; each of those writes takes
	 * cgroup_mutex and walks that ancestor's subtree, which made cgroup
	 * creation the churn benchmark's second largest overhead.
	 */
	if (parent_delegates_memory(path)) {
		if (!mkdir(path, 0755))
			return 0;
		ret = -errno;
		mr_err_at(file, line, ret, "mkdir %s", path);
		return ret;
	}

	ret = cg_lib_open(path, &cg, file, line);
	if (ret)
		return ret;
	ret = cgroup_create_cgroup(cg, 1);
	cgroup_free(&cg);
	if (ret) {
		mr_err_at(file, line, 0, "create %s: %s", path,
			  cgroup_strerror(ret));
		return cg_lib_errno(ret);
	}
	return 0;
}

int __mr_cg_enter(const char *path, pid_t pid, const char *file, int line)
{
	struct cgroup *cg;
	int ret;

	ret = cg_lib_open(path, &cg, file, line);
	if (ret)
		return ret;
	ret = cgroup_attach_task_pid(cg, pid);
	cgroup_free(&cg);
	if (ret) {
		mr_err_at(file, line, 0, "attach %d to %s: %s", pid, path,
			  cgroup_strerror(ret));
		return cg_lib_errno(ret);
	}
	return 0;
}

int __mr_cg_rmdir(const char *path, int timeout_ms, const char *file,
		  int line)
{
	long long deadline = mr_now_ms() + timeout_ms;

	while (rmdir(path)) {
		if (errno != EBUSY || mr_now_ms() >= deadline) {
			mr_err_at(file, line, -errno, "rmdir %s", path);
			return -errno;
		}
		mr_sleep_ms(5);
	}
	return 0;
}

int __mr_cg_write(const char *cg, const char *name, const char *val,
		  bool quiet, const char *file, int line)
{
	char path[PATH_MAX];
	int ret;

	ret = mr_pathf(path, sizeof(path), "%s/%s", cg, name);
	if (!ret)
		ret = mr_write_file(path, val);
	if (ret && !quiet)
		mr_err_at(file, line, ret, "write '%s' to %s", val, path);
	return ret;
}

ssize_t __mr_cg_read(const char *cg, const char *name, char **buf,
		     const char *file, int line)
{
	char path[PATH_MAX];
	ssize_t ret;

	ret = mr_pathf(path, sizeof(path), "%s/%s", cg, name);
	if (!ret)
		ret = mr_read_file(path, buf);
	if (ret < 0)
		mr_err_at(file, line, ret, "read %s", path);
	return ret;
}

int __mr_cg_move_procs(const char *from, const char *to, int timeout_ms,
		       const char *file, int line)
{
	long long deadline = mr_now_ms() + timeout_ms;
	char path[PATH_MAX], num[24], *buf, *p, *end;
	int moved = 0, ret;
	long pid;

	if (mr_pathf(path, sizeof(path), "%s/cgroup.procs", to))
		return -ENAMETOOLONG;
	for (;;) {
		ret = __mr_cg_read(from, "cgroup.procs", &buf, file, line);
		if (ret < 0)
			return ret;
		if (!buf[0]) {
			free(buf);
			return moved;
		}
		for (p = buf; *p; p = end) {
			pid = strtol(p, &end, 10);
			if (end == p)
				break;
			/* one pid per write(); ESRCH: it exited meanwhile */
			snprintf(num, sizeof(num), "%ld", pid);
			ret = mr_write_file(path, num);
			if (!ret)
				moved++;
			else if (ret != -ESRCH) {
				mr_err_at(file, line, ret, "move %ld to %s",
					  pid, to);
				free(buf);
				return ret;
			}
		}
		free(buf);
		if (mr_now_ms() >= deadline) {
			mr_err_at(file, line, -ETIMEDOUT,
				  "%s keeps gaining processes", from);
			return -ETIMEDOUT;
		}
	}
}

bool mr_cg_exists(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

int mr_cg_kpath(const struct mr_cg_run *run, const char *path, char *out,
		size_t len)
{
	size_t n = strlen(run->mnt);
	const char *rest = path + n;
	int ret;

	if (strncmp(path, run->mnt, n) || (*rest && *rest != '/'))
		return -EINVAL;
	if (!strcmp(run->mnt_root, "/"))
		ret = snprintf(out, len, "%s", *rest ? rest : "/");
	else
		ret = snprintf(out, len, "%s%s", run->mnt_root, rest);
	return ret < 0 || (size_t)ret >= len ? -ENAMETOOLONG : 0;
}

int mr_cg_fspath(const struct mr_cg_run *run, const char *kpath, char *out,
		 size_t len)
{
	size_t n = strlen(run->mnt_root);

	if (!strcmp(run->mnt_root, "/"))
		return mr_pathf(out, len, "%s%s", run->mnt, kpath);
	if (strncmp(kpath, run->mnt_root, n) ||
	    (kpath[n] && kpath[n] != '/'))
		return -EINVAL;
	return mr_pathf(out, len, "%s%s", run->mnt, kpath + n);
}

int mr_cg_run_create(struct mr_cg_run *run, pid_t owner)
{
	char file[PATH_MAX];
	int ret;

	ret = mr_cg_reap_stale(run->base);
	if (ret > 0)
		mr_msg("reaped %d stale %s subtree(s) of dead runs", ret,
		       MR_NAME);
	if (!file_has_word(run->base, "cgroup.subtree_control", "memory")) {
		ret = mr_pathf(file, sizeof(file), "%s/cgroup.subtree_control",
			       run->base);
		if (!ret)
			ret = mr_write_file(file, "+memory");
		if (ret) {
			mr_err(ret, "enable +memory in %s", file);
			return ret;
		}
		run->restore_memory = true;
	}
	ret = mr_pathf(run->path, sizeof(run->path), "%s/" RUN_PREFIX "%d",
		       run->base, owner);
	if (ret) {
		run->path[0] = '\0';
		return ret;
	}
	ret = mr_cg_create(run->path);
	if (!ret)
		ret = mr_cg_write(run->path, "cgroup.subtree_control",
				  "+memory");
	if (ret)
		mr_cg_run_destroy(run);
	return ret;
}
