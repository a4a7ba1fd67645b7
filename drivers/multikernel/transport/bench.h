/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The benchmark (bench.c): its baselines (bench_base.c) and its round
 * trips (bench_rtt.c).
 */
#ifndef _MK_TRANSPORT_BENCH_H
#define _MK_TRANSPORT_BENCH_H

#include <linux/sizes.h>
#include <linux/types.h>
#include <linux/multikernel/doorbell.h>

struct mk_loopback;

/* Payload bytes per direction of the benchmark's loopback link. */
#define MK_BENCH_DATA_SIZE	SZ_1M

#define MK_SLOT_SIZE	256
#define MK_SLOT_DATA	(MK_SLOT_SIZE - 16)

/**
 * struct mk_slot - the one slot, as the seed lays it out: header, then payload
 * @seq: fragment number, written last by the sender
 * @len: payload bytes of the fragment
 * @more: another fragment of the same message follows
 * @ack: the last fragment number the receiver copied out, written by it
 * @data: the payload
 */
struct mk_slot {
	u32 seq;
	u32 len;
	u32 more;
	u32 ack;
	u8 data[MK_SLOT_DATA];
};

/**
 * struct mk_slot_bench - one direction of the one-slot protocol
 * @slot: the slot
 * @db: the receiver's doorbell handler
 * @seen: receiver: the last fragment number it took
 * @msg: receiver: reassembly buffer, 64 KiB
 * @off: receiver: bytes of the message being reassembled
 * @len: receiver: length of the last whole message
 * @done: receiver: whole messages, released after @msg and @len
 * @msgs: receiver: whole messages
 * @bytes: receiver: their bytes
 * @tx_seq: sender: the last fragment number it sent
 * @rings: sender: doorbells it rang
 */
struct mk_slot_bench {
	struct mk_slot *slot;
	struct mk_doorbell_handler db;
	u32 seen;
	u8 *msg;
	u32 off;
	u32 len;
	u32 done;
	u64 msgs;
	u64 bytes;
	u32 tx_seq;
	u64 rings;
};

/**
 * struct mk_bench_row - one row of the stream table
 * @proto: "slot", "vring", "vring-batch32", "vring-nocheck" or "memcpy"
 * @size: message bytes
 * @msgs: messages that arrived (copied, for memcpy)
 * @ns: how long they took
 * @doorbells: doorbells rung
 * @poll_ns: time the receiver busy-polled
 * @polls: a receive thread took the messages (vring rows): @poll_ns counts
 * @ret: 0 or a negative error
 */
struct mk_bench_row {
	const char *proto;
	u32 size;
	u64 msgs;
	u64 ns;
	u64 doorbells;
	u64 poll_ns;
	bool polls;
	int ret;
};

/* p50, p90, p99 and p99.9 */
#define MK_RTT_NR_PCT	4
/* ipi; slot-rtt 16 B to 4 KiB; link 16 B to 64 KiB */
#define MK_RTT_ROWS	(1 + 5 + 7)

/**
 * struct mk_rtt_row - one row of the round-trip table
 * @proto: "ipi", "slot-rtt" or "link"
 * @size: message bytes (0: a bare doorbell)
 * @samples: round trips measured, after the warm-up
 * @pct: p50, p90, p99 and p99.9 of them, in ns
 * @max: the longest, in ns
 * @ret: 0 or a negative error
 */
struct mk_rtt_row {
	const char *proto;
	u32 size;
	u32 samples;
	u64 pct[MK_RTT_NR_PCT];
	u64 max;
	int ret;
};

int mk_bench_on_cpu(unsigned int cpu, int (*fn)(void *arg), void *arg);
struct mk_slot_bench *mk_slot_create(int rx_cpu);
void mk_slot_destroy(struct mk_slot_bench *b);
int mk_slot_xmit(struct mk_slot_bench *b, u32 target, const u8 *msg, u32 size);
int mk_bench_slot(int tx_cpu, int rx_cpu, u32 size, u64 count,
		  struct mk_bench_row *row);
int mk_bench_memcpy(int cpu, u32 size, u64 count, struct mk_bench_row *row);

unsigned int mk_bench_rtt_bare(int a, int b, unsigned int scale,
			       struct mk_rtt_row *rows);
unsigned int mk_bench_rtt_link(struct mk_loopback *lo, int a,
			       unsigned int scale, struct mk_rtt_row *rows);

#endif /* _MK_TRANSPORT_BENCH_H */
