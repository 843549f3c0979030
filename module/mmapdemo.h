/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmapdemo internals: what the module's files share with each other.
 *
 * main.c        module parameters, init and exit, the misc devices
 * buffer.c      the pages behind /dev/mmapdemo: allocation, resize, read/write
 * file.c        /dev/mmapdemo's file operations (read, write, ioctl, ...)
 * file_mmap.c   /dev/mmapdemo's mmap and fault handler: file-backed
 *               MAP_SHARED and MAP_PRIVATE (copy-on-write) mappings
 * anon.c        /dev/mmapdemo-anon, anonymous-style memory like /dev/zero:
 *               its file operations, mmap and both fault handlers
 */
#ifndef MMAPDEMO_H
#define MMAPDEMO_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/percpu.h>

#include "uapi/mmapdemo.h"

/**
 * struct mmapdemo_fault_counts - per-CPU fault counters of one device
 * @read: read faults
 * @write: write faults on shared mappings
 * @cow: write faults on private mappings
 *
 * Per CPU, so that counting costs the fault path no shared cache line.
 */
struct mmapdemo_fault_counts {
	unsigned long read;
	unsigned long write;
	unsigned long cow;
};

/**
 * struct mmapdemo_stats - what a device reports in struct mmapdemo_info
 * @faults: per-CPU fault counters
 * @nr_mappings: VMAs that map the device now
 */
struct mmapdemo_stats {
	struct mmapdemo_fault_counts __percpu *faults;
	atomic_long_t nr_mappings;
};

/**
 * mmapdemo_count_fault() - count one call of a device's fault handler
 * @stats: the device's counters
 * @vmf: the fault being served
 *
 * The core picks the fault path from two bits, and so do we: a read, a write
 * to a shared mapping (VM_SHARED), or a write to a private one, which the
 * core resolves by copying the page we return (copy-on-write).
 */
static inline void mmapdemo_count_fault(struct mmapdemo_stats *stats,
					const struct vm_fault *vmf)
{
	if (!(vmf->flags & FAULT_FLAG_WRITE))
		this_cpu_inc(stats->faults->read);
	else if (vmf->vma->vm_flags & VM_SHARED)
		this_cpu_inc(stats->faults->write);
	else
		this_cpu_inc(stats->faults->cow);
}

void mmapdemo_stats_read(struct mmapdemo_stats *stats,
			 struct mmapdemo_info *info);

/* buffer.c */
int mmapdemo_buf_init(loff_t size, loff_t max_size);
void mmapdemo_buf_exit(void);
struct address_space *mmapdemo_buf_mapping(void);
int mmapdemo_buf_set_size(loff_t size);
ssize_t mmapdemo_buf_read(struct kiocb *iocb, struct iov_iter *to);
ssize_t mmapdemo_buf_write(struct kiocb *iocb, struct iov_iter *from);
void mmapdemo_buf_info(struct mmapdemo_info *info);

/* file.c and file_mmap.c */
extern const struct file_operations mmapdemo_file_fops;
extern struct mmapdemo_stats mmapdemo_file_stats;
int mmapdemo_file_mmap(struct file *file, struct vm_area_struct *vma);

/* anon.c */
extern const struct file_operations mmapdemo_anon_fops;
int mmapdemo_anon_init(void);
void mmapdemo_anon_exit(void);

#endif /* MMAPDEMO_H */
