// SPDX-License-Identifier: GPL-2.0-only
/*
 * Pins of removed memcgs (see mr_pin.h): zombies of tasks that exited in
 * them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/wait.h>

#include "mr_load.h"
#include "mr_pin.h"

static struct mr_child pins[MR_PIN_MAX];
static int nr_pins;

/* the pin's task: exits at once, in its memcg */
static int exit_at_once(void *arg __attribute__((unused)))
{
	return 0;
}

int mr_pin(const char *cg)
{
	struct mr_child *c;
	siginfo_t si;
	int ret;

	if (nr_pins >= MR_PIN_MAX)
		return 0;
	c = &pins[nr_pins];
	ret = mr_spawn_fn(c, "pin", cg, exit_at_once, NULL);
	if (ret)
		return ret;
	/*
	 * Wait for the exit but leave the zombie (WNOWAIT): cgroup_exit()
	 * has run by then, so @cg counts no task of it and can be removed.
	 */
	do {
		ret = waitid(P_PID, c->pid, &si, WEXITED | WNOWAIT);
	} while (ret && errno == EINTR);
	if (ret) {
		ret = -errno;
		mr_child_kill(c);
		return ret;
	}
	/* a task that could not join @cg exits with its errno, elsewhere */
	if (si.si_code != CLD_EXITED || si.si_status) {
		mr_child_wait(c, 1000);
		return -EBUSY;
	}
	nr_pins++;
	return 1;
}

int mr_unpin_all(void)
{
	int i, n = nr_pins;

	for (i = 0; i < nr_pins; i++)
		mr_child_wait(&pins[i], 1000);
	nr_pins = 0;
	return n;
}

int mr_pins(void)
{
	return nr_pins;
}
