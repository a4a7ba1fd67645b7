/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the userspace tests of the VM: files and debugfs
 * commands, the debugfs view of a link end, rpmsg_char devices and
 * endpoints, and the self-checking messages streamed through them.
 * Everything is static inline, so that a program that uses only some of
 * it still builds with -Wall -Werror.
 */
#ifndef MK_TESTS_MKVM_H
#define MK_TESTS_MKVM_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/rpmsg.h>

/* Not in the uapi headers of older kernels. */
#ifndef RPMSG_GET_OUTGOING_FLOWCONTROL
#define RPMSG_GET_OUTGOING_FLOWCONTROL _IOR(0xb5, 0x5, int)
#define RPMSG_SET_INCOMING_FLOWCONTROL _IOR(0xb5, 0x6, int)
#endif

#define DBG "/sys/kernel/debug/multikernel/"
/* Link MTU (64 KiB + 4 KiB by default) less the 16-byte rpmsg header. */
#define MTU (65536 + 4096 - 16)

/* Files ------------------------------------------------------------------- */

/* Write @len bytes of @buf to @path in one write(); 0 or -errno. */
static inline int put_buf(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, buf, len) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Write the string @s to @path (a command, a parameter); 0 or -errno. */
static inline int put(const char *path, const char *s)
{
	return put_buf(path, s, strlen(s));
}

/* Read @path into @buf, NUL-terminated; bytes read, or -errno. */
static inline int get(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return n;
}

/* The value of a "key value" line of @text, or -1. */
static inline long long field(const char *text, const char *key)
{
	size_t k = strlen(key);
	const char *p = text;

	while ((p = strstr(p, key))) {
		if ((p == text || p[-1] == '\n') && p[k] == ' ')
			return strtoll(p + k + 1, NULL, 0);
		p += k;
	}
	return -1;
}

/* How many lines of the kernel log contain @what (grep -c). */
static inline int dmesg_count(const char *what)
{
	char cmd[128], buf[32];
	FILE *f;
	int n = 0;

	snprintf(cmd, sizeof(cmd), "dmesg | grep -c '%s'", what);
	f = popen(cmd, "r");
	if (f && fgets(buf, sizeof(buf), f))
		n = atoi(buf);
	if (f)
		pclose(f);
	return n;
}

/*
 * A signal handler that does nothing: installed without SA_RESTART, its
 * signal makes a blocked system call fail with EINTR.
 */
static inline void on_signal(int sig)
{
	(void)sig;
}

/* Run one stream command; returns the kernel's result text. */
static inline int stream(const char *cmd, char *out, size_t size)
{
	int fd = open(DBG "stream", O_RDWR);
	ssize_t n;

	if (fd < 0)
		return -errno;
	if (write(fd, cmd, strlen(cmd)) < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	n = pread(fd, out, size - 1, 0);
	close(fd);
	if (n < 0)
		return -errno;
	out[n] = '\0';
	return 0;
}

/* Link ends in debugfs ------------------------------------------------------ */

/* The debugfs stats of link end @end into @buf; as get(). */
static inline int stats_of(const char *end, char *buf, size_t size)
{
	char path[128];

	snprintf(path, sizeof(path), DBG "links/%s/stats", end);
	return get(path, buf, size);
}

/* One counter of a link end's debugfs stats, or -1 if it has none. */
static inline long long stat_of(const char *end, const char *key)
{
	char buf[8192];

	return stats_of(end, buf, sizeof(buf)) < 0 ? -1 : field(buf, key);
}

/* Stop (@on) or resume link end @end's receiving, through its pause file. */
static inline void pause_end(const char *end, int on)
{
	char path[128];

	snprintf(path, sizeof(path), DBG "links/%s/pause", end);
	put(path, on ? "1" : "0");
}

/* rpmsg_char devices -------------------------------------------------------- */

/*
 * The /dev node of a device of class @cls named @prefix* whose device path
 * contains @want (and, with @src, whose src attribute is that address),
 * into @out; whether there is one.
 */
static inline int find_dev(const char *cls, const char *prefix, const char *want,
			   const char *src, char *out, size_t size)
{
	char path[512], link[4096], val[64];
	struct dirent *d;
	DIR *dir;
	int found = 0;

	snprintf(path, sizeof(path), "/sys/class/%s", cls);
	dir = opendir(path);
	if (!dir)
		return 0;
	while (!found && (d = readdir(dir))) {
		ssize_t n;

		if (strncmp(d->d_name, prefix, strlen(prefix)))
			continue;
		/* The whole device path names the link end it hangs under. */
		snprintf(path, sizeof(path), "/sys/class/%s/%.255s", cls, d->d_name);
		if (!realpath(path, link) || !strstr(link, want))
			continue;
		if (src) {
			int fd;

			snprintf(path, sizeof(path), "/sys/class/%s/%s/src", cls, d->d_name);
			fd = open(path, O_RDONLY);
			n = fd < 0 ? -1 : read(fd, val, sizeof(val) - 1);
			if (fd >= 0)
				close(fd);
			if (n <= 0)
				continue;
			val[n] = '\0';
			if (strtoul(val, NULL, 0) != strtoul(src, NULL, 0))
				continue;
		}
		snprintf(out, size, "/dev/%.255s", d->d_name);
		found = 1;
	}
	closedir(dir);
	return found;
}

/* find_dev() for up to 5 s, until the device and its /dev node are there. */
static inline int wait_dev(const char *cls, const char *prefix, const char *want,
			   const char *src, char *out, size_t size)
{
	int i;

	for (i = 0; i < 500; i++) {
		if (find_dev(cls, prefix, want, src, out, size) && !access(out, F_OK))
			return 1;
		usleep(10000);
	}
	return 0;
}

/* Open the /dev/rpmsg_ctrlN of link end @end (waiting for it), or -1. */
static inline int ctrl_of(const char *end)
{
	char ctl[300], want[64];

	snprintf(want, sizeof(want), "%s.rpmsg_ctrl", end);
	if (!wait_dev("rpmsg", "rpmsg_ctrl", want, NULL, ctl, sizeof(ctl)))
		return -1;
	return open(ctl, O_RDWR);
}

/* Create an endpoint through rpmsg_ctrl and open its /dev/rpmsgN. */
static inline int ept(const char *end, const char *name, unsigned int src,
		      unsigned int dst, int flags)
{
	struct rpmsg_endpoint_info info = { .src = src, .dst = dst };
	char dev[300], want[64], s[16];
	int ctl = ctrl_of(end), fd = -1;

	if (ctl < 0)
		return -1;
	strncpy(info.name, name, sizeof(info.name) - 1);
	if (ioctl(ctl, RPMSG_CREATE_EPT_IOCTL, &info) == 0) {
		snprintf(want, sizeof(want), "%s.rpmsg_ctrl", end);
		snprintf(s, sizeof(s), "%u", src);
		if (wait_dev("rpmsg", "rpmsg", want, s, dev, sizeof(dev)))
			fd = open(dev, O_RDWR | flags);
	}
	close(ctl);
	return fd;
}

/* Messages ---------------------------------------------------------------- */

/* Messages: seq, len, checksum of the rest; the rest a function of seq. */
struct hdr {
	uint32_t seq, len, sum, pad;
};

/* Fill @p with the bytes of message @seq; returns their checksum. */
static inline uint32_t fill(uint8_t *p, size_t len, uint32_t seq)
{
	uint32_t h = 2166136261u, x = seq * 2654435761u + 1;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = x;
		h = (h ^ p[i]) * 16777619u;
	}
	return h;
}

/* The checksum (FNV-1a) of @len bytes at @p, as fill() computes it. */
static inline uint32_t sum(const uint8_t *p, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* The id of the newest loopback (the last line of DBG "loopback"), or -1. */
static inline int lo_last_id(void)
{
	FILE *f = fopen(DBG "loopback", "r");
	char buf[256];
	int id, last = -1;

	while (f && fgets(buf, sizeof(buf), f))
		if (sscanf(buf, "%d", &id) == 1)
			last = id;
	if (f)
		fclose(f);
	return last;
}

/* Milliseconds of CLOCK_MONOTONIC. */
static inline long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* The loopbacks of DBG "loopback", one struct lo each; -1 if unreadable. */
struct lo {
	int id;
	char a[24], b[24];
	unsigned long long phys, size;
};

static inline int lo_list_all(struct lo *los, int max)
{
	char buf[4096], *line, *save;
	int n = 0;

	if (get(DBG "loopback", buf, sizeof(buf)) < 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line && n < max;
	     line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, "%d %23s %23s %llx %llu", &los[n].id, los[n].a,
			   los[n].b, &los[n].phys, &los[n].size) == 5)
			n++;
	return n;
}

/*
 * A job: a function run in a thread of its own, which the test can wait
 * for with a bound and signal out of a blocking call.
 */
struct job {
	pthread_t t;
	void *(*fn)(void *arg);
	void *arg;
	int done, joined;
};

static inline void *job_main(void *arg)
{
	struct job *j = arg;

	j->fn(j->arg);
	__atomic_store_n(&j->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static inline void job_start(struct job *j, void *(*fn)(void *arg), void *arg)
{
	j->fn = fn;
	j->arg = arg;
	j->done = 0;
	j->joined = 0;
	if (pthread_create(&j->t, NULL, job_main, j)) {
		printf("# cannot start a thread\n");
		j->done = 1;
		j->joined = 1;
	}
}

static inline int job_done(struct job *j)
{
	return __atomic_load_n(&j->done, __ATOMIC_ACQUIRE);
}

/* Wait up to @ms for the job to end; join it if it did. */
static inline int job_wait(struct job *j, int ms)
{
	long long end = now_ms() + ms;

	while (!__atomic_load_n(&j->done, __ATOMIC_ACQUIRE) && now_ms() < end)
		usleep(5000);
	if (!__atomic_load_n(&j->done, __ATOMIC_ACQUIRE))
		return 0;
	if (!j->joined) {
		pthread_join(j->t, NULL);
		j->joined = 1;
	}
	return 1;
}

/*
 * Wait up to @ms, then end a job stuck in the kernel: SIGUSR1 (the
 * program's handler, without SA_RESTART) breaks an interruptible wait with
 * EINTR, so the thread lets go of what it holds. Returns whether it ended;
 * if not, the thread and its memory are left behind.
 */
static inline int job_reap(struct job *j, int ms)
{
	int i;

	if (job_wait(j, ms))
		return 1;
	for (i = 0; i < 30 && !job_wait(j, 100); i++)
		pthread_kill(j->t, SIGUSR1);
	if (j->joined)
		return 0;
	printf("# a thread is still stuck in the kernel after signals; left behind\n");
	pthread_detach(j->t);
	j->joined = 1;
	return 0;
}

#endif /* MK_TESTS_MKVM_H */
