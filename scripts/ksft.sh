#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Extract from the newest kernel source (lib.sh's kernel_source) what we
# build and check with, into the ignored build folder (nothing of the kernel
# is kept in the repository):
#   build/ksft/    the kselftest harness, lib.mk and runner
#   build/ktools/  checkpatch.pl with its data files, .clang-format
#   build/khdr/    the kernel's uapi headers (make headers_install, built
#                  out of the source tree with O=): the selftests' Makefile
#                  compiles against build/khdr/usr/include, as lib.mk's
#                  KHDR_INCLUDES does in a kernel tree
# (kernel-doc runs from the source tree: 7.x's needs its Python library).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

src=$(kernel_source)
stamp=$BUILD/ksft/.from
[ "$(cat "$stamp" 2>/dev/null)" = "$src" ] &&
	[ -f "$BUILD/khdr/usr/include/linux/mman.h" ] && exit 0

rm -rf "$BUILD/ksft" "$BUILD/ktools" "$BUILD/khdr"
mkdir -p "$BUILD/ksft/kselftest" "$BUILD/ktools/scripts"
sel=$src/tools/testing/selftests
cp "$sel"/{kselftest_harness.h,kselftest.h,lib.mk,run_kselftest.sh} "$BUILD/ksft/"
cp "$sel"/kselftest/{runner.sh,prefix.pl,ktap_helpers.sh,module.sh} "$BUILD/ksft/kselftest/"
cp "$src"/scripts/{checkpatch.pl,spelling.txt,const_structs.checkpatch} \
	"$BUILD/ktools/scripts/"
cp "$src/.clang-format" "$BUILD/ktools/"
note "installing the uapi headers of $(basename "$src") in build/khdr"
make -s -C "$src" O="$BUILD/khdr" headers_install >"$BUILD/khdr.log" 2>&1 ||
	die "make headers_install failed: see ${BUILD#"$MMAPDEMO_TOP"/}/khdr.log"
echo "$src" >"$stamp"
