// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault injection into the vring engine: what a hostile or broken kernel
 * could write into its parts of the region, for the tests of the peer's
 * validation. Like the rest of the engine it builds in userspace too.
 */

#include "vring.h"

/**
 * mkv_tx_corrupt() - corrupt the newest queued message before it is published
 * @tx: the sending end, with a message queued since the last publication
 * @f: a sending fault (%MK_FAULT_AVAIL_JUMP .. %MK_FAULT_DESC_FLAGS)
 * @region_size: bytes of the region, for an offset past its end
 *
 * Return: true if @f was applied, false if it is not a sending fault or
 * nothing is queued.
 */
bool mkv_tx_corrupt(struct mkv_tx *tx, enum mk_fault f, u64 region_size)
{
	struct vring_desc *d;

	if (f == MK_FAULT_NONE || f >= MK_FAULT_USED_JUMP ||
	    tx->next_avail == tx->published)
		return false;
	d = &tx->desc[(tx->next_avail - 1) & (tx->dir.num - 1)];
	switch (f) {
	case MK_FAULT_AVAIL_JUMP:
		tx->next_avail += tx->dir.num + 7;
		break;
	case MK_FAULT_DESC_OFFSET:
		d->addr = (__force __virtio64)cpu_to_le64(region_size + 4096);
		break;
	case MK_FAULT_DESC_LEN:
		d->len = (__force __virtio32)cpu_to_le32(tx->dir.max_msg + 1);
		break;
	case MK_FAULT_DESC_WRAP:
		d->addr = (__force __virtio64)cpu_to_le64(tx->dir.data_off +
							  tx->dir.data_size - 8);
		d->len = (__force __virtio32)cpu_to_le32(64);
		break;
	case MK_FAULT_DESC_FLAGS:
		d->flags = (__force __virtio16)cpu_to_le16(VRING_DESC_F_NEXT);
		break;
	default:
		return false;
	}
	return true;
}

/**
 * mkv_rx_corrupt() - corrupt the completions of the messages consumed
 * @rx: the receiving end, with at least one message consumed
 * @f: %MK_FAULT_USED_JUMP or %MK_FAULT_USED_ORDER
 *
 * %MK_FAULT_USED_JUMP publishes a used index far past what the peer sent,
 * in place of mkv_rx_publish(); %MK_FAULT_USED_ORDER makes the newest used
 * entry name the wrong slot, for mkv_rx_publish() to publish.
 *
 * Return: true if the used index was published here (the caller must not
 * call mkv_rx_publish() this time), false otherwise.
 */
bool mkv_rx_corrupt(struct mkv_rx *rx, enum mk_fault f)
{
	u16 slot;

	switch (f) {
	case MK_FAULT_USED_JUMP:
		/* What a hostile peer can do: write shared memory, nothing else. */
		WRITE_ONCE(rx->used->idx,
			   (__force __virtio16)cpu_to_le16(rx->last_avail + 1000));
		rx->used_published = rx->last_avail;
		return true;
	case MK_FAULT_USED_ORDER:
		slot = (rx->last_avail - 1) & (rx->dir.num - 1);
		rx->used->ring[slot].id = (__force __virtio32)cpu_to_le32(slot ^ 1);
		return false;
	default:
		return false;
	}
}
