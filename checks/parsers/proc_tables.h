#pragma once
// Small /proc tables: /proc/meminfo and /proc/modules.
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "common/result.h"

namespace checks {

// MemTotal in bytes; an error when the line is missing or not "<number> kB".
common::Result<std::uint64_t> parse_meminfo_total(std::string_view text);
// Names of loaded modules (first field of each line).
std::set<std::string> parse_proc_modules(std::string_view text);

}  // namespace checks
