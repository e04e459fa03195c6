#include "host/sysctl/proc_sys.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/text.h"

namespace host::sysctl {
namespace {

constexpr std::size_t k_value_limit = 64 * 1024;
constexpr std::size_t k_file_limit = 1024 * 1024;

}  // namespace

common::Result<provision::SysctlObserved> observe(const common::HostRoot& root,
                                                  const std::map<std::string, std::string>& wanted) {
    provision::SysctlObserved observed;
    for (const auto& [key, value] : wanted) {
        auto& runtime = observed.runtime[key];
        const auto path = provision::sysctl_proc_path(key);
        if (!path || !root.exists(*path)) continue;  // nullopt: the kernel has no such key
        auto text = root.read_text(*path, k_value_limit);
        if (!text) return common::make_error("reading " + key + ": " + text.error().message);
        runtime = std::string(common::trim(text.value()));
    }
    std::vector<std::pair<std::string, std::vector<std::string>>> listings;
    for (auto dir : provision::k_sysctl_dirs) {
        auto names = root.list_dir(dir);
        if (names) listings.emplace_back(std::string(dir), std::move(names).value());
    }
    for (const auto& path : provision::sysctl_files_in_order(std::move(listings))) {
        if (!root.exists(path)) continue;
        auto text = root.read_text(path, k_file_limit);
        if (!text) return common::make_error("reading " + path + ": " + text.error().message);
        if (path == provision::k_sysctl_file) observed.our_file = text.value();
        observed.files.push_back({path, std::move(text).value()});
    }
    return observed;
}

common::Result<std::string> write_value(const common::HostRoot& root, const std::string& key, std::string_view value) {
    const auto path = provision::sysctl_proc_path(key);
    if (!path) return common::make_error("setting " + key + ": not a sysctl key");
    const auto file = root.resolve(*path);
    // O_TRUNC matters only for a plain file standing in for /proc/sys in tests.
    const int fd = ::open(file.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
    if (fd < 0) return common::make_error("setting " + key + ": opening " + *path + ": " + std::strerror(errno));
    const std::string text(value);
    ssize_t written = -1;
    do {
        written = ::write(fd, text.data(), text.size());
    } while (written < 0 && errno == EINTR);
    const int write_errno = errno;
    ::close(fd);
    if (written < 0)
        return common::make_error("setting " + key + " to " + text + ": writing " + *path + ": " + std::strerror(write_errno));
    if (static_cast<std::size_t>(written) != text.size())
        return common::make_error("setting " + key + " to " + text + ": the kernel took " + std::to_string(written) +
                                  " of " + std::to_string(text.size()) + " bytes");
    auto now = root.read_text(*path, k_value_limit);
    if (!now) return common::make_error("setting " + key + ": reading it back: " + now.error().message);
    return std::string(common::trim(now.value()));
}

}  // namespace host::sysctl
