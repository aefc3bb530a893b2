#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# nightly.sh — `run.sh --nightly --ksrc TREE` (or `make nightly KSRC=TREE`):
# one nightly run of a kernel tree under git, the way the kernel test robots
# report one: build HEAD, run, compare with last night, bisect a regression.
#
#   1. run.sh --ksrc TREE --profile nightly into results/<time>-nightly-
#      <tree>-<commit>/ (summary.json: release, commit, describe, subject,
#      config digest)
#   2. scripts/compare.sh against the tree's last tested run in the history
#      (compare.txt); a run that tested nothing (the tree did not build:
#      "build_failed") is recorded, never compared, never a regression
#   3. on a regression, when the history holds a run at another commit in
#      which every program that now fails passed: `git bisect run run.sh
#      --bisect --ksrc TREE --tests <those programs> --tries N` in TREE (N
#      from the failure's observed rate, scripts/history.sh tries, or
#      --tries; none when these programs passed at tonight's commit
#      before: an intermittent failure), through scripts/bisect-step.sh which gives each step its
#      own results folder and records its verdict and time; the tree is put
#      back where it was; bisect.md and bisect.json in the results folder
#   4. one line appended to the history (scripts/history.sh), also kept as
#      nightly.json in the results folder; the history's page beside it
#      (<tree>.html: every night, newest first, linked to its results)
#
# Exit: 0 nothing new (a pass, or only known/still failing cases), 1 a
# regression (or failures on a tree's first night), 2 bad command line,
# 3 nothing tested (build failed, infrastructure, every test skipped),
# 130 interrupted.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
. "$here/lib.sh"

usage() {
	cat <<USAGE
usage: run.sh --nightly --ksrc TREE [options]
       scripts/nightly.sh --ksrc TREE [options]

  --ksrc TREE      a kernel tree under git (its top level); HEAD is tested
  --history DIR    history folder (default $MR_CACHE/history); the
                   tree's runs go to DIR/<tree name>.jsonl
  --profile NAME   profile of the run and the bisect (default nightly)
  --tests LIST     test programs (default: the profile's)
  --tries N        tries per bisect step (default: from the failure's
                   observed rate in the history)
  --no-bisect      compare, but never bisect
  --results DIR    results folder (default results/<time>-nightly-<tree>-<commit>)
  --fragments, --accel, --seed, --bootargs, --strict   passed to run.sh
USAGE
}

ksrc="" hdir="" profile=nightly tests="" tries="" bisect_on=1 resdir=""
pass=()
need() { [ $# -ge 2 ] || { usage >&2; die 2 "$1 needs a value"; }; }
while [ $# -gt 0 ]; do
	case $1 in
	--nightly) shift ;;
	--ksrc) need "$@"; ksrc=$2; shift 2 ;;
	--history) need "$@"; hdir=$2; shift 2 ;;
	--profile) need "$@"; profile=$2; shift 2 ;;
	--tests | -t) need "$@"; tests="$tests ${2//,/ }"; shift 2 ;;
	--tries) need "$@"; tries=$2; shift 2 ;;
	--no-bisect) bisect_on=0; shift ;;
	--results) need "$@"; resdir=$2; shift 2 ;;
	--fragments | --accel | --seed | --bootargs) need "$@"; pass+=("$1" "$2"); shift 2 ;;
	--strict) pass+=("$1"); shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; die 2 "unknown option '$1' (with --nightly)" ;;
	esac
done
tests=$(xargs <<<"$tests")
[ -n "$ksrc" ] || { usage >&2; die 2 "--nightly needs --ksrc TREE"; }
[ -d "$ksrc" ] || die 2 "'$ksrc' is not a folder"
tree=$(cd "$ksrc" && pwd -P)
[ "$(git -C "$tree" rev-parse --show-toplevel 2>/dev/null)" = "$tree" ] ||
	die 2 "'$ksrc' is not the top level of a git tree: a nightly tests commits"
case $tries in '' | [1-9] | [1-9][0-9]) ;; *) die 2 "--tries wants a number from 1 to 99" ;; esac
name=$(basename "$tree")
hfile=${hdir:-$MR_CACHE/history}/$name.jsonl
hist() { "$here/history.sh" "$@"; }
# (tests/nightly_test.sh puts a runner without VM in run.sh's place)
runner=${MR_NIGHTLY_RUNNER:-$MR_TOP/run.sh}

# One nightly per tree at a time: a bisect moves its HEAD.
mkdir -p "$MR_CACHE/locks"
exec 7>"$MR_CACHE/locks/nightly-$(sha256sum <<<"$tree" | cut -c1-16).lock"
flock -n 7 || die 3 "another nightly runs on $tree"
git -C "$tree" bisect log >/dev/null 2>&1 &&
	die 3 "a git bisect is in progress in $tree: finish it (git bisect reset) first"

commit=$(git -C "$tree" rev-parse HEAD)
orig_ref=$(git -C "$tree" symbolic-ref -q HEAD || echo "$commit")
if [ -z "$resdir" ]; then
	resdir="$MR_TOP/results/$(date -u +%Y%m%dT%H%M%SZ)-nightly-$name-${commit:0:12}"
fi
mkdir -p "$resdir" || die 3 "cannot create $resdir"
resdir=$(cd "$resdir" && pwd)
start=$(date +%s)

# Children run in a session of their own, in the background, so that a
# signal is acted on at once and reaches the whole step (make, QEMU).
child="" bisecting=0
# shellcheck disable=SC2317 # invoked by the trap
on_signal() {
	trap '' INT TERM
	[ -z "$child" ] || kill -TERM -- "-$child" 2>/dev/null || true
	[ -z "$child" ] || wait "$child" 2>/dev/null || true
	restore_tree
	log "interrupted"
	exit 130
}
trap on_signal INT TERM
run_bg() {
	local r=0
	setsid "$@" &
	child=$!
	wait "$child" || r=$?
	child=""
	return "$r"
}

# restore_tree: the tree back at the commit (and branch) it was on
restore_tree() {
	[ "$bisecting" = 1 ] || return 0
	git -C "$tree" bisect reset "${orig_ref#refs/heads/}" >/dev/null 2>&1 ||
		git -C "$tree" checkout -q "${orig_ref#refs/heads/}" || true
	bisecting=0
}

# 1. the run
log "nightly of $tree at $(git -C "$tree" describe --always --tags --dirty) into $resdir"
rc=0
# (run.sh's messages kept: a kernel that did not build leaves no verdict in
# the folder, only "exit 3: kernel build failed" there)
exec 5> >(tee "$resdir/run.log" >&2)
tee_pid=$!
run_bg "$runner" --ksrc "$tree" --profile "$profile" ${tests:+--tests "$tests"} \
	--results "$resdir" "${pass[@]}" 2>&5 || rc=$?
exec 5>&-
# tee ends with its input (bounded: a straggler may hold the pipe open)
for _ in $(seq 50); do kill -0 "$tee_pid" 2>/dev/null || break; sleep 0.1; done
[ "$rc" != 2 ] || die 2 "run.sh refused the command line (see above); nothing recorded"
line=$(hist line "$resdir" "$name" "$start" "$rc" \
	"$(sed -n 's/^run\.sh: exit [0-9]*: //p' "$resdir/run.log" | tail -n 1)")
# what run.sh could not record of the tree
line=$(jq -c --arg t "$tree" --arg c "$commit" --arg d "$(git -C "$tree" describe --always --tags --dirty)" \
	--arg s "$(git -C "$tree" log -1 --format=%s)" \
	'.tree = (if .tree == "" then $t else .tree end)
	 | .commit = (if .commit == "" then $c else .commit end)
	 | .describe = (if .describe == "" then $d else .describe end)
	 | .subject = (if .subject == "" then $s else .subject end)' <<<"$line")
status=$(jq -r .status <<<"$line")
log "run.sh exit $rc: $status"

# 2. compare with the tree's last tested run
regression=0 new_failures='[]'
if [ "$status" = pass ] || [ "$status" = fail ]; then
	prev=$(hist last-tested "$hfile")
	if [ -n "$prev" ]; then
		prev_res=$(jq -r .results <<<"$prev")
		crc=0
		"$here/compare.sh" "$prev_res" "$resdir" >"$resdir/compare.txt" 2>&1 || crc=$?
		# the new failures by KTAP name (compare.sh's "new failures" rule)
		new_failures=$(jq -n -c --slurpfile a "$prev_res/summary.json" \
			--slurpfile b "$resdir/summary.json" '
			def failing: . == "fail" or . == "crashed" or . == "hung";
			($a[0].tests | map({key: .name, value: .status}) | from_entries) as $ta
			| [$b[0].tests[] | select(.status | failing)
				| select(($ta[.name] // "absent") | failing | not) | .name]')
		[ "$crc" = 1 ] && regression=1
		compare=$(jq -c -n --argjson p "$prev" --argjson rc "$crc" --argjson nf "$new_failures" \
			'{against: $p.results, against_commit: $p.commit, against_describe: $p.describe,
			  exit_code: $rc, regression: ($rc == 1), new_failures: $nf, report: "compare.txt"}')
		log "compared with $(jq -r '.describe + " (" + .time + ")"' <<<"$prev"): $(tail -n 1 "$resdir/compare.txt")"
	else
		compare='{"against": null, "note": "the first tested run of this tree in the history"}'
	fi
else
	compare=$(jq -c -n --arg s "$status" \
		'{against: null, note: "\($s): nothing was tested, not a regression of the suite"}')
fi
line=$(jq -c --argjson c "$compare" '.compare = $c' <<<"$line")

# 3. bisect a regression
# bisect_report GOOD_LINE N TRIES_FROM PROGRAMS...: writes bisect.json and
# bisect.md from the steps and git's log; prints bisect.json
bisect_report() {
	local good=$1 n=$2 from=$3 outcome=$4 reason=$5 first="" bdir=$resdir/bisect
	shift 5
	[ -f "$bdir/bisect-log.txt" ] &&
		first=$(sed -n 's/^# first bad commit: \[\([0-9a-f]*\)\].*/\1/p' "$bdir/bisect-log.txt" | tail -n 1)
	[ -n "$first" ] && outcome=found
	local steps_json='[]'
	if [ -f "$bdir/steps.tsv" ]; then
		steps_json=$(while IFS=$'\t' read -r sn sc src sv ss sr sreason; do
			jq -c -n --argjson n "$sn" --arg c "$sc" --argjson rc "$src" --arg v "$sv" \
				--argjson s "$ss" --arg r "$sr" --arg why "$sreason" \
				--arg subj "$(git -C "$tree" log -1 --format=%s "$sc" 2>/dev/null)" \
				--arg d "$(git -C "$tree" describe --always --tags "$sc" 2>/dev/null)" \
				'{step: $n, commit: $c, describe: $d, subject: $subj, verdict: $v,
				  exit_code: $rc, seconds: $s, reason: $why, results: $r}'
		done <"$bdir/steps.tsv" | jq -s -c .)
	fi
	local cmd
	cmd="cd $(printf '%q' "$tree") && git bisect start $commit $(jq -r .commit <<<"$good") && git bisect run $(printf '%q ' "$MR_TOP/run.sh" --bisect --ksrc "$tree" --profile "$profile" --tests "$(tr ' ' , <<<"$*")" --tries "$n" "${pass[@]}")&& git bisect reset"
	jq -n --argjson good "$good" --arg bad "$commit" --arg badd "$(jq -r .describe <<<"$line")" \
		--arg tree "$tree" --arg progs "$*" --arg profile "$profile" --argjson n "$n" \
		--arg from "$from" --argjson steps "$steps_json" --arg first "$first" \
		--arg fsubj "$([ -z "$first" ] || git -C "$tree" log -1 --format=%s "$first")" \
		--arg fdesc "$([ -z "$first" ] || git -C "$tree" describe --always --tags "$first")" \
		--arg outcome "$outcome" --arg reason "$reason" --arg cmd "$cmd" \
		--argjson secs "$(($(date +%s) - bisect_start))" \
		--arg head "$(git -C "$tree" rev-parse HEAD)" '
		{tree: $tree, outcome: $outcome, reason: (if $reason == "" then null else $reason end),
		 first_bad: (if $first == "" then null else
			{commit: $first, describe: $fdesc, subject: $fsubj} end),
		 good: {commit: $good.commit, describe: $good.describe, results: $good.results},
		 bad: {commit: $bad, describe: $badd},
		 programs: ($progs | split(" ")), profile: $profile,
		 tries: $n, tries_from: $from,
		 steps: $steps, seconds: $secs,
		 tree_restored: ($head == $bad),
		 reproduce: $cmd}' >"$resdir/bisect.json"
	{
		echo "# Bisect of $name: $(jq -r '.outcome' "$resdir/bisect.json")"
		echo
		if [ -n "$first" ]; then
			echo "**First bad commit: \`${first:0:12}\` $(jq -r '.first_bad.subject' "$resdir/bisect.json")**"
		else
			echo "No first bad commit: $(jq -r '.reason // .outcome' "$resdir/bisect.json")"
		fi
		echo
		jq -r '"- good: `\(.good.commit[0:12])` (\(.good.describe)), results \(.good.results)",
			"- bad: `\(.bad.commit[0:12])` (\(.bad.describe)), tonight",
			"- programs: \(.programs | join(", ")), profile \(.profile), --tries \(.tries) (\(.tries_from))",
			"- \(.steps | length) steps, \(.seconds) s; tree restored: \(.tree_restored)",
			"",
			"| step | commit | subject | verdict | exit | time | why |",
			"|---|---|---|---|---|---|---|",
			(.steps[] | "| \(.step) | `\(.commit[0:12])` | \(.subject) | \(.verdict) | \(.exit_code) | \(.seconds) s | \(.reason) |"),
			"",
			"Reproduce:",
			"",
			"```sh",
			.reproduce,
			"```"' "$resdir/bisect.json"
	} >"$resdir/bisect.md"
	cat "$resdir/bisect.json"
}

bisect_start=$(date +%s)
bisect='null'
if [ "$regression" = 1 ] && [ "$bisect_on" = 1 ]; then
	mapfile -t progs < <(jq -r '.[] | split(": ")[0]' <<<"$new_failures" | sort -u)
	good=$(hist last-good "$hfile" "$commit" "${progs[@]}")
	dirty=$(git -C "$tree" status --porcelain --untracked-files=no)
	same=$(hist passed-at "$hfile" "$commit" "${progs[@]}")
	if [ -n "$same" ]; then
		bisect=$(jq -c -n --argjson s "$same" --arg p "${progs[*]}" '{outcome: "not_run",
			reason: "\($p) passed at this same commit on \($s.time) (\($s.results)): an intermittent failure, no commit to bisect"}')
	elif [ -z "$good" ]; then
		bisect=$(jq -c -n --arg p "${progs[*]}" '{outcome: "not_run",
			reason: "the history holds no run at another commit in which \($p) passed"}')
	elif ! git -C "$tree" cat-file -e "$(jq -r .commit <<<"$good")^{commit}" 2>/dev/null; then
		bisect=$(jq -c -n --argjson g "$good" '{outcome: "not_run",
			reason: "the last good commit \($g.commit) is no longer in the tree"}')
	elif [ -n "$dirty" ]; then
		bisect='{"outcome": "not_run", "reason": "the tree has uncommitted changes"}'
	else
		if [ -n "$tries" ]; then
			n=$tries from="set (--tries)"
		else
			mapfile -t cases < <(jq -r '.[]' <<<"$new_failures")
			read -r n p f r < <(hist tries "$hfile" "${cases[@]}")
			from="history: failed in $f of $r runs since first seen (rate $p)"
		fi
		good_commit=$(jq -r .commit <<<"$good")
		log "bisecting ${progs[*]} between $(jq -r .describe <<<"$good") (good) and ${commit:0:12} (bad), --tries $n"
		mkdir -p "$resdir/bisect"
		bisecting=1
		brc=0
		outcome=error reason=""
		if out=$(git -C "$tree" bisect start "$commit" "$good_commit" 2>&1); then
			# (git runs the steps at the tree's top level)
			run_bg git -C "$tree" bisect run "$here/bisect-step.sh" "$resdir/bisect/steps.tsv" \
				"$resdir/bisect" -- "$runner" --bisect --ksrc "$tree" --profile "$profile" \
				--tests "$(tr ' ' , <<<"${progs[*]}")" --tries "$n" "${pass[@]}" \
				>"$resdir/bisect/bisect-run.log" 2>&1 || brc=$?
			git -C "$tree" bisect log >"$resdir/bisect/bisect-log.txt" 2>/dev/null || true
			[ "$brc" = 0 ] || reason="git bisect run exited $brc: $(tail -n 3 "$resdir/bisect/bisect-run.log" | xargs)"
			grep -q "only 'skip'ped commits left" "$resdir/bisect/bisect-run.log" &&
				outcome=inconclusive reason="only untestable (skipped) commits left: $(sed -n '/skipped commits left/,$p' "$resdir/bisect/bisect-run.log" | grep -o '^[0-9a-f]\{40\}' | cut -c1-12 | xargs)"
		else
			reason="git bisect start failed: $(xargs <<<"$out")"
		fi
		restore_tree
		bisect=$(bisect_report "$good" "$n" "$from" "$outcome" "$reason" "${progs[@]}" | jq -c '. + {report: "bisect.md"}')
		log "bisect: $(jq -r 'if .first_bad then "first bad commit \(.first_bad.commit[0:12]) \(.first_bad.subject)" else .outcome + ": " + (.reason // "") end' <<<"$bisect") ($(jq -r .seconds <<<"$bisect") s)"
	fi
fi
line=$(jq -c --argjson b "$bisect" --argjson s "$(($(date +%s) - start))" \
	'.bisect = $b | .seconds = $s' <<<"$line")

# 4. the history
jq . <<<"$line" >"$resdir/nightly.json"
hist append "$hfile" "$line"
hist html "$hfile" >"${hfile%.jsonl}.html.tmp" && mv "${hfile%.jsonl}.html.tmp" "${hfile%.jsonl}.html"
log "history: $hfile, its page ${hfile%.jsonl}.html"

case $status in
pass) exit 0 ;;
fail)
	[ "$regression" = 1 ] && exit 1
	[ "$(jq -r '.compare.against' <<<"$line")" = null ] && exit 1
	exit 0
	;;
*) exit 3 ;;
esac
