// SPDX-License-Identifier: GPL-2.0
/*
 * Mapping /dev/mmapdemo: the two file-backed kinds, MAP_SHARED and
 * MAP_PRIVATE (copy-on-write).
 *
 * mmap() maps nothing.  The core checks the request (length and offset, the
 * open mode against PROT_WRITE on a shared mapping, MAP_SHARED_VALIDATE's
 * flags), builds the VMA and, holding mmap_lock for writing, calls
 * mmapdemo_file_mmap(), which only hangs our vm_operations on it.  Pages
 * arrive one at a time, on first touch, through mmapdemo_file_fault().  The
 * core picks one of three paths (mm/memory.c), and all three call it:
 *
 *                  first access is a read     first access is a write
 *   MAP_SHARED     do_read_fault()            do_shared_fault()
 *   MAP_PRIVATE    do_read_fault()            do_cow_fault()
 *
 * Our handler returns the buffer's page, locked and with a reference.  Then:
 *  - do_read_fault() maps that page (read-only in a private mapping);
 *  - do_shared_fault() maps it writable and marks it dirty: stores go
 *    straight into the buffer, seen by read() and every other mapping;
 *  - do_cow_fault() has already allocated an anonymous page, charged to the
 *    faulting process; it copies our page into it and maps the copy.  Our
 *    page is only read, then unlocked and released.
 * Either way the core unlocks the page after mapping it, and the page table
 * keeps our reference until the page is unmapped.
 *
 * A private mapping shows the buffer's own page until it stores to it, and
 * so sees later writes to the buffer, as a memfd mapping does.  Its first
 * store to a page that a read mapped never reaches us: the core copies the
 * page in do_wp_page().  From then on the copy is the process's own.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/pagemap.h>

#include "compat.h"
#include "mmapdemo.h"

static DEFINE_PER_CPU(struct mmapdemo_fault_counts, mmapdemo_file_faults);

struct mmapdemo_stats mmapdemo_file_stats = {
	.faults		= &mmapdemo_file_faults,
	.nr_mappings	= ATOMIC_LONG_INIT(0),
};

/* Called for the new VMA of a fork, a split or an mremap() move. */
static void mmapdemo_file_vma_open(struct vm_area_struct *vma)
{
	atomic_long_inc(&mmapdemo_file_stats.nr_mappings);
}

/* Called for every VMA that goes away, whole or as a split-off part. */
static void mmapdemo_file_vma_close(struct vm_area_struct *vma)
{
	atomic_long_dec(&mmapdemo_file_stats.nr_mappings);
}

/*
 * Serve one page.  Runs with mmap_lock held for reading and may sleep.
 * vmf->pgoff is the page's offset in the file: the core keeps it right
 * across VMA splits and mremap(), so never compute it from the address.
 */
static vm_fault_t mmapdemo_file_fault(struct vm_fault *vmf)
{
	struct address_space *mapping = vmf->vma->vm_file->f_mapping;
	struct folio *folio;

	/* No page: beyond the end of the buffer. */
	folio = mmapdemo_lock_folio(mapping, vmf->pgoff);
	if (IS_ERR(folio))
		return VM_FAULT_SIGBUS;

	/*
	 * A shrink sets i_size first, then removes each page under its lock.
	 * Holding the lock, a page beyond i_size is one being removed: the
	 * access gets SIGBUS, as beyond the end of any file.  A page within
	 * i_size stays until we unlock it, and the shrink's unmap then finds
	 * the PTE the core is about to install.
	 */
	if (vmf->pgoff >= DIV_ROUND_UP(i_size_read(mapping->host), PAGE_SIZE)) {
		folio_unlock(folio);
		folio_put(folio);
		return VM_FAULT_SIGBUS;
	}

	mmapdemo_count_fault(&mmapdemo_file_stats, vmf);
	vmf->page = folio_file_page(folio, vmf->pgoff);
	return VM_FAULT_LOCKED;
}

static const struct vm_operations_struct mmapdemo_file_vm_ops = {
	.open	= mmapdemo_file_vma_open,
	.close	= mmapdemo_file_vma_close,
	.fault	= mmapdemo_file_fault,
};

/*
 * Both kinds take the same path here: whether a mapping is shared or private
 * only matters at fault time, and the core decides it from VM_SHARED.  No VM
 * flag is set: the VMA holds ordinary page-cache pages, so mlock, mremap,
 * madvise, /proc/pid/mem and GUP all work as on a tmpfs file.
 */
int mmapdemo_file_mmap(struct file *file, struct vm_area_struct *vma)
{
	/* A regular file ends at MAX_LFS_FILESIZE: refuse as memfd does. */
	if (vma->vm_pgoff + vma_pages(vma) > MAX_LFS_FILESIZE >> PAGE_SHIFT)
		return -EOVERFLOW;

	vma->vm_ops = &mmapdemo_file_vm_ops;
	mmapdemo_file_vma_open(vma);
	return 0;
}
