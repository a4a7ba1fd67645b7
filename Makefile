# SPDX-License-Identifier: GPL-2.0-only
#
# Entry points of the project. The kernel's own kbuild Makefiles are the
# Makefile of each code directory; this one drives the scripts.
#
#   make            install what is missing, build the test kernel
#   make check      ... and run every test; ends with "N passed, N failed"
#   make check T=GLOB   only the KUnit suites/cases and VM test programs
#                       whose name matches GLOB (shell pattern)
#   make lint       checkpatch --strict, sparse (C=2) and W=1 on our code,
#                   the build without the x86 doorbell, make htmldocs
#   make patches    the upstream series against v6.12, in patches/
#   make series     ... checked: checkpatch, git am, every step builds
#   make kcsan      the data-race boot (KCSAN, PREEMPT=y) at full scale
#   make preempt    the main boot on the test kernel with PREEMPT=y
#   make demo       two kernels: start a second one on CPU 3, stream to it
#   make bench      the benchmark on the kernel without debugging
#   make fuzz       a long fuzz run of the vring engine (FUZZ_TIME=seconds)
#   make clean      forget the build directories (keeps source and ccache)

SHELL := /bin/bash
S := scripts
CACHE = $(shell . $(S)/common.sh && echo $$MK_CACHE)
BOOTS := $(filter-out bin demo kcsan,$(notdir $(patsubst %/,%,$(wildcard tests/vm/*/))))
T ?=

.PHONY: all deps build initramfs check vm-tests lint lint-results \
	userspace-results kcsan-results kcsan preempt fuzz bench demo clean \
	patches series series-results

all: build

deps:
	@$(S)/deps.sh

build: deps
	@$(S)/kbuild.sh test

initramfs: build
	@$(S)/mkinitramfs.sh test

# Every boot runs even if an earlier one failed; the summary decides.
vm-tests: initramfs
	@for b in $(BOOTS); do \
		$(S)/vm-run.sh $(if $(T),-f '$(T)') $$b || true; \
	done

check: lint-results series-results userspace-results vm-tests kcsan-results
	@$(S)/ktap.py $(addprefix $(CACHE)/runs/,$(BOOTS) kcsan) $(CACHE)/runs/lint \
		$(CACHE)/runs/series $(CACHE)/runs/userspace

# The data-race boot: its own kernel (KCSAN excludes KASAN; full
# preemption), the transport and rpmsg tests at a reduced scale.
kcsan-results: deps
	@$(S)/kbuild.sh kcsan
	@$(S)/mkinitramfs.sh kcsan
	@$(S)/vm-run.sh -c kcsan $(if $(T),-f '$(T)') kcsan || true

# The same at full scale: every KUnit case, the full flow-control run.
kcsan: deps
	@$(S)/kbuild.sh kcsan
	@$(S)/mkinitramfs.sh kcsan
	@MK_VM_APPEND="kunit.filter=speed>very_slow mktest.flow_seconds=10" $(S)/vm-run.sh -c kcsan -t 3600 kcsan
	@$(S)/ktap.py $(CACHE)/runs/kcsan

# The main boot on the fully preemptible test kernel (its results replace
# the last main boot's in $(CACHE)/runs/main).
preempt: deps
	@$(S)/kbuild.sh preempt
	@$(S)/mkinitramfs.sh preempt
	@$(S)/vm-run.sh -c preempt $(if $(T),-f '$(T)') -t 2400 main || true
	@$(S)/ktap.py $(CACHE)/runs/main

# The upstream series: written, then checked as a maintainer would
# (checkpatch on each patch, git am on a pristine tree, each step built).
patches: deps
	@$(S)/prepare-tree.sh
	@MK_SRC=$(CACHE)/linux-6.12 $(S)/patches.py patches

series: build
	@$(S)/series-check.sh

series-results: build
	@$(S)/series-check.sh --ktap $(CACHE)/runs/series

lint-results: build
	@$(S)/lint.sh --ktap $(CACHE)/runs/lint

# The vring engine built in userspace: unit tests, a two-process stream,
# ASan+UBSan, TSan and a bounded libFuzzer run (tools/multikernel/vring/).
userspace-results: deps
	@$(S)/userspace-tests.sh --ktap $(CACHE)/runs/userspace

# A long fuzz run of the vring engine as a hostile peer (FUZZ_TIME seconds).
fuzz: deps
	@$(MAKE) -C tools/multikernel/vring fuzz

lint: build
	@$(S)/lint.sh

# The benchmark on the kernel without debugging, beside the seed's one-slot
# protocol measured in the same run. BENCH_SCALE multiplies the counts.
# The report (scripts/bench-report.py): CSV, text and plots in
# runs/bench/report/, the targets, the change against the last run (kept
# in bench-history/). Debian's python3, which has python3-matplotlib.
BENCH_SCALE ?= 20
bench: deps
	@$(S)/kbuild.sh bench
	@$(S)/mkinitramfs.sh bench
	@MK_VM_APPEND=mktest.scale=$(BENCH_SCALE) $(S)/vm-run.sh -c bench -t 1800 bench
	@$(S)/ktap.py $(CACHE)/runs/bench
	@sed -n '/^    # csv /d; s/^    # //p' $(CACHE)/runs/bench/ktap.log
	@MK_CACHE=$(CACHE) /usr/bin/python3 $(S)/bench-report.py $(CACHE)/runs/bench --brief

# Two kernels in the VM, on the kernel without debugging: the host starts
# an instance on CPU 3, streams to it and back, and prints a table beside
# the seed's one-slot protocol measured in the same run.
DEMO_SCALE ?= 1
demo: deps
	@$(S)/kbuild.sh bench
	@$(S)/mkinitramfs.sh bench
	@MK_VM_APPEND=mktest.scale=$(DEMO_SCALE) $(S)/vm-run.sh -c bench -t 1800 demo
	@$(S)/ktap.py $(CACHE)/runs/demo > $(CACHE)/runs/demo/summary || \
		{ cat $(CACHE)/runs/demo/summary; exit 1; }
	@sed -n '/^    # csv /d; s/^    # //p' $(CACHE)/runs/demo/ktap.log
	@tail -1 $(CACHE)/runs/demo/summary

clean:
	rm -rf $(CACHE)/build-* $(CACHE)/runs $(CACHE)/initramfs-*
