#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# ci_definitions_test.sh — the example CI definitions of docs/ci/ are ones
# the tools accept: `systemd-analyze verify` on the nightly service and
# timer (with the suite's path put where the unit expects its checkout:
# ExecStart must name an executable) with no complaint at all, after
# proving that verify complains about a unit whose command is missing; the
# GitLab job parses as YAML, runs `run.sh --nightly` and publishes the
# results folder's junit.xml (as the JUnit report), index.html and plots.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unit=memcg-reparent-nightly

fail() {
	echo "not ok: $*"
	exit 1
}

# verify DIR: systemd-analyze verify of DIR's units; any output is a failure
verify() {
	local out rc=0
	out=$(cd "$1" && systemd-analyze verify "$PWD/$unit.service" "$PWD/$unit.timer" 2>&1) || rc=$?
	[ "$rc" = 0 ] && [ -z "$out" ] && return 0
	echo "$out (exit $rc)"
	return 1
}

mkdir "$tmp/bad" "$tmp/good"
cp "$top/docs/ci/$unit.service" "$top/docs/ci/$unit.timer" "$tmp/bad/"
verify "$tmp/bad" >"$tmp/bad.out" && fail "verify accepted a unit whose ExecStart does not exist"
grep -q '/opt/memcg-reparent/run.sh' "$tmp/bad.out" || fail "verify's complaint: $(cat "$tmp/bad.out")"
echo "ok: systemd-analyze verify complains about a missing command"

sed "s|/opt/memcg-reparent|$top|g" "$top/docs/ci/$unit.service" >"$tmp/good/$unit.service"
cp "$top/docs/ci/$unit.timer" "$tmp/good/"
grep -q "^ExecStart=$top/run.sh --nightly --ksrc" "$tmp/good/$unit.service" ||
	fail "the service does not run run.sh --nightly"
verify "$tmp/good" || fail "systemd-analyze verify"
echo "ok: systemd-analyze verify $unit.service $unit.timer"

python3 - "$top/docs/ci/gitlab-ci.yml" <<'PY' || fail "docs/ci/gitlab-ci.yml"
import sys
import yaml

doc = yaml.safe_load(open(sys.argv[1]))
job = doc["nightly-linux-next"]
script = "\n".join(job["script"])
assert "./run.sh --nightly --ksrc" in script, "the job does not run run.sh --nightly"
assert "--history" in script, "no history kept outside the job"
res = script.split("--results ")[1].split()[0].strip('"').replace("$CI_PROJECT_DIR/", "")
art = job["artifacts"]
assert art["when"] == "always", "artifacts only on success"
assert art["reports"]["junit"] == res + "/junit.xml", "JUnit report not the results folder's"
for f in ("index.html", "junit.xml", "plot-*.png", "compare.txt", "bisect.md"):
    assert res + "/" + f in art["paths"], "not published: " + f
assert "kvm" in job["tags"], "not for a runner with KVM"
PY
echo "ok: gitlab-ci.yml runs the nightly and publishes junit.xml, index.html, the plots"
echo "3 passed, 0 failed"
