// SPDX-License-Identifier: GPL-2.0
/*
 * mmapdemo-tour: watch /dev/mmapdemo's MAP_SHARED and MAP_PRIVATE mappings
 * at work, step by step, through the driver's counters.  Run by `make demo`.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mmapdemo.h"

static int fd;
static struct mmapdemo_info last;

/* Print one step and what the driver counted since the previous one. */
static void step(const char *what)
{
	struct mmapdemo_info now;

	if (ioctl(fd, MMAPDEMO_IOC_GET_INFO, &now)) {
		perror("MMAPDEMO_IOC_GET_INFO");
		exit(1);
	}
	printf("%-52s faults: +%llu read +%llu write +%llu cow +%llu around  pages %llu  mappings %llu\n",
	       what, (unsigned long long)(now.read_faults - last.read_faults),
	       (unsigned long long)(now.write_faults - last.write_faults),
	       (unsigned long long)(now.cow_faults - last.cow_faults),
	       (unsigned long long)(now.around_windows - last.around_windows),
	       (unsigned long long)now.nr_pages,
	       (unsigned long long)now.nr_mappings);
	last = now;
}

static char file_byte(off_t off)
{
	char c = '?';

	if (pread(fd, &c, 1, off) != 1)
		perror("pread");
	return c ? c : '0';
}

int main(void)
{
	size_t ps = (size_t)sysconf(_SC_PAGESIZE);
	uint64_t size = 4 * ps;
	char *shared, *private;
	pid_t pid;

	fd = open("/dev/mmapdemo", O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "/dev/mmapdemo: %s (is the module loaded?)\n",
			strerror(errno));
		return 1;
	}
	/* Through zero, so that the tour starts from fresh pages. */
	if (ioctl(fd, MMAPDEMO_IOC_SET_SIZE, &(uint64_t){ 0 }) ||
	    ioctl(fd, MMAPDEMO_IOC_SET_SIZE, &size)) {
		perror("MMAPDEMO_IOC_SET_SIZE");
		return 1;
	}
	step("a 4-page /dev/mmapdemo");

	puts("\n-- MAP_SHARED: one set of pages for everybody");
	shared = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (shared == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	step("mmap(MAP_SHARED): nothing mapped yet");
	printf("   shared[0] reads %d\n", shared[0]);
	step("first read of page 0");
	shared[ps] = 'S';
	step("first write to page 1");
	shared[ps + 1] = 'T';
	step("second write to page 1: already mapped");
	printf("   read() of the file at page 1 gives '%c'\n", file_byte(ps));

	puts("\n-- MAP_PRIVATE: copy-on-write");
	private = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (private == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	step("mmap(MAP_PRIVATE)");
	printf("   private[page 1] reads '%c' (the file's page)\n",
	       private[ps]);
	step("first read of page 1: the file's page, read-only");
	private[ps] = 'P';
	step("write to page 1: the core copies, not us");
	private[2 * ps] = 'Q';
	step("first write to page 2: we serve, the core copies");
	printf("   file page 1 '%c', private page 1 '%c', file page 2 '%c'\n",
	       file_byte(ps), private[ps], file_byte(2 * ps));

	puts("\n-- fork: the child writes to both mappings");
	pid = fork();
	if (pid == 0) {
		shared[3 * ps] = 'C';
		private[2 * ps] = 'c';
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	step("child stored to shared page 3, private page 2");
	printf("   parent sees shared[page 3] '%c', private[page 2] '%c'\n",
	       shared[3 * ps], private[2 * ps]);
	step("parent read shared page 3 (first touch)");

	munmap(shared, size);
	munmap(private, size);
	step("munmap both");
	close(fd);
	return 0;
}
