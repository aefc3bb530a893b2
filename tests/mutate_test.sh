#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# mutate_test.sh — scripts/mutate.sh applies a mutation's edits only inside
# the functions they name, each exactly once, all or nothing, and --restore
# gives the pristine file back.  On a small C file in kernel style.
# The checks are functions called through t(), which shellcheck takes for
# unreachable code:
# shellcheck disable=SC2317
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
mkdir -p "$tmp/tree/mm"
src=$tmp/tree/mm/x.c
cat >"$src" <<'C'
static int a(int n)
{
	return n < 4;
}

bool b(int n)
{
	if (n != 4)
		return false;
	return n < 4;
}
C
cp "$src" "$tmp/orig.c"

# t NAME CMD...: "ok" when CMD succeeds
t() {
	local name=$1
	shift
	if "$@"; then echo "ok: $name"; else echo "not ok: $name"; fail=1; fi
}
# line N TEXT: line N of the source holds TEXT
line() { sed -n "$1p" "$src" | grep -qF "$2"; }
pristine() { cmp -s "$src" "$tmp/orig.c" && [ ! -e "$src.mutated" ] && [ ! -e "$src.next" ]; }
# applies MUT: exit code of mutate.sh MUT on the tree
applies() { local rc=0; "$top/scripts/mutate.sh" "$tmp/$1" "$tmp/tree" 2>/dev/null || rc=$?; [ "$rc" = "$2" ]; }

printf 'file=mm/x.c\nfunction=b\nfrom=return n < 4;\nto=return n < 3;\n' >"$tmp/one.mut"
t "one edit: applies" applies one.mut 0
t "one edit: inside b()" line 10 "n < 3"
t "one edit: not in a()" line 3 "n < 4"
"$top/scripts/mutate.sh" --restore "$tmp/tree"
t "--restore: the pristine file back" pristine
t "--restore: no marker left" test ! -e "$tmp/tree/.memcg-reparent-mutation"

printf 'file=mm/x.c\nfunction=a\nfrom=n < 4\nto=n < 2\nfunction=b\nfrom=n != 4\nto=n < 2\n' >"$tmp/two.mut"
t "two edits in two functions: applies" applies two.mut 0
t "two edits: the first" line 3 "n < 2"
t "two edits: the second" line 8 "n < 2"
t "two edits: nothing else" line 10 "n < 4"
"$top/scripts/mutate.sh" --restore "$tmp/tree"

# all or nothing: the second edit does not apply, the first is not kept
printf 'file=mm/x.c\nfunction=a\nfrom=n < 4\nto=n < 2\nfunction=b\nfrom=n == 5\nto=n\n' >"$tmp/bad.mut"
t "an edit that does not apply: exit 3" applies bad.mut 3
t "an edit that does not apply: file untouched" pristine

# "n" stands on several lines of b(): an edit must match exactly once
printf 'file=mm/x.c\nfunction=b\nfrom=n\nto=m\n' >"$tmp/twice.mut"
t "text more than once in the function: exit 3" applies twice.mut 3
t "text more than once: file untouched" pristine

printf 'file=mm/x.c\nfunction=a\nfrom=n < 4\n' >"$tmp/noto.mut"
t "an edit without to=: exit 2" applies noto.mut 2
t "an edit without to=: file untouched" pristine

# wellformed MUT: one file=, and function=, from=, to= as often
wellformed() {
	local nf
	nf=$(grep -c '^function=' "$1") || return 1
	[ "$(grep -c '^file=' "$1")" = 1 ] && [ "$(grep -c '^from=' "$1")" = "$nf" ] &&
		[ "$(grep -c '^to=' "$1")" = "$nf" ]
}
for m in "$top"/configs/mutations/*.mut "$top"/configs/injections/*.mut \
	"$top"/configs/instrumentation/*.mut; do
	t "$(basename "$m") is well formed" wellformed "$m"
done
exit "$fail"
