// SPDX-License-Identifier: GPL-2.0
/*
 * The buffer behind /dev/mmapdemo: a file that lives in driver memory.
 *
 * Its pages live in the page cache of one inode on a private pseudo
 * filesystem, the way tmpfs and ramfs keep theirs.  That one address_space
 * gives us three things a mapping driver needs:
 *  - its i_mmap tree links every VMA of every open in every process, so a
 *    shrink finds and unmaps them all (file.c points each open's f_mapping
 *    here);
 *  - the page lock orders a fault against a concurrent shrink;
 *  - i_size is the buffer's size, which the core's fault code also checks.
 *
 * Rules, kept by writers and resizes under the inode lock (i_rwsem);
 * readers take no lock and rely on the order below (mmapdemo_buf_read()):
 *  - every page below i_size is in the page cache, zeroed when it was added,
 *    and dirty, so nothing may drop it (we never write pages back: the
 *    pseudo filesystem's backing device has no writeback);
 *  - no page wholly beyond i_size is, except while a grow or write runs:
 *    pages are added before i_size grows over them, and a shrink sets
 *    i_size before it removes them;
 *  - the bytes of the last page beyond i_size are zeroed before i_size grows
 *    over them: what a mapping stored there is never persisted.
 *
 * And the record of what userspace wrote (MMAPDEMO_IOC_WRITTEN): an entry
 * in mmapdemo_written per folio, at its first page, added with the folio
 * (so that no fault allocates) and removed with it, marked
 * MMAPDEMO_WRITTEN while the folio was written since last reported.  The
 * mark is set, under the folio's lock, before a shared mapping may store to
 * the folio (mmapdemo_file_page_mkwrite()); by write() after it stores to
 * the folio, holding no folio lock; again for a report the user never got;
 * and by a report whose range, once it cleared the mark, no longer reaches
 * the end of a file that grew meanwhile (both can only report too much).
 * It is cleared, under the folio's lock, after the folio is write-protected
 * in every mapping again.  A mark never fails to be set once the entry is
 * there.
 */
#include <linux/mount.h>
#include <linux/pagemap.h>
#include <linux/pseudo_fs.h>
#include <linux/rmap.h>
#include <linux/sched/signal.h>
#include <linux/uio.h>
#include <linux/xarray.h>

#include "mmapdemo.h"

#define MMAPDEMO_FS_MAGIC 0x6d6d6170 /* "mmap" */

static struct vfsmount *mmapdemo_mnt;
static struct inode *mmapdemo_inode;

/* Folios written, marked until reported; poll() waits on the queue. */
static DEFINE_XARRAY(mmapdemo_written);
#define MMAPDEMO_WRITTEN XA_MARK_0
static DECLARE_WAIT_QUEUE_HEAD(mmapdemo_written_wait);

static int mmapdemo_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, MMAPDEMO_FS_MAGIC) ? 0 : -ENOMEM;
}

/*
 * Never registered, so userspace cannot mount it.  No .owner: a mount pins
 * the owner module, and this mount lives until module exit.
 */
static struct file_system_type mmapdemo_fs_type = {
	.name = "mmapdemo",
	.init_fs_context = mmapdemo_init_fs_context,
	.kill_sb = kill_anon_super,
};

/* Dirty pages stay dirty: there is nowhere to write them back to. */
static const struct address_space_operations mmapdemo_aops = {
	.dirty_folio = noop_dirty_folio,
};

struct address_space *mmapdemo_buf_mapping(void)
{
	return mmapdemo_inode->i_mapping;
}

/* Another inode on our filesystem, for a device that needs an i_mmap tree. */
struct inode *mmapdemo_new_inode(void)
{
	return alloc_anon_inode(mmapdemo_mnt->mnt_sb);
}

/* 2 MiB folios where they fit (the large_folios parameter), and fallbacks. */
static bool mmapdemo_large_folios;
static atomic_long_t mmapdemo_large_fallbacks = ATOMIC_LONG_INIT(0);

/*
 * Put a zeroed folio of 1 << @order pages at @index; one already there is
 * left as it is.  A grow that userspace asks for may be large: when memory
 * (or the memory cgroup) runs out, fail it with ENOMEM rather than invoke
 * the OOM killer, quietly.
 */
static int mmapdemo_buf_add_folio(struct address_space *mapping, pgoff_t index,
				  unsigned int order)
{
	gfp_t gfp = mapping_gfp_mask(mapping) | __GFP_RETRY_MAYFAIL |
		    __GFP_NOWARN;
	struct folio *folio;
	int err;

	folio = folio_alloc(gfp | __GFP_ZERO, order);
	if (!folio)
		return -ENOMEM;
	/*
	 * Its entry in the record of writes, now, so that a write only marks
	 * it.  -EBUSY: a folio starts there already.
	 */
	err = xa_insert(&mmapdemo_written, index, xa_mk_value(1UL << order),
			GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL |
				__GFP_NOWARN);
	if (err) {
		folio_put(folio);
		return err == -EBUSY ? -EEXIST : err;
	}

	/* Charges the folio to our memory cgroup and returns it locked. */
	err = filemap_add_folio(mapping, folio, index, gfp);
	if (!err) {
		folio_mark_uptodate(folio);
		folio_mark_dirty(folio);
		folio_unlock(folio);
	} else {
		xa_erase(&mmapdemo_written, index);
	}
	folio_put(folio); /* the page cache holds its own reference */
	return err;
}

/*
 * Zero the page at @index, which a 2 MiB folio that a shrink kept whole
 * (mmapdemo_buf_set_size()) still holds beyond the old end.
 */
static int mmapdemo_buf_zero_page(struct address_space *mapping, pgoff_t index)
{
	struct folio *folio = mmapdemo_get_folio(mapping, index);

	if (IS_ERR(folio))
		return PTR_ERR(folio);
	folio_zero_range(folio,
			 offset_in_folio(folio, (loff_t)index << PAGE_SHIFT),
			 PAGE_SIZE);
	folio_put(folio);
	return 0;
}

/*
 * Add the memory at @index, whose range being filled ends before @end:
 * one page, or, an optimisation, a whole 2 MiB folio where the range covers
 * an aligned 2 MiB of the buffer.  The core maps such a folio with one PMD
 * (finish_fault() and filemap_map_pages() call do_set_pmd()) where the
 * mapping is aligned to match (mmapdemo_file_get_unmapped_area()).  Failing
 * that, it falls back to a page, never to a failed grow.  Returns the
 * pages added (or found there already), or an errno.
 */
static long mmapdemo_buf_add(struct address_space *mapping, pgoff_t index,
			     pgoff_t end)
{
	int err;

	if (mmapdemo_large_folios &&
	    IS_ALIGNED(index, 1UL << MMAPDEMO_PMD_ORDER) &&
	    end - index >= 1UL << MMAPDEMO_PMD_ORDER) {
		if (!mmapdemo_buf_add_folio(mapping, index, MMAPDEMO_PMD_ORDER))
			return 1L << MMAPDEMO_PMD_ORDER;
		atomic_long_inc(&mmapdemo_large_fallbacks);
	}
	err = mmapdemo_buf_add_folio(mapping, index, 0);
	if (err == -EEXIST)
		err = mmapdemo_buf_zero_page(mapping, index);
	return err ?: 1;
}

/* Zero what a mapping may have stored beyond @size in the last page. */
static void mmapdemo_buf_zero_tail(struct address_space *mapping, loff_t size)
{
	size_t offset = offset_in_page(size);
	struct folio *folio;

	if (!offset)
		return;
	folio = mmapdemo_get_folio(mapping, size >> PAGE_SHIFT);
	if (IS_ERR(folio))
		return;
	folio_zero_range(folio, offset_in_folio(folio, size),
			 PAGE_SIZE - offset);
	folio_put(folio);
}

/* Forget the folios from page @index on: they are being removed. */
static void mmapdemo_buf_forget_written(pgoff_t index)
{
	unsigned long i;
	void *entry;

	xa_for_each_start(&mmapdemo_written, i, entry, index) {
		xa_erase(&mmapdemo_written, i);
		cond_resched();
	}
}

/*
 * Remove the buffer's pages from byte @from on, which i_size no longer
 * covers, as truncate_pagecache() does: unmap them from every VMA on our
 * i_mmap tree (private copy-on-write copies too), free them (each under its
 * page lock, which orders us against a fault that found the page), then
 * unmap once more in case a private mapping copied a page meanwhile.  That
 * also zeroes what lies past @from in its page, as on tmpfs.
 *
 * A 2 MiB folio that @from cuts stays whole: we hold a reference, so the
 * core cannot split it.  Splitting it would drop the tail beyond the end as
 * written-back dirty memory, which it never counted as dirty for a mapping
 * like ours that writes nothing back (a crash in 7.3, split_folio() being
 * no module's to call first).  Truncation zeroes the part beyond the end,
 * which faults and read() never reach.
 */
static void mmapdemo_buf_cut(struct inode *inode, loff_t from)
{
	struct folio *cut =
		mmapdemo_get_folio(inode->i_mapping, from >> PAGE_SHIFT);

	truncate_pagecache(inode, from);
	mmapdemo_buf_forget_written(DIV_ROUND_UP(from, PAGE_SIZE));
	if (!IS_ERR(cut))
		folio_put(cut);
}

/*
 * Make [@old, @new) of the buffer zeroes, ready for i_size to cover it.  The
 * pages are allocated now, by the caller, so that the task that grows the
 * buffer pays for it, not whoever happens to fault on it later.
 */
static int mmapdemo_buf_extend(struct inode *inode, loff_t old, loff_t new)
{
	struct address_space *mapping = inode->i_mapping;
	pgoff_t index = DIV_ROUND_UP(old, PAGE_SIZE);
	pgoff_t end = DIV_ROUND_UP(new, PAGE_SIZE);
	int err = 0;

	mmapdemo_buf_zero_tail(mapping, old);
	while (index < end) {
		long n = mmapdemo_buf_add(mapping, index, end);

		err = n < 0 ? n : fatal_signal_pending(current) ? -EINTR : 0;
		if (err)
			goto remove_added;
		index += n;
		cond_resched();
	}
	return 0;

remove_added:
	mmapdemo_buf_cut(inode, old);
	return err;
}

/*
 * Mark the folio at @index written, and wake poll().  The barrier in
 * wq_has_sleeper() pairs with the one after poll_wait(): either poll() sees
 * the mark, or we see it waiting.
 */
static void mmapdemo_buf_mark_written(pgoff_t index)
{
	xa_set_mark(&mmapdemo_written, index, MMAPDEMO_WRITTEN);
	if (wq_has_sleeper(&mmapdemo_written_wait))
		wake_up_interruptible_poll(&mmapdemo_written_wait, EPOLLPRI);
}

/*
 * Make sure that @folio has its entry in the record of writes: a folio has
 * one from when it was added, unless the core split it since; then it gets
 * one now.  The caller holds the folio (locked, or by a reference), so that
 * it cannot split meanwhile.  Returns 0, or -ENOMEM.
 */
static int mmapdemo_buf_add_written_entry(struct folio *folio)
{
	int err;

	if (xa_load(&mmapdemo_written, folio->index))
		return 0;
	err = xa_insert(&mmapdemo_written, folio->index,
			xa_mk_value(folio_nr_pages(folio)), GFP_KERNEL_ACCOUNT);
	return err == -EBUSY ? 0 : err;
}

/**
 * mmapdemo_buf_note_written() - record that a mapping is about to store
 * @folio: the folio, locked by a caller that lets a mapping store to it
 *
 * Marked before the store: the caller keeps the folio locked until the
 * entry is writable, and a report write-protects under that lock, so a
 * store that has not landed by the report faults, and marks, again.
 * write() stores through no entry, and marks after it stores instead
 * (mmapdemo_buf_store()).
 *
 * Return: 0, or -ENOMEM.
 */
int mmapdemo_buf_note_written(struct folio *folio)
{
	int err;

	/* Marked already, not reported yet: nothing to do. */
	if (xa_get_mark(&mmapdemo_written, folio->index, MMAPDEMO_WRITTEN))
		return 0;
	err = mmapdemo_buf_add_written_entry(folio);
	if (!err)
		mmapdemo_buf_mark_written(folio->index);
	return err;
}

/*
 * Whether a range that ends at page @last covers the folio of @nr pages at
 * @index up to its end, or up to the end of the file if that comes first:
 * past it, a folio a shrink cut holds nothing to report.
 */
static bool mmapdemo_covers(struct address_space *mapping, pgoff_t index,
			    unsigned long nr, pgoff_t last)
{
	pgoff_t end = DIV_ROUND_UP(i_size_read(mapping->host), PAGE_SIZE);

	return index < end && min(index + nr, end) - 1 <= last;
}

/**
 * mmapdemo_buf_report_written() - report and re-arm the written folios
 * @r: the range to look at, and the bits to set
 *
 * Each written folio that the range covers whole (up to the end of the
 * file, for one a shrink cut) is write-protected in every mapping, then
 * unmarked, both under its lock: a store before the write-protect is in
 * this report, and one after it faults and waits in
 * mmapdemo_file_page_mkwrite() for the lock, then marks the folio again
 * for the next report.  A folio that reaches outside the range is reported
 * but stays marked, for the pages outside.
 */
static void mmapdemo_buf_report_written(struct mmapdemo_report *r)
{
	struct address_space *mapping = mmapdemo_inode->i_mapping;
	pgoff_t last = r->first + r->nr - 1;
	/* A folio that starts before the range may reach into it. */
	unsigned long index = round_down(r->first, 1UL << MMAPDEMO_PMD_ORDER);
	void *entry;

	for (entry = xa_find(&mmapdemo_written, &index, last, MMAPDEMO_WRITTEN);
	     entry; entry = xa_find_after(&mmapdemo_written, &index, last,
					  MMAPDEMO_WRITTEN)) {
		unsigned long nr = xa_to_value(entry);
		struct folio *folio;
		pgoff_t end;

		if (index + nr <= r->first)
			continue;
		folio = mmapdemo_lock_folio(mapping, index);
		if (IS_ERR(folio))
			continue; /* a shrink removes it, and forgets it */
		/*
		 * Under the lock, the entry as it is now: a shrink and a grow
		 * since xa_find() may have put a larger folio there.
		 */
		entry = xa_load(&mmapdemo_written, index);
		nr = max(entry ? xa_to_value(entry) : 0, folio_nr_pages(folio));
		if (entry && index >= r->first &&
		    mmapdemo_covers(mapping, index, nr, last)) {
			folio_mkclean(folio);
			xa_clear_mark(&mmapdemo_written, index,
				      MMAPDEMO_WRITTEN);
			/*
			 * A write() holds no folio lock: one that grew the file
			 * over the rest of the folio marked it after it moved
			 * i_size.  If it did before our clear, i_size shows it
			 * now, and the folio is marked again for those pages.
			 */
			if (!mmapdemo_covers(mapping, index, nr, last))
				mmapdemo_buf_mark_written(index);
		}
		folio_unlock(folio);
		folio_put(folio);
		/*
		 * Never a page beyond the end, of a folio a shrink cut.  Read
		 * after the mark is cleared, for the same reason.
		 */
		end = DIV_ROUND_UP(i_size_read(mapping->host), PAGE_SIZE);
		mmapdemo_report_pages(r, index, min(index + nr, end));
		cond_resched();
	}
}

/* Mark again the folios that @r reported: the user never got them. */
static void mmapdemo_buf_restore_written(const struct mmapdemo_report *r)
{
	unsigned long index;
	void *entry;

	xa_for_each_range(&mmapdemo_written, index, entry,
			  round_down(r->first, 1UL << MMAPDEMO_PMD_ORDER),
			  r->first + r->nr - 1) {
		if (mmapdemo_reported(r, index, index + xa_to_value(entry)))
			mmapdemo_buf_mark_written(index);
	}
}

const struct mmapdemo_written_ops mmapdemo_buf_written_ops = {
	.report = mmapdemo_buf_report_written,
	.restore = mmapdemo_buf_restore_written,
};

/* Whether there are writes not reported yet, for poll(). */
__poll_t mmapdemo_buf_poll_written(struct file *file, poll_table *wait)
{
	poll_wait(file, &mmapdemo_written_wait, wait);
	smp_mb(); /* pairs with wq_has_sleeper() in mmapdemo_buf_mark_written() */
	return xa_marked(&mmapdemo_written, MMAPDEMO_WRITTEN) ? EPOLLPRI : 0;
}

int mmapdemo_buf_set_size(loff_t size)
{
	struct inode *inode = mmapdemo_inode;
	loff_t old;
	int err = 0;

	inode_lock(inode);
	old = i_size_read(inode);
	/* As ftruncate(): RLIMIT_FSIZE (SIGXFSZ), then max_size: EFBIG. */
	err = inode_newsize_ok(inode, size);
	if (err)
		goto unlock;
	if (size > old) {
		err = mmapdemo_buf_extend(inode, old, size);
		if (!err)
			i_size_write(inode, size);
	} else {
		/*
		 * Like ftruncate(): i_size first, then the pages.  Even to
		 * the same size: that zeroes what lies past it in the last
		 * page, as on tmpfs.
		 */
		i_size_write(inode, size);
		mmapdemo_buf_cut(inode, size);
	}
unlock:
	inode_unlock(inode);
	mmapdemo_resized(old, size, err);
	return err;
}

/*
 * Store @len bytes from @from in the buffer at @pos.  Each page is held by a
 * reference, not its lock: the copy may fault on a mapping of this very
 * buffer, and our fault handler takes the page lock.
 *
 * Each missing page is added as the copy reaches it, so that a huge write
 * from a small buffer allocates no more than it copies, and i_size moves
 * along as the data lands, as tmpfs does: a source that maps the buffer
 * just past its old end becomes readable as the write proceeds.  A short
 * copy that made progress is retried for that reason.  Returns the bytes
 * copied, or an errno if none were.
 */
static ssize_t mmapdemo_buf_store(struct address_space *mapping, loff_t pos,
				  size_t len, struct iov_iter *from)
{
	size_t done = 0;
	int err = -EFAULT;

	while (done < len) {
		pgoff_t index = (pos + done) >> PAGE_SHIFT;
		size_t offset = offset_in_page(pos + done);
		size_t n = min_t(size_t, len - done, PAGE_SIZE - offset);
		struct folio *folio;
		size_t copied;

		folio = mmapdemo_get_folio(mapping, index);
		if (IS_ERR(folio)) {
			/* Whole pages the write covers may be a 2 MiB folio. */
			pgoff_t end = (pos + len) >> PAGE_SHIFT;
			long added = mmapdemo_buf_add(mapping, index, end);

			err = added < 0 ? added : 0;
			if (err)
				break;
			folio = mmapdemo_get_folio(mapping, index);
			if (IS_ERR(folio))
				break;
		}
		/*
		 * The folio's entry before the copy, where it can still fail
		 * with nothing stored; the mark after it, so that poll() wakes
		 * a watcher only once it would read our data.
		 */
		err = mmapdemo_buf_add_written_entry(folio);
		if (err) {
			folio_put(folio);
			break;
		}
		copied = copy_page_from_iter(folio_file_page(folio, index),
					     offset, n, from);
		/* Nothing copied means no byte stored: nothing to record. */
		if (!copied) {
			folio_put(folio);
			err = -EFAULT;
			break;
		}
		flush_dcache_folio(folio);
		done += copied;
		if (pos + done > i_size_read(mapping->host))
			i_size_write(mapping->host, pos + done);
		/* After i_size: a report reads it after it clears the mark. */
		mmapdemo_buf_mark_written(folio->index);
		folio_put(folio);
	}
	return done ?: err;
}

/*
 * read() takes no lock, as tmpfs's filemap_read() takes none: a reader whose
 * buffer is slow to fault in (userfaultfd, FUSE) must not hold up writers
 * and resizes.  Each page is held by a reference while it is copied, and
 * i_size is read after the page is found: a shrink sets i_size before it
 * removes pages, so a page beyond the end is never read, and a page removed
 * while we copy it still holds what the file held.
 */
ssize_t mmapdemo_buf_read(struct kiocb *iocb, struct iov_iter *to)
{
	struct address_space *mapping = mmapdemo_inode->i_mapping;
	ssize_t done = 0;

	while (iov_iter_count(to)) {
		loff_t pos = iocb->ki_pos, size;
		size_t offset = offset_in_page(pos), n, copied;
		struct folio *folio;

		folio = mmapdemo_get_folio(mapping, pos >> PAGE_SHIFT);
		if (IS_ERR(folio))
			break;
		/* The page before the size: see filemap_read(). */
		smp_rmb();
		size = i_size_read(mapping->host);
		if (pos >= size) {
			folio_put(folio);
			break;
		}
		n = min_t(size_t, iov_iter_count(to), PAGE_SIZE - offset);
		n = min_t(loff_t, n, size - pos);
		copied = copy_page_to_iter(folio_file_page(folio,
							   pos >> PAGE_SHIFT),
					   offset, n, to);
		folio_put(folio);
		done += copied;
		iocb->ki_pos += copied;
		if (copied < n)
			return done ?: -EFAULT;
		if (fatal_signal_pending(current))
			break;
		cond_resched();
	}
	return done;
}

ssize_t mmapdemo_buf_write(struct kiocb *iocb, struct iov_iter *from)
{
	struct inode *inode = mmapdemo_inode;
	loff_t size, end;
	ssize_t ret;

	inode_lock(inode);
	/* O_APPEND, RLIMIT_FSIZE and EFBIG past max_size (our s_maxbytes). */
	ret = generic_write_checks(iocb, from);
	if (ret <= 0)
		goto unlock;

	size = i_size_read(inode);
	end = iocb->ki_pos + ret;
	/* Clear the old tail, and fill a gap before the write with zeroes. */
	if (end > size) {
		int err = mmapdemo_buf_extend(inode, size,
					      max(size, iocb->ki_pos));

		if (err) {
			ret = err;
			goto unlock;
		}
		/* As tmpfs on this kernel does (compat.h). */
		if (MMAPDEMO_WRITE_GROWS_FIRST && iocb->ki_pos > size)
			i_size_write(inode, iocb->ki_pos);
	}

	ret = mmapdemo_buf_store(inode->i_mapping, iocb->ki_pos, ret, from);
	if (ret > 0)
		iocb->ki_pos += ret;
	/* After a short copy, give back the new pages it did not fill. */
	if (end > i_size_read(inode))
		mmapdemo_buf_cut(inode, i_size_read(inode));
unlock:
	inode_unlock(inode);
	return ret;
}

/*
 * How many 2 MiB folios the buffer holds now: a walk of its page cache,
 * where a large folio is one entry, as filemap's own walks see it.
 */
static unsigned long mmapdemo_buf_large_folios(struct address_space *mapping)
{
	XA_STATE(xas, &mapping->i_pages, 0);
	struct folio *folio;
	unsigned long n = 0;

	rcu_read_lock();
	xas_for_each(&xas, folio, ULONG_MAX) {
		if (xas_retry(&xas, folio) || xa_is_value(folio))
			continue;
		n += folio_order(folio) == MMAPDEMO_PMD_ORDER;
	}
	rcu_read_unlock();
	return n;
}

void mmapdemo_buf_info(struct mmapdemo_info *info)
{
	struct inode *inode = mmapdemo_inode;

	info->size = i_size_read(inode);
	info->max_size = inode->i_sb->s_maxbytes;
	info->nr_pages = READ_ONCE(inode->i_mapping->nrpages);
	info->large_folios = mmapdemo_buf_large_folios(inode->i_mapping);
	info->large_fallbacks = atomic_long_read(&mmapdemo_large_fallbacks);
}

int mmapdemo_buf_init(loff_t size, loff_t max_size, bool large_folios)
{
	int err;

	mmapdemo_large_folios = large_folios;

	mmapdemo_mnt = kern_mount(&mmapdemo_fs_type);
	if (IS_ERR(mmapdemo_mnt))
		return PTR_ERR(mmapdemo_mnt);
	/* generic_write_checks() gives EFBIG for writes beyond this. */
	mmapdemo_mnt->mnt_sb->s_maxbytes = max_size;

	mmapdemo_inode = alloc_anon_inode(mmapdemo_mnt->mnt_sb);
	if (IS_ERR(mmapdemo_inode)) {
		err = PTR_ERR(mmapdemo_inode);
		goto unmount;
	}
	mmapdemo_inode->i_mapping->a_ops = &mmapdemo_aops;
	/* As ramfs: no page migration (no aops for it), no reclaim. */
	mapping_set_gfp_mask(mmapdemo_inode->i_mapping, GFP_HIGHUSER);
	mapping_set_unevictable(mmapdemo_inode->i_mapping);
	if (large_folios)
		mapping_set_large_folios(mmapdemo_inode->i_mapping);

	err = mmapdemo_buf_set_size(size);
	if (err)
		goto put_inode;
	return 0;

put_inode:
	iput(mmapdemo_inode);
unmount:
	kern_unmount(mmapdemo_mnt);
	return err;
}

/* Called when no file and so no mapping is left: frees every page. */
void mmapdemo_buf_exit(void)
{
	iput(mmapdemo_inode);
	kern_unmount(mmapdemo_mnt);
	xa_destroy(&mmapdemo_written);
}
