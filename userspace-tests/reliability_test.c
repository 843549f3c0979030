// SPDX-License-Identifier: GPL-2.0
/*
 * What a 0666 node must not allow, and races the other tests do not reach:
 *  - zero_page: a private read of /dev/mmapdemo-anon maps the kernel's zero
 *    page, which holds no reference per mapping, as /dev/zero's does: no
 *    number of reads can overflow a page's count;
 *  - merge: a new mmap() that the core merges into an existing VMA (no
 *    ->mmap() on 6.12, no ->mapped() on 7.x) still meets the offset limit
 *    and leaves the mapping count right;
 *  - huge_race: a 2 MiB fault and a 4 KiB fault in the same 2 MiB, while
 *    THP is switched off and on for the process, never meet halfway (the
 *    kernel log check catches the warning they would cause);
 *  - read_unlocked: a read() whose buffer is stalled in userfaultfd holds
 *    up no writer and no resize;
 *  - anon_objects_own_inodes: each shared anonymous object has an inode,
 *    and so an i_mmap tree, of its own.
 */
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "mmapdemo_util.h"

#define KPF_ZERO_PAGE 24

static uint64_t kpageflags(uint64_t pfn)
{
	int fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	uint64_t flags = 0;

	if (fd >= 0) {
		if (pread(fd, &flags, 8, (off_t)(pfn * 8)) != 8)
			flags = 0;
		close(fd);
	}
	return flags;
}

#define PFN(e) ((e) & ((1ULL << 55) - 1))

/*
 * 64 MiB of MAP_PRIVATE, read page by page: every page is the kernel's
 * zero page (the one MAP_ANONYMOUS memory maps), which the kernel marks
 * KPF_ZERO_PAGE; the device allocates nothing.  A page of the driver's
 * own would hold 16384 references now, one per entry.
 */
TEST(zero_page)
{
	size_t ps = page_size(), len = 64UL << 20;
	struct mmapdemo_info a, b;
	uint64_t zero, e;
	unsigned char *p, *q;
	int fd;

	fd = open(MD_ANON_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		SKIP(return, "no %s", MD_ANON_PATH);
	ASSERT_LE(0, fd);
	q = mmap(NULL, ps, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, q);
	EXPECT_EQ(0, q[0]);
	zero = PFN(pagemap(q));
	if (!zero)
		SKIP(return, "pagemap shows no frame numbers (not root)");

	ASSERT_EQ(0, md_info(fd, &a));
	p = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_NORESERVE, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (size_t off = 0; off < len; off += ps)
		ASSERT_EQ(0, p[off]);
	ASSERT_EQ(0, md_info(fd, &b));
	EXPECT_EQ(a.nr_pages, b.nr_pages);
	EXPECT_EQ(a.read_faults + len / ps, b.read_faults);
	for (size_t off = 0; off < len; off += 97 * ps) {
		e = pagemap(p + off);
		ASSERT_TRUE(!!(e & PM_PRESENT));
		EXPECT_EQ(zero, PFN(e));
		EXPECT_FALSE(!!(e & PM_FILE));
	}
	EXPECT_TRUE(!!(kpageflags(zero) & (1ULL << KPF_ZERO_PAGE)));
	munmap(p, len);
	munmap(q, ps);
	close(fd);
}

/* How many VMAs of /proc/self/maps lie in [@p, @p + @len)? */
static int vmas_in(const void *p, size_t len)
{
	uintptr_t lo = (uintptr_t)p, hi = lo + len;
	struct vma v[512];
	int n = maps_read(-1, v, 512), in = 0;

	for (int i = 0; i < n; i++)
		in += v[i].start < hi && v[i].end > lo;
	return n < 0 ? -1 : in;
}

/*
 * Two mmap()s of one fd, the second right after the first in address and
 * file offset: the core extends the first VMA (same file, flags, offsets)
 * rather than make a second.  The device counts VMAs, so one more mapping,
 * not two; and the offset limit holds for the part that merged.
 */
TEST(merge)
{
	size_t ps = page_size();
	/* The last page offset a regular file can map (MAX_LFS_FILESIZE). */
	off_t last = (off_t)((uint64_t)INT64_MAX / ps - 1) * (off_t)ps;
	struct mmapdemo_info a, b;
	unsigned char *p, *q;
	int fd = open(MD_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT)
		SKIP(return, "no %s", MD_PATH);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, md_set_size(fd, 16 * ps));

	/* Room for four pages, then the two halves. */
	p = mmap(NULL, 4 * ps, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, munmap(p, 4 * ps));
	ASSERT_EQ(0, md_info(fd, &a));
	q = mmap(p, 2 * ps, PROT_READ, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
	ASSERT_EQ(p, q);
	q = mmap(p + 2 * ps, 2 * ps, PROT_READ,
		 MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 2 * ps);
	ASSERT_EQ(p + 2 * ps, q);
	ASSERT_EQ(0, md_info(fd, &b));
	EXPECT_EQ((long)b.nr_mappings - (long)a.nr_mappings,
		  vmas_in(p, 4 * ps));
	ASSERT_EQ(0, munmap(p, 4 * ps));
	ASSERT_EQ(0, md_info(fd, &b));
	EXPECT_EQ(a.nr_mappings, b.nr_mappings);

	/* At the limit: the last page maps; the page after, merged or not,
	 * is EOVERFLOW, as for a memfd.
	 */
	q = mmap(p, ps, PROT_READ, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, last);
	ASSERT_EQ(p, q);
	q = mmap(p + ps, ps, PROT_READ, MAP_SHARED | MAP_FIXED_NOREPLACE, fd,
		 last + (off_t)ps);
	EXPECT_EQ(MAP_FAILED, q);
	EXPECT_EQ(EOVERFLOW, errno);
	EXPECT_EQ(1, vmas_in(p, 2 * ps));
	munmap(p, 2 * ps);
	ASSERT_EQ(0, md_info(fd, &b));
	EXPECT_EQ(a.nr_mappings, b.nr_mappings);
	close(fd);
}

/* ---- huge_race ---- */

struct race {
	unsigned char *p; /* 2 MiB, 2 MiB aligned in address and offset */
	int fd;
	volatile bool stop;
	unsigned long rounds[3];
};

/*
 * Map the 2 MiB afresh (MADV_DONTNEED refuses a VM_PFNMAP VMA) and write
 * it: a PMD fault where THP is on.
 */
static void *race_pmd(void *arg)
{
	struct race *r = arg;

	while (!r->stop) {
		if (mmap(r->p, 2UL << 20, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, r->fd, 0) != r->p)
			break;
		r->p[0] = 1;
		r->rounds[0]++;
	}
	return NULL;
}

/* Switch THP off and on for the process: the core's choice of path. */
static void *race_prctl(void *arg)
{
	struct race *r = arg;

	while (!r->stop) {
		prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
		prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0);
		r->rounds[1]++;
	}
	return NULL;
}

/* Write a page further in: a 4 KiB fault where THP is off. */
static void *race_pte(void *arg)
{
	struct race *r = arg;
	size_t ps = page_size();

	while (!r->stop) {
		r->p[(1 + r->rounds[2] % 511) * ps] = 2;
		r->rounds[2]++;
	}
	return NULL;
}

TEST(huge_race)
{
	size_t len = 2UL << 20;
	struct race r = { 0 };
	pthread_t t[3];
	int fd = open(MD_HUGE_PATH, O_RDWR | O_CLOEXEC);
	unsigned char *p;

	if (fd < 0 && errno == ENOENT)
		SKIP(return, "no %s", MD_HUGE_PATH);
	ASSERT_LE(0, fd);
	/* The device places it 2 MiB aligned (thp_get_unmapped_area()). */
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	r.p = p;
	r.fd = fd;
	ASSERT_EQ(0, pthread_create(&t[0], NULL, race_pmd, &r));
	ASSERT_EQ(0, pthread_create(&t[1], NULL, race_prctl, &r));
	ASSERT_EQ(0, pthread_create(&t[2], NULL, race_pte, &r));
	sleep(long_run() ? 20 : 5);
	r.stop = true;
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	TH_LOG("%lu PMD rounds, %lu THP switches, %lu page writes", r.rounds[0],
	       r.rounds[1], r.rounds[2]);
	EXPECT_LT(0UL, r.rounds[0]);
	EXPECT_LT(0UL, r.rounds[2]);
	EXPECT_EQ(1, p[0]);
	prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0);
	munmap(p, len);
	close(fd);
}

/* ---- read_unlocked ---- */

struct stalled_read {
	int fd;
	void *buf;
	ssize_t ret;
};

static void *do_read(void *arg)
{
	struct stalled_read *sr = arg;

	sr->ret = pread(sr->fd, sr->buf, page_size(), 0);
	return NULL;
}

/*
 * A reader whose buffer is a page that userfaultfd holds back: read() is
 * stuck in the copy.  Meanwhile another process resizes the buffer and
 * writes to it; both finish (alarm: they would wait forever behind a
 * reader that held the inode lock).  Then the page is supplied and the
 * read completes.
 */
TEST(read_unlocked)
{
	size_t ps = page_size();
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { 0 };
	struct uffdio_zeropage zp = { 0 };
	struct stalled_read sr;
	struct pollfd pfd;
	pthread_t t;
	pid_t pid;
	int uffd;

	sr.fd = open(MD_PATH, O_RDWR | O_CLOEXEC);
	if (sr.fd < 0 && errno == ENOENT)
		SKIP(return, "no %s", MD_PATH);
	ASSERT_LE(0, sr.fd);
	ASSERT_EQ(0, md_set_size(sr.fd, 4 * ps));
	uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0)
		SKIP(return, "no userfaultfd: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_API, &api));
	sr.buf = mmap(NULL, ps, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sr.buf);
	reg.range.start = (uintptr_t)sr.buf;
	reg.range.len = ps;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &reg));

	ASSERT_EQ(0, pthread_create(&t, NULL, do_read, &sr));
	pfd.fd = uffd;
	pfd.events = POLLIN;
	ASSERT_EQ(1, poll(&pfd, 1, 10000)); /* the reader is stuck */

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		alarm(20);
		if (md_set_size(sr.fd, 8 * ps) || md_set_size(sr.fd, 2 * ps))
			_exit(1);
		_exit(pwrite(sr.fd, "w", 1, 0) == 1 ? 0 : 2);
	}
	EXPECT_EQ(0, wait_child(pid));

	zp.range.start = (uintptr_t)sr.buf;
	zp.range.len = ps;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_ZEROPAGE, &zp));
	pthread_join(t, NULL);
	EXPECT_LT(0, sr.ret);
	munmap(sr.buf, ps);
	close(uffd);
	close(sr.fd);
}

/* The inode number /proc/self/maps shows for the VMA at @p. */
static unsigned long maps_inode(const void *p)
{
	unsigned long s, e, ino = 0, a = (unsigned long)p;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %*s %*s %*s %lu", &s, &e, &ino) ==
			    3 &&
		    a >= s && a < e)
			break;
	fclose(f);
	return ino;
}

/*
 * Each shared object of /dev/mmapdemo-anon has an inode of its own (from
 * 6.12, anon_inode_create_getfile()), so that the VMAs of one object are
 * all that sit on its i_mmap tree, as each /dev/zero object's shmem inode.
 */
TEST(anon_objects_own_inodes)
{
	size_t ps = page_size();
	int fd = open(MD_ANON_PATH, O_RDWR | O_CLOEXEC);
	unsigned char *a, *b;

	if (fd < 0 && errno == ENOENT)
		SKIP(return, "no %s", MD_ANON_PATH);
	ASSERT_LE(0, fd);
	if (!kernel_at_least(6, 12))
		SKIP(return, "one anonymous inode for all before 6.12");
	a = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	b = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, a);
	ASSERT_NE(MAP_FAILED, b);
	EXPECT_NE(0UL, maps_inode(a));
	EXPECT_NE(maps_inode(a), maps_inode(b));
	munmap(a, ps);
	munmap(b, ps);
	close(fd);
}

TEST_HARNESS_MAIN
