# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
# Makefile - convenience wrapper around CMake.
#   make test          build (-Werror) and run every test       (README quick start)
#   make bench         build and run the comparison benchmark   (README quick start)
#   make test-sanitize the whole suite under ASan + UBSan
#   make test-aarch64  cross-build for AArch64, run the suite under qemu-aarch64
#   make test-s390x    cross-build for big-endian s390x, run the suite under qemu-s390x
#   make test-clang    the same suite built with clang (-Werror)
#   make test-valgrind the suite under Valgrind memcheck (sizes up to 1 MiB)
#   make test-tsan     the multi-threaded tests under ThreadSanitizer
#   make soak          a guest thread racing the virtio-blk device for SOAK_SECONDS (default 300),
#                      under ASan + UBSan (tests/test_virtio_race.c; not part of make test)
#   make bench-blk     the virtio block device against pread (docs/dma.md)
#   make test-guest    a Linux guest under QEMU (TCG) on vmmem-vhost-blk (docs/vhost_user_blk.md)
#   make bench-vhost   vmmem-vhost-blk vs qemu-storage-daemon: CPU per GiB, guest MB/s
#   make install       a plain Release build without tests (no cmocka, Capstone or -Werror) in
#                      build-install, then cmake --install (PREFIX=/usr/local)
#   make fuzz          every libFuzzer target for FUZZ_SECONDS (default 30) each
#   make bench-guest   vmmem guest memory vs rust-vmm vm-memory, side by side
#                      (vmmem-guest-bench; results/guest_bench.{csv,md}; ARGS=--quick)
#   make bench-jit     JIT-emitted copies vs vmmem_memcpy_fast vs glibc (results/jit.*)
#   make docs          the API reference from the headers (Doxygen, warnings fail) in build-docs/html
#   make test-preload  real programs' own tests (Python's regression tests, zstd/xz/gzip round trips)
#                      without and with libvmmem-preload.so, required to come out the same (docs/preload.md)
#   make bench-preload A/B of zstd and gcc workloads without/with the preload, and the cost of one
#                      memcpy call (scripts/preload-ab.sh; ARGS=rounds)
#   make test-rust     the Rust crates (bindings/rust): cargo test and the examples, on the
#                      tree (built by vmmem-sys with CMake) and on an install found by pkg-config
BUILD ?= build
ASAN_BUILD ?= build-asan
INSTALL_BUILD ?= build-install
PREFIX ?= /usr/local
FUZZ_SECONDS ?= 30
SOAK_SECONDS ?= 300
SOAK_CALLS ?= 1000000000
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all build test bench test-sanitize test-aarch64 test-s390x test-clang test-valgrind test-tsan install clean bench-guest bench-blk fuzz docs

all: build

build:
	@scripts/install-deps.sh test
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DVMMEM_WERROR=ON -DVMMEM_BUILD_TESTS=ON $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j$(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

bench:
	@scripts/install-deps.sh test bench
	$(MAKE) build
	scripts/run-bench.sh $(ARGS)

test-sanitize:
	@scripts/install-deps.sh test sanitize
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVMMEM_WERROR=ON -DVMMEM_SANITIZE=ON -DVMMEM_BUILD_TESTS=ON $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j$(JOBS)

test-aarch64:
	scripts/test-cross.sh aarch64

test-s390x:
	scripts/test-cross.sh s390x

test-clang:
	@scripts/install-deps.sh test clang
	CC=clang cmake -S . -B build-clang -DCMAKE_BUILD_TYPE=Release -DVMMEM_WERROR=ON -DVMMEM_URCU_INLINE=ON -DVMMEM_BUILD_TESTS=ON $(CMAKE_FLAGS)
	cmake --build build-clang -j$(JOBS)
	cd build-clang && ctest --output-on-failure -j$(JOBS)

test-valgrind:
	scripts/test-valgrind.sh

test-tsan:
	scripts/test-tsan.sh

.PHONY: soak
soak:
	@scripts/install-deps.sh test sanitize
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVMMEM_WERROR=ON -DVMMEM_SANITIZE=ON -DVMMEM_BUILD_TESTS=ON $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD) -j$(JOBS) --target test_virtio_race
	VMMEM_RACE_SECONDS=$(SOAK_SECONDS) VMMEM_RACE_CALLS=$(SOAK_CALLS) $(ASAN_BUILD)/tests/test_virtio_race

install:
	@scripts/install-deps.sh build
	cmake -S . -B $(INSTALL_BUILD) -DCMAKE_BUILD_TYPE=Release -DVMMEM_BUILD_TESTS=OFF $(CMAKE_FLAGS)
	cmake --build $(INSTALL_BUILD) -j$(JOBS)
	cmake --install $(INSTALL_BUILD) --prefix $(PREFIX)
	@if [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; fi

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(INSTALL_BUILD) build-aarch64 build-s390x build-clang build-valgrind build-tsan build-fuzz build-docs

# The vm-memory peer needs cargo and librust-vm-memory-dev (install-deps
# rust); without them the benchmark runs vmmem alone and says so.
bench-guest:
	@scripts/install-deps.sh rust || echo "bench-guest: no cargo or vm-memory sources: the vm-memory peer is skipped" >&2
	$(MAKE) build
	mkdir -p results
	$(BUILD)/bench/vmmem-guest-bench --csv results/guest_bench.csv --markdown results/guest_bench.md $(ARGS)

bench-blk: build
	$(BUILD)/bench/vmmem-blk-bench $(ARGS)

.PHONY: bench-jit
# vmmem-jit-bench: per-call cost of JIT-emitted copies, sizes 1..1024 (about 1 s).
bench-jit:
	@scripts/install-deps.sh test bench
	$(MAKE) build
	mkdir -p results
	$(BUILD)/bench/vmmem-jit-bench --csv results/jit.csv --plot results/jit $(ARGS) | tee results/jit.txt

# make bench-bswap   vmmem-bswap-bench: byte-swapping copies against scalar
#                    __builtin_bswap loops (-O2, -O3) and memcpy (ARGS=--quick ...)
.PHONY: bench-bswap
bench-bswap:
	$(MAKE) build
	$(BUILD)/bench/vmmem-bswap-bench $(ARGS)

fuzz:
	scripts/fuzz.sh $(FUZZ_SECONDS)

# vhost-user-blk with a real guest (QEMU, Debian's cloud kernel; installs them as root).
.PHONY: test-guest bench-vhost
test-guest: build
	scripts/test-guest.sh $(BUILD)

bench-vhost: build
	scripts/bench-vhost.sh $(BUILD) $(ARGS)

.PHONY: test-rust
test-rust: build
	@scripts/install-deps.sh rust
	scripts/test-rust.sh $(BUILD)

docs:
	scripts/build-docs.sh

.PHONY: test-preload
test-preload: build
	scripts/test-preload.sh $(BUILD)

.PHONY: bench-preload
bench-preload: build
	scripts/preload-ab.sh $(BUILD) $(ARGS)
