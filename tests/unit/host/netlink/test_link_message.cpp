// decode_link_message (host/netlink/link_message.cpp) over hand-built RTM_NEWLINK bytes, and assemble_state
// (host/netlink/observed_state.cpp) over decoded links: the mapping rules without a kernel. Hostile bytes
// (truncated, lying lengths, random mutations) must decode to something or nothing, never read out of bounds.
#include <gtest/gtest.h>
#include <linux/if.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/ipv6.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "host/netlink/link_message.h"
#include "host/netlink/observed_state.h"

namespace {

using host::netlink::decode_link_message;
using host::netlink::LinkMessage;
using Bytes = std::vector<std::uint8_t>;

// Builds netlink messages the way the kernel lays them out: 4-byte aligned attributes, nests by length.
class MessageBuilder {
public:
    MessageBuilder(int index, unsigned flags, unsigned short type = ARPHRD_ETHER) {
        m_bytes.resize(sizeof(nlmsghdr));
        ifinfomsg info{};
        info.ifi_index = index;
        info.ifi_flags = flags;
        info.ifi_type = type;
        append(&info, sizeof info);
    }
    MessageBuilder& string(std::uint16_t type, const std::string& value) {
        return attribute(type, value.c_str(), value.size() + 1);
    }
    template <typename T>
    MessageBuilder& integer(std::uint16_t type, T value) {
        return attribute(type, &value, sizeof value);
    }
    MessageBuilder& attribute(std::uint16_t type, const void* data, std::size_t length) {
        nlattr header{static_cast<std::uint16_t>(sizeof(nlattr) + length), type};
        append(&header, sizeof header);
        append(data, length);
        return *this;
    }
    MessageBuilder& open(std::uint16_t type) {
        m_nests.push_back(m_bytes.size());
        nlattr header{0, static_cast<std::uint16_t>(type | NLA_F_NESTED)};
        append(&header, sizeof header);
        return *this;
    }
    MessageBuilder& close() {
        const auto start = m_nests.back();
        m_nests.pop_back();
        const auto length = static_cast<std::uint16_t>(m_bytes.size() - start);
        std::memcpy(m_bytes.data() + start, &length, sizeof length);
        return *this;
    }
    Bytes bytes() const {
        nlmsghdr header{};
        header.nlmsg_len = static_cast<std::uint32_t>(m_bytes.size());
        header.nlmsg_type = RTM_NEWLINK;
        const auto* start = reinterpret_cast<const std::uint8_t*>(&header);
        Bytes out(start, start + sizeof header);
        out.insert(out.end(), m_bytes.begin() + sizeof header, m_bytes.end());
        return out;
    }

private:
    void append(const void* data, std::size_t length) {
        const auto* p = static_cast<const std::uint8_t*>(data);
        m_bytes.insert(m_bytes.end(), p, p + length);
        m_bytes.resize((m_bytes.size() + 3) & ~std::size_t{3});
    }
    Bytes m_bytes;
    std::vector<std::size_t> m_nests;
};

Bytes bridge_message() {
    const std::uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x01};
    MessageBuilder message(3, IFF_UP);
    message.string(IFLA_IFNAME, "br0").integer<std::uint32_t>(IFLA_MTU, 1400).attribute(IFLA_ADDRESS, mac, 6);
    // Data before kind, as nothing forbids: the decoder must not depend on the order.
    message.open(IFLA_LINKINFO).open(IFLA_INFO_DATA);
    message.integer<std::uint32_t>(IFLA_BR_FORWARD_DELAY, 400).integer<std::uint32_t>(IFLA_BR_STP_STATE, 1);
    message.integer<std::uint16_t>(IFLA_BR_PRIORITY, 4096).close();
    message.string(IFLA_INFO_KIND, "bridge").close();
    return message.bytes();
}

Bytes port_message(int index, const std::string& name, int master) {
    MessageBuilder message(index, 0);
    message.string(IFLA_IFNAME, name).integer<std::uint32_t>(IFLA_MASTER, static_cast<std::uint32_t>(master));
    message.integer<std::uint32_t>(IFLA_LINK, static_cast<std::uint32_t>(index + 100));
    message.open(IFLA_LINKINFO).string(IFLA_INFO_KIND, "veth").string(IFLA_INFO_SLAVE_KIND, "bridge");
    message.open(IFLA_INFO_SLAVE_DATA).integer<std::uint32_t>(IFLA_BRPORT_COST, 7);
    message.integer<std::uint16_t>(IFLA_BRPORT_PRIORITY, 3).close().close();
    return message.bytes();
}

TEST(LinkMessage, DecodesABridgeWhateverTheOrderOfKindAndData) {
    const auto link = decode_link_message(bridge_message());
    ASSERT_TRUE(link);
    EXPECT_EQ(link->index, 3);
    EXPECT_EQ(link->name, "br0");
    EXPECT_EQ(link->mtu, 1400u);
    EXPECT_EQ(link->address, (Bytes{0x02, 0, 0, 0, 0, 0x01}));
    EXPECT_EQ(link->kind, "bridge");
    ASSERT_TRUE(link->bridge);
    EXPECT_EQ(link->bridge->stp_state, 1u);
    EXPECT_EQ(link->bridge->forward_delay, 400u);
    EXPECT_EQ(link->bridge->priority, 4096u);
    EXPECT_FALSE(link->bridge->hello_time);
}

TEST(LinkMessage, DecodesABridgePortsCostAndPriority) {
    const auto link = decode_link_message(port_message(5, "v0", 3));
    ASSERT_TRUE(link);
    EXPECT_EQ(link->master, 3);
    EXPECT_EQ(link->kind, "veth");
    EXPECT_EQ(link->port_kind, "bridge");
    ASSERT_TRUE(link->bridge_port);
    EXPECT_EQ(link->bridge_port->cost, 7u);
    EXPECT_EQ(link->bridge_port->priority, 3u);
}

TEST(LinkMessage, DecodesABondsModeAndOptions) {
    MessageBuilder message(7, 0);
    message.string(IFLA_IFNAME, "bond0").open(IFLA_LINKINFO).string(IFLA_INFO_KIND, "bond").open(IFLA_INFO_DATA);
    message.integer<std::uint8_t>(IFLA_BOND_MODE, 4).integer<std::uint32_t>(IFLA_BOND_MIIMON, 100);
    message.integer<std::uint8_t>(IFLA_BOND_AD_LACP_RATE, 1).integer<std::uint8_t>(IFLA_BOND_XMIT_HASH_POLICY, 2);
    message.integer<std::uint32_t>(IFLA_BOND_PRIMARY, 9).close().close();
    const auto link = decode_link_message(message.bytes());
    ASSERT_TRUE(link && link->bond);
    EXPECT_EQ(link->bond->mode, 4u);
    EXPECT_EQ(link->bond->miimon, 100u);
    EXPECT_EQ(link->bond->lacp_rate, 1u);
    EXPECT_EQ(link->bond->xmit_hash_policy, 2u);
    EXPECT_EQ(link->bond->primary, 9u);
}

// IPv6's per-link settings as the kernel sends them: AF_INET and AF_INET6 under IFLA_AF_SPEC, the latter with
// the devconf array, one s32 per DEVCONF_* index.
Bytes link_with_ipv6_conf(std::int32_t disable_ipv6, std::size_t entries) {
    std::vector<std::int32_t> conf(entries, 0);
    if (entries > DEVCONF_DISABLE_IPV6) conf[DEVCONF_DISABLE_IPV6] = disable_ipv6;
    MessageBuilder message(6, IFF_UP);
    message.string(IFLA_IFNAME, "br0").open(IFLA_AF_SPEC);
    message.open(AF_INET).attribute(1, conf.data(), 8).close();
    message.open(AF_INET6).integer<std::uint32_t>(IFLA_INET6_FLAGS, 0);
    message.attribute(IFLA_INET6_CONF, conf.data(), conf.size() * sizeof(std::int32_t)).close().close();
    return message.bytes();
}

TEST(LinkMessage, DecodesWhetherIpv6IsDisabledOnTheLink) {
    EXPECT_EQ(decode_link_message(link_with_ipv6_conf(1, DEVCONF_MAX))->ipv6_disabled, true);
    EXPECT_EQ(decode_link_message(link_with_ipv6_conf(0, DEVCONF_MAX))->ipv6_disabled, false);
    EXPECT_FALSE(decode_link_message(link_with_ipv6_conf(1, DEVCONF_DISABLE_IPV6))->ipv6_disabled)
        << "an array too short to hold the switch says nothing";
    EXPECT_FALSE(decode_link_message(bridge_message())->ipv6_disabled) << "no AF_INET6: the kernel has no IPv6";
}

TEST(LinkMessage, IgnoresAnIntegerOfTheWrongSize) {
    MessageBuilder message(2, 0);
    message.string(IFLA_IFNAME, "v0").integer<std::uint16_t>(IFLA_MTU, 1500);
    const auto link = decode_link_message(message.bytes());
    ASSERT_TRUE(link);
    EXPECT_FALSE(link->mtu);
}

TEST(LinkMessage, RefusesWhatIsNotALinkOrHasNoName) {
    auto bytes = bridge_message();
    nlmsghdr header;
    std::memcpy(&header, bytes.data(), sizeof header);
    header.nlmsg_type = RTM_NEWADDR;
    auto not_a_link = bytes;
    std::memcpy(not_a_link.data(), &header, sizeof header);
    EXPECT_FALSE(decode_link_message(not_a_link));
    EXPECT_FALSE(decode_link_message(MessageBuilder(4, 0).integer<std::uint32_t>(IFLA_MTU, 1500).bytes()));
    EXPECT_FALSE(decode_link_message(Bytes{}));
}

TEST(LinkMessage, SurvivesEveryTruncationAndRandomMutations) {
    const auto bytes = port_message(5, "v0", 3);
    for (std::size_t length = 0; length < bytes.size(); ++length) {
        Bytes cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(length));
        (void)decode_link_message(cut);  // the header's length then exceeds the bytes: refused or partial
        // A header that agrees with the cut: attributes end early.
        if (length >= sizeof(nlmsghdr)) {
            const auto size = static_cast<std::uint32_t>(length);
            std::memcpy(cut.data(), &size, sizeof size);
            (void)decode_link_message(cut);
        }
    }
    std::mt19937 random(12345);
    for (int round = 0; round < 20000; ++round) {
        auto mutated = round % 2 ? bytes : bridge_message();
        const int flips = 1 + static_cast<int>(random() % 8);
        for (int i = 0; i < flips; ++i)
            mutated[random() % mutated.size()] = static_cast<std::uint8_t>(random());
        const auto link = decode_link_message(mutated);
        if (link) {
            EXPECT_LE(link->name.size(), mutated.size());
        }
    }
}

TEST(AssembleState, PutsPortsOnTheirBridgeAndConvertsTimersToSeconds) {
    std::vector<LinkMessage> links;
    links.push_back(*decode_link_message(port_message(5, "v0", 3)));
    links.push_back(*decode_link_message(bridge_message()));
    host::netlink::AddressRecord v6_link_local{3, {*netconfig::IpAddress::parse("fe80::1"), 64, false}};
    host::netlink::AddressRecord v4{3, {*netconfig::IpAddress::parse("192.0.2.1"), 24, false}};
    host::netlink::RouteRecord default_route;
    default_route.route.destination = *netconfig::IpNetwork::parse("0.0.0.0/0");
    default_route.out_index = 3;

    const auto state = host::netlink::assemble_state(links, {v6_link_local, v4}, {default_route});
    ASSERT_EQ(state.interfaces.size(), 2u);
    EXPECT_EQ(state.interfaces[0].name.str(), "br0");  // ifindex order
    const auto& br0 = state.interfaces[0];
    EXPECT_EQ(br0.type, netconfig::InterfaceType::linux_bridge);
    EXPECT_EQ(br0.bridge->options.stp.forward_delay, 4u);
    EXPECT_EQ(br0.bridge->options.stp.enabled, true);
    ASSERT_EQ(br0.bridge->ports->size(), 1u);
    EXPECT_EQ(br0.bridge->ports->at(0).stp_path_cost, 7u);
    EXPECT_EQ(br0.ipv4.addresses->size(), 1u);
    EXPECT_TRUE(br0.ipv6.addresses->empty());
    EXPECT_EQ(state.interfaces[1].controller, netconfig::IfName("br0"));
    EXPECT_TRUE(state.interfaces[1].veth->peer.empty());  // its peer (index 105) is not among the links
    ASSERT_EQ(state.routes.size(), 1u);
    EXPECT_EQ(state.routes[0].next_hop_interface, netconfig::IfName("br0"));
}

TEST(AssembleState, NamesKindsTheModelHasNoTypeFor) {
    std::vector<LinkMessage> links(3);
    links[0].index = 1, links[0].name = "lo", links[0].arp_type = ARPHRD_LOOPBACK;
    links[1].index = 2, links[1].name = "eth0", links[1].arp_type = ARPHRD_ETHER;
    links[2].index = 3, links[2].name = "tap0", links[2].arp_type = ARPHRD_ETHER, links[2].kind = "tun";
    const auto state = host::netlink::assemble_state(links, {}, {});
    EXPECT_EQ(state.interfaces[0].type, netconfig::InterfaceType::other);
    EXPECT_EQ(state.interfaces[0].other_kind, "loopback");
    EXPECT_EQ(state.interfaces[1].type, netconfig::InterfaceType::ethernet);
    EXPECT_EQ(state.interfaces[2].type, netconfig::InterfaceType::other);
    EXPECT_EQ(state.interfaces[2].other_kind, "tun");
}

}  // namespace
