#pragma once
// /proc/net/bonding/<bond>: the bonding driver's own report of one bond (its mode, MII monitoring, the port
// carrying traffic, each port's link). Kernel text, but read as untrusted input like every file.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace checks {

struct BondingPort {
    std::string name;                            // "Slave Interface"
    std::string mii_status;                      // "up", "down", "going down", "going back", "unknown"
    std::optional<std::uint64_t> link_failures;  // "Link Failure Count"
    std::optional<std::uint64_t> aggregator_id;  // 802.3ad: the aggregator the port is in (nullopt: none, "N/A")
};

struct BondingStatus {
    std::string mode;              // the kernel's name ("active-backup", "802.3ad"...); "" when not recognised
    std::string mode_description;  // as printed: "fault-tolerance (active-backup)"
    std::string mii_status;        // the bond's own: "up" when it has carrier
    std::optional<std::uint32_t> miimon;            // "MII Polling Interval (ms)"
    std::optional<std::string> primary;             // "Primary Slave"; nullopt for None or not printed
    std::optional<std::string> active;              // "Currently Active Slave"; nullopt for None or not printed
    bool reports_active = false;                    // the mode prints "Currently Active Slave" (active-backup, tlb, alb)
    std::optional<std::uint64_t> active_aggregator;  // 802.3ad: "Active Aggregator Info" / "Aggregator ID"
    std::vector<BondingPort> ports;                 // in the kernel's order

    const BondingPort* find(std::string_view name) const;
};

// An error when the text is no bond's status: no "Bonding Mode" line, a port name the kernel would refuse, or
// a port listed twice. Lines it does not know are skipped (newer kernels add some).
common::Result<BondingStatus> parse_proc_net_bonding(std::string_view text);

}  // namespace checks
