#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# junit_test.sh — the reports CI systems read, on results folders captured
# from real runs (tests/fixtures/results/7.2-failures: two assertion
# failures and a program timeout; 7.2-crash: a panic mid-case):
#   * junit.xml from scripts/junit.sh validates against tests/junit.xsd,
#     has one testcase per summary.json case with the same name, a failure
#     whose message is the case's assertion, an error for the crashed case,
#     and the case's own log lines (not its neighbours') in system-out;
#   * a known kernel issue stays visible (system-out, suite property) on a
#     passing case without failing it; hostile text (markup, control
#     characters) is escaped and still validates; the schema does reject a
#     testcase without its classname;
#   * ktap.log is read by the kernel's own KTAP parser (kunit.py parse of the
#     cached linux-source) with the statuses summary.json gives each case,
#     and without parser errors unless a program was cut by its TIMEOUT
#     (kselftest's runner leaves such a subtest without its last results).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
xsd=$top/tests/junit.xsd

fail() {
	echo "not ok: $*"
	exit 1
}

# xp FILE XPATH: the string value of XPATH in FILE
xp() { xmllint --xpath "string($2)" "$1"; }

prepare() {
	cp -r "$top/tests/fixtures/results/$1" "$tmp/$1"
	"$top/scripts/summarize.sh" "$tmp/$1"
	"$top/scripts/junit.sh" "$tmp/$1"
	xmllint --noout --schema "$xsd" "$tmp/$1/junit.xml" 2>"$tmp/xsd.log" ||
		{ cat "$tmp/xsd.log"; fail "$1: junit.xml does not validate"; }
	echo "ok: $1: junit.xml validates against junit.xsd"
}

# every case of summary.json is a testcase of that name, and the counts agree
same_cases() {
	local d=$tmp/$1 want got
	want=$(jq -r '.tests[].name' "$d/summary.json" | sort)
	got=$(xmllint --xpath '//testcase/@name' "$d/junit.xml" | sed 's/^ *name="//; s/"$//' | sort)
	[ "$got" = "$want" ] || fail "$1: testcases '$got', summary.json cases '$want'"
	[ "$(xp "$d/junit.xml" '/testsuites/@failures')" = \
		"$(jq '[.tests[] | select(.status == "fail")] | length' "$d/summary.json")" ] ||
		fail "$1: failures attribute"
	[ "$(xp "$d/junit.xml" 'count(//testcase/failure)')" = \
		"$(xp "$d/junit.xml" 'sum(//testsuite/@failures)')" ] || fail "$1: suite failure counts"
	echo "ok: $1: $(wc -l <<<"$want") testcases, named as in summary.json"
}

prepare 7.2-failures
same_cases 7.2-failures
j=$tmp/7.2-failures/junit.xml
rr='//testcase[@name="reparent_race: reparent_race.reclaim.offline"]'
msg=$(xp "$j" "$rr/failure/@message")
want=$(jq -r '.tests[] | select(.name == "reparent_race: reparent_race.reclaim.offline") | .assertion' \
	"$tmp/7.2-failures/summary.json")
{ [ -n "$want" ] && [ "$msg" = "$want" ]; } ||
	fail "failure message '$msg', assertion '$want'"
echo "ok: failure message is the assertion: $msg"
out=$(xp "$j" "$rr/system-out")
grep -q '^# ASSERTION load: c1 anon=20480' <<<"$out" || fail "system-out lacks the case's ASSERTION line"
grep -q '^not ok 1 reparent_race.reclaim.offline' <<<"$out" || fail "system-out lacks the result line"
! grep -q 'dying_file\|lrugen.offline' <<<"$out" || fail "system-out holds other cases' lines"
echo "ok: system-out is the case's own log"
[ "$(xp "$j" 'count(//testcase[@name="dying_file: dying_file.tree.offline"]/*)')" = 1 ] ||
	fail "a passing case has more than its system-out"
echo "ok: a passing case has no failure"

prepare 7.2-crash
same_cases 7.2-crash
j=$tmp/7.2-crash/junit.xml
lc='//testcase[@name="lru_switch: lru_switch.to_mglru.offline"]'
[ "$(xp "$j" "$lc/error/@type")" = crashed ] || fail "crashed case is not an error of type crashed"
xp "$j" "$lc/error/@message" | grep -q 'Kernel panic - not syncing' || fail "error message lacks the panic"
xp "$j" "$lc/system-out" | grep -q 'RUN .*lru_switch.to_mglru.offline' ||
	fail "crashed case's system-out lacks its program log"
echo "ok: the crashed case is an error with the panic and its program log"

# A known issue on a passing case (the WARN of
# configs/known-issues/lru_gen_exit_memcg-nr_pages as the DEBUG_VM kernel
# printed it, tests/fixtures/debug-7.2.13), and hostile text in an assertion.
d=$tmp/edited
cp -r "$tmp/7.2-failures" "$d"
warn='[   54.988469] WARNING: mm/vmscan.c:5814 at lru_gen_exit_memcg+0x11b/0x150, CPU#1: kworker/1:1/41'
jq --arg w "$warn" '
	.kernel_badness += [{class: "known:lru_gen_exit_memcg-nr_pages", test: "dying_anon.sibling.offline", line: $w}]
	| .counts.known_issues += 1
	| (.tests[] | select(.name == "dying_anon: dying_anon.sibling.offline") | .kernel_badness)
		+= ["known:lru_gen_exit_memcg-nr_pages: " + $w]
	| (.tests[] | select(.name == "sizes_match: sizes_match.d2f2.removed") | .assertion)
		= "sizes: <anon> & \"file\" \u001b[0m 3 > 2"' \
	"$tmp/7.2-failures/summary.json" >"$d/summary.json"
"$top/scripts/junit.sh" "$d"
xmllint --noout --schema "$xsd" "$d/junit.xml" 2>"$tmp/xsd.log" ||
	{ cat "$tmp/xsd.log"; fail "edited: junit.xml does not validate"; }
ds='//testcase[@name="dying_anon: dying_anon.sibling.offline"]'
xp "$d/junit.xml" "$ds/system-out" | grep -qF "known kernel issue (excused): known:lru_gen_exit_memcg-nr_pages: $warn" ||
	fail "known issue not in the case's system-out"
[ "$(xp "$d/junit.xml" "count($ds/failure | $ds/error)")" = 0 ] || fail "a known issue failed the case"
xp "$d/junit.xml" '//testsuite[@name="memcg_reparent: dying_anon"]/properties/property[@name="known_issue"]/@value' |
	grep -qF "lru_gen_exit_memcg-nr_pages in dying_anon.sibling.offline: $warn" || fail "no known_issue property"
echo "ok: a known issue is shown on its case and suite, and fails nothing"
msg=$(xp "$d/junit.xml" '//testcase[@name="sizes_match: sizes_match.d2f2.removed"]/failure/@message')
[ "$msg" = 'sizes: <anon> & "file" ?[0m 3 > 2' ] || fail "escaped assertion reads back as '$msg'"
echo "ok: markup and control characters escaped"

sed 's/ classname="[^"]*"//' "$tmp/7.2-crash/junit.xml" >"$tmp/bad.xml"
! xmllint --noout --schema "$xsd" "$tmp/bad.xml" 2>/dev/null || fail "junit.xsd accepts a testcase without classname"
echo "ok: junit.xsd rejects a testcase without classname"

# The kernel's KTAP parser on the same results folders (summarize.sh has
# completed the KTAP of the crashed run).
ksrc=${KSRC:-$("$top/scripts/ksrc.sh")}
for r in 7.2-failures 7.2-crash; do
	kj=$tmp/$r.kunit.json
	python3 "$ksrc/tools/testing/kunit/kunit.py" parse --json="$kj" "$tmp/$r/ktap.log" \
		>"$tmp/kunit.log" 2>&1 || true
	[ -s "$kj" ] || { tail "$tmp/kunit.log"; fail "$r: kunit.py parse wrote no results"; }
	# leaf cases: "name STATUS"; a program whose block has no cases
	# (the crashed one) is its own leaf
	jq -r '[.. | objects | select(has("status"))] | map("\(.name) \(.status)") | .[]' "$kj" >"$tmp/leaves"
	got=$(grep -v '^selftests: ' "$tmp/leaves" | sort || true)
	want=$(jq -r '.tests[] | select(.status == "pass" or .status == "fail" or .status == "skip")
		| (.name | sub("^[^:]*: "; "")) + " " + (.status | ascii_upcase)' "$tmp/$r/summary.json" | sort)
	[ "$got" = "$want" ] || fail "$r: kunit.py parse: '$got', summary.json: '$want'"
	# a program that died mid-case has no case results: it fails as a whole
	for p in $(jq -r '.tests[] | select(.status == "crashed" or .status == "hung") | .program' \
		"$tmp/$r/summary.json"); do
		grep -qx "selftests: memcg_reparent: $p FAIL" "$tmp/leaves" ||
			fail "$r: kunit.py parse does not fail $p: $(cat "$tmp/leaves")"
	done
	[ -n "$got" ] || [ -n "${p:-}" ] || fail "$r: nothing compared"
	errors=$(jq '.misc.errors' "$kj")
	if grep -q '^not ok [0-9]* selftests: memcg_reparent: [a-z_]* # TIMEOUT' "$tmp/$r/ktap.log"; then
		echo "# $r: $errors parser error(s) from a program cut by its TIMEOUT"
	else
		[ "$errors" = 0 ] || { grep ERROR "$tmp/kunit.log"; fail "$r: KTAP parser errors"; }
	fi
	echo "ok: $r: kunit.py parse reads ktap.log with summary.json's statuses ($(wc -l <"$tmp/leaves") results)"
done
