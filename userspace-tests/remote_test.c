// SPDX-License-Identifier: GPL-2.0
/*
 * Another process's mapping of each device, reached the ways a debugger
 * or a monitor does: ptrace(PTRACE_PEEKDATA/POKEDATA), /proc/<pid>/mem as
 * the tracer (which forces, as a debugger must), process_vm_readv() and
 * process_vm_writev().  Each side runs on the device and on its reference
 * (memfd, /dev/zero) and must give the same results:
 *  - a write into a shared mapping reaches the file (or the object);
 *  - a write into a private mapping, forced through a read-only one,
 *    makes the child's private copy and never reaches the file;
 *  - process_vm_writev() does not force: a read-only mapping gives EFAULT.
 * The huge device maps page frames (VM_PFNMAP), which none of these can
 * reach without a vm_ops->access(), which it has not: EIO and EFAULT.
 */
#include <sys/ptrace.h>
#include <sys/uio.h>

#include "kselftest_harness.h"
#include "mmapdemo_util.h"

#define NP 4

/* The child: map, tell the parent where, wait to be told to check. */
struct child {
	pid_t pid;
	unsigned char *addr;
	int to_child, from_child;
};

static int open_side(const char *path, size_t len)
{
	int fd = path ? open(path, O_RDWR | O_CLOEXEC) :
			memfd_create("reference", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (!path && ftruncate(fd, (off_t)len))
		return -1;
	/* The device's buffer outlives its opens: through zero, afresh. */
	if (path && !strcmp(path, MD_PATH) &&
	    (md_set_size(fd, 0) || md_set_size(fd, len)))
		return -1;
	/* So does the eager nodes' region, which only a mapping clears. */
	if (path && !strcmp(path, MD_INSERT_PATH)) {
		void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
			       fd, 0);

		if (p == MAP_FAILED)
			return -1;
		memset(p, 0, len);
		munmap(p, len);
	}
	return fd;
}

/* Fork a child that maps @fd (@prot, @type) and reports the address. */
static int start_child(struct child *c, int fd, int prot, int type)
{
	int down[2], up[2];

	if (pipe(down) || pipe(up))
		return -1;
	c->pid = fork();
	if (c->pid < 0)
		return -1;
	if (c->pid == 0) {
		unsigned char *p =
			mmap(NULL, NP * page_size(), prot, type, fd, 0);
		char go;

		if (p == MAP_FAILED)
			_exit(90);
		if (prot & PROT_READ)
			(void)*(volatile unsigned char *)p;
		if (write(up[1], &p, sizeof(p)) != sizeof(p))
			_exit(91);
		/* Report what the mapping shows once the parent is done. */
		if (read(down[0], &go, 1) != 1)
			_exit(92);
		if (write(up[1], p, 1) != 1)
			_exit(93);
		_exit(0);
	}
	close(down[0]);
	close(up[1]);
	c->to_child = down[1];
	c->from_child = up[0];
	return read(c->from_child, &c->addr, sizeof(c->addr)) ==
			       sizeof(c->addr) ?
		       0 :
		       -1;
}

/* What the child's mapping shows at its first byte, then reap it. */
static int finish_child(struct child *c)
{
	unsigned char v = 0xee;

	if (write(c->to_child, "g", 1) != 1 || read(c->from_child, &v, 1) != 1)
		v = 0xee;
	close(c->to_child);
	close(c->from_child);
	return wait_child(c->pid) ? -1 : v;
}

/* The ways in, each as "what the call returned or -errno". */
static long peek_poke(pid_t pid, void *addr, long word)
{
	errno = 0;
	if (ptrace(PTRACE_POKEDATA, pid, addr, (void *)word))
		return -errno;
	errno = 0;
	word = ptrace(PTRACE_PEEKDATA, pid, addr, NULL);
	return errno ? -errno : word;
}

static long proc_mem(pid_t pid, void *addr, unsigned char c)
{
	char path[64];
	long ret;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = pwrite(fd, &c, 1, (off_t)(uintptr_t)addr);
	ret = ret < 0 ? -errno : ret;
	close(fd);
	return ret;
}

static long vm_writev(pid_t pid, void *addr, unsigned char c)
{
	struct iovec local = { &c, 1 }, remote = { addr, 1 };
	long ret = process_vm_writev(pid, &local, 1, &remote, 1, 0);

	return ret < 0 ? -errno : ret;
}

static long vm_readv(pid_t pid, void *addr)
{
	unsigned char c = 0;
	struct iovec local = { &c, 1 }, remote = { addr, 1 };
	long ret = process_vm_readv(pid, &local, 1, &remote, 1, 0);

	return ret < 0 ? -errno : c;
}

/* Everything one side gives: results of each way in, and what it left. */
struct outcome {
	long poke, mem, writev, readv;
	int child_sees, file_holds;
};

static int attach(pid_t pid)
{
	int status;

	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL))
		return -1;
	return waitpid(pid, &status, 0) == pid ? 0 : -1;
}

/* The first byte of the file, or of the region behind an eager node. */
static int file_byte(int fd)
{
	unsigned char byte, *p;

	if (pread(fd, &byte, 1, 0) == 1)
		return byte;
	p = mmap(NULL, page_size(), PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -1;
	byte = p[0];
	munmap(p, page_size());
	return byte;
}

static struct outcome try_side(const char *path, int prot, int type)
{
	struct outcome o = { 0 };
	size_t len = NP * page_size();
	struct child c;
	int fd = open_side(path, len);

	if (fd < 0 || start_child(&c, fd, prot, type)) {
		o.child_sees = -2;
		return o;
	}
	if (attach(c.pid)) {
		o.child_sees = -3;
		return o;
	}
	o.poke = peek_poke(c.pid, c.addr, 0x41);
	o.mem = proc_mem(c.pid, c.addr + 1, 0x42);
	ptrace(PTRACE_DETACH, c.pid, NULL, NULL);
	o.writev = vm_writev(c.pid, c.addr + 2, 0x43);
	o.readv = vm_readv(c.pid, c.addr);
	o.child_sees = finish_child(&c);
	o.file_holds = file_byte(fd);
	close(fd);
	return o;
}

FIXTURE(remote){};

FIXTURE_VARIANT(remote)
{
	const char *dev, *ref;
	int prot, type;
};

/* clang-format off */
FIXTURE_VARIANT_ADD(remote, file_shared)
{
	.dev = MD_PATH, .ref = NULL,
	.prot = PROT_READ | PROT_WRITE, .type = MAP_SHARED,
};

FIXTURE_VARIANT_ADD(remote, file_private_rdonly)
{
	.dev = MD_PATH, .ref = NULL, .prot = PROT_READ, .type = MAP_PRIVATE,
};

FIXTURE_VARIANT_ADD(remote, file_private)
{
	.dev = MD_PATH, .ref = NULL,
	.prot = PROT_READ | PROT_WRITE, .type = MAP_PRIVATE,
};

FIXTURE_VARIANT_ADD(remote, anon_shared)
{
	.dev = MD_ANON_PATH, .ref = "/dev/zero",
	.prot = PROT_READ | PROT_WRITE, .type = MAP_SHARED,
};

FIXTURE_VARIANT_ADD(remote, anon_private_rdonly)
{
	.dev = MD_ANON_PATH, .ref = "/dev/zero",
	.prot = PROT_READ, .type = MAP_PRIVATE,
};

/* vm_insert_pages(): pages, which GUP reaches as a memfd's */
FIXTURE_VARIANT_ADD(remote, insert_shared)
{
	.dev = MD_INSERT_PATH, .ref = NULL,
	.prot = PROT_READ | PROT_WRITE, .type = MAP_SHARED,
};

FIXTURE_VARIANT_ADD(remote, insert_private)
{
	.dev = MD_INSERT_PATH, .ref = NULL,
	.prot = PROT_READ | PROT_WRITE, .type = MAP_PRIVATE,
};
/* clang-format on */

FIXTURE_SETUP(remote)
{
	if (access(MD_PATH, F_OK))
		SKIP(return, "mmapdemo is not loaded");
	if (geteuid())
		SKIP(return, "the nodes need root");
}

FIXTURE_TEARDOWN(remote)
{
}

TEST_F(remote, same_as_reference)
{
	struct outcome d = try_side(variant->dev, variant->prot, variant->type);
	struct outcome r = try_side(variant->ref, variant->prot, variant->type);
	/* /dev/zero's read() gives zeroes, whatever was written */
	bool file = strcmp(variant->dev, MD_ANON_PATH);

	TH_LOG("device: poke %ld mem %ld writev %ld readv %ld child %#x file %#x",
	       d.poke, d.mem, d.writev, d.readv, d.child_sees, d.file_holds);
	TH_LOG("reference: poke %ld mem %ld writev %ld readv %ld child %#x file %#x",
	       r.poke, r.mem, r.writev, r.readv, r.child_sees, r.file_holds);
	ASSERT_LE(0, d.child_sees);
	ASSERT_LE(0, r.child_sees);
	EXPECT_EQ(r.poke, d.poke);
	EXPECT_EQ(r.mem, d.mem);
	EXPECT_EQ(r.writev, d.writev);
	EXPECT_EQ(r.readv, d.readv);
	EXPECT_EQ(r.child_sees, d.child_sees);
	if (file)
		EXPECT_EQ(r.file_holds, d.file_holds);
	/* The rules themselves: a private write never reaches the file. */
	if (variant->type == MAP_PRIVATE) {
		EXPECT_NE(0x41, d.file_holds);
	} else if (file) {
		EXPECT_EQ(0x41, d.file_holds);
	}
}

/* Page frames: no way in without vm_ops->access(). */
TEST(pfnmap_unreachable)
{
	const char *paths[] = { MD_HUGE_PATH, MD_REMAP_PATH };

	for (int i = 0; i < 2; i++) {
		struct outcome h;

		if (access(paths[i], F_OK))
			SKIP(return, "no %s", paths[i]);
		h = try_side(paths[i], PROT_READ | PROT_WRITE, MAP_SHARED);
		ASSERT_LE(0, h.child_sees) TH_LOG("%s", paths[i]);
		EXPECT_EQ(-EIO, h.poke) TH_LOG("%s", paths[i]);
		EXPECT_EQ(-EIO, h.mem) TH_LOG("%s", paths[i]);
		EXPECT_EQ(-EFAULT, h.writev) TH_LOG("%s", paths[i]);
		EXPECT_EQ(-EFAULT, h.readv) TH_LOG("%s", paths[i]);
	}
}

TEST_HARNESS_MAIN
