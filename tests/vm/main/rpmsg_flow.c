// SPDX-License-Identifier: GPL-2.0-only
/*
 * Flow control of the rpmsg bus, as rpmsg_char users see it on a loopback
 * link of its own: a receiver that stops reading costs its senders their
 * window of credit and the kernel a bounded amount of memory, never the
 * other endpoints of the link; a peer that ignores credit is cut off at
 * the window; rpmsg_char's queue has a hard cap; writers blocked for
 * credit come back when their channel, endpoint or link goes; the name
 * service refuses a peer's channels beyond a quota; a BIND that found the
 * ring full is sent again; a sleeping poll() survives its loopback being
 * destroyed.
 *
 * Every wait is bounded: a thread that a broken kernel keeps blocked is
 * signalled (the handler does not restart system calls), reported and, at
 * worst, left behind, so that a failure costs a result line, not the boot.
 *
 * Kernel command line: mktest.flow_seconds=N (10) is how long the writer
 * to a stopped reader runs while kernel memory is sampled.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/rpmsg.h>
#include "ktap.h"
#include "mkvm.h"

#define PARAM "/sys/module/mk_rpmsg/parameters/"
#define CHAR_PARAM "/sys/module/rpmsg_char/parameters/"
/* What the bus charges a message against its receiver's window. */
#define CHARGE(len) ((long)(len) + 512)
/* Per stopped endpoint the kernel may hold 2 * window, plus this slack. */
#define SLACK_KB 1024
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* Flags and counters shared by a test and its threads. */
#define READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

static char A[24], B[24];	/* link end names, "loN.a" and "loN.b" */
static long W = 262144;		/* the receive window, read from the module */
/*
 * Every endpoint pair gets addresses of its own, below the 1024 the bus
 * hands out for RPMSG_ADDR_ANY: credit is kept per address, and no test
 * should start with what an earlier one left outstanding.
 */
static unsigned int next_addr = 0x200;

static unsigned int addr_pair(void)
{
	unsigned int a = next_addr;

	next_addr += 2;
	return a;
}

/* A number in a file (module parameter), or -1 if there is none. */
static long long number(const char *path)
{
	char buf[64];

	return get(path, buf, sizeof(buf)) > 0 ? strtoll(buf, NULL, 0) : -1;
}

static int link_up(const char *end)
{
	char buf[8192];

	return stats_of(end, buf, sizeof(buf)) > 0 && !strncmp(buf, "state up", 8);
}

static int wait_up(int ms)
{
	long long end = now_ms() + ms;

	while (!(link_up(A) && link_up(B)) && now_ms() < end)
		usleep(20000);
	return link_up(A) && link_up(B);
}

/* mktest.NAME=N from the kernel command line, or @def. */
static int knob(const char *name, int def)
{
	char buf[4096], *p, *save;
	size_t k = strlen(name);

	if (get("/proc/cmdline", buf, sizeof(buf)) < 0)
		return def;
	for (p = strtok_r(buf, " \n", &save); p; p = strtok_r(NULL, " \n", &save))
		if (!strncmp(p, name, k) && p[k] == '=')
			return atoi(p + k + 1);
	return def;
}

/* Kernel memory ------------------------------------------------------------ */

/*
 * SUnreclaim in kB. One open file read again from its start: the seq_file
 * keeps its buffer, so sampling allocates nothing in the kernel that would
 * show up in what it measures (under KASAN a freed buffer would sit in the
 * quarantine and count).
 */
static long sunreclaim_kb(void)
{
	static int fd = -1;
	char buf[4096], *p;
	ssize_t n;

	if (fd < 0)
		fd = open("/proc/meminfo", O_RDONLY);
	n = fd < 0 ? -1 : pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, "\nSUnreclaim:");
	return p ? strtol(p + 12, NULL, 10) : -1;
}

struct mem {
	long before, max;
};

static void mem_start(struct mem *m)
{
	m->before = sunreclaim_kb();
	m->max = m->before;
}

/* Sample once; returns the growth so far (maximum seen less the start). */
static long mem_sample(struct mem *m)
{
	long v = sunreclaim_kb();

	if (v > m->max)
		m->max = v;
	return m->max - m->before;
}

/* Devices ------------------------------------------------------------------ */

/*
 * A channel @end created through rpmsg_ctrl (announced, "rpmsg-raw" so
 * that rpmsg_char binds it on both sides), and its copy on the other end.
 * Device names end in ".SRC.DST/" in the path: the slash keeps 512 from
 * matching 5120.
 */
static int chan_dev(const char *end, unsigned int src, int copy, char *out,
		    size_t size)
{
	char want[80];

	if (copy)
		snprintf(want, sizeof(want), "%s.rpmsg-raw.-1.%u/", end, src);
	else
		snprintf(want, sizeof(want), "%s.rpmsg-raw.%u.-1/", end, src);
	return wait_dev("rpmsg", "rpmsg", want, NULL, out, size);
}

struct pair {
	int a, b;
	unsigned int addr;
};

/* Endpoints @name on a and b, addressed to each other. */
static int pair_open(struct pair *p, const char *name, int aflags, int bflags)
{
	p->addr = addr_pair();
	p->a = ept(A, name, p->addr, p->addr + 1, aflags);
	p->b = ept(B, name, p->addr + 1, p->addr, bflags);
	if (p->a < 0 || p->b < 0)
		printf("# endpoint pair %s at %#x not created\n", name, p->addr);
	return p->a >= 0 && p->b >= 0;
}

static void pair_close(struct pair *p)
{
	if (p->a >= 0)
		close(p->a);
	if (p->b >= 0)
		close(p->b);
	p->a = -1;
	p->b = -1;
}

static int restart_end(const char *end)
{
	char path[128];

	snprintf(path, sizeof(path), DBG "links/%s/restart", end);
	return put(path, "1");
}

/* Messages ----------------------------------------------------------------- */

static int msg_ok(const uint8_t *buf, ssize_t n, uint32_t seq, size_t len)
{
	const struct hdr *h = (const void *)buf;

	return n == (ssize_t)len && h->seq == seq && h->len == len &&
	       h->sum == sum(buf + sizeof(*h), len - sizeof(*h));
}

/* Read what is queued on @fd, waiting up to @ms for each; how many. */
static int drain(int fd, int max, int ms)
{
	static uint8_t buf[MTU + 100];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n = 0;

	while (n < max && poll(&p, 1, ms) == 1 && (p.revents & POLLIN) &&
	       read(fd, buf, sizeof(buf)) >= 0)
		n++;
	return n;
}

/* Threads with bounded waits ------------------------------------------------ */

/*
 * A writer of numbered messages of @len bytes, until @stop, @cap messages
 * or an error (@err). @cap keeps a kernel that queues without limit (the
 * bug under test) from eating the VM's memory. @spin: on EAGAIN, retry.
 */
struct wr {
	struct job job;
	int fd, cap, spin;
	size_t len;
	int stop, sent, eagain, err;
};

static void *wr_main(void *arg)
{
	struct wr *w = arg;
	uint8_t *buf = calloc(1, w->len);
	struct hdr *h = (void *)buf;

	if (!buf) {
		WRITE_ONCE(w->err, ENOMEM);
		return NULL;
	}
	while (!READ_ONCE(w->stop) && w->sent < w->cap) {
		ssize_t n;

		h->seq = w->sent;
		h->len = w->len;
		h->sum = fill(buf + sizeof(*h), w->len - sizeof(*h), h->seq);
		n = write(w->fd, buf, w->len);
		if (n == (ssize_t)w->len) {
			WRITE_ONCE(w->sent, w->sent + 1);
		} else if (n < 0 && errno == EAGAIN && w->spin) {
			WRITE_ONCE(w->eagain, w->eagain + 1);
			usleep(500);
		} else {
			WRITE_ONCE(w->err, n < 0 ? errno : EIO);
			break;
		}
	}
	free(buf);
	return NULL;
}

static struct wr *wr_start(int fd, size_t len, int cap, int spin)
{
	struct wr *w = calloc(1, sizeof(*w));

	if (!w)
		abort();
	w->fd = fd;
	w->len = len;
	w->cap = cap;
	w->spin = spin;
	job_start(&w->job, wr_main, w);
	return w;
}

/* Stop the writer; its memory goes only if the thread is gone. */
static void wr_end(struct wr *w)
{
	WRITE_ONCE(w->stop, 1);
	if (job_wait(&w->job, 2000) || job_reap(&w->job, 0))
		free(w);
}

/*
 * Whether the writer blocked: it wrote and then made no progress for half
 * a second, still inside write(). Gives up after @ms or when it ended.
 */
static int wr_blocked(struct wr *w, int ms)
{
	long long end = now_ms() + ms;
	int last = -1, still = 0;

	while (now_ms() < end && !job_done(&w->job)) {
		int sent = READ_ONCE(w->sent);

		if (sent == last && sent > 0) {
			if (++still >= 10)
				return 1;
		} else {
			still = 0;
			last = sent;
		}
		usleep(50000);
	}
	return 0;
}

/* Whether the writer blocks; says what it did. */
static int wr_blocks(struct wr *w)
{
	int blocked = wr_blocked(w, 10000);

	printf("# writer: %d messages, %s\n", READ_ONCE(w->sent),
	       blocked ? "blocked" : "not blocked");
	return blocked;
}

/* Whether the writer returns within @ms, failing with EPIPE. */
static int wr_epipe(struct wr *w, int ms)
{
	int returned = job_wait(&w->job, ms), err = READ_ONCE(w->err);

	printf("# writer: %s, %s\n", returned ? "returned" : "still in write()",
	       err ? strerror(err) : "no error");
	return returned && err == EPIPE;
}

struct ioc {
	struct job job;
	int fd, ret, err;
	unsigned long req;
	struct rpmsg_endpoint_info info;
};

static void *ioc_main(void *arg)
{
	struct ioc *c = arg;

	c->ret = ioctl(c->fd, c->req, &c->info);
	c->err = c->ret < 0 ? errno : 0;
	return NULL;
}

/* An ioctl in a thread of its own: it may wait for a blocked writer. */
static struct ioc *ioc_start(int fd, unsigned long req,
			     const struct rpmsg_endpoint_info *info)
{
	struct ioc *c = calloc(1, sizeof(*c));

	if (!c)
		abort();
	c->fd = fd;
	c->req = req;
	c->ret = -1;
	if (info)
		c->info = *info;
	job_start(&c->job, ioc_main, c);
	return c;
}

static void ioc_end(struct ioc *c)
{
	if (job_wait(&c->job, 5000) || job_reap(&c->job, 0))
		free(c);
}

/*
 * A fresh endpoint pair on the link carries a few messages both ways:
 * the link's receive thread is not wedged.
 */
static int link_works(void)
{
	struct pair p;
	char buf[64];
	int i, ok;

	ok = pair_open(&p, "works", 0, 0);
	for (i = 0; ok && i < 10; i++) {
		struct pollfd pa = { .fd = p.a, .events = POLLIN };
		struct pollfd pb = { .fd = p.b, .events = POLLIN };

		snprintf(buf, sizeof(buf), "works %d", i);
		ok = write(p.a, buf, strlen(buf)) == (ssize_t)strlen(buf) &&
		     poll(&pb, 1, 2000) == 1 && read(p.b, buf, sizeof(buf)) > 0 &&
		     write(p.b, buf, 8) == 8 &&
		     poll(&pa, 1, 2000) == 1 && read(p.a, buf, sizeof(buf)) == 8;
	}
	if (!ok)
		printf("# fresh endpoint pair: no traffic after message %d\n", i);
	pair_close(&p);
	return ok;
}

struct lw {
	struct job job;
	int ok;
};

static void *lw_main(void *arg)
{
	struct lw *l = arg;

	l->ok = link_works();
	return NULL;
}

/* Tests -------------------------------------------------------------------- */

static void parameters_and_counters(void)
{
	static const char *const names[] = {
		"rpmsg_malformed", "rpmsg_dropped", "rpmsg_lost", "rpmsg_over_credit",
		"rpmsg_credit_waits", "rpmsg_peer_channels", "rpmsg_ns_refused",
	};
	char buf[8192];
	long long w = number(PARAM "window");
	size_t i;
	int all = 1;

	printf("# window %lld, max_queued %lld, peer_channels %lld\n", w,
	       number(CHAR_PARAM "max_queued"), number(PARAM "peer_channels"));
	ktap_result(w > 0, "receive_window_parameter_readable");
	if (w > 0)
		W = w;
	else
		printf("# no window parameter: assuming %ld\n", W);
	for (i = 0; i < 2; i++) {
		const char *end = i ? B : A;
		size_t k;

		if (stats_of(end, buf, sizeof(buf)) < 0)
			buf[0] = '\0';
		for (k = 0; k < ARRAY_SIZE(names); k++) {
			if (field(buf, names[k]) < 0) {
				printf("# %s: no %s in stats\n", end, names[k]);
				all = 0;
			}
		}
	}
	ktap_result(all, "link_stats_report_rpmsg_flow_counters");
}

/*
 * C: with O_NONBLOCK, a writer to a reader that stopped gets EAGAIN once
 * its window is used up: W / (len + 512) messages, exactly (the spec
 * allows one either way); only that descriptor loses POLLOUT; reading
 * gives it back.
 */
static void nonblocking_window(void)
{
	static uint8_t buf[4096];
	struct pair p, o;
	struct pollfd pw = { .events = POLLOUT }, po = { .events = POLLOUT };
	int expect = W / CHARGE(4096), cap = 4 * expect + 16, n = 0, err = 0;
	int drained;

	if (!pair_open(&p, "nbwin", O_NONBLOCK, 0) || !pair_open(&o, "nbother", 0, 0)) {
		ktap_result(0, "nonblocking_write_to_stopped_reader_eagain_at_window");
		goto out;
	}
	while (n < cap) {
		if (write(p.a, buf, sizeof(buf)) != sizeof(buf)) {
			err = errno;
			break;
		}
		n++;
	}
	printf("# %d writes of 4 KiB before %s; window %ld / %ld per message = %d\n",
	       n, err ? strerror(err) : "the cap", W, CHARGE(4096), expect);
	ktap_result(err == EAGAIN && n >= expect - 1 && n <= expect + 1,
		    "nonblocking_write_to_stopped_reader_eagain_at_window");

	pw.fd = p.a;
	po.fd = o.a;
	ktap_result(poll(&pw, 1, 300) == 0, "no_pollout_for_endpoint_out_of_credit");
	ktap_result(poll(&po, 1, 1000) == 1 && (po.revents & POLLOUT),
		    "pollout_for_other_endpoint_of_same_link");

	drained = drain(p.b, n, 2000);
	if (drained != n)
		printf("# reader got %d of %d messages\n", drained, n);
	ktap_result(drained == n, "stopped_reader_gets_every_message_when_it_reads");
	ktap_result(poll(&pw, 1, 5000) == 1 && (pw.revents & POLLOUT),
		    "pollout_back_after_reader_reads");
	ktap_result(write(p.a, buf, sizeof(buf)) == sizeof(buf) && drain(p.b, 1, 2000) == 1,
		    "write_succeeds_after_reader_reads");
out:
	pair_close(&p);
	pair_close(&o);
}

/* B: @count messages of @len through a pair, in order; messages/s. */
static double stream_rate(int wfd, int rfd, int count, size_t len, int *ok)
{
	static uint8_t buf[MTU + 100];
	struct pollfd p = { .fd = rfd, .events = POLLIN };
	struct wr *w = wr_start(wfd, len, count, 0);
	long long t0 = now_ms(), ms;
	int i;

	for (i = 0; i < count; i++) {
		ssize_t n;

		if (poll(&p, 1, 5000) != 1) {
			printf("# stream: nothing for 5 s after %d of %d messages\n", i, count);
			break;
		}
		n = read(rfd, buf, sizeof(buf));
		if (!msg_ok(buf, n, i, len)) {
			printf("# stream: message %d of %d bad or out of order (%zd bytes)\n",
			       i, count, n);
			break;
		}
	}
	ms = now_ms() - t0;
	*ok = i == count && job_wait(&w->job, 5000) && w->sent == count;
	wr_end(w);
	return i * 1000.0 / (ms > 0 ? ms : 1);
}

/*
 * A and B: a writer of 64 KiB messages to a reader that stopped blocks
 * within its window, and the kernel memory it costs stays bounded; the
 * other endpoints of the link keep their speed; when the reader resumes
 * every message arrives, in order, and the writer goes on.
 */
static void stopped_reader_memory_bounded(int secs)
{
	static uint8_t buf[MTU + 100];
	const struct hdr *h = (const void *)buf;
	long bound_kb = (2 * W) / 1024 + SLACK_KB, grow = 0;
	int blocked_max = 4 * W / 65536 + 2, sent, got = 0, bad = 0, ok1, ok2, i;
	struct pollfd p = { .events = POLLIN };
	long long waits;
	double r1, r2;
	struct pair s, o;
	struct mem m;
	struct wr *w;

	if (!pair_open(&s, "slowmem", 0, 0) || !pair_open(&o, "other", 0, 0)) {
		ktap_result(0, "stopped_reader_kernel_memory_bounded");
		goto out;
	}
	waits = stat_of(A, "rpmsg_credit_waits");
	/* b holds s.b open and does not read it until told. */
	usleep(200000);
	mem_start(&m);
	w = wr_start(s.a, 65536, 4 * blocked_max, 0);
	for (i = 0; i < secs * 10; i++) {
		usleep(100000);
		grow = mem_sample(&m);
		/* A kernel that queues without limit: stop before the VM suffers. */
		if (grow > 4 * bound_kb && !READ_ONCE(w->stop)) {
			printf("# SUnreclaim grew %ld kB: writer stopped early\n", grow);
			WRITE_ONCE(w->stop, 1);
		}
	}
	sent = READ_ONCE(w->sent);
	printf("# SUnreclaim grew %ld kB, bound %ld kB (%ld kB before)\n", grow, bound_kb,
	       m.before);
	ktap_result(m.before > 0 && grow <= bound_kb, "stopped_reader_kernel_memory_bounded");
	printf("# writer: %d messages of 64 KiB in %d s to the stopped reader, %s\n",
	       sent, secs, job_done(&w->job) ? "ended" : "still in write()");
	printf("# (fewer than %d expected); rpmsg_credit_waits %lld -> %lld\n",
	       blocked_max, waits, stat_of(A, "rpmsg_credit_waits"));
	ktap_result(!job_done(&w->job) && sent < blocked_max,
		    "writer_to_stopped_reader_blocks");

	/* B, first half: the other pair, while this reader is still stopped. */
	r1 = stream_rate(o.a, o.b, 2000, 1024, &ok1);
	ktap_result(ok1, "other_endpoint_streams_while_reader_stopped");

	/* The reader resumes: the writer finishes the write it is in, and ends. */
	WRITE_ONCE(w->stop, 1);
	p.fd = s.b;
	while (!(job_done(&w->job) && got >= READ_ONCE(w->sent))) {
		ssize_t n;

		if (poll(&p, 1, 5000) != 1) {
			printf("# reader: nothing for 5 s after %d messages (writer sent %d)\n",
			       got, READ_ONCE(w->sent));
			break;
		}
		n = read(s.b, buf, sizeof(buf));
		if (!msg_ok(buf, n, got, 65536)) {
			printf("# reader: message %d bad: %zd bytes, seq %u\n", got, n,
			       n >= (ssize_t)sizeof(*h) ? h->seq : 0);
			bad = 1;
			break;
		}
		got++;
	}
	ktap_result(job_wait(&w->job, 5000) && !w->err, "writer_unblocks_when_reader_resumes");
	printf("# reader got %d of %d messages written\n", got, w->sent);
	ktap_result(!bad && got == w->sent && got >= sent,
		    "every_message_to_stopped_reader_arrives_in_order");
	wr_end(w);

	/* B, second half: the same stream with nothing stopped. */
	r2 = stream_rate(o.a, o.b, 2000, 1024, &ok2);
	printf("# other endpoint: %.0f msgs/s while one reader is stopped, ", r1);
	printf("%.0f msgs/s unimpeded (1 KiB messages)\n", r2);
	ktap_result(ok2, "other_endpoint_streams_unimpeded");
out:
	pair_close(&s);
	pair_close(&o);
}

/*
 * rpmsg_char's own cap: beyond max_queued bytes of skb truesize queued on
 * an endpoint, a message is dropped and counted (rpmsg_lost), never
 * blocking the link's receive thread. The window keeps a well-behaved
 * sender under the default cap, so the cap is lowered for the test.
 */
static void rpmsg_char_queue_capped(void)
{
	static uint8_t buf[4096];
	long long orig = number(CHAR_PARAM "max_queued"), lost0, lost;
	char val[32];
	int sent = 0, got;
	struct pair p;

	ktap_result(orig > 0, "rpmsg_char_max_queued_parameter");
	if (orig <= 0)
		return;
	if (put(CHAR_PARAM "max_queued", "65536")) {
		ktap_result(1, "rpmsg_char_queue_cap_drops_and_counts # SKIP max_queued read-only");
		return;
	}
	if (pair_open(&p, "qcap", O_NONBLOCK, 0)) {
		lost0 = stat_of(B, "rpmsg_lost");
		/* At most a window's worth, or 100 if dropped messages are credited. */
		while (sent < 100 && write(p.a, buf, sizeof(buf)) == sizeof(buf))
			sent++;
		usleep(500000);
		got = drain(p.b, sent, 1000);
		lost = stat_of(B, "rpmsg_lost");
		printf("# max_queued 64 KiB: %d of %d messages of 4 KiB queued, ", got, sent);
		printf("rpmsg_lost %lld -> %lld\n", lost0, lost);
		/* A message's truesize is more than its 4 KiB: at most 16 fit. */
		ktap_result(got >= 1 && got <= 16 && lost0 >= 0 && lost - lost0 == sent - got,
			    "rpmsg_char_queue_cap_drops_and_counts");
	} else {
		ktap_result(0, "rpmsg_char_queue_cap_drops_and_counts");
	}
	snprintf(val, sizeof(val), "%lld", orig);
	put(CHAR_PARAM "max_queued", val);
	pair_close(&p);
}

/*
 * D: a peer that sends without taking credit (this kernel's buses, with
 * the fault hook) is cut off at the window by the receiver: kernel memory
 * stays within the same bound, the excess is counted.
 */
static void hostile_peer_cut_off(void)
{
	long bound_kb = (2 * W) / 1024 + SLACK_KB, grow = 0;
	long long over0 = stat_of(B, "rpmsg_over_credit"), over;
	int set, i, sent = 0, err;
	struct wr *w = NULL;
	struct pair p;
	struct mem m;

	if (!pair_open(&p, "hostile", O_NONBLOCK, 0)) {
		ktap_result(0, "hostile_peer_fault_hook_set");
		pair_close(&p);
		return;
	}
	usleep(200000);
	set = put(PARAM "fault_ignore_credit", "1") == 0;
	ktap_result(set, "hostile_peer_fault_hook_set");
	/* Without the hook an old kernel would just queue: nothing to blast. */
	if (set) {
		mem_start(&m);
		w = wr_start(p.a, 65536, 1 << 30, 1);
		for (i = 0; i < 30; i++) {
			usleep(100000);
			grow = mem_sample(&m);
			if (grow > 4 * bound_kb && !READ_ONCE(w->stop)) {
				printf("# SUnreclaim grew %ld kB: blaster stopped early\n", grow);
				WRITE_ONCE(w->stop, 1);
			}
		}
		WRITE_ONCE(w->stop, 1);
		job_wait(&w->job, 2000);
		put(PARAM "fault_ignore_credit", "0");
		sent = READ_ONCE(w->sent);
		err = READ_ONCE(w->err);
		printf("# hostile peer: %d messages of 64 KiB sent in 3 s, %d EAGAIN, error %s\n",
		       sent, READ_ONCE(w->eagain), err ? strerror(err) : "none");
		wr_end(w);
	}
	over = stat_of(B, "rpmsg_over_credit");
	printf("# SUnreclaim grew %ld kB, bound %ld kB; rpmsg_over_credit %lld -> %lld\n",
	       grow, bound_kb, over0, over);
	ktap_result(set && sent > W / CHARGE(65536) + 1, "hostile_peer_sends_past_window");
	ktap_result(set && grow <= bound_kb, "hostile_peer_kernel_memory_bounded");
	ktap_result(over0 >= 0 && over > over0, "hostile_peer_over_credit_counted");
	pair_close(&p);
	ktap_result(link_works(), "link_works_after_hostile_peer");
}

/*
 * E, 1: a's channel, announced; on b, its copy; b's writer blocks for a's
 * credit (a does not read); a releases the channel, so b's name service
 * removes the copy. Before the fix the removal, in b's receive thread,
 * waited for the ept_lock the blocked writer held: the link was wedged.
 */
static void peer_release_wakes_blocked_writer(void)
{
	struct rpmsg_endpoint_info info = { .name = "rpmsg-raw", .dst = RPMSG_ADDR_ANY };
	char dev_a[300], dev_b[300];
	int ctl = ctrl_of(A), fa = -1, fb = -1, ok;
	long long ra = stat_of(A, "resets"), rb = stat_of(B, "resets");
	struct wr *w = NULL;
	struct ioc *rel;
	struct lw *l;

	info.src = addr_pair();
	ok = ctl >= 0 && ioctl(ctl, RPMSG_CREATE_DEV_IOCTL, &info) == 0 &&
	     chan_dev(A, info.src, 0, dev_a, sizeof(dev_a)) &&
	     chan_dev(B, info.src, 1, dev_b, sizeof(dev_b));
	if (ok) {
		fa = open(dev_a, O_RDWR);
		fb = open(dev_b, O_RDWR);
	}
	ok = ok && fa >= 0 && fb >= 0;
	if (!ok) {
		printf("# announced channel %#x: no devices on both ends\n", info.src);
		ktap_result(0, "writer_blocks_on_announced_channel");
		goto out;
	}
	/* b's writer, to a's channel. */
	w = wr_start(fb, 65536, 64, 0);
	ktap_result(wr_blocks(w), "writer_blocks_on_announced_channel");
	rel = ioc_start(ctl, RPMSG_RELEASE_DEV_IOCTL, &info);
	ktap_result(wr_epipe(w, 5000), "blocked_writer_epipe_when_peer_releases_channel");
	/* Asked before the writer is signalled: a wedged thread shows now. */
	l = calloc(1, sizeof(*l));
	if (!l)
		abort();
	job_start(&l->job, lw_main, l);
	ok = job_wait(&l->job, 10000) && l->ok;
	ktap_result(ok, "link_works_after_peer_released_channel");
	ktap_result(ra >= 0 && stat_of(A, "resets") == ra && stat_of(B, "resets") == rb,
		    "link_not_reset_by_channel_release");
	wr_end(w);
	w = NULL;
	if (job_wait(&l->job, 5000) || job_reap(&l->job, 0))
		free(l);
	ktap_result(job_wait(&rel->job, 5000) && rel->ret == 0, "release_dev_returns");
	ioc_end(rel);
	info.src = 0;		/* released */
out:
	if (w)
		wr_end(w);
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	if (ctl >= 0) {
		if (info.src)
			ioctl(ctl, RPMSG_RELEASE_DEV_IOCTL, &info);
		close(ctl);
	}
}

/*
 * E, 2: RPMSG_DESTROY_EPT_IOCTL from another thread on the descriptor of
 * a writer blocked for credit: the writer returns EPIPE, the ioctl
 * returns (before the fix it waited for the writer's ept_lock).
 */
static void destroy_ept_wakes_blocked_writer(void)
{
	struct ioc *des;
	struct wr *w;
	struct pair p;

	if (!pair_open(&p, "destroy", 0, 0)) {
		ktap_result(0, "writer_blocks_before_destroy_ept");
		pair_close(&p);
		return;
	}
	w = wr_start(p.a, 65536, 64, 0);
	ktap_result(wr_blocks(w), "writer_blocks_before_destroy_ept");
	des = ioc_start(p.a, RPMSG_DESTROY_EPT_IOCTL, NULL);
	ktap_result(wr_epipe(w, 5000), "blocked_writer_epipe_on_destroy_ept_ioctl");
	ktap_result(job_wait(&des->job, 5000) && des->ret == 0, "destroy_ept_ioctl_returns");
	wr_end(w);
	ioc_end(des);
	pair_close(&p);
	ktap_result(link_works(), "link_works_after_destroy_ept");
}

/*
 * F, 9: a channel's BIND that found the ring full is sent again. a stops
 * receiving; b fills the b-to-a ring; a announces a channel; b's copy
 * binds, and its BIND does not fit. Before the fix it was lost and a's
 * side of the channel stayed ENOTCONN for ever.
 */
static void bind_retried_after_ring_full(void)
{
	struct rpmsg_endpoint_info info = { .name = "rpmsg-raw", .dst = RPMSG_ADDR_ANY };
	static const char msg[16] = "fill";
	int fr[4], fw[4], filled[4] = { 0 }, npairs = 0, full = 0, total = 0, drained = 0;
	int ctl = ctrl_of(A), ca = -1, cb = -1, made = 0, i, n = -1, err = 0, werr = 0;
	long long full0 = stat_of(B, "tx_full");
	char dev_a[300], dev_b[300];

	info.src = addr_pair();
	pause_end(A, 1);
	/*
	 * Small messages: the ring's 256 entries run out long before one
	 * endpoint's window (W / 528 messages). A fresh endpoint, with all its
	 * credit, that cannot send one message proves the ring full.
	 */
	for (i = 0; i < 4 && !full && !err; i++) {
		unsigned int f = addr_pair();

		fr[i] = ept(A, "fill", f, f + 1, 0);
		fw[i] = ept(B, "fill", f + 1, f, O_NONBLOCK);
		npairs = i + 1;
		werr = 0;
		if (fr[i] < 0 || fw[i] < 0) {
			err = ENODEV;
			break;
		}
		while (filled[i] < 2000) {
			if (write(fw[i], msg, sizeof(msg)) != sizeof(msg)) {
				werr = errno;
				break;
			}
			filled[i]++;
			total++;
		}
		if (werr != EAGAIN)
			err = werr ? werr : E2BIG;
		full = !err && filled[i] == 0;
	}
	printf("# b to a: %d messages of 16 bytes through %d endpoints, ring %s (%s), ",
	       total, npairs, full ? "full" : "not full", err ? strerror(err) : "EAGAIN");
	printf("tx_full %lld -> %lld\n", full0, stat_of(B, "tx_full"));
	if (full && ctl >= 0 && ioctl(ctl, RPMSG_CREATE_DEV_IOCTL, &info) == 0) {
		made = 1;
		/* b's rpmsg_char has bound the copy: its BIND went out or failed. */
		if (!chan_dev(B, info.src, 1, dev_b, sizeof(dev_b)))
			printf("# b's copy of channel %#x did not appear\n", info.src);
		else
			cb = open(dev_b, O_RDWR);
		usleep(200000);
	}
	pause_end(A, 0);
	for (i = 0; i < npairs; i++)
		if (fr[i] >= 0)
			drained += drain(fr[i], filled[i], 2000);
	if (!full) {
		/* An error is a failure; a ring that holds more than expected is not. */
		if (err)
			ktap_result(0, "announced_channel_binds_after_ring_full");
		else
			ktap_result(1, "%s # SKIP the ring did not fill",
				    "announced_channel_binds_after_ring_full");
		goto out;
	}
	ktap_result(drained == total, "ring_full_fillers_all_delivered");
	if (made && chan_dev(A, info.src, 0, dev_a, sizeof(dev_a)))
		ca = open(dev_a, O_RDWR);
	/* The retry may wait for room or a timer: give it a few seconds. */
	for (i = 0; ca >= 0 && i < 100; i++) {
		n = write(ca, "bound", 5);
		if (n == 5 || errno != ENOTCONN)
			break;
		usleep(50000);
	}
	if (n != 5)
		printf("# write on a's side of the channel: %s\n",
		       ca < 0 ? "no device" : strerror(errno));
	ktap_result(cb >= 0 && n == 5, "announced_channel_binds_after_ring_full");
	ktap_result(n == 5 && drain(cb, 1, 2000) == 1, "channel_works_after_ring_full");
out:
	if (ca >= 0)
		close(ca);
	if (cb >= 0)
		close(cb);
	if (made)
		ioctl(ctl, RPMSG_RELEASE_DEV_IOCTL, &info);
	for (i = 0; i < npairs; i++) {
		if (fr[i] >= 0)
			close(fr[i]);
		if (fw[i] >= 0)
			close(fw[i]);
	}
	if (ctl >= 0)
		close(ctl);
}

/*
 * G: the name service takes at most peer_channels live channels from the
 * peer; beyond, it refuses, counts and logs. "rpmsg-raw": the core
 * announces a channel only once a driver with a callback probes it, so
 * the announcing side needs rpmsg_char bound (rpmsg_char binds the copies
 * too, which is harmless).
 */
static void ns_quota(void)
{
	struct rpmsg_endpoint_info info[10];
	long long orig = number(PARAM "peer_channels"), base, refused0, refused = -1;
	long long peers = -1;
	int ctl = ctrl_of(A), logs0 = dmesg_count("refused"), i, made = 0;
	char val[32];

	ktap_result(orig > 0 && put(PARAM "peer_channels", "4") == 0, "peer_channels_quota_set");
	base = stat_of(B, "rpmsg_peer_channels");
	refused0 = stat_of(B, "rpmsg_ns_refused");
	for (i = 0; i < 10; i++) {
		memset(&info[i], 0, sizeof(info[i]));
		snprintf(info[i].name, sizeof(info[i].name), "rpmsg-raw");
		info[i].src = addr_pair();
		info[i].dst = RPMSG_ADDR_ANY;
		if (ctl >= 0 && ioctl(ctl, RPMSG_CREATE_DEV_IOCTL, &info[i]) == 0)
			made++;
		else
			info[i].src = 0;
		/* Not a flood in time: only the count is under test. */
		usleep(50000);
	}
	/* b's name service has handled all ten: kept plus refused. */
	for (i = 0; i < 100; i++) {
		peers = stat_of(B, "rpmsg_peer_channels");
		refused = stat_of(B, "rpmsg_ns_refused");
		if (peers >= 0 && refused >= 0 && peers + refused - refused0 >= made)
			break;
		usleep(50000);
	}
	printf("# %d channels announced by a; b keeps %lld (%lld before), ", made, peers, base);
	printf("refused %lld -> %lld; %d 'refused' log lines before\n", refused0, refused,
	       logs0);
	ktap_result(made == 10 && base == 0 && peers == 4, "peer_channels_capped_at_quota");
	ktap_result(refused0 >= 0 && refused - refused0 >= 6, "ns_create_beyond_quota_refused");
	ktap_result(dmesg_count("refused") > logs0, "ns_refusal_logged");
	for (i = 0; i < 10; i++)
		if (info[i].src)
			ioctl(ctl, RPMSG_RELEASE_DEV_IOCTL, &info[i]);
	if (orig > 0) {
		snprintf(val, sizeof(val), "%lld", orig);
		put(PARAM "peer_channels", val);
	}
	for (i = 0; i < 100 && (peers = stat_of(B, "rpmsg_peer_channels")) > 0; i++)
		usleep(50000);
	printf("# b keeps %lld peer channels after a released them\n", peers);
	ktap_result(peers == 0, "peer_channels_back_to_zero_after_release");
	if (ctl >= 0)
		close(ctl);
}

/*
 * E, 3 and F, 7: a writer blocked for credit returns EPIPE when the link
 * goes down. Afterwards the descriptors' endpoints are gone for good
 * (endpoints from RPMSG_CREATE_EPT_IOCTL do not come back):
 * RPMSG_SET_INCOMING_FLOWCONTROL fails with EPIPE (before the fix:
 * rpmsg_set_flow_control()'s WARN_ON(!ept)) and poll() reports POLLERR.
 */
static void link_reset_wakes_blocked_writer(void)
{
	long long resets = stat_of(A, "resets");
	int ok = 1, i;
	struct wr *w;
	struct pair p;

	if (!pair_open(&p, "reset", 0, 0)) {
		ktap_result(0, "writer_blocks_before_link_reset");
		pair_close(&p);
		return;
	}
	w = wr_start(p.a, 65536, 64, 0);
	ktap_result(wr_blocks(w), "writer_blocks_before_link_reset");
	restart_end(A);
	ktap_result(wr_epipe(w, 5000), "blocked_writer_epipe_on_link_reset");
	wr_end(w);

	/*
	 * Down (the counter moved) and up again: the link's old devices, these
	 * endpoints among them, are gone by then.
	 */
	for (i = 0; i < 250 && stat_of(A, "resets") <= resets; i++)
		usleep(20000);
	ktap_result(stat_of(A, "resets") > resets && wait_up(10000), "link_up_again_after_reset");
	for (i = 0; i < 2; i++) {
		int fd = i ? p.b : p.a, ret = ioctl(fd, RPMSG_SET_INCOMING_FLOWCONTROL, 1);

		if (ret == 0 || errno != EPIPE) {
			printf("# %s: set flow control on a gone endpoint: %s\n", i ? "b" : "a",
			       ret ? strerror(errno) : "succeeded");
			ok = 0;
		}
	}
	ktap_result(ok, "set_flowcontrol_on_gone_endpoint_epipe");
	for (i = 0, ok = 1; i < 2; i++) {
		struct pollfd pf = { .fd = i ? p.b : p.a, .events = POLLIN | POLLOUT };

		if (poll(&pf, 1, 1000) != 1 || !(pf.revents & POLLERR)) {
			printf("# %s: poll on a gone endpoint: revents %#x\n", i ? "b" : "a",
			       pf.revents);
			ok = 0;
		}
	}
	ktap_result(ok, "poll_on_gone_endpoint_pollerr");
	pair_close(&p);
	ktap_result(link_works(), "link_works_after_reset");
}

/*
 * The name service's registration fails at a link up (test hook): the bus
 * says so, in its log and in stats, instead of keeping a pointer to the
 * freed device (before the fix stats said 1); channels with a known
 * address still work; the next link up has it again.
 */
static int reset_and_wait(const char *end)
{
	long long resets = stat_of(end, "resets");
	int i, fa, fb;

	restart_end(end);
	for (i = 0; i < 250 && stat_of(end, "resets") <= resets; i++)
		usleep(20000);
	if (stat_of(end, "resets") <= resets || !wait_up(10000))
		return 0;
	/* The buses are up once their control devices are back (waited for). */
	fa = ctrl_of(A);
	fb = ctrl_of(B);
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return fa >= 0 && fb >= 0;
}

static void ns_registration_failure(void)
{
	int logged = dmesg_count("no name service"), set, up;

	set = put(PARAM "fault_ns_register", "1") == 0;
	ktap_result(set, "ns_fault_hook_set");
	if (!set)
		return;
	up = reset_and_wait(A);
	put(PARAM "fault_ns_register", "0");
	printf("# after a failed registration: name service %lld on a, %lld on b\n",
	       stat_of(A, "rpmsg_name_service"), stat_of(B, "rpmsg_name_service"));
	ktap_result(up && stat_of(A, "rpmsg_name_service") == 0 &&
		    stat_of(B, "rpmsg_name_service") == 0, "ns_failure_shown_in_stats");
	ktap_result(dmesg_count("no name service") >= logged + 2, "ns_failure_logged");
	ktap_result(link_works(), "link_works_without_name_service");
	ktap_result(reset_and_wait(A) && stat_of(A, "rpmsg_name_service") == 1 &&
		    stat_of(B, "rpmsg_name_service") == 1, "ns_back_at_next_link_up");
}

/* Loopbacks ---------------------------------------------------------------- */

/* Ids of the loopbacks listed; how many. */
static int lo_list(int *ids, int max)
{
	char buf[4096], *line, *save;
	int n = 0, id;

	if (get(DBG "loopback", buf, sizeof(buf)) < 0)
		return 0;
	for (line = strtok_r(buf, "\n", &save); line && n < max;
	     line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, "%d", &id) == 1)
			ids[n++] = id;
	return n;
}

/* Create an rpmsg loopback; its id (the one not listed before), or -1. */
static int lo_create(void)
{
	int before[64], after[64], nb, na, i, k;

	nb = lo_list(before, 64);
	if (put(DBG "loopback", "create 0 1 rpmsg"))
		return -1;
	na = lo_list(after, 64);
	for (i = 0; i < na; i++) {
		for (k = 0; k < nb && before[k] != after[i]; k++)
			;
		if (k == nb)
			return after[i];
	}
	return -1;
}

static void lo_names(int id)
{
	snprintf(A, sizeof(A), "lo%d.a", id);
	snprintf(B, sizeof(B), "lo%d.b", id);
}

struct putj {
	struct job job;
	char val[32];
	int ret;
};

static void *putj_main(void *arg)
{
	struct putj *p = arg;

	p->ret = put(DBG "loopback", p->val);
	return NULL;
}

/* Destroy a loopback from a thread: it may wait for something stuck. */
static int lo_destroy(int id, int ms)
{
	struct putj *p = calloc(1, sizeof(*p));
	int ret = -ETIMEDOUT;

	if (!p)
		abort();
	snprintf(p->val, sizeof(p->val), "destroy %d", id);
	job_start(&p->job, putj_main, p);
	if (job_wait(&p->job, ms)) {
		ret = p->ret;
		free(p);
	} else {
		printf("# destroy %d: still running after %d ms\n", id, ms);
	}
	return ret;
}

struct poller {
	struct job job;
	int fd, ret;
	short events, revents;
	long long end;
};

static void *poller_main(void *arg)
{
	struct poller *p = arg;
	struct pollfd pf = { .fd = p->fd, .events = p->events };

	p->ret = poll(&pf, 1, 15000);
	p->revents = pf.revents;
	p->end = now_ms();
	return NULL;
}

/*
 * F, 8, last: threads sleeping in poll(2) (not epoll) on /dev/rpmsgN of a
 * loopback that is destroyed return at once. The kernel log check of the
 * boot (KASAN, WARN) is what sees a poller left on a freed wait queue;
 * here it only has to happen, and poll() has to return. Three sleepers:
 * POLLIN on each end, and POLLOUT on a writer out of credit.
 */
static void poll_across_loopback_destroy(void)
{
	static uint8_t buf[4096];
	struct poller pl[3];
	int id = lo_create(), i, n = 0, asleep = 1, back = 1, cap = 4 * W / 4096 + 16;
	struct pair p = { .a = -1, .b = -1 }, q = { .a = -1, .b = -1 };
	long long t0;

	ktap_result(id >= 0, "create_loopback_for_poll_test");
	if (id < 0)
		return;
	lo_names(id);
	if (!pair_open(&p, "pollin", 0, 0) || !pair_open(&q, "pollout", O_NONBLOCK, 0)) {
		ktap_result(0, "pollers_asleep_before_loopback_destroy");
		goto out;
	}
	while (n < cap && write(q.a, buf, sizeof(buf)) == sizeof(buf))
		n++;
	printf("# pollout writer: %d messages of 4 KiB before %s\n", n,
	       n < cap ? strerror(errno) : "the cap");
	memset(pl, 0, sizeof(pl));
	pl[0].fd = p.a;
	pl[0].events = POLLIN;
	pl[1].fd = p.b;
	pl[1].events = POLLIN;
	pl[2].fd = q.a;
	pl[2].events = POLLOUT;
	for (i = 0; i < 3; i++)
		job_start(&pl[i].job, poller_main, &pl[i]);
	usleep(500000);
	for (i = 0; i < 3; i++) {
		if (job_done(&pl[i].job)) {
			printf("# poller %d returned before the destroy: %d, revents %#x\n", i,
			       pl[i].ret, pl[i].revents);
			asleep = 0;
		}
	}
	ktap_result(asleep, "pollers_asleep_before_loopback_destroy");
	t0 = now_ms();
	ktap_result(lo_destroy(id, 10000) == 0, "loopback_destroyed_under_pollers");
	id = -1;
	for (i = 0; i < 3; i++) {
		if (!job_wait(&pl[i].job, 5000 - (int)(now_ms() - t0))) {
			printf("# poller %d still in poll() 5 s after the destroy\n", i);
			back = 0;
		} else {
			printf("# poller %d: %d, revents %#x, %lld ms after the destroy began\n",
			       i, pl[i].ret, pl[i].revents, pl[i].end - t0);
		}
	}
	ktap_result(back, "poll_returns_when_loopback_destroyed");
	/* Their poll() times out after 15 s at worst. */
	for (i = 0; i < 3; i++)
		job_wait(&pl[i].job, 15000);
out:
	pair_close(&p);
	pair_close(&q);
	if (id >= 0)
		lo_destroy(id, 10000);
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_signal };	/* no SA_RESTART */
	int secs = knob("mktest.flow_seconds", 10), id, fa, fb;

	sigaction(SIGUSR1, &sa, NULL);
	id = lo_create();
	ktap_result(id >= 0, "create_rpmsg_loopback");
	if (id < 0)
		return ktap_finish();
	lo_names(id);
	fa = ctrl_of(A);
	fb = ctrl_of(B);
	ktap_result(fa >= 0 && fb >= 0 && wait_up(5000), "rpmsg_ctrl_on_both_ends");
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);

	parameters_and_counters();
	nonblocking_window();
	stopped_reader_memory_bounded(secs > 0 ? secs : 10);
	rpmsg_char_queue_capped();
	hostile_peer_cut_off();
	peer_release_wakes_blocked_writer();
	destroy_ept_wakes_blocked_writer();
	bind_retried_after_ring_full();
	ns_quota();
	link_reset_wakes_blocked_writer();
	ns_registration_failure();

	ktap_result(lo_destroy(id, 10000) == 0, "destroy_rpmsg_loopback");
	poll_across_loopback_destroy();
	return ktap_finish();
}
