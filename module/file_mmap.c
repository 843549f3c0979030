// SPDX-License-Identifier: GPL-2.0
/*
 * Mapping /dev/mmapdemo: the two file-backed kinds, MAP_SHARED and
 * MAP_PRIVATE (copy-on-write).
 *
 * mmap() maps nothing.  The core checks the request (length and offset, the
 * open mode against PROT_WRITE on a shared mapping, MAP_SHARED_VALIDATE's
 * flags), builds the VMA and, holding mmap_lock for writing, calls
 * mmapdemo_file_mmap(), which only hangs our vm_operations on it.  Pages
 * arrive on first touch.  The core picks one of three paths (mm/memory.c),
 * and each ends in our mmapdemo_file_fault():
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
 *
 * Fewer faults: before do_read_fault() calls our handler it asks
 * mmapdemo_file_map_pages() to map the pages around the faulting one that
 * are ready (fault-around, 16 by default: fault_around_bytes in debugfs),
 * so a sequential reader faults once per window.  Our buffer lives in the
 * page cache, so the page cache's own filemap_map_pages() does that work;
 * mmapdemo_file_fault() does the same for a write to a shared mapping.  And
 * because we have ->map_pages, Linux 6.4 and later run our handlers under
 * the VMA's own lock instead of mmap_lock (see vmf_can_call_fault()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/userfaultfd_k.h>

#include "mmapdemo.h"
#include "mmapdemo_trace.h"

/* Pages a write to a shared mapping maps at once: fault-around's default. */
#define MMAPDEMO_WRITE_AROUND 16

/* Called for the new VMA of a fork, a split or an mremap() move. */
static void mmapdemo_file_vma_open(struct vm_area_struct *vma)
{
	atomic_long_inc(&mmapdemo_file_dev.nr_mappings);
	trace_mmapdemo_vma_open(MMAPDEMO_DEV_FILE, vma);
}

/* Called for every VMA that goes away, whole or as a split-off part. */
static void mmapdemo_file_vma_close(struct vm_area_struct *vma)
{
	atomic_long_dec(&mmapdemo_file_dev.nr_mappings);
	trace_mmapdemo_vma_close(MMAPDEMO_DEV_FILE, vma);
}

/*
 * Map the buffer's pages from @start to @end (file offsets, in pages) that
 * are in the page cache, unlocked and not mapped yet.  Runs under RCU and
 * must not sleep.  Returns VM_FAULT_NOPAGE if the faulting page is mapped.
 */
static vm_fault_t mmapdemo_file_map_pages(struct vm_fault *vmf, pgoff_t start,
					  pgoff_t end)
{
	vm_fault_t ret = filemap_map_pages(vmf, start, end);

	mmapdemo_count(&mmapdemo_file_dev, MMAPDEMO_AROUND, 1);
	mmapdemo_count(&mmapdemo_file_dev, MMAPDEMO_AROUND_PAGES,
		       end - start + 1);
	trace_mmapdemo_map_pages(MMAPDEMO_DEV_FILE, vmf, start, end, ret);
	return ret;
}

/*
 * A first write to a shared mapping: map the whole window around it at once,
 * writable and dirty, as fault-around does for reads.  The window is the one
 * do_fault_around() computes: aligned, inside the VMA and inside one page
 * table.  The core has preallocated that page table for us (__do_fault()).
 * Not while userfaultfd watches the VMA: it must see every fault.
 */
static vm_fault_t mmapdemo_file_write_around(struct vm_fault *vmf,
					     unsigned long *pages)
{
	struct vm_area_struct *vma = vmf->vma;
	pgoff_t pte_off = pte_index(vmf->address);
	pgoff_t vma_off = vmf->pgoff - vma->vm_pgoff;
	pgoff_t from_pte, to_pte;

	if (uffd_disable_fault_around(vma))
		return 0;
	from_pte = max(ALIGN_DOWN(pte_off, MMAPDEMO_WRITE_AROUND),
		       pte_off - min(pte_off, vma_off));
	to_pte = min3(from_pte + MMAPDEMO_WRITE_AROUND, (pgoff_t)PTRS_PER_PTE,
		      pte_off + vma_pages(vma) - vma_off) -
		 1;
	*pages = to_pte - from_pte + 1;
	return mmapdemo_file_map_pages(vmf, vmf->pgoff + from_pte - pte_off,
				       vmf->pgoff + to_pte - pte_off);
}

/*
 * Serve one page.  Runs with mmap_lock or the VMA's lock held for reading,
 * and may sleep.  vmf->pgoff is the page's offset in the file: the core
 * keeps it right across VMA splits and mremap(), so never compute it from
 * the address.
 */
static vm_fault_t mmapdemo_file_fault(struct vm_fault *vmf)
{
	struct address_space *mapping = vmf->vma->vm_file->f_mapping;
	bool shared_write = (vmf->flags & FAULT_FLAG_WRITE) &&
			    (vmf->vma->vm_flags & VM_SHARED);
	unsigned long pages = 1;
	struct folio *folio;
	vm_fault_t ret;

	if (shared_write) {
		ret = mmapdemo_file_write_around(vmf, &pages);
		if (ret & VM_FAULT_NOPAGE) {
			mmapdemo_count_fault(&mmapdemo_file_dev, vmf);
			goto out;
		}
		pages = 1;
	}

	/* No page: beyond the end of the buffer. */
	folio = mmapdemo_lock_folio(mapping, vmf->pgoff);
	if (IS_ERR(folio)) {
		ret = VM_FAULT_SIGBUS;
		goto out;
	}

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
		ret = VM_FAULT_SIGBUS;
		goto out;
	}

	mmapdemo_count_fault(&mmapdemo_file_dev, vmf);
	vmf->page = folio_file_page(folio, vmf->pgoff);
	if ((vmf->flags & FAULT_FLAG_WRITE) && !shared_write)
		trace_mmapdemo_cow(MMAPDEMO_DEV_FILE, vmf, vmf->page);
	ret = VM_FAULT_LOCKED;
out:
	trace_mmapdemo_fault(MMAPDEMO_DEV_FILE, vmf, ret,
			     ret & VM_FAULT_ERROR ? 0 : pages);
	return ret;
}

static const struct vm_operations_struct mmapdemo_file_vm_ops = {
	.open = mmapdemo_file_vma_open,
	.close = mmapdemo_file_vma_close,
	.fault = mmapdemo_file_fault,
	.map_pages = mmapdemo_file_map_pages,
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
	atomic_long_inc(&mmapdemo_file_dev.nr_mappings);
	trace_mmapdemo_mmap(MMAPDEMO_DEV_FILE, vma);
	return 0;
}
