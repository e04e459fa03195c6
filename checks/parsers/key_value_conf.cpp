#include "checks/parsers/key_value_conf.h"

#include <cctype>

#include <algorithm>
#include <optional>

#include "common/text.h"

namespace checks {
namespace {

std::string strip_comment(std::string_view line) {
    // A '#' inside a quoted string is not a comment.
    std::string out;
    char quote = 0;
    for (char c : line) {
        if (quote) {
            if (c == quote) quote = 0;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '#') {
            break;
        }
        out += c;
    }
    return out;
}

std::string unquote(std::string_view value) {
    value = common::trim(value);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
        return std::string(value.substr(1, value.size() - 2));
    return std::string(value);
}

bool valid_key(std::string_view key) {
    if (key.empty()) return false;
    return std::all_of(key.begin(), key.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    });
}

}  // namespace

common::Result<KeyValueConf> parse_libvirt_conf(std::string_view text, std::string_view file) {
    KeyValueConf conf;
    int number = 0;
    std::string pending_key;  // inside a multi-line list
    std::string pending_value;
    int pending_line = 0;
    for (auto raw : common::lines(text)) {
        ++number;
        const std::string line = strip_comment(raw);
        const auto content = common::trim(line);
        if (!pending_key.empty()) {
            pending_value += std::string(content);
            if (content.find(']') != std::string_view::npos) {
                conf.values[pending_key] = {pending_value, pending_line};
                pending_key.clear();
            }
            continue;
        }
        if (content.empty()) continue;
        const auto equals = content.find('=');
        if (equals == std::string_view::npos)
            return common::make_error(std::string(file) + ":" + std::to_string(number) +
                                      ": expected \"key = value\"");
        const auto key = common::trim(content.substr(0, equals));
        const auto value = common::trim(content.substr(equals + 1));
        if (!valid_key(key))
            return common::make_error(std::string(file) + ":" + std::to_string(number) + ": bad key \"" +
                                      std::string(key) + "\"");
        if (value.starts_with('[') && value.find(']') == std::string_view::npos) {
            pending_key = key;
            pending_value = value;
            pending_line = number;
            continue;
        }
        conf.values[std::string(key)] = {unquote(value), number};
    }
    if (!pending_key.empty())
        return common::make_error(std::string(file) + ":" + std::to_string(pending_line) + ": list for \"" +
                                  pending_key + "\" is never closed");
    return conf;
}

KeyValueConf parse_sysctl_conf(std::string_view text) {
    KeyValueConf conf;
    int number = 0;
    for (auto line : common::lines(text)) {
        ++number;
        line = common::trim(line);
        if (line.empty() || line.front() == '#' || line.front() == ';') continue;
        const auto equals = line.find('=');
        if (equals == std::string_view::npos) continue;  // systemd-sysctl ignores such lines too
        std::string key(common::trim(line.substr(0, equals)));
        if (!key.empty() && key.front() == '-') key.erase(0, 1);
        // sysctl.d(5): when the first separator is '/', '/' and '.' swap ("eth0.100" stays one name).
        const auto separator = key.find_first_of("./");
        if (separator != std::string::npos && key[separator] == '/')
            for (auto& c : key) c = c == '/' ? '.' : c == '.' ? '/' : c;
        conf.values[key] = {std::string(common::trim(line.substr(equals + 1))), number};
    }
    return conf;
}

std::optional<SysctlSetting> effective_sysctl(const std::vector<SysctlFile>& files, const std::string& key) {
    std::optional<SysctlSetting> setting;
    for (const auto& file : files) {
        const auto conf = parse_sysctl_conf(file.text);
        if (const auto* value = conf.find(key))
            setting = SysctlSetting{value->value, file.path + ":" + std::to_string(value->line)};
    }
    return setting;
}

std::vector<std::string> sysctl_file_order(
    const std::vector<std::pair<std::string, std::vector<std::string>>>& directory_listings) {
    std::map<std::string, std::string> by_name;  // file name → path in the first directory that has it
    for (const auto& [directory, names] : directory_listings)
        for (const auto& name : names)
            if (name.size() > 5 && name.ends_with(".conf")) by_name.emplace(name, directory + "/" + name);
    std::vector<std::string> order;
    for (const auto& [name, path] : by_name) order.push_back(path);
    return order;
}

std::string selinux_policy_type(std::string_view config_text) {
    const auto conf = parse_sysctl_conf(config_text);
    const auto* type = conf.find("SELINUXTYPE");
    if (!type || type->value.empty() || type->value.size() > 64) return "targeted";
    for (const unsigned char c : type->value)
        if (!std::isalnum(c) && c != '_' && c != '-') return "targeted";
    return type->value;
}

}  // namespace checks
