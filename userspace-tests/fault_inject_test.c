// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection: make each allocation that the module's code makes fail,
 * one at a time, in every entry point that allocates (open, mmap, the fault
 * handlers, the resize ioctl, read and write), and check that each failure
 * ends as a clean errno (or a retried fault) in that process, and that the
 * device keeps working afterwards.
 *
 * It uses /proc/thread-self/fail-nth ("the Nth allocation of this task
 * fails") with failslab and fail_page_alloc restricted by their stack filter
 * to allocations with the module's code on the stack, so that only the
 * module's allocation sites are swept, not the whole kernel's.  Needs a
 * kernel with CONFIG_FAULT_INJECTION_DEBUG_FS and
 * CONFIG_FAULT_INJECTION_STACKTRACE_FILTER (the debug kernel); elsewhere it
 * skips, unless MMAPDEMO_REQUIRE_DEBUG is set, where skipping is a failure.
 */
#include "kselftest_harness.h"
#include "mmapdemo_util.h"

#define DBG "/sys/kernel/debug"

/*
 * Configure one fault type: no random failures (probability 0) so that only
 * fail-nth fires, GFP_KERNEL and highmem allocations included, order 0 too,
 * quiet (a stack dump would fail the kernel log check), and only when the
 * module's code is on the stack.
 */
static int setup_fault_type(const char *type, const char *start,
			    const char *end)
{
	static const char *const knobs[][2] = {
		{ "probability", "0" },	    { "verbose", "0" },
		{ "ignore-gfp-wait", "N" }, { "ignore-gfp-highmem", "N" },
		{ "min-order", "0" },	    { "stacktrace-depth", "32" },
	};
	char path[128];

	for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		snprintf(path, sizeof(path), DBG "/%s/%s", type, knobs[i][0]);
		/* Not every type has every knob: failslab has no min-order. */
		if (access(path, F_OK) == 0 && write_str(path, knobs[i][1]))
			return -1;
	}
	snprintf(path, sizeof(path), DBG "/%s/require-start", type);
	if (write_str(path, start))
		return -1;
	snprintf(path, sizeof(path), DBG "/%s/require-end", type);
	return write_str(path, end);
}

static char fail_nth_path[64];

/* Arm the Nth allocation of this task to fail (0 disarms). */
static void fail_nth(int n)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", n);
	if (write_str(fail_nth_path, buf))
		abort();
}

/* Was the armed failure injected?  (fail-nth reads 0 once it was.) */
static bool injected(void)
{
	char buf[16];

	if (read_line(fail_nth_path, buf, sizeof(buf)))
		abort();
	return atoi(buf) == 0;
}

FIXTURE(inject)
{
	int fd; /* /dev/mmapdemo */
	int afd; /* /dev/mmapdemo-anon */
	size_t ps;
	char text[32], end[32]; /* the module's code, for the stack filter */
};

FIXTURE_SETUP(inject)
{
	char *text = self->text, *end = self->end;
	unsigned long start;

	self->ps = page_size();
	if (access(DBG "/failslab/require-start", F_OK) ||
	    access(DBG "/fail_page_alloc/require-start", F_OK)) {
		if (getenv("MMAPDEMO_REQUIRE_DEBUG"))
			ASSERT_TRUE(false) TH_LOG("no fault injection here");
		SKIP(return, "no fault injection with a stack filter here");
	}
	self->fd = backend_open(BACKEND_MMAPDEMO, 4 * self->ps);
	ASSERT_LE(0, self->fd);
	self->afd = open(MD_ANON_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->afd);

	/* The module's code: its .text and the next 16 MiB. */
	ASSERT_EQ(0, read_line("/sys/module/mmapdemo/sections/.text", text,
			       sizeof(self->text)));
	start = strtoul(text, NULL, 16);
	ASSERT_NE(0UL, start);
	snprintf(text, sizeof(self->text), "%lu", start);
	snprintf(end, sizeof(self->end), "%lu", start + (16UL << 20));
	ASSERT_EQ(0, setup_fault_type("failslab", text, end));
	ASSERT_EQ(0, setup_fault_type("fail_page_alloc", text, end));
	/* Copies to and from the user: none, but in the test that wants them. */
	if (access(DBG "/fail_usercopy", F_OK) == 0)
		ASSERT_EQ(0, setup_fault_type("fail_usercopy", "1", "1"));
	snprintf(fail_nth_path, sizeof(fail_nth_path),
		 "/proc/self/task/%d/fail-nth", gettid());
}

FIXTURE_TEARDOWN(inject)
{
	close(self->fd);
	close(self->afd);
}

/*
 * One operation under test: returns 0 or -errno (or -SIGBUS-1000 for a
 * signal), after undoing what it did, so that it can run again.
 */
typedef int (*op_fn)(struct __test_metadata *m, FIXTURE_DATA(inject) * self);

/*
 * Sweep: fail the 1st, 2nd, ... allocation of @op until it runs through
 * without reaching the Nth.  Every run must succeed or fail with one of the
 * @ok errnos, and the device must work right after.  Returns the number of
 * allocation sites the operation went through.
 */
static int sweep(struct __test_metadata *_metadata, FIXTURE_DATA(inject) * self,
		 op_fn op, const int *ok, int nok)
{
	int sites;

	for (sites = 0; sites < 1000; sites++) {
		struct mmapdemo_info info;
		bool allowed;
		int ret, n = sites + 1;

		fail_nth(n);
		ret = op(_metadata, self);
		if (!injected()) {
			fail_nth(0);
			EXPECT_EQ(0, ret)
			TH_LOG("no failure injected, yet %d", ret);
			break;
		}
		allowed = ret == 0;
		for (int i = 0; i < nok; i++)
			allowed |= ret == -ok[i];
		EXPECT_TRUE(allowed)
		TH_LOG("allocation %d failed: result %d", n, ret);
		/* The devices work: the info ioctl, a mapping, a store. */
		EXPECT_EQ(0, md_info(self->fd, &info));
		EXPECT_EQ(0, op(_metadata, self))
		TH_LOG("after failing allocation %d", n);
	}
	return sites;
}

static int op_open(struct __test_metadata *m, FIXTURE_DATA(inject) * self)
{
	const char *paths[] = { MD_PATH, MD_ANON_PATH };

	for (int i = 0; i < 2; i++) {
		int fd = open(paths[i], O_RDWR | O_CLOEXEC);

		if (fd < 0)
			return -errno;
		close(fd);
	}
	return 0;
}

static int map_touch(int fd, int type, size_t len, bool write)
{
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, type, fd, 0);
	struct touch t = { 0 };

	if (p == MAP_FAILED)
		return -errno;
	for (size_t off = 0; off < len && !t.sig; off += page_size())
		t = touch(p + off, write, 1);
	munmap(p, len);
	return t.sig ? -(1000 + t.sig) : 0;
}

static int op_mmap_fault(struct __test_metadata *m, FIXTURE_DATA(inject) * self)
{
	int fds[2] = { self->fd, self->afd };
	int types[2] = { MAP_SHARED, MAP_PRIVATE };
	int ret = 0;

	for (int i = 0; i < 2 && !ret; i++)
		for (int t = 0; t < 2 && !ret; t++)
			for (int w = 0; w < 2 && !ret; w++)
				ret = map_touch(fds[i], types[t], 2 * self->ps,
						w);
	return ret;
}

static int op_grow(struct __test_metadata *m, FIXTURE_DATA(inject) * self)
{
	struct mmapdemo_info info;
	int ret = 0;

	if (md_set_size(self->fd, 16 * self->ps))
		ret = -errno;
	if (md_info(self->fd, &info))
		return -1;
	/* A failed grow changes nothing. */
	if (ret && info.size != 4 * self->ps)
		return -2;
	if (ret && info.nr_pages != 4)
		return -3;
	md_set_size(self->fd, 4 * self->ps);
	return ret;
}

static int op_write_read(struct __test_metadata *m, FIXTURE_DATA(inject) * self)
{
	unsigned char buf[3 * 4096];
	ssize_t n;
	int ret = 0;

	memset(buf, 'w', sizeof(buf));
	/* Pages are added as the copy goes: a failure may cut it short. */
	n = pwrite(self->fd, buf, sizeof(buf), 3 * self->ps + 10);
	if (n < 0)
		ret = -errno;
	else if (n == 0)
		ret = -4;
	if (pread(self->fd, buf, sizeof(buf), 0) < 0 && !ret)
		ret = -errno;
	if (read(self->afd, buf, sizeof(buf)) != (ssize_t)sizeof(buf) && !ret)
		ret = -5;
	if (write(self->afd, buf, sizeof(buf)) != (ssize_t)sizeof(buf) && !ret)
		ret = -6;
	md_set_size(self->fd, 4 * self->ps);
	return ret;
}

static const int enomem[] = { ENOMEM };

TEST_F(inject, open)
{
	TH_LOG("open: %d allocation sites",
	       sweep(_metadata, self, op_open, NULL, 0));
}

/*
 * mmap() of a shared anonymous-style object allocates it (ENOMEM); its
 * fault handler allocates the page (VM_FAULT_OOM: the core retries the
 * fault, which then succeeds).  The file device allocates only the record
 * of a folio's first write, in ->page_mkwrite (VM_FAULT_OOM too).
 */
TEST_F(inject, mmap_and_fault)
{
	int sites = sweep(_metadata, self, op_mmap_fault, enomem, 1);

	TH_LOG("mmap and fault: %d allocation sites", sites);
	EXPECT_LE(2, sites);
}

/* A grow allocates every new page: a failure leaves the size as it was. */
TEST_F(inject, resize_ioctl)
{
	int sites = sweep(_metadata, self, op_grow, enomem, 1);

	TH_LOG("resize ioctl: %d allocation sites", sites);
	EXPECT_LE(12, sites);
}

/* A write past the end grows the file, with the same allocations. */
TEST_F(inject, write_and_read)
{
	int sites = sweep(_metadata, self, op_write_read, enomem, 1);

	TH_LOG("write and read: %d allocation sites", sites);
	EXPECT_LE(3, sites);
}

/*
 * MMAPDEMO_IOC_WRITTEN with each allocation, and each copy to or from the
 * user (fail_usercopy), failing in turn: a call fails with EFAULT or
 * ENOMEM, and loses no write: the next call reports it.
 */
TEST_F(inject, written_report)
{
	size_t len = 4 * self->ps;
	unsigned char *p;
	uint64_t bits;
	int n;

	if (access(DBG "/fail_usercopy", F_OK)) {
		if (getenv("MMAPDEMO_REQUIRE_DEBUG"))
			ASSERT_TRUE(false) TH_LOG("no fail_usercopy here");
		SKIP(return, "no fail_usercopy here");
	}
	ASSERT_EQ(0, setup_fault_type("fail_usercopy", self->text, self->end));
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_LE(0, md_written(self->fd, 0, len, &bits)); /* a clean start */

	for (n = 1; n < 100; n++) {
		long ret;

		p[0] = n; /* pages 0 and 2 written */
		p[2 * self->ps] = n;
		fail_nth(n);
		ret = md_written(self->fd, 0, len, &bits);
		if (!injected()) {
			fail_nth(0);
			EXPECT_EQ(2, ret);
			break;
		}
		if (ret == 2)
			continue; /* the failure was not the call's to see */
		EXPECT_EQ(-1, ret);
		EXPECT_TRUE(errno == EFAULT || errno == ENOMEM)
		TH_LOG("failure %d: errno %d", n, errno);
		EXPECT_EQ(2, md_written(self->fd, 0, len, &bits))
		TH_LOG("failure %d lost a write", n);
		EXPECT_EQ(0x5ULL, bits);
	}
	TH_LOG("report: %d failure sites", n - 1);
	EXPECT_LE(3, n - 1); /* the argument, the allocation, the bitmap */
	munmap(p, len);
	ASSERT_EQ(0, setup_fault_type("fail_usercopy", "1", "1"));
}

/* The kernel's own text, from /proc/kallsyms, as decimal strings. */
static int kernel_text(char *start, char *end, size_t len)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	unsigned long addr, lo = 0, hi = 0;
	char type, name[128];

	if (!f)
		return -1;
	while (fscanf(f, "%lx %c %127s%*[^\n]", &addr, &type, name) == 3) {
		if (!strcmp(name, "_stext"))
			lo = addr;
		else if (!strcmp(name, "_etext"))
			hi = addr;
	}
	fclose(f);
	if (!lo || hi <= lo)
		return -1;
	snprintf(start, len, "%lu", lo);
	snprintf(end, len, "%lu", hi);
	return 0;
}

/*
 * /dev/mmapdemo-insert: from 7.2 the core inserts the pages after
 * ->mmap_prepare() returned, so what can fail there is the core's own
 * allocations (the VMA, the page tables): the stack filter takes in the
 * whole kernel.  Each failure is ENOMEM (EFAULT for a page table above
 * the PTEs, as the core has it), and leaves the node's count of
 * mappings as it was (7.x unmaps the VMA with ->close(), though
 * ->mapped() never ran).  A fresh 1 GiB range needs new page tables.
 * With the whole kernel filtered in, arming and reading fail-nth must not
 * allocate: through an fd opened before.
 */
TEST_F(inject, insert_mmap)
{
	size_t len = 2UL << 20, range = 1UL << 30;
	struct mmapdemo_info a, b;
	char start[32], end[32], nth[16];
	int fd, nfd, n, failed = 0;

	fd = open(MD_INSERT_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	nfd = open(fail_nth_path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, nfd);
	ASSERT_EQ(0, kernel_text(start, end, sizeof(start)));
	ASSERT_EQ(0, setup_fault_type("failslab", start, end));
	ASSERT_EQ(0, setup_fault_type("fail_page_alloc", start, end));
	ASSERT_EQ(0, md_info(fd, &a));
	for (n = 1; n < 1000; n++) {
		char *at = reserve(range, range), *p;
		ssize_t got;
		int err;

		ASSERT_NE(MAP_FAILED, at);
		snprintf(nth, sizeof(nth), "%d", n);
		ASSERT_LT(0, pwrite(nfd, nth, strlen(nth), 0));
		p = mmap(at, len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, fd, 0);
		err = errno;
		got = pread(nfd, nth, sizeof(nth) - 1, 0);
		ASSERT_LT(0, pwrite(nfd, "0", 1, 0));
		ASSERT_LT(0, got);
		nth[got] = '\0';
		if (p == MAP_FAILED) {
			/* EFAULT: mm/memory.c: insert_pages() says so when
			 * a table above the PTEs cannot be had. */
			EXPECT_TRUE(err == ENOMEM || err == EFAULT)
			TH_LOG("allocation %d: errno %d", n, err);
			failed++;
		} else {
			EXPECT_EQ(0, peek(p + len - 1).sig);
		}
		munmap(at, range);
		ASSERT_EQ(0, md_info(fd, &b));
		EXPECT_EQ(a.nr_mappings, b.nr_mappings)
		TH_LOG("allocation %d", n);
		if (atoi(nth) != 0)
			break; /* fewer than n allocations: none failed */
	}
	TH_LOG("insert mmap: %d allocations, %d failed mmap()s", n - 1, failed);
	EXPECT_LE(1, failed);
	close(nfd);
	close(fd);
}

TEST_HARNESS_MAIN
