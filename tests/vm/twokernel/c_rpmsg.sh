#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The rpmsg bus between the two kernels, as its users see it: userspace to
# userspace through /dev/rpmsgN (round trips and a checked stream against
# the instance's echo program), rpmsg_tty both ways, typed messages
# request/response both ways, and the seeds' multikernel_send_ipi_data().
. /tests/twokernel/lib.inc
M=$DBG/messages
msg() {
	{ echo "$1" >&3 && cat <&3; } 3<>"$M"
}

out=$(mkrpmsg ping -n 200 -s 16 $ECHO_ADDR) ; r=$?
echo "# $out"
check userspace_ping_16B "[ $r = 0 ]"
out=$(mkrpmsg ping -n 200 -s 1024 $ECHO_ADDR) ; r=$?
echo "# $out"
check userspace_ping_1KiB "[ $r = 0 ]"
out=$(mkrpmsg stream -n 5000 -m 65536 $ECHO_ADDR) ; r=$?
echo "# $out"
check userspace_stream_echoed_intact "[ $r = 0 ]"
out=$(mkrpmsg stream -n 2000 -m 65536 --nonblock $ECHO_ADDR) ; r=$?
echo "# $out"
check userspace_stream_nonblocking "[ $r = 0 ]"

# rpmsg_tty: a channel created here is announced; both kernels get a tty.
check tty_channel_created "mkrpmsg create-dev rpmsg-tty"
check tty_on_host "wait_for 30 '[ -c /dev/ttyRPMSG0 ]'"
check tty_in_instance "wait_for 30 'rsh [ -c /dev/ttyRPMSG0 ]'"
rsh "mkrpmsg tty-expect /dev/ttyRPMSG0 from-host 30 > /tmp/tty.out 2>&1 < /dev/null &"
sleep 1
check tty_host_to_instance "mkrpmsg tty-send /dev/ttyRPMSG0 from-host && wait_for 30 'rsh grep -q ^got /tmp/tty.out'"
mkrpmsg tty-expect /dev/ttyRPMSG0 from-instance 30 > /tmp/tty.out 2>&1 &
sleep 1
check tty_instance_to_host "rsh mkrpmsg tty-send /dev/ttyRPMSG0 from-instance && wait \$! && grep -q ^got /tmp/tty.out"

# Typed messages, both ways: the other kernel's test handler answers.
out=$(msg "call 1 7 hello-instance")
echo "# host -> instance: $(echo $out)"
check typed_request_host_to_instance "echo '$out' | grep -q 'response echo:hello-instance'"
out=$(rsh "{ echo 'call 0 7 hello-host' >&3 && cat <&3; } 3<>$M")
echo "# instance -> host: $(echo $out)"
check typed_request_instance_to_host "echo '$out' | grep -q 'response echo:hello-host'"
check typed_message_host_to_instance "msg 'send 1 9 one-way' | grep -q 'status 0' && wait_for 10 'rsh \"{ echo last >&3 && cat <&3; } 3<>$M\" | grep -q \"^msg one-way\"'"
check seeds_ipi_host_to_instance "msg 'ipi 1 ipi-data-1' | grep -q 'status 0' && wait_for 10 'rsh \"{ echo last >&3 && cat <&3; } 3<>$M\" | grep -q \"^ipi ipi-data-1\"'"
check seeds_ipi_instance_to_host "rsh \"{ echo 'ipi 0 ipi-data-0' >&3 && cat <&3; } 3<>$M\" | grep -q 'status 0' && wait_for 10 'msg last | grep -q \"^ipi ipi-data-0\"'"
finish
