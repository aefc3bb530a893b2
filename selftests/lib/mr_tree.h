/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Trees of cgroups below the test root: built level by level with a load
 * on every node, and removed bottom-up or as a cascade.
 */
#ifndef MR_TREE_H
#define MR_TREE_H

#include <limits.h>
#include <stdbool.h>

/**
 * struct mr_tree - a tree of cgroups below the test root
 * @nr: number of nodes
 * @paths: absolute directories in pre-order (a parent before its subtree)
 * @leaf: whether each node is a leaf
 * @parent: index of each node's parent, -1 below the test root
 */
struct mr_tree {
	int nr;
	char (*paths)[PATH_MAX];
	bool *leaf;
	int *parent;
};

/*
 * Called on each node after its creation and before its children's (an
 * inner node may hold tasks only until +memory goes into its
 * subtree_control, which creating a child does).
 */
typedef int (*mr_tree_load_fn)(const char *path, void *arg);

/**
 * mr_tree_build_load() - create @fanout subtrees of @depth levels below
 *			  @parent, calling @load on every node
 * @t: the tree, released with mr_tree_free()
 * @parent: directory to build below
 * @depth: levels (1: @fanout leaves)
 * @fanout: children per node
 * @load: NULL, or called on each node, inner ones before their children
 * @arg: argument of @load
 *
 * Nodes are named n0, n1...: paths like PARENT/n0/n1.
 *
 * Return: 0 or a negative errno (of the creation or of @load).
 */
int mr_tree_build_load(struct mr_tree *t, const char *parent, int depth,
		       int fanout, mr_tree_load_fn load, void *arg);

/** mr_tree_build() - mr_tree_build_load() without a load */
int mr_tree_build(struct mr_tree *t, const char *parent, int depth,
		  int fanout);

/** mr_tree_leaves() - the number of leaves of @t */
int mr_tree_leaves(const struct mr_tree *t);

/**
 * mr_tree_pin() - pin a sample of the tree's memcgs past their rmdir
 * @t: the tree, before its offline
 *
 * Every leaf when the tree has at most MR_PIN_MAX of them, else every
 * (leaves / MR_PIN_MAX)-th in pre-order (inner nodes cannot take the pin's
 * task): see mr_pin.h.  The dying check reaps the pins.
 *
 * Return: the number pinned, or a negative errno.
 */
int mr_tree_pin(const struct mr_tree *t);

/**
 * mr_tree_offline() - rmdir every node, leaves first, then inner nodes
 *		       bottom-up
 * @t: the tree
 *
 * Return: 0 or a negative errno.
 */
int mr_tree_offline(const struct mr_tree *t);

/**
 * mr_tree_offline_cascade() - rmdir the leaves in pre-order, each inner node
 *			       as soon as its last child is gone
 * @t: the tree
 *
 * The other order than mr_tree_offline(): a parent goes offline while its
 * siblings' subtrees are still online and loaded, and reparenting runs into
 * a parent that is itself dying a moment later.
 *
 * Return: 0 or a negative errno.
 */
int mr_tree_offline_cascade(const struct mr_tree *t);

/** mr_tree_free() - release what mr_tree_build_load() allocated */
void mr_tree_free(struct mr_tree *t);

#endif /* MR_TREE_H */
