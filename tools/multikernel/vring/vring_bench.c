// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark of the vring engine beside a minimal SPSC ring (vring_bench.h),
 * in the same run and on the same messages.
 *
 * A sender and a receiver in two processes (fork), pinned to two CPUs when
 * there are two, share one memfd region that each maps at its own address,
 * as vring_stream does, and busy-poll: no doorbells. For each message size
 * and mode, after a warm-up of two laps of the ring, messages stream for
 * -t seconds or -n messages:
 *
 *   spsc     the SPSC ring: memcpy() from a prepared buffer into a slot,
 *            memcpy() out of the slot into a private buffer;
 *   spsc-mb  the same with what ends that may sleep need per publication:
 *            a full barrier and a read of the peer's event word;
 *   engine   the engine, with the calls vring_stream makes (reserve, commit,
 *            publish; peek, consume, publish; reclaim when out of room;
 *            publishing every -B/-P messages) and the payload copied
 *            exactly as for spsc;
 *   checked  the engine with vring_stream's messages: the sender writes a
 *            sequence number, pseudo-random bytes and a checksum in place,
 *            the receiver checks them where they are.
 *
 * The rate is the receiver's: messages over the time between the end of
 * the warm-up and the last message, and in the run's fastest window of 16
 * ring laps. Then, in this process alone, each mode sends single messages
 * (batches, with -B) through a fresh region and counts the shared cache
 * lines each writes (vring_bench_lines.c). Nothing here asserts a timing.
 */
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vring_bench.h"
#include <linux/multikernel/channel.h>

#include "mkv_msg.h"

#define MAX_SIZES	16
#define STOP_NONE	((u64)-1)

static const char * const mode_names[NR_MODES] = {
	[MODE_SPSC] = "spsc",
	[MODE_SPSC_MB] = "spsc-mb",
	[MODE_ENGINE] = "engine",
	[MODE_CHECKED] = "checked",
};

struct opts {
	u32 sizes[MAX_SIZES];
	int nr_sizes;
	bool modes[NR_MODES];
	u64 count;		/* messages per case, or 0: for secs */
	double secs;
	int reps;		/* best of */
	u32 num;
	u64 data_size;
	u32 tx_batch;
	u32 rx_batch;
	const char *csv;
};

/* Between the two processes, in a shared anonymous mapping. */
struct ctl {
	int ready;		/* the receiver is pinned and has touched its view */
	int abort;
	u64 stop;		/* messages sent, once the sender stopped */
	u64 received;
	u64 bad;		/* checked mode: messages that failed the check */
	double t_first;		/* the receiver's clock after the warm-up */
	double t_last;		/* and after the last message */
	double best_win;	/* the fastest window of s->win messages */
	long tx_csw;		/* context switches of each end meanwhile */
	long rx_csw;
	char why[96];
};

struct side {
	const struct opts *o;
	const struct bench_geom *g;
	enum bench_mode mode;
	struct ctl *ctl;
	u64 warm;		/* messages before the clock starts */
	u64 win;		/* messages of a window (receiver) */
	double t_win;		/* when the current window started */
	long csw;		/* context switches before the clock started */
	u8 *buf;		/* the prepared payload, or the receiver's copy */
	struct mkv_tx tx;
	struct mkv_rx rx;
	struct spsc_end spsc;
};

struct result {
	u64 messages;
	double secs;
	u64 bad;
	long csw;
	double win_ns;		/* per message, in the fastest window */
	bool failed;
	char why[96];
	struct bench_lines lines;
	bool lines_ok;
};

static int cpus[2] = { -1, -1 };

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Nothing to do: spin, or let the other end run if it shares our CPU. No
 * pause instruction: in a virtual machine, a loop of them may make the
 * hypervisor take the CPU away (pause-loop exiting).
 */
static void idle(void)
{
	if (cpus[1] < 0)
		sched_yield();
}

/* The copy into @p happens: the compiler must assume @p is read. */
static inline void keep(const void *p)
{
	__asm__ __volatile__("" : : "r"(p) : "memory");
}

static long switches(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	return ru.ru_nvcsw + ru.ru_nivcsw;
}

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		perror("sched_setaffinity");
}

/* The first two CPUs we may run on; with one, nobody is pinned. */
static void pick_cpus(void)
{
	cpu_set_t set;
	int i, n = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		return;
	for (i = 0; i < CPU_SETSIZE && n < 2; i++)
		if (CPU_ISSET(i, &set))
			cpus[n++] = i;
	if (n < 2) {
		cpus[0] = -1;
		cpus[1] = -1;
	}
}

static bool aborted(const struct side *s)
{
	return __atomic_load_n(&s->ctl->abort, __ATOMIC_ACQUIRE);
}

static void fail(struct side *s, const char *why)
{
	if (!s->ctl->why[0])
		snprintf(s->ctl->why, sizeof(s->ctl->why), "%s", why ? why : "?");
	__atomic_store_n(&s->ctl->abort, 1, __ATOMIC_RELEASE);
}

/* Whether the sender, after message @seq, is done. */
static bool sender_done(struct side *s, u64 seq, double *t_end)
{
	bool done;

	if (seq + 1 == s->warm) {
		s->csw = switches();
		*t_end = now() + s->o->secs;
	}
	if (seq + 1 < s->warm)
		return false;
	if (s->o->count)
		done = seq + 1 == s->warm + s->o->count;
	else
		done = !((seq + 1) & 1023) && now() >= *t_end;
	if (done)
		s->ctl->tx_csw = switches() - s->csw;
	return done;
}

/*
 * A free buffer for the next message: out of room, publish what is queued,
 * then reclaim until there is room.
 */
static void *engine_reserve(struct side *s, u32 len, u32 *unpublished)
{
	void *buf;
	int r;

	while ((r = mkv_tx_reserve(&s->tx, len, &buf)) == -EAGAIN) {
		if (*unpublished) {
			mkv_tx_publish(&s->tx);
			*unpublished = 0;
			continue;
		}
		r = mkv_tx_reclaim(&s->tx);
		if (r < 0) {
			fail(s, s->tx.broken);
			return NULL;
		}
		if (!r) {
			if (aborted(s))
				return NULL;
			idle();
		}
	}
	if (r) {
		fail(s, "mkv_tx_reserve() refused a message");
		return NULL;
	}
	return buf;
}

static void engine_sender(struct side *s)
{
	bool checked = s->mode == MODE_CHECKED, done;
	u32 len = s->g->size, unpublished = 0;
	double t_end = 0;
	u64 seq;

	for (seq = 0;; seq++) {
		void *buf = engine_reserve(s, len, &unpublished);

		if (!buf)
			return;
		if (checked)
			write_msg(buf, len, seq);
		else
			memcpy(buf, s->buf, len);
		mkv_tx_commit(&s->tx, len);
		done = sender_done(s, seq, &t_end);
		/* Busy polling: the receiver needs no doorbell. */
		if (++unpublished >= s->g->tx_batch || done) {
			mkv_tx_publish(&s->tx);
			unpublished = 0;
		}
		if (done)
			break;
	}
	__atomic_store_n(&s->ctl->stop, seq + 1, __ATOMIC_RELEASE);
}

static void spsc_sender(struct side *s)
{
	u32 len = s->g->size;
	double t_end = 0;
	u64 seq;

	for (seq = 0;; seq++) {
		void *buf;

		while (!(buf = spsc_reserve(&s->spsc))) {
			if (aborted(s))
				return;
			idle();
		}
		memcpy(buf, s->buf, len);
		/* Busy polling: the receiver needs no doorbell. */
		spsc_push_as(&s->spsc, s->mode);
		if (sender_done(s, seq, &t_end))
			break;
	}
	__atomic_store_n(&s->ctl->stop, seq + 1, __ATOMIC_RELEASE);
}

/* Nothing to receive: true if the receiver is done. */
static bool receiver_idle(struct side *s, u64 got)
{
	if (got == __atomic_load_n(&s->ctl->stop, __ATOMIC_ACQUIRE) || aborted(s))
		return true;
	idle();
	return false;
}

static void receiver_warm(struct side *s)
{
	s->csw = switches();
	s->ctl->t_first = now();
	s->t_win = s->ctl->t_first;
}

/*
 * A window ends. On a busy machine either end may lose its CPU for a
 * while; the fastest window, many ring laps long, estimates the rate of the
 * two when both run.
 */
static void receiver_window(struct side *s)
{
	double t = now();

	if (!s->ctl->best_win || t - s->t_win < s->ctl->best_win)
		s->ctl->best_win = t - s->t_win;
	s->t_win = t;
}

static void receiver_done(struct side *s, u64 got)
{
	s->ctl->t_last = now();
	s->ctl->rx_csw = switches() - s->csw;
	s->ctl->received = got;
}

/* Checked mode: the message is message @seq, with its checksum. */
static bool msg_intact(const u8 *buf, u32 len, u64 seq)
{
	u64 hdr[2] = { 0, 0 }, want[2];
	u32 n = len < 16 ? len : 16;

	memcpy(hdr, buf, n);
	want[0] = htole64(seq);
	want[1] = htole64(sum64(buf + n, len - n, sum_seed(seq, len)));
	return !memcmp(hdr, want, n);
}

static void engine_receiver(struct side *s)
{
	bool checked = s->mode == MODE_CHECKED;
	struct ctl *ctl = s->ctl;
	u32 unpublished = 0;
	u64 got = 0;

	for (;;) {
		const void *buf;
		u32 len;
		int r = mkv_rx_peek(&s->rx, &buf, &len);

		if (r < 0) {
			fail(s, s->rx.broken);
			break;
		}
		if (!r) {
			/* Nothing there: hand back what was used. */
			if (unpublished) {
				mkv_rx_publish(&s->rx);
				unpublished = 0;
			}
			if (receiver_idle(s, got))
				break;
			continue;
		}
		if (checked) {
			if (len != s->g->size || !msg_intact(buf, len, got))
				ctl->bad++;
		} else {
			memcpy(s->buf, buf, len);
			keep(s->buf);
		}
		mkv_rx_consume(&s->rx);
		if (++unpublished >= s->g->rx_batch) {
			mkv_rx_publish(&s->rx);
			unpublished = 0;
		}
		if (++got == s->warm)
			receiver_warm(s);
		else if (got > s->warm && !((got - s->warm) % s->win))
			receiver_window(s);
	}
	receiver_done(s, got);
}

static void spsc_receiver(struct side *s)
{
	u64 got = 0;

	for (;;) {
		const void *buf;
		int r = spsc_peek(&s->spsc, &buf);

		if (r < 0) {
			fail(s, "producer index more than a ring ahead");
			break;
		}
		if (!r) {
			if (receiver_idle(s, got))
				break;
			continue;
		}
		memcpy(s->buf, buf, s->g->size);
		keep(s->buf);
		spsc_pop_as(&s->spsc, s->mode);
		if (++got == s->warm)
			receiver_warm(s);
		else if (got > s->warm && !((got - s->warm) % s->win))
			receiver_window(s);
	}
	receiver_done(s, got);
}

/* Map the region, or NULL; MAP_POPULATE so that no page faults are timed. */
static u8 *map_view(int fd, u64 size)
{
	u8 *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* A child does not inherit the page tables of a shared mapping: touch it. */
static void touch(const u8 *p, u64 size)
{
	u64 i;

	for (i = 0; i < size; i += 4096)
		__atomic_load_n(&p[i], __ATOMIC_RELAXED);
}

/* One timed run of one mode: 0, or -1 if it could not be set up. */
static int run_once(const struct opts *o, const struct bench_geom *g,
		    enum bench_mode mode, struct result *res)
{
	u64 size = bench_spsc(mode) ? g->spsc_region : g->engine_region;
	struct side tx = { .o = o, .g = g, .mode = mode };
	struct side rx;
	u64 *ends = calloc(g->dir.num, sizeof(*ends));
	struct ctl *ctl;
	u8 *va, *vb;
	int fd, status;
	pid_t pid;
	u32 i;

	ctl = mmap(NULL, sizeof(*ctl), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	fd = memfd_create("mkv-bench", 0);
	if (ctl == MAP_FAILED || !ends || fd < 0 || ftruncate(fd, size)) {
		perror("vring_bench: setup");
		return -1;
	}
	va = map_view(fd, size);
	vb = map_view(fd, size);
	tx.buf = malloc(g->size);
	if (!va || !vb || !tx.buf) {
		perror("vring_bench: mmap");
		return -1;
	}
	memset(ctl, 0, sizeof(*ctl));
	ctl->stop = STOP_NONE;
	tx.ctl = ctl;
	tx.warm = 2ULL * (bench_spsc(mode) ? g->spsc_slots : g->dir.num);
	tx.win = 16ULL * (bench_spsc(mode) ? g->spsc_slots : g->engine_depth);
	for (i = 0; i < g->size; i++)
		tx.buf[i] = (u8)mix64(i);
	rx = tx;
	rx.buf = malloc(g->size);
	if (!rx.buf) {
		perror("vring_bench: malloc");
		return -1;
	}
	memset(rx.buf, 0, g->size);
	if (bench_spsc(mode)) {
		spsc_init(&tx.spsc, va, g);
		spsc_init(&rx.spsc, vb, g);
	} else {
		mkv_tx_init(&tx.tx, va, &g->dir, ends);
		mkv_rx_init(&rx.rx, vb, &g->dir);
		mkv_tx_reset(&tx.tx);
		mkv_rx_reset(&rx.rx);
	}

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return -1;
	}
	if (!pid) {
		/* The receiver sees the region through its own view only. */
		munmap(va, size);
		pin(cpus[1]);
		touch(vb, size);
		__atomic_store_n(&ctl->ready, 1, __ATOMIC_RELEASE);
		if (bench_spsc(mode))
			spsc_receiver(&rx);
		else
			engine_receiver(&rx);
		_exit(0);
	}
	munmap(vb, size);
	pin(cpus[0]);
	while (!__atomic_load_n(&ctl->ready, __ATOMIC_ACQUIRE))
		sched_yield();
	if (bench_spsc(mode))
		spsc_sender(&tx);
	else
		engine_sender(&tx);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		fail(&tx, "the receiver process failed");

	memset(res, 0, sizeof(*res));
	res->failed = ctl->abort || ctl->received < tx.warm + 1 ||
		      ctl->received != ctl->stop;
	res->messages = ctl->received > tx.warm ? ctl->received - tx.warm : 0;
	res->secs = ctl->t_last - ctl->t_first;
	res->bad = ctl->bad;
	res->csw = ctl->tx_csw + ctl->rx_csw;
	res->win_ns = ctl->best_win * 1e9 / tx.win;
	snprintf(res->why, sizeof(res->why), "%s", ctl->why);

	munmap(va, size);
	munmap(ctl, sizeof(*ctl));
	close(fd);
	free(ends);
	free(tx.buf);
	free(rx.buf);
	return 0;
}

static double ns_per_msg(const struct result *r)
{
	return r->messages ? r->secs * 1e9 / r->messages : 0;
}

/* Keep the fastest of the runs, or the first failure, and the fastest window. */
static void keep_best(struct result *best, const struct result *r, int rep)
{
	double win_ns = rep ? best->win_ns : 0;

	if (!rep || (!best->failed && (r->failed || ns_per_msg(r) < ns_per_msg(best))))
		*best = *r;
	if (win_ns && (!best->win_ns || win_ns < best->win_ns))
		best->win_ns = win_ns;
}

static int geometry(const struct opts *o, u32 size, struct bench_geom *g)
{
	u64 slots, alloc;

	memset(g, 0, sizeof(*g));
	g->size = size;
	g->tx_batch = o->tx_batch;
	g->rx_batch = o->rx_batch;
	g->engine_region = mkv_dir_place(&g->dir, sizeof(struct mk_chan_hdr), o->num,
					 o->data_size, size);
	if (mkv_dir_check(&g->dir, g->engine_region, sizeof(struct mk_chan_hdr)))
		return -1;
	/* The engine: a ring slot and an aligned buffer in the area per message. */
	alloc = (size + MKV_DATA_ALIGN - 1) & ~(u64)(MKV_DATA_ALIGN - 1);
	slots = alloc ? g->dir.data_size / alloc : o->num;
	g->engine_depth = slots < o->num ? slots : o->num;
	/* The SPSC ring as deep, to a power of two, and at least two slots. */
	g->spsc_slot_size = (size + BENCH_LINE - 1) & ~(BENCH_LINE - 1);
	for (slots = 2; slots * 2 <= g->engine_depth; slots *= 2)
		;
	g->spsc_slots = slots;
	g->spsc_region = offsetof(struct spsc_shared, slots) + slots * g->spsc_slot_size;
	return 0;
}

/* @x as a multiple of @base, or a dash without a base. */
static void ratio(FILE *f, const char *fmt, double x, double base)
{
	if (base > 0)
		fprintf(f, fmt, x / base);
	else
		fprintf(f, "%s", fmt[0] == ',' ? "," : "       -");
}

/* One row of the table; @spsc is the baseline's result, or NULL. */
static void print_row(FILE *f, const struct bench_geom *g, enum bench_mode mode,
		      const struct result *r, const struct result *spsc)
{
	double ns = ns_per_msg(r), rate = r->secs > 0 ? r->messages / r->secs : 0;
	u32 depth = bench_spsc(mode) ? g->spsc_slots : g->engine_depth;

	fprintf(f, "%7u  %-8s %5u %12.0f %9.1f %9.1f", g->size, mode_names[mode],
		depth, rate, rate * g->size / 1e6, ns);
	ratio(f, " %7.2f", ns, spsc ? ns_per_msg(spsc) : 0);
	fprintf(f, " %9.1f", r->win_ns);
	ratio(f, " %7.2f", r->win_ns, spsc ? spsc->win_ns : 0);
	fprintf(f, " %5ld", r->csw);
	if (r->lines_ok)
		fprintf(f, " %9.2f %6.2f %9.2f", r->lines.payload, r->lines.meta,
			r->lines.meta_changed);
	else
		fprintf(f, " %9s %6s %9s", "?", "?", "?");
	if (r->failed)
		fprintf(f, "  FAILED: %s", r->why[0] ? r->why : "lost messages");
	if (r->bad)
		fprintf(f, "  %llu messages bad", (unsigned long long)r->bad);
	if (r->lines_ok && r->lines.untraced)
		fprintf(f, "  %llu lines changed untraced",
			(unsigned long long)r->lines.untraced);
	fprintf(f, "\n");
}

#define CSV_HEADER "size,mode,depth,messages,seconds,msgs_per_s,mb_per_s,ns_per_msg," \
	"vs_spsc,window_ns_per_msg,window_vs_spsc,switches,payload_lines,meta_lines," \
	"meta_lines_changed,bad,result"

static void print_csv(FILE *f, const struct bench_geom *g, enum bench_mode mode,
		      const struct result *r, const struct result *spsc)
{
	double ns = ns_per_msg(r), rate = r->secs > 0 ? r->messages / r->secs : 0;

	fprintf(f, "%u,%s,%u,%llu,%.6f,%.0f,%.2f,%.2f", g->size, mode_names[mode],
		bench_spsc(mode) ? g->spsc_slots : g->engine_depth,
		(unsigned long long)r->messages, r->secs, rate, rate * g->size / 1e6, ns);
	ratio(f, ",%.3f", ns, spsc ? ns_per_msg(spsc) : 0);
	fprintf(f, ",%.2f", r->win_ns);
	ratio(f, ",%.3f", r->win_ns, spsc ? spsc->win_ns : 0);
	fprintf(f, ",%ld", r->csw);
	if (r->lines_ok)
		fprintf(f, ",%.3f,%.3f,%.3f", r->lines.payload, r->lines.meta,
			r->lines.meta_changed);
	else
		fprintf(f, ",,,");
	fprintf(f, ",%llu,%s\n", (unsigned long long)r->bad, r->failed ? "failed" : "ok");
}

static void print_usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-s SIZE]... [-m MODES] [-t SECS | -n COUNT] [-R REPS]\n"
		"	[-r NUM] [-b BYTES] [-B TXBATCH] [-P RXBATCH] [-c FILE]\n"
		"  -s, --size   message bytes; repeat for several (64, 1K, 64K)\n"
		"  -m, --modes  comma-separated: spsc, spsc-mb, engine, checked (all)\n"
		"  -t, --time   seconds each mode streams per size (1)\n"
		"  -n, --count  messages each mode streams per size, instead of -t\n"
		"  -R, --reps   runs of each case, the fastest reported (1)\n"
		"  -r, --ring   engine ring entries (256)\n"
		"  -b, --area   engine payload area bytes (262144)\n"
		"  -B, --tx-batch  the engine's sender publishes every TXBATCH messages (1)\n"
		"  -P, --rx-batch  the engine's receiver publishes every RXBATCH messages (1)\n"
		"  -c, --csv    also write the table as CSV to FILE\n",
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

static void parse_modes(struct opts *o, char *list, const char *prog)
{
	char *save = NULL, *m;
	int i;

	memset(o->modes, 0, sizeof(o->modes));
	for (m = strtok_r(list, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < NR_MODES; i++)
			if (!strcmp(m, mode_names[i]) ||
			    (i == MODE_CHECKED && !strcmp(m, "engine-checked")))
				break;
		if (i == NR_MODES)
			print_usage(prog);
		o->modes[i] = true;
	}
}

static void parse(struct opts *o, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "modes", required_argument, NULL, 'm' },
		{ "time", required_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'n' },
		{ "reps", required_argument, NULL, 'R' },
		{ "ring", required_argument, NULL, 'r' },
		{ "area", required_argument, NULL, 'b' },
		{ "tx-batch", required_argument, NULL, 'B' },
		{ "rx-batch", required_argument, NULL, 'P' },
		{ "csv", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "s:m:t:n:R:r:b:B:P:c:h", lopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (o->nr_sizes == MAX_SIZES)
				print_usage(argv[0]);
			o->sizes[o->nr_sizes++] = number(optarg, argv[0]);
			break;
		case 'm':
			parse_modes(o, optarg, argv[0]);
			break;
		case 't':
			o->secs = strtod(optarg, NULL);
			break;
		case 'n':
			o->count = number(optarg, argv[0]);
			break;
		case 'R':
			o->reps = number(optarg, argv[0]);
			break;
		case 'r':
			o->num = number(optarg, argv[0]);
			break;
		case 'b':
			o->data_size = number(optarg, argv[0]);
			break;
		case 'B':
			o->tx_batch = number(optarg, argv[0]);
			break;
		case 'P':
			o->rx_batch = number(optarg, argv[0]);
			break;
		case 'c':
			o->csv = optarg;
			break;
		default:
			print_usage(argv[0]);
		}
	}
	if (optind != argc || o->reps < 1 || (!o->count && o->secs <= 0) ||
	    !o->tx_batch || !o->rx_batch)
		print_usage(argv[0]);
	if (!o->nr_sizes) {
		o->sizes[0] = 64;
		o->sizes[1] = 1024;
		o->sizes[2] = 65536;
		o->nr_sizes = 3;
	}
}

int main(int argc, char **argv)
{
	struct opts o = {
		.modes = { true, true, true, true }, .secs = 1, .reps = 1,
		.num = 256, .data_size = 256 << 10, .tx_batch = 1, .rx_batch = 1,
	};
	struct result res[NR_MODES], r;
	struct bench_geom g;
	FILE *csv = NULL;
	int i, m, rep, status = 0;

	parse(&o, argc, argv);
	for (i = 0; i < o.nr_sizes; i++)
		if (!o.sizes[i] || geometry(&o, o.sizes[i], &g)) {
			fprintf(stderr, "vring_bench: no ring of %u entries and %llu bytes %s%u\n",
				o.num, (unsigned long long)o.data_size,
				"carries messages of ", o.sizes[i]);
			return 2;
		}
	if (o.csv) {
		csv = fopen(o.csv, "w");
		if (!csv) {
			perror(o.csv);
			return 2;
		}
		fprintf(csv, "%s\n", CSV_HEADER);
	}
	pick_cpus();
	if (cpus[1] < 0)
		printf("# one CPU: sender and receiver not pinned, yielding when idle\n");
	else
		printf("# sender on CPU %d, receiver on CPU %d, busy polling\n", cpus[0], cpus[1]);
	if (o.count)
		printf("# %llu messages per case after a warm-up of two laps, best of %d\n",
		       (unsigned long long)o.count, o.reps);
	else
		printf("# %.2f s per case after a warm-up of two laps, best of %d\n",
		       o.secs, o.reps);
	printf("# engine: ring %u, payload area %llu bytes, publishing every %u (sender), %u %s\n",
	       o.num, (unsigned long long)o.data_size, o.tx_batch, o.rx_batch,
	       "(receiver) messages; spsc: as deep, slots of whole lines");
	printf("#%89s %s\n", "", "shared lines written/msg");
	printf("%s%s%s\n", "#  size  mode     depth       msgs/s      MB/s    ns/msg",
	       " vs spsc    window vs spsc   csw ", "  payload   meta   changed");

	for (i = 0; i < o.nr_sizes; i++) {
		const struct result *spsc = NULL;

		geometry(&o, o.sizes[i], &g);
		/* Runs of the modes alternate, so that a disturbance hits them alike. */
		for (rep = 0; rep < o.reps; rep++)
			for (m = 0; m < NR_MODES; m++) {
				if (!o.modes[m])
					continue;
				if (run_once(&o, &g, m, &r))
					return 2;
				keep_best(&res[m], &r, rep);
			}
		for (m = 0; m < NR_MODES; m++) {
			if (!o.modes[m])
				continue;
			res[m].lines_ok = !bench_count_lines(&g, m, &res[m].lines);
			if (m == MODE_SPSC && !res[m].failed)
				spsc = &res[m];
			print_row(stdout, &g, m, &res[m], spsc);
			if (csv)
				print_csv(csv, &g, m, &res[m], spsc);
			if (res[m].failed || res[m].bad || !res[m].lines_ok ||
			    res[m].lines.untraced)
				status = 1;
		}
	}
	if (csv && fclose(csv)) {
		perror(o.csv);
		status = 2;
	}
	return status;
}
