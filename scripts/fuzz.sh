#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
# scripts/fuzz.sh [seconds] [target ...] - builds the libFuzzer targets of
# fuzz/ with clang, ASan and UBSan in build-fuzz (the libraries instrumented
# for coverage too) and runs each for a bounded time (default 30 s) from
# its seed corpus fuzz/corpus/<target without "fuzz_">/. New inputs go to
# build-fuzz/corpus/<target>/, never into the source tree. A crash, leak or
# broken invariant fails the script and leaves the input in build-fuzz/.
# Prints the executions per target at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift || true
scripts/install-deps.sh test fuzz
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVMMEM_WERROR=ON \
  -DVMMEM_FUZZ=ON -DVMMEM_BUILD_TESTS=OFF -DVMMEM_BUILD_BENCH=OFF >/dev/null
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=($(cd fuzz && ls fuzz_*.c | sed 's/\.c$//'))
fi
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]}"
summary=()
for t in "${targets[@]}"; do
  seeds=fuzz/corpus/${t#fuzz_}
  work=build-fuzz/corpus/$t
  mkdir -p "$work"
  echo "== $t: $seconds s from $seeds"
  log=build-fuzz/$t.log
  (cd build-fuzz && "./fuzz/$t" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
      -max_len=8193 -artifact_prefix="$PWD/$t-" "corpus/$t" "../$seeds") 2>&1 | tee "$log" | tail -n 15
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  summary+=("$t: ${runs:-?} executions in $seconds s")
done
printf '%s\n' "== fuzz summary" "${summary[@]}"
