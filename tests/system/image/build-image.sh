#!/usr/bin/env bash
# Builds the system-tier guest: a debootstrapped Debian 12 with systemd, libvirt, firewalld and
# NetworkManager, packed as a zstd-compressed qcow2 plus the kernel and initrd to boot it with.
# Usage: build-image.sh OUTDIR      (root; debootstrap, qemu-img, mkfs.ext4; about 2-3 min on 2 cores)
# Result: OUTDIR/{base.qcow2,vmlinuz,initrd.img,timings.txt}
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$1
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/var/tmp}/kvm-guest-build.XXXXXX")
rootfs=$work/rootfs
cleanup() {
  for m in proc sys dev; do umount "$rootfs/$m" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
timing() { echo "$1 $(( $(date +%s) - $2 ))s" | tee -a "$out/timings.txt"; }
: > "$out/timings.txt"
t_all=$(date +%s)

# The host's own Debian mirror: CI machines reach only that archive.
mirror=""
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
fi
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
  mirror=$(awk '$1 == "deb" {print $2; exit}' /etc/apt/sources.list)
fi
mirror=${mirror:-http://deb.debian.org/debian}
security_mirror=$(awk '/^URIs:/ {u = $2} END {print u}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
security_mirror=${security_mirror:-$mirror}

t=$(date +%s)
debootstrap --variant=minbase --include=systemd-sysv,dbus,udev,kmod,iproute2 bookworm "$rootfs" "$mirror" \
  > "$work/debootstrap.log" 2>&1 || { tail -30 "$work/debootstrap.log" >&2; exit 1; }
timing debootstrap "$t"

t=$(date +%s)
cat > "$rootfs/etc/apt/sources.list" <<EOS
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security_mirror bookworm-security main
EOS
# Package scripts must not start daemons inside the chroot.
printf '#!/bin/sh\nexit 101\n' > "$rootfs/usr/sbin/policy-rc.d"
chmod +x "$rootfs/usr/sbin/policy-rc.d"
mount -t proc proc "$rootfs/proc"
mount -t sysfs sysfs "$rootfs/sys"
mount --bind /dev "$rootfs/dev"
mapfile -t packages < <(grep -v -e '^#' -e '^[[:space:]]*$' "$here/packages.txt")
chroot "$rootfs" apt-get update -qq
DEBIAN_FRONTEND=noninteractive chroot "$rootfs" \
  apt-get install -y -qq --no-install-recommends "${packages[@]}" > "$work/apt.log" 2>&1 \
  || { tail -40 "$work/apt.log" >&2; exit 1; }
chroot "$rootfs" apt-get clean
rm -f "$rootfs/usr/sbin/policy-rc.d"
for m in proc sys dev; do umount "$rootfs/$m"; done
# The artifact carries no mirror name and no bootstrap log.
: > "$rootfs/etc/apt/sources.list"
rm -rf "$rootfs/var/lib/apt/lists/"* "$rootfs/var/log/bootstrap.log"
timing packages "$t"

"$here/configure-guest.sh" "$rootfs"

# SELinux labels from the guest's own policy, so a test can boot it with SELinux enforcing (kernel command
# line security=selinux selinux=1 enforcing=1); inert in the default boot, which has SELinux off. mkfs.ext4 -d
# copies the labels (security.selinux xattrs) into the image; setfiles needs /proc in the chroot.
t=$(date +%s)
mount -t proc proc "$rootfs/proc"
chroot "$rootfs" setfiles -F /etc/selinux/default/contexts/files/file_contexts /
umount "$rootfs/proc"
timing selinux-labels "$t"

t=$(date +%s)
truncate -s 4G "$work/base.img"
mkfs.ext4 -q -F -L root -d "$rootfs" "$work/base.img"
cp "$rootfs"/boot/vmlinuz-* "$out/vmlinuz"
cp "$rootfs"/boot/initrd.img-* "$out/initrd.img"
qemu-img convert -c -O qcow2 -o compression_type=zstd "$work/base.img" "$out/base.qcow2"
timing pack "$t"
timing total "$t_all"
