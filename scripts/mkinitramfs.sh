#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# mkinitramfs.sh OUT.cpio.gz [MODULES_DIR]
#
# A minimal initramfs: busybox-static, the modules the guest needs before it
# can mount the host root over 9p (and the scratch disk, zram), and
# scripts/guest-initramfs-init as /init.  MODULES_DIR is lib/modules/<release>
# of the guest kernel; without it every driver must be built in.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
. "$here/lib.sh"

out=${1:?usage: mkinitramfs.sh OUT.cpio.gz [MODULES_DIR]}
moddir=${2:-}

busybox=/bin/busybox
file -L "$busybox" 2>/dev/null | grep -q 'statically linked' ||
	die 3 "$busybox is not static: install busybox-static"

work=$(mktemp -d)
tmp=""
trap 'rm -rf "$work" ${tmp:+"$tmp"}' EXIT
mkdir -p "$work"/{bin,dev,proc,sys,newroot,lib/modules}
cp "$busybox" "$work/bin/busybox"
cp "$here/guest-initramfs-init" "$work/init"
chmod 755 "$work/init"

# Modules in load order.  virtio_pci is built into Debian kernels; the list
# names it anyway so a kernel with it as a module still boots.
wanted="virtio_pci 9p 9pnet_virtio virtio_blk ext4 zram"
if [ -n "$moddir" ]; then
	[ -d "$moddir" ] || die 2 "modules folder $moddir does not exist"
	moddir=$(readlink -f "$moddir")
	rel=$(basename "$moddir")
	# modprobe wants <root>/lib/modules/<rel>; the tree may be /usr/lib/...
	mroot="$work/modroot"
	mkdir -p "$mroot/lib/modules"
	ln -s "$(cd "$moddir" && pwd)" "$mroot/lib/modules/$rel"
	[ -s "$moddir/modules.dep" ] || depmod -b "$mroot" "$rel" 2>/dev/null
	: >"$work/modules.order"
	for m in $wanted; do
		modprobe -d "$mroot" -S "$rel" --show-depends "$m" 2>/dev/null |
			awk '$1 == "insmod" { print $2 }'
	done | awk '!seen[$0]++' | while read -r ko; do
		name=$(basename "$ko")
		case $name in
		*.ko.xz) xz -dc "$ko" >"$work/lib/modules/${name%.xz}" ;;
		*.ko.zst) zstd -qdc "$ko" >"$work/lib/modules/${name%.zst}" ;;
		*.ko.gz) gzip -dc "$ko" >"$work/lib/modules/${name%.gz}" ;;
		*) cp "$ko" "$work/lib/modules/$name" ;;
		esac
		echo "${name%.ko*}.ko" >>"$work/modules.order"
	done
	rm -rf "$mroot"
fi

# A temporary name of our own, renamed into place: two runs building the
# same initramfs at once each write their own file, and a reader sees a
# whole one or none.
tmp=$(mktemp "$out.XXXXXX")
(cd "$work" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$tmp"
chmod 644 "$tmp"
mv -f "$tmp" "$out"
