#pragma once
// The profile with every section that the whole-host system tests and the provisioning benchmark apply in a
// guest: one text, so the benchmark times exactly what the tests prove.
namespace tests::system {

inline constexpr const char* k_whole_host_profile = R"YAML(# every section, as a KVM host admin writes it
kvm:
  nested: true
packages: [qemu-system-x86, libvirt-daemon-system, libvirt-clients]
libvirt:
  daemons: libvirtd
  default-network: absent
sysctl:
  net.ipv4.ip_forward: 1
network:
  interfaces:
  - name: bond0
    type: bond
    link-aggregation:
      mode: active-backup
      options: {miimon: 100}
      port: [nic1, nic2]
  - name: br0
    type: linux-bridge
    mac-address: from-port
    ipv4:
      enabled: true
      address: [{ip: 192.0.2.10, prefix-length: 24}]
    bridge:
      options: {stp: {enabled: false}}
      port: [{name: bond0}]
  verify:
    rollback-after: 30s
firewall:
  zones:
  - name: internal
    interfaces: [br0]
    masquerade: true
    ports: [5900-5999/tcp]
storage:
  images:
    path: /var/lib/libvirt/images
    device: /dev/vdb
    filesystem: xfs
    format: if-blank
    min-free: 1GiB
    pool: default
)YAML";

}  // namespace tests::system
