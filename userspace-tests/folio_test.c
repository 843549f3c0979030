// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/mmapdemo in 2 MiB folios (the large_folios parameter, on by
 * default): every aligned 2 MiB of the buffer that a grow or a write fills
 * whole is one folio, and the core maps it with one PMD where the mapping
 * is aligned to match, as for tmpfs with huge pages; every semantic stays
 * a file's.
 *  - pmd_mapped: reads and writes of one byte per 2 MiB fault once each
 *    and map whole PMDs (smaps FilePmdMapped);
 *  - private_cow: a write to a PMD-mapped private page copies 4 KiB;
 *  - truncate_mid_folio: a shrink into a folio unmaps the cut range from
 *    every mapping, SIGBUS beyond, the tail zeroed, a grow reads zeroes;
 *    the folio the end cuts stays whole;
 *  - short_write_mid_folio: a write that stops short inside the folio it
 *    added gives back the rest, and the folio stays whole there too;
 *  - fallback: when no 2 MiB can be had (fail_page_alloc for order 9 only,
 *    debug kernel), grows fall back to pages and still succeed.
 * With the module loaded large_folios=0 they check that nothing is large.
 */
#include <sys/resource.h>

#include "kselftest_harness.h"
#include "mmapdemo_util.h"

#define MB (1UL << 20)
#define DBG "/sys/kernel/debug"

static bool large_folios_on(void)
{
	FILE *f = fopen("/sys/module/mmapdemo/parameters/large_folios", "re");
	int c = f ? fgetc(f) : 'N';

	if (f)
		fclose(f);
	return c == 'Y';
}

FIXTURE(folio)
{
	int fd;
	bool large;
	struct mmapdemo_info info;
};

FIXTURE_SETUP(folio)
{
	self->fd = open(MD_PATH, O_RDWR | O_CLOEXEC);
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, "no %s", MD_PATH);
	ASSERT_LE(0, self->fd);
	self->large = large_folios_on();
	/* Through zero: a fresh buffer, 8 MiB of it. */
	ASSERT_EQ(0, md_set_size(self->fd, 0));
	ASSERT_EQ(0, md_set_size(self->fd, 8 * MB));
	ASSERT_EQ(0, md_info(self->fd, &self->info));
}

FIXTURE_TEARDOWN(folio)
{
	md_set_size(self->fd, MB);
	close(self->fd);
}

/* 8 MiB, 2 MiB aligned in address and in offset. */
static unsigned char *map8(int fd, int type)
{
	return mmap(NULL, 8 * MB, PROT_READ | PROT_WRITE, type, fd, 0);
}

TEST_F(folio, pmd_mapped)
{
	size_t ps = page_size();
	struct mmapdemo_info a, b;
	unsigned char *p;
	long f0, f1;

	EXPECT_EQ(self->large ? 4ULL : 0ULL, self->info.large_folios);
	EXPECT_EQ(8 * MB / ps, self->info.nr_pages);
	p = map8(self->fd, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0UL, (uintptr_t)p % (2 * MB)) TH_LOG("not 2 MiB aligned");

	/* Reads: fault-around maps each folio with a PMD. */
	ASSERT_EQ(0, md_info(self->fd, &a));
	f0 = minflt(NULL);
	for (size_t off = 0; off < 8 * MB; off += 2 * MB)
		EXPECT_EQ(0, p[off]);
	f1 = minflt(NULL);
	ASSERT_EQ(0, md_info(self->fd, &b));
	if (self->large) {
		EXPECT_EQ(8 * 1024, smaps_kb(p, "FilePmdMapped"));
		EXPECT_GE(4 + 2, f1 - f0); /* allow for a stack page or two */
	} else {
		EXPECT_EQ(0, smaps_kb(p, "FilePmdMapped"));
	}
	munmap(p, 8 * MB);

	/* Writes: each ->fault returns a page of a folio the core PMD-maps. */
	p = map8(self->fd, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, md_info(self->fd, &a));
	for (size_t off = 0; off < 8 * MB; off += 2 * MB)
		p[off] = 1;
	ASSERT_EQ(0, md_info(self->fd, &b));
	if (self->large) {
		EXPECT_EQ(a.write_faults + 4, b.write_faults);
		EXPECT_EQ(8 * 1024, smaps_kb(p, "FilePmdMapped"));
	} else {
		EXPECT_EQ(a.write_faults + 4, b.write_faults);
		EXPECT_EQ(0, smaps_kb(p, "FilePmdMapped"));
	}
	/* The data is the file's, through read() too. */
	for (size_t off = 0; off < 8 * MB; off += 2 * MB) {
		unsigned char c = 0;

		EXPECT_EQ(1, pread(self->fd, &c, 1, (off_t)off));
		EXPECT_EQ(1, c);
	}
	munmap(p, 8 * MB);
}

TEST_F(folio, private_cow)
{
	unsigned char *p = map8(self->fd, MAP_PRIVATE), c = 0;

	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, p[0]);
	if (self->large)
		EXPECT_EQ(2 * 1024, smaps_kb(p, "FilePmdMapped"));
	p[4096] = 7; /* a copy of one page: the PMD is split, not copied */
	EXPECT_EQ(4, smaps_kb(p, "Anonymous"));
	EXPECT_EQ(0, smaps_kb(p, "FilePmdMapped"));
	EXPECT_EQ(1, pread(self->fd, &c, 1, 4096));
	EXPECT_EQ(0, c); /* the file never saw it */
	EXPECT_EQ(7, p[4096]);
	munmap(p, 8 * MB);
}

TEST_F(folio, truncate_mid_folio)
{
	size_t cut = 3 * MB + 100, ps = page_size();
	unsigned char *s = map8(self->fd, MAP_SHARED);
	unsigned char *q = map8(self->fd, MAP_PRIVATE);
	struct mmapdemo_info info;

	ASSERT_NE(MAP_FAILED, s);
	ASSERT_NE(MAP_FAILED, q);
	for (size_t off = 0; off < 8 * MB; off += ps)
		s[off] = 0x5a;
	s[cut + 10] = 0x77; /* beyond the new end, in its last page */
	EXPECT_EQ(0x5a, q[4 * MB]); /* mapped in the private one too */
	q[4 * MB + ps] = 1; /* and a private copy there */

	ASSERT_EQ(0, md_set_size(self->fd, cut));
	EXPECT_EQ(0x5a, s[3 * MB]);
	EXPECT_EQ(0, s[cut + 10]); /* the tail is zeroed */
	EXPECT_EQ(SIGBUS, peek(s + cut + ps).sig);
	EXPECT_EQ(SIGBUS, peek(s + 4 * MB).sig);
	EXPECT_EQ(SIGBUS, peek(q + 4 * MB).sig);
	EXPECT_EQ(SIGBUS, peek(q + 4 * MB + ps).sig); /* copies too */
	/*
	 * The folio the end cuts stays whole (buffer.c: the core could not
	 * split it safely), its part beyond the end zeroed and unreachable.
	 */
	ASSERT_EQ(0, md_info(self->fd, &info));
	EXPECT_EQ(self->large ? 4 * MB / ps : (cut + ps - 1) / ps,
		  info.nr_pages);

	ASSERT_EQ(0, md_set_size(self->fd, 8 * MB));
	EXPECT_EQ(0, s[cut + 10]);
	EXPECT_EQ(0, s[4 * MB]);
	EXPECT_EQ(0, s[8 * MB - 1]);
	ASSERT_EQ(0, md_info(self->fd, &info));
	/* [0, 2) and [2, 4) stayed whole; [4, 6) and [6, 8) are new. */
	if (self->large)
		EXPECT_EQ(4ULL, info.large_folios);
	munmap(s, 8 * MB);
	munmap(q, 8 * MB);
}

/*
 * A write that adds two 2 MiB folios and runs into a guard page 3 MiB in:
 * the size stops at the 3 MiB copied, and the pages beyond go back as after
 * a shrink, the second folio kept whole.  (7.3 crashed here when the write
 * gave the pages back by splitting that folio.)
 */
TEST_F(folio, short_write_mid_folio)
{
	unsigned char *src = mmap(NULL, 4 * MB, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct mmapdemo_info info;
	unsigned char *m;

	ASSERT_NE(MAP_FAILED, src);
	memset(src, 'w', 4 * MB);
	ASSERT_EQ(0, munmap(src + 3 * MB, MB)); /* the guard */
	ASSERT_EQ(0, md_set_size(self->fd, 0));

	EXPECT_EQ((ssize_t)(3 * MB), pwrite(self->fd, src, 4 * MB, 0));
	ASSERT_EQ(0, md_info(self->fd, &info));
	EXPECT_EQ(3 * MB, info.size);
	if (self->large)
		EXPECT_EQ(2ULL, info.large_folios);
	m = map8(self->fd, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, m);
	EXPECT_EQ('w', m[3 * MB - 1]);
	EXPECT_EQ(0, md_set_size(self->fd, 4 * MB));
	EXPECT_EQ(0, m[3 * MB]); /* what the write never reached reads zero */
	munmap(m, 8 * MB);
	munmap(src, 3 * MB);
}

/*
 * No 2 MiB to be had: fail_page_alloc fails every allocation of order 9
 * and more that the module's code makes (its stack filter), quietly.  A
 * grow falls back to pages and succeeds; the fallbacks are counted.
 */
TEST_F(folio, fallback)
{
	static const char *const knobs[][2] = {
		{ "verbose", "0" },
		{ "min-order", "9" },
		{ "times", "-1" },
		{ "ignore-gfp-wait", "N" },
		{ "ignore-gfp-highmem", "N" },
		{ "interval", "1" },
		{ "probability", "100" },
	};
	char text[32], path[96];
	struct mmapdemo_info info;
	unsigned long start;
	FILE *f;

	if (!self->large)
		SKIP(return, "large_folios is off");
	if (access(DBG "/fail_page_alloc/require-start", F_OK)) {
		if (getenv("MMAPDEMO_REQUIRE_DEBUG"))
			ASSERT_TRUE(false) TH_LOG("no fault injection here");
		SKIP(return, "no fail_page_alloc with a stack filter here");
	}
	f = fopen("/sys/module/mmapdemo/sections/.text", "re");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(1, fscanf(f, "%lx", &start));
	fclose(f);
	snprintf(text, sizeof(text), "%lu", start);
	ASSERT_EQ(0, write_str(DBG "/fail_page_alloc/require-start", text));
	snprintf(text, sizeof(text), "%lu", start + 16 * MB);
	ASSERT_EQ(0, write_str(DBG "/fail_page_alloc/require-end", text));
	for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		snprintf(path, sizeof(path), DBG "/fail_page_alloc/%s",
			 knobs[i][0]);
		ASSERT_EQ(0, write_str(path, knobs[i][1]));
	}

	ASSERT_EQ(0, md_set_size(self->fd, 0));
	EXPECT_EQ(0, md_set_size(self->fd, 8 * MB));
	EXPECT_EQ(0, write_str(DBG "/fail_page_alloc/probability", "0"));
	ASSERT_EQ(0, md_info(self->fd, &info));
	EXPECT_EQ(0ULL, info.large_folios);
	EXPECT_EQ(self->info.large_fallbacks + 4, info.large_fallbacks);
	EXPECT_EQ(8 * MB / page_size(), info.nr_pages);
}

TEST_HARNESS_MAIN
