/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the parts of diff_test share (diff_test.c says what the test does):
 *   diff_test.c         the pairs, and a sequence run step by step: main()
 *   diff_divergences.c  the intended differences between device and
 *                       reference: the table, and which row applies
 *   diff_rows.c         the checks the rows of that table name
 *   diff_ops.c          each operation, run on one side, and its name
 *   diff_observe.c      what each side shows after a step, compared
 *   diff_gen.c          the random sequences
 */
#ifndef DIFF_TEST_H
#define DIFF_TEST_H

#include <limits.h>

#include "mmapdemo_util.h"

#define NSLOTS 4 /* mappings a sequence juggles */
#define WIN 32 /* pages of a slot's window that may be mapped */
#define STRIDE 64 /* pages between two windows: the rest is a guard */
#define MAXLEN 6 /* pages per mmap() */
#define MAXFILE 16 /* pages the file may grow to */
#define NSTEPS 16 /* operations per sequence */

/* Where the slot windows live: far below where the kernel places mmap(). */
#define ARENA_BASE (sizeof(long) == 8 ? (uintptr_t)1 << 44 : (uintptr_t)1 << 29)
#define ARENA_GAP (sizeof(long) == 8 ? (uintptr_t)1 << 32 : (uintptr_t)1 << 26)

/*
 * The pairs.  A side is what the operations run on: the device, or its
 * reference.  The self-check pairs need no module.
 */
enum pair_id { PAIR_FILE, PAIR_ANON, PAIR_SFILE, PAIR_SANON, NR_PAIRS };
#define P(id) (1u << (id))

enum backing {
	BK_MMAPDEMO,
	BK_MEMFD,
	BK_TMPFILE,
	BK_ANONDEV,
	BK_DEVZERO,
	BK_MAPANON
};

struct side {
	const char *name;
	enum backing bk;
	int fd; /* mmap() through this, open O_RDWR; -1: MAP_ANONYMOUS */
	int rofd; /* the same file, O_RDONLY */
	int iofd; /* read(), write(), the size */
	char *arena; /* slot windows */
	unsigned char *view; /* a file: all of it, shared and read-only */
};

struct pair {
	enum pair_id id;
	const char *name;
	bool file; /* a file with a size, or anonymous memory */
	bool nofd; /* the device side is MAP_ANONYMOUS: no fd, no offset */
	struct side dev, ref;
};

/* One operation, in slot terms: the same for both sides. */
enum op_type {
	OP_MMAP,
	OP_MUNMAP,
	OP_LOAD,
	OP_STORE,
	OP_PREAD,
	OP_PWRITE,
	OP_RESIZE,
	OP_MPROTECT,
	OP_MREMAP,
	OP_MADVISE,
	OP_MSYNC,
	OP_MLOCK,
	OP_MUNLOCK,
	OP_FORK,
	OP_PROCMEM,
	OP_PVM,
	OP_HUGE,
	NR_OPS
};

#define B(op) (1u << (op))

struct op {
	enum op_type type;
	int slot; /* slot operated on; -1 for a heap buffer */
	int slot2; /* mremap: the empty slot moved or copied to */
	int pg, npg; /* pages [pg, pg + npg) of the slot's window */
	int off, len; /* bytes at offset off of page pg */
	int prot, flags;
	int arg; /* advice, msync flags, MLOCK_ONFAULT, new pages */
	bool ro; /* mmap() through the O_RDONLY fd */
	bool write; /* fork, procmem, pvm: store rather than load */
	unsigned char val; /* the byte stored, or the pattern written */
	long long pos; /* file position, new size, mmap() offset */
};

/* What one side returned.  addr is where a mapping landed: not compared. */
struct result {
	long ret;
	int err;
	int sig, code;
	uint64_t data;
	void *addr;
};

/* What one side shows after a step. */
struct slot_obs {
	int nvma; /* VMAs in the window */
	int vid[WIN]; /* which VMA maps the page; -1: none */
	int extent; /* end of the last VMA, in pages */
	char perms[WIN][5]; /* "rw-s", or "none" */
	long long fpg[WIN]; /* the page of the file it maps */
	uint32_t probed; /* pages read this step */
	int sig[WIN], code[WIN]; /* what loading its first byte gave */
};

struct side_obs {
	struct slot_obs slot[NSLOTS];
	bool file; /* the file was read this step */
	long long size;
	bool read_ok; /* pread() read it all */
};

/* What a step may have changed, so what to look at after it. */
struct probe {
	bool maps; /* VMAs: read /proc/self/maps again */
	uint32_t pages[NSLOTS]; /* the pages to read, per slot */
	long long flo, fhi; /* and those mapping these file pages */
	bool file; /* the file's size and contents */
};

struct seq {
	struct pair *p;
	uint64_t seed, rng;
	int nops;
	struct op ops[NSTEPS];
	long long size0;
	struct side_obs obs[2]; /* dev, ref */
	char why[512]; /* what differed */
};

struct ctx;

/*
 * An intended difference.  It is selected by the pair, the operation and
 * what the reference returned; the device must then return dev_ret/dev_err,
 * and then() checks what else differs and brings the reference to the
 * device's state, so that the sequence goes on comparing everything.
 */
#define ANY LONG_MIN /* ref_ret: whatever the reference returned */
#define SAME LONG_MIN /* dev_ret: what the reference returned */

struct divergence {
	const char *id;
	unsigned int pairs, ops;
	int advice; /* OP_MADVISE: which one */
	bool (*when)(struct ctx *c); /* the request; NULL: any */
	long ref_ret;
	int ref_err;
	long dev_ret;
	int dev_err;
	void (*expect)(struct ctx *c, long *ret, int *err); /* or this */
	void (*before)(struct ctx *c);
	bool (*then)(struct ctx *c);
	const char *what;
};

struct ctx {
	struct seq *q;
	const struct op *op;
	struct result *rd, *rr;
	unsigned char *pre[2];
	long long size; /* file size before the step */
};

/* ---- diff_test.c ---- */

extern size_t ps;
extern size_t huge_len; /* more than RAM and swap together */
extern int procmem; /* /proc/self/mem */
extern uint64_t zero_hash; /* hash of a page of zeroes */
extern unsigned char *iobuf; /* 4 pages for syscalls' data */
extern unsigned char *scratch[2]; /* MAXFILE + 6 pages each */

__noreturn void harness_error(const char *what, const struct side *s);

/* ---- diff_divergences.c ---- */

extern const struct divergence divergences[];
extern const unsigned int nr_divergences;
extern unsigned long row_hits[];

const struct divergence *row_for(struct ctx *c);

/* ---- diff_rows.c ---- */

void remove_before(struct ctx *c);
void remove_expect(struct ctx *c, long *ret, int *err);
bool remove_then(struct ctx *c);
bool free_then(struct ctx *c);
bool grows_unaligned(struct ctx *c);
void tail_before(struct ctx *c);
bool tail_then(struct ctx *c);
bool beyond_lfs(struct ctx *c);
void lfs_expect(struct ctx *c, long *ret, int *err);
bool huge_shared(struct ctx *c);
bool huge_then(struct ctx *c);

/* ---- diff_ops.c ---- */

uint64_t hash_bytes(const void *p, size_t n);
const char *errname(int e);
const char *signame(int sig, int code);
const char *prot_str(int prot);
int perms_prot(const char *perms);
ssize_t mem_read(const void *addr, void *buf, size_t len);
ssize_t mem_write(void *addr, const void *buf, size_t len);
char *slot_addr(const struct side *s, int slot, int pg);
int side_resize(const struct side *s, long long size);
long long side_size(const struct side *s);
bool file_page(const struct side *s, long long idx, unsigned char *buf,
	       bool store);
bool file_sync(struct seq *q);
void op_str(const struct op *op, char *b, size_t n);
void fill_pattern(unsigned char *b, size_t n, unsigned char seed);
void do_fork(const struct pair *p, const struct op *op, struct result *rd,
	     struct result *rr);
void exec_op(const struct side *s, const struct op *op, struct result *r);

/* ---- diff_observe.c ---- */

extern struct vma vmas[];
extern int nvmas;
extern int maps_fd; /* /proc/self/maps */
extern const struct probe probe_all;

void read_maps(void);
int vma_at(const void *addr);
void observe(struct seq *q, const struct probe *pr);
bool compare_obs(struct seq *q);
void affected(const struct seq *q, const struct op *op, struct probe *pr);

/* ---- diff_gen.c ---- */

int rnd(struct seq *q, int n);
bool chance(struct seq *q, int percent);
void gen(struct seq *q, struct op *op);

#endif /* DIFF_TEST_H */
