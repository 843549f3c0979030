// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/mmapdemo-insert and /dev/mmapdemo-remap: the eager ways to map, on
 * one region of physically contiguous 2 MiB chunks like the huge device's.
 * Both map everything mmap() asked for before mmap() returns, and have no
 * fault handler at all:
 *
 *                 /dev/mmapdemo-insert        /dev/mmapdemo-remap
 *   call          vm_insert_pages()           remap_pfn_range()
 *   VMA           VM_MIXEDMAP                 VM_PFNMAP | VM_IO
 *   entries map   pages (refcounted, rmap)    page frames (no struct page
 *                                             to the core)
 *   GUP, O_DIRECT works                       fails (EFAULT)
 *   MAP_PRIVATE   copy-on-write               refused (EINVAL)
 *   hook          ->mmap_prepare(), asking    ->mmap(): remap_pfn_range()
 *                 the core to insert the      once per chunk
 *                 pages (7.2+; compat.h
 *                 before)
 *
 * 7.x's ->mmap_prepare() can ask the core to remap too
 * (mmap_action_remap()), but for one physically contiguous range, as a
 * device's BAR is (drivers/char/mem.c does that for /dev/mem): this region
 * is in 2 MiB pieces, so the remap node keeps ->mmap().
 *
 * The pages come from order-9 allocations cut into order-0 pages with
 * split_page(): each then has a reference count of its own, which is what
 * vm_insert_pages() takes and munmap() drops, one page at a time.  (Mapping
 * the tail pages of an unsplit, non-compound allocation is the classic
 * refcount bug: their count is 0.)
 *
 * Nothing faults, so no write is noticed: these nodes do not report writes
 * (no MMAPDEMO_IOC_WRITTEN).  An entry that goes away (MADV_DONTNEED on
 * the insert node) is not refilled: touching it again is a SIGBUS.
 */
#include <linux/mm.h>
#include <linux/slab.h>

#include "mmapdemo.h"

#define MMAPDEMO_EAGER_CHUNK_ORDER MMAPDEMO_PMD_ORDER
#define MMAPDEMO_EAGER_CHUNK_PAGES BIT(MMAPDEMO_EAGER_CHUNK_ORDER)

/* Every page of the region, in order: chunk after chunk. */
static struct page **mmapdemo_eager_pages;
static unsigned long mmapdemo_eager_nr_pages;

/* Whether @nr pages from @pgoff lie inside the region. */
static bool mmapdemo_eager_fits(pgoff_t pgoff, unsigned long nr)
{
	return pgoff < mmapdemo_eager_nr_pages &&
	       nr <= mmapdemo_eager_nr_pages - pgoff;
}

/* /dev/mmapdemo-insert */

/*
 * A new VMA from an mmap(), its pages in (7.x calls this after the core
 * inserted them; compat.h does too).  Should the insertion fail, 7.x
 * unmaps the VMA, which calls ->close() though ->mapped() never ran: the
 * mark in vm_private_data, which forks and splits copy, says which VMAs
 * were counted.
 */
static int mmapdemo_insert_vma_mapped(unsigned long start, unsigned long end,
				      pgoff_t pgoff, const struct file *file,
				      void **vm_private_data)
{
	*vm_private_data = &mmapdemo_insert_dev;
	atomic_long_inc(&mmapdemo_insert_dev.nr_mappings);
	return 0;
}

static void mmapdemo_insert_vma_open(struct vm_area_struct *vma)
{
	mmapdemo_vma_opened(&mmapdemo_insert_dev, vma);
}

static void mmapdemo_insert_vma_close(struct vm_area_struct *vma)
{
	if (vma->vm_private_data)
		mmapdemo_vma_closed(&mmapdemo_insert_dev, vma);
}

/* No ->fault: every page is mapped by the time mmap() returns. */
static const struct vm_operations_struct mmapdemo_insert_vm_ops = {
	.open = mmapdemo_insert_vma_open,
	.close = mmapdemo_insert_vma_close,
	/* last: before 7.x it stands for nothing (compat.h) */
	MMAPDEMO_VMA_MAPPED(mmapdemo_insert_vma_mapped)
};

/*
 * Ask the core to insert the region's pages once the VMA exists: it marks
 * the VMA VM_MIXEDMAP, and maps each page with a reference, as
 * vm_insert_pages() does.  The size is fixed: mremap() may not grow it.
 */
static int mmapdemo_insert_mmap_prepare(struct vm_area_desc *desc)
{
	int err = 0;

	if (!mmapdemo_eager_fits(desc->pgoff, vma_desc_pages(desc))) {
		err = -ENXIO;
		goto out;
	}
	vma_desc_set_flags(desc, VMA_DONTEXPAND_BIT);
	desc->vm_ops = &mmapdemo_insert_vm_ops;
	mmap_action_map_kernel_pages_full(desc,
					  &mmapdemo_eager_pages[desc->pgoff]);
out:
	return mmapdemo_mmap_done(&mmapdemo_insert_dev, desc, err);
}

DEFINE_MMAP_FROM_PREPARE(mmapdemo_insert_mmap_prepare,
			 mmapdemo_insert_vma_mapped)

static const struct file_operations mmapdemo_insert_fops = {
	.owner = THIS_MODULE,
	.llseek = noop_llseek,
	.fsync = noop_fsync,
	.unlocked_ioctl = mmapdemo_info_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	MMAPDEMO_FOP_MMAP(mmapdemo_insert_mmap_prepare),
};

/* /dev/mmapdemo-remap */

static void mmapdemo_remap_vma_open(struct vm_area_struct *vma)
{
	mmapdemo_vma_opened(&mmapdemo_remap_dev, vma);
}

static void mmapdemo_remap_vma_close(struct vm_area_struct *vma)
{
	mmapdemo_vma_closed(&mmapdemo_remap_dev, vma);
}

static const struct vm_operations_struct mmapdemo_remap_vm_ops = {
	.open = mmapdemo_remap_vma_open,
	.close = mmapdemo_remap_vma_close,
};

/*
 * Map page frames, one remap_pfn_range() per physically contiguous chunk.
 * It marks the VMA VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP: the
 * core keeps no page for these entries, so it has none to copy for a
 * private write, nor for GUP to pin.  Should a call fail, the core unmaps
 * what the others mapped.
 */
static int mmapdemo_remap_mmap(struct file *file, struct vm_area_struct *vma)
{
	unsigned long addr = vma->vm_start;
	pgoff_t pgoff = vma->vm_pgoff;
	int err = 0;

	if (vma_is_cow_mapping(vma))
		err = -EINVAL;
	else if (!mmapdemo_eager_fits(pgoff, vma_pages(vma)))
		err = -ENXIO;
	while (!err && addr < vma->vm_end) {
		unsigned long left = MMAPDEMO_EAGER_CHUNK_PAGES -
				     (pgoff & (MMAPDEMO_EAGER_CHUNK_PAGES - 1));
		unsigned long len = min(vma->vm_end - addr, left << PAGE_SHIFT);

		err = remap_pfn_range(vma, addr,
				      page_to_pfn(mmapdemo_eager_pages[pgoff]),
				      len, vma->vm_page_prot);
		addr += len;
		pgoff += len >> PAGE_SHIFT;
	}
	if (!err)
		vma->vm_ops = &mmapdemo_remap_vm_ops;
	return mmapdemo_mmap_vma_done(&mmapdemo_remap_dev, vma, err);
}

static const struct file_operations mmapdemo_remap_fops = {
	.owner = THIS_MODULE,
	.llseek = noop_llseek,
	.fsync = noop_fsync,
	.unlocked_ioctl = mmapdemo_info_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = mmapdemo_remap_mmap,
};

static void mmapdemo_eager_info(struct mmapdemo_info *info)
{
	info->size = (u64)mmapdemo_eager_nr_pages << PAGE_SHIFT;
	info->max_size = info->size;
	info->nr_pages = mmapdemo_eager_nr_pages;
}

static DEFINE_PER_CPU(struct mmapdemo_counts, mmapdemo_insert_counts);
static DEFINE_PER_CPU(struct mmapdemo_counts, mmapdemo_remap_counts);

struct mmapdemo_dev mmapdemo_insert_dev = {
	.misc = {
		.minor	= MISC_DYNAMIC_MINOR,
		.name	= "mmapdemo-insert",
		.fops	= &mmapdemo_insert_fops,
	},
	.id		= MMAPDEMO_DEV_INSERT,
	.counts		= &mmapdemo_insert_counts,
	.nr_mappings	= ATOMIC_LONG_INIT(0),
	.fill_info	= mmapdemo_eager_info,
};

struct mmapdemo_dev mmapdemo_remap_dev = {
	.misc = {
		.minor	= MISC_DYNAMIC_MINOR,
		.name	= "mmapdemo-remap",
		.fops	= &mmapdemo_remap_fops,
	},
	.id		= MMAPDEMO_DEV_REMAP,
	.counts		= &mmapdemo_remap_counts,
	.nr_mappings	= ATOMIC_LONG_INIT(0),
	.fill_info	= mmapdemo_eager_info,
};

/*
 * Called when nothing maps the region any more, or when init fails.  A
 * page that GUP still pins (io_uring's registered buffers outlive the
 * mapping and the fd) is freed when its last pin goes.
 */
void mmapdemo_eager_exit(void)
{
	unsigned long i;

	for (i = 0; mmapdemo_eager_pages && i < mmapdemo_eager_nr_pages; i++)
		if (mmapdemo_eager_pages[i])
			__free_page(mmapdemo_eager_pages[i]);
	kvfree(mmapdemo_eager_pages);
	mmapdemo_eager_pages = NULL;
}

/* The whole region, zeroed, at load, as for the huge device. */
int mmapdemo_eager_init(unsigned long size)
{
	unsigned long i, j;

	mmapdemo_eager_nr_pages = size >> PAGE_SHIFT;
	mmapdemo_eager_pages = kvcalloc(mmapdemo_eager_nr_pages,
					sizeof(*mmapdemo_eager_pages),
					GFP_KERNEL);
	if (!mmapdemo_eager_pages && mmapdemo_eager_nr_pages)
		return -ENOMEM;
	for (i = 0; i < mmapdemo_eager_nr_pages;
	     i += MMAPDEMO_EAGER_CHUNK_PAGES) {
		struct page *page =
			alloc_pages(GFP_HIGHUSER | __GFP_ZERO | __GFP_NOWARN,
				    MMAPDEMO_EAGER_CHUNK_ORDER);

		if (!page) {
			mmapdemo_eager_exit();
			return -ENOMEM;
		}
		split_page(page, MMAPDEMO_EAGER_CHUNK_ORDER);
		for (j = 0; j < MMAPDEMO_EAGER_CHUNK_PAGES; j++)
			mmapdemo_eager_pages[i + j] = page + j;
	}
	return 0;
}
