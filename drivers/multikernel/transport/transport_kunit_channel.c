// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the multikernel transport: the parsers of where an
 * instance's channel is (mk_channel=, the device tree) and the validation
 * of a channel region before a link end opens it.
 */

#include <linux/libfdt.h>
#include <linux/sizes.h>
#include <linux/vmalloc.h>
#include <linux/multikernel/channel.h>

#include "transport_kunit.h"

/**
 * parse_param() - mk_channel= values: the forms accepted, and bad ones refused
 * @test: the test
 */
void parse_param(struct kunit *test)
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

/**
 * parse_fdt() - the multikernel,channel device-tree node, good and bad
 * @test: the test
 */
void parse_fdt(struct kunit *test)
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

/**
 * region_validation() - regions mk_link_open() must refuse, and one it takes
 * @test: the test
 */
void region_validation(struct kunit *test)
{
	u64 size = mk_chan_region_size(&mk_kunit_geo);
	struct mk_chan_geometry g = mk_kunit_geo;
	struct mk_chan_hdr *h;
	struct mk_link *link;
	void *region;

	region = vzalloc(size);
	KUNIT_ASSERT_NOT_NULL(test, region);
	h = region;

	g.num = 3;
	KUNIT_EXPECT_EQ(test, mk_chan_format(region, size, &g), -EINVAL);
	g = mk_kunit_geo;
	g.max_msg = SZ_32K;
	KUNIT_EXPECT_EQ(test, mk_chan_format(region, size, &g), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_chan_format(region, size - PAGE_SIZE, &mk_kunit_geo), -EINVAL);

	/* Unformatted. */
	link = mk_link_open("kunit", region, size, 1, 0, NULL, NULL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(link), -ENODEV);

	KUNIT_ASSERT_EQ(test, mk_chan_format(region, size, &mk_kunit_geo), 0);
	h->version = cpu_to_le32(2);
	KUNIT_EXPECT_EQ(test, PTR_ERR(mk_link_open("kunit", region, size, 1, 0, NULL, NULL)),
			-EPROTONOSUPPORT);

	KUNIT_ASSERT_EQ(test, mk_chan_format(region, size, &mk_kunit_geo), 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR(mk_link_open("kunit", region, size - PAGE_SIZE, 1,
						   0, NULL, NULL)), -EINVAL);

	/* Direction 1's payload on top of direction 0's. */
	h->dir[1].data_off = h->dir[0].data_off;
	KUNIT_EXPECT_EQ(test, PTR_ERR(mk_link_open("kunit", region, size, 1, 0, NULL, NULL)),
			-EINVAL);

	KUNIT_ASSERT_EQ(test, mk_chan_format(region, size, &mk_kunit_geo), 0);
	h->dir[0].desc_off = cpu_to_le64(size);
	KUNIT_EXPECT_EQ(test, PTR_ERR(mk_link_open("kunit", region, size, 1, 0, NULL, NULL)),
			-EINVAL);

	KUNIT_ASSERT_EQ(test, mk_chan_format(region, size, &mk_kunit_geo), 0);
	h->dir[0].num = cpu_to_le32(MK_CHAN_MAX_NUM * 2);
	KUNIT_EXPECT_EQ(test, PTR_ERR(mk_link_open("kunit", region, size, 1, 0, NULL, NULL)),
			-EINVAL);

	KUNIT_ASSERT_EQ(test, mk_chan_format(region, size, &mk_kunit_geo), 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR(mk_link_open("kunit", region, size, 2, 0, NULL, NULL)),
			-EINVAL);
	link = mk_link_open("kunit", region, size, 1, 0, NULL, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, link);
	KUNIT_EXPECT_FALSE(test, mk_link_is_up(link));
	KUNIT_EXPECT_EQ(test, mk_link_trysend(link, "x", 1, 0), -ENOTCONN);
	mk_link_close(link);
	vfree(region);
}
