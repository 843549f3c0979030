// SPDX-License-Identifier: GPL-2.0
/*
 * The pinning matrix: what real I/O does with a mapping of each device and
 * of its reference.  I/O pins the pages behind a user buffer (GUP) and
 * reads or writes them from the kernel:
 *
 *   odirect_read    pread() from a block device opened O_DIRECT, into the
 *                   mapping (the device writes the pinned pages)
 *   odirect_write   pwrite() from the mapping, O_DIRECT
 *   vmsplice        vmsplice() of the mapping into a pipe, read back
 *   uring           io_uring fixed buffers: IORING_REGISTER_BUFFERS pins
 *                   the mapping long-term, then READ_FIXED and WRITE_FIXED
 *   vm_writev       process_vm_writev() into the mapping
 *   fork_pinned     fork() while io_uring holds the pin: the parent keeps
 *                   the pinned page (a store of its own does not copy it
 *                   away), so I/O through the pin still lands in what the
 *                   parent maps; a private mapping's child has its own copy
 *
 * Each cell ends in "ok" (the data went where it should) or an errno, and
 * must end as expected() says, per kernel, with the reason for each
 * difference from the reference in the divergence table
 * (docs/differential.md).  O_DIRECT needs a scratch block device whose
 * first 256 KiB may be overwritten: $MMAPDEMO_DISK (make check's VMs give
 * /dev/vda); without one, those cells skip.
 */
#include <liburing.h>
#include <sys/uio.h>

#include "kselftest_harness.h"
#include "mmapdemo_util.h"

#define LEN (16 * 4096UL) /* the buffer: 16 pages */

/* ---- what each row maps ---- */

enum row_src {
	SRC_FILE,
	SRC_MEMFD,
	SRC_ANON_DEV,
	SRC_ZERO,
	SRC_ANON,
	SRC_HUGE,
	SRC_INSERT,
	SRC_REMAP
};

FIXTURE(pin)
{
	unsigned char *map;
	int fd; /* what is mapped, or -1 */
	int dfd; /* $MMAPDEMO_DISK, O_DIRECT, or -1 */
	int io; /* a memfd, the other end of io_uring's reads and writes */
	unsigned char *buf; /* a page-aligned heap buffer */
};

FIXTURE_VARIANT(pin)
{
	enum row_src src;
	int type; /* MAP_SHARED or MAP_PRIVATE */
};

#define ROW(name, s, t)                  \
	FIXTURE_VARIANT_ADD(pin, name)   \
	{                                \
		.src = (s), .type = (t), \
	}

ROW(mmapdemo_shared, SRC_FILE, MAP_SHARED);
ROW(mmapdemo_private, SRC_FILE, MAP_PRIVATE);
ROW(memfd_shared, SRC_MEMFD, MAP_SHARED);
ROW(memfd_private, SRC_MEMFD, MAP_PRIVATE);
ROW(anon_dev_shared, SRC_ANON_DEV, MAP_SHARED);
ROW(anon_dev_private, SRC_ANON_DEV, MAP_PRIVATE);
ROW(dev_zero_shared, SRC_ZERO, MAP_SHARED);
ROW(dev_zero_private, SRC_ZERO, MAP_PRIVATE);
ROW(anonymous_shared, SRC_ANON, MAP_SHARED);
ROW(anonymous_private, SRC_ANON, MAP_PRIVATE);
ROW(huge_shared, SRC_HUGE, MAP_SHARED);
ROW(insert_shared, SRC_INSERT, MAP_SHARED);
ROW(insert_private, SRC_INSERT, MAP_PRIVATE);
ROW(remap_shared, SRC_REMAP, MAP_SHARED);

/* The mapping's fd, or -1 (MAP_ANONYMOUS), or -2 with errno. */
static int row_open(enum row_src src)
{
	static const char *const path[] = {
		[SRC_ANON_DEV] = MD_ANON_PATH, [SRC_ZERO] = "/dev/zero",
		[SRC_HUGE] = MD_HUGE_PATH,     [SRC_INSERT] = MD_INSERT_PATH,
		[SRC_REMAP] = MD_REMAP_PATH,
	};
	int fd;

	switch (src) {
	case SRC_FILE:
		fd = backend_open(BACKEND_MMAPDEMO, LEN);
		break;
	case SRC_MEMFD:
		fd = backend_open(BACKEND_MEMFD, LEN);
		break;
	case SRC_ANON:
		return -1;
	default:
		fd = open(path[src], O_RDWR | O_CLOEXEC);
	}
	return fd < 0 ? -2 : fd;
}

FIXTURE_SETUP(pin)
{
	const char *disk = getenv("MMAPDEMO_DISK");
	int flags = variant->type;

	self->fd = row_open(variant->src);
	if (self->fd == -2 && errno == ENOENT)
		SKIP(return, "no such device (module not loaded)");
	ASSERT_NE(-2, self->fd);
	if (self->fd == -1)
		flags |= MAP_ANONYMOUS;
	self->map = mmap(NULL, LEN, PROT_READ | PROT_WRITE, flags, self->fd, 0);
	ASSERT_NE(MAP_FAILED, self->map);
	memset(self->map, 'M', LEN);

	self->dfd = -1;
	if (disk && *disk) {
		self->dfd = open(disk, O_RDWR | O_DIRECT | O_CLOEXEC);
		ASSERT_LE(0, self->dfd) TH_LOG("%s: %s", disk, strerror(errno));
	}
	self->io = memfd_create("pin-io", MFD_CLOEXEC);
	ASSERT_LE(0, self->io);
	ASSERT_EQ(0, ftruncate(self->io, 2 * LEN));
	self->buf = aligned_alloc(page_size(), LEN);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(pin)
{
	munmap(self->map, LEN);
	if (self->fd >= 0)
		close(self->fd);
	if (self->dfd >= 0)
		close(self->dfd);
	close(self->io);
	free(self->buf);
}

/* ---- what each cell must end in ---- */

enum kind_col {
	ODIRECT_READ,
	ODIRECT_WRITE,
	VMSPLICE,
	URING,
	VM_WRITEV,
	FORK_PINNED
};

#define OK 0
#define BAD_DATA (-1) /* the call succeeded, the bytes went elsewhere */

static bool pfnmap(enum row_src src)
{
	return src == SRC_HUGE || src == SRC_REMAP;
}

/*
 * Linux 6.1's io_uring registers a buffer only where the VMA has no file,
 * or a shmem or hugetlbfs one (io_pin_pages(): any other vm_file is
 * EOPNOTSUPP), and a private mapping of /dev/zero or of our devices keeps
 * the device as its file; 6.12 and 7.x take any page GUP can pin.
 */
static bool uring_refuses_file(const FIXTURE_VARIANT(pin) * v)
{
	if (kernel_at_least(6, 12))
		return false;
	switch (v->src) {
	case SRC_FILE:
	case SRC_ANON_DEV:
	case SRC_INSERT:
		return true;
	case SRC_ZERO:
		return v->type == MAP_PRIVATE;
	default:
		return false;
	}
}

static int expected(const FIXTURE_VARIANT(pin) * v, enum kind_col k)
{
	/* No struct page behind the entries: GUP has nothing to pin. */
	if (pfnmap(v->src))
		return EFAULT;
	if (k == URING || k == FORK_PINNED) {
		if (uring_refuses_file(v))
			return EOPNOTSUPP;
		/*
		 * A long-term writable pin of a file page that the file wants
		 * to hear of writes to (->page_mkwrite: write notification)
		 * is refused since 6.5 (writable_file_mapping_allowed()).
		 */
		if (v->src == SRC_FILE && v->type == MAP_SHARED)
			return EFAULT;
	}
	return OK;
}

static const char *result_name(int r)
{
	static char buf[32];

	if (r == OK)
		return "ok";
	if (r == BAD_DATA)
		return "bad data";
	snprintf(buf, sizeof(buf), "%s", strerrorname_np(r) ?: "?");
	return buf;
}

#define EXPECT_CELL(kind, r) \
	EXPECT_STREQ(result_name(expected(variant, kind)), result_name(r))

/* ---- the cells ---- */

/* 0, or an errno: @ret is what a call returned, @want what it should. */
static int outcome(ssize_t ret, ssize_t want)
{
	if (ret < 0)
		return errno;
	return ret == want ? OK : EIO;
}

TEST_F(pin, odirect_read)
{
	int r;

	if (self->dfd < 0)
		SKIP(return, "set MMAPDEMO_DISK to a scratch block device");
	memset(self->buf, 'D', LEN);
	ASSERT_EQ((ssize_t)LEN, pwrite(self->dfd, self->buf, LEN, 0));
	r = outcome(pread(self->dfd, self->map, LEN, 0), LEN);
	if (r == OK && !all_bytes(self->map, LEN, 'D'))
		r = BAD_DATA;
	EXPECT_CELL(ODIRECT_READ, r);
}

TEST_F(pin, odirect_write)
{
	int r;

	if (self->dfd < 0)
		SKIP(return, "set MMAPDEMO_DISK to a scratch block device");
	memset(self->buf, 'Z', LEN); /* what an earlier row left: gone */
	ASSERT_EQ((ssize_t)LEN, pwrite(self->dfd, self->buf, LEN, LEN));
	memset(self->map, 'W', LEN);
	r = outcome(pwrite(self->dfd, self->map, LEN, LEN), LEN);
	if (r == OK) {
		ASSERT_EQ((ssize_t)LEN, pread(self->dfd, self->buf, LEN, LEN));
		if (!all_bytes(self->buf, LEN, 'W'))
			r = BAD_DATA;
	}
	EXPECT_CELL(ODIRECT_WRITE, r);
}

TEST_F(pin, vmsplice)
{
	struct iovec iov = { self->map, LEN };
	int p[2], r;

	ASSERT_EQ(0, pipe(p));
	memset(self->map, 'S', LEN);
	r = outcome(vmsplice(p[1], &iov, 1, 0), LEN);
	if (r == OK) {
		ASSERT_EQ((ssize_t)LEN, read(p[0], self->buf, LEN));
		if (!all_bytes(self->buf, LEN, 'S'))
			r = BAD_DATA;
	}
	close(p[0]);
	close(p[1]);
	EXPECT_CELL(VMSPLICE, r);
}

/* One fixed-buffer read (@write false) or write of the whole buffer. */
static int uring_io(struct io_uring *ring, int fd, void *buf, bool write,
		    off_t off)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct io_uring_cqe *cqe;
	int ret;

	if (write)
		io_uring_prep_write_fixed(sqe, fd, buf, LEN, off, 0);
	else
		io_uring_prep_read_fixed(sqe, fd, buf, LEN, off, 0);
	ret = io_uring_submit(ring);
	if (ret != 1)
		return ret < 0 ? -ret : EIO;
	ret = io_uring_wait_cqe(ring, &cqe);
	if (ret)
		return -ret;
	ret = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return ret < 0 ? -ret : ret == (int)LEN ? OK : EIO;
}

/* Register the mapping as io_uring's fixed buffer 0: 0 or an errno. */
static int uring_pin(struct io_uring *ring, void *map)
{
	struct iovec iov = { map, LEN };
	int ret;

	ret = io_uring_queue_init(4, ring, 0);
	if (ret)
		return -ret;
	ret = io_uring_register_buffers(ring, &iov, 1);
	if (ret)
		io_uring_queue_exit(ring);
	return -ret;
}

TEST_F(pin, uring)
{
	struct io_uring ring;
	int r;

	r = uring_pin(&ring, self->map);
	if (r == OK) {
		memset(self->buf, 'U', LEN);
		ASSERT_EQ((ssize_t)LEN, pwrite(self->io, self->buf, LEN, 0));
		r = uring_io(&ring, self->io, self->map, false, 0);
		if (r == OK && !all_bytes(self->map, LEN, 'U'))
			r = BAD_DATA;
		memset(self->map, 'V', LEN);
		if (r == OK)
			r = uring_io(&ring, self->io, self->map, true, LEN);
		if (r == OK &&
		    (pread(self->io, self->buf, LEN, LEN) != (ssize_t)LEN ||
		     !all_bytes(self->buf, LEN, 'V')))
			r = BAD_DATA;
		io_uring_queue_exit(&ring);
	}
	EXPECT_CELL(URING, r);
}

TEST_F(pin, vm_writev)
{
	struct iovec local = { self->buf, LEN }, remote = { self->map, LEN };
	int r;

	memset(self->buf, 'P', LEN);
	r = outcome(process_vm_writev(getpid(), &local, 1, &remote, 1, 0), LEN);
	if (r == OK && !all_bytes(self->map, LEN, 'P'))
		r = BAD_DATA;
	EXPECT_CELL(VM_WRITEV, r);
}

/*
 * While the child still maps the pages, the parent stores to them (which
 * for a private mapping would copy the page away from the pin, were it
 * shared with the child), then io_uring reads into the pinned buffer: the
 * parent must see those bytes.  The child sees them only through a shared
 * mapping.
 */
TEST_F(pin, fork_pinned)
{
	bool shared = variant->type == MAP_SHARED;
	struct io_uring ring;
	struct turns t;
	pid_t pid;
	int r;

	r = uring_pin(&ring, self->map);
	if (r == OK) {
		ASSERT_EQ(0, turns_init(&t));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			turn_wait(t.to_child[0]);
			_exit(all_bytes(self->map, LEN, 'F') == shared ? 0 : 1);
		}
		memset(self->map, 'x', LEN);
		memset(self->buf, 'F', LEN);
		ASSERT_EQ((ssize_t)LEN, pwrite(self->io, self->buf, LEN, 0));
		r = uring_io(&ring, self->io, self->map, false, 0);
		if (r == OK && !all_bytes(self->map, LEN, 'F'))
			r = BAD_DATA;
		turn_give(t.to_child[1]);
		EXPECT_EQ(0, wait_child(pid));
		io_uring_queue_exit(&ring);
	}
	EXPECT_CELL(FORK_PINNED, r);
}

TEST_HARNESS_MAIN
