// SPDX-License-Identifier: GPL-2.0
/*
 * Write notification: how a driver learns what userspace wrote through a
 * mapping.  A shared mapping whose vm_operations have ->page_mkwrite() (or
 * ->pfn_mkwrite() for page frames) is write-protected by the core
 * (vma_wants_writenotify()): its pages are mapped read-only, and the first
 * store to each calls the driver before the core lets it through.  The
 * driver records the page; to hear of the next store, it write-protects
 * the page again in every mapping.  fbdev's deferred I/O
 * (drivers/video/fbdev/core/fb_defio.c) works this way.
 *
 * Each device records and re-arms its own pages (buffer.c and
 * file_mmap.c, huge.c).  This file holds what they share: the
 * MMAPDEMO_IOC_WRITTEN ioctl's argument and the bitmap it returns.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "mmapdemo.h"

/**
 * mmapdemo_report_pages() - report pages as written
 * @r: the report
 * @start: the first page written
 * @end: the page after the last
 *
 * Pages outside the report's range are left out.
 */
void mmapdemo_report_pages(struct mmapdemo_report *r, pgoff_t start,
			   pgoff_t end)
{
	pgoff_t i;

	start = max(start, r->first);
	end = min(end, r->first + r->nr);
	for (i = start; i < end; i++) {
		unsigned long bit = i - r->first;
		u64 mask = BIT_ULL(bit % 64);

		if (!(r->bits[bit / 64] & mask)) {
			r->bits[bit / 64] |= mask;
			r->nr_written++;
		}
	}
}

/* Whether @r reports any page of [@start, @end). */
bool mmapdemo_reported(const struct mmapdemo_report *r, pgoff_t start,
		       pgoff_t end)
{
	pgoff_t i;

	start = max(start, r->first);
	end = min(end, r->first + r->nr);
	for (i = start; i < end; i++) {
		unsigned long bit = i - r->first;

		if (r->bits[bit / 64] & BIT_ULL(bit % 64))
			return true;
	}
	return false;
}

/**
 * mmapdemo_ioctl_written() - MMAPDEMO_IOC_WRITTEN
 * @arg: the user's struct mmapdemo_written
 * @ops: the device's own: report and re-arm the written pages, or restore
 *
 * Everything the user passed is checked, and the bitmap cleared, before
 * anything is re-armed; should the bitmap go away all the same (another
 * thread unmaps it), the pages are recorded again: a failed call loses no
 * write.
 *
 * Return: 0, or a negative errno.
 */
long mmapdemo_ioctl_written(struct mmapdemo_written __user *arg,
			    const struct mmapdemo_written_ops *ops)
{
	struct mmapdemo_written w;
	struct mmapdemo_report r = {};
	void __user *bitmap;
	size_t bytes;
	long err = 0;

	if (copy_from_user(&w, arg, sizeof(w)))
		return -EFAULT;
	if (!PAGE_ALIGNED(w.offset) || !PAGE_ALIGNED(w.length) ||
	    w.length > (u64)MMAPDEMO_WRITTEN_MAX_PAGES << PAGE_SHIFT ||
	    w.offset > MAX_LFS_FILESIZE - w.length)
		return -EINVAL;
	r.first = w.offset >> PAGE_SHIFT;
	r.nr = w.length >> PAGE_SHIFT;
	bitmap = u64_to_user_ptr(w.bitmap);
	bytes = DIV_ROUND_UP(r.nr, 64) * sizeof(u64);
	if (clear_user(bitmap, bytes) || put_user(0, &arg->nr_written))
		return -EFAULT;
	if (!r.nr)
		return 0;

	r.bits = kvzalloc(bytes, GFP_KERNEL_ACCOUNT);
	if (!r.bits)
		return -ENOMEM;
	ops->report(&r);
	if (copy_to_user(bitmap, r.bits, bytes) ||
	    put_user(r.nr_written, &arg->nr_written)) {
		ops->restore(&r);
		err = -EFAULT;
	}
	kvfree(r.bits);
	return err;
}
