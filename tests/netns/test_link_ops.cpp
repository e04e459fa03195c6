// NetlinkAdapter's LinkOps against the real kernel in a throwaway namespace, each change read back with
// `ip -j -d link`, `ip -j addr`, `ip -j route` and `bridge -j link`.
#include <algorithm>

#include "tests/netns/netns_fixture.h"

namespace tests::netns {
namespace {

using netconfig::IfName;

netconfig::BridgeOptions stp(std::optional<bool> enabled, std::optional<std::uint32_t> forward_delay) {
    netconfig::BridgeOptions options;
    options.stp.enabled = enabled;
    options.stp.forward_delay = forward_delay;
    return options;
}

bool contains(const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

// The one route in `routes` whose `dst` is `destination`, or null.
nlohmann::json find_route(const nlohmann::json& routes, const std::string& destination) {
    nlohmann::json found = nullptr;
    for (const auto& entry : routes)
        if (entry.value("dst", "") == destination) {
            EXPECT_TRUE(found.is_null()) << "two routes to " << destination << ": " << routes.dump();
            found = entry;
        }
    return found;
}

using LinkOpsTest = NetnsTest;

TEST_F(LinkOpsTest, CreatesABridgeWithStpAndForwardDelayThenChangesTheOptions) {
    ASSERT_OP_OK(adapter().create_bridge(IfName("br0"), stp(true, 4), std::nullopt));
    auto br0 = link("br0");
    ASSERT_FALSE(br0.is_null());
    EXPECT_EQ(br0["linkinfo"]["info_kind"], "bridge");
    EXPECT_EQ(br0["linkinfo"]["info_data"]["stp_state"], 1);
    EXPECT_EQ(br0["linkinfo"]["info_data"]["forward_delay"], 400);  // centiseconds
    EXPECT_EQ(br0["operstate"], "DOWN");

    netconfig::BridgeOptions changed = stp(false, 10);
    changed.stp.hello_time = 3;
    changed.stp.max_age = 25;
    changed.stp.priority = 4096;
    ASSERT_OP_OK(adapter().set_bridge_options(IfName("br0"), changed));
    const auto changed_link = link("br0");
    const auto& data = changed_link["linkinfo"]["info_data"];
    EXPECT_EQ(data["stp_state"], 0);
    EXPECT_EQ(data["forward_delay"], 1000);
    EXPECT_EQ(data["hello_time"], 300);
    EXPECT_EQ(data["max_age"], 2500);
    EXPECT_EQ(data["priority"], 4096);
}

TEST_F(LinkOpsTest, ABridgeCreatedWithoutOptionsKeepsTheKernelDefaults) {
    ASSERT_OP_OK(adapter().create_bridge(IfName("br0"), {}, std::nullopt));
    const auto br0 = link("br0");
    const auto& data = br0["linkinfo"]["info_data"];
    EXPECT_EQ(data["stp_state"], 0);
    EXPECT_EQ(data["forward_delay"], 1500);
}

// Born with the MAC, not given it afterwards: udev's MACAddressPolicy leaves such a link alone, where it would
// overwrite, moments after creation, a MAC set by a second request.
TEST_F(LinkOpsTest, ABridgeCreatedWithAMacHasItFromTheStart) {
    const auto mac = netconfig::MacAddress::parse("02:11:22:33:44:55");
    ASSERT_TRUE(mac);
    ASSERT_OP_OK(adapter().create_bridge(IfName("br0"), {}, mac));
    EXPECT_EQ(link("br0")["address"], "02:11:22:33:44:55");
}

TEST_F(LinkOpsTest, AttachesVethPortsWithCostAndPriorityAndReleasesThem) {
    add_veth("v0", "v0p");
    add_veth("v1", "v1p");
    ASSERT_OP_OK(adapter().create_bridge(IfName("br0"), stp(true, 2), std::nullopt));
    ASSERT_OP_OK(adapter().set_master(IfName("v0"), IfName("br0")));
    ASSERT_OP_OK(adapter().set_master(IfName("v1"), IfName("br0")));
    ASSERT_OP_OK(adapter().set_port_options({IfName("v0"), 7, 3}));
    ASSERT_OP_OK(adapter().set_port_options({IfName("v1"), 250, std::nullopt}));

    EXPECT_EQ(link("v0")["master"], "br0");
    EXPECT_EQ(link("v0")["linkinfo"]["info_slave_kind"], "bridge");
    const auto ports = bridge_json({"link", "show"});
    ASSERT_EQ(ports.size(), 2u) << ports.dump();
    for (const auto& port : ports) {
        EXPECT_EQ(port["master"], "br0");
        if (port["ifname"] == "v0") {
            EXPECT_EQ(port["cost"], 7);
            EXPECT_EQ(port["priority"], 3);
        } else {
            EXPECT_EQ(port["ifname"], "v1");
            EXPECT_EQ(port["cost"], 250);
            EXPECT_EQ(port["priority"], 32);  // the kernel's default port priority, untouched
        }
    }

    ASSERT_OP_OK(adapter().release(IfName("v0")));
    EXPECT_FALSE(link("v0").contains("master"));
    EXPECT_EQ(bridge_json({"link", "show"}).size(), 1u);
}

TEST_F(LinkOpsTest, SetsMtuMacAndAdministrativeState) {
    add_veth("v0", "v0p");
    ASSERT_OP_OK(adapter().set_mtu(IfName("v0"), 1400));
    ASSERT_OP_OK(adapter().set_mac(IfName("v0"), netconfig::MacAddress::parse("02:00:5e:10:00:01").value()));
    ASSERT_OP_OK(adapter().set_up(IfName("v0")));
    auto v0 = link("v0");
    EXPECT_EQ(v0["mtu"], 1400);
    EXPECT_EQ(v0["address"], "02:00:5e:10:00:01");
    const auto flags = v0["flags"].get<std::vector<std::string>>();
    EXPECT_TRUE(contains(flags, "UP")) << v0["flags"].dump();

    ASSERT_OP_OK(adapter().set_down(IfName("v0")));
    EXPECT_FALSE(contains(link("v0")["flags"].get<std::vector<std::string>>(), "UP"));
}

TEST_F(LinkOpsTest, CreatesAndDeletesAVethPair) {
    ASSERT_OP_OK(adapter().create_veth(IfName("va"), IfName("vb")));
    EXPECT_EQ(link("va")["linkinfo"]["info_kind"], "veth");
    EXPECT_EQ(link("va")["link"], "vb");
    ASSERT_OP_OK(adapter().delete_link(IfName("va")));
    EXPECT_TRUE(link("va").is_null());
    EXPECT_TRUE(link("vb").is_null());  // a veth pair goes together
}

TEST_F(LinkOpsTest, DeletesABridgeAndItsPortsStay) {
    add_veth("v0", "v0p");
    ASSERT_OP_OK(adapter().create_bridge(IfName("br0"), {}, std::nullopt));
    ASSERT_OP_OK(adapter().set_master(IfName("v0"), IfName("br0")));
    ASSERT_OP_OK(adapter().delete_link(IfName("br0")));
    EXPECT_TRUE(link("br0").is_null());
    ASSERT_FALSE(link("v0").is_null());
    EXPECT_FALSE(link("v0").contains("master"));
}

TEST_F(LinkOpsTest, AddsAndRemovesIpv4AndIpv6Addresses) {
    add_veth("v0", "v0p");
    ASSERT_OP_OK(adapter().set_up(IfName("v0")));
    ASSERT_OP_OK(adapter().add_address(IfName("v0"), address("192.0.2.10/24")));
    ASSERT_OP_OK(adapter().add_address(IfName("v0"), address("198.51.100.1/32")));
    ASSERT_OP_OK(adapter().add_address(IfName("v0"), address("2001:db8::10/64")));
    auto listed = addresses("v0");
    EXPECT_TRUE(contains(listed, "192.0.2.10/24"));
    EXPECT_TRUE(contains(listed, "198.51.100.1/32"));
    EXPECT_TRUE(contains(listed, "2001:db8::10/64"));
    EXPECT_EQ(listed.size(), 3u);
    // The broadcast address that `ip addr add ... brd +` would set.
    const auto info = ip_json({"-4", "addr", "show", "dev", "v0"}).at(0)["addr_info"];
    EXPECT_EQ(info.at(0)["broadcast"], "192.0.2.255") << info.dump();

    ASSERT_OP_OK(adapter().del_address(IfName("v0"), address("192.0.2.10/24")));
    ASSERT_OP_OK(adapter().del_address(IfName("v0"), address("2001:db8::10/64")));
    EXPECT_EQ(addresses("v0"), std::vector<std::string>{"198.51.100.1/32"});
}

TEST_F(LinkOpsTest, AddingAnAddressTwiceIsAnErrorThatNamesIt) {
    add_veth("v0", "v0p");
    ASSERT_OP_OK(adapter().add_address(IfName("v0"), address("192.0.2.10/24")));
    const auto again = adapter().add_address(IfName("v0"), address("192.0.2.10/24"));
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().message.rfind("adding 192.0.2.10/24 to v0: File exists", 0), 0u) << again.error().message;
}

class RouteOpsTest : public NetnsTest {
protected:
    void SetUp() override {
        NetnsTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        connect_gateway(true);
    }
};

TEST_F(RouteOpsTest, AddsADefaultRouteViaTheVethPeerAndRemovesIt) {
    ASSERT_OP_OK(adapter().add_route(route("0.0.0.0/0", "10.0.0.254", "v0")));
    auto found = find_route(routes(), "default");
    ASSERT_FALSE(found.is_null()) << routes().dump();
    EXPECT_EQ(found["gateway"], "10.0.0.254");
    EXPECT_EQ(found["dev"], "v0");
    EXPECT_EQ(found["protocol"], "static");

    ASSERT_OP_OK(adapter().add_route(route("::/0", "fd00::fe", "v0", 100)));
    found = find_route(routes(true), "default");
    ASSERT_FALSE(found.is_null()) << routes(true).dump();
    EXPECT_EQ(found["gateway"], "fd00::fe");
    EXPECT_EQ(found["metric"], 100);

    ASSERT_OP_OK(adapter().del_route(route("0.0.0.0/0", "10.0.0.254", "v0")));
    ASSERT_OP_OK(adapter().del_route(route("::/0", "fd00::fe", "v0")));
    EXPECT_TRUE(find_route(routes(), "default").is_null());
    EXPECT_TRUE(find_route(routes(true), "default").is_null());
}

TEST_F(RouteOpsTest, AddsPrefixRoutesWithMetricsAndRemovesOnesAddedByIp) {
    ASSERT_OP_OK(adapter().add_route(route("192.0.2.0/24", "10.0.0.254", std::nullopt, 50)));
    ASSERT_OP_OK(adapter().add_route(route("198.51.100.0/24", std::nullopt, "v0")));
    auto via = find_route(routes(), "192.0.2.0/24");
    ASSERT_FALSE(via.is_null());
    EXPECT_EQ(via["gateway"], "10.0.0.254");
    EXPECT_EQ(via["dev"], "v0");
    EXPECT_EQ(via["metric"], 50);
    auto direct = find_route(routes(), "198.51.100.0/24");
    ASSERT_FALSE(direct.is_null());
    EXPECT_EQ(direct["scope"], "link");

    // A route of another origin (`ip` marks its own "boot") is removed too.
    ip({"route", "add", "203.0.113.0/24", "via", "10.0.0.254"});
    ASSERT_OP_OK(adapter().del_route(route("203.0.113.0/24", "10.0.0.254", std::nullopt)));
    EXPECT_TRUE(find_route(routes(), "203.0.113.0/24").is_null());
}

// A rollback puts routes back with the origin observe() read: names and numbers go back as they came.
TEST_F(RouteOpsTest, ARouteThatNamesItsProtocolIsAddedWithIt) {
    auto leased = route("0.0.0.0/0", "10.0.0.254", "v0");
    leased.protocol = "dhcp";
    ASSERT_OP_OK(adapter().add_route(leased));
    EXPECT_EQ(find_route(routes(), "default")["protocol"], "dhcp");

    auto numbered = route("192.0.2.0/24", "10.0.0.254", std::nullopt);
    numbered.protocol = "77";  // a number iproute2 has no name for
    ASSERT_OP_OK(adapter().add_route(numbered));
    EXPECT_EQ(find_route(routes(), "192.0.2.0/24")["protocol"], "77");

    auto unnamed = route("198.51.100.0/24", "10.0.0.254", std::nullopt);
    ASSERT_OP_OK(adapter().add_route(unnamed));
    EXPECT_EQ(find_route(routes(), "198.51.100.0/24")["protocol"], "static");
}

TEST_F(RouteOpsTest, AnEqualRouteIsRefusedButReplacedInOneCall) {
    ASSERT_OP_OK(adapter().add_route(route("0.0.0.0/0", "10.0.0.254", "v0")));
    const auto again = adapter().add_route(route("0.0.0.0/0", "10.0.0.254", "v0"));
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().message, "adding default route via 10.0.0.254 dev v0: File exists");

    add_veth("v1", "v1p");
    ip({"link", "set", "v1", "up"});
    ip({"addr", "add", "10.0.0.2/24", "dev", "v1"});
    ASSERT_OP_OK(adapter().replace_route(route("0.0.0.0/0", "10.0.0.254", "v1")));
    const auto found = find_route(routes(), "default");
    ASSERT_FALSE(found.is_null());
    EXPECT_EQ(found["dev"], "v1");
}

TEST_F(RouteOpsTest, ARouteThroughAMissingInterfaceNamesTheInterface) {
    const auto result = adapter().add_route(route("0.0.0.0/0", "10.0.0.254", "nosuch0"));
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().message,
              "adding default route via 10.0.0.254 dev nosuch0: looking up nosuch0: No such device");
}

// The step every tutorial gets wrong by hand, done with the adapter's primitives in the order that keeps the
// host reachable: the address and the default route move from the NIC to a bridge that has the NIC as a port.
TEST_F(RouteOpsTest, MovesTheAddressAndDefaultRouteFromAPortToItsBridge) {
    ip({"route", "add", "default", "via", "10.0.0.254", "dev", "v0"});

    ASSERT_OP_OK(adapter().create_bridge(IfName("br0"), stp(false, std::nullopt), std::nullopt));
    const auto v0_mac = netconfig::MacAddress::parse(link("v0")["address"].get<std::string>()).value();
    ASSERT_OP_OK(adapter().set_mac(IfName("br0"), v0_mac));
    ASSERT_OP_OK(adapter().set_master(IfName("v0"), IfName("br0")));
    ASSERT_OP_OK(adapter().set_up(IfName("br0")));
    ASSERT_OP_OK(adapter().add_address(IfName("br0"), address("10.0.0.1/24")));
    ASSERT_OP_OK(adapter().replace_route(route("0.0.0.0/0", "10.0.0.254", "br0")));
    ASSERT_OP_OK(adapter().del_address(IfName("v0"), address("10.0.0.1/24")));

    EXPECT_TRUE(contains(addresses("br0"), "10.0.0.1/24"));
    EXPECT_FALSE(contains(addresses("v0"), "10.0.0.1/24"));
    EXPECT_EQ(link("br0")["address"], link("v0")["address"]);
    const auto found = find_route(routes(), "default");
    ASSERT_FALSE(found.is_null()) << routes().dump();
    EXPECT_EQ(found["dev"], "br0");
    EXPECT_EQ(found["gateway"], "10.0.0.254");
    // The kernel routes to the gateway over the bridge.
    const auto lookup = ip_json({"route", "get", "10.0.0.254"});
    ASSERT_EQ(lookup.size(), 1u);
    EXPECT_EQ(lookup.at(0)["dev"], "br0");
}

// The kernel takes routes and IPv6 addresses with a device that goes down or away, and a veth's peer with it:
// a plan's removal that finds its object gone has nothing left to do.
TEST_F(LinkOpsTest, RemovingWhatIsAlreadyGoneSucceeds) {
    add_veth("v0", "v0p");
    ASSERT_OP_OK(adapter().set_up(IfName("v0")));
    ASSERT_OP_OK(adapter().add_address(IfName("v0"), address("192.0.2.10/24")));
    ASSERT_OP_OK(adapter().del_address(IfName("v0"), address("192.0.2.10/24")));
    EXPECT_OP_OK(adapter().del_address(IfName("v0"), address("192.0.2.10/24")));
    EXPECT_OP_OK(adapter().del_address(IfName("v0"), address("2001:db8::10/64")));
    EXPECT_OP_OK(adapter().del_route(route("203.0.113.0/24", "192.0.2.1", "v0")));
    EXPECT_OP_OK(adapter().del_route(route("::/0", "2001:db8::1", std::nullopt)));

    ASSERT_OP_OK(adapter().delete_link(IfName("v0")));
    EXPECT_OP_OK(adapter().delete_link(IfName("v0p")));  // went with v0
    EXPECT_OP_OK(adapter().release(IfName("v0p")));
    EXPECT_OP_OK(adapter().del_address(IfName("v0"), address("192.0.2.10/24")));
    EXPECT_OP_OK(adapter().del_route(route("0.0.0.0/0", "192.0.2.1", "v0")));
}

TEST_F(LinkOpsTest, CreatingABondFailsHereWithTheKernelsReason) {
    // This kernel has no bonding driver (the system tier has one): the error says what and why.
    const auto result = adapter().create_bond(IfName("bond0"), netconfig::BondMode::active_backup, {}, std::nullopt);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().message.rfind("creating bond bond0: Operation not supported", 0), 0u)
        << result.error().message;
    EXPECT_NE(result.error().message.find("Unknown device type"), std::string::npos) << result.error().message;
    EXPECT_TRUE(link("bond0").is_null());
}

TEST_F(LinkOpsTest, CreatingAVlanFailsHereWithTheKernelsReason) {
    add_veth("v0", "v0p");
    const auto result = adapter().create_vlan(IfName("v0.10"), {IfName("v0"), 10});
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().message.rfind("creating vlan v0.10: Operation not supported", 0), 0u)
        << result.error().message;
}

TEST_F(LinkOpsTest, ErrorsNameTheOperationAndTheObject) {
    add_veth("v0", "v0p");
    const auto no_master = adapter().set_master(IfName("v0"), IfName("nobr"));
    ASSERT_FALSE(no_master.ok());
    EXPECT_EQ(no_master.error().message, "attaching v0 to nobr: looking up nobr: No such device");

    const auto no_link = adapter().set_mtu(IfName("ghost0"), 1400);
    ASSERT_FALSE(no_link.ok());
    EXPECT_EQ(no_link.error().message, "setting MTU 1400 on ghost0: No such device");

    ASSERT_OP_OK(adapter().create_bridge(IfName("br0"), {}, std::nullopt));
    const auto exists = adapter().create_bridge(IfName("br0"), {}, std::nullopt);
    ASSERT_FALSE(exists.ok());
    EXPECT_EQ(exists.error().message, "creating bridge br0: File exists");

    const auto too_small = adapter().set_mtu(IfName("v0"), 10);
    ASSERT_FALSE(too_small.ok());
    EXPECT_EQ(too_small.error().message.rfind("setting MTU 10 on v0: Invalid argument", 0), 0u)
        << too_small.error().message;

    const auto not_a_port = adapter().set_port_options({IfName("v0"), 5, std::nullopt});
    ASSERT_FALSE(not_a_port.ok());
    EXPECT_EQ(not_a_port.error().message.rfind("setting bridge port options of v0: ", 0), 0u)
        << not_a_port.error().message;
}

}  // namespace
}  // namespace tests::netns
