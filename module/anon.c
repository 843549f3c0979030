// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/mmapdemo-anon: anonymous-style memory, like /dev/zero, served by the
 * driver's own fault handlers.  The two anonymous kinds:
 *
 *   MAP_SHARED   each mmap() makes a new zero-filled object of the mapping's
 *                size, shared with fork children and nobody else;
 *   MAP_PRIVATE  zero-filled pages, private and copy-on-write across fork.
 *
 * The kernel's own /dev/zero (drivers/char/mem.c, mmap_zero_prepare() in
 * 7.x) hands both to the core: a shared mapping gets an unlinked shmem file
 * of its size (shmem_zero_setup_desc()), and a private one becomes plain
 * anonymous memory (vma_desc_set_anonymous()).  A driver does the work
 * itself when the memory is its own: device or reserved memory, pages it
 * must track or account, or behaviour shmem does not offer.  Doing it here
 * shows what those helpers do for /dev/zero.
 *
 * read() gives zeroes and write() discards, as on /dev/zero.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/xarray.h>

#include "mmapdemo.h"

/* Pages held by all shared objects, for MMAPDEMO_IOC_GET_INFO. */
static atomic_long_t mmapdemo_anon_nr_pages = ATOMIC_LONG_INIT(0);

/*
 * What a private write fault hands the core to copy: a page of zeroes, one
 * per CPU.  The core locks the page and holds it only while it copies
 * (do_cow_fault()): with one page for the machine, every private write
 * fault would wait for that one page lock.
 */
static DEFINE_PER_CPU(struct page *, mmapdemo_zero_page);

/**
 * struct mmapdemo_anon - the memory object behind one shared mmap()
 * @pages: the pages touched so far, by page offset
 * @nr_pages: size in pages: offsets from 0 up to the mapping's length
 *
 * It lives as long as its file, which every VMA that maps it holds: the
 * one mmap() made, and those a fork, a split or an mremap() make from it.
 */
struct mmapdemo_anon {
	struct xarray pages;
	pgoff_t nr_pages;
};

/* The last VMA of an object is gone: free it and its pages. */
static int mmapdemo_anon_object_release(struct inode *inode, struct file *file)
{
	struct mmapdemo_anon *obj = file->private_data;
	struct page *page;
	unsigned long index;

	xa_for_each(&obj->pages, index, page) {
		put_page(page);
		atomic_long_dec(&mmapdemo_anon_nr_pages);
	}
	xa_destroy(&obj->pages);
	kfree(obj);
	return 0;
}

/*
 * The file of a shared object: it keeps the module loaded while mapped,
 * frees the object with the last mapping, and lets msync(MS_SYNC) succeed,
 * as on /dev/zero.
 */
static const struct file_operations mmapdemo_anon_object_fops = {
	.owner = THIS_MODULE,
	.release = mmapdemo_anon_object_release,
	.fsync = noop_fsync,
};

/* A new VMA from an mmap() (7.x calls this; compat.h does before). */
static int mmapdemo_anon_vma_mapped(unsigned long start, unsigned long end,
				    pgoff_t pgoff, const struct file *file,
				    void **vm_private_data)
{
	atomic_long_inc(&mmapdemo_anon_dev.nr_mappings);
	return 0;
}

/* A fork, a split or an mremap() move made a new VMA. */
static void mmapdemo_anon_vma_open(struct vm_area_struct *vma)
{
	mmapdemo_vma_opened(&mmapdemo_anon_dev, vma);
}

static void mmapdemo_anon_vma_close(struct vm_area_struct *vma)
{
	mmapdemo_vma_closed(&mmapdemo_anon_dev, vma);
}

/* The object's page at @index, allocated zeroed on the first touch. */
static struct page *mmapdemo_anon_page(struct mmapdemo_anon *obj, pgoff_t index)
{
	struct page *page, *old;

	page = xa_load(&obj->pages, index);
	if (page)
		return page;

	/* __GFP_ACCOUNT: charged to the faulting task's memory cgroup. */
	page = alloc_page(GFP_HIGHUSER | __GFP_ZERO | __GFP_ACCOUNT);
	if (!page)
		return NULL;
	/* Two tasks may race to the first touch: the first one wins. */
	old = xa_cmpxchg(&obj->pages, index, NULL, page, GFP_KERNEL_ACCOUNT);
	if (old) {
		__free_page(page);
		return xa_is_err(old) ? NULL : old;
	}
	atomic_long_inc(&mmapdemo_anon_nr_pages);
	return page;
}

/*
 * MAP_SHARED: every VMA of the object, in this process and in its fork
 * children, maps the object's own page, so all of them see each store.  We
 * return the page with a reference for the page table; the core locks it,
 * maps it (writable for a write fault, and dirty) and unlocks it.  As with
 * /dev/zero, the object covers offsets 0 to its size: beyond, as after an
 * mremap() that grew the mapping, there is no memory, and the access gets
 * SIGBUS.  Memory that cannot be had is VM_FAULT_OOM, for the OOM killer.
 */
static vm_fault_t mmapdemo_anon_shared_fault(struct vm_fault *vmf)
{
	struct mmapdemo_anon *obj = vmf->vma->vm_private_data;
	struct page *page;
	vm_fault_t ret = 0;

	if (vmf->pgoff >= obj->nr_pages) {
		ret = VM_FAULT_SIGBUS;
		goto out;
	}
	page = mmapdemo_anon_page(obj, vmf->pgoff);
	if (!page) {
		ret = VM_FAULT_OOM;
		goto out;
	}
	get_page(page);
	vmf->page = page;
out:
	return mmapdemo_fault_done(&mmapdemo_anon_dev, vmf, 0, ret);
}

/*
 * MAP_PRIVATE: a page reads as zeroes until the process stores to it.  A
 * read maps the kernel's zero page, as anonymous memory does: a "special"
 * entry that holds no reference and that GUP and the rmap know, so one page
 * can sit behind any number of entries (a page of ours would count each
 * one, and overflow).  A write returns a page of zeroes for the core to
 * copy into a new anonymous page of the process (do_cow_fault(), charged to
 * its memory cgroup); a write to a page a read mapped is copied by the core
 * alone (do_wp_page()).  From then on the copy is the process's own,
 * copy-on-write again across fork.
 */
static vm_fault_t mmapdemo_anon_private_fault(struct vm_fault *vmf)
{
	unsigned long zero_pfn = page_to_pfn(ZERO_PAGE(vmf->address));
	vm_fault_t ret = 0;

	if (vmf->flags & FAULT_FLAG_WRITE) {
		/* This CPU's; if we move, another CPU's is as good. */
		vmf->page = raw_cpu_read(mmapdemo_zero_page);
		get_page(vmf->page);
	} else {
		ret = vmf_insert_mixed(vmf->vma, vmf->address, zero_pfn);
	}
	return mmapdemo_fault_done(&mmapdemo_anon_dev, vmf, 0, ret);
}

/*
 * An aside, for speed only.  The core runs a driver's ->fault under the
 * VMA's own lock, instead of mmap_lock, only if the VMA has ->map_pages
 * (vmf_can_call_fault(), Linux 6.7 and later): it takes ->map_pages as the
 * sign that the fault code needs nothing mmap_lock protects, which is true
 * of ours.  Without it every fault is retried under mmap_lock, a second
 * trip through the fault path.  So we offer an empty one, which maps
 * nothing around a fault; where there are no VMA locks it would only cost
 * a read fault a trip through do_fault_around().
 */
static vm_fault_t mmapdemo_anon_map_pages(struct vm_fault *vmf, pgoff_t start,
					  pgoff_t end)
{
	return 0;
}

static const struct vm_operations_struct mmapdemo_anon_shared_vm_ops = {
	.open = mmapdemo_anon_vma_open,
	.close = mmapdemo_anon_vma_close,
	.fault = mmapdemo_anon_shared_fault,
	.map_pages = IS_ENABLED(CONFIG_PER_VMA_LOCK) ? mmapdemo_anon_map_pages :
						       NULL,
	/* last: before 7.x it stands for nothing (compat.h) */
	MMAPDEMO_VMA_MAPPED(mmapdemo_anon_vma_mapped)
};

static const struct vm_operations_struct mmapdemo_anon_private_vm_ops = {
	.open = mmapdemo_anon_vma_open,
	.close = mmapdemo_anon_vma_close,
	.fault = mmapdemo_anon_private_fault,
	.map_pages = IS_ENABLED(CONFIG_PER_VMA_LOCK) ? mmapdemo_anon_map_pages :
						       NULL,
	/* last: before 7.x it stands for nothing (compat.h) */
	MMAPDEMO_VMA_MAPPED(mmapdemo_anon_vma_mapped)
};

/*
 * Describe the mapping; nothing is allocated here but a shared object's
 * bookkeeping.  Decide as /dev/zero does on the same kernel: by
 * VM_MAYSHARE, what the caller asked for, in 7.x (mmap_zero_prepare()), so
 * that MAP_SHARED of a read-only fd is a shared object that cannot be
 * written; by VM_SHARED before (see compat.h).
 *
 * A shared mapping gets an object and a file of its own, handed to the
 * core in place of the device's file, as shmem_zero_setup() gives each
 * /dev/zero mapping an unlinked shmem file: VMAs of different files never
 * merge, so two objects never become one, and the core releases the file
 * (and with it the object) if the mapping fails after we return.
 */
static int mmapdemo_anon_mmap_prepare(struct vm_area_desc *desc)
{
	struct mmapdemo_anon *obj;
	struct file *file;
	int err = 0;

	if (!vma_desc_test(desc, MMAPDEMO_ZERO_SHARED_BIT)) {
		desc->vm_ops = &mmapdemo_anon_private_vm_ops;
		goto out;
	}

	obj = kzalloc(sizeof(*obj), GFP_KERNEL_ACCOUNT);
	if (!obj) {
		err = -ENOMEM;
		goto out;
	}
	xa_init(&obj->pages);
	obj->nr_pages = vma_desc_pages(desc);
	/* An inode of its own: its i_mmap tree holds only this object's VMAs. */
	file = anon_inode_create_getfile("[mmapdemo-anon]",
					 &mmapdemo_anon_object_fops, obj,
					 O_RDWR, NULL);
	if (IS_ERR(file)) {
		kfree(obj);
		err = PTR_ERR(file);
		goto out;
	}
	desc->vm_file = file;
	desc->private_data = obj;
	desc->vm_ops = &mmapdemo_anon_shared_vm_ops;
out:
	return mmapdemo_mmap_done(&mmapdemo_anon_dev, desc, err);
}

DEFINE_MMAP_FROM_PREPARE(mmapdemo_anon_mmap_prepare, mmapdemo_anon_vma_mapped)

static ssize_t mmapdemo_anon_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	size_t done = 0;

	/* A page at a time, to stop for a signal or let others run. */
	while (iov_iter_count(to)) {
		size_t chunk = min_t(size_t, iov_iter_count(to), PAGE_SIZE);
		size_t n = iov_iter_zero(chunk, to);

		if (!n)
			return done ?: -EFAULT;
		done += n;
		if (signal_pending(current))
			return done;
		cond_resched();
	}
	return done;
}

static ssize_t mmapdemo_anon_write_iter(struct kiocb *iocb,
					struct iov_iter *from)
{
	size_t count = iov_iter_count(from);

	iov_iter_advance(from, count);
	return count;
}

/* Like /dev/zero, an endless stream has no position to seek to. */
static loff_t mmapdemo_anon_llseek(struct file *file, loff_t offset, int whence)
{
	return file->f_pos = 0;
}

static const struct file_operations mmapdemo_anon_fops = {
	.owner = THIS_MODULE,
	.llseek = mmapdemo_anon_llseek,
	.read_iter = mmapdemo_anon_read_iter,
	.write_iter = mmapdemo_anon_write_iter,
	.splice_read = copy_splice_read,
	.splice_write = iter_file_splice_write,
	/* msync(MS_SYNC) of a private mapping: nothing to write back. */
	.fsync = noop_fsync,
	.unlocked_ioctl = mmapdemo_info_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	MMAPDEMO_FOP_MMAP(mmapdemo_anon_mmap_prepare),
};

static void mmapdemo_anon_info(struct mmapdemo_info *info)
{
	info->nr_pages = atomic_long_read(&mmapdemo_anon_nr_pages);
}

static DEFINE_PER_CPU(struct mmapdemo_counts, mmapdemo_anon_counts);

struct mmapdemo_dev mmapdemo_anon_dev = {
	.misc = {
		.minor	= MISC_DYNAMIC_MINOR,
		.name	= "mmapdemo-anon",
		.fops	= &mmapdemo_anon_fops,
	},
	.id		= MMAPDEMO_DEV_ANON,
	.counts		= &mmapdemo_anon_counts,
	.nr_mappings	= ATOMIC_LONG_INIT(0),
	.fill_info	= mmapdemo_anon_info,
};

/* Called when no mapping is left, so nobody copies a zero page. */
void mmapdemo_anon_exit(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		if (per_cpu(mmapdemo_zero_page, cpu))
			__free_page(per_cpu(mmapdemo_zero_page, cpu));
		per_cpu(mmapdemo_zero_page, cpu) = NULL;
	}
}

int mmapdemo_anon_init(void)
{
	struct page *page;
	int cpu;

	for_each_possible_cpu(cpu) {
		page = alloc_pages_node(cpu_to_node(cpu),
					GFP_KERNEL | __GFP_ZERO, 0);
		if (!page) {
			mmapdemo_anon_exit();
			return -ENOMEM;
		}
		per_cpu(mmapdemo_zero_page, cpu) = page;
	}
	return 0;
}
