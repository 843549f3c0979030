#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build mmapdemo.ko for one kernel, in a copy of the sources under
# build/k/NAME, so that builds for several kernels do not mix objects.
#   build-module.sh NAME KERNEL [make arguments, e.g. W=1 C=1]
# KERNEL is 6.1, 6.12, newest or debug (lib.sh).  With C=1 or C=2 the build
# fails unless sparse really checked every file.  Prints the module's path.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

name=$1 kernel=$2
shift 2
kdir=$(kernel_kdir "$kernel")
[ -n "$kdir" ] || die "no build directory for kernel $kernel"
out=$BUILD/k/$name
rm -rf "$out"
mkdir -p "$out/module/uapi"
cp "$MMAPDEMO_TOP/Kbuild" "$out/"
cp "$MMAPDEMO_TOP"/module/*.[ch] "$out/module/"
cp "$MMAPDEMO_TOP"/module/uapi/*.h "$out/module/uapi/"
log=$out/build.log
kernel_make "$kernel" M="$out" "$@" modules >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
# Kbuild prints what it did ("CC", "CHECK"), and every diagnostic.
grep -vE '^  [A-Z_]+ +|^make(\[[0-9]+\])?: (Entering|Leaving)' "$log" >&2 || true
case " $* " in
*" C=1 "* | *" C=2 "*)
	for f in "$MMAPDEMO_TOP"/module/*.c; do
		grep -qE "^  CHECK +.*module/${f##*/}\$" "$log" ||
			die "sparse did not check module/${f##*/} (C= given)"
	done
	;;
esac
echo "$out/mmapdemo.ko"
