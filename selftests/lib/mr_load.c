// SPDX-License-Identifier: GPL-2.0-only
/*
 * Load for the memcg_reparent tests.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/magic.h>
#include <linux/mempolicy.h>

#include "mr_cgroup.h"
#include "mr_load.h"
#include "mr_util.h"

#define BITS_PER_LONG	(8 * sizeof(long))

#ifndef FUSE_SUPER_MAGIC
#define FUSE_SUPER_MAGIC	0x65735546
#endif

/* Child side of the ready/hold pipes. */
static int child_ready_fd = -1;
static int child_hold_fd = -1;

static void child_init(struct mr_child *c, const char *name)
{
	memset(c, 0, sizeof(*c));
	c->out = c->ready = c->hold = -1;
	snprintf(c->name, sizeof(c->name), "%s", name);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * Interleave the child's allocations, page cache included, over the nodes
 * with memory: reparenting runs per node, and one node would leave that
 * loop untested.  Without NUMA this fails harmlessly.
 */
static void interleave_nodes(void)
{
	unsigned long mask[16] = {};
	long a, b, max = -1;
	char *buf, *p, *end;

	if (mr_read_file("/sys/devices/system/node/has_memory", &buf) < 0)
		return;
	/* "0-1,3" */
	for (p = buf; *p && *p != '\n'; p = *end ? end + 1 : end) {
		a = strtol(p, &end, 10);
		b = *end == '-' ? strtol(end + 1, &end, 10) : a;
		if (end == p || a < 0 || b >= (long)sizeof(mask) * 8)
			break;
		for (; a <= b; a++)
			mask[a / BITS_PER_LONG] |= 1UL << (a % BITS_PER_LONG);
		max = b > max ? b : max;
		if (*end != ',')
			break;
	}
	free(buf);
	if (max >= 0)
		syscall(SYS_set_mempolicy, MPOL_INTERLEAVE, mask, max + 2);
}

/*
 * In the child: die with the parent, join @cg, tell the parent through
 * @joined (closed here), spread over the nodes.
 */
static void child_enter(const char *cg, pid_t parent, int joined)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	/*
	 * A task moves itself by writing "0" to cgroup.procs: one write,
	 * where libcgroup's attach builds a struct cgroup first (the churn
	 * benchmark's spawn step).
	 */
	if (mr_cg_write(cg, "cgroup.procs", "0"))
		_exit(126);
	if (write(joined, "j", 1) != 1)
		_exit(125);
	close(joined);
	interleave_nodes();
}

/*
 * In the parent: wait until the child is in its cgroup (or died trying:
 * EOF), so that whoever reads cgroup.procs next sees it.  Without this a
 * move of the cgroup's tasks right after the spawn could miss the child,
 * which then joined the cgroup after the move (measured: an rmdir failed
 * with EBUSY in reparent_race).
 */
static void wait_joined(int joined[2])
{
	char b;

	close(joined[1]);
	while (read(joined[0], &b, 1) < 0 && errno == EINTR)
		;
	close(joined[0]);
}

/*
 * In a function child: close every inherited descriptor but stdio and the
 * two pipe ends it uses.  A sibling's hold pipe left open here would keep
 * that sibling from ever seeing EOF in mr_hold().
 */
static void close_others(int a, int b)
{
	int lo = a < b ? a : b, hi = a < b ? b : a;

	if (lo > 3)
		close_range(3, lo - 1, 0);
	if (hi > lo + 1)
		close_range(lo + 1, hi - 1, 0);
	close_range(hi + 1, ~0U, 0);
}

int mr_spawn_fn(struct mr_child *c, const char *name, const char *cg,
		int (*fn)(void *arg), void *arg)
{
	int ready[2], hold[2], joined[2], ret;
	pid_t parent = getpid();

	child_init(c, name);
	if (pipe2(joined, O_CLOEXEC))
		return -errno;
	if (pipe2(ready, O_CLOEXEC)) {
		ret = -errno;
		close(joined[0]);
		close(joined[1]);
		return ret;
	}
	if (pipe2(hold, O_CLOEXEC)) {
		ret = -errno;
		close(joined[0]);
		close(joined[1]);
		close(ready[0]);
		close(ready[1]);
		return ret;
	}
	fflush(stdout);
	fflush(stderr);
	c->pid = fork();
	if (c->pid < 0) {
		ret = -errno;
		close(joined[0]);
		close(joined[1]);
		close(ready[0]);
		close(ready[1]);
		close(hold[0]);
		close(hold[1]);
		c->pid = 0;
		return ret;
	}
	if (!c->pid) {
		close(joined[0]);
		close(ready[0]);
		close(hold[1]);
		child_ready_fd = ready[1];
		child_hold_fd = hold[0];
		child_enter(cg, parent, joined[1]);
		close_others(ready[1], hold[0]);
		ret = fn(arg);
		fflush(stdout);
		_exit(ret);
	}
	close(ready[1]);
	close(hold[0]);
	c->ready = ready[0];
	c->hold = hold[1];
	wait_joined(joined);
	return 0;
}

int mr_spawn_exec(struct mr_child *c, const char *name, const char *cg,
		  char *const argv[], char *const env[])
{
	pid_t parent = getpid();
	int out[2], joined[2], ret, i;

	child_init(c, name);
	if (pipe2(joined, O_CLOEXEC))
		return -errno;
	if (pipe2(out, O_CLOEXEC)) {
		ret = -errno;
		close(joined[0]);
		close(joined[1]);
		return ret;
	}
	fflush(stdout);
	fflush(stderr);
	c->pid = fork();
	if (c->pid < 0) {
		ret = -errno;
		close(joined[0]);
		close(joined[1]);
		close(out[0]);
		close(out[1]);
		c->pid = 0;
		return ret;
	}
	if (!c->pid) {
		close(joined[0]);
		child_enter(cg, parent, joined[1]);
		for (i = 0; env && env[i]; i++)
			putenv(env[i]);
		if (dup2(out[1], STDOUT_FILENO) < 0 ||
		    dup2(out[1], STDERR_FILENO) < 0)
			_exit(125);
		execvp(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(out[1]);
	c->out = out[0];
	wait_joined(joined);
	return 0;
}

void mr_ready(void)
{
	if (child_ready_fd >= 0 && write(child_ready_fd, "r", 1) != 1)
		_exit(125);
}

void mr_hold(void)
{
	char b;

	if (child_hold_fd < 0)
		return;
	while (read(child_hold_fd, &b, 1) < 0 && errno == EINTR)
		;
}

int mr_child_ready(struct mr_child *c, int timeout_ms)
{
	struct pollfd pfd = { .fd = c->ready, .events = POLLIN };
	char b;
	int n;

	n = poll(&pfd, 1, timeout_ms);
	if (n < 0)
		return -errno;
	if (!n)
		return -ETIMEDOUT;
	return read(c->ready, &b, 1) == 1 ? 0 : -ECHILD;
}

void mr_child_release(struct mr_child *c)
{
	close_fd(&c->hold);
}

/* Keeps the last MR_LOG_MAX bytes of output. */
static void drain_output(struct mr_child *c)
{
	char buf[MR_LOG_MAX / 4];
	ssize_t n;
	size_t keep;

	while (c->out >= 0) {
		n = read(c->out, buf, sizeof(buf));
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno == EAGAIN)
				return;
			close_fd(&c->out);
			return;
		}
		if (c->log_len + n > MR_LOG_MAX) {
			keep = MR_LOG_MAX - n;
			memmove(c->log, c->log + c->log_len - keep, keep);
			c->log_len = keep;
		}
		memcpy(c->log + c->log_len, buf, n);
		c->log_len += n;
	}
}

static void print_log(struct mr_child *c)
{
	char *line, *next, *end = c->log + c->log_len;

	for (line = c->log; line < end; line = next + 1) {
		next = memchr(line, '\n', end - line);
		if (!next)
			next = end;
		mr_msg("%s: %.*s", c->name, (int)(next - line), line);
	}
}

static void child_close(struct mr_child *c)
{
	close_fd(&c->out);
	close_fd(&c->ready);
	close_fd(&c->hold);
}

/*
 * After the exit: what is in the pipe now.  A grandchild may still hold the
 * write end, so the pipe is never read until EOF.
 */
static int child_status(struct mr_child *c, int status)
{
	int ret;

	drain_output(c);
	child_close(c);
	if (WIFEXITED(status))
		ret = WEXITSTATUS(status);
	else
		ret = 128 + WTERMSIG(status);
	if (ret) {
		mr_msg("%s: exit status %d", c->name, ret);
		print_log(c);
	}
	return ret;
}

int mr_child_wait(struct mr_child *c, int timeout_ms)
{
	long long deadline = mr_now_ms() + timeout_ms, left;
	struct pollfd pfd[2];
	int status, ret, pidfd, n;
	pid_t r;

	if (!c->pid)
		return -ECHILD;
	if (c->out >= 0)
		fcntl(c->out, F_SETFL, O_NONBLOCK);
	/*
	 * A pidfd turns readable when the child exits (Linux 5.3): sleep in
	 * poll() until then instead of polling waitpid() every few ms, which
	 * cost the churn benchmark a large part of its cycles.
	 */
	pidfd = syscall(SYS_pidfd_open, c->pid, 0);
	for (;;) {
		drain_output(c);
		r = waitpid(c->pid, &status, WNOHANG);
		if (r == c->pid)
			break;
		if (r < 0 && errno != EINTR) {
			ret = -errno;
			c->pid = 0;
			child_close(c);
			if (pidfd >= 0)
				close(pidfd);
			return ret;
		}
		left = deadline - mr_now_ms();
		if (left <= 0) {
			mr_msg("%s: still running after %d ms, killed",
			       c->name, timeout_ms);
			mr_child_kill(c);
			print_log(c);
			if (pidfd >= 0)
				close(pidfd);
			return -ETIMEDOUT;
		}
		n = 0;
		if (pidfd >= 0)
			pfd[n++] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
		if (c->out >= 0)
			pfd[n++] = (struct pollfd){ .fd = c->out, .events = POLLIN };
		if (n)
			poll(pfd, n, pidfd >= 0 ? (int)(left < 1000 ? left : 1000) : 20);
		else
			mr_sleep_ms(5);
	}
	if (pidfd >= 0)
		close(pidfd);
	c->pid = 0;
	return child_status(c, status);
}

int mr_child_poll(struct mr_child *c)
{
	int status;
	pid_t r;

	if (!c->pid)
		return -ECHILD;
	if (c->out >= 0) {
		fcntl(c->out, F_SETFL, O_NONBLOCK);
		drain_output(c);
	}
	r = waitpid(c->pid, &status, WNOHANG);
	if (!r)
		return -EBUSY;
	if (r < 0)
		return -errno;
	c->pid = 0;
	return child_status(c, status);
}

void mr_child_kill(struct mr_child *c)
{
	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	c->pid = 0;
	drain_output(c);
	child_close(c);
}

void *mr_anon_touch(size_t bytes)
{
	long page = mr_page_size();
	char *p;
	size_t i;

	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	for (i = 0; i < bytes; i += page)
		p[i] = 1 + i / page % 255;
	return p;
}

static int fill_fd(int fd, size_t bytes)
{
	static char chunk[65536];
	size_t done = 0, n;
	ssize_t w;

	memset(chunk, 0x5a, sizeof(chunk));
	while (done < bytes) {
		n = bytes - done < sizeof(chunk) ? bytes - done : sizeof(chunk);
		w = write(fd, chunk, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done += w;
	}
	return 0;
}

int mr_shmem_fill(size_t bytes)
{
	int fd, ret;

	fd = memfd_create(MR_NAME, MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = fill_fd(fd, bytes);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

int mr_file_write(const char *path, size_t bytes)
{
	int fd, ret;

	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	ret = fill_fd(fd, bytes);
	if (!ret && fsync(fd))
		ret = -errno;
	close(fd);
	return ret;
}

int mr_file_read(const char *path)
{
	static char chunk[65536];
	int fd, ret = 0;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno != EINTR) {
			ret = -errno;
			break;
		}
	}
	close(fd);
	return ret;
}

int mr_file_prealloc(const char *path, size_t bytes)
{
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (fallocate(fd, 0, 0, bytes) || fsync(fd))
		ret = -errno;
	close(fd);
	return ret;
}

int mr_scratch_check(const char *dir, char *why, size_t len)
{
	static const struct {
		unsigned long magic;
		const char *name;
	} bad[] = {
		{ TMPFS_MAGIC, "tmpfs" },
		{ RAMFS_MAGIC, "ramfs" },
		{ V9FS_MAGIC, "9p" },
		{ OVERLAYFS_SUPER_MAGIC, "overlayfs" },
		{ FUSE_SUPER_MAGIC, "fuse/virtiofs" },
	};
	struct statfs sf;
	size_t i;

	if (!dir || !*dir) {
		snprintf(why, len, "no scratch block fs (MR_SCRATCH is not set)");
		return -EOPNOTSUPP;
	}
	if (statfs(dir, &sf) || access(dir, W_OK)) {
		snprintf(why, len, "no scratch block fs (%s: %s)", dir,
			 strerror(errno));
		return -EOPNOTSUPP;
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		if ((unsigned long)sf.f_type == bad[i].magic) {
			snprintf(why, len,
				 "no scratch block fs (%s is on %s)", dir,
				 bad[i].name);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}
