#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# scratch_fault_test.sh — whose fault a scratch disk that did not mount in
# the suite's VM is (scratch_fault in scripts/lib.sh; README, "Bisecting"):
# the kernel's (bad, 1) when it had ext4 and the disk, or claims them built
# in; untestable otherwise.  On the guest's records of two real runs of the
# suite's debug kernel (tests/fixtures/scratch/): with every ext4 mount
# failing (configs/injections/ext4-mount-fails.mut) and booted with
# initcall_blacklist=ext4_init_fs; then on variations of them.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"
fx=$top/tests/fixtures/scratch
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# expect NAME WANT_RE FACTS CONFIG CMDLINE
expect() {
	local got
	got=$(scratch_fault "$3" "$4" "$5")
	if grep -qE -- "$2" <<<"$got"; then
		echo "ok: $1: $got"
	else
		echo "not ok: $1: '$got', expected /$2/"
		fail=1
	fi
}

cmdline="console=ttyS0 mr.init=/x"
inj=$fx/ext4-mount-fails.facts
bl=$fx/initcall-blacklist.facts
y=$fx/config-y
printf 'CONFIG_EXT4_FS=m\nCONFIG_VIRTIO_BLK=m\n' >"$tmp/config-m"
printf '# CONFIG_EXT4_FS is not set\nCONFIG_VIRTIO_BLK=y\n' >"$tmp/config-n"

expect "mount fails, ext4 and vda there (real)" '^kernel: ext4 registered and /dev/vda present, yet the scratch disk did not mount: .*' \
	"$inj" "$y" "$cmdline"
expect "the same whatever the config says" '^kernel: ext4 registered' "$inj" "$tmp/config-m" "$cmdline"
expect "ext4 switched off on the command line (real)" '^untestable: the command line switches' \
	"$bl" "$y" "$(cat "$fx/initcall-blacklist.cmdline")"
expect "no ext4, CONFIG_EXT4_FS=y, nothing on the command line" \
	'^kernel: built with CONFIG_EXT4_FS=y .*no ext4 at run time' "$bl" "$y" "$cmdline"
expect "no ext4, a module, none given" '^untestable: no ext4 in this kernel \(CONFIG_EXT4_FS=m' \
	"$bl" "$tmp/config-m" "$cmdline"
expect "no ext4, not built" '^untestable: no ext4 in this kernel \(CONFIG_EXT4_FS=;' \
	"$bl" "$tmp/config-n" "$cmdline"
expect "no config (a PATH kernel without one): untestable" '^untestable: no ext4' \
	"$bl" "$tmp/none" "$cmdline"
sed 's/^vda=.*/vda=absent/; s/^ext4=.*/ext4=registered/' "$inj" >"$tmp/novda"
expect "no /dev/vda, CONFIG_VIRTIO_BLK=y" '^kernel: built with CONFIG_VIRTIO_BLK=y' "$tmp/novda" "$y" "$cmdline"
expect "no /dev/vda, a module" '^untestable: no /dev/vda \(CONFIG_VIRTIO_BLK=m' "$tmp/novda" "$tmp/config-m" "$cmdline"
expect "virtio_blk blacklisted among others" '^untestable: the command line' "$tmp/novda" "$y" \
	"console=ttyS0 module_blacklist=floppy,virtio_blk quiet"
expect "a look-alike option is no switch-off" '^kernel: built with CONFIG_VIRTIO_BLK=y' "$tmp/novda" "$y" \
	"console=ttyS0 mr.x=initcall_blacklist=virtio_blk_initx"
{
	cat "$inj"
	echo "dmesg=[    2.1] EXT4-fs (vda): couldn't mount RDWR because of unsupported optional features (10000)"
} >"$tmp/features"
expect "a disk with features the kernel predates" '^untestable: the host.s mkfs.ext4 made' "$tmp/features" "$y" "$cmdline"
exit "$fail"
