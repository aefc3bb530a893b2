#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# logscan_test.sh — mr_logscan (the classifier the guest and the host use)
# on kernel logs captured from real runs: which splats it reports, their
# class, and the test it attributes them to through the start/end markers.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
scan=$top/selftests/mr_logscan
fx=$top/tests/fixtures
fail=0

# expect FILE RC ROWS: mr_logscan FILE exits RC and prints exactly ROWS
# (class<TAB>test per line, the log line itself left out)
expect() {
	local rc=0 got
	got=$(set -o pipefail; "$scan" "$fx/$1" | cut -f1,2) || rc=$?
	if [ "$rc" = "$2" ] && [ "$got" = "$3" ]; then
		echo "ok: $1"
	else
		printf 'not ok: %s: exit %s, rows:\n%s\nexpected exit %s, rows:\n%s\n' "$1" "$rc" "$got" "$2" "$3"
		fail=1
	fi
}

tab=$(printf '\t')
expect debug-7.2.13/dmesg 0 ""
expect debug-7.2.13/console.log 0 ""
expect 7.2.13+deb14-amd64/console.log 0 ""
expect 6.1.0-50-amd64/dmesg 0 ""
# the seed review's warning, from the mm-state-seq-skipped injection
expect debug-7.2.13/dmesg.warn 1 "warning${tab}reparent_race.reclaim.offline"
# classic LRU injection: pages left to a freed memcg
expect debug-7.2.13/dmesg.warn2 1 "warning${tab}reparent_race.lrugen.offline"
# 6.1 panic (sysrq c) after a start marker, as the host sees the console
expect 6.1.0-50-amd64/console.panic 1 "panic${tab}panic_probe"
# 7.2 (Debian) oops + panic under lru_switch (int3 while MGLRU's static
# keys were being switched; TCG), as the host saw the console
expect 7.2.13+deb14-amd64/console.oops 1 "oops${tab}lru_switch.to_classic.offline
panic${tab}lru_switch.to_classic.offline"
exit $fail
