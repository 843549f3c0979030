/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmapdemo internals: what the module's files share with each other.
 *
 * main.c        module parameters, init and exit, registration
 * stats.c       the counters and tracepoints: one call at each handler's
 *               exit, read back by the GET_INFO ioctl and debugfs
 * mmapdemo_trace.h  the tracepoints (TRACE_EVENT), created in stats.c
 * buffer.c      the pages behind /dev/mmapdemo: allocation, resize, read/write
 * file.c        /dev/mmapdemo's file operations (read, write, ioctl, ...)
 * file_mmap.c   /dev/mmapdemo's mmap and fault handler: file-backed
 *               MAP_SHARED and MAP_PRIVATE (copy-on-write) mappings
 * anon.c        /dev/mmapdemo-anon, anonymous-style memory like /dev/zero:
 *               its file operations, mmap and both fault handlers
 * huge.c        /dev/mmapdemo-huge, a shared region mapped 2 MiB at a time
 * eager.c       /dev/mmapdemo-insert and /dev/mmapdemo-remap: a region
 *               mapped whole at mmap() time, two ways
 * notify.c      write notification: what the devices that report writes
 *               share (the MMAPDEMO_IOC_WRITTEN ioctl)
 * compat.h      what differs between Linux 6.1, 6.12 and 7.x
 */
#ifndef MMAPDEMO_H
#define MMAPDEMO_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/poll.h>

#include "compat.h"
#include "uapi/mmapdemo.h"

/* The order of a folio, or a chunk, that one PMD maps: 2 MiB on x86. */
#define MMAPDEMO_PMD_ORDER (PMD_SHIFT - PAGE_SHIFT)

/* What a device counts, per CPU (see struct mmapdemo_info). */
enum mmapdemo_count {
	MMAPDEMO_READ, /* read faults served by the fault handler */
	MMAPDEMO_WRITE, /* write faults on shared mappings */
	MMAPDEMO_COW, /* write faults on private mappings */
	MMAPDEMO_AROUND, /* windows of pages mapped around a fault */
	MMAPDEMO_AROUND_PAGES, /* pages those windows spanned */
	MMAPDEMO_VMA_LOCKED, /* faults served under the per-VMA lock */
	MMAPDEMO_HUGE, /* 2 MiB mappings installed */
	MMAPDEMO_NOTIFY, /* stores the driver was told of (->page_mkwrite) */
	MMAPDEMO_NR_COUNTS
};

/* Per CPU, so that counting costs the fault path no shared cache line. */
struct mmapdemo_counts {
	unsigned long count[MMAPDEMO_NR_COUNTS];
};

/* Which node, in trace records: numbers, so that records outlive us. */
enum mmapdemo_id {
	MMAPDEMO_DEV_FILE,
	MMAPDEMO_DEV_ANON,
	MMAPDEMO_DEV_HUGE,
	MMAPDEMO_DEV_INSERT,
	MMAPDEMO_DEV_REMAP,
};

/**
 * struct mmapdemo_dev - one device node and what it reports
 * @misc: the misc device behind the node (its mode is set at load)
 * @id: which node, for the tracepoints
 * @counts: its per-CPU counters
 * @nr_mappings: VMAs that map it now
 * @fill_info: fills in the fields of struct mmapdemo_info that only the
 *	device knows (size, max_size, nr_pages)
 */
struct mmapdemo_dev {
	struct miscdevice misc;
	enum mmapdemo_id id;
	struct mmapdemo_counts __percpu *counts;
	atomic_long_t nr_mappings;
	void (*fill_info)(struct mmapdemo_info *info);
};

extern struct mmapdemo_dev mmapdemo_file_dev;
extern struct mmapdemo_dev mmapdemo_anon_dev;
extern struct mmapdemo_dev mmapdemo_huge_dev;
extern struct mmapdemo_dev mmapdemo_insert_dev;
extern struct mmapdemo_dev mmapdemo_remap_dev;

/*
 * stats.c: counting and tracing, one call at each exit of a handler, so
 * that the handlers read as they would without them.
 */
vm_fault_t mmapdemo_fault_done(struct mmapdemo_dev *dev, struct vm_fault *vmf,
			       unsigned int order, vm_fault_t ret);
vm_fault_t mmapdemo_around_done(struct mmapdemo_dev *dev, struct vm_fault *vmf,
				pgoff_t start, pgoff_t end, vm_fault_t ret);
int mmapdemo_mmap_done(struct mmapdemo_dev *dev, struct vm_area_desc *desc,
		       int err);
int mmapdemo_mmap_vma_done(struct mmapdemo_dev *dev, struct vm_area_struct *vma,
			   int err);
void mmapdemo_vma_opened(struct mmapdemo_dev *dev, struct vm_area_struct *vma);
void mmapdemo_vma_closed(struct mmapdemo_dev *dev, struct vm_area_struct *vma);
vm_fault_t mmapdemo_mkwrite_done(struct mmapdemo_dev *dev, struct vm_fault *vmf,
				 unsigned int order, vm_fault_t ret);
void mmapdemo_resized(loff_t old_size, loff_t new_size, int err);

void mmapdemo_get_info(struct mmapdemo_dev *dev, struct mmapdemo_info *info);
long mmapdemo_ioctl_get_info(struct mmapdemo_dev *dev, void __user *arg);
long mmapdemo_info_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg);
void mmapdemo_stats_init(void);
void mmapdemo_stats_exit(void);

/**
 * struct mmapdemo_report - what one MMAPDEMO_IOC_WRITTEN call reports
 * @first: the range's first page
 * @nr: its length in pages
 * @bits: one bit per page of the range, set if it was written
 * @nr_written: how many are set
 */
struct mmapdemo_report {
	pgoff_t first;
	unsigned long nr;
	u64 *bits;
	unsigned long nr_written;
};

/**
 * struct mmapdemo_written_ops - how a device reports what userspace wrote
 * @report: set the bits of the range's written pages, and re-arm them
 * @restore: record as written again the pages that @report set: the user
 *	never got them (its bitmap could not be written after all)
 */
struct mmapdemo_written_ops {
	void (*report)(struct mmapdemo_report *r);
	void (*restore)(const struct mmapdemo_report *r);
};

/* notify.c */
void mmapdemo_report_pages(struct mmapdemo_report *r, pgoff_t start,
			   pgoff_t end);
bool mmapdemo_reported(const struct mmapdemo_report *r, pgoff_t start,
		       pgoff_t end);
long mmapdemo_ioctl_written(struct mmapdemo_written __user *arg,
			    const struct mmapdemo_written_ops *ops);

/* buffer.c */
int mmapdemo_buf_init(loff_t size, loff_t max_size, bool large_folios);
void mmapdemo_buf_exit(void);
struct address_space *mmapdemo_buf_mapping(void);
struct inode *mmapdemo_new_inode(void);
int mmapdemo_buf_set_size(loff_t size);
ssize_t mmapdemo_buf_read(struct kiocb *iocb, struct iov_iter *to);
ssize_t mmapdemo_buf_write(struct kiocb *iocb, struct iov_iter *from);
void mmapdemo_buf_info(struct mmapdemo_info *info);
int mmapdemo_buf_note_written(struct folio *folio);
extern const struct mmapdemo_written_ops mmapdemo_buf_written_ops;
__poll_t mmapdemo_buf_poll_written(struct file *file, poll_table *wait);

/* file_mmap.c */
unsigned long mmapdemo_file_get_unmapped_area(struct file *file,
					      unsigned long addr,
					      unsigned long len,
					      unsigned long pgoff,
					      unsigned long flags);
int mmapdemo_file_mmap_prepare(struct vm_area_desc *desc);
int mmapdemo_file_vma_mapped(unsigned long start, unsigned long end,
			     pgoff_t pgoff, const struct file *file,
			     void **vm_private_data);

/* anon.c */
int mmapdemo_anon_init(void);
void mmapdemo_anon_exit(void);

/* huge.c */
int mmapdemo_huge_init(unsigned long size);
void mmapdemo_huge_exit(void);

/* eager.c */
int mmapdemo_eager_init(unsigned long size);
void mmapdemo_eager_exit(void);

#endif /* MMAPDEMO_H */
