// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the multikernel memory pool.
 *
 * A pool only does arithmetic on physical addresses, so most tests run on
 * made-up ranges that no memory backs; the instance-pool tests use the
 * global pool that mkkernel_pool= reserved (the VM runner passes it).
 */

#include <kunit/test.h>
#include <linux/sizes.h>
#include <linux/multikernel/pool.h>

/* Far above any RAM of the test VM, and deliberately not 1 MiB aligned. */
#define FAKE_BASE	0x7f0000003000ULL

static struct mk_pool *make_pool(struct kunit *test, size_t size,
				 unsigned int order)
{
	struct mk_pool *pool = mk_pool_create("kunit", FAKE_BASE, size, order);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pool);
	return pool;
}

static void parse_valid(struct kunit *test)
{
	static const struct {
		const char *str;
		u64 size, addr;
		bool fixed;
	} cases[] = {
		{ "64M", SZ_64M, 0, false },
		{ "64m@0x40000000", SZ_64M, 0x40000000, true },
		{ "4096", SZ_4K, 0, false },
		{ "4k@1G", SZ_4K, SZ_1G, true },
		{ "1G@4G", SZ_1G, 4ULL << 30, true },
		{ "0x200000", SZ_2M, 0, false },
		{ "2T", 2ULL << 40, 0, false },
	};
	struct mk_pool_param p;
	const char *why;
	int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		KUNIT_EXPECT_EQ_MSG(test, mk_pool_parse_param(cases[i].str, &p, &why), 0,
				    "%s", cases[i].str);
		KUNIT_EXPECT_EQ_MSG(test, p.size, cases[i].size, "%s", cases[i].str);
		KUNIT_EXPECT_EQ_MSG(test, p.fixed, cases[i].fixed, "%s", cases[i].str);
		if (cases[i].fixed)
			KUNIT_EXPECT_EQ_MSG(test, p.addr, cases[i].addr, "%s", cases[i].str);
	}
}

static void parse_invalid(struct kunit *test)
{
	static const struct {
		const char *str;
		int err;
	} cases[] = {
		{ "", -EINVAL },
		{ "0", -EINVAL },
		{ "0@1G", -EINVAL },
		{ "M", -EINVAL },
		{ "abc", -EINVAL },
		{ "64Q", -EINVAL },
		{ "64M@", -EINVAL },
		{ "@0x1000", -EINVAL },
		{ "64M@0x1001", -EINVAL },
		{ "64M@1G@2G", -EINVAL },
		{ "64M 1G", -EINVAL },
		{ "-64M", -EINVAL },
		{ "100", -EINVAL },
		{ "99999999999999999999999", -ERANGE },
		{ "16777216T", -ERANGE },
		{ "8T@0xfffffffffff00000", -ERANGE },
	};
	struct mk_pool_param p = { .size = 1234 };
	const char *why;
	int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		KUNIT_EXPECT_EQ_MSG(test, mk_pool_parse_param(cases[i].str, &p, &why),
				    cases[i].err, "'%s'", cases[i].str);
		KUNIT_EXPECT_NOT_NULL_MSG(test, why, "'%s' has no reason", cases[i].str);
	}
	KUNIT_EXPECT_EQ(test, mk_pool_parse_param(NULL, &p, &why), -EINVAL);
	/* A rejected value leaves the result alone. */
	KUNIT_EXPECT_EQ(test, p.size, 1234);
}

static void create_bad_args(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, PTR_ERR(mk_pool_create(NULL, FAKE_BASE, SZ_1M, 12)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(mk_pool_create("k", 0, SZ_1M, 12)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(mk_pool_create("k", FAKE_BASE, 0, 12)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(mk_pool_create("k", FAKE_BASE, SZ_1M, 31)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(mk_pool_create("k", FAKE_BASE + 8, SZ_1M, 12)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(mk_pool_create("k", FAKE_BASE, SZ_1M + 8, 12)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(mk_pool_create("k", (phys_addr_t)-SZ_4K, SZ_1M, 12)),
			-EINVAL);
}

static void pool_contains_range(struct kunit *test)
{
	struct mk_pool *pool = make_pool(test, SZ_1M, 12);

	KUNIT_EXPECT_TRUE(test, mk_pool_contains(pool, FAKE_BASE, SZ_1M));
	KUNIT_EXPECT_TRUE(test, mk_pool_contains(pool, FAKE_BASE + SZ_4K, SZ_1M - SZ_4K));
	KUNIT_EXPECT_TRUE(test, mk_pool_contains(pool, FAKE_BASE + SZ_1M - 1, 1));
	KUNIT_EXPECT_FALSE(test, mk_pool_contains(pool, FAKE_BASE - 1, 1));
	KUNIT_EXPECT_FALSE(test, mk_pool_contains(pool, FAKE_BASE - 1, SZ_4K));
	KUNIT_EXPECT_FALSE(test, mk_pool_contains(pool, FAKE_BASE, SZ_1M + 1));
	KUNIT_EXPECT_FALSE(test, mk_pool_contains(pool, FAKE_BASE + SZ_1M, 1));
	KUNIT_EXPECT_FALSE(test, mk_pool_contains(pool, FAKE_BASE + SZ_4K, SZ_1M));
	/* A range whose end would wrap around is not inside. */
	KUNIT_EXPECT_FALSE(test, mk_pool_contains(pool, FAKE_BASE + SZ_4K, U64_MAX));
	KUNIT_EXPECT_FALSE(test, mk_pool_contains(pool, (phys_addr_t)-SZ_4K, SZ_8K));
	KUNIT_EXPECT_FALSE(test, mk_pool_contains(NULL, FAKE_BASE, 1));
	KUNIT_EXPECT_EQ(test, mk_pool_destroy(pool), 0);
}

static void alloc_bad_args(struct kunit *test)
{
	struct mk_pool *pool = make_pool(test, SZ_1M, 12);
	phys_addr_t a = 42;

	KUNIT_EXPECT_EQ(test, mk_pool_alloc(pool, 0, 0, &a), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_pool_alloc(pool, SZ_4K, 3, &a), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_pool_alloc(pool, SZ_4K, SZ_4K + 1, &a), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_pool_alloc(pool, SZ_1M + 1, 0, &a), -ENOMEM);
	KUNIT_EXPECT_EQ(test, mk_pool_alloc(pool, SIZE_MAX, 0, &a), -ENOMEM);
	KUNIT_EXPECT_EQ(test, a, 42);
	KUNIT_EXPECT_EQ(test, mk_pool_avail(pool), SZ_1M);
	KUNIT_EXPECT_EQ(test, mk_pool_destroy(pool), 0);
}

static void exhaustion(struct kunit *test)
{
	struct mk_pool *pool = make_pool(test, SZ_1M, 12);
	const int n = SZ_1M / SZ_4K;
	phys_addr_t *a, extra;
	int i;

	a = kunit_kcalloc(test, n, sizeof(*a), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);

	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_EQ(test, mk_pool_alloc(pool, 100, 0, &a[i]), 0);
		KUNIT_EXPECT_GE(test, a[i], FAKE_BASE);
		KUNIT_EXPECT_LT(test, a[i], FAKE_BASE + SZ_1M);
	}
	KUNIT_EXPECT_EQ(test, mk_pool_avail(pool), 0);
	KUNIT_EXPECT_EQ(test, mk_pool_nr_allocs(pool), n);
	KUNIT_EXPECT_EQ(test, mk_pool_alloc(pool, 1, 0, &extra), -ENOMEM);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, mk_pool_free(pool, a[i], 100), 0);
	KUNIT_EXPECT_EQ(test, mk_pool_avail(pool), SZ_1M);
	KUNIT_EXPECT_EQ(test, mk_pool_nr_allocs(pool), 0);
	KUNIT_EXPECT_EQ(test, mk_pool_destroy(pool), 0);
}

static void alignment(struct kunit *test)
{
	struct mk_pool *pool = make_pool(test, SZ_4M, 6);
	phys_addr_t pad, a;
	size_t align;

	/* Knock the first free byte off every alignment boundary. */
	KUNIT_ASSERT_EQ(test, mk_pool_alloc(pool, 64, 0, &pad), 0);
	for (align = 64; align <= SZ_1M; align <<= 1) {
		KUNIT_ASSERT_EQ(test, mk_pool_alloc(pool, 64, align, &a), 0);
		KUNIT_EXPECT_TRUE_MSG(test, IS_ALIGNED(a, align),
				      "%pa not aligned to %zu", &a, align);
		KUNIT_EXPECT_EQ(test, mk_pool_free(pool, a, 64), 0);
	}
	/* An alignment no range of the pool has cannot be met. */
	KUNIT_EXPECT_EQ(test, mk_pool_alloc(pool, 64, SZ_1G, &a), -ENOMEM);
	KUNIT_EXPECT_EQ(test, mk_pool_free(pool, pad, 64), 0);
	KUNIT_EXPECT_EQ(test, mk_pool_destroy(pool), 0);
}

static void fragmentation_and_coalescing(struct kunit *test)
{
	struct mk_pool *pool = make_pool(test, SZ_256K, 12);
	phys_addr_t a[SZ_256K / SZ_4K], big;
	int i;

	for (i = 0; i < ARRAY_SIZE(a); i++)
		KUNIT_ASSERT_EQ(test, mk_pool_alloc(pool, SZ_4K, 0, &a[i]), 0);
	for (i = 0; i < ARRAY_SIZE(a); i += 2)
		KUNIT_EXPECT_EQ(test, mk_pool_free(pool, a[i], SZ_4K), 0);

	/* Half the pool is free, but no two free pages touch. */
	KUNIT_EXPECT_EQ(test, mk_pool_avail(pool), SZ_128K);
	KUNIT_EXPECT_EQ(test, mk_pool_alloc(pool, SZ_8K, 0, &big), -ENOMEM);

	for (i = 1; i < ARRAY_SIZE(a); i += 2)
		KUNIT_EXPECT_EQ(test, mk_pool_free(pool, a[i], SZ_4K), 0);

	/* Freed neighbours coalesce back into one range. */
	KUNIT_EXPECT_EQ(test, mk_pool_alloc(pool, SZ_256K, 0, &big), 0);
	KUNIT_EXPECT_EQ(test, big, FAKE_BASE);
	KUNIT_EXPECT_EQ(test, mk_pool_free(pool, big, SZ_256K), 0);
	KUNIT_EXPECT_EQ(test, mk_pool_destroy(pool), 0);
}

static void bad_free(struct kunit *test)
{
	struct mk_pool *pool = make_pool(test, SZ_1M, 12);
	phys_addr_t a, b;

	KUNIT_ASSERT_EQ(test, mk_pool_alloc(pool, SZ_8K, 0, &a), 0);
	KUNIT_ASSERT_EQ(test, mk_pool_alloc(pool, SZ_4K, 0, &b), 0);
	/* Not an allocation, a wrong size, an inner address, outside. */
	KUNIT_EXPECT_EQ(test, mk_pool_free(pool, b + SZ_64K, SZ_4K), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_pool_free(pool, a, SZ_4K), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_pool_free(pool, a, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_pool_free(pool, a + SZ_4K, SZ_4K), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_pool_free(pool, a + 1, SZ_8K), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_pool_free(pool, FAKE_BASE - SZ_4K, SZ_4K), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_pool_free(pool, FAKE_BASE + SZ_1M, SZ_4K), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_pool_avail(pool), SZ_1M - SZ_8K - SZ_4K);

	KUNIT_EXPECT_EQ(test, mk_pool_free(pool, a, SZ_8K), 0);
	/* A double free must not release a range someone else owns now. */
	KUNIT_EXPECT_EQ(test, mk_pool_free(pool, a, SZ_8K), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_pool_avail(pool), SZ_1M - SZ_4K);
	KUNIT_EXPECT_EQ(test, mk_pool_free(pool, b, SZ_4K), 0);
	KUNIT_EXPECT_EQ(test, mk_pool_destroy(pool), 0);
}

static void destroy_with_allocations(struct kunit *test)
{
	struct mk_pool *pool = make_pool(test, SZ_1M, 12);
	phys_addr_t a, b;

	KUNIT_ASSERT_EQ(test, mk_pool_alloc(pool, SZ_64K, 0, &a), 0);
	KUNIT_EXPECT_EQ(test, mk_pool_destroy(pool), -EBUSY);
	/* Refused destroy leaves the pool whole and usable. */
	KUNIT_EXPECT_EQ(test, mk_pool_avail(pool), SZ_1M - SZ_64K);
	KUNIT_ASSERT_EQ(test, mk_pool_alloc(pool, SZ_64K, 0, &b), 0);
	KUNIT_EXPECT_NE(test, a, b);
	KUNIT_EXPECT_EQ(test, mk_pool_free(pool, a, SZ_64K), 0);
	KUNIT_EXPECT_EQ(test, mk_pool_destroy(pool), -EBUSY);
	KUNIT_EXPECT_EQ(test, mk_pool_free(pool, b, SZ_64K), 0);
	KUNIT_EXPECT_EQ(test, mk_pool_destroy(pool), 0);
}

static void instance_pools(struct kunit *test)
{
	struct mk_pool *global = mk_global_pool();
	struct mk_pool *one, *two;
	size_t before;
	phys_addr_t a;

	if (!global)
		kunit_skip(test, "booted without mkkernel_pool=");
	before = mk_pool_avail(global);

	KUNIT_EXPECT_EQ(test, PTR_ERR(mk_instance_pool_create(-1, SZ_1M, 12)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(mk_instance_pool_create(9001, 0, 12)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(mk_instance_pool_create(9001, SZ_1M, 31)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(mk_instance_pool_create(9001, before + SZ_4K, 12)),
			-ENOMEM);

	one = mk_instance_pool_create(9001, SZ_1M - 100, 12);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, one);
	KUNIT_EXPECT_EQ(test, mk_pool_size(one), SZ_1M);
	KUNIT_EXPECT_EQ(test, mk_pool_avail(global), before - SZ_1M);
	KUNIT_EXPECT_GE(test, mk_pool_base(one), mk_pool_base(global));
	KUNIT_EXPECT_EQ(test, PTR_ERR(mk_instance_pool_create(9001, SZ_1M, 12)), -EEXIST);

	two = mk_instance_pool_create(9002, SZ_2M, 16);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, two);
	KUNIT_EXPECT_TRUE(test, mk_pool_base(two) >= mk_pool_base(one) + SZ_1M ||
			  mk_pool_base(two) + SZ_2M <= mk_pool_base(one));

	KUNIT_ASSERT_EQ(test, mk_pool_alloc(one, SZ_4K, 0, &a), 0);
	KUNIT_EXPECT_EQ(test, mk_instance_pool_destroy(one), -EBUSY);
	KUNIT_EXPECT_EQ(test, mk_pool_free(one, a, SZ_4K), 0);
	KUNIT_EXPECT_EQ(test, mk_instance_pool_destroy(one), 0);
	KUNIT_EXPECT_EQ(test, mk_instance_pool_destroy(two), 0);
	KUNIT_EXPECT_EQ(test, mk_instance_pool_destroy(global), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_pool_avail(global), before);
}

static void instance_pool_cycles(struct kunit *test)
{
	struct mk_pool *global = mk_global_pool();
	struct mk_pool *p;
	size_t before;
	int i;

	if (!global)
		kunit_skip(test, "booted without mkkernel_pool=");
	before = mk_pool_avail(global);
	for (i = 0; i < 200; i++) {
		p = mk_instance_pool_create(9100 + i % 3, SZ_64K << (i % 4), 12);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
		KUNIT_ASSERT_EQ(test, mk_instance_pool_destroy(p), 0);
	}
	KUNIT_EXPECT_EQ(test, mk_pool_avail(global), before);
}

static struct kunit_case mk_pool_cases[] = {
	KUNIT_CASE(parse_valid),
	KUNIT_CASE(parse_invalid),
	KUNIT_CASE(create_bad_args),
	KUNIT_CASE(pool_contains_range),
	KUNIT_CASE(alloc_bad_args),
	KUNIT_CASE(exhaustion),
	KUNIT_CASE(alignment),
	KUNIT_CASE(fragmentation_and_coalescing),
	KUNIT_CASE(bad_free),
	KUNIT_CASE(destroy_with_allocations),
	KUNIT_CASE(instance_pools),
	KUNIT_CASE(instance_pool_cycles),
	{}
};

static struct kunit_suite mk_pool_suite = {
	.name = "mk_pool",
	.test_cases = mk_pool_cases,
};

kunit_test_suite(mk_pool_suite);

MODULE_DESCRIPTION("KUnit tests of the multikernel memory pool");
MODULE_LICENSE("GPL");
