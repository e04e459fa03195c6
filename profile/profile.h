#pragma once
// The host profile (host.yaml): which sections are present, and the `network:` section decoded into the
// netconfig model. Loading validates everything before anything runs; an error names the file, line and
// column, the interface, what is wrong and, where one is obvious, what was meant:
//   host.yaml:17:9: bond0: unknown bond mode "active_backup" (did you mean "active-backup"?)
#include <array>
#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "common/result.h"
#include "netconfig/model.h"
#include "netconfig/validate.h"
#include "profile/host_sections.h"

namespace profile {

// The sections a profile may have, each a part of the host kvm-agent converges (--only names them); each is
// optional (absent: leave that part of the host alone).
inline constexpr std::array<std::string_view, 7> k_sections{"kvm",     "packages", "libvirt", "sysctl",
                                                             "network", "firewall", "storage"};
// The one top-level key that is not a section: what else an apply proves (it changes nothing that stays).
inline constexpr std::string_view k_verify_key = "verify";

// 1-based, as editors count.
struct Position {
    int line = 0;
    int column = 0;
    friend bool operator==(const Position&, const Position&) = default;
};

// network: (a subset of nmstate's desired state) plus how to verify an apply.
struct NetworkSection {
    netconfig::NetworkState desired;
    netconfig::Verification verify;
};

struct HostProfile {
    std::string source;                         // the file name errors are reported against
    std::map<std::string, Position> sections;   // each top-level key present, and where
    std::optional<NetworkSection> network;      // decoded network:, when present
    std::optional<KvmSection> kvm;
    std::optional<PackagesSection> packages;
    std::optional<LibvirtSection> libvirt;
    std::optional<SysctlSection> sysctl;
    std::optional<FirewallSection> firewall;
    std::optional<StorageSection> storage;
    std::optional<VerifySection> verify;        // not a section: not in `sections`
    // Where each part of the desired network state is written, by netconfig::Problem::path.
    std::map<std::string, Position> network_positions;

    bool has(std::string_view section) const { return sections.count(std::string(section)) > 0; }
};

// Parses and validates a profile's text. `source` is the name used in messages (the path as given).
// With `observed_names` (the host's interfaces), references to interfaces outside the profile are checked too.
// A refused profile's error lists every problem found, one "FILE:LINE:COL: ..." line each: those of every
// section, interface and route that could be read, or, once everything could, every validation problem.
common::Result<HostProfile> parse_profile(std::string_view text, std::string_view source,
                                          const std::set<netconfig::IfName>* observed_names = nullptr);

// A profile is at most this big: a larger file is refused unread.
inline constexpr std::size_t k_max_profile_bytes = 1 << 20;

// Reads `path` (a regular file of at most k_max_profile_bytes) and parses it; messages name the path as given.
common::Result<HostProfile> load_profile(const std::string& path,
                                         const std::set<netconfig::IfName>* observed_names = nullptr);
// The same for a profile that drives root actions (kvm-agent): it, and every directory above it, must be
// owned by root or the user running us and writable by no one else (common/owned_file.h).
common::Result<HostProfile> load_owned_profile(const std::string& path,
                                               const std::set<netconfig::IfName>* observed_names = nullptr);

// Validates the network section again, now against the interfaces the host has (VLAN bases, ports and
// route devices outside the profile must exist). nullopt: valid.
std::optional<common::Error> check_against(const HostProfile& profile,
                                           const std::set<netconfig::IfName>& observed_names);

// "host.yaml:12:7: br0: what is wrong", positioned at the problem's path (or the nearest enclosing one).
std::string format_problem(const HostProfile& profile, const netconfig::Problem& problem);

}  // namespace profile
