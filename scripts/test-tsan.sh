#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
# scripts/test-tsan.sh - the multi-threaded tests under ThreadSanitizer
# (gcc, whose libtsan also links into the shared libraries): guest memory under concurrent region changes, dirty tracking
# with concurrent writers and fetchers, untorn typed accesses, the parallel
# copy pool, the dispatcher's racing first calls, DMA and the virtio block
# device (with regions removed under a transfer), and a guest thread racing
# the device (test_virtio_race: its stores and the device's reads of guest
# fields are atomic; only the payload the device's file I/O moves is
# suppressed, in that program alone). Any data race report fails the test (halt_on_error). liburcu is
# not instrumented; src/vm/guest_rcu.h announces its grace periods to TSan.
# test_atomicity is left out: it races plain copies against atomic readers
# on purpose, to show that aligned 2/4/8-byte copies are single
# instructions (a C11 data race by definition; it runs everywhere else).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build-tsan}
scripts/install-deps.sh test sanitize

cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVMMEM_WERROR=ON -DVMMEM_BUILD_BENCH=OFF \
  -DCMAKE_C_FLAGS="-fsanitize=thread" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" \
  -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=thread"
cmake --build "$build" -j"$(nproc)"
cd "$build"
# die_after_fork=0: test_parallel's fork test starts the pool again in the
# child of a threaded parent, which TSan otherwise refuses outright.
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 die_after_fork=0"
export VMMEM_TEST_MAX_SIZE=$((4 << 20)) # TSan checks every access: keep copies small
ctest --output-on-failure -j"$(nproc)" \
  -R '^(test_guest_concurrency|test_guest_dirty|test_guest_access|test_guest_memory|test_parallel|test_dispatch|test_startup|test_dma|test_dma_dirty|test_virtio_blk|test_virtio_blk_control|test_virtio_race)$'
