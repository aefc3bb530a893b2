#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# scratch-loop-guest.sh OUT — run INSIDE a test VM (tests/scratch-loop-vm.sh):
# run-tests.sh in local mode, as on a host without a scratch disk
# (MR_SUITE_VM=0, MR_SCRATCH unset; the cache, where the image goes, on the
# VM's ext4 disk as a host's ~/.cache would be), three times: to the end
# (the page cache tests must run on the loop scratch and pass), interrupted
# by SIGTERM, and killed by SIGKILL (then scratch-loop.sh reap, as the next
# run does).  After each: no mount, no loop device, no image left.  Writes
# "ok/not ok N what" lines to OUT/proof.txt.
set -u
out=${1:?usage: scratch-loop-guest.sh OUT}
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${MR_SCRATCH:?the VM provides a scratch disk for the cache}/cache
unset MR_SCRATCH
export MR_SUITE_VM=0 MR_CACHE=$cache
proof=$out/proof.txt
: >"$proof"
n=0
ok() {
	local rc=$?
	n=$((n + 1))
	if [ "$rc" = 0 ]; then echo "ok $n $1"; else echo "not ok $n $1"; fi >>"$proof"
}
# nothing_left DIR: no mount on DIR/scratch, no loop device, no image
nothing_left() {
	! mountpoint -q "$1/scratch" 2>/dev/null && [ -z "$(losetup -n -a)" ] &&
		! ls "$cache"/scratch/run.*.img >/dev/null 2>&1
}
# wait_running DIR PROG: until PROG's first case started (bounded)
wait_running() {
	local _i
	for _i in $(seq 120); do
		grep -q '^#  RUN ' "$1/tests/$2.log" 2>/dev/null && return 0
		sleep 1
	done
	return 1
}
rt() { "$top/scripts/run-tests.sh" --results "$1" --profile quick --tests "$2"; }

# 1. to the end: the page cache tests run on the suite's own scratch
r=$out/full
mkdir -p "$r"
rt "$r" "dying_file sizes_match" >"$out/full.out" 2>&1
rc=$?
echo "full run: exit $rc" >>"$proof"
grep -q '^scratch=/dev/loop[0-9]* (loop' "$r/guest-env"
ok "run-tests.sh in local mode mounted its own loop scratch ($(sed -n 's/^scratch=//p' "$r/guest-env"))"
grep -q 'direct I/O' "$out/full.out"
ok "the loop device does direct I/O"
! grep -h '# SKIP' "$r"/tests/*.log | grep -v 'dying_file.wide' | grep -q .
ok "no case skipped but dying_file.wide ($(grep -h '# SKIP' "$r"/tests/*.log | cut -c1-120 | paste -sd'|'))"
[ "$rc" = 0 ]
ok "dying_file and sizes_match pass on it (exit $rc; $(cat "$r"/tests/*.log | grep -cE '^ok [0-9]+ [a-z_]+\.') cases ok or skipped)"
nothing_left "$r"
ok "after the run: no mount, no loop device, no image"

# 2. SIGTERM during a test
r=$out/term
mkdir -p "$r"
# (the script itself in the background, not a function: $! is its pid)
"$top/scripts/run-tests.sh" --results "$r" --profile quick --tests dying_file \
	>"$out/term.out" 2>&1 &
pid=$!
wait_running "$r" dying_file
mountpoint -q "$r/scratch"
ok "the scratch is mounted while a test runs"
sleep 3
kill -TERM "$pid"
wait "$pid"
rc=$?
[ "$rc" = 130 ]
ok "SIGTERM: run-tests.sh exits 130 (got $rc)"
sleep 1
nothing_left "$r"
ok "after SIGTERM: no mount, no loop device, no image"

# 3. SIGKILL of the runner and its test program: nothing cleans up, the
# next run's reap does
r=$out/kill
mkdir -p "$r"
setsid "$top/scripts/run-tests.sh" --results "$r" --profile quick --tests dying_file \
	>"$out/kill.out" 2>&1 &
pid=$!
wait_running "$r" dying_file
sleep 3
# the runner, then the test program's own session
prog_sid=$(ps -eo sid=,args= | awk '$2 ~ /selftests\/dying_file$/ { print $1; exit }')
kill -KILL "$pid"
[ -n "$prog_sid" ] && pkill -KILL -s "$prog_sid"
sleep 1
mountpoint -q "$r/scratch" && ls "$cache"/scratch/run.*.img >/dev/null 2>&1
ok "after SIGKILL the mount and the image are left (nothing ran to clean up)"
"$top/scripts/scratch-loop.sh" reap >>"$out/kill.out" 2>&1
nothing_left "$r"
ok "the next run's reap releases them: no mount, no loop device, no image"
echo "1..$n" >>"$proof"
