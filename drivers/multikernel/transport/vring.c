// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vring engine of the multikernel transport (see vring.h).
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

#include "vring.h"
#include <linux/multikernel/channel.h>

static inline u16 v16(__virtio16 v)
{
	return le16_to_cpu((__force __le16)v);
}

static inline u32 v32(__virtio32 v)
{
	return le32_to_cpu((__force __le32)v);
}

static inline u64 v64(__virtio64 v)
{
	return le64_to_cpu((__force __le64)v);
}

static inline __virtio16 cpu_v16(u16 v)
{
	return (__force __virtio16)cpu_to_le16(v);
}

static inline __virtio32 cpu_v32(u32 v)
{
	return (__force __virtio32)cpu_to_le32(v);
}

static inline __virtio64 cpu_v64(u64 v)
{
	return (__force __virtio64)cpu_to_le64(v);
}

/* The event fields live just past each ring (virtio 1.x, 2.7.7-2.7.8). */
static inline __virtio16 *mkv_used_event(struct vring_avail *avail, u32 num)
{
	return &avail->ring[num];
}

static inline __virtio16 *mkv_avail_event(struct vring_used *used, u32 num)
{
	return (__virtio16 *)&used->ring[num];
}

/*
 * Publish an index and tell whether the peer asked to be rung for it.
 * The release orders everything written before (payload, descriptors,
 * ring entries; or our reads of the buffers) before the index; the full
 * barrier orders the index before reading the peer's event, pairing with
 * the peer arming its event and then re-reading our index.
 */
static bool mkv_publish(__virtio16 *idx, u16 *published, u16 next,
			__virtio16 *event)
{
	u16 old = *published;

	/* What the index covers, before the index. */
	smp_store_release(idx, cpu_v16(next));
	*published = next;
	/* The index before the peer's event (the peer arms, then re-reads). */
	smp_mb();
	return vring_need_event(v16(READ_ONCE(*event)), next, old);
}

static inline u64 mkv_align(u64 x, u64 a)
{
	return (x + a - 1) & ~(a - 1);
}

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

/* Sender ------------------------------------------------------------------ */

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
	WRITE_ONCE(d->addr, cpu_v64(tx->dir.data_off + tx->rsv_pos % tx->dir.data_size));
	WRITE_ONCE(d->len, cpu_v32(len));
	WRITE_ONCE(d->flags, cpu_v16(0));
	WRITE_ONCE(d->next, cpu_v16(0));
	tx->ends[slot] = tx->rsv_pos + tx->rsv_len;
	WRITE_ONCE(tx->avail->ring[slot], cpu_v16(slot));
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

/* Receiver ---------------------------------------------------------------- */

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

	WRITE_ONCE(rx->used->ring[slot].id, cpu_v32(slot));
	WRITE_ONCE(rx->used->ring[slot].len, cpu_v32(0));
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
