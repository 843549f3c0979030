# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers shared by mmapdemo's scripts: where things are, which kernels we
# test, and how to report.  Source it; it defines variables and functions only.

MMAPDEMO_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$MMAPDEMO_TOP/build}
# Kept outside the checkout, so that a fresh clone reuses it.
CACHE=${MMAPDEMO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmapdemo}

die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

note() {
	echo "== $*"
}

# Newest installed Debian headers of a series ("6.1" or "6.12").
headers_dir() {
	local pat
	case $1 in
	6.1) pat='/usr/src/linux-headers-6.1.*-amd64' ;;
	6.12) pat='/usr/src/linux-headers-6.12.*+deb12-amd64' ;;
	*) return 1 ;;
	esac
	for d in $pat; do
		[ -d "$d" ] && echo "$d"
	done | sort -V | tail -n 1
}

# The release string of a Debian headers directory, e.g. 6.1.0-56-amd64.
headers_release() {
	basename "$1" | sed 's/^linux-headers-//'
}

# linux-source-6.12, unpacked once per package version into the cache.
kernel_source() {
	local tarball=/usr/src/linux-source-6.12.tar.xz ver dir
	[ -f "$tarball" ] || die "$tarball is missing: run scripts/setup.sh"
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
	dir=$CACHE/src/linux-source-6.12_$ver
	if [ ! -f "$dir/.unpacked" ]; then
		rm -rf "$dir"
		mkdir -p "$dir"
		tar -xJf "$tarball" -C "$dir" --strip-components=1 ||
			die "cannot unpack $tarball"
		touch "$dir/.unpacked"
	fi
	echo "$dir"
}

# Where a kernel's bzImage and its module build directory are, by name:
# "6.1", "6.12" (Debian's) or "debug" (ours, see debug-kernel.sh).
kernel_image() {
	case $1 in
	debug) echo "$(debug_kernel_dir)/arch/x86/boot/bzImage" ;;
	*) echo "/boot/vmlinuz-$(headers_release "$(headers_dir "$1")")" ;;
	esac
}

kernel_kdir() {
	case $1 in
	debug) debug_kernel_dir ;;
	*) headers_dir "$1" ;;
	esac
}

debug_kernel_dir() {
	cat "$CACHE/debug-kernel.current" 2>/dev/null
}
