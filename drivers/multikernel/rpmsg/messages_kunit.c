// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the typed messages and the seeds' IPI API, over a loopback
 * link whose two ends are rpmsg buses: end a reaches "instance" 1000 + 2N + 1
 * (end b) and end b reaches 1000 + 2N (end a).
 */

#include <kunit/test.h>
#include <linux/bitops.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/slab.h>
#include <linux/sizes.h>
#include <linux/multikernel.h>
#include <linux/multikernel/pool.h>
#include <linux/multikernel/loopback.h>
#include <linux/multikernel/transport.h>

struct msg_test {
	struct mk_loopback *lo;
	int to_b;			/* instance id of end b, seen from a */
	int to_a;
};

struct got {
	u32 type, subtype, len;
	u8 payload[64];
};

struct recorder {
	spinlock_t lock;	/* n, msgs */
	int n;
	struct got msgs[16];
	wait_queue_head_t wq;
};

static struct recorder rec;

static void record(u32 type, u32 subtype, void *payload, u32 len, void *ctx)
{
	struct recorder *r = ctx;
	struct got *g;

	spin_lock(&r->lock);
	if (r->n < ARRAY_SIZE(r->msgs)) {
		g = &r->msgs[r->n++];
		g->type = type;
		g->subtype = subtype;
		g->len = len;
		memcpy(g->payload, payload, min_t(u32, len, sizeof(g->payload)));
	}
	spin_unlock(&r->lock);
	wake_up(&r->wq);
}

static int echo(u32 type, u32 subtype, void *req, u32 len, void *resp,
		u32 *resp_len, void *ctx)
{
	u32 i;

	if (subtype == 1)
		return -EIO;
	if (subtype == 2)
		return MK_MSG_NO_REPLY;
	if (len > *resp_len)
		return -ENOSPC;
	for (i = 0; i < len; i++)
		((u8 *)resp)[i] = ((u8 *)req)[len - 1 - i];
	*resp_len = len;
	return 0;
}

/* A loopback of geometry @g (NULL: the default) with typed messages up. */
static void msg_open(struct kunit *test, struct msg_test *t,
		     const struct mk_chan_geometry *g)
{
	int a = cpumask_first(cpu_online_mask);
	int b = cpumask_next(a, cpu_online_mask);
	unsigned long end;
	char name[24];
	u8 x = 1;
	u32 n;
	int i, ret;

	if (!mk_global_pool() || b >= nr_cpu_ids)
		kunit_skip(test, "needs mkkernel_pool= and two CPUs");
	t->lo = mk_loopback_create(a, b, g);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->lo);
	for (i = 0; i < 2; i++)
		KUNIT_ASSERT_EQ(test, mk_link_bind(mk_loopback_end(t->lo, i)), 0);
	snprintf(name, sizeof(name), "lo%d.a", mk_loopback_id(t->lo));
	t->to_b = mk_msg_instance_of(name);
	name[strlen(name) - 1] = 'b';
	t->to_a = mk_msg_instance_of(name);
	KUNIT_ASSERT_GE(test, t->to_b, 0);
	KUNIT_ASSERT_EQ(test, t->to_a + 1, t->to_b);
	/* Ready when a request goes through both ways. */
	KUNIT_ASSERT_EQ(test, mk_register_req_handler(MK_MSG_USER + 7, echo, NULL), 0);
	end = jiffies + 10 * HZ;
	do {
		n = 1;
		ret = mk_msg_call(t->to_b, MK_MSG_USER + 7, 0, &x, 1, &x, &n, HZ / 5);
		if (!ret) {
			n = 1;
			ret = mk_msg_call(t->to_a, MK_MSG_USER + 7, 0, &x, 1, &x, &n, HZ / 5);
		}
		if (ret)
			msleep(20);
	} while (ret && time_before(jiffies, end));
	mk_unregister_req_handler(MK_MSG_USER + 7, echo);
	if (ret) {
		mk_loopback_destroy(t->lo);
		t->lo = NULL;
		KUNIT_FAIL_AND_ABORT(test, "typed-message channel never came up (%d)", ret);
	}
}

static int msg_init(struct kunit *test)
{
	struct msg_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	spin_lock_init(&rec.lock);
	init_waitqueue_head(&rec.wq);
	rec.n = 0;
	test->priv = t;
	msg_open(test, t, NULL);
	return 0;
}

static void msg_exit(struct kunit *test)
{
	struct msg_test *t = test->priv;

	if (t && t->lo)
		mk_loopback_destroy(t->lo);
}

static void convenience_senders(struct kunit *test)
{
	struct msg_test *t = test->priv;
	struct mk_io_irq_payload *irq;
	struct mk_cpu_resource_payload *cpu;
	struct mk_mem_resource_payload *mem;
	u32 seen = 0;

	KUNIT_ASSERT_EQ(test, mk_register_msg_handler(MK_MSG_IO, record, &rec), 0);
	KUNIT_ASSERT_EQ(test, mk_register_msg_handler(MK_MSG_RESOURCE, record, &rec), 0);
	KUNIT_EXPECT_EQ(test, mk_register_msg_handler(MK_MSG_IO, record, &rec), -EEXIST);

	KUNIT_EXPECT_EQ(test, mk_send_irq_forward(t->to_b, 33, 0x41, 7, MK_IRQ_LOW_LATENCY), 0);
	KUNIT_EXPECT_EQ(test, mk_send_cpu_add(t->to_b, 3, 1, MK_CPU_HYPERTHREAD), 0);
	KUNIT_EXPECT_EQ(test, mk_send_cpu_remove(t->to_a, 3), 0);
	KUNIT_EXPECT_EQ(test, mk_send_mem_add(t->to_b, 0x12345, 512, 1, MK_MEM_DMA32), 0);
	KUNIT_EXPECT_EQ(test, mk_send_mem_remove(t->to_a, 0x12345, 512), 0);
	KUNIT_EXPECT_TRUE(test, wait_event_timeout(rec.wq, READ_ONCE(rec.n) >= 5, 5 * HZ));

	KUNIT_ASSERT_EQ(test, rec.n, 5);
	/* Two links (both directions): order holds per link, not across. */
	for (int i = 0; i < 5; i++) {
		struct got *g = &rec.msgs[i];

		irq = (void *)g->payload;
		cpu = (void *)g->payload;
		mem = (void *)g->payload;
		seen |= 1U << (g->subtype & 0xf) << (g->type == MK_MSG_IO ? 8 : 0);
		switch (g->subtype) {
		case MK_IO_IRQ_FORWARD:
			KUNIT_EXPECT_EQ(test, g->type, MK_MSG_IO);
			KUNIT_EXPECT_EQ(test, g->len, sizeof(*irq));
			KUNIT_EXPECT_EQ(test, irq->irq_number, 33);
			KUNIT_EXPECT_EQ(test, irq->vector, 0x41);
			KUNIT_EXPECT_EQ(test, irq->device_id, 7);
			KUNIT_EXPECT_EQ(test, irq->flags, MK_IRQ_LOW_LATENCY);
			break;
		case MK_RES_CPU_ADD:
			KUNIT_EXPECT_EQ(test, g->type, MK_MSG_RESOURCE);
			KUNIT_EXPECT_EQ(test, cpu->cpu_id, 3);
			KUNIT_EXPECT_EQ(test, cpu->numa_node, 1);
			KUNIT_EXPECT_EQ(test, cpu->flags, MK_CPU_HYPERTHREAD);
			break;
		case MK_RES_CPU_REMOVE:
			KUNIT_EXPECT_EQ(test, g->type, MK_MSG_RESOURCE);
			KUNIT_EXPECT_EQ(test, cpu->cpu_id, 3);
			break;
		case MK_RES_MEM_ADD:
			KUNIT_EXPECT_EQ(test, g->type, MK_MSG_RESOURCE);
			KUNIT_EXPECT_EQ(test, mem->start_pfn, 0x12345);
			KUNIT_EXPECT_EQ(test, mem->nr_pages, 512);
			KUNIT_EXPECT_EQ(test, mem->mem_type, MK_MEM_DMA32);
			break;
		case MK_RES_MEM_REMOVE:
			KUNIT_EXPECT_EQ(test, g->type, MK_MSG_RESOURCE);
			KUNIT_EXPECT_EQ(test, mem->nr_pages, 512);
			break;
		default:
			KUNIT_FAIL(test, "unexpected subtype %#x", g->subtype);
		}
	}
	/* Each sender's message exactly once. */
	KUNIT_EXPECT_EQ(test, hweight32(seen), 5);
	KUNIT_EXPECT_EQ(test, mk_unregister_msg_handler(MK_MSG_IO, record), 0);
	KUNIT_EXPECT_EQ(test, mk_unregister_msg_handler(MK_MSG_RESOURCE, record), 0);
	KUNIT_EXPECT_EQ(test, mk_unregister_msg_handler(MK_MSG_IO, record), -ENOENT);
}

static u32 big_len;
static bool big_ok;

static void check_big(u32 type, u32 subtype, void *payload, u32 len, void *ctx)
{
	u32 i;

	big_ok = len == big_len;
	for (i = 0; big_ok && i < len; i++)
		big_ok = ((u8 *)payload)[i] == (u8)(i * 7);
	WRITE_ONCE(big_len, 0);
	wake_up(&rec.wq);
}

static void large_payloads_and_errors(struct kunit *test)
{
	struct msg_test *t = test->priv;
	u32 len = SZ_64K - 64, i;
	u8 *buf = kunit_kmalloc(test, SZ_128K, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 0; i < SZ_128K; i++)
		buf[i] = i * 7;
	KUNIT_ASSERT_EQ(test, mk_register_msg_handler(MK_MSG_USER, check_big, NULL), 0);
	big_len = len;
	KUNIT_EXPECT_EQ(test, mk_send_message(t->to_b, MK_MSG_USER, 0, buf, len), 0);
	KUNIT_EXPECT_TRUE(test, wait_event_timeout(rec.wq, !READ_ONCE(big_len), 5 * HZ));
	KUNIT_EXPECT_TRUE(test, big_ok);
	KUNIT_EXPECT_EQ(test, mk_send_message(t->to_b, MK_MSG_USER, 0, buf, SZ_128K),
			-EMSGSIZE);
	KUNIT_EXPECT_EQ(test, mk_send_message(4242, MK_MSG_USER, 0, buf, 4), -ENODEV);
	KUNIT_EXPECT_EQ(test, mk_send_message(t->to_b, MK_MSG_USER, 0, NULL, 4), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_unregister_msg_handler(MK_MSG_USER, check_big), 0);
}

/*
 * A channel whose directions carry different maxima: each end receives the
 * largest message its peer may send, not only its own MTU.
 */
static void asymmetric_channel_full_size(struct kunit *test)
{
	static const struct mk_chan_geometry g = {
		.num = 256, .data_size = SZ_1M,
		.max_msg = SZ_64K + SZ_4K, .max_msg_back = SZ_128K + SZ_4K,
	};
	struct msg_test *t = test->priv;
	u32 len = SZ_128K - 64, i;
	u8 *buf = kunit_kmalloc(test, len, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 0; i < len; i++)
		buf[i] = i * 7;
	mk_loopback_destroy(t->lo);
	t->lo = NULL;
	msg_open(test, t, &g);
	KUNIT_ASSERT_EQ(test, mk_register_msg_handler(MK_MSG_USER, check_big, NULL), 0);
	/* End b (side 1) may send 128 KiB; end a receives all of it. */
	big_len = len;
	KUNIT_EXPECT_EQ(test, mk_send_message(t->to_a, MK_MSG_USER, 0, buf, len), 0);
	KUNIT_EXPECT_TRUE_MSG(test, wait_event_timeout(rec.wq, !READ_ONCE(big_len), 5 * HZ),
			      "a 128 KiB message from end b never arrived");
	KUNIT_EXPECT_TRUE(test, big_ok);
	/* End a (side 0) may not. */
	KUNIT_EXPECT_EQ(test, mk_send_message(t->to_b, MK_MSG_USER, 0, buf, len),
			-EMSGSIZE);
	big_len = SZ_64K - 64;
	KUNIT_EXPECT_EQ(test, mk_send_message(t->to_b, MK_MSG_USER, 0, buf, big_len), 0);
	KUNIT_EXPECT_TRUE(test, wait_event_timeout(rec.wq, !READ_ONCE(big_len), 5 * HZ));
	KUNIT_EXPECT_TRUE(test, big_ok);
	KUNIT_EXPECT_EQ(test, mk_unregister_msg_handler(MK_MSG_USER, check_big), 0);
}

static void request_response(struct kunit *test)
{
	struct msg_test *t = test->priv;
	u8 req[5] = { 1, 2, 3, 4, 5 }, resp[8] = {};
	u32 n = sizeof(resp);

	KUNIT_ASSERT_EQ(test, mk_register_req_handler(MK_MSG_USER + 1, echo, NULL), 0);
	KUNIT_EXPECT_EQ(test, mk_register_req_handler(MK_MSG_USER + 1, echo, NULL), -EEXIST);
	KUNIT_EXPECT_EQ(test, mk_msg_call(t->to_b, MK_MSG_USER + 1, 0, req, 5, resp, &n,
					  5 * HZ), 0);
	KUNIT_EXPECT_EQ(test, n, 5);
	KUNIT_EXPECT_EQ(test, resp[0], 5);
	KUNIT_EXPECT_EQ(test, resp[4], 1);
	/* An error status travels back. */
	n = sizeof(resp);
	KUNIT_EXPECT_EQ(test, mk_msg_call(t->to_a, MK_MSG_USER + 1, 1, req, 5, resp, &n, 5 * HZ),
			-EIO);
	/* No reply: the caller times out, nothing else happens. */
	n = sizeof(resp);
	KUNIT_EXPECT_EQ(test, mk_msg_call(t->to_b, MK_MSG_USER + 1, 2, req, 5, resp, &n, HZ / 2),
			-ETIMEDOUT);
	/* A response that does not fit the caller's buffer. */
	n = 2;
	KUNIT_EXPECT_EQ(test, mk_msg_call(t->to_b, MK_MSG_USER + 1, 0, req, 5, resp, &n, 5 * HZ),
			-EMSGSIZE);
	/* Nobody answers this type. */
	n = sizeof(resp);
	KUNIT_EXPECT_EQ(test, mk_msg_call(t->to_b, MK_MSG_USER + 2, 0, req, 5, resp, &n, 5 * HZ),
			-EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, mk_unregister_req_handler(MK_MSG_USER + 1, echo), 0);
}

/* Claims a response of 64 bytes and writes none of it. */
static int overstate(u32 type, u32 subtype, void *req, u32 len, void *resp,
		     u32 *resp_len, void *ctx)
{
	*resp_len = min_t(u32, *resp_len, 64);
	return 0;
}

/*
 * The response buffer is reused for every request on a channel: a
 * handler that overstates its length must send zeros, never what an
 * earlier response (or the heap) left there.
 */
static void overstated_response_sends_no_stale_memory(struct kunit *test)
{
	struct msg_test *t = test->priv;
	u8 req[64], resp[64];
	u32 n = sizeof(resp);
	int i, stale = 0;

	memset(req, 0xa5, sizeof(req));
	KUNIT_ASSERT_EQ(test, mk_register_req_handler(MK_MSG_USER + 11, echo, NULL), 0);
	KUNIT_EXPECT_EQ(test, mk_msg_call(t->to_b, MK_MSG_USER + 11, 0, req, sizeof(req),
					  resp, &n, 5 * HZ), 0);
	KUNIT_EXPECT_EQ(test, mk_unregister_req_handler(MK_MSG_USER + 11, echo), 0);
	KUNIT_ASSERT_EQ(test, mk_register_req_handler(MK_MSG_USER + 11, overstate, NULL), 0);
	n = sizeof(resp);
	memset(resp, 0xff, sizeof(resp));
	KUNIT_EXPECT_EQ(test, mk_msg_call(t->to_b, MK_MSG_USER + 11, 0, NULL, 0, resp, &n,
					  5 * HZ), 0);
	KUNIT_EXPECT_EQ(test, n, 64);
	for (i = 0; i < n && i < sizeof(resp); i++)
		stale += resp[i] != 0;
	KUNIT_EXPECT_EQ(test, stale, 0);
	KUNIT_EXPECT_EQ(test, mk_unregister_req_handler(MK_MSG_USER + 11, overstate), 0);
}

static atomic_t churn_calls, churn_running;

static void churn_handler(u32 type, u32 subtype, void *payload, u32 len, void *ctx)
{
	atomic_inc(&churn_running);
	atomic_inc(&churn_calls);
	usleep_range(20, 40);
	atomic_dec(&churn_running);
}

struct flood {
	int instance;
	int sent;
	struct completion done;
};

static int flood_fn(void *arg)
{
	struct flood *f = arg;
	int i;

	for (i = 0; i < 3000; i++)
		if (!mk_send_message(f->instance, MK_MSG_USER + 3, i, &i, sizeof(i)))
			f->sent++;
	complete(&f->done);
	return 0;
}

static void unregister_while_messages_arrive(struct kunit *test)
{
	struct msg_test *t = test->priv;
	struct flood *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	struct task_struct *tsk;
	int cycles = 0, snap;

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->instance = t->to_b;
	init_completion(&f->done);
	tsk = kthread_run(flood_fn, f, "mk_msg_flood");
	KUNIT_ASSERT_FALSE(test, IS_ERR(tsk));
	while (!completion_done(&f->done)) {
		KUNIT_ASSERT_EQ(test, mk_register_msg_handler(MK_MSG_USER + 3, churn_handler,
							      NULL), 0);
		usleep_range(200, 400);
		KUNIT_ASSERT_EQ(test, mk_unregister_msg_handler(MK_MSG_USER + 3,
								churn_handler), 0);
		/* Returned: not running, and never again. */
		KUNIT_EXPECT_EQ(test, atomic_read(&churn_running), 0);
		snap = atomic_read(&churn_calls);
		usleep_range(200, 400);
		KUNIT_EXPECT_EQ(test, atomic_read(&churn_calls), snap);
		cycles++;
	}
	wait_for_completion(&f->done);
	KUNIT_EXPECT_EQ(test, f->sent, 3000);
	kunit_info(test, "%d cycles, %d handler calls\n", cycles, atomic_read(&churn_calls));
}

static DECLARE_COMPLETION(stall_release);

/* Holds the receiving kernel's thread: it stays alive but takes nothing. */
static void stall(u32 type, u32 subtype, void *payload, u32 len, void *ctx)
{
	wait_for_completion_timeout(&stall_release, 60 * HZ);
}

/*
 * A peer that heartbeats but stops draining: a kernel-internal sender
 * fails with -ETIMEDOUT after send_timeout_ms (10 s) instead of waiting
 * for ever in a kworker.
 */
static void stuck_peer_send_times_out(struct kunit *test)
{
	struct msg_test *t = test->priv;
	static u8 big[SZ_32K];
	unsigned long start;
	int i, ret = 0;

	reinit_completion(&stall_release);
	KUNIT_ASSERT_EQ(test, mk_register_msg_handler(MK_MSG_USER + 9, stall, NULL), 0);
	KUNIT_EXPECT_EQ(test, mk_send_message(t->to_b, MK_MSG_USER + 9, 0, big, 1), 0);
	start = jiffies;
	for (i = 0; i < 1000 && !ret; i++)
		ret = mk_send_message(t->to_b, MK_MSG_USER + 10, 0, big, sizeof(big));
	kunit_info(test, "%d messages taken, then %d after %u ms\n", i - 1, ret,
		   jiffies_to_msecs(jiffies - start));
	KUNIT_EXPECT_EQ(test, ret, -ETIMEDOUT);
	/* The window is what bounds it: a few messages, not the whole ring. */
	KUNIT_EXPECT_LT(test, i, 64);
	complete_all(&stall_release);
	KUNIT_EXPECT_EQ(test, mk_unregister_msg_handler(MK_MSG_USER + 9, stall), 0);
	/* Drained, the link carries messages again. */
	KUNIT_EXPECT_EQ(test, mk_send_message(t->to_b, MK_MSG_USER + 10, 0, big, 16), 0);
}

static struct mk_ipi_data ipi_got;
static int ipi_n;

static void ipi_cb(struct mk_ipi_data *data, void *ctx)
{
	ipi_got = *data;
	WRITE_ONCE(ipi_n, ipi_n + 1);
	wake_up(&rec.wq);
}

/* The first page of the pool that end a's peer may (@owned) or may not name. */
static phys_addr_t lo_pool_page(struct msg_test *t, bool owned)
{
	struct mk_pool *pool = mk_global_pool();
	phys_addr_t pa;

	for (pa = mk_pool_base(pool); pa < mk_pool_base(pool) + mk_pool_size(pool);
	     pa += PAGE_SIZE)
		if (mk_link_peer_owns(mk_loopback_end(t->lo, 0), pa, PAGE_SIZE) == owned)
			return pa;
	return 0;
}

static void seed_ipi_api(struct kunit *test)
{
	struct msg_test *t = test->priv;
	struct mk_ipi_handler *h, bogus = {};
	char data[MK_MAX_DATA_SIZE + 1];
	unsigned long pfn;
	void *page;

	memset(data, 'x', sizeof(data));
	WRITE_ONCE(ipi_n, 0);
	h = multikernel_register_handler(ipi_cb, NULL, 42);
	KUNIT_ASSERT_NOT_NULL(test, h);
	KUNIT_EXPECT_NULL(test, multikernel_register_handler(NULL, NULL, 42));
	KUNIT_EXPECT_EQ(test, multikernel_send_ipi_data(t->to_b, data, 100, 42), 0);
	KUNIT_EXPECT_TRUE(test, wait_event_timeout(rec.wq, READ_ONCE(ipi_n) == 1, 5 * HZ));
	KUNIT_EXPECT_EQ(test, ipi_got.type, 42);
	KUNIT_EXPECT_EQ(test, ipi_got.data_size, 100);
	KUNIT_EXPECT_EQ(test, ipi_got.buffer[99], 'x');
	KUNIT_EXPECT_EQ(test, multikernel_send_ipi_data(t->to_b, data, sizeof(data), 42),
			-EMSGSIZE);
	/* Another type: not this callback's. */
	KUNIT_EXPECT_EQ(test, multikernel_send_ipi_data(t->to_b, data, 10, 43), 0);

	/*
	 * A frame of the sender's pool maps; one of the global pool outside
	 * it (another instance's) does not, nor one of this kernel's memory.
	 */
	pfn = PHYS_PFN(lo_pool_page(t, true));
	KUNIT_EXPECT_NE(test, pfn, 0);
	multikernel_unregister_handler(h);
	h = multikernel_register_handler(ipi_cb, NULL, MK_PFN_IPI_TYPE);
	KUNIT_ASSERT_NOT_NULL(test, h);
	WRITE_ONCE(ipi_n, 0);
	KUNIT_EXPECT_EQ(test, mk_send_pfn(t->to_a, pfn), 0);
	KUNIT_EXPECT_TRUE(test, wait_event_timeout(rec.wq, READ_ONCE(ipi_n) >= 1, 5 * HZ));
	KUNIT_EXPECT_EQ(test, mk_receive_pfn(&ipi_got, &pfn), 0);
	page = mk_receive_map_page(&ipi_got);
	KUNIT_EXPECT_NOT_NULL(test, page);
	if (page)
		mk_receive_unmap_page(page);
	pfn = PHYS_PFN(lo_pool_page(t, false));
	KUNIT_EXPECT_NE(test, pfn, 0);
	memcpy(ipi_got.buffer, &pfn, sizeof(pfn));
	KUNIT_EXPECT_NULL(test, mk_receive_map_page(&ipi_got));
	pfn = PHYS_PFN(virt_to_phys(data));
	memcpy(ipi_got.buffer, &pfn, sizeof(pfn));
	KUNIT_EXPECT_NULL(test, mk_receive_map_page(&ipi_got));
	ipi_got.type = 42;
	KUNIT_EXPECT_EQ(test, mk_receive_pfn(&ipi_got, &pfn), -EINVAL);
	multikernel_unregister_handler(h);
	/* A handler that is not registered is refused, and nothing freed. */
	multikernel_unregister_handler(&bogus);
}

static struct kunit_case mk_msg_cases[] = {
	KUNIT_CASE(convenience_senders),
	KUNIT_CASE(large_payloads_and_errors),
	KUNIT_CASE(asymmetric_channel_full_size),
	KUNIT_CASE(request_response),
	KUNIT_CASE(overstated_response_sends_no_stale_memory),
	KUNIT_CASE_SLOW(unregister_while_messages_arrive),
	KUNIT_CASE(seed_ipi_api),
	KUNIT_CASE_SLOW(stuck_peer_send_times_out),
	{}
};

static struct kunit_suite mk_msg_suite = {
	.name = "mk_messages",
	.init = msg_init,
	.exit = msg_exit,
	.test_cases = mk_msg_cases,
};

kunit_test_suite(mk_msg_suite);

MODULE_DESCRIPTION("KUnit tests of the multikernel typed messages");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
