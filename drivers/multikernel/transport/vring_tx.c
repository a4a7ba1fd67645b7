// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vring engine of the multikernel transport (see vring.h): the sending
 * end of a direction, the virtio "driver". It hands out payload memory
 * with a circular allocator, queues and publishes messages, and reclaims
 * the buffers the peer has consumed.
 */

#include "vring_internal.h"

/**
 * mkv_tx_init() - bind the sending end of a direction to a mapped region
 * @tx: private state
 * @region: where this kernel mapped the region
 * @d: geometry that passed mkv_dir_check()
 * @ends: private array of @d->num entries
 *
 * Call mkv_tx_reset() before use.
 */
void mkv_tx_init(struct mkv_tx *tx, void *region, const struct mkv_dir *d,
		 u64 *ends)
{
	u8 *base = region;

	memset(tx, 0, sizeof(*tx));
	tx->dir = *d;
	tx->desc = (struct vring_desc *)(base + d->desc_off);
	tx->avail = (struct vring_avail *)(base + d->avail_off);
	tx->used = (struct vring_used *)(base + d->used_off);
	tx->data = base + d->data_off;
	tx->ends = ends;
}

/**
 * mkv_tx_reset() - start over: clear the parts the sender owns
 * @tx: private state
 *
 * Clears the descriptor table and the avail ring in the region and all
 * private state. Only while the peer does not read them (link down).
 */
void mkv_tx_reset(struct mkv_tx *tx)
{
	memset(tx->desc, 0, mkv_desc_bytes(tx->dir.num));
	memset(tx->avail, 0, mkv_avail_bytes(tx->dir.num));
	/* No completion doorbells until a sender waits for room. */
	WRITE_ONCE(*mkv_used_event(tx->avail, tx->dir.num), cpu_v16(0xffff));
	tx->next_avail = 0;
	tx->published = 0;
	tx->last_used = 0;
	tx->head = 0;
	tx->tail = 0;
	tx->rsv = false;
	tx->rsv_len = 0;
	tx->broken = NULL;
}

static void mkv_tx_break(struct mkv_tx *tx, const char *why)
{
	if (!tx->broken)
		tx->broken = why;
}

/* Where a buffer of @alloc bytes would go, or false if it does not fit. */
static bool mkv_tx_place(const struct mkv_tx *tx, u32 alloc, u64 *pos)
{
	u64 size = tx->dir.data_size;
	u64 p = tx->head, tail = tx->tail, off;

	if ((u16)(tx->next_avail - tx->last_used) >= tx->dir.num)
		return false;
	/*
	 * Nothing in flight: start over at the beginning of the area, where
	 * any message fits (mkv_tx_reserve() moves head and tail there).
	 * Skipping the end of the area instead would leave a message larger
	 * than half of it without room for ever.
	 */
	if (tx->next_avail == tx->last_used) {
		p = 0;
		tail = 0;
	}
	off = p % size;
	/* Contiguous: skip the end of the area if the buffer would wrap. */
	if (off + alloc > size)
		p += size - off;
	if (p + alloc - tail > size)
		return false;
	*pos = p;
	return true;
}

/**
 * mkv_tx_reserve() - get a contiguous payload buffer for the next message
 * @tx: private state
 * @len: message bytes
 * @buf: where to write the message, in the region
 *
 * Fill @buf, then mkv_tx_commit() or mkv_tx_cancel().
 *
 * Return: 0; -EMSGSIZE if @len exceeds the direction's maximum; -EAGAIN if
 * the ring or the payload area is full (reclaim, or wait); -EPIPE if the
 * direction is broken; -EBUSY if a reservation is already open.
 */
int mkv_tx_reserve(struct mkv_tx *tx, u32 len, void **buf)
{
	u32 alloc;
	u64 pos;

	if (unlikely(tx->broken))
		return -EPIPE;
	if (unlikely(tx->rsv))
		return -EBUSY;
	if (len > tx->dir.max_msg)
		return -EMSGSIZE;
	alloc = mkv_align(len, MKV_DATA_ALIGN);
	if (!mkv_tx_place(tx, alloc, &pos))
		return -EAGAIN;
	if (tx->next_avail == tx->last_used) {
		tx->head = 0;
		tx->tail = 0;
	}
	tx->rsv = true;
	tx->rsv_pos = pos;
	tx->rsv_len = alloc;
	tx->rsv_req = len;
	*buf = tx->data + pos % tx->dir.data_size;
	return 0;
}

/**
 * mkv_tx_room() - whether a message of @len bytes would fit now
 * @tx: private state
 * @len: message bytes, at most the direction's maximum
 *
 * Return: true if mkv_tx_reserve() would succeed.
 */
bool mkv_tx_room(const struct mkv_tx *tx, u32 len)
{
	u64 pos;

	if (tx->broken || len > tx->dir.max_msg)
		return false;
	return mkv_tx_place(tx, mkv_align(len, MKV_DATA_ALIGN), &pos);
}

/**
 * mkv_tx_commit() - queue the reserved buffer as a message
 * @tx: private state
 * @len: message bytes, at most what was reserved
 *
 * The message is visible to the peer after the next mkv_tx_publish().
 */
void mkv_tx_commit(struct mkv_tx *tx, u32 len)
{
	u16 slot = tx->next_avail & (tx->dir.num - 1);
	struct vring_desc *d = &tx->desc[slot];

	if (len > tx->rsv_req)
		len = tx->rsv_req;
	mkv_set64(&d->addr, cpu_v64(tx->dir.data_off + tx->rsv_pos % tx->dir.data_size));
	mkv_set32(&d->len, cpu_v32(len));
	mkv_set16(&d->flags, cpu_v16(0));
	mkv_set16(&d->next, cpu_v16(0));
	tx->ends[slot] = tx->rsv_pos + tx->rsv_len;
	mkv_set16(&tx->avail->ring[slot], cpu_v16(slot));
	tx->head = tx->rsv_pos + tx->rsv_len;
	tx->next_avail++;
	tx->rsv = false;
}

/**
 * mkv_tx_cancel() - drop the open reservation
 * @tx: private state
 */
void mkv_tx_cancel(struct mkv_tx *tx)
{
	tx->rsv = false;
}

/**
 * mkv_tx_publish() - make the queued messages visible to the peer
 * @tx: private state
 *
 * Return: true if the peer asked for a doorbell (event index) for one of the
 * messages just published: the caller must ring it.
 */
bool mkv_tx_publish(struct mkv_tx *tx)
{
	if (tx->broken || tx->next_avail == tx->published)
		return false;
	/* The peer's side of the event: mkv_rx_arm(). */
	return mkv_publish(&tx->avail->idx, &tx->published, tx->next_avail,
			   mkv_avail_event(tx->used, tx->dir.num));
}

/**
 * mkv_tx_reclaim() - take back the buffers the peer has consumed
 * @tx: private state
 *
 * Return: the number of messages reclaimed; -EPROTO if the peer's used ring
 * is invalid (the direction is now broken); -EPIPE if it was already.
 */
int mkv_tx_reclaim(struct mkv_tx *tx)
{
	u16 used_idx, n, i;

	if (unlikely(tx->broken))
		return -EPIPE;
	used_idx = v16(READ_ONCE(tx->used->idx));
	n = used_idx - tx->last_used;
	if (!n)
		return 0;
	if (n > (u16)(tx->published - tx->last_used)) {
		mkv_tx_break(tx, "used index beyond the messages sent");
		return -EPROTO;
	}
	/* The index before the entries it covers. */
	smp_rmb();
	for (i = 0; i < n; i++) {
		u16 slot = tx->last_used & (tx->dir.num - 1);
		u32 id = v32(READ_ONCE(tx->used->ring[slot].id));

		if (id != slot) {
			mkv_tx_break(tx, "used entry out of order");
			return -EPROTO;
		}
		tx->tail = tx->ends[slot];
		tx->last_used++;
	}
	return n;
}

/**
 * mkv_tx_arm_space() - ask the peer for a doorbell as completions come in
 * @tx: private state
 *
 * The peer is asked to ring once it has consumed about half of what is in
 * flight, so a waiting sender is woken once per batch, not per message.
 *
 * Return: true if completions are already there: reclaim before sleeping.
 */
bool mkv_tx_arm_space(struct mkv_tx *tx)
{
	u16 inflight = tx->published - tx->last_used;

	if (tx->broken)
		return true;
	WRITE_ONCE(*mkv_used_event(tx->avail, tx->dir.num),
		   cpu_v16(tx->last_used + (inflight ? (inflight - 1) / 2 : 0)));
	/* The event before the index: pairs with mkv_rx_publish(). */
	smp_mb();
	return v16(READ_ONCE(tx->used->idx)) != tx->last_used || !inflight;
}

/**
 * mkv_tx_inflight() - messages published and not yet reclaimed
 * @tx: private state
 *
 * Return: the count.
 */
u32 mkv_tx_inflight(const struct mkv_tx *tx)
{
	return (u16)(tx->published - tx->last_used);
}
