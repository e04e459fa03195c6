#include "profile/profile.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace profile {
namespace {

using netconfig::IfName;
using namespace std::chrono_literals;

const std::filesystem::path k_good = std::filesystem::path(KVM_FIXTURES_DIR) / "profiles" / "good";

std::string read(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

HostProfile good(const std::string& name) {
    auto loaded = parse_profile(read(k_good / name), name);
    if (!loaded) throw std::runtime_error(loaded.error().message);
    return *loaded;
}

std::string error_of(const std::string& text) {
    const auto loaded = parse_profile(text, "host.yaml");
    return loaded ? "accepted" : loaded.error().message;
}

TEST(Profile, LoadsTheDesignExampleWithEverySection) {
    const auto profile = good("design-example.yaml");
    for (auto section : k_sections) EXPECT_TRUE(profile.has(section)) << section;
    EXPECT_EQ(profile.sections.at("kvm"), (Position{2, 1}));
    EXPECT_EQ(profile.sections.at("network"), (Position{10, 1}));
    ASSERT_TRUE(profile.network);
    const auto& desired = profile.network->desired;
    ASSERT_EQ(desired.interfaces.size(), 3u);

    const auto& bond = desired.interfaces[0];
    EXPECT_EQ(bond.name.str(), "bond0");
    EXPECT_EQ(bond.type, netconfig::InterfaceType::bond);
    EXPECT_EQ(bond.state, netconfig::InterfaceState::up);
    ASSERT_TRUE(bond.bond);
    EXPECT_EQ(bond.bond->mode, netconfig::BondMode::active_backup);
    EXPECT_EQ(bond.bond->options.miimon, 100u);
    EXPECT_EQ(bond.bond->ports, (std::vector<IfName>{IfName("eno1"), IfName("eno2")}));

    const auto& bridge = desired.interfaces[1];
    EXPECT_TRUE(bridge.mac_from_port);
    EXPECT_FALSE(bridge.mac_address);
    EXPECT_EQ(bridge.ipv4.enabled, true);
    EXPECT_EQ(bridge.ipv4.dhcp, false);
    ASSERT_TRUE(bridge.ipv4.addresses);
    ASSERT_EQ(bridge.ipv4.addresses->size(), 1u);
    EXPECT_EQ((*bridge.ipv4.addresses)[0].to_string(), "192.0.2.10/24");
    EXPECT_FALSE(bridge.ipv6.addresses) << "not specified: left alone";
    ASSERT_TRUE(bridge.bridge);
    EXPECT_EQ(bridge.bridge->options.stp.enabled, false);
    EXPECT_FALSE(bridge.bridge->options.stp.forward_delay);
    ASSERT_TRUE(bridge.bridge->ports);
    EXPECT_EQ((*bridge.bridge->ports)[0].name.str(), "bond0");

    const auto& vlan = desired.interfaces[2];
    EXPECT_FALSE(vlan.state) << "unspecified";
    ASSERT_TRUE(vlan.vlan);
    EXPECT_EQ(vlan.vlan->base_iface.str(), "br0");
    EXPECT_EQ(vlan.vlan->id, 20);

    ASSERT_EQ(desired.routes.size(), 1u);
    EXPECT_TRUE(desired.routes[0].destination.is_default());
    EXPECT_EQ(desired.routes[0].next_hop_address->to_string(), "192.0.2.1");
    EXPECT_EQ(desired.routes[0].next_hop_interface->str(), "br0");
    EXPECT_FALSE(desired.routes[0].metric);
    EXPECT_FALSE(desired.routes[0].table_id);

    ASSERT_EQ(profile.network->verify.probes.size(), 1u);
    EXPECT_EQ(profile.network->verify.probes[0].kind, netconfig::Probe::Kind::gateway);
    EXPECT_EQ(profile.network->verify.rollback_after, std::chrono::milliseconds(60s));
}

TEST(Profile, LoadsBridgeStpPortOptionsIpv6AndProbes) {
    const auto profile = good("bridge-over-nic.yaml");
    EXPECT_FALSE(profile.has("kvm"));
    const auto& bridge = profile.network->desired.interfaces[1];
    const auto& stp = bridge.bridge->options.stp;
    EXPECT_EQ(stp.enabled, true);
    EXPECT_EQ(stp.forward_delay, 4u);
    EXPECT_EQ(stp.hello_time, 2u);
    EXPECT_EQ(stp.max_age, 20u);
    EXPECT_EQ(stp.priority, 32768u);
    const auto& port = (*bridge.bridge->ports)[0];
    EXPECT_EQ(port.stp_path_cost, 100u);
    EXPECT_EQ(port.stp_priority, 32u);
    EXPECT_EQ(bridge.ipv6.autoconf, false);
    EXPECT_EQ((*bridge.ipv6.addresses)[0].to_string(), "2001:db8::10/64");
    EXPECT_EQ(profile.network->desired.routes[0].metric, 100u);
    EXPECT_EQ(profile.network->desired.routes[1].destination.to_string(), "::/0");
    std::vector<std::string> probes;
    for (const auto& probe : profile.network->verify.probes) probes.push_back(probe.to_string());
    EXPECT_EQ(probes, (std::vector<std::string>{"gateway", "192.0.2.53:53", "[2001:db8::53]:53",
                                                "mirror.example.com:443"}));
    EXPECT_EQ(profile.network->verify.rollback_after, std::chrono::milliseconds(90s));
}

TEST(Profile, LoadsBondOptionsPortsAliasAbsentInterfacesAndAbsentRoutes) {
    const auto profile = good("two-bonds-two-bridges.yaml");
    const auto& desired = profile.network->desired;
    const auto& bond0 = desired.interfaces[0].bond->options;
    EXPECT_EQ(desired.interfaces[0].bond->mode, netconfig::BondMode::ieee_802_3ad);
    EXPECT_EQ(bond0.updelay, 200u);
    EXPECT_EQ(bond0.downdelay, 200u);
    EXPECT_EQ(bond0.lacp_rate, netconfig::LacpRate::fast);
    EXPECT_EQ(bond0.xmit_hash_policy, netconfig::XmitHashPolicy::layer3_4);
    EXPECT_EQ(desired.interfaces[1].bond->options.primary, IfName("eno3"));
    EXPECT_EQ(desired.interfaces[1].bond->ports->size(), 2u) << "ports: is port:";
    EXPECT_EQ(desired.interfaces[1].mtu, 9000u);
    EXPECT_EQ(desired.interfaces[5].state, netconfig::InterfaceState::absent);
    EXPECT_EQ(desired.routes[1].table_id, 100u);
    EXPECT_TRUE(desired.routes[2].absent);
}

TEST(Profile, TakesNmstatesDescriptionAndNamesTheNewKeyForLegacySlaves) {
    const auto loaded = parse_profile(R"(network:
  interfaces:
  - name: br0
    description: guests on the LAN
    type: linux-bridge
)",
                                      "host.yaml");
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(loaded->network->desired.interfaces[0].description, "guests on the LAN");

    EXPECT_EQ(error_of(R"(network:
  interfaces:
  - name: bond0
    type: bond
    link-aggregation: {mode: active-backup, slaves: [eno1]}
)"),
              "host.yaml:5:45: bond0: \"slaves\" in \"link-aggregation\" is nmstate's old name: write \"port\" instead");
}

// An admin fixing a profile sees every problem at once, each where it is, not one per run.
TEST(Profile, ARefusedProfileListsEveryProblemEachWithItsPlace) {
    EXPECT_EQ(error_of(R"(network:
  interfaces:
  - name: br0
    type: linux-brige
  - name: bond0
    type: bond
    mtu: huge
  - name: eno1
  routes:
    config:
    - {destination: 0.0.0.0/0, next-hop-address: 192.0.2.300, next-hop-interface: br0}
firewall:
  zones: 7
)"),
              "host.yaml:4:11: br0: unknown interface type \"linux-brige\" (did you mean \"linux-bridge\"?)\n"
              "host.yaml:7:10: bond0: \"mtu\" must be a whole number, not \"huge\"\n"
              "host.yaml:11:50: routes: bad IP address \"192.0.2.300\"\n"
              "host.yaml:13:10: firewall: \"zones\" must be a list, not \"7\"");
    // Once it reads, every validation problem too.
    const std::set<netconfig::IfName> host{netconfig::IfName("lo"), netconfig::IfName("eno1")};
    const auto checked = parse_profile(R"(network:
  interfaces:
  - name: br0
    type: linux-bridge
    bridge: {port: [{name: eno9}]}
  - name: vlan5
    type: vlan
    vlan: {base-iface: eno8, id: 5}
)",
                                       "host.yaml", &host);
    ASSERT_FALSE(checked);
    EXPECT_EQ(checked.error().message,
              "host.yaml:5:21: br0: port eno9 is neither in the profile nor on the host\n"
              "host.yaml:8:24: vlan5: base-iface eno8 is neither in the profile nor on the host");
}

TEST(Profile, TreatsAnEmptyFileAndAnEmptySectionAsNothingToDo) {
    for (const char* text : {"", "# only a comment\n", "network:\n", "network: {}\n", "---\n"}) {
        const auto loaded = parse_profile(text, "host.yaml");
        ASSERT_TRUE(loaded.ok()) << text << ": " << loaded.error().message;
        if (loaded->network) {
            EXPECT_TRUE(loaded->network->desired.interfaces.empty());
        }
    }
}

// verify: what else kvm-agent apply proves. Not a section: --only cannot name it, nothing is converged for it.
TEST(Profile, ReadsVerifyGuestSmokeAndKeepsItOutOfTheSections) {
    const auto loaded = parse_profile("kvm: {}\nverify:\n  guest-smoke: true\n", "host.yaml");
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    ASSERT_TRUE(loaded->verify);
    EXPECT_TRUE(loaded->verify->guest_smoke);
    EXPECT_FALSE(loaded->has("verify"));
    EXPECT_TRUE(loaded->has("kvm"));
    EXPECT_FALSE(parse_profile("kvm: {}\n", "host.yaml")->verify) << "absent: no proof asked";
    EXPECT_FALSE(parse_profile("verify: {}\n", "host.yaml")->verify->guest_smoke);

    EXPECT_EQ(error_of("verify:\n  guest-smok: true\n"),
              "host.yaml:2:3: verify: unknown key \"guest-smok\" in \"verify\" (did you mean \"guest-smoke\"?)");
    EXPECT_EQ(error_of("verify:\n  guest-smoke: sometimes\n"), "host.yaml:2:16: verify: \"guest-smoke\" must be true or false, not \"sometimes\"");
    EXPECT_EQ(error_of("verify: [guest-smoke]\n"), "host.yaml:1:9: verify: \"verify\" must be a map, not a list");
    EXPECT_EQ(error_of("verfy: {}\n"), "host.yaml:1:1: unknown key \"verfy\" (did you mean \"verify\"?)");
}

TEST(Profile, RecordsWhereEachSectionIs) {
    const auto loaded = parse_profile("# host\npackages: [qemu-kvm, libvirt]\nsysctl: {net.ipv4.ip_forward: 1}\n", "h.yaml");
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    EXPECT_EQ(loaded->sections.at("packages"), (Position{2, 1}));
    EXPECT_EQ(loaded->sections.at("sysctl"), (Position{3, 1}));
    EXPECT_FALSE(loaded->has("network"));
    EXPECT_FALSE(loaded->network);
}

TEST(Profile, AcceptsNmstateSpellingsOfNumbersAndBooleans) {
    const auto loaded = parse_profile(R"(
network:
  interfaces:
  - name: bond0
    type: bond
    link-aggregation: {mode: 4, options: {lacp_rate: 0, miimon: "100"}, port: [eno1]}
  - name: eno2
    ipv4: {enabled: yes, dhcp: off}
)", "host.yaml");
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    const auto& desired = loaded->network->desired;
    EXPECT_EQ(desired.interfaces[0].bond->mode, netconfig::BondMode::ieee_802_3ad);
    EXPECT_EQ(desired.interfaces[0].bond->options.lacp_rate, netconfig::LacpRate::slow);
    EXPECT_EQ(desired.interfaces[0].bond->options.miimon, 100u);
    EXPECT_EQ(desired.interfaces[1].ipv4.enabled, true);
    EXPECT_EQ(desired.interfaces[1].ipv4.dhcp, false);
}

TEST(Profile, NamesThePathAsGivenInMessages) {
    const auto loaded = parse_profile("netwrk: {}\n", "/etc/kvm-agent/host.yaml");
    ASSERT_FALSE(loaded.ok());
    EXPECT_EQ(loaded.error().message, "/etc/kvm-agent/host.yaml:1:1: unknown key \"netwrk\" (did you mean \"network\"?)");
}

TEST(Profile, PointsAtTheEntryAProblemIsAbout) {
    EXPECT_EQ(error_of("network:\n  interfaces:\n  - name: br0\n    type: linux-bridge\n"
                       "    bridge:\n      options:\n        stp:\n          hello-time: 11\n"),
              "host.yaml:8:23: br0: hello-time 11 is out of range 1..10");
    EXPECT_EQ(error_of("network:\n  interfaces:\n  - {name: br0, type: linux-bridge, bridge: {port: [{name: x, "
                       "stp-priority: 64}]}}\n"),
              "host.yaml:3:77: br0: stp-priority 64 is out of range 0..63");
    EXPECT_EQ(error_of("network:\n  routes:\n    config:\n    - {destination: 0.0.0.0/0, next-hop-interface: br0, "
                       "next-hop-address: \"2001:db8::1\"}\n"),
              "host.yaml:4:75: routes: next-hop-address 2001:db8::1 is not an IPv4 address like the destination "
              "0.0.0.0/0");
}

TEST(Profile, RefusesValuesThatDoNotFitTheirType) {
    EXPECT_EQ(error_of("network:\n  interfaces:\n  - {name: eno1, mtu: 99999999999}\n"),
              "host.yaml:3:23: eno1: \"mtu\" 99999999999 is too large (at most 4294967295)");
    EXPECT_EQ(error_of("network:\n  interfaces:\n  - {name: eno1.5, type: vlan, vlan: {base-iface: eno1, id: 70000}}\n"),
              "host.yaml:3:61: eno1.5: vlan id 70000 is out of range 1..4094");
    EXPECT_EQ(error_of("network:\n  interfaces:\n  - {name: [eno1]}\n"),
              "host.yaml:3:12: interfaces[0]: \"name\" must be a string, not a list");
    EXPECT_EQ(error_of("network:\n  interfaces:\n  - eno1\n"),
              "host.yaml:3:5: interfaces[0]: an interface must be a map, not \"eno1\"");
    EXPECT_EQ(error_of("network:\n  interfaces:\n  - {name: br0, type: linux-bridge, bridge: {port: [eno1]}}\n"),
              "host.yaml:3:53: br0: bridge ports are maps like {name: eno1}, not \"eno1\"");
    EXPECT_EQ(error_of("network:\n  interfaces:\n  - {name: b0, type: bond, link-aggregation: {port: [eno1], ports: [eno2]}}\n"),
              "host.yaml:3:61: b0: \"port\" and \"ports\" are the same list: give one");
    EXPECT_EQ(error_of("network:\n  routes: {config: [{destination: 192.0.2.0}]}\n"),
              "host.yaml:2:35: routes: destination \"192.0.2.0\" needs a prefix length, like 192.0.2.0/32");
    EXPECT_EQ(error_of("network:\n  verify: {probe: [\"2001:db8::1:22\"]}\n"),
              "host.yaml:2:20: verify: bad probe \"2001:db8::1:22\": write an IPv6 target in brackets, like "
              "[2001:db8::1]:22");
}

TEST(Profile, ChecksReferencesAgainstTheHostOnRequest) {
    const auto profile = good("design-example.yaml");
    EXPECT_FALSE(check_against(profile, {IfName("eno1"), IfName("eno2")}));
    const auto error = check_against(profile, {IfName("eno1")});
    ASSERT_TRUE(error);
    EXPECT_EQ(error->message, "design-example.yaml:18:20: bond0: port eno2 is neither in the profile nor on the host");
}

TEST(Profile, LoadsAFileAndRefusesWhatIsNotOne) {
    const auto loaded = load_profile((k_good / "design-example.yaml").string());
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    EXPECT_EQ(loaded->source, (k_good / "design-example.yaml").string());
    const auto missing = load_profile("/nonexistent/host.yaml");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().message, "/nonexistent/host.yaml: cannot open: No such file or directory");
    EXPECT_EQ(load_owned_profile("/nonexistent/host.yaml").error().message,
              "/nonexistent/host.yaml: cannot open: No such file or directory");
    const auto directory = std::filesystem::temp_directory_path() / "kvm-profile-test-binary.yaml";
    {
        std::ofstream out(directory, std::ios::binary);
        out << "network:\n" << '\0' << "\n";
    }
    const auto binary = load_profile(directory.string());
    std::filesystem::remove(directory);
    ASSERT_FALSE(binary.ok());
    EXPECT_EQ(binary.error().message, directory.string() + ": binary content, not YAML");
}

TEST(Profile, SurvivesDeepNestingAndAliases) {
    std::string deep = "network: ";
    for (int i = 0; i < 5000; ++i) deep += "[";
    EXPECT_NE(error_of(deep), "accepted");
    const auto aliases = parse_profile(
        "x: &a {name: eno1}\nnetwork:\n  interfaces: [*a, *a]\n", "host.yaml");
    ASSERT_FALSE(aliases.ok());
    EXPECT_EQ(aliases.error().message,
              "host.yaml:3:16: YAML aliases (*name) are not accepted in a profile: write the value out");
}

// Ten levels of ten aliases each would load as 10^10 nodes: refused from the events, before anything is built.
TEST(Profile, RefusesAnAliasBombBeforeLoadingIt) {
    std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (int level = 1; level <= 10; ++level) {
        const auto below = "*a" + std::to_string(level - 1);
        bomb += "a" + std::to_string(level) + ": &a" + std::to_string(level) + " [";
        for (int i = 0; i < 10; ++i) bomb += (i ? ", " : "") + below;
        bomb += "]\n";
    }
    const auto refused = parse_profile(bomb, "host.yaml");
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().message,
              "host.yaml:2:10: YAML aliases (*name) are not accepted in a profile: write the value out");
}

}  // namespace
}  // namespace profile
