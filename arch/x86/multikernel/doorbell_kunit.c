// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the multikernel doorbell.
 *
 * The stress test binds one thread to every online CPU; each rings every
 * other CPU many times while another thread keeps registering and
 * unregistering extra handlers. A doorbell carries no data and coalesces, so
 * each ring is announced in a mailbox (posted[src][dst]) that the target's
 * handler acknowledges; the sender waits for the acknowledgment, which
 * proves that this very ring was delivered, before it rings again.
 */

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/multikernel/doorbell.h>

#define ROUNDS		3000
#define ACK_TIMEOUT	(10 * HZ)
#define NR_CHURN	4

struct db_test;

struct db_cpu {
	struct mk_doorbell_handler h;
	struct db_test *t;
	int cpu;
	u32 target;
	unsigned long delivered;	/* written by this CPU's handler only */
	struct completion done;
	int error;
};

struct db_churn {
	struct mk_doorbell_handler h;
	atomic_long_t calls;
	atomic_t running;
};

struct db_test {
	int n;				/* nr_cpu_ids */
	unsigned long *posted;		/* [src * n + dst], by src */
	unsigned long *acked;		/* [src * n + dst], by dst's handler */
	struct db_cpu *cpus;		/* [cpu] */
	struct db_churn churn[NR_CHURN];
	atomic_t senders_left;
};

static void db_count(struct mk_doorbell_handler *h)
{
	struct db_cpu *c = container_of(h, struct db_cpu, h);
	struct db_test *t = c->t;
	int src;

	for_each_online_cpu(src) {
		unsigned long *acked = &t->acked[src * t->n + c->cpu];
		unsigned long posted = READ_ONCE(t->posted[src * t->n + c->cpu]);

		if (posted != *acked) {
			c->delivered += posted - *acked;
			/* Pairs with the sender's acquire: count before ack. */
			smp_store_release(acked, posted);
		}
	}
}

static void db_churn_fn(struct mk_doorbell_handler *h)
{
	struct db_churn *c = container_of(h, struct db_churn, h);

	atomic_inc(&c->running);
	atomic_long_inc(&c->calls);
	udelay(2);
	atomic_dec(&c->running);
}

static int db_sender(void *arg)
{
	struct db_cpu *me = arg;
	struct db_test *t = me->t;
	unsigned long i;
	int dst;

	for (i = 1; i <= ROUNDS && !me->error; i++) {
		for_each_online_cpu(dst) {
			unsigned long *acked = &t->acked[me->cpu * t->n + dst];
			unsigned long deadline = jiffies + ACK_TIMEOUT;

			if (dst == me->cpu)
				continue;
			WRITE_ONCE(t->posted[me->cpu * t->n + dst], i);
			if (mk_doorbell_ring(t->cpus[dst].target)) {
				me->error = -EIO;
				break;
			}
			/* Pairs with the handler's release of the ack. */
			while (smp_load_acquire(acked) != i) {
				if (time_after(jiffies, deadline)) {
					pr_err("doorbell %lu from CPU %d to CPU %d never arrived\n",
					       i, me->cpu, dst);
					me->error = -ETIMEDOUT;
					break;
				}
				cpu_relax();
			}
			if (me->error)
				break;
		}
		if (!(i % 64))
			cond_resched();
	}
	atomic_dec(&t->senders_left);
	complete(&me->done);
	return 0;
}

static void registration_errors(struct kunit *test)
{
	struct mk_doorbell_handler h = { .func = db_churn_fn, .cpu = 0 };
	struct mk_doorbell_handler nofunc = { .cpu = MK_DOORBELL_ANY_CPU };
	struct mk_doorbell_handler badcpu = { .func = db_churn_fn, .cpu = nr_cpu_ids };
	struct mk_doorbell_handler negcpu = { .func = db_churn_fn, .cpu = -2 };

	KUNIT_EXPECT_EQ(test, mk_doorbell_register(NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_doorbell_register(&nofunc), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_doorbell_register(&badcpu), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_doorbell_register(&negcpu), -EINVAL);
	/* Unregistering what was never registered changes nothing. */
	KUNIT_EXPECT_EQ(test, mk_doorbell_unregister(&h), -ENOENT);
	KUNIT_EXPECT_EQ(test, mk_doorbell_register(&h), 0);
	KUNIT_EXPECT_EQ(test, mk_doorbell_register(&h), -EBUSY);
	KUNIT_EXPECT_EQ(test, mk_doorbell_unregister(&h), 0);
	KUNIT_EXPECT_EQ(test, mk_doorbell_unregister(&h), -ENOENT);
	/* And a handler can come back after it left. */
	KUNIT_EXPECT_EQ(test, mk_doorbell_register(&h), 0);
	KUNIT_EXPECT_EQ(test, mk_doorbell_unregister(&h), 0);
}

static void target_errors(struct kunit *test)
{
	u32 target = 42;

	/* The broadcast ID of either APIC mode never names one CPU. */
	KUNIT_EXPECT_EQ(test, mk_doorbell_ring(U32_MAX), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_doorbell_cpu_target(nr_cpu_ids, &target), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_doorbell_cpu_target(UINT_MAX, &target), -EINVAL);
	KUNIT_EXPECT_EQ(test, target, 42);
	KUNIT_EXPECT_EQ(test, mk_doorbell_cpu_target(0, &target), 0);
}

static void all_to_all_with_churn(struct kunit *test)
{
	unsigned long churn_total = 0, snap;
	struct db_test *t;
	int cpu, dst, i, k;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	t->n = nr_cpu_ids;
	t->posted = kunit_kcalloc(test, t->n * t->n, sizeof(long), GFP_KERNEL);
	t->acked = kunit_kcalloc(test, t->n * t->n, sizeof(long), GFP_KERNEL);
	t->cpus = kunit_kcalloc(test, t->n, sizeof(*t->cpus), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->posted);
	KUNIT_ASSERT_NOT_NULL(test, t->acked);
	KUNIT_ASSERT_NOT_NULL(test, t->cpus);

	/* The test VM does no CPU hotplug: the online mask stays put. */
	for_each_online_cpu(cpu) {
		struct db_cpu *c = &t->cpus[cpu];

		c->t = t;
		c->cpu = cpu;
		c->h.func = db_count;
		c->h.cpu = cpu;
		init_completion(&c->done);
		KUNIT_ASSERT_EQ(test, mk_doorbell_cpu_target(cpu, &c->target), 0);
		KUNIT_ASSERT_EQ(test, mk_doorbell_register(&c->h), 0);
	}
	for (k = 0; k < NR_CHURN; k++)
		t->churn[k].h.func = db_churn_fn;

	atomic_set(&t->senders_left, num_online_cpus());
	for_each_online_cpu(cpu) {
		struct task_struct *tsk;

		tsk = kthread_run_on_cpu(db_sender, &t->cpus[cpu], cpu, "mkdb/%u");
		if (IS_ERR(tsk)) {
			KUNIT_FAIL(test, "no sender thread on CPU %d", cpu);
			t->cpus[cpu].error = PTR_ERR(tsk);
			atomic_dec(&t->senders_left);
			complete(&t->cpus[cpu].done);
		}
	}

	/* Churn: handlers come and go on every CPU while doorbells fly. */
	for (i = 0; atomic_read(&t->senders_left); i++) {
		struct db_churn *c = &t->churn[i % NR_CHURN];

		c->h.cpu = (i % 3 == 0) ? MK_DOORBELL_ANY_CPU :
			   cpumask_nth(i % num_online_cpus(), cpu_online_mask);
		if (mk_doorbell_register(&c->h)) {
			KUNIT_FAIL(test, "churn handler not registered");
			break;
		}
		usleep_range(100, 200);
		KUNIT_EXPECT_EQ(test, mk_doorbell_unregister(&c->h), 0);
		/* Returned means: not running, and never again. */
		KUNIT_EXPECT_EQ(test, atomic_read(&c->running), 0);
		snap = atomic_long_read(&c->calls);
		usleep_range(100, 200);
		KUNIT_EXPECT_EQ(test, atomic_long_read(&c->calls), snap);
	}

	for_each_online_cpu(cpu)
		wait_for_completion(&t->cpus[cpu].done);
	for_each_online_cpu(cpu)
		KUNIT_EXPECT_EQ(test, mk_doorbell_unregister(&t->cpus[cpu].h), 0);

	for_each_online_cpu(cpu) {
		KUNIT_EXPECT_EQ_MSG(test, t->cpus[cpu].error, 0, "sender on CPU %d", cpu);
		/* Each target saw exactly every ring of every other CPU. */
		KUNIT_EXPECT_EQ_MSG(test, t->cpus[cpu].delivered,
				    (unsigned long)ROUNDS * (num_online_cpus() - 1),
				    "delivered to CPU %d", cpu);
		for_each_online_cpu(dst) {
			if (dst != cpu)
				KUNIT_EXPECT_EQ(test, t->acked[cpu * t->n + dst],
						(unsigned long)ROUNDS);
		}
	}
	for (k = 0; k < NR_CHURN; k++)
		churn_total += atomic_long_read(&t->churn[k].calls);
	kunit_info(test, "%d churn cycles, %lu churn handler calls\n", i, churn_total);
	KUNIT_EXPECT_GT(test, i, 0);
}

static struct kunit_case mk_doorbell_cases[] = {
	KUNIT_CASE(registration_errors),
	KUNIT_CASE(target_errors),
	KUNIT_CASE_SLOW(all_to_all_with_churn),
	{}
};

static struct kunit_suite mk_doorbell_suite = {
	.name = "mk_doorbell",
	.test_cases = mk_doorbell_cases,
};

kunit_test_suite(mk_doorbell_suite);

MODULE_DESCRIPTION("KUnit tests of the multikernel doorbell");
MODULE_LICENSE("GPL");
