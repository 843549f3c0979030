// SPDX-License-Identifier: GPL-2.0
/*
 * What the devices count and trace, kept out of the handlers' way: each
 * handler makes one call on its way out (mmapdemo_fault_done() and the
 * like), which counts in per-CPU counters and fires the tracepoint.
 *
 * Two views of the counters, both filled by mmapdemo_get_info(): the
 * MMAPDEMO_IOC_GET_INFO ioctl (struct mmapdemo_info, the interface
 * programs use) and /sys/kernel/debug/mmapdemo/<node> for people, one
 * "name value" line per field.  Debugfs is root's and not ABI.  The
 * counters are machine-wide, so on a node that everybody may open, the
 * ioctl answers only those who may watch the whole machine (CAP_PERFMON,
 * as for perf's counters).
 */
#include <linux/capability.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#include "mmapdemo.h"

#define CREATE_TRACE_POINTS
#include "mmapdemo_trace.h"

/* The values the trace format prints VM_FAULT_* by. */
#define MMAPDEMO_CHECK_VM_FAULT(name)                          \
	static_assert((__force unsigned int)VM_FAULT_##name == \
		      MMAPDEMO_VM_FAULT_##name)
MMAPDEMO_CHECK_VM_FAULT(OOM);
MMAPDEMO_CHECK_VM_FAULT(SIGBUS);
MMAPDEMO_CHECK_VM_FAULT(NOPAGE);
MMAPDEMO_CHECK_VM_FAULT(LOCKED);
MMAPDEMO_CHECK_VM_FAULT(RETRY);
MMAPDEMO_CHECK_VM_FAULT(FALLBACK);

static void mmapdemo_count(struct mmapdemo_dev *dev, enum mmapdemo_count what,
			   unsigned long n)
{
	this_cpu_add(dev->counts->count[what], n);
}

/**
 * mmapdemo_fault_done() - count and trace a fault handler's call
 * @dev: the device
 * @vmf: the fault it served
 * @order: 0 for a page, PMD_ORDER for a 2 MiB mapping
 * @ret: what the handler returns
 *
 * The core picks the fault path from two bits, and so do the counters: a
 * read, a write to a shared mapping (VM_SHARED), or a write to a private
 * one, which the core resolves by copying the page returned (copy-on-write).
 *
 * Return: @ret.
 */
vm_fault_t mmapdemo_fault_done(struct mmapdemo_dev *dev, struct vm_fault *vmf,
			       unsigned int order, vm_fault_t ret)
{
	trace_mmapdemo_fault(dev->id, vmf, ret, 1UL << order);
	if (ret & (VM_FAULT_ERROR | VM_FAULT_FALLBACK))
		return ret;
	if (order)
		mmapdemo_count(dev, MMAPDEMO_HUGE, 1);
	else if (!(vmf->flags & FAULT_FLAG_WRITE))
		mmapdemo_count(dev, MMAPDEMO_READ, 1);
	else if (vmf->vma->vm_flags & VM_SHARED)
		mmapdemo_count(dev, MMAPDEMO_WRITE, 1);
	else
		mmapdemo_count(dev, MMAPDEMO_COW, 1);
	if (vmf->flags & FAULT_FLAG_VMA_LOCK)
		mmapdemo_count(dev, MMAPDEMO_VMA_LOCKED, 1);
	return ret;
}

/**
 * mmapdemo_mkwrite_done() - count and trace a write notification
 * @dev: the device
 * @vmf: the fault: a store the core asks the driver about first
 * @order: 0 for a page, PMD_ORDER for a 2 MiB mapping
 * @ret: what ->page_mkwrite() or ->pfn_mkwrite() returns
 *
 * A ->page_mkwrite() that returns VM_FAULT_NOPAGE found its page gone, and
 * recorded nothing; a ->pfn_mkwrite() returns it having recorded the store
 * and made the entry writable itself (mmapdemo_huge_pfn_mkwrite()).
 *
 * Return: @ret.
 */
vm_fault_t mmapdemo_mkwrite_done(struct mmapdemo_dev *dev, struct vm_fault *vmf,
				 unsigned int order, vm_fault_t ret)
{
	bool pfn = !(vmf->vma->vm_ops->page_mkwrite);

	trace_mmapdemo_fault(dev->id, vmf, ret, 1UL << order);
	if (!(ret & VM_FAULT_ERROR) && (pfn || !(ret & VM_FAULT_NOPAGE)))
		mmapdemo_count(dev, MMAPDEMO_NOTIFY, 1);
	return ret;
}

/**
 * mmapdemo_around_done() - count and trace a window mapped around a fault
 * @dev: the device
 * @vmf: the fault
 * @start: first file offset of the window, in pages
 * @end: last file offset of the window, in pages
 * @ret: what ->map_pages() returns (VM_FAULT_NOPAGE: the fault is served)
 *
 * Return: @ret.
 */
vm_fault_t mmapdemo_around_done(struct mmapdemo_dev *dev, struct vm_fault *vmf,
				pgoff_t start, pgoff_t end, vm_fault_t ret)
{
	trace_mmapdemo_map_pages(dev->id, vmf, start, end, ret);
	mmapdemo_count(dev, MMAPDEMO_AROUND, 1);
	mmapdemo_count(dev, MMAPDEMO_AROUND_PAGES, end - start + 1);
	return ret;
}

/**
 * mmapdemo_mmap_done() - trace an mmap() that reached the device
 * @dev: the device
 * @desc: the mapping its ->mmap_prepare() described
 * @err: what ->mmap_prepare() returns
 *
 * The new VMA is counted later, in ->mapped(): the core may still merge
 * the range into a VMA that exists, or fail.
 *
 * Return: @err.
 */
int mmapdemo_mmap_done(struct mmapdemo_dev *dev, struct vm_area_desc *desc,
		       int err)
{
	trace_mmapdemo_mmap(dev->id, desc->start, desc->end, desc->pgoff,
			    vma_desc_test(desc, VMA_MAYSHARE_BIT), err);
	return err;
}

/**
 * mmapdemo_mmap_vma_done() - trace an mmap() that reached a device's ->mmap()
 * @dev: the device
 * @vma: the VMA it was given
 * @err: what ->mmap() returns
 *
 * The core calls no ->open() for the VMA that ->mmap() fills: a successful
 * one is counted here.
 *
 * Return: @err.
 */
int mmapdemo_mmap_vma_done(struct mmapdemo_dev *dev, struct vm_area_struct *vma,
			   int err)
{
	trace_mmapdemo_mmap(dev->id, vma->vm_start, vma->vm_end, vma->vm_pgoff,
			    !!(vma->vm_flags & VM_MAYSHARE), err);
	if (!err)
		atomic_long_inc(&dev->nr_mappings);
	return err;
}

/* A new VMA maps @dev: an mmap(), a fork, a split or an mremap() move. */
void mmapdemo_vma_opened(struct mmapdemo_dev *dev, struct vm_area_struct *vma)
{
	atomic_long_inc(&dev->nr_mappings);
	trace_mmapdemo_vma_open(dev->id, vma);
}

/* A VMA of @dev goes away, whole or as a split-off part. */
void mmapdemo_vma_closed(struct mmapdemo_dev *dev, struct vm_area_struct *vma)
{
	atomic_long_dec(&dev->nr_mappings);
	trace_mmapdemo_vma_close(dev->id, vma);
}

void mmapdemo_resized(loff_t old_size, loff_t new_size, int err)
{
	trace_mmapdemo_resize(old_size, new_size, err);
}

void mmapdemo_get_info(struct mmapdemo_dev *dev, struct mmapdemo_info *info)
{
	unsigned long count[MMAPDEMO_NR_COUNTS] = {};
	int cpu, i;

	for_each_possible_cpu(cpu) {
		const struct mmapdemo_counts *c = per_cpu_ptr(dev->counts, cpu);

		for (i = 0; i < MMAPDEMO_NR_COUNTS; i++)
			count[i] += READ_ONCE(c->count[i]);
	}

	memset(info, 0, sizeof(*info));
	dev->fill_info(info);
	info->nr_mappings = atomic_long_read(&dev->nr_mappings);
	info->read_faults = count[MMAPDEMO_READ];
	info->write_faults = count[MMAPDEMO_WRITE];
	info->cow_faults = count[MMAPDEMO_COW];
	info->around_windows = count[MMAPDEMO_AROUND];
	info->around_pages = count[MMAPDEMO_AROUND_PAGES];
	info->vma_lock_faults = count[MMAPDEMO_VMA_LOCKED];
	info->huge_faults = count[MMAPDEMO_HUGE];
	info->write_notifies = count[MMAPDEMO_NOTIFY];
}

long mmapdemo_ioctl_get_info(struct mmapdemo_dev *dev, void __user *arg)
{
	struct mmapdemo_info info;

	if ((dev->misc.mode & 0007) && !perfmon_capable())
		return -EPERM;
	mmapdemo_get_info(dev, &info);
	return copy_to_user(arg, &info, sizeof(info)) ? -EFAULT : 0;
}

/*
 * ->unlocked_ioctl of a device whose only ioctl is MMAPDEMO_IOC_GET_INFO.
 * misc_open() left the device's struct miscdevice in file->private_data.
 */
long mmapdemo_info_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct miscdevice *misc = file->private_data;
	struct mmapdemo_dev *dev =
		container_of(misc, struct mmapdemo_dev, misc);

	if (cmd != MMAPDEMO_IOC_GET_INFO)
		return -ENOTTY;
	return mmapdemo_ioctl_get_info(dev, (void __user *)arg);
}

static struct dentry *mmapdemo_debugfs;

static int mmapdemo_stats_show(struct seq_file *m, void *unused)
{
	struct mmapdemo_info info;

	mmapdemo_get_info(m->private, &info);
	seq_printf(m, "size %llu\n", info.size);
	seq_printf(m, "max_size %llu\n", info.max_size);
	seq_printf(m, "nr_pages %llu\n", info.nr_pages);
	seq_printf(m, "nr_mappings %llu\n", info.nr_mappings);
	seq_printf(m, "read_faults %llu\n", info.read_faults);
	seq_printf(m, "write_faults %llu\n", info.write_faults);
	seq_printf(m, "cow_faults %llu\n", info.cow_faults);
	seq_printf(m, "around_windows %llu\n", info.around_windows);
	seq_printf(m, "around_pages %llu\n", info.around_pages);
	seq_printf(m, "vma_lock_faults %llu\n", info.vma_lock_faults);
	seq_printf(m, "huge_faults %llu\n", info.huge_faults);
	seq_printf(m, "large_folios %llu\n", info.large_folios);
	seq_printf(m, "large_fallbacks %llu\n", info.large_fallbacks);
	seq_printf(m, "write_notifies %llu\n", info.write_notifies);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mmapdemo_stats);

/* Debugfs is for debugging: its failures are ignored. */
void mmapdemo_stats_init(void)
{
	mmapdemo_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("mmapdemo", 0400, mmapdemo_debugfs,
			    &mmapdemo_file_dev, &mmapdemo_stats_fops);
	debugfs_create_file("mmapdemo-anon", 0400, mmapdemo_debugfs,
			    &mmapdemo_anon_dev, &mmapdemo_stats_fops);
	debugfs_create_file("mmapdemo-huge", 0400, mmapdemo_debugfs,
			    &mmapdemo_huge_dev, &mmapdemo_stats_fops);
	debugfs_create_file("mmapdemo-insert", 0400, mmapdemo_debugfs,
			    &mmapdemo_insert_dev, &mmapdemo_stats_fops);
	debugfs_create_file("mmapdemo-remap", 0400, mmapdemo_debugfs,
			    &mmapdemo_remap_dev, &mmapdemo_stats_fops);
}

void mmapdemo_stats_exit(void)
{
	debugfs_remove_recursive(mmapdemo_debugfs);
}
