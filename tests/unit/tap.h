/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tiny TAP-ish output for the unit tests of the suite's parsers: one
 * "ok N desc" / "not ok N desc" per check and a closing "N passed, M failed"
 * line (", K skipped" when fixtures are missing).
 */
#ifndef TAP_H
#define TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static int tap_n, tap_failed, tap_skipped;

static inline __attribute__((format(printf, 2, 3)))
bool tap_ok(bool pass, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d ", pass ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	tap_failed += !pass;
	return pass;
}

static inline __attribute__((format(printf, 1, 2)))
void tap_skip(const char *fmt, ...)
{
	va_list ap;

	printf("ok %d # SKIP ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	tap_skipped++;
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	printf("%d passed, %d failed", tap_n - tap_failed - tap_skipped,
	       tap_failed);
	if (tap_skipped)
		printf(", %d skipped", tap_skipped);
	putchar('\n');
	return tap_failed ? 1 : 0;
}

#endif /* TAP_H */
