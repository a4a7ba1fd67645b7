# SPDX-License-Identifier: GPL-2.0-only
#
# Entry points of the project. The kernel's own kbuild Makefiles are the
# Makefile of each code directory; this one drives the scripts.
#
#   make            install what is missing, build the test kernel
#   make check      ... and run every test; ends with "N passed, N failed"
#   make check T=GLOB   only the KUnit suites/cases and VM test programs
#                       whose name matches GLOB (shell pattern)
#   make lint       checkpatch --strict, sparse (C=2) and W=1 on our code
#   make bench      build the bench kernel (benchmarks arrive with the
#                   transport)
#   make clean      forget the build directories (keeps source and ccache)

SHELL := /bin/bash
S := scripts
CACHE = $(shell . $(S)/common.sh && echo $$MK_CACHE)
BOOTS := $(notdir $(patsubst %/,%,$(wildcard tests/vm/*/)))
T ?=

.PHONY: all deps build initramfs check vm-tests lint bench clean

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

check: lint-results vm-tests
	@$(S)/ktap.py $(addprefix $(CACHE)/runs/,$(BOOTS)) $(CACHE)/runs/lint

lint-results: build
	@$(S)/lint.sh --ktap $(CACHE)/runs/lint

lint: build
	@$(S)/lint.sh

bench: deps
	@$(S)/kbuild.sh bench

clean:
	rm -rf $(CACHE)/build-* $(CACHE)/runs $(CACHE)/initramfs-*
