// SPDX-License-Identifier: GPL-2.0
/*
 * Mapping /dev/mmapdemo: the two file-backed kinds, MAP_SHARED and
 * MAP_PRIVATE (copy-on-write).
 *
 * mmap() maps nothing.  The core checks the request (length and offset, the
 * open mode against PROT_WRITE on a shared mapping, MAP_SHARED_VALIDATE's
 * flags), asks mmapdemo_file_get_unmapped_area() where to put it, and,
 * holding mmap_lock for writing, has mmapdemo_file_mmap_prepare() describe
 * the mapping: it only names our vm_operations.  The core builds the VMA
 * from that description and calls ->mapped().  Pages arrive on first
 * touch.  The core picks one of three paths (mm/memory.c), and each ends in
 * our mmapdemo_file_fault():
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
 * Write notification: because we have ->page_mkwrite(), the core maps the
 * pages of a shared writable mapping read-only (vma_wants_writenotify()),
 * and calls mmapdemo_file_page_mkwrite() before it lets the first store to
 * each page through: from do_shared_fault(), after our ->fault, for a page
 * not mapped yet, and from wp_page_shared() for a page a read mapped, or
 * that MMAPDEMO_IOC_WRITTEN write-protected again.  So a write fault on a
 * page a read mapped never reaches ->fault.
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
 * page cache, so the page cache's own filemap_map_pages() does that work.
 * And because we have ->map_pages, Linux 6.7 and later run our ->fault
 * under the VMA's own lock instead of mmap_lock (see vmf_can_call_fault()):
 * the core takes it as the sign that the file's fault code needs nothing
 * that mmap_lock protects.
 */
#include <linux/mm.h>
#include <linux/pagemap.h>

#include "mmapdemo.h"

/* A new VMA from an mmap() (7.x calls this; compat.h does before). */
int mmapdemo_file_vma_mapped(unsigned long start, unsigned long end,
			     pgoff_t pgoff, const struct file *file,
			     void **vm_private_data)
{
	atomic_long_inc(&mmapdemo_file_dev.nr_mappings);
	return 0;
}

/* Called for the new VMA of a fork, a split or an mremap() move. */
static void mmapdemo_file_vma_open(struct vm_area_struct *vma)
{
	mmapdemo_vma_opened(&mmapdemo_file_dev, vma);
}

/* Called for every VMA that goes away, whole or as a split-off part. */
static void mmapdemo_file_vma_close(struct vm_area_struct *vma)
{
	mmapdemo_vma_closed(&mmapdemo_file_dev, vma);
}

/*
 * Fault-around: map the buffer's pages from @start to @end (file offsets, in
 * pages, inside the VMA and one page table) that are in the page cache,
 * uptodate, unlocked and not mapped yet.  The core calls it for a read
 * fault, holding mmap_lock or the VMA's lock and rcu_read_lock(), so it
 * must not sleep; it has preallocated the page table.  Returns
 * VM_FAULT_NOPAGE if the faulting page got mapped: then ->fault is not
 * called.
 */
static vm_fault_t mmapdemo_file_map_pages(struct vm_fault *vmf, pgoff_t start,
					  pgoff_t end)
{
	vm_fault_t ret = filemap_map_pages(vmf, start, end);

	return mmapdemo_around_done(&mmapdemo_file_dev, vmf, start, end, ret);
}

/*
 * Serve one page.  Runs with mmap_lock or the VMA's lock held for reading,
 * and may sleep.  vmf->pgoff is the page's offset in the file: the core
 * keeps it right across VMA splits and mremap(), so never compute it from
 * the address.
 */
static vm_fault_t mmapdemo_file_fault(struct vm_fault *vmf)
{
	struct inode *inode = vmf->vma->vm_file->f_mapping->host;
	struct folio *folio;
	vm_fault_t ret;

	/* No page: beyond the end of the buffer. */
	folio = mmapdemo_lock_folio(inode->i_mapping, vmf->pgoff);
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
	if (vmf->pgoff >= DIV_ROUND_UP(i_size_read(inode), PAGE_SIZE)) {
		folio_unlock(folio);
		folio_put(folio);
		ret = VM_FAULT_SIGBUS;
		goto out;
	}

	vmf->page = folio_file_page(folio, vmf->pgoff);
	ret = VM_FAULT_LOCKED;
out:
	return mmapdemo_fault_done(&mmapdemo_file_dev, vmf, 0, ret);
}

/*
 * The first store to a page of a shared mapping: record it, for
 * MMAPDEMO_IOC_WRITTEN, before the core lets it through.  May sleep.  We
 * return the page locked; the core makes it writable, then unlocks it, so
 * a report, which write-protects the page under that lock, cannot come in
 * between.  A 2 MiB folio is recorded whole: the core may map all of it
 * writable, with one PMD.  With a ->page_mkwrite the core leaves the file's
 * mtime to us, as filemap_page_mkwrite() knows.
 */
static vm_fault_t mmapdemo_file_page_mkwrite(struct vm_fault *vmf)
{
	struct inode *inode = vmf->vma->vm_file->f_mapping->host;
	struct folio *folio = page_folio(vmf->page);
	vm_fault_t ret = VM_FAULT_LOCKED;
	int err;

	file_update_time(vmf->vma->vm_file);
	folio_lock(folio);
	/* Cut by a shrink since the core found it: let the access retry. */
	if (folio->mapping != inode->i_mapping ||
	    vmf->pgoff >= DIV_ROUND_UP(i_size_read(inode), PAGE_SIZE)) {
		folio_unlock(folio);
		ret = VM_FAULT_NOPAGE;
		goto out;
	}

	err = mmapdemo_buf_note_written(folio);
	if (err) {
		folio_unlock(folio);
		ret = vmf_error(err);
	}
out:
	return mmapdemo_mkwrite_done(&mmapdemo_file_dev, vmf, 0, ret);
}

static const struct vm_operations_struct mmapdemo_file_vm_ops = {
	.open = mmapdemo_file_vma_open,
	.close = mmapdemo_file_vma_close,
	.fault = mmapdemo_file_fault,
	.map_pages = mmapdemo_file_map_pages,
	.page_mkwrite = mmapdemo_file_page_mkwrite,
	/* last: before 7.x it stands for nothing (compat.h) */
	MMAPDEMO_VMA_MAPPED(mmapdemo_file_vma_mapped)
};

/*
 * Where to map: anywhere, as for any file, but a regular file ends at
 * MAX_LFS_FILESIZE, and a memfd refuses offsets beyond it.  The check is
 * here because the core calls this for every mmap(), before it builds or
 * merges anything; it may extend an existing VMA of the same file over a
 * new mmap() without calling ->mmap() (6.12) or ->mapped() (7.x).
 */
unsigned long mmapdemo_file_get_unmapped_area(struct file *file,
					      unsigned long addr,
					      unsigned long len,
					      unsigned long pgoff,
					      unsigned long flags)
{
	if (pgoff + (len >> PAGE_SHIFT) > MAX_LFS_FILESIZE >> PAGE_SHIFT)
		return -EOVERFLOW;
	return thp_get_unmapped_area(file, addr, len, pgoff, flags);
}

/*
 * Both kinds take the same path here: whether a mapping is shared or private
 * only matters at fault time, and the core decides it from VM_SHARED.  No VM
 * flag is set: the VMA holds ordinary page-cache pages, so mlock, mremap,
 * madvise, /proc/pid/mem and GUP all work as on a tmpfs file.  Like every
 * ->mmap_prepare(), it only describes: the mapping may still fail, or be
 * merged into a VMA that exists.
 */
int mmapdemo_file_mmap_prepare(struct vm_area_desc *desc)
{
	desc->vm_ops = &mmapdemo_file_vm_ops;
	return mmapdemo_mmap_done(&mmapdemo_file_dev, desc, 0);
}
