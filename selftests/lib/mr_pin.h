/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Pins: a removed memcg kept listed, not freed, after its rmdir, so that
 * what lru_gen still counts in it after the offline's reparenting can be
 * read, whenever the check comes.  Without a pin a memcg whose offline left
 * a stale count can be freed (and vanish from lru_gen) before the check
 * reads it, and the check passes on a kernel with the bug.
 *
 * A pin is the zombie of a task that exited in the memcg: an exited task no
 * longer populates its cgroup (the rmdir succeeds, the offline and its
 * reparenting run as always), but its css_set, and with it the memcg's
 * css, stays referenced until the zombie is reaped.  The pins of a test are
 * reaped by mr_unpin_all() before its dying check.
 */
#ifndef MR_PIN_H
#define MR_PIN_H

/* at most this many pins at once: a sample of a large tree is enough */
#define MR_PIN_MAX	32

/**
 * mr_pin() - pin the memcg of @cg past its coming rmdir
 * @cg: absolute cgroup directory, not yet removed, without children (no
 *	task can join an inner node of cgroup v2 that enables controllers)
 *
 * Returns once the pin's task has exited in @cg (it is no longer counted
 * as a task of @cg).
 *
 * Return: 1 pinned, 0 not (MR_PIN_MAX pins are held), or a negative errno
 * (-EBUSY: the task could not join @cg).
 */
int mr_pin(const char *cg);

/**
 * mr_unpin_all() - reap every pin; their memcgs can be freed from now on
 *
 * Return: how many pins were reaped.
 */
int mr_unpin_all(void);

/**
 * mr_pins() - how many pins are held
 */
int mr_pins(void);

#endif /* MR_PIN_H */
