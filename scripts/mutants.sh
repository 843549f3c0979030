#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make mutants`: prove that the tests can fail.  Each mutant is one small,
# realistic driver bug planted in a copy of module/ (a Perl substitution
# that must match); the module is built with it for the newest kernel, and
# the tests that guard against that class of bug run in a VM.  A mutant is
# caught when any of them fails, the VM fails, or the kernel log reports a
# problem.  Prints one line per mutant and "N caught, N missed"; exits 1
# if any was missed.
#
#   scripts/mutants.sh [NAME...]      (all mutants by default)
#   MUTANT_KERNEL=6.12 scripts/mutants.sh   (another kernel line)
#
# Not part of `make check` (it boots a VM per mutant: about 15 minutes).
# To prove a new test can fail, add the bug it guards against here.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

KERNEL=${MUTANT_KERNEL:-newest}
OUT=$BUILD/mutants

# NAME|FILE|PERL SUBSTITUTION|TESTS (commands run in /mmapdemo)|WHAT
# (no "|" inside a field: write \x7c in a pattern; TESTS that begin with
# "debug:" need fault injection, and run on the debug kernel)
mutants() {
	cat <<'LIST'
fault-eof-partial|file_mmap.c|s/DIV_ROUND_UP\(i_size_read\(inode\), PAGE_SIZE\)/(i_size_read(inode) >> PAGE_SHIFT)/|./boundary_test -r file.mmapdemo.fault_at_the_end|the last, partial page refused
fault-eof-past|file_mmap.c|s/vmf->pgoff >= DIV_ROUND_UP/vmf->pgoff > DIV_ROUND_UP/|./folio_test -r folio.truncate_mid_folio|a page past the end served while a kept folio holds it
lfs-off-by-one|file_mmap.c|s/> MAX_LFS_FILESIZE >> PAGE_SHIFT/>= MAX_LFS_FILESIZE >> PAGE_SHIFT/|./reliability_test -r global.merge|the last legal page offset refused
short-write-keeps-pages|buffer.c|s/if \(end > i_size_read\(inode\)\)\n\t\tmmapdemo_buf_cut/if (0)\n\t\tmmapdemo_buf_cut/|./boundary_test -r dev.pages_after_short_and_failed_writes|pages past the end left after a short write
anon-object-no-owner|anon.c|s/(static const struct file_operations mmapdemo_anon_object_fops = \{\n)\t.owner = THIS_MODULE,\n/$1/|./boundary_test -r global.pinned|an anonymous object's file without .owner
huge-no-fsync|huge.c|s/\t.fsync = noop_fsync,\n//|./boundary_test -r global.huge_msync|the huge device without .fsync
huge-pmd-unaligned|huge.c|s/ \x7c\x7c\n\t    hpgoff & \(MMAPDEMO_CHUNK_PAGES - 1\)//|./boundary_test -r global.huge_aligned_address_unaligned_offset|a PMD over a file offset that is not 2 MiB aligned
zero-page-refcounted|anon.c|s/ret = vmf_insert_mixed\(vmf->vma, vmf->address, zero_pfn\);/vmf->page = raw_cpu_read(mmapdemo_zero_page);\n\t\tget_page(vmf->page);/|./reliability_test -r global.zero_page|a private read maps a page of the driver's, one reference per entry
anon-objects-share-a-file|anon.c|s/\tdesc->vm_file = file;\n/\tfput(file);\n/|./reliability_test -r global.anon_objects_own_inodes; ./anon_test -r anon.mmapdemo.shared_not_between_mmaps|shared objects without a file of their own
pgoff-from-address|file_mmap.c|s/mmapdemo_lock_folio\(inode->i_mapping, vmf->pgoff\)/mmapdemo_lock_folio(inode->i_mapping, (vmf->address - vmf->vma->vm_start) >> PAGE_SHIFT)/|./boundary_test -r file.mmapdemo.faults_at_file_offsets|the page offset computed from the address
read-holds-lock|buffer.c|s/(ssize_t mmapdemo_buf_read\(struct kiocb \*iocb, struct iov_iter \*to\)\n\{\n.*?\n\n)/$1\tinode_lock_shared(mapping->host);\n/s; s/(\t\tcond_resched\(\);\n\t\}\n)(\treturn done;\n\}\n\nssize_t mmapdemo_buf_write)/$1\tinode_unlock_shared(mapping->host);\n$2/; s/(if \(copied < n\))\n\t\t\treturn done \?: -EFAULT;/$1 {\n\t\t\tdone = done ?: -EFAULT;\n\t\t\tbreak;\n\t\t}/|./reliability_test -r global.read_unlocked|read() holding the inode lock across the copy
huge-pte-unlocked|huge.c|s/\tmutex_lock\(&chunk->lock\);\n\tif \(pmd_trans_huge/\tif (pmd_trans_huge/; s/\tmutex_unlock\(&chunk->lock\);\n\treturn mmapdemo_fault_done\(&mmapdemo_huge_dev, vmf, 0, ret\);/\treturn mmapdemo_fault_done(\&mmapdemo_huge_dev, vmf, 0, ret);/|MMAPDEMO_LONG=1 ./reliability_test -r global.huge_race|a page fault that ignores the PMD fault's lock
mkwrite-records-nothing|file_mmap.c|s/\terr = mmapdemo_buf_note_written\(folio\);\n/\terr = 0;\n/|./notify_test -r notify.only_writes_reported|a store through a shared mapping not recorded
write-records-nothing|buffer.c|s/\t\tmmapdemo_buf_mark_written\(folio->index\);\n\t\tfolio_put\(folio\);\n/\t\tfolio_put(folio);\n/|./notify_test -r notify.write_syscalls|a write() not recorded
write-marks-early|buffer.c|s/\t\terr = mmapdemo_buf_add_written_entry\(folio\);\n/\t\terr = mmapdemo_buf_note_written(folio);\n/|./notify_test -r notify.write_marked_after_copy|a write() marked before its copy: a watcher woken to read what is not there yet
report-leaves-writable|buffer.c|s/\t\t\tfolio_mkclean\(folio\);\n//|./notify_test -r notify.once_per_interval|a report that does not write-protect the pages again
huge-pfn-mkwrite-silent|huge.c|s/\tmmapdemo_huge_note_written\(vmf->pgoff, 1\);\n//|./notify_test -r notify_huge.pfn_mkwrite|a store through a 4 KiB entry of the huge device not recorded
huge-report-leaves-mapped|huge.c|s/\t\t\tunmap_mapping_pages\(mapping, start, next - start,\n\t+    false\);\n/\t\t\t;\n/|./notify_test -r notify_huge.other_mapping|a report on the huge device that leaves the entries writable
mkwrite-no-mtime|file_mmap.c|s/\tfile_update_time\(vmf->vma->vm_file\);\n//|./notify_test -r notify.store_updates_mtime|a store through a mapping that leaves the file's mtime
cut-folio-uncovered|buffer.c|s/return index < end && min\(index \+ nr, end\) - 1 <= last;/return index + nr - 1 <= last;/|./notify_test -r notify_large.cut_folio_covered_to_the_end|a folio a shrink cut, re-armed by no range that ends at the end of the file
report-failure-loses|notify.c|s/\t\tops->restore\(&r\);\n//|debug:./fault_inject_test -r inject.written_report|a report the user never got, lost
eager-no-split|eager.c|s/\t\tsplit_page\(page, MMAPDEMO_EAGER_CHUNK_ORDER\);\n//|./eager_test -r eager.insert.populated_by_mmap|a multi-page allocation mapped page by page without split_page()
eager-offset-ignored|eager.c|s/&mmapdemo_eager_pages\[desc->pgoff\]/mmapdemo_eager_pages/|./eager_test -r eager.insert.same_region_both_nodes|the insert node ignores the mmap() offset
insert-marked-io|eager.c|s/vma_desc_set_flags\(desc, VMA_DONTEXPAND_BIT\);/vma_desc_set_flags(desc, VMA_DONTEXPAND_BIT, VMA_IO_BIT);/|./pin_test -r pin.insert_shared.vm_writev|pages mapped with the remap flags' VM_IO: no GUP
insert-close-uncounted|eager.c|s/\tif \(vma->vm_private_data\)\n\t\tmmapdemo_vma_closed/\tmmapdemo_vma_closed/|debug:./fault_inject_test -r inject.insert_mmap|a VMA whose insertion failed, uncounted at ->close()
LIST
}

# plant NAME FILE SUBST DIR: copy module/ to DIR with the bug in FILE.
plant() {
	local name=$1 file=$2 subst=$3 dir=$4

	rm -rf "$dir"
	mkdir -p "$dir"
	cp "$MMAPDEMO_TOP/Kbuild" "$dir/"
	cp -r "$MMAPDEMO_TOP/module" "$dir/"
	perl -0pi -e "$subst" "$dir/module/$file" || return 1
	# The substitution must have changed something.
	! cmp -s "$MMAPDEMO_TOP/module/$file" "$dir/module/$file" ||
		{ echo "mutants: $name: the substitution matched nothing" >&2; return 1; }
}

# run NAME TESTS DIR: build, boot with TESTS; 0 if the VM run was clean,
# 3 if the module did not build.
run() {
	local name=$1 tests=$2 dir=$3 ko kernel=$KERNEL debug=

	if [[ $tests == debug:* ]]; then
		kernel=debug tests=${tests#debug:} debug=1
	fi
	kernel_make "$kernel" M="$dir" modules >"$dir/build.log" 2>&1 || return 3
	ko=$dir/mmapdemo.ko
	{
		[ -z "$debug" ] || echo "export MMAPDEMO_REQUIRE_DEBUG=1"
		printf 'export MMAPDEMO_KO=/mmapdemo/mmapdemo.ko\ncd /mmapdemo && insmod mmapdemo.ko || exit 1\nrc=0\n'
		tr ';' '\n' <<<"$tests" | sed '/^ *$/d; s/^ *//; s/$/ || rc=1/'
		echo "exit \$rc"
	} >"$dir/run.sh"
	"$MMAPDEMO_TOP/scripts/initramfs.sh" "$dir/initramfs.cpio.gz" "$dir/run.sh" \
		"$OUT/tests:mmapdemo" "$ko:mmapdemo/mmapdemo.ko" || return 2
	"$MMAPDEMO_TOP/scripts/vm.sh" -k "$(kernel_image "$kernel")" \
		-i "$dir/initramfs.cpio.gz" -o "$dir/vm" -t 300 -m 2048 >"$dir/vm.log" 2>&1
}

"$MMAPDEMO_TOP/scripts/setup.sh" >/dev/null
"$MMAPDEMO_TOP/scripts/ksft.sh"
# The tests, static, in a folder of their own: the initramfs has no libc.
mkdir -p "$OUT/tests"
make -s -C "$MMAPDEMO_TOP/userspace-tests" OUTPUT="$OUT/tests" LDFLAGS=-static ||
	die "cannot build the tests"

caught=0 missed=0
# First the module as it is: the same tests must pass, or nothing is shown.
note "the module as it is, on $KERNEL"
# The tests of the mutants asked for (all by default).
chosen() {
	local name rest

	while IFS='|' read -r name rest; do
		[ $# -eq 0 ] || [[ " $* " == *" $name "* ]] || continue
		echo "$name|$rest"
	done < <(mutants) | cut -d'|' -f4
}
for kind in plain debug; do
	if [ $kind = plain ]; then
		tests=$(chosen "$@" | grep -v '^debug:' | tr '\n' ';')
		[ -n "$tests" ] || continue
	else
		tests=$(chosen "$@" | grep '^debug:' | sed 's/^debug://' | tr '\n' ';')
		[ -n "$tests" ] || continue
		note "the module as it is, on debug"
		"$MMAPDEMO_TOP/scripts/debug-kernel.sh" >/dev/null
		tests="debug:$tests"
	fi
	mkdir -p "$OUT/none-$kind"
	rm -rf "$OUT/none-$kind"/*
	cp "$MMAPDEMO_TOP/Kbuild" "$OUT/none-$kind/" && cp -r "$MMAPDEMO_TOP/module" "$OUT/none-$kind/"
	run none "$tests" "$OUT/none-$kind" ||
		die "the tests fail without a mutant: see ${OUT#"$MMAPDEMO_TOP"/}/none-$kind"
done

while IFS='|' read -r name file subst tests what; do
	[ $# -eq 0 ] || [[ " $* " == *" $name "* ]] || continue
	dir=$OUT/$name
	if ! plant "$name" "$file" "$subst" "$dir"; then
		missed=$((missed + 1))
		printf 'ERROR   %-26s %s (could not plant)\n' "$name" "$what"
		continue
	fi
	run "$name" "$tests" "$dir"
	case $? in
	0)
		missed=$((missed + 1))
		printf 'MISSED  %-26s %s\n' "$name" "$what"
		;;
	3)
		missed=$((missed + 1))
		printf 'ERROR   %-26s %s (does not build)\n' "$name" "$what"
		;;
	*)
		caught=$((caught + 1))
		printf 'caught  %-26s %s\n' "$name" "$what"
		;;
	esac
done < <(mutants)
echo "$caught caught, $missed missed"
[ "$missed" -eq 0 ]
