#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build a busybox-static initramfs for mmapdemo's guest.
#   initramfs.sh OUT.cpio.gz RUN_SCRIPT [SRC:DEST | +PROGRAM]...
# RUN_SCRIPT becomes /run.sh, started by guest-init.sh; each SRC is copied
# to DEST in the guest (a directory SRC is copied whole).  +PROGRAM copies
# a dynamically linked program of this machine's (trace-cmd) to the same
# path, with the libraries ldd finds for it.
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
