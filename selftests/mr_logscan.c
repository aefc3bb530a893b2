// SPDX-License-Identifier: GPL-2.0-only
/*
 * mr_logscan - list kernel badness in a console log, dmesg or kmsg dump
 *
 *	mr_logscan FILE|-
 *
 * Prints one line per incident: "<class>\t<test>\t<line>", where <test> is
 * the test whose "memcg_reparent: start <test>" marker precedes the line
 * (until its "end" marker), or "-".  Lines of one splat (Call Trace, the
 * oops after a BUG, the WARNING after a WARN message...) count once.  An
 * incident of a known issue ($MR_KNOWN_FILE, see mr_known_load()) has the
 * class "known:<id>".
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

int main(int argc, char **argv)
{
	struct mr_splat splat = {};
	char *line = NULL, *test = NULL;
	const char *msg, *id;
	size_t cap = 0;
	ssize_t len;
	enum mr_class c;
	int found = 0;
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
			free(test);
			test = strdup(msg + strlen(START));
			continue;
		}
		if (!strncmp(msg, END, strlen(END))) {
			free(test);
			test = NULL;
			continue;
		}
		c = mr_splat_feed(&splat, line);
		if (c == MR_CLASS_NONE)
			continue;
		id = mr_known_match(line);
		printf("%s%s\t%s\t%s\n", id ? "known:" : "",
		       id ? id : mr_class_name(c), test ? test : "-", line);
		if (!id)
			found++;
	}
	if (ferror(f)) {
		fprintf(stderr, "%s: %s: read error\n", argv[0], argv[1]);
		return 2;
	}
	free(line);
	free(test);
	return found ? 1 : 0;
}
