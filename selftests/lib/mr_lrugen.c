// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reader and writer of the MGLRU debugfs files lru_gen and lru_gen_full.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mr_lrugen.h"
#include "mr_util.h"

/* Generation lines start with " %10lu": at most 10 blanks before the seq. */
#define GEN_MAX_INDENT	11

void mr_lrugen_free(struct mr_lrugen *lg)
{
	int i, j;

	for (i = 0; i < lg->nr_memcgs; i++) {
		for (j = 0; j < lg->memcgs[i].nr_nodes; j++)
			free(lg->memcgs[i].nodes[j].gens);
		free(lg->memcgs[i].nodes);
		free(lg->memcgs[i].path);
	}
	free(lg->memcgs);
	lg->memcgs = NULL;
	lg->nr_memcgs = 0;
}

/* Grows an array by one zeroed element; returns it or NULL. */
static void *grow(void **array, int *nr, size_t size)
{
	char *p = realloc(*array, (*nr + 1) * size);

	if (!p)
		return NULL;
	*array = p;
	memset(p + *nr * size, 0, size);
	return p + (*nr)++ * size;
}

/* Parses an unsigned decimal at *@s, advancing it. */
static int parse_ull(const char **s, unsigned long long *val)
{
	char *end;

	if (!isdigit((unsigned char)**s))
		return -EINVAL;
	errno = 0;
	*val = strtoull(*s, &end, 10);
	if (errno)
		return -EINVAL;
	*s = end;
	return 0;
}

static const char *skip_blanks(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static int parse_memcg(const char *s, struct mr_lrugen *lg)
{
	struct mr_lrugen_memcg *m;
	unsigned long long id;

	s = skip_blanks(s + strlen("memcg"));
	if (parse_ull(&s, &id) || *s != ' ')
		return -EINVAL;
	m = grow((void **)&lg->memcgs, &lg->nr_memcgs, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->id = id;
	/* the path is the rest of the line: cgroup names may hold blanks */
	m->path = strdup(s + 1);
	return m->path ? 0 : -ENOMEM;
}

static int parse_node(const char *s, struct mr_lrugen *lg)
{
	struct mr_lrugen_memcg *m;
	struct mr_lrugen_node *n;
	unsigned long long nid;

	if (!lg->nr_memcgs)
		return -EINVAL;
	m = &lg->memcgs[lg->nr_memcgs - 1];
	s = skip_blanks(s + strlen("node"));
	if (parse_ull(&s, &nid) || nid > INT_MAX || (*s && *s != ' '))
		return -EINVAL;
	n = grow((void **)&m->nodes, &m->nr_nodes, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->nid = nid;
	return 0;
}

static struct mr_lrugen_node *last_node(struct mr_lrugen *lg)
{
	struct mr_lrugen_memcg *m;

	if (!lg->nr_memcgs)
		return NULL;
	m = &lg->memcgs[lg->nr_memcgs - 1];
	return m->nr_nodes ? &m->nodes[m->nr_nodes - 1] : NULL;
}

/* " SEQ AGE ANON[x] FILE[x]": extra trailing columns are ignored. */
static int parse_gen(const char *s, struct mr_lrugen *lg)
{
	struct mr_lrugen_node *n = last_node(lg);
	struct mr_lrugen_gen g = {}, *gp;
	int type;

	if (!n)
		return -EINVAL;
	s = skip_blanks(s);
	if (parse_ull(&s, &g.seq) || *s != ' ')
		return -EINVAL;
	s = skip_blanks(s);
	if (parse_ull(&s, &g.age_ms) || *s != ' ')
		return -EINVAL;
	for (type = 0; type < 2; type++) {
		s = skip_blanks(s);
		if (parse_ull(&s, &g.pages[type]))
			return -EINVAL;
		if (*s == 'x') {
			g.old[type] = true;
			s++;
		}
		if (*s && *s != ' ')
			return -EINVAL;
	}
	if (n->nr_gens && g.seq <= n->gens[n->nr_gens - 1].seq)
		return -EINVAL;
	gp = grow((void **)&n->gens, &n->nr_gens, sizeof(*gp));
	if (!gp)
		return -ENOMEM;
	*gp = g;
	return 0;
}

static void finish_nodes(struct mr_lrugen *lg)
{
	struct mr_lrugen_node *n;
	int i, j, k, type;

	for (i = 0; i < lg->nr_memcgs; i++) {
		for (j = 0; j < lg->memcgs[i].nr_nodes; j++) {
			n = &lg->memcgs[i].nodes[j];
			if (!n->nr_gens)
				continue;
			n->max_seq = n->gens[n->nr_gens - 1].seq;
			for (type = 0; type < 2; type++) {
				for (k = 0; k < n->nr_gens - 1; k++)
					if (!n->gens[k].old[type])
						break;
				n->min_seq[type] = n->gens[k].seq;
			}
		}
	}
}

int mr_lrugen_parse(const char *text, struct mr_lrugen *lg, int *bad_line)
{
	const char *line = text, *next, *s;
	bool after_gen = false;
	char *copy;
	int nr = 0, ret = 0;
	size_t len;

	memset(lg, 0, sizeof(*lg));
	for (; *line; line = next) {
		next = strchr(line, '\n');
		len = next ? (size_t)(next - line) : strlen(line);
		next = next ? next + 1 : line + len;
		nr++;
		copy = strndup(line, len);
		if (!copy) {
			ret = -ENOMEM;
			break;
		}
		s = skip_blanks(copy);
		if (!*s) {
			ret = 0;
		} else if (!strncmp(copy, "memcg ", 6)) {
			ret = parse_memcg(copy, lg);
			after_gen = false;
		} else if (!strncmp(s, "node ", 5)) {
			ret = parse_node(s, lg);
			after_gen = false;
		} else if (s - copy >= GEN_MAX_INDENT + 1 &&
			   isdigit((unsigned char)*s)) {
			/* lru_gen_full detail line of the generation above */
			ret = after_gen ? 0 : -EINVAL;
		} else if (s != copy && isdigit((unsigned char)*s)) {
			ret = parse_gen(copy, lg);
			after_gen = !ret;
		} else {
			ret = -EINVAL;
		}
		free(copy);
		if (ret)
			break;
	}
	if (ret) {
		if (bad_line)
			*bad_line = nr;
		return ret;
	}
	finish_nodes(lg);
	return 0;
}

static int find_debugfs(char *buf, size_t len)
{
	char *text, *line, *next, *sep, *f[5], *save;
	int i, ret = -ENOENT;

	if (mr_read_file("/proc/self/mountinfo", &text) < 0)
		return -ENOENT;
	for (line = text; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		sep = strstr(line, " - ");
		if (!sep || strncmp(sep + 3, "debugfs ", 8))
			continue;
		*sep = '\0';
		for (i = 0, save = NULL; i < 5; i++) {
			f[i] = strtok_r(i ? NULL : line, " ", &save);
			if (!f[i])
				break;
		}
		if (i == 5 && !mr_pathf(buf, len, "%s", f[4])) {
			ret = 0;
			break;
		}
	}
	free(text);
	return ret;
}

int mr_lrugen_file(bool full, char *buf, size_t len)
{
	char dir[PATH_MAX];

	if (find_debugfs(dir, sizeof(dir)))
		return -ENOENT;
	if (mr_pathf(buf, len, "%s/%s", dir, full ? "lru_gen_full" : "lru_gen"))
		return -ENAMETOOLONG;
	return access(buf, R_OK) ? -ENOENT : 0;
}

int mr_lrugen_read(bool full, struct mr_lrugen *lg)
{
	char path[PATH_MAX], *text;
	int ret, bad = 0;
	ssize_t len;

	memset(lg, 0, sizeof(*lg));
	ret = mr_lrugen_file(full, path, sizeof(path));
	if (ret)
		return ret;
	len = mr_read_file(path, &text);
	if (len < 0) {
		mr_err(len, "read %s", path);
		return len;
	}
	ret = mr_lrugen_parse(text, lg, &bad);
	if (ret)
		mr_err(ret, "%s: line %d does not parse", path, bad);
	free(text);
	return ret;
}

const struct mr_lrugen_memcg *mr_lrugen_find(const struct mr_lrugen *lg,
					     const char *path)
{
	const struct mr_lrugen_memcg *found = NULL;
	int i;

	for (i = 0; i < lg->nr_memcgs; i++) {
		if (strcmp(lg->memcgs[i].path, path))
			continue;
		if (lg->memcgs[i].id)
			return &lg->memcgs[i];
		if (!found)
			found = &lg->memcgs[i];
	}
	return found;
}

void mr_lrugen_totals(const struct mr_lrugen_memcg *m,
		      unsigned long long *anon, unsigned long long *file)
{
	int i, j;

	*anon = 0;
	*file = 0;
	for (i = 0; i < m->nr_nodes; i++) {
		for (j = 0; j < m->nodes[i].nr_gens; j++) {
			*anon += m->nodes[i].gens[j].pages[0];
			*file += m->nodes[i].gens[j].pages[1];
		}
	}
}

unsigned long long mr_lrugen_old_pages(const struct mr_lrugen_memcg *m)
{
	const struct mr_lrugen_gen *g;
	unsigned long long sum = 0;
	int i, j, type;

	for (i = 0; i < m->nr_nodes; i++) {
		for (j = 0; j < m->nodes[i].nr_gens; j++) {
			g = &m->nodes[i].gens[j];
			for (type = 0; type < 2; type++)
				if (g->old[type])
					sum += g->pages[type];
		}
	}
	return sum;
}

int mr_lrugen_enabled(void)
{
	char *buf, *end;
	unsigned long val;
	ssize_t len;

	len = mr_read_file(MR_LRU_GEN_ENABLED, &buf);
	if (len < 0)
		return len;
	val = strtoul(buf, &end, 16);
	if (end == buf) {
		free(buf);
		return -EINVAL;
	}
	free(buf);
	return val != 0;
}

bool mr_lrugen_readable(void)
{
	char path[PATH_MAX];

	return !mr_lrugen_file(true, path, sizeof(path)) &&
	       !mr_lrugen_file(false, path, sizeof(path));
}

int mr_lrugen_switch(bool on, char *saved, size_t len)
{
	ssize_t n;
	char *old;

	if (saved && !saved[0]) {
		n = mr_read_file(MR_LRU_GEN_ENABLED, &old);
		if (n < 0)
			return n;
		/* "0x0007\n": the kernel takes the caps mask back as is */
		snprintf(saved, len, "%.*s", (int)strcspn(old, "\n"), old);
		free(old);
	}
	return mr_write_file(MR_LRU_GEN_ENABLED, on ? "y" : "n");
}

/*
 * "OP ID NID SEQ [A [B]]": A and what follows left out when A < 0, B when
 * B < 0
 */
static int lrugen_cmd(char op, unsigned long long id, int nid,
		      unsigned long long seq, int a, long b)
{
	char path[PATH_MAX], cmd[128];
	int ret;

	if (a < 0)
		snprintf(cmd, sizeof(cmd), "%c %llu %d %llu", op, id, nid, seq);
	else if (b < 0)
		snprintf(cmd, sizeof(cmd), "%c %llu %d %llu %d", op, id, nid,
			 seq, a);
	else
		snprintf(cmd, sizeof(cmd), "%c %llu %d %llu %d %ld", op, id,
			 nid, seq, a, b);
	ret = mr_lrugen_file(false, path, sizeof(path));
	if (ret)
		return ret;
	return mr_write_file(path, cmd);
}

int mr_lrugen_age(unsigned long long id, int nid, unsigned long long max_seq,
		  int swappiness, int force_scan)
{
	return lrugen_cmd('+', id, nid, max_seq, swappiness, force_scan);
}

int mr_lrugen_evict(unsigned long long id, int nid, unsigned long long min_seq,
		    int swappiness, long nr_to_reclaim)
{
	return lrugen_cmd('-', id, nid, min_seq, swappiness, nr_to_reclaim);
}

int mr_lrugen_nr_gens(const struct mr_lrugen_node *n, int type)
{
	return (int)(n->max_seq - n->min_seq[type]) + 1;
}

int mr_lrugen_shrink(const char *kpath)
{
	const struct mr_lrugen_memcg *m;
	struct mr_lrugen lg;
	int i, ret;

	ret = mr_lrugen_read(true, &lg);
	if (ret)
		return ret;
	m = mr_lrugen_find(&lg, kpath);
	ret = m ? 0 : -ENOENT;
	for (i = 0; m && i < m->nr_nodes && !ret; i++) {
		ret = mr_lrugen_evict(m->id, m->nodes[i].nid,
				      m->nodes[i].max_seq - MR_MIN_NR_GENS, -1, -1);
		if (ret == -EEXIST || ret == -EINVAL)
			ret = 0;	/* nothing to evict: checked by the caller */
	}
	mr_lrugen_free(&lg);
	return ret;
}

int mr_lrugen_min_gens(const char *kpath)
{
	const struct mr_lrugen_memcg *m;
	struct mr_lrugen lg;
	int i, type, n, fewest = MR_MAX_NR_GENS + 1;

	n = mr_lrugen_read(true, &lg);
	if (n)
		return n;
	m = mr_lrugen_find(&lg, kpath);
	for (i = 0; m && i < m->nr_nodes; i++)
		for (type = 0; type < 2; type++) {
			n = mr_lrugen_nr_gens(&m->nodes[i], type);
			if (n < fewest)
				fewest = n;
		}
	mr_lrugen_free(&lg);
	return m ? fewest : -ENOENT;
}
