#include "profile/yaml_reader.h"

#include <set>

#include "common/text.h"
#include "profile/suggest.h"

namespace profile {

Position position_of(const YAML::Mark& mark) {
    // yaml-cpp counts from 0 and marks empty nodes with -1.
    if (mark.line < 0 || mark.column < 0) return {};
    return {mark.line + 1, mark.column + 1};
}

namespace {

// " in \"bridge\"", or nothing for the top level and an interface's own keys.
std::string in(std::string_view what) { return what.empty() ? std::string() : " in \"" + std::string(what) + "\""; }

}  // namespace

std::string describe(const YamlNode& node) {
    switch (node.kind()) {
        case YamlNode::Kind::sequence: return "a list";
        case YamlNode::Kind::map: return "a map";
        case YamlNode::Kind::scalar: return "\"" + node.Scalar() + "\"";
        default: return "nothing";
    }
}

void Reader::fail(Position position, std::string what) const {
    // A message is one line: a control character quoted from the profile is shown escaped, so it can neither
    // split the message nor drive a terminal.
    constexpr auto k_whole = std::string_view::npos;
    throw DecodeError{position, common::escape_controls(m_subject, k_whole), common::escape_controls(what, k_whole)};
}

void fail_missing(const Reader& reader, Position where, std::string_view what, std::string_view key) {
    reader.fail(where, "\"" + std::string(what) + "\" needs \"" + std::string(key) + "\"");
}

std::vector<Entry> Reader::entries(const YamlNode& node, Position where, std::string_view what,
                                   const std::vector<std::string_view>& allowed, const std::string& path) {
    if (!node.IsMap()) fail(where, "\"" + std::string(what) + "\" must be a map, not " + describe(node));
    std::vector<Entry> out;
    std::set<std::string> seen;
    for (auto it = node.entries().begin(); it != node.entries().end(); ++it) {
        const auto key_position = position_of(it->first.Mark());
        if (!it->first.IsScalar()) fail(key_position, "keys of \"" + std::string(what) + "\" must be words, not " +
                                                          describe(it->first));
        const auto& key = it->first.Scalar();
        if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
            fail(key_position, "unknown key \"" + key + "\"" + in(what) + did_you_mean(key, allowed));
        if (!seen.insert(key).second) fail(key_position, "duplicate key \"" + key + "\"" + in(what));
        auto value_position = position_of(it->second.Mark());
        if (value_position.line == 0 || !it->second.IsDefined() || it->second.IsNull()) value_position = key_position;
        record(path.empty() ? key : path + "." + key, value_position);
        out.push_back({key, it->second, key_position, value_position});
    }
    return out;
}

std::vector<std::pair<YamlNode, Position>> Reader::items(const YamlNode& node, Position where,
                                                           std::string_view what, const std::string& path) {
    if (!node.IsSequence()) fail(where, "\"" + std::string(what) + "\" must be a list, not " + describe(node));
    std::vector<std::pair<YamlNode, Position>> out;
    std::size_t index = 0;
    for (const auto& item : node.items()) {
        auto position = position_of(item.Mark());
        if (position.line == 0) position = where;
        record(path + "[" + std::to_string(index++) + "]", position);
        out.emplace_back(item, position);
    }
    return out;
}

std::string Reader::text(const Entry& entry) const {
    if (!entry.value.IsScalar())
        fail(entry.value_position, "\"" + entry.key + "\" must be a string, not " + describe(entry.value));
    return entry.value.Scalar();
}

bool Reader::boolean(const Entry& entry) const {
    if (entry.value.IsScalar()) {
        // YAML 1.1 spellings, as nmstate's parser reads them.
        static const std::set<std::string> k_true{"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"};
        static const std::set<std::string> k_false{"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"};
        if (k_true.count(entry.value.Scalar())) return true;
        if (k_false.count(entry.value.Scalar())) return false;
    }
    fail(entry.value_position, "\"" + entry.key + "\" must be true or false, not " + describe(entry.value));
}

std::uint64_t Reader::number(const Entry& entry, std::uint64_t max) const {
    if (entry.value.IsScalar()) {
        const auto& scalar = entry.value.Scalar();
        const bool digits_only = !scalar.empty() && scalar.find_first_not_of("0123456789") == std::string::npos;
        if (digits_only) {
            const auto value = common::parse_uint(scalar);
            if (!value || *value > max)
                fail(entry.value_position, "\"" + entry.key + "\" " + scalar + " is too large (at most " +
                                               std::to_string(max) + ")");
            return *value;
        }
    }
    fail(entry.value_position, "\"" + entry.key + "\" must be a whole number, not " + describe(entry.value));
}

}  // namespace profile
