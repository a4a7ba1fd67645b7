// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the multikernel transport: the data path of a loopback
 * link. Streams of every size, one by one and in batches; backpressure;
 * the event index that must never lose a doorbell; several links at once.
 */

#include <linux/math.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/multikernel/pool.h>

#include "transport_kunit.h"

static unsigned long stream_count = 1000000;
module_param(stream_count, ulong, 0444);
MODULE_PARM_DESC(stream_count, "Messages of the long random-size stream (default 1000000)");

/**
 * loopback_up_and_mtu() - a loopback comes up, takes 64 KiB messages
 * @test: the test
 */
void loopback_up_and_mtu(struct kunit *test)
{
	size_t before = mk_global_pool() ? mk_pool_avail(mk_global_pool()) : 0;
	struct mk_loopback *lo = mk_kunit_make_lo(test);

	KUNIT_EXPECT_EQ(test, mk_link_mtu(mk_loopback_end(lo, 0)), SZ_64K);
	KUNIT_EXPECT_EQ(test, mk_link_mtu(mk_loopback_end(lo, 1)), SZ_64K);
	KUNIT_EXPECT_LT(test, mk_pool_avail(mk_global_pool()), before);
	KUNIT_EXPECT_EQ(test, mk_link_trysend(mk_loopback_end(lo, 0), "x", SZ_64K + 1, 0),
			-EMSGSIZE);
	mk_loopback_destroy(lo);
	KUNIT_EXPECT_EQ(test, mk_pool_avail(mk_global_pool()), before);
}

/**
 * stream_long_random() - a long stream of random sizes, every message checked
 * @test: the test
 *
 * transport_kunit.stream_count messages (1000000).
 */
void stream_long_random(struct kunit *test)
{
	struct mk_loopback *lo = mk_kunit_make_lo(test);
	struct mk_stream_cfg cfg = {
		.count = stream_count, .min_len = 1, .max_len = SZ_64K,
		.log_sizes = true, .timeout = 30 * HZ,
	};
	struct mk_stream_result res;

	KUNIT_EXPECT_EQ(test, mk_kunit_run_stream(test, lo, 0, &cfg, &res), 0);
	KUNIT_EXPECT_EQ(test, res.received, stream_count);
	KUNIT_EXPECT_EQ(test, res.errors, 0);
	KUNIT_EXPECT_EQ(test, res.lost_in_reset, 0);
	KUNIT_EXPECT_EQ(test, mk_link_stat(mk_loopback_end(lo, 1), "violations"), 0);
	mk_loopback_destroy(lo);
}

/**
 * stream_fixed_sizes() - 64 B, 1 KiB and 64 KiB streams, also batched
 * @test: the test
 */
void stream_fixed_sizes(struct kunit *test)
{
	static const struct {
		u32 len;
		u32 count;
		u32 batch;
	} runs[] = {
		{ 64, 50000, 1 }, { 1024, 50000, 1 }, { SZ_64K, 3000, 1 },
		{ 64, 50000, 32 }, { 1024, 50000, 32 }, { SZ_64K, 3000, 8 },
	};
	struct mk_loopback *lo = mk_kunit_make_lo(test);
	struct mk_stream_result res;
	int i;

	for (i = 0; i < ARRAY_SIZE(runs); i++) {
		struct mk_stream_cfg cfg = {
			.count = runs[i].count, .min_len = runs[i].len,
			.max_len = runs[i].len, .batch = runs[i].batch,
			.timeout = 30 * HZ,
		};

		kunit_info(test, "batch %u:\n", runs[i].batch);
		KUNIT_EXPECT_EQ(test, mk_kunit_run_stream(test, lo, i & 1, &cfg, &res), 0);
		KUNIT_EXPECT_EQ(test, res.received, runs[i].count);
		/*
		 * A batch costs at most one doorbell, or one per quarter of
		 * the payload area it fills (published early, see
		 * MK_SEND_MORE).
		 */
		if (runs[i].batch > 1) {
			u64 quarter = mk_kunit_geo.data_size / 4;
			u32 per_pub = min_t(u64, runs[i].batch,
					    DIV_ROUND_UP_ULL(quarter, runs[i].len));

			KUNIT_EXPECT_LE(test, res.doorbells,
					DIV_ROUND_UP(runs[i].count, per_pub) + 1);
		}
	}
	mk_loopback_destroy(lo);
}

/**
 * backpressure_slow_receiver() - a slow receiver holds its sender back
 * @test: the test
 */
void backpressure_slow_receiver(struct kunit *test)
{
	struct mk_loopback *lo = mk_kunit_make_lo(test);
	struct mk_link *a = mk_loopback_end(lo, 0);
	struct mk_stream_cfg cfg = {
		.count = 3000, .min_len = 1, .max_len = SZ_64K, .log_sizes = true,
		.rx_delay_us = 300, .timeout = 30 * HZ,
	};
	struct mk_stream_result res;

	KUNIT_EXPECT_EQ(test, mk_kunit_run_stream(test, lo, 0, &cfg, &res), 0);
	KUNIT_EXPECT_EQ(test, res.received, cfg.count);
	/* The sender was held back, not dropped. */
	KUNIT_EXPECT_GT(test, mk_link_stat(a, "tx_waits"), 0);
	KUNIT_EXPECT_GT(test, mk_link_stat(a, "tx_full"), 0);
	/* Completion doorbells only while it waited: far fewer than messages. */
	KUNIT_EXPECT_LT(test, mk_link_stat(mk_loopback_end(lo, 1), "rx_completion_doorbells"),
			cfg.count / 2);
	mk_loopback_destroy(lo);
}

static bool rx_count_reached(void *arg)
{
	void **p = arg;

	return mk_link_stat(p[0], "rx_msgs") >= (u64)(uintptr_t)p[1];
}

/**
 * trysend_eagain_then_room() - -EAGAIN when full, room once drained
 * @test: the test
 */
void trysend_eagain_then_room(struct kunit *test)
{
	struct mk_loopback *lo = mk_kunit_make_lo(test);
	struct mk_link *a = mk_loopback_end(lo, 0), *b = mk_loopback_end(lo, 1);
	static char msg[1024];
	unsigned int sent = 0;
	void *arg[2];
	int ret;

	mk_link_pause_rx(b, true);
	while ((ret = mk_link_trysend(a, msg, sizeof(msg), 0)) == 0)
		sent++;
	KUNIT_EXPECT_EQ(test, ret, -EAGAIN);
	/* The ring holds 256 messages, the payload area 1 MiB: 256 fit. */
	KUNIT_EXPECT_EQ(test, sent, mk_kunit_geo.num);
	KUNIT_EXPECT_EQ(test, mk_link_trysend(a, msg, 1, 0), -EAGAIN);
	KUNIT_EXPECT_EQ(test, mk_link_wait_space(a, 1, HZ / 10), -ETIMEDOUT);
	mk_link_pause_rx(b, false);
	arg[0] = b;
	arg[1] = (void *)(uintptr_t)sent;
	KUNIT_EXPECT_TRUE(test, mk_kunit_wait_for(rx_count_reached, arg, 10000));
	KUNIT_EXPECT_EQ(test, mk_link_wait_space(a, sizeof(msg), 5 * HZ), 0);
	KUNIT_EXPECT_EQ(test, mk_link_trysend(a, msg, sizeof(msg), 0), 0);
	mk_loopback_destroy(lo);
}

/**
 * room_before_arming_not_missed() - room that comes with no doorbell is seen
 * @test: the test
 *
 * The peer completes everything between a client's look for room
 * (mk_link_can_send()) and its request for a doorbell: that room comes
 * with no doorbell, and with the periodic wake-ups off nothing would ever
 * tell the client. The look must find it itself.
 */
void room_before_arming_not_missed(struct kunit *test)
{
	struct mk_loopback *lo = mk_kunit_make_lo(test);
	struct mk_link *a = mk_loopback_end(lo, 0), *b = mk_loopback_end(lo, 1);
	static u8 msg[1024];
	int n = 0;
	bool room;

	mk_link_set_timers(3600 * 1000, 7200 * 1000);
	mk_link_pause_rx(b, true);
	while (n < 100000 && !mk_link_trysend(a, msg, sizeof(msg), 0))
		n++;
	mk_link_hold_arm(a, b);
	room = mk_link_can_send(a, sizeof(msg));
	kunit_info(test, "ring full after %d messages; room seen: %d", n, room);
	KUNIT_EXPECT_TRUE(test, room);
	KUNIT_EXPECT_EQ(test, mk_link_trysend(a, msg, sizeof(msg), 0), 0);
	mk_link_set_timers(100, 5000);
	mk_loopback_destroy(lo);
}

/**
 * no_lost_doorbell() - streams with no periodic wake-up to hide a lost doorbell
 * @test: the test
 */
void no_lost_doorbell(struct kunit *test)
{
	struct mk_loopback *lo = mk_kunit_make_lo(test);
	struct mk_stream_cfg cfg = {
		.count = 100000, .min_len = 1, .max_len = 4096, .log_sizes = true,
		.timeout = 20 * HZ,
	};
	struct mk_stream_result res;
	int i;

	/*
	 * No periodic wake-up may hide a lost doorbell: a lost one stalls the
	 * stream until the 20 s timeout and fails it.
	 */
	mk_link_set_timers(3600 * 1000, 7200 * 1000);
	for (i = 0; i < 2; i++)
		mk_link_rx_jitter(mk_loopback_end(lo, i), 50);
	KUNIT_EXPECT_EQ(test, mk_kunit_run_stream(test, lo, 0, &cfg, &res), 0);
	cfg.max_len = SZ_64K;
	cfg.count = 20000;
	KUNIT_EXPECT_EQ(test, mk_kunit_run_stream(test, lo, 1, &cfg, &res), 0);
	for (i = 0; i < 2; i++)
		mk_link_rx_jitter(mk_loopback_end(lo, i), 0);
	mk_link_set_timers(100, 5000);
	mk_loopback_destroy(lo);
}

/**
 * several_links_at_once() - three loopbacks streaming at the same time
 * @test: the test
 */
void several_links_at_once(struct kunit *test)
{
	struct mk_kunit_stream_job *j = kunit_kcalloc(test, 3, sizeof(*j), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, j);
	for (i = 0; i < 3; i++) {
		j[i].lo = mk_kunit_make_lo(test);
		j[i].cfg = (struct mk_stream_cfg){
			.count = 30000, .min_len = 1, .max_len = SZ_64K,
			.log_sizes = true, .seed = i + 1, .timeout = 30 * HZ,
		};
		mk_kunit_start_job(test, &j[i]);
	}
	for (i = 0; i < 3; i++) {
		wait_for_completion(&j[i].done);
		KUNIT_EXPECT_EQ_MSG(test, j[i].ret, 0, "link %d", i);
		KUNIT_EXPECT_EQ(test, j[i].res.received, j[i].cfg.count);
		mk_loopback_destroy(j[i].lo);
	}
}
