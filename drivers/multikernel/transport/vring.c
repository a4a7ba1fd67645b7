// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vring engine of the multikernel transport (see vring.h): the layout
 * of a direction in the region and its validation. The sender is in
 * vring_tx.c, the receiver in vring_rx.c.
 *
 * Protocol, on top of the virtio 1.x split ring with event index:
 *  - one message is one descriptor (flags 0) pointing into the sender's
 *    payload area by region offset; the sender hands out payload memory
 *    with a circular allocator, so every buffer is contiguous;
 *  - ring slot i always holds descriptor i, and the receiver consumes in
 *    order: avail and used entries must name the expected slot, which turns
 *    most corruption into a detectable error instead of a bad free;
 *  - the sender rings the receiver only when vring_need_event() says the
 *    receiver asked for it (the receiver writes avail_event just before it
 *    sleeps), and the receiver signals completions only when the sender
 *    armed used_event because it waits for room.
 */

#include "vring_internal.h"
#include <linux/multikernel/channel.h>

/* The largest max_msg whose size rounded up to MKV_DATA_ALIGN fits a u32. */
#define MKV_MAX_MSG	((u32)-MKV_DATA_ALIGN)

/**
 * mkv_desc_bytes() - size of a descriptor table
 * @num: ring entries
 *
 * Return: bytes.
 */
u64 mkv_desc_bytes(u32 num)
{
	return 16ULL * num;
}

/**
 * mkv_avail_bytes() - size of an avail ring, with its used_event field
 * @num: ring entries
 *
 * Return: bytes.
 */
u64 mkv_avail_bytes(u32 num)
{
	return 6 + 2ULL * num;
}

/**
 * mkv_used_bytes() - size of a used ring, with its avail_event field
 * @num: ring entries
 *
 * Return: bytes.
 */
u64 mkv_used_bytes(u32 num)
{
	return 6 + 8ULL * num;
}

/**
 * mkv_dir_place() - lay out one direction from a region offset on
 * @d: filled in
 * @start: first free region offset
 * @num: ring entries
 * @data_size: payload bytes, rounded up to %MK_CHAN_ALIGN
 * @max_msg: largest message
 *
 * The descriptor table, the avail ring (written by the sender), the used
 * ring (written by the receiver) and the payload area each start on their
 * own cache line.
 *
 * Return: the first region offset after the direction.
 */
u64 mkv_dir_place(struct mkv_dir *d, u64 start, u32 num, u64 data_size,
		  u32 max_msg)
{
	d->num = num;
	d->max_msg = max_msg;
	d->desc_off = mkv_align(start, MK_CHAN_ALIGN);
	d->avail_off = mkv_align(d->desc_off + mkv_desc_bytes(num), MK_CHAN_ALIGN);
	d->used_off = mkv_align(d->avail_off + mkv_avail_bytes(num), MK_CHAN_ALIGN);
	d->data_off = mkv_align(d->used_off + mkv_used_bytes(num), MK_CHAN_ALIGN);
	d->data_size = mkv_align(data_size, MK_CHAN_ALIGN);
	return d->data_off + d->data_size;
}

struct mkv_area {
	u64 off;
	u64 len;
};

static void mkv_dir_areas(const struct mkv_dir *d, struct mkv_area a[4])
{
	a[0].off = d->desc_off;
	a[0].len = mkv_desc_bytes(d->num);
	a[1].off = d->avail_off;
	a[1].len = mkv_avail_bytes(d->num);
	a[2].off = d->used_off;
	a[2].len = mkv_used_bytes(d->num);
	a[3].off = d->data_off;
	a[3].len = d->data_size;
}

static bool mkv_areas_overlap(const struct mkv_area *x, const struct mkv_area *y)
{
	/* Both are known to lie inside the region, so no sum overflows. */
	return x->off < y->off + y->len && y->off < x->off + x->len;
}

/**
 * mkv_dir_check() - validate the geometry of a direction
 * @d: the geometry, a private copy of what the region said
 * @region_size: bytes of the region
 * @reserved: bytes at the start of the region no area may touch (header)
 *
 * Return: 0, or -EINVAL if @num is not a power of two up to
 * %MK_CHAN_MAX_NUM, an area is misaligned, leaves the region, touches the
 * header or overlaps another area of the direction, or @max_msg does not
 * fit the payload area or exceeds 4 GiB - %MKV_DATA_ALIGN.
 */
int mkv_dir_check(const struct mkv_dir *d, u64 region_size, u64 reserved)
{
	struct mkv_area a[4];
	int i, j;

	if (!d->num || d->num > MK_CHAN_MAX_NUM || (d->num & (d->num - 1)))
		return -EINVAL;
	if (!d->data_size || d->data_size % MK_CHAN_ALIGN || !d->max_msg ||
	    d->max_msg > d->data_size || d->max_msg > MKV_MAX_MSG)
		return -EINVAL;
	mkv_dir_areas(d, a);
	for (i = 0; i < 4; i++) {
		if (a[i].off % MK_CHAN_ALIGN || a[i].off < reserved ||
		    a[i].off > region_size || a[i].len > region_size - a[i].off)
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (mkv_areas_overlap(&a[i], &a[j]))
				return -EINVAL;
	}
	return 0;
}

/**
 * mkv_dir_overlap() - whether two directions share any byte
 * @a: a geometry that passed mkv_dir_check()
 * @b: another one
 *
 * Return: true if an area of @a overlaps an area of @b.
 */
bool mkv_dir_overlap(const struct mkv_dir *a, const struct mkv_dir *b)
{
	struct mkv_area x[4], y[4];
	int i, j;

	mkv_dir_areas(a, x);
	mkv_dir_areas(b, y);
	for (i = 0; i < 4; i++)
		for (j = 0; j < 4; j++)
			if (mkv_areas_overlap(&x[i], &y[j]))
				return true;
	return false;
}
