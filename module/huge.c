// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/mmapdemo-huge: a shared region of physically contiguous 2 MiB
 * chunks, mapped with one page-table entry per 2 MiB where the kernel lets
 * a driver do so.
 *
 * The region stands for device memory: it exists before anyone maps it
 * (allocated at load, the huge_size parameter, fixed), and a fault only
 * looks up where a page is.  So a fault cannot fail for want of memory,
 * and cannot loop.
 *
 * The core offers a VMA with ->huge_fault() a PMD-sized mapping before it
 * falls back to page-sized faults: __handle_mm_fault() calls
 * create_huge_pmd() when the PMD is empty and thp_vma_allowable_order()
 * agrees.  Linux 6.12 and 7.x do, for a VM_PFNMAP VMA with ->huge_fault()
 * on an architecture that can map PFNs with a PMD
 * (CONFIG_ARCH_SUPPORTS_PMD_PFNMAP), and mmapdemo_huge_pmd_fault() maps
 * the whole chunk with vmf_insert_pfn_pmd(): one fault per 2 MiB.  Linux
 * 6.1 never calls ->huge_fault() for a VMA that is not DAX (its
 * hugepage_vma_check() refuses such file VMAs in the fault path), so there
 * every page takes mmapdemo_huge_pte_fault() and a 4 KiB entry; the
 * huge_faults counter stays 0 (see the huge tests).
 *
 * The entries map page frames, not pages the core refcounts (VM_PFNMAP):
 * they hold no reference, and the chunks live until the module goes, which
 * cannot happen while anything maps them.  For the same reason a private
 * mapping cannot be copy-on-write (the core has no page to copy from a PFN
 * entry): mmap() refuses MAP_PRIVATE with EINVAL.  Beyond the region,
 * SIGBUS.
 *
 * Write notification (notify.c), for page frames: with ->pfn_mkwrite() the
 * core maps the region read-only, and asks us before the first store to a
 * 4 KiB entry goes through; a store to a 2 MiB entry mapped read-only
 * comes back to ->huge_fault() as a write, and makes all 2 MiB writable.
 * Page frames have no rmap to write-protect them by, so a report re-arms
 * by unmapping (unmap_mapping_range(), on the one address_space that every
 * open shares): the next access faults again.
 */
#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "mmapdemo.h"

#define MMAPDEMO_CHUNK_ORDER MMAPDEMO_PMD_ORDER
#define MMAPDEMO_CHUNK_PAGES BIT(MMAPDEMO_CHUNK_ORDER)

/**
 * struct mmapdemo_chunk - 2 MiB of the region
 * @page: its first page, of an order-9 compound allocation
 * @lock: orders a PMD fault against a page fault in the same 2 MiB of a
 *	VMA (see mmapdemo_huge_pmd_fault())
 */
struct mmapdemo_chunk {
	struct page *page;
	struct mutex lock; /* see mmapdemo_huge_pmd_fault() */
};

static struct mmapdemo_chunk *mmapdemo_chunks;
static unsigned long mmapdemo_nr_chunks;

/* Where every open's mappings are linked, so that one unmap finds them. */
static struct inode *mmapdemo_huge_inode;

/*
 * One bit per page of the region: written since last reported.  Set and
 * cleared under the chunk's lock.  poll() waits on the queue.
 */
static unsigned long *mmapdemo_huge_written;
static DECLARE_WAIT_QUEUE_HEAD(mmapdemo_huge_written_wait);

/* The chunk that holds the region's page @pgoff, or NULL past the end. */
static struct mmapdemo_chunk *mmapdemo_huge_chunk(pgoff_t pgoff)
{
	unsigned long i = pgoff >> MMAPDEMO_CHUNK_ORDER;

	return i < mmapdemo_nr_chunks ? &mmapdemo_chunks[i] : NULL;
}

static unsigned long mmapdemo_huge_pfn(struct mmapdemo_chunk *chunk,
				       pgoff_t pgoff)
{
	return page_to_pfn(chunk->page) + (pgoff & (MMAPDEMO_CHUNK_PAGES - 1));
}

/* Record a store to @nr pages from @pgoff; the chunk's lock is held. */
static void mmapdemo_huge_note_written(pgoff_t pgoff, unsigned long nr)
{
	bitmap_set(mmapdemo_huge_written, pgoff, nr);
	wake_up_interruptible_poll(&mmapdemo_huge_written_wait, EPOLLPRI);
}

/* A new VMA from an mmap() (7.x calls this; compat.h does before). */
static int mmapdemo_huge_vma_mapped(unsigned long start, unsigned long end,
				    pgoff_t pgoff, const struct file *file,
				    void **vm_private_data)
{
	atomic_long_inc(&mmapdemo_huge_dev.nr_mappings);
	return 0;
}

static void mmapdemo_huge_vma_open(struct vm_area_struct *vma)
{
	mmapdemo_vma_opened(&mmapdemo_huge_dev, vma);
}

static void mmapdemo_huge_vma_close(struct vm_area_struct *vma)
{
	mmapdemo_vma_closed(&mmapdemo_huge_dev, vma);
}

/*
 * Map a whole chunk with one PMD, or ask the core to fall back to page
 * faults: when the 2 MiB around the address do not lie inside the VMA, or
 * do not cover one chunk exactly.  May run holding only the VMA's lock.
 *
 * Whether the core offers a PMD can change under a running fault
 * (prctl(PR_SET_THP_DISABLE), MADV_NOHUGEPAGE), so a page fault in the same
 * 2 MiB may be putting a page table where we would put the PMD.  As DAX
 * does, both kinds of fault decide under one lock, the chunk's: the one
 * that comes second sees what the first made.
 */
static vm_fault_t mmapdemo_huge_pmd_fault(struct vm_fault *vmf,
					  mmapdemo_huge_order_t order)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long haddr = vmf->address & PMD_MASK;
	pgoff_t hpgoff = vmf->pgoff - ((vmf->address - haddr) >> PAGE_SHIFT);
	struct mmapdemo_chunk *chunk = mmapdemo_huge_chunk(hpgoff);
	vm_fault_t ret;

	if (order != MMAPDEMO_HUGE_ORDER_PMD)
		return VM_FAULT_FALLBACK;
	if (haddr < vma->vm_start || haddr + PMD_SIZE > vma->vm_end ||
	    hpgoff & (MMAPDEMO_CHUNK_PAGES - 1))
		return VM_FAULT_FALLBACK;
	if (!chunk)
		return mmapdemo_fault_done(&mmapdemo_huge_dev, vmf, 0,
					   VM_FAULT_SIGBUS);

	mutex_lock(&chunk->lock);
	if (!pmd_none(READ_ONCE(*vmf->pmd)) &&
	    !pmd_trans_huge(READ_ONCE(*vmf->pmd)))
		ret = VM_FAULT_FALLBACK; /* a page table is there */
	else
		ret = vmf_insert_pfn_pmd(vmf, mmapdemo_huge_pfn(chunk, hpgoff),
					 vmf->flags & FAULT_FLAG_WRITE);
	/* Mapped writable, whole: a report must unmap it first. */
	if (ret == VM_FAULT_NOPAGE && (vmf->flags & FAULT_FLAG_WRITE))
		mmapdemo_huge_note_written(hpgoff, MMAPDEMO_CHUNK_PAGES);
	mutex_unlock(&chunk->lock);
	return mmapdemo_fault_done(&mmapdemo_huge_dev, vmf,
				   MMAPDEMO_CHUNK_ORDER, ret);
}

/* The fallback: one 4 KiB entry for the page at vmf->pgoff. */
static vm_fault_t mmapdemo_huge_pte_fault(struct vm_fault *vmf)
{
	struct mmapdemo_chunk *chunk = mmapdemo_huge_chunk(vmf->pgoff);
	vm_fault_t ret;

	if (!chunk)
		return mmapdemo_fault_done(&mmapdemo_huge_dev, vmf, 0,
					   VM_FAULT_SIGBUS);

	mutex_lock(&chunk->lock);
	if (pmd_trans_huge(READ_ONCE(*vmf->pmd)))
		ret = VM_FAULT_NOPAGE; /* a PMD maps it: nothing to do */
	else
		ret = vmf_insert_pfn(vmf->vma, vmf->address,
				     mmapdemo_huge_pfn(chunk, vmf->pgoff));
	mutex_unlock(&chunk->lock);
	return mmapdemo_fault_done(&mmapdemo_huge_dev, vmf, 0, ret);
}

/*
 * The first store to a 4 KiB entry, which the fault mapped read-only:
 * record it, and make the entry writable ourselves, both under the chunk's
 * lock, under which a report unmaps.  Left to the core (return 0), the
 * entry is made writable after we return if pte_same() finds it unchanged,
 * and a report and another thread's read fault in between leave one that
 * looks the same: its stores would go unreported.  The page frame has no
 * page lock for the core to hold across that, as ->page_mkwrite has.
 */
static vm_fault_t mmapdemo_huge_pfn_mkwrite(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mmapdemo_chunk *chunk = mmapdemo_huge_chunk(vmf->pgoff);
	/* vm_page_prot is read-only: the write-notify protection */
	pgprot_t writable = vm_get_page_prot(vma->vm_flags);
	vm_fault_t ret;

	mutex_lock(&chunk->lock);
	mmapdemo_huge_note_written(vmf->pgoff, 1);
	zap_special_vma_range(vma, vmf->address, PAGE_SIZE);
	ret = vmf_insert_pfn_prot(vma, vmf->address,
				  mmapdemo_huge_pfn(chunk, vmf->pgoff),
				  writable);
	mutex_unlock(&chunk->lock);
	return mmapdemo_mkwrite_done(&mmapdemo_huge_dev, vmf, 0, ret);
}

static const struct vm_operations_struct mmapdemo_huge_vm_ops = {
	.open = mmapdemo_huge_vma_open,
	.close = mmapdemo_huge_vma_close,
	.huge_fault = IS_ENABLED(CONFIG_ARCH_SUPPORTS_PMD_PFNMAP) ?
			      mmapdemo_huge_pmd_fault :
			      NULL,
	.fault = mmapdemo_huge_pte_fault,
	.pfn_mkwrite = mmapdemo_huge_pfn_mkwrite,
	/* last: before 7.x it stands for nothing (compat.h) */
	MMAPDEMO_VMA_MAPPED(mmapdemo_huge_vma_mapped)
};

/*
 * Page frames, not refcounted pages; a fixed size, so mremap() may not
 * grow it; nothing for a core dump to read.
 */
static int mmapdemo_huge_mmap_prepare(struct vm_area_desc *desc)
{
	int err = 0;

	/* A PFN entry has no page for the core to copy: no copy-on-write. */
	if (vma_desc_is_cow_mapping(desc)) {
		err = -EINVAL;
		goto out;
	}
	vma_desc_set_flags(desc, VMA_PFNMAP_BIT, VMA_DONTEXPAND_BIT,
			   VMA_DONTDUMP_BIT);
	desc->vm_ops = &mmapdemo_huge_vm_ops;
out:
	return mmapdemo_mmap_done(&mmapdemo_huge_dev, desc, err);
}

DEFINE_MMAP_FROM_PREPARE(mmapdemo_huge_mmap_prepare, mmapdemo_huge_vma_mapped)

/*
 * Report the written pages of the range, and unmap them from every mapping:
 * each chunk under its lock, so that a fault that maps it writable again
 * records it again, for the next report.  Unmapping part of a 2 MiB entry
 * unmaps all of it; the pages outside the range stay recorded.
 */
static void mmapdemo_huge_report_written(struct mmapdemo_report *r)
{
	struct address_space *mapping = mmapdemo_huge_inode->i_mapping;
	pgoff_t end = min_t(pgoff_t, r->first + r->nr,
			    mmapdemo_nr_chunks * MMAPDEMO_CHUNK_PAGES);
	pgoff_t start = r->first, next;

	for (; start < end; start = next) {
		struct mmapdemo_chunk *chunk = mmapdemo_huge_chunk(start);
		unsigned long i;

		next = min(round_down(start, MMAPDEMO_CHUNK_PAGES) +
				   MMAPDEMO_CHUNK_PAGES,
			   end);
		mutex_lock(&chunk->lock);
		i = find_next_bit(mmapdemo_huge_written, next, start);
		if (i < next)
			unmap_mapping_pages(mapping, start, next - start,
					    false);
		for (; i < next;
		     i = find_next_bit(mmapdemo_huge_written, next, i + 1)) {
			__clear_bit(i, mmapdemo_huge_written);
			mmapdemo_report_pages(r, i, i + 1);
		}
		mutex_unlock(&chunk->lock);
		cond_resched();
	}
}

/* Record again the pages that @r reported: the user never got them. */
static void mmapdemo_huge_restore_written(const struct mmapdemo_report *r)
{
	pgoff_t end = min_t(pgoff_t, r->first + r->nr,
			    mmapdemo_nr_chunks * MMAPDEMO_CHUNK_PAGES);
	pgoff_t i;

	for (i = r->first; i < end; i++) {
		struct mmapdemo_chunk *chunk = mmapdemo_huge_chunk(i);

		if (!mmapdemo_reported(r, i, i + 1))
			continue;
		mutex_lock(&chunk->lock);
		mmapdemo_huge_note_written(i, 1);
		mutex_unlock(&chunk->lock);
	}
}

static const struct mmapdemo_written_ops mmapdemo_huge_written_ops = {
	.report = mmapdemo_huge_report_written,
	.restore = mmapdemo_huge_restore_written,
};

/* Every open shares one address_space, the region's. */
static int mmapdemo_huge_open(struct inode *inode, struct file *file)
{
	file->f_mapping = mmapdemo_huge_inode->i_mapping;
	return 0;
}

/* EPOLLPRI: writes not reported yet. */
static __poll_t mmapdemo_huge_poll(struct file *file, poll_table *wait)
{
	unsigned long nbits = mmapdemo_nr_chunks * MMAPDEMO_CHUNK_PAGES;

	poll_wait(file, &mmapdemo_huge_written_wait, wait);
	if (bitmap_empty(mmapdemo_huge_written, nbits))
		return DEFAULT_POLLMASK;
	return DEFAULT_POLLMASK | EPOLLPRI;
}

static long mmapdemo_huge_ioctl(struct file *file, unsigned int cmd,
				unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case MMAPDEMO_IOC_GET_INFO:
		return mmapdemo_ioctl_get_info(&mmapdemo_huge_dev, argp);
	case MMAPDEMO_IOC_WRITTEN:
		return mmapdemo_ioctl_written(argp, &mmapdemo_huge_written_ops);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations mmapdemo_huge_fops = {
	.owner = THIS_MODULE,
	.open = mmapdemo_huge_open,
	.llseek = noop_llseek,
	.fsync = noop_fsync,
	.poll = mmapdemo_huge_poll,
	.unlocked_ioctl = mmapdemo_huge_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	MMAPDEMO_FOP_MMAP(mmapdemo_huge_mmap_prepare),
	/* Place mappings so that address and offset agree modulo 2 MiB. */
	.get_unmapped_area = thp_get_unmapped_area,
};

static void mmapdemo_huge_info(struct mmapdemo_info *info)
{
	info->size = (u64)mmapdemo_nr_chunks << PMD_SHIFT;
	info->max_size = info->size;
	info->nr_pages = mmapdemo_nr_chunks * MMAPDEMO_CHUNK_PAGES;
}

static DEFINE_PER_CPU(struct mmapdemo_counts, mmapdemo_huge_counts);

struct mmapdemo_dev mmapdemo_huge_dev = {
	.misc = {
		.minor	= MISC_DYNAMIC_MINOR,
		.name	= "mmapdemo-huge",
		.fops	= &mmapdemo_huge_fops,
	},
	.id		= MMAPDEMO_DEV_HUGE,
	.counts		= &mmapdemo_huge_counts,
	.nr_mappings	= ATOMIC_LONG_INIT(0),
	.fill_info	= mmapdemo_huge_info,
};

/* Called when nothing maps the region any more, or when init fails. */
void mmapdemo_huge_exit(void)
{
	unsigned long i;

	/* Also after a failed load, perhaps before the chunks were had. */
	for (i = 0; mmapdemo_chunks && i < mmapdemo_nr_chunks; i++)
		if (mmapdemo_chunks[i].page)
			__free_pages(mmapdemo_chunks[i].page,
				     MMAPDEMO_CHUNK_ORDER);
	kfree(mmapdemo_chunks);
	bitmap_free(mmapdemo_huge_written);
	if (!IS_ERR_OR_NULL(mmapdemo_huge_inode))
		iput(mmapdemo_huge_inode);
}

/*
 * The whole region, zeroed, at load: a load that cannot find @size bytes
 * in 2 MiB pieces fails with ENOMEM, not a fault later.
 */
int mmapdemo_huge_init(unsigned long size)
{
	unsigned long i, nbits;

	mmapdemo_huge_inode = mmapdemo_new_inode();
	if (IS_ERR(mmapdemo_huge_inode))
		return PTR_ERR(mmapdemo_huge_inode);
	mmapdemo_nr_chunks = size >> PMD_SHIFT;
	nbits = mmapdemo_nr_chunks * MMAPDEMO_CHUNK_PAGES;
	mmapdemo_huge_written = bitmap_zalloc(nbits, GFP_KERNEL);
	mmapdemo_chunks = kcalloc(mmapdemo_nr_chunks, sizeof(*mmapdemo_chunks),
				  GFP_KERNEL);
	if (!mmapdemo_huge_written ||
	    (!mmapdemo_chunks && mmapdemo_nr_chunks)) {
		mmapdemo_huge_exit();
		return -ENOMEM;
	}
	for (i = 0; i < mmapdemo_nr_chunks; i++) {
		struct mmapdemo_chunk *chunk = &mmapdemo_chunks[i];

		mutex_init(&chunk->lock);
		chunk->page = alloc_pages(GFP_HIGHUSER | __GFP_ZERO |
						  __GFP_COMP | __GFP_NOWARN,
					  MMAPDEMO_CHUNK_ORDER);
		if (!chunk->page) {
			mmapdemo_huge_exit();
			return -ENOMEM;
		}
	}
	return 0;
}
