// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the multikernel transport: the attach parsers, channel
 * validation, and loopback links carrying checked streams through resets,
 * stalls, corruption and many up/down cycles. They need the pool reserved
 * by mkkernel_pool= (the test VM passes 64M) and at least two CPUs.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/libfdt.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/multikernel/channel.h>
#include <linux/multikernel/pool.h>

#include "stream.h"

static unsigned long stream_count = 1000000;
module_param(stream_count, ulong, 0444);
MODULE_PARM_DESC(stream_count, "Messages of the long random-size stream (default 1000000)");

static const struct mk_chan_geometry geo = {
	.num = 256, .data_size = SZ_1M, .max_msg = SZ_64K,
};

/* Helpers ----------------------------------------------------------------- */

static bool wait_for(bool (*cond)(void *), void *arg, unsigned int ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);

	while (!cond(arg)) {
		if (time_after(jiffies, end))
			return false;
		usleep_range(1000, 2000);
	}
	return true;
}

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

static bool both_up(void *arg)
{
	struct mk_loopback *lo = arg;

	return mk_link_is_up(mk_loopback_end(lo, 0)) &&
	       mk_link_is_up(mk_loopback_end(lo, 1));
}

static struct mk_loopback *make_lo(struct kunit *test)
{
	int a = cpumask_first(cpu_online_mask);
	int b = cpumask_next(a, cpu_online_mask);
	struct mk_loopback *lo;

	if (!mk_global_pool())
		kunit_skip(test, "booted without mkkernel_pool=");
	if (b >= nr_cpu_ids)
		kunit_skip(test, "needs two CPUs");
	lo = mk_loopback_create(a, b, &geo);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, lo);
	if (!wait_for(both_up, lo, 10000)) {
		mk_loopback_destroy(lo);
		KUNIT_FAIL_AND_ABORT(test, "loopback never came up");
	}
	return lo;
}

static int run_stream(struct kunit *test, struct mk_loopback *lo, int from,
		      const struct mk_stream_cfg *cfg, struct mk_stream_result *res)
{
	int ret = mk_stream_run(mk_loopback_end(lo, from), mk_loopback_end(lo, !from),
				cfg, res);

	kunit_info(test, "%llu msgs %llu-%u B: %d, %llu errors, %llu lost in resets, %llu msgs/s, %llu MB/s, %llu doorbells (%llu.%03llu per msg)\n",
		   res->sent, (u64)cfg->min_len, cfg->max_len, ret, res->errors,
		   res->lost_in_reset,
		   div64_u64(res->received * 1000000000ULL, res->ns ?: 1),
		   div64_u64(res->bytes * 1000, res->ns ?: 1), res->doorbells,
		   div64_u64(res->doorbells, res->sent ?: 1),
		   div64_u64(res->doorbells * 1000, res->sent ?: 1) % 1000);
	return ret;
}

/* Parsers and validation ----------------------------------------------------- */

static void parse_param(struct kunit *test)
{
	static const char *const bad[] = {
		"", "2M", "2M@0x1001", "0@0x10000000", "2M@0x10000000,db=",
		"2M@0x10000000,bogus=1", "2M@0x10000000,cpu=-1", "2M@0x10000000,",
		"x@y",
	};
	struct mk_chan_attach a;
	const char *why;
	int i;

	KUNIT_ASSERT_EQ(test, mk_chan_parse_param("2M@0x10000000", &a, &why), 0);
	KUNIT_EXPECT_EQ(test, a.addr, 0x10000000);
	KUNIT_EXPECT_EQ(test, a.size, SZ_2M);
	KUNIT_EXPECT_FALSE(test, a.has_peer_doorbell);
	KUNIT_EXPECT_EQ(test, a.cpu, -1);
	KUNIT_ASSERT_EQ(test, mk_chan_parse_param("4M@1G,db=0x11,cpu=3", &a, &why), 0);
	KUNIT_EXPECT_EQ(test, a.addr, SZ_1G);
	KUNIT_EXPECT_TRUE(test, a.has_peer_doorbell);
	KUNIT_EXPECT_EQ(test, a.peer_doorbell, 0x11);
	KUNIT_EXPECT_EQ(test, a.cpu, 3);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_NE_MSG(test, mk_chan_parse_param(bad[i], &a, &why), 0,
				    "'%s' accepted", bad[i]);
		KUNIT_EXPECT_NOT_NULL(test, why);
	}
}

/* A blob with one channel node, built with libfdt's sequential writer. */
static void *make_fdt(struct kunit *test, int ac, int sc, const u32 *reg,
		      int nreg, int db_cells)
{
	void *fdt = kunit_kzalloc(test, 4096, GFP_KERNEL);
	fdt32_t cells[4];
	int i;

	KUNIT_ASSERT_NOT_NULL(test, fdt);
	KUNIT_ASSERT_EQ(test, fdt_create(fdt, 4096), 0);
	fdt_finish_reservemap(fdt);
	fdt_begin_node(fdt, "");
	fdt_begin_node(fdt, "multikernel");
	fdt_property_u32(fdt, "#address-cells", ac);
	fdt_property_u32(fdt, "#size-cells", sc);
	fdt_begin_node(fdt, "channel@10000000");
	fdt_property_string(fdt, "compatible", "multikernel,channel");
	for (i = 0; i < nreg; i++)
		cells[i] = cpu_to_fdt32(reg[i]);
	if (nreg)
		fdt_property(fdt, "reg", cells, nreg * sizeof(fdt32_t));
	if (db_cells == 1)
		fdt_property_u32(fdt, "multikernel,peer-doorbell", 7);
	else if (db_cells == 2)
		fdt_property_u64(fdt, "multikernel,peer-doorbell", 7);
	fdt_property_u32(fdt, "multikernel,doorbell-cpu", 1);
	fdt_end_node(fdt);
	fdt_end_node(fdt);
	fdt_end_node(fdt);
	KUNIT_ASSERT_EQ(test, fdt_finish(fdt), 0);
	return fdt;
}

static void parse_fdt(struct kunit *test)
{
	static const u32 reg22[] = { 0x1, 0x10000000, 0x0, 0x200000 };
	static const u32 reg11[] = { 0x10000000, 0x200000 };
	static const u32 unaligned[] = { 0x10000800, 0x200000 };
	struct mk_chan_attach a;
	const char *why;
	void *fdt;

	fdt = make_fdt(test, 2, 2, reg22, 4, 1);
	KUNIT_ASSERT_EQ(test, mk_chan_parse_fdt(fdt, 4096, 0, &a, &why), 0);
	KUNIT_EXPECT_EQ(test, a.addr, 0x110000000ULL);
	KUNIT_EXPECT_EQ(test, a.size, SZ_2M);
	KUNIT_EXPECT_TRUE(test, a.has_peer_doorbell);
	KUNIT_EXPECT_EQ(test, a.peer_doorbell, 7);
	KUNIT_EXPECT_EQ(test, a.cpu, 1);
	KUNIT_EXPECT_EQ(test, mk_chan_parse_fdt(fdt, 4096, 1, &a, &why), -ENOENT);
	/* Truncated: the header says more than there is. */
	KUNIT_EXPECT_EQ(test, mk_chan_parse_fdt(fdt, fdt_totalsize(fdt) - 1, 0, &a, &why),
			-EINVAL);

	fdt = make_fdt(test, 1, 1, reg11, 2, 0);
	KUNIT_ASSERT_EQ(test, mk_chan_parse_fdt(fdt, 4096, 0, &a, &why), 0);
	KUNIT_EXPECT_EQ(test, a.addr, 0x10000000);
	KUNIT_EXPECT_FALSE(test, a.has_peer_doorbell);

	/* reg of the wrong size, missing, unaligned; bad cells; 64-bit doorbell */
	KUNIT_EXPECT_EQ(test, mk_chan_parse_fdt(make_fdt(test, 2, 2, reg11, 2, 0),
						4096, 0, &a, &why), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_chan_parse_fdt(make_fdt(test, 1, 1, reg11, 0, 0),
						4096, 0, &a, &why), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_chan_parse_fdt(make_fdt(test, 1, 1, unaligned, 2, 0),
						4096, 0, &a, &why), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_chan_parse_fdt(make_fdt(test, 3, 1, reg22, 4, 0),
						4096, 0, &a, &why), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_chan_parse_fdt(make_fdt(test, 1, 1, reg11, 2, 2),
						4096, 0, &a, &why), -EINVAL);
	/* Not a blob at all. */
	memset(fdt, 0x5a, 64);
	KUNIT_EXPECT_EQ(test, mk_chan_parse_fdt(fdt, 64, 0, &a, &why), -EINVAL);
}

static void region_validation(struct kunit *test)
{
	u64 size = mk_chan_region_size(&geo);
	struct mk_chan_geometry g = geo;
	struct mk_chan_hdr *h;
	struct mk_link *link;
	void *region;

	region = vzalloc(size);
	KUNIT_ASSERT_NOT_NULL(test, region);
	h = region;

	g.num = 3;
	KUNIT_EXPECT_EQ(test, mk_chan_format(region, size, &g), -EINVAL);
	g = geo;
	g.max_msg = SZ_32K;
	KUNIT_EXPECT_EQ(test, mk_chan_format(region, size, &g), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_chan_format(region, size - PAGE_SIZE, &geo), -EINVAL);

	/* Unformatted. */
	link = mk_link_open("kunit", region, size, 1, 0, NULL, NULL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(link), -ENODEV);

	KUNIT_ASSERT_EQ(test, mk_chan_format(region, size, &geo), 0);
	h->version = cpu_to_le32(2);
	KUNIT_EXPECT_EQ(test, PTR_ERR(mk_link_open("kunit", region, size, 1, 0, NULL, NULL)),
			-EPROTONOSUPPORT);

	KUNIT_ASSERT_EQ(test, mk_chan_format(region, size, &geo), 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR(mk_link_open("kunit", region, size - PAGE_SIZE, 1,
						   0, NULL, NULL)), -EINVAL);

	/* Direction 1's payload on top of direction 0's. */
	h->dir[1].data_off = h->dir[0].data_off;
	KUNIT_EXPECT_EQ(test, PTR_ERR(mk_link_open("kunit", region, size, 1, 0, NULL, NULL)),
			-EINVAL);

	KUNIT_ASSERT_EQ(test, mk_chan_format(region, size, &geo), 0);
	h->dir[0].desc_off = cpu_to_le64(size);
	KUNIT_EXPECT_EQ(test, PTR_ERR(mk_link_open("kunit", region, size, 1, 0, NULL, NULL)),
			-EINVAL);

	KUNIT_ASSERT_EQ(test, mk_chan_format(region, size, &geo), 0);
	h->dir[0].num = cpu_to_le32(MK_CHAN_MAX_NUM * 2);
	KUNIT_EXPECT_EQ(test, PTR_ERR(mk_link_open("kunit", region, size, 1, 0, NULL, NULL)),
			-EINVAL);

	KUNIT_ASSERT_EQ(test, mk_chan_format(region, size, &geo), 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR(mk_link_open("kunit", region, size, 2, 0, NULL, NULL)),
			-EINVAL);
	link = mk_link_open("kunit", region, size, 1, 0, NULL, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, link);
	KUNIT_EXPECT_FALSE(test, mk_link_is_up(link));
	KUNIT_EXPECT_EQ(test, mk_link_trysend(link, "x", 1, 0), -ENOTCONN);
	mk_link_close(link);
	vfree(region);
}

/* Loopback links ------------------------------------------------------------ */

static void loopback_up_and_mtu(struct kunit *test)
{
	size_t before = mk_global_pool() ? mk_pool_avail(mk_global_pool()) : 0;
	struct mk_loopback *lo = make_lo(test);

	KUNIT_EXPECT_EQ(test, mk_link_mtu(mk_loopback_end(lo, 0)), SZ_64K);
	KUNIT_EXPECT_EQ(test, mk_link_mtu(mk_loopback_end(lo, 1)), SZ_64K);
	KUNIT_EXPECT_LT(test, mk_pool_avail(mk_global_pool()), before);
	KUNIT_EXPECT_EQ(test, mk_link_trysend(mk_loopback_end(lo, 0), "x", SZ_64K + 1, 0),
			-EMSGSIZE);
	mk_loopback_destroy(lo);
	KUNIT_EXPECT_EQ(test, mk_pool_avail(mk_global_pool()), before);
}

static void stream_long_random(struct kunit *test)
{
	struct mk_loopback *lo = make_lo(test);
	struct mk_stream_cfg cfg = {
		.count = stream_count, .min_len = 1, .max_len = SZ_64K,
		.log_sizes = true, .timeout = 30 * HZ,
	};
	struct mk_stream_result res;

	KUNIT_EXPECT_EQ(test, run_stream(test, lo, 0, &cfg, &res), 0);
	KUNIT_EXPECT_EQ(test, res.received, stream_count);
	KUNIT_EXPECT_EQ(test, res.errors, 0);
	KUNIT_EXPECT_EQ(test, res.lost_in_reset, 0);
	KUNIT_EXPECT_EQ(test, mk_link_stat(mk_loopback_end(lo, 1), "violations"), 0);
	mk_loopback_destroy(lo);
}

static void stream_fixed_sizes(struct kunit *test)
{
	static const struct {
		u32 len;
		u32 count;
		u32 batch;
	} runs[] = {
		{ 64, 50000, 1 }, { 1024, 50000, 1 }, { SZ_64K, 3000, 1 },
		{ 64, 50000, 32 }, { 1024, 50000, 32 }, { SZ_64K, 3000, 8 },
	};
	struct mk_loopback *lo = make_lo(test);
	struct mk_stream_result res;
	int i;

	for (i = 0; i < ARRAY_SIZE(runs); i++) {
		struct mk_stream_cfg cfg = {
			.count = runs[i].count, .min_len = runs[i].len,
			.max_len = runs[i].len, .batch = runs[i].batch,
			.timeout = 30 * HZ,
		};

		kunit_info(test, "batch %u:\n", runs[i].batch);
		KUNIT_EXPECT_EQ(test, run_stream(test, lo, i & 1, &cfg, &res), 0);
		KUNIT_EXPECT_EQ(test, res.received, runs[i].count);
		/* A batch costs at most one doorbell. */
		if (runs[i].batch > 1)
			KUNIT_EXPECT_LE(test, res.doorbells,
					runs[i].count / runs[i].batch + 1);
	}
	mk_loopback_destroy(lo);
}

static void backpressure_slow_receiver(struct kunit *test)
{
	struct mk_loopback *lo = make_lo(test);
	struct mk_link *a = mk_loopback_end(lo, 0);
	struct mk_stream_cfg cfg = {
		.count = 3000, .min_len = 1, .max_len = SZ_64K, .log_sizes = true,
		.rx_delay_us = 300, .timeout = 30 * HZ,
	};
	struct mk_stream_result res;

	KUNIT_EXPECT_EQ(test, run_stream(test, lo, 0, &cfg, &res), 0);
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

static void trysend_eagain_then_room(struct kunit *test)
{
	struct mk_loopback *lo = make_lo(test);
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
	KUNIT_EXPECT_EQ(test, sent, geo.num);
	KUNIT_EXPECT_EQ(test, mk_link_trysend(a, msg, 1, 0), -EAGAIN);
	KUNIT_EXPECT_EQ(test, mk_link_wait_space(a, 1, HZ / 10), -ETIMEDOUT);
	mk_link_pause_rx(b, false);
	arg[0] = b;
	arg[1] = (void *)(uintptr_t)sent;
	KUNIT_EXPECT_TRUE(test, wait_for(rx_count_reached, arg, 10000));
	KUNIT_EXPECT_EQ(test, mk_link_wait_space(a, sizeof(msg), 5 * HZ), 0);
	KUNIT_EXPECT_EQ(test, mk_link_trysend(a, msg, sizeof(msg), 0), 0);
	mk_loopback_destroy(lo);
}

/*
 * The peer completes everything between a client's look for room
 * (mk_link_can_send()) and its request for a doorbell: that room comes
 * with no doorbell, and with the periodic wake-ups off nothing would ever
 * tell the client. The look must find it itself.
 */
static void room_before_arming_not_missed(struct kunit *test)
{
	struct mk_loopback *lo = make_lo(test);
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

static void no_lost_doorbell(struct kunit *test)
{
	struct mk_loopback *lo = make_lo(test);
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
	KUNIT_EXPECT_EQ(test, run_stream(test, lo, 0, &cfg, &res), 0);
	cfg.max_len = SZ_64K;
	cfg.count = 20000;
	KUNIT_EXPECT_EQ(test, run_stream(test, lo, 1, &cfg, &res), 0);
	for (i = 0; i < 2; i++)
		mk_link_rx_jitter(mk_loopback_end(lo, i), 0);
	mk_link_set_timers(100, 5000);
	mk_loopback_destroy(lo);
}

struct stream_job {
	struct kunit *test;
	struct mk_loopback *lo;
	struct mk_stream_cfg cfg;
	struct mk_stream_result res;
	int ret;
	struct completion done;
};

static int stream_job_fn(void *arg)
{
	struct stream_job *j = arg;

	j->ret = mk_stream_run(mk_loopback_end(j->lo, 0), mk_loopback_end(j->lo, 1),
			       &j->cfg, &j->res);
	complete(&j->done);
	return 0;
}

static void start_job(struct kunit *test, struct stream_job *j)
{
	struct task_struct *t;

	init_completion(&j->done);
	t = kthread_run(stream_job_fn, j, "mk_stream_job");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
}

static void peer_reset_midstream(struct kunit *test)
{
	struct mk_loopback *lo = make_lo(test);
	struct mk_link *a = mk_loopback_end(lo, 0), *b = mk_loopback_end(lo, 1);
	struct stream_job *j = kunit_kzalloc(test, sizeof(*j), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, j);
	j->lo = lo;
	j->cfg = (struct mk_stream_cfg){
		.count = 60000, .min_len = 1, .max_len = SZ_64K, .log_sizes = true,
		.reset_ok = true, .timeout = 30 * HZ,
	};
	start_job(test, j);
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
	KUNIT_EXPECT_TRUE(test, wait_for(both_up, lo, 10000));
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

static void reset_wakes_blocked_sender(struct kunit *test)
{
	struct mk_loopback *lo = make_lo(test);
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
	KUNIT_EXPECT_TRUE(test, wait_for(both_up, lo, 10000));
	mk_loopback_destroy(lo);
}

static bool violated_and_reset(void *arg)
{
	void **p = arg;

	/* Detected, and acted upon: the victim took its link down. */
	return mk_link_stat(p[0], "violations") > (u64)(uintptr_t)p[1] &&
	       mk_link_stat(p[0], "resets") > (u64)(uintptr_t)p[2];
}

static void corruption_resets_and_recovers(struct kunit *test)
{
	struct mk_loopback *lo = make_lo(test);
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
		KUNIT_EXPECT_TRUE_MSG(test, wait_for(violated_and_reset, arg, 5000),
				      "%s not detected", mk_fault_names[f]);
		KUNIT_EXPECT_TRUE_MSG(test, wait_for(both_up, lo, 10000),
				      "link not back after %s", mk_fault_names[f]);
		KUNIT_EXPECT_EQ_MSG(test, run_stream(test, lo, 0, &cfg, &res), 0,
				    "a->b after %s", mk_fault_names[f]);
		KUNIT_EXPECT_EQ_MSG(test, run_stream(test, lo, 1, &cfg, &res), 0,
				    "b->a after %s", mk_fault_names[f]);
	}
	mk_loopback_destroy(lo);
}

static bool b_down(void *arg)
{
	return !mk_link_is_up(mk_loopback_end(arg, 1));
}

static void heartbeat_stop_takes_link_down(struct kunit *test)
{
	struct mk_loopback *lo = make_lo(test);

	mk_link_set_timers(50, 500);
	mk_link_freeze(mk_loopback_end(lo, 0), true);
	KUNIT_EXPECT_TRUE(test, wait_for(b_down, lo, 5000));
	mk_link_freeze(mk_loopback_end(lo, 0), false);
	KUNIT_EXPECT_TRUE(test, wait_for(both_up, lo, 10000));
	mk_link_set_timers(100, 5000);
	mk_loopback_destroy(lo);
}

/* b restarted and a took it back: what b now publishes has been read. */
static void rejoin(struct kunit *test, struct mk_loopback *lo)
{
	struct stat_wait w = { mk_loopback_end(lo, 0), "ups", 0 };

	w.above = mk_link_stat(w.link, "ups");
	mk_link_restart(mk_loopback_end(lo, 1));
	KUNIT_ASSERT_TRUE(test, wait_for(stat_above, &w, 10000));
	KUNIT_ASSERT_TRUE(test, wait_for(both_up, lo, 10000));
}

static void no_heartbeat_offered_stays_up(struct kunit *test)
{
	struct mk_loopback *lo = make_lo(test);
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

/*
 * A peer whose doorbell backend is of the other kind (it polls where this
 * end takes interrupts, or the reverse) would never be woken by us, nor
 * wake us: the link stays down until the two agree.
 */
static void mismatched_backends_refused(struct kunit *test)
{
	struct mk_loopback *lo = make_lo(test);
	struct mk_chan_hdr *h = mk_loopback_region(lo);
	struct mk_link *a = mk_loopback_end(lo, 0);
	u64 f = le64_to_cpu(READ_ONCE(h->side[1].features_offered));

	WRITE_ONCE(h->side[1].features_offered, cpu_to_le64(f ^ MK_CHAN_F_POLLED));
	mk_link_restart(mk_loopback_end(lo, 1));
	msleep(1500);
	KUNIT_EXPECT_FALSE(test, mk_link_is_up(a));
	WRITE_ONCE(h->side[1].features_offered, cpu_to_le64(f));
	KUNIT_EXPECT_TRUE(test, wait_for(both_up, lo, 10000));
	mk_loopback_destroy(lo);
}

static void peer_doorbell_outside_its_cpus(struct kunit *test)
{
	struct mk_loopback *lo = make_lo(test);
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
	KUNIT_EXPECT_TRUE(test, wait_for(stat_above, &w, 5000));
	/*
	 * a still rings b where b really is: with no periodic wake-up, a
	 * doorbell sent to the bogus target would stall the stream.
	 */
	mk_link_set_timers(3600 * 1000, 7200 * 1000);
	KUNIT_EXPECT_EQ(test, run_stream(test, lo, 0, &cfg, &res), 0);
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

static void host_destroy_waits_for_peer(struct kunit *test)
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

static void host_destroy_quarantines_silent_peer(struct kunit *test)
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

static void destroy_while_streaming(struct kunit *test)
{
	struct held_stream *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct mk_loopback *lo = make_lo(test);
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
	KUNIT_EXPECT_TRUE(test, wait_for(stat_above, &w, 10000));
	/* Under the stream: it fails at once; the memory stays until it lets go. */
	mk_loopback_destroy(lo);
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&s->done, 10 * HZ));
	KUNIT_EXPECT_EQ(test, s->ret, -ENOTCONN);
	KUNIT_EXPECT_LT(test, s->res.sent, s->cfg.count);
	/* Closed links are not found any more. */
	KUNIT_EXPECT_NULL(test, mk_link_find(a));
}

/*
 * A peer that restarts again and again: this end backs off instead of
 * coming up (and making its client re-register everything) each time.
 */
static void flapping_peer_backs_off(struct kunit *test)
{
	struct mk_loopback *lo = make_lo(test);
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
	KUNIT_EXPECT_TRUE(test, wait_for(both_up, lo, 15000));
	mk_loopback_destroy(lo);
}

static void hundred_cycles_no_leak(struct kunit *test)
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
	lo = make_lo(test);
	/* Restarting at will is what this test does: no flap backoff. */
	backoff = mk_link_set_flap_backoff(0);
	for (i = 0; i < 100; i++) {
		mk_link_restart(mk_loopback_end(lo, i & 1));
		usleep_range(500, 1000);
		if (!wait_for(both_up, lo, 10000)) {
			KUNIT_FAIL(test, "cycle %d: link did not return", i);
			break;
		}
	}
	mk_link_set_flap_backoff(backoff);
	KUNIT_EXPECT_EQ(test, mk_stream_run(mk_loopback_end(lo, 0), mk_loopback_end(lo, 1),
					    &cfg, &res), 0);
	mk_loopback_destroy(lo);
	for (i = 0; i < 100; i++) {
		lo = make_lo(test);
		mk_loopback_destroy(lo);
	}
	KUNIT_EXPECT_EQ(test, mk_pool_avail(pool), before);
	KUNIT_EXPECT_EQ(test, mk_pool_nr_allocs(pool), 0);
}

static void several_links_at_once(struct kunit *test)
{
	struct stream_job *j = kunit_kcalloc(test, 3, sizeof(*j), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, j);
	for (i = 0; i < 3; i++) {
		j[i].lo = make_lo(test);
		j[i].cfg = (struct mk_stream_cfg){
			.count = 30000, .min_len = 1, .max_len = SZ_64K,
			.log_sizes = true, .seed = i + 1, .timeout = 30 * HZ,
		};
		start_job(test, &j[i]);
	}
	for (i = 0; i < 3; i++) {
		wait_for_completion(&j[i].done);
		KUNIT_EXPECT_EQ_MSG(test, j[i].ret, 0, "link %d", i);
		KUNIT_EXPECT_EQ(test, j[i].res.received, j[i].cfg.count);
		mk_loopback_destroy(j[i].lo);
	}
}

static struct kunit_case mk_transport_cases[] = {
	KUNIT_CASE(parse_param),
	KUNIT_CASE(parse_fdt),
	KUNIT_CASE(region_validation),
	KUNIT_CASE(loopback_up_and_mtu),
	KUNIT_CASE(trysend_eagain_then_room),
	KUNIT_CASE(backpressure_slow_receiver),
	KUNIT_CASE_SLOW(stream_fixed_sizes),
	KUNIT_CASE_SLOW(no_lost_doorbell),
	KUNIT_CASE(room_before_arming_not_missed),
	KUNIT_CASE(reset_wakes_blocked_sender),
	KUNIT_CASE_SLOW(peer_reset_midstream),
	KUNIT_CASE_SLOW(corruption_resets_and_recovers),
	KUNIT_CASE(heartbeat_stop_takes_link_down),
	KUNIT_CASE(no_heartbeat_offered_stays_up),
	KUNIT_CASE(mismatched_backends_refused),
	KUNIT_CASE(peer_doorbell_outside_its_cpus),
	KUNIT_CASE(host_destroy_waits_for_peer),
	KUNIT_CASE(host_destroy_quarantines_silent_peer),
	KUNIT_CASE(destroy_while_streaming),
	KUNIT_CASE(flapping_peer_backs_off),
	KUNIT_CASE_SLOW(hundred_cycles_no_leak),
	KUNIT_CASE_SLOW(several_links_at_once),
	KUNIT_CASE_SLOW(stream_long_random),
	{}
};

static struct kunit_suite mk_transport_suite = {
	.name = "mk_transport",
	.test_cases = mk_transport_cases,
};

kunit_test_suite(mk_transport_suite);

MODULE_DESCRIPTION("KUnit tests of the multikernel transport");
MODULE_LICENSE("GPL");
