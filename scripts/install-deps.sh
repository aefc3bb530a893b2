#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Install the Debian packages the suite needs, only those missing.
# Runs as root on a Debian machine; elsewhere it prints what to install.
set -eu

# runtime: VM, initramfs, load, results; build: C tests, kernels; check: lint,
# plots, the results page rendered headless (chromium), the example CI
# definitions (systemd-analyze verify, a YAML parser)
PKGS="qemu-system-x86 qemu-utils busybox-static cpio kmod xz-utils zstd e2fsprogs
      libcgroup-dev stress-ng fio jq gnuplot-nox
      build-essential flex bison bc libelf-dev libssl-dev ccache
      shellcheck rsync libxml2-utils chromium systemd python3-yaml"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
	echo "install-deps: missing packages:$missing" >&2
	echo "install-deps: run as root on Debian, or install them yourself" >&2
	exit 3
fi
echo "install-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# Two run.sh at once on a fresh machine: apt fails at once on a lock held
# by another apt; wait for it instead (up to 10 minutes).
apt_wait="-o DPkg::Lock::Timeout=600"
# shellcheck disable=SC2086 # apt_wait is a word list
apt-get $apt_wait update -qq
# shellcheck disable=SC2086 # word splitting of the package list is intended
apt-get $apt_wait install -y -qq --no-install-recommends $missing >&2
