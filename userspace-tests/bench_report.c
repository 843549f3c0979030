// SPDX-License-Identifier: GPL-2.0
/*
 * mmapdemo-bench: the rows, one per workload, target and size, and what is
 * made of them: medians, ratios to the baselines, the two-thread speed-ups,
 * the table, the CSV, and the goals, met or missed.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmapdemo_util.h"
#include "bench.h"

struct row *rows;
int nr_rows;
static int max_rows;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Median of one field of a row's samples. */
static double row_median(const struct row *r, size_t offset)
{
	double v[MAX_REPS] = { 0 };
	int i;

	for (i = 0; i < r->nr; i++)
		memcpy(&v[i], (const char *)&r->s[i] + offset, sizeof(v[i]));
	return median(v, r->nr);
}

#define ROW_MEDIAN(r, field) row_median(r, offsetof(struct sample, field))

struct row *new_row(const char *section, enum work w, const struct target *t,
		    size_t size)
{
	struct row *r;

	if (nr_rows == max_rows) {
		max_rows = max_rows ? 2 * max_rows : 128;
		rows = realloc(rows, max_rows * sizeof(*rows));
		if (!rows)
			die("realloc");
	}
	r = &rows[nr_rows++];
	memset(r, 0, sizeof(*r));
	r->section = section;
	r->work = w;
	r->t = t;
	r->size = size;
	r->ratio = NAN;
	r->extra = NAN;
	return r;
}

struct row *find_row(const char *section, enum work w, const char *target,
		     size_t size)
{
	int i;

	for (i = 0; i < nr_rows; i++)
		if (rows[i].work == w && rows[i].size == size &&
		    !strcmp(rows[i].section, section) &&
		    !strcmp(rows[i].t->name, target))
			return &rows[i];
	return NULL;
}

/* Medians, ratios to the baselines, and the two-thread speed-ups. */
void summarize(void)
{
	int i;

	for (i = 0; i < nr_rows; i++) {
		struct row *r = &rows[i];
		double mib = (double)r->size / MIB,
		       npages = (double)r->size / ps;
		int j;

		r->ns_min = r->s[0].ns;
		for (j = 1; j < r->nr; j++)
			if (r->s[j].ns < r->ns_min)
				r->ns_min = r->s[j].ns;
		r->ns_min /= npages;
		r->ns_med = ROW_MEDIAN(r, ns) / npages;
		r->flt = ROW_MEDIAN(r, minflt) / mib;
		r->drv = ROW_MEDIAN(r, drv_faults) / mib;
		r->win = ROW_MEDIAN(r, drv_windows) / mib;
		r->huge = ROW_MEDIAN(r, drv_huge) / mib;
		r->aux = ROW_MEDIAN(r, aux);
		r->csw = ROW_MEDIAN(r, csw);
	}
	for (i = 0; i < nr_rows; i++) {
		struct row *r = &rows[i], *b;

		if (r->t->base) {
			b = find_row(r->section, r->work, r->t->base, r->size);
			if (b && b->ns_med > 0)
				r->ratio = r->ns_med / b->ns_med;
		}
		if (r->work == W_T2D || r->work == W_T2I || r->work == W_T2M) {
			b = find_row(r->section, W_T1, r->t->name, r->size);
			if (!b || r->ns_med <= 0)
				continue;
			if (r->work == W_T2M) {
				r->extra_name = "slowdown";
				r->extra = r->ns_med / b->ns_med;
			} else {
				r->extra_name = "speedup";
				r->extra = b->ns_med / r->ns_med;
			}
		}
	}
}

static void fmt_num(char *buf, size_t len, double v, const char *fmt)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, fmt, v);
}

void print_table(void)
{
	const char *section = "";
	int i;

	for (i = 0; i < nr_rows; i++) {
		struct row *r = &rows[i];
		char ratio[16], drv[16], win[16], extra[64];

		if (strcmp(section, r->section)) {
			section = r->section;
			printf("\n== %s (%s, %s)\n", section, label, kernel);
			printf("%-13s %-26s %5s %9s %9s %7s %8s %8s %8s  %-21s %s\n",
			       "workload", "target", "MiB", "ns/pg min",
			       "ns/pg med", "ratio", "flt/MiB", "drv/MiB",
			       "win/MiB", "baseline", "extra");
		}
		fmt_num(ratio, sizeof(ratio), r->ratio, "%.2f");
		fmt_num(drv, sizeof(drv), ours(r->t) ? r->drv : NAN, "%.1f");
		fmt_num(win, sizeof(win), ours(r->t) ? r->win : NAN, "%.1f");
		extra[0] = '\0';
		if (r->extra_name)
			snprintf(extra, sizeof(extra), "%s %.2f", r->extra_name,
				 r->extra);
		if (r->work == W_T2M)
			snprintf(extra + strlen(extra),
				 sizeof(extra) - strlen(extra), " loops %.0f",
				 r->aux);
		if (r->csw)
			snprintf(extra + strlen(extra),
				 sizeof(extra) - strlen(extra), " csw %.0f",
				 r->csw);
		if (r->t->kind == K_HUGE)
			snprintf(extra + strlen(extra),
				 sizeof(extra) - strlen(extra),
				 " huge/MiB %.2f", r->huge);
		printf("%-13s %-26s %5zu %9.0f %9.0f %7s %8.1f %8s %8s  %-21s %s\n",
		       work_names[r->work], r->t->name, r->size / MIB,
		       r->ns_min, r->ns_med, ratio, r->flt, drv, win,
		       r->t->base ? r->t->base : "-", extra);
	}
}

void print_csv(void)
{
	int i;

	printf("\n--- mmapdemo-bench csv begin ---\n");
	printf("run,kernel,section,workload,target,baseline,size_mib,reps,ns_page_min,ns_page_med,ratio,faults_mib,drv_faults_mib,drv_windows_mib,drv_huge_mib,extra_name,extra,aux,csw\n");
	for (i = 0; i < nr_rows; i++) {
		struct row *r = &rows[i];
		char ratio[16], extra[16];

		fmt_num(ratio, sizeof(ratio), r->ratio, "%.4f");
		fmt_num(extra, sizeof(extra), r->extra, "%.4f");
		printf("%s,%s,%s,%s,%s,%s,%zu,%d,%.1f,%.1f,%s,%.2f,%.2f,%.2f,%.3f,%s,%s,%.0f,%.0f\n",
		       label, kernel, r->section, work_names[r->work],
		       r->t->name, r->t->base ? r->t->base : "", r->size / MIB,
		       r->nr, r->ns_min, r->ns_med, ratio, r->flt,
		       ours(r->t) ? r->drv : 0, ours(r->t) ? r->win : 0,
		       ours(r->t) ? r->huge : 0,
		       r->extra_name ? r->extra_name : "", extra, r->aux,
		       r->csw);
	}
	printf("--- mmapdemo-bench csv end ---\n");
}

/* The goals of the issue, each with what this run measured. */
static int nr_goals;
static char goals[32][320];
/* Measured, but "info" (not a goal here) or "inconclusive" (see notes). */
static const char *status_override;

static void goal(const char *name, double measured, const char *op,
		 double limit, const char *fmt, const char *note)
{
	char m[32], l[32];
	const char *status;

	if (isnan(measured)) {
		status = "n/a";
		snprintf(m, sizeof(m), "-");
	} else {
		bool met = !strcmp(op, "<=") ? measured <= limit :
					       measured >= limit;

		status = status_override ? status_override :
			 met		 ? "met" :
					   "missed";
		snprintf(m, sizeof(m), fmt, measured);
	}
	snprintf(l, sizeof(l), fmt, limit);
	snprintf(goals[nr_goals++], sizeof(goals[0]), "%s,%s,%s,%s,%s,%s,%s,%s",
		 label, kernel, name, m, op, l, status, note);
}

static double max_d(double a, double b)
{
	return a > b ? a : b;
}

static double row_val(const char *section, enum work w, const char *target,
		      size_t size, int what)
{
	struct row *r = find_row(section, w, target, size);

	if (!r)
		return NAN;
	switch (what) {
	case 0:
		return r->flt;
	case 1:
		return r->ratio;
	default:
		return r->extra;
	}
}

/* The median ns per page of @target at the main size, or NAN. */
static double row_ns(const char *section, enum work w, const char *target)
{
	struct row *r = find_row(section, w, target, main_size);

	return r ? r->ns_med : NAN;
}

/*
 * The scaling check of @target under workload @w: ns per page at the
 * largest size over the cheapest of the smaller sizes.  Flat, or no
 * super-linear growth, is at most 1.2.
 */
static double growth(const char *target, int w)
{
	struct row *big =
		find_row("scale", w, target, scale_sizes[nr_scale_sizes - 1]);
	double best = NAN;
	int k;

	for (k = 0; big && k < nr_scale_sizes - 1; k++) {
		struct row *r = find_row("scale", w, target, scale_sizes[k]);

		if (r && (isnan(best) || r->ns_med < best))
			best = r->ns_med;
	}
	return big ? big->ns_med / best : NAN;
}

void evaluate_goals(void)
{
	char note[160];
	int i;

	if (do_main) {
		struct row *rd =
			find_row("main", W_READ, "mmapdemo-shared", main_size);
		struct row *wr =
			find_row("main", W_WRITE, "mmapdemo-shared", main_size);

		note[0] = '\0';
		if (rd)
			snprintf(
				note, sizeof(note),
				"driver: %.1f windows + %.1f faults /MiB; memfd-shared %.1f",
				rd->win, rd->drv,
				row_val("main", W_READ, "memfd-shared",
					main_size, 0));
		/*
		 * In 2 MiB folios (large_folios, from 6.12.59): one fault per
		 * 2 MiB, reads and writes, and at least as fast as tmpfs with
		 * huge pages.  In pages (6.1, or large_folios=0): reads fault
		 * once per fault-around window, writes once per page.
		 */
		if (env.large_folios) {
			goal("shared first-touch read faults/MiB",
			     rd ? rd->flt : NAN, "<=", 0.5, "%.1f", note);
			goal("shared first-touch write faults/MiB",
			     wr ? wr->flt : NAN, "<=", 0.5, "%.1f", "");
			goal("shared first-touch read ns/page vs memfd-shared",
			     rd ? rd->ratio : NAN, "<=", 0.1, "%.3fx", "");
			goal("shared first-touch write ns/page vs memfd-shared",
			     wr ? wr->ratio : NAN, "<=", 0.1, "%.3fx", "");
			goal("shared first-touch read ns/page vs memfd-thp-shared",
			     rd ? rd->ns_med / row_ns("main", W_READ,
						      "memfd-thp-shared") :
				  NAN,
			     "<=", 1.0, "%.3fx", "");
			goal("shared first-touch write ns/page vs memfd-thp-shared",
			     wr ? wr->ns_med / row_ns("main", W_WRITE,
						      "memfd-thp-shared") :
				  NAN,
			     "<=", 1.0, "%.3fx", "");
		} else {
			status_override = "info";
			goal("shared first-touch read faults/MiB (pages)",
			     rd ? rd->flt : NAN, "<=", 16, "%.1f", note);
			goal("shared first-touch write faults/MiB (pages)",
			     wr ? wr->flt : NAN, "<=", 256, "%.1f",
			     "large folios off: one fault per page, as a memfd's");
			goal("shared first-touch read ns/page vs memfd-shared (pages)",
			     rd ? rd->ratio : NAN, "<=", 1.0, "%.3fx", "");
			status_override = NULL;
		}
		/* The huge path is a goal on 6.12 only: 6.1 has no huge faults. */
		{
			struct row *hw = find_row("main", W_WRITE,
						  "mmapdemo-huge", main_size);
			struct row *hr = find_row("main", W_READ,
						  "mmapdemo-huge", main_size);
			int major = 0, minor = 0;
			bool info_only;

			sscanf(kernel, "%d.%d", &major, &minor);
			info_only = major < 6 || (major == 6 && minor < 12);
			status_override = info_only ? "info" : NULL;
			if (hw && hr) {
				snprintf(
					note, sizeof(note),
					"write %.2f / read %.2f faults/MiB; driver %.2f huge/MiB%s",
					hw->flt, hr->flt, hw->huge,
					info_only ? "; a 6.12 goal" : "");
				goal("huge first-touch faults/MiB (1 per 2 MiB)",
				     max_d(hw->flt, hr->flt), "<=", 0.5, "%.2f",
				     note);
				snprintf(note, sizeof(note),
					 "write %.3fx / read %.3fx%s",
					 hw->ratio, hr->ratio,
					 info_only ? "; a 6.12 goal" : "");
				goal("huge first-touch ns/page vs memfd-shared",
				     max_d(hw->ratio, hr->ratio), "<=", 0.1,
				     "%.3fx", note);
			} else {
				goal("huge first-touch faults/MiB (1 per 2 MiB)",
				     NAN, "<=", 0.5, "%.2f",
				     "no /dev/mmapdemo-huge of this size");
				goal("huge first-touch ns/page vs memfd-shared",
				     NAN, "<=", 0.1, "%.3fx",
				     "no /dev/mmapdemo-huge of this size");
			}
			status_override = NULL;
		}
		/*
		 * What write notification costs: the first store to a page
		 * that a read mapped, and the stores after a report.  Not
		 * goals: a memfd hears of nothing, so it takes no fault.
		 */
		status_override = "info";
		for (i = 0; i < 2; i++) {
			const char *dev = i ? "mmapdemo-huge" :
					      "mmapdemo-shared";
			struct row *rw =
				find_row("main", W_REWRITE, dev, main_size);
			struct row *ra =
				find_row("main", W_REARM, dev, main_size);
			struct row *rp =
				find_row("main", W_REPORT, dev, main_size);

			if (!rw || !ra || !rp)
				continue;
			snprintf(note, sizeof(note),
				 "%s: %.1f faults/MiB; %.0f vs %.0f ns/page",
				 dev, rw->flt, rw->ns_med,
				 row_ns("main", W_REWRITE, "memfd-shared"));
			goal(i ? "huge store after read vs memfd-shared" :
				 "shared store after read vs memfd-shared",
			     rw->ratio, "<=", 1.0, "%.2fx", note);
			snprintf(note, sizeof(note),
				 "%s: %.1f faults/MiB; report %.0f ns/page",
				 dev, ra->flt, rp->ns_med);
			goal(i ? "huge store after report vs memfd-shared" :
				 "shared store after report vs memfd-shared",
			     ra->ratio, "<=", 1.0, "%.2fx", note);
		}
		status_override = NULL;
		goal("private first-touch write ns/page vs memfd-private",
		     row_val("main", W_WRITE, "mmapdemo-private", main_size, 1),
		     "<=", 1.1, "%.3fx", "");
		goal("anon private first-touch write vs zero-private (THP off)",
		     row_val("main", W_WRITE, "mmapdemo-anon-private",
			     main_size, 1),
		     "<=", 1.2, "%.3fx", "");
	}
	if (do_scale && nr_scale_sizes > 1) {
		static const char *const ourt[] = {
			"mmapdemo-shared",	"mmapdemo-private",
			"mmapdemo-anon-shared", "mmapdemo-anon-private",
			"mmapdemo-huge",
		};
		double worst = NAN, g;
		char where[64] = "";
		size_t t;
		int w;

		for (t = 0; t < sizeof(ourt) / sizeof(ourt[0]); t++) {
			for (w = W_READ; w <= W_WRITE; w++) {
				g = growth(ourt[t], w);
				if (!isnan(g) && (isnan(worst) || g > worst)) {
					worst = g;
					snprintf(where, sizeof(where),
						 "worst: %s %s", ourt[t],
						 work_names[w]);
				}
			}
		}
		snprintf(note, sizeof(note),
			 "ns/page at %zu MiB over the best smaller size; %s",
			 scale_sizes[nr_scale_sizes - 1] / MIB, where);
		goal("cost per page flat from smallest to largest size", worst,
		     "<=", 1.2, "%.2fx", note);
	}
	if (do_threads) {
		double cpu =
			row_val("threads", W_T2D, "cpu-only", main_size, 2);
		double dev, ref;

		/*
		 * Speed-ups mean something only where two threads of plain
		 * arithmetic do run in parallel in this VM.
		 */
		if (!(cpu >= 1.5))
			status_override = "inconclusive";
		dev = row_val("threads", W_T2D, "mmapdemo-shared", main_size,
			      2);
		ref = row_val("threads", W_T2D, "memfd-shared", main_size, 2);
		snprintf(note, sizeof(note),
			 "memfd-shared %.2f; cpu-only %.2f on %d vCPUs%s", ref,
			 cpu, ncpus,
			 status_override ? ": no parallelism to measure" : "");
		goal("two-thread disjoint first-touch speed-up (shared)", dev,
		     ">=", ref, "%.2f", note);
		dev = row_val("threads", W_T2D, "mmapdemo-private", main_size,
			      2);
		ref = row_val("threads", W_T2D, "memfd-private", main_size, 2);
		snprintf(note, sizeof(note), "memfd-private %.2f", ref);
		goal("two-thread disjoint first-touch speed-up (private)", dev,
		     ">=", ref, "%.2f", note);
		status_override = NULL;
	}

	printf("\n== goals (%s, %s)\n", label, kernel);
	for (i = 0; i < nr_goals; i++) {
		char copy[320], *f[8], *save = NULL, *tok;
		int n = 0;

		strcpy(copy, goals[i]);
		for (tok = strtok_r(copy, ",", &save); tok && n < 8;
		     tok = strtok_r(NULL, ",", &save))
			f[n++] = tok;
		if (n < 7)
			continue;
		printf("%-7s %-58s %8s %s %-7s %s\n", f[6], f[2], f[3], f[4],
		       f[5], n > 7 ? f[7] : "");
	}
	printf("\n--- mmapdemo-bench goals csv begin ---\n");
	printf("run,kernel,goal,measured,op,limit,status,note\n");
	for (i = 0; i < nr_goals; i++)
		printf("%s\n", goals[i]);
	printf("--- mmapdemo-bench goals csv end ---\n");
}
