#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# capture-fixtures.sh OUT_DIR — run INSIDE a test VM (via scripts/vm.sh):
# builds a small cgroup tree with page cache and anon memory, removes part of
# it and dumps what the parsers of the suite read, so that their unit tests
# run on real kernel output (tests/fixtures/<release>/).  MGLRU is switched on
# for the capture where it is off (6.1) and restored afterwards.
#   make fixtures KERNEL=debian|bookworm   refreshes one kernel's set
set -eu
cd /tmp # stress-ng wants a writable working folder

out=${1:?usage: capture-fixtures.sh OUT_DIR}
mkdir -p "$out"
cg=/sys/fs/cgroup
scratch=${MR_SCRATCH:?no scratch disk}
root="$cg/fixture"

lru_was=$(cat /sys/kernel/mm/lru_gen/enabled 2>/dev/null || echo none)
restore() {
	[ "$lru_was" = none ] || echo "$lru_was" >/sys/kernel/mm/lru_gen/enabled
}
trap restore EXIT
[ "$lru_was" = none ] || echo y >/sys/kernel/mm/lru_gen/enabled

echo +memory >"$cg/cgroup.subtree_control"
mkdir -p "$root/a/leaf1" "$root/a/leaf2" "$root/b"
echo +memory >"$root/cgroup.subtree_control"
echo +memory >"$root/a/cgroup.subtree_control"

# page cache in leaf1 and leaf2, anon held by a task in b
for l in a/leaf1 a/leaf2; do
	sh -c "echo \$\$ >$root/$l/cgroup.procs; exec dd if=/dev/zero of=$scratch/${l##*/} bs=1M count=8 status=none"
done
sync
sh -c "echo \$\$ >$root/b/cgroup.procs; exec stress-ng --vm 1 --vm-bytes 16m --vm-keep --timeout 30s --quiet" &
anon=$!
sleep 3

dump() {
	cat /sys/kernel/debug/lru_gen >"$out/lru_gen.$1" 2>/dev/null || true
	cat /sys/kernel/debug/lru_gen_full >"$out/lru_gen_full.$1" 2>/dev/null || true
	cat "$root/memory.stat" >"$out/memory.stat.$1"
	cat "$root/cgroup.stat" >"$out/cgroup.stat.$1"
	cat "$root/a/memory.stat" >"$out/memory.stat.a.$1"
	cat "$root/memory.events" >"$out/memory.events.$1"
	cat "$root/memory.current" >"$out/memory.current.$1"
	cat "$root/memory.numa_stat" >"$out/memory.numa_stat.$1"
}
dump live
# the "Key:  N kB" lines read by mr_proc_kb() (swap_pins)
cat "/proc/$anon/smaps_rollup" >"$out/smaps_rollup"
# offline leaf1 (its page cache stays), then wait a moment for RCU
rmdir "$root/a/leaf1"
sleep 2
dump after-rmdir
kill "$anon"
wait "$anon" || true
rm -f "$scratch/leaf1" "$scratch/leaf2"
rmdir "$root/a/leaf2" "$root/a" "$root/b" "$root" 2>/dev/null || true
dmesg >"$out/dmesg"
uname -r >"$out/release"
