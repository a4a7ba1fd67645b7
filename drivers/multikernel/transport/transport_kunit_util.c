// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the multikernel transport: the helpers the cases share,
 * to make a loopback link, wait for it and run checked streams on it.
 */

#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/sizes.h>
#include <linux/multikernel/pool.h>

#include "transport_kunit.h"

const struct mk_chan_geometry mk_kunit_geo = {
	.num = 256, .data_size = SZ_1M, .max_msg = SZ_64K,
};

/**
 * mk_kunit_wait_for() - wait until a condition holds, or give up
 * @cond: the condition
 * @arg: its argument
 * @ms: how long to wait
 *
 * Return: true if @cond held, false after @ms milliseconds without.
 */
bool mk_kunit_wait_for(bool (*cond)(void *), void *arg, unsigned int ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);

	while (!cond(arg)) {
		if (time_after(jiffies, end))
			return false;
		usleep_range(1000, 2000);
	}
	return true;
}

/**
 * mk_kunit_both_up() - whether both ends of a loopback are up
 * @arg: the struct mk_loopback
 *
 * Return: true if they are.
 */
bool mk_kunit_both_up(void *arg)
{
	struct mk_loopback *lo = arg;

	return mk_link_is_up(mk_loopback_end(lo, 0)) &&
	       mk_link_is_up(mk_loopback_end(lo, 1));
}

/**
 * mk_kunit_make_lo() - a loopback link, both ends up
 * @test: the test, skipped without a pool or a second CPU
 *
 * Return: the loopback, for mk_loopback_destroy(); aborts @test if it
 * never comes up.
 */
struct mk_loopback *mk_kunit_make_lo(struct kunit *test)
{
	int a = cpumask_first(cpu_online_mask);
	int b = cpumask_next(a, cpu_online_mask);
	struct mk_loopback *lo;

	if (!mk_global_pool())
		kunit_skip(test, "booted without mkkernel_pool=");
	if (b >= nr_cpu_ids)
		kunit_skip(test, "needs two CPUs");
	lo = mk_loopback_create(a, b, &mk_kunit_geo);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, lo);
	if (!mk_kunit_wait_for(mk_kunit_both_up, lo, 10000)) {
		mk_loopback_destroy(lo);
		KUNIT_FAIL_AND_ABORT(test, "loopback never came up");
	}
	return lo;
}

/**
 * mk_kunit_run_stream() - a checked stream between the ends of a loopback
 * @test: the test, for the figures in its log
 * @lo: the loopback
 * @from: the sending end, 0 or 1
 * @cfg: the stream
 * @res: its result
 *
 * Return: what mk_stream_run() returned.
 */
int mk_kunit_run_stream(struct kunit *test, struct mk_loopback *lo, int from,
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

static int stream_job_fn(void *arg)
{
	struct mk_kunit_stream_job *j = arg;

	j->ret = mk_stream_run(mk_loopback_end(j->lo, 0), mk_loopback_end(j->lo, 1),
			       &j->cfg, &j->res);
	complete(&j->done);
	return 0;
}

/**
 * mk_kunit_start_job() - run a stream job in a thread of its own
 * @test: the test
 * @j: the job, with @lo and @cfg set; @done completes when it is over
 */
void mk_kunit_start_job(struct kunit *test, struct mk_kunit_stream_job *j)
{
	struct task_struct *t;

	init_completion(&j->done);
	t = kthread_run(stream_job_fn, j, "mk_stream_job");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
}
