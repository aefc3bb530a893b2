#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# scratch_loop_test.sh — scripts/scratch-loop.sh, the scratch ext4 of local
# mode, on this machine's loop devices: up mounts an ext4 image of the cache
# with direct I/O, down removes mount, device and image, down refuses a
# mount that is not the suite's, reap releases the image of an owner that
# died and leaves a live owner's alone.  No cgroup is touched; the cache is
# a temporary one, and another mount only exists in a private mount
# namespace.  (run-tests.sh's use of it, signals included, is proven inside
# the VM: tests/scratch-loop-vm.sh.)  Needs root and loop devices.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
sl=$top/scripts/scratch-loop.sh
n=0 failed=0
# ok NAME: the check that just ran ($? of the caller's last command)
ok() {
	local rc=$?
	n=$((n + 1))
	if [ "$rc" = 0 ]; then echo "ok $n $1"; else echo "not ok $n $1"; failed=$((failed + 1)); fi
}
if [ "$(id -u)" != 0 ] || [ ! -e /dev/loop-control ]; then
	echo "1..0 # SKIP needs root and loop devices"
	exit 0
fi
tmp=$(mktemp -d)
export MR_CACHE=$tmp/cache
owner=""
cleanup() {
	[ -n "$owner" ] && kill -9 "$owner" 2>/dev/null
	for m in "$tmp"/mnt*; do
		mountpoint -q "$m" 2>/dev/null && "$sl" down "$m" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

loops() { losetup -n -O NAME -j "$1" 2>/dev/null; }
image() { ls "$MR_CACHE"/scratch/run.*.img 2>/dev/null; }
# gone MOUNTPOINT IMAGE: no mount there, no loop device on IMAGE, no IMAGE
gone() { ! mountpoint -q "$1" 2>/dev/null && [ -z "$(loops "$2")" ] && [ ! -e "$2" ]; }

"$sl" up "$tmp/mnt" $$ 2>"$tmp/err" || cat "$tmp/err"
ok "up exits 0"
img=$(image)
dev=$(findmnt -n -o SOURCE --mountpoint "$tmp/mnt")
[ "$(findmnt -n -o FSTYPE --mountpoint "$tmp/mnt")" = ext4 ]
ok "an ext4 is mounted there"
[[ $img == $MR_CACHE/scratch/run.$$.[0-9]*.img ]] && [ "$(loops "$img")" = "$dev" ]
ok "from run.PID.START.img in the cache"
[ "$(cat "/sys/block/${dev#/dev/}/loop/dio")" = 1 ]
ok "through direct I/O"
[ -f "$tmp/mnt/.memcg-reparent-init" ] && echo x >"$tmp/mnt/f"
ok "writable, metadata dirtied by up"
"$sl" reap 2>/dev/null
mountpoint -q "$tmp/mnt" && [ -f "$img" ]
ok "reap leaves the image of a live owner"
"$sl" down "$tmp/mnt"
gone "$tmp/mnt" "$img" && [ ! -e "$tmp/mnt" ]
ok "down: no mount, no loop device, no image, no folder"

# another file system on a folder: down refuses it and leaves it mounted
mkdir -p "$tmp/mnt-other"
# shellcheck disable=SC2016 # expanded by the inner shell
unshare -m bash -c '
	mount -t tmpfs other "$1/mnt-other" || exit 9
	"$2" down "$1/mnt-other" 2>/dev/null
	rc=$?
	mountpoint -q "$1/mnt-other" || exit 8
	[ "$rc" = 2 ]' _ "$tmp" "$sl"
ok "down refuses a mount that is not the suite's (exit 2, still mounted)"

# an owner that dies (SIGKILL: it cleans nothing): the next reap releases it
sleep 300 &
owner=$!
"$sl" up "$tmp/mnt2" "$owner" 2>/dev/null
img=$(image)
mountpoint -q "$tmp/mnt2" && [[ $img == *run.$owner.* ]]
ok "up for another owner"
{
	kill -9 "$owner"
	wait "$owner"
} 2>/dev/null
owner=""
"$sl" reap 2>/dev/null
gone "$tmp/mnt2" "$img"
ok "reap after the owner's SIGKILL: no mount, no loop device, no image"
"$sl" up "$tmp/x" 2>/dev/null
[ $? = 2 ]
ok "bad usage exits 2"

echo "1..$n"
echo "$((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
