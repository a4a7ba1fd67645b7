#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# mkctl (tools/multikernel/mkctl) on a loopback link whose ends are rpmsg
# buses, so typed messages ride on it: end a is instance 1000 + 2 * ID,
# end b 1000 + 2 * ID + 1 (loopback.c). A message sent to end b's instance
# leaves through end a and arrives at b, from a's instance. Checks the
# sysfs views (links, stats, -w), usage errors (exit 2 and a message),
# send/listen and call/listen --echo through /dev/multikernel/msg, and
# runtime errors (exit 1). POSIX sh: busybox ash runs it.
DBG=/sys/kernel/debug/multikernel
DEV=/dev/multikernel/msg
T=$(mktemp -d /tmp/mkctl.XXXXXX) || exit 1

n=0
fail=0
check() {
	n=$((n + 1))
	if eval "$2"; then
		echo "ok $n $1"
		last=1
	else
		echo "not ok $n $1"
		fail=1
		last=0
	fi
}
# wait_for SECS CMD...: until CMD succeeds, at most SECS seconds
wait_for() {
	w_end=$(( $(date +%s) + $1 ))
	shift
	while ! eval "$*"; do
		[ "$(date +%s)" -ge "$w_end" ] && return 1
		sleep 0.2
	done
}
# show FILE...: as KTAP diagnostics, when the last check failed
show() {
	[ "$last" = 1 ] || cat "$@" 2>/dev/null | head -20 | sed 's/^/# /'
}
# run CMD...: CMD's stdout, stderr and status in $T/out, $T/err, $rc
run() {
	"$@" > $T/out 2> $T/err
	rc=$?
}
# usage_err NAME TEXT CMD...: CMD exits 2, says TEXT on stderr, nothing on stdout
usage_err() {
	u_name=$1
	u_want=$2
	shift 2
	run "$@"
	check "$u_name" '[ $rc -eq 2 ] && grep -qF "$u_want" $T/err && [ ! -s $T/out ]'
	show $T/out $T/err
}
# stop_job PID: end a background mkctl that is still there, reap it
stop_job() {
	kill "$1" 2>/dev/null
	wait "$1"
}

# The loopback: the ID the listing did not have before.
ids() { awk '{ print $1 }' $DBG/loopback; }
before=" $(ids | tr '\n' ' ') "
check create_rpmsg_loopback 'echo "create 0 1 rpmsg" > $DBG/loopback'
lo=
for id in $(ids); do
	case "$before" in *" $id "*) ;; *) lo=$id ;; esac
done
A=$(awk -v id="$lo" '$1 == id { print $2 }' $DBG/loopback)
B=$(awk -v id="$lo" '$1 == id { print $3 }' $DBG/loopback)
IA=$((1000 + 2 * ${lo:-0}))
IB=$((IA + 1))
echo "# loopback $lo: $A is instance $IA, $B is instance $IB"

# Views of sysfs. col LINK N: column N of LINK's row of mkctl links.
col() { mkctl links 2>/dev/null | awk -v l="$1" -v c="$2" '$1 == l { print $c }'; }
# val KEY: the value of a "KEY value" line of $T/out
val() { awk -v k="$1" '$1 == k { print $2 }' $T/out; }
check links_lists_both_ends_up 'wait_for 10 "[ \"\$(col $A 3)\" = up ] && [ \"\$(col $B 3)\" = up ]"'
mkctl links | sed 's/^/# /'
check links_header 'mkctl links | head -1 | grep -q "^NAME *PEER *STATE *MTU *TX *RX *DB/MSG$"'
check links_peer_instances '[ "$(col $A 2)" = $IB ] && [ "$(col $B 2)" = $IA ]'
run mkctl stats "$A"
ok=1
for c in tx_messages rx_messages tx_bytes rx_bytes tx_doorbells rx_doorbells \
	tx_waits resets malformed dropped; do
	grep -q "^$c [0-9][0-9]*$" $T/out || ok=0
done
check stats_has_every_counter '[ $rc -eq 0 ] && [ $ok = 1 ] && [ "$(val state)" = up ]'
show $T/out $T/err
run mkctl stats "$A" -w 1
check stats_watch_one_rate_line '[ $rc -eq 0 ] && [ $(wc -l < $T/out) -eq 2 ] &&
	tail -1 $T/out | grep -qE "^( +[0-9]+){8}$"'
show $T/out $T/err

# Usage errors: exit 2, the problem named.
usage_err unknown_command "unknown command 'frobnicate'" mkctl frobnicate
usage_err unknown_option "unknown option '-q'" mkctl listen -q
usage_err bad_instance "bad instance 'x': not a number" mkctl send x user 1 hi
usage_err bad_subtype "bad subtype '1z': not a number" mkctl send $IB user 1z hi
usage_err instance_out_of_range "out of range" mkctl send 4294967296 user 1
usage_err unknown_type_name "bad type 'bogus'" mkctl call $IB bogus 1
usage_err unknown_link "no link 'nolink'" mkctl stats nolink
usage_err missing_name "missing NAME" mkctl stats
usage_err missing_subtype "missing TYPE and SUBTYPE" mkctl send $IB
usage_err missing_command "missing command" mkctl
usage_err option_without_value "needs an argument" mkctl call $IB user 1 -t
usage_err zero_timeout "bad timeout '0'" mkctl call $IB user 1 -t 0
usage_err extra_argument "unexpected argument 'more'" mkctl links more
run mkctl --help
check help_exit_0 '[ $rc -eq 0 ] && grep -q "^usage: mkctl" $T/out && [ ! -s $T/err ]'
run mkctl send --help
check send_help_exit_0 '[ $rc -eq 0 ] && grep -q "^usage: mkctl send INSTANCE" $T/out'

# Typed messages. Without the device every check below fails: say so.
check msg_device_present '[ -c $DEV ]'
[ -c $DEV ] || echo "# $DEV missing: the typed-message device is not in this kernel"

# send -> listen. Sent again until the listener (subscribing meanwhile) has it.
mkctl listen -n 1 user > $T/listen.out 2> $T/listen.err &
job=$!
sent=0
wait_for 10 'mkctl send $IB user 1 hello 2> $T/send.err && sent=1; grep -q data=hello $T/listen.out'
stop_job $job
check send_exit_0 '[ $sent = 1 ]'
check listen_prints_message \
	'grep -qx "instance=$IA type=0x4000 subtype=0x1 id=[0-9]* len=5 data=hello" $T/listen.out'
show $T/listen.out $T/listen.err $T/send.err

# A payload from stdin, not all printable, and a subtype filter.
mkctl listen -n 1 user:3 > $T/listen.out 2> $T/listen.err &
job=$!
wait_for 10 'printf "a\001b" | mkctl send $IB 0x4000 3 - 2> $T/send.err; grep -q hex= $T/listen.out'
stop_job $job
check stdin_payload_as_hex \
	'grep -qx "instance=$IA type=0x4000 subtype=0x3 id=[0-9]* len=3 hex=610162" $T/listen.out'
show $T/listen.out $T/listen.err $T/send.err
run sh -c "head -c 65537 /dev/zero | mkctl send $IB user 1 -"
check stdin_above_64k_refused '[ $rc -eq 1 ] && grep -q "larger than 65536" $T/err'

# call -> listen --echo.
mkctl listen --echo -n 1 user > $T/echo.out 2> $T/echo.err &
job=$!
wait_for 15 'mkctl call $IB user 2 ping -t 2000 > $T/call.out 2> $T/call.err'
check call_prints_response '[ "$(cat $T/call.out)" = "status=0 len=4 data=ping" ]'
wait_for 5 '! kill -0 $job 2>/dev/null'
stop_job $job
check echo_saw_request \
	'grep -qx "instance=$IA type=0x4000 subtype=0x2 id=[0-9]* len=4 flags=request data=ping" $T/echo.out'
show $T/call.out $T/call.err $T/echo.out $T/echo.err

# Runtime errors: exit 1, strerror and its meaning.
run mkctl send 4242 user 1 x
check send_no_link_exit_1 '[ $rc -eq 1 ] && grep -q "instance 4242: .*(the link to instance 4242 is down, or there is none)" $T/err'
show $T/err
run mkctl call $IB user 9 nobody -t 300
check call_unanswered_exit_1 '[ $rc -eq 1 ] && grep -q "mkctl: call: instance $IB" $T/err'
show $T/err

# The counters moved; DB/MSG is a figure now.
run mkctl stats "$A"
check counters_count_traffic '[ "$(val tx_messages)" -gt 0 ] 2>/dev/null'
check links_db_per_msg 'col $A 7 | grep -qE "^[0-9]+\.[0-9]{3}$"'

check destroy_loopback 'echo "destroy $lo" > $DBG/loopback'
check links_forget_it 'wait_for 10 "[ -z \"\$(col $A 1)\" ]"'
rm -rf $T
echo "1..$n"
exit $fail
