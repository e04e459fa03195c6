#pragma once
// The network state model, shared by the desired state (the profile's `network:` section, a subset of nmstate's
// schema) and the observed state (what host/netlink reads from the kernel). Plain structs, no system headers.
//
// Convergence rule: desired ⊆ observed. In a desired state every std::optional left empty means "not specified:
// leave whatever the host has". An observed state fills everything the kernel reports.
// Units follow nmstate: bridge timers in seconds, bond timers in milliseconds, MTU in bytes.
#include <array>
#include <chrono>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"

namespace netconfig {

// A Linux interface name as the kernel accepts it: 1..15 bytes, no '/', no whitespace, not "." or "..".
// Default-constructed it is empty ("not named yet"); every other value went through a check.
class IfName {
public:
    static constexpr std::size_t k_max_length = 15;  // IFNAMSIZ - 1

    IfName() = default;
    // Throws std::invalid_argument for an invalid name: for literals and names the kernel handed us.
    explicit IfName(std::string_view name);
    static common::Result<IfName> make(std::string_view name);
    // Why `name` is not a valid interface name ("is longer than 15 bytes", "contains '/'"...), or nullopt.
    static std::optional<std::string> problem(std::string_view name);

    const std::string& str() const { return m_name; }
    bool empty() const { return m_name.empty(); }
    friend bool operator==(const IfName&, const IfName&) = default;
    friend auto operator<=>(const IfName&, const IfName&) = default;

private:
    std::string m_name;
};

// A name and the enum value it stands for, in the spelling of nmstate (and of the kernel's sysfs, for bonds).
template <typename E>
struct NamedValue {
    E value;
    std::string_view name;
};

enum class InterfaceType { ethernet, linux_bridge, bond, vlan, veth, other };
inline constexpr std::array<NamedValue<InterfaceType>, 6> k_interface_types{{
    {InterfaceType::ethernet, "ethernet"},
    {InterfaceType::linux_bridge, "linux-bridge"},
    {InterfaceType::bond, "bond"},
    {InterfaceType::vlan, "vlan"},
    {InterfaceType::veth, "veth"},
    {InterfaceType::other, "other"},
}};

// up: exists and IFF_UP; down: exists, administratively down; absent: must not exist (virtual) / unconfigured.
enum class InterfaceState { up, down, absent };
inline constexpr std::array<NamedValue<InterfaceState>, 3> k_interface_states{{
    {InterfaceState::up, "up"},
    {InterfaceState::down, "down"},
    {InterfaceState::absent, "absent"},
}};

// The seven kernel bond modes; the values are the kernel's BOND_MODE_* numbers (IFLA_BOND_MODE).
enum class BondMode : std::uint8_t {
    balance_rr = 0,
    active_backup = 1,
    balance_xor = 2,
    broadcast = 3,
    ieee_802_3ad = 4,
    balance_tlb = 5,
    balance_alb = 6,
};
inline constexpr std::array<NamedValue<BondMode>, 7> k_bond_modes{{
    {BondMode::balance_rr, "balance-rr"},
    {BondMode::active_backup, "active-backup"},
    {BondMode::balance_xor, "balance-xor"},
    {BondMode::broadcast, "broadcast"},
    {BondMode::ieee_802_3ad, "802.3ad"},
    {BondMode::balance_tlb, "balance-tlb"},
    {BondMode::balance_alb, "balance-alb"},
}};

// IFLA_BOND_AD_LACP_RATE values.
enum class LacpRate : std::uint8_t { slow = 0, fast = 1 };
inline constexpr std::array<NamedValue<LacpRate>, 2> k_lacp_rates{{
    {LacpRate::slow, "slow"},
    {LacpRate::fast, "fast"},
}};

// IFLA_BOND_XMIT_HASH_POLICY values.
enum class XmitHashPolicy : std::uint8_t {
    layer2 = 0,
    layer3_4 = 1,
    layer2_3 = 2,
    encap2_3 = 3,
    encap3_4 = 4,
    vlan_srcmac = 5,
};
inline constexpr std::array<NamedValue<XmitHashPolicy>, 6> k_xmit_hash_policies{{
    {XmitHashPolicy::layer2, "layer2"},
    {XmitHashPolicy::layer3_4, "layer3+4"},
    {XmitHashPolicy::layer2_3, "layer2+3"},
    {XmitHashPolicy::encap2_3, "encap2+3"},
    {XmitHashPolicy::encap3_4, "encap3+4"},
    {XmitHashPolicy::vlan_srcmac, "vlan+srcmac"},
}};

// The name of an enum value from its table above ("active-backup"), and back.
template <typename E, std::size_t N>
constexpr std::string_view name_of(E value, const std::array<NamedValue<E>, N>& table) {
    for (const auto& entry : table)
        if (entry.value == value) return entry.name;
    return "?";
}
template <typename E, std::size_t N>
constexpr std::optional<E> value_of(std::string_view name, const std::array<NamedValue<E>, N>& table) {
    for (const auto& entry : table)
        if (entry.name == name) return entry.value;
    return std::nullopt;
}
std::string_view to_string(InterfaceType type);
std::string_view to_string(InterfaceState state);
std::string_view to_string(BondMode mode);
std::string_view to_string(LacpRate rate);
std::string_view to_string(XmitHashPolicy policy);

// A 6-byte Ethernet MAC address; text form "AA:BB:CC:DD:EE:FF" (upper case, as nmstate prints it).
struct MacAddress {
    std::array<std::uint8_t, 6> bytes{};

    static std::optional<MacAddress> parse(std::string_view text);  // "aa:bb:cc:dd:ee:ff", either case
    std::string to_string() const;
    friend bool operator==(const MacAddress&, const MacAddress&) = default;
    friend auto operator<=>(const MacAddress&, const MacAddress&) = default;
};

enum class IpFamily { v4, v6 };

// An IPv4 or IPv6 address in network byte order (IPv4 uses the first 4 bytes); text form as inet_ntop / RFC 5952.
struct IpAddress {
    IpFamily family = IpFamily::v4;
    std::array<std::uint8_t, 16> bytes{};

    static std::optional<IpAddress> parse(std::string_view text);  // dotted quad or RFC 4291 text, no zone/brackets
    std::string to_string() const;
    std::size_t size() const { return family == IpFamily::v4 ? 4 : 16; }  // meaningful bytes
    unsigned max_prefix_length() const { return family == IpFamily::v4 ? 32 : 128; }
    bool is_link_local() const;  // 169.254/16, fe80::/10: the kernel's and autoconf's, never ours to remove
    friend bool operator==(const IpAddress&, const IpAddress&) = default;
    friend auto operator<=>(const IpAddress&, const IpAddress&) = default;
};

// A network in CIDR notation ("192.0.2.0/24", "0.0.0.0/0", "::/0"); host bits must be zero.
struct IpNetwork {
    IpAddress address;
    unsigned prefix_length = 0;

    static std::optional<IpNetwork> parse(std::string_view text);  // requires "/N" and zero host bits
    std::string to_string() const;
    bool is_default() const { return prefix_length == 0; }
    friend bool operator==(const IpNetwork&, const IpNetwork&) = default;
    friend auto operator<=>(const IpNetwork&, const IpNetwork&) = default;
};

// One address on an interface (ipv4.address / ipv6.address entries: {ip, prefix-length}).
struct InterfaceAddress {
    IpAddress ip;
    unsigned prefix_length = 0;
    bool dynamic = false;  // observed only: not IFA_F_PERMANENT (DHCP/SLAAC lease); desired entries are static

    std::string to_string() const;  // "192.0.2.10/24"
    bool covers(const IpAddress& other) const;  // `other` lies in this address's prefix
    // Identity is ip + prefix length; `dynamic` is a remark about origin.
    friend bool operator==(const InterfaceAddress& a, const InterfaceAddress& b) {
        return a.ip == b.ip && a.prefix_length == b.prefix_length;
    }
};

// ipv4: / ipv6: of an interface.
struct IpConfig {
    // Desired false: no addresses of this family; for ipv6 no IPv6 on the link at all (disable_ipv6, as
    // nmstate). Observed: ipv4 has an address; ipv6 the kernel's IPv6 is on for the link.
    std::optional<bool> enabled;
    std::optional<bool> dhcp;      // DHCP client wanted (persisted config; the kernel cannot observe it)
    std::optional<bool> autoconf;  // ipv6 only: SLAAC (persisted config; observed state leaves it empty)
    std::optional<std::vector<InterfaceAddress>> addresses;  // desired: the full static set; nullopt: leave alone
};

// bridge.options.stp (seconds, as nmstate and brctl; the kernel's netlink values are centiseconds).
struct StpOptions {
    std::optional<bool> enabled;                 // kernel STP on/off
    std::optional<std::uint32_t> forward_delay;  // seconds, 2..30
    std::optional<std::uint32_t> hello_time;     // seconds, 1..10
    std::optional<std::uint32_t> max_age;        // seconds, 6..40
    std::optional<std::uint32_t> priority;       // bridge priority, 0..65535
};

// bridge.options.
struct BridgeOptions {
    StpOptions stp;
};

// One entry of bridge.port.
struct BridgePort {
    IfName name;                                 // the port interface
    std::optional<std::uint32_t> stp_path_cost;  // 1..65535
    std::optional<std::uint32_t> stp_priority;   // port priority, 0..63
};

// bridge: of a linux-bridge interface.
struct BridgeConfig {
    BridgeOptions options;
    std::optional<std::vector<BridgePort>> ports;  // desired: the full port set, others are released; nullopt: leave
};

// link-aggregation.options (the kernel's sysfs names, as nmstate uses them).
struct BondOptions {
    std::optional<std::uint32_t> miimon;     // link monitoring interval, ms
    std::optional<std::uint32_t> updelay;    // ms
    std::optional<std::uint32_t> downdelay;  // ms
    std::optional<LacpRate> lacp_rate;       // 802.3ad only
    std::optional<XmitHashPolicy> xmit_hash_policy;
    std::optional<IfName> primary;           // active-backup, balance-tlb, balance-alb: the preferred port
};

// link-aggregation: of a bond interface.
struct BondConfig {
    std::optional<BondMode> mode;               // changing it needs the bond down and without ports
    BondOptions options;
    std::optional<std::vector<IfName>> ports;  // desired: the full port set, others are released; nullopt: leave
};

// vlan: of a vlan interface (802.1Q).
struct VlanConfig {
    IfName base_iface;   // the lower device
    std::uint16_t id = 0;  // 1..4094
};

// veth: of a veth interface.
struct VethConfig {
    IfName peer;  // the other end, created together with this one
};

struct Interface {
    IfName name;
    std::optional<InterfaceType> type;      // desired: nullopt = whatever the existing interface is
    std::string description;                // desired only: nmstate's free text about the interface
    std::string other_kind;                 // type other: the kernel's IFLA_INFO_KIND or the profile's word ("dummy")
    std::optional<InterfaceState> state;    // desired: nullopt = up, as in nmstate
    std::optional<std::uint32_t> mtu;       // bytes
    std::optional<MacAddress> mac_address;  // desired: an explicit MAC; observed: the current MAC
    bool mac_from_port = false;             // desired only (`mac-address: from-port`): keep the first port's MAC
    std::optional<MacAddress> permanent_mac_address;  // observed only: the hardware's own MAC (IFLA_PERM_ADDRESS)
    std::optional<IfName> controller;       // observed only: the bridge or bond this interface is a port of
    std::optional<bool> carrier;            // observed only: the link has carrier (IFF_LOWER_UP)
    IpConfig ipv4;
    IpConfig ipv6;
    std::optional<BridgeConfig> bridge;     // linux-bridge only
    std::optional<BondConfig> bond;         // bond only (`link-aggregation:`)
    std::optional<VlanConfig> vlan;         // vlan only
    std::optional<VethConfig> veth;         // veth only
};

// Desired `state: absent`: the interface is to be removed (nullopt means up, as in nmstate).
inline bool is_absent(const Interface& iface) { return iface.state == InterfaceState::absent; }

// The ports a desired bridge or bond lists, or nullopt when it leaves its ports as they are.
std::optional<std::vector<IfName>> listed_ports(const Interface& iface);

// rtm_scope values (RT_SCOPE_*): how far the destination is.
enum class RouteScope : std::uint8_t { universe = 0, link = 253, host = 254 };

// One route (routes.config entry). Identity: destination, next hop, table, metric.
struct Route {
    IpNetwork destination;                          // "0.0.0.0/0" for the default route
    bool any_destination = false;                   // absent only: no destination given, every one matches
    std::optional<IpAddress> next_hop_address;      // gateway; nullopt: on-link / direct
    std::optional<IfName> next_hop_interface;       // output device
    std::optional<std::uint32_t> metric;            // priority; desired nullopt: any / kernel default
    std::optional<std::uint32_t> table_id;          // desired nullopt: main (254)
    bool absent = false;                            // desired only (`state: absent`): remove the matching routes
    // Origin: "kernel", "boot", "static", "dhcp", "ra"... Observed: as the kernel says; desired: what the route
    // is added as (empty: "static"), so a rollback restores a route with the origin it had.
    std::optional<std::string> protocol;
    // Flags a host's routes carry, observed and restored as they were (the planner sets onlink itself when a
    // gateway lies outside every prefix of its device, as at hosting providers' /32 setups).
    bool onlink = false;                            // RTNH_F_ONLINK: the gateway is on the link without a prefix
    std::optional<RouteScope> scope;                // nullopt: the kernel's choice (link without gateway, else universe)
    std::optional<IpAddress> source;                // RTA_PREFSRC: the address the host sends from
};

inline constexpr std::uint32_t k_main_table = 254;

inline bool is_main_table(const Route& route) { return !route.table_id || *route.table_id == k_main_table; }

// An IPv4 gateway outside every prefix of the addresses its device has is reachable only as onlink (a /32
// address and the provider's gateway): without the flag the kernel refuses the route.
bool needs_onlink(const Route& route, const std::vector<InterfaceAddress>& device_addresses);

struct NetworkState {
    std::vector<Interface> interfaces;
    std::vector<Route> routes;

    const Interface* find(const IfName& name) const;
    Interface* find(const IfName& name);
};

// network.verify: what must hold after an apply, and the deadline for a confirmation.
struct Probe {
    enum class Kind { gateway, host_port };
    Kind kind = Kind::gateway;  // gateway: the default gateway answers on the new interface
    std::string host;           // host_port: a name or address literal (IPv6 without brackets)
    std::uint16_t port = 0;     // host_port: TCP port, 1..65535
    std::string to_string() const;  // "gateway", "192.0.2.1:22", "[2001:db8::1]:22"
};

struct Verification {
    std::vector<Probe> probes;                                 // empty: [gateway]
    std::optional<std::chrono::milliseconds> rollback_after;   // no confirmation in time: back to the previous state
};

}  // namespace netconfig

template <>
struct std::hash<netconfig::IfName> {
    std::size_t operator()(const netconfig::IfName& name) const noexcept {
        return std::hash<std::string>{}(name.str());
    }
};

namespace netconfig {

// Lookups by name in a state that does not change while it is in use: built once in one pass, then O(1) each,
// where NetworkState::find scans. Plans over thousands of interfaces look names up thousands of times. The
// first interface of a name wins, as with NetworkState::find.
class InterfaceIndex {
public:
    explicit InterfaceIndex(const NetworkState& state);
    const Interface* find(const IfName& name) const;

private:
    std::unordered_map<IfName, const Interface*> m_by_name;
};

}  // namespace netconfig
