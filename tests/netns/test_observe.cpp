// NetlinkAdapter::observe() against namespaces set up with `ip` alone: the model must say what `ip -j -d`
// and `bridge -j` say.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "tests/netns/netns_fixture.h"

namespace tests::netns {
namespace {

using netconfig::IfName;
using netconfig::InterfaceType;

const netconfig::Route* find_route(const netconfig::NetworkState& state, const std::string& destination,
                                   const std::string& device) {
    const netconfig::Route* found = nullptr;
    for (const auto& route : state.routes)
        if (route.destination.to_string() == destination && route.next_hop_interface &&
            route.next_hop_interface->str() == device) {
            EXPECT_EQ(found, nullptr) << "two routes to " << destination << " on " << device;
            found = &route;
        }
    return found;
}

std::vector<std::string> texts(const std::vector<netconfig::InterfaceAddress>& addresses) {
    std::vector<std::string> out;
    for (const auto& address : addresses) out.push_back(address.to_string());
    return out;
}

class ObserveTest : public NetnsTest {
protected:
    netconfig::NetworkState observe() {
        auto state = adapter().observe();
        EXPECT_TRUE(state.ok()) << state.error().message;
        return state.ok() ? std::move(state).value() : netconfig::NetworkState{};
    }
    const netconfig::Interface& get(const netconfig::NetworkState& state, const std::string& name) {
        const auto* iface = state.find(IfName(name));
        if (!iface) throw std::runtime_error("observe() has no interface " + name);
        return *iface;
    }
};

TEST_F(ObserveTest, ReadsABridgeWithPortsAddressesAndDefaultRoutesMadeWithIp) {
    ip({"link", "add", "br0", "type", "bridge", "stp_state", "1", "forward_delay", "400"});
    add_veth("v0", "v0p");
    add_veth("v1", "v1p");
    ip({"link", "set", "v0", "master", "br0"});
    ip({"link", "set", "v1", "master", "br0"});
    ip({"link", "set", "v0", "type", "bridge_slave", "cost", "7", "priority", "3"});
    ip({"link", "set", "br0", "mtu", "1400"});
    ip({"link", "set", "br0", "up"});
    ip({"addr", "add", "10.0.0.1/24", "dev", "br0"});
    ip({"addr", "add", "fd00::1/64", "dev", "br0", "nodad"});
    ip({"route", "add", "default", "via", "10.0.0.254", "dev", "br0"});
    ip({"-6", "route", "add", "default", "via", "fd00::fe", "dev", "br0"});

    const auto state = observe();
    const auto& br0 = get(state, "br0");
    EXPECT_EQ(br0.type, InterfaceType::linux_bridge);
    EXPECT_EQ(br0.state, netconfig::InterfaceState::up);
    EXPECT_EQ(br0.mtu, 1400u);
    ASSERT_TRUE(br0.mac_address);
    EXPECT_EQ(br0.mac_address->to_string(),
              netconfig::MacAddress::parse(link("br0")["address"].get<std::string>())->to_string());
    ASSERT_TRUE(br0.bridge);
    const auto& stp = br0.bridge->options.stp;
    EXPECT_EQ(stp.enabled, true);
    EXPECT_EQ(stp.forward_delay, 4u);
    EXPECT_EQ(stp.hello_time, 2u);
    EXPECT_EQ(stp.max_age, 20u);
    EXPECT_EQ(stp.priority, 32768u);

    ASSERT_TRUE(br0.bridge->ports);
    ASSERT_EQ(br0.bridge->ports->size(), 2u);
    const auto& v0_port = br0.bridge->ports->at(0);
    EXPECT_EQ(v0_port.name.str(), "v0");
    EXPECT_EQ(v0_port.stp_path_cost, 7u);
    EXPECT_EQ(v0_port.stp_priority, 3u);
    const auto& v1_port = br0.bridge->ports->at(1);
    EXPECT_EQ(v1_port.name.str(), "v1");
    for (const auto& port : bridge_json({"link", "show", "dev", "v1"})) {
        EXPECT_EQ(v1_port.stp_path_cost, port["cost"].get<std::uint32_t>());
        EXPECT_EQ(v1_port.stp_priority, port["priority"].get<std::uint32_t>());
    }

    const auto& v0 = get(state, "v0");
    EXPECT_EQ(v0.type, InterfaceType::veth);
    EXPECT_EQ(v0.state, netconfig::InterfaceState::down);
    EXPECT_EQ(v0.controller, IfName("br0"));
    ASSERT_TRUE(v0.veth);
    EXPECT_EQ(v0.veth->peer.str(), "v0p");
    EXPECT_FALSE(get(state, "v0p").controller);

    EXPECT_EQ(texts(*br0.ipv4.addresses), std::vector<std::string>{"10.0.0.1/24"});
    EXPECT_EQ(texts(*br0.ipv6.addresses), std::vector<std::string>{"fd00::1/64"});
    EXPECT_FALSE(br0.ipv4.addresses->at(0).dynamic);
    EXPECT_EQ(br0.ipv4.enabled, true);
    EXPECT_EQ(v0.ipv4.enabled, false);

    const auto* v4_default = find_route(state, "0.0.0.0/0", "br0");
    ASSERT_NE(v4_default, nullptr);
    EXPECT_EQ(v4_default->next_hop_address->to_string(), "10.0.0.254");
    EXPECT_EQ(v4_default->protocol, "boot");  // what `ip route add` marks its routes with
    EXPECT_EQ(v4_default->table_id, netconfig::k_main_table);
    EXPECT_EQ(v4_default->metric, 0u);
    const auto* v6_default = find_route(state, "::/0", "br0");
    ASSERT_NE(v6_default, nullptr);
    EXPECT_EQ(v6_default->next_hop_address->to_string(), "fd00::fe");
    EXPECT_EQ(v6_default->metric, 1024u);
    const auto* prefix = find_route(state, "10.0.0.0/24", "br0");
    ASSERT_NE(prefix, nullptr);
    EXPECT_EQ(prefix->protocol, "kernel");
    EXPECT_FALSE(prefix->next_hop_address);

    const auto& lo = get(state, "lo");
    EXPECT_EQ(lo.type, InterfaceType::other);
    EXPECT_EQ(lo.other_kind, "loopback");
}

TEST_F(ObserveTest, AgreesWithIpOnEveryLink) {
    ip({"link", "add", "br0", "type", "bridge"});
    ip({"link", "add", "br1", "type", "bridge", "stp_state", "1"});
    add_veth("v0", "v0p");
    add_veth("v1", "v1p");
    ip({"link", "set", "v0", "master", "br0"});
    ip({"link", "set", "v1", "master", "br1"});
    ip({"link", "set", "v1p", "mtu", "9000"});
    ip({"link", "set", "v0p", "address", "02:11:22:33:44:55"});
    ip({"link", "set", "br1", "up"});
    ip({"link", "set", "v1", "up"});

    const auto state = observe();
    const auto links = ip_json({"-d", "link", "show"});
    ASSERT_EQ(state.interfaces.size(), links.size());
    for (const auto& entry : links) {
        const std::string name = entry["ifname"];
        SCOPED_TRACE(name);
        const auto& iface = get(state, name);
        EXPECT_EQ(iface.mtu, entry["mtu"].get<std::uint32_t>());
        if (name != "lo") {
            ASSERT_TRUE(iface.mac_address);
            EXPECT_EQ(iface.mac_address->to_string(),
                      netconfig::MacAddress::parse(entry["address"].get<std::string>())->to_string());
        }
        const auto flags = entry["flags"].get<std::vector<std::string>>();
        const bool up = std::find(flags.begin(), flags.end(), "UP") != flags.end();
        EXPECT_EQ(iface.state, up ? netconfig::InterfaceState::up : netconfig::InterfaceState::down);
        if (entry.contains("master")) {
            EXPECT_EQ(iface.controller, IfName(entry["master"].get<std::string>()));
        } else {
            EXPECT_FALSE(iface.controller);
        }
        const std::string kind = entry.contains("linkinfo") ? entry["linkinfo"].value("info_kind", "") : "";
        const auto expected = kind == "bridge" ? InterfaceType::linux_bridge
                              : kind == "veth"  ? InterfaceType::veth
                                                : InterfaceType::other;
        EXPECT_EQ(iface.type, expected);
    }
    EXPECT_EQ(get(state, "br1").bridge->options.stp.enabled, true);
    EXPECT_EQ(get(state, "br0").bridge->options.stp.enabled, false);
}

TEST_F(ObserveTest, ReadsBackWhatTheAdapterSet) {
    add_veth("v0", "v0p");
    netconfig::BridgeOptions options;
    options.stp.enabled = true;
    options.stp.forward_delay = 7;
    options.stp.hello_time = 3;
    options.stp.max_age = 30;
    options.stp.priority = 8192;
    ASSERT_OP_OK(adapter().create_bridge(IfName("br0"), options, std::nullopt));
    ASSERT_OP_OK(adapter().set_master(IfName("v0"), IfName("br0")));
    ASSERT_OP_OK(adapter().set_port_options({IfName("v0"), 42, 9}));

    const auto state = observe();
    const auto& br0 = get(state, "br0");
    ASSERT_TRUE(br0.bridge);
    EXPECT_EQ(br0.bridge->options.stp.enabled, true);
    EXPECT_EQ(br0.bridge->options.stp.forward_delay, 7u);
    EXPECT_EQ(br0.bridge->options.stp.hello_time, 3u);
    EXPECT_EQ(br0.bridge->options.stp.max_age, 30u);
    EXPECT_EQ(br0.bridge->options.stp.priority, 8192u);
    ASSERT_EQ(br0.bridge->ports->size(), 1u);
    EXPECT_EQ(br0.bridge->ports->at(0).stp_path_cost, 42u);
    EXPECT_EQ(br0.bridge->ports->at(0).stp_priority, 9u);
}

TEST_F(ObserveTest, LeavesOutIpv6LinkLocalAddressesAndMarksLeasedOnesDynamic) {
    add_veth("v0", "v0p");
    ip({"link", "set", "v0", "up"});
    ip({"link", "set", "v0p", "up"});
    ip({"addr", "add", "192.0.2.5/24", "dev", "v0", "valid_lft", "300", "preferred_lft", "300"});
    ip({"addr", "add", "192.0.2.6/24", "dev", "v0"});

    // The kernel gives v0 a link-local address once it has a carrier; wait for it so the test means something.
    bool has_link_local = false;
    for (int i = 0; i < 50 && !has_link_local; ++i) {
        const auto listed = ip_json({"-6", "addr", "show", "dev", "v0"});
        for (const auto& info : listed.at(0)["addr_info"])
            has_link_local = has_link_local || info["scope"] == "link";
        if (!has_link_local) ::usleep(20000);
    }
    ASSERT_TRUE(has_link_local) << "v0 got no IPv6 link-local address";

    const auto state = observe();
    const auto& v0 = get(state, "v0");
    EXPECT_TRUE(v0.ipv6.addresses->empty()) << texts(*v0.ipv6.addresses).at(0);
    ASSERT_EQ(v0.ipv4.addresses->size(), 2u);
    for (const auto& address : *v0.ipv4.addresses)
        EXPECT_EQ(address.dynamic, address.to_string() == "192.0.2.5/24") << address.to_string();
}

TEST_F(ObserveTest, GivesOneRouteEntryPerNextHopOfAMultipathRoute) {
    add_veth("v0", "v0p");
    add_veth("v1", "v1p");
    for (const std::string name : {"v0", "v0p", "v1", "v1p"}) ip({"link", "set", name, "up"});
    ip({"addr", "add", "10.0.0.1/24", "dev", "v0"});
    ip({"addr", "add", "10.0.1.1/24", "dev", "v1"});
    ip({"route", "add", "198.51.100.0/24", "metric", "20", "nexthop", "via", "10.0.0.254", "dev", "v0",
        "nexthop", "via", "10.0.1.254", "dev", "v1"});

    const auto state = observe();
    const auto* first = find_route(state, "198.51.100.0/24", "v0");
    const auto* second = find_route(state, "198.51.100.0/24", "v1");
    ASSERT_NE(first, nullptr);
    ASSERT_NE(second, nullptr);
    EXPECT_EQ(first->next_hop_address->to_string(), "10.0.0.254");
    EXPECT_EQ(second->next_hop_address->to_string(), "10.0.1.254");
    EXPECT_EQ(first->metric, 20u);
}

TEST_F(ObserveTest, AVethWhosePeerIsInAnotherNamespaceHasNoPeerName) {
    Namespace elsewhere;
    ASSERT_FALSE(elsewhere.name().empty()) << elsewhere.error();
    add_veth("v0", "v0p");
    add_veth("v1", "v1p");
    ip({"link", "set", "v0p", "netns", elsewhere.name()});

    const auto state = observe();
    ASSERT_TRUE(get(state, "v0").veth);
    EXPECT_TRUE(get(state, "v0").veth->peer.empty());
    EXPECT_EQ(get(state, "v1").veth->peer.str(), "v1p");
    EXPECT_EQ(state.find(IfName("v0p")), nullptr);
}

TEST_F(ObserveTest, ReadsAThousandInterfacesInOneObservation) {
    std::string batch;
    for (int i = 0; i < 500; ++i)
        batch += "link add s" + std::to_string(i) + " type veth peer name p" + std::to_string(i) + "\n";
    const std::string file = "/tmp/" + ns() + ".batch";
    {
        std::FILE* out = std::fopen(file.c_str(), "w");
        ASSERT_NE(out, nullptr);
        std::fputs(batch.c_str(), out);
        std::fclose(out);
    }
    ip({"-batch", file});
    std::remove(file.c_str());

    const auto started = std::chrono::steady_clock::now();
    const auto state = observe();
    const auto elapsed = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(state.interfaces.size(), 1001u);  // and lo
    EXPECT_EQ(get(state, "s499").veth->peer.str(), "p499");
    // Generous: this is a guard against quadratic work, not a benchmark.
    const auto milliseconds = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
    RecordProperty("observe_ms", std::to_string(milliseconds));
    EXPECT_LT(milliseconds, 1000);
}

}  // namespace
}  // namespace tests::netns
