#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# build-injected.sh INJECTION... — the suite's debug kernel (fragments
# "base lean debug", configs/patches/ applied) with the bug injections
# configs/injections/INJECTION.mut on top; prints the image's path.
#
# Injections are mutations (scripts/mutate.sh: file=, function=, from=,
# to=) that make check boots to see the suite's verdict on a kernel that
# misbehaves in a given way (an oops in a test, a WARN after a test's
# window); they are not bugs make selfcheck must find, so they live apart
# from configs/mutations/.  The build is an incremental rebuild of the
# tree and build folder of `run.sh --kernel debug`; the image is copied
# to images/<identity>/ (identity with the mutation's digests), so it
# stays bootable after the tree is restored here.  The tree is shared
# with every other build from it: the whole sequence holds
# /tmp/ksrc-tree.lock and leaves the tree patched, without a mutation.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -gt 0 ] || { echo "usage: build-injected.sh INJECTION..." >&2; exit 2; }
for i; do
	[ -f "$top/configs/injections/$i.mut" ] || { echo "build-injected.sh: no configs/injections/$i.mut" >&2; exit 2; }
done
tree="$("$top/scripts/fetch-debian-kernel.sh" sid source)/tree"
tree=$(cd "$tree" && pwd -P)

exec 7>/tmp/ksrc-tree.lock
flock 7
restore() { "$top/scripts/mutate.sh" --restore "$tree"; }
trap restore EXIT
trap 'exit 130' INT TERM
restore
# the pristine copies mutate.sh keeps must be the patched files, or the
# restore would take the fixes out of the tree
"$top/scripts/patch-tree.sh" "$tree" "$top/configs/patches" >/dev/null
for i; do
	"$top/scripts/mutate.sh" "$top/configs/injections/$i.mut" "$tree"
done
MR_ALLOW_MUTATION=1 "$top/scripts/build-kernel.sh" --ksrc "$tree" \
	--fragments "base lean debug" --patches "$top/configs/patches"
