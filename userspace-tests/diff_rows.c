// SPDX-License-Identifier: GPL-2.0
/*
 * The checks that the rows of diff_divergences.c name: what each intended
 * difference must look like beyond the return value, and how the reference
 * is brought back to the device's state after it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "diff_test.h"

/*
 * Read a page of a mapping into @buf, whatever its protection: through
 * /proc/self/mem, which may override it (FOLL_FORCE), else, where the
 * kernel forces only for a tracer (CONFIG_PROC_MEM_FORCE_PTRACE), by
 * lending the page PROT_READ for the copy.  False where it cannot be read
 * (SIGBUS, no VMA).
 */
static bool force_read(char *a, unsigned char *buf)
{
	int v, prot;
	bool ok;

	if (mem_read(a, buf, ps) == (ssize_t)ps)
		return true;
	read_maps();
	v = vma_at(a);
	if (v < 0)
		return false;
	prot = perms_prot(vmas[v].perms);
	if (mprotect(a, ps, prot | PROT_READ))
		return false;
	ok = peek(a).sig == 0;
	if (ok)
		memcpy(buf, a, ps);
	return !mprotect(a, ps, prot) && ok;
}

/* Write @buf over a page of a mapping, whatever its protection. */
static bool force_write(char *a, const unsigned char *buf)
{
	int v, prot;

	if (mem_write(a, buf, ps) == (ssize_t)ps)
		return true;
	/* A shared mapping without PROT_WRITE: lend it one for the copy. */
	read_maps();
	v = vma_at(a);
	if (v < 0)
		return false;
	prot = perms_prot(vmas[v].perms);
	if (mprotect(a, ps, PROT_READ | PROT_WRITE))
		return false;
	memcpy(a, buf, ps);
	return !mprotect(a, ps, prot);
}

/*
 * MADV_REMOVE: a hole is punched with vfs_fallocate(), which a character
 * device does not have.  Before: what the device's pages hold.
 */
void remove_before(struct ctx *c)
{
	const struct op *op = c->op;
	const struct side *d = &c->q->p->dev;

	for (int i = 0; i < op->npg; i++)
		if (!force_read(slot_addr(d, op->slot, op->pg + i),
				c->pre[0] + i * ps))
			memset(c->pre[0] + i * ps, 0xa5, ps);
}

/*
 * Where the reference got as far as vfs_fallocate() (0, or EFBIG beyond
 * its s_maxbytes), the device stops there: it is not a regular file.
 */
void remove_expect(struct ctx *c, long *ret, int *err)
{
	*ret = SAME;
	if (c->rr->ret == 0 || c->rr->err == EFBIG) {
		*ret = -1;
		*err = ENODEV;
	}
}

/*
 * The device kept its data, the reference's pages read zero: then the
 * reference gets the device's data back.
 */
bool remove_then(struct ctx *c)
{
	const struct op *op = c->op;
	struct seq *q = c->q;
	const struct side *d = &q->p->dev, *r = &q->p->ref;
	unsigned char *buf = scratch[0];

	if (c->rr->ret)
		return true;

	for (int i = 0; i < op->npg; i++) {
		char *da = slot_addr(d, op->slot, op->pg + i);
		char *ra = slot_addr(r, op->slot, op->pg + i);
		bool dok = force_read(da, buf);

		if (dok && memcmp(buf, c->pre[0] + i * ps, ps)) {
			snprintf(q->why, sizeof(q->why),
				 "MADV_REMOVE: page %d changed on the device",
				 op->pg + i);
			return false;
		}
		if (force_read(ra, buf + ps) &&
		    hash_bytes(buf + ps, ps) != zero_hash) {
			snprintf(
				q->why, sizeof(q->why),
				"MADV_REMOVE: page %d of the reference is not a hole",
				op->pg + i);
			return false;
		}
		if (!q->p->file && dok && !force_write(ra, buf)) {
			snprintf(
				q->why, sizeof(q->why),
				"MADV_REMOVE: cannot copy page %d to the reference",
				op->pg + i);
			return false;
		}
	}
	if (q->p->file && !file_sync(q)) {
		snprintf(q->why, sizeof(q->why),
			 "MADV_REMOVE: cannot resync the file");
		return false;
	}
	return true;
}

/*
 * MADV_FREE: the reference's pages are now lazily freed, dropped at the next
 * reclaim (MADV_PAGEOUT) while the device's stay.  Store to them again, so
 * they are the reference's to keep, as the device's are.
 */
bool free_then(struct ctx *c)
{
	const struct op *op = c->op;
	const struct side *r = &c->q->p->ref;

	for (int i = 0; i < op->npg; i++) {
		char *a = slot_addr(r, op->slot, op->pg + i);

		/* A page of zeroes reads the same, dropped or not. */
		if (force_read(a, scratch[0]) &&
		    hash_bytes(scratch[0], ps) != zero_hash &&
		    !force_write(a, scratch[0])) {
			snprintf(
				c->q->why, sizeof(c->q->why),
				"MADV_FREE: cannot store to page %d of the reference",
				op->pg + i);
			return false;
		}
	}
	return true;
}

/* The file grows from a size that is not page aligned. */
bool grows_unaligned(struct ctx *c)
{
	const struct op *op = c->op;
	long long end = op->type == OP_RESIZE ? op->pos : op->pos + op->len;

	return c->size % ps && end > c->size;
}

/* Before: the last page, tail included, on both sides. */
void tail_before(struct ctx *c)
{
	const struct pair *p = c->q->p;

	if (!file_page(&p->dev, c->size / ps, c->pre[0], false) ||
	    !file_page(&p->ref, c->size / ps, c->pre[1], false))
		memset(c->pre[1], 0xa5, ps);
}

/*
 * What a shared mapping stored beyond the end in the last page: the device
 * zeroes it when the file grows over it (before a write copies anything), a
 * memfd keeps it.  So a write whose source is a mapping of that very tail
 * writes zeroes on the device.  Then the reference gets the device's file.
 */
bool tail_then(struct ctx *c)
{
	const struct op *op = c->op;
	struct seq *q = c->q;
	long long idx = c->size / ps, w0 = 0, w1 = 0, n = c->rr->ret;
	unsigned char *d = scratch[0], *r = scratch[1];

	if (op->type == OP_PWRITE && n > 0) {
		w0 = op->pos - idx * ps;
		w1 = w0 + n;
		/* What was written: the same, or zeroes read from the tail. */
		if (pread(q->p->dev.iofd, d, n, op->pos) != n ||
		    pread(q->p->ref.iofd, r, n, op->pos) != n) {
			snprintf(q->why, sizeof(q->why),
				 "cannot read what was written");
			return false;
		}
		for (long long i = 0; i < n; i++)
			if (d[i] != r[i] && (op->slot < 0 || d[i])) {
				snprintf(
					q->why, sizeof(q->why),
					"byte %lld written: %#x on dev, %#x on ref",
					op->pos + i, d[i], r[i]);
				return false;
			}
	}
	if (!file_page(&q->p->dev, idx, d, false) ||
	    !file_page(&q->p->ref, idx, r, false)) {
		snprintf(q->why, sizeof(q->why), "cannot map the page at %lld",
			 idx * (long long)ps);
		return false;
	}
	for (long long i = c->size % ps; i < (long long)ps; i++) {
		if (i >= w0 && i < w1)
			continue;
		if (d[i] || r[i] != c->pre[1][i]) {
			snprintf(
				q->why, sizeof(q->why),
				"byte %lld (beyond the old end %lld): %#x on dev (expected 0), %#x on ref (expected %#x, what it held)",
				idx * (long long)ps + i, c->size, d[i], r[i],
				c->pre[1][i]);
			return false;
		}
	}
	if (!file_sync(q)) {
		snprintf(q->why, sizeof(q->why), "cannot resync the file");
		return false;
	}
	return true;
}

/*
 * An offset beyond MAX_LFS_FILESIZE: the core refuses it for a regular
 * file, the device in its ->get_unmapped_area().
 */
bool beyond_lfs(struct ctx *c)
{
	uint64_t pgoff = (uint64_t)c->op->pos / ps, n = c->op->npg;

	return pgoff + n > (uint64_t)LLONG_MAX / ps;
}

/*
 * The core checks a regular file's offset after MAP_FIXED_NOREPLACE's
 * overlap check; the device checks it in ->get_unmapped_area(), before:
 * where the reference says EEXIST, the device says EOVERFLOW.
 */
void lfs_expect(struct ctx *c, long *ret, int *err)
{
	*ret = c->rr->ret;
	*err = c->rr->err == EEXIST ? EOVERFLOW : c->rr->err;
}

bool huge_shared(struct ctx *c)
{
	return (c->op->flags & MAP_TYPE) != MAP_PRIVATE;
}

bool huge_then(struct ctx *c)
{
	if (c->rd->sig || c->rd->data) {
		snprintf(c->q->why, sizeof(c->q->why),
			 "the device's huge mapping does not read zero");
		return false;
	}
	return true;
}
