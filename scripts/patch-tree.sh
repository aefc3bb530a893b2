#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# patch-tree.sh TREE DIR|none — bring the kernel TREE to exactly the patch
# set DIR/*.patch (applied in name order), or to no patch at all.
#
# The suite's debug kernel carries fixes for the bugs the suite itself found
# (configs/patches/); a build without them (`--kernel debug-unpatched`,
# selfcheck's "real bug" row) must come from the same tree and build folder,
# so that switching is an incremental rebuild of the patched files only.
# The patches applied to TREE are recorded, with copies of their text, in
# TREE/.memcg-reparent-patches.d/, so that they can be reverted even after
# configs/patches/ changed.  A patch that does not apply fails (exit 3)
# before the tree is touched.  The caller holds the tree's lock.
# Prints the applied patches, one "NAME SHA256" per line.
set -eu

tree=${1:?usage: patch-tree.sh TREE DIR|none}
want=${2:?usage: patch-tree.sh TREE DIR|none}
state="$tree/.memcg-reparent-patches.d"
# a tree that never had a patch of ours is left as it is, not even marked
[ "$want" = none ] && [ ! -d "$state" ] && exit 0
mkdir -p "$state"

# list DIR: "NAME SHA256" of DIR's patches, in order
list() {
	local p
	for p in "$1"/*.patch; do
		[ -f "$p" ] || continue
		printf '%s %s\n' "${p##*/}" "$(sha256sum <"$p" | cut -c1-64)"
	done
}

have=$(list "$state")
if [ "$want" = none ]; then
	wanted=""
else
	[ -d "$want" ] || { echo "patch-tree.sh: no patch folder '$want'" >&2; exit 2; }
	wanted=$(list "$want")
fi
if [ "$have" = "$wanted" ]; then
	printf '%s\n' "$wanted" | sed '/^$/d'
	exit 0
fi

# Undo what is applied, newest first.
for p in $(find "$state" -name '*.patch' -printf '%f\n' | sort -r); do
	patch -s -R -p1 -d "$tree" <"$state/$p" ||
		{ echo "patch-tree.sh: cannot revert $p in $tree (edited by hand?)" >&2; exit 3; }
	rm -f "$state/$p"
done

[ "$want" = none ] && exit 0
for p in "$want"/*.patch; do
	[ -f "$p" ] || continue
	if ! patch -s -p1 -d "$tree" --dry-run <"$p" >/dev/null; then
		echo "patch-tree.sh: ${p##*/} does not apply to $tree" >&2
		exit 3
	fi
	patch -s -p1 -d "$tree" <"$p"
	cp "$p" "$state/"
done
list "$state"
