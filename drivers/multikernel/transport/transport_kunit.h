/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internals of the KUnit tests of the multikernel transport, one module
 * (transport_kunit) in five files: transport_kunit_util.c (the helpers the
 * cases share), transport_kunit_channel.c (parsers and channel
 * validation), transport_kunit_link.c (the data path),
 * transport_kunit_lifecycle.c (resets, faults, closing, cycles) and
 * transport_kunit_suite.c (the suite, mk_transport). Nothing else
 * includes it.
 */
#ifndef _MK_TRANSPORT_KUNIT_H
#define _MK_TRANSPORT_KUNIT_H

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/types.h>

#include "stream.h"

/* The geometry of the loopbacks of mk_kunit_make_lo(). */
extern const struct mk_chan_geometry mk_kunit_geo;

/**
 * struct mk_kunit_stream_job - a stream on a loopback, in a thread of its own
 * @test: unused
 * @lo: the loopback, streamed from end 0 to end 1 (mk_kunit_start_job())
 * @cfg: the stream
 * @res: its result
 * @ret: what mk_stream_run() returned
 * @done: completed when the stream is over
 */
struct mk_kunit_stream_job {
	struct kunit *test;
	struct mk_loopback *lo;
	struct mk_stream_cfg cfg;
	struct mk_stream_result res;
	int ret;
	struct completion done;
};

bool mk_kunit_wait_for(bool (*cond)(void *), void *arg, unsigned int ms);
bool mk_kunit_both_up(void *arg);
struct mk_loopback *mk_kunit_make_lo(struct kunit *test);
int mk_kunit_run_stream(struct kunit *test, struct mk_loopback *lo, int from,
			const struct mk_stream_cfg *cfg, struct mk_stream_result *res);
void mk_kunit_start_job(struct kunit *test, struct mk_kunit_stream_job *j);

/* The cases of the suite, in its order; names are what KUnit reports. */

/* transport_kunit_channel.c */
void parse_param(struct kunit *test);
void parse_fdt(struct kunit *test);
void region_validation(struct kunit *test);

/* transport_kunit_link.c */
void loopback_up_and_mtu(struct kunit *test);
void trysend_eagain_then_room(struct kunit *test);
void backpressure_slow_receiver(struct kunit *test);
void stream_fixed_sizes(struct kunit *test);
void no_lost_doorbell(struct kunit *test);
void room_before_arming_not_missed(struct kunit *test);
void several_links_at_once(struct kunit *test);
void stream_long_random(struct kunit *test);

/* transport_kunit_lifecycle.c */
void reset_wakes_blocked_sender(struct kunit *test);
void peer_reset_midstream(struct kunit *test);
void corruption_resets_and_recovers(struct kunit *test);
void heartbeat_stop_takes_link_down(struct kunit *test);
void no_heartbeat_offered_stays_up(struct kunit *test);
void mismatched_backends_refused(struct kunit *test);
void peer_doorbell_outside_its_cpus(struct kunit *test);
void host_destroy_waits_for_peer(struct kunit *test);
void host_destroy_quarantines_silent_peer(struct kunit *test);
void destroy_while_streaming(struct kunit *test);
void flapping_peer_backs_off(struct kunit *test);
void hundred_cycles_no_leak(struct kunit *test);

#endif /* _MK_TRANSPORT_KUNIT_H */
