#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# kselftest-install.sh — the collection built and installed the way kernel
# CI systems do it (KernelCI, LKFT): as tools/testing/selftests/memcg_reparent
# of a kernel tree, through the kernel's own selftests Makefile and lib.mk,
# into O=, then listed by the installed run_kselftest.sh.
#
# The cached linux-source tree stays read-only: the kselftest framework files
# (Makefile, lib.mk, the harness headers, run_kselftest.sh, kselftest/) and
# scripts/subarch.include are copied into a throw-away tree beside our
# collection.  The tests are not run: they need root and a memcg v2 host,
# and the host's cgroups are not ours.
#
# Asserted: the install succeeds; run_kselftest.sh --list names exactly the
# test programs of selftests/ (a .c file with TEST_F() is one), no helper;
# -c memcg_reparent resolves to those programs (dry run); the installed
# collection holds the programs, helpers, settings, config and every job
# file of workloads/ in workloads/ beside the programs, where they look.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
ksrc=${KSRC:-$("$top/scripts/ksrc.sh")}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "not ok: $*"
	exit 1
}

kst=$tmp/linux/tools/testing/selftests
col=$kst/memcg_reparent
mkdir -p "$col/lib" "$tmp/linux/scripts"
cp "$ksrc/scripts/subarch.include" "$tmp/linux/scripts/"
cp -r "$ksrc/tools/testing/selftests/"{Makefile,lib.mk,kselftest.h,kselftest_harness.h,run_kselftest.sh,kselftest} "$kst/"
# sources only: a build of the working copy must not leak into the tree
cp "$top/selftests/"{*.c,Makefile,config,settings} "$col/"
cp "$top/selftests/lib/"*.[ch] "$col/lib/"
cp -r "$top/workloads" "$col/workloads"

inst=$tmp/out/kselftest/kselftest_install
make -s -C "$kst" TARGETS=memcg_reparent O="$tmp/out" install >"$tmp/make.log" 2>&1 ||
	{ tail -n 30 "$tmp/make.log"; fail "make -C tools/testing/selftests TARGETS=memcg_reparent O= install"; }
echo "ok: kselftest install into O="

# expected: every selftests/*.c that defines harness tests, by name
want=$(grep -l '^TEST_F\(_TIMEOUT\)\?(' "$top/selftests/"*.c | xargs -n1 basename |
	sed 's/\.c$//; s/^/memcg_reparent:/' | sort)
[ -n "$want" ] || fail "no test programs found in selftests/"
got=$("$inst/run_kselftest.sh" --list | grep '^memcg_reparent:' | sort)
[ "$got" = "$want" ] || fail "run_kselftest.sh --list: got '$got', expected '$want'"
echo "ok: run_kselftest.sh --list names the $(wc -l <<<"$want") test programs"

# the dry run prints what it would do: "run_many PROG..." in the collection
dry=$("$inst/run_kselftest.sh" --dry-run -c memcg_reparent)
runs=$(sed -n 's/^run_many //p' <<<"$dry")
for t in $want; do
	grep -qw -- "${t#memcg_reparent:}" <<<"$runs" ||
		fail "run_kselftest.sh -c memcg_reparent does not run ${t#memcg_reparent:}: $dry"
done
echo "ok: run_kselftest.sh -c memcg_reparent selects them"

for f in ${want//memcg_reparent:/} mr_logscan mr_lrugen; do
	[ -x "$inst/memcg_reparent/$f" ] || fail "installed collection lacks program $f"
done
for f in settings config; do
	cmp -s "$top/selftests/$f" "$inst/memcg_reparent/$f" || fail "installed $f differs"
done
for f in "$top/workloads/"*; do
	cmp -s "$f" "$inst/memcg_reparent/workloads/${f##*/}" ||
		fail "installed collection lacks job file workloads/${f##*/}"
done
echo "ok: installed programs, helpers, settings, config and $(find "$top/workloads" -type f | wc -l) job files"

# Outside a tree the same Makefile installs the same collection on its own.
make -s -C "$top/selftests" install INSTALL_PATH="$tmp/standalone" >"$tmp/make.log" 2>&1 ||
	{ tail -n 30 "$tmp/make.log"; fail "standalone make install"; }
for f in ${want//memcg_reparent:/} mr_logscan mr_lrugen settings config; do
	[ -e "$tmp/standalone/$f" ] || fail "standalone install lacks $f"
done
[ "$(find "$tmp/standalone/workloads" -type f | wc -l)" = "$(find "$top/workloads" -type f | wc -l)" ] ||
	fail "standalone install lacks job files"
got=$(make -s -C "$top/selftests" emit_tests | sort)
[ "$got" = "$want" ] || fail "standalone emit_tests: got '$got'"
echo "ok: standalone install and emit_tests"
