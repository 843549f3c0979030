// SPDX-License-Identifier: GPL-2.0
/*
 * userfaultfd on each device, next to its reference.  Registration in
 * MISSING, WP and MINOR mode is for anonymous VMAs and for those whose
 * vm_operations say how to resolve the faults (shmem and hugetlb;
 * vma_can_userfault()); the devices' VMAs are neither, so each mode is
 * refused with EINVAL where the reference accepts it (docs/differential.md,
 * "userfaultfd").  Asynchronous write-protect (UFFD_FEATURE_WP_ASYNC, 6.7
 * and later) takes any VMA but a VM_SPECIAL one: there, registration
 * succeeds on the device, and fault-around stays off (the core asks nothing
 * of ->map_pages() while userfaultfd watches).  The huge device's VMAs
 * (VM_PFNMAP) take no mode at all.
 */
#include <linux/fs.h>
#include <linux/userfaultfd.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "mmapdemo_util.h"

#ifndef UFFD_FEATURE_WP_ASYNC /* C library headers older than 6.7 */
#define UFFD_FEATURE_WP_ASYNC (1 << 15)
#endif

/* A userfaultfd with @features, or -1 (errno) where the kernel refuses. */
static int uffd_open(__u64 features)
{
	struct uffdio_api api = { .api = UFFD_API, .features = features };
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -1;
	if (ioctl(fd, UFFDIO_API, &api)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Register [p, p + len) in @mode: 0, or the errno. */
static int uffd_register(int uffd, void *p, size_t len, __u64 mode)
{
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)p, .len = len },
		.mode = mode,
	};

	return ioctl(uffd, UFFDIO_REGISTER, &reg) ? errno : 0;
}

struct side {
	const char *path; /* NULL: a memfd */
	int type;
};

static void *map_side(const struct side *s, size_t len)
{
	int fd = s->path ? open(s->path, O_RDWR | O_CLOEXEC) :
			   memfd_create("reference", MFD_CLOEXEC);
	void *p;

	if (fd < 0)
		return MAP_FAILED;
	if (!s->path && ftruncate(fd, (off_t)len)) {
		close(fd);
		return MAP_FAILED;
	}
	if (s->path && !strcmp(s->path, MD_PATH) && md_set_size(fd, len)) {
		close(fd);
		return MAP_FAILED;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, s->type, fd, 0);
	close(fd);
	return p;
}

FIXTURE(uffd)
{
	size_t len;
};

FIXTURE_VARIANT(uffd)
{
	struct side dev, ref;
};

/* clang-format off */
FIXTURE_VARIANT_ADD(uffd, file_shared)
{
	.dev = { MD_PATH, MAP_SHARED }, .ref = { NULL, MAP_SHARED },
};

FIXTURE_VARIANT_ADD(uffd, file_private)
{
	.dev = { MD_PATH, MAP_PRIVATE }, .ref = { NULL, MAP_PRIVATE },
};

FIXTURE_VARIANT_ADD(uffd, anon_shared)
{
	.dev = { MD_ANON_PATH, MAP_SHARED }, .ref = { "/dev/zero", MAP_SHARED },
};

FIXTURE_VARIANT_ADD(uffd, anon_private)
{
	.dev = { MD_ANON_PATH, MAP_PRIVATE }, .ref = { "/dev/zero", MAP_PRIVATE },
};
/* clang-format on */

FIXTURE_SETUP(uffd)
{
	int fd;

	self->len = 16 * page_size();
	if (access(MD_PATH, F_OK))
		SKIP(return, "mmapdemo is not loaded");
	fd = uffd_open(0);
	if (fd < 0)
		SKIP(return, "no userfaultfd here: %s", strerror(errno));
	close(fd);
}

FIXTURE_TEARDOWN(uffd)
{
}

/*
 * Each synchronous mode: the reference says what Linux does with such a
 * mapping; the device refuses them all, having no uffd_ops to resolve a
 * fault with.
 */
TEST_F(uffd, modes)
{
	static const struct {
		const char *name;
		__u64 mode;
	} modes[] = {
		{ "MISSING", UFFDIO_REGISTER_MODE_MISSING },
		{ "WP", UFFDIO_REGISTER_MODE_WP },
		{ "MINOR", UFFDIO_REGISTER_MODE_MINOR },
	};

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		void *d = map_side(&variant->dev, self->len);
		void *r = map_side(&variant->ref, self->len);
		int uffd = uffd_open(0), dres, rres;

		ASSERT_NE(MAP_FAILED, d);
		ASSERT_NE(MAP_FAILED, r);
		ASSERT_LE(0, uffd);
		dres = uffd_register(uffd, d, self->len, modes[i].mode);
		rres = uffd_register(uffd, r, self->len, modes[i].mode);
		TH_LOG("%s: device %s, reference %s", modes[i].name,
		       dres ? strerror(dres) : "registered",
		       rres ? strerror(rres) : "registered");
		EXPECT_EQ(EINVAL, dres) TH_LOG("%s", modes[i].name);
		close(uffd);
		munmap(d, self->len);
		munmap(r, self->len);
	}
}

/*
 * Asynchronous write-protect takes any VMA.  While it watches, the core
 * does no fault-around (uffd_disable_fault_around()): a read maps one page
 * and no window.
 */
TEST_F(uffd, wp_async)
{
	size_t ps = page_size();
	struct mmapdemo_info a, b;
	unsigned char *d;
	int uffd, fd;

	uffd = uffd_open(UFFD_FEATURE_WP_ASYNC);
	if (uffd < 0)
		SKIP(return, "no UFFD_FEATURE_WP_ASYNC here (before 6.7)");
	d = map_side(&variant->dev, self->len);
	ASSERT_NE(MAP_FAILED, d);
	ASSERT_EQ(0,
		  uffd_register(uffd, d, self->len, UFFDIO_REGISTER_MODE_WP));
	fd = open(variant->dev.path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, md_info(fd, &a));
	EXPECT_EQ(0, d[4 * ps]);
	ASSERT_EQ(0, md_info(fd, &b));
	EXPECT_EQ(a.around_windows, b.around_windows);
	EXPECT_EQ(1UL, pages_present(d, 16));
	d[8 * ps] = 1;
	EXPECT_EQ(1, d[8 * ps]);
	close(fd);
	close(uffd);
	munmap(d, self->len);
}

/* VM_PFNMAP is VM_SPECIAL: no mode, not even asynchronous write-protect. */
TEST(huge_refuses_all)
{
	static const struct side huge = { MD_HUGE_PATH, MAP_SHARED };
	size_t len = 2UL << 20;
	__u64 modes[] = { UFFDIO_REGISTER_MODE_MISSING, UFFDIO_REGISTER_MODE_WP,
			  UFFDIO_REGISTER_MODE_MINOR };
	void *p;
	int uffd;

	if (access(MD_HUGE_PATH, F_OK))
		SKIP(return, "no %s", MD_HUGE_PATH);
	uffd = uffd_open(0);
	if (uffd < 0)
		SKIP(return, "no userfaultfd here: %s", strerror(errno));
	p = map_side(&huge, len);
	ASSERT_NE(MAP_FAILED, p);
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		EXPECT_EQ(EINVAL, uffd_register(uffd, p, len, modes[i]));
	close(uffd);
	uffd = uffd_open(UFFD_FEATURE_WP_ASYNC);
	if (uffd >= 0) {
		EXPECT_EQ(EINVAL,
			  uffd_register(uffd, p, len, UFFDIO_REGISTER_MODE_WP));
		close(uffd);
	}
	munmap(p, len);
}

TEST_HARNESS_MAIN
