#include "provision/packages.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "common/text.h"

namespace provision {
namespace {

const std::vector<std::string> k_rhel_kvm_host = {"qemu-kvm", "libvirt", "virt-install", "libguestfs-tools"};
const std::vector<std::string> k_debian_kvm_host = {"qemu-system-x86", "libvirt-daemon-system", "libvirt-clients",
                                                    "virtinst", "libguestfs-tools"};

bool one_of(std::string_view word, std::initializer_list<std::string_view> names) {
    return std::find(names.begin(), names.end(), word) != names.end();
}

bool any_word_of(std::string_view words, std::initializer_list<std::string_view> names) {
    for (auto word : common::split_whitespace(words))
        if (one_of(word, names)) return true;
    return false;
}

// "9.3" → 9; nullopt without a leading number.
std::optional<std::uint64_t> major_version(std::string_view version_id) {
    std::size_t digits = 0;
    while (digits < version_id.size() && std::isdigit(static_cast<unsigned char>(version_id[digits]))) ++digits;
    if (digits == 0 || digits > 9) return std::nullopt;
    return common::parse_uint(version_id.substr(0, digits));
}

std::string line_error(int line, const std::string& what) {
    return "/var/lib/dpkg/status:" + std::to_string(line) + ": " + what;
}

}  // namespace

std::string_view to_string(PackageManager manager) {
    switch (manager) {
        case PackageManager::apt: return "apt";
        case PackageManager::dnf: return "dnf";
        case PackageManager::yum: return "yum";
    }
    return "?";
}

common::Result<Distribution> distribution_for(const checks::OsRelease& release) {
    Distribution distribution;
    distribution.name = release.id + (release.version_id.empty() ? "" : " " + release.version_id);
    const std::initializer_list<std::string_view> debians = {"debian", "ubuntu"};
    const std::initializer_list<std::string_view> rhels = {"rhel", "centos", "rocky", "almalinux", "ol"};
    const bool debian = one_of(release.id, debians) || (!one_of(release.id, rhels) && release.id != "fedora" &&
                                                        any_word_of(release.id_like, debians));
    if (debian) {
        distribution.manager = PackageManager::apt;
        distribution.kvm_host_set = k_debian_kvm_host;
        return distribution;
    }
    const bool rhel = one_of(release.id, rhels) || (release.id != "fedora" && any_word_of(release.id_like, rhels));
    if (rhel) {
        const auto major = major_version(release.version_id);
        if (!major || *major < 7)
            return common::make_error("unsupported distribution " + distribution.name +
                                      ": kvm-agent installs packages on RHEL-likes 7 and later");
        distribution.manager = *major == 7 ? PackageManager::yum : PackageManager::dnf;
        distribution.kvm_host_set = k_rhel_kvm_host;
        return distribution;
    }
    if (release.id == "fedora" || any_word_of(release.id_like, {"fedora"})) {
        distribution.manager = PackageManager::dnf;
        distribution.kvm_host_set = k_rhel_kvm_host;
        return distribution;
    }
    return common::make_error("unsupported distribution " + distribution.name +
                              (release.id_like.empty() ? "" : " (like " + release.id_like + ")") +
                              ": kvm-agent installs packages with dnf, yum or apt (RHEL-likes, Fedora, Debian, Ubuntu)");
}

std::vector<std::string> missing_packages(const std::vector<std::string>& wanted, const std::set<std::string>& installed) {
    std::vector<std::string> missing;
    for (const auto& name : wanted)
        if (!installed.count(name) && std::find(missing.begin(), missing.end(), name) == missing.end())
            missing.push_back(name);
    return missing;
}

bool DpkgPackage::installed() const {
    return status == "installed" || status == "triggers-pending" || status == "triggers-awaited";
}

common::Result<std::vector<DpkgPackage>> parse_dpkg_status(std::string_view text) {
    std::vector<DpkgPackage> packages;
    std::map<std::string, std::string> fields;  // of the entry being read, by lower-case name
    std::string last_field;
    int entry_line = 0;
    auto finish = [&]() -> std::optional<common::Error> {
        if (fields.empty()) return std::nullopt;
        DpkgPackage package;
        package.name = fields["package"];
        if (package.name.empty() || !valid_package_name(package.name))
            return common::make_error(line_error(entry_line, "an entry without a valid Package field"));
        const auto status = common::split_whitespace(fields["status"]);
        if (status.size() != 3)
            return common::make_error(line_error(entry_line, package.name + ": Status is not \"want flag status\""));
        package.want = status[0];
        package.status = status[2];
        package.architecture = fields["architecture"];
        package.version = fields["version"];
        packages.push_back(std::move(package));
        fields.clear();
        last_field.clear();
        return std::nullopt;
    };
    int number = 0;
    for (auto line : common::lines(text)) {
        ++number;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (common::trim(line).empty()) {
            if (auto error = finish()) return *error;
            continue;
        }
        if (line.front() == '#') continue;
        if (line.front() == ' ' || line.front() == '\t') {
            // A continuation of a multi-line field (Description, Conffiles): never a field we read.
            if (last_field.empty()) return common::make_error(line_error(number, "a continuation line outside a field"));
            continue;
        }
        const auto colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0)
            return common::make_error(line_error(number, "expected \"Field: value\""));
        std::string name(line.substr(0, colon));
        if (std::any_of(name.begin(), name.end(), [](char c) { return c <= ' ' || c >= 0x7f; }))
            return common::make_error(line_error(number, "bad field name"));
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
        if (fields.empty()) entry_line = number;
        if (!fields.emplace(name, std::string(common::trim(line.substr(colon + 1)))).second)
            return common::make_error(line_error(number, "field \"" + std::string(line.substr(0, colon)) + "\" given twice"));
        last_field = name;
    }
    if (auto error = finish()) return *error;
    return packages;
}

std::set<std::string> installed_names(const std::vector<DpkgPackage>& packages) {
    std::set<std::string> names;
    for (const auto& package : packages) {
        if (!package.installed()) continue;
        names.insert(package.name);
        if (!package.architecture.empty()) names.insert(package.name + ":" + package.architecture);
    }
    return names;
}

std::vector<std::string> rpm_query_command(const std::vector<std::string>& names, std::string_view root) {
    std::vector<std::string> argv = {"rpm"};
    if (root != "/" && !root.empty()) argv.insert(argv.end(), {"--root", std::string(root)});
    argv.insert(argv.end(), {"-q", "--qf", "%{NAME} %{ARCH}\\n"});
    argv.insert(argv.end(), names.begin(), names.end());
    return argv;
}

std::set<std::string> parse_rpm_query(std::string_view output, const std::vector<std::string>& asked) {
    std::set<std::string> found;  // "name" and "name.arch" of each installed package listed
    for (auto line : common::lines(output)) {
        const auto words = common::split_whitespace(common::trim(line));
        if (words.size() != 2) continue;  // "package X is not installed"
        found.emplace(words[0]);
        found.emplace(std::string(words[0]) + "." + std::string(words[1]));
    }
    std::set<std::string> installed;
    for (const auto& name : asked)
        if (found.count(name)) installed.insert(name);
    return installed;
}

common::Result<Command> install_command(PackageManager manager, const std::vector<std::string>& names,
                                        std::string_view root) {
    const bool other_root = !root.empty() && root != "/";
    Command command;
    switch (manager) {
        case PackageManager::apt:
            if (other_root)
                return common::make_error("apt cannot install into " + std::string(root) +
                                          ": only dnf and yum have an install root");
            // --no-remove: a conflict must fail the install, not remove what the host runs.
            command.argv = {"apt-get", "-y", "-q", "--no-remove", "-o", "Dpkg::Options::=--force-confdef",
                            "-o", "Dpkg::Options::=--force-confold", "install"};
            command.environment = {{"DEBIAN_FRONTEND", "noninteractive"}, {"APT_LISTCHANGES_FRONTEND", "none"}};
            break;
        case PackageManager::dnf:
        case PackageManager::yum:
            command.argv = {std::string(to_string(manager)), "-y"};
            if (other_root) command.argv.insert(command.argv.end(), {"--installroot", std::string(root)});
            command.argv.emplace_back("install");
            break;
    }
    command.argv.insert(command.argv.end(), names.begin(), names.end());
    return command;
}

Command apt_update_command() {
    return {{"apt-get", "-q", "update"}, {{"DEBIAN_FRONTEND", "noninteractive"}}};
}

}  // namespace provision
