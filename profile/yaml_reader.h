#pragma once
// Internal to profile/: typed reading of yaml-cpp nodes with positioned errors. A DecodeError is thrown at the
// first problem and turned into a common::Error by parse_profile; it never leaves this library.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "profile/yaml_document.h"

#include "profile/profile.h"

namespace profile {

struct DecodeError {
    Position position;
    std::string subject;  // interface name, "routes", "verify", "network"; empty for top-level problems
    std::string what;
};

Position position_of(const YAML::Mark& mark);

// One key of a map, with where the key and its value are written.
struct Entry {
    std::string key;
    YamlNode value;
    Position key_position;
    Position value_position;  // the key's position when the value is empty
};

// Reads one part of the document on behalf of `subject`, recording where each path is written.
class Reader {
public:
    Reader(std::map<std::string, Position>& positions, std::string subject)
        : m_positions(positions), m_subject(std::move(subject)) {}

    [[noreturn]] void fail(Position position, std::string what) const;
    void set_subject(std::string subject) { m_subject = std::move(subject); }
    const std::string& subject() const { return m_subject; }
    void record(const std::string& path, Position position) { m_positions.emplace(path, position); }

    // The entries of a map in document order: keys must be strings from `allowed`, each at most once.
    // `what` names the map in messages ("link-aggregation"; empty at the top and for an interface's own keys,
    // whose callers check the type themselves); `path` prefixes the recorded positions.
    std::vector<Entry> entries(const YamlNode& node, Position where, std::string_view what,
                               const std::vector<std::string_view>& allowed, const std::string& path);
    // The items of a list, each with its position; `path` + "[i]" is recorded for each.
    std::vector<std::pair<YamlNode, Position>> items(const YamlNode& node, Position where,
                                                       std::string_view what, const std::string& path);

    std::string text(const Entry& entry) const;
    bool boolean(const Entry& entry) const;
    std::uint64_t number(const Entry& entry, std::uint64_t max) const;
    std::uint32_t number32(const Entry& entry) const { return static_cast<std::uint32_t>(number(entry, UINT32_MAX)); }

private:
    std::map<std::string, Position>& m_positions;
    std::string m_subject;
};

// "a list", "a map", "nothing", or the scalar quoted: for "must be X, not Y" messages.
std::string describe(const YamlNode& node);

// Missing required key `key` in the map `what` written at `where`.
[[noreturn]] void fail_missing(const Reader& reader, Position where, std::string_view what, std::string_view key);

}  // namespace profile
