// SPDX-License-Identifier: GPL-2.0-only
/*
 * dying_task - a memcg that a live task left is freed while the task lives
 *
 *	t
 *	├── keeper	where the task goes, and stays, alive
 *	└── leaf	the task joins it and execs there: its new mm is
 *			created in the leaf (with MGLRU, on the leaf's mm_list,
 *			which holds a reference on the leaf), then it moves
 *
 * A service manager moves a daemon out and removes its cgroup; the daemon
 * runs for weeks.  Whatever of the task the memcg referenced must move with
 * it or be reparented: with MGLRU the mm's place on a memcg's mm_list
 * (lru_gen_migrate_mm() at attach, for the mm's owner).  A task whose mm
 * was created before it joined the leaf (fork from elsewhere) never has the
 * leaf on its mm, hence the exec.
 *
 * Variants (MGLRU on; each SKIPs without CONFIG_LRU_GEN):
 *   exec		exec in the leaf, moved to keeper, leaf removed
 *   exec_twice		moved from the leaf to a second leaf, then to
 *			keeper, both leaves removed
 *
 * Asserted:
 *   dying_memcgs	while the task still lives, t's nr_dying_descendants
 *			returns to its value from before the test within
 *			MR_DYING_MS
 *   task_alive		the task was alive when that was judged (else the
 *			check proved nothing about a live task)
 *
 * A kernel without reparenting (6.1) fails dying_memcgs: the task's new
 * mm faulted its pages in the leaf, and charges do not move with a task.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/wait.h>

#include "mr_test.h"

static const struct mr_needs needs = {
	.root = true,
	.memcg = true,
	.mglru = MR_MGLRU_ON,
};

FIXTURE(dying_task) {
	struct mr_ctx ctx;
};

FIXTURE_VARIANT(dying_task) {
	bool twice;
};

FIXTURE_VARIANT_ADD(dying_task, exec) {
	.twice = false,
};

FIXTURE_VARIANT_ADD(dying_task, exec_twice) {
	.twice = true,
};

FIXTURE_SETUP(dying_task)
{
	struct mr_needs n = needs;

	mr_setup(_metadata, &self->ctx, &n);
}

FIXTURE_TEARDOWN_PARENT(dying_task)
{
	mr_teardown(_metadata, &self->ctx);
}

/* In the child, already in the leaf: a new mm, created there. */
static int exec_fn(void *arg)
{
	(void)arg;
	execlp("sleep", "sleep", "600", (char *)NULL);
	return -errno;
}

/* whether @pid runs @comm (its exec is done) */
static bool runs(pid_t pid, const char *comm)
{
	char path[64], *buf;
	bool same;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	if (mr_read_file(path, &buf) < 0)
		return false;
	buf[strcspn(buf, "\n")] = '\0';
	same = !strcmp(buf, comm);
	free(buf);
	return same;
}

TEST_F_TIMEOUT(dying_task, offline, 60)
{
	struct mr_ctx *ctx = &self->ctx;
	char leaf[PATH_MAX], leaf2[PATH_MAX], keeper[PATH_MAX];
	struct mr_child c;
	long long waited;
	bool alive;

	MR_OK("setup", mr_pathf(leaf, sizeof(leaf), "%s/leaf", ctx->root));
	MR_OK("setup", mr_pathf(leaf2, sizeof(leaf2), "%s/leaf2", ctx->root));
	MR_OK("setup", mr_pathf(keeper, sizeof(keeper), "%s/keeper", ctx->root));
	MR_OK("setup", mr_cg_create(leaf));
	MR_OK("setup", mr_cg_create(keeper));
	MR_OK("load", mr_spawn_fn(&c, "exec", leaf, exec_fn, NULL));
	/* the exec is done when the child's comm is sleep's */
	if (!mr_poll_until(runs(c.pid, "sleep"), MR_LOAD_MS, &waited,
			   "the task to exec in the leaf"))
		MR_BROKEN_FATAL("load", "pid %d did not exec sleep", c.pid);
	if (variant->twice) {
		MR_OK("setup", mr_cg_create(leaf2));
		MR_KERNEL_OK("move", mr_cg_enter(leaf2, c.pid));
		MR_KERNEL_OK("offline", mr_cg_rmdir(leaf, MR_DYING_MS));
		MR_KERNEL_OK("move", mr_cg_enter(keeper, c.pid));
		MR_KERNEL_OK("offline", mr_cg_rmdir(leaf2, MR_DYING_MS));
	} else {
		MR_KERNEL_OK("move", mr_cg_enter(keeper, c.pid));
		MR_KERNEL_OK("offline", mr_cg_rmdir(leaf, MR_DYING_MS));
	}
	mr_offlined(ctx);
	mr_check_dying(_metadata, ctx);
	alive = mr_pid_alive(c.pid);
	if (!alive)
		MR_ASSERTION("task_alive", "pid %d gone before the dying check ended",
			     c.pid);
	kill(c.pid, SIGKILL);
	mr_child_wait(&c, MR_LOAD_MS);
}

TEST_HARNESS_MAIN
