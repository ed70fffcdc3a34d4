# Thin wrapper around CMake. `make run` and `make test` install what is
# missing first (scripts/deps.sh), so they work on a fresh Debian machine.
BUILD ?= build
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)
PREFIX ?= /usr/local
CMAKE_FLAGS ?=

.PHONY: all build deps deps-test run test sanitize tsan stress cluster-soak fuzz fuzz-cluster bench vsix install clean

all: build

deps:
	@scripts/deps.sh build

deps-test:
	@scripts/deps.sh test

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/bin/actorc run examples/wordfreq/wordfreq.act

test: deps-test build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The whole suite again with ASan+UBSan (errors fatal), in its own tree.
sanitize: deps-test
	@$(MAKE) --no-print-directory test BUILD=build-asan \
	  CMAKE_FLAGS="-DACT_SANITIZE=address,undefined -DCMAKE_BUILD_TYPE=Debug"

# The runtime under ThreadSanitizer: every example and golden program runs
# with a TSan-instrumented runtime (Criterion itself cannot start under TSan;
# the stack-overflow report relies on a SIGSEGV handler that TSan takes over).
# The cluster runs too: example_cluster and the TSAN_CLUSTER namespace tests
# (they need root and `ip netns`, else they skip). ACT_TEST_SCALE stretches
# their harnesses' time limits for a build 5-15x slower; tests/tsan.supp
# holds the suppressions, third-party code only. virtual_jepsen_tsan also
# matches virtual_jepsen_tsan_ring, _rolling and _joinleave.
TSAN_CLUSTER = cluster_netns|cluster_lang_remote|cluster_lang_down|virtual_stop|cluster_store|cluster_bigload|virtual_cluster|virtual_jepsen_tsan
tsan: deps-test
	@cmake -S . -B build-tsan -DACT_SANITIZE=thread -DCMAKE_BUILD_TYPE=Debug >/dev/null
	@cmake --build build-tsan -j $(JOBS)
	cd build-tsan && ACT_TEST_SCALE=3 \
	  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$(CURDIR)/tests/tsan.supp $$TSAN_OPTIONS" \
	  ctest --output-on-failure -j $(JOBS) -R "example_|golden_|unit_sched_shim|stress_|$(TSAN_CLUSTER)" -E "golden_stack_overflow"

# The runtime torture round (tests/stress/run.sh): every program
# STRESS_RUNS times with 2, 3 and 4 worker threads, then STRESS_TSAN_RUNS
# times with the runtime under ThreadSanitizer. Both rounds always run;
# the target fails if either had a failed run. Long: see docs/testing.md.
STRESS_RUNS ?= 200
STRESS_TSAN_RUNS ?= 20
stress: build
	@cmake -S . -B build-tsan -DACT_SANITIZE=thread -DCMAKE_BUILD_TYPE=Debug >/dev/null
	@cmake --build build-tsan -j $(JOBS) --target actorc act act_stdlib
	@nice tests/stress/run.sh --runs $(STRESS_RUNS) --build $(BUILD); plain=$$?; \
	 nice tests/stress/run.sh --tsan --runs $(STRESS_TSAN_RUNS); tsan=$$?; \
	 [ $$plain -eq 0 ] && [ $$tsan -eq 0 ]

# Virtual actors across nodes (tests/virtual/cluster.sh) for longer than
# `make test` does: SOAK_ROUNDS rounds of 3 nodes, kill -9 and SIGTERM of
# owners under SOAK_TRANSFERS transfers per teller, SOAK_FLOOD tells per
# flooding node. Needs root (network namespaces) and PostgreSQL's server.
SOAK_ROUNDS ?= 5
SOAK_TRANSFERS ?= 1500
SOAK_FLOOD ?= 100000
# ... and every fault scenario of tests/virtual/jepsen (partitions, a paused
# owner, the store's leader killed, rolling restarts, joins and leaves) with
# SOAK_JEPSEN_TRANSFERS transfers per teller and a lease of
# SOAK_JEPSEN_LEASE seconds.
SOAK_JEPSEN_TRANSFERS ?= 1000
SOAK_JEPSEN_LEASE ?= 3
cluster-soak: build
	@for i in $$(seq 1 $(SOAK_ROUNDS)); do echo "round $$i"; \
	  nice tests/virtual/cluster.sh $(BUILD)/bin/actorc $(SOAK_TRANSFERS) $(SOAK_FLOOD) || exit 1; \
	  JEPSEN_TRANSFERS=$(SOAK_JEPSEN_TRANSFERS) JEPSEN_LEASE=$(SOAK_JEPSEN_LEASE) \
	    nice tests/virtual/jepsen/jepsen.sh $(BUILD)/bin/actorc || exit 1; done

fuzz: deps-test
	@CC=clang cmake -S . -B build-fuzz -DACT_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j $(JOBS) --target fuzz_front fuzz_codec
	mkdir -p build-fuzz/corpus && build-fuzz/bin/fuzz_front -max_total_time=$${FUZZ_SECONDS:-60} -timeout=10 -rss_limit_mb=4096 -max_len=65536 -detect_leaks=0 -artifact_prefix=build-fuzz/ build-fuzz/corpus tests/fuzz/corpus
	mkdir -p build-fuzz/corpus-codec && build-fuzz/bin/fuzz_codec -max_total_time=$${FUZZ_SECONDS:-60} -timeout=10 -rss_limit_mb=4096 -max_len=4096 -detect_leaks=0 -artifact_prefix=build-fuzz/codec- build-fuzz/corpus-codec

# The cluster's frame, hello and peer-list decoders (tests/cluster/fuzz_wire.c).
fuzz-cluster: deps-test
	@CC=clang cmake -S . -B build-fuzz -DACT_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j $(JOBS) --target fuzz_wire
	mkdir -p build-fuzz/corpus-wire && build-fuzz/bin/fuzz_wire -max_total_time=$${FUZZ_SECONDS:-60} -timeout=10 -rss_limit_mb=4096 -max_len=300000 -artifact_prefix=build-fuzz/ build-fuzz/corpus-wire tests/cluster/corpus

bench: build
	@scripts/deps.sh bench
	bench/run.sh

# The VS Code extension as a .vsix (needs npm and the npm registry).
vsix:
	editors/vscode/package.sh

install: build
	cmake --install $(BUILD)

clean:
	rm -rf build build-asan build-tsan build-fuzz
