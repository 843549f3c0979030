/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the parts of stress_test share (stress_test.c says what it does):
 *   stress_test.c       the processes and threads of a run, main()
 *   stress_model.c      the integrity model: what each page must hold, the
 *                       checker, and the writers that keep the model true
 *   stress_ops.c        the operations the threads pick at random
 *   stress_common.c     random numbers, output, errors, guarded accesses
 *   stress_selfcheck.c  the checker checked: made-up pages, planted errors
 */
#ifndef STRESS_TEST_H
#define STRESS_TEST_H

#include <pthread.h>
#include <stdatomic.h>

#include "mmapdemo_util.h"

#ifndef __printf
#define __printf(a, b) __attribute__((format(printf, a, b)))
#endif

#define FILE_PAGES 64 /* pages of /dev/mmapdemo we use */
#define OBJ_PAGES 32 /* pages of each anon object */
#define MAX_PAGES 64
#define MAX_WORKERS 8
#define GRACE 30 /* seconds allowed to wind down */

/* The tag byte of a word: whose data it is. */
enum { TAG_FILE = 0x5a, TAG_ANON = 0xa5, TAG_PRIV = 0xc3 };

static inline uint64_t pattern(unsigned int tag, unsigned int who,
			       unsigned int page, uint32_t gen)
{
	return (uint64_t)tag << 56 | (uint64_t)(who & 0xff) << 48 |
	       (uint64_t)(page & 0xffff) << 32 | gen;
}

enum op {
	OP_WRITE,
	OP_PWRITE,
	OP_VERIFY,
	OP_READ,
	OP_PREAD,
	OP_PSTORE,
	OP_PCHECK,
	OP_STORM,
	OP_TOUCH,
	OP_MADVISE,
	OP_MREMAP,
	OP_MPROTECT,
	OP_MLOCK,
	OP_MUNMAP,
	OP_OPEN,
	OP_FORK,
	OP_RW,
	OP_SELFCOPY,
	OP_PROCMEM,
	OP_SHRINK,
	OP_GROW,
	OP_GROWW,
	OP_RMMOD,
	OP_INFO,
	NR_OPS
};

enum ev { EV_STRICT, EV_DATA, EV_LOOSE, EV_SKIP, EV_SIGBUS, EV_SIGSEGV, NR_EV };

/* The first four are integrity errors. */
enum err {
	ERR_LOST,
	ERR_STALE,
	ERR_COW,
	ERR_FOREIGN,
	ERR_SIGNAL,
	ERR_ERRNO,
	ERR_OTHER,
	NR_ERR
};
#define NR_INTEGRITY (ERR_FOREIGN + 1)

/* Lies the self-check tells the model, or damage it does on purpose. */
enum inject { INJ_NONE, INJ_GEN, INJ_CUT, INJ_COW, INJ_OBJ };
#define INJECT_MAX 10

enum expect { EXP_ZERO, EXP_GEN, EXP_UNKNOWN };

/* A page's state, published by its owner. */
struct pstate {
	_Atomic uint64_t seq; /* odd while the owner writes */
	_Atomic uint32_t gen; /* the last generation written */
	_Atomic uint32_t expect; /* enum expect */
	_Atomic uint32_t fuzzy; /* the last write raced a resize */
	_Atomic uint32_t cut0; /* cut count when it started */
	_Atomic uint32_t sgen; /* last write no resize overlapped */
};

/* The pages of the file, or of one anon object. */
struct region {
	unsigned int tag, who, npages;
	bool resizable;
	_Atomic uint64_t rseq; /* odd while a resize runs */
	_Atomic uint64_t size; /* bytes; stable while rseq is even */
	_Atomic uint64_t sys_writers; /* write()s that a resize waits for */
	struct pstate pg[MAX_PAGES];
	_Atomic uint64_t cut[MAX_PAGES]; /* cuts << 32 | fewest kept */
	_Atomic uint64_t fullcut[MAX_PAGES]; /* cuts that kept nothing */
};

/* Everything the processes of one test share. */
struct ctl {
	_Atomic int ready, go, stop;
	_Atomic unsigned int bell; /* ring: every thread storms */
	_Atomic unsigned int next_id; /* anon objects, private authors */
	_Atomic unsigned int nmsg;
	_Atomic int injected;
	_Atomic uint64_t ops[NR_OPS];
	_Atomic uint64_t ev[NR_EV];
	_Atomic uint64_t err[NR_ERR];
	_Atomic uint64_t deadline; /* CLOCK_MONOTONIC ns */
	int watchdog;
	char first[320]; /* the first error message */
	struct region file;
	struct region anon[MAX_WORKERS];
};

struct config {
	const char *name;
	int file_procs, anon_procs, threads;
	double secs;
	int inject;
	int expect_err; /* self-check: must be reported */
};

enum { PP_NONE, PP_MINE, PP_UNKNOWN };

/* What this actor stored to one page of a private mapping. */
struct ppage {
	uint32_t gen;
	uint8_t who;
	uint8_t state;
	uint64_t fullcut0;
};

/*
 * A mapping: page i shows page pgoff + i of region r, the file or an anon
 * object (NULL: a private anon mapping, zeroes unless stored to).
 */
struct view {
	unsigned char *addr;
	unsigned int npages, pgoff;
	bool shared;
	struct region *r;
	struct ppage *pp; /* private mappings: our stores */
};

/* One thread doing operations, or a fork child acting for it. */
struct actor {
	char name[48];
	const char *op;
	bool anon;
	unsigned int owner, nowners; /* we own pages p % nowners == owner */
	unsigned int who; /* author id of our private stores */
	uint32_t pgen; /* generation of our private stores */
	uint64_t rng;
	int fd;
	struct view sv; /* shared by the process's threads */
	struct view pv; /* our own private mapping */
	struct ppage pp[MAX_PAGES];
	struct ppage tpp[MAX_PAGES + 1]; /* for a temporary view */
	struct region *treg; /* for a temporary anon object */
	unsigned int bell;
	bool via_procmem; /* check_page() reads /proc/self/mem */
	unsigned char *buf; /* a page */
	pthread_t thread;
};

/* What a guarded access ended in. */
struct access {
	int sig, code;
	size_t done; /* bytes before the fault */
};

/*
 * What a page must hold.  Exact: generation lo (0: zeroes) up to byte kept,
 * zeroes after.  Loose: each byte a byte of some generation in [lo, hi]
 * (none if lo > hi), or zero if zero_ok.
 */
struct want {
	uint64_t base; /* the word with generation 0 */
	uint32_t lo, hi, kept;
	bool exact, zero_ok;
};

/* What a reader saw of a region around its read of page p. */
struct snap {
	uint64_t seq;
	uint32_t gen, expect, fuzzy, cut0, sgen;
};

struct obs {
	uint64_t r0, r1, size, cutw, fullc;
	struct snap a, b;
};

/* Whether a read may, or must, end in SIGBUS instead. */
enum { SB_NO, SB_MAY, SB_MUST };

/* ---- stress_test.c ---- */

extern size_t ps;
extern unsigned int file_pages;
extern bool verbose, reference;
extern uint64_t seed;
extern struct ctl *ctl;
extern const struct config *cfg;
extern int file_fd; /* the controlling process's, inherited */
extern int anon_fd;
extern bool rmmod_ok, procmem_ok, mlock_ok;

int run_config(const struct config *c);

/* ---- stress_common.c ---- */

extern const char *const op_name[];
extern const char *const err_name[];

void sleep_us(unsigned int us);
uint64_t rnd(struct actor *a);
unsigned int rndn(struct actor *a, unsigned int n);
bool stopping(void);
void emit(const char *buf, size_t len);
__printf(1, 2) void note(const char *fmt, ...);
void count(enum op op);
void event(enum ev ev);
uint64_t nr_errors(int from, int to);
__printf(3, 4) void fail(struct actor *a, enum err kind, const char *fmt, ...);
struct access guarded_words(void *dst, void *map, size_t len, bool store,
			    uint64_t word);
struct access procmem_read(void *dst, void *map, size_t len);

/* ---- stress_model.c ---- */

long check_bytes(const unsigned char *buf, size_t off, size_t len,
		 const struct want *w);
enum err classify(const unsigned char *buf, size_t off, size_t len, size_t bad,
		  const struct want *w, char *s, size_t n);
void obs_begin(struct region *r, unsigned int p, struct obs *o);
void obs_end(struct region *r, unsigned int p, struct obs *o);
bool obs_rclean(const struct obs *o);
bool shared_want(const struct region *r, unsigned int p, const struct obs *o,
		 struct want *w, int *sigbus);
bool owns(const struct actor *a, const struct view *v, unsigned int p);
bool sigbus_ok(const struct access *acc, int sigbus);
void check_page(struct actor *a, struct view *v, unsigned int i);
void cut_record(struct region *r, unsigned int p, uint32_t kept);
void write_page(struct actor *a, struct view *v, unsigned int i);
bool nores_enter(struct region *r);
void pwrite_page(struct actor *a, unsigned int p);
void pread_page(struct actor *a, unsigned int p);
void priv_store(struct actor *a, struct view *v, unsigned int i);

/* ---- stress_ops.c ---- */

bool map_view(struct actor *a, struct view *v, int fd, struct region *r,
	      unsigned int pgoff, unsigned int npages, bool shared,
	      struct ppage *pp);
void unmap_view(struct actor *a, struct view *v);
void treg_init(struct region *r, unsigned int npages);
int open_anon(void);
void *actor_main(void *arg);

/* ---- stress_selfcheck.c ---- */

bool selfcheck(bool have_file, bool have_anon);

#endif /* STRESS_TEST_H */
