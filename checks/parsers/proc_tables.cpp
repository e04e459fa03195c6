#include "checks/parsers/proc_tables.h"

#include "common/text.h"

namespace checks {

common::Result<std::uint64_t> parse_meminfo_total(std::string_view text) {
    for (auto line : common::lines(text)) {
        if (!line.starts_with("MemTotal:")) continue;
        const auto fields = common::split_whitespace(line.substr(9));
        if (fields.size() != 2 || fields[1] != "kB")
            return common::make_error("/proc/meminfo: MemTotal is not \"<number> kB\"");
        const auto kib = common::parse_uint(fields[0]);
        if (!kib || *kib > (UINT64_MAX >> 10)) return common::make_error("/proc/meminfo: MemTotal is not a number");
        return *kib * 1024;
    }
    return common::make_error("/proc/meminfo has no MemTotal line");
}

std::set<std::string> parse_proc_modules(std::string_view text) {
    std::set<std::string> names;
    for (auto line : common::lines(text)) {
        const auto fields = common::split_whitespace(line);
        if (!fields.empty()) names.emplace(fields[0]);
    }
    return names;
}

}  // namespace checks
