# iotrsp — the two commands of the README are `make demo` and `make test`.
# Each installs what is missing (scripts/deps.sh), configures and builds first.

JOBS     ?= $(shell nproc)
BUILD    ?= build
ASAN     ?= build-asan
FUZZ_RUNS ?= 1000000

.PHONY: all deps build build-asan test test-plain test-asan demo fuzz bench clean

all: build

deps:
	@scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# AddressSanitizer + UndefinedBehaviorSanitizer, built with clang so that the
# libFuzzer targets are built (and smoke-run by ctest) too.
build-asan: deps
	@CC=clang cmake -S . -B $(ASAN) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DIOTRSP_SANITIZE=ON -DIOTRSP_FUZZ=ON >/dev/null
	@cmake --build $(ASAN) -j $(JOBS)

test-plain: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: build-asan
	@cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS)

test: test-plain test-asan

demo: build
	@scripts/demo.sh $(BUILD)

# Long fuzzing run of every target: make fuzz FUZZ_RUNS=1000000
fuzz: build-asan
	@scripts/fuzz.sh $(ASAN) $(FUZZ_RUNS)

# Benchmarks print figures; they assert nothing.
bench: build
	@bench/crypto.sh $(BUILD)
	@echo; echo "== euiccd"; $(BUILD)/bench/bench_euicc
	@echo; bench/smdp.sh $(BUILD)
	@echo; bench/ipa.sh $(BUILD)
	@echo; bench/ipae.sh $(BUILD)
	@echo; bench/e2e.sh $(BUILD)
	@echo; bench/eim.sh $(BUILD)
	@echo; bench/curve.sh $(BUILD)
	@echo; bench/bulk.sh $(BUILD)
	@echo; bench/million.sh $(BUILD)
	@echo; bench/fleet.sh $(BUILD)
	@echo; bench/nodes.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN) $(BUILD)-os
