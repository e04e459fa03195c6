#pragma once
// packages: which package manager a distribution uses, its KVM host set, what its package database says is
// installed, and the commands that install what is missing. Pure: host/packages runs the commands.
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "checks/parsers/os_release.h"
#include "common/result.h"
#include "profile/host_sections.h"

namespace provision {

enum class PackageManager { apt, dnf, yum };
std::string_view to_string(PackageManager manager);

struct Distribution {
    std::string name;              // "rhel 9.3", "debian 12": for messages
    PackageManager manager = PackageManager::dnf;
    std::vector<std::string> kvm_host_set;  // what `packages: default` installs
};

// From /etc/os-release's ID, then ID_LIKE: dnf on RHEL-likes 8 and later and Fedora, yum on RHEL-likes 7, apt
// on Debian and Ubuntu. An error names the distribution when it is none of those.
common::Result<Distribution> distribution_for(const checks::OsRelease& release);

// The one package-name grammar, the profile's (profile/host_sections.h).
using profile::valid_package_name;

// The wanted names the database does not list, in the order given, each once.
std::vector<std::string> missing_packages(const std::vector<std::string>& wanted, const std::set<std::string>& installed);

// One entry of /var/lib/dpkg/status.
struct DpkgPackage {
    std::string name;
    std::string architecture;
    std::string version;
    std::string want;    // "install", "hold", "deinstall", "purge", "unknown"
    std::string status;  // "installed", "config-files", "unpacked", "half-configured", ...
    // Unpacked and configured (pending triggers do not make a package missing).
    bool installed() const;
};

// /var/lib/dpkg/status (deb822 paragraphs). Strict like dpkg itself: a line that is neither "Field: value" nor
// a continuation, an entry without Package or with a malformed Status, or a field given twice in one entry
// is an error naming the line.
common::Result<std::vector<DpkgPackage>> parse_dpkg_status(std::string_view text);
// The installed packages by name, and by name:architecture.
std::set<std::string> installed_names(const std::vector<DpkgPackage>& packages);

// The query rpm is asked (`rpm [--root ROOT] -q --qf '%{NAME} %{ARCH}\n' NAMES...`), and which of `asked`
// its output lists as installed (by name, or name.arch). "package X is not installed" lines are not names.
std::vector<std::string> rpm_query_command(const std::vector<std::string>& names, std::string_view root);
std::set<std::string> parse_rpm_query(std::string_view output, const std::vector<std::string>& asked);

// How a package manager is run: argv, and what its environment needs besides the inherited one.
struct Command {
    std::vector<std::string> argv;
    std::vector<std::pair<std::string, std::string>> environment;
};
// Non-interactive installs that never remove anything: `apt-get -y -q --no-remove install` with
// DEBIAN_FRONTEND=noninteractive, `dnf -y install`, `yum -y install`; dnf and yum get `--installroot ROOT`
// when `root` is not "/". An error for apt under another root (apt has no install root).
common::Result<Command> install_command(PackageManager manager, const std::vector<std::string>& names,
                                        std::string_view root);
// apt only: refresh the package lists before installing (a new host may have none).
Command apt_update_command();

}  // namespace provision
