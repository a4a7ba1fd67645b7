#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Backpressure across kernels: the instance stops receiving on the rpmsg
# link for 15 s; the host's writer gets EAGAIN with O_NONBLOCK, no
# POLLOUT, blocks without it, and resumes when the instance does; every
# message comes back in order. (The stop is the instance's receive thread,
# link-wide; per-endpoint credits are the hostile-peer issue's.)
. /tests/twokernel/lib.inc
check reader_stopped "rsh '(echo 1 > $DBG/links/chan0/pause; sleep 15; echo 0 > $DBG/links/chan0/pause) > /dev/null 2>&1 < /dev/null &'"
sleep 1
echo "    # Subtest: blocktest"
mkrpmsg blocktest $ECHO_ADDR > /tmp/bt.out 2>&1
r=$?
sed 's/^/    /' /tmp/bt.out
check blocktest "[ $r = 0 ]"
check echo_works_again "mkrpmsg ping -n 20 -s 64 $ECHO_ADDR > /dev/null"
finish
