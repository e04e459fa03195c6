#include "checks/parsers/bonding.h"

#include <limits>
#include <utility>

#include "common/text.h"

namespace checks {
namespace {

// bond_mode_name() in drivers/net/bonding/bond_main.c, and the names sysfs and nmstate use.
constexpr std::pair<std::string_view, std::string_view> k_modes[] = {
    {"load balancing (round-robin)", "balance-rr"},
    {"fault-tolerance (active-backup)", "active-backup"},
    {"load balancing (xor)", "balance-xor"},
    {"fault-tolerance (broadcast)", "broadcast"},
    {"IEEE 802.3ad Dynamic link aggregation", "802.3ad"},
    {"transmit load balancing", "balance-tlb"},
    {"adaptive load balancing", "balance-alb"},
};

// dev_valid_name(): 1..15 bytes, not "." or "..", no '/', ':' or whitespace.
bool valid_interface_name(std::string_view name) {
    if (name.empty() || name.size() > 15 || name == "." || name == "..") return false;
    for (const char c : name)
        if (c == '/' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' ||
            static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            return false;
    return true;
}

// "None" (nothing chosen) or an interface name, possibly followed by " (primary_reselect always)".
std::optional<std::string> port_or_none(std::string_view value) {
    const auto fields = common::split_whitespace(value);
    if (fields.empty() || fields[0] == "None" || !valid_interface_name(fields[0])) return std::nullopt;
    return std::string(fields[0]);
}

std::optional<std::uint32_t> small_number(std::string_view value) {
    const auto number = common::parse_uint(value);
    if (!number || *number > std::numeric_limits<std::uint32_t>::max()) return std::nullopt;
    return static_cast<std::uint32_t>(*number);
}

}  // namespace

const BondingPort* BondingStatus::find(std::string_view name) const {
    for (const auto& port : ports)
        if (port.name == name) return &port;
    return nullptr;
}

common::Result<BondingStatus> parse_proc_net_bonding(std::string_view text) {
    BondingStatus status;
    bool has_mode = false;
    bool in_active_aggregator = false;  // the bond's "Active Aggregator Info:" block (tab-indented)
    BondingPort* port = nullptr;        // the port whose lines these are, after "Slave Interface"
    for (const auto raw : common::lines(text)) {
        const bool indented = !raw.empty() && (raw.front() == ' ' || raw.front() == '\t');
        const auto line = common::trim(raw);
        const auto colon = line.find(':');
        if (line.empty() || colon == std::string_view::npos) {
            in_active_aggregator = false;
            continue;
        }
        const auto key = common::trim(line.substr(0, colon));
        const auto value = common::trim(line.substr(colon + 1));
        if (key == "Slave Interface") {
            if (!valid_interface_name(value))
                return common::make_error("a port name the kernel would refuse: \"" + std::string(value.substr(0, 32)) + "\"");
            if (status.find(value)) return common::make_error("port " + std::string(value) + " is listed twice");
            port = &status.ports.emplace_back();
            port->name = std::string(value);
            in_active_aggregator = false;
            continue;
        }
        if (port) {
            // Indented lines of a port are its LACP PDU details: not needed.
            if (indented) continue;
            if (key == "MII Status") port->mii_status = std::string(value);
            else if (key == "Link Failure Count") port->link_failures = common::parse_uint(value);
            else if (key == "Aggregator ID") port->aggregator_id = common::parse_uint(value);
            continue;
        }
        if (key == "Active Aggregator Info") {
            in_active_aggregator = true;
            continue;
        }
        if (in_active_aggregator && indented) {
            if (key == "Aggregator ID") status.active_aggregator = common::parse_uint(value);
            continue;
        }
        in_active_aggregator = false;
        if (key == "Bonding Mode") {
            has_mode = true;
            status.mode_description = std::string(value);
            for (const auto& [description, name] : k_modes)
                if (value == description) status.mode = std::string(name);
        } else if (key == "Primary Slave") {
            status.primary = port_or_none(value);
        } else if (key == "Currently Active Slave") {
            status.reports_active = true;
            status.active = port_or_none(value);
        } else if (key == "MII Status") {
            status.mii_status = std::string(value);
        } else if (key == "MII Polling Interval (ms)") {
            status.miimon = small_number(value);
        }
    }
    if (!has_mode) return common::make_error("no \"Bonding Mode\" line: not a bond's status");
    return status;
}

}  // namespace checks
