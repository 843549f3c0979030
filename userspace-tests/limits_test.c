// SPDX-License-Identifier: GPL-2.0
/*
 * Limits and permissions.  Inside a memory cgroup with a small memory.max,
 * growing /dev/mmapdemo fails cleanly with ENOMEM (the module asks for its
 * pages with __GFP_RETRY_MAYFAIL, so no OOM kill), while faulting in
 * anonymous-style pages past the limit OOM-kills that process, as anonymous
 * memory would; outside the cgroup everything still works.  The huge
 * device's region is not charged to faults at all.  Under
 * vm.overcommit_memory=2 a shared anonymous object is not charged at
 * mmap(), unlike /dev/zero's.  As an unprivileged user, the device nodes
 * admit exactly what their modes say.
 */
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "mmapdemo_util.h"

#define CGROOT "/sys/fs/cgroup"
#define LIMIT (16UL << 20)

static int write_file(const char *dir, const char *name, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return write_str(path, val);
}

/* The value of @key in a cgroup's flat-keyed file such as memory.events. */
static long cg_key(const char *dir, const char *name, const char *key)
{
	char path[256], k[64];
	long v, found = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", k, &v) == 2)
		if (!strcmp(k, key))
			found = v;
	fclose(f);
	return found;
}

/* Mark a stretch of the kernel log where an OOM report is expected. */
static void kmsg(const char *msg)
{
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (write(fd, msg, strlen(msg)) < 0)
			perror("/dev/kmsg");
		close(fd);
	}
}

FIXTURE(memcg)
{
	char cg[128];
	int fd;
	size_t ps;
};

FIXTURE_SETUP(memcg)
{
	char controllers[256];

	self->ps = page_size();
	self->fd = backend_open(BACKEND_MMAPDEMO, 4 * self->ps);
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, "%s: no such device (module not loaded)", MD_PATH);
	ASSERT_LE(0, self->fd);

	read_line(CGROOT "/cgroup.controllers", controllers,
		  sizeof(controllers));
	if (!strstr(controllers, "memory"))
		SKIP(return, "no cgroup v2 memory controller at " CGROOT);
	ASSERT_EQ(0, write_file(CGROOT, "cgroup.subtree_control", "+memory"));
	snprintf(self->cg, sizeof(self->cg), CGROOT "/mmapdemo-%d", getpid());
	ASSERT_EQ(0, mkdir(self->cg, 0755));
	ASSERT_EQ(0, write_file(self->cg, "memory.max", "16M"));
	write_file(self->cg, "memory.swap.max", "0");
}

FIXTURE_TEARDOWN(memcg)
{
	if (self->cg[0])
		rmdir(self->cg);
	close(self->fd);
}

/* Fork a child into the cgroup; it runs @fn and exits with its result. */
static pid_t in_cgroup(const char *cg, int (*fn)(int fd, size_t ps), int fd,
		       size_t ps)
{
	pid_t pid = fork();
	char buf[32];

	if (pid)
		return pid;
	snprintf(buf, sizeof(buf), "%d", getpid());
	if (write_file(cg, "cgroup.procs", buf))
		_exit(90);
	_exit(fn(fd, ps));
}

static int grow_past_limit(int fd, size_t ps)
{
	struct mmapdemo_info info;
	unsigned char byte = 1;

	if (md_set_size(fd, 4 * LIMIT) == 0)
		return 1;
	if (errno != ENOMEM)
		return 2;
	/* The same through write(): ENOMEM, nothing written. */
	if (pwrite(fd, &byte, 1, 4 * LIMIT) != -1 || errno != ENOMEM)
		return 3;
	if (md_info(fd, &info) || info.size != 4 * ps || info.nr_pages != 4)
		return 4;
	/* Within the limit, growing still works. */
	if (md_set_size(fd, LIMIT / 4))
		return 5;
	return md_set_size(fd, 4 * ps) ? 6 : 0;
}

/* A grow past memory.max: ENOMEM in the cgroup, no OOM kill, no leak. */
TEST_F(memcg, grow_enomem)
{
	pid_t pid = in_cgroup(self->cg, grow_past_limit, self->fd, self->ps);

	ASSERT_LE(0, pid);
	EXPECT_EQ(0, wait_child(pid));
	EXPECT_EQ(0, cg_key(self->cg, "memory.events", "oom_kill"));
	EXPECT_EQ(0, cg_key(self->cg, "memory.stat", "file"));
	/* Outside the cgroup, the same grow works. */
	EXPECT_EQ(0, md_set_size(self->fd, 4 * LIMIT));
	EXPECT_EQ(0, md_set_size(self->fd, 4 * self->ps));
}

static int touch_anon_past_limit(int fd, size_t ps)
{
	int afd = open(MD_ANON_PATH, O_RDWR | O_CLOEXEC);
	size_t len = 4 * LIMIT;
	unsigned char *p;

	if (afd < 0)
		return 10;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, afd, 0);
	if (p == MAP_FAILED)
		return 11;
	for (size_t off = 0; off < len; off += ps)
		p[off] = 1;
	return 12; /* not reached: the OOM killer stops us */
}

/*
 * Faulting in anonymous-style pages past memory.max: the memory cgroup's
 * OOM killer ends the process, as for anonymous memory; its object and
 * pages go with it.
 */
TEST_F(memcg, anon_fault_oom_kill)
{
	struct mmapdemo_info before, after;
	int afd = open(MD_ANON_PATH, O_RDWR | O_CLOEXEC);
	pid_t pid;

	ASSERT_LE(0, afd);
	ASSERT_EQ(0, md_info(afd, &before));
	kmsg("mmapdemo-selftest: expect oom-kill begin\n");
	pid = in_cgroup(self->cg, touch_anon_past_limit, self->fd, self->ps);
	ASSERT_LE(0, pid);
	EXPECT_EQ(128 + SIGKILL, wait_child(pid));
	kmsg("mmapdemo-selftest: expect oom-kill end\n");
	EXPECT_LE(1, cg_key(self->cg, "memory.events", "oom_kill"));
	ASSERT_EQ(0, md_info(afd, &after));
	EXPECT_EQ(before.nr_pages, after.nr_pages);
	EXPECT_EQ(before.nr_mappings, after.nr_mappings);
	close(afd);
}

static int write_huge_region(int fd, size_t ps)
{
	int hfd = open(MD_HUGE_PATH, O_RDWR | O_CLOEXEC);
	struct mmapdemo_info info;
	unsigned char *p;

	if (hfd < 0 || md_info(hfd, &info))
		return 10;
	p = mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED, hfd, 0);
	if (p == MAP_FAILED)
		return 11;
	/* A fault that could not finish would spin until this alarm. */
	alarm(60);
	for (size_t off = 0; off < info.size; off += ps)
		p[off] = (unsigned char)(off / ps);
	for (size_t off = 0; off < info.size; off += ps)
		if (p[off] != (unsigned char)(off / ps))
			return 12;
	munmap(p, info.size);
	return 0;
}

/*
 * /dev/mmapdemo-huge stands for device memory, allocated at load: inside a
 * memory cgroup far smaller than the region, every page of it can still be
 * written, and no fault retries (no VM_FAULT_OOM loop, no OOM kill).
 */
TEST_F(memcg, huge_region_not_charged_to_faults)
{
	pid_t pid;

	if (access(MD_HUGE_PATH, F_OK))
		SKIP(return, "%s: no such device", MD_HUGE_PATH);
	ASSERT_EQ(0, write_file(self->cg, "memory.max", "4M"));
	pid = in_cgroup(self->cg, write_huge_region, self->fd, self->ps);
	ASSERT_LE(0, pid);
	EXPECT_EQ(0, wait_child(pid));
	EXPECT_EQ(0, cg_key(self->cg, "memory.events", "oom_kill"));
}

/*
 * Overcommit, vm.overcommit_memory=2: a MAP_SHARED object of /dev/zero is
 * shmem, charged against CommitLimit at mmap(); the device's shared object
 * cannot be (__vm_enough_memory() is not exported to modules), so mmap()
 * succeeds, and what bounds it is the memory cgroup that each page is
 * charged to as it is touched (anon_fault_oom_kill above).  Pinned here,
 * as docs/differential.md says.
 */
static long commit_limit_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CommitLimit: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

TEST(overcommit_never_shared_objects)
{
	char old[16] = "";
	int fd = open("/proc/sys/vm/overcommit_memory", O_RDWR | O_CLOEXEC);
	size_t len;
	void *z, *d;
	int zfd, afd;

	ASSERT_LE(0, fd);
	ASSERT_LT(0, read(fd, old, sizeof(old) - 1));
	close(fd);
	ASSERT_EQ(0, write_str("/proc/sys/vm/overcommit_memory", "2"));
	len = (size_t)commit_limit_kb() * 1024 * 2;
	zfd = open("/dev/zero", O_RDWR | O_CLOEXEC);
	afd = open(MD_ANON_PATH, O_RDWR | O_CLOEXEC);
	z = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, zfd, 0);
	d = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, afd, 0);
	EXPECT_EQ(MAP_FAILED, z);
	EXPECT_NE(MAP_FAILED, d);
	if (z != MAP_FAILED)
		munmap(z, len);
	if (d != MAP_FAILED)
		munmap(d, len);
	close(zfd);
	close(afd);
	EXPECT_EQ(0, write_str("/proc/sys/vm/overcommit_memory", old));
}

/* Permissions: as nobody, the nodes admit what their modes say. */
FIXTURE(perm)
{
	size_t ps;
};

FIXTURE_SETUP(perm)
{
	self->ps = page_size();
	if (access(MD_PATH, F_OK))
		SKIP(return, "%s: no such device (module not loaded)", MD_PATH);
	if (geteuid())
		SKIP(return, "becoming another user needs root");
}

FIXTURE_TEARDOWN(perm)
{
}

/* An unprivileged user maps and uses anonymous-style memory. */
static int anon_as_nobody(void)
{
	pid_t pid = fork();
	unsigned char *s, *p;
	int fd;

	if (pid)
		return wait_child(pid);
	if (become_nobody())
		_exit(90);
	fd = open(MD_ANON_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		_exit(1);
	s = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (s == MAP_FAILED || p == MAP_FAILED)
		_exit(2);
	/* Each store, read back through the mapping, stays. */
	_exit(poke(s, 1).sig || poke(p, 2).sig || peek(s).val != 1 ||
			      peek(p).val != 2 ?
		      3 :
		      0);
}

/* The parameter's octal mode, as the node must have it. */
static unsigned int param_mode(const char *name)
{
	char path[128], buf[16];

	snprintf(path, sizeof(path), "/sys/module/mmapdemo/parameters/%s",
		 name);
	read_line(path, buf, sizeof(buf));
	return (unsigned int)strtoul(buf, NULL, 8);
}

TEST_F(perm, node_modes)
{
	unsigned int mode = param_mode("mode"), amode = param_mode("anon_mode");
	struct stat st;

	ASSERT_EQ(0, stat(MD_PATH, &st));
	EXPECT_EQ(mode, st.st_mode & 07777);
	ASSERT_EQ(0, stat(MD_ANON_PATH, &st));
	EXPECT_EQ(amode, st.st_mode & 07777);
	EXPECT_TRUE(S_ISCHR(st.st_mode));

	/* Root owns the nodes; "other" bits decide for nobody. */
	EXPECT_EQ(mode & 04 ? 0 : 1, open_as_nobody(MD_PATH, O_RDONLY));
	EXPECT_EQ(mode & 02 ? 0 : 1, open_as_nobody(MD_PATH, O_WRONLY));
	EXPECT_EQ((mode & 06) == 06 ? 0 : 1, open_as_nobody(MD_PATH, O_RDWR));
	EXPECT_EQ((amode & 06) == 06 ? 0 : 1,
		  open_as_nobody(MD_ANON_PATH, O_RDWR));
	if ((amode & 06) == 06)
		EXPECT_EQ(0, anon_as_nobody());
}

TEST_HARNESS_MAIN
