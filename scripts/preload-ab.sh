#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
# scripts/preload-ab.sh - A/B of real programs' workloads without and with
# libvmmem-preload.so (and with it present but VMMEM_PRELOAD=off, which
# isolates the cost of the interposition itself), interleaved in one
# session: every round runs each arm once, in a rotating order, and the
# result is each arm's median CPU time (user + system, less disturbed by
# other load on the machine than wall time) and median wall time. Workloads:
#  - zstd: compress a large input at level 3 (one thread), then decompress;
#  - gcc:  compile this project's C sources at -O2 (cc1 and as run under
#          the preload too), one file after the other;
# then vmmem-preload-bench (the cost of one memcpy call, per size).
# Usage: scripts/preload-ab.sh [build-dir] [rounds]   (make bench-preload)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
rounds=${2:-7}
preload=$(realpath "$build/src/preload/libvmmem-preload.so")
[ -f "$preload" ] || { echo "preload-ab: $preload not built (make build)" >&2; exit 1; }
scripts/install-deps.sh preload
input_mib=${PRELOAD_AB_INPUT_MIB:-128}

work=$(mktemp -d /tmp/vmmem-preload-ab.XXXXXX)
trap 'rm -rf "$work"' EXIT
tar -cf - /usr/lib/python3.11 /usr/lib/x86_64-linux-gnu /usr/bin 2>/dev/null |
  head -c $((input_mib << 20)) >"$work/input" || true

sources=(src/*.c arch/generic/*.c)
[ "$(uname -m)" = x86_64 ] && sources+=(arch/x86/memcpy_sse2.c arch/x86/cpu_x86.c arch/x86/jit_encode.c arch/x86/jit_copy.c)
zstd_run() {
  zstd -q -3 -T1 -c <"$work/input" >"$work/packed"
  zstd -q -d -c <"$work/packed" >/dev/null
}
gcc_run() {
  local f
  for f in "${sources[@]}"; do
    gcc -O2 -std=gnu11 -D_GNU_SOURCE -DVMMEM_NO_INLINE -Iinclude -Isrc -Iarch -c "$f" -o "$work/out.o"
  done
}

# arm_env <arm>: the environment of one arm.
arm_env() {
  case "$1" in
    without) echo "" ;;
    with) echo "LD_PRELOAD=$preload" ;;
    off) echo "LD_PRELOAD=$preload VMMEM_PRELOAD=off" ;;
  esac
}
arms=(without with off)

TIMEFORMAT='%3U %3S' # bash's time: user and system CPU seconds of the workload's processes
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "preload A/B: $(nproc) CPUs, $(uname -r), $(zstd --version | head -1), $(gcc --version | head -1)"
echo "zstd: ${input_mib} MiB input, -3 -T1 compress + decompress; gcc: -O2 -c of ${#sources[@]} files; $rounds rounds"
for workload in zstd gcc; do
  "${workload}_run" # warm-up: page cache, binaries
  for ((r = 0; r < rounds; r++)); do
    for ((k = 0; k < ${#arms[@]}; k++)); do
      arm=${arms[$(( (k + r) % ${#arms[@]} ))]}
      start=$(date +%s%N)
      # shellcheck disable=SC2046
      { time env $(arm_env "$arm") bash -c \
          "$(declare -f "${workload}_run"); work=$work; sources=(${sources[*]}); ${workload}_run"; } 2>"$work/cpu"
      echo $(( ($(date +%s%N) - start) / 1000000 )) >>"$work/$workload-$arm.ms"
      awk '{ printf "%d\n", ($1 + $2) * 1000 }' "$work/cpu" >>"$work/$workload-$arm.cpu"
    done
    echo "  $workload round $((r + 1))/$rounds done"
  done
done

echo
echo "| workload | measure | without | with the preload | with, VMMEM_PRELOAD=off | with / without |"
echo "|---|---|---|---|---|---|"
for workload in zstd gcc; do
  for measure in cpu ms; do
    a=$(median <"$work/$workload-without.$measure")
    b=$(median <"$work/$workload-with.$measure")
    c=$(median <"$work/$workload-off.$measure")
    label=$([ $measure = cpu ] && echo "CPU time (user + sys), ms" || echo "wall time, ms")
    echo "| $workload | $label | $a | $b | $c | $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", b / a }') |"
  done
done
echo
for workload in zstd gcc; do
  for arm in "${arms[@]}"; do
    echo "$workload $arm, CPU ms per round: $(tr '\n' ' ' <"$work/$workload-$arm.cpu"); wall: $(tr '\n' ' ' <"$work/$workload-$arm.ms")"
  done
done
echo
echo "calls served (VMMEM_PRELOAD_STATS=1, one zstd round):"
LD_PRELOAD=$preload VMMEM_PRELOAD_STATS=1 bash -c "$(declare -f zstd_run); work=$work; zstd_run" 2>&1 |
  grep -E 'engine|memcpy calls|memmove calls'
echo
echo "per call (vmmem-preload-bench):"
LD_PRELOAD=$preload "$build/bench/vmmem-preload-bench"
