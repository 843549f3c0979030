// SPDX-License-Identifier: GPL-2.0
/*
 * diff_test's generator: each step of a sequence drawn from its seed, by
 * weights per kind of pair, around what the slots map now (the device
 * side's last observation), often at the edges: the end of the file, the
 * last page of a VMA, a page beyond the size.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "diff_test.h"

/* Uniform in [0, n). */
int rnd(struct seq *q, int n)
{
	return n > 1 ? (int)(splitmix64(&q->rng) % (uint64_t)n) : 0;
}

bool chance(struct seq *q, int percent)
{
	return rnd(q, 100) < percent;
}

static int pick_slot(struct seq *q, bool mapped)
{
	int cand[NSLOTS] = { 0 }, n = 0;

	for (int s = 0; s < NSLOTS; s++)
		if (!!q->obs[0].slot[s].nvma == mapped)
			cand[n++] = s;
	return n ? cand[rnd(q, n)] : -1;
}

/* Pages [pg, pg + npg) around what the slot maps. */
static void pick_range(struct seq *q, struct op *op)
{
	int e = q->obs[0].slot[op->slot].extent, max;

	if (chance(q, 25)) {
		op->pg = 0;
		op->npg = e;
		return;
	}
	op->pg = rnd(q, e + chance(q, 10));
	max = e - op->pg;
	if (max < 1 || chance(q, 10))
		max = e - op->pg + 2;
	op->npg = 1 + rnd(q, max);
	if (op->pg + op->npg > WIN)
		op->npg = WIN - op->pg;
}

/*
 * The slot's pages cut where either side has a VMA boundary: each segment
 * [va, vb) lies in one VMA on both sides.  The two sides may merge VMAs
 * differently (a VMA with vm_ops->close is never merged away), so an
 * operation that must stay within one VMA uses these.
 */
static int segments(const struct seq *q, int slot, int *va, int *vb)
{
	const struct slot_obs *d = &q->obs[0].slot[slot];
	const struct slot_obs *r = &q->obs[1].slot[slot];
	int n = 0;

	for (int pg = 0; pg < WIN; pg++) {
		if (d->vid[pg] < 0)
			continue;
		if (!n || vb[n - 1] != pg || d->vid[pg] != d->vid[pg - 1] ||
		    r->vid[pg] != r->vid[pg - 1])
			va[n++] = pg;
		vb[n - 1] = pg + 1;
	}
	return n;
}

/* Pages within one segment. */
static void pick_in_vma(struct seq *q, struct op *op)
{
	int va[WIN], vb[WIN], n = segments(q, op->slot, va, vb), v;

	v = rnd(q, n);
	op->pg = va[v] + rnd(q, vb[v] - va[v]);
	op->npg = 1 + rnd(q, vb[v] - op->pg);
}

static int pick_prot(struct seq *q)
{
	int x = rnd(q, 100);

	return x < 55 ? PROT_READ | PROT_WRITE :
	       x < 80 ? PROT_READ :
	       x < 90 ? PROT_NONE :
			PROT_WRITE;
}

/* A byte offset in a page, often beyond the end of the file in its last. */
static int pick_off(struct seq *q)
{
	long long tail = q->obs[0].size % ps;

	if (q->p->file && tail && chance(q, 30))
		return (int)tail + rnd(q, (int)(ps - tail));
	if (chance(q, 15))
		return chance(q, 50) ? 0 : (int)ps - 1;
	return rnd(q, (int)ps);
}

static void gen_mmap(struct seq *q, struct op *op)
{
	long long fpages = (q->obs[0].size + ps - 1) / ps;
	/* The last page offset a regular file may map, plus one. */
	uint64_t lim = (uint64_t)LLONG_MAX / ps + 1;
	int x;

	op->type = OP_MMAP;
	op->slot = pick_slot(q, false);
	if (op->slot < 0 || chance(q, 20)) {
		op->slot = rnd(q, NSLOTS);
		op->pg = rnd(q, q->obs[0].slot[op->slot].extent + 1);
		op->flags = chance(q, 85) ? MAP_FIXED : MAP_FIXED_NOREPLACE;
	} else if (chance(q, 10)) {
		op->flags = MAP_FIXED_NOREPLACE;
	}
	op->npg = 1 + rnd(q, MAXLEN);
	if (op->pg + op->npg > WIN)
		op->npg = WIN - op->pg;
	x = rnd(q, 100);
	/* MAP_ANONYMOUS has no file to validate flags against. */
	op->flags |= x < 45	? MAP_SHARED :
		     x < 90	? MAP_PRIVATE :
		     q->p->nofd ? MAP_SHARED :
				  MAP_SHARED_VALIDATE;
	if (chance(q, 10))
		op->flags |= MAP_POPULATE;
	if (chance(q, 5))
		op->flags |= MAP_NORESERVE;
	op->prot = pick_prot(q);
	op->ro = !q->p->nofd && chance(q, 15);
	x = rnd(q, 100);
	if (q->p->nofd)
		op->pos = 0;
	else if (q->p->file && x < 4)
		op->pos = (long long)((lim - op->npg) * ps);
	else if (q->p->file && x < 8)
		op->pos = (long long)((lim - op->npg + 1) * ps);
	else if (q->p->file && x < 10)
		op->pos = -(long long)ps;
	else if (q->p->file)
		op->pos = rnd(q, (int)fpages + 3) * (long long)ps;
	else if (x < 5)
		op->pos = (long long)((lim - op->npg) * ps);
	else if (x < 30)
		op->pos = (1 + rnd(q, 4)) * (long long)ps;
}

static void gen_mremap(struct seq *q, struct op *op)
{
	const struct slot_obs *so = &q->obs[0].slot[op->slot];
	int va[WIN], vb[WIN], ns = segments(q, op->slot, va, vb);
	int a = va[ns - 1], n = vb[ns - 1] - a;
	int to = pick_slot(q, false), x = rnd(q, 100);

	/* The slot's last segment: nothing but the guard after it. */
	op->pg = a;
	op->npg = n;
	if (to >= 0 && x < 25) {
		op->slot2 = to;
		op->flags = MREMAP_MAYMOVE | MREMAP_FIXED;
		op->arg = 1 + rnd(q, MAXLEN);
		/* A copy (old size 0) of a shared mapping. */
		if (chance(q, 30) && so->perms[a][3] == 's')
			op->npg = 0;
	} else if (n > 1 && x < 45) {
		op->arg = 1 + rnd(q, n - 1);
		op->flags = chance(q, 50) ? MREMAP_MAYMOVE : 0;
	} else {
		op->arg = n + 1 + rnd(q, MAXLEN / 2);
		if (a + op->arg > WIN)
			op->arg = WIN - a;
		op->flags = chance(q, 60) ? MREMAP_MAYMOVE : 0;
	}
}

static void gen_file_io(struct seq *q, struct op *op)
{
	long long size = q->obs[0].size;

	op->len = 1 + rnd(q, 2 * (int)ps);
	if (!q->p->file) {
		op->pos = -1; /* read() */
	} else if (chance(q, 40)) {
		op->pos = size - rnd(q, (int)ps) + rnd(q, 2 * (int)ps);
	} else {
		op->pos = rnd(q, (int)((size / ps + 1) * ps));
		if (chance(q, 30))
			op->pos &= ~(long long)(ps - 1);
	}
	if (op->pos < 0 && q->p->file)
		op->pos = 0;
	if (op->pos + op->len > MAXFILE * (long long)ps)
		op->pos = MAXFILE * (long long)ps - op->len;
	op->val = rnd(q, 256);
	op->slot = -1;
	if (!q->p->file || chance(q, 35)) {
		op->slot = pick_slot(q, true);
		if (op->slot >= 0) {
			op->pg = rnd(q, q->obs[0].slot[op->slot].extent);
			op->off = rnd(q, (int)ps);
		}
	}
}

static void gen_resize(struct seq *q, struct op *op)
{
	int x = rnd(q, 100), k = rnd(q, MAXFILE / 2 + 1);

	op->type = OP_RESIZE;
	op->slot = -1;
	if (x < 10)
		op->pos = 0;
	else if (x < 15)
		op->pos = q->obs[0].size;
	else if (x < 55)
		op->pos = k * (long long)ps + 1 + rnd(q, (int)ps - 1);
	else
		op->pos = k * (long long)ps;
}

static const int advices[] = {
	MADV_DONTNEED,	    MADV_WILLNEED,	 MADV_COLD,	MADV_PAGEOUT,
	MADV_POPULATE_READ, MADV_POPULATE_WRITE, MADV_DONTFORK, MADV_DOFORK,
	MADV_REMOVE,	    MADV_REMOVE,	 MADV_FREE,	MADV_FREE,
};

static const int msyncs[] = {
	MS_SYNC,
	MS_ASYNC,
	MS_INVALIDATE,
	MS_SYNC | MS_INVALIDATE,
	MS_ASYNC | MS_INVALIDATE,
	MS_SYNC | MS_ASYNC,
};

/* Weights of each operation, for files and for anonymous memory. */
static const int weights[2][NR_OPS] = {
	{ [OP_MMAP] = 10,
	  [OP_MUNMAP] = 4,
	  [OP_LOAD] = 10,
	  [OP_STORE] = 14,
	  [OP_PREAD] = 5,
	  [OP_PWRITE] = 6,
	  [OP_RESIZE] = 6,
	  [OP_MPROTECT] = 6,
	  [OP_MREMAP] = 5,
	  [OP_MADVISE] = 12,
	  [OP_MSYNC] = 3,
	  [OP_MLOCK] = 3,
	  [OP_MUNLOCK] = 2,
	  [OP_FORK] = 1,
	  [OP_PROCMEM] = 4,
	  [OP_PVM] = 4,
	  [OP_HUGE] = 1 },
	{ [OP_MMAP] = 10,
	  [OP_MUNMAP] = 4,
	  [OP_LOAD] = 10,
	  [OP_STORE] = 14,
	  [OP_PREAD] = 4,
	  [OP_MPROTECT] = 6,
	  [OP_MREMAP] = 6,
	  [OP_MADVISE] = 12,
	  [OP_MSYNC] = 3,
	  [OP_MLOCK] = 3,
	  [OP_MUNLOCK] = 2,
	  [OP_FORK] = 1,
	  [OP_PROCMEM] = 4,
	  [OP_PVM] = 4,
	  [OP_HUGE] = 1 },
};

void gen(struct seq *q, struct op *op)
{
	const int *w = weights[!q->p->file];
	int total = 0, x;
	enum op_type t;

	memset(op, 0, sizeof(*op));
	op->slot2 = -1;
	if (pick_slot(q, true) < 0) {
		gen_mmap(q, op);
		return;
	}
	for (t = 0; t < NR_OPS; t++)
		total += w[t];
	x = rnd(q, total);
	for (t = 0; x >= w[t]; t++)
		x -= w[t];

	op->type = t;
	op->val = 1 + rnd(q, 255);
	switch (t) {
	case OP_MMAP:
		gen_mmap(q, op);
		return;
	case OP_RESIZE:
		gen_resize(q, op);
		return;
	case OP_PREAD:
	case OP_PWRITE:
		gen_file_io(q, op);
		return;
	case OP_HUGE:
		op->slot = -1;
		op->flags = chance(q, 60) ? MAP_SHARED : MAP_PRIVATE;
		if (chance(q, 20))
			op->flags |= MAP_NORESERVE;
		op->prot = chance(q, 50) ? PROT_READ : PROT_READ | PROT_WRITE;
		op->ro = !q->p->nofd && chance(q, 10);
		return;
	default:
		break;
	}

	/* The rest work on a slot that maps something. */
	op->slot = pick_slot(q, true);
	switch (t) {
	case OP_MUNMAP:
	case OP_MPROTECT:
	case OP_MSYNC:
	case OP_MLOCK:
	case OP_MUNLOCK:
		pick_range(q, op);
		op->prot = pick_prot(q);
		op->arg = t == OP_MSYNC ? msyncs[rnd(q, ARRAY_SIZE(msyncs))] :
			  t == OP_MLOCK ? chance(q, 30) :
					  0;
		break;
	case OP_MADVISE:
		op->arg = advices[rnd(q, ARRAY_SIZE(advices))];
		/* Where a row of the table may apply: within one VMA. */
		if (op->arg == MADV_REMOVE || op->arg == MADV_FREE)
			pick_in_vma(q, op);
		else
			pick_range(q, op);
		break;
	case OP_MREMAP:
		gen_mremap(q, op);
		break;
	case OP_LOAD:
	case OP_STORE:
	case OP_FORK:
		op->pg =
			rnd(q, q->obs[0].slot[op->slot].extent + chance(q, 10));
		op->off = pick_off(q);
		op->len = chance(q, 50) ? 1 : 1 + rnd(q, (int)ps - op->off);
		op->write = t == OP_STORE || chance(q, 50);
		break;
	case OP_PROCMEM:
	case OP_PVM:
		op->pg = rnd(q, q->obs[0].slot[op->slot].extent);
		op->off = pick_off(q);
		op->len = 1 + rnd(q, 2 * (int)ps);
		op->write = chance(q, 50);
		break;
	default:
		break;
	}
}
