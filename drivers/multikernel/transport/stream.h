/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Stream test and benchmark of the multikernel transport (stream.c).
 */
#ifndef _MK_TRANSPORT_STREAM_H
#define _MK_TRANSPORT_STREAM_H

#include <linux/multikernel/loopback.h>

#include "transport.h"

/**
 * struct mk_stream_cfg - what a stream sends
 * @count: messages
 * @min_len: smallest message, at least 1
 * @max_len: largest message, at most the MTU
 * @log_sizes: sizes log-uniform between the bounds (else uniform)
 * @trysend: use mk_link_trysend(), waiting with mk_link_wait_space() on
 *	-EAGAIN, instead of mk_link_send()
 * @reset_ok: link resets may happen: resend after one, count the gap
 * @batch: publish every @batch messages (%MK_SEND_MORE in between)
 * @rx_delay_us: the receiver sleeps this long per message
 * @header_only: the engine's cost without the test's: the sender fills
 *	the body once per length and writes only the header per message
 *	(the messages stay valid for a receiver that checks everything),
 *	the receiver reads the header in place and checks only the sequence
 *	number and length. Messages shorter than the header are checked whole.
 * @seed: of the size sequence
 * @timeout: per send and for the last message to arrive, in jiffies
 */
struct mk_stream_cfg {
	u64 count;
	u32 min_len;
	u32 max_len;
	bool log_sizes;
	bool trysend;
	bool reset_ok;
	u32 batch;
	u32 rx_delay_us;
	bool header_only;
	u64 seed;
	long timeout;
};

/**
 * struct mk_stream_result - what a stream did
 * @sent: messages sent
 * @received: messages received intact
 * @bytes: bytes received
 * @errors: messages lost, duplicated, reordered or corrupted
 * @lost_in_reset: messages lost in link resets (only with @reset_ok)
 * @resets_seen: link downs the receiver saw
 * @send_resets: sends that failed because the link was down
 * @eagain: -EAGAIN from mk_link_trysend()
 * @ns: duration
 * @doorbells: doorbells the sender rang for new messages
 * @rx_poll_ns: time the receiver's thread spent busy-polling meanwhile:
 *	CPU spent to need fewer doorbells
 * @tx_poll_ns: time the sender's own receive thread spent busy-polling
 *	meanwhile (rung only for room, it has no messages to catch)
 */
struct mk_stream_result {
	u64 sent;
	u64 received;
	u64 bytes;
	u64 errors;
	u64 lost_in_reset;
	u64 resets_seen;
	u64 send_resets;
	u64 eagain;
	u64 ns;
	u64 doorbells;
	u64 rx_poll_ns;
	u64 tx_poll_ns;
};

int mk_stream_run(struct mk_link *tx, struct mk_link *rx,
		  const struct mk_stream_cfg *cfg, struct mk_stream_result *res);
int mk_stream_format(const struct mk_stream_result *res, int ret, char *buf,
		     size_t size);

#endif /* _MK_TRANSPORT_STREAM_H */
