#pragma once
// /etc/os-release (KEY=value, values optionally quoted).
#include <string>
#include <string_view>

#include "common/result.h"

namespace checks {

struct OsRelease {
    std::string id;          // rhel, centos, rocky, almalinux, debian
    std::string id_like;
    std::string version_id;  // "9.3"
    std::string pretty_name;
};

common::Result<OsRelease> parse_os_release(std::string_view text);

}  // namespace checks
