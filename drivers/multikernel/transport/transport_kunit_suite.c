// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the multikernel transport: the attach parsers, channel
 * validation, and loopback links carrying checked streams through resets,
 * stalls, corruption and many up/down cycles. They need the pool reserved
 * by mkkernel_pool= (the test VM passes 64M) and at least two CPUs.
 *
 * One suite, mk_transport, whose cases are in transport_kunit_channel.c,
 * transport_kunit_link.c and transport_kunit_lifecycle.c; they run in the
 * order below, which some of them rely on (the pool whole again).
 */

#include <linux/module.h>

#include "transport_kunit.h"

static struct kunit_case mk_transport_cases[] = {
	KUNIT_CASE(parse_param),
	KUNIT_CASE(parse_fdt),
	KUNIT_CASE(region_validation),
	KUNIT_CASE(loopback_up_and_mtu),
	KUNIT_CASE(trysend_eagain_then_room),
	KUNIT_CASE(backpressure_slow_receiver),
	KUNIT_CASE_SLOW(stream_fixed_sizes),
	KUNIT_CASE_SLOW(no_lost_doorbell),
	KUNIT_CASE(room_before_arming_not_missed),
	KUNIT_CASE(reset_wakes_blocked_sender),
	KUNIT_CASE_SLOW(peer_reset_midstream),
	KUNIT_CASE_SLOW(corruption_resets_and_recovers),
	KUNIT_CASE(heartbeat_stop_takes_link_down),
	KUNIT_CASE(no_heartbeat_offered_stays_up),
	KUNIT_CASE(mismatched_backends_refused),
	KUNIT_CASE(peer_doorbell_outside_its_cpus),
	KUNIT_CASE(host_destroy_waits_for_peer),
	KUNIT_CASE(host_destroy_quarantines_silent_peer),
	KUNIT_CASE(destroy_while_streaming),
	KUNIT_CASE(flapping_peer_backs_off),
	KUNIT_CASE_SLOW(hundred_cycles_no_leak),
	KUNIT_CASE_SLOW(several_links_at_once),
	KUNIT_CASE_SLOW(stream_long_random),
	{}
};

static struct kunit_suite mk_transport_suite = {
	.name = "mk_transport",
	.test_cases = mk_transport_cases,
};

kunit_test_suite(mk_transport_suite);

MODULE_DESCRIPTION("KUnit tests of the multikernel transport");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
