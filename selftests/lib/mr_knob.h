/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The integer knobs (MR_* environment variables) as configs/knobs.tsv
 * defines them: default and range come from that one table (copied into
 * mr_knob_table.h by scripts/knobs.sh), never from the caller.
 */
#ifndef MR_KNOB_H
#define MR_KNOB_H

#include <stdbool.h>

/**
 * mr_knob() - the value of an integer knob
 * @name: "MR_..." as named in configs/knobs.tsv
 * @val: receives the environment's value, else the table's default; a knob
 *	 without a default (drawn: MR_SEED) keeps the caller's value when unset
 *
 * Return: false, with a "# NAME=VALUE: expected an integer in [MIN, MAX]"
 * line, when the environment's value is no integer in the knob's range, or
 * when @name is no integer knob of the table (*@val is then the default).
 */
bool mr_knob(const char *name, long *val);

#endif
