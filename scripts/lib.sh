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

# The kernels a run can cover, by name: Debian's 6.1 and 6.12 (installed by
# setup.sh), the newest Debian ships (fetched by newest.sh) and our debug
# kernel (debug-kernel.sh, built from the newest source).
# shellcheck disable=SC2034 # for the scripts that source this one
ALL_KERNELS="6.1 6.12 newest debug"

# The newest kernel's release (7.3.4+deb13-amd64), or nothing if newest.sh
# never fetched one.
newest_release() {
	awk '{ print $1 }' "$CACHE/newest/current" 2>/dev/null
}

# Run a command in the newest kernel's Debian root, with the checkout and
# the build folder at the same paths as outside, in a mount namespace of
# its own so that nothing stays mounted.
newest_root_run() {
	local root=$CACHE/newest/root

	mkdir -p "$BUILD"
	# shellcheck disable=SC2016 # the inner shell expands them
	unshare -m --propagation private sh -ec '
		root=$1 top=$2 build=$3
		shift 3
		mount -t proc proc "$root/proc"
		for d in "$top" "$build"; do
			mkdir -p "$root$d"
			mount --bind "$d" "$root$d"
		done
		exec chroot "$root" "$@"' sh "$root" "$MMAPDEMO_TOP" "$BUILD" "$@"
}

# Newest installed Debian headers of a series ("6.1" or "6.12"); for
# "newest", the headers directory inside the newest kernel's root.
headers_dir() {
	local pat
	case $1 in
	6.1) pat='/usr/src/linux-headers-6.1.*-amd64' ;;
	6.12) pat='/usr/src/linux-headers-6.12.*+deb12-amd64' ;;
	newest)
		[ -n "$(newest_release)" ] && echo "/usr/src/linux-headers-$(newest_release)"
		return
		;;
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

# The kernel source the tools, the kselftest tree and the debug kernel come
# from: the newest Debian ships, else Debian 12's linux-source-6.12.
# Unpacked once per version into the cache; prints its directory.
kernel_source() {
	local rel tarball series ver dir

	rel=$(newest_release)
	if [ -n "$rel" ] && [ -f "$CACHE/newest/$rel/.source" ]; then
		read -r series ver <"$CACHE/newest/$rel/.source"
		tarball=$CACHE/newest/$rel/linux-source-$series.tar.xz
	else
		series=6.12 tarball=/usr/src/linux-source-6.12.tar.xz
		ver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null)
	fi
	[ -f "$tarball" ] || die "$tarball is missing: run scripts/setup.sh"
	dir=$CACHE/src/linux-source-${series}_$ver
	if [ ! -f "$dir/.unpacked" ]; then
		exec 6>"$CACHE/src.unpack.lock" && flock 6
		if [ ! -f "$dir/.unpacked" ]; then
			rm -rf "$dir"
			mkdir -p "$dir"
			tar -xJf "$tarball" -C "$dir" --strip-components=1 ||
				die "cannot unpack $tarball"
			touch "$dir/.unpacked"
		fi
		flock -u 6
	fi
	echo "$dir"
}

# Where a kernel's bzImage and its module build directory are, by name:
# "6.1", "6.12", "newest" (Debian's) or "debug" (ours, see debug-kernel.sh).
kernel_image() {
	case $1 in
	debug) echo "$(debug_kernel_dir)/arch/x86/boot/bzImage" ;;
	newest) echo "$CACHE/newest/$(newest_release)/vmlinuz" ;;
	*) echo "/boot/vmlinuz-$(headers_release "$(headers_dir "$1")")" ;;
	esac
}

kernel_kdir() {
	case $1 in
	debug) debug_kernel_dir ;;
	*) headers_dir "$1" ;;
	esac
}

# The release a kernel reports in uname -r, for summaries.
kernel_release() {
	case $1 in
	debug) cat "$(debug_kernel_dir)/include/config/kernel.release" 2>/dev/null ;;
	*) headers_release "$(headers_dir "$1")" ;;
	esac
}

# make in a kernel's build directory, where that kernel's toolchain is:
# the newest kernel's root for "newest" (with the newest sparse, see
# newest.sh), this machine for the others.
kernel_make() {
	local k=$1

	shift
	if [ "$k" = newest ]; then
		newest_root_run make -C "$(kernel_kdir newest)" \
			CHECK=/opt/sparse/usr/bin/sparse "$@"
	else
		make -C "$(kernel_kdir "$k")" "$@"
	fi
}

# The root whose lib/modules/RELEASE holds a kernel's modules (for
# modprobe -d): this machine's for Debian 12's kernels, newest.sh's copy for
# the newest; nothing for the debug kernel, which has no modules.
kernel_modroot() {
	case $1 in
	debug) ;;
	newest) echo "$CACHE/newest/$(newest_release)/modules" ;;
	*) echo / ;;
	esac
}

debug_kernel_dir() {
	cat "$CACHE/debug-kernel.current" 2>/dev/null
}
