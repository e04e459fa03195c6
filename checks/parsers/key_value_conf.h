#pragma once
// Two "key = value" formats the checks read: libvirt's qemu.conf and sysctl.conf/sysctl.d.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace checks {

struct ConfValue {
    std::string value;  // unquoted
    int line = 0;
};

struct KeyValueConf {
    std::map<std::string, ConfValue> values;  // the last assignment of a key wins
    const ConfValue* find(const std::string& key) const {
        auto it = values.find(key);
        return it == values.end() ? nullptr : &it->second;
    }
};

// libvirt's config syntax: `key = "string"`, `key = 1`, `key = [ "a", "b" ]` (lists may span lines),
// `#` comments. Errors name the file and line.
common::Result<KeyValueConf> parse_libvirt_conf(std::string_view text, std::string_view file);

// sysctl.d syntax: `key = value`, `#`/`;` comments, '/' or '.' as separator (normalised to '.'),
// a leading '-' (ignore failure) dropped.
KeyValueConf parse_sysctl_conf(std::string_view text);

// The policy /etc/selinux/config names (SELINUXTYPE=): "targeted" on RHEL, "default" on Debian. A missing,
// empty or unsafe name (anything but letters, digits, '_' and '-': it becomes a path) gives "targeted".
std::string selinux_policy_type(std::string_view config_text);

struct SysctlFile {
    std::string path;
    std::string text;
};

struct SysctlSetting {
    std::string value;
    std::string source;  // "path:line"
};

// The value `key` gets at boot, applying files in the order given (last assignment wins).
std::optional<SysctlSetting> effective_sysctl(const std::vector<SysctlFile>& files, const std::string& key);

// systemd-sysctl's order: every *.conf in the sysctl.d directories sorted by file name, a name in an
// earlier directory masking the same name in later ones. (The caller appends /etc/sysctl.conf, which
// procps reads last.)
std::vector<std::string> sysctl_file_order(
    const std::vector<std::pair<std::string, std::vector<std::string>>>& directory_listings);

}  // namespace checks
