#include "provision/firewall_plan.h"

#include "common/text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace provision {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

profile::FirewallZone zone(std::string name, std::vector<std::string> interfaces, std::optional<bool> masquerade = {},
                           std::vector<std::string> services = {}, std::vector<std::string> ports = {}) {
    return profile::FirewallZone{std::move(name), std::move(interfaces), masquerade, std::move(services),
                                 std::move(ports)};
}

profile::FirewallSection internal_zone() {
    return profile::FirewallSection{{zone("internal", {"nic1"}, true, {"libvirt"}, {"5900-5999/tcp"})}};
}

// firewalld as it ships: the stock zones exist, nothing is bound, masquerade off.
FirewallObservation stock(const std::vector<std::string>& zones = {"public", "internal", "external", "dmz"}) {
    FirewallObservation observed;
    for (const auto& name : zones) {
        observed.runtime.zones[name].exists = true;
        observed.permanent.zones[name].exists = true;
    }
    return observed;
}

TEST(PlanFirewall, AFreshZoneGetsEverythingInRuntimeAndPermanentAlike) {
    const auto plan = plan_firewall(internal_zone(), stock());
    EXPECT_THAT(plan.problems, IsEmpty());
    EXPECT_THAT(describe(plan.changes),
                ElementsAre("firewalld runtime and permanent: put nic1 in zone internal",
                            "firewalld runtime and permanent: turn masquerade on in zone internal",
                            "firewalld runtime and permanent: allow service libvirt in zone internal",
                            "firewalld runtime and permanent: open port 5900-5999/tcp in zone internal"));
    EXPECT_EQ(plan.changes.size(), 8u);
    EXPECT_EQ(plan.changes[0].scope, FirewallScope::runtime);
    EXPECT_EQ(plan.changes[1].scope, FirewallScope::permanent);
}

TEST(PlanFirewall, AConvergedZoneIsNothingToDo) {
    auto observed = stock();
    for (auto* config : {&observed.runtime, &observed.permanent}) {
        config->zone_of_interface["nic1"] = "internal";
        auto& internal = config->zones["internal"];
        internal.masquerade = true;
        internal.services = {"libvirt"};
        internal.ports = {"5900-5999/tcp"};
    }
    observed.connections.by_interface["nic1"] = ConnectionOwner{"nic1", "/org/freedesktop/NetworkManager/Settings/3", "internal"};
    const auto plan = plan_firewall(internal_zone(), observed);
    EXPECT_THAT(plan.changes, IsEmpty());
    EXPECT_THAT(plan.problems, IsEmpty());
}

TEST(PlanFirewall, AnInterfaceMovesFromItsZoneAndRuntimeAndPermanentAreSaidApartWhenTheyDiffer) {
    auto observed = stock();
    observed.runtime.zone_of_interface["nic1"] = "public";
    const auto plan = plan_firewall(profile::FirewallSection{{zone("internal", {"nic1"})}}, observed);
    ASSERT_EQ(plan.changes.size(), 2u);
    EXPECT_EQ(plan.changes[0].previous, "public");
    EXPECT_EQ(plan.changes[1].previous, "");
    EXPECT_THAT(describe(plan.changes), ElementsAre("firewalld runtime: put nic1 in zone internal (now in public)",
                                                    "firewalld permanent: put nic1 in zone internal"));
}

TEST(PlanFirewall, TheProfileNetworkManagerActivatesOnTheInterfaceGetsTheZoneToo) {
    auto observed = stock();
    observed.runtime.zone_of_interface["nic1"] = "internal";
    observed.permanent.zone_of_interface["nic1"] = "internal";
    const ConnectionOwner owner{"Wired nic1", "/org/freedesktop/NetworkManager/Settings/7", ""};
    observed.connections.by_interface["nic1"] = owner;
    const auto plan = plan_firewall(profile::FirewallSection{{zone("internal", {"nic1"})}}, observed);
    ASSERT_EQ(plan.changes.size(), 1u);
    EXPECT_EQ(plan.changes[0].scope, FirewallScope::connection);
    EXPECT_EQ(plan.changes[0].connection.path, owner.path);
    EXPECT_EQ(describe(plan.changes[0]),
              "NetworkManager profile \"Wired nic1\" on nic1: set connection.zone to internal (now the default zone)");
}

TEST(PlanFirewall, MasqueradeFalseTurnsItOffWhereItIsOnAndAbsentLeavesIt) {
    auto observed = stock();
    observed.runtime.zones["external"].masquerade = true;
    observed.permanent.zones["external"].masquerade = true;
    const auto off = plan_firewall(profile::FirewallSection{{zone("external", {}, false)}}, observed);
    EXPECT_THAT(describe(off.changes), ElementsAre("firewalld runtime and permanent: turn masquerade off in zone external"));
    EXPECT_FALSE(off.changes[0].add);
    EXPECT_THAT(plan_firewall(profile::FirewallSection{{zone("external", {})}}, observed).changes, IsEmpty());
}

TEST(PlanFirewall, OnlyWhatIsMissingInEachConfigurationIsAdded) {
    auto observed = stock();
    observed.runtime.zones["internal"].services = {"ssh"};
    observed.permanent.zones["internal"].ports = {"53/udp"};
    const auto plan = plan_firewall(profile::FirewallSection{{zone("internal", {}, {}, {"ssh"}, {"53/udp"})}}, observed);
    EXPECT_THAT(describe(plan.changes), ElementsAre("firewalld permanent: allow service ssh in zone internal",
                                                    "firewalld runtime: open port 53/udp in zone internal"));
}

TEST(PlanFirewall, AZoneFirewalldDoesNotHaveAndAnInterfaceInTwoZonesAreProblems) {
    auto observed = stock({"public"});
    observed.permanent.zones["internal"].exists = true;
    auto plan = plan_firewall(profile::FirewallSection{{zone("internal", {"nic1"})}}, observed);
    EXPECT_THAT(plan.problems, ElementsAre("firewalld's runtime configuration has no zone internal"));
    EXPECT_THAT(plan.changes, IsEmpty());

    plan = plan_firewall(profile::FirewallSection{{zone("public", {"nic1"}), zone("internal", {"nic2", "nic1"})}}, stock());
    EXPECT_THAT(plan.problems,
                ElementsAre("interface nic1 is listed in zones public and internal: an interface is in one zone"));
}

TEST(SplitPort, PortOrRangeAndProtocol) {
    EXPECT_EQ(split_port("5900-5999/tcp"), (std::pair<std::string, std::string>{"5900-5999", "tcp"}));
    EXPECT_EQ(split_port("53/udp"), (std::pair<std::string, std::string>{"53", "udp"}));
}

// firewalld as a fake that applies what it is asked to its own observation.
class FakeFirewalld : public FirewallControl {
public:
    FirewallObservation state = stock();
    std::vector<FirewallChange> applied;
    std::optional<std::string> down;
    std::optional<FirewallItem> fails_on;
    bool ignores_permanent = false;

    common::Result<FirewallObservation> observe(const profile::FirewallSection&) override {
        if (down) return common::make_error(*down);
        auto observed = state;
        observed.connections = {};
        return observed;
    }
    std::optional<FirewallScope> fails_in;
    std::size_t batches_applied = 0;

    common::Result<std::monostate> apply(const std::vector<FirewallChange>& batch) override {
        for (const auto& change : batch)
            if (fails_on == change.kind && (!fails_in || fails_in == change.scope))
                return common::make_error(common::join(describe(batch), "; ") + ": INVALID_SERVICE");
        ++batches_applied;
        for (const auto& change : batch) {
            applied.push_back(change);
            if (ignores_permanent && change.scope == FirewallScope::permanent) continue;
            auto& config = change.scope == FirewallScope::runtime ? state.runtime : state.permanent;
            auto& zone = config.zones[change.zone];
            switch (change.kind) {
            case FirewallItem::interface: config.zone_of_interface[change.item] = change.zone; break;
            case FirewallItem::masquerade: zone.masquerade = change.add; break;
            case FirewallItem::service: zone.services.insert(change.item); break;
            case FirewallItem::port: zone.ports.insert(change.item); break;
            }
        }
        return std::monostate{};
    }
};

class FakeNetworkManager : public ConnectionZones {
public:
    ConnectionOwners owners_now;
    std::vector<std::string> updates;

    common::Result<ConnectionOwners> owners(const std::vector<std::string>&) override { return owners_now; }
    common::Result<std::monostate> set_zone(const ConnectionOwner& connection, const std::string& zone) override {
        updates.push_back(connection.id + "=" + zone);
        for (auto& [name, owner] : owners_now.by_interface)
            if (owner.path == connection.path) owner.zone = zone;
        return std::monostate{};
    }
};

TEST(ConvergeFirewall, AppliesRuntimePermanentAndTheProfileThenASecondRunChangesNothing) {
    FakeFirewalld firewalld;
    FakeNetworkManager nm;
    nm.owners_now.by_interface["nic1"] = ConnectionOwner{"nic1", "/org/freedesktop/NetworkManager/Settings/3", "public"};
    const auto first = converge_firewall(internal_zone(), firewalld, nm);
    EXPECT_THAT(first.failures, IsEmpty());
    EXPECT_EQ(firewalld.applied.size(), 8u);
    EXPECT_EQ(firewalld.batches_applied, 2u);  // one settings update per configuration of the zone
    EXPECT_THAT(nm.updates, ElementsAre("nic1=internal"));
    EXPECT_EQ(first.changed.size(), 5u);
    EXPECT_THAT(first.changed[1], "NetworkManager profile \"nic1\" on nic1: set connection.zone to internal (now public)");

    firewalld.applied.clear();
    const auto second = converge_firewall(internal_zone(), firewalld, nm);
    EXPECT_THAT(second.changed, IsEmpty());
    EXPECT_THAT(second.failures, IsEmpty());
    EXPECT_THAT(firewalld.applied, IsEmpty());
    EXPECT_THAT(nm.updates, ElementsAre("nic1=internal"));
}

TEST(ConvergeFirewall, WithoutNetworkManagerOnlyFirewalldChangesAndANoteSaysSo) {
    FakeFirewalld firewalld;
    FakeNetworkManager nm;
    nm.owners_now.not_asked = "NetworkManager is not running";
    const auto result = converge_firewall(internal_zone(), firewalld, nm);
    EXPECT_THAT(result.failures, IsEmpty());
    EXPECT_THAT(result.notes, ElementsAre("NetworkManager was not asked (NetworkManager is not running): zones are set "
                                          "in firewalld only"));
}

TEST(ConvergeFirewall, FirewalldNotRunningIsAFailureAndNothingIsTried) {
    FakeFirewalld firewalld;
    firewalld.down = "firewalld is not running (org.fedoraproject.FirewallD1 has no owner on the system bus)";
    FakeNetworkManager nm;
    const auto result = converge_firewall(internal_zone(), firewalld, nm);
    EXPECT_THAT(result.failures, ElementsAre(HasSubstr("firewalld is not running")));
    EXPECT_THAT(firewalld.applied, IsEmpty());
}

TEST(ConvergeFirewall, AFailedBatchStopsTheRestAndKeepsWhatWasDone) {
    FakeFirewalld firewalld;
    firewalld.fails_on = FirewallItem::service;
    firewalld.fails_in = FirewallScope::permanent;
    FakeNetworkManager nm;
    nm.owners_now.by_interface["nic1"] = ConnectionOwner{"nic1", "/org/freedesktop/NetworkManager/Settings/3", "public"};
    const auto result = converge_firewall(internal_zone(), firewalld, nm);
    EXPECT_THAT(result.failures,
                ElementsAre("firewalld permanent: put nic1 in zone internal; firewalld permanent: turn masquerade on in "
                            "zone internal; firewalld permanent: allow service libvirt in zone internal; firewalld "
                            "permanent: open port 5900-5999/tcp in zone internal: INVALID_SERVICE"));
    EXPECT_THAT(result.changed, ElementsAre("firewalld runtime: put nic1 in zone internal",
                                            "firewalld runtime: turn masquerade on in zone internal",
                                            "firewalld runtime: allow service libvirt in zone internal",
                                            "firewalld runtime: open port 5900-5999/tcp in zone internal"));
    EXPECT_THAT(nm.updates, IsEmpty());  // the profile's zone follows firewalld's, so it waits for both
}

TEST(FirewallBatches, OneBatchPerZoneAndConfigurationInThePlansOrderAProfileChangeAlone) {
    auto observed = stock();
    observed.connections.by_interface["nic1"] = ConnectionOwner{"nic1", "/org/freedesktop/NetworkManager/Settings/3", ""};
    const auto plan = plan_firewall(
        profile::FirewallSection{{zone("internal", {"nic1"}, true), zone("dmz", {}, {}, {"ssh"})}}, observed);
    ASSERT_EQ(plan.changes.size(), 7u);
    const auto groups = batches(plan.changes);
    ASSERT_EQ(groups.size(), 5u);
    const auto at = [&](std::size_t group) {
        std::vector<std::string> lines;
        for (const auto i : groups[group]) lines.push_back(describe(plan.changes[i]));
        return lines;
    };
    EXPECT_THAT(at(0), ElementsAre("firewalld runtime: put nic1 in zone internal",
                                   "firewalld runtime: turn masquerade on in zone internal"));
    EXPECT_THAT(at(1), ElementsAre("firewalld permanent: put nic1 in zone internal",
                                   "firewalld permanent: turn masquerade on in zone internal"));
    EXPECT_THAT(at(2), ElementsAre(HasSubstr("NetworkManager profile \"nic1\" on nic1: set connection.zone")));
    EXPECT_THAT(at(3), ElementsAre("firewalld runtime: allow service ssh in zone dmz"));
    EXPECT_THAT(at(4), ElementsAre("firewalld permanent: allow service ssh in zone dmz"));
}

TEST(ConvergeFirewall, WhatIsStillDifferentAfterApplyIsAFailure) {
    FakeFirewalld firewalld;
    firewalld.ignores_permanent = true;
    FakeNetworkManager nm;
    const auto result = converge_firewall(profile::FirewallSection{{zone("internal", {"nic1"})}}, firewalld, nm);
    EXPECT_THAT(result.failures,
                ElementsAre("after apply, still different: firewalld permanent: put nic1 in zone internal"));
}

TEST(ConvergeFirewall, AProfileTheHostCannotHaveFailsOnInput) {
    FakeFirewalld firewalld;
    FakeNetworkManager nm;
    const auto result = converge_firewall(profile::FirewallSection{{zone("nosuchzone", {"nic1"})}}, firewalld, nm);
    EXPECT_TRUE(result.failed_on_input);
    EXPECT_THAT(result.failures, ElementsAre("firewalld's runtime configuration has no zone nosuchzone",
                                             "firewalld's permanent configuration has no zone nosuchzone"));
    EXPECT_THAT(firewalld.applied, IsEmpty());
}

}  // namespace
}  // namespace provision
