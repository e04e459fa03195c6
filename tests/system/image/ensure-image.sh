#!/usr/bin/env bash
# Prints the directory of the cached guest image, building it first on a cache miss.
# The cache key is a hash of this folder (builder scripts and package list), so any change to how the
# image is made builds a new one. Cache: $KVM_TEST_IMAGE_CACHE, else ~/.cache/kvm-host-agent/guest-images.
# Exit 77 (the tier skips) when the image can neither be found nor built here, with the reason on stderr.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${KVM_TEST_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kvm-host-agent/guest-images}
key=$(cd "$here" && cat build-image.sh configure-guest.sh packages.txt | sha256sum | cut -c1-16)
dir=$cache/$key

complete() { [ -s "$1/base.qcow2" ] && [ -s "$1/vmlinuz" ] && [ -s "$1/initrd.img" ]; }
if complete "$dir"; then echo "$dir"; exit 0; fi

for tool in debootstrap qemu-img mkfs.ext4 chroot; do
  command -v "$tool" > /dev/null || { echo "no guest image in $dir and no $tool to build one" >&2; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "no guest image in $dir and building one needs root" >&2; exit 77; }

mkdir -p "$cache"
exec 9> "$cache/.lock"
flock 9   # one builder at a time; a second caller waits and then finds the image
if complete "$dir"; then echo "$dir"; exit 0; fi
echo "building the guest image into $dir (cache miss)" >&2
partial=$cache/.partial-$key-$$
rm -rf "$partial"
"$here/build-image.sh" "$partial" >&2
rm -rf "$dir"
mv "$partial" "$dir"
echo "$dir"
