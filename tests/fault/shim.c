/*
 * shim.c - fault injection for briefparse's tests, loaded with LD_PRELOAD.
 * Built by tests/sh/40-errors.sh:  cc -shared -fPIC -o shim.so shim.c -ldl
 *
 * Reads (environment):
 *   BP_FAULT_READ_AFTER=N   read() returns the bytes up to file offset N, then
 *                           fails with EIO (N=0: the first read fails)
 *   BP_FAULT_READ_FILE=NAME only for descriptors open on a file of that base
 *                           name (default: every descriptor but 0, 1 and 2),
 *                           so that the next input on the command line reads
 *                           normally
 * Writes to standard output (fd 1):
 *   BP_FAULT_WRITE=enospc   fail with ENOSPC once BP_FAULT_WRITE_AFTER bytes
 *   BP_FAULT_WRITE=eio      (default 0) have been written; a write across
 *                           that mark is cut short there, like a filling disk
 *   BP_FAULT_WRITE=short    every write(2) writes at most 7 bytes (legal, and
 *                           must not change the output)
 *
 * glibc's stdio writes with an internal __write that LD_PRELOAD cannot reach,
 * so when BP_FAULT_WRITE is set the constructor also replaces stdout with a
 * fopencookie stream whose write function goes through the faulty write()
 * below, looping over short writes as glibc does for a real descriptor.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

typedef ssize_t (*read_fn)(int, void *, size_t);
typedef ssize_t (*write_fn)(int, const void *, size_t);

#define FD_TRACK 1024

static unsigned long long read_count[FD_TRACK]; /* bytes read, for unseekable fds */
static unsigned long long written;              /* bytes written to fd 1 */

static read_fn real_read(void)
{
	static read_fn f;
	if (!f)
		f = (read_fn)dlsym(RTLD_NEXT, "read");
	return f;
}

static write_fn real_write(void)
{
	static write_fn f;
	if (!f)
		f = (write_fn)dlsym(RTLD_NEXT, "write");
	return f;
}

static int env_ull(const char *name, unsigned long long *v)
{
	const char *s = getenv(name);
	char *end;
	if (!s || !*s)
		return 0;
	*v = strtoull(s, &end, 10);
	return *end == '\0';
}

/* 1 when fd is open on a file whose base name is want. */
static int fd_is(int fd, const char *want)
{
	char link[64], target[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return 0;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	return strcmp(base, want) == 0;
}

ssize_t read(int fd, void *buf, size_t count)
{
	unsigned long long after, pos;
	const char *file = getenv("BP_FAULT_READ_FILE");
	off_t off;
	ssize_t n;

	if (!env_ull("BP_FAULT_READ_AFTER", &after) || fd < 0 ||
	    (file ? !fd_is(fd, file) : fd <= 2))
		return real_read()(fd, buf, count);
	off = lseek(fd, 0, SEEK_CUR);
	pos = off >= 0 ? (unsigned long long)off : fd < FD_TRACK ? read_count[fd] : 0;
	if (pos >= after) {
		errno = EIO;
		return -1;
	}
	if (count > after - pos)
		count = (size_t)(after - pos);
	n = real_read()(fd, buf, count);
	if (n > 0 && off < 0 && fd < FD_TRACK)
		read_count[fd] += (unsigned long long)n;
	return n;
}

ssize_t write(int fd, const void *buf, size_t count)
{
	const char *mode = getenv("BP_FAULT_WRITE");
	unsigned long long after = 0;
	ssize_t n;

	if (fd != 1 || !mode || !*mode)
		return real_write()(fd, buf, count);
	if (strcmp(mode, "short") == 0) {
		n = real_write()(fd, buf, count < 7 ? count : 7);
	} else {
		env_ull("BP_FAULT_WRITE_AFTER", &after);
		if (written >= after) {
			errno = strcmp(mode, "eio") == 0 ? EIO : ENOSPC;
			return -1;
		}
		if (count > after - written)
			count = (size_t)(after - written);
		n = real_write()(fd, buf, count);
	}
	if (n > 0)
		written += (unsigned long long)n;
	return n;
}

static ssize_t cookie_write(void *cookie, const char *buf, size_t size)
{
	size_t done = 0;
	(void)cookie;
	while (done < size) {
		ssize_t n = write(1, buf + done, size - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		done += (size_t)n;
	}
	return (ssize_t)done;
}

__attribute__((constructor)) static void shim_init(void)
{
	static const cookie_io_functions_t io = { NULL, cookie_write, NULL, NULL };
	const char *mode = getenv("BP_FAULT_WRITE");
	FILE *f;

	if (!mode || !*mode)
		return;
	f = fopencookie(NULL, "w", io);
	if (f)
		stdout = f;
}
