// SPDX-License-Identifier: GPL-2.0
/*
 * The module stays loaded while any mapping of it exists, even after the
 * file is closed, and unloads once the last mapping is gone.  The last test
 * unloads it and loads it again from $MMAPDEMO_KO with the same parameters.
 */
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

/* With the last mapping gone, rmmod succeeds; then load it back. */
TEST_F(unload, accepted_after_munmap)
{
	const char *ko = getenv("MMAPDEMO_KO");
	char size[32], max[32], mode[16], params[128];
	unsigned char *p;
	int fd;

	if (!ko)
		SKIP(return, "MMAPDEMO_KO is not set: could not load it back");
	param("size", size, sizeof(size));
	param("max_size", max, sizeof(max));
	param("mode", mode, sizeof(mode));
	snprintf(params, sizeof(params), "size=%s max_size=%s mode=%s",
		 size, max, mode);

	p = map_and_close(MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, try_unload());
	munmap(p, page_size());
	ASSERT_EQ(0, try_unload());
	EXPECT_FALSE(loaded());
	EXPECT_EQ(-1, access(MD_PATH, F_OK));

	fd = open(ko, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, syscall(SYS_finit_module, fd, params, 0))
		TH_LOG("loading %s %s: %s", ko, params, strerror(errno));
	close(fd);
	EXPECT_TRUE(loaded());
}

TEST_HARNESS_MAIN
