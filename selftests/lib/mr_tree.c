// SPDX-License-Identifier: GPL-2.0-only
/*
 * Trees of cgroups below the test root.  See mr_tree.h.
 */
#include <errno.h>
#include <stdlib.h>

#include "mr_ctx.h"
#include "mr_pin.h"
#include "mr_tree.h"

static int tree_add(struct mr_tree *t, int up, const char *parent,
		    int idx, int depth, int fanout,
			      mr_tree_load_fn load, void *arg)
{
	int me = t->nr++, i, ret;

	ret = mr_pathf(t->paths[me], PATH_MAX, "%s/n%d", parent, idx);
	if (!ret)
		ret = mr_cg_create(t->paths[me]);
	if (!ret && load)
		ret = load(t->paths[me], arg);
	if (ret)
		return ret;
	t->leaf[me] = depth == 1;
	t->parent[me] = up;
	for (i = 0; depth > 1 && i < fanout; i++) {
		ret = tree_add(t, me, t->paths[me], i, depth - 1, fanout,
			       load, arg);
		if (ret)
			return ret;
	}
	return 0;
}

int mr_tree_build_load(struct mr_tree *t, const char *parent,
		       int depth, int fanout,
				     mr_tree_load_fn load, void *arg)
{
	long nr = 0, level = 1;
	int i, ret;

	for (i = 0; i < depth; i++) {
		level *= fanout;
		nr += level;
	}
	t->nr = 0;
	t->paths = calloc(nr, PATH_MAX);
	t->leaf = calloc(nr, sizeof(*t->leaf));
	t->parent = calloc(nr, sizeof(*t->parent));
	if (!t->paths || !t->leaf || !t->parent)
		return -ENOMEM;
	for (i = 0; i < fanout; i++) {
		ret = tree_add(t, -1, parent, i, depth, fanout, load, arg);
		if (ret)
			return ret;
	}
	return 0;
}

int mr_tree_build(struct mr_tree *t, const char *parent, int depth,
		  int fanout)
{
	return mr_tree_build_load(t, parent, depth, fanout, NULL, NULL);
}

int mr_tree_leaves(const struct mr_tree *t)
{
	int i, n = 0;

	for (i = 0; i < t->nr; i++)
		n += t->leaf[i];
	return n;
}

int mr_tree_pin(const struct mr_tree *t)
{
	int leaves = mr_tree_leaves(t), i, k, ret, n = 0;
	int stride = (leaves + MR_PIN_MAX - 1) / MR_PIN_MAX;

	for (i = 0, k = 0; i < t->nr; i++) {
		if (!t->leaf[i] || k++ % (stride ? stride : 1))
			continue;
		ret = mr_pin(t->paths[i]);
		if (ret < 0)
			return ret;
		n += ret;
	}
	return n;
}

int mr_tree_offline(const struct mr_tree *t)
{
	int i, ret;

	for (i = t->nr - 1; i >= 0; i--) {
		if (!t->leaf[i])
			continue;
		ret = mr_cg_rmdir(t->paths[i], MR_DYING_MS);
		if (ret)
			return ret;
	}
	/* reverse pre-order visits every subtree before its root */
	for (i = t->nr - 1; i >= 0; i--) {
		if (t->leaf[i])
			continue;
		ret = mr_cg_rmdir(t->paths[i], MR_DYING_MS);
		if (ret)
			return ret;
	}
	return 0;
}

int mr_tree_offline_cascade(const struct mr_tree *t)
{
	int *left, i, up, ret = 0;

	left = calloc(t->nr, sizeof(*left));
	if (!left)
		return -ENOMEM;
	for (i = 0; i < t->nr; i++)
		if (t->parent[i] >= 0)
			left[t->parent[i]]++;
	for (i = 0; i < t->nr && !ret; i++) {
		if (!t->leaf[i])
			continue;
		ret = mr_cg_rmdir(t->paths[i], MR_DYING_MS);
		for (up = t->parent[i]; !ret && up >= 0 && !--left[up];
		     up = t->parent[up])
			ret = mr_cg_rmdir(t->paths[up], MR_DYING_MS);
	}
	free(left);
	return ret;
}

void mr_tree_free(struct mr_tree *t)
{
	free(t->paths);
	free(t->leaf);
	free(t->parent);
	t->paths = NULL;
	t->leaf = NULL;
	t->parent = NULL;
	t->nr = 0;
}
