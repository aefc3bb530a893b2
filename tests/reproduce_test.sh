#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# reproduce_test.sh — the `command` file of a results folder reruns the run:
# a run with knobs from the environment (one the profile sets, one it does
# not), --bootargs, --strict and --accel is prepared with --dry-run (no VM:
# the kernel is a file of random bytes, never booted); its command file is
# then run in an environment without those knobs, and the second run's
# guest.env and command must equal the first's.  Also: a knob equal to the
# profile's value is left out, and without --seed each run draws a seed.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
head -c 65536 /dev/urandom >"$tmp/bzImage"

fail() { echo "not ok: $*"; exit 1; }

# the knobs of the first run exist only in its environment
MR_RACE_SECONDS=60 MR_FILE_MB=8 MR_VM_TCG=multi "$top/run.sh" --dry-run \
	--kernel "$tmp/bzImage" --tests 'sizes_match dying_file' --results "$tmp/a" \
	--bootargs 'transparent_hugepage=never numa=off' --strict --accel tcg-single \
	2>"$tmp/log" || { cat "$tmp/log"; fail "dry run exited $?"; }
cmd=$(cat "$tmp/a/command")
echo "command: $cmd"
for want in 'MR_RACE_SECONDS=60 ' 'MR_VM_TCG=multi ' ' --seed [0-9]' \
	" --kernel $tmp/bzImage" ' --bootargs transparent_hugepage=never\\ numa=off' \
	' --strict' ' --accel tcg-single' ' --tests sizes_match\\ dying_file'; do
	grep -q -- "$want" <<<"$cmd" || fail "command lacks '$want'"
done
# MR_FILE_MB=8 is the quick profile's own value: nothing to reproduce
grep -q MR_FILE_MB <<<"$cmd" && fail "command names MR_FILE_MB, which equals the profile's"
grep -qx 'MR_RACE_SECONDS=60' "$tmp/a/guest.env" || fail "guest.env lacks MR_RACE_SECONDS=60"

# rebuild the run from the command file alone
env -u MR_RACE_SECONDS -u MR_FILE_MB -u MR_VM_TCG bash -c "$cmd --dry-run --results $tmp/b" \
	2>"$tmp/log" || { cat "$tmp/log"; fail "the command file did not run"; }
diff -u "$tmp/a/guest.env" "$tmp/b/guest.env" || fail "guest.env differs"
diff -u "$tmp/a/command" "$tmp/b/command" || fail "command differs"
echo "ok: guest.env and command rebuilt from the command file"

# no --seed: each run draws its own
"$top/run.sh" --dry-run --kernel "$tmp/bzImage" --tests sizes_match --results "$tmp/c" 2>/dev/null
"$top/run.sh" --dry-run --kernel "$tmp/bzImage" --tests sizes_match --results "$tmp/d" 2>/dev/null
s1=$(grep -o -- '--seed [0-9]*' "$tmp/c/command")
s2=$(grep -o -- '--seed [0-9]*' "$tmp/d/command")
[ "$s1" != "$s2" ] || fail "two runs without --seed drew the same seed ($s1)"
echo "ok: seeds drawn per run ($s1, $s2)"
