/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few differences between the kernel APIs that mmapdemo uses on Linux
 * 6.1 and on 6.12, in one place, so that the rest of the code reads as if
 * written for the newer kernel.  Version guards live here and nowhere else
 * (checkpatch's LINUX_VERSION_CODE warning is waived for this file only).
 */
#ifndef MMAPDEMO_COMPAT_H
#define MMAPDEMO_COMPAT_H

#include <linux/err.h>
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
#else
#define mmapdemo_get_folio filemap_get_folio
#define mmapdemo_lock_folio filemap_lock_folio
#endif

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 4, 0)
/* Faults hold only mmap_lock before 6.4, which added per-VMA locks. */
#define MMAPDEMO_FAULT_FLAG_VMA_LOCK 0
#else
#define MMAPDEMO_FAULT_FLAG_VMA_LOCK FAULT_FLAG_VMA_LOCK
#endif
/* @fn where faults may run under a VMA's own lock, else NULL. */
#define MMAPDEMO_IF_VMA_LOCKS(fn) \
	(IS_ENABLED(CONFIG_PER_VMA_LOCK) ? (fn) : NULL)

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
/* vm_flags became read-only, set through helpers, in 6.3. */
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}
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

#endif /* MMAPDEMO_COMPAT_H */
