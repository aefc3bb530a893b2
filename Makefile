# SPDX-License-Identifier: GPL-2.0-only
#
# Top-level targets of the memcg reparenting suite.
#   make            build the test programs and tools (selftests/)
#   make check      the project's own tests: lint, parser/classifier unit
#                   tests on real-kernel fixtures, runner exit codes, and the
#                   quick profile in QEMU on Debian sid (pass) and 6.1 (fail)
#   make run        ./run.sh --kernel debian (the quick profile in a VM)
#   make install    install the kselftest collection (INSTALL_PATH=...)
#   make fixtures KERNEL=debian|bookworm   recapture unit-test fixtures
#   make selfcheck  mutation testing: each configs/mutations/*.mut injected
#                   into the debug kernel must make the quick profile fail
#   make bisect-demo  `git bisect run` over a synthetic history with a bug
#   make nightly KSRC=TREE [HISTORY=DIR]  run.sh --nightly on a git tree:
#                   build HEAD, run, compare with last night, bisect
#   make nightly-demo  two nights on a synthetic history: the second names
#                   the injected commit by itself
#   make bench      churn benchmark
SHELL := /bin/bash
KSRC ?= $(shell scripts/ksrc.sh)
export KSRC

all:
	$(MAKE) -C selftests

deps:
	scripts/install-deps.sh

check: deps all
	tests/run-checks.sh

run: deps
	./run.sh --kernel debian

install: all
	$(MAKE) -C selftests install INSTALL_PATH=$(INSTALL_PATH)

fixtures: all
	tests/capture.sh $(KERNEL)

bench: all
	tests/bench.sh

selfcheck: deps all
	tests/selfcheck.sh

bisect-demo: deps all
	tests/bisect-demo.sh

nightly: deps all
	./run.sh --nightly --ksrc $(KSRC) $(if $(HISTORY),--history $(HISTORY))

nightly-demo: deps all
	tests/nightly-demo.sh

clean:
	$(MAKE) -C selftests clean
	$(MAKE) -C tests/unit clean

.PHONY: all deps check run install fixtures bench selfcheck bisect-demo nightly nightly-demo clean
