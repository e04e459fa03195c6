// checks/firewall_zones.cpp: firewall.zones, the profile's zones in firewalld's runtime and permanent
// configuration alike (and in NetworkManager's profiles, which set the zone when they come up).
#include <gtest/gtest.h>

#include <functional>

#include "checks/judges.h"
#include "judge_test_support.h"
#include "network_test_support.h"

namespace checks {
namespace {

using namespace testing;

constexpr const char* k_firewall_fix = "kvm-agent apply --profile /etc/kvm-agent/host.yaml --only firewall";

Expectations internal_zone() {
    Expectations expectations;
    expectations.profile = "/etc/kvm-agent/host.yaml";
    expectations.zones = {{"internal", {"br0"}, true, {"ssh"}, {"5900-5999/tcp"}}};
    return expectations;
}

FirewallZoneConfig as_profile_says() { return {true, {"br0"}, true, {"ssh", "dhcpv6-client"}, {"5900-5999/tcp"}}; }

FirewallZoneFacts internal_as_profile_says() { return {"internal", as_profile_says(), as_profile_says()}; }

// firewalld running, zone internal as the profile says in both configurations, br0 defined by a keyfile without
// a zone.
StaticHostFacts converged(const FirewallZoneFacts& zone = internal_as_profile_says()) {
    StaticHostFacts facts;
    facts.firewall_fact = FirewallFacts{true, "RUNNING", "public", ""};
    facts.firewall_zone_facts["internal"] = zone;
    facts.interface_zone_facts["br0"] = InterfaceZone{"internal", "internal"};
    facts.network_definitions_fact = NetworkDefinitions{{keyfile("br0", "bridge")}};
    return facts;
}

struct ZoneCase {
    const char* name;
    std::function<void(StaticHostFacts&, FirewallZoneFacts&)> change;  // the facts, and zone internal in them
    Status status;
    const char* evidence;
    const char* fix;  // besides kvm-agent apply --only firewall
};

class FirewallZones : public ::testing::TestWithParam<ZoneCase> {};

TEST_P(FirewallZones, JudgeTheProfilesZonesInBothConfigurations) {
    const auto& c = GetParam();
    auto zone = internal_as_profile_says();
    auto facts = converged();
    if (c.change) c.change(facts, zone);
    facts.firewall_zone_facts["internal"] = zone;
    const auto expectations = internal_zone();
    const auto outcome = run_check("firewall.zones", facts, &expectations);
    EXPECT_OUTCOME(outcome, c.status, c.evidence);
    if (c.status == Status::pass) {
        EXPECT_TRUE(outcome.fix.empty()) << outcome.fix;
    } else {
        EXPECT_FIX_HAS(outcome, k_firewall_fix);
        EXPECT_FIX_HAS(outcome, c.fix);
    }
}

INSTANTIATE_TEST_SUITE_P(
    Table, FirewallZones,
    ::testing::Values(
        ZoneCase{"Converged", nullptr, Status::pass,
                 "zone internal (br0; masquerade; services ssh; ports 5900-5999/tcp): runtime and permanent agree", ""},
        ZoneCase{"Missing",
                 [](auto&, auto& z) { z = FirewallZoneFacts{"internal", {}, {}}; },
                 Status::fail, "zone internal does not exist", "firewall-cmd --permanent --new-zone=internal"},
        ZoneCase{"PermanentOnly", [](auto&, auto& z) { z.runtime = {}; }, Status::fail,
                 "zone internal is in the permanent configuration only (not loaded)", "firewall-cmd --reload"},
        ZoneCase{"RuntimeOnly", [](auto&, auto& z) { z.permanent = {}; }, Status::fail,
                 "zone internal exists at runtime only", "firewall-cmd --runtime-to-permanent"},
        // firewall-cmd --zone=internal --change-interface=br0 without --permanent: gone at the next start.
        ZoneCase{"InterfaceInTheZoneAtRuntimeOnly",
                 [](auto& f, auto& z) {
                     z.permanent.interfaces.clear();
                     f.interface_zone_facts["br0"] = InterfaceZone{"internal", ""};
                 },
                 Status::fail,
                 "br0 is in no zone (so the default zone public) in the permanent configuration (in internal at "
                 "runtime only)",
                 "firewall-cmd --permanent --zone=internal --change-interface=br0"},
        ZoneCase{"InterfaceMovedAtRuntime",
                 [](auto& f, auto& z) {
                     z.runtime.interfaces.clear();
                     f.interface_zone_facts["br0"] = InterfaceZone{"public", "internal"};
                 },
                 Status::fail, "br0 is in zone public at runtime, not in internal",
                 "firewall-cmd --zone=internal --change-interface=br0"},
        ZoneCase{"InterfaceNowhere",
                 [](auto& f, auto& z) {
                     z.runtime.interfaces.clear();
                     z.permanent.interfaces.clear();
                     f.interface_zone_facts["br0"] = InterfaceZone{"", ""};
                 },
                 Status::fail,
                 "br0 is in no zone (so the default zone public) at runtime, not in internal; br0 is in no zone",
                 "firewall-cmd --zone=internal --change-interface=br0 && firewall-cmd --permanent"},
        ZoneCase{"NetworkManagerPutsItElsewhereAtBoot",
                 [](auto& f, auto&) { f.network_definitions_fact = NetworkDefinitions{{keyfile("br0", "bridge", "", "public")}}; },
                 Status::fail,
                 "br0's NetworkManager profile /etc/NetworkManager/system-connections/kvm-agent-br0.nmconnection "
                 "puts it in zone public when it comes up, not in internal",
                 "nmcli connection modify 'kvm-agent-br0' connection.zone internal"},
        ZoneCase{"NetworkManagerPutsItThereAtBoot",
                 [](auto& f, auto& z) {
                     z.permanent.interfaces.clear();
                     f.network_definitions_fact = NetworkDefinitions{{keyfile("br0", "bridge", "", "internal")}};
                 },
                 Status::pass, "runtime and permanent agree", ""},
        ZoneCase{"TheHighestPriorityProfileDecides",
                 [](auto& f, auto&) {
                     auto installer = keyfile("br0", "bridge", "", "public");
                     installer.id = "Wired connection 1";
                     installer.autoconnect_priority = 0;
                     f.network_definitions_fact =
                         NetworkDefinitions{{installer, keyfile("br0", "bridge", "", "internal")}};
                 },
                 Status::pass, "runtime and permanent agree", ""},
        ZoneCase{"MasqueradeAtRuntimeOnly", [](auto&, auto& z) { z.permanent.masquerade = false; }, Status::fail,
                 "masquerade in zone internal at runtime only",
                 "firewall-cmd --permanent --zone=internal --add-masquerade"},
        ZoneCase{"ServiceMissing",
                 [](auto&, auto& z) {
                     z.runtime.services.erase("ssh");
                     z.permanent.services.erase("ssh");
                 },
                 Status::fail, "service ssh missing in zone internal",
                 "firewall-cmd --zone=internal --add-service=ssh && firewall-cmd --permanent --zone=internal "
                 "--add-service=ssh"},
        ZoneCase{"PortPermanentOnly", [](auto&, auto& z) { z.runtime.ports.clear(); }, Status::fail,
                 "port 5900-5999/tcp in zone internal in the permanent configuration only",
                 "firewall-cmd --zone=internal --add-port=5900-5999/tcp"},
        ZoneCase{"NotRunning", [](auto& f, auto&) { f.firewall_fact = FirewallFacts{false, "", "", "no owner"}; },
                 Status::fail, "firewalld is not running: the profile's zones internal are not in force",
                 "systemctl enable --now firewalld"},
        ZoneCase{"Failed", [](auto& f, auto&) { f.firewall_fact = FirewallFacts{true, "FAILED", "public", ""}; },
                 Status::fail, "firewalld is not running (state FAILED)", "systemctl enable --now firewalld"}),
    [](const auto& test_info) { return std::string(test_info.param.name); });

TEST(FirewallZonesProfile, MasqueradeTheProfileTurnsOffMustBeOffInBoth) {
    auto facts = converged();
    auto expectations = internal_zone();
    expectations.zones[0].masquerade = false;
    const auto outcome = run_check("firewall.zones", facts, &expectations);
    EXPECT_OUTCOME(outcome, Status::fail, "masquerade is on in zone internal, the profile turns it off");
    EXPECT_FIX_HAS(outcome, "firewall-cmd --zone=internal --remove-masquerade && firewall-cmd --permanent");
    expectations.zones[0].masquerade.reset();
    EXPECT_EQ(run_check("firewall.zones", facts, &expectations).status, Status::pass) << "left alone";
}

TEST(FirewallZonesProfile, SkipsWhenTheProfileListsNoZones) {
    Expectations expectations;
    EXPECT_OUTCOME(run_check("firewall.zones", converged(), &expectations), Status::skip,
                   "the profile lists no firewall zones");
}

TEST(FirewallZonesProfile, IsErrorWhenAZoneCannotBeRead) {
    auto facts = converged();
    facts.firewall_zone_facts["internal"] = ReadError{"asking firewalld for runtime zone internal: timed out"};
    const auto expectations = internal_zone();
    EXPECT_OUTCOME(run_check("firewall.zones", facts, &expectations), Status::error, "timed out");
}

TEST(FirewallZonesProfile, SaysWhichInterfaceIsWhereEvenWhenItsZoneIsUnknown) {
    auto zone = internal_as_profile_says();
    zone.runtime.interfaces.clear();
    auto facts = converged(zone);
    facts.interface_zone_facts.clear();
    const auto expectations = internal_zone();
    EXPECT_OUTCOME(run_check("firewall.zones", facts, &expectations), Status::fail,
                   "br0 is not in zone internal at runtime");
}

}  // namespace
}  // namespace checks
