#include "profile/profile.h"

#include <algorithm>
#include <iterator>
#include <sstream>
#include <vector>

#include <yaml-cpp/exceptions.h>

#include "common/owned_file.h"
#include "profile/host_section_decoders.h"
#include "profile/network_section.h"
#include "profile/yaml_reader.h"

namespace profile {

namespace {

std::string located(std::string_view source, Position position, const std::string& subject, const std::string& what) {
    std::string out(source);
    if (position.line > 0) out += ":" + std::to_string(position.line) + ":" + std::to_string(position.column);
    out += ": ";
    if (!subject.empty()) out += subject + ": ";
    return out + what;
}

// Where a validation problem is: its own path, or the nearest enclosing one that was written down.
Position position_of_problem(const HostProfile& profile, const netconfig::Problem& problem) {
    std::string path = problem.path;
    Position position;
    while (true) {
        if (auto it = profile.network_positions.find(path); it != profile.network_positions.end()) {
            position = it->second;
            break;
        }
        const auto cut = path.find_last_of(".[");
        if (cut == std::string::npos) break;
        path.resize(cut);
    }
    if (position.line == 0)
        if (auto it = profile.sections.find("network"); it != profile.sections.end()) position = it->second;
    return position;
}


// Every problem the validator finds, one located line each.
std::optional<common::Error> all_problems(const HostProfile& profile, const std::set<netconfig::IfName>* observed) {
    if (!profile.network) return std::nullopt;
    const auto problems = netconfig::validate(profile.network->desired, observed);
    if (problems.empty()) return std::nullopt;
    // In the order of the file, as an editor walks it.
    std::vector<std::pair<Position, std::string>> located_problems;
    for (const auto& problem : problems)
        located_problems.emplace_back(position_of_problem(profile, problem), format_problem(profile, problem));
    std::stable_sort(located_problems.begin(), located_problems.end(), [](const auto& a, const auto& b) {
        return std::pair(a.first.line, a.first.column) < std::pair(b.first.line, b.first.column);
    });
    std::string lines;
    for (const auto& [position, line] : located_problems) lines += (lines.empty() ? "" : "\n") + line;
    return common::make_error(std::move(lines));
}

// Decodes every section; a problem inside a section is collected in `problems` and the next section is decoded
// all the same. A problem with the profile's own shape throws.
HostProfile decode(const YamlNode& root, std::string_view source, std::vector<DecodeError>& problems) {
    HostProfile profile;
    profile.source = std::string(source);
    if (root.IsNull()) return profile;  // an empty profile changes nothing
    if (!root.IsMap())
        throw DecodeError{position_of(root.Mark()), "",
                          "a profile is a map of sections (kvm, packages, libvirt, sysctl, network, firewall, "
                          "storage) and verify, not " + describe(root)};
    std::map<std::string, Position> top;
    Reader reader(top, "");
    std::vector<std::string_view> keys(k_sections.begin(), k_sections.end());
    keys.push_back(k_verify_key);
    for (const auto& entry : reader.entries(root, {1, 1}, "", keys, "")) {
        if (entry.key == k_verify_key) {
            try {
                profile.verify = decode_verify(entry.value, entry.value_position);
            } catch (const DecodeError& problem) {
                problems.push_back(problem);
            }
            continue;
        }
        profile.sections[entry.key] = entry.key_position;
        try {
            if (entry.key == "network")
                profile.network =
                    decode_network(entry.value, entry.value_position, profile.network_positions, problems);
            else if (entry.key == "kvm") profile.kvm = decode_kvm(entry.value, entry.value_position);
            else if (entry.key == "packages") profile.packages = decode_packages(entry.value, entry.value_position);
            else if (entry.key == "libvirt") profile.libvirt = decode_libvirt(entry.value, entry.value_position);
            else if (entry.key == "sysctl") profile.sysctl = decode_sysctl(entry.value, entry.value_position);
            else if (entry.key == "firewall") profile.firewall = decode_firewall(entry.value, entry.value_position);
            else if (entry.key == "storage") profile.storage = decode_storage(entry.value, entry.value_position);
        } catch (const DecodeError& problem) {
            problems.push_back(problem);
        }
    }
    return profile;
}

}  // namespace

std::string format_problem(const HostProfile& profile, const netconfig::Problem& problem) {
    return located(profile.source, position_of_problem(profile, problem), problem.subject, problem.message);
}

common::Result<HostProfile> parse_profile(std::string_view text, std::string_view source,
                                          const std::set<netconfig::IfName>* observed_names) {
    HostProfile profile;
    std::vector<DecodeError> problems;
    try {
        profile = decode(parse_yaml_document(std::string(text)), source, problems);
    } catch (const YamlDocumentError& e) {
        return common::make_error(located(source, position_of(e.mark), "", e.what));
    } catch (const YAML::Exception& e) {
        return common::make_error(located(source, position_of(e.mark), "", "invalid YAML: " + e.msg));
    } catch (const DecodeError& e) {
        problems.push_back(e);
    }
    // Every problem found, one line each; the model is only validated once it could be read whole.
    if (!problems.empty()) {
        std::string lines;
        for (const auto& e : problems) lines += (lines.empty() ? "" : "\n") + located(source, e.position, e.subject, e.what);
        return common::make_error(std::move(lines));
    }
    if (auto error = all_problems(profile, observed_names)) return *error;
    return profile;
}

namespace {

common::Result<HostProfile> parse_file(const common::Result<std::string>& text, const std::string& path,
                                       const std::set<netconfig::IfName>* observed_names) {
    if (!text) return text.error();
    if (text->find('\0') != std::string::npos) return common::make_error(path + ": binary content, not YAML");
    return parse_profile(*text, path, observed_names);
}

}  // namespace

common::Result<HostProfile> load_profile(const std::string& path, const std::set<netconfig::IfName>* observed_names) {
    return parse_file(common::read_regular_file(path, k_max_profile_bytes), path, observed_names);
}

common::Result<HostProfile> load_owned_profile(const std::string& path,
                                               const std::set<netconfig::IfName>* observed_names) {
    return parse_file(common::read_owned_file(path, k_max_profile_bytes), path, observed_names);
}

std::optional<common::Error> check_against(const HostProfile& profile,
                                           const std::set<netconfig::IfName>& observed_names) {
    return all_problems(profile, &observed_names);
}

}  // namespace profile
