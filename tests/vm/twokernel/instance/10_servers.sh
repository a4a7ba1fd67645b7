#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The instance's servers for the host's tests: a shell and an echo
# endpoint on the rpmsg bus (tests/vm/bin/mkrpmsg.c).
mkrpmsg serve-shell 0x500 > /dev/kmsg 2>&1 &
mkrpmsg echo 0x501 > /dev/kmsg 2>&1 &
# Typed messages from userspace: answer the host's requests of type
# MK_MSG_USER with their own payload (cm_msgdev.sh).
mkctl listen -e user:1 > /dev/kmsg 2>&1 &
