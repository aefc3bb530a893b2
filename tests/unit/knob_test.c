// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of mr_knob() (selftests/lib/mr_knob.c): the defaults and
 * ranges come from configs/knobs.tsv (MR_DEPTH: 2, 1..16; MR_CHURNERS:
 * 2*cpus, 1..256; MR_SEED: drawn), not from the caller; a value out of
 * range or no integer is refused, and the caller gets the default.
 */
#include <stdlib.h>

#include "mr_knob.h"
#include "mr_util.h"
#include "tap.h"

/* the value mr_knob() gives for @name set to @env (NULL: unset) */
static bool knob(const char *name, const char *env, long *val)
{
	if (env)
		setenv(name, env, 1);
	else
		unsetenv(name);
	return mr_knob(name, val);
}

int main(void)
{
	long v = -1;
	bool ok;

	ok = knob("MR_DEPTH", NULL, &v);
	tap_ok(ok && v == 2, "MR_DEPTH unset: the table's default 2 (got %ld)", v);
	ok = knob("MR_DEPTH", "", &v);
	tap_ok(ok && v == 2, "MR_DEPTH empty: the default (got %ld)", v);
	ok = knob("MR_DEPTH", "16", &v);
	tap_ok(ok && v == 16, "MR_DEPTH=16, the table's maximum, taken (got %ld)", v);
	ok = knob("MR_DEPTH", "1", &v);
	tap_ok(ok && v == 1, "MR_DEPTH=1, the table's minimum, taken (got %ld)", v);
	ok = knob("MR_DEPTH", "17", &v);
	tap_ok(!ok && v == 2, "MR_DEPTH=17 refused, default given (got %ld)", v);
	ok = knob("MR_DEPTH", "0", &v);
	tap_ok(!ok, "MR_DEPTH=0 refused");
	ok = knob("MR_DEPTH", "3x", &v);
	tap_ok(!ok, "MR_DEPTH=3x refused");
	ok = knob("MR_WIDE", "0", &v);
	tap_ok(ok && v == 0, "MR_WIDE=0 (its minimum) taken");
	ok = knob("MR_CHURNERS", NULL, &v);
	tap_ok(ok && v == 2 * mr_nr_cpus(), "MR_CHURNERS unset: 2 x %ld CPUs (got %ld)",
	       mr_nr_cpus(), v);
	v = 12345;
	ok = knob("MR_SEED", NULL, &v);
	tap_ok(ok && v == 12345, "MR_SEED unset (drawn): the caller's value kept (got %ld)", v);
	ok = knob("MR_SEED", "9223372036854775807", &v);
	tap_ok(ok && v == 9223372036854775807L, "MR_SEED at LONG_MAX taken");
	ok = knob("MR_NO_SUCH_KNOB", "1", &v);
	tap_ok(!ok, "a name that is no knob of the table is refused");
	unsetenv("MR_NO_SUCH_KNOB");
	return tap_done();
}
