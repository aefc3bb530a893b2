#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# ksrc.sh — print the kernel tree whose tools/testing/selftests/kselftest_harness.h
# the test programs build against, in this order:
#   1. $KSRC, when set;
#   2. the tree the suite sits in (as tools/testing/selftests/memcg_reparent);
#   3. Debian sid's newest linux-source, fetched once into the cache.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
harness=tools/testing/selftests/kselftest_harness.h

if [ -n "${KSRC:-}" ]; then
	[ -f "$KSRC/$harness" ] || {
		echo "ksrc.sh: error: KSRC=$KSRC has no $harness" >&2
		exit 2
	}
	cd "$KSRC" && pwd
	exit 0
fi
up=$(cd "$here/../../../../.." 2>/dev/null && pwd)
if [ -f "$up/$harness" ] && [ -f "$up/Kbuild" ]; then
	echo "$up"
	exit 0
fi
src=$("$here/fetch-debian-kernel.sh" sid source) || {
	echo "ksrc.sh: error: no kernel tree: set KSRC=<kernel tree> or let the suite fetch linux-source" >&2
	exit 3
}
echo "$src/tree"
