// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/mmapdemo-huge: a shared region of physically contiguous 2 MiB
 * chunks, mapped with one page-table entry per 2 MiB where the kernel lets
 * a driver do so.
 *
 * The core offers a VMA with ->huge_fault() a PMD-sized mapping before it
 * falls back to page-sized faults: __handle_mm_fault() calls
 * create_huge_pmd() when the PMD is empty and thp_vma_allowable_order()
 * agrees.  Linux 6.12 does, for a VM_PFNMAP VMA with ->huge_fault(), and
 * mmapdemo_huge_huge_fault() maps the whole chunk with vmf_insert_pfn_pmd():
 * one fault per 2 MiB.  Linux 6.1 never calls ->huge_fault() for a VMA that
 * is not DAX (its hugepage_vma_check() refuses such file VMAs in the fault
 * path), so there every page takes mmapdemo_huge_fault() and a 4 KiB entry;
 * the huge_faults counter stays 0 (see the huge tests).
 *
 * The entries map page frames, not pages the core refcounts (VM_PFNMAP):
 * they hold no reference, and the chunks live until the module goes, which
 * cannot happen while anything maps them.  For the same reason a private
 * mapping cannot be copy-on-write (the core has no page to copy from a PFN
 * entry): mmap() refuses MAP_PRIVATE with EINVAL.  The region has a fixed
 * size, the huge_size parameter; beyond it, SIGBUS.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/pfn_t.h>
#include <linux/slab.h>

#include "mmapdemo.h"
#include "mmapdemo_trace.h"

#define MMAPDEMO_CHUNK_ORDER (PMD_SHIFT - PAGE_SHIFT)
#define MMAPDEMO_CHUNK_PAGES BIT(MMAPDEMO_CHUNK_ORDER)

static struct page **mmapdemo_chunks; /* allocated on first touch */
static unsigned long mmapdemo_nr_chunks;
static DEFINE_MUTEX(mmapdemo_chunks_lock);

/*
 * The page frame of the region's page @pgoff, allocating its chunk on the
 * first touch (zeroed, charged to the toucher's memory cgroup); 0 if the
 * page is beyond the region or memory ran out (*oom set).
 */
static unsigned long mmapdemo_huge_pfn(pgoff_t pgoff, bool *oom)
{
	unsigned long chunk = pgoff >> MMAPDEMO_CHUNK_ORDER;
	struct page *page;

	if (chunk >= mmapdemo_nr_chunks)
		return 0;
	page = READ_ONCE(mmapdemo_chunks[chunk]);
	if (!page) {
		mutex_lock(&mmapdemo_chunks_lock);
		page = mmapdemo_chunks[chunk];
		if (!page) {
			page = alloc_pages(GFP_HIGHUSER | __GFP_ZERO |
						   __GFP_COMP | __GFP_ACCOUNT |
						   __GFP_NOWARN,
					   MMAPDEMO_CHUNK_ORDER);
			/* Publish the zeroes before the pointer. */
			smp_store_release(&mmapdemo_chunks[chunk], page);
		}
		mutex_unlock(&mmapdemo_chunks_lock);
		if (!page) {
			*oom = true;
			return 0;
		}
	}
	return page_to_pfn(page) + (pgoff & (MMAPDEMO_CHUNK_PAGES - 1));
}

static void mmapdemo_huge_vma_open(struct vm_area_struct *vma)
{
	atomic_long_inc(&mmapdemo_huge_dev.nr_mappings);
	trace_mmapdemo_vma_open(MMAPDEMO_DEV_HUGE, vma);
}

static void mmapdemo_huge_vma_close(struct vm_area_struct *vma)
{
	atomic_long_dec(&mmapdemo_huge_dev.nr_mappings);
	trace_mmapdemo_vma_close(MMAPDEMO_DEV_HUGE, vma);
}

/*
 * Map a whole chunk with one PMD, or ask the core to fall back to page
 * faults: when the 2 MiB around the address do not lie inside the VMA, or
 * do not cover one chunk exactly.  May run holding only the VMA's lock.
 */
static vm_fault_t mmapdemo_huge_huge_fault(struct vm_fault *vmf,
					   mmapdemo_huge_order_t order)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long haddr = vmf->address & PMD_MASK;
	pgoff_t hpgoff = vmf->pgoff - ((vmf->address - haddr) >> PAGE_SHIFT);
	bool oom = false;
	unsigned long pfn;
	vm_fault_t ret;

	if (order != MMAPDEMO_HUGE_ORDER_PMD)
		return VM_FAULT_FALLBACK;
	if (haddr < vma->vm_start || haddr + PMD_SIZE > vma->vm_end ||
	    hpgoff & (MMAPDEMO_CHUNK_PAGES - 1))
		return VM_FAULT_FALLBACK;

	pfn = mmapdemo_huge_pfn(hpgoff, &oom);
	if (!pfn)
		return oom ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
	ret = vmf_insert_pfn_pmd(vmf, pfn_to_pfn_t(pfn),
				 vmf->flags & FAULT_FLAG_WRITE);
	if (ret == VM_FAULT_NOPAGE)
		mmapdemo_count(&mmapdemo_huge_dev, MMAPDEMO_HUGE, 1);
	trace_mmapdemo_fault(MMAPDEMO_DEV_HUGE, vmf, ret, MMAPDEMO_CHUNK_PAGES);
	return ret;
}

/* The fallback: one 4 KiB entry for the page at vmf->pgoff. */
static vm_fault_t mmapdemo_huge_fault(struct vm_fault *vmf)
{
	bool oom = false;
	unsigned long pfn;
	vm_fault_t ret;

	pfn = mmapdemo_huge_pfn(vmf->pgoff, &oom);
	if (!pfn)
		ret = oom ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
	else
		ret = vmf_insert_pfn(vmf->vma, vmf->address, pfn);
	if (ret == VM_FAULT_NOPAGE)
		mmapdemo_count_fault(&mmapdemo_huge_dev, vmf);
	trace_mmapdemo_fault(MMAPDEMO_DEV_HUGE, vmf, ret,
			     ret == VM_FAULT_NOPAGE);
	return ret;
}

static const struct vm_operations_struct mmapdemo_huge_vm_ops = {
	.open = mmapdemo_huge_vma_open,
	.close = mmapdemo_huge_vma_close,
	.huge_fault = mmapdemo_huge_huge_fault,
	.fault = mmapdemo_huge_fault,
};

static int mmapdemo_huge_mmap(struct file *file, struct vm_area_struct *vma)
{
	/* A PFN entry has no page for the core to copy: no copy-on-write. */
	if (is_cow_mapping(vma->vm_flags))
		return -EINVAL;

	/*
	 * Page frames, not refcounted pages; a fixed size, so mremap() may not
	 * grow it; nothing for a core dump to read.
	 */
	vm_flags_set(vma, VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &mmapdemo_huge_vm_ops;
	atomic_long_inc(&mmapdemo_huge_dev.nr_mappings);
	trace_mmapdemo_mmap(MMAPDEMO_DEV_HUGE, vma);
	return 0;
}

static const struct file_operations mmapdemo_huge_fops = {
	.owner = THIS_MODULE,
	.llseek = noop_llseek,
	.fsync = noop_fsync,
	.unlocked_ioctl = mmapdemo_info_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = mmapdemo_huge_mmap,
	/* Place mappings so that address and offset agree modulo 2 MiB. */
	.get_unmapped_area = thp_get_unmapped_area,
};

static void mmapdemo_huge_info(struct mmapdemo_info *info)
{
	unsigned long i;

	info->size = (u64)mmapdemo_nr_chunks << PMD_SHIFT;
	info->max_size = info->size;
	for (i = 0; i < mmapdemo_nr_chunks; i++)
		if (READ_ONCE(mmapdemo_chunks[i]))
			info->nr_pages += MMAPDEMO_CHUNK_PAGES;
}

static DEFINE_PER_CPU(struct mmapdemo_counts, mmapdemo_huge_counts);

struct mmapdemo_dev mmapdemo_huge_dev = {
	.misc = {
		.minor	= MISC_DYNAMIC_MINOR,
		.name	= "mmapdemo-huge",
		.fops	= &mmapdemo_huge_fops,
	},
	.counts		= &mmapdemo_huge_counts,
	.nr_mappings	= ATOMIC_LONG_INIT(0),
	.fill_info	= mmapdemo_huge_info,
};

int mmapdemo_huge_init(unsigned long size)
{
	mmapdemo_nr_chunks = size >> PMD_SHIFT;
	mmapdemo_chunks = kcalloc(mmapdemo_nr_chunks, sizeof(*mmapdemo_chunks),
				  GFP_KERNEL);
	return mmapdemo_chunks || !mmapdemo_nr_chunks ? 0 : -ENOMEM;
}

/* Called when nothing maps the region any more. */
void mmapdemo_huge_exit(void)
{
	unsigned long i;

	for (i = 0; i < mmapdemo_nr_chunks; i++)
		if (mmapdemo_chunks[i])
			__free_pages(mmapdemo_chunks[i], MMAPDEMO_CHUNK_ORDER);
	kfree(mmapdemo_chunks);
}
