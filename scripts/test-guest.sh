#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
# scripts/test-guest.sh [BUILD] - make test-guest: a real Linux guest on
# vmmem-vhost-blk. Boots Debian's cloud kernel under QEMU (TCG, 2 vCPUs, 2
# queues) with a busybox initramfs whose guest_blk_io writes patterns of
# 512 B to 1 MiB with O_DIRECT, reads them back, compares and flushes; then
# checks the disk image on the host. Three boots on one daemon:
#   1. indirect descriptors and event indices on (what Linux negotiates);
#   2. QEMU killed (SIGKILL) in the middle of the guest's I/O: the daemon
#      must survive it and serve the next connection;
#   3. indirect_desc=off,event_idx=off (the other ring paths);
#   4. a second daemon with --block-size 4096 and --no-mem-slots: the guest
#      sees 4 KiB logical blocks (its requests below 4 KiB are left out) and
#      QEMU sends its memory as SET_MEM_TABLE instead of ADD_MEM_REG.
# Skips (exit 0, with a message) only when the packages cannot be installed.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
. scripts/guest-lib.sh
MIB=${GUEST_MIB:-8}          # per worker: 2 x 8 MiB written and read per boot
KILL_PASSES=50               # a workload long enough to be killed in the middle (about 10 s)

if ! guest_prepare "$build"; then
  echo "test-guest: SKIPPED: the guest cannot be prepared (see above)"
  exit 0
fi
run=$GUEST_DIR/run
rm -rf "$run" && mkdir -p "$run"
sock=$run/vhost.sock img=$run/disk.img
start_daemon() { # extra options...: a daemon on a fresh image, its pid in $daemon
  rm -f "$img" "$sock"
  truncate -s $((2 * MIB + 16))M "$img"
  "$build/tools/vmmem-vhost-blk" --socket "$sock" --disk "$img" --queues 2 "$@" 2>> "$run/daemon.log" &
  daemon=$!
  guest_wait_socket "$sock"
}
trap 'kill $daemon 2>/dev/null || true' EXIT
start_daemon

fail() { echo "test-guest: FAIL: $*"; echo "--- daemon log"; cat "$run/daemon.log"; exit 1; }

# check_boot NAME LOG CONNECTIONS [BLOCK]: the guest's PASS line, both
# queues used (the daemon's counters of its CONNECTIONS-th connection), the
# image holds the guest's data.
check_boot() {
  local name=$1 log=$2 line block=${4:-512}
  line=$(grep -a 'guest-blk-io: \(PASS\|FAIL\)' "$log" | tail -n1 || true)
  echo "test-guest: $name: ${line:-no result line}"
  case "$line" in *PASS*queues=2\ block=$block\ *) ;; *) echo "--- serial console"; tail -n 30 "$log"; fail "$name: the guest did not pass" ;; esac
  for i in $(seq 50); do [ "$(grep -c 'front-end disconnected' "$run/daemon.log")" -ge "$3" ] && break; sleep 0.1; done
  local q0 q1
  q0=$(grep 'queue 0:' "$run/daemon.log" | tail -n1 | awk '{print $4}')
  q1=$(grep 'queue 1:' "$run/daemon.log" | tail -n1 | awk '{print $4}')
  echo "test-guest: $name: daemon served $q0 requests on queue 0, $q1 on queue 1"
  [ "${q0:-0}" -gt 0 ] && [ "${q1:-0}" -gt 0 ] || fail "$name: a queue served no request"
  "$GUEST_DIR/guest_blk_io" check "$img" "$MIB" 1 2 "$block" || fail "$name: the image does not hold the guest's data"
}

guest_log "boot 1: indirect descriptors and event indices on"
t0=$(date +%s.%N)
guest_boot "$sock" "$MIB" 1 "" "$run/boot1.log" || fail "boot 1: QEMU exited with $?"
echo "test-guest: boot 1: $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s in QEMU"
check_boot "boot 1" "$run/boot1.log" 1

guest_log "boot 2: QEMU killed in the middle of the guest's I/O"
guest_boot "$sock" "$MIB" "$KILL_PASSES" "" "$run/boot2.log" 2> "$run/boot2.stderr" &
qemu_timeout=$!
for i in $(seq 3000); do grep -aq 'guest-blk-io: start' "$run/boot2.log" 2>/dev/null && break; sleep 0.1; done
qemu_pid=$(cat "$run/boot2.log.pid" 2>/dev/null || true)
grep -aq 'guest-blk-io: start' "$run/boot2.log" || fail "boot 2: the guest did not start its I/O"
sleep 1
kill -KILL "$qemu_pid" || fail "boot 2: no QEMU to kill"
wait "$qemu_timeout" || true
grep -aq 'guest-blk-io: PASS' "$run/boot2.log" && fail "boot 2: the guest finished before it was killed"
for i in $(seq 50); do [ "$(grep -c 'front-end disconnected' "$run/daemon.log")" -ge 2 ] && break; sleep 0.1; done
kill -0 "$daemon" 2>/dev/null || fail "boot 2: the daemon died with QEMU"
echo "test-guest: boot 2: QEMU killed mid-I/O after $(grep 'queue 0:' "$run/daemon.log" | tail -n1 | awk '{print $4}') + $(grep 'queue 1:' "$run/daemon.log" | tail -n1 | awk '{print $4}') requests; the daemon lives on"

guest_log "boot 3: indirect_desc=off,event_idx=off"
guest_boot "$sock" "$MIB" 1 "indirect_desc=off,event_idx=off" "$run/boot3.log" || fail "boot 3: QEMU exited with $?"
check_boot "boot 3" "$run/boot3.log" 3

kill -TERM "$daemon"
wait "$daemon" || fail "the daemon exited with $? on SIGTERM"

guest_log "boot 4: a daemon with 4 KiB blocks and memory as SET_MEM_TABLE"
start_daemon --block-size 4096 --no-mem-slots
guest_boot "$sock" "$MIB" 1 "" "$run/boot4.log" || fail "boot 4: QEMU exited with $?"
check_boot "boot 4" "$run/boot4.log" 4 4096
kill -TERM "$daemon"
wait "$daemon" || fail "the daemon exited with $? on SIGTERM"
trap - EXIT
echo "test-guest: PASS (daemon log: $run/daemon.log)"
