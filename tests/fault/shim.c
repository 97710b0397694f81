/*
 * shim.c - fault injection for briefparse's tests, loaded with LD_PRELOAD.
 * Built by tests/sh/40-errors.sh:  cc -shared -fPIC -o shim.so shim.c -ldl
 * (and with -DBP_FAULT_ALLOC for the allocation faults)
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
 * Memory (malloc, calloc, realloc), when built with -DBP_FAULT_ALLOC (a
 * separate shim: sanitizer runtimes bring their own allocator):
 *   BP_FAULT_MALLOC_NTH=N   the N-th allocation (1-based) returns NULL, once;
 *                           the others succeed (0: none fails)
 *   BP_FAULT_MALLOC_ARM=NAME  count allocations only from the first read()
 *                           of a file of that base name (the input) on:
 *                           start-up (rules, cues, OpenSSL) is left alone
 *                           (default: count from the first allocation)
 *   BP_FAULT_MALLOC_REPORT=FILE  at exit, writes the number of allocations
 *                           counted to FILE (to know how many N to try)
 *
 * glibc's stdio writes with an internal __write that LD_PRELOAD cannot reach,
 * so when BP_FAULT_WRITE is set the constructor also replaces stdout with a
 * fopencookie stream whose write function goes through the faulty write()
 * below, looping over short writes as glibc does for a real descriptor.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
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
#ifdef BP_FAULT_ALLOC
static int alloc_armed;                         /* allocations are counted */
#endif

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
	const char *file = getenv("BP_FAULT_READ_FILE"), *arm = getenv("BP_FAULT_MALLOC_ARM");
	off_t off;
	ssize_t n;

#ifdef BP_FAULT_ALLOC
	if (arm && *arm && fd > 2 && fd_is(fd, arm))
		__atomic_store_n(&alloc_armed, 1, __ATOMIC_RELAXED);
#else
	(void)arm;
#endif

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

/* ---- allocations ---------------------------------------------------------- */
#ifdef BP_FAULT_ALLOC

/* glibc's own allocator, reached without dlsym (which itself allocates). */
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);

static unsigned long long alloc_calls; /* allocations so far */
static unsigned long long alloc_fail;  /* the one to fail, 0: none */
static int alloc_ready;

/* 1 when this allocation is the one to fail. */
static int alloc_fails(void)
{
	unsigned long long n;

	if (!alloc_ready) { /* getenv does not allocate */
		const char *arm = getenv("BP_FAULT_MALLOC_ARM");
		env_ull("BP_FAULT_MALLOC_NTH", &alloc_fail);
		__atomic_store_n(&alloc_armed, !arm || !*arm, __ATOMIC_RELAXED);
		alloc_ready = 1;
	}
	if (!__atomic_load_n(&alloc_armed, __ATOMIC_RELAXED))
		return 0;
	n = __atomic_add_fetch(&alloc_calls, 1, __ATOMIC_RELAXED);
	return alloc_fail && n == alloc_fail;
}

void *malloc(size_t n)
{
	if (alloc_fails()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
	if (alloc_fails()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
	if (n && alloc_fails()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_realloc(p, n);
}

__attribute__((destructor)) static void alloc_report(void)
{
	const char *path = getenv("BP_FAULT_MALLOC_REPORT");
	char line[32];
	int fd, len;

	if (!path || !*path)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return;
	len = snprintf(line, sizeof(line), "%llu\n", __atomic_load_n(&alloc_calls, __ATOMIC_RELAXED));
	if (len > 0)
		real_write()(fd, line, (size_t)len);
	close(fd);
}
#endif

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
