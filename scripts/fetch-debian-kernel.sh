#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# fetch-debian-kernel.sh SUITE[=VERSION] [PKGKIND]
#
# Download a Debian kernel (or linux-source) from SUITE without touching the
# system's apt sources: a private sources list, state and archive cache live
# in the suite's cache folder.  The mirror is the one the system already uses.
#
#   SUITE      sid, bookworm, ... ; "=VERSION" pins e.g. sid=7.2.3-1
#   PKGKIND    image (default): unpack vmlinuz + modules, print the folder
#              source: unpack the newest linux-source-X.Y, print its tree
#
# Prints the unpacked folder on stdout; everything else goes to stderr.
# Exit 3 when the archive cannot be reached or holds no such package.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
. "$here/lib.sh"

spec=${1:?usage: fetch-debian-kernel.sh SUITE[=VERSION] [image|source]}
kind=${2:-image}
suite=${spec%%=*}
want=""
[ "$suite" != "$spec" ] && want=${spec#*=}

apt_dir="$MR_CACHE/apt-$suite"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial"
# Two run.sh sharing the cache (a nightly beside a bisect, two checkouts)
# read the suite's package lists together (a shared lock), but an update
# of the lists takes it alone; each kernel folder has one writer (below).
exec 9>"$apt_dir/.lock"
if ! flock -n -s 9; then
	log "waiting for an update of the $suite package list"
	flock -s 9
fi

# The mirror and keyring of the system's main Debian entry (deb822 or one-line).
mirror=""
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	mirror=$(awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }' "$f")
	[ -n "$mirror" ] && break
done
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
	mirror=$(awk '$1 == "deb" && $0 !~ /security/ {
			for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' \
		/etc/apt/sources.list)
fi
[ -n "$mirror" ] || die 3 "no Debian mirror found in /etc/apt sources"

# (renamed into place: a concurrent fetch reads the old or the new one)
echo "deb [signed-by=$keyring] $mirror $suite main" >"$apt_dir/sources.list.$$"
mv -f "$apt_dir/sources.list.$$" "$apt_dir/sources.list"
# APT::Sandbox::User=root: apt would drop to _apt for downloads, which
# cannot write into root's cache, and warn "Download is performed
# unsandboxed as root" for every file; the lists and archives here are ours.
apt_opts="-o Dir::Etc::SourceList=$apt_dir/sources.list
	-o Dir::Etc::SourceParts=/dev/null
	-o Dir::State::Lists=$apt_dir/lists
	-o Dir::Cache::Archives=$apt_dir/archives
	-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
	-o APT::Architecture=amd64 -o Acquire::Languages=none
	-o APT::Sandbox::User=root"

# Refresh the package list at most every 6 hours: sid moves, but not that fast.
stamp="$apt_dir/lists/.stamp"
stale() { [ -z "$(find "$stamp" -mmin -360 2>/dev/null)" ]; }
if stale; then
	flock -x 9
fi
# (another fetch may have updated them while this one waited)
if stale; then
	log "updating the $suite package list"
	# shellcheck disable=SC2086 # apt_opts is a word list
	apt-get $apt_opts -qq update >&2 || die 3 "apt-get update for $suite failed"
	touch "$stamp"
fi
flock -s 9

# shellcheck disable=SC2086
pkgnames() { apt-cache $apt_opts pkgnames "$1" 2>/dev/null; }
# shellcheck disable=SC2086
pkgver() { apt-cache $apt_opts show "$1" 2>/dev/null | awk '/^Version:/ { print $2; exit }'; }

if [ "$kind" = source ]; then
	pkg=$(pkgnames linux-source- | grep -E '^linux-source-[0-9]+\.[0-9]+$' |
		sort -V | tail -n 1)
	[ -n "$pkg" ] || die 3 "no linux-source package in $suite"
else
	# Unsigned image packages: linux-image-<abi>-amd64-unsigned on 6.1, the
	# split linux-binary-* on 7.x; the abi names the release either way.
	pkg=$(pkgnames linux-image- |
		grep -E '^linux-image-[0-9][0-9a-z.+~]*(-[0-9]+)?-amd64$' |
		sort -V | tail -n 1)
	[ -n "$pkg" ] || die 3 "no linux-image-*-amd64 package in $suite"
fi
version=$(pkgver "$pkg")
if [ -n "$want" ] && [ "$want" != "$version" ]; then
	die 3 "$suite has $pkg $version, not $want (sid moves: take its newest, or another suite)"
fi

out="$MR_CACHE/kernels/$pkg-$version"
# and one writer per kernel folder, held to the end (the suite's lock is
# released before a source tree unpacks)
mkdir -p "$MR_CACHE/kernels"
exec 8>"$out.lock"
flock 8
if [ -f "$out/.complete" ]; then
	echo "$out"
	exit 0
fi
rm -rf "$out"
mkdir -p "$out"

dl=$(mktemp -d "$apt_dir/dl.XXXXXX")
# an interrupted fetch leaves no half-unpacked kernel behind
trap 'rm -rf "$dl"; [ -f "$out/.complete" ] || rm -rf "$out"' EXIT
# A meta image package depends on the binary and modules packages; take them all.
# shellcheck disable=SC2086
deps=$(apt-cache $apt_opts depends --no-recommends --no-suggests "$pkg" 2>/dev/null |
	awk '/Depends:/ { print $2 }' | grep -E '^linux-(binary|modules|image)-' || true)
log "downloading $pkg $version $deps"
# shellcheck disable=SC2086
(cd "$dl" && apt-get $apt_opts -qq download "$pkg" $deps >&2) ||
	die 3 "download of $pkg from $suite failed"
for deb in "$dl"/*.deb; do
	dpkg-deb -x "$deb" "$out/root"
done

if [ "$kind" = source ]; then
	tarball=$(find "$out/root/usr/src" -maxdepth 1 -name 'linux-source-*.tar.*' | head -n 1)
	[ -n "$tarball" ] || die 3 "$pkg holds no source tarball"
	# the package lists are no longer read: let other fetches of this
	# suite go on while the source tree unpacks (minutes)
	flock -u 9
	tar -C "$out" -xf "$tarball"
	rm -rf "$out/root"
	tree=$(find "$out" -mindepth 1 -maxdepth 1 -type d -name 'linux-source-*' | head -n 1)
	ln -sfn "$(basename "$tree")" "$out/tree"
else
	# vmlinuz sits in /boot (6.1) or beside the modules (7.x split packages)
	vmlinuz=$(find "$out/root" -maxdepth 5 -type f \( -path '*/boot/vmlinuz-*' \
		-o -path '*/lib/modules/*/vmlinuz' \) | head -n 1)
	[ -n "$vmlinuz" ] || die 3 "$pkg holds no vmlinuz"
	case $vmlinuz in
	*/boot/vmlinuz-*) rel=${vmlinuz##*/vmlinuz-} ;;
	*) rel=$(basename "$(dirname "$vmlinuz")") ;;
	esac
	ln -sfn "${vmlinuz#"$out"/}" "$out/vmlinuz"
	moddir=$(find "$out/root" -maxdepth 4 -type d -path "*/lib/modules/$rel" | head -n 1)
	[ -n "$moddir" ] || die 3 "$pkg holds no modules for $rel"
	ln -sfn "${moddir#"$out"/}" "$out/modules"
	# The kernel's .config: in /boot (6.1), else in the headers package.
	config=$(find "$out/root" -maxdepth 3 -type f -path "*/boot/config-$rel" | head -n 1)
	if [ -z "$config" ]; then
		# shellcheck disable=SC2086
		if ! { (cd "$dl" && apt-get $apt_opts -qq download "linux-headers-$rel" >&2) &&
			dpkg-deb --fsys-tarfile "$dl"/linux-headers-"$rel"_*.deb |
			tar -xO --wildcards '*/.config' >"$out/config" 2>/dev/null; }; then
			log "no kernel config found for $rel (summary will lack it)"
		fi
	else
		ln -sfn "${config#"$out"/}" "$out/config"
	fi
	echo "$rel" >"$out/release"
	echo "$pkg $version" >"$out/package"
fi
touch "$out/.complete"
echo "$out"
