#include "common/owned_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <sstream>
#include <iomanip>

#include "common/unique_fd.h"

namespace common {
namespace {

std::string octal(unsigned mode) {
    std::ostringstream out;
    out << std::oct << std::setw(4) << std::setfill('0') << (mode & 07777);
    return out.str();
}

bool trusted_owner(uid_t uid) { return uid == 0 || uid == ::geteuid(); }

// Why a directory on the way could let someone else replace what lies below it; nullopt when it cannot.
std::optional<std::string> unsafe_directory(const struct stat& info, const std::string& directory) {
    if (!trusted_owner(info.st_uid))
        return "directory " + directory + " is owned by uid " + std::to_string(info.st_uid);
    // A sticky directory (/tmp) lets others add names, but not rename or remove ours.
    if ((info.st_mode & (S_IWGRP | S_IWOTH)) && !(info.st_mode & S_ISVTX))
        return "directory " + directory + " is writable by " + ((info.st_mode & S_IWOTH) ? "others" : "its group") +
               " (mode " + octal(info.st_mode) + ")";
    return std::nullopt;
}

std::string fix_for_directory(const struct stat& info, const std::string& directory) {
    if (!trusted_owner(info.st_uid)) return "chown root " + directory;
    return std::string("chmod ") + ((info.st_mode & S_IWOTH) ? "o-w " : "g-w ") + directory;
}

// Opens the directory `canonical` (absolute, no links) one component at a time without following links,
// checking each; the descriptor of the last one. An error message is what follows "P: ".
Result<UniqueFd> open_trusted_directory(const std::filesystem::path& canonical) {
    UniqueFd current(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (current.get() < 0) return make_error(std::string("cannot open /: ") + std::strerror(errno));
    std::filesystem::path walked = "/";
    // Each directory is checked once open, before anything below it is looked up.
    const auto refusal = [&]() -> std::optional<Error> {
        struct stat info {};
        if (::fstat(current.get(), &info) != 0) return make_error(std::string("cannot stat: ") + std::strerror(errno));
        if (auto why = unsafe_directory(info, walked.string()))
            return make_error("refused: " + *why + ", and it drives root actions (" +
                              fix_for_directory(info, walked.string()) + ")");
        return std::nullopt;
    };
    if (auto refused = refusal()) return *refused;
    for (const auto& component : canonical.relative_path()) {
        if (component.empty()) continue;
        walked /= component;
        UniqueFd next(::openat(current.get(), component.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (next.get() < 0) {
            // A link or a file where a directory was a moment ago: someone changed the path under us.
            if (errno == ELOOP || errno == ENOTDIR)
                return make_error("refused: " + walked.string() + " changed while it was read");
            return make_error("cannot open " + walked.string() + ": " + std::strerror(errno));
        }
        current = std::move(next);
        if (auto refused = refusal()) return *refused;
    }
    return current;
}

Result<std::string> read_all(int fd, const std::string& path, std::size_t limit) {
    std::string content;
    char buffer[65536];
    while (true) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0) {
            if (errno == EINTR) continue;
            return make_error(path + ": cannot read: " + std::strerror(errno));
        }
        if (n == 0) break;
        content.append(buffer, static_cast<std::size_t>(n));
        if (content.size() > limit) return make_error(path + ": larger than " + std::to_string(limit) + " bytes");
    }
    return content;
}

std::optional<std::filesystem::path> canonical_of(const std::string& path, int& error) {
    char resolved[PATH_MAX];
    if (!::realpath(path.c_str(), resolved)) {
        error = errno;
        return std::nullopt;
    }
    return std::filesystem::path(resolved);
}

}  // namespace

Result<std::string> read_owned_file(const std::string& path, std::size_t limit) {
    int error = 0;
    const auto canonical = canonical_of(path, error);
    if (!canonical) return make_error(path + ": cannot open: " + std::strerror(error));
    if (canonical->filename().empty() || *canonical == "/") return make_error(path + ": not a regular file");
    auto directory = open_trusted_directory(canonical->parent_path());
    if (!directory) return make_error(path + ": " + directory.error().message);
    // Opened once, never through a link, and without waiting on a FIFO; everything else is asked of this
    // descriptor, so a rename after the checks changes nothing.
    UniqueFd file(::openat(directory->get(), canonical->filename().c_str(),
                     O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
    if (file.get() < 0) {
        if (errno == ELOOP) return make_error(path + ": refused: it changed while it was read");
        return make_error(path + ": cannot open: " + std::strerror(errno));
    }
    struct stat info {};
    if (::fstat(file.get(), &info) != 0) return make_error(path + ": cannot stat: " + std::strerror(errno));
    if (!S_ISREG(info.st_mode)) return make_error(path + ": not a regular file");
    if (!trusted_owner(info.st_uid))
        return make_error(path + ": refused: owned by uid " + std::to_string(info.st_uid) +
                          ", and it drives root actions (chown root " + path + ")");
    if (info.st_mode & (S_IWGRP | S_IWOTH))
        return make_error(path + ": refused: writable by group or others (mode " + octal(info.st_mode) +
                          "), and it drives root actions (chmod go-w " + path + ")");
    return read_all(file.get(), path, limit);
}

std::optional<Error> unsafe_owned_directory(const std::string& path) {
    int error = 0;
    const auto canonical = canonical_of(path, error);
    if (!canonical) return make_error(path + ": " + std::strerror(error));
    auto directory = open_trusted_directory(*canonical);
    if (!directory) return make_error(path + ": " + directory.error().message);
    return std::nullopt;
}

std::optional<Error> replace_owned_file(const std::string& path, std::string_view content) {
    const std::filesystem::path target(path);
    const auto directory = target.parent_path().empty() ? std::filesystem::path(".") : target.parent_path();
    // The pid and a counter: another process, or another thread of ours, has a name of its own.
    static std::atomic<unsigned> counter{0};
    const auto temporary = directory / ("." + target.filename().string() + "." + std::to_string(::getpid()) + "." +
                                        std::to_string(counter++) + ".tmp");
    UniqueFd file(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (file.get() < 0) return make_error("writing " + temporary.string() + ": " + std::strerror(errno));
    std::size_t written = 0;
    while (written < content.size()) {
        const ssize_t n = ::write(file.get(), content.data() + written, content.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const int error = errno;
            ::unlink(temporary.c_str());
            return make_error("writing " + temporary.string() + ": " + std::strerror(error));
        }
        written += static_cast<std::size_t>(n);
    }
    if (::fsync(file.get()) != 0 || ::rename(temporary.c_str(), target.c_str()) != 0) {
        const int error = errno;
        ::unlink(temporary.c_str());
        return make_error("writing " + path + ": " + std::strerror(error));
    }
    UniqueFd parent(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (parent.get() >= 0) ::fsync(parent.get());
    return std::nullopt;
}

Result<std::string> read_regular_file(const std::string& path, std::size_t limit) {
    UniqueFd file(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
    if (file.get() < 0) return make_error(path + ": cannot open: " + std::strerror(errno));
    struct stat info {};
    if (::fstat(file.get(), &info) != 0) return make_error(path + ": cannot stat: " + std::strerror(errno));
    if (!S_ISREG(info.st_mode)) return make_error(path + ": not a regular file");
    return read_all(file.get(), path, limit);
}

}  // namespace common
