#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# guest-init.sh RESULTS_DIR — PID 1 inside the test VM (after the initramfs).
#
# Prepares what the tests need that the read-only host root cannot give:
# debugfs, cgroup2, the scratch ext4 disk, zram swap.  Then runs the command
# the host left in RESULTS_DIR/guest.args (one word a line; normally
# scripts/run-tests.sh), stores its exit code in RESULTS_DIR/guest.rc and
# powers off.  A missing
# guest.rc tells the host that the guest died (panic, hang) before the end.
# No -e: PID 1 must reach power_off whatever fails on the way.
set -u
results=$1
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp

say() { echo "memcg_reparent-guest: $*" >/dev/console; }

power_off() {
	sync
	umount "$results" 2>/dev/null
	echo o >/proc/sysrq-trigger
	# The power-off runs from a work item.  Until it stops the machine,
	# PID 1 must not exit (the kernel panics: "Attempted to kill init")
	# and cannot rely on exec: the host root is a 9p share whose virtio
	# device is going away (a sid run saw /usr/bin/sleep fail with EIO,
	# then that panic, counted as kernel badness after the last test).
	# A bash builtin blocks on the console's input instead.
	while :; do
		read -r -t 60 _ </dev/console 2>/dev/null || :
	done
}
trap power_off EXIT

mount -t debugfs debugfs /sys/kernel/debug
# POSIX shared memory (shm_open, stress-ng's shm stressor) lives in /dev/shm,
# which devtmpfs does not provide
mkdir -p /dev/shm
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
# Without cgroup v2's memory controller (cgroup_disable=memory, a kernel
# without CONFIG_MEMCG or cgroup v2) there is nothing to test: the host
# reports it as untestable (exit 3/125), neither a pass nor a failure.
if ! grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
	why="no cgroup v2 memory controller on this kernel"
	grep -qw cgroup2 /proc/filesystems || why="no cgroup v2 on this kernel"
	grep -qE '(^| )cgroup_disable=([^ ]*,)?memory' /proc/cmdline &&
		why="memory controller off: cgroup_disable=memory on the kernel command line"
	echo "$why" >"$results/guest.untestable"
	say "untestable: $why"
	exit 0
fi
# the whole guest is ours: the memory controller for every subtree
echo +memory >/sys/fs/cgroup/cgroup.subtree_control
mkdir -p /run/memcg-reparent/scratch
if err=$(mount -t ext4 /dev/vda /run/memcg-reparent/scratch 2>&1); then
	export MR_SCRATCH=/run/memcg-reparent/scratch
	# The block device's inode (the file system's metadata) joins the
	# cgroup writeback of whoever dirties it first and keeps it: dirtied
	# here, from the root cgroup, a test's removed memcg is not pinned by
	# the journal's later writes of it.
	: >"$MR_SCRATCH/.memcg-reparent-init" && sync
else
	# What the host needs to tell a kernel that cannot mount the disk it
	# supports (bad) from one that lacks the support (untestable): vm.sh,
	# scratch_fault() in lib.sh
	{
		echo "mount=$(head -n 1 <<<"${err:-failed}")"
		if [ -b /dev/vda ]; then echo "vda=present"; else echo "vda=absent"; fi
		if grep -qw ext4 /proc/filesystems; then echo "ext4=registered"; else echo "ext4=absent"; fi
		dmesg | grep -E 'EXT4-fs \(vda\)|virtio_blk' | tail -n 5 | sed 's/^/dmesg=/'
	} >"$results/guest.scratch-failed"
	say "no scratch disk ($(head -n 1 <<<"${err:-mount failed}")): page cache tests will skip"
fi
# zram swap: half of the guest's memory, so anon tests can push pages out
if [ -e /sys/block/zram0/disksize ]; then
	mem_kb=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
	if ! { echo "$((mem_kb / 2))K" >/sys/block/zram0/disksize &&
		mkswap /dev/zram0 >/dev/null && swapon /dev/zram0; }; then
		say "zram swap setup failed"
	fi
fi

# the host's MR_* settings (run.sh writes them with printf %q)
if [ -f "$results/guest.env" ]; then
	set -a
	# shellcheck disable=SC1091 # written at run time by run.sh
	. "$results/guest.env"
	set +a
fi

# MR_INJECT_OOPS=N (the suite's own self-test of the host's console
# watcher, tests/run-checks.sh): N seconds into the first test, an oops
# line reaches the console as if the kernel had printed it.  It says what
# it is; the kernel itself is not harmed, so only the host's reaction to
# the console is tested by it.
if [ -n "${MR_INJECT_OOPS:-}" ]; then
	(
		until dmesg | grep -q 'memcg_reparent: start'; do sleep 1; done
		sleep "$MR_INJECT_OOPS"
		echo "Oops: injected by MR_INJECT_OOPS (no kernel fault) [#1]" >/dev/kmsg
	) &
fi

mapfile -t args <"$results/guest.args"
say "running: ${args[*]}"
"${args[@]}" >/dev/console 2>&1
rc=$?
echo "$rc" >"$results/guest.rc"
say "${args[0]##*/} exited $rc"
