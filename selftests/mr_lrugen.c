// SPDX-License-Identifier: GPL-2.0-only
/*
 * mr_lrugen - parse a dump of debugfs lru_gen or lru_gen_full
 *
 *	mr_lrugen [--json] FILE|-
 *
 * Prints one line per memcg, node and generation:
 *	PATH NODE SEQ ANON FILE MARKED
 * separated by tabs, MARKED being "-", "anon", "file" or "anon,file" (the
 * sizes printed with an 'x' in lru_gen_full), or with --json an array of
 * objects with the memcg id and the generation's age too.
 *
 * Exit status: 0 parsed, 1 the dump does not parse, 2 usage or read error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mr_lrugen.h"
#include "mr_util.h"

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static const char *marks(const struct mr_lrugen_gen *g)
{
	if (g->old[0] && g->old[1])
		return "anon,file";
	if (g->old[0])
		return "anon";
	return g->old[1] ? "file" : "-";
}

static void print(const struct mr_lrugen *lg, bool json)
{
	const struct mr_lrugen_memcg *m;
	const struct mr_lrugen_node *n;
	const struct mr_lrugen_gen *g;
	bool first = true;
	int i, j, k;

	if (json)
		putchar('[');
	for (i = 0; i < lg->nr_memcgs; i++) {
		m = &lg->memcgs[i];
		for (j = 0; j < m->nr_nodes; j++) {
			n = &m->nodes[j];
			for (k = 0; k < n->nr_gens; k++) {
				g = &n->gens[k];
				if (!json) {
					printf("%s\t%d\t%llu\t%llu\t%llu\t%s\n",
					       m->path, n->nid, g->seq,
					       g->pages[0], g->pages[1],
					       marks(g));
					continue;
				}
				printf("%s\n  {\"id\": %llu, \"path\": ",
				       first ? "" : ",", m->id);
				json_string(m->path);
				printf(", \"node\": %d, \"seq\": %llu, \"age_ms\": %llu",
				       n->nid, g->seq, g->age_ms);
				printf(", \"anon\": %llu, \"file\": %llu",
				       g->pages[0], g->pages[1]);
				printf(", \"anon_old\": %s, \"file_old\": %s}",
				       g->old[0] ? "true" : "false",
				       g->old[1] ? "true" : "false");
				first = false;
			}
		}
	}
	if (json)
		printf("\n]\n");
}

int main(int argc, char **argv)
{
	const char *path = argv[argc - 1];
	bool json = argc == 3 && !strcmp(argv[1], "--json");
	struct mr_lrugen lg;
	char *text = NULL;
	size_t cap = 0;
	int ret, bad = 0;
	ssize_t n;

	if ((argc != 2 && !json) || path[0] == '\0' ||
	    (argc == 2 && path[0] == '-' && path[1])) {
		fprintf(stderr, "usage: %s [--json] FILE|-\n", argv[0]);
		return 2;
	}
	if (strcmp(path, "-")) {
		n = mr_read_file(path, &text);
		if (n < 0) {
			fprintf(stderr, "%s: %s: %s\n", argv[0], path,
				strerror(-n));
			return 2;
		}
	} else {
		/* getdelim() with NUL reads the whole of stdin */
		n = getdelim(&text, &cap, '\0', stdin);
		if (n < 0 && ferror(stdin)) {
			fprintf(stderr, "%s: stdin: read error\n", argv[0]);
			return 2;
		}
		if (n < 0) {
			free(text);
			text = strdup("");
		}
	}
	ret = mr_lrugen_parse(text, &lg, &bad);
	free(text);
	if (ret) {
		fprintf(stderr, "%s: %s: line %d: %s\n", argv[0], path, bad,
			ret == -EINVAL ? "unexpected format" : strerror(-ret));
		mr_lrugen_free(&lg);
		return 1;
	}
	print(&lg, json);
	mr_lrugen_free(&lg);
	return 0;
}
