// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vring engine of the multikernel transport (see vring.h): the
 * receiving end of a direction, the virtio "device". It validates each
 * message the peer queued before handing it out, and gives the buffers
 * back in order.
 */

#include "vring_internal.h"

/**
 * mkv_rx_init() - bind the receiving end of a direction to a mapped region
 * @rx: private state
 * @region: where this kernel mapped the region
 * @d: geometry that passed mkv_dir_check()
 *
 * Call mkv_rx_reset() before use.
 */
void mkv_rx_init(struct mkv_rx *rx, void *region, const struct mkv_dir *d)
{
	u8 *base = region;

	memset(rx, 0, sizeof(*rx));
	rx->dir = *d;
	rx->desc = (struct vring_desc *)(base + d->desc_off);
	rx->avail = (struct vring_avail *)(base + d->avail_off);
	rx->used = (struct vring_used *)(base + d->used_off);
	rx->data = base + d->data_off;
}

/**
 * mkv_rx_reset() - start over: clear the part the receiver owns
 * @rx: private state
 *
 * Clears the used ring in the region, asking for a doorbell on the first
 * message, and all private state. Only while the peer does not read it.
 */
void mkv_rx_reset(struct mkv_rx *rx)
{
	memset(rx->used, 0, mkv_used_bytes(rx->dir.num));
	rx->last_avail = 0;
	rx->avail_seen = 0;
	rx->used_published = 0;
	rx->broken = NULL;
}

static int mkv_rx_break(struct mkv_rx *rx, const char *why)
{
	if (!rx->broken)
		rx->broken = why;
	return -EPROTO;
}

/**
 * mkv_rx_peek() - the next message, if any
 * @rx: private state
 * @buf: the message, in the peer's payload area
 * @len: its length
 *
 * The location and length are validated; the bytes themselves stay in
 * shared memory and may change under the reader, who must copy what it
 * validates. The message stays valid until mkv_rx_publish() after
 * mkv_rx_consume().
 *
 * Return: 1 with a message, 0 if there is none, -EPROTO if the peer's view
 * is invalid (now broken), -EPIPE if it was already broken.
 */
int mkv_rx_peek(struct mkv_rx *rx, const void **buf, u32 *len)
{
	u16 slot, head, flags;
	u64 addr, rel;
	u32 l;

	if (unlikely(rx->broken))
		return -EPIPE;
	if (rx->last_avail == rx->avail_seen) {
		u16 idx = v16(READ_ONCE(rx->avail->idx));

		if (idx == rx->last_avail)
			return 0;
		/*
		 * The index may only move forward from what we consumed, and
		 * never more than a ring ahead of what we gave back.
		 */
		if ((u16)(idx - rx->last_avail) >
		    rx->dir.num - (u16)(rx->last_avail - rx->used_published))
			return mkv_rx_break(rx, "avail index jumped");
		rx->avail_seen = idx;
		/* The index before the entries and descriptors it covers. */
		smp_rmb();
	}
	slot = rx->last_avail & (rx->dir.num - 1);
	head = v16(READ_ONCE(rx->avail->ring[slot]));
	if (head != slot)
		return mkv_rx_break(rx, "avail entry out of order");
	addr = v64(READ_ONCE(rx->desc[slot].addr));
	l = v32(READ_ONCE(rx->desc[slot].len));
	flags = v16(READ_ONCE(rx->desc[slot].flags));
	if (flags)
		return mkv_rx_break(rx, "descriptor flags set");
	if (l > rx->dir.max_msg)
		return mkv_rx_break(rx, "length beyond the maximum message");
	rel = addr - rx->dir.data_off;
	if (addr < rx->dir.data_off || rel > rx->dir.data_size ||
	    l > rx->dir.data_size - rel)
		return mkv_rx_break(rx, "buffer outside the payload area");
	*buf = rx->data + rel;
	*len = l;
	return 1;
}

/**
 * mkv_rx_consume() - mark the message of the last mkv_rx_peek() consumed
 * @rx: private state
 *
 * The sender learns of it at the next mkv_rx_publish().
 */
void mkv_rx_consume(struct mkv_rx *rx)
{
	u16 slot = rx->last_avail & (rx->dir.num - 1);

	mkv_set32(&rx->used->ring[slot].id, cpu_v32(slot));
	mkv_set32(&rx->used->ring[slot].len, cpu_v32(0));
	rx->last_avail++;
}

/**
 * mkv_rx_publish() - hand the consumed buffers back to the sender
 * @rx: private state
 *
 * Return: true if the sender asked for a doorbell (it waits for room): the
 * caller must ring it.
 */
bool mkv_rx_publish(struct mkv_rx *rx)
{
	if (rx->broken || rx->last_avail == rx->used_published)
		return false;
	/* The sender's side of the event: mkv_tx_arm_space(). */
	return mkv_publish(&rx->used->idx, &rx->used_published, rx->last_avail,
			   mkv_used_event(rx->avail, rx->dir.num));
}

/**
 * mkv_rx_arm() - ask for a doorbell on the next message, before sleeping
 * @rx: private state
 *
 * Return: true if a message arrived meanwhile: keep receiving instead of
 * sleeping, or its doorbell may never come.
 */
bool mkv_rx_arm(struct mkv_rx *rx)
{
	if (rx->broken)
		return false;
	WRITE_ONCE(*mkv_avail_event(rx->used, rx->dir.num), cpu_v16(rx->last_avail));
	/* The event before the index: pairs with mkv_tx_publish(). */
	smp_mb();
	return v16(READ_ONCE(rx->avail->idx)) != rx->last_avail;
}
