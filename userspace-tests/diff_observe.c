// SPDX-License-Identifier: GPL-2.0
/*
 * What each side of a diff_test pair shows after a step, and the two
 * compared: the VMAs of every slot as /proc/self/maps has them, what
 * loading the pages the step may have changed gives (affected() says
 * which), and for a file its size, contents and the bytes beyond its end.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "diff_test.h"

/*
 * The VMAs, as /proc/self/maps shows them: read again after each step that
 * may change them, through one fd kept open.
 */
struct vma vmas[2048];
int nvmas;
int maps_fd = -1;

void read_maps(void)
{
	nvmas = maps_read(maps_fd, vmas, ARRAY_SIZE(vmas));
	if (nvmas < 0)
		harness_error("read /proc/self/maps", NULL);
}

/* The VMA holding @addr, or -1. */
int vma_at(const void *addr)
{
	return maps_find(vmas, nvmas, addr);
}

/*
 * Each page of each slot: the permission column of its line in the maps,
 * which VMA holds it and which page of the file it maps.
 */
static void layout_side(const struct side *s, struct side_obs *o)
{
	for (int sl = 0; sl < NSLOTS; sl++) {
		struct slot_obs *so = &o->slot[sl];
		int last = -1;

		so->nvma = 0;
		so->extent = 0;
		for (int pg = 0; pg < WIN; pg++) {
			char *a = slot_addr(s, sl, pg);
			int v = vma_at(a);

			so->vid[pg] = v;
			so->fpg[pg] = -1;
			if (v < 0) {
				memcpy(so->perms[pg], "none", 5);
				last = -1;
				continue;
			}
			memcpy(so->perms[pg], vmas[v].perms, 5);
			so->fpg[pg] = (long long)((vmas[v].off + (uintptr_t)a -
						   vmas[v].start) /
						  ps);
			if (v != last)
				so->nvma++;
			so->extent = pg + 1;
			last = v;
		}
	}
}

/*
 * What loading the first byte of each page of @probe gives (the contents
 * are compared in place); for a file, after @pr->file, its size and its
 * contents, read into scratch[@which].
 */
static void observe_side(const struct pair *p, const struct side *s,
			 struct side_obs *o, const struct probe *pr,
			 const uint32_t *probe, int which)
{
	for (int sl = 0; sl < NSLOTS; sl++) {
		struct slot_obs *so = &o->slot[sl];

		so->probed = probe[sl];
		for (int pg = 0; pg < WIN; pg++) {
			struct touch t = { 0 };

			if ((so->probed & (1u << pg)) &&
			    (so->perms[pg][0] == 'r' ||
			     so->perms[pg][1] == 'w'))
				t = peek(slot_addr(s, sl, pg));
			so->sig[pg] = t.sig;
			so->code[pg] = t.code;
		}
	}
	o->file = p->file && pr->file;
	if (!o->file)
		return;
	o->size = side_size(s);
	o->read_ok = o->size >= 0 && o->size <= MAXFILE * (long long)ps &&
		     pread(s->iofd, scratch[which], o->size, 0) == o->size;
}

void observe(struct seq *q, const struct probe *pr)
{
	uint32_t probe[NSLOTS];

	if (pr->maps)
		read_maps();
	layout_side(&q->p->dev, &q->obs[0]);
	layout_side(&q->p->ref, &q->obs[1]);
	/* The pages asked for, and every page that maps the file pages. */
	for (int sl = 0; sl < NSLOTS; sl++) {
		const struct slot_obs *so = &q->obs[0].slot[sl];

		probe[sl] = pr->pages[sl];
		for (int pg = 0; pg < WIN && q->p->file; pg++)
			if (so->fpg[pg] >= pr->flo && so->fpg[pg] <= pr->fhi)
				probe[sl] |= 1u << pg;
	}
	observe_side(q->p, &q->p->dev, &q->obs[0], pr, probe, 0);
	observe_side(q->p, &q->p->ref, &q->obs[1], pr, probe, 1);
}

/* Everything: VMAs, every page of every slot, the file. */
const struct probe probe_all = {
	.maps = true,
	.pages = { [0 ... NSLOTS - 1] = ~0u },
	.flo = 0,
	.fhi = -1,
	.file = true,
};

/* Compare what the two sides show; false with q->why on a difference. */
bool compare_obs(struct seq *q)
{
	const struct side_obs *d = &q->obs[0], *r = &q->obs[1];
	unsigned char *x, *y;
	size_t in;

	for (int sl = 0; sl < NSLOTS; sl++) {
		const struct slot_obs *a = &d->slot[sl], *b = &r->slot[sl];

		for (int pg = 0; pg < WIN; pg++) {
			if (strcmp(a->perms[pg], b->perms[pg])) {
				snprintf(
					q->why, sizeof(q->why),
					"slot %d page %d: maps shows %s on dev, %s on ref",
					sl, pg, a->perms[pg], b->perms[pg]);
				return false;
			}
			if (!(a->probed & (1u << pg)))
				continue;
			if (a->sig[pg] != b->sig[pg] ||
			    a->code[pg] != b->code[pg]) {
				snprintf(
					q->why, sizeof(q->why),
					"slot %d page %d: reading it gives %s on dev, %s on ref",
					sl, pg,
					signame(a->sig[pg], a->code[pg]),
					signame(b->sig[pg], b->code[pg]));
				return false;
			}
			x = (unsigned char *)slot_addr(&q->p->dev, sl, pg);
			y = (unsigned char *)slot_addr(&q->p->ref, sl, pg);
			if ((a->perms[pg][0] == 'r' ||
			     a->perms[pg][1] == 'w') &&
			    !a->sig[pg] && memcmp(x, y, ps)) {
				const char *zero = "";
				size_t i = 0;

				while (i < ps - 1 && x[i] == y[i])
					i++;
				if (hash_bytes(x, ps) == zero_hash)
					zero = " (dev page all zero)";
				else if (hash_bytes(y, ps) == zero_hash)
					zero = " (ref page all zero)";
				snprintf(
					q->why, sizeof(q->why),
					"slot %d page %d: contents differ, first at byte %zu: %#x on dev, %#x on ref%s",
					sl, pg, i, x[i], y[i], zero);
				return false;
			}
		}
	}
	if (!d->file)
		return true;
	if (d->size != r->size) {
		snprintf(q->why, sizeof(q->why),
			 "file size %lld on dev, %lld on ref", d->size,
			 r->size);
		return false;
	}
	if (!d->read_ok || !r->read_ok) {
		snprintf(q->why, sizeof(q->why),
			 "cannot read the file: %s on dev, %s on ref",
			 d->read_ok ? "ok" : "failed",
			 r->read_ok ? "ok" : "failed");
		return false;
	}
	if (memcmp(scratch[0], scratch[1], d->size)) {
		long long i = 0;

		while (i < d->size - 1 && scratch[0][i] == scratch[1][i])
			i++;
		snprintf(
			q->why, sizeof(q->why),
			"file contents differ, first at byte %lld: %#x on dev, %#x on ref",
			i, scratch[0][i], scratch[1][i]);
		return false;
	}
	/* What a mapping stored beyond the end, in the last page. */
	in = d->size % ps;
	if (!in)
		return true;
	x = scratch[0] + (d->size / ps + 1) * ps;
	y = x + ps;
	if (!file_page(&q->p->dev, d->size / ps, x, false) ||
	    !file_page(&q->p->ref, d->size / ps, y, false)) {
		snprintf(q->why, sizeof(q->why), "cannot read the last page");
		return false;
	}
	if (memcmp(x + in, y + in, ps - in)) {
		size_t i = in;

		while (i < ps - 1 && x[i] == y[i])
			i++;
		snprintf(
			q->why, sizeof(q->why),
			"beyond the end of the file (size %lld), its byte %lld is %#x on dev, %#x on ref",
			d->size,
			d->size / (long long)ps * (long long)ps + (long long)i,
			x[i], y[i]);
		return false;
	}
	return true;
}

static uint32_t page_mask(int pg, int n)
{
	uint64_t m = ((uint64_t)1 << (n < WIN ? n : WIN)) - 1;

	return pg < WIN ? (uint32_t)(m << pg) : 0;
}

/* The first, middle and last page of a range. */
static uint32_t page_edges(int pg, int n)
{
	return page_mask(pg, 1) | page_mask(pg + n / 2, 1) |
	       page_mask(pg + n - 1, 1);
}

/*
 * Widen [*lo, *hi] to the file pages behind slot pages [pg, pg + n); true
 * if a shared mapping maps one of them.
 */
static bool file_pages(const struct seq *q, int slot, int pg, int n,
		       long long *lo, long long *hi)
{
	const struct slot_obs *so = &q->obs[0].slot[slot];
	bool shared = false;

	for (int i = pg; i < pg + n && i < WIN; i++) {
		if (so->fpg[i] < 0)
			continue;
		if (so->fpg[i] < *lo)
			*lo = so->fpg[i];
		if (so->fpg[i] > *hi)
			*hi = so->fpg[i];
		shared |= so->perms[i][3] == 's';
	}
	return shared;
}

/*
 * What a step may have changed, from the layout before it.  Only the calls
 * that work on VMAs change what the maps show.  The pages read are those of
 * the operation, or its range's first, middle and last; for a file also
 * every page of every slot that maps the file pages it may have changed (a
 * store through a shared mapping, a write, a resize, MADV_REMOVE), and then
 * the file itself.  Every page of every slot is compared at the end of the
 * sequence.
 */
void affected(const struct seq *q, const struct op *op, struct probe *pr)
{
	int bytes = op->off + op->len, npages = (bytes + (int)ps - 1) / (int)ps;
	long long size = q->obs[0].size, end;
	bool writes = false;

	memset(pr, 0, sizeof(*pr));
	pr->flo = LLONG_MAX;
	pr->fhi = -1;
	switch (op->type) {
	case OP_MMAP:
	case OP_MUNMAP:
	case OP_MPROTECT:
	case OP_MADVISE:
	case OP_MLOCK:
	case OP_MUNLOCK:
		pr->maps = true;
		pr->pages[op->slot] = page_edges(op->pg, op->npg);
		break;
	case OP_MSYNC:
		pr->pages[op->slot] = page_edges(op->pg, op->npg);
		break;
	case OP_MREMAP:
		pr->maps = true;
		pr->pages[op->slot] = page_edges(
			op->pg, op->npg > op->arg ? op->npg : op->arg);
		if (op->slot2 >= 0)
			pr->pages[op->slot2] = page_edges(0, op->arg);
		break;
	case OP_LOAD:
	case OP_STORE:
	case OP_FORK:
		pr->pages[op->slot] = page_mask(op->pg, 1);
		writes = op->type != OP_LOAD && op->write;
		npages = 1;
		break;
	case OP_PREAD:
	case OP_PWRITE:
	case OP_PROCMEM:
	case OP_PVM:
		if (op->slot >= 0)
			pr->pages[op->slot] = page_mask(op->pg, npages);
		writes = op->slot >= 0 && (op->type == OP_PREAD || op->write);
		break;
	default:
		break;
	}
	if (!q->p->file)
		return;
	if (writes &&
	    file_pages(q, op->slot, op->pg, npages, &pr->flo, &pr->fhi))
		pr->file = true;
	if (op->type == OP_MADVISE && op->arg == MADV_REMOVE) {
		file_pages(q, op->slot, op->pg, op->npg, &pr->flo, &pr->fhi);
		pr->file = true;
	}
	if (op->type == OP_RESIZE || op->type == OP_PWRITE) {
		/* From where the size or the data changes to its end. */
		end = op->type == OP_RESIZE ? op->pos : op->pos + op->len;
		pr->flo = op->type == OP_PWRITE && op->pos < size ? op->pos :
			  end < size				  ? end :
								    size;
		pr->flo /= (long long)ps;
		pr->fhi = (end > size ? end : size) / (long long)ps;
		pr->file = true;
	}
}
