#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# assertions_test.sh — every assertion name the tests can print
# ("# ASSERTION <name>: ...") is listed in README.md's "Assertions" table.
# Names are read from selftests/*.c and selftests/lib/*.[ch]: the first
# argument of every MR_*ASSERTION(), MR_*FATAL(), MR_*OK() macro
# (MR_ASSERTION, MR_FATAL, MR_OK and their variants), the second of
# MR_*_FAIL() and churn_fail(), and "ASSERTION <name>:" in a string.
# A name passed as a variable (anywhere but the macros' own definitions)
# cannot be checked and fails too.  Table rows name their assertions as
# `name` in the first cell.  A row whose name the code no longer prints is
# reported, not failed (another engineer's test may be on its way).  The
# check is first run on a README with a row removed: it must fail there.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)

# code_names DIR: "name" per line; "COMPUTED FILE:LINE" for a name the
# code computes
code_names() {
	local f
	for f in "$1"/selftests/*.c "$1"/selftests/lib/*.[ch]; do
		[ -f "$f" ] || continue
		perl -ne '
			BEGIN { $f = shift }
			# the macros themselves pass their argument on: skip their
			# definitions, continuation lines included
			my $in = $def;
			$def = (/^\s*#\s*define\b/ || $def) && /\\\s*$/;
			next if $in || /^\s*#\s*define\b/;
			next if /^static int __printf\(3, 4\) churn_fail\(/;
			while (/\bMR_[A-Z_]*(?:ASSERTION|FATAL|OK)\(\s*([^,\s)]*)/g) {
				my $a = $1;
				if ($a =~ /^"([a-z0-9_]+)"$/) { print "$1\n" }
				elsif ($a ne "") { print "COMPUTED $f:$.\n" }
			}
			while (/\b(?:MR_[A-Z_]*_FAIL|churn_fail)\(\s*\w+\s*,\s*([^,\s)]*)/g) {
				my $a = $1;
				if ($a =~ /^"([a-z0-9_]+)"$/) { print "$1\n" }
				else { print "COMPUTED $f:$.\n" }
			}
			while (/"ASSERTION ([^":]*)/g) {
				my $a = $1;
				if ($a =~ /^[a-z0-9_]+$/) { print "$a\n" }
				elsif ($f !~ m{/(mr_test\.h|mr_churn\.c)$} || $a ne "%s") {
					print "COMPUTED $f:$.\n"
				}
			}
		' "$f" "$f"
	done | sort -u
}

# table_names README: the `names` of the first cells of the Assertions table
table_names() {
	# shellcheck disable=SC2016 # backquotes of markdown, not a command
	awk '/^## Assertions$/ { on = 1; next } on && /^## / { exit }
		on && /^\| `/ { split($0, c, "|"); print c[2] }' "$1" |
		grep -oE '`[a-z0-9_]+`' | tr -d '`' | sort -u
}

# check DIR README: prints what is wrong; 1 when a name is missing
check() {
	local code table missing computed stale
	code=$(code_names "$1")
	table=$(table_names "$2")
	computed=$(grep '^COMPUTED ' <<<"$code" || true)
	missing=$(comm -23 <(grep -v '^COMPUTED ' <<<"$code") <(echo "$table") | grep . || true)
	stale=$(comm -13 <(grep -v '^COMPUTED ' <<<"$code") <(echo "$table") | grep . || true)
	[ -z "$stale" ] || echo "in README's table, printed nowhere in selftests/: $(xargs <<<"$stale")"
	[ -z "$computed" ] || echo "assertion names the table check cannot read (not a string literal): $(xargs <<<"$computed")"
	[ -z "$missing" ] || echo "printed by the tests, missing from README's Assertions table: $(xargs <<<"$missing")"
	[ -z "$missing" ] && [ -z "$computed" ]
}

n=$(code_names "$top" | grep -vc '^COMPUTED ')
[ "$n" -ge 30 ] || { echo "only $n assertion names found in selftests/: the extraction is broken"; exit 1; }

# the check must be able to fail: README without the numa_absorbed row
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
# shellcheck disable=SC2016 # backquotes of markdown, not a command
grep -v '^| `numa_absorbed` |' "$top/README.md" >"$tmp"
if out=$(check "$top" "$tmp"); then
	echo "not ok: a README without the numa_absorbed row passed the check"
	exit 1
fi
grep -q 'missing from README.*numa_absorbed' <<<"$out" ||
	{ echo "not ok: the missing row was not named: $out"; exit 1; }

check "$top" "$top/README.md" || exit 1
echo "ok: $n assertion names, each in README's Assertions table"
