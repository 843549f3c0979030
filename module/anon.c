// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/mmapdemo-anon: anonymous-style memory, like /dev/zero, served by the
 * driver's own fault handlers.  The two anonymous kinds:
 *
 *   MAP_SHARED   each mmap() makes a new zero-filled object of the mapping's
 *                size, shared with fork children and nobody else;
 *   MAP_PRIVATE  zero-filled pages, private and copy-on-write across fork.
 *
 * The kernel's own /dev/zero (drivers/char/mem.c, mmap_zero()) hands both to
 * the core: a shared mapping gets an unlinked shmem file of its size
 * (shmem_zero_setup()), and a private one becomes plain anonymous memory
 * (vma_set_anonymous()).  A driver does the work itself when the memory is
 * its own: device or reserved memory, pages it must track or account, or
 * behaviour shmem does not offer.  Doing it here shows what those helpers
 * do for /dev/zero.
 *
 * read() gives zeroes and write() discards, as on /dev/zero.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/xarray.h>

#include "mmapdemo.h"
#include "mmapdemo_trace.h"

/* Pages held by all shared objects, for MMAPDEMO_IOC_GET_INFO. */
static atomic_long_t mmapdemo_anon_nr_pages = ATOMIC_LONG_INIT(0);

/* What every page of a private mapping reads as until it is written. */
static struct page *mmapdemo_zero_page;

/**
 * struct mmapdemo_anon - the memory object behind one shared mmap()
 * @refs: one per VMA that maps it
 * @pages: the pages touched so far, by page offset
 * @nr_pages: size in pages: offsets from 0 up to the mapping's length
 */
struct mmapdemo_anon {
	refcount_t refs;
	struct xarray pages;
	pgoff_t nr_pages;
};

static void mmapdemo_anon_put(struct mmapdemo_anon *obj)
{
	struct page *page;
	unsigned long index;

	if (!refcount_dec_and_test(&obj->refs))
		return;
	xa_for_each(&obj->pages, index, page) {
		put_page(page);
		atomic_long_dec(&mmapdemo_anon_nr_pages);
	}
	xa_destroy(&obj->pages);
	kfree(obj);
}

/*
 * A fork, a split or an mremap() move made a new VMA: it shares the
 * object, so it takes a reference.
 */
static void mmapdemo_anon_vma_open(struct vm_area_struct *vma)
{
	struct mmapdemo_anon *obj = vma->vm_private_data;

	if (obj)
		refcount_inc(&obj->refs);
	atomic_long_inc(&mmapdemo_anon_dev.nr_mappings);
	trace_mmapdemo_vma_open(MMAPDEMO_DEV_ANON, vma);
}

/* The last VMA of an object frees it and its pages. */
static void mmapdemo_anon_vma_close(struct vm_area_struct *vma)
{
	struct mmapdemo_anon *obj = vma->vm_private_data;

	if (obj)
		mmapdemo_anon_put(obj);
	atomic_long_dec(&mmapdemo_anon_dev.nr_mappings);
	trace_mmapdemo_vma_close(MMAPDEMO_DEV_ANON, vma);
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
 * children, maps the object's own page, so all of them see each store.  The
 * core locks the page, maps it (writable for a write fault and dirty) and
 * keeps our reference in the page table.
 */
static vm_fault_t mmapdemo_anon_shared_fault(struct vm_fault *vmf)
{
	struct mmapdemo_anon *obj = vmf->vma->vm_private_data;
	struct page *page;
	vm_fault_t ret = 0;

	/*
	 * As with /dev/zero, the object covers offsets 0 to its size: beyond
	 * it, as after an mremap() that grew the mapping, a shared mapping has
	 * no memory, and the access gets SIGBUS.
	 */
	if (vmf->pgoff >= obj->nr_pages) {
		ret = VM_FAULT_SIGBUS;
		goto out;
	}
	page = mmapdemo_anon_page(obj, vmf->pgoff);
	if (!page) {
		ret = VM_FAULT_OOM;
		goto out;
	}

	mmapdemo_count_fault(&mmapdemo_anon_dev, vmf);
	get_page(page);
	vmf->page = page;
out:
	trace_mmapdemo_fault(MMAPDEMO_DEV_ANON, vmf, ret, !ret);
	return ret;
}

/*
 * MAP_PRIVATE: until a process stores to a page, the page reads as zero,
 * so every private page maps one shared zero page, read-only, as anonymous
 * memory maps the kernel's zero page.  A write fault returns that same page
 * and the core copies it into a new anonymous page of the faulting process
 * (do_cow_fault(), charged to its memory cgroup); a write to a page that a
 * read mapped is copied by the core alone (do_wp_page()).  From then on the
 * copy is the process's own, copy-on-write again across fork.
 */
static vm_fault_t mmapdemo_anon_private_fault(struct vm_fault *vmf)
{
	mmapdemo_count_fault(&mmapdemo_anon_dev, vmf);
	get_page(mmapdemo_zero_page);
	vmf->page = mmapdemo_zero_page;
	if (vmf->flags & FAULT_FLAG_WRITE)
		trace_mmapdemo_cow(MMAPDEMO_DEV_ANON, vmf, vmf->page);
	trace_mmapdemo_fault(MMAPDEMO_DEV_ANON, vmf, 0, 1);
	return 0;
}

/*
 * Nothing to map around a fault: pages arrive one at a time.  But Linux 6.4
 * and later call ->fault under the VMA's own lock only for a VMA with
 * ->map_pages (vmf_can_call_fault()), and retry every other fault under
 * mmap_lock, which costs a second trip through the fault path.  Our
 * handlers need nothing that mmap_lock protects, so they say so with an
 * empty ->map_pages; only where there are VMA locks, as it costs a read
 * fault a trip through do_fault_around().
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
	.map_pages = MMAPDEMO_IF_VMA_LOCKS(mmapdemo_anon_map_pages),
};

static const struct vm_operations_struct mmapdemo_anon_private_vm_ops = {
	.open = mmapdemo_anon_vma_open,
	.close = mmapdemo_anon_vma_close,
	.fault = mmapdemo_anon_private_fault,
	.map_pages = MMAPDEMO_IF_VMA_LOCKS(mmapdemo_anon_map_pages),
};

/*
 * The file of a shared object: it keeps the module loaded while mapped,
 * and lets msync(MS_SYNC) succeed, as on /dev/zero.
 */
static const struct file_operations mmapdemo_anon_object_fops = {
	.owner = THIS_MODULE,
	.fsync = noop_fsync,
};

/*
 * The core has checked the request and built the VMA; nothing is allocated
 * here but the shared object's bookkeeping.  As mmap_zero() does, decide by
 * VM_SHARED: a MAP_SHARED mapping of a read-only fd cannot be written, so
 * it is served as a private one.
 */
static int mmapdemo_anon_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mmapdemo_anon *obj;
	struct file *objfile;

	if (vma->vm_flags & VM_SHARED) {
		obj = kzalloc(sizeof(*obj), GFP_KERNEL_ACCOUNT);
		if (!obj)
			return -ENOMEM;
		/*
		 * The core may grow an existing VMA over a new mmap() of the
		 * same file at the next offset, without calling ->mmap(): two
		 * objects would become one.  So, as shmem_zero_setup() gives
		 * each /dev/zero mapping a file of its own, give each object
		 * one: VMAs of different files never merge.
		 */
		objfile = anon_inode_getfile("[mmapdemo-anon]",
					     &mmapdemo_anon_object_fops, obj,
					     O_RDWR);
		if (IS_ERR(objfile)) {
			kfree(obj);
			return PTR_ERR(objfile);
		}
		vma_set_file(vma, objfile);
		fput(objfile); /* the VMA holds its own reference */

		refcount_set(&obj->refs, 1); /* this VMA's */
		xa_init(&obj->pages);
		obj->nr_pages = vma_pages(vma);
		vma->vm_private_data = obj;
		vma->vm_ops = &mmapdemo_anon_shared_vm_ops;
	} else {
		vma->vm_ops = &mmapdemo_anon_private_vm_ops;
	}
	atomic_long_inc(&mmapdemo_anon_dev.nr_mappings);
	trace_mmapdemo_mmap(MMAPDEMO_DEV_ANON, vma);
	return 0;
}

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
	/* msync(MS_SYNC) of a shared mapping: nothing to write back. */
	.fsync = noop_fsync,
	.unlocked_ioctl = mmapdemo_info_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = mmapdemo_anon_mmap,
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
	.counts		= &mmapdemo_anon_counts,
	.nr_mappings	= ATOMIC_LONG_INIT(0),
	.fill_info	= mmapdemo_anon_info,
};

int mmapdemo_anon_init(void)
{
	mmapdemo_zero_page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	return mmapdemo_zero_page ? 0 : -ENOMEM;
}

/* Called when no mapping is left, so nobody maps the zero page. */
void mmapdemo_anon_exit(void)
{
	__free_page(mmapdemo_zero_page);
}
