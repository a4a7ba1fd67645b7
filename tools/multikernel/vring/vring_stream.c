// SPDX-License-Identifier: GPL-2.0-only
/*
 * Stream test of the vring engine: a sender and a receiver share one memfd
 * region, each mapping it at its own address, as two kernels would, and
 * stream messages through one direction with eventfds as the doorbells.
 *
 * By default the two ends are two processes (fork); -T makes them two
 * threads of one process, for ThreadSanitizer, which cannot see across
 * processes (and is the default in a TSan build). -M 1 gives both threads
 * the same mapping, so that TSan sees every shared access at one address.
 *
 * Every message carries its sequence number and a checksum over its length
 * and payload; the sizes follow from the sequence number, so the receiver
 * checks that nothing was lost, duplicated, reordered or corrupted. Any
 * wait is a poll() with a timeout, so a lost doorbell shows up as a stall.
 *
 * KTAP results on stdout; figures as KTAP comments.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vring.h"
#include <linux/multikernel/channel.h>

#include "mkv_ktap.h"
#include "mkv_msg.h"

#ifdef MKV_TSAN
#define DEFAULT_THREADS true
#else
#define DEFAULT_THREADS false
#endif

struct opts {
	u64 count;
	u32 fixed;		/* every message this size, or 0: random */
	u32 max;		/* random sizes are 1..max */
	u32 num;
	u64 data_size;
	u32 tx_batch;		/* the sender publishes every tx_batch messages */
	u32 rx_batch;		/* the receiver publishes every rx_batch messages */
	int timeout_ms;
	u64 seed;
	bool threads;
	int views;
	u64 lose;		/* fault injection: lose every lose-th doorbell */
};

/* What each end reports; in shared memory when the ends are processes. */
struct end_stats {
	u64 messages;
	u64 bytes;
	u64 doorbells;		/* rung to the other end */
	u64 sleeps;		/* blocked in poll() */
	u64 wakeups;		/* doorbells found when blocked */
	u64 seq_errors;
	u64 corrupt;
	u64 idle_refusals;	/* no room although nothing was in flight */
	bool stalled;
	bool failed;
	char broken[80];
	char first_error[160];
};

struct shared {
	struct end_stats tx, rx;
	int abort;		/* set by an end that gives up */
	u64 sender_view, receiver_view;
};

struct end {
	const struct opts *o;
	struct shared *sh;
	struct end_stats *st;
	int my_fd;		/* my doorbell: the other end rings it */
	int peer_fd;		/* the other end's doorbell */
	struct mkv_tx tx;
	struct mkv_rx rx;
	u8 *view;
};

static u32 msg_len(const struct opts *o, u64 seq)
{
	if (o->fixed)
		return o->fixed;
	return 1 + (u32)(mix64(o->seed ^ seq) % o->max);
}

static void note_error(struct end_stats *st, const char *fmt, ...)
	__printf(2, 3);

static void note_error(struct end_stats *st, const char *fmt, ...)
{
	va_list ap;

	if (st->first_error[0])
		return;
	va_start(ap, fmt);
	vsnprintf(st->first_error, sizeof(st->first_error), fmt, ap);
	va_end(ap);
}

/* Check one received message against what message @expect must be. */
static void check_msg(struct end *e, const u8 *buf, u32 len, u64 *expect)
{
	u64 hdr[2] = { 0, 0 }, want[2], seq;
	u32 n = len < 16 ? len : 16;

	memcpy(hdr, buf, n);
	want[0] = htole64(*expect);
	want[1] = htole64(sum64(buf + n, len - n, sum_seed(*expect, len)));
	if (memcmp(hdr, want, n < 8 ? n : 8)) {
		/* A different message: lost, duplicated or out of order. */
		seq = le64toh(hdr[0]);
		e->st->seq_errors++;
		note_error(e->st, "message %llu: got sequence %llu (%u bytes)",
			   (unsigned long long)*expect,
			   (unsigned long long)(n >= 8 ? seq : UINT64_MAX), len);
		if (n >= 8)
			*expect = seq;
	} else if (len != msg_len(e->o, *expect) || memcmp(hdr, want, n)) {
		e->st->corrupt++;
		note_error(e->st, "message %llu: %u bytes (expected %u), checksum %s",
			   (unsigned long long)*expect, len, msg_len(e->o, *expect),
			   memcmp(hdr, want, n) ? "wrong" : "right");
	}
	(*expect)++;
}

static bool aborted(struct end *e)
{
	return __atomic_load_n(&e->sh->abort, __ATOMIC_ACQUIRE);
}

static void give_up(struct end *e)
{
	u64 one = 1;

	e->st->failed = true;
	__atomic_store_n(&e->sh->abort, 1, __ATOMIC_RELEASE);
	/* Wake the other end so that it notices at once. */
	if (write(e->peer_fd, &one, sizeof(one)) < 0)
		perror("eventfd write");
}

static void ring(struct end *e)
{
	u64 one = 1;

	e->st->doorbells++;
	if (e->o->lose && !(e->st->doorbells % e->o->lose))
		return;
	if (write(e->peer_fd, &one, sizeof(one)) != sizeof(one)) {
		perror("eventfd write");
		give_up(e);
	}
}

/* Block until my doorbell rings: 0, or -1 on timeout or abort. */
static int wait_bell(struct end *e, const char *what)
{
	struct pollfd p = { .fd = e->my_fd, .events = POLLIN };
	u64 v;
	int r;

	e->st->sleeps++;
	do {
		r = poll(&p, 1, e->o->timeout_ms);
	} while (r < 0 && errno == EINTR);
	if (aborted(e))
		return -1;
	if (r <= 0) {
		e->st->stalled = true;
		note_error(e->st, "stalled %d ms waiting for %s", e->o->timeout_ms, what);
		give_up(e);
		return -1;
	}
	if (read(e->my_fd, &v, sizeof(v)) == sizeof(v))
		e->st->wakeups++;
	return 0;
}

static void mark_broken(struct end *e, const char *why)
{
	snprintf(e->st->broken, sizeof(e->st->broken), "%s", why ? why : "?");
	give_up(e);
}

/* Wait for room or completions: false if the end must give up. */
static bool sender_wait(struct end *e)
{
	int r = mkv_tx_reclaim(&e->tx);

	if (r < 0) {
		mark_broken(e, e->tx.broken);
		return false;
	}
	if (r > 0)
		return true;
	if (mkv_tx_arm_space(&e->tx))
		return true;
	return wait_bell(e, "completions") == 0;
}

static void *sender(void *arg)
{
	struct end *e = arg;
	const struct opts *o = e->o;
	u32 unpublished = 0;
	u64 seq;

	for (seq = 0; seq < o->count && !aborted(e); seq++) {
		u32 len = msg_len(o, seq);
		void *buf;
		int r;

		while ((r = mkv_tx_reserve(&e->tx, len, &buf)) == -EAGAIN) {
			if (unpublished) {
				if (mkv_tx_publish(&e->tx))
					ring(e);
				unpublished = 0;
				continue;
			}
			if (!mkv_tx_inflight(&e->tx)) {
				/* Reclaiming or waiting cannot help: a livelock. */
				e->st->idle_refusals++;
				note_error(e->st, "no room for message %llu (%u bytes) %s",
					   (unsigned long long)seq, len, "with nothing in flight");
				give_up(e);
				return NULL;
			}
			if (!sender_wait(e))
				return NULL;
		}
		if (r) {
			note_error(e->st, "mkv_tx_reserve(%u) = %d", len, r);
			give_up(e);
			return NULL;
		}
		write_msg(buf, len, seq);
		mkv_tx_commit(&e->tx, len);
		e->st->messages++;
		e->st->bytes += len;
		if (++unpublished >= o->tx_batch || seq + 1 == o->count) {
			if (mkv_tx_publish(&e->tx))
				ring(e);
			unpublished = 0;
		}
	}
	/* Every message comes back. */
	while (mkv_tx_inflight(&e->tx) && !aborted(e))
		if (!sender_wait(e))
			return NULL;
	if (!aborted(e) && mkv_tx_reclaim(&e->tx) < 0)
		mark_broken(e, e->tx.broken);
	return NULL;
}

static void receiver_publish(struct end *e)
{
	if (mkv_rx_publish(&e->rx))
		ring(e);
}

static void *receiver(void *arg)
{
	struct end *e = arg;
	const struct opts *o = e->o;
	u32 unpublished = 0;
	u64 expect = 0;

	while (e->st->messages < o->count && !aborted(e)) {
		const void *buf;
		u32 len;
		int r = mkv_rx_peek(&e->rx, &buf, &len);

		if (r < 0) {
			mark_broken(e, e->rx.broken);
			break;
		}
		if (r) {
			check_msg(e, buf, len, &expect);
			mkv_rx_consume(&e->rx);
			e->st->messages++;
			e->st->bytes += len;
			if (++unpublished >= o->rx_batch) {
				receiver_publish(e);
				unpublished = 0;
			}
			continue;
		}
		/* Nothing there: hand back what was used, then sleep if still nothing. */
		if (unpublished) {
			receiver_publish(e);
			unpublished = 0;
		}
		if (mkv_rx_arm(&e->rx))
			continue;
		if (wait_bell(e, "messages"))
			break;
	}
	receiver_publish(e);
	if (e->st->seq_errors || e->st->corrupt)
		e->st->failed = true;
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void print_usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-n COUNT] [-s SIZE | -m MAX] [-r NUM] [-b BYTES] [-B TXBATCH]\n"
		"	[-P RXBATCH] [-w MS] [-S SEED] [-T] [-M 1|2] [-L N]\n"
		"  -n  messages to stream (1000000)\n"
		"  -s  every message SIZE bytes\n"
		"  -m  random sizes 1..MAX (4096)\n"
		"  -r  ring entries (256)\n"
		"  -b  payload area bytes (262144)\n"
		"  -B  sender publishes every TXBATCH messages (1)\n"
		"  -P  receiver publishes every RXBATCH messages (1)\n"
		"  -w  stall timeout of any wait, in ms (5000)\n"
		"  -S  seed of the random sizes\n"
		"  -T  two threads instead of two processes\n"
		"  -M  mappings of the region: 2 (one per end) or 1 (threads only)\n"
		"  -L  lose every Nth doorbell (checks that a stall is detected)\n",
		prog);
	exit(2);
}

static u64 number(const char *s, const char *prog)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);

	if (end == s)
		print_usage(prog);
	if (*end == 'k' || *end == 'K')
		v <<= 10;
	else if (*end == 'm' || *end == 'M')
		v <<= 20;
	return v;
}

static void report(const struct opts *o, struct shared *sh, double secs,
		   bool views_ok, bool child_ok)
{
	const struct end_stats *t = &sh->tx, *r = &sh->rx;
	double n = r->messages ? (double)r->messages : 1;

	ktap_comment("%llu messages of %s%u bytes, ring %u, payload area %llu bytes, %s, %d %s",
		     (unsigned long long)o->count, o->fixed ? "" : "1..",
		     o->fixed ? o->fixed : o->max, o->num, (unsigned long long)o->data_size,
		     o->threads ? "two threads" : "two processes", o->views,
		     o->views > 1 ? "mappings" : "mapping");
	ktap_comment("views: sender %#llx, receiver %#llx",
		     (unsigned long long)sh->sender_view, (unsigned long long)sh->receiver_view);
	ktap_comment("%.3f s: %.0f msgs/s, %.1f MB/s (average %.1f bytes)", secs,
		     r->messages / secs, r->bytes / secs / 1e6, r->bytes / n);
	ktap_comment("doorbells per message: %s %.5f (%llu), %s %.5f (%llu)",
		     "sender->receiver", t->doorbells / n, (unsigned long long)t->doorbells,
		     "receiver->sender", r->doorbells / n, (unsigned long long)r->doorbells);
	ktap_comment("sleeps: sender %llu (woken by a doorbell %llu), receiver %llu (%llu)",
		     (unsigned long long)t->sleeps, (unsigned long long)t->wakeups,
		     (unsigned long long)r->sleeps, (unsigned long long)r->wakeups);
	if (t->first_error[0])
		ktap_comment("sender: %s", t->first_error);
	if (r->first_error[0])
		ktap_comment("receiver: %s", r->first_error);
	if (t->broken[0])
		ktap_comment("sender broken: %s", t->broken);
	if (r->broken[0])
		ktap_comment("receiver broken: %s", r->broken);

	ktap_result(views_ok, "views_differ");
	ktap_result(r->messages == o->count && t->messages == o->count, "all_delivered");
	ktap_result(!r->seq_errors, "sequence_intact");
	ktap_result(!r->corrupt, "payload_intact");
	ktap_result(!t->broken[0] && !r->broken[0], "no_protocol_error");
	ktap_result(!t->stalled && !r->stalled, "no_stall");
	ktap_result(!t->idle_refusals, "room_when_idle");
	ktap_result(!t->failed && !r->failed && child_ok, "ends_finished");
}

int main(int argc, char **argv)
{
	struct opts o = {
		.count = 1000000, .max = 4096, .num = 256, .data_size = 256 << 10,
		.tx_batch = 1, .rx_batch = 1, .timeout_ms = 5000,
		.seed = 0x5eed, .threads = DEFAULT_THREADS, .views = 2,
	};
	struct end tx_end = { 0 }, rx_end = { 0 };
	bool views_ok, child_ok = true;
	struct shared *sh;
	struct mkv_dir d;
	u8 *va, *vb;
	u64 size, *ends;
	double t0, secs;
	int opt, fd;

	while ((opt = getopt(argc, argv, "n:s:m:r:b:B:P:w:S:TM:L:h")) != -1) {
		u64 v = opt != 'T' && opt != '?' && optarg ? number(optarg, argv[0]) : 0;

		switch (opt) {
		case 'n':
			o.count = v;
			break;
		case 's':
			o.fixed = v;
			break;
		case 'm':
			o.max = v;
			break;
		case 'r':
			o.num = v;
			break;
		case 'b':
			o.data_size = v;
			break;
		case 'B':
			o.tx_batch = v;
			break;
		case 'P':
			o.rx_batch = v;
			break;
		case 'w':
			o.timeout_ms = v;
			break;
		case 'S':
			o.seed = v;
			break;
		case 'T':
			o.threads = true;
			break;
		case 'M':
			o.views = v;
			break;
		case 'L':
			o.lose = v;
			break;
		default:
			print_usage(argv[0]);
		}
	}
	if (!o.max || !o.tx_batch || !o.rx_batch || o.views < 1 || o.views > 2 ||
	    (o.views == 1 && !o.threads))
		print_usage(argv[0]);

	ktap_start(8);
	mkv_dir_place(&d, sizeof(struct mk_chan_hdr), o.num, o.data_size,
		      o.fixed ? o.fixed : o.max);
	size = d.data_off + d.data_size;
	if (mkv_dir_check(&d, size, sizeof(struct mk_chan_hdr))) {
		ktap_comment("bad geometry: ring %u, area %llu, max message %u",
			     o.num, (unsigned long long)o.data_size, d.max_msg);
		return 2;
	}
	o.data_size = d.data_size;

	/* One region, mapped once per end: two addresses for the same bytes. */
	fd = memfd_create("mkv-region", 0);
	if (fd < 0 || ftruncate(fd, size)) {
		perror("memfd");
		return 2;
	}
	va = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	vb = o.views == 2 ? mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : va;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ends = calloc(o.num, sizeof(*ends));
	if (va == MAP_FAILED || vb == MAP_FAILED || sh == MAP_FAILED || !ends) {
		perror("mmap");
		return 2;
	}
	memset(sh, 0, sizeof(*sh));
	sh->sender_view = (uintptr_t)va;
	sh->receiver_view = (uintptr_t)vb;
	/* The two views are one region. */
	va[size - 1] = 0x5a;
	views_ok = o.views == 1 || (va != vb && vb[size - 1] == 0x5a);

	tx_end.o = &o;
	rx_end.o = &o;
	tx_end.sh = sh;
	rx_end.sh = sh;
	tx_end.st = &sh->tx;
	rx_end.st = &sh->rx;
	/* Each end's doorbell is the other end's peer_fd. */
	tx_end.my_fd = eventfd(0, EFD_NONBLOCK);
	rx_end.peer_fd = tx_end.my_fd;
	rx_end.my_fd = eventfd(0, EFD_NONBLOCK);
	tx_end.peer_fd = rx_end.my_fd;
	if (tx_end.my_fd < 0 || rx_end.my_fd < 0) {
		perror("eventfd");
		return 2;
	}
	tx_end.view = va;
	rx_end.view = vb;
	mkv_tx_init(&tx_end.tx, va, &d, ends);
	mkv_rx_init(&rx_end.rx, vb, &d);
	mkv_tx_reset(&tx_end.tx);
	mkv_rx_reset(&rx_end.rx);

	t0 = now();
	if (o.threads) {
		pthread_t t;

		if (pthread_create(&t, NULL, receiver, &rx_end)) {
			perror("pthread_create");
			return 2;
		}
		sender(&tx_end);
		pthread_join(t, NULL);
	} else {
		int status;
		pid_t pid;

		fflush(stdout);
		pid = fork();
		if (pid < 0) {
			perror("fork");
			return 2;
		}
		if (!pid) {
			/* The receiver sees the region through its own view only. */
			munmap(va, size);
			receiver(&rx_end);
			_exit(0);
		}
		munmap(vb, size);
		sender(&tx_end);
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status)) {
			ktap_comment("receiver process: status %#x", status);
			child_ok = false;
		}
	}
	secs = now() - t0;
	report(&o, sh, secs, views_ok, child_ok);
	free(ends);
	close(tx_end.my_fd);
	close(rx_end.my_fd);
	close(fd);
	return ktap_finish(8);
}
