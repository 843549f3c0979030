/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ops_test's model (ops_model.c): the variant, the page states, what smaps
 * must show, and the steps on one side of a test.
 */
#ifndef OPS_MODEL_H
#define OPS_MODEL_H

#include "mmapdemo_util.h"

#define NPAGES 4 /* the pages of a test's mapping */
#define FILE_PAGES 4 /* the file kind's file: exactly NPAGES */
#define BIG_PAGES 6 /* a mapping that runs 2 pages past the file */
#define WINDOW 65536 /* fault_around_bytes: see reserve_window() */

#define FILL(i) ('A' + (long)(i)) /* page i of the file holds */
#define STORED(i) ('a' + (long)(i)) /* prepare() stores to page i */

/* The faults a one-byte access can end in, as load() and store() say. */
#define SEGV_MAP (-(SIGSEGV * 100 + SEGV_MAPERR)) /* no VMA there */
#define SEGV_ACC (-(SIGSEGV * 100 + SEGV_ACCERR)) /* VMA forbids it */
#define BUS_ADR (-(SIGBUS * 100 + BUS_ADRERR)) /* no page there */
#define FAULT_ELSEWHERE (-9999) /* a signal for another address */
#define CHILD_FAILED (-9998) /* a fork child did not report */

#define PM_PFN(e) ((e)&PM_PFN_MASK)

extern size_t ps; /* the page size */

/* One half of a test: the device, or its reference. */
struct side {
	const char *name; /* for failure messages */
	bool ref; /* the reference, not the device */
	int fd; /* open with the variant's mode: what is mapped */
	int rw; /* O_RDWR on the same file: pread, pwrite */
};

/* One combination of the matrix: what each variant of the fixture sets. */
struct ops_variant {
	enum kind kind;
	int type; /* MAP_SHARED or MAP_PRIVATE */
	int oflags; /* O_RDWR or O_RDONLY */
	int populate; /* 0 or MAP_POPULATE */
};

/* The state of one page of a mapping, and what makes it change. */
enum pstate {
	P_NONE, /* no PTE */
	P_FILE, /* a page of the file or of the shared object */
	P_ZERO, /* the kernel's zero page */
	P_ANON, /* the process's own anonymous copy */
};

/* The page states of one mapping, to predict smaps. */
struct model {
	enum pstate pg[NPAGES];
	bool dirty[NPAGES];
};

/* The smaps fields of a mapping, in kB. */
struct acct {
	long rss, anon, pclean, pdirty, sclean, sdirty;
};

/* The rules, from the variant */
bool shared(const struct ops_variant *v);
bool writable(const struct ops_variant *v);
bool vm_shared(const struct ops_variant *v);
bool zero_backed(const struct ops_variant *v);
unsigned long long moved_offset(const struct ops_variant *v,
				const struct side *s, const void *addr,
				size_t pgoff);
bool can_store(const struct ops_variant *v);
int prot_of(const struct ops_variant *v);
long base(const struct ops_variant *v, size_t i);
enum pstate after_load(const struct ops_variant *v);
enum pstate after_store(const struct ops_variant *v);
enum pstate after_populate(const struct ops_variant *v);
bool pm_file(enum pstate st);
bool pm_exclusive(enum pstate st);
void model_init(struct model *m, const struct ops_variant *v);
void model_load(struct model *m, const struct ops_variant *v, int i);
void model_store(struct model *m, const struct ops_variant *v, int i);
struct acct model_acct(const struct model *m);

/* One step on one side: each says what happened as one number */
long rv(long ret);
long rv_map(void *ret);
long load(const void *p);
long store(void *p, unsigned char val);
long file_byte(const struct side *s, size_t i);
long file_put(const struct side *s, size_t i, unsigned char c);
void *reserve_window(size_t len);
unsigned char *map_prot(const struct ops_variant *v, const struct side *s,
			size_t npages, int prot);
unsigned char *map(const struct ops_variant *v, const struct side *s,
		   size_t npages);
long child_load(const void *p);
int open_side(const struct ops_variant *v, struct side *s);
bool put(const struct ops_variant *v, const struct side *s, unsigned char *p,
	 size_t i, unsigned char c);
bool proc_mem_forces(void);

#endif /* OPS_MODEL_H */
