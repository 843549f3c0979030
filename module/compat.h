/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The differences between the kernel APIs that mmapdemo uses on Linux 6.1,
 * 6.12 and 7.x, in one place, so that the rest of the code reads as if
 * written for the newest kernel.  Version guards live here and nowhere else
 * (checkpatch's LINUX_VERSION_CODE warning is waived for this file only).
 * Where a symbol is merely missing on an older kernel, it is defined here
 * under the kernel's own name.
 */
#ifndef MMAPDEMO_COMPAT_H
#define MMAPDEMO_COMPAT_H

#include <linux/anon_inodes.h>
#include <linux/build_bug.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/huge_mm.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
/*
 * Before 6.3 the page-cache lookups returned NULL for a missing folio; since
 * then they return ERR_PTR(-ENOENT).  Give 6.1 the new convention.
 */
static inline struct folio *mmapdemo_get_folio(struct address_space *mapping,
					       pgoff_t index)
{
	return filemap_get_folio(mapping, index) ?: ERR_PTR(-ENOENT);
}

static inline struct folio *mmapdemo_lock_folio(struct address_space *mapping,
						pgoff_t index)
{
	return filemap_lock_folio(mapping, index) ?: ERR_PTR(-ENOENT);
}

/* vm_flags became read-only, set through helpers, in 6.3. */
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}
#else
#define mmapdemo_get_folio filemap_get_folio
#define mmapdemo_lock_folio filemap_lock_folio
#endif

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 4, 0)
/* Per-VMA locks came in 6.4; before, every fault holds mmap_lock. */
#define FAULT_FLAG_VMA_LOCK 0
#endif

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 5, 0)
/* splice() read through ->read_iter() had this name before 6.5. */
#define copy_splice_read generic_file_splice_read
#endif

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 6, 0)
/*
 * Before 6.6, ->huge_fault() took the size of the entry to make as an enum
 * page_entry_size; since, as a page order.  Both compile with either
 * prototype, silently, so the guard matters.
 */
#define mmapdemo_huge_order_t enum page_entry_size
#define MMAPDEMO_HUGE_ORDER_PMD PE_SIZE_PMD
#else
#define mmapdemo_huge_order_t unsigned int
#define MMAPDEMO_HUGE_ORDER_PMD PMD_ORDER
#endif

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
/*
 * An anonymous file with an inode of its own arrived in 6.7 (verified on
 * 6.12); before, every anonymous file shares one inode, and with it one
 * i_mmap tree for all their mappings.
 */
static inline struct file *
anon_inode_create_getfile(const char *name, const struct file_operations *fops,
			  void *priv, int flags,
			  const struct inode *context_inode)
{
	return anon_inode_getfile(name, fops, priv, flags);
}
#endif

/*
 * Since 6.14 ("filemap: move prefaulting out of hot write path") tmpfs no
 * longer faults a write's source in before it starts: it moves i_size to
 * where the write begins, then copies.  A source that maps the gap so made
 * reads zeroes, and a write that copies nothing leaves the file that long.
 * Before, such a write failed with EFAULT and changed nothing.  (6.12 and
 * 7.3 checked.)
 */
#define MMAPDEMO_WRITE_GROWS_FIRST \
	(LINUX_VERSION_CODE >= KERNEL_VERSION(6, 14, 0))

/*
 * A 2 MiB folio that a shrink cuts stays whole (buffer.c).  The core must
 * then not map it with one PMD, which would reach past the end: finish_fault()
 * and filemap_map_pages() check i_size first since "mm/memory: do not
 * populate page table entries beyond i_size" (6.18, and 6.12.59 in the
 * stable series; checked in Debian's 6.12.118 and 7.3.4).  6.1 maps it
 * whole, so there the buffer keeps to pages.
 */
#define MMAPDEMO_HAVE_SAFE_LARGE_FOLIOS \
	(LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 59))

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 17, 0)
/*
 * Until pfn_t went away (6.17: 6.12 has it, 7.2 not), the insert functions
 * took one.
 */
#include <linux/pfn_t.h>
#define vmf_insert_mixed(vma, addr, pfn) \
	vmf_insert_mixed(vma, addr, pfn_to_pfn_t(pfn))
#define vmf_insert_pfn_pmd(vmf, pfn, write) \
	vmf_insert_pfn_pmd(vmf, pfn_to_pfn_t(pfn), write)
#endif

#if LINUX_VERSION_CODE < KERNEL_VERSION(7, 1, 0)
/*
 * Zapping a driver's entries in one VMA had this name until 7.1 (6.12
 * checked; 7.2 and 7.3 have the new one).
 */
#define zap_special_vma_range zap_vma_ptes
#endif

#if LINUX_VERSION_CODE < KERNEL_VERSION(7, 3, 0)
/* 7.3 asks the VMA; before, its flags. */
static inline bool vma_is_cow_mapping(const struct vm_area_struct *vma)
{
	return is_cow_mapping(vma->vm_flags);
}
#endif

#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 2, 0)
/*
 * ->mmap_prepare() describes the mapping to make in a struct vm_area_desc,
 * and vm_ops->mapped() hears of each new VMA that results (both checked
 * against the 7.2 and 7.3 headers; the hook came in 6.16, with flags in a
 * different form until about 7.0).
 */
#define MMAPDEMO_FOP_MMAP(fn) .mmap_prepare = (fn)
#define MMAPDEMO_VMA_MAPPED(fn) .mapped = (fn)
#define DEFINE_MMAP_FROM_PREPARE(prepare, mapped)

/* /dev/zero makes a shared object for what the caller asked: MAP_SHARED. */
#define MMAPDEMO_ZERO_SHARED_BIT VMA_MAYSHARE_BIT
#else
/*
 * Older kernels call ->mmap() with the VMA already built.  The devices
 * still describe their mappings with ->mmap_prepare(), and get a ->mmap()
 * (DEFINE_MMAP_FROM_PREPARE()) that runs it on a description of the VMA,
 * then does with the result what 7.x's __mmap_region() does: installs a
 * new file, adds the flags, sets vm_ops and vm_private_data, takes the
 * action asked for, and calls the ->mapped() that 7.x would call from
 * vm_ops.
 */
/*
 * What ->mmap_prepare() asks the core to do once the VMA exists (7.x has
 * more kinds): the one mmapdemo uses, map these pages now, which
 * mmapdemo_mmap_from_prepare() below does with vm_insert_pages().
 */
enum mmap_action_type {
	MMAP_NOTHING,
	MMAP_MAP_KERNEL_PAGES,
};

struct mmap_action {
	struct {
		unsigned long start;
		struct page **pages;
		unsigned long nr_pages;
	} map_kernel;
	enum mmap_action_type type;
};

struct vm_area_desc {
	struct mm_struct *mm;
	struct file *file;
	unsigned long start;
	unsigned long end;
	pgoff_t pgoff;
	struct file *vm_file;
	vm_flags_t vm_flags;
	pgprot_t page_prot;
	const struct vm_operations_struct *vm_ops;
	void *private_data;
	struct mmap_action action;
};

/* The flags are masks here, bit numbers in 7.x: use them only as below. */
#define VMA_SHARED_BIT VM_SHARED
#define VMA_MAYSHARE_BIT VM_MAYSHARE
#define VMA_PFNMAP_BIT VM_PFNMAP
#define VMA_DONTEXPAND_BIT VM_DONTEXPAND
#define VMA_DONTDUMP_BIT VM_DONTDUMP
#define VMA_IO_BIT VM_IO

#define vma_desc_test(desc, bit) (!!((desc)->vm_flags & (bit)))
/* Up to four flags: a fifth fails the build rather than go missing. */
#define __vma_desc_or(a, b, c, d, e, ...) \
	((a) | (b) | (c) | (d) | BUILD_BUG_ON_ZERO(e))
#define vma_desc_set_flags(desc, ...) \
	((desc)->vm_flags |= __vma_desc_or(__VA_ARGS__, 0, 0, 0, 0))

/*
 * /dev/zero made a shared object for VM_SHARED mappings only until 7.x:
 * MAP_SHARED of a read-only fd was private anonymous memory there.
 */
#define MMAPDEMO_ZERO_SHARED_BIT VMA_SHARED_BIT

static inline unsigned long vma_desc_pages(const struct vm_area_desc *desc)
{
	return (desc->end - desc->start) >> PAGE_SHIFT;
}

static inline bool vma_desc_is_cow_mapping(struct vm_area_desc *desc)
{
	return is_cow_mapping(desc->vm_flags);
}

static inline void mmap_action_map_kernel_pages_full(struct vm_area_desc *desc,
						     struct page **pages)
{
	desc->action.type = MMAP_MAP_KERNEL_PAGES;
	desc->action.map_kernel.start = desc->start;
	desc->action.map_kernel.pages = pages;
	desc->action.map_kernel.nr_pages = vma_desc_pages(desc);
}

typedef int (*mmapdemo_mapped_t)(unsigned long start, unsigned long end,
				 pgoff_t pgoff, const struct file *file,
				 void **vm_private_data);

static inline int
mmapdemo_mmap_from_prepare(struct file *file, struct vm_area_struct *vma,
			   int (*prepare)(struct vm_area_desc *),
			   mmapdemo_mapped_t mapped)
{
	struct vm_area_desc desc = {
		.mm = vma->vm_mm,
		.file = file,
		.start = vma->vm_start,
		.end = vma->vm_end,
		.pgoff = vma->vm_pgoff,
		.vm_file = vma->vm_file,
		.vm_flags = vma->vm_flags,
		.page_prot = vma->vm_page_prot,
		.vm_ops = vma->vm_ops,
	};
	int err;

	err = prepare(&desc);
	/* A new file comes with a reference for the core to take over. */
	if (desc.vm_file != vma->vm_file) {
		if (!err)
			vma_set_file(vma, desc.vm_file);
		fput(desc.vm_file);
	}
	if (err)
		return err;
	vm_flags_set(vma, desc.vm_flags & ~vma->vm_flags);
	vma->vm_ops = desc.vm_ops;
	vma->vm_private_data = desc.private_data;
	if (desc.action.type == MMAP_MAP_KERNEL_PAGES) {
		unsigned long nr = desc.action.map_kernel.nr_pages;

		err = vm_insert_pages(vma, desc.action.map_kernel.start,
				      desc.action.map_kernel.pages, &nr);
		if (err)
			return err;
	}
	return mapped(vma->vm_start, vma->vm_end, vma->vm_pgoff, vma->vm_file,
		      &vma->vm_private_data);
}

#define MMAPDEMO_FOP_MMAP(fn) .mmap = fn##_mmap
#define MMAPDEMO_VMA_MAPPED(fn)
#define DEFINE_MMAP_FROM_PREPARE(prepare, mapped)                              \
	static int prepare##_mmap(struct file *file,                           \
				  struct vm_area_struct *vma)                  \
	{                                                                      \
		return mmapdemo_mmap_from_prepare(file, vma, prepare, mapped); \
	}
#endif

#endif /* MMAPDEMO_COMPAT_H */
