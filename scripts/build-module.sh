#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build mmapdemo.ko for one kernel, in a copy of the sources under
# build/k/NAME, so that builds for several kernels do not mix objects.
#   build-module.sh NAME KDIR [make arguments, e.g. W=1 C=1]
# Prints the path of the module.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

name=$1 kdir=$2
shift 2
[ -d "$kdir" ] || die "no kernel build directory $kdir"
out=$BUILD/k/$name
mkdir -p "$out/module/uapi"
cp "$MMAPDEMO_TOP/Kbuild" "$out/"
cp "$MMAPDEMO_TOP"/module/*.[ch] "$out/module/"
cp "$MMAPDEMO_TOP"/module/uapi/*.h "$out/module/uapi/"
make -s -C "$kdir" M="$out" "$@" modules >&2
echo "$out/mmapdemo.ko"
