#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# bisect-step.sh STEPS DIR -- run.sh --bisect ... — one step of the
# nightly's `git bisect run` (scripts/nightly.sh): runs the command with its
# own results folder DIR/step<n>-<commit> and appends a row to STEPS
# (tab-separated: n, commit, exit code, verdict, seconds, results, reason),
# then exits with the command's code for git bisect (run.sh --bisect gives
# only 0, 1, 125 and 128).  Run in the tree being bisected.
set -eu

{ [ $# -ge 4 ] && [ "$3" = -- ]; } || { echo "usage: bisect-step.sh STEPS DIR -- CMD..." >&2; exit 128; }
steps=$1 dir=$2
shift 3
commit=$(git rev-parse HEAD) || exit 128
n=$(($( [ -f "$steps" ] && wc -l <"$steps" || echo 0) + 1))
res="$dir/step$n-${commit:0:12}"
start=$(date +%s)
rc=0
"$@" --results "$res" || rc=$?
case $rc in
0) verdict=good ;;
125) verdict=skip ;;
*) if [ "$rc" -lt 128 ]; then verdict=bad; else verdict=abort; fi ;;
esac
reason=$(sed -n 's/^exit_reason=//p' "$res/run.env" 2>/dev/null | tail -n 1)
# a bad step says what failed: its first failing case and assertion
failed=$(jq -r '[.tests[] | select(.status == "fail" or .status == "crashed" or .status == "hung")]
	| if length == 0 then empty else "\(length) failed, first \(.[0].name): \(.[0].assertion // .[0].status)" end' \
	"$res/summary.json" 2>/dev/null || true)
reason=$(printf '%s' "$reason${failed:+ ($failed)}" | tr '\t\n' '  ')
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$commit" "$rc" "$verdict" "$(($(date +%s) - start))" \
	"$res" "$reason" >>"$steps"
exit "$rc"
