#include "checks/parsers/network_definitions.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "common/text.h"

namespace checks {
namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

bool false_word(std::string_view value) {
    const auto word = lower(common::trim(value));
    return word == "false" || word == "no" || word == "0" || word == "off";
}

// NetworkManager's setting names and ifcfg's TYPE words, to one spelling.
std::string normal_type(std::string_view type) {
    const auto word = lower(type);
    if (word == "802-3-ethernet" || word == "ethernet") return "ethernet";
    if (word == "802-11-wireless" || word == "wireless" || word == "wifi") return "wifi";
    if (word == "bridge" || word == "bond" || word == "vlan" || word == "team" || word == "dummy") return word;
    return std::string(type);
}

bool is_uuid(std::string_view text) {
    if (text.size() != 36) return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash != (text[i] == '-')) return false;
        if (!dash && !std::isxdigit(static_cast<unsigned char>(text[i]))) return false;
    }
    return true;
}

// A shell word as ifcfg files write values: 'single', "double" (with \" \\ \$ \` escapes) or bare.
std::string shell_value(std::string_view value) {
    value = common::trim(value);
    std::string out;
    char quote = 0;
    for (std::size_t i = 0; i < value.size(); ++i) {
        const char c = value[i];
        if (quote == 0 && (c == '\'' || c == '"')) quote = c;
        else if (quote != 0 && c == quote) quote = 0;
        else if (quote != '\'' && c == '\\' && i + 1 < value.size()) out += value[++i];
        else if (quote == 0 && c == '#') break;  // a comment after the value
        else out += c;
    }
    return std::string(common::trim(out));
}

std::optional<std::uint32_t> vlan_number(std::string_view text) {
    const auto number = common::parse_uint(text);
    if (!number || *number > 4095) return std::nullopt;
    return static_cast<std::uint32_t>(*number);
}

void name_vlan(NetworkDefinition& definition) {
    if (definition.type == "vlan" && definition.interface.empty() && definition.vlan_id &&
        !definition.vlan_parent.empty() && !is_uuid(definition.vlan_parent))
        definition.interface = definition.vlan_parent + "." + std::to_string(*definition.vlan_id);
}

}  // namespace

NetworkDefinition parse_nm_keyfile(std::string_view text, std::string path) {
    NetworkDefinition definition;
    definition.path = std::move(path);
    definition.source = "NetworkManager";
    std::string section;
    for (const auto raw : common::lines(text)) {
        const auto line = common::trim(raw);
        if (line.empty() || line.front() == '#' || line.front() == ';') continue;
        if (line.front() == '[') {
            const auto end = line.find(']');
            section = std::string(line.substr(1, end == std::string_view::npos ? line.size() - 1 : end - 1));
            continue;
        }
        const auto equals = line.find('=');
        if (equals == std::string_view::npos) continue;
        const auto key = common::trim(line.substr(0, equals));
        const std::string value(common::trim(line.substr(equals + 1)));
        if (section == "connection") {
            if (key == "id") definition.id = value;
            else if (key == "uuid") definition.uuid = value;
            else if (key == "type") definition.type = normal_type(value);
            else if (key == "interface-name") definition.interface = value;
            else if (key == "autoconnect") definition.autoconnect = !false_word(value);
            else if (key == "autoconnect-priority") definition.autoconnect_priority = common::parse_int(value).value_or(0);
            else if (key == "zone") definition.zone = value;
            else if (key == "master" || key == "controller") definition.controller = value;
        } else if (section == "vlan") {
            if (key == "parent") definition.vlan_parent = value;
            else if (key == "id") definition.vlan_id = vlan_number(value);
        }
    }
    name_vlan(definition);
    return definition;
}

NetworkDefinition parse_ifcfg(std::string_view text, std::string path) {
    NetworkDefinition definition;
    definition.path = std::move(path);
    definition.source = "ifcfg";
    std::map<std::string, std::string> values;
    for (const auto raw : common::lines(text)) {
        auto line = common::trim(raw);
        if (line.empty() || line.front() == '#') continue;
        if (line.starts_with("export ")) line = common::trim(line.substr(7));
        const auto equals = line.find('=');
        if (equals == std::string_view::npos) continue;
        values[std::string(common::trim(line.substr(0, equals)))] = shell_value(line.substr(equals + 1));
    }
    const auto get = [&](const char* key) {
        const auto it = values.find(key);
        return it == values.end() ? std::string() : it->second;
    };
    definition.interface = get("DEVICE");
    if (definition.interface.empty()) {
        const auto slash = definition.path.rfind('/');
        const std::string_view file = std::string_view(definition.path).substr(slash == std::string::npos ? 0 : slash + 1);
        if (file.starts_with("ifcfg-")) definition.interface = std::string(file.substr(6));
    }
    definition.id = get("NAME");
    definition.uuid = get("UUID");
    definition.zone = get("ZONE");
    definition.autoconnect = !false_word(get("ONBOOT"));
    definition.autoconnect_priority = common::parse_int(get("AUTOCONNECT_PRIORITY")).value_or(0);
    definition.controller = !get("BRIDGE").empty() ? get("BRIDGE") : get("MASTER");
    const std::string type = get("TYPE");
    if (lower(get("VLAN")) == "yes") definition.type = "vlan";
    else if (!get("BONDING_OPTS").empty() || lower(get("BONDING_MASTER")) == "yes") definition.type = "bond";
    else if (!type.empty()) definition.type = normal_type(type);
    else definition.type = "ethernet";
    if (definition.type == "vlan") {
        definition.vlan_parent = get("PHYSDEV");
        definition.vlan_id = vlan_number(get("VLAN_ID"));
        // The initscripts naming: "eth0.20" says its parent and id in the name.
        const auto dot = definition.interface.rfind('.');
        if (dot != std::string::npos && dot > 0) {
            if (definition.vlan_parent.empty()) definition.vlan_parent = definition.interface.substr(0, dot);
            if (!definition.vlan_id) definition.vlan_id = vlan_number(definition.interface.substr(dot + 1));
        }
    }
    return definition;
}

std::string libvirt_network_bridge(std::string_view xml) {
    std::size_t at = 0;
    while ((at = xml.find("<bridge", at)) != std::string_view::npos) {
        at += 7;
        if (at < xml.size() && xml[at] != ' ' && xml[at] != '\t' && xml[at] != '\n' && xml[at] != '/' && xml[at] != '>')
            continue;  // <bridgeX>: another element
        const auto end = xml.find('>', at);
        const auto tag = xml.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
        for (std::size_t name = tag.find("name"); name != std::string_view::npos; name = tag.find("name", name + 4)) {
            if (name > 0 && tag[name - 1] != ' ' && tag[name - 1] != '\t' && tag[name - 1] != '\n') continue;
            auto rest = tag.substr(name + 4);
            const auto first = rest.find_first_not_of(" \t\n");
            if (first == std::string_view::npos || rest[first] != '=') continue;
            rest = rest.substr(first + 1);
            const auto open = rest.find_first_not_of(" \t\n");
            if (open == std::string_view::npos || (rest[open] != '\'' && rest[open] != '"')) continue;
            const auto close = rest.find(rest[open], open + 1);
            if (close == std::string_view::npos) return {};
            return std::string(rest.substr(open + 1, close - open - 1));
        }
        return {};
    }
    return {};
}

void resolve_definition_references(std::vector<NetworkDefinition>& definitions) {
    std::map<std::string, std::string> by_uuid;
    for (const auto& definition : definitions)
        if (!definition.uuid.empty() && !definition.interface.empty()) by_uuid[lower(definition.uuid)] = definition.interface;
    for (auto& definition : definitions) {
        if (is_uuid(definition.controller))
            if (auto it = by_uuid.find(lower(definition.controller)); it != by_uuid.end()) definition.controller = it->second;
        if (is_uuid(definition.vlan_parent))
            if (auto it = by_uuid.find(lower(definition.vlan_parent)); it != by_uuid.end()) definition.vlan_parent = it->second;
        name_vlan(definition);
    }
}

bool is_ignored_ifcfg_name(std::string_view file_name) {
    if (!file_name.starts_with("ifcfg-") || file_name == "ifcfg-lo") return true;
    for (const char* suffix : {".bak", ".orig", ".rej", "~", ".rpmnew", ".rpmsave", ".rpmorig", ".augnew", ".augtmp"})
        if (file_name.ends_with(suffix)) return true;
    return false;
}

}  // namespace checks
