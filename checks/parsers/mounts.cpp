#include "checks/parsers/mounts.h"

#include <cctype>
#include <cstdio>

#include "common/text.h"

namespace checks {
namespace {

std::string unescape_octal(std::string_view field) {
    std::string out;
    for (std::size_t i = 0; i < field.size(); ++i) {
        if (field[i] == '\\' && i + 3 < field.size()) {
            const auto digits = field.substr(i + 1, 3);
            if (auto code = common::parse_uint(digits, 8); code && *code < 256) {
                out += static_cast<char>(*code);
                i += 3;
                continue;
            }
        }
        out += field[i];
    }
    return out;
}

// "/srv/vm/" names the same mount point as "/srv/vm"; "/" stays "/".
std::string_view without_trailing_slash(std::string_view path) {
    while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
    return path;
}

bool is_path_prefix(std::string_view prefix, std::string_view path) {
    prefix = without_trailing_slash(prefix);
    if (prefix == "/") return true;
    return path.starts_with(prefix) && (path.size() == prefix.size() || path[prefix.size()] == '/');
}

}  // namespace

common::Result<std::vector<MountEntry>> parse_mount_table(std::string_view text, std::string_view file) {
    std::vector<MountEntry> entries;
    int number = 0;
    for (auto line : common::lines(text)) {
        ++number;
        const auto content = common::trim(line);
        if (content.empty() || content.front() == '#') continue;
        const auto fields = common::split_whitespace(content);
        if (fields.size() < 3)
            return common::make_error(std::string(file) + ":" + std::to_string(number) +
                                      ": expected at least 3 fields, found " + std::to_string(fields.size()));
        entries.push_back({unescape_octal(fields[0]), unescape_octal(fields[1]), std::string(fields[2]),
                           fields.size() > 3 ? std::string(fields[3]) : std::string("defaults")});
    }
    return entries;
}

bool mounts_at_boot(const MountEntry& entry) {
    for (auto option : common::split(entry.options, ','))
        if (option == "noauto") return false;
    return true;
}

std::optional<MountEntry> mount_containing(const std::vector<MountEntry>& mounts, std::string_view path) {
    std::optional<MountEntry> best;
    for (const auto& mount : mounts) {
        if (!is_path_prefix(mount.target, path)) continue;
        // Later entries over the same target shadow earlier ones, hence >=.
        if (!best || without_trailing_slash(mount.target).size() >= without_trailing_slash(best->target).size())
            best = mount;
    }
    return best;
}

std::string mount_unit_name(std::string_view mount_point) {
    // systemd-escape --path: strip slashes at both ends, '/' → '-', other specials → \xNN.
    while (mount_point.size() > 1 && mount_point.back() == '/') mount_point.remove_suffix(1);
    while (!mount_point.empty() && mount_point.front() == '/') mount_point.remove_prefix(1);
    if (mount_point.empty()) return "-.mount";
    std::string out;
    for (std::size_t i = 0; i < mount_point.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(mount_point[i]);
        if (c == '/') {
            if (mount_point[i - 1] != '/') out += '-';  // systemd collapses "//"
        }
        else if (std::isalnum(c) || c == '_' || c == ':' || (c == '.' && i > 0)) out += static_cast<char>(c);
        else {
            char buffer[8];
            std::snprintf(buffer, sizeof buffer, "\\x%02x", c);
            out += buffer;
        }
    }
    return out + ".mount";
}

}  // namespace checks
