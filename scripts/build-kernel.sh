#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# build-kernel.sh [--ksrc DIR] [--fragments "base lean debug ..."] [--patches DIR|none]
#
# Builds a bzImage out of tree from DIR (any kernel tree; default Debian
# sid's newest linux-source, fetched and cached) with x86_64_defconfig,
# kvm_guest.config and configs/kernel/<fragment>.config.  The build folder
# lives in the cache, keyed by the tree and the fragments' content, so a
# rebuild is incremental (and ccache-backed when ccache is installed).
# After olddefconfig every option a fragment asks for is checked in the
# final .config; one that did not survive fails the build (exit 3).
# --patches DIR brings the tree to exactly DIR/*.patch first (patch-tree.sh;
# default none: a tree given with --ksrc is built as it is), so a patched and
# an unpatched build share one build folder and differ by an incremental
# rebuild.  Each build's image is copied to images/<identity digest>/ of the
# build folder with its .config and an `identity` file (source, config digest,
# patches, mutation), so a later build in the same folder cannot change the
# kernel a run is booting.
# Prints the path of that copy of the bzImage.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
. "$here/lib.sh"

ksrc="" fragments="base lean debug" patches=none
while [ $# -gt 0 ]; do
	case $1 in
	--ksrc) ksrc=$2; shift 2 ;;
	--fragments) fragments=$2; shift 2 ;;
	--patches) patches=$2; shift 2 ;;
	*) die 2 "unknown argument '$1'" ;;
	esac
done
if [ -z "$ksrc" ]; then
	ksrc="$("$here/fetch-debian-kernel.sh" sid source)/tree" ||
		die 3 "could not fetch Debian's linux-source"
fi
{ [ -f "$ksrc/Makefile" ] && [ -d "$ksrc/mm" ]; } || die 2 "'$ksrc' is not a kernel tree"
ksrc=$(cd "$ksrc" && pwd -P)
if [ -f "$ksrc/.memcg-reparent-mutation" ] && [ "${MR_ALLOW_MUTATION:-0}" != 1 ]; then
	die 3 "$ksrc carries a bug injection ($(xargs <"$ksrc/.memcg-reparent-mutation")) from an interrupted selfcheck: run scripts/mutate.sh --restore $ksrc"
fi

frag_files=()
for f in $fragments; do
	p="$MR_TOP/configs/kernel/$f.config"
	[ -f "$p" ] || die 2 "no fragment configs/kernel/$f.config"
	frag_files+=("$p")
done

key=$( { echo "$ksrc"; cat "${frag_files[@]}"; } | sha256sum | cut -c1-16)
out="$MR_CACHE/build/$(basename "$ksrc")-${fragments// /+}-$key"
mkdir -p "$out"
# One build per folder at a time: a second run.sh (CI next to a bisect, a
# self-check) waits here instead of racing make in the same objects.
exec 9>"$out/.lock"
if ! flock -n 9; then
	log "waiting for another build in $out"
	flock 9
fi

# The tree is shared by every build folder made from it: its patch state may
# change only while nobody builds from it.
mkdir -p "$MR_CACHE/locks"
exec 8>"$MR_CACHE/locks/tree-$(sha256sum <<<"$ksrc" | cut -c1-16).lock"
flock 8
applied=$("$here/patch-tree.sh" "$ksrc" "$patches") || die 3 "could not apply --patches $patches to $ksrc"
[ -n "$applied" ] && log "patches applied: $(cut -d' ' -f1 <<<"$applied" | xargs)"

cc=gcc
command -v ccache >/dev/null && cc="ccache gcc"
export CCACHE_DIR=${CCACHE_DIR:-$MR_CACHE/ccache}
kmake() { make -C "$ksrc" O="$out" CC="$cc" -j"$(nproc)" "$@"; }

log "configuring in $out (fragments: $fragments)"
kmake -s x86_64_defconfig >&2 || die 3 "defconfig failed"
kmake -s kvm_guest.config >&2 || die 3 "kvm_guest.config failed"
KCONFIG_CONFIG="$out/.config" "$ksrc/scripts/kconfig/merge_config.sh" -m -O "$out" \
	"$out/.config" "${frag_files[@]}" >"$out/merge.log" 2>&1 || die 3 "merge_config failed"
kmake -s olddefconfig >&2 || die 3 "olddefconfig failed"

# rcutorture's #CHECK# idea: what was asked for must be what we got.
# "# CONFIG_X is not set" must not have come back on; absent counts as off.
# A later fragment's request for an option overrides an earlier one's (as
# merge_config does: nomemcg after base).
lost=$(cat "${frag_files[@]}" | grep -E '^CONFIG_[A-Z0-9_]+=|^# CONFIG_[A-Z0-9_]+ is not set' |
	awk '{ o = $0; if (o ~ /^#/) o = $2; else sub(/=.*/, "", o)
	       if (!(o in last)) order[++n] = o
	       last[o] = $0 }
	     END { for (i = 1; i <= n; i++) print last[order[i]] }' |
	while IFS= read -r want; do
		case $want in
		"# "*)
			opt=${want#"# "}
			opt=${opt%% *}
			grep -q "^$opt=" "$out/.config" && echo "$want (got: $(grep "^$opt=" "$out/.config"))"
			;;
		*)
			grep -qxF "$want" "$out/.config" ||
				echo "$want (got: $(grep -E "^${want%%=*}=|^# ${want%%=*} is not set" "$out/.config" || echo absent))"
			;;
		esac
	done || true)
if [ -n "$lost" ]; then
	printf '%s\n' "$lost" >"$out/config-lost"
	die 3 "options asked for but not in the final .config:
$lost"
fi

log "building bzImage (log: $out/make.log)"
kmake bzImage >"$out/make.log" 2>&1 || { tail -n 30 "$out/make.log" >&2; die 3 "kernel build failed"; }

# What this image is: known issues and reports name builds by it.
mutation=""
if [ -f "$ksrc/.memcg-reparent-mutation" ]; then
	mutation=$(while read -r f; do printf '%s:%s ' "$f" "$(sha256sum <"$ksrc/$f" | cut -c1-16)"; done \
		<"$ksrc/.memcg-reparent-mutation")
fi
identity=$(
	echo "source=$(basename "$(dirname "$ksrc")")"
	echo "release=$(cat "$out/include/config/kernel.release")"
	echo "config_sha256=$(sha256sum <"$out/.config" | cut -c1-64)"
	echo "patches=$(cut -d' ' -f1 <<<"$applied" | xargs)"
	echo "patches_sha256=$(sha256sum <<<"$applied" | cut -c1-64)"
	echo "mutation=${mutation% }"
)
img="$out/images/$(sha256sum <<<"$identity" | cut -c1-16)"
mkdir -p "$img"
cp "$out/arch/x86/boot/bzImage" "$img/bzImage.tmp" && mv -f "$img/bzImage.tmp" "$img/bzImage"
cp "$out/.config" "$img/config"
printf '%s\n' "$identity" >"$img/identity"
echo "$img/bzImage"
