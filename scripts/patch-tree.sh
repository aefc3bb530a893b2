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
# configs/patches/ changed.  The record is checked against the tree itself
# (a recorded patch must revert cleanly), so a run killed between a patch
# and its record is noticed, not built as something it is not.  A patch
# that does not apply fails (exit 3) before the tree is touched.  The caller
# holds the tree's lock.  Prints the applied patches, "NAME SHA256" a line.
set -eu

tree=${1:?usage: patch-tree.sh TREE DIR|none}
want=${2:?usage: patch-tree.sh TREE DIR|none}
state="$tree/.memcg-reparent-patches.d"
# a tree that never had a patch of ours is left as it is, not even marked
[ "$want" = none ] && [ ! -d "$state" ] && exit 0
mkdir -p "$state"
# the tree and its record change together: an interruption waits for both
trap '' INT TERM HUP

die() {
	echo "patch-tree.sh: $*" >&2
	exit 3
}

# list DIR: "NAME SHA256" of DIR's patches, in order
list() {
	local p
	for p in "$1"/*.patch; do
		[ -f "$p" ] || continue
		printf '%s %s\n' "${p##*/}" "$(sha256sum <"$p" | cut -c1-64)"
	done
}
applied() { patch -s -R -p1 -d "$tree" --dry-run <"$1" >/dev/null 2>&1; }
applies() { patch -s -p1 -d "$tree" --dry-run <"$1" >/dev/null 2>&1; }

# The record must match the tree: a recorded patch that is not applied (a
# run killed before it patched) is dropped from the record; one that is
# neither applied nor applicable means the tree was edited by hand.
for p in "$state"/*.patch; do
	[ -f "$p" ] || continue
	applied "$p" && continue
	applies "$p" || die "${p##*/} is recorded but neither applied nor applicable to $tree (edited by hand?)"
	rm -f "$p"
done

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
	patch -s -R -p1 -d "$tree" <"$state/$p" || die "cannot revert $p in $tree"
	rm -f "$state/$p"
done

[ "$want" = none ] && exit 0
for p in "$want"/*.patch; do
	[ -f "$p" ] || continue
	# applied but not recorded: a run killed between the two
	if ! applies "$p" && applied "$p"; then
		cp "$p" "$state/"
		continue
	fi
	applies "$p" || die "${p##*/} does not apply to $tree"
	cp "$p" "$state/"
	patch -s -p1 -d "$tree" <"$p"
done
list "$state"
