// SPDX-License-Identifier: GPL-2.0-only
/*
 * Load for the memcg_reparent tests.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/magic.h>
#include <linux/mempolicy.h>

#include "mr_cgroup.h"
#include "mr_ctx.h"
#include "mr_load.h"
#include "mr_scratch.h"
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

/* Closes both ends of the first @n pipes of @p. */
static void close_pipes(int (*p)[2], int n)
{
	int i;

	for (i = 0; i < n; i++) {
		close(p[i][0]);
		close(p[i][1]);
	}
}

/*
 * Opens @n pipes into @p, then forks @c: @c->pid is 0 in the child, the
 * child's in the parent.  Returns 0, or a negative errno with every pipe
 * closed again (and @c->pid 0).
 */
static int fork_with_pipes(struct mr_child *c, int (*p)[2], int n)
{
	int i, ret;

	for (i = 0; i < n; i++) {
		if (pipe2(p[i], O_CLOEXEC)) {
			ret = -errno;
			close_pipes(p, i);
			return ret;
		}
	}
	fflush(stdout);
	fflush(stderr);
	c->pid = fork();
	if (c->pid < 0) {
		ret = -errno;
		close_pipes(p, n);
		c->pid = 0;
		return ret;
	}
	return 0;
}

int mr_spawn_fn(struct mr_child *c, const char *name, const char *cg,
		int (*fn)(void *arg), void *arg)
{
	/* joined, ready, hold */
	int pipes[3][2], *joined = pipes[0], *ready = pipes[1];
	int *hold = pipes[2], ret;
	pid_t parent = getpid();

	child_init(c, name);
	ret = fork_with_pipes(c, pipes, 3);
	if (ret)
		return ret;
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
	/* joined, out */
	int pipes[2][2], *joined = pipes[0], *out = pipes[1], ret, i;
	pid_t parent = getpid();

	child_init(c, name);
	ret = fork_with_pipes(c, pipes, 2);
	if (ret)
		return ret;
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

int mr_anon_hold(void *arg)
{
	size_t bytes = *(size_t *)arg;

	if (!mr_anon_touch(bytes))
		return 1;
	mr_ready();
	mr_hold();
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

int mr_child_step(struct mr_child *c)
{
	if (c->hold < 0)
		return -EBADF;
	return write(c->hold, "s", 1) == 1 ? 0 : -errno;
}

/* What the users of a live holder's memory share (they share the mm) */
struct live_state {
	const struct mr_live *l;
	char *anon;
	char *file;
	char *shmem;
	int touched;
	int stop;
	int failed;
	long sum;
};

#define LIVE_ROUND_MS	20
#define LIVE_SOCK_BYTES	65536
#define LIVE_STACK	(256 << 10)

enum live_event { LIVE_NONE, LIVE_STEP, LIVE_RELEASE };

/* One socket pair carrying LIVE_SOCK_BYTES, closed again */
static int live_socket(void)
{
	char buf[4096];
	int sv[2], ret = 0;
	size_t done;
	ssize_t n;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -errno;
	memset(buf, 0x3c, sizeof(buf));
	for (done = 0; !ret && done < LIVE_SOCK_BYTES; done += n) {
		n = write(sv[0], buf, sizeof(buf));
		if (n <= 0)
			ret = n < 0 ? -errno : -EIO;
	}
	for (done = 0; !ret && done < LIVE_SOCK_BYTES; done += n) {
		n = read(sv[1], buf, sizeof(buf));
		if (n <= 0)
			ret = n < 0 ? -errno : -EIO;
	}
	close(sv[0]);
	close(sv[1]);
	return ret;
}

/* Writes every anon and shmem page, reads every file page */
static void live_touch(struct live_state *s, unsigned int round)
{
	const struct mr_live *l = s->l;
	long page = mr_page_size(), sum = 0;
	size_t i;

	for (i = 0; i < l->anon_bytes; i += page)
		s->anon[i] = 1 + round % 255;
	for (i = 0; s->file && i < l->file_bytes; i += page)
		sum += s->file[i];
	for (i = 0; s->shmem && i < l->shmem_bytes; i += page)
		s->shmem[i] = 1 + round % 255;
	/* stored, so that the reads cannot be optimised away */
	__atomic_store_n(&s->sum, sum, __ATOMIC_RELAXED);
	if (l->socket && live_socket())
		__atomic_store_n(&s->failed, 1, __ATOMIC_SEQ_CST);
}

/*
 * Waits up to @ms for the test: a step byte (read by the spawned process
 * only, @take), or the end of the hold pipe.  Raw poll(2): CLONE_VM users
 * share glibc's thread pointer with the spawned process.
 */
static enum live_event live_wait(int ms, bool take)
{
	struct pollfd pfd = { .fd = child_hold_fd, .events = POLLIN };
	char b;

	if (child_hold_fd < 0 || syscall(SYS_poll, &pfd, 1, ms) <= 0)
		return LIVE_NONE;
	if (!take)
		return pfd.revents & POLLHUP ? LIVE_RELEASE : LIVE_NONE;
	if (!(pfd.revents & POLLIN))
		return pfd.revents & POLLHUP ? LIVE_RELEASE : LIVE_NONE;
	return read(child_hold_fd, &b, 1) == 1 ? LIVE_STEP : LIVE_RELEASE;
}

/* A user beside the spawned process: touches until stopped or released */
static int live_user(void *arg)
{
	struct live_state *s = arg;
	unsigned int round = 0;

	live_touch(s, round++);
	__atomic_add_fetch(&s->touched, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&s->stop, __ATOMIC_SEQ_CST) &&
	       live_wait(LIVE_ROUND_MS, false) != LIVE_RELEASE)
		live_touch(s, round++);
	return __atomic_load_n(&s->failed, __ATOMIC_SEQ_CST);
}

static void *live_thread(void *arg)
{
	return (void *)(long)live_user(arg);
}

/*
 * The process that reports ready and answers the test: touches until
 * released; at a step it exits (@owner_exits) or goes idle (@idle).
 */
static int live_main(struct live_state *s, int users)
{
	const struct mr_live *l = s->l;
	unsigned int round = 0;
	enum live_event ev;

	live_touch(s, round++);
	__atomic_add_fetch(&s->touched, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&s->touched, __ATOMIC_SEQ_CST) < users)
		mr_sleep_ms(1);
	if (__atomic_load_n(&s->failed, __ATOMIC_SEQ_CST))
		return 1;
	mr_ready();
	while ((ev = live_wait(LIVE_ROUND_MS, true)) != LIVE_RELEASE) {
		if (ev == LIVE_STEP && l->owner_exits)
			return 0;
		if (ev == LIVE_STEP && l->idle) {
			mr_hold();
			break;
		}
		live_touch(s, round++);
	}
	__atomic_store_n(&s->stop, 1, __ATOMIC_SEQ_CST);
	return __atomic_load_n(&s->failed, __ATOMIC_SEQ_CST);
}

static int live_vfork_child(void *arg)
{
	return live_main(arg, 1);
}

/* Maps the load; the file and shmem half re-read to activate them */
static int live_map(struct live_state *s)
{
	const struct mr_live *l = s->l;
	static char chunk[65536];
	size_t half, done;
	int fd, ret, pass;

	s->anon = mr_anon_touch(l->anon_bytes ? l->anon_bytes : 1);
	if (!s->anon)
		return mr_err(-errno, "anon"), -1;
	if (l->file) {
		ret = mr_file_write(l->file, l->file_bytes);
		if (ret)
			return mr_err(ret, "write %s", l->file), -1;
		/*
		 * No atime: an access time update after the leaf's rmdir
		 * dirties the inode on the writeback it was moved to (the
		 * parent's), which then pins the parent (seen at teardown)
		 */
		fd = open(l->file, O_RDONLY | O_CLOEXEC | O_NOATIME);
		if (fd < 0)
			return mr_err(-errno, "open %s", l->file), -1;
		s->file = mmap(NULL, l->file_bytes, PROT_READ, MAP_SHARED,
			       fd, 0);
		/* written pages are not referenced: two reads activate */
		half = l->activate ? l->file_bytes / 2 : 0;
		for (pass = 0; pass < 2; pass++)
			for (done = 0; done < half; done += sizeof(chunk))
				if (pread(fd, chunk, sizeof(chunk), done) < 0)
					break;
		close(fd);
		if (s->file == MAP_FAILED)
			return mr_err(-errno, "mmap %s", l->file), -1;
	}
	if (l->shmem_bytes) {
		fd = mr_shmem_fill(l->shmem_bytes);
		if (fd < 0)
			return mr_err(fd, "shmem"), -1;
		s->shmem = mmap(NULL, l->shmem_bytes, PROT_READ | PROT_WRITE,
				MAP_SHARED, fd, 0);
		half = l->activate ? l->shmem_bytes / 2 : 0;
		for (done = 0; done < half; done += sizeof(chunk))
			if (pread(fd, chunk, sizeof(chunk), done) < 0)
				break;
		close(fd);
		if (s->shmem == MAP_FAILED)
			return mr_err(-errno, "mmap shmem"), -1;
	}
	return 0;
}

int mr_live_hold(void *arg)
{
	const struct mr_live *l = arg;
	int i, n = l->users == MR_USERS_ONE ? 0 : l->nr_users;
	struct live_state *s;
	pthread_t *threads;
	pid_t *pids;
	void *res;
	char *stacks;
	int ret, status;

	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	threads = calloc(n + 1, sizeof(*threads));
	pids = calloc(n + 1, sizeof(*pids));
	if (s == MAP_FAILED || !threads || !pids)
		return 1;
	memset(s, 0, sizeof(*s));
	s->l = l;
	if (live_map(s))
		return 1;
	if (l->users == MR_USERS_VFORK)
		n = 1;
	stacks = n && l->users != MR_USERS_THREADS ?
		 mmap(NULL, (size_t)n * LIVE_STACK, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0) : NULL;
	if (stacks == MAP_FAILED)
		return 1;

	if (l->users == MR_USERS_VFORK) {
		/* returns once the vfork child, which does all, has exited */
		pids[0] = clone(live_vfork_child, stacks + LIVE_STACK,
				CLONE_VM | CLONE_VFORK | SIGCHLD, s);
		if (pids[0] < 0)
			return mr_err(-errno, "vfork"), 1;
		if (waitpid(pids[0], &status, 0) != pids[0])
			return 1;
		return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
	}
	for (i = 0; i < n; i++) {
		if (l->users == MR_USERS_THREADS) {
			ret = -pthread_create(&threads[i], NULL, live_thread, s);
		} else {
			/* a process of its own: no CLONE_THREAD, same mm */
			pids[i] = clone(live_user, stacks + (i + 1) * LIVE_STACK,
					CLONE_VM | SIGCHLD, s);
			ret = pids[i] < 0 ? -errno : 0;
		}
		if (ret) {
			mr_err(ret, "user %d", i);
			__atomic_store_n(&s->stop, 1, __ATOMIC_SEQ_CST);
			return 1;
		}
	}
	ret = live_main(s, n + 1);
	if (l->owner_exits)
		return ret;
	for (i = 0; i < n; i++) {
		if (l->users == MR_USERS_THREADS) {
			pthread_join(threads[i], &res);
			ret |= res != NULL;
		} else if (waitpid(pids[i], &status, 0) != pids[i] ||
			   !WIFEXITED(status) || WEXITSTATUS(status)) {
			ret = 1;
		}
	}
	return ret;
}

int mr_tasks_read(struct mr_tasks *t, const char *cg)
{
	char *buf, *p, *end, path[64], *comm;
	long tid;
	ssize_t n;

	memset(t, 0, sizeof(*t));
	snprintf(t->cg, sizeof(t->cg), "%s", cg);
	n = mr_cg_read(cg, "cgroup.threads", &buf);
	if (n < 0)
		return n;
	for (p = buf; *p && t->nr < MR_TASKS_MAX; p = end) {
		tid = strtol(p, &end, 10);
		if (end == p)
			break;
		t->tid[t->nr] = tid;
		snprintf(path, sizeof(path), "/proc/%ld/comm", tid);
		if (mr_read_file(path, &comm) > 0) {
			comm[strcspn(comm, "\n")] = '\0';
			snprintf(t->comm[t->nr], sizeof(t->comm[0]), "%s", comm);
			free(comm);
		}
		t->nr++;
	}
	free(buf);
	return 0;
}

/* Running, sleeping or stopped: anything but a zombie or gone */
static bool task_alive(pid_t tid)
{
	char path[64], *buf, *p;
	bool alive;

	snprintf(path, sizeof(path), "/proc/%d/stat", tid);
	if (mr_read_file(path, &buf) < 0)
		return false;
	p = strrchr(buf, ')');
	alive = p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
	free(buf);
	return alive;
}

int mr_tasks_alive(const struct mr_tasks *t, bool log)
{
	int i, alive = 0;

	for (i = 0; i < t->nr; i++) {
		if (!task_alive(t->tid[i]))
			continue;
		alive++;
		if (log)
			mr_msg("task %d (%s) left %s and is still alive",
			       t->tid[i], t->comm[i], t->cg);
	}
	return alive;
}

int mr_write_fn(void *arg)
{
	const struct mr_file_job *w = arg;
	int ret;

	ret = mr_file_write(w->file, w->bytes);
	if (ret)
		mr_err(ret, "write %s", w->file);
	return ret ? 1 : 0;
}

int mr_read_fn(void *arg)
{
	const struct mr_file_job *w = arg;
	int ret;

	ret = mr_file_read(w->file);
	if (ret)
		mr_err(ret, "read %s", w->file);
	return ret ? 1 : 0;
}

/* Runs @job of the workloads folder with MR_FILE and MR_FILE_SIZE set. */
static int start_fio(struct mr_child *c, const struct mr_ctx *ctx,
		     const char *job, const char *cg,
			       const char *file, long long bytes)
{
	char path[PATH_MAX], env_file[PATH_MAX + 16], env_size[48];
	char *argv[] = { "fio", "--output-format=terse", path, NULL };
	char *env[] = { env_file, env_size, NULL };
	int ret;

	ret = mr_job(ctx, job, path, sizeof(path));
	if (ret)
		return ret;
	snprintf(env_file, sizeof(env_file), "MR_FILE=%s", file);
	snprintf(env_size, sizeof(env_size), "MR_FILE_SIZE=%lld", bytes);
	return mr_spawn_exec(c, job, cg, argv, env);
}

int mr_start_writer(struct mr_child *c, const struct mr_ctx *ctx,
		    const char *cg, const char *file,
				  long long bytes, const char *job)
{
	/* read by the child after fork(), so a stack copy is fine */
	struct mr_file_job w = { .file = file, .bytes = bytes };

	if (ctx->p.jobs)
		return start_fio(c, ctx, job ? job : "leaf-file-write.fio",
				    cg, file, bytes);
	return mr_spawn_fn(c, "writer", cg, mr_write_fn, &w);
}

int mr_start_reader(struct mr_child *c, const struct mr_ctx *ctx,
		    const char *cg, const char *file,
				  long long bytes, const char *job)
{
	struct mr_file_job w = { .file = file, .bytes = bytes };

	if (ctx->p.jobs)
		return start_fio(c, ctx, job ? job : "file-read.fio", cg,
				    file, bytes);
	return mr_spawn_fn(c, "reader", cg, mr_read_fn, &w);
}

int mr_warm_loaders(const struct mr_ctx *ctx, bool fio, bool stress_ng)
{
	char job[PATH_MAX], file[PATH_MAX];
	char *argv[] = { "stress-ng", "--job", job, "--vm-bytes", "1m",
			 "--timeout", "1s", "--temp-path", (char *)ctx->files,
			 NULL };
	struct mr_child c;
	int ret;

	if (!ctx->p.jobs)
		return 0;
	if (fio && ctx->files[0]) {
		ret = mr_scratch_file(ctx, "warm.dat", 65536, file, sizeof(file));
		if (!ret)
			ret = start_fio(&c, ctx, "leaf-file-write.fio", ctx->ctl,
					file, 65536);
		if (!ret)
			ret = mr_child_wait(&c, MR_LOAD_MS);
		if (ret)
			return ret;
	}
	if (stress_ng && ctx->files[0]) {
		ret = mr_job(ctx, "leaf-anon.job", job, sizeof(job));
		if (!ret)
			ret = mr_spawn_exec(&c, "stress-ng", ctx->ctl, argv, NULL);
		if (!ret)
			ret = mr_child_wait(&c, MR_LOAD_MS);
		if (ret)
			return ret;
	}
	return 0;
}
