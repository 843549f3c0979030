/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmapdemo internals: what the module's files share with each other.
 *
 * main.c        module parameters, init and exit, registration
 * stats.c       the counters: ioctl, sysfs and debugfs views
 * mmapdemo_trace.h  the tracepoints (TRACE_EVENT), created in main.c
 * buffer.c      the pages behind /dev/mmapdemo: allocation, resize, read/write
 * file.c        /dev/mmapdemo's file operations (read, write, ioctl, ...)
 * file_mmap.c   /dev/mmapdemo's mmap and fault handler: file-backed
 *               MAP_SHARED and MAP_PRIVATE (copy-on-write) mappings
 * anon.c        /dev/mmapdemo-anon, anonymous-style memory like /dev/zero:
 *               its file operations, mmap and both fault handlers
 * huge.c        /dev/mmapdemo-huge, a shared region mapped 2 MiB at a time
 */
#ifndef MMAPDEMO_H
#define MMAPDEMO_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/percpu.h>

#include "compat.h"
#include "uapi/mmapdemo.h"

/* What a device counts, per CPU (see struct mmapdemo_info). */
enum mmapdemo_count {
	MMAPDEMO_READ, /* read faults served by the fault handler */
	MMAPDEMO_WRITE, /* write faults on shared mappings */
	MMAPDEMO_COW, /* write faults on private mappings */
	MMAPDEMO_AROUND, /* windows of pages mapped around a fault */
	MMAPDEMO_AROUND_PAGES, /* pages those windows spanned */
	MMAPDEMO_VMA_LOCKED, /* faults served under the per-VMA lock */
	MMAPDEMO_HUGE, /* 2 MiB mappings installed */
	MMAPDEMO_NR_COUNTS
};

/* Per CPU, so that counting costs the fault path no shared cache line. */
struct mmapdemo_counts {
	unsigned long count[MMAPDEMO_NR_COUNTS];
};

/**
 * struct mmapdemo_dev - one device node and what it reports
 * @misc: the misc device behind the node
 * @counts: its per-CPU counters
 * @nr_mappings: VMAs that map it now
 * @fill_info: fills in the fields of struct mmapdemo_info that only the
 *	device knows (size, max_size, nr_pages)
 */
struct mmapdemo_dev {
	struct miscdevice misc;
	struct mmapdemo_counts __percpu *counts;
	atomic_long_t nr_mappings;
	void (*fill_info)(struct mmapdemo_info *info);
};

extern struct mmapdemo_dev mmapdemo_file_dev;
extern struct mmapdemo_dev mmapdemo_anon_dev;
extern struct mmapdemo_dev mmapdemo_huge_dev;

static inline void mmapdemo_count(struct mmapdemo_dev *dev,
				  enum mmapdemo_count what, unsigned long n)
{
	this_cpu_add(dev->counts->count[what], n);
}

/**
 * mmapdemo_count_fault() - count one call of a device's fault handler
 * @dev: the device
 * @vmf: the fault being served
 *
 * The core picks the fault path from two bits, and so do we: a read, a write
 * to a shared mapping (VM_SHARED), or a write to a private one, which the
 * core resolves by copying the page we return (copy-on-write).
 */
static inline void mmapdemo_count_fault(struct mmapdemo_dev *dev,
					const struct vm_fault *vmf)
{
	if (!(vmf->flags & FAULT_FLAG_WRITE))
		mmapdemo_count(dev, MMAPDEMO_READ, 1);
	else if (vmf->vma->vm_flags & VM_SHARED)
		mmapdemo_count(dev, MMAPDEMO_WRITE, 1);
	else
		mmapdemo_count(dev, MMAPDEMO_COW, 1);
	if (vmf->flags & MMAPDEMO_FAULT_FLAG_VMA_LOCK)
		mmapdemo_count(dev, MMAPDEMO_VMA_LOCKED, 1);
}

/* stats.c: the counters as the ioctl, sysfs and debugfs show them */
void mmapdemo_get_info(struct mmapdemo_dev *dev, struct mmapdemo_info *info);
long mmapdemo_ioctl_get_info(struct mmapdemo_dev *dev, void __user *arg);
long mmapdemo_info_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg);
extern const struct attribute_group *mmapdemo_attr_groups[];
void mmapdemo_stats_init(struct mmapdemo_dev *const *devs, int n);
void mmapdemo_stats_exit(void);

/* buffer.c */
int mmapdemo_buf_init(loff_t size, loff_t max_size);
void mmapdemo_buf_exit(void);
struct address_space *mmapdemo_buf_mapping(void);
int mmapdemo_buf_set_size(loff_t size);
ssize_t mmapdemo_buf_read(struct kiocb *iocb, struct iov_iter *to);
ssize_t mmapdemo_buf_write(struct kiocb *iocb, struct iov_iter *from);
void mmapdemo_buf_info(struct mmapdemo_info *info);

/* file_mmap.c */
int mmapdemo_file_mmap(struct file *file, struct vm_area_struct *vma);

/* anon.c */
int mmapdemo_anon_init(void);
void mmapdemo_anon_exit(void);

/* huge.c */
int mmapdemo_huge_init(unsigned long size);
void mmapdemo_huge_exit(void);

#endif /* MMAPDEMO_H */
