// observe -> plan -> apply through the netlink adapter, on the real kernel: the result read back with `ip -j`
// and `bridge -j`, a second plan against the new state is empty, and a rollback plan brings back what
// `ip -j -d link/addr/route` showed before.
#include <algorithm>

#include "netconfig/apply.h"
#include "netconfig/plan.h"
#include "tests/netns/netns_fixture.h"

namespace tests::netns {
namespace {

using netconfig::IfName;

netconfig::Interface bridge(const std::string& name, std::vector<netconfig::BridgePort> ports) {
    netconfig::Interface iface;
    iface.name = IfName(name);
    iface.type = netconfig::InterfaceType::linux_bridge;
    iface.state = netconfig::InterfaceState::up;
    iface.bridge.emplace().ports = std::move(ports);
    return iface;
}

std::string describe(const netconfig::Plan& plan) {
    std::string text;
    for (const auto& step : plan.steps) text += "  " + step.to_string() + "\n";
    return text;
}

class ApplyTest : public NetnsTest {
protected:
    void SetUp() override {
        NetnsTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        // v0 is the host's NIC with its address and default route; the gateway sits in a second namespace.
        connect_gateway(false);
        ip({"route", "add", "default", "via", "10.0.0.254", "dev", "v0"});
    }

    netconfig::NetworkState observe() {
        auto state = adapter().observe();
        EXPECT_TRUE(state.ok()) << state.error().message;
        return state.ok() ? std::move(state).value() : netconfig::NetworkState{};
    }
    netconfig::Plan plan_for(const netconfig::NetworkState& desired) {
        auto plan = netconfig::plan(desired, observe());
        EXPECT_TRUE(plan.ok()) << plan.error().message;
        return plan.ok() ? std::move(plan).value() : netconfig::Plan{};
    }
    // Plans, applies, and expects the next plan to be empty.
    void converge(const netconfig::NetworkState& desired) {
        const auto plan = plan_for(desired);
        ASSERT_FALSE(plan.empty()) << "nothing to do: the test would prove nothing";
        const auto outcome = netconfig::apply(plan, adapter());
        ASSERT_TRUE(outcome.ok()) << outcome.error->message << "\nplan:\n" << describe(plan);
        const auto again = plan_for(desired);
        EXPECT_TRUE(again.empty()) << "a second plan after apply:\n" << describe(again);
    }

    // What `ip` shows of the namespace, without what changes by itself (ifindex, counters, timers, IPv6
    // link-local addresses) and without route protocols (a route put back is ours, "static").
    nlohmann::json snapshot() {
        nlohmann::json out;
        for (const auto& entry : ip_json({"-d", "link", "show"})) {
            nlohmann::json flags = entry["flags"];
            std::erase(flags.get_ref<nlohmann::json::array_t&>(), "LOWER_UP");
            std::erase(flags.get_ref<nlohmann::json::array_t&>(), "M-DOWN");
            out["links"][entry["ifname"].get<std::string>()] = {
                {"mtu", entry["mtu"]}, {"address", entry["address"]}, {"flags", flags},
                {"master", entry.value("master", "")},
                {"kind", entry.contains("linkinfo") ? entry["linkinfo"].value("info_kind", "") : ""}};
        }
        for (const auto& entry : ip_json({"addr", "show"})) {
            std::vector<std::string> list;
            for (const auto& info : entry["addr_info"])
                if (!(info["family"] == "inet6" && info["scope"] == "link"))
                    list.push_back(info["local"].get<std::string>() + "/" +
                                   std::to_string(info["prefixlen"].get<int>()));
            std::sort(list.begin(), list.end());
            out["addresses"][entry["ifname"].get<std::string>()] = list;
        }
        std::vector<std::string> list;
        for (bool v6 : {false, true})
            for (const auto& entry : routes(v6)) {
                if (entry.value("dst", "").rfind("fe80::", 0) == 0) continue;
                list.push_back(entry.value("dst", "") + " via " + entry.value("gateway", "") + " dev " +
                               entry.value("dev", "") + " metric " + std::to_string(entry.value("metric", 0)));
            }
        std::sort(list.begin(), list.end());
        out["routes"] = list;
        return out;
    }
};

TEST_F(ApplyTest, MovesTheHostsAddressAndDefaultRouteOntoANewBridgeOverItsNic) {
    netconfig::NetworkState desired;
    auto br0 = bridge("br0", {{IfName("v0"), std::nullopt, std::nullopt}});
    br0.bridge->options.stp.enabled = false;
    br0.ipv4.addresses = std::vector{address("10.0.0.1/24")};
    desired.interfaces.push_back(br0);
    desired.routes.push_back(route("0.0.0.0/0", "10.0.0.254", "br0"));
    converge(desired);

    EXPECT_EQ(link("v0")["master"], "br0");
    EXPECT_EQ(addresses("br0"), std::vector<std::string>{"10.0.0.1/24"});
    EXPECT_TRUE(addresses("v0").empty());
    const auto route = ip_json({"route", "show", "default"});
    ASSERT_EQ(route.size(), 1u) << route.dump();
    EXPECT_EQ(route.at(0)["dev"], "br0");
    EXPECT_EQ(route.at(0)["gateway"], "10.0.0.254");
    EXPECT_EQ(ip_json({"route", "get", "10.0.0.254"}).at(0)["dev"], "br0");
}

TEST_F(ApplyTest, ChangesStpForwardDelayPortOptionsAndMtuOfAnExistingBridge) {
    ip({"link", "add", "br0", "type", "bridge"});
    add_veth("v1", "v1p");
    ip({"link", "set", "v1", "master", "br0"});

    netconfig::NetworkState desired;
    auto br0 = bridge("br0", {{IfName("v1"), 7, 3}});
    br0.bridge->options.stp.enabled = true;
    br0.bridge->options.stp.forward_delay = 4;
    br0.mtu = 1400;
    netconfig::Interface v1;
    v1.name = IfName("v1");
    v1.mtu = 1400;
    desired.interfaces = {br0, v1};
    converge(desired);

    const auto data = link("br0")["linkinfo"]["info_data"];
    EXPECT_EQ(data["stp_state"], 1);
    EXPECT_EQ(data["forward_delay"], 400);
    EXPECT_EQ(link("br0")["mtu"], 1400);
    const auto port = bridge_json({"link", "show", "dev", "v1"});
    ASSERT_EQ(port.size(), 1u);
    EXPECT_EQ(port.at(0)["cost"], 7);
    EXPECT_EQ(port.at(0)["priority"], 3);
}

TEST_F(ApplyTest, ARollbackPlanBringsBackWhatIpShowedBefore) {
    const auto before_json = snapshot();
    const auto before = observe();

    netconfig::NetworkState desired;
    auto br0 = bridge("br0", {{IfName("v0"), 5, std::nullopt}});
    br0.ipv4.addresses = std::vector{address("10.0.0.1/24")};
    br0.ipv6.addresses = std::vector{address("fd00::1/64")};
    desired.interfaces.push_back(br0);
    desired.routes.push_back(route("0.0.0.0/0", "10.0.0.254", "br0"));
    converge(desired);
    ASSERT_NE(snapshot(), before_json);

    auto back = netconfig::rollback_plan(before, observe());
    ASSERT_TRUE(back.ok()) << back.error().message;
    const auto outcome = netconfig::apply(*back, adapter());
    ASSERT_TRUE(outcome.ok()) << outcome.error->message << "\nplan:\n" << describe(*back);
    EXPECT_EQ(snapshot(), before_json) << "rollback plan:\n" << describe(*back);
}

TEST_F(ApplyTest, AFailedStepStopsTheRunAndTheRollbackUndoesWhatRan) {
    add_veth("v1", "v1p");
    const auto before_json = snapshot();
    const auto before = observe();

    // The bridge can be made here, the bond cannot (this kernel has no bonding): the run stops at the bond.
    netconfig::NetworkState desired;
    desired.interfaces.push_back(bridge("br0", {{IfName("v1"), std::nullopt, std::nullopt}}));
    netconfig::Interface bond;
    bond.name = IfName("bond0");
    bond.type = netconfig::InterfaceType::bond;
    bond.bond.emplace().mode = netconfig::BondMode::active_backup;
    desired.interfaces.push_back(bond);
    const auto plan = plan_for(desired);
    const auto outcome = netconfig::apply(plan, adapter());
    ASSERT_FALSE(outcome.ok());
    ASSERT_LT(outcome.completed, plan.steps.size());
    EXPECT_EQ(plan.steps[outcome.completed].kind, netconfig::StepKind::create_bond);
    EXPECT_EQ(outcome.error->message.rfind("creating bond bond0: Operation not supported", 0), 0u)
        << outcome.error->message;

    auto back = netconfig::rollback_plan(before, observe());
    ASSERT_TRUE(back.ok()) << back.error().message;
    const auto undone = netconfig::apply(*back, adapter());
    ASSERT_TRUE(undone.ok()) << undone.error->message;
    EXPECT_EQ(snapshot(), before_json) << "rollback plan:\n" << describe(*back);
}

}  // namespace
}  // namespace tests::netns
