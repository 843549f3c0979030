/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mmapdemo user API: the ioctls of /dev/mmapdemo, /dev/mmapdemo-anon and
 * /dev/mmapdemo-huge.
 *
 * Shared by the module, its tests and users' programs.  Every field is a
 * __u64, so the layout is the same for 32-bit and 64-bit callers.
 */
#ifndef _UAPI_MMAPDEMO_H
#define _UAPI_MMAPDEMO_H

#include <linux/ioctl.h>
#include <linux/types.h>

/**
 * struct mmapdemo_info - state and counters of one mmapdemo device
 * @size: size of the buffer or region in bytes (0 for /dev/mmapdemo-anon)
 * @max_size: largest size it may have (0 for /dev/mmapdemo-anon)
 * @nr_pages: pages the device holds now
 * @nr_mappings: VMAs mapping the device now (mmap, fork and splits add one,
 *	every unmap removes one)
 * @read_faults: read accesses that reached the driver's fault handler
 * @write_faults: writes to shared mappings that reached the fault handler
 * @cow_faults: writes to private mappings that reached the fault handler
 *	(the core then copies the page the handler returned)
 * @around_windows: windows of pages mapped around a read fault in one go
 *	(the core's fault-around).  A fault it resolves never reaches the
 *	fault handler.
 * @around_pages: pages those windows spanned
 * @vma_lock_faults: faults served holding only the per-VMA lock rather
 *	than mmap_lock (a driver's ->fault: Linux 6.7 and later)
 * @huge_faults: 2 MiB mappings installed by a huge fault handler
 * @large_folios: 2 MiB folios /dev/mmapdemo's buffer holds now (the core
 *	maps each with one PMD where the mapping is aligned to match)
 * @large_fallbacks: times the buffer wanted a 2 MiB folio and took a page
 *	instead, for want of memory
 * @write_notifies: stores the driver was told of before they went through
 *	(->page_mkwrite() and ->pfn_mkwrite()): the first to a page of a
 *	shared mapping since a read mapped it, or since MMAPDEMO_IOC_WRITTEN
 *	reported it.  A store to a 2 MiB mapping of /dev/mmapdemo-huge comes
 *	as a huge fault instead.
 * @reserved: zero; room for later counters without a new ioctl number
 *
 * The event counters only ever grow; compare two readings.
 */
struct mmapdemo_info {
	__u64 size;
	__u64 max_size;
	__u64 nr_pages;
	__u64 nr_mappings;
	__u64 read_faults;
	__u64 write_faults;
	__u64 cow_faults;
	__u64 around_windows;
	__u64 around_pages;
	__u64 vma_lock_faults;
	__u64 huge_faults;
	__u64 large_folios;
	__u64 large_fallbacks;
	__u64 write_notifies;
	__u64 reserved[2];
};

#define MMAPDEMO_IOC_MAGIC 0xBD

/*
 * Read the device's struct mmapdemo_info.  Its counters are machine-wide:
 * on a node that everybody may open (/dev/mmapdemo-anon), only a caller
 * with CAP_PERFMON (or CAP_SYS_ADMIN) may read them; others get EPERM.
 */
#define MMAPDEMO_IOC_GET_INFO _IOR(MMAPDEMO_IOC_MAGIC, 0, struct mmapdemo_info)

/*
 * Set the size of /dev/mmapdemo in bytes (argument: pointer to __u64), like
 * ftruncate() on a file: growing adds zeroes, shrinking removes the cut
 * pages from every mapping.  Needs an fd open for writing.
 */
#define MMAPDEMO_IOC_SET_SIZE _IOW(MMAPDEMO_IOC_MAGIC, 1, __u64)

/* The longest range one MMAPDEMO_IOC_WRITTEN call takes: 1 GiB of 4 KiB. */
#define MMAPDEMO_WRITTEN_MAX_PAGES 262144

/**
 * struct mmapdemo_written - the argument of MMAPDEMO_IOC_WRITTEN
 * @offset: in: where the range starts, in bytes; a multiple of the page
 *	size
 * @length: in: its length in bytes; a multiple of the page size, of at
 *	most MMAPDEMO_WRITTEN_MAX_PAGES pages
 * @bitmap: in: the address of an array of length / page size bits, in
 *	__u64 words; out: bit b of word w set if page w * 64 + b of the range
 *	was written
 * @nr_written: out: how many bits are set
 */
struct mmapdemo_written {
	__u64 offset;
	__u64 length;
	__u64 bitmap;
	__u64 nr_written;
};

/*
 * Which pages of /dev/mmapdemo or /dev/mmapdemo-huge were written since
 * they were last reported: through a shared mapping in any process, or
 * (/dev/mmapdemo) by write().  The pages reported are write-protected
 * again in every mapping, so that a store that lands after the call is
 * reported by the next one; none is missed.  A page only read is never
 * reported.  Where the kernel maps 2 MiB with one entry (a large folio of
 * /dev/mmapdemo, a 2 MiB mapping of /dev/mmapdemo-huge), a store makes all
 * of it writable, and all of it is reported.  A 2 MiB folio of
 * /dev/mmapdemo that the range covers only in part is reported, and
 * reported again by later calls, until a call covers it whole, or up to
 * the end of the file where a shrink cut it.
 *
 * poll() and select() report EPOLLPRI (an exceptional condition) while
 * the device holds written pages not yet reported.
 *
 * A page may be reported once too often (by a call that failed after it
 * wrote the bitmap; a 2 MiB folio cut by a shrink, which a write() grows
 * over during a call), never missed.
 *
 * Errors: EINVAL for a range that is not page aligned, too long, or beyond
 * the largest offset; EFAULT for an argument or a bitmap that cannot be
 * read or written; ENOMEM.  A call that fails loses no write: the next
 * reports it.
 */
#define MMAPDEMO_IOC_WRITTEN \
	_IOWR(MMAPDEMO_IOC_MAGIC, 2, struct mmapdemo_written)

#endif /* _UAPI_MMAPDEMO_H */
