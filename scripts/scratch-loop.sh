#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# scratch-loop.sh up MOUNTPOINT OWNER-PID   the suite's own scratch ext4
# scratch-loop.sh down MOUNTPOINT           unmount, detach, delete it
# scratch-loop.sh reap                      the same for runs that are gone
#
# Local mode (run-tests.sh on a host) without MR_SCRATCH: the page cache
# tests need a block file system of their own.  `up` makes one: a sparse
# image in the cache ($MR_CACHE/scratch/run.<owner pid>.<owner start>.img,
# 4 GiB like the VM's scratch disk), mkfs.ext4, attached to a free loop device
# with direct I/O and mounted on MOUNTPOINT.  Direct I/O is required: the
# loop worker charges its I/O to the memcg that issued it, so with buffered
# I/O the image's own page cache would be charged to the test's memcgs, a
# second copy of every page the tests write (a loop device that cannot do
# direct I/O is refused).  `down` undoes it, and only for a mount whose
# device is backed by one of these images; `reap` does it for every image
# whose owner is gone (a SIGKILLed run).  Nothing else is ever unmounted or
# detached.  Exit: 0, 2 bad usage, 3 the scratch could not be made (the
# page cache tests then skip, as before).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
. "$here/lib.sh"

dir="$MR_CACHE/scratch"

# ours IMAGE: an image this script made (run.PID.START.img in $dir)
ours() {
	case ${1##*/} in run.[0-9]*.[0-9]*.img) [ "${1%/*}" = "$dir" ] ;; *) false ;; esac
}

# backing DEV: the file behind loop device DEV
backing() { cat "/sys/block/${1#/dev/}/loop/backing_file" 2>/dev/null || true; }

# release IMAGE: unmount every mount of a loop device backed by IMAGE,
# detach those devices, delete IMAGE
release() {
	local img=$1 dev mnt i
	for dev in $(losetup -n -O NAME -j "$img" 2>/dev/null); do
		for mnt in $(findmnt -n -l -o TARGET -S "$dev" 2>/dev/null); do
			# the tests' last writes may still hold it for a moment
			for i in 1 2 3 4 5 6 7 8 9 10; do
				umount "$mnt" 2>/dev/null && break
				[ "$i" = 10 ] && {
					log "$mnt busy: detached lazily"
					umount -l "$mnt"
				}
				sleep 0.5
			done
			rmdir "$mnt" 2>/dev/null || true
		done
		losetup -d "$dev" 2>/dev/null || true
	done
	rm -f "$img"
}

reap() {
	local img name pid start
	for img in "$dir"/run.*.img; do
		[ -f "$img" ] || continue
		name=${img##*/run.}
		pid=${name%%.*}
		start=${name#*.}
		start=${start%.img}
		proc_alive "$pid" "$start" && continue
		log "releasing the scratch image of a run that is gone (pid $pid)"
		release "$img"
	done
}

up() {
	local mnt=$1 owner=$2 start img dev
	start=$(proc_start "$owner")
	[ -n "$start" ] || die 2 "owner $owner does not run"
	reap
	for c in mkfs.ext4 losetup findmnt; do
		command -v "$c" >/dev/null || die 3 "$c not installed"
	done
	mkdir -p "$dir" "$mnt"
	img="$dir/run.$owner.$start.img"
	truncate -s 4G "$img"
	mkfs.ext4 -q -F -L mr-scratch "$img" || { rm -f "$img"; die 3 "mkfs.ext4 $img failed"; }
	dev=$(losetup --find --show --direct-io=on "$img" 2>/dev/null) || {
		rm -f "$img"
		die 3 "no loop device for $img"
	}
	if [ "$(cat "/sys/block/${dev#/dev/}/loop/dio" 2>/dev/null)" != 1 ]; then
		release "$img"
		die 3 "$dev cannot do direct I/O on ${img%/*}: its own page cache would be charged to the tests"
	fi
	mount -t ext4 "$dev" "$mnt" || { release "$img"; die 3 "mount $dev on $mnt failed"; }
	# the file system's metadata is first dirtied here, outside the tests'
	# memcgs (its block device inode joins the first writer's writeback)
	: >"$mnt/.memcg-reparent-init" && sync -f "$mnt/.memcg-reparent-init"
	log "scratch: $img on $dev (direct I/O), mounted on $mnt"
}

down() {
	local mnt=$1 dev img
	dev=$(findmnt -n -o SOURCE --mountpoint "$mnt" 2>/dev/null) || return 0
	img=$(backing "$dev")
	ours "$img" || die 2 "$mnt is not a scratch mount of this suite ($dev: ${img:-no loop device})"
	release "$img"
	rmdir "$mnt" 2>/dev/null || true
}

case ${1:-} in
up) [ $# = 3 ] || die 2 "usage: scratch-loop.sh up MOUNTPOINT OWNER-PID"; up "$2" "$3" ;;
down) [ $# = 2 ] || die 2 "usage: scratch-loop.sh down MOUNTPOINT"; down "$2" ;;
reap) reap ;;
*) die 2 "usage: scratch-loop.sh up MOUNTPOINT OWNER-PID | down MOUNTPOINT | reap" ;;
esac
