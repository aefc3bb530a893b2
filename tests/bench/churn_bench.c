// SPDX-License-Identifier: GPL-2.0-only
/*
 * churn_bench - create -> charge -> offline cycles per second.
 *
 *	churn_bench bare|driver PARENT SCRATCH SECONDS
 *
 * One cycle: create PARENT/cN, start a task in it that writes 256 KiB to a
 * file on SCRATCH (page cache charged to cN), writes it back and exits,
 * remove cN (its pages are reparented to PARENT), delete the file.  "bare"
 * does it with raw syscalls; "driver" with the suite's own helpers
 * (selftests/lib), as the stress tests do.  The ratio driver/bare is the overhead the suite
 * adds on top of the kernel work it wants to exercise.
 *
 * Prints "mode=... cycles=N seconds=S rate=R create_ms=... charge_ms=...
 * rmdir_ms=... unlink_ms=..." on stdout: the rate, then the mean time of
 * each step of a cycle, so that an overhead can be traced to its step.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mr_cgroup.h"
#include "mr_load.h"

#define CHARGE_BYTES	(256 << 10)

enum { CREATE, CHARGE, RMDIR, UNLINK, NR_STEPS };
static const char * const step_names[NR_STEPS] = {
	"create", "charge", "rmdir", "unlink"
};
static double step_secs[NR_STEPS];
static double step_start;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Ends the running step (if any) and starts @next (NR_STEPS: none) */
static void step(int prev, int next)
{
	double t = now();

	if (prev < NR_STEPS)
		step_secs[prev] += t - step_start;
	step_start = next < NR_STEPS ? t : 0;
}

static int write_file(const char *path)
{
	static char buf[CHARGE_BYTES];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0)
		return -1;
	memset(buf, 0x5a, sizeof(buf));
	/*
	 * Written back before the cgroup goes, as mr_file_write() and every
	 * test do: a dirty inode keeps its writer's memcg alive through
	 * cgroup writeback.  Same kernel work in both modes.
	 */
	if (write(fd, buf, sizeof(buf)) != sizeof(buf) || fsync(fd)) {
		close(fd);
		return -1;
	}
	return close(fd);
}

static int bare_cycle(const char *cg, const char *file)
{
	char procs[4096];
	int status, fd;
	pid_t pid;

	step(NR_STEPS, CREATE);
	if (mkdir(cg, 0755))
		return -1;
	step(CREATE, CHARGE);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
		fd = open(procs, O_WRONLY);
		if (fd < 0 || write(fd, "0", 1) != 1)
			_exit(1);
		close(fd);
		_exit(write_file(file) ? 1 : 0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -1;
	step(CHARGE, RMDIR);
	if (rmdir(cg))
		return -1;
	step(RMDIR, UNLINK);
	status = unlink(file);
	step(UNLINK, NR_STEPS);
	return status;
}

static int charge(void *arg)
{
	return mr_file_write(arg, CHARGE_BYTES) ? 1 : 0;
}

static int driver_cycle(const char *cg, const char *file)
{
	struct mr_child c;
	int ret;

	step(NR_STEPS, CREATE);
	if (mr_cg_create(cg))
		return -1;
	step(CREATE, CHARGE);
	if (mr_spawn_fn(&c, "charge", cg, charge, (void *)file))
		return -1;
	if (mr_child_wait(&c, 10000))
		return -1;
	step(CHARGE, RMDIR);
	if (mr_cg_rmdir(cg, 10000))
		return -1;
	step(RMDIR, UNLINK);
	ret = unlink(file);
	step(UNLINK, NR_STEPS);
	return ret;
}

int main(int argc, char **argv)
{
	char cg[4096], file[4096];
	double start, seconds;
	long n = 0;
	int i, (*cycle)(const char *cg, const char *file);

	if (argc != 5) {
		fprintf(stderr, "usage: %s bare|driver PARENT SCRATCH SECONDS\n", argv[0]);
		return 2;
	}
	if (!strcmp(argv[1], "bare"))
		cycle = bare_cycle;
	else if (!strcmp(argv[1], "driver"))
		cycle = driver_cycle;
	else
		return 2;
	seconds = atof(argv[4]);

	start = now();
	while (now() - start < seconds) {
		snprintf(cg, sizeof(cg), "%s/c%ld", argv[2], n);
		snprintf(file, sizeof(file), "%s/churn.%ld", argv[3], n);
		if (cycle(cg, file)) {
			fprintf(stderr, "%s: cycle %ld failed: %s\n", argv[1], n,
				strerror(errno));
			return 1;
		}
		n++;
	}
	seconds = now() - start;
	printf("mode=%s cycles=%ld seconds=%.2f rate=%.1f", argv[1], n, seconds,
	       n / seconds);
	for (i = 0; i < NR_STEPS; i++)
		printf(" %s_ms=%.2f", step_names[i],
		       n ? step_secs[i] * 1000 / n : 0);
	printf("\n");
	return 0;
}
