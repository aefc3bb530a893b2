// SPDX-License-Identifier: GPL-2.0-only
/*
 * mr_logscan - list kernel badness in a console log, dmesg or kmsg dump
 *
 *	mr_logscan FILE|-
 *
 * Prints one line per incident: "<class>\t<test>\t<line>".  <test> is the
 * innermost window open at the line: "memcg_reparent: start <test>" opens
 * one, "end <test>" closes it (a program's window holds its cases' ones).
 * Outside every window the line belongs to the window closed last, as
 * "after <test>": the work a test's rmdir triggers (offline, css_free,
 * lru_gen_exit_memcg()) runs from workqueues, often after its end marker,
 * and a splat after the last test is still the run's.  Only lines before
 * the first start marker (the boot) get "-".  Lines of one splat (Call
 * Trace, the oops after a BUG, the WARNING after a WARN message...) count
 * once.  An incident of a known issue ($MR_KNOWN_FILE, see mr_known_load())
 * has the class "known:<id>".
 *
 * Exit status: 0 no badness (or only known issues), 1 badness found, 2 usage
 * or read error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mr_kmsg.h"
#include "mr_util.h"

#define START	MR_NAME ": start "
#define END	MR_NAME ": end "

/* Nesting deeper than this is no marker protocol of ours: kept flat. */
#define MAX_WINDOWS	8

struct windows {
	char *open[MAX_WINDOWS];
	int depth;
	char *last;	/* the window closed last, NULL before any */
};

static void window_start(struct windows *w, const char *name)
{
	if (w->depth == MAX_WINDOWS) {
		free(w->open[--w->depth]);
		w->open[w->depth] = NULL;
	}
	w->open[w->depth++] = strdup(name);
}

/* close @name and every window opened inside it that was left open */
static void window_end(struct windows *w, const char *name)
{
	int i;

	for (i = w->depth - 1; i >= 0; i--)
		if (w->open[i] && !strcmp(w->open[i], name))
			break;
	if (i < 0)
		return;
	free(w->last);
	w->last = strdup(name);
	while (w->depth > i) {
		free(w->open[--w->depth]);
		w->open[w->depth] = NULL;
	}
}

/* "test", "after test" or "-" into @buf */
static const char *window_of(const struct windows *w, char *buf, size_t len)
{
	const char *top = w->depth ? w->open[w->depth - 1] : NULL;

	if (top)
		return top;
	if (w->last) {
		snprintf(buf, len, "after %s", w->last);
		return buf;
	}
	return "-";
}

int main(int argc, char **argv)
{
	struct mr_splat splat = {};
	struct windows w = {};
	char *line = NULL, where[512];
	const char *msg, *id;
	size_t cap = 0;
	ssize_t len;
	enum mr_class c;
	int found = 0, i;
	FILE *f;

	if (argc != 2 || argv[1][0] == '\0' || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "--help")) {
		fprintf(stderr, "usage: %s FILE|-\n", argv[0]);
		return 2;
	}
	if (mr_known_load(getenv("MR_KNOWN_FILE")) < 0)
		return 2;
	f = strcmp(argv[1], "-") ? fopen(argv[1], "re") : stdin;
	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", argv[0], argv[1],
			strerror(errno));
		return 2;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		msg = mr_strip_prefix(line);
		if (!strncmp(msg, START, strlen(START))) {
			window_start(&w, msg + strlen(START));
			continue;
		}
		if (!strncmp(msg, END, strlen(END))) {
			window_end(&w, msg + strlen(END));
			continue;
		}
		c = mr_splat_feed(&splat, line);
		if (c == MR_CLASS_NONE)
			continue;
		id = mr_known_match(line);
		printf("%s%s\t%s\t%s\n", id ? "known:" : "",
		       id ? id : mr_class_name(c),
		       window_of(&w, where, sizeof(where)), line);
		if (!id)
			found++;
	}
	if (ferror(f)) {
		fprintf(stderr, "%s: %s: read error\n", argv[0], argv[1]);
		return 2;
	}
	free(line);
	for (i = 0; i < w.depth; i++)
		free(w.open[i]);
	free(w.last);
	return found ? 1 : 0;
}
