#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# broken_test.sh — a step of the test's own machinery that failed ("# BROKEN
# step: ..." from mr_test.h's MR_OK) is no verdict on the kernel: the case is
# "broken", the run exits 3 (125 under --bisect) when nothing failed, a
# failed assertion anywhere wins (1), and a known issue of the build never
# turns a broken case into a pass.  On a run kept from Debian's 7.2.13
# (tests/fixtures/results/7.2-broken: MR_FILE_MB=4096, more page cache per
# leaf than the VM's 4 GiB scratch disk holds, so sizes_match's loader
# files could not be allocated, ENOSPC; dying_task passed) and on
# dying_percpu's log of the same kernel (both cases excused by the known
# issue memcg_stock-zero-slot).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
fx=$top/tests/fixtures/results/7.2-broken
sid="debian linux-image-7.2.13+deb14-amd64 7.2.13-1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

ok() { echo "ok: $*"; }
bad() { echo "not ok: $*"; fail=1; }

# fresh: a copy of the fixture to judge (verdict.sh writes into it)
fresh() {
	rm -rf "$tmp/run"
	cp -r "$fx" "$tmp/run"
	echo "$tmp/run"
}

# verdict WANT_RC WANT_REASON_RE ARGS...: run.sh ARGS exits WANT_RC, its
# last line says the reason
verdict() {
	local want=$1 re=$2 rc=0
	shift 2
	"$top/run.sh" "$@" >"$tmp/out" 2>&1 || rc=$?
	if [ "$rc" = "$want" ] && grep -qE -- "$re" "$tmp/out"; then
		ok "run.sh $*: exit $rc"
	else
		bad "run.sh $*: exit $rc, expected $want /$re/"
		sed 's/^/#   /' "$tmp/out"
	fi
}

# expect DIR JQ WANT: jq JQ of DIR/summary.json prints WANT
expect() {
	local got
	got=$(jq -r "$2" "$1/summary.json")
	if [ "$got" = "$3" ]; then ok "$2 = $3"; else bad "$2 is '$got', expected '$3'"; fi
}

# cases LOG: "case status" of each case of a program's LOG (ktap-cases.awk)
cases() {
	{ echo "# selftests: memcg_reparent: prog"; sed 's/^/  /' "$1"; } |
		awk -f "$top/scripts/ktap-cases.awk" | cut -f2,3 | tr '\t' ' '
}

# add_line DIR CASE LINE: LINE into CASE's block of DIR/ktap.log, before its
# result line
add_line() {
	awk -v c="$2" -v l="$3" '
		$0 ~ ("^  #  RUN +" c " ") { in_case = 1 }
		in_case && /^  (not )?ok [0-9]+ / { print "  " l; in_case = 0 }
		{ print }' "$1/ktap.log" >"$1/ktap.log.new"
	mv "$1/ktap.log.new" "$1/ktap.log"
}

echo "# the kept run: broken cases, nothing failed"
[ "$(grep -c '^  # BROKEN load: mr_scratch_file(.* = -ENOSPC ' "$fx/ktap.log")" -gt 0 ] ||
	bad "the fixture has no BROKEN line with ENOSPC"
grep -q '^not ok [0-9]* selftests: memcg_reparent: sizes_match # BROKEN ' "$fx/ktap.log" ||
	bad "the fixture's sizes_match result line is not BROKEN"
[ "$(cat "$fx/guest.rc")" = 3 ] || bad "the guest's run-tests.sh exited $(cat "$fx/guest.rc"), expected 3"
d=$(fresh)
verdict 3 '^run.sh: exit 3: infrastructure: test machinery broken: sizes_match\.[^ ]*: load: mr_scratch_file' \
	--recheck "$d"
expect "$d" '.counts | "\(.pass)/\(.fail)/\(.broken)"' "2/0/$(grep -c '^  # BROKEN ' "$fx/ktap.log")"
expect "$d" '[.tests[] | select(.program == "sizes_match") | .status] | unique | join(",")' "broken"
expect "$d" '[.tests[] | select(.status == "broken") | .assertion | test("^load: .* = -ENOSPC \\(No space left on device\\) at [^ ]*sizes_match.c:[0-9]+$")] | all' "true"
grep -q '<error message="load: [^"]*" type="broken">' "$d/junit.xml" || bad "junit.xml: no <error type=\"broken\">"
grep -q 'errors="[1-9]' "$d/junit.xml" || bad "junit.xml: broken cases are not counted as errors"
grep -q '<td class="broken">broken</td>' "$d/index.html" || bad "index.html shows no broken case"
grep -q 'BROKEN load: ' "$d/index.html" || bad "index.html lacks the BROKEN line"
verdict 125 'exit 125' --bisect --recheck "$d"
# the live path: the guest's run-tests.sh said 3, with its reason
d=$(fresh)
rc=0
why=$("$top/scripts/verdict.sh" "$d" --runner-rc "$(cat "$d/guest.rc")" 2>/dev/null) || rc=$?
if [ "$rc" = 3 ] && [ "$why" = "infrastructure: $(cat "$fx/infra-reason")" ]; then
	ok "verdict.sh --runner-rc 3: $why"
else
	bad "verdict.sh --runner-rc 3: exit $rc '$why'"
fi

echo "# a failed assertion wins over broken: exit 1"
d=$(fresh)
c=$(awk -F'\t' '$3 == "broken" { print $2; exit }' <(awk -f "$top/scripts/ktap-cases.awk" "$d/ktap.log"))
add_line "$d" "$c" "# ASSERTION dying_memcgs: nr_dying_descendants=1 expected<=0 (waited 10000 ms)"
verdict 1 '^run.sh: exit 1: test failure or kernel badness$' --recheck "$d"
expect "$d" ".tests[] | select(.name == \"sizes_match: $c\") | .status" "fail"
expect "$d" '.counts.broken > 0' "true"
# a failed case in another program, the broken ones untouched
d=$(fresh)
add_line "$d" "dying_task.exec.offline" "# ASSERTION dying_memcgs: nr_dying_descendants=1 expected<=0 (waited 10000 ms)"
sed -i -e 's/^  ok 1 dying_task\.exec\.offline$/  not ok 1 dying_task.exec.offline/' \
	-e 's/^ok 2 selftests: memcg_reparent: dying_task$/not ok 2 selftests: memcg_reparent: dying_task # exit=1/' "$d/ktap.log"
verdict 1 '^run.sh: exit 1: test failure or kernel badness$' --recheck "$d"
verdict 1 'exit 1' --bisect --recheck "$d"
# a case the harness timed out is a hang, not broken
d=$(fresh)
add_line "$d" "$c" "# ${c##*.}: Test terminated by timeout"
verdict 1 '^run.sh: exit 1: ' --recheck "$d"

echo "# a known issue never turns broken into a pass"
# the kept run's build is the one memcg_stock-zero-slot names: its excused
# assertion in a broken case leaves the case broken and the run at 3
d=$(fresh)
add_line "$d" "$c" "# ASSERTION dying_memcgs: nr_dying_descendants=1 expected<=0 (waited 10000 ms) cause=percpu_stock"
verdict 3 '^run.sh: exit 3: infrastructure: test machinery broken: ' --recheck "$d"
grep -q '^  # KNOWN memcg_stock-zero-slot ASSERTION dying_memcgs: ' "$d/ktap.log" ||
	bad "the recheck did not excuse the known assertion"
expect "$d" ".tests[] | select(.name == \"sizes_match: $c\") | .status" "broken"
# run-tests.sh --excuse on a program's log: dying_percpu's two cases both
# excused, then one of them also BROKEN: only the other is excused, and
# ktap-cases.awk calls that one broken, not known
log=$top/tests/fixtures/7.2.13+deb14-amd64/dying_percpu.log
cp "$log" "$tmp/log"
got=$(MR_BUILD_ID=$sid "$top/scripts/run-tests.sh" --excuse "$tmp/log")
[ "$got" = "2 2" ] || bad "dying_percpu.log as captured: '$got' excused, expected '2 2'"
awk '/^# +RUN / { n++ } { print } n == 1 && /^# +RUN / { print "# BROKEN load: mr_spawn_fn(&c, \"touch\", cg, touch_fn, &t) = -EAGAIN (Resource temporarily unavailable) at dying_percpu.c:154" }' \
	"$log" >"$tmp/log"
got=$(MR_BUILD_ID=$sid "$top/scripts/run-tests.sh" --excuse "$tmp/log")
if [ "$got" = "2 1" ]; then ok "--excuse: a BROKEN case is not excused (2 1)"; else bad "--excuse with a BROKEN case: '$got', expected '2 1'"; fi
got=$(cases "$tmp/log" | cut -d' ' -f2 | xargs)
if [ "$got" = "broken known" ]; then ok "ktap-cases.awk: broken known"; else bad "ktap-cases.awk: '$got', expected 'broken known'"; fi
exit "$fail"
