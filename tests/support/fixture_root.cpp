#include "tests/support/fixture_root.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace tests {
namespace {

namespace fs = std::filesystem;

constexpr const char* k_manifests[] = {"devices.manifest", "fs.manifest", "xattr.manifest"};
constexpr const char* k_case_files[] = {"devices.manifest", "fs.manifest", "xattr.manifest", "inherits",
                                        "removed"};
constexpr int k_max_inheritance = 8;

// The lines of a case file that are neither empty nor comments; none when the file is absent.
std::vector<std::string> entries(const fs::path& file) {
    std::vector<std::string> lines;
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);)
        if (!line.empty() && line[0] != '#') lines.push_back(line);
    return lines;
}

bool is_under(std::string_view path, const std::string& top) {
    return path == top || (path.starts_with(top) && path.size() > top.size() && path[top.size()] == '/');
}

std::string not_found(std::string_view what, std::string_view host_path) {
    return std::string(what) + " " + std::string(host_path) + ": " + std::strerror(ENOENT);
}

}  // namespace

FixtureRoot::FixtureRoot(const std::string& case_dir) : FixtureRoot(case_dir, 0) {}

FixtureRoot::FixtureRoot(const std::string& case_dir, int depth) : common::HostRoot(case_dir) {
    if (!fs::is_directory(case_dir)) throw std::runtime_error("no fixture case " + case_dir);
    for (const auto& line : entries(case_dir + "/devices.manifest")) {
        std::istringstream fields(line);
        std::string path, kind, numbers, mode;
        common::NodeInfo info;
        fields >> path >> kind >> numbers >> mode >> info.uid >> info.gid;
        if (!fields) throw std::runtime_error(case_dir + "/devices.manifest: bad line: " + line);
        info.kind = kind == "char" ? common::NodeKind::char_device : common::NodeKind::block_device;
        info.major = static_cast<unsigned>(std::stoul(numbers.substr(0, numbers.find(':'))));
        info.minor = static_cast<unsigned>(std::stoul(numbers.substr(numbers.find(':') + 1)));
        info.mode = static_cast<unsigned>(std::stoul(mode, nullptr, 8));
        m_devices[path] = info;
    }
    for (const auto& line : entries(case_dir + "/fs.manifest")) {
        std::istringstream fields(line);
        std::string path;
        common::FsUsage usage;
        fields >> path >> usage.total_bytes >> usage.available_bytes;
        if (!fields) throw std::runtime_error(case_dir + "/fs.manifest: bad line: " + line);
        m_filesystems[path] = usage;
    }
    for (const auto& line : entries(case_dir + "/xattr.manifest")) {
        std::istringstream fields(line);
        std::string path, name, value;
        fields >> path >> name >> value;
        if (!fields) throw std::runtime_error(case_dir + "/xattr.manifest: bad line: " + line);
        m_xattrs[{path, name}] = value;
    }
    m_removed = entries(case_dir + "/removed");
    if (const auto base = entries(case_dir + "/inherits"); !base.empty()) {
        if (depth >= k_max_inheritance) throw std::runtime_error(case_dir + ": inheritance too deep (a cycle?)");
        m_base.reset(new FixtureRoot((fs::path(case_dir).parent_path() / base.front()).string(), depth + 1));
    }
}

bool FixtureRoot::is_removed(std::string_view host_path) const {
    for (const auto& top : m_removed)
        if (is_under(host_path, top)) return true;
    return false;
}

FixtureRoot::Source FixtureRoot::source(std::string_view host_path) const {
    std::error_code ec;
    if (!m_base || fs::exists(fs::symlink_status(resolve(host_path), ec))) return Source::own;
    return is_removed(host_path) ? Source::none : Source::base;
}

common::Result<std::string> FixtureRoot::read_text(std::string_view host_path, std::size_t limit) const {
    switch (source(host_path)) {
        case Source::none: return common::make_error(not_found("cannot read", host_path));
        case Source::base: return m_base->read_text(host_path, limit);
        case Source::own: break;
    }
    return common::HostRoot::read_text(host_path, limit);
}

common::Result<std::string> FixtureRoot::read_bytes_at(std::string_view host_path, std::uint64_t offset,
                                                       std::size_t length) const {
    switch (source(host_path)) {
        case Source::none: return common::make_error(not_found("cannot open", host_path));
        case Source::base: return m_base->read_bytes_at(host_path, offset, length);
        case Source::own: break;
    }
    return common::HostRoot::read_bytes_at(host_path, offset, length);
}

common::Result<std::optional<common::NodeInfo>> FixtureRoot::stat_node(std::string_view host_path) const {
    if (auto it = m_devices.find(std::string(host_path)); it != m_devices.end())
        return std::optional<common::NodeInfo>{it->second};
    switch (source(host_path)) {
        case Source::none: return std::optional<common::NodeInfo>{};
        case Source::base: return m_base->stat_node(host_path);
        case Source::own: break;
    }
    return common::HostRoot::stat_node(host_path);
}

common::Result<std::vector<std::string>> FixtureRoot::list_dir(std::string_view host_path) const {
    std::set<std::string> names;  // sorted and unique, like HostRoot's listing
    bool listed = false;
    std::error_code ec;
    if (fs::is_directory(resolve(host_path), ec)) {
        auto own = common::HostRoot::list_dir(host_path);
        if (!own) return own;
        names.insert(own.value().begin(), own.value().end());
        listed = true;
    }
    if (m_base && !is_removed(host_path))
        if (auto theirs = m_base->list_dir(host_path)) {
            for (const auto& name : theirs.value())
                if (!is_removed(std::string(host_path) + "/" + name)) names.insert(name);
            listed = true;
        }
    if (!listed) return common::make_error(not_found("cannot list", host_path));
    names.erase(".keep");
    return std::vector<std::string>(names.begin(), names.end());
}

common::Result<common::FsUsage> FixtureRoot::fs_usage(std::string_view host_path) const {
    if (auto it = m_filesystems.find(std::string(host_path)); it != m_filesystems.end()) return it->second;
    if (m_base && !is_removed(host_path)) return m_base->fs_usage(host_path);
    return common::make_error("fixture has no fs.manifest entry for " + std::string(host_path));
}

common::Result<std::string> FixtureRoot::read_xattr(std::string_view host_path, const char* name) const {
    // Never the real file's attributes: the machine running the tests must not change the outcome.
    if (auto it = m_xattrs.find({std::string(host_path), name}); it != m_xattrs.end()) return it->second;
    if (m_base && !is_removed(host_path)) return m_base->read_xattr(host_path, name);
    return common::make_error("fixture has no xattr.manifest entry for " + std::string(name) + " of " +
                              std::string(host_path));
}

std::string fixture_case(const std::string& name) { return std::string(KVM_FIXTURES_DIR) + "/hosts/" + name; }

void flatten_case(const std::string& case_dir, const fs::path& out) {
    const fs::path dir(case_dir);
    if (const auto base = entries(dir / "inherits"); !base.empty()) flatten_case(dir.parent_path() / base.front(), out);
    fs::create_directories(out);
    // What this case removes from the inherited one: files, and manifest lines naming them.
    const auto removed = entries(dir / "removed");
    auto is_removed = [&](std::string_view path) {
        for (const auto& top : removed)
            if (is_under(path, top)) return true;
        return false;
    };
    for (const auto& top : removed) fs::remove_all(out / fs::path(top).relative_path());
    // Manifests: the inherited lines still visible, then this case's (a later line for a path wins).
    for (const char* manifest : k_manifests) {
        std::string merged;
        for (const auto& line : entries(out / manifest))
            if (!is_removed(line.substr(0, line.find(' ')))) merged += line + "\n";
        for (const auto& line : entries(dir / manifest)) merged += line + "\n";
        if (!merged.empty()) std::ofstream(out / manifest) << merged;
    }
    // This case's own tree over the result.
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
        const fs::path relative = entry.path().lexically_relative(dir);
        bool case_file = false;
        for (const char* name : k_case_files) case_file = case_file || relative == name;
        if (case_file) continue;
        const fs::path target = out / relative;
        if (entry.is_symlink()) {
            fs::remove(target);
            fs::copy_symlink(entry.path(), target);
        } else if (entry.is_directory()) {
            fs::create_directories(target);
        } else {
            fs::copy_file(entry.path(), target, fs::copy_options::overwrite_existing);
        }
    }
}

}  // namespace tests
