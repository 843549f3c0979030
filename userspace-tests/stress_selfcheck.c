// SPDX-License-Identifier: GPL-2.0
/*
 * The checker checked: on made-up pages, then by short runs that make the
 * model lie or damage a page on purpose; each must be reported, as the
 * right kind of error.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "kselftest.h"
#include "stress_test.h"

/* ---- the self-check ---- */

static bool unit_case(const char *what, const unsigned char *pg,
		      const struct want *w, int expect)
{
	char msg[256] = "";
	long bad = check_bytes(pg, 0, ps, w);
	int got = bad < 0 ? -1 :
			    (int)classify(pg, 0, ps, bad, w, msg, sizeof(msg));

	if (got == expect)
		return true;
	ksft_print_msg("self-check: %s: got %s, expected %s %s\n", what,
		       got < 0 ? "no error" : err_name[got],
		       expect < 0 ? "no error" : err_name[expect], msg);
	return false;
}

static void fill(unsigned char *pg, size_t from, size_t to, uint64_t word)
{
	for (size_t i = from; i < to; i += 8)
		memcpy(pg + i, &word, 8);
}

/* The checker against made-up pages: what it must pass, what it must not. */
static bool unit_checks(void)
{
	unsigned char *pg = malloc(ps);
	uint64_t base = pattern(TAG_FILE, 0, 5, 0);
	struct want w = {
		.base = base, .lo = 7, .hi = 7, .kept = ps, .exact = true
	};
	struct want z = { .base = base, .exact = true };
	struct want l = { .base = base, .lo = 6, .hi = 7, .zero_ok = true };
	struct want m = { .base = pattern(TAG_PRIV, 9, 5, 0),
			  .lo = 3,
			  .hi = 3,
			  .kept = ps,
			  .exact = true };
	bool ok = true;

	fill(pg, 0, ps, base | 7);
	ok &= unit_case("exact generation", pg, &w, -1);
	w.lo = w.hi = 8;
	ok &= unit_case("a lost write", pg, &w, ERR_LOST);
	w.lo = w.hi = 7;
	ok &= unit_case("data after a cut", pg, &z, ERR_STALE);
	fill(pg, 0, ps, pattern(TAG_FILE, 0, 6, 7));
	ok &= unit_case("another page's data", pg, &w, ERR_FOREIGN);
	fill(pg, 0, ps, base | 7);
	fill(pg, 64, 72, pattern(TAG_PRIV, 9, 5, 1));
	ok &= unit_case("a private word in the buffer", pg, &w, ERR_COW);
	ok &= unit_case("a private word, loose", pg, &l, ERR_COW);

	fill(pg, 0, ps, base | 7);
	memset(pg + 100, 0, ps - 100);
	w.kept = 100;
	ok &= unit_case("kept 100 bytes", pg, &w, -1);
	w.kept = 200;
	ok &= unit_case("zeroes before the bytes kept", pg, &w, ERR_LOST);
	w.kept = 50;
	ok &= unit_case("data after the bytes kept", pg, &w, ERR_STALE);
	memset(pg, 0, ps);
	w.kept = ps;
	ok &= unit_case("a zero page", pg, &w, ERR_LOST);
	ok &= unit_case("a zero page after a cut", pg, &z, -1);

	/* Loose: generations 6 and 7 mixed, a torn word, zeroes. */
	fill(pg, 0, ps / 2, base | 6);
	fill(pg, ps / 2, ps, base | 7);
	memset(pg + 13, 0, 40);
	pg[8 * 20] = 7;
	ok &= unit_case("loose mix", pg, &l, -1);
	fill(pg, 8 * 30, 8 * 31, base | 5);
	ok &= unit_case("loose, an older generation", pg, &l, ERR_LOST);
	fill(pg, 0, ps, base | 6);
	memset(pg + 8, 0, 8);
	l.zero_ok = false;
	ok &= unit_case("loose, zeroes not allowed", pg, &l, ERR_LOST);

	/* Anon objects, and private copies. */
	fill(pg, 0, ps, pattern(TAG_ANON, 3, 5, 1));
	w.base = pattern(TAG_ANON, 4, 5, 0);
	w.lo = w.hi = 1;
	ok &= unit_case("another object's data", pg, &w, ERR_FOREIGN);
	fill(pg, 0, ps, pattern(TAG_PRIV, 8, 5, 3));
	ok &= unit_case("another author's private copy", pg, &m, ERR_COW);
	fill(pg, 0, ps, pattern(TAG_PRIV, 9, 5, 3));
	ok &= unit_case("our private copy", pg, &m, -1);
	fill(pg, 0, ps, base | 7);
	ok &= unit_case("our private copy lost", pg, &m, ERR_FOREIGN);
	free(pg);
	return ok;
}

/*
 * The self-check: the checker on made-up pages, then short stress runs in
 * which the model lies or a page is damaged on purpose.  Each must be
 * caught, as the right kind of error.
 */
bool selfcheck(bool have_file, bool have_anon)
{
	static const struct {
		const char *name;
		bool anon;
		int inject, expect;
	} runs[] = {
		{ "expect a generation never written", false, INJ_GEN,
		  ERR_LOST },
		{ "pretend a cut removed a page", false, INJ_CUT, ERR_STALE },
		{ "a private store reaches the buffer", false, INJ_COW,
		  ERR_COW },
		{ "write with another object's id", true, INJ_OBJ,
		  ERR_FOREIGN },
		{ "expect a generation never written (anon)", true, INJ_GEN,
		  ERR_LOST },
	};
	bool ok = unit_checks();

	for (size_t i = 0; i < ARRAY_SIZE(runs); i++) {
		struct config c = {
			.name = runs[i].name,
			.threads = 2,
			.secs = 5,
			.inject = runs[i].inject,
			.expect_err = runs[i].expect,
		};
		uint64_t n;

		if (runs[i].anon ? !have_anon : !have_file)
			continue;
		if (runs[i].anon)
			c.anon_procs = 1;
		else
			c.file_procs = 1;
		if (run_config(&c) < 0) {
			ok = false;
			continue;
		}
		n = atomic_load(&ctl->err[runs[i].expect]);
		if (n) {
			ksft_print_msg("self-check: %s: caught (%llu %s)\n",
				       runs[i].name, (unsigned long long)n,
				       err_name[runs[i].expect]);
			if (verbose)
				emit(ctl->first, strlen(ctl->first));
		} else {
			ksft_print_msg("self-check: %s: NOT caught%s%s",
				       runs[i].name,
				       ctl->first[0] ? "; " : "\n",
				       ctl->first + (ctl->first[0] ? 2 : 0));
			ok = false;
		}
	}
	return ok;
}
