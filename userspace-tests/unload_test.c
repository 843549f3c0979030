// SPDX-License-Identifier: GPL-2.0
/*
 * The module stays loaded while any mapping of it exists, even after the
 * file is closed, and unloads once the last mapping is gone.  The tests
 * that unload it load it again from $MMAPDEMO_KO with the parameters it had;
 * they also check that parameters take effect and bad ones are refused.
 */
#include <sys/stat.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "mmapdemo_util.h"

static int try_unload(void)
{
	return syscall(SYS_delete_module, "mmapdemo", O_NONBLOCK);
}

static void *map_and_close(int type)
{
	int fd = open(MD_PATH, O_RDWR | O_CLOEXEC);
	void *p;

	if (fd < 0)
		return MAP_FAILED;
	p = mmap(NULL, page_size(), PROT_READ | PROT_WRITE, type, fd, 0);
	close(fd);
	return p;
}

static bool loaded(void)
{
	return access("/sys/module/mmapdemo", F_OK) == 0;
}

FIXTURE(unload)
{
};

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
		EXPECT_EQ(0, peek(p).sig);	/* and the mapping still works */
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
	EXPECT_EQ(0, wait_child(pid));	/* its mapping still worked */
}

/* Read a module parameter as the string insmod takes. */
static void param(const char *name, char *buf, size_t len)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/mmapdemo/parameters/%s", name);
	buf[0] = '\0';
	f = fopen(path, "re");
	if (!f)
		return;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/* The parameters the module runs with now, as insmod arguments. */
static void current_params(char *buf, size_t len)
{
	char size[32], max[32], mode[16];

	param("size", size, sizeof(size));
	param("max_size", max, sizeof(max));
	param("mode", mode, sizeof(mode));
	snprintf(buf, len, "size=%s max_size=%s mode=%s", size, max, mode);
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
	char params[128];
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

	ASSERT_EQ(0, load(params)) TH_LOG("loading with %s: %s", params,
					  strerror(errno));
	EXPECT_TRUE(loaded());
}

/* Bad parameters fail the load cleanly, leaving nothing behind. */
TEST_F(unload, bad_parameters_refused)
{
	static const char *const bad[] = {
		"size=8192 max_size=4096",	/* size beyond max_size */
		"max_size=9223372036854775808",	/* beyond MAX_LFS_FILESIZE */
		"mode=0999",			/* not octal */
		"mode=01777",			/* more than permission bits */
		"size=-1",
	};
	char params[128];

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
	char params[128], small[128];
	unsigned char buf[4096] = { 0 };
	struct mmapdemo_info info;
	struct stat st;
	int fd;

	if (!getenv("MMAPDEMO_KO"))
		SKIP(return, "MMAPDEMO_KO is not set: could not load it back");
	current_params(params, sizeof(params));
	ASSERT_EQ(0, try_unload());
	snprintf(small, sizeof(small), "size=%zu max_size=%zu mode=0640",
		 3 * ps + 5, 8 * ps);
	ASSERT_EQ(0, load(small));

	ASSERT_EQ(0, stat(MD_PATH, &st));
	EXPECT_EQ(0640u, st.st_mode & 07777);
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

TEST_HARNESS_MAIN
