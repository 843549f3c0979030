#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build a busybox-static initramfs for mmapdemo's guest.
#   initramfs.sh OUT.cpio.gz RUN_SCRIPT [SRC:DEST | +PROGRAM | @KERNEL]...
# RUN_SCRIPT becomes /run.sh, started by guest-init.sh; each SRC is copied
# to DEST in the guest (a directory SRC is copied whole).  +PROGRAM copies
# a dynamically linked program of this machine's (trace-cmd) to the same
# path, with the libraries ldd finds for it.  @KERNEL (a lib.sh kernel
# name) adds the modules that kernel needs for vm.sh's test disk, in the
# order modprobe would load them, to /lib/modules/disk, which
# guest-init.sh loads.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$1 run=$2
shift 2
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

chmod 755 "$stage"
mkdir -p "$stage"/{bin,dev,proc,sys,tmp,root}
cp /bin/busybox "$stage/bin/busybox"
cp "$MMAPDEMO_TOP/scripts/guest-init.sh" "$stage/init"
cp "$run" "$stage/run.sh"
chmod 755 "$stage/init" "$stage/run.sh"
# The kernel opens /dev/console for init before any mount; without root the
# node is missing and init switches to the console after mounting devtmpfs.
mknod "$stage/dev/console" c 5 1 2>/dev/null || true
for spec in "$@"; do
	case $spec in
	@*)
		k=${spec#@} root=$(kernel_modroot "$k")
		[ -n "$root" ] || continue # built in
		n=10
		mkdir -p "$stage/lib/modules/disk"
		for m in $(for mod in virtio_pci virtio_blk; do
			modprobe --show-depends -d "$root" \
				-S "$(kernel_release "$k")" "$mod"
		done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }'); do
			dest=$stage/lib/modules/disk/$n-$(basename "${m%.xz}")
			case $m in
			*.xz) xz -dc "$m" >"$dest" ;;
			*) cp "$m" "$dest" ;;
			esac
			n=$((n + 1))
		done
		;;
	+*)
		prog=${spec#+}
		for f in "$prog" $(ldd "$prog" | grep -o '/[^ ]*'); do
			mkdir -p "$stage$(dirname "$f")"
			cp -L "$f" "$stage$f"
		done
		;;
	*)
		src=${spec%%:*} dest=$stage/${spec#*:}
		mkdir -p "$(dirname "$dest")"
		cp -a "$src" "$dest"
		;;
	esac
done
(cd "$stage" && find . -print0 | cpio --null -o -H newc --quiet --owner=0:0) |
	gzip -1 >"$out"
