#pragma once
// sysctl: the wanted kernel parameters against what the kernel runs with and what the sysctl files set at boot.
// Pure: the caller reads /proc/sys and the files (host/sysctl), this decides what to write and what to report.
#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "checks/parsers/key_value_conf.h"

namespace provision {

// The file kvm-agent owns: every key of the profile's sysctl: section, nothing else.
inline constexpr std::string_view k_sysctl_file = "/etc/sysctl.d/90-kvm-host.conf";
// systemd-sysctl's directories, highest priority first (a name in an earlier one masks it in later ones).
inline constexpr std::array<std::string_view, 5> k_sysctl_dirs = {
    "/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d", "/usr/lib/sysctl.d", "/lib/sysctl.d"};
// procps' `sysctl --system` reads it after all of them (systemd distributions link it as 99-sysctl.conf).
inline constexpr std::string_view k_sysctl_conf = "/etc/sysctl.conf";

// "net.ipv4.ip_forward" → "/proc/sys/net/ipv4/ip_forward". As in sysctl.d(5), a '/' in the dotted form is a
// '.' inside one name ("net.ipv4.conf.eth0/100.forwarding"). nullopt for anything that is not a plain key:
// empty parts, "..", a leading separator, whitespace or control characters.
std::optional<std::string> sysctl_proc_path(std::string_view key);

// Whether the kernel's value is the wanted one: field by field, any run of whitespace being one separator
// ("32768\t60999" is "32768 60999"), and numbers by value ("01" is "1").
bool sysctl_values_equal(std::string_view current, std::string_view wanted);

// The content of 90-kvm-host.conf: a header naming kvm-agent, then "key = value" sorted by key.
std::string render_sysctl_file(const std::map<std::string, std::string>& values);

// systemd-sysctl's order of the files, with 90-kvm-host.conf among them whether or not it exists yet, and
// /etc/sysctl.conf last. `listings`: each directory of k_sysctl_dirs that exists, with its file names.
std::vector<std::string> sysctl_files_in_order(std::vector<std::pair<std::string, std::vector<std::string>>> listings);

struct SysctlObserved {
    // Per wanted key: what /proc/sys holds now; nullopt when the kernel has no such key.
    std::map<std::string, std::optional<std::string>> runtime;
    // The sysctl files that exist, in sysctl_files_in_order's order (ours included when it exists).
    std::vector<checks::SysctlFile> files;
    std::optional<std::string> our_file;  // the content of 90-kvm-host.conf; nullopt when there is none
};

struct SysctlRuntimeChange {
    std::string key;
    std::string from;
    std::string to;
};

// A file after ours in systemd-sysctl's order that sets a key differently: at boot it wins.
struct SysctlOverride {
    std::string key;
    std::string value;   // what that file sets
    std::string source;  // "path:line"
    std::string wanted;
};

struct SysctlPlan {
    std::vector<SysctlRuntimeChange> runtime;  // keys whose running value differs, by key
    std::vector<std::string> unknown_keys;     // keys without a /proc/sys entry: nothing may be changed
    std::string file_content;                  // what 90-kvm-host.conf must hold
    bool write_file = false;                   // it holds something else, or is missing
    std::vector<std::string> persisted;        // keys the file does not set as wanted yet
    std::vector<std::string> dropped;          // keys the file sets that the profile no longer has
    std::vector<SysctlOverride> overridden;

    std::vector<std::string> changes() const;  // one line each, for `kvm-agent plan`
    std::vector<std::string> notes() const;    // unknown keys and overrides
};

SysctlPlan plan_sysctl(const std::map<std::string, std::string>& wanted, const SysctlObserved& observed);

// One line per override: "/etc/sysctl.conf:28 sets net.ipv4.ip_forward = 0 after /etc/sysctl.d/90-kvm-host.conf:
// at boot the persisted value 1 would be overridden".
std::string describe(const SysctlOverride& override_);

}  // namespace provision
