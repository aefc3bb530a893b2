#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# knobs_test.sh — the one knob table and the bounds derived from it
# (configs/knobs.tsv, configs/bounds.tsv, scripts/knobs.sh), no VM:
#   - what is generated from the tables (selftests/lib/mr_knob_table.h,
#     selftests/settings, the README's tables) agrees with them, and the
#     comparison fails when one is edited by hand;
#   - the cases read from the sources are the ones the built programs list;
#   - run.sh --dry-run accepts the three shipped profiles (VM mode), with
#     quick's bounds within its budget and above what 6.1 took;
#   - run.sh refuses with exit 2 (128 under --bisect), naming the program
#     and the knob: a profile whose races cannot fit its budget, an
#     MR_TEST_TIMEOUT or MR_VM_TIMEOUT below the need (accepted with a
#     warning under MR_SHORT_BOUNDS=1), a value out of range, a profile
#     line that is no knob, a case without a row in configs/bounds.tsv.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "not ok: $*"; fail=1; }

# a kernel "image" that only has to be readable: --dry-run stops before
# booting, but takes the VM's bounds (boot included)
fake=$tmp/bzImage
echo "not a kernel" >"$fake"

# dry RC-WANT NAME ENV... -- ARGS...: run.sh --dry-run with ENV must exit
# RC-WANT; its output in $tmp/NAME.log, its folder $tmp/NAME
dry() {
	local want=$1 name=$2 rc=0
	shift 2
	local envs=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	env "${envs[@]}" "$top/run.sh" --dry-run --kernel "$fake" --results "$tmp/$name" "$@" \
		>"$tmp/$name.log" 2>&1 || rc=$?
	if [ "$rc" = "$want" ]; then return 0; fi
	bad "$name: expected exit $want, got $rc"
	sed 's/^/#   /' "$tmp/$name.log"
	return 1
}

# says NAME PATTERN...: the output of run NAME holds every PATTERN
says() {
	local name=$1 p
	shift
	for p in "$@"; do
		grep -qF -- "$p" "$tmp/$name.log" || { bad "$name: no '$p' in its message"; sed 's/^/#   /' "$tmp/$name.log"; return 1; }
	done
}

# run_env NAME KEY: KEY of run NAME's run.env
run_env() { sed -n "s/^$2=//p" "$tmp/$1/run.env" 2>/dev/null || true; }

# --- generated files and the README agree with the tables ---------------
if "$top/scripts/knobs.sh" check >"$tmp/check.log" 2>&1; then
	ok "mr_knob_table.h, settings and the README's tables agree with the tables"
else
	bad "generated files disagree with the tables"; sed 's/^/#   /' "$tmp/check.log"
fi
# ... and the comparison can fail: a copy with one README value changed,
# one with a range changed in the table
for edit in readme table; do
	c=$tmp/copy-$edit
	mkdir -p "$c/selftests/lib"
	cp -r "$top/scripts" "$top/configs" "$top/README.md" "$c/"
	cp "$top/selftests/"*.c "$top/selftests/Makefile" "$top/selftests/settings" "$c/selftests/"
	cp "$top/selftests/lib/mr_knob_table.h" "$c/selftests/lib/"
	# shellcheck disable=SC2016 # markdown's backticks
	case $edit in
	readme) sed -i 's/^| `MR_DEPTH` | 2 |/| `MR_DEPTH` | 3 |/' "$c/README.md" ;;
	table) sed -i 's/^\(MR_DEPTH\tint\t2\t\)1\.\.16/\11..17/' "$c/configs/knobs.tsv" ;;
	esac
	if cmp -s "$c/README.md" "$top/README.md" && cmp -s "$c/configs/knobs.tsv" "$top/configs/knobs.tsv"; then
		bad "the $edit edit changed nothing (the test is stale)"
	elif "$c/scripts/knobs.sh" check >"$tmp/check-$edit.log" 2>&1; then
		bad "a hand-edited $edit passes the check"
	else
		ok "a hand-edited $edit fails the check"
	fi
done

# --- the cases of the sources are the programs' own -------------------
# (made up to date first, as run.sh does: one make of a checkout at a time)
if flock "$top/selftests" make -s -C "$top/selftests" >"$tmp/make.log" 2>&1; then
	read -ra progs < <(awk '/^TEST_GEN_PROGS := / { sub(/^[^=]*= */, ""); print; exit }' \
		"$top/selftests/Makefile")
	for p in "${progs[@]}"; do
		# kselftest_harness.h's -l: FIXTURE, VARIANT, TEST columns, a
		# column left blank repeats the row above
		"$top/selftests/$p" -l 2>&1 | awk '
			/^# FIXTURE/ { v = index($0, "VARIANT"); t = index($0, "TEST"); next }
			/^---/ { on = 1; next }
			on && NF {
				f0 = substr($0, 1, v - 1); v0 = substr($0, v, t - v); t0 = substr($0, t)
				gsub(/ /, "", f0); gsub(/ /, "", v0); gsub(/ /, "", t0)
				if (f0 != "") { F = f0; V = "" }
				if (v0 != "") V = v0
				if (t0 != "") T = t0
				if (F == "global" && T == "") next
				print F "." (V == "" ? "" : V ".") T
			}' | sort >"$tmp/$p.bin"
		"$top/scripts/knobs.sh" cases "$p" | sort >"$tmp/$p.src"
		if [ -s "$tmp/$p.bin" ] && cmp -s "$tmp/$p.bin" "$tmp/$p.src"; then
			ok "$p: $(wc -l <"$tmp/$p.src") cases, the same in its source and its -l"
		else
			bad "$p: cases of the source and of the binary differ"
			diff "$tmp/$p.bin" "$tmp/$p.src" | sed 's/^/#   /'
		fi
	done
else
	bad "the test programs do not build"; tail -n 20 "$tmp/make.log" | sed 's/^/#   /'
fi

# --- the shipped profiles are accepted -----------------------------------
for p in quick nightly soak; do
	dry 0 "$p" -- --profile "$p" || continue
	vm=$(run_env "$p" bounds_vm_timeout) budget=$(run_env "$p" bounds_budget)
	if [ -n "$vm" ] && [ -n "$budget" ] && [ "$vm" -le "$budget" ]; then
		ok "$p accepted: VM bound $vm s within MR_BUDGET $budget s"
	else
		bad "$p: VM bound '$vm' s, budget '$budget' s"
	fi
done
# quick: no bound below what 6.1 took (6.1 fails every dying check and
# spends every wait: docs/measurements.md, 2026-11-26: 353-411 s wall; per
# program at most dying_file 79 s, dying_anon 108, sizes_match 86,
# reparent_race 85 (beside two other VMs); dying_percpu 68 on sid beside
# five other VMs)
vm=$(run_env quick bounds_vm_timeout)
if [ -n "$vm" ] && [ "$vm" -ge 411 ]; then
	ok "quick's VM bound $vm s: above the 411 s 6.1 took"
else
	bad "quick's VM bound '$vm' s is below the 411 s 6.1 took"
fi
floors="dying_file:79 dying_anon:108 sizes_match:86 reparent_race:85 dying_percpu:68"
for f in $floors; do
	t=$(run_env quick bounds_test_timeouts | tr ' ' '\n' | sed -n "s/^${f%%:*}://p")
	if [ -n "$t" ] && [ "$t" -gt "${f#*:}" ]; then
		ok "quick's ${f%%:*} timeout $t s is above the ${f#*:} s it took on 6.1"
	else
		bad "quick's ${f%%:*} timeout '$t' s is not above the ${f#*:} s it took on 6.1"
	fi
done
# the guest gets each program's bound
if grep -q '^MR_PROGRAM_TIMEOUTS=.*reparent_race:[0-9]' "$tmp/quick/guest.env"; then
	ok "guest.env carries the programs' timeouts"
else
	bad "no MR_PROGRAM_TIMEOUTS in guest.env"
fi

# --- refused -------------------------------------------------------------
# a race longer than quick's budget allows: names the program and the knob
dry 2 race MR_RACE_SECONDS=600 -- &&
	says race "over MR_BUDGET=" "s of profile quick" "reparent_race 1240 s" "MR_RACE_SECONDS=600" &&
	ok "MR_RACE_SECONDS=600 in quick: exit 2, reparent_race and MR_RACE_SECONDS named"
dry 128 race-bisect MR_RACE_SECONDS=600 -- --bisect && ok "the same with --bisect: 128"
# the soak profile as it was: 7800 s per program for 2 x 7200 s of race
dry 2 soak-old MR_TEST_TIMEOUT=7800 MR_VM_TIMEOUT=9000 -- --profile soak &&
	says soak-old "MR_TEST_TIMEOUT=7800 s cannot hold reparent_race: its cases need 14460 s" \
		"MR_TEST_TIMEOUT=7800 s cannot hold lru_switch" "MR_VM_TIMEOUT=9000 s cannot hold the run" &&
	ok "soak's old bounds (7800 s per program, 9000 s VM): exit 2, both races named"
# a VM bound below one program's need; accepted (with a warning) only as a
# self-test of the timeout path
dry 2 vm-short MR_VM_TIMEOUT=45 MR_RACE_SECONDS=120 -- --tests reparent_race &&
	says vm-short "MR_VM_TIMEOUT=45 s cannot hold the run" && ok "MR_VM_TIMEOUT below the need: exit 2"
dry 0 vm-short-ok MR_SHORT_BOUNDS=1 MR_VM_TIMEOUT=45 MR_RACE_SECONDS=120 -- --tests reparent_race &&
	says vm-short-ok "warning (MR_SHORT_BOUNDS=1)" &&
	[ "$(run_env vm-short-ok bounds_vm_timeout)" = 45 ] &&
	ok "MR_SHORT_BOUNDS=1: taken with a warning, run.env says 45 s"
# MR_TEST_TIMEOUT set and enough: every program gets it
dry 0 test-timeout MR_RACE_SECONDS=60 MR_TEST_TIMEOUT=300 -- --tests reparent_race &&
	[ "$(run_env test-timeout bounds_test_timeouts)" = "reparent_race:300" ] &&
	ok "MR_TEST_TIMEOUT=300 for 2 x 60 s of race: taken"
# values out of range, a profile line that is no knob
dry 2 range MR_DEPTH=17 -- && says range "MR_DEPTH=17: expected an integer in 1..16" &&
	ok "MR_DEPTH=17: exit 2, range named"
dry 2 enum MR_VM_TCG=double -- && says enum "MR_VM_TCG=double: expected one of single, multi" &&
	ok "MR_VM_TCG=double: exit 2"
c=$tmp/copy-table
cp "$top/configs/profiles/quick.conf" "$c/configs/profiles/typo.conf"
echo "MR_RACE_SECOND=60" >>"$c/configs/profiles/typo.conf"
# (a case without a row, in the same copy)
cp "$top/configs/bounds.tsv" "$c/configs/bounds.tsv"
sed -i '/^dying_task\./d' "$c/configs/bounds.tsv"
# refused NAME PROFILE WANT: knobs.sh bounds PROFILE of the copy exits 2
# and names WANT
refused() {
	local rc=0
	"$c/scripts/knobs.sh" bounds "$2" >"$tmp/$2.log" 2>&1 || rc=$?
	if [ "$rc" = 2 ] && grep -q "$3" "$tmp/$2.log"; then
		ok "$1: exit 2, named"
	else
		bad "$1: exit $rc"
		sed 's/^/#   /' "$tmp/$2.log"
	fi
}
refused "a profile line that is no knob (MR_RACE_SECOND)" typo 'MR_RACE_SECOND is no knob'
refused "a case without a row in configs/bounds.tsv" soak 'no need for case dying_task.exec.offline'

[ "$fail" = 0 ] && echo "all knob checks passed"
exit "$fail"
