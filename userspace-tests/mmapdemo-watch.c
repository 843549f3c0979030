// SPDX-License-Identifier: GPL-2.0
/*
 * mmapdemo-watch: print what userspace writes to /dev/mmapdemo (or
 * /dev/mmapdemo-huge), as it is written.
 *
 *   mmapdemo-watch [-n REPORTS] [DEVICE]
 *
 * The loop of a program that watches a write-notify device: sleep in
 * poll() until the device says EPOLLPRI (written pages wait to be
 * reported); report them with MMAPDEMO_IOC_WRITTEN, which write-protects
 * them again in every mapping, so that the next store to each is reported
 * by the next call; then read the pages reported.  Report first, then
 * read: a store that lands after the report is in the next one, so none
 * is missed.
 *
 * Each report prints one line, then one per page written: its number and
 * its first bytes, as text (/dev/mmapdemo-huge, which has no read(): the
 * number only).  -n stops after that many reports; by default it watches
 * until killed.  Read access to the device is enough.
 *
 * It is an example to copy: it uses nothing but the C library and
 * mmapdemo's uapi header.
 */
#define _FILE_OFFSET_BITS 64 /* pread() past 2 GiB on 32-bit too */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "mmapdemo.h"

#define SHOW 32 /* bytes shown of each page written */

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/*
 * Print page @page's first bytes.  pread() rather than a mapping of our
 * own: only the writers' mappings notify, and a mapping here would take
 * SIGBUS if a writer shrank the file under it.
 */
static void show_page(int fd, uint64_t page, size_t ps)
{
	unsigned char buf[SHOW];
	ssize_t n = pread(fd, buf, sizeof(buf), (off_t)(page * ps));

	printf("  page %llu:", (unsigned long long)page);
	if (n > 0)
		putchar(' ');
	while (n > 0 && buf[n - 1] == '\0')
		n--;
	for (ssize_t i = 0; i < n; i++)
		putchar(isprint(buf[i]) ? buf[i] : '.');
	putchar('\n');
}

/*
 * Report which of the @n pages from page @first were written, which
 * re-arms them, and print those.  Return how many.
 */
static uint64_t report_range(int fd, uint64_t first, uint64_t n, size_t ps,
			     uint64_t *bits)
{
	struct mmapdemo_written w = {
		.offset = first * ps,
		.length = n * ps,
		.bitmap = (uintptr_t)bits,
	};

	if (ioctl(fd, MMAPDEMO_IOC_WRITTEN, &w))
		die("MMAPDEMO_IOC_WRITTEN");
	for (uint64_t i = 0; i < n; i++)
		if (bits[i / 64] & (1ULL << (i % 64)))
			show_page(fd, first + i, ps);
	return w.nr_written;
}

/*
 * Report number @nr: the pages of the whole device written since the
 * last report, in calls of at most MMAPDEMO_WRITTEN_MAX_PAGES pages.  The
 * device may have grown or shrunk since: ask its size each time.
 */
static void report(int fd, long nr)
{
	static uint64_t bits[MMAPDEMO_WRITTEN_MAX_PAGES / 64];
	size_t ps = sysconf(_SC_PAGESIZE);
	struct mmapdemo_info info;
	uint64_t npages, first, n;

	if (ioctl(fd, MMAPDEMO_IOC_GET_INFO, &info))
		die("MMAPDEMO_IOC_GET_INFO");
	npages = (info.size + ps - 1) / ps;
	for (first = 0; first < npages; first += n) {
		n = npages - first;
		if (n > MMAPDEMO_WRITTEN_MAX_PAGES)
			n = MMAPDEMO_WRITTEN_MAX_PAGES;
		printf("report %ld, pages %llu-%llu:\n", nr,
		       (unsigned long long)first,
		       (unsigned long long)(first + n - 1));
		if (report_range(fd, first, n, ps, bits) == 0)
			printf("  none\n");
	}
}

/*
 * Sleep until writes wait to be reported (EPOLLPRI), report them, and
 * repeat: @reports times, or forever if negative.
 */
static void watch(int fd, long reports)
{
	struct pollfd pfd = { .fd = fd, .events = POLLPRI };

	for (long nr = 1; reports < 0 || nr <= reports; nr++) {
		while (poll(&pfd, 1, -1) < 0)
			if (errno != EINTR)
				die("poll");
		report(fd, nr);
	}
}

int main(int argc, char **argv)
{
	const char *path = "/dev/mmapdemo";
	long reports = -1;
	char *end;
	int opt, fd;

	while ((opt = getopt(argc, argv, "n:")) != -1) {
		if (opt != 'n')
			goto usage;
		reports = strtol(optarg, &end, 10);
		if (*end || reports < 1)
			goto usage;
	}
	if (optind < argc)
		path = argv[optind++];
	if (optind < argc)
		goto usage;

	setvbuf(stdout, NULL, _IOLBF, 0); /* a line as each page is read */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(path);
	watch(fd, reports);
	close(fd);
	return 0;
usage:
	fprintf(stderr, "usage: %s [-n REPORTS] [DEVICE]\n", argv[0]);
	return 2;
}
