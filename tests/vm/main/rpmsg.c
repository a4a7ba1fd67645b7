// SPDX-License-Identifier: GPL-2.0-only
/*
 * The rpmsg bus as userspace sees it: /dev/rpmsg_ctrlN and /dev/rpmsgN of
 * both ends of a loopback link (rpmsg_char ABI only), rpmsg_tty, the
 * kernel's sample client, the name service, flow control, backpressure,
 * and the link going down and coming back.
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
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>
#include <linux/rpmsg.h>
#include "ktap.h"
#include "mkvm.h"

static char A[24], B[24];	/* link end names, "loN.a" and "loN.b" */
static int lo_id = -1;

struct stream {
	int wfd, rfd, count, ok, sent, bad;
	unsigned int seed;
};

static void *writer(void *arg)
{
	struct stream *s = arg;
	static __thread uint8_t buf[MTU];
	struct hdr *h = (void *)buf;
	int i;

	for (i = 0; i < s->count; i++) {
		/* Log-uniform sizes from 16 bytes to the MTU. */
		int bits = 4 + rand_r(&s->seed) % 13;
		size_t len = (1u << bits) + rand_r(&s->seed) % (1u << bits);

		if (len > MTU)
			len = MTU;
		h->seq = i;
		h->len = len;
		h->sum = fill(buf + sizeof(*h), len - sizeof(*h), i);
		if (write(s->wfd, buf, len) != (ssize_t)len)
			break;
		s->sent++;
	}
	return NULL;
}

static void *reader(void *arg)
{
	struct stream *s = arg;
	static __thread uint8_t buf[MTU + 100];
	struct hdr *h = (void *)buf;
	struct pollfd p = { .fd = s->rfd, .events = POLLIN };
	int i;

	for (i = 0; i < s->count; i++) {
		ssize_t n;

		if (poll(&p, 1, 20000) != 1)
			break;
		n = read(s->rfd, buf, sizeof(buf));
		if (n < (ssize_t)sizeof(*h) || h->seq != (uint32_t)i || h->len != n ||
		    h->sum != sum(buf + sizeof(*h), n - sizeof(*h))) {
			s->bad++;
			break;
		}
	}
	s->ok = i == s->count && !s->bad;
	return NULL;
}

static void stream_both_ways(int fa, int fb, int count)
{
	struct stream ab = { .wfd = fa, .rfd = fb, .count = count, .seed = 1 };
	struct stream ba = { .wfd = fb, .rfd = fa, .count = count, .seed = 2 };
	pthread_t t[4];

	pthread_create(&t[0], NULL, reader, &ab);
	pthread_create(&t[1], NULL, reader, &ba);
	pthread_create(&t[2], NULL, writer, &ab);
	pthread_create(&t[3], NULL, writer, &ba);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	ktap_result(ab.ok && ab.sent == count, "stream_a_to_b_%d_msgs_intact", count);
	ktap_result(ba.ok && ba.sent == count, "stream_b_to_a_%d_msgs_intact", count);
}

static void set_nonblock(int fd, int on)
{
	int flags = fcntl(fd, F_GETFL);

	fcntl(fd, F_SETFL, on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK);
}

struct drainer {
	int fd, count;
};

/* Read until nothing comes for 2 s: the receiver's credit goes back. */
static void *drainer(void *arg)
{
	struct drainer *d = arg;
	static uint8_t buf[4096];
	struct pollfd p = { .fd = d->fd, .events = POLLIN };

	while (poll(&p, 1, 2000) == 1 && (p.revents & POLLIN) &&
	       read(d->fd, buf, sizeof(buf)) > 0)
		d->count++;
	return NULL;
}

static void backpressure(int fa, int fb)
{
	static uint8_t buf[4096];
	struct pollfd p = { .fd = fa, .events = POLLOUT };
	struct sigaction sa = { .sa_handler = on_signal };	/* no SA_RESTART */
	struct drainer d = { .fd = fb };
	int queued = 0, n_err;
	pthread_t t;
	ssize_t n;

	/* rpmsg_char opens an endpoint once: one descriptor, flag toggled. */
	set_nonblock(fa, 1);
	pause_end(B, 1);
	/*
	 * b's endpoint gives a window of credit (256 KiB by default), less
	 * than the ring's payload area: EAGAIN comes from the window, or from
	 * the ring if the window is larger. Either way the writer must wait.
	 */
	while ((n = write(fa, buf, sizeof(buf))) == sizeof(buf))
		queued++;
	n_err = errno;
	printf("# %d writes of 4 KiB before %s\n", queued, n < 0 ? strerror(n_err) : "short");
	ktap_result(n < 0 && n_err == EAGAIN, "nonblocking_write_full_eagain");
	ktap_result(queued > 0, "nonblocking_wrote_until_full");
	ktap_result(poll(&p, 1, 300) == 0, "poll_no_pollout_while_full");

	/* A blocking write waits, and a signal interrupts it. */
	set_nonblock(fa, 0);
	sigaction(SIGALRM, &sa, NULL);
	alarm(1);
	n = write(fa, buf, sizeof(buf));
	printf("# blocking write: %zd (%s)\n", n, n < 0 ? strerror(errno) : "written");
	ktap_result(n < 0 && errno == EINTR, "blocking_write_interrupted_by_signal");
	alarm(0);

	set_nonblock(fa, 1);
	pause_end(B, 0);
	/* Credit comes back as b's reader reads, not when b's ring drains. */
	pthread_create(&t, NULL, drainer, &d);
	ktap_result(poll(&p, 1, 5000) == 1 && (p.revents & POLLOUT), "pollout_after_drain");
	ktap_result(write(fa, buf, 100) == 100, "write_after_pollout");
	queued++;
	set_nonblock(fa, 0);
	/* Everything queued arrived, nothing was dropped. */
	pthread_join(t, NULL);
	ktap_result(d.count == queued, "nothing_dropped_%d_of_%d", d.count, queued);
}

static void flow_control(int fa, int fb)
{
	struct pollfd p = { .fd = fb, .events = POLLPRI };
	int v = -1;

	ktap_result(ioctl(fa, RPMSG_SET_INCOMING_FLOWCONTROL, 1) == 0, "set_incoming_flowcontrol");
	ktap_result(poll(&p, 1, 5000) == 1 && (p.revents & POLLPRI), "peer_sees_pollpri");
	ktap_result(ioctl(fb, RPMSG_GET_OUTGOING_FLOWCONTROL, &v) == 0 && v == 1,
		    "peer_outgoing_flowcontrol_on");
	ktap_result(ioctl(fa, RPMSG_SET_INCOMING_FLOWCONTROL, 0) == 0 &&
		    poll(&p, 1, 5000) == 1 &&
		    ioctl(fb, RPMSG_GET_OUTGOING_FLOWCONTROL, &v) == 0 && v == 0,
		    "peer_outgoing_flowcontrol_off");
	ktap_result(ioctl(fa, RPMSG_SET_INCOMING_FLOWCONTROL, 2) < 0 && errno == EINVAL,
		    "flowcontrol_bad_value_einval");
}

static void sizes(int fa, int fb)
{
	static uint8_t buf[MTU + 1], in[MTU + 1];

	memset(buf, 0x5a, sizeof(buf));
	ktap_result(write(fa, buf, 65536) == 65536 && read(fb, in, sizeof(in)) == 65536,
		    "64KiB_message_whole");
	ktap_result(write(fa, buf, MTU) == MTU && read(fb, in, sizeof(in)) == MTU,
		    "mtu_message_whole");
	ktap_result(write(fa, buf, MTU + 1) < 0 && errno == EMSGSIZE, "above_mtu_emsgsize");
}

static void stalled_reader_does_not_block_others(void)
{
	int sa = ept(A, "slow", 0x502, 0x503, O_NONBLOCK), sb = ept(B, "slow", 0x503, 0x502, 0);
	int fa = ept(A, "fast", 0x504, 0x505, 0), fb = ept(B, "fast", 0x505, 0x504, 0);
	static uint8_t buf[8192];
	int i, err = 0, ok = sa >= 0 && sb >= 0 && fa >= 0 && fb >= 0;

	/*
	 * Nobody reads "slow": its window of credit fills and its writer gets
	 * EAGAIN (a blocking one would wait), instead of the kernel queueing
	 * without limit. 300 messages are far more than the window.
	 */
	for (i = 0; ok && i < 300; i++) {
		if (write(sa, buf, sizeof(buf)) != sizeof(buf)) {
			err = errno;
			break;
		}
	}
	printf("# %d messages of 8 KiB to the stalled endpoint before %s\n", i,
	       err ? strerror(err) : "the end");
	ktap_result(ok && err == EAGAIN, "stalled_endpoint_writer_gets_eagain");
	/* ...and "fast" keeps flowing on the same link. */
	for (i = 0; ok && i < 300; i++)
		ok = write(fa, buf, sizeof(buf)) == sizeof(buf) &&
		     read(fb, buf, sizeof(buf)) == sizeof(buf);
	ktap_result(ok, "stalled_endpoint_does_not_stop_others");
	close(sa);
	close(sb);
	close(fa);
	close(fb);
}

struct spray {
	int fd, writes, errors, err;
	volatile int stop, done;
};

static void *sprayer(void *arg)
{
	struct spray *s = arg;
	char m[64] = "x";

	while (!s->stop) {
		if (write(s->fd, m, sizeof(m)) == sizeof(m)) {
			s->writes++;
		} else {
			s->errors++;
			s->err = errno;
		}
	}
	s->done = 1;
	return NULL;
}

/*
 * Join @t once *@done is set, waiting @ms at most. A thread still blocked
 * in the kernel then gets SIGUSR1 (no SA_RESTART: its write() fails with
 * EINTR) until it lets go; returns 0 if it had to be interrupted, and
 * leaves it behind (detached) if even that did not free it.
 */
static int timed_join(pthread_t t, volatile int *done, int ms)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int i, in_time;

	for (i = 0; i < ms / 10 && !*done; i++)
		usleep(10000);
	in_time = *done;
	sigaction(SIGUSR1, &sa, NULL);
	for (i = 0; i < 30 && !*done; i++) {
		pthread_kill(t, SIGUSR1);
		usleep(100000);
	}
	if (*done)
		pthread_join(t, NULL);
	else
		pthread_detach(t);
	return in_time;
}

static void endpoint_destroyed_while_peer_writes(void)
{
	int fa = ept(A, "gone", 0x506, 0x507, 0), fb = ept(B, "gone", 0x507, 0x506, 0);
	struct spray s = { .fd = fa };
	pthread_t t;

	pthread_create(&t, NULL, sprayer, &s);
	usleep(100000);
	/*
	 * The peer's endpoint goes away. Nobody read it, so the sprayer may be
	 * waiting for its credit by now: what it had outstanding comes back.
	 */
	close(fb);
	usleep(200000);
	s.stop = 1;
	if (!timed_join(t, &s.done, 5000))
		printf("# sprayer still in write() 5 s after the endpoint went\n");
	/* Datagrams to nobody are dropped by the receiver, not errors here. */
	if (s.errors)
		printf("# %d writes failed, the last with %s\n", s.errors, strerror(s.err));
	ktap_result(s.writes > 0 && s.errors == 0, "writes_to_vanished_endpoint_dropped");
	if (s.done)
		close(fa);
}

static void name_service(void)
{
	struct rpmsg_endpoint_info info = { .name = "rpmsg-raw", .src = 0x600,
					    .dst = RPMSG_ADDR_ANY };
	char want[64], dev_a[300], dev_b[300], buf[32];
	int ctl = ctrl_of(A), fa = -1, fb = -1, ok;

	/* A channel made on a, bound by rpmsg_char there, announced to b. */
	ok = ctl >= 0 && ioctl(ctl, RPMSG_CREATE_DEV_IOCTL, &info) == 0;
	ktap_result(ok, "create_dev_on_a");
	snprintf(want, sizeof(want), "%s.rpmsg-raw.1536.-1", A);
	ok = ok && wait_dev("rpmsg", "rpmsg", want, NULL, dev_a, sizeof(dev_a));
	snprintf(want, sizeof(want), "%s.rpmsg-raw.", B);
	ok = ok && wait_dev("rpmsg", "rpmsg", want, NULL, dev_b, sizeof(dev_b));
	ktap_result(ok, "announced_channel_appears_on_b");
	fa = ok ? open(dev_a, O_RDWR) : -1;
	fb = ok ? open(dev_b, O_RDWR) : -1;
	/* b learned a's address from the announcement, a learns b's bind. */
	ktap_result(fb >= 0 && write(fb, "ping", 4) == 4 && read(fa, buf, sizeof(buf)) == 4 &&
		    !memcmp(buf, "ping", 4), "announced_channel_b_to_a");
	ktap_result(fa >= 0 && write(fa, "pong", 4) == 4 && read(fb, buf, sizeof(buf)) == 4 &&
		    !memcmp(buf, "pong", 4), "announced_channel_a_to_b");
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	ok = ctl >= 0 && ioctl(ctl, RPMSG_RELEASE_DEV_IOCTL, &info) == 0;
	snprintf(want, sizeof(want), "%s.rpmsg-raw.", B);
	for (int i = 0; ok && i < 300 && find_dev("rpmsg", "rpmsg", want, NULL, dev_b,
						  sizeof(dev_b)); i++)
		usleep(10000);
	ktap_result(ok && !find_dev("rpmsg", "rpmsg", want, NULL, dev_b, sizeof(dev_b)),
		    "released_channel_disappears_on_b");
	if (ctl >= 0)
		close(ctl);
}

static int tty_open(const char *end, char *dev, size_t size)
{
	struct termios t;
	int fd;

	if (!wait_dev("tty", "ttyRPMSG", end, NULL, dev, size))
		return -1;
	fd = open(dev, O_RDWR | O_NOCTTY);
	if (fd >= 0 && !tcgetattr(fd, &t)) {
		cfmakeraw(&t);
		tcsetattr(fd, TCSANOW, &t);
	}
	return fd;
}

static int tty_expect(int fd, const char *want)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[64];
	size_t got = 0, n = strlen(want);

	while (got < n && poll(&p, 1, 5000) == 1) {
		ssize_t r = read(fd, buf + got, sizeof(buf) - got);

		if (r <= 0)
			break;
		got += r;
	}
	return got == n && !memcmp(buf, want, n);
}

static void rpmsg_tty(void)
{
	struct rpmsg_endpoint_info info = { .name = "rpmsg-tty", .src = RPMSG_ADDR_ANY,
					    .dst = RPMSG_ADDR_ANY };
	char da[300], db[300];
	int ctl = ctrl_of(A), ta, tb;

	ktap_result(ctl >= 0 && ioctl(ctl, RPMSG_CREATE_DEV_IOCTL, &info) == 0,
		    "create_rpmsg_tty_channel");
	ta = tty_open(A, da, sizeof(da));
	tb = tty_open(B, db, sizeof(db));
	printf("# ttys: %s (a) %s (b)\n", da, db);
	ktap_result(ta >= 0 && tb >= 0, "tty_rpmsg_on_both_sides");
	ktap_result(tb >= 0 && write(tb, "from-b", 6) == 6 && tty_expect(ta, "from-b"),
		    "tty_b_to_a");
	ktap_result(ta >= 0 && write(ta, "from-a", 6) == 6 && tty_expect(tb, "from-a"),
		    "tty_a_to_b");
	if (ta >= 0)
		close(ta);
	if (tb >= 0)
		close(tb);
	if (ctl >= 0) {
		ioctl(ctl, RPMSG_RELEASE_DEV_IOCTL, &info);
		close(ctl);
	}
}

static void sample_client(void)
{
	struct rpmsg_endpoint_info ia = { .name = "rpmsg-client-sample", .src = 0x700,
					  .dst = 0x701 };
	struct rpmsg_endpoint_info ib = { .name = "rpmsg-client-sample", .src = 0x701,
					  .dst = 0x700 };
	int ca = ctrl_of(A), cb = ctrl_of(B), i, before = dmesg_count("goodbye!");

	ktap_result(system("modprobe rpmsg_client_sample") == 0, "sample_module_loaded");
	ktap_result(ca >= 0 && cb >= 0 && ioctl(ca, RPMSG_CREATE_DEV_IOCTL, &ia) == 0 &&
		    ioctl(cb, RPMSG_CREATE_DEV_IOCTL, &ib) == 0, "sample_channels_created");
	for (i = 0; i < 500 && dmesg_count("goodbye!") == before; i++)
		usleep(20000);
	ktap_result(dmesg_count("goodbye!") > before, "sample_ping_pong_completes");
	if (ca >= 0) {
		ioctl(ca, RPMSG_RELEASE_DEV_IOCTL, &ia);
		close(ca);
	}
	if (cb >= 0) {
		ioctl(cb, RPMSG_RELEASE_DEV_IOCTL, &ib);
		close(cb);
	}
}

struct user {
	int fd, err, done;
	char op;
};

static void *use(void *arg)
{
	struct user *u = arg;
	char buf[256] = "y";
	ssize_t n;

	for (;;) {
		n = u->op == 'w' ? write(u->fd, buf, 64) : read(u->fd, buf, sizeof(buf));
		if (n < 0) {
			u->err = errno;
			break;
		}
	}
	u->done = 1;
	return NULL;
}

static void link_reset(void)
{
	int fa = ept(A, "reset", 0x510, 0x511, 0), fb = ept(B, "reset", 0x511, 0x510, 0);
	struct user u[4] = {
		{ .fd = fa, .op = 'r' }, { .fd = fb, .op = 'r' },
		{ .fd = fa, .op = 'w' }, { .fd = fb, .op = 'w' },
	};
	struct pollfd p = { .fd = fa, .events = POLLIN | POLLOUT };
	char path[128], buf[8];
	pthread_t t[4];
	int i, all = 1;

	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, use, &u[i]);
	usleep(300000);
	snprintf(path, sizeof(path), DBG "links/%s/restart", A);
	put(path, "1");
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < 4; i++) {
		printf("# %c on %s: %s\n", u[i].op, i & 1 ? "b" : "a", strerror(u[i].err));
		all &= u[i].err == EPIPE;
	}
	ktap_result(all, "reads_and_writes_fail_epipe_on_reset");
	ktap_result(poll(&p, 1, 1000) == 1 && (p.revents & POLLERR), "poll_reports_pollerr");
	close(fa);
	close(fb);
	/* The bus comes back: new control devices, endpoints work again. */
	fa = ept(A, "again", 0x512, 0x513, 0);
	fb = ept(B, "again", 0x513, 0x512, 0);
	ktap_result(fa >= 0 && fb >= 0 && write(fa, "back", 4) == 4 &&
		    read(fb, buf, sizeof(buf)) == 4, "bus_back_after_reset");
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
}

static void announced_channels_return(void)
{
	struct rpmsg_endpoint_info info = { .name = "rpmsg-raw", .src = 0x620,
					    .dst = RPMSG_ADDR_ANY };
	char want[64], dev[300], path[128];
	int ctl = ctrl_of(A), ok;

	ok = ctl >= 0 && ioctl(ctl, RPMSG_CREATE_DEV_IOCTL, &info) == 0;
	if (ctl >= 0)
		close(ctl);
	snprintf(want, sizeof(want), "%s.rpmsg-raw.", B);
	ok = ok && wait_dev("rpmsg", "rpmsg", want, NULL, dev, sizeof(dev));
	snprintf(path, sizeof(path), DBG "links/%s/restart", B);
	put(path, "1");
	usleep(500000);
	ok = ok && wait_dev("rpmsg", "rpmsg", want, NULL, dev, sizeof(dev));
	ktap_result(ok, "announced_channel_back_after_reset");
}

int main(void)
{
	char buf[256];
	int fa, fb;

	ktap_result(put(DBG "loopback", "create 0 1 rpmsg") == 0, "create_rpmsg_loopback");
	lo_id = lo_last_id();
	snprintf(A, sizeof(A), "lo%d.a", lo_id);
	snprintf(B, sizeof(B), "lo%d.b", lo_id);
	fa = ctrl_of(A);
	fb = ctrl_of(B);
	ktap_result(fa >= 0 && fb >= 0, "rpmsg_ctrl_on_both_ends");
	close(fa);
	close(fb);

	fa = ept(A, "stream", 0x500, 0x501, 0);
	fb = ept(B, "stream", 0x501, 0x500, 0);
	ktap_result(fa >= 0 && fb >= 0, "endpoints_created");
	if (fa >= 0 && fb >= 0) {
		sizes(fa, fb);
		stream_both_ways(fa, fb, 20000);
		backpressure(fa, fb);
		flow_control(fa, fb);
		close(fa);
		close(fb);
	}
	stalled_reader_does_not_block_others();
	endpoint_destroyed_while_peer_writes();
	name_service();
	rpmsg_tty();
	sample_client();
	link_reset();
	announced_channels_return();

	snprintf(buf, sizeof(buf), "destroy %d", lo_id);
	ktap_result(put(DBG "loopback", buf) == 0, "destroy_rpmsg_loopback");
	return ktap_finish();
}
