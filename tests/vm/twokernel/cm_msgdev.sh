#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Typed messages from userspace between the two kernels, through
# /dev/multikernel/msg and mkctl: requests both ways (the instance's echo
# server of 10_servers.sh answers the host; a listener here answers the
# instance), a message each way, and the links as mkctl shows them.
. /tests/twokernel/lib.inc

out=$(mkctl links); r=$?
echo "$out" | sed 's/^/# /'
check mkctl_links_shows_the_instance "[ $r = 0 ] && echo \"\$out\" | grep -Eq '^mk1\.0 +1 +up '"

out=$(mkctl call -t 10000 1 user 1 ping-from-host); r=$?
echo "# host -> instance: $out"
check user_call_host_to_instance "[ $r = 0 ] && echo \"\$out\" | grep -q 'status=0 .*data=ping-from-host'"

mkctl listen -e -n 1 user:2 > /tmp/echo.out 2>&1 &
lpid=$!
sleep 1
out=$(rsh mkctl call -t 10000 0 user 2 ping-from-instance); r=$?
echo "# instance -> host: $out"
wait $lpid
check user_call_instance_to_host "[ $r = 0 ] && echo \"\$out\" | grep -q 'status=0 .*data=ping-from-instance'"
check host_listener_saw_the_request "grep -q 'instance=1 .*data=ping-from-instance' /tmp/echo.out"

mkctl listen -n 1 user:3 > /tmp/listen.out 2>&1 &
lpid=$!
sleep 1
rsh mkctl send 0 user 3 hello-host
wait $lpid
check user_message_instance_to_host "grep -q 'instance=1 type=0x4000 subtype=0x3 .*data=hello-host' /tmp/listen.out"

rsh "mkctl listen -n 1 user:4 > /tmp/listen.out 2>&1 < /dev/null &"
sleep 1
check user_message_host_to_instance "mkctl send 1 user 4 hello-instance && wait_for 10 'rsh grep -q data=hello-instance /tmp/listen.out'"
finish
