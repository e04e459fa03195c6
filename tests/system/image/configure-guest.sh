#!/usr/bin/env bash
# Turns a debootstrapped rootfs into the test guest: root filesystem, shares with the host, stable NIC
# names, NetworkManager owning only the uplink, root login on the serial console for debugging.
# Usage: configure-guest.sh ROOTFS     (idempotent)
set -euo pipefail
root=$1

echo kvm-test-host > "$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 kvm-test-host\n' > "$root/etc/hosts"

# The host's build tree and source tree arrive over 9p; nofail so a boot without them still comes up.
mkdir -p "$root/mnt/build" "$root/mnt/src"
cat > "$root/etc/fstab" <<'EOS'
/dev/vda  /           ext4  rw,errors=remount-ro  0 1
build     /mnt/build  9p    trans=virtio,version=9p2000.L,msize=262144,ro,nofail  0 0
src       /mnt/src    9p    trans=virtio,version=9p2000.L,msize=262144,ro,nofail  0 0
EOS

chroot "$root" passwd -d root > /dev/null
mkdir -p "$root/etc/systemd/system/serial-getty@ttyS0.service.d"
cat > "$root/etc/systemd/system/serial-getty@ttyS0.service.d/autologin.conf" <<'EOS'
[Service]
ExecStart=
ExecStart=-/sbin/agetty --autologin root --keep-baud 115200,57600,38400,9600 %I $TERM
EOS

# Stable NIC names from the MACs the controller gives them: nic0 is the uplink (QEMU user network,
# gateway 10.0.2.2), nic1 and nic2 share an isolated segment for bonds.
mkdir -p "$root/etc/systemd/network"
for n in 0 1 2; do
  cat > "$root/etc/systemd/network/10-nic$n.link" <<EOS
[Match]
MACAddress=52:54:00:4b:00:0$n

[Link]
Name=nic$n
EOS
done

# NetworkManager configures the uplink only; the spare NICs belong to the tests.
mkdir -p "$root/etc/NetworkManager/conf.d" "$root/etc/NetworkManager/system-connections"
printf '[main]\nno-auto-default=*\n' > "$root/etc/NetworkManager/conf.d/90-test-no-auto-default.conf"
cat > "$root/etc/NetworkManager/system-connections/uplink.nmconnection" <<'EOS'
[connection]
id=uplink
type=ethernet
interface-name=nic0
autoconnect=true

[ipv4]
method=auto

[ipv6]
method=ignore
EOS
chmod 600 "$root/etc/NetworkManager/system-connections/uplink.nmconnection"

# Timers only add noise to a throwaway guest.
for t in apt-daily-upgrade.timer apt-daily.timer dpkg-db-backup.timer e2scrub_all.timer fstrim.timer \
         logrotate.timer man-db.timer; do
  rm -f "$root/etc/systemd/system/timers.target.wants/$t"
done
# Nothing waits for a network that the test owns.
rm -f "$root/etc/systemd/system/network-online.target.wants/NetworkManager-wait-online.service"
