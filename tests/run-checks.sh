#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# run-checks.sh [GROUP...] — the project's own tests (`make check`).
# Groups: lint unit runner kselftest vm (default: all).  Prints one "ok"/"not ok" line
# per check and ends with "N passed, M failed"; exit 1 if any failed.
#   lint    shellcheck on every shell script; checkpatch.pl on the C files
#   unit    parser and classifier unit tests on real-kernel fixtures; the
#           verdict and run.sh --recheck on kept real runs, their index.html
#           rendered by headless Chromium; the nightly's history, comparison
#           and bisect on a small git tree without VM (nightly_test.sh); the
#           example CI units by systemd-analyze verify (ci_definitions_test.sh)
#           (tests/*_test.sh, each picked up)
#   runner  run.sh exit codes and argument handling (no VM, nothing touched)
#   kselftest  the collection installed through the kernel's kselftest
#           Makefile/lib.mk, listed by run_kselftest.sh (tests not run)
#   vm      host-side verdicts on a real kernel (panic, hang, killed QEMU,
#           interrupted run), and the quick profile in QEMU: Debian sid
#           passes, Debian 6.1 fails with dying_file's assertion named in
#           summary.json, the suite's DEBUG_VM build (built here) passes;
#           that build with configs/injections/ (an oops in a test, a WARN
#           after a window) fails the way the README says
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
groups=${*:-lint unit runner kselftest vm}
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
npass=0 nfail=0
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# check NAME CMD...: run CMD, record ok/not ok; its output is shown on failure
check() {
	local name=$1 start rc
	shift
	start=$(date +%s)
	"$@" >"$out/log" 2>&1
	rc=$?
	if [ $rc = 0 ]; then
		npass=$((npass + 1))
		ktap_result ok "$((npass + nfail))" "$name" "$(($(date +%s) - start))s"
	else
		nfail=$((nfail + 1))
		ktap_result "not ok" "$((npass + nfail))" "$name" "exit=$rc"
		sed 's/^/#   /' "$out/log" | tail -n 40
	fi
}

# expect_rc WANT CMD...: CMD must exit WANT
expect_rc() {
	local want=$1 rc=0
	shift
	"$@" || rc=$?
	[ "$rc" = "$want" ] && return 0
	echo "expected exit $want, got $rc from: $*"
	return 1
}

shell_scripts() {
	{
		echo run.sh
		echo .ci/run
		find scripts tests -type f \( -name '*.sh' -o -name 'guest-initramfs-init' \)
	} | sort -u
}

lint() {
	local scripts csrc
	mapfile -t scripts < <(shell_scripts)
	check "shellcheck" shellcheck -x "${scripts[@]}"
	local ksrc
	mapfile -t csrc < <(find selftests tests/unit -name '*.[ch]')
	ksrc=$(scripts/ksrc.sh) || { check "checkpatch (no kernel tree)" false; return; }
	# Ignored: kernel-only conventions that do not fit userspace (no
	# __printf macro; exec argv arrays cannot be static const; a flag set
	# by a signal handler must be volatile sig_atomic_t).
	check "checkpatch" "$ksrc/scripts/checkpatch.pl" --no-tree --quiet --terse --no-summary \
		--ignore FILE_PATH_CHANGES,PREFER_DEFINED_ATTRIBUTE_MACRO,STATIC_CONST_CHAR_ARRAY,VOLATILE \
		--max-line-length=100 -f "${csrc[@]}"
}

unit() {
	local t
	check "unit tests build" make -s -C tests/unit
	for t in tests/unit/*_test; do
		[ -x "$t" ] || continue
		check "unit: ${t##*/}" "$t" tests/fixtures
	done
	for t in tests/*_test.sh; do
		[ -x "$t" ] || continue
		check "unit: ${t##*/}" "$t"
	done
}

runner() {
	check "run.sh --help exits 0" expect_rc 0 ./run.sh --help
	check "unknown option exits 2" expect_rc 2 ./run.sh --frobnicate
	check "unknown option with --bisect exits 128" expect_rc 128 ./run.sh --bisect --frobnicate
	check "unknown profile exits 2" expect_rc 2 ./run.sh --profile nosuch
	check "unknown test exits 2" expect_rc 2 ./run.sh --tests nosuch
	check "unreadable kernel exits 2" expect_rc 2 ./run.sh --kernel /nonexistent/bzImage
	check "unreadable kernel with --bisect exits 128" expect_rc 128 ./run.sh --bisect --kernel /nonexistent/bzImage
	check "--seed must be a number" expect_rc 2 ./run.sh --seed abc
	# bounds derived from the cases (tests/knobs_test.sh has the rest)
	check "a race longer than quick's budget allows exits 2" expect_rc 2 \
		env MR_RACE_SECONDS=600 ./run.sh --dry-run --results "$out/budget"
	check "a knob out of its range exits 2" expect_rc 2 env MR_DEPTH=17 ./run.sh --dry-run \
		--results "$out/range"
	check "--list names every test" list_names
	# Local mode where nothing can run: every test SKIPs.  Only where the
	# host's cgroup v2 has no memory controller, so that nothing is written
	# (the host's cgroups are not ours).
	if host_without_memcg; then
		check "all skipped on this host: exit 4" expect_rc 4 ./run.sh --tests dying_file,sizes_match \
			--results "$out/local"
		check "all skipped on this host with --bisect: exit 125" expect_rc 125 ./run.sh --bisect \
			--tests dying_file --results "$out/local2"
	fi
	check "--panic-on without --kernel exits 2" expect_rc 2 ./run.sh --panic-on warn
	check "--panic-on with an unknown event exits 2" expect_rc 2 ./run.sh --kernel debian \
		--panic-on warn,bogus
	check "--splat with a bad regular expression exits 2" expect_rc 2 ./run.sh --splat '('
	check "--bootargs without --kernel exits 2" expect_rc 2 ./run.sh --bootargs numa=off
	check "a QEMU whose run is gone is reaped, a live run's is not" reap_stale
	# A results folder on a read-only or a full filesystem: exit 3 (125)
	# naming the folder, before anything runs.  The filesystems are mounted
	# in a private mount namespace: the host never sees them.
	if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
		check "results folder on a read-only filesystem: exit 3, named" results_unwritable ro 3
		check "results folder on a full filesystem with --bisect: exit 125, named" \
			results_unwritable full 125
	fi
	# a file that is no kernel: QEMU or the boot fails -> infrastructure
	head -c 1M /dev/urandom >"$out/garbage.bzImage"
	check "unbootable kernel exits 3" expect_rc 3 ./run.sh --kernel "$out/garbage.bzImage" \
		--results "$out/garbage" --tests dying_file
	check "unbootable kernel with --bisect exits 125" expect_rc 125 ./run.sh --bisect \
		--kernel "$out/garbage.bzImage" --results "$out/garbage2" --tests dying_file
	check "--nightly on a git tree that does not build: exit 3, build_failed in the history" \
		nightly_build_failed
}

# nightly_build_failed: run.sh --nightly on a git tree whose make fails at
# once (its own cache: the build folder is thrown away): exit 3, one history
# line "build_failed" at the tree's commit, nothing compared
nightly_build_failed() {
	local t=$out/nightly-tree rc=0
	mkdir -p "$t/mm"
	printf 'all:\n\tfalse\n' >"$t/Makefile"
	git -C "$t" init -q
	git -C "$t" add -A
	git -C "$t" -c user.name=t -c user.email=t@localhost commit -qm "no kernel"
	MR_CACHE=$out/nightly-cache ./run.sh --nightly --ksrc "$t" --history "$out/nightly-history" \
		--tests dying_file --results "$out/nightly-res" || rc=$?
	[ "$rc" = 3 ] || { echo "exit $rc, expected 3"; return 1; }
	[ "$(jq -r '[.status, .commit, .compare.against] | map(tostring) | join(" ")' \
		"$out/nightly-history/nightly-tree.jsonl")" = "build_failed $(git -C "$t" rev-parse HEAD) null" ] || {
		cat "$out/nightly-history/nightly-tree.jsonl"
		return 1
	}
}

kselftest() {
	check "kselftest: in-tree install, run_kselftest.sh lists the collection" \
		tests/kselftest-install.sh
}

# results_unwritable ro|full WANT: run.sh with its results folder on such a
# tmpfs exits WANT, its error names the folder, and nothing says pass
results_unwritable() {
	local mnt=$out/mnt-$1 rc=0 bisect=""
	[ "$2" = 125 ] && bisect=--bisect
	mkdir -p "$mnt"
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare -m bash -c '
		set -e
		if [ "$1" = ro ]; then
			mount -t tmpfs -o ro,size=1m tmpfs "$2"
		else
			mount -t tmpfs -o size=64k tmpfs "$2"
			mkdir "$2/r"
			head -c 1M /dev/zero >"$2/fill" 2>/dev/null || true
		fi
		exec ./run.sh $3 --tests dying_file --results "$2/r"' _ "$1" "$mnt" "$bisect" \
		>"$out/unwritable.log" 2>&1 || rc=$?
	cat "$out/unwritable.log"
	[ "$rc" = "$2" ] || { echo "expected exit $2, got $rc"; return 1; }
	grep -q "results folder '$mnt/r'" "$out/unwritable.log" || { echo "error does not name $mnt/r"; return 1; }
	! grep -qi 'passed' "$out/unwritable.log" || { echo "a result was claimed"; return 1; }
}

# A stand-in QEMU (a sleep named qemu-system-x86_64) registered as in
# vm.sh, once for an owner that is gone and once for this shell: the
# reaper kills the first and leaves the second.
reap_stale() {
	local cache=$out/reap-cache gone live rc=0
	mkdir -p "$cache/running"
	bash -c 'exec -a qemu-system-x86_64 sleep 300' &
	gone=$!
	bash -c 'exec -a qemu-system-x86_64 sleep 300' &
	live=$!
	sleep 0.2
	# (a start time no process has: that owner is gone)
	echo "$gone $(. scripts/lib.sh; proc_start $gone) 1 gone $$ gone /nonexistent" \
		>"$cache/running/qemu.$gone"
	echo "$live $(. scripts/lib.sh; proc_start $live) $$ $(. scripts/lib.sh; proc_start $$)" \
		"$$ $(. scripts/lib.sh; proc_start $$) /nonexistent" >"$cache/running/qemu.$live"
	MR_CACHE=$cache bash -c '. scripts/lib.sh; mr_reap_stale'
	sleep 0.2
	if kill -0 "$gone" 2>/dev/null; then echo "stale QEMU $gone not reaped"; rc=1; fi
	[ ! -e "$cache/running/qemu.$gone" ] || { echo "its registration stayed"; rc=1; }
	kill -0 "$live" 2>/dev/null || { echo "the live run's QEMU $live was reaped"; rc=1; }
	kill "$gone" "$live" 2>/dev/null
	wait "$gone" "$live" 2>/dev/null
	return "$rc"
}

host_without_memcg() {
	local cg2
	cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	[ -n "$cg2" ] && ! grep -qw memory "$cg2/cgroup.controllers"
}

list_names() {
	local l
	l=$(./run.sh --list) || return 1
	for t in dying_file dying_anon sizes_match reparent_race; do
		grep -q "^$t\$" <<<"$l" || { echo "--list lacks $t"; return 1; }
	done
}

# The results folder goes with the check: show the lines that explain a
# failure (assertions, what pinned a dying memcg, the splats) before it does.
explain() {
	grep -h '# ASSERTION\|# diagnosis:\|# removed but not freed\|# what the test root holds\|# writeback of a removed\|# no cgroup writeback\|# SwapCached\|# gave up after\|# intensity' \
		"$1"/tests/*.log 2>/dev/null | head -n 40
	head -n 5 "$1/badness.txt" 2>/dev/null
	return 1
}

# exact_counts DIR: every case of the quick profile (the variants run.sh
# --list names) ran and passed (or is a known issue of its build), and the
# only skips are the profile's declared ones (MR_ALLOWED_SKIPS)
exact_counts() {
	local want allowed skipped bad
	want=$(./run.sh --list | awk 'NF && $0 ~ /^  / && $1 != "global" { n++ } END { print n }')
	allowed=$(sed -n 's/^MR_ALLOWED_SKIPS=//p' configs/profiles/quick.conf)
	jq -e --argjson n "$want" '(.tests | length) == $n and
		([.tests[] | select(.status != "pass" and .status != "known" and .status != "skip")] | length) == 0' \
		"$1/summary.json" >/dev/null ||
		{ echo "expected $want cases, all pass/known/skip:"; jq -c '.counts' "$1/summary.json"; return 1; }
	skipped=$(jq -r '.tests[] | select(.status == "skip") | .name | sub("^[^:]*: "; "")' "$1/summary.json")
	bad=""
	while IFS= read -r c; do
		[ -n "$c" ] || continue
		# shellcheck disable=SC2254 # the declared skips are glob patterns
		case " $allowed " in *" ${c%.*}.* "* | *" $c "*) ;; *) bad="$bad $c" ;; esac
	done <<<"$skipped"
	[ -z "$bad" ] || { echo "undeclared skips:$bad"; return 1; }
	[ "$(wc -w <<<"$allowed")" = "$(grep -c . <<<"$skipped")" ] ||
		{ echo "declared skips ($allowed) did not all skip: $skipped"; return 1; }
}

# Debian's 7.2.13 has the per-CPU stock pin (docs/bugs/memcg_stock-zero-slot.md):
# dying_percpu must find it in both cases and have it excused as known, by
# the test's own proof (cause=percpu_stock), on that build only.
vm_good() {
	./run.sh --kernel debian --results "$out/sid" || explain "$out/sid" || return 1
	jq -e '.exit_code == 0 and .counts.fail == 0 and .counts.pass > 0' "$out/sid/summary.json" >/dev/null || return 1
	exact_counts "$out/sid" || return 1
	if grep -q '^kernel_package=.*7\.2\.13+deb14-amd64' "$out/sid/run.env"; then
		jq -e '[.tests[] | select(.program == "dying_percpu" and .status == "known")] | length == 2' \
			"$out/sid/summary.json" >/dev/null ||
			{ echo "dying_percpu did not find the known stock pin on 7.2.13:"; jq -c '.tests[] | select(.program == "dying_percpu")' "$out/sid/summary.json"; return 1; }
	fi
}

# The suite's debug kernel carries the fixes of configs/patches/ and must
# pass strictly: no known issue may excuse anything on it.
vm_debug() {
	./run.sh --kernel debug --strict --results "$out/debug" || explain "$out/debug" || return 1
	jq -e '.exit_code == 0 and .counts.fail == 0 and .counts.pass > 0' "$out/debug/summary.json" >/dev/null || return 1
	exact_counts "$out/debug" || return 1
	local p
	for p in configs/patches/*.patch; do
		grep -q "^kernel_patches=.*${p##*/}" "$out/debug/run.env" ||
			{ echo "run.env does not list ${p##*/} as applied"; return 1; }
	done
}

# The same build without the fixes (an incremental rebuild of the tree
# vm_debug built) has the stranded MGLRU count: walk_race must name it
# (lrugen_no_dying_pages with the walk as its proven cause), strictly.
# Measured to fail 20 of 20 such runs before it went in (docs/measurements.md).
vm_unpatched() {
	local rc=0
	./run.sh --kernel debug-unpatched --strict --tests walk_race --results "$out/unpatched" || rc=$?
	[ "$rc" = 1 ] || { echo "expected exit 1 on the unpatched debug build, got $rc"; explain "$out/unpatched"; return 1; }
	grep -q '^kernel_patches=$' "$out/unpatched/run.env" ||
		{ echo "run.env lists patches on the unpatched build:"; grep '^kernel_patches=' "$out/unpatched/run.env"; return 1; }
	jq -e '[.tests[] | select(.status == "fail" and .program == "walk_race"
		and (.assertion // "" | test("lrugen_no_dying_pages.*cause=stranded_gen_count")))] | length == 1' \
		"$out/unpatched/summary.json" >/dev/null || {
		echo "walk_race did not name the stranded count:"
		jq -c '.tests[] | select(.program == "walk_race")' "$out/unpatched/summary.json"
		return 1
	}
}

# The quick profile runs in-process C loaders (MR_JOBS=0); the job files of
# workloads/ must work too: reparent_race with MR_JOBS=1 runs fio writers
# and readers and stress-ng holders from them, and says how often each ran.
vm_jobs() {
	local log
	MR_JOBS=1 MR_RACE_SECONDS=5 ./run.sh --kernel debian --tests reparent_race \
		--results "$out/jobs" || explain "$out/jobs" || return 1
	log=$out/jobs/tests/reparent_race.log
	grep -qE '^# writers:.* [1-9]' "$log" ||
		{ echo "no fio writer job ran:"; grep '^# writers:' "$log"; return 1; }
	grep -qE '^# holders:.* [1-9]' "$log" ||
		{ echo "no stress-ng holder job ran:"; grep '^# holders:' "$log"; return 1; }
}

vm_bad() {
	local rc=0
	./run.sh --kernel bookworm --results "$out/bookworm" || rc=$?
	[ "$rc" = 1 ] || { echo "expected exit 1 on 6.1, got $rc"; return 1; }
	jq -e '[.tests[] | select(.status == "fail" and .program == "dying_file"
		and (.assertion // "" | test("dying_memcgs")))] | length > 0' \
		"$out/bookworm/summary.json" >/dev/null || {
		echo "summary.json does not name dying_file's dying_memcgs assertion:"
		jq '.tests[] | select(.status == "fail")' "$out/bookworm/summary.json"
		return 1
	}
}

# Host-side verdicts on a real kernel: a guest that panics, hangs, or whose
# QEMU is killed, and an interrupted run.sh, all with the sid kernel.
vm_kdir() { scripts/fetch-debian-kernel.sh sid image; }

vm_panic() {
	local k d=$out/panic rc=0
	k=$(vm_kdir) && mkdir -p "$d" || return 1
	scripts/vm.sh --kernel "$k/vmlinuz" --modules "$k/modules" --results "$d" --timeout 90 \
		-- /bin/sh -c 'echo "memcg_reparent: start panic_probe" >/dev/kmsg; echo c >/proc/sysrq-trigger' || rc=$?
	[ "$rc" = 1 ] || { echo "expected exit 1, got $rc"; return 1; }
	grep -q '^status=panic' "$d/vm-status" || { cat "$d/vm-status"; return 1; }
	selftests/mr_logscan "$d/console.log" | grep -q "^panic	panic_probe	" ||
		{ echo "console scan did not attribute the panic to panic_probe"; return 1; }
}

vm_hang() {
	local k d=$out/hang rc=0
	k=$(vm_kdir) && mkdir -p "$d" || return 1
	scripts/vm.sh --kernel "$k/vmlinuz" --modules "$k/modules" --results "$d" --timeout 25 \
		-- /bin/sleep 600 || rc=$?
	[ "$rc" = 1 ] || { echo "expected exit 1, got $rc"; return 1; }
	grep -q '^status=hang' "$d/vm-status" || { cat "$d/vm-status"; return 1; }
}

# The outer bound cuts a test short (MR_VM_TIMEOUT below the test's own
# duration, which run.sh refuses unless MR_SHORT_BOUNDS=1): exit 1, and
# summary.json has a "hung" row naming the case that was running.
# --panic-on reaches the guest's command line.
vm_hang_in_test() {
	local d=$out/hang-in-test rc=0
	MR_SHORT_BOUNDS=1 MR_VM_TIMEOUT=45 MR_RACE_SECONDS=120 ./run.sh --kernel debian --tests reparent_race \
		--panic-on warn --results "$d" || rc=$?
	[ "$rc" = 1 ] || { echo "expected exit 1, got $rc"; return 1; }
	grep -q 'panic_on_warn=1' "$d/guest-env" || { echo "panic_on_warn=1 not on the guest's command line"; return 1; }
	jq -e '.tests | map(select(.status == "hung" and
		(.name | startswith("reparent_race: reparent_race.")))) | length == 1' "$d/summary.json" >/dev/null ||
		{ jq '.tests' "$d/summary.json"; return 1; }
	grep -q '^not ok 1 selftests: memcg_reparent: reparent_race # hung: ' "$d/ktap.log" ||
		{ echo "ktap.log has no result line for the hung program"; return 1; }
}

# our_qemu DIR: QEMU processes serving results folder DIR
our_qemu() { pgrep -f "qemu-system-x86_64.*path=$1,mount_tag=results" || true; }

# wait_booted DIR: until the guest runs its command (bounded: 60 s)
wait_booted() {
	local tries=120
	while [ "$tries" -gt 0 ]; do
		tries=$((tries - 1))
		grep -q 'memcg_reparent-guest: running' "$1/console.log" 2>/dev/null && return 0
		sleep 0.5
	done
	echo "guest did not boot in 60 s"
	return 1
}

vm_qemu_killed() {
	local k d=$out/killed rc=0 pid
	k=$(vm_kdir) && mkdir -p "$d" || return 1
	scripts/vm.sh --kernel "$k/vmlinuz" --modules "$k/modules" --results "$d" --timeout 120 \
		-- /bin/sleep 600 &
	pid=$!
	wait_booted "$d" || { kill "$pid"; return 1; }
	kill -KILL "$(our_qemu "$d")"
	wait "$pid" || rc=$?
	[ "$rc" = 1 ] || { echo "expected exit 1, got $rc"; return 1; }
	grep -q '^status=died' "$d/vm-status" || { cat "$d/vm-status"; return 1; }
}

# SIGKILL of run.sh in the middle of a test: its vm.sh and QEMU die with it
# (parent-death signals), within 5 s; the time is printed for the README
vm_sigkill() {
	local d=$out/sigkill pid t0 t=0 left
	mkdir -p "$d"
	MR_RACE_SECONDS=120 ./run.sh --kernel debian --tests reparent_race --results "$d" &
	pid=$!
	# (fetching, building the test programs and the initramfs come first:
	# bounded apart from the boot, at 5 minutes)
	t=600
	while [ ! -e "$d/console.log" ] && [ "$t" -gt 0 ]; do sleep 0.5; t=$((t - 1)); done
	t=0
	wait_booted "$d" || { kill "$pid"; return 1; }
	sleep 5
	[ -n "$(our_qemu "$d")" ] || { echo "no QEMU to kill"; return 1; }
	t0=$(date +%s%N)
	kill -KILL "$pid"
	while [ -n "$(our_qemu "$d")" ] && [ "$t" -lt 5000 ]; do
		sleep 0.1
		t=$((($(date +%s%N) - t0) / 1000000))
	done
	left=$(our_qemu "$d")
	echo "QEMU gone ${t} ms after SIGKILL of run.sh"
	[ -z "$left" ] || { echo "QEMU still running 5 s after SIGKILL: $left"; kill -KILL "$left"; return 1; }
}

# An oops in a test window (MR_INJECT_OOPS: an oops line on the console
# 5 s into the first test) ends the run: exit 1 within 60 s of the oops,
# vm-status says oops, no QEMU left
vm_oops() {
	MR_INJECT_OOPS=5 MR_RACE_SECONDS=120 timed_oops_run "$out/oops" \
		--kernel debian --tests reparent_race
}

# timed_oops_run DIR ARGS...: run.sh ARGS --results DIR on a kernel that
# oopses, run.sh's messages stamped with the host's time in DIR.log (vm.sh
# says "kernel oops:" when it sees the oops on the console): exit 1,
# vm-status oops, run.sh's exit at most 60 s after the oops, no QEMU left.
# The figure (seconds from the oops to the exit) goes to DIR.figure too.
timed_oops_run() {
	local d=$1 rc t_oops t_end left
	shift
	mkdir -p "$d"
	./run.sh "$@" --results "$d" 2>&1 | while IFS= read -r l; do echo "$(date +%s) $l"; done \
		>"$d.log"
	rc=${PIPESTATUS[0]}
	t_end=$(date +%s)
	t_oops=$(awk '/vm.sh: kernel oops:/ { print $1; exit }' "$d.log")
	[ -n "$t_oops" ] || { tail -n 20 "$d.log"; echo "vm.sh never saw the oops"; return 1; }
	echo "oops to run.sh's exit: $((t_end - t_oops))s; $(tr '\n' ' ' <"$d/vm-status")" |
		tee "$d.figure"
	[ "$rc" = 1 ] || { echo "expected exit 1, got '$rc'"; return 1; }
	grep -q '^status=oops' "$d/vm-status" || return 1
	[ $((t_end - t_oops)) -le 60 ] || { echo "more than 60 s after the oops"; return 1; }
	left=$(our_qemu "$d")
	[ -z "$left" ] || { echo "QEMU left running: $left"; return 1; }
}

# The suite's debug kernel with make check's bug injections
# (configs/injections/, tests/build-injected.sh): an incremental rebuild
# of the tree vm_debug built, booted by path (no identity: strict).
injected_img=""
vm_injected_build() {
	local start=$SECONDS
	injected_img=$(tests/build-injected.sh offline-null-deref warn-after-window) || return 1
	echo "built in $((SECONDS - start))s: $injected_img"
}

# inj_get INJECTION KEY: a KEY= line of configs/injections/INJECTION.mut
inj_get() { sed -n "s/^$2=//p" "configs/injections/$1.mut"; }

# A real oops in a test (a NULL dereference in the memcg offline worker,
# which holds cgroup_mutex: the guest cannot finish): exit 1 within 60 s
# of the oops, the crashed case is the one whose window on the console
# holds the oops, with the oops's first lines, and no QEMU is left.
vm_injected_oops() {
	local d=$out/inj-oops want row win first
	[ -n "$injected_img" ] || { echo "no injected kernel (its build failed)"; return 1; }
	want=$(inj_get offline-null-deref case)
	timed_oops_run "$d" --kernel "$injected_img" \
		--tests "$(inj_get offline-null-deref tests)" --strict || return 1
	# the window that holds the oops, from the console itself
	row=$(selftests/mr_logscan "$d/console.log" | tr -d '\r' |
		awk -F'\t' '$1 ~ /^(bug|oops|kernel_bug|gpf)$/ { print; exit }')
	IFS=$'\t' read -r _ win first <<<"$row"
	first=${first#\[*\] }
	echo "oops in window '$win': $first"
	case $win in "$want".*) ;; *) echo "the injection fired in '$win', not in $want"; return 1 ;; esac
	jq -e --arg name "${want%%.*}: $win" --arg first "$first" \
		'[.tests[] | select(.status == "crashed")] | length == 1 and .[0].name == $name
			and (.[0].assertion | startswith($first) and contains(" | "))' \
		"$d/summary.json" >/dev/null ||
		{ jq -c '.tests[] | {name, status, assertion}' "$d/summary.json"; return 1; }
}

# A WARN that the kernel prints right after a program's end marker: the
# run fails on it alone (every case passes), named "after <program>", not
# as the next program's.
vm_injected_warn() {
	local d=$out/inj-warn rc=0 want
	[ -n "$injected_img" ] || { echo "no injected kernel (its build failed)"; return 1; }
	want=$(inj_get warn-after-window case)
	./run.sh --kernel "$injected_img" --tests "$(inj_get warn-after-window tests)" --strict \
		--results "$d" || rc=$?
	[ "$rc" = 1 ] || { echo "expected exit 1, got $rc"; return 1; }
	grep -q '^status=ok' "$d/vm-status" || { cat "$d/vm-status"; return 1; }
	jq -e --arg want "$want" '([.tests[] | select(.status != "pass" and .status != "skip")] | length == 0)
		and (.kernel_badness | length > 0 and all(.test == $want and .class == "warning"))' \
		"$d/summary.json" >/dev/null ||
		{ jq -c '.counts, [.tests[] | select(.status != "pass")], .kernel_badness' "$d/summary.json"; return 1; }
	grep -q "^# kernel $want warning: " "$d/ktap.log" || { echo "ktap.log does not name '$want'"; return 1; }
}

# Two runs at once sharing the cache: both finish with their own results
vm_two_runs() {
	local a=$out/two-a b=$out/two-b ra=0 rb=0 pa t0
	t0=$(date +%s)
	./run.sh --kernel debian --tests sizes_match --results "$a" >"$out/two-a.log" 2>&1 &
	pa=$!
	./run.sh --kernel debian --tests sizes_match --results "$b" >"$out/two-b.log" 2>&1 || rb=$?
	wait "$pa" || ra=$?
	echo "two runs at once: $(($(date +%s) - t0))s wall, exits $ra and $rb"
	if [ "$ra" != 0 ] || [ "$rb" != 0 ]; then
		tail -n 5 "$out"/two-?.log
		return 1
	fi
	jq -e '.counts.pass > 0 and .counts.fail == 0' "$a/summary.json" "$b/summary.json" >/dev/null
}

# A kernel booted without the memory controller is untestable: 3 (125)
vm_untestable() {
	local d=$out/nomemcg rc=0
	./run.sh --bisect --kernel debian --tests sizes_match --bootargs cgroup_disable=memory \
		--results "$d" || rc=$?
	[ "$rc" = 125 ] || { echo "expected 125, got $rc"; return 1; }
	grep -q '^status=untestable' "$d/vm-status" || { cat "$d/vm-status"; return 1; }
	grep -q 'cgroup_disable=memory' "$d/vm-status" || return 1
	jq -e '.vm.bootargs == "cgroup_disable=memory"' "$d/summary.json" >/dev/null ||
		{ echo "summary.json does not record the boot parameters"; return 1; }
	grep -q -- '--bootargs cgroup_disable=memory' "$d/command" || { cat "$d/command"; return 1; }
}

vm_interrupted() {
	local d=$out/interrupted rc=0 pid left
	mkdir -p "$d"
	./run.sh --kernel debian --results "$d" --bisect &
	pid=$!
	wait_booted "$d" || { kill "$pid"; return 1; }
	# SIGTERM: a background job of a script ignores SIGINT (a terminal's
	# Ctrl-C reaches the whole foreground group, QEMU included)
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	[ "$rc" = 128 ] || { echo "expected 128 (interrupted, --bisect), got $rc"; return 1; }
	left=$(our_qemu "$d")
	[ -z "$left" ] || { echo "QEMU left running: $left"; return 1; }
	left=$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'memcg-reparent-vm.*' -newer "$d/guest.args")
	[ -z "$left" ] || { echo "VM run folder left: $left"; return 1; }
}

# Interrupted while the kernel builds: make and its compilers stop with it
# (bash runs a trap only when the foreground command ends, so the build
# runs in a session of its own that the trap kills).
vm_interrupted_build() {
	local rc=0 pid tries=120 left
	./run.sh --kernel debug --bisect --results "$out/ibuild" &
	pid=$!
	while [ "$tries" -gt 0 ] && ! pgrep -f 'build-kernel.sh --fragments' >/dev/null; do
		tries=$((tries - 1))
		sleep 0.5
	done
	sleep 5
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	[ "$rc" = 128 ] || { echo "expected 128 (interrupted, --bisect), got $rc"; return 1; }
	sleep 1
	left=$(pgrep -af 'build-kernel.sh|make .*O=.*/build/' || true)
	[ -z "$left" ] || { echo "left running: $left"; return 1; }
}

vm() {
	check "guest panic: exit 1, status panic, attributed on the console" vm_panic
	check "guest hang: outer timeout, exit 1, status hang" vm_hang
	check "hang during a test: a hung row names the case" vm_hang_in_test
	check "QEMU killed: exit 1, status died" vm_qemu_killed
	check "run.sh interrupted: QEMU and run folder gone" vm_interrupted
	check "run.sh killed (SIGKILL) mid-test: no QEMU of it 5 s later" vm_sigkill
	check "oops in a test: exit 1 within 60 s, status oops, no QEMU left" vm_oops
	check "two runs at once sharing the cache both pass" vm_two_runs
	check "--bootargs cgroup_disable=memory: untestable (125)" vm_untestable
	check "quick profile on Debian sid's newest kernel passes" vm_good
	check "quick profile on Debian 6.1 fails in dying_file" vm_bad
	check "reparent_race through the fio and stress-ng job files (MR_JOBS=1) on sid passes" vm_jobs
	check "quick profile on the suite's DEBUG_VM kernel (with configs/patches) passes strictly" vm_debug
	check "the same build without configs/patches: walk_race names the stranded MGLRU count" vm_unpatched
	# (after vm_debug: an incremental rebuild of the tree it built)
	check "debug kernel with make check's bug injections builds" vm_injected_build
	check "real oops in a test (injected): exit 1 within 60 s, the case whose window holds it crashed, no QEMU left" vm_injected_oops
	check "real WARN after a program's window (injected): exit 1, named after it" vm_injected_warn
	check "run.sh interrupted during the kernel build: no make left" vm_interrupted_build
	# what the three runs measured, for the log
	for d in sid bookworm debug; do
		[ -f "$out/$d/summary.json" ] &&
			jq -c '{kernel: .kernel.release, exit_code, exit_reason, counts,
				failed: [.tests[] | select(.status == "fail") | {name, assertion}],
				seconds: ([.tests[].program_seconds] | unique | add)}' "$out/$d/summary.json" |
			sed 's/^/# /'
	done
	[ ! -f "$out/inj-oops.figure" ] || sed 's/^/# /' "$out/inj-oops.figure"
}

for g in $groups; do
	case $g in
	lint | unit | runner | kselftest | vm) "$g" ;;
	*) echo "run-checks.sh: unknown group '$g'" >&2; exit 2 ;;
	esac
done
echo "$npass passed, $nfail failed"
[ "$nfail" = 0 ]
