#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# mutate.sh MUTATION.mut TREE — apply one bug injection to a kernel TREE.
# mutate.sh --restore TREE      — undo every injection applied to TREE.
#
# A mutation is data (configs/mutations/*.mut): file=, then one or more
# edits of function=, from=, to=.  Each edit replaces the text `from` by `to`
# inside the body of `function` only, and must match exactly once there: a
# mutation that no longer applies to a newer kernel fails loudly (exit 3)
# instead of testing nothing.
# The original is kept as FILE.pristine and TREE/.memcg-reparent-mutation
# lists the mutated files, so --restore (and build-kernel.sh, which refuses
# a mutated tree unless MR_ALLOW_MUTATION=1) can tell and undo it.
set -eu

marker=.memcg-reparent-mutation
if [ "${1:-}" = --restore ]; then
	tree=${2:?usage: mutate.sh --restore TREE}
	[ -f "$tree/$marker" ] || exit 0
	while read -r f; do
		[ -f "$tree/$f.pristine" ] || continue
		mv -f "$tree/$f.pristine" "$tree/$f"
		# newer than the objects built from the mutant: kbuild rebuilds
		touch "$tree/$f"
	done <"$tree/$marker"
	rm -f "$tree/$marker"
	exit 0
fi

mut=${1:?usage: mutate.sh MUTATION.mut TREE}
tree=${2:?usage: mutate.sh MUTATION.mut TREE}

# One file=; then one or more edits, each a function=, from=, to= triple in
# this order (a bug that needs two coherent changes, e.g. a bound changed in
# a function and in the check of it, is one mutation).
file=$(sed -n 's/^file=//p' "$mut" | head -n 1)
mapfile -t funcs < <(sed -n 's/^function=//p' "$mut")
mapfile -t froms < <(sed -n 's/^from=//p' "$mut")
mapfile -t tos < <(sed -n 's/^to=//p' "$mut")
if [ -z "$file" ] || [ ${#funcs[@]} = 0 ] || [ ${#funcs[@]} != ${#froms[@]} ] ||
	[ ${#froms[@]} != ${#tos[@]} ]; then
	echo "mutate.sh: $mut needs file= and, per edit, function=, from= and to=" >&2
	exit 2
fi
src="$tree/$file"
[ -f "$src" ] || { echo "mutate.sh: no $file in $tree" >&2; exit 3; }

# Function bodies in kernel style: the definition line starts at column 0
# and names the function followed by "(", the body ends at the first "}" in
# column 0.
cp -p "$src" "$src.mutated"
for i in "${!funcs[@]}"; do
	func=${funcs[$i]} from=${froms[$i]} to=${tos[$i]}
	if [ -z "$func" ] || [ -z "$from" ]; then
		echo "mutate.sh: edit $((i + 1)) of $mut has an empty function= or from=" >&2
		rm -f "$src.mutated"
		exit 2
	fi
	awk -v fname="$func" -v from="$from" -v to="$to" '
		function is_def(line) {
			return line ~ ("^[a-z].*[ *]" fname "\\(") && line !~ /;[ \t]*$/
		}
		!inside && is_def($0) { inside = 1 }
		inside {
			if ((i = index($0, from)) > 0) {
				$0 = substr($0, 1, i - 1) to substr($0, i + length(from))
				hits++
			}
			if ($0 ~ /^}/) inside = 0
		}
		{ print }
		END { if (hits != 1) exit 3 }
	' "$src.mutated" >"$src.next" || {
		rm -f "$src.mutated" "$src.next"
		echo "mutate.sh: '$from' not found exactly once in $func() of $file" >&2
		exit 3
	}
	mv -f "$src.next" "$src.mutated"
done
[ -f "$src.pristine" ] || cp -p "$src" "$src.pristine"
grep -qxF "$file" "$tree/$marker" 2>/dev/null || echo "$file" >>"$tree/$marker"
mv -f "$src.mutated" "$src"
