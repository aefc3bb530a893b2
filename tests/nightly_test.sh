#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# nightly_test.sh — the logic of `run.sh --nightly` (scripts/nightly.sh,
# scripts/history.sh, scripts/bisect-step.sh) without a VM: a git tree of a
# few files and a runner in run.sh's place (MR_NIGHTLY_RUNNER) that decides
# from the tree's files what a kernel would: `broken` does not build (exit
# 3 "kernel build failed", 125 under --bisect), `bug` fails
# dying_file.tree.offline, `flaky` fails it every FLAKY-th run.  Checked:
# history lines (status, commit, programs, failing), a build failure never
# compared nor a regression, compare against the last tested night, the
# last good commit, --tries from the rate, the bisect naming the first bad
# commit over an untestable one, bisect.json's shape, the tree restored,
# exit codes; then history.sh's subcommands on hand-made lines.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
[ -z "${NIGHTLY_TEST_KEEP:-}" ] || tmp=$NIGHTLY_TEST_KEEP
[ -n "${NIGHTLY_TEST_KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT
hist=$top/scripts/history.sh
# the nightly's tree locks in a cache of its own, gone with the test
export MR_CACHE=$tmp/cache

fail() {
	echo "not ok: $*"
	exit 1
}
ok() { echo "ok: $*"; }

# The runner: run.sh's command line, results folder and exit codes.
cat >"$tmp/runner" <<'RUNNER'
#!/bin/bash
set -eu
bisect=0 ksrc="" res="" profile=nightly tries=1
while [ $# -gt 0 ]; do
	case $1 in
	--bisect) bisect=1; shift ;;
	--ksrc) ksrc=$2; shift 2 ;;
	--results) res=$2; shift 2 ;;
	--profile) profile=$2; shift 2 ;;
	--tries) tries=$2; shift 2 ;;
	--tests) shift 2 ;;
	*) echo "runner: unexpected $1" >&2; exit 2 ;;
	esac
done
mkdir -p "$res"
n=$(($(cat "$ksrc/.runs" 2>/dev/null || echo 0) + 1))
echo "$n" >"$ksrc/.runs"
rc=0 reason="all passed" st=pass assertion=null
if [ -f "$ksrc/broken" ] && [ "$(cat "$ksrc/broken")" = noverdict ]; then
	# run.sh records no verdict when the build fails before its folder's
	# writer exists: only its last message says why
	echo "run.sh: exit 3: kernel build failed" >&2
	[ "$bisect" = 1 ] && exit 125
	exit 3
elif [ -f "$ksrc/broken" ]; then
	rc=3 reason="kernel build failed" st=none
elif [ -f "$ksrc/bug" ] || { [ -f "$ksrc/flaky" ] && [ $((n % $(cat "$ksrc/flaky"))) = 0 ]; }; then
	rc=1 reason="1 failed" st=fail assertion='"lrugen_absorbed: t short by 512 pages"'
fi
{
	echo "kernel_release=7.2.0-fake"
	echo "config_sha256=c0ffee"
	echo "ksrc=$ksrc"
	echo "ksrc_commit=$(git -C "$ksrc" rev-parse HEAD)"
	echo "ksrc_describe=$(git -C "$ksrc" describe --always --tags)"
	echo "ksrc_subject=$(git -C "$ksrc" log -1 --format=%s)"
	echo "profile=$profile"
	echo "tries=$tries"
	echo "bounds_test_timeouts=dying_file:300 sizes_match:200"
	echo "exit_code=$rc"
	echo "exit_reason=$reason"
} >"$res/run.env"
if [ "$st" != none ]; then
	cat >"$res/summary.json" <<JSON
{"kernel": {"release": "7.2.0-fake"}, "profile": "$profile", "seed": 1,
 "exit_code": $rc, "exit_reason": "$reason",
 "counts": {"pass": 2, "fail": $([ "$st" = fail ] && echo 1 || echo 0)},
 "tests": [
  {"program": "dying_file", "name": "dying_file: dying_file.tree.offline", "status": "$st",
   "assertion": $assertion, "duration_ms": 1000, "program_seconds": 10, "kernel_badness": []},
  {"program": "dying_file", "name": "dying_file: dying_file.chain8.offline", "status": "pass",
   "assertion": null, "duration_ms": 1000, "program_seconds": 10, "kernel_badness": []},
  {"program": "sizes_match", "name": "sizes_match: sizes_match.file.absorbed", "status": "pass",
   "assertion": null, "duration_ms": 1000, "program_seconds": 5, "kernel_badness": []}]}
JSON
fi
if [ "$bisect" = 1 ]; then
	case $rc in 0 | 1) ;; *) rc=125 ;; esac
fi
exit "$rc"
RUNNER
chmod +x "$tmp/runner"

tree=$tmp/linux
mkdir -p "$tree"
git -C "$tree" init -q -b master
gitc() { git -C "$tree" -c user.name=t -c user.email=t@localhost "$@"; }
step() {
	gitc add -A . >/dev/null
	gitc commit -qm "$1"
	git -C "$tree" rev-parse HEAD
}
printf '.runs\n' >"$tree/.gitignore"
echo a >"$tree/file"
base=$(step "base")
H=$tmp/history
N=$tmp/history/linux.jsonl
nightly() {
	MR_NIGHTLY_RUNNER=$tmp/runner "$top/scripts/nightly.sh" --ksrc "$tree" --history "$H" \
		--results "$tmp/res/$1" "${@:2}" >"$tmp/log.$1" 2>&1
}
expect() {
	local want=$1 rc=0
	shift
	nightly "$@" || rc=$?
	[ "$rc" = "$want" ] || { cat "$tmp/log.$1"; fail "night $1: exit $rc, expected $want"; }
}
last() { tail -n 1 "$N" | jq -r "$1"; }

# Night 1: good.
expect 0 n1
[ "$(wc -l <"$N")" = 1 ] || fail "night 1: no history line"
[ "$(last '[.status, .commit, .release, .config_sha256, .programs.dying_file, (.failing | length), .compare.against] | map(tostring) | join(" ")')" = \
	"pass $base 7.2.0-fake c0ffee pass 0 null" ] || fail "night 1's line: $(tail -n 1 "$N")"
[ "$(last .results)" = "$tmp/res/n1" ] || fail "night 1's line does not point at its results"
cmp -s <(jq -S . "$tmp/res/n1/nightly.json") <(tail -n 1 "$N" | jq -S .) ||
	fail "nightly.json differs from the history line"
ok "night 1: pass, one history line pointing at its results folder"

# Night 2: the tree does not build.
touch "$tree/broken"
c_broken=$(step "broken build")
expect 3 n2
[ "$(last '[.status, .commit, .compare.against, .bisect] | map(tostring) | join(" ")')" = \
	"build_failed $c_broken null null" ] || fail "night 2's line: $(tail -n 1 "$N")"
[ ! -f "$tmp/res/n2/compare.txt" ] || fail "a build failure was compared"
ok "night 2: build_failed, exit 3, not compared, no bisect"

# Night 2b: the same without a verdict in the folder (run.sh's own way)
echo noverdict >"$tree/broken"
c_broken2=$(step "broken build, no verdict")
expect 3 n2b
[ "$(last '[.status, .commit, .subject, .reason] | join("|")')" = \
	"build_failed|$c_broken2|broken build, no verdict|kernel build failed" ] || fail "night 2b's line: $(tail -n 1 "$N")"
ok "night 2b: a build failure without a verdict in the folder: build_failed from run.sh's message"
rm "$tree/broken"

# Night 3: fixed, then three commits, the middle one a bug, one after it
# not building: bisect good=base (night 1: n2 built nothing), bad=HEAD.
c_fixed=$(step "build fixed")
echo b >"$tree/file"
c_doc=$(step "doc")
touch "$tree/bug"
c_bug=$(step "the bug")
touch "$tree/broken"
c_nobuild=$(step "broken again")
rm "$tree/broken"
c_head=$(step "fixed again")
git -C "$tree" checkout -q -b topic
expect 1 n3
grep -q "^new failures: 1" "$tmp/res/n3/compare.txt" || fail "night 3: compare.txt: $(cat "$tmp/res/n3/compare.txt")"
[ "$(last '[.status, .compare.regression, .compare.against_commit, (.compare.new_failures | join(","))] | map(tostring) | join(" ")')" = \
	"fail true $base dying_file: dying_file.tree.offline" ] || fail "night 3's compare: $(tail -n 1 "$N" | jq -c .compare)"
b=$tmp/res/n3/bisect.json
[ -f "$b" ] || { cat "$tmp/log.n3"; fail "night 3: no bisect.json"; }
jq -e '(.outcome | type == "string") and (.first_bad | type == "object")
	and (.good.commit | type == "string") and (.bad.commit | type == "string")
	and (.programs | type == "array") and (.tries | type == "number")
	and (.tries_from | type == "string") and (.steps | type == "array" and length > 0)
	and all(.steps[]; (.step | type == "number") and (.commit | test("^[0-9a-f]{40}$"))
		and (.subject | type == "string") and (.verdict | IN("good", "bad", "skip"))
		and (.exit_code | type == "number") and (.seconds | type == "number")
		and (.results | type == "string"))
	and (.seconds | type == "number") and (.reproduce | type == "string")
	and (.tree_restored | type == "boolean")' "$b" >/dev/null || fail "bisect.json's shape: $(cat "$b")"
[ "$(jq -r '[.outcome, .first_bad.commit, .first_bad.subject, .good.commit, .bad.commit, (.programs | join(",")), .tries, .tree_restored] | map(tostring) | join("|")' "$b")" = \
	"found|$c_bug|the bug|$base|$c_head|dying_file|1|true" ] || fail "bisect.json: $(cat "$b")"
jq -e --arg c "$c_nobuild" '[.steps[] | select(.commit == $c) | .verdict] | all(. == "skip")' "$b" >/dev/null ||
	fail "the commit that does not build was not skipped: $(jq -c .steps "$b")"
jq -e --arg d "$c_doc" --arg f "$c_fixed" '[.steps[] | select(.commit == $d or .commit == $f) | .verdict] | all(. == "good")' "$b" >/dev/null ||
	fail "commits before the bug not good: $(jq -c .steps "$b")"
for s in $(jq -r '.steps[].results' "$b"); do
	[ -f "$s/run.env" ] || fail "step folder $s has no run.env"
done
grep -q "First bad commit: \`${c_bug:0:12}\` the bug" "$tmp/res/n3/bisect.md" || fail "bisect.md: $(cat "$tmp/res/n3/bisect.md")"
jq -e --arg c "$c_bug" '.steps[] | select(.commit == $c) | .reason
	| contains("1 failed, first dying_file: dying_file.tree.offline: lrugen_absorbed: t short by 512 pages")' "$b" >/dev/null ||
	fail "a bad step does not name its failing case: $(jq -c .steps "$b")"
grep -q "git bisect start $c_head $base && git bisect run .*run.sh --bisect --ksrc" "$tmp/res/n3/bisect.md" ||
	fail "bisect.md has no reproduce command"
{ [ "$(git -C "$tree" rev-parse HEAD)" = "$c_head" ] && [ "$(git -C "$tree" symbolic-ref HEAD)" = refs/heads/topic ]; } ||
	fail "tree not restored to topic at $c_head"
git -C "$tree" bisect log >/dev/null 2>&1 && fail "a bisect is left in progress"
[ "$(last '.bisect.first_bad.commit')" = "$c_bug" ] || fail "the history line lacks the bisect"
P=$tmp/history/linux.html
[ "$(grep -c '^<tr class=' "$P")" = 4 ] || fail "the history page has not 4 nights: $(cat "$P")"
grep '^<tr class="fail">' "$P" | head -n 1 | grep -q "regression</span>: dying_file: dying_file.tree.offline.*first bad <code>${c_bug:0:12}</code> the bug" ||
	fail "the history page's newest row: $(grep '^<tr' "$P" | head -n 1)"
grep -q "href=\"file://$tmp/res/n3/bisect.md\"" "$P" || fail "the history page does not link bisect.md"
ok "night 3: regression against night 1, bisect names the bug over an untestable commit, tree restored"

# Night 4: the same failure again: still failing, no regression, no bisect.
expect 0 n4
[ "$(last '[.status, .compare.regression, .bisect] | map(tostring) | join(" ")')" = "fail false null" ] ||
	fail "night 4: $(tail -n 1 "$N")"
ok "night 4: still failing is no regression (exit 0)"

# Night 5: --no-bisect and an explicit --tries are honoured; a fix.
rm "$tree/bug"
c_fix=$(step "fix")
expect 0 n5
[ "$(last '[.status, (.compare.new_failures | length)] | map(tostring) | join(" ")')" = "pass 0" ] ||
	fail "night 5: $(tail -n 1 "$N")"
grep -q "^fixed: 1" "$tmp/res/n5/compare.txt" || fail "night 5: the fix not reported"
ok "night 5: fixed"

# Night 6: the same commit fails where it passed last night (an untracked
# file the runner reads: the tree is clean for git): a regression, but no
# commit to bisect.
touch "$tree/bug"
expect 1 n6
[ "$(last '[.compare.regression, .bisect.outcome] | map(tostring) | join(" ")')" = "true not_run" ] ||
	fail "night 6: $(tail -n 1 "$N" | jq -c '{compare, bisect}')"
last .bisect.reason | grep -q "passed at this same commit" || fail "night 6: $(last .bisect.reason)"
[ ! -d "$tmp/res/n6/bisect" ] || fail "night 6 bisected"
rm "$tree/bug"
ok "night 6: a failure at a commit that passed before is not bisected"

# Nights 7 and 8: it passes again, then two commits, the second failing
# it: the case failed in 3 of the 5 runs since it first failed, and
# tonight: rate 4/6, --tries ceil(ln 0.05 / ln (1/3)) = 3 for each step.
expect 0 n7
echo c >"$tree/file"
step "doc 2" >/dev/null
touch "$tree/bug"
c_bug2=$(step "the bug again")
expect 1 n8
b=$tmp/res/n8/bisect.json
[ "$(jq -r '[.first_bad.commit, .tries, .tries_from, (.steps | length > 0)] | map(tostring) | join("|")' "$b")" = \
	"$c_bug2|3|history: failed in 4 of 6 runs since first seen (rate 0.67)|true" ] || fail "night 8: $(cat "$b")"
for s in $(jq -r '.steps[].results' "$b"); do
	grep -qx 'tries=3' "$s/run.env" || fail "step $s did not run with --tries 3"
done
ok "night 8: --tries 3 from the failure's rate in the history"

# Usage: not a git tree, bad --tries.
rc=0
"$top/scripts/nightly.sh" --ksrc "$tmp" >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "a folder that is no git top level: exit $rc"
rc=0
"$top/scripts/nightly.sh" --ksrc "$tree" --tries x >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "--tries x: exit $rc"
rc=0
"$top/run.sh" --nightly --frobnicate >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "run.sh --nightly --frobnicate: exit $rc"
ok "usage errors exit 2"
[ "$c_fix" != "$base" ]

# history.sh on hand-made lines.
F=$tmp/h.jsonl
line() { # commit status dying_file-status failing...
	local c=$1 s=$2 p=$3
	shift 3
	jq -c -n --arg c "$c" --arg s "$s" --arg p "$p" --arg r "$tmp/res/n1" '$ARGS.positional as $f
		| {commit: $c, status: $s, results: $r, describe: $c,
		   programs: (if $p == "" then {} else {dying_file: $p, sizes_match: "pass"} end),
		   failing: $f}' --args "$@"
}
rm -f "$F"
"$hist" append "$F" "$(line A pass pass)"
"$hist" append "$F" "$(line B fail fail 'dying_file: x')"
"$hist" append "$F" "$(line C pass pass)"
"$hist" append "$F" "$(line D fail fail 'dying_file: x')"
"$hist" append "$F" "$(line E build_failed '')"
printf '{"torn' >>"$F"
[ "$(grep -c . "$F")" = 6 ] || fail "append: $(cat "$F")"
[ "$("$hist" last-good "$F" F dying_file | jq -r .commit)" = C ] || fail "last-good: not C"
[ "$("$hist" last-good "$F" C dying_file | jq -r .commit)" = A ] || fail "last-good skipping the same commit: not A"
[ "$("$hist" last-good "$F" F sizes_match | jq -r .commit)" = D ] || fail "last-good of sizes_match: not D"
[ -z "$("$hist" last-good "$F" F walk_race)" ] || fail "last-good of a program never run"
[ "$("$hist" last-tested "$F" | jq -r .commit)" = D ] || fail "last-tested: not D (E built nothing)"
[ "$("$hist" passed-at "$F" C dying_file | jq -r .commit)" = C ] || fail "passed-at C"
[ -z "$("$hist" passed-at "$F" B dying_file)" ] || fail "passed-at B: B failed dying_file"
# x failed in B and D of B, C, D, and tonight: p = 3/4, N = ceil(ln .05 / ln .25) = 3
[ "$("$hist" tries "$F" 'dying_file: x')" = "3 0.75 3 4" ] || fail "tries x: $("$hist" tries "$F" 'dying_file: x')"
# first seen tonight: p = 1, one try
[ "$("$hist" tries "$F" 'dying_file: y')" = "1 1 1 1" ] || fail "tries y: $("$hist" tries "$F" 'dying_file: y')"
# the highest rate of several cases decides
[ "$("$hist" tries "$F" 'dying_file: x' 'dying_file: y' | cut -d' ' -f1)" = 1 ] || fail "tries x y"
# a rare flake: 1 in 20 before tonight: capped at 10
rm -f "$F"
"$hist" append "$F" "$(line A fail fail 'dying_file: z')"
for i in $(seq 19); do "$hist" append "$F" "$(line "P$i" pass pass)"; done
[ "$("$hist" tries "$F" 'dying_file: z')" = "10 0.1 2 21" ] || fail "tries z: $("$hist" tries "$F" 'dying_file: z')"
"$hist" append "$F" "$(line '<b>x</b>' fail fail 'dying_file: <i>')"
"$hist" html "$F" >"$tmp/h.html"
{ grep -q '&lt;b&gt;x&lt;/b&gt;' "$tmp/h.html" && ! grep -q '<b>x\|<i>' "$tmp/h.html"; } ||
	fail "html: not escaped: $(grep '<tr' "$tmp/h.html" | head -n 1)"
ok "history.sh: append (torn line skipped), last-good, last-tested, passed-at, tries, html (escaped)"
echo "10 passed, 0 failed"
