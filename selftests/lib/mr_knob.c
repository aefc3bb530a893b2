// SPDX-License-Identifier: GPL-2.0-only
/*
 * Integer knobs read from the environment, checked against the one knob
 * table (configs/knobs.tsv, generated into mr_knob_table.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mr_knob.h"
#include "mr_util.h"

struct mr_knob_def {
	const char *name;
	long def;
	long min;
	long max;
	long per_cpu;		/* default: per_cpu x CPUs */
	bool has_default;
};

static const struct mr_knob_def mr_knob_defs[] = {
#define MR_KNOB(n, d, lo, hi, per, has) { n, d, lo, hi, per, has },
#include "mr_knob_table.h"
#undef MR_KNOB
};

bool mr_knob(const char *name, long *val)
{
	const struct mr_knob_def *k = NULL;
	const char *s = getenv(name);
	char *end;
	size_t i;
	long v;

	for (i = 0; i < ARRAY_SIZE(mr_knob_defs); i++)
		if (!strcmp(mr_knob_defs[i].name, name))
			k = &mr_knob_defs[i];
	if (!k) {
		mr_msg("%s: no integer knob of configs/knobs.tsv", name);
		return false;
	}
	if (k->per_cpu)
		*val = k->per_cpu * mr_nr_cpus();
	else if (k->has_default)
		*val = k->def;
	if (!s || !*s)
		return true;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < k->min || v > k->max) {
		mr_msg("%s=%s: expected an integer in [%ld, %ld]", name, s,
		       k->min, k->max);
		return false;
	}
	*val = v;
	return true;
}
