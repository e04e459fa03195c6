#include "netconfig/model.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace netconfig {

namespace {

bool is_whitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// "0".."255" without leading zeros (inet_pton refuses octal-looking "010" too).
std::optional<std::uint8_t> parse_octet(std::string_view text) {
    if (text.empty() || text.size() > 3) return std::nullopt;
    if (text.size() > 1 && text.front() == '0') return std::nullopt;
    unsigned value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value > 255) return std::nullopt;
    return static_cast<std::uint8_t>(value);
}

std::optional<std::array<std::uint8_t, 4>> parse_ipv4(std::string_view text) {
    std::array<std::uint8_t, 4> out{};
    for (std::size_t i = 0; i < 4; ++i) {
        const auto dot = text.find('.');
        const bool last = i == 3;
        if (last != (dot == std::string_view::npos)) return std::nullopt;
        const auto octet = parse_octet(text.substr(0, dot));
        if (!octet) return std::nullopt;
        out[i] = *octet;
        text = last ? std::string_view{} : text.substr(dot + 1);
    }
    return out;
}

std::optional<std::array<std::uint8_t, 16>> parse_ipv6(std::string_view text) {
    std::array<std::uint16_t, 8> groups{};
    std::size_t count = 0;
    std::optional<std::size_t> gap;  // where "::" stands, in groups
    if (text.starts_with("::")) {
        gap = 0;
        text.remove_prefix(2);
    } else if (text.starts_with(":")) {
        return std::nullopt;
    }
    std::optional<std::array<std::uint8_t, 4>> tail_v4;
    while (!text.empty()) {
        const auto colon = text.find(':');
        const auto field = text.substr(0, colon);
        if (field.find('.') != std::string_view::npos) {
            // An embedded IPv4 address ends the text and takes two groups.
            if (colon != std::string_view::npos || count > 6) return std::nullopt;
            tail_v4 = parse_ipv4(field);
            if (!tail_v4) return std::nullopt;
            groups[count++] = static_cast<std::uint16_t>(((*tail_v4)[0] << 8) | (*tail_v4)[1]);
            groups[count++] = static_cast<std::uint16_t>(((*tail_v4)[2] << 8) | (*tail_v4)[3]);
            text = {};
            break;
        }
        if (field.empty() || field.size() > 4 || count == 8) return std::nullopt;
        unsigned value = 0;
        for (char c : field) {
            const int digit = hex_digit(c);
            if (digit < 0) return std::nullopt;
            value = value * 16 + static_cast<unsigned>(digit);
        }
        groups[count++] = static_cast<std::uint16_t>(value);
        if (colon == std::string_view::npos) {
            text = {};
        } else {
            text.remove_prefix(colon + 1);
            if (text.starts_with(":")) {
                if (gap) return std::nullopt;  // two "::"
                gap = count;
                text.remove_prefix(1);
            } else if (text.empty()) {
                return std::nullopt;  // trailing single ':'
            }
        }
    }
    if (gap) {
        if (count == 8) return std::nullopt;  // "::" must stand for at least one group
        std::array<std::uint16_t, 8> expanded{};
        const std::size_t zeros = 8 - count;
        for (std::size_t i = 0; i < *gap; ++i) expanded[i] = groups[i];
        for (std::size_t i = *gap; i < count; ++i) expanded[i + zeros] = groups[i];
        groups = expanded;
    } else if (count != 8) {
        return std::nullopt;
    }
    std::array<std::uint8_t, 16> out{};
    for (std::size_t i = 0; i < 8; ++i) {
        out[2 * i] = static_cast<std::uint8_t>(groups[i] >> 8);
        out[2 * i + 1] = static_cast<std::uint8_t>(groups[i] & 0xff);
    }
    return out;
}

std::string format_ipv6(const std::array<std::uint8_t, 16>& bytes) {
    std::array<unsigned, 8> groups{};
    for (std::size_t i = 0; i < 8; ++i) groups[i] = (unsigned{bytes[2 * i]} << 8) | bytes[2 * i + 1];
    // RFC 5952: the longest run (>= 2) of zero groups becomes "::", the first one on a tie.
    std::size_t best_start = 8, best_length = 0;
    for (std::size_t i = 0; i < 8;) {
        if (groups[i] != 0) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < 8 && groups[j] == 0) ++j;
        if (j - i > best_length && j - i >= 2) {
            best_start = i;
            best_length = j - i;
        }
        i = j;
    }
    // IPv4-mapped (::ffff:a.b.c.d) keeps its dotted tail, as inet_ntop prints it.
    const bool v4_mapped = best_start == 0 && best_length == 5 && groups[5] == 0xffff;
    std::string out;
    char buffer[8];
    for (std::size_t i = 0; i < 8; ++i) {
        if (i == best_start) {
            out += "::";
            i += best_length - 1;
            continue;
        }
        if (v4_mapped && i == 6) {
            out += ':';
            std::snprintf(buffer, sizeof buffer, "%u.%u", bytes[12], bytes[13]);
            out += buffer;
            out += '.';
            std::snprintf(buffer, sizeof buffer, "%u.%u", bytes[14], bytes[15]);
            out += buffer;
            break;
        }
        if (!out.empty() && out.back() != ':') out += ':';
        std::snprintf(buffer, sizeof buffer, "%x", groups[i]);
        out += buffer;
    }
    return out;
}

}  // namespace

IfName::IfName(std::string_view name) {
    if (auto why = problem(name)) throw std::invalid_argument("interface name \"" + std::string(name) + "\" " + *why);
    m_name = std::string(name);
}

common::Result<IfName> IfName::make(std::string_view name) {
    if (auto why = problem(name)) return common::make_error("interface name \"" + std::string(name) + "\" " + *why);
    return IfName(name);
}

std::optional<std::string> IfName::problem(std::string_view name) {
    if (name.empty()) return "is empty";
    if (name.size() > k_max_length)
        return "is " + std::to_string(name.size()) + " bytes long, the kernel allows at most " +
               std::to_string(k_max_length);
    if (name == "." || name == "..") return "is not allowed";
    for (char c : name) {
        if (c == '/') return "contains '/'";
        if (c == ':') return "contains ':'";
        if (is_whitespace(c)) return "contains whitespace";
        if (c == '\0') return "contains a NUL byte";
    }
    return std::nullopt;
}

std::string_view to_string(InterfaceType type) { return name_of(type, k_interface_types); }
std::string_view to_string(InterfaceState state) { return name_of(state, k_interface_states); }
std::string_view to_string(BondMode mode) { return name_of(mode, k_bond_modes); }
std::string_view to_string(LacpRate rate) { return name_of(rate, k_lacp_rates); }
std::string_view to_string(XmitHashPolicy policy) { return name_of(policy, k_xmit_hash_policies); }

std::optional<MacAddress> MacAddress::parse(std::string_view text) {
    if (text.size() != 17) return std::nullopt;
    MacAddress mac;
    for (std::size_t i = 0; i < 6; ++i) {
        const int high = hex_digit(text[3 * i]);
        const int low = hex_digit(text[3 * i + 1]);
        if (high < 0 || low < 0) return std::nullopt;
        if (i < 5 && text[3 * i + 2] != ':') return std::nullopt;
        mac.bytes[i] = static_cast<std::uint8_t>(high * 16 + low);
    }
    return mac;
}

std::string MacAddress::to_string() const {
    char buffer[18];
    std::snprintf(buffer, sizeof buffer, "%02X:%02X:%02X:%02X:%02X:%02X", bytes[0], bytes[1], bytes[2], bytes[3],
                  bytes[4], bytes[5]);
    return buffer;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
    IpAddress address;
    if (text.find(':') != std::string_view::npos) {
        const auto v6 = parse_ipv6(text);
        if (!v6) return std::nullopt;
        address.family = IpFamily::v6;
        address.bytes = *v6;
        return address;
    }
    const auto v4 = parse_ipv4(text);
    if (!v4) return std::nullopt;
    address.family = IpFamily::v4;
    for (std::size_t i = 0; i < 4; ++i) address.bytes[i] = (*v4)[i];
    return address;
}

std::string IpAddress::to_string() const {
    if (family == IpFamily::v6) return format_ipv6(bytes);
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%u.%u.%u.%u", bytes[0], bytes[1], bytes[2], bytes[3]);
    return buffer;
}

bool IpAddress::is_link_local() const {
    if (family == IpFamily::v4) return bytes[0] == 169 && bytes[1] == 254;
    return bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80;
}

std::optional<IpNetwork> IpNetwork::parse(std::string_view text) {
    const auto slash = text.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    const auto address = IpAddress::parse(text.substr(0, slash));
    if (!address) return std::nullopt;
    const auto length_text = text.substr(slash + 1);
    if (length_text.empty() || length_text.size() > 3) return std::nullopt;
    unsigned length = 0;
    for (char c : length_text) {
        if (c < '0' || c > '9') return std::nullopt;
        length = length * 10 + static_cast<unsigned>(c - '0');
    }
    if (length > address->max_prefix_length()) return std::nullopt;
    for (unsigned bit = length; bit < address->max_prefix_length(); ++bit)
        if (address->bytes[bit / 8] & (0x80u >> (bit % 8))) return std::nullopt;
    return IpNetwork{*address, length};
}

std::string IpNetwork::to_string() const { return address.to_string() + "/" + std::to_string(prefix_length); }

std::string InterfaceAddress::to_string() const { return ip.to_string() + "/" + std::to_string(prefix_length); }

bool InterfaceAddress::covers(const IpAddress& other) const {
    if (ip.family != other.family) return false;
    const unsigned bits = std::min(prefix_length, other.max_prefix_length());
    for (unsigned bit = 0; bit < bits; ++bit) {
        const unsigned mask = 0x80u >> (bit % 8);
        if ((ip.bytes[bit / 8] & mask) != (other.bytes[bit / 8] & mask)) return false;
    }
    return true;
}

std::optional<std::vector<IfName>> listed_ports(const Interface& iface) {
    if (iface.bridge && iface.bridge->ports) {
        std::vector<IfName> names;
        for (const auto& port : *iface.bridge->ports) names.push_back(port.name);
        return names;
    }
    if (iface.bond && iface.bond->ports) return *iface.bond->ports;
    return std::nullopt;
}

bool needs_onlink(const Route& route, const std::vector<InterfaceAddress>& device_addresses) {
    if (!route.next_hop_address || route.next_hop_address->family != IpFamily::v4) return false;
    bool has_v4 = false;
    for (const auto& address : device_addresses) {
        if (address.ip.family != IpFamily::v4) continue;
        has_v4 = true;
        if (address.covers(*route.next_hop_address)) return false;
    }
    return has_v4;  // without any IPv4 address the route fails either way, and says so
}

const Interface* NetworkState::find(const IfName& name) const {
    for (const auto& iface : interfaces)
        if (iface.name == name) return &iface;
    return nullptr;
}

Interface* NetworkState::find(const IfName& name) {
    return const_cast<Interface*>(static_cast<const NetworkState&>(*this).find(name));
}

InterfaceIndex::InterfaceIndex(const NetworkState& state) {
    m_by_name.reserve(state.interfaces.size());
    for (const auto& iface : state.interfaces) m_by_name.emplace(iface.name, &iface);
}

const Interface* InterfaceIndex::find(const IfName& name) const {
    const auto it = m_by_name.find(name);
    return it == m_by_name.end() ? nullptr : it->second;
}

std::string Probe::to_string() const {
    if (kind == Kind::gateway) return "gateway";
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace netconfig
