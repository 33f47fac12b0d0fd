#!/usr/bin/env bash
# scripts/fuzz-vm.sh [seconds] - builds the libvmmem-vm libFuzzer targets
# (fuzz/vm.cmake) with clang, ASan and UBSan in build-fuzz, the library
# instrumented for coverage too, and runs fuzz_virtqueue for a bounded time
# (default 30 s) from the seed corpus fuzz/corpus/virtqueue/ (new inputs go
# to build-fuzz/corpus-virtqueue, never into the source tree). A crash or a
# broken invariant fails the script and leaves the input in build-fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
scripts/install-deps.sh test fuzz
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVMMEM_WERROR=ON \
  -DVMMEM_SANITIZE=ON -DVMMEM_FUZZ=ON -DVMMEM_BUILD_TESTS=OFF -DVMMEM_BUILD_BENCH=OFF \
  -DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link >/dev/null
cmake --build build-fuzz -j2 --target fuzz_virtqueue
mkdir -p build-fuzz/corpus-virtqueue
cd build-fuzz
./fuzz_virtqueue -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -max_len=8193 \
  corpus-virtqueue ../fuzz/corpus/virtqueue
