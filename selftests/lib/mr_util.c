// SPDX-License-Identifier: GPL-2.0-only
/*
 * Small helpers shared by the memcg_reparent library.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mr_util.h"

void mr_err_at(const char *file, int line, int err, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "# %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (err)
		fprintf(stderr, ": %s", strerror(-err));
	fputc('\n', stderr);
}

void mr_msg(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

ssize_t mr_read_file(const char *path, char **buf)
{
	size_t size = 4096, len = 0;
	char *p = NULL, *np;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;

	for (;;) {
		if (!p || len + 1 >= size) {
			if (p)
				size *= 2;
			np = realloc(p, size);
			if (!np) {
				n = -ENOMEM;
				goto fail;
			}
			p = np;
		}
		n = read(fd, p + len, size - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			goto fail;
		}
		if (!n)
			break;
		len += n;
	}
	close(fd);
	p[len] = '\0';
	*buf = p;
	return len;

fail:
	close(fd);
	free(p);
	return n;
}

int mr_write_file(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do {
		n = write(fd, val, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	close(fd);
	return ret;
}

/*
 * The text after @key where a line of @buf starts with @key followed by a
 * space, or NULL.
 */
static const char *line_value(const char *buf, const char *key)
{
	size_t klen = strlen(key);
	const char *line = buf;

	while (line && *line) {
		if (!strncmp(line, key, klen) && line[klen] == ' ')
			return line + klen;
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return NULL;
}

int mr_buf_key(const char *buf, const char *key, long long *val)
{
	const char *v = line_value(buf, key);
	char *end;

	if (!v || v[1] == ' ')
		return -ENOENT;
	errno = 0;
	*val = strtoll(v + 1, &end, 10);
	if (errno || end == v + 1 || (*end && *end != '\n'))
		return -EINVAL;
	return 0;
}

int mr_buf_kb(const char *buf, const char *key, long long *kb)
{
	const char *v = line_value(buf, key);
	char *end;

	if (!v)
		return -ENOENT;
	errno = 0;
	*kb = strtoll(v, &end, 10);
	if (errno || end == v || *kb < 0 || strncmp(end, " kB", 3) ||
	    (end[3] && end[3] != '\n'))
		return -EINVAL;
	return 0;
}

int mr_pathf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

long long mr_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

void mr_sleep_ms(long ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (ms % 1000) * 1000000L,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

long mr_nr_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? n : 1;
}

long mr_page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

long long mr_stat_tolerance(void)
{
	return 64LL * mr_nr_cpus() * mr_page_size();
}

bool mr_pid_alive(pid_t pid)
{
	return !kill(pid, 0) || errno == EPERM;
}

int mr_bracketed(const char *buf, char *out, size_t len)
{
	const char *open = strchr(buf, '['), *close;
	size_t n;

	if (!open)
		return -ENOENT;
	close = strchr(open, ']');
	if (!close)
		return -ENOENT;
	n = close - open - 1;
	if (n >= len)
		return -ENAMETOOLONG;
	memcpy(out, open + 1, n);
	out[n] = '\0';
	return 0;
}

int mr_swaps_parse(const char *buf, long long *size_kb)
{
	const char *line = strchr(buf, '\n');
	char name[256], type[32];
	long long size, used;
	int nr = 0;

	*size_kb = 0;
	/* the header line names the columns; an empty file has none */
	if (!line || strncmp(buf, "Filename", 8))
		return *buf ? -EINVAL : 0;
	for (line++; *line; line = strchr(line, '\n') + 1) {
		if (sscanf(line, "%255s %31s %lld %lld", name, type, &size,
			   &used) != 4)
			return -EINVAL;
		*size_kb += size;
		nr++;
		if (!strchr(line, '\n'))
			break;
	}
	return nr;
}

const char *mr_errname(int err)
{
	const char *name = strerrorname_np(err);

	return name ? name : "E?";
}

long long mr_swap_total(void)
{
	long long kb;
	char *buf;
	int ret;

	ret = mr_read_file("/proc/swaps", &buf);
	if (ret < 0)
		return ret;
	ret = mr_swaps_parse(buf, &kb);
	free(buf);
	return ret < 0 ? ret : kb;
}
