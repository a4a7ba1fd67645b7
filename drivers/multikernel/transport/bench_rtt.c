// SPDX-License-Identifier: GPL-2.0-only
/*
 * The benchmark's round trips: CPU a sends, CPU b answers, a times each
 * round trip alone. Between the same two CPUs as the loopback link:
 *
 *   ipi       a bare doorbell: a rings b, b's handler rings a back, a's
 *             handler marks the answer arrived. The floor of any protocol
 *             that rings its peer each way.
 *   slot-rtt  the one-slot protocol (bench_base.c) a -> b, and the echo
 *             b -> a through a second slot: each fragment of 240 bytes
 *             rung and acknowledged. Both ends busy-wait, as the seed's
 *             sender does for its acknowledgment: the baseline at its
 *             fastest.
 *   link      kernel endpoints over a loopback link: end a sends, end b's
 *             client sends the same bytes back from its receive callback,
 *             end a's client checks them and wakes the sender.
 *
 * Per size: 2000 * SCALE round trips after MK_RTT_WARMUP not counted, or
 * fewer if the size has taken 2 s * SCALE; every echo is checked; a round
 * trip that takes longer than a second ends the row with -ETIMEDOUT.
 * Percentiles are the nearest rank over the sorted samples.
 */

#define pr_fmt(fmt) "mk_bench: " fmt

#include <linux/build_bug.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/math.h>
#include <linux/minmax.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/multikernel/doorbell.h>
#include <linux/multikernel/loopback.h>

#include "bench.h"

#define MK_RTT_SAMPLES	2000		/* per size, times SCALE */
#define MK_RTT_WARMUP	50		/* round trips first, not counted */
#define MK_RTT_CAP_NS	(2 * NSEC_PER_SEC)	/* per size, times SCALE */
#define MK_RTT_TIMEOUT	HZ		/* for one round trip */

static const u32 mk_rtt_slot_sizes[] = { 16, 64, 256, 1024, 4096 };
static const u32 mk_rtt_link_sizes[] = { 16, 64, 256, 1024, 4096, 16384, 65536 };

static_assert(1 + ARRAY_SIZE(mk_rtt_slot_sizes) + ARRAY_SIZE(mk_rtt_link_sizes) ==
	      MK_RTT_ROWS);

/**
 * struct mk_rtt - the samples of one row
 * @ns: round trips, in ns
 * @want: how many to take
 * @n: how many were taken
 * @cap_ns: the longest the row may take
 */
struct mk_rtt {
	u64 *ns;
	u32 want;
	u32 n;
	u64 cap_ns;
};

/* One round trip, number @seq (from 1): 0 and its time in *@ns, or an error. */
typedef int (*mk_rtt_trip_t)(void *ctx, u32 seq, u64 *ns);

static int mk_rtt_init(struct mk_rtt *r, unsigned int scale)
{
	r->want = MK_RTT_SAMPLES * scale;
	r->n = 0;
	r->cap_ns = MK_RTT_CAP_NS * scale;
	r->ns = kvmalloc_array(r->want, sizeof(*r->ns), GFP_KERNEL);
	return r->ns ? 0 : -ENOMEM;
}

/* The warm-up, then samples until there are enough or the time is up. */
static int mk_rtt_loop(struct mk_rtt *r, mk_rtt_trip_t trip, void *ctx)
{
	u64 end = ktime_get_ns() + r->cap_ns, ns = 0;
	u32 seq;
	int ret = 0;

	for (seq = 1; r->n < r->want && ktime_get_ns() < end; seq++) {
		ret = trip(ctx, seq, &ns);
		if (ret)
			break;
		if (seq > MK_RTT_WARMUP)
			r->ns[r->n++] = ns;
		cond_resched();
	}
	return ret;
}

static int mk_rtt_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* The row's figures from its samples (any taken before an error too). */
static void mk_rtt_fill(struct mk_rtt_row *row, struct mk_rtt *r)
{
	static const u32 permille[MK_RTT_NR_PCT] = { 500, 900, 990, 999 };
	u32 i, rank;

	row->samples = r->n;
	if (!r->n)
		return;
	sort(r->ns, r->n, sizeof(*r->ns), mk_rtt_cmp, NULL);
	for (i = 0; i < MK_RTT_NR_PCT; i++) {
		/* At most 200000 samples: no overflow. */
		rank = DIV_ROUND_UP(r->n * permille[i], 1000);
		row->pct[i] = r->ns[max(rank, 1U) - 1];
	}
	row->max = r->ns[r->n - 1];
}

/* ipi ------------------------------------------------------------------- */

/**
 * struct mk_rtt_ipi - a bare doorbell ping-pong
 * @rtt: the samples
 * @at_a: handler on CPU a: notes the answer
 * @at_b: handler on CPU b: answers
 * @target_a: where a is rung
 * @target_b: where b is rung
 * @ping: the round trip a began (a writes)
 * @pong: the one b answered (b's handler writes)
 * @back: the answer a's handler saw (it writes)
 */
struct mk_rtt_ipi {
	struct mk_rtt rtt;
	struct mk_doorbell_handler at_a;
	struct mk_doorbell_handler at_b;
	u32 target_a;
	u32 target_b;
	u32 ping;
	u32 pong;
	u32 back;
};

static void mk_rtt_ipi_at_b(struct mk_doorbell_handler *h)
{
	struct mk_rtt_ipi *p = container_of(h, struct mk_rtt_ipi, at_b);
	u32 ping = READ_ONCE(p->ping);

	/* Other doorbells of this CPU come here too: answer each ping once. */
	if (ping == p->pong)
		return;
	WRITE_ONCE(p->pong, ping);
	mk_doorbell_ring(p->target_a);
}

/*
 * A doorbell carries nothing: if another one reaches a between b's answer
 * and b's doorbell, that round trip looks a little shorter. Rare, and only
 * ever shorter by less than one IPI.
 */
static void mk_rtt_ipi_at_a(struct mk_doorbell_handler *h)
{
	struct mk_rtt_ipi *p = container_of(h, struct mk_rtt_ipi, at_a);

	WRITE_ONCE(p->back, READ_ONCE(p->pong));
}

static int mk_rtt_ipi_trip(void *ctx, u32 seq, u64 *ns)
{
	struct mk_rtt_ipi *p = ctx;
	unsigned long deadline = jiffies + MK_RTT_TIMEOUT;
	u64 t0 = ktime_get_ns();

	/* The ring makes the store visible to b's handler first. */
	WRITE_ONCE(p->ping, seq);
	mk_doorbell_ring(p->target_b);
	/* a's handler interrupts this loop. */
	while (READ_ONCE(p->back) != seq) {
		if (time_after(jiffies, deadline))
			return -ETIMEDOUT;
		cpu_relax();
	}
	*ns = ktime_get_ns() - t0;
	return 0;
}

static int mk_rtt_ipi_run(void *arg)
{
	struct mk_rtt_ipi *p = arg;

	return mk_rtt_loop(&p->rtt, mk_rtt_ipi_trip, p);
}

static void mk_rtt_ipi(int a, int b, unsigned int scale, struct mk_rtt_row *row)
{
	struct mk_rtt_ipi *p = kzalloc(sizeof(*p), GFP_KERNEL);
	int ret = -ENOMEM;

	*row = (struct mk_rtt_row){ .proto = "ipi", .size = 0 };
	if (!p)
		goto out;
	ret = mk_rtt_init(&p->rtt, scale);
	if (!ret)
		ret = mk_doorbell_cpu_target(a, &p->target_a);
	if (!ret)
		ret = mk_doorbell_cpu_target(b, &p->target_b);
	if (ret)
		goto free;
	p->at_a.func = mk_rtt_ipi_at_a;
	p->at_a.cpu = a;
	p->at_b.func = mk_rtt_ipi_at_b;
	p->at_b.cpu = b;
	ret = mk_doorbell_register(&p->at_a);
	if (ret)
		goto free;
	ret = mk_doorbell_register(&p->at_b);
	if (!ret) {
		ret = mk_bench_on_cpu(a, mk_rtt_ipi_run, p);
		mk_doorbell_unregister(&p->at_b);
	}
	mk_doorbell_unregister(&p->at_a);
	mk_rtt_fill(row, &p->rtt);
free:
	kvfree(p->rtt.ns);
	kfree(p);
out:
	row->ret = ret;
}

/* slot-rtt -------------------------------------------------------------- */

/**
 * struct mk_rtt_slot - the one-slot protocol, there and back
 * @rtt: the samples
 * @ab: the slot from a to b (its receiver on b)
 * @ba: the slot from b to a (its receiver on a)
 * @target_a: where a is rung
 * @target_b: where b is rung
 * @msg: what a sends; its first 4 bytes are the round trip's number
 * @size: its length
 * @stop: the echoer is to stop
 * @echo_ret: the echoer's error
 * @echoed: the echoer has stopped
 */
struct mk_rtt_slot {
	struct mk_rtt rtt;
	struct mk_slot_bench *ab;
	struct mk_slot_bench *ba;
	u32 target_a;
	u32 target_b;
	u8 *msg;
	u32 size;
	bool stop;
	int echo_ret;
	struct completion echoed;
};

/* On CPU b: send back each message that arrives whole, until told to stop. */
static int mk_rtt_slot_echo(void *arg)
{
	struct mk_rtt_slot *s = arg;
	u32 seen = 0, done;
	int ret = 0;

	while (!ret && !READ_ONCE(s->stop)) {
		/* Pairs with mk_slot_rx(): the message before its count. */
		done = smp_load_acquire(&s->ab->done);
		if (done == seen) {
			cpu_relax();
			cond_resched();
			continue;
		}
		seen = done;
		ret = mk_slot_xmit(s->ba, s->target_a, s->ab->msg,
				   READ_ONCE(s->ab->len));
	}
	WRITE_ONCE(s->echo_ret, ret);
	complete(&s->echoed);
	return 0;
}

static int mk_rtt_slot_trip(void *ctx, u32 seq, u64 *ns)
{
	struct mk_rtt_slot *s = ctx;
	unsigned long deadline;
	u64 t0;
	int ret;

	/* Each message differs from the one before. */
	memcpy(s->msg, &seq, sizeof(seq));
	t0 = ktime_get_ns();
	ret = mk_slot_xmit(s->ab, s->target_b, s->msg, s->size);
	if (ret)
		return ret;
	deadline = jiffies + MK_RTT_TIMEOUT;
	/* One echo per round trip; pairs with mk_slot_rx(). */
	while (smp_load_acquire(&s->ba->done) != seq) {
		if (time_after(jiffies, deadline))
			return READ_ONCE(s->echo_ret) ?: -ETIMEDOUT;
		cpu_relax();
	}
	*ns = ktime_get_ns() - t0;
	if (READ_ONCE(s->ba->len) != s->size || memcmp(s->ba->msg, s->msg, s->size))
		return -EIO;
	return 0;
}

static int mk_rtt_slot_run(void *arg)
{
	struct mk_rtt_slot *s = arg;

	return mk_rtt_loop(&s->rtt, mk_rtt_slot_trip, s);
}

static void mk_rtt_slot(int a, int b, u32 size, unsigned int scale,
			struct mk_rtt_row *row)
{
	struct mk_rtt_slot *s = kzalloc(sizeof(*s), GFP_KERNEL);
	struct task_struct *t;
	int ret = -ENOMEM;

	*row = (struct mk_rtt_row){ .proto = "slot-rtt", .size = size };
	if (!s)
		goto out;
	init_completion(&s->echoed);
	s->size = size;
	s->msg = kmalloc(size, GFP_KERNEL);
	if (!s->msg)
		goto free;
	get_random_bytes(s->msg, size);
	ret = mk_rtt_init(&s->rtt, scale);
	if (!ret)
		ret = mk_doorbell_cpu_target(a, &s->target_a);
	if (!ret)
		ret = mk_doorbell_cpu_target(b, &s->target_b);
	if (ret)
		goto free;
	s->ab = mk_slot_create(b);
	if (IS_ERR(s->ab)) {
		ret = PTR_ERR(s->ab);
		goto free;
	}
	s->ba = mk_slot_create(a);
	if (IS_ERR(s->ba)) {
		ret = PTR_ERR(s->ba);
		goto free_ab;
	}
	t = kthread_run_on_cpu(mk_rtt_slot_echo, s, b, "mk_bench/%u");
	if (IS_ERR(t)) {
		ret = PTR_ERR(t);
		goto free_ba;
	}
	ret = mk_bench_on_cpu(a, mk_rtt_slot_run, s);
	WRITE_ONCE(s->stop, true);
	/* Bounded: the echoer's sends time out after a second. */
	wait_for_completion(&s->echoed);
	mk_rtt_fill(row, &s->rtt);
free_ba:
	mk_slot_destroy(s->ba);
free_ab:
	mk_slot_destroy(s->ab);
free:
	kvfree(s->rtt.ns);
	kfree(s->msg);
	kfree(s);
out:
	row->ret = ret;
}

/**
 * mk_bench_rtt_bare() - the round trips without a link: ipi and slot-rtt
 * @a: the CPU that sends and measures
 * @b: the CPU that answers
 * @scale: SCALE of the run, 1-100
 * @rows: filled, one row per size
 *
 * Context: process context; sleeps.
 * Return: the number of rows filled.
 */
unsigned int mk_bench_rtt_bare(int a, int b, unsigned int scale,
			       struct mk_rtt_row *rows)
{
	unsigned int i, n = 0;

	mk_rtt_ipi(a, b, scale, &rows[n++]);
	for (i = 0; i < ARRAY_SIZE(mk_rtt_slot_sizes); i++)
		mk_rtt_slot(a, b, mk_rtt_slot_sizes[i], scale, &rows[n++]);
	return n;
}

/* link ------------------------------------------------------------------ */

/**
 * struct mk_rtt_link - kernel endpoints echoing over a loopback link
 * @rtt: the samples
 * @end: end a (sends, takes the echoes) and end b (echoes)
 * @msg: what end a sends; its first 8 bytes are the size and the round
 *	trip's number, so that a late echo is never taken for the one awaited
 * @size: its length
 * @seq: those 8 bytes of the round trip in flight
 * @back: the echo came, or end b could not send it
 * @ret: -EIO for a wrong echo, or end b's send error
 */
struct mk_rtt_link {
	struct mk_rtt rtt;
	struct mk_link *end[2];
	u8 *msg;
	u32 size;
	u64 seq;
	struct completion back;
	int ret;
};

/* End b's receive thread: the same bytes back. */
static void mk_rtt_link_echo(struct mk_link *link, const void *data, size_t len,
			     void *priv)
{
	struct mk_rtt_link *l = priv;
	/* Never waits: the receive thread itself is what makes room. */
	int ret = mk_link_trysend(link, data, len, 0);

	if (ret) {
		WRITE_ONCE(l->ret, ret);
		complete(&l->back);
	}
}

/* End a's receive thread: check the echo, wake the sender. */
static void mk_rtt_link_back(struct mk_link *link, const void *data, size_t len,
			     void *priv)
{
	struct mk_rtt_link *l = priv;
	u64 seq;

	if (len >= sizeof(seq)) {
		memcpy(&seq, data, sizeof(seq));
		/* The echo of a round trip that timed out: not awaited. */
		if (seq != READ_ONCE(l->seq))
			return;
	}
	/* Only the verdict is kept: comparing in shared memory is safe. */
	if (len != l->size || memcmp(data, l->msg, len))
		WRITE_ONCE(l->ret, -EIO);
	complete(&l->back);
}

static const struct mk_link_ops mk_rtt_echo_ops = {
	.rx = mk_rtt_link_echo,
};

static const struct mk_link_ops mk_rtt_back_ops = {
	.rx = mk_rtt_link_back,
};

static int mk_rtt_link_trip(void *ctx, u32 seq, u64 *ns)
{
	struct mk_rtt_link *l = ctx;
	u64 id = (u64)l->size << 32 | seq;
	unsigned long left;
	u64 t0;
	int ret;

	memcpy(l->msg, &id, sizeof(id));
	WRITE_ONCE(l->seq, id);
	reinit_completion(&l->back);
	t0 = ktime_get_ns();
	ret = mk_link_send(l->end[0], l->msg, l->size, 0, MK_RTT_TIMEOUT);
	if (ret)
		return ret;
	left = wait_for_completion_timeout(&l->back, MK_RTT_TIMEOUT);
	*ns = ktime_get_ns() - t0;
	return left ? READ_ONCE(l->ret) : -ETIMEDOUT;
}

static int mk_rtt_link_run(void *arg)
{
	struct mk_rtt_link *l = arg;

	return mk_rtt_loop(&l->rtt, mk_rtt_link_trip, l);
}

/* Both ends up, within ten seconds. */
static int mk_rtt_link_wait_up(struct mk_rtt_link *l)
{
	unsigned long end = jiffies + 10 * HZ;

	while (!mk_link_is_up(l->end[0]) || !mk_link_is_up(l->end[1])) {
		if (time_after(jiffies, end))
			return -ENOTCONN;
		msleep(20);
	}
	return 0;
}

static void mk_rtt_link(struct mk_loopback *lo, int a, u32 size,
			unsigned int scale, struct mk_rtt_row *row)
{
	struct mk_rtt_link *l = kzalloc(sizeof(*l), GFP_KERNEL);
	int ret = -ENOMEM;

	*row = (struct mk_rtt_row){ .proto = "link", .size = size };
	if (!l)
		goto out;
	init_completion(&l->back);
	l->end[0] = mk_loopback_end(lo, 0);
	l->end[1] = mk_loopback_end(lo, 1);
	l->size = size;
	l->msg = kvmalloc(size, GFP_KERNEL);
	if (!l->msg)
		goto free;
	get_random_bytes(l->msg, size);
	ret = mk_rtt_init(&l->rtt, scale);
	if (!ret)
		ret = mk_rtt_link_wait_up(l);
	if (ret)
		goto free;
	ret = mk_link_attach_client(l->end[1], &mk_rtt_echo_ops, l);
	if (ret)
		goto free;
	ret = mk_link_attach_client(l->end[0], &mk_rtt_back_ops, l);
	if (!ret) {
		ret = mk_bench_on_cpu(a, mk_rtt_link_run, l);
		/* No callback runs after this: @l may go. */
		mk_link_detach_client(l->end[0]);
	}
	mk_link_detach_client(l->end[1]);
	mk_rtt_fill(row, &l->rtt);
free:
	kvfree(l->rtt.ns);
	kvfree(l->msg);
	kfree(l);
out:
	row->ret = ret;
}

/**
 * mk_bench_rtt_link() - the round trips over a loopback link
 * @lo: the loopback; its end 0 takes its doorbells on @a
 * @a: the CPU that sends and measures
 * @scale: SCALE of the run, 1-100
 * @rows: filled, one row per size
 *
 * Attaches a client to each end of @lo for each size, and detaches it.
 *
 * Context: process context; sleeps.
 * Return: the number of rows filled.
 */
unsigned int mk_bench_rtt_link(struct mk_loopback *lo, int a,
			       unsigned int scale, struct mk_rtt_row *rows)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mk_rtt_link_sizes); i++)
		mk_rtt_link(lo, a, mk_rtt_link_sizes[i], scale, &rows[i]);
	return i;
}
