// SPDX-License-Identifier: GPL-2.0
/*
 * The module stays loaded while any mapping of it exists, even after the
 * file is closed, and unloads once the last mapping is gone.  The tests
 * that unload it load it again from $MMAPDEMO_KO with the parameters it had;
 * they also check that parameters take effect and bad ones are refused.
 */
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "kselftest_harness.h"
#include "mmapdemo_util.h"

static int try_unload(void)
{
	return syscall(SYS_delete_module, "mmapdemo", O_NONBLOCK);
}

/* Map the first page of the file device, with a size of one page. */
static void *map_and_close(int type)
{
	int fd = open(MD_PATH, O_RDWR | O_CLOEXEC);
	void *p;

	if (fd < 0)
		return MAP_FAILED;
	if (md_set_size(fd, page_size())) {
		close(fd);
		return MAP_FAILED;
	}
	p = mmap(NULL, page_size(), PROT_READ | PROT_WRITE, type, fd, 0);
	close(fd);
	return p;
}

static bool loaded(void)
{
	return access("/sys/module/mmapdemo", F_OK) == 0;
}

FIXTURE(unload){};

FIXTURE_SETUP(unload)
{
	if (!loaded())
		SKIP(return, "mmapdemo is not loaded");
	if (geteuid())
		SKIP(return, "unloading needs root");
}

FIXTURE_TEARDOWN(unload)
{
}

/*
 * At the end of the suite, before anything here unloads and reloads the
 * module (so it comes first): no mapping of any device, no page of an
 * anonymous-style object, and once the buffer is shrunk to nothing, no
 * page of it either.  (The loader unloads the module at the end and,
 * where there is kmemleak, scans for leaks.)
 */
TEST_F(unload, nothing_left)
{
	struct mmapdemo_info info;
	int fd = open(MD_PATH, O_RDWR | O_CLOEXEC);
	int afd = open(MD_ANON_PATH, O_RDONLY | O_CLOEXEC);
	int hfd = open(MD_HUGE_PATH, O_RDONLY | O_CLOEXEC);

	ASSERT_LE(0, fd);
	ASSERT_LE(0, afd);
	ASSERT_LE(0, hfd);
	ASSERT_EQ(0, md_info(hfd, &info));
	EXPECT_EQ(0ULL, info.nr_mappings);
	close(hfd);
	for (int i = 0; i < 2; i++) {
		int efd = open(i ? MD_REMAP_PATH : MD_INSERT_PATH,
			       O_RDONLY | O_CLOEXEC);

		ASSERT_LE(0, efd);
		ASSERT_EQ(0, md_info(efd, &info));
		EXPECT_EQ(0ULL, info.nr_mappings);
		close(efd);
	}
	ASSERT_EQ(0, md_info(afd, &info));
	EXPECT_EQ(0ULL, info.nr_mappings);
	EXPECT_EQ(0ULL, info.nr_pages);
	ASSERT_EQ(0, md_set_size(fd, 0));
	ASSERT_EQ(0, md_info(fd, &info));
	EXPECT_EQ(0ULL, info.nr_mappings);
	EXPECT_EQ(0ULL, info.nr_pages);
	close(fd);
	close(afd);
}

/* An open file pins the module: rmmod fails with EWOULDBLOCK. */
TEST_F(unload, refused_while_open)
{
	int fd = open(MD_PATH, O_RDONLY | O_CLOEXEC);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, try_unload());
	EXPECT_EQ(EWOULDBLOCK, errno);
	close(fd);
}

/* A mapping pins it too, after close(): the VMA holds the file. */
TEST_F(unload, refused_while_mapped_after_close)
{
	int types[] = { MAP_SHARED, MAP_PRIVATE };

	for (int i = 0; i < 2; i++) {
		unsigned char *p = map_and_close(types[i]);

		ASSERT_NE(MAP_FAILED, p);
		p[0] = 1;
		EXPECT_EQ(-1, try_unload());
		EXPECT_EQ(EWOULDBLOCK, errno);
		EXPECT_TRUE(loaded());
		EXPECT_EQ(0, peek(p).sig); /* and the mapping still works */
		munmap(p, page_size());
	}
}

/* A forked child's copy of the mapping pins it as well. */
TEST_F(unload, refused_while_child_maps)
{
	struct turns t;
	unsigned char *p;
	pid_t pid;

	p = map_and_close(MAP_SHARED);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, turns_init(&t));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		turn_wait(t.to_child[0]);
		_exit(peek(p).sig == 0 ? 0 : 1);
	}
	munmap(p, page_size());
	EXPECT_EQ(-1, try_unload());
	EXPECT_EQ(EWOULDBLOCK, errno);
	turn_give(t.to_child[1]);
	EXPECT_EQ(0, wait_child(pid)); /* its mapping still worked */
}

/* Read a module parameter as the string insmod takes. */
static void param(const char *name, char *buf, size_t len)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/mmapdemo/parameters/%s",
		 name);
	read_line(path, buf, len);
}

/* The parameters the module runs with now, as insmod arguments. */
static void current_params(char *buf, size_t len)
{
	char size[32], max[32], mode[16], amode[16];

	param("size", size, sizeof(size));
	param("max_size", max, sizeof(max));
	param("mode", mode, sizeof(mode));
	param("anon_mode", amode, sizeof(amode));
	snprintf(buf, len, "size=%s max_size=%s mode=%s anon_mode=%s", size,
		 max, mode, amode);
}

/* Load $MMAPDEMO_KO with @params: 0, or -1 with errno. */
static int load(const char *params)
{
	int fd, ret;

	fd = open(getenv("MMAPDEMO_KO"), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = syscall(SYS_finit_module, fd, params, 0);
	close(fd);
	return ret;
}

/* With the last mapping gone, rmmod succeeds; then load it back. */
TEST_F(unload, accepted_after_munmap)
{
	char params[160];
	unsigned char *p;

	if (!getenv("MMAPDEMO_KO"))
		SKIP(return, "MMAPDEMO_KO is not set: could not load it back");
	current_params(params, sizeof(params));

	p = map_and_close(MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, try_unload());
	munmap(p, page_size());
	ASSERT_EQ(0, try_unload());
	EXPECT_FALSE(loaded());
	EXPECT_EQ(-1, access(MD_PATH, F_OK));

	ASSERT_EQ(0, load(params))
	TH_LOG("loading with %s: %s", params, strerror(errno));
	EXPECT_TRUE(loaded());
}

/*
 * Pages outlive the module while something else holds them: vmsplice()
 * puts the insert node's pages in a pipe (a reference on each), then the
 * mapping and the fd go, and rmmod succeeds.  The module drops only its
 * own reference on each page, so the pipe still reads what was stored,
 * and the pages are freed when the pipe lets go (on the debug kernel,
 * KASAN and page poisoning would see a page used after it was freed).
 */
TEST_F(unload, pages_outlive_module)
{
	size_t len = 16 * page_size();
	struct iovec iov = { NULL, len };
	char params[160];
	unsigned char *buf;
	int fd, p[2];

	if (!getenv("MMAPDEMO_KO"))
		SKIP(return, "MMAPDEMO_KO is not set: could not load it back");
	current_params(params, sizeof(params));
	buf = malloc(len);
	ASSERT_NE(NULL, buf);
	fd = open(MD_INSERT_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	iov.iov_base =
		mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, iov.iov_base);
	memset(iov.iov_base, 'k', len);
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ((ssize_t)len, vmsplice(p[1], &iov, 1, 0));
	munmap(iov.iov_base, len);
	close(fd);

	ASSERT_EQ(0, try_unload());
	EXPECT_FALSE(loaded());
	EXPECT_EQ((ssize_t)len, read(p[0], buf, len));
	EXPECT_TRUE(all_bytes(buf, len, 'k'));
	close(p[0]);
	close(p[1]);
	free(buf);
	ASSERT_EQ(0, load(params))
	TH_LOG("loading with %s: %s", params, strerror(errno));
}

/* Bad parameters fail the load cleanly, leaving nothing behind. */
TEST_F(unload, bad_parameters_refused)
{
	static const char *const bad[] = {
		"size=8192 max_size=4096", /* size beyond max_size */
		"max_size=9223372036854775808", /* beyond MAX_LFS_FILESIZE */
		"mode=0999", /* not octal */
		"mode=01777", /* more than permission bits */
		"size=-1",
		"eager_size=1048576", /* not a multiple of 2 MiB */
	};
	char params[160];

	if (!getenv("MMAPDEMO_KO"))
		SKIP(return, "MMAPDEMO_KO is not set: could not load it back");
	current_params(params, sizeof(params));
	ASSERT_EQ(0, try_unload());

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-1, load(bad[i])) TH_LOG("%s was accepted", bad[i]);
		EXPECT_EQ(EINVAL, errno) TH_LOG("%s", bad[i]);
		EXPECT_FALSE(loaded());
		if (loaded())
			try_unload();
	}
	ASSERT_EQ(0, load(params));
}

/*
 * The parameters take effect: the initial size and zeroed pages, the node's
 * mode, and max_size, up to which writes grow the buffer and beyond which
 * they stop with EFBIG.  Loads the module with a small max_size, then puts
 * back the parameters it had.
 */
TEST_F(unload, parameters_take_effect)
{
	size_t ps = page_size();
	char params[160], small[128];
	unsigned char buf[4096] = { 0 };
	struct mmapdemo_info info;
	struct stat st;
	int fd;

	if (!getenv("MMAPDEMO_KO"))
		SKIP(return, "MMAPDEMO_KO is not set: could not load it back");
	current_params(params, sizeof(params));
	ASSERT_EQ(0, try_unload());
	snprintf(small, sizeof(small),
		 "size=%zu max_size=%zu mode=0644 anon_mode=0600", 3 * ps + 5,
		 8 * ps);
	ASSERT_EQ(0, load(small));

	ASSERT_EQ(0, stat(MD_PATH, &st));
	EXPECT_EQ(0644u, st.st_mode & 07777);
	ASSERT_EQ(0, stat(MD_ANON_PATH, &st));
	EXPECT_EQ(0600u, st.st_mode & 07777);
	if (!geteuid()) {
		EXPECT_EQ(0, open_as_nobody(MD_PATH, O_RDONLY));
		EXPECT_EQ(1, open_as_nobody(MD_PATH, O_RDWR));
		EXPECT_EQ(1, open_as_nobody(MD_ANON_PATH, O_RDONLY));
	}
	fd = open(MD_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, md_info(fd, &info));
	EXPECT_EQ(3 * ps + 5, info.size);
	EXPECT_EQ(8 * ps, info.max_size);
	EXPECT_EQ(4ULL, info.nr_pages);
	EXPECT_EQ((ssize_t)ps, pread(fd, buf, ps, 2 * ps));
	EXPECT_TRUE(all_bytes(buf, ps, 0));

	/* Up to max_size: the last write is cut short at it. */
	EXPECT_EQ((ssize_t)ps, pwrite(fd, buf, ps, 6 * ps));
	EXPECT_EQ(100, pwrite(fd, buf, 200, 8 * ps - 100));
	EXPECT_EQ(-1, pwrite(fd, buf, 1, 8 * ps));
	EXPECT_EQ(EFBIG, errno);
	ASSERT_EQ(0, md_info(fd, &info));
	EXPECT_EQ(8 * ps, info.size);
	EXPECT_EQ(8ULL, info.nr_pages);
	EXPECT_EQ(0, md_set_size(fd, 8 * ps));
	EXPECT_EQ(-1, md_set_size(fd, 8 * ps + 1));
	EXPECT_EQ(EFBIG, errno);
	close(fd);

	ASSERT_EQ(0, try_unload());
	ASSERT_EQ(0, load(params));
}

/* Map and touch both kinds on both devices, then unmap: a full cycle. */
static int use_devices(void)
{
	const char *paths[] = { MD_PATH, MD_ANON_PATH };
	int types[] = { MAP_SHARED, MAP_PRIVATE };

	for (int i = 0; i < 2; i++) {
		int fd = open(paths[i], O_RDWR | O_CLOEXEC);

		if (fd < 0)
			return -1;
		for (int t = 0; t < 2; t++) {
			unsigned char *p = mmap(NULL, 2 * page_size(),
						PROT_READ | PROT_WRITE,
						types[t], fd, 0);

			if (p == MAP_FAILED)
				return -1;
			p[0] = 1;
			if (p[page_size()])
				return -1;
			munmap(p, 2 * page_size());
		}
		close(fd);
	}
	return 0;
}

/*
 * Load/unload cycles with mappings made and torn down in between: 100 in a
 * long run (MMAPDEMO_LONG), 10 otherwise.
 */
TEST_F_TIMEOUT(unload, cycles, 600)
{
	int cycles = long_run() ? 100 : 10;
	char params[160];

	if (!getenv("MMAPDEMO_KO"))
		SKIP(return, "MMAPDEMO_KO is not set: could not load it back");
	current_params(params, sizeof(params));
	for (int i = 0; i < cycles; i++) {
		ASSERT_EQ(0, use_devices()) TH_LOG("cycle %d", i);
		ASSERT_EQ(0, try_unload())
		TH_LOG("cycle %d: %s", i, strerror(errno));
		ASSERT_EQ(0, load(params))
		TH_LOG("cycle %d: %s", i, strerror(errno));
	}
}

/* What is left of the count armed in fail-nth: 0 once it injected. */
static int fail_nth_left(void)
{
	FILE *f = fopen("/proc/thread-self/fail-nth", "re");
	int left = -1;

	if (f) {
		if (fscanf(f, "%d", &left) != 1)
			left = -1;
		fclose(f);
	}
	return left;
}

/*
 * Every slab allocation that the module's init makes fails in turn
 * (failslab and fail-nth, debug kernel; the stack filter keeps to code in
 * x86-64's module area, so that the loader's own allocations go through):
 * each load either fails and leaves nothing behind, or loads, perhaps
 * without a node it could not register (the module says so), and unloads
 * cleanly.  Once no failure is left to inject, it loads whole.  kmemleak,
 * at the end of the run, finds what a path forgot.
 */
TEST_F_TIMEOUT(unload, load_failures, 600)
{
	static const char *const knobs[][2] = {
		{ "probability", "0" },
		{ "verbose", "0" },
		{ "ignore-gfp-wait", "N" },
		{ "stacktrace-depth", "32" },
		/* From the lowest MODULES_VADDR to MODULES_END. */
		{ "require-start", "18446744072098938880" },
		{ "require-end", "18446744073692774400" },
	};
	char params[160], path[96], nth[16];
	int n, injected_loads = 0;

	if (!getenv("MMAPDEMO_KO"))
		SKIP(return, "MMAPDEMO_KO is not set: could not load it back");
	if (access("/sys/kernel/debug/failslab/probability", F_OK) ||
	    access("/proc/thread-self/fail-nth", F_OK)) {
		if (getenv("MMAPDEMO_REQUIRE_DEBUG"))
			ASSERT_TRUE(false) TH_LOG("no fault injection here");
		SKIP(return, "no failslab and fail-nth here");
	}
	for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		snprintf(path, sizeof(path), "/sys/kernel/debug/failslab/%s",
			 knobs[i][0]);
		if (access(path, F_OK) == 0)
			ASSERT_EQ(0, write_str(path, knobs[i][1]));
	}
	current_params(params, sizeof(params));
	ASSERT_EQ(0, try_unload());

	for (n = 1; n < 5000; n++) {
		int ret;

		snprintf(nth, sizeof(nth), "%d", n);
		ASSERT_EQ(0, write_str("/proc/thread-self/fail-nth", nth));
		ret = load(params);
		/* fail-nth reads 0 once it injected, else what was left. */
		if (fail_nth_left()) {
			ASSERT_EQ(0, ret);
			break; /* fewer than n allocations: nothing failed */
		}
		if (ret) {
			ASSERT_FALSE(loaded()) TH_LOG("allocation %d", n);
			continue;
		}
		if (access(MD_ANON_PATH, F_OK) || access(MD_HUGE_PATH, F_OK))
			injected_loads++;
		ASSERT_EQ(0, try_unload()) TH_LOG("allocation %d", n);
	}
	ASSERT_EQ(0, write_str("/proc/thread-self/fail-nth", "0"));
	TH_LOG("%d allocations swept, %d loads without a node", n,
	       injected_loads);
	EXPECT_LT(1, n);
	EXPECT_TRUE(loaded());
	EXPECT_EQ(0, access(MD_ANON_PATH, F_OK));
	EXPECT_EQ(0, access(MD_HUGE_PATH, F_OK));
}

TEST_HARNESS_MAIN
