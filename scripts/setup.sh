#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install what mmapdemo needs on Debian 12, idempotently: QEMU, a static
# busybox for the guest, liburing for the pinning tests, Debian's 6.1 and newest 6.12 kernels with headers,
# linux-source-6.12, the debug kernel's build dependencies and the linters;
# then newest.sh fetches the newest kernel Debian ships (7.x) with its
# headers, toolchain and source, into the cache.  Prints little when all is
# present.  A newest kernel that cannot be fetched is reported, not fatal:
# `make check` counts it as a failure.
set -eu

# Ask apt-cache for the newest 6.12 flavour: bookworm has no 6.12 metapackage.
newest_612() {
	apt-cache search --names-only "^linux-$1-6\.12\.[0-9]+\+deb12-amd64\$" |
		awk '{print $1}' | sort -V | tail -n 1
}

want="qemu-system-x86 busybox-static cpio kmod xz-utils gcc make libc6-dev
	linux-image-amd64 linux-headers-amd64 linux-source-6.12
	flex bison bc libelf-dev libssl-dev dwarves sparse perl python3
	dkms rsync shellcheck clang-format cppcheck debootstrap trace-cmd
	liburing-dev"

installed() {
	dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | grep -q '^ii'
}

missing=""
for p in $want; do
	installed "$p" || missing="$missing $p"
done

# A 6.12 image and headers pair of the same version must be installed.
have612=""
for h in /usr/src/linux-headers-6.12.*+deb12-amd64; do
	[ -e "/boot/vmlinuz-${h#/usr/src/linux-headers-}" ] && have612=yes
done
if [ -z "$have612" ]; then
	[ -n "${SETUP_UPDATED:-}" ] || apt-get update -qq
	export SETUP_UPDATED=1
	img=$(newest_612 image)
	hdr=$(newest_612 headers)
	if [ -z "$img" ] || [ -z "$hdr" ]; then
		echo "setup: no linux-image/headers 6.12 for bookworm in apt" >&2
		exit 1
	fi
	missing="$missing $img $hdr"
fi

if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup: missing packages:$missing; run as root: sudo $0" >&2
		exit 1
	fi
	echo "setup: installing$missing"
	[ -n "${SETUP_UPDATED:-}" ] || apt-get update -qq
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
fi

"$(dirname "$0")/newest.sh" ||
	echo "setup: the newest Debian kernel is not available; 6.1 and 6.12 only" >&2
