# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
# scripts/guest-lib.sh - sourced by scripts/test-guest.sh and
# scripts/bench-vhost.sh: prepares a Linux guest for QEMU (TCG) that
# exercises a vhost-user-blk back-end, and runs it.
#   guest_prepare BUILD   packages, Debian's cloud kernel, the initramfs
#                         (busybox + virtio modules + guest_blk_io), the
#                         host checker; returns 1 (after saying why) when
#                         the packages cannot be installed
#   guest_boot SOCK MIB PASSES DEVOPTS LOG
#                         boots the guest on the back-end listening on SOCK;
#                         prints the guest's result line
# Work files go to $GUEST_DIR (default build-guest).
GUEST_DIR=${GUEST_DIR:-build-guest}
GUEST_TIMEOUT=${GUEST_TIMEOUT:-300}   # seconds for one boot (TCG on 2 shared cores)
GUEST_RAM=256M
GUEST_CPUS=2                          # one queue per vCPU: the guest drives 2 queues
GUEST_MODULES="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk"

guest_log() { echo "[$(date +%T)] $*" >&2; }

# The cloud kernel, unpacked (not installed: no initramfs rebuild).
guest_kernel() {
  local kdir=$GUEST_DIR/kernel
  if [ -f "$kdir/vmlinuz" ]; then return 0; fi
  local pkg
  pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | sed -n 's/.*Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n1)
  if [ -z "$pkg" ]; then
    guest_log "no linux-image-cloud-amd64 in the apt lists (apt-get update first)"
    return 1
  fi
  rm -rf "$kdir" && mkdir -p "$kdir/deb" "$kdir/root"
  guest_log "downloading $pkg"
  (cd "$kdir/deb" && apt-get download "$pkg" >/dev/null 2>&1) || { guest_log "apt-get download $pkg failed"; return 1; }
  dpkg-deb -x "$kdir"/deb/*.deb "$kdir/root"
  cp "$kdir"/root/boot/vmlinuz-* "$kdir/vmlinuz"
  mkdir -p "$kdir/modules"
  local m f
  for m in $GUEST_MODULES; do
    f=$(find "$kdir/root/lib/modules" -name "$m.ko*" | head -n1)
    if [ -z "$f" ]; then continue; fi # built in
    case "$f" in
      *.xz) xz -dc "$f" > "$kdir/modules/$m.ko" ;;
      *.zst) zstd -qdc "$f" > "$kdir/modules/$m.ko" ;;
      *) cp "$f" "$kdir/modules/$m.ko" ;;
    esac
  done
  rm -rf "$kdir/root" "$kdir/deb"
}

guest_initramfs() {
  local root=$GUEST_DIR/initramfs
  rm -rf "$root" && mkdir -p "$root"/{bin,dev,proc,sys,lib/modules}
  cp /bin/busybox "$root/bin/busybox"
  cp "$GUEST_DIR/guest_blk_io.static" "$root/bin/guest_blk_io"
  cp "$GUEST_DIR"/kernel/modules/*.ko "$root/lib/modules/" 2>/dev/null || true
  cat > "$root/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t devtmpfs dev /dev
mount -t proc proc /proc
mount -t sysfs sys /sys
for m in $GUEST_MODULES; do
  if [ -f /lib/modules/\$m.ko ]; then insmod /lib/modules/\$m.ko || echo "guest-blk-io: insmod \$m failed"; fi
done
mib=\$(sed -n 's/.*vmmem.mib=\([0-9]*\).*/\1/p' /proc/cmdline)
passes=\$(sed -n 's/.*vmmem.passes=\([0-9]*\).*/\1/p' /proc/cmdline)
i=0
while [ ! -b /dev/vda ] && [ \$i -lt 200 ]; do sleep 0.1; i=\$((i + 1)); done
if [ -b /dev/vda ]; then
  /bin/guest_blk_io guest /dev/vda \${mib:-8} \${passes:-1}
else
  echo "guest-blk-io: FAIL no /dev/vda after 20 s"
fi
poweroff -f
INIT
  chmod +x "$root/init"
  (cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$GUEST_DIR/initramfs.cpio.gz"
}

guest_prepare() {
  local build=$1
  mkdir -p "$GUEST_DIR"
  if ! scripts/install-deps.sh guest; then
    guest_log "the guest packages (qemu-system-x86, busybox-static, cpio) cannot be installed"
    return 1
  fi
  guest_kernel || return 1
  gcc -O2 -static -Wall -Wextra -Werror -o "$GUEST_DIR/guest_blk_io.static" tests/guest/guest_blk_io.c
  gcc -O2 -Wall -Wextra -Werror -o "$GUEST_DIR/guest_blk_io" tests/guest/guest_blk_io.c
  guest_initramfs
  guest_log "guest ready: $(ls "$GUEST_DIR"/kernel/modules | wc -l) modules, initramfs $(du -k "$GUEST_DIR/initramfs.cpio.gz" | cut -f1) KiB"
  [ -x "$build/tools/vmmem-vhost-blk" ] || { guest_log "$build/tools/vmmem-vhost-blk is not built"; return 1; }
}

# Waits up to 10 s for a back-end's socket.
guest_wait_socket() {
  local i
  for i in $(seq 100); do [ -S "$1" ] && return 0; sleep 0.1; done
  guest_log "no socket at $1"; return 1
}

# guest_boot SOCK MIB PASSES DEVOPTS LOG: one boot; the serial console goes
# to LOG, QEMU's pid to LOG.pid. Returns QEMU's status (124: timed out).
guest_boot() {
  local sock=$1 mib=$2 passes=$3 devopts=$4 log=$5
  timeout "$GUEST_TIMEOUT" qemu-system-x86_64 -nodefaults -machine pc,accel=tcg,memory-backend=mem \
    -smp "$GUEST_CPUS" -m "$GUEST_RAM" -object memory-backend-memfd,id=mem,size="$GUEST_RAM",share=on \
    -chardev socket,id=vu,path="$sock" \
    -device vhost-user-blk-pci,chardev=vu,num-queues="$GUEST_CPUS"${devopts:+,$devopts} \
    -kernel "$GUEST_DIR/kernel/vmlinuz" -initrd "$GUEST_DIR/initramfs.cpio.gz" \
    -append "console=ttyS0 panic=-1 quiet vmmem.mib=$mib vmmem.passes=$passes" \
    -display none -monitor none -serial file:"$log" -no-reboot -pidfile "$log.pid"
}

# CPU seconds (user + system) a process has used so far.
guest_cpu_seconds() {
  local tck
  tck=$(getconf CLK_TCK)
  awk -v t="$tck" '{ sub(/^.*\) /, ""); printf "%.2f\n", ($12 + $13) / t }' "/proc/$1/stat"
}
