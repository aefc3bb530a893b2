#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# capture.sh debian|bookworm — `make fixtures KERNEL=...`: boot that Debian
# kernel, run tests/capture-fixtures.sh inside, and store what it dumped as
# tests/fixtures/<release>/ (the parsers' unit tests read those files).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
case ${1:-} in
debian) suite=sid ;;
bookworm) suite=bookworm ;;
*) echo "usage: capture.sh debian|bookworm" >&2; exit 2 ;;
esac
k=$("$top/scripts/fetch-debian-kernel.sh" "$suite" image)
tmp=$(mktemp -d "$top/results/capture.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
"$top/scripts/vm.sh" --kernel "$k/vmlinuz" --modules "$k/modules" --results "$tmp" \
	--timeout 180 -- "$top/tests/capture-fixtures.sh" "$tmp/out"
rel=$(cat "$tmp/out/release")
mkdir -p "$top/tests/fixtures/$rel"
cp "$tmp"/out/* "$top/tests/fixtures/$rel/"
cp "$tmp/console.log" "$top/tests/fixtures/$rel/console.log"
echo "fixtures of $rel in tests/fixtures/$rel"
