#include "provision/sysctl.h"

#include <algorithm>

#include "common/text.h"

namespace provision {
namespace {

bool allowed_key_char(char c) {
    // Printable, no whitespace, and nothing a sysctl.d line or a glob would read differently.
    if (c <= ' ' || c >= 0x7f) return false;
    return std::string_view("=*?[]\\\"'#;").find(c) == std::string_view::npos;
}

std::vector<std::string> fields(std::string_view value) {
    std::string flat(common::trim(value));
    std::replace(flat.begin(), flat.end(), '\n', ' ');
    std::vector<std::string> out;
    for (auto field : common::split_whitespace(flat)) out.emplace_back(field);
    return out;
}

std::string one_line(std::string_view value) { return common::join(fields(value), " "); }

std::string setting(const std::string& key, const std::string& value) { return key + " = " + value; }

}  // namespace

std::optional<std::string> sysctl_proc_path(std::string_view key) {
    if (key.empty() || !std::all_of(key.begin(), key.end(), allowed_key_char)) return std::nullopt;
    std::string path(key);
    // sysctl.d(5): a key whose first separator is '/' is a path already; a dotted one swaps '.' and '/'.
    const auto separator = path.find_first_of("./");
    if (separator != std::string::npos && path[separator] == '.')
        for (auto& c : path) c = c == '.' ? '/' : c == '/' ? '.' : c;
    for (auto part : common::split(path, '/'))
        if (part.empty() || part == "." || part == "..") return std::nullopt;
    return "/proc/sys/" + path;
}

bool sysctl_values_equal(std::string_view current, std::string_view wanted) {
    const auto have = fields(current);
    const auto want = fields(wanted);
    if (have.size() != want.size()) return false;
    for (std::size_t i = 0; i < have.size(); ++i) {
        if (have[i] == want[i]) continue;
        const auto a = common::parse_int(have[i]);
        const auto b = common::parse_int(want[i]);
        if (!a || !b || *a != *b) return false;
    }
    return true;
}

std::string render_sysctl_file(const std::map<std::string, std::string>& values) {
    std::string text =
        "# Written by kvm-agent from the sysctl: section of /etc/kvm-agent/host.yaml; kvm-agent apply\n"
        "# replaces this file, so change the profile instead. systemd-sysctl applies it at boot.\n";
    for (const auto& [key, value] : values) text += setting(key, one_line(value)) + "\n";
    return text;
}

std::vector<std::string> sysctl_files_in_order(std::vector<std::pair<std::string, std::vector<std::string>>> listings) {
    const std::string our_dir(k_sysctl_dirs.front());
    const std::string our_name(k_sysctl_file.substr(our_dir.size() + 1));
    auto etc = std::find_if(listings.begin(), listings.end(), [&](const auto& l) { return l.first == our_dir; });
    if (etc == listings.end()) {
        listings.insert(listings.begin(), {our_dir, {}});
        etc = listings.begin();
    }
    if (std::find(etc->second.begin(), etc->second.end(), our_name) == etc->second.end())
        etc->second.push_back(our_name);
    // checks::sysctl_file_order lets the first directory listed win a name: put them in priority order.
    std::vector<std::pair<std::string, std::vector<std::string>>> ordered;
    for (auto dir : k_sysctl_dirs)
        for (const auto& listing : listings)
            if (listing.first == dir) ordered.push_back(listing);
    auto order = checks::sysctl_file_order(ordered);
    order.emplace_back(k_sysctl_conf);
    return order;
}

SysctlPlan plan_sysctl(const std::map<std::string, std::string>& wanted, const SysctlObserved& observed) {
    SysctlPlan plan;
    for (const auto& [key, value] : wanted) {
        const auto now = observed.runtime.find(key);
        if (now == observed.runtime.end() || !now->second) {
            plan.unknown_keys.push_back(key);
            continue;
        }
        if (!sysctl_values_equal(*now->second, value)) plan.runtime.push_back({key, one_line(*now->second), one_line(value)});
    }

    plan.file_content = render_sysctl_file(wanted);
    // No keys and no file: nothing to persist (an empty sysctl: section creates no empty file).
    plan.write_file = observed.our_file ? *observed.our_file != plan.file_content : !wanted.empty();
    const auto current = checks::parse_sysctl_conf(observed.our_file.value_or(""));
    for (const auto& [key, value] : wanted) {
        const auto* there = current.find(key);
        if (!there || !sysctl_values_equal(there->value, value)) plan.persisted.push_back(key);
    }
    for (const auto& [key, value] : current.values)
        if (!wanted.count(key)) plan.dropped.push_back(key);

    // Only files after ours can undo it at boot; a file before it is overridden by ours.
    auto ours = std::find_if(observed.files.begin(), observed.files.end(),
                             [](const checks::SysctlFile& file) { return file.path == k_sysctl_file; });
    const std::vector<checks::SysctlFile> later(ours == observed.files.end() ? observed.files.begin() : ours + 1,
                                                observed.files.end());
    for (const auto& [key, value] : wanted) {
        const auto effective = checks::effective_sysctl(later, key);
        if (effective && !sysctl_values_equal(effective->value, value))
            plan.overridden.push_back({key, effective->value, effective->source, one_line(value)});
    }
    return plan;
}

std::vector<std::string> SysctlPlan::changes() const {
    std::vector<std::string> lines;
    if (!unknown_keys.empty()) return lines;  // nothing is changed while a key is unknown
    for (const auto& change : runtime)
        lines.push_back("set " + change.key + " to " + change.to + " (now " + change.from + ")");
    const std::string file(k_sysctl_file);
    for (const auto& key : persisted) lines.push_back("persist " + key + " in " + file);
    for (const auto& key : dropped)
        lines.push_back("drop " + key + " from " + file + " (no longer in the profile; its running value stays)");
    if (write_file && persisted.empty() && dropped.empty())
        lines.push_back("rewrite " + file + " (same settings, kvm-agent's layout)");
    return lines;
}

std::vector<std::string> SysctlPlan::notes() const {
    std::vector<std::string> lines;
    for (const auto& key : unknown_keys) {
        const auto path = sysctl_proc_path(key);
        lines.push_back(key + ": the kernel has no " + (path ? *path : "such key") +
                        " (a misspelt key, or its module is not loaded): sysctl changes nothing");
    }
    for (const auto& override_ : overridden) lines.push_back(describe(override_));
    return lines;
}

std::string describe(const SysctlOverride& override_) {
    return override_.source + " sets " + setting(override_.key, override_.value) + " after " +
           std::string(k_sysctl_file) + " in systemd-sysctl's order: at boot the persisted value " + override_.wanted +
           " would be overridden";
}

}  // namespace provision
