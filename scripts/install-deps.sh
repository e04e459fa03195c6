#!/usr/bin/env bash
# Installs what building, running and testing kvm-host-agent needs, and nothing that is already there.
# Debian 12: apt. RHEL 9 / Rocky / Alma: dnf with EPEL and CRB (sdbus-cpp, spdlog, json, gtest live there).
set -euo pipefail

debian_packages=(
  # build
  cmake g++ make ninja-build pkg-config
  libvirt-dev libsdbus-c++-dev libsystemd-dev libspdlog-dev libboost-program-options-dev
  nlohmann-json3-dev libnl-route-3-dev libyaml-cpp-dev libgtest-dev libgmock-dev
  libkmod-dev libblkid-dev libselinux1-dev libsemanage-dev
  # what the tests run against and verify with: a real libvirtd and QEMU, libvirt's own validator
  libvirt-daemon-system libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 iproute2
  # the system tier: the guest image is debootstrapped, packed with qemu-img and booted with QEMU
  debootstrap qemu-utils e2fsprogs
  # the package tier: build the RPM with Debian's rpmbuild, unpack it and lint it (packaging/rpm/check-rpm)
  rpm rpm2cpio cpio rpmlint
  # packaging/check-cli runs the bash completion for real; the tests check JSON outputs against docs/schema/
  bash-completion python3-jsonschema
  # the metrics as monitoring reads them: promtool (check metrics, test rules) and a real node_exporter
  # (RHEL has neither in its repositories or EPEL for certain: those tests skip there, saying so)
  prometheus prometheus-node-exporter
  # the Ansible collection (packaging/ansible): ansible-core runs its playbooks in the netns tier, and
  # `ansible-test sanity` runs offline on the linters it would otherwise fetch from PyPI (packaging/check-ansible)
  ansible-core pylint pycodestyle yamllint python3-voluptuous
  # the fuzz targets (scripts/fuzz.sh): clang, and its fuzzer and sanitizer runtimes (only recommended by clang)
  clang libclang-rt-dev
)
rhel_packages=(
  cmake gcc-c++ make ninja-build pkgconf-pkg-config
  libvirt-devel sdbus-cpp-devel systemd-devel spdlog-devel boost-devel json-devel libnl3-devel
  yaml-cpp-devel gtest-devel gmock-devel
  kmod-devel libblkid-devel libselinux-devel libsemanage-devel
  libvirt-daemon-kvm libvirt-client qemu-kvm iproute
  # the package tier: rpmbuild and the spec's macros, rpmlint, cpio (packaging/rpm/check-rpm)
  rpm-build systemd-rpm-macros rpmlint cpio bash-completion python3-jsonschema
  # the Ansible collection's playbooks and ansible-test (its linters from PyPI where EPEL lacks them)
  ansible-core
  # the fuzz targets (scripts/fuzz.sh): clang and compiler-rt (its fuzzer and sanitizer runtimes)
  clang compiler-rt
)

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps.sh: run as root (it installs packages)" >&2
  exit 1
fi

. /etc/os-release
case " ${ID} ${ID_LIKE:-} " in
  *" debian "*|*" ubuntu "*)
    missing=()
    for package in "${debian_packages[@]}"; do
      dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
      echo "install-deps.sh: installing ${missing[*]}"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq
      # libvirt's postinst would start its daemons where systemd runs; the tests start their own.
      apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    ;;
  *" rhel "*|*" centos "*|*" fedora "*|*" rocky "*|*" almalinux "*)
    if [ "${ID}" != "fedora" ]; then
      rpm -q epel-release >/dev/null 2>&1 || dnf install -y epel-release
      dnf config-manager --set-enabled crb 2>/dev/null || dnf config-manager --set-enabled powertools 2>/dev/null || true
    fi
    missing=()
    for package in "${rhel_packages[@]}"; do rpm -q "$package" >/dev/null 2>&1 || missing+=("$package"); done
    [ "${#missing[@]}" -eq 0 ] || dnf install -y "${missing[@]}"
    ;;
  *)
    echo "install-deps.sh: unsupported distribution '${ID}': install the equivalents of: ${debian_packages[*]}" >&2
    exit 1
    ;;
esac
