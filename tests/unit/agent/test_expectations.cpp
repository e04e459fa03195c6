// agent/expectations.cpp: what the checks expect, from a decoded host profile.
#include "agent/expectations.h"

#include <gtest/gtest.h>

namespace {

constexpr const char* k_profile = R"(network:
  interfaces:
  - name: bond0
    type: bond
    link-aggregation:
      mode: active-backup
      options: {miimon: 100}
      port: [nic1, nic2]
  - name: br0
    type: linux-bridge
    state: up
    ipv4:
      enabled: true
      address: [{ip: 192.0.2.10, prefix-length: 24}]
    ipv6:
      enabled: true
      address: [{ip: "2001:db8::10", prefix-length: 64}]
    bridge:
      port: [{name: bond0}]
  - name: br1
    type: linux-bridge
  - name: br9
    state: absent
  - name: bond7
    type: bond
    state: down
    link-aggregation: {mode: balance-rr, port: []}
firewall:
  zones:
  - name: internal
    interfaces: [br0]
    masquerade: true
    services: [ssh]
    ports: [5900-5999/tcp]
  - name: public
)";

TEST(ExpectationsFrom, TakesTheBridgesAndBondsTheProfileBringsUpAndItsZones) {
    const auto profile = profile::parse_profile(k_profile, "host.yaml");
    ASSERT_TRUE(profile.ok()) << profile.error().message;
    const auto expected = agent::expectations_from(profile.value());
    EXPECT_EQ(expected.profile, "host.yaml");

    ASSERT_EQ(expected.bridges.size(), 2u);
    EXPECT_EQ(expected.bridges[0].name, "br0");
    ASSERT_TRUE(expected.bridges[0].ports);
    EXPECT_EQ(*expected.bridges[0].ports, std::vector<std::string>{"bond0"});
    EXPECT_EQ(expected.bridges[0].addresses, (std::vector<std::string>{"192.0.2.10/24", "2001:db8::10/64"}));
    EXPECT_EQ(expected.bridges[1].name, "br1");
    EXPECT_FALSE(expected.bridges[1].ports) << "no port: list: the profile leaves the ports alone";
    EXPECT_TRUE(expected.bridges[1].addresses.empty());

    ASSERT_EQ(expected.bonds.size(), 1u) << "bond7 is set down: not expected up";
    EXPECT_EQ(expected.bonds[0].name, "bond0");
    EXPECT_EQ(expected.bonds[0].mode, "active-backup");
    EXPECT_EQ(expected.bonds[0].miimon, 100u);
    ASSERT_TRUE(expected.bonds[0].ports);
    EXPECT_EQ(*expected.bonds[0].ports, (std::vector<std::string>{"nic1", "nic2"}));

    ASSERT_EQ(expected.zones.size(), 2u);
    EXPECT_EQ(expected.zones[0].name, "internal");
    EXPECT_EQ(expected.zones[0].interfaces, std::vector<std::string>{"br0"});
    EXPECT_EQ(expected.zones[0].masquerade, true);
    EXPECT_EQ(expected.zones[0].services, std::vector<std::string>{"ssh"});
    EXPECT_EQ(expected.zones[0].ports, std::vector<std::string>{"5900-5999/tcp"});
    EXPECT_EQ(expected.zones[1].name, "public");
    EXPECT_FALSE(expected.zones[1].masquerade);
}

TEST(ExpectationsFrom, AProfileWithoutNetworkOrFirewallExpectsNothing) {
    const auto profile = profile::parse_profile("sysctl:\n  net.ipv4.ip_forward: 1\n", "/etc/kvm-agent/host.yaml");
    ASSERT_TRUE(profile.ok()) << profile.error().message;
    const auto expected = agent::expectations_from(profile.value());
    EXPECT_EQ(expected.profile, "/etc/kvm-agent/host.yaml");
    EXPECT_TRUE(expected.bridges.empty());
    EXPECT_TRUE(expected.bonds.empty());
    EXPECT_TRUE(expected.zones.empty());
    EXPECT_FALSE(expected.images) << "no storage: section: the checks keep their defaults";
    EXPECT_FALSE(expected.default_network_absent);
}

TEST(ExpectationsFrom, TakesTheImagesStorageAndTheDefaultNetworksRemoval) {
    const auto profile = profile::parse_profile(R"(libvirt:
  default-network: absent
storage:
  images:
    path: /srv/vm.images
    device: LABEL=images
    min-free: 100GiB
    selinux-type: svirt_home_t
    pool: images
)", "host.yaml");
    ASSERT_TRUE(profile.ok()) << profile.error().message;
    const auto expected = agent::expectations_from(profile.value());
    EXPECT_TRUE(expected.default_network_absent);
    ASSERT_TRUE(expected.images);
    EXPECT_EQ(expected.images->path, "/srv/vm.images");
    EXPECT_EQ(expected.images->pool, "images");
    EXPECT_EQ(expected.images->min_free_bytes, 100ULL << 30);
    EXPECT_EQ(expected.images->selinux_type, "svirt_home_t");
    EXPECT_TRUE(expected.images->own_filesystem);

    const auto defaults = profile::parse_profile("libvirt: {default-network: keep}\nstorage:\n  images: {}\n", "host.yaml");
    ASSERT_TRUE(defaults.ok()) << defaults.error().message;
    const auto kept = agent::expectations_from(defaults.value());
    EXPECT_FALSE(kept.default_network_absent);
    ASSERT_TRUE(kept.images);
    EXPECT_EQ(kept.images->path, "/var/lib/libvirt/images");
    EXPECT_EQ(kept.images->pool, "default");
    EXPECT_EQ(kept.images->min_free_bytes, 20ULL << 30);
    EXPECT_FALSE(kept.images->own_filesystem);
}

}  // namespace
