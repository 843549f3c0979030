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
	__u64 reserved[3];
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

#endif /* _UAPI_MMAPDEMO_H */
