#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The newest kernel Debian ships (trixie, trixie-backports or sid), ready
# to build against and boot, without touching this machine's apt setup:
#
#   $CACHE/newest/root/      a Debian trixie root (debootstrap) whose own
#                            apt reaches trixie, trixie-backports and sid on
#                            the mirror this machine already uses; the
#                            newest linux-headers, gcc, sparse and dkms are
#                            installed in it, so the module is built with
#                            Debian's own kbuild and compiler for that
#                            kernel (their binaries need trixie's glibc)
#   $CACHE/newest/RELEASE/   vmlinuz, from Debian's image package, and in
#                            modules/ the virtio modules the guest needs
#                            for its test disk (with their modules.dep)
#   $CACHE/newest/current    "RELEASE VERSION" of the newest kernel
#
# plus its linux-source tarball in $CACHE/newest/RELEASE/, which lib.sh's
# kernel_source unpacks.  Run as root (debootstrap, chroot).  If the mirror
# cannot be reached, the kernel fetched last is kept and used; with none,
# it fails with a message and lib.sh's newest_release prints nothing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dir=$CACHE/newest
root=$dir/root
mkdir -p "$dir"
exec 7>"$dir/.lock"
flock 7

# The Debian mirror bookworm comes from here, from the one-line or the
# deb822 sources: only its address is reused, never written anywhere else.
mirror() {
	local m

	m=${MMAPDEMO_DEBIAN_MIRROR:-}
	[ -n "$m" ] || m=$(awk '/^deb .* bookworm( |$)/ { print $2; exit }' \
		/etc/apt/sources.list 2>/dev/null)
	[ -n "$m" ] || m=$(awk '
		/^URIs:/ { uri = $2 }
		/^Suites:/ && / bookworm( |$)/ && uri != "" { print uri; exit }
		/^$/ { uri = "" }' /etc/apt/sources.list.d/*.sources 2>/dev/null)
	[ -n "$m" ] || die "no Debian mirror for bookworm in /etc/apt"
	echo "${m%/}"
}

fail() {
	echo "newest.sh: $*" >&2
	if [ -s "$dir/current" ]; then
		echo "newest.sh: keeping the kernel fetched before: $(cat "$dir/current")" >&2
		exit 0
	fi
	exit 1
}

[ "$(id -u)" -eq 0 ] || fail "must run as root (debootstrap, chroot)"
command -v debootstrap >/dev/null || fail "debootstrap is missing: run scripts/setup.sh"
m=$(mirror)

if [ ! -f "$root/.ready" ]; then
	note "creating a Debian trixie root for the newest kernel's toolchain in $root"
	rm -rf "$root"
	debootstrap --variant=minbase trixie "$root" "$m" >"$dir/debootstrap.log" 2>&1 ||
		fail "debootstrap trixie from $m failed: see $dir/debootstrap.log"
	rm -f "$root"/etc/apt/sources.list.d/*
	for suite in trixie trixie-backports sid; do
		echo "deb $m $suite main"
	done >"$root/etc/apt/sources.list"
	# Backports and sid only for what is asked for by name.
	printf 'Package: *\nPin: release n=sid\nPin-Priority: 100\n' \
		>"$root/etc/apt/preferences.d/sid"
	# sid's Release file is valid for days only, and a mirror that is a
	# snapshot keeps serving it after that: accept it (still signed).
	echo 'Acquire::Check-Valid-Until "false";' \
		>"$root/etc/apt/apt.conf.d/50mmapdemo"
	touch "$root/.ready"
fi

# Follow the newest kernel as it moves: refresh the lists on every run.
newest_root_run apt-get update -qq >"$dir/apt.log" 2>&1 ||
	fail "apt-get update in $root failed: see $dir/apt.log"

# The newest amd64 image, by its package name: linux-image-7.3.4+deb13-amd64.
rel=$(newest_root_run apt-cache search --names-only \
	'^linux-image-[0-9]+\.[0-9]+\.[0-9]+\+deb[0-9]+-amd64$' |
	awk '{ sub(/^linux-image-/, "", $1); print $1 }' | sort -V | tail -n 1)
[ -n "$rel" ] || fail "no linux-image-*-amd64 in trixie, trixie-backports or sid"
ver=$(newest_root_run apt-cache show "linux-image-$rel" |
	awk '/^Version:/ { print $2; exit }')
series=$(echo "$rel" | cut -d. -f1,2)
[ "$(cat "$dir/current" 2>/dev/null)" = "$rel $ver" ] &&
	[ -f "$dir/$rel/vmlinuz" ] && [ -f "$dir/$rel/.source" ] &&
	[ -f "$dir/$rel/modules/lib/modules/$rel/modules.dep" ] && exit 0

note "fetching Linux $rel ($ver): headers and toolchain, image, source"
newest_root_run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	--no-install-recommends "linux-headers-$rel" make dkms kmod \
	>>"$dir/apt.log" 2>&1 || fail "cannot install linux-headers-$rel: see $dir/apt.log"
# A 7.x tree needs a newer sparse than trixie's (scripts/checker-valid.sh):
# sid's, unpacked in /opt/sparse, whose sparse needs only the C library.
newest_root_run sh -ec 'cd /tmp && rm -f sparse_*.deb && apt-get download -qq sparse/sid &&
	rm -rf /opt/sparse && dpkg -x sparse_*.deb /opt/sparse && rm sparse_*.deb' \
	>>"$dir/apt.log" 2>&1 || fail "cannot fetch sid's sparse: see $dir/apt.log"

rm -rf "${dir:?}/$rel"
mkdir -p "$dir/$rel/debs"
# The image is a small package that depends on the ones holding vmlinuz
# and the modules (linux-binary-* and linux-modules-* since 7.0); download
# them, and the source of the same version.
pkgs="linux-image-$rel"
dep=$(newest_root_run apt-cache show "linux-image-$rel=$ver" |
	sed -n 's/^Depends: //p' | tr ',' '\n' |
	grep -o 'linux-\(binary\|modules\)-[^ ]*' | sort -u | tr '\n' ' ') || true
pkgs="$pkgs $dep"
newest_root_run sh -c "cd /tmp && rm -f ./*.deb && apt-get download -qq $pkgs \
	linux-source-$series=$ver" >>"$dir/apt.log" 2>&1 ||
	fail "cannot download $pkgs linux-source-$series: see $dir/apt.log"
mv "$root"/tmp/*.deb "$dir/$rel/debs/"
for deb in "$dir/$rel/debs"/*.deb; do
	dpkg -x "$deb" "$dir/$rel/x"
done
img=$(find "$dir/$rel/x" -name "vmlinuz*" -type f | head -n 1)
[ -n "$img" ] || fail "no vmlinuz in $pkgs"
mv "$img" "$dir/$rel/vmlinuz"
# The test disk's driver (pin_test's O_DIRECT): virtio_blk and what it
# needs, as modules in Debian's image; initramfs.sh picks them by modprobe.
mods=$(find "$dir/$rel/x" -type d -path "*/modules/$rel" | head -n 1)
[ -n "$mods" ] || fail "no modules in $pkgs"
kmods=$dir/$rel/modules/lib/modules/$rel
mkdir -p "$kmods/kernel/drivers/block"
cp -a "$mods/kernel/drivers/virtio" "$kmods/kernel/drivers/"
cp -a "$mods"/kernel/drivers/block/virtio_blk.ko* "$kmods/kernel/drivers/block/"
# What is built in (virtio_pci) is listed beside the headers.
cp -a "$root/lib/modules/$rel"/modules.builtin* "$kmods/"
depmod -b "$dir/$rel/modules" "$rel" || fail "depmod for $rel failed"
mv "$dir/$rel/x/usr/src/linux-source-$series.tar.xz" "$dir/$rel/" ||
	fail "no linux-source-$series.tar.xz"
rm -rf "$dir/$rel/x" "$dir/$rel/debs"
echo "$series $ver" >"$dir/$rel/.source"

# Debian's kbuild lacks scripts/checker-valid.sh, without which C=1 and C=2
# skip sparse: take it from the same version's source.
tar -xJf "$dir/$rel/linux-source-$series.tar.xz" -C "$dir/$rel" \
	--strip-components=1 "linux-source-$series/scripts/checker-valid.sh"
install -m 755 "$dir/$rel/scripts/checker-valid.sh" \
	"$root/usr/lib/linux-kbuild-${rel%-amd64}/scripts/checker-valid.sh"
rm -rf "$dir/$rel/scripts"

echo "$rel $ver" >"$dir/current"
note "newest Debian kernel: $rel ($ver)"
