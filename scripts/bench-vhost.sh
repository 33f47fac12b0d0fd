#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
# scripts/bench-vhost.sh [BUILD] [--rounds N] [--mib M] [--passes P] -
# make bench-vhost: vmmem-vhost-blk against qemu-storage-daemon's
# vhost-user-blk export, serving the same guest workload (test-guest's
# guest_blk_io: 2 workers on 2 vCPUs and 2 queues, O_DIRECT writes and
# read-backs of 512 B to 1 MiB, M MiB per worker, P passes) on the same
# fresh image, both buffered (page cache), both started the same way.
# Rounds alternate the back-ends; each run starts its back-end fresh and
# reads its CPU time (user + system, all threads, /proc/PID/stat) after the
# guest has powered off (1 GiB moved per run by default: CPU time is read
# in clock ticks of 10 ms). Reports medians: back-end CPU seconds per GiB the
# guest moved (written + read), and the guest-visible MB/s. Writes
# results/vhost_bench.md.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shift || true
rounds=3 mib=32 passes=8
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --mib) mib=$2; shift 2 ;;
    --passes) passes=$2; shift 2 ;;
    *) echo "bench-vhost: unknown option $1" >&2; exit 2 ;;
  esac
done
. scripts/guest-lib.sh
guest_prepare "$build" || { echo "bench-vhost: the guest cannot be prepared"; exit 1; }
run=$GUEST_DIR/bench
rm -rf "$run" && mkdir -p "$run" results
sock=$run/vhost.sock img=$run/disk.img

start_backend() { # NAME: starts it on a fresh image; its pid in $pid
  rm -f "$sock" "$img"
  truncate -s $((2 * mib + 16))M "$img"
  case "$1" in
    vmmem) "$build/tools/vmmem-vhost-blk" --socket "$sock" --disk "$img" --queues 2 > /dev/null 2> "$run/vmmem.log" & ;;
    qsd) qemu-storage-daemon --blockdev driver=file,node-name=disk,filename="$img" \
           --export type=vhost-user-blk,id=exp,node-name=disk,addr.type=unix,addr.path="$sock",writable=on,num-queues=2 \
           > /dev/null 2> "$run/qsd.log" & ;;
  esac
  pid=$!
}

declare -A cpu_per_gib mbps
for r in $(seq "$rounds"); do
  for b in vmmem qsd; do
    start_backend "$b"
    guest_wait_socket "$sock"
    guest_boot "$sock" "$mib" "$passes" "" "$run/$b.$r.serial" || { echo "bench-vhost: $b round $r: QEMU failed"; exit 1; }
    sleep 0.5 # the back-end notices the disconnect
    cpu=$(guest_cpu_seconds "$pid")
    kill -TERM "$pid"; wait "$pid" || true
    line=$(grep -a 'guest-blk-io: PASS' "$run/$b.$r.serial") || { echo "bench-vhost: $b round $r: the guest failed"; tail -n 20 "$run/$b.$r.serial"; exit 1; }
    "$GUEST_DIR/guest_blk_io" check "$img" "$mib" "$passes" 2 512 >/dev/null || { echo "bench-vhost: $b round $r: image check failed"; exit 1; }
    written=$(sed -n 's/.*written=\([0-9]*\).*/\1/p' <<< "$line")
    read_=$(sed -n 's/.* read=\([0-9]*\).*/\1/p' <<< "$line")
    guest_mbps=$(sed -n 's/.*MBps=\([0-9.]*\).*/\1/p' <<< "$line")
    per_gib=$(awk -v c="$cpu" -v b=$((written + read_)) 'BEGIN { printf "%.3f", c / (b / 1073741824) }')
    cpu_per_gib[$b]+="$per_gib "
    mbps[$b]+="$guest_mbps "
    echo "round $r $b: cpu ${cpu} s for $(( (written + read_) >> 20 )) MiB moved = $per_gib s/GiB; guest $guest_mbps MB/s"
  done
done

median() { tr ' ' '\n' | grep . | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
{
  echo "| back-end | CPU s per GiB moved (median) | guest MB/s (median) | runs |"
  echo "|---|---|---|---|"
  for b in vmmem qsd; do
    name=$([ "$b" = vmmem ] && echo "vmmem-vhost-blk ($(git rev-parse --short HEAD 2>/dev/null || echo tree))" || echo "qemu-storage-daemon $(qemu-storage-daemon --version | head -n1 | awk '{print $3}')")
    echo "| $name | $(median <<< "${cpu_per_gib[$b]}") | $(median <<< "${mbps[$b]}") | $rounds |"
  done
  echo
  echo "Workload: 2 guest workers x $mib MiB x $passes passes, O_DIRECT 512 B-1 MiB, write + read-back; QEMU $(qemu-system-x86_64 --version | head -n1 | awk '{print $4}') TCG, -smp 2, 2 queues; $(nproc) host CPUs; $(date -u +%F)."
} | tee results/vhost_bench.md
