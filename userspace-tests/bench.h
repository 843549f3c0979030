/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the parts of mmapdemo-bench share:
 *   mmapdemo-bench.c  the targets and workloads, the options, the sections
 *                     of a run and main()
 *   bench_run.c       one timed pass: the files mapped, the touches, the
 *                     counters read around the clock
 *   bench_report.c    the rows: medians, ratios, the table, the CSV and
 *                     the goals
 */
#ifndef MMAPDEMO_BENCH_H
#define MMAPDEMO_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MIB (1024UL * 1024)
#define PMD_SIZE_ (2 * MIB)
#define THP_PATH "/sys/kernel/mm/transparent_hugepage/enabled"
#define MAX_REPS 64
#define MAX_SIZES 8
#define LOOP_SIZE (64 * 1024UL)

enum tkind {
	K_DEV,
	K_DEVANON,
	K_HUGE,
	K_INSERT,
	K_REMAP,
	K_MEMFD,
	K_MEMFD_THP,
	K_ANON,
	K_ZERO,
	K_CPU
};
enum thp { THP_ANY, THP_NEVER, THP_ALWAYS };

struct target {
	const char *name;
	const char *base; /* the row it is compared to, or NULL */
	enum tkind kind;
	bool shared;
	bool populate;
	enum thp thp;
};

/* clang-format off */
enum work {
	W_READ, W_WRITE, W_RAND, W_RETOUCH, W_REWRITE, W_REARM, W_REPORT,
	W_MUNMAP, W_FORK, W_COW, W_T1, W_T2D, W_T2I, W_T2M, W_MMAP, NR_WORK
};
/* clang-format on */

/* What one timed pass measured. */
struct sample {
	double ns;
	double minflt;
	double drv_faults; /* read + write + cow faults the driver served */
	double drv_windows; /* fault-around windows */
	double drv_huge; /* 2 MiB mappings */
	double aux; /* mmap/munmap loops of t2-mmaploop */
	double csw; /* involuntary context switches */
};

/* One line of the table. */
struct row {
	const char *section;
	enum work work;
	const struct target *t;
	size_t size;
	int nr;
	struct sample s[MAX_REPS];
	double ns_min, ns_med, flt, drv, win, huge, aux, csw;
	double ratio; /* NAN without a baseline */
	const char *extra_name;
	double extra;
};

/* The files the targets map, for the current size (bench_run.c). */
struct bench_env {
	size_t size;
	int dev, devanon, huge, insert, remap, memfd, memfd_thp, zero;
	bool large_folios; /* the module's large_folios parameter */
	size_t huge_size; /* fixed by the module's huge_size parameter */
	size_t eager_size; /* and the eager nodes' by eager_size */
	uint32_t *perm;
};

/* mmapdemo-bench.c: the options, and what the run found. */
extern const char *const work_names[];
extern size_t main_size;
extern size_t scale_sizes[MAX_SIZES];
extern int nr_scale_sizes;
extern bool do_main, do_scale, do_threads;
extern const char *label;
extern size_t ps;
extern int ncpus;
extern char kernel[128];

/* bench_run.c */
extern struct bench_env env;
bool thp_init(void);
void thp_set(const char *v);
void thp_restore(void);
bool available(const struct target *t);
bool ours(const struct target *t);
bool eager(const struct target *t);
void env_setup(size_t size);
void run_case(const struct target *t, enum work w, struct sample *s,
	      struct sample *fs);

/* bench_report.c */
extern struct row *rows;
extern int nr_rows;
struct row *new_row(const char *section, enum work w, const struct target *t,
		    size_t size);
struct row *find_row(const char *section, enum work w, const char *target,
		     size_t size);
void summarize(void);
void print_table(void);
void print_csv(void);
void evaluate_goals(void);

#endif /* MMAPDEMO_BENCH_H */
