// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the multikernel transport: the lifecycle of a loopback
 * link. Resets under traffic, corruption by a hostile peer, heartbeats,
 * peers that do not match, closing while the other side is open or a
 * stream holds the ends, a flapping peer, and many up/down cycles that
 * must leak nothing.
 */

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/multikernel/channel.h>
#include <linux/multikernel/pool.h>

#include "transport_kunit.h"

/* A counter of a link end above a value. */
struct stat_wait {
	struct mk_link *link;
	const char *name;
	u64 above;
};

static bool stat_above(void *arg)
{
	struct stat_wait *w = arg;

	return mk_link_stat(w->link, w->name) > w->above;
}

/**
 * peer_reset_midstream() - the peer restarts under a stream
 * @test: the test
 */
void peer_reset_midstream(struct kunit *test)
{
	struct mk_loopback *lo = mk_kunit_make_lo(test);
	struct mk_link *a = mk_loopback_end(lo, 0), *b = mk_loopback_end(lo, 1);
	struct mk_kunit_stream_job *j = kunit_kzalloc(test, sizeof(*j), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, j);
	j->lo = lo;
	j->cfg = (struct mk_stream_cfg){
		.count = 60000, .min_len = 1, .max_len = SZ_64K, .log_sizes = true,
		.reset_ok = true, .timeout = 30 * HZ,
	};
	mk_kunit_start_job(test, j);
	for (i = 0; i < 3; i++) {
		msleep(300);
		mk_link_restart(b);
	}
	wait_for_completion(&j->done);
	kunit_info(test, "sent %llu received %llu lost in resets %llu, %llu resets seen\n",
		   j->res.sent, j->res.received, j->res.lost_in_reset, j->res.resets_seen);
	KUNIT_EXPECT_EQ(test, j->ret, 0);
	KUNIT_EXPECT_EQ(test, j->res.errors, 0);
	KUNIT_EXPECT_GE(test, mk_link_stat(a, "resets"), 1);
	KUNIT_EXPECT_TRUE(test, mk_kunit_wait_for(mk_kunit_both_up, lo, 10000));
	mk_loopback_destroy(lo);
}

struct blocked_send {
	struct mk_link *link;
	int ret;
	struct completion done;
};

static int blocked_send_fn(void *arg)
{
	struct blocked_send *s = arg;
	static char msg[SZ_64K];

	do {
		s->ret = mk_link_send(s->link, msg, sizeof(msg), 0, 30 * HZ);
	} while (!s->ret);
	complete(&s->done);
	return 0;
}

/**
 * reset_wakes_blocked_sender() - a reset wakes a blocked sender at once
 * @test: the test
 */
void reset_wakes_blocked_sender(struct kunit *test)
{
	struct mk_loopback *lo = mk_kunit_make_lo(test);
	struct mk_link *a = mk_loopback_end(lo, 0), *b = mk_loopback_end(lo, 1);
	struct blocked_send *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct task_struct *t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->link = a;
	init_completion(&s->done);
	mk_link_pause_rx(b, true);
	t = kthread_run(blocked_send_fn, s, "mk_blocked_send");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	msleep(500);
	KUNIT_EXPECT_FALSE(test, completion_done(&s->done));
	mk_link_restart(b);
	/* Woken with an error at once, not after its 30 s timeout. */
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&s->done, 5 * HZ));
	KUNIT_EXPECT_EQ(test, s->ret, -ENOTCONN);
	mk_link_pause_rx(b, false);
	KUNIT_EXPECT_TRUE(test, mk_kunit_wait_for(mk_kunit_both_up, lo, 10000));
	mk_loopback_destroy(lo);
}

static bool violated_and_reset(void *arg)
{
	void **p = arg;

	/* Detected, and acted upon: the victim took its link down. */
	return mk_link_stat(p[0], "violations") > (u64)(uintptr_t)p[1] &&
	       mk_link_stat(p[0], "resets") > (u64)(uintptr_t)p[2];
}

/**
 * corruption_resets_and_recovers() - every fault a peer can make is caught
 * @test: the test
 */
void corruption_resets_and_recovers(struct kunit *test)
{
	struct mk_loopback *lo = mk_kunit_make_lo(test);
	struct mk_stream_cfg cfg = {
		.count = 500, .min_len = 1, .max_len = SZ_64K, .log_sizes = true,
		.timeout = 20 * HZ,
	};
	struct mk_stream_result res;
	enum mk_fault f;

	for (f = MK_FAULT_AVAIL_JUMP; f < MK_NR_FAULTS; f++) {
		/* Sending faults are made by a, receiving ones by b; a suffers. */
		bool rx_fault = f == MK_FAULT_USED_JUMP || f == MK_FAULT_USED_ORDER;
		struct mk_link *bad = mk_loopback_end(lo, rx_fault);
		struct mk_link *victim = mk_loopback_end(lo, !rx_fault);
		void *arg[3] = { victim,
				 (void *)(uintptr_t)mk_link_stat(victim, "violations"),
				 (void *)(uintptr_t)mk_link_stat(victim, "resets") };
		static char msg[100];

		mk_link_set_fault(bad, f);
		if (f != MK_FAULT_STATE)
			mk_link_trysend(mk_loopback_end(lo, 0), msg, sizeof(msg), 0);
		KUNIT_EXPECT_TRUE_MSG(test, mk_kunit_wait_for(violated_and_reset, arg, 5000),
				      "%s not detected", mk_fault_names[f]);
		KUNIT_EXPECT_TRUE_MSG(test, mk_kunit_wait_for(mk_kunit_both_up, lo, 10000),
				      "link not back after %s", mk_fault_names[f]);
		KUNIT_EXPECT_EQ_MSG(test, mk_kunit_run_stream(test, lo, 0, &cfg, &res), 0,
				    "a->b after %s", mk_fault_names[f]);
		KUNIT_EXPECT_EQ_MSG(test, mk_kunit_run_stream(test, lo, 1, &cfg, &res), 0,
				    "b->a after %s", mk_fault_names[f]);
	}
	mk_loopback_destroy(lo);
}

static bool b_down(void *arg)
{
	return !mk_link_is_up(mk_loopback_end(arg, 1));
}

/**
 * heartbeat_stop_takes_link_down() - a silent peer is taken down
 * @test: the test
 */
void heartbeat_stop_takes_link_down(struct kunit *test)
{
	struct mk_loopback *lo = mk_kunit_make_lo(test);

	mk_link_set_timers(50, 500);
	mk_link_freeze(mk_loopback_end(lo, 0), true);
	KUNIT_EXPECT_TRUE(test, mk_kunit_wait_for(b_down, lo, 5000));
	mk_link_freeze(mk_loopback_end(lo, 0), false);
	KUNIT_EXPECT_TRUE(test, mk_kunit_wait_for(mk_kunit_both_up, lo, 10000));
	mk_link_set_timers(100, 5000);
	mk_loopback_destroy(lo);
}

/* b restarted and a took it back: what b now publishes has been read. */
static void rejoin(struct kunit *test, struct mk_loopback *lo)
{
	struct stat_wait w = { mk_loopback_end(lo, 0), "ups", 0 };

	w.above = mk_link_stat(w.link, "ups");
	mk_link_restart(mk_loopback_end(lo, 1));
	KUNIT_ASSERT_TRUE(test, mk_kunit_wait_for(stat_above, &w, 10000));
	KUNIT_ASSERT_TRUE(test, mk_kunit_wait_for(mk_kunit_both_up, lo, 10000));
}

/**
 * no_heartbeat_offered_stays_up() - a peer without heartbeats may be silent
 * @test: the test
 */
void no_heartbeat_offered_stays_up(struct kunit *test)
{
	struct mk_loopback *lo = mk_kunit_make_lo(test);
	struct mk_chan_hdr *h = mk_loopback_region(lo);
	struct mk_link *a = mk_loopback_end(lo, 0);
	u64 resets, f = le64_to_cpu(READ_ONCE(h->side[1].features_offered));

	/* b, as a peer without the feature would, offers no heartbeat. */
	WRITE_ONCE(h->side[1].features_offered, cpu_to_le64(f & ~MK_CHAN_F_HEARTBEAT));
	rejoin(test, lo);
	resets = mk_link_stat(a, "resets");
	mk_link_set_timers(50, 300);
	/* Silent, but never said it would beat: still there. */
	mk_link_freeze(mk_loopback_end(lo, 1), true);
	msleep(1500);
	KUNIT_EXPECT_TRUE(test, mk_link_is_up(a));
	KUNIT_EXPECT_EQ(test, mk_link_stat(a, "resets"), resets);
	mk_link_freeze(mk_loopback_end(lo, 1), false);
	mk_link_set_timers(100, 5000);
	mk_loopback_destroy(lo);
}

/**
 * mismatched_backends_refused() - the other kind of doorbell is refused
 * @test: the test
 *
 * A peer whose doorbell backend is of the other kind (it polls where this
 * end takes interrupts, or the reverse) would never be woken by us, nor
 * wake us: the link stays down until the two agree.
 */
void mismatched_backends_refused(struct kunit *test)
{
	struct mk_loopback *lo = mk_kunit_make_lo(test);
	struct mk_chan_hdr *h = mk_loopback_region(lo);
	struct mk_link *a = mk_loopback_end(lo, 0);
	u64 f = le64_to_cpu(READ_ONCE(h->side[1].features_offered));

	WRITE_ONCE(h->side[1].features_offered, cpu_to_le64(f ^ MK_CHAN_F_POLLED));
	mk_link_restart(mk_loopback_end(lo, 1));
	msleep(1500);
	KUNIT_EXPECT_FALSE(test, mk_link_is_up(a));
	WRITE_ONCE(h->side[1].features_offered, cpu_to_le64(f));
	KUNIT_EXPECT_TRUE(test, mk_kunit_wait_for(mk_kunit_both_up, lo, 10000));
	mk_loopback_destroy(lo);
}

/**
 * peer_doorbell_outside_its_cpus() - a doorbell not the peer's is refused
 * @test: the test
 */
void peer_doorbell_outside_its_cpus(struct kunit *test)
{
	struct mk_loopback *lo = mk_kunit_make_lo(test);
	struct mk_chan_hdr *h = mk_loopback_region(lo);
	struct mk_link *a = mk_loopback_end(lo, 0);
	struct stat_wait w = { a, "peer_doorbell_refused", 0 };
	struct mk_stream_cfg cfg = {
		.count = 20000, .min_len = 1, .max_len = 4096, .log_sizes = true,
		.timeout = 20 * HZ,
	};
	struct mk_stream_result res;
	u32 bogus = 0, t;
	int cpu;

	/* A target no CPU of this kernel has: another kernel's, say. */
	for_each_online_cpu(cpu)
		if (!mk_doorbell_default()->target(cpu, &t))
			bogus = max(bogus, t + 1);
	WRITE_ONCE(h->side[1].doorbell, cpu_to_le32(bogus));
	rejoin(test, lo);
	KUNIT_EXPECT_TRUE(test, mk_kunit_wait_for(stat_above, &w, 5000));
	/*
	 * a still rings b where b really is: with no periodic wake-up, a
	 * doorbell sent to the bogus target would stall the stream.
	 */
	mk_link_set_timers(3600 * 1000, 7200 * 1000);
	KUNIT_EXPECT_EQ(test, mk_kunit_run_stream(test, lo, 0, &cfg, &res), 0);
	mk_link_set_timers(100, 5000);
	mk_loopback_destroy(lo);
}

/* The smallest region a loopback can have. */
static const struct mk_chan_geometry small_geo = {
	.num = 16, .data_size = SZ_64K, .max_msg = SZ_64K,
};

struct destroy_job {
	struct mk_loopback *lo;
	struct completion done;
};

static int destroy_job_fn(void *arg)
{
	struct destroy_job *j = arg;

	mk_loopback_destroy(j->lo);
	complete(&j->done);
	return 0;
}

/* A host loopback whose side 1 looks like another kernel's, still open. */
static struct mk_loopback *make_host_lo(struct kunit *test, struct mk_chan_hdr **h)
{
	struct mk_loopback *lo;

	if (!mk_global_pool())
		kunit_skip(test, "booted without mkkernel_pool=");
	lo = mk_loopback_create_host(cpumask_first(cpu_online_mask), &small_geo);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, lo);
	*h = mk_loopback_region(lo);
	WRITE_ONCE((*h)->side[1].epoch, cpu_to_le32(1));
	/* As a peer does: its epoch before its state. */
	smp_store_release(&(*h)->side[1].state, cpu_to_le32(MK_CHAN_INIT));
	return lo;
}

/**
 * host_destroy_waits_for_peer() - closing waits for the other kernel
 * @test: the test
 */
void host_destroy_waits_for_peer(struct kunit *test)
{
	struct mk_pool *pool = mk_global_pool();
	struct destroy_job *j = kunit_kzalloc(test, sizeof(*j), GFP_KERNEL);
	unsigned long allocs;
	unsigned int old;
	struct mk_chan_hdr *h;
	struct task_struct *t;
	size_t before;

	KUNIT_ASSERT_NOT_NULL(test, j);
	before = pool ? mk_pool_avail(pool) : 0;
	allocs = pool ? mk_pool_nr_allocs(pool) : 0;
	j->lo = make_host_lo(test, &h);
	old = mk_loopback_set_close_timeout(20000);
	init_completion(&j->done);
	t = kthread_run(destroy_job_fn, j, "mk_destroy_job");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	msleep(500);
	/* The other kernel may still write into the region: it stays. */
	KUNIT_EXPECT_FALSE(test, completion_done(&j->done));
	KUNIT_EXPECT_LT(test, mk_pool_avail(pool), before);
	KUNIT_EXPECT_GT(test, mk_pool_nr_allocs(pool), allocs);
	/* It closes its end: the memory goes back, not before. */
	smp_store_release(&h->side[1].state, cpu_to_le32(MK_CHAN_DOWN));
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&j->done, 10 * HZ));
	KUNIT_EXPECT_EQ(test, mk_pool_avail(pool), before);
	KUNIT_EXPECT_EQ(test, mk_pool_nr_allocs(pool), allocs);
	mk_loopback_set_close_timeout(old);
}

/**
 * host_destroy_quarantines_silent_peer() - memory of a silent peer kept
 * @test: the test
 */
void host_destroy_quarantines_silent_peer(struct kunit *test)
{
	struct mk_pool *pool = mk_global_pool();
	unsigned int quarantined = mk_loopback_quarantined();
	unsigned long allocs, t0;
	unsigned int old;
	struct mk_loopback *lo;
	struct mk_chan_hdr *h;
	size_t before;

	before = pool ? mk_pool_avail(pool) : 0;
	allocs = pool ? mk_pool_nr_allocs(pool) : 0;
	lo = make_host_lo(test, &h);
	old = mk_loopback_set_close_timeout(300);
	t0 = jiffies;
	mk_loopback_destroy(lo);
	KUNIT_EXPECT_GE(test, jiffies - t0, msecs_to_jiffies(300));
	KUNIT_EXPECT_EQ(test, mk_loopback_quarantined(), quarantined + 1);
	/* Kept allocated for ever: nothing else gets that memory. */
	KUNIT_EXPECT_LT(test, mk_pool_avail(pool), before);
	KUNIT_EXPECT_GT(test, mk_pool_nr_allocs(pool), allocs);
	/* The tests after this one want the pool whole: the peer closes. */
	smp_store_release(&h->side[1].state, cpu_to_le32(MK_CHAN_DOWN));
	KUNIT_EXPECT_EQ(test, mk_loopback_reap_quarantine(), 1);
	KUNIT_EXPECT_EQ(test, mk_pool_avail(pool), before);
	KUNIT_EXPECT_EQ(test, mk_pool_nr_allocs(pool), allocs);
	mk_loopback_set_close_timeout(old);
}

/* A stream on links found by name, as debugfs runs it: references only. */
struct held_stream {
	struct mk_link *tx;
	struct mk_link *rx;
	struct mk_stream_cfg cfg;
	struct mk_stream_result res;
	int ret;
	struct completion done;
};

static int held_stream_fn(void *arg)
{
	struct held_stream *s = arg;

	s->ret = mk_stream_run(s->tx, s->rx, &s->cfg, &s->res);
	mk_link_put(s->tx);
	mk_link_put(s->rx);
	complete(&s->done);
	return 0;
}

/**
 * destroy_while_streaming() - destroyed under a stream holding its ends
 * @test: the test
 */
void destroy_while_streaming(struct kunit *test)
{
	struct held_stream *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct mk_loopback *lo = mk_kunit_make_lo(test);
	struct stat_wait w = { mk_loopback_end(lo, 1), "rx_msgs", 1000 };
	char a[16], b[16];
	struct task_struct *t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	snprintf(a, sizeof(a), "lo%d.a", mk_loopback_id(lo));
	snprintf(b, sizeof(b), "lo%d.b", mk_loopback_id(lo));
	s->tx = mk_link_find(a);
	s->rx = mk_link_find(b);
	KUNIT_EXPECT_PTR_EQ(test, s->tx, mk_loopback_end(lo, 0));
	KUNIT_EXPECT_PTR_EQ(test, s->rx, mk_loopback_end(lo, 1));
	if (!s->tx || !s->rx) {
		mk_link_put(s->tx);
		mk_link_put(s->rx);
		mk_loopback_destroy(lo);
		KUNIT_FAIL_AND_ABORT(test, "link ends not found by name");
	}
	s->cfg = (struct mk_stream_cfg){
		.count = 100000000, .min_len = 1, .max_len = SZ_64K,
		.log_sizes = true, .timeout = 30 * HZ,
	};
	init_completion(&s->done);
	t = kthread_run(held_stream_fn, s, "mk_held_stream");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_EXPECT_TRUE(test, mk_kunit_wait_for(stat_above, &w, 10000));
	/* Under the stream: it fails at once; the memory stays until it lets go. */
	mk_loopback_destroy(lo);
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&s->done, 10 * HZ));
	KUNIT_EXPECT_EQ(test, s->ret, -ENOTCONN);
	KUNIT_EXPECT_LT(test, s->res.sent, s->cfg.count);
	/* Closed links are not found any more. */
	KUNIT_EXPECT_NULL(test, mk_link_find(a));
}

/**
 * flapping_peer_backs_off() - a peer that keeps restarting is made to wait
 * @test: the test
 *
 * A peer that restarts again and again: this end backs off instead of
 * coming up (and making its client re-register everything) each time.
 */
void flapping_peer_backs_off(struct kunit *test)
{
	struct mk_loopback *lo = mk_kunit_make_lo(test);
	struct mk_link *a = mk_loopback_end(lo, 0), *b = mk_loopback_end(lo, 1);
	u64 ups = mk_link_stat(a, "ups"), backoffs = mk_link_stat(a, "backoffs");
	int i;

	for (i = 0; i < 40; i++) {
		mk_link_restart(b);
		msleep(20);
	}
	ups = mk_link_stat(a, "ups") - ups;
	backoffs = mk_link_stat(a, "backoffs") - backoffs;
	kunit_info(test, "40 peer restarts in 800 ms: up %llu times, backed off %llu times\n",
		   ups, backoffs);
	KUNIT_EXPECT_LT(test, ups, 20);
	KUNIT_EXPECT_GT(test, backoffs, 0);
	/* Once the peer is quiet, the link returns (within the 5 s maximum). */
	KUNIT_EXPECT_TRUE(test, mk_kunit_wait_for(mk_kunit_both_up, lo, 15000));
	mk_loopback_destroy(lo);
}

/**
 * hundred_cycles_no_leak() - 100 resets and 100 loopbacks leak nothing
 * @test: the test
 */
void hundred_cycles_no_leak(struct kunit *test)
{
	struct mk_pool *pool = mk_global_pool();
	struct mk_stream_cfg cfg = {
		.count = 50, .min_len = 1, .max_len = 2048, .log_sizes = true,
		.timeout = 10 * HZ,
	};
	struct mk_stream_result res;
	unsigned int backoff;
	struct mk_loopback *lo;
	size_t before;
	int i;

	if (!pool)
		kunit_skip(test, "booted without mkkernel_pool=");
	before = mk_pool_avail(pool);
	lo = mk_kunit_make_lo(test);
	/* Restarting at will is what this test does: no flap backoff. */
	backoff = mk_link_set_flap_backoff(0);
	for (i = 0; i < 100; i++) {
		mk_link_restart(mk_loopback_end(lo, i & 1));
		usleep_range(500, 1000);
		if (!mk_kunit_wait_for(mk_kunit_both_up, lo, 10000)) {
			KUNIT_FAIL(test, "cycle %d: link did not return", i);
			break;
		}
	}
	mk_link_set_flap_backoff(backoff);
	KUNIT_EXPECT_EQ(test, mk_stream_run(mk_loopback_end(lo, 0), mk_loopback_end(lo, 1),
					    &cfg, &res), 0);
	mk_loopback_destroy(lo);
	for (i = 0; i < 100; i++) {
		lo = mk_kunit_make_lo(test);
		mk_loopback_destroy(lo);
	}
	KUNIT_EXPECT_EQ(test, mk_pool_avail(pool), before);
	KUNIT_EXPECT_EQ(test, mk_pool_nr_allocs(pool), 0);
}
