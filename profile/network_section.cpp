#include "profile/network_section.h"

#include <algorithm>
#include <functional>
#include <vector>

#include "common/text.h"
#include "profile/duration.h"
#include "profile/suggest.h"
#include "profile/yaml_reader.h"

namespace profile {

namespace {

using netconfig::IfName;

template <typename E, std::size_t N>
std::vector<std::string_view> names_in(const std::array<netconfig::NamedValue<E>, N>& table) {
    std::vector<std::string_view> names;
    for (const auto& entry : table) names.push_back(entry.name);
    return names;
}

// `unknown bond mode "x" (did you mean "y"?)`, or the choices when nothing is close.
[[noreturn]] void fail_choice(const Reader& reader, Position where, std::string_view what, const std::string& word,
                              const std::vector<std::string_view>& choices) {
    reader.fail(where, "unknown " + std::string(what) + " \"" + word + "\"" + choice_hint(word, choices));
}

template <typename E, std::size_t N>
E choice(const Reader& reader, const Entry& entry, std::string_view what,
         const std::array<netconfig::NamedValue<E>, N>& table) {
    const auto word = reader.text(entry);
    if (auto value = netconfig::value_of(word, table)) return *value;
    fail_choice(reader, entry.value_position, what, word, names_in(table));
}

IfName own_name(const Reader& reader, const std::string& text, Position where) {
    auto name = IfName::make(text);
    if (!name) reader.fail(where, name.error().message);
    return *name;
}

// A name referring to another interface (port, base-iface, primary, next-hop-interface, peer).
IfName name_ref(const Reader& reader, const std::string& key, const std::string& text, Position where) {
    auto name = IfName::make(text);
    if (!name) reader.fail(where, "\"" + key + "\": " + name.error().message);
    return *name;
}

IfName name_ref(const Reader& reader, const Entry& entry) {
    return name_ref(reader, entry.key, reader.text(entry), entry.value_position);
}

netconfig::IpAddress ip_address(const Reader& reader, const Entry& entry) {
    const auto text = reader.text(entry);
    auto address = netconfig::IpAddress::parse(text);
    if (!address) {
        const auto slash = text.find('/');
        if (slash != std::string::npos && netconfig::IpAddress::parse(text.substr(0, slash)))
            reader.fail(entry.value_position, "\"" + entry.key + "\" takes an address without \"/" +
                                                  text.substr(slash + 1) + "\" (the length goes in prefix-length)");
        reader.fail(entry.value_position, "bad IP address \"" + text + "\"");
    }
    return *address;
}

netconfig::IpNetwork destination(const Reader& reader, const Entry& entry) {
    const auto text = reader.text(entry);
    if (auto network = netconfig::IpNetwork::parse(text)) return *network;
    const auto slash = text.find('/');
    const auto address = netconfig::IpAddress::parse(text.substr(0, slash));
    if (!address) reader.fail(entry.value_position, "bad destination \"" + text + "\": bad IP address");
    if (slash == std::string::npos)
        reader.fail(entry.value_position,
                    "destination \"" + text + "\" needs a prefix length, like " + address->to_string() + "/" +
                        std::to_string(address->max_prefix_length()));
    const auto length = common::parse_uint(text.substr(slash + 1));
    if (!length || *length > address->max_prefix_length() || text.substr(slash + 1).find_first_not_of("0123456789") !=
                                                                  std::string::npos)
        reader.fail(entry.value_position, "bad destination \"" + text + "\": prefix length must be 0.." +
                                              std::to_string(address->max_prefix_length()));
    // Only host bits can be left: say which network was meant.
    auto network = *address;
    for (unsigned bit = static_cast<unsigned>(*length); bit < address->max_prefix_length(); ++bit)
        network.bytes[bit / 8] = static_cast<std::uint8_t>(network.bytes[bit / 8] & ~(0x80u >> (bit % 8)));
    reader.fail(entry.value_position, "destination \"" + text + "\" has host bits set (did you mean \"" +
                                          network.to_string() + "/" + std::to_string(*length) + "\"?)");
}

netconfig::IpConfig decode_ip(Reader& reader, const Entry& section, const std::string& path, bool v6) {
    netconfig::IpConfig ip;
    std::vector<std::string_view> keys{"enabled", "dhcp", "address"};
    if (v6) keys.push_back("autoconf");
    for (const auto& entry : reader.entries(section.value, section.value_position, section.key, keys, path)) {
        if (entry.key == "enabled") ip.enabled = reader.boolean(entry);
        else if (entry.key == "dhcp") ip.dhcp = reader.boolean(entry);
        else if (entry.key == "autoconf") ip.autoconf = reader.boolean(entry);
        else {
            ip.addresses.emplace();
            const auto list_path = path + ".address";
            std::size_t index = 0;
            for (const auto& [item, where] : reader.items(entry.value, entry.value_position, "address", list_path)) {
                const auto item_path = list_path + "[" + std::to_string(index++) + "]";
                netconfig::InterfaceAddress address;
                bool has_ip = false, has_length = false;
                for (const auto& field : reader.entries(item, where, "address", {"ip", "prefix-length"}, item_path)) {
                    if (field.key == "ip") {
                        address.ip = ip_address(reader, field);
                        has_ip = true;
                    } else {
                        address.prefix_length = static_cast<unsigned>(reader.number(field, 255));
                        has_length = true;
                    }
                }
                if (!has_ip) fail_missing(reader, where, "address", "ip");
                if (!has_length) fail_missing(reader, where, "address", "prefix-length");
                ip.addresses->push_back(address);
            }
        }
    }
    return ip;
}

netconfig::BridgeConfig decode_bridge(Reader& reader, const Entry& section, const std::string& path) {
    netconfig::BridgeConfig bridge;
    for (const auto& entry : reader.entries(section.value, section.value_position, "bridge",
                                            {"options", "port", "ports"}, path)) {
        if (entry.key == "options") {
            const auto options_path = path + ".options";
            for (const auto& option : reader.entries(entry.value, entry.value_position, "options", {"stp"},
                                                     options_path)) {
                auto& stp = bridge.options.stp;
                for (const auto& field : reader.entries(option.value, option.value_position, "stp",
                                                        {"enabled", "forward-delay", "hello-time", "max-age",
                                                         "priority"},
                                                        options_path + ".stp")) {
                    if (field.key == "enabled") stp.enabled = reader.boolean(field);
                    else if (field.key == "forward-delay") stp.forward_delay = reader.number32(field);
                    else if (field.key == "hello-time") stp.hello_time = reader.number32(field);
                    else if (field.key == "max-age") stp.max_age = reader.number32(field);
                    else stp.priority = reader.number32(field);
                }
            }
            continue;
        }
        if (bridge.ports) reader.fail(entry.key_position, "\"port\" and \"ports\" are the same list: give one");
        bridge.ports.emplace();
        // Positions are recorded under "port", the nmstate name, whichever spelling was used.
        const auto list_path = path + ".port";
        std::size_t index = 0;
        for (const auto& [item, where] : reader.items(entry.value, entry.value_position, entry.key, list_path)) {
            const auto item_path = list_path + "[" + std::to_string(index++) + "]";
            if (!item.IsMap())
                reader.fail(where, "bridge ports are maps like {name: eno1}, not " + describe(item));
            netconfig::BridgePort port;
            bool has_name = false;
            for (const auto& field : reader.entries(item, where, "port", {"name", "stp-path-cost", "stp-priority"},
                                                    item_path)) {
                if (field.key == "name") {
                    port.name = name_ref(reader, field);
                    has_name = true;
                } else if (field.key == "stp-path-cost") {
                    port.stp_path_cost = reader.number32(field);
                } else {
                    port.stp_priority = reader.number32(field);
                }
            }
            if (!has_name) fail_missing(reader, where, "port", "name");
            bridge.ports->push_back(port);
        }
    }
    return bridge;
}

netconfig::BondConfig decode_bond(Reader& reader, const Entry& section, const std::string& path) {
    netconfig::BondConfig bond;
    // nmstate renamed "slaves" to "port" in 2.0 and dropped the old name; say so rather than "unknown key".
    if (section.value.IsMap())
        for (auto it = section.value.entries().begin(); it != section.value.entries().end(); ++it)
            if (it->first.IsScalar() && it->first.Scalar() == "slaves")
                reader.fail(position_of(it->first.Mark()),
                            "\"slaves\" in \"link-aggregation\" is nmstate's old name: write \"port\" instead");
    for (const auto& entry : reader.entries(section.value, section.value_position, "link-aggregation",
                                            {"mode", "options", "port", "ports"}, path)) {
        if (entry.key == "mode") {
            // nmstate also takes the kernel's numbers 0..6.
            if (entry.value.IsScalar() && entry.value.Scalar().size() == 1 && entry.value.Scalar()[0] >= '0' &&
                entry.value.Scalar()[0] <= '6')
                bond.mode = static_cast<netconfig::BondMode>(entry.value.Scalar()[0] - '0');
            else
                bond.mode = choice(reader, entry, "bond mode", netconfig::k_bond_modes);
        } else if (entry.key == "options") {
            auto& options = bond.options;
            for (const auto& option : reader.entries(entry.value, entry.value_position, "options",
                                                     {"miimon", "updelay", "downdelay", "lacp_rate",
                                                      "xmit_hash_policy", "primary"},
                                                     path + ".options")) {
                if (option.key == "miimon") options.miimon = reader.number32(option);
                else if (option.key == "updelay") options.updelay = reader.number32(option);
                else if (option.key == "downdelay") options.downdelay = reader.number32(option);
                else if (option.key == "primary") options.primary = name_ref(reader, option);
                else if (option.key == "xmit_hash_policy")
                    options.xmit_hash_policy = choice(reader, option, "xmit_hash_policy",
                                                      netconfig::k_xmit_hash_policies);
                else if (option.value.IsScalar() && (option.value.Scalar() == "0" || option.value.Scalar() == "1"))
                    options.lacp_rate = static_cast<netconfig::LacpRate>(option.value.Scalar()[0] - '0');
                else
                    options.lacp_rate = choice(reader, option, "lacp_rate", netconfig::k_lacp_rates);
            }
        } else {
            if (bond.ports) reader.fail(entry.key_position, "\"port\" and \"ports\" are the same list: give one");
            bond.ports.emplace();
            for (const auto& [item, where] : reader.items(entry.value, entry.value_position, entry.key,
                                                          path + ".port")) {
                if (!item.IsScalar()) reader.fail(where, "bond ports are interface names, not " + describe(item));
                bond.ports->push_back(name_ref(reader, "port", item.Scalar(), where));
            }
        }
    }
    return bond;
}

netconfig::VlanConfig decode_vlan(Reader& reader, const Entry& section, const std::string& path) {
    netconfig::VlanConfig vlan;
    bool has_base = false, has_id = false;
    for (const auto& entry : reader.entries(section.value, section.value_position, "vlan", {"base-iface", "id"},
                                            path)) {
        if (entry.key == "base-iface") {
            vlan.base_iface = name_ref(reader, entry);
            has_base = true;
        } else {
            const auto id = reader.number32(entry);
            // Larger than the model's 16 bits: say it here, in the validator's words.
            if (id > 4094) reader.fail(entry.value_position, "vlan id " + std::to_string(id) + " is out of range 1..4094");
            vlan.id = static_cast<std::uint16_t>(id);
            has_id = true;
        }
    }
    if (!has_base) fail_missing(reader, section.value_position, "vlan", "base-iface");
    if (!has_id) fail_missing(reader, section.value_position, "vlan", "id");
    return vlan;
}

netconfig::InterfaceType interface_type(const Reader& reader, const Entry& entry) {
    const auto word = reader.text(entry);
    std::vector<std::string_view> choices;
    for (const auto& named : netconfig::k_interface_types)
        if (named.value != netconfig::InterfaceType::other) choices.push_back(named.name);
    if (auto type = netconfig::value_of(word, netconfig::k_interface_types);
        type && *type != netconfig::InterfaceType::other)
        return *type;
    if (word == "bridge") reader.fail(entry.value_position, "unknown interface type \"bridge\" (did you mean \"linux-bridge\"?)");
    fail_choice(reader, entry.value_position, "interface type", word, choices);
}

netconfig::Interface decode_interface(Reader& reader, const YamlNode& node, Position where, std::size_t index) {
    const auto path = "interfaces[" + std::to_string(index) + "]";
    reader.set_subject(path);
    if (!node.IsMap()) reader.fail(where, "an interface must be a map, not " + describe(node));
    netconfig::Interface iface;
    // The name first: every other message about this entry is about this interface.
    const YamlNode name_node = node["name"];
    if (!name_node) reader.fail(where, "an interface needs \"name\"");
    auto name_position = position_of(name_node.Mark());
    if (name_position.line == 0) name_position = where;
    if (!name_node.IsScalar()) reader.fail(name_position, "\"name\" must be a string, not " + describe(name_node));
    iface.name = own_name(reader, name_node.Scalar(), name_position);
    reader.set_subject(iface.name.str());

    static const std::vector<std::string_view> k_keys{"name", "description", "type", "state", "mtu", "mac-address",
                                                      "ipv4", "ipv6", "bridge", "link-aggregation", "vlan", "veth"};
    for (const auto& entry : reader.entries(node, where, "", k_keys, path)) {
        const auto entry_path = path + "." + entry.key;
        if (entry.key == "name") continue;
        if (entry.key == "description") {
            iface.description = reader.text(entry);  // nmstate's free text for people; nothing on the host reads it
        } else if (entry.key == "type") {
            iface.type = interface_type(reader, entry);
        } else if (entry.key == "state") {
            iface.state = choice(reader, entry, "state", netconfig::k_interface_states);
        } else if (entry.key == "mtu") {
            iface.mtu = reader.number32(entry);
        } else if (entry.key == "mac-address") {
            const auto text = reader.text(entry);
            if (text == "from-port") {
                iface.mac_from_port = true;
            } else if (auto mac = netconfig::MacAddress::parse(text)) {
                iface.mac_address = *mac;
            } else {
                reader.fail(entry.value_position, "bad mac-address \"" + text +
                                                      "\" (expected six hex pairs like 52:54:00:12:34:56, or from-port)");
            }
        } else if (entry.key == "ipv4" || entry.key == "ipv6") {
            (entry.key == "ipv4" ? iface.ipv4 : iface.ipv6) = decode_ip(reader, entry, entry_path, entry.key == "ipv6");
        } else if (entry.key == "bridge") {
            iface.bridge = decode_bridge(reader, entry, entry_path);
        } else if (entry.key == "link-aggregation") {
            iface.bond = decode_bond(reader, entry, entry_path);
        } else if (entry.key == "vlan") {
            iface.vlan = decode_vlan(reader, entry, entry_path);
        } else if (entry.key == "veth") {
            for (const auto& field : reader.entries(entry.value, entry.value_position, "veth", {"peer"}, entry_path))
                iface.veth = netconfig::VethConfig{name_ref(reader, field)};
            if (!iface.veth) fail_missing(reader, entry.value_position, "veth", "peer");
        }
    }
    return iface;
}

netconfig::Route decode_route(Reader& reader, const YamlNode& node, Position where, const std::string& path) {
    netconfig::Route route;
    bool has_destination = false;
    for (const auto& entry : reader.entries(node, where, "route",
                                            {"destination", "next-hop-address", "next-hop-interface", "metric",
                                             "table-id", "state"},
                                            path)) {
        if (entry.key == "destination") {
            route.destination = destination(reader, entry);
            has_destination = true;
        } else if (entry.key == "next-hop-address") {
            route.next_hop_address = ip_address(reader, entry);
        } else if (entry.key == "next-hop-interface") {
            route.next_hop_interface = name_ref(reader, entry);
        } else if (entry.key == "metric") {
            route.metric = reader.number32(entry);
        } else if (entry.key == "table-id") {
            route.table_id = reader.number32(entry);
        } else {
            const auto word = reader.text(entry);
            if (word != "absent") fail_choice(reader, entry.value_position, "route state", word, {"absent"});
            route.absent = true;
        }
    }
    // nmstate's absent entries may leave the destination out: then every destination matches.
    if (!has_destination && !route.absent) fail_missing(reader, where, "route", "destination");
    route.any_destination = !has_destination;
    return route;
}

bool valid_host(std::string_view host) {
    if (host.empty() || host.size() > 253) return false;
    if (netconfig::IpAddress::parse(host)) return true;
    // A DNS name: labels of letters, digits and '-', not starting or ending with '-'.
    for (auto label : common::split(host, '.')) {
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
        for (char c : label)
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
                return false;
    }
    return true;
}

netconfig::Probe probe(const Reader& reader, const YamlNode& item, Position where) {
    if (!item.IsScalar()) reader.fail(where, "a probe is gateway or host:port, not " + describe(item));
    const auto& text = item.Scalar();
    if (text == "gateway") return {};
    const auto expected = "bad probe \"" + text + "\" (expected gateway or host:port)";
    std::string host, port_text;
    if (text.starts_with("[")) {
        const auto close = text.find("]:");
        if (close == std::string::npos) reader.fail(where, expected);
        host = text.substr(1, close - 1);
        port_text = text.substr(close + 2);
        const auto address = netconfig::IpAddress::parse(host);
        if (!address || address->family != netconfig::IpFamily::v6) reader.fail(where, expected);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string::npos) {
            if (auto hint = did_you_mean(text, {"gateway"}); !hint.empty())
                reader.fail(where, "bad probe \"" + text + "\"" + hint);
            reader.fail(where, expected);
        }
        host = text.substr(0, colon);
        port_text = text.substr(colon + 1);
        if (host.find(':') != std::string::npos)
            reader.fail(where, "bad probe \"" + text + "\": write an IPv6 target in brackets, like [2001:db8::1]:22");
        if (!valid_host(host)) reader.fail(where, expected);
    }
    const auto port = port_text.find_first_not_of("0123456789") == std::string::npos ? common::parse_uint(port_text)
                                                                                     : std::nullopt;
    if (!port || *port < 1 || *port > 65535)
        reader.fail(where, "bad probe \"" + text + "\": port must be 1..65535");
    return {netconfig::Probe::Kind::host_port, host, static_cast<std::uint16_t>(*port)};
}

netconfig::Verification decode_verify(Reader& reader, const Entry& section) {
    netconfig::Verification verify;
    reader.set_subject("verify");
    for (const auto& entry : reader.entries(section.value, section.value_position, "verify",
                                            {"probe", "rollback-after"}, "verify")) {
        if (entry.key == "probe") {
            for (const auto& [item, where] : reader.items(entry.value, entry.value_position, "probe", "verify.probe"))
                verify.probes.push_back(probe(reader, item, where));
        } else {
            const auto text = reader.text(entry);
            auto duration = parse_duration(text);
            if (!duration)
                reader.fail(entry.value_position,
                            "bad rollback-after \"" + text + "\" (expected a duration like 60s, 2m or 1m30s, up to 7 days)");
            verify.rollback_after = *duration;
        }
    }
    return verify;
}

}  // namespace

NetworkSection decode_network(const YamlNode& node, Position where, std::map<std::string, Position>& positions,
                              std::vector<DecodeError>& problems) {
    NetworkSection section;
    if (node.IsNull()) return section;
    Reader reader(positions, "network");
    // Runs one part's decoding; its problem is collected and the next part is decoded all the same.
    const auto collecting = [&](const std::function<void()>& decode_part) {
        try {
            decode_part();
        } catch (const DecodeError& problem) {
            problems.push_back(problem);
        }
    };
    // nmstate's other top-level parts are not the agent's: say where they belong rather than "unknown key".
    if (node.IsMap())
        for (auto it = node.entries().begin(); it != node.entries().end(); ++it) {
            if (!it->first.IsScalar()) continue;
            const auto& key = it->first.Scalar();
            const auto at = position_of(it->first.Mark());
            if (key == "dns-resolver")
                problems.push_back({at, "network",
                                    "\"dns-resolver\" is not part of the host profile: name servers come with the "
                                    "uplink's DHCP lease, or belong to the installer (kickstart `network "
                                    "--nameserver`) or to NetworkManager (`ipv4.dns` of the uplink's connection)"});
            if (key == "hostname")
                problems.push_back({at, "network",
                                    "\"hostname\" is not part of the host profile: set it in the installer (kickstart "
                                    "`network --hostname`) or with hostnamectl"});
            if (key == "route-rules")
                problems.push_back({at, "network",
                                    "\"route-rules\" (policy routing) is not supported: kvm-agent manages routes of "
                                    "every table but not the rules that select them"});
        }
    if (!problems.empty()) return section;
    for (const auto& entry : reader.entries(node, where, "network", {"interfaces", "routes", "verify"}, "")) {
        if (entry.key == "interfaces") {
            std::size_t index = 0;
            for (const auto& [item, item_position] :
                 reader.items(entry.value, entry.value_position, "interfaces", "interfaces")) {
                collecting([&, &item = item, &item_position = item_position] {
                    section.desired.interfaces.push_back(decode_interface(reader, item, item_position, index));
                });
                ++index;
                reader.set_subject("network");
            }
        } else if (entry.key == "routes") {
            reader.set_subject("routes");
            for (const auto& routes : reader.entries(entry.value, entry.value_position, "routes", {"config"}, "routes")) {
                std::size_t index = 0;
                for (const auto& [item, item_position] :
                     reader.items(routes.value, routes.value_position, "config", "routes.config")) {
                    // Problems name routes by their index in the list, as "routes[1]" (see netconfig::Problem).
                    const auto path = "routes[" + std::to_string(index++) + "]";
                    reader.record(path, item_position);
                    collecting([&, &item = item, &item_position = item_position] {
                        section.desired.routes.push_back(decode_route(reader, item, item_position, path));
                    });
                    reader.set_subject("routes");
                }
            }
            reader.set_subject("network");
        } else {
            collecting([&] { section.verify = decode_verify(reader, entry); });
            reader.set_subject("network");
        }
    }
    return section;
}

}  // namespace profile
