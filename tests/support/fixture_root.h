#pragma once
// FixtureRoot: a HostRoot over tests/fixtures/hosts/<case>/. Git cannot hold device nodes, extended
// attributes or report a filesystem's size, so manifest files at the top of a case stand in for them:
//   devices.manifest   "<path> char <major>:<minor> <mode-octal> <uid> <gid>" per line
//   fs.manifest        "<path> <total-bytes> <available-bytes>" per line
//   xattr.manifest     "<path> <attribute> <value>" per line (e.g. security.selinux labels)
// A case can be a variation of another, so it holds only what differs:
//   inherits           the name of a sibling case: any path this case lacks is looked up there
//                      (recursively), manifest entries included
//   removed            host paths, one a line: each hides that path, and all below it, of the
//                      inherited case. The case's own files and manifest entries are never hidden.
// Directory listings merge the case's entries with the inherited ones. ".keep" files, which only make
// git keep an empty directory, are never listed. Everything else is read by the real HostRoot code.
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/host_root.h"

namespace tests {

class FixtureRoot : public common::HostRoot {
public:
    explicit FixtureRoot(const std::string& case_dir);

    common::Result<std::string> read_text(std::string_view host_path,
                                          std::size_t limit = k_default_limit) const override;
    common::Result<std::string> read_bytes_at(std::string_view host_path, std::uint64_t offset,
                                              std::size_t length) const override;
    common::Result<std::optional<common::NodeInfo>> stat_node(std::string_view host_path) const override;
    common::Result<std::vector<std::string>> list_dir(std::string_view host_path) const override;
    common::Result<common::FsUsage> fs_usage(std::string_view host_path) const override;
    common::Result<std::string> read_xattr(std::string_view host_path, const char* name) const override;

private:
    FixtureRoot(const std::string& case_dir, int depth);
    bool is_removed(std::string_view host_path) const;
    // Who answers for a path: this case's own tree, the inherited case, or nobody (removed).
    enum class Source { own, base, none };
    Source source(std::string_view host_path) const;

    std::map<std::string, common::NodeInfo> m_devices;
    std::map<std::string, common::FsUsage> m_filesystems;
    std::map<std::pair<std::string, std::string>, std::string> m_xattrs;
    std::vector<std::string> m_removed;
    std::unique_ptr<FixtureRoot> m_base;
};

// The directory of a named fixture case.
std::string fixture_case(const std::string& name);

// Writes `case_dir` to `out` as a standalone case (no `inherits`, no `removed`): for tests that copy a
// case and then edit the copy.
void flatten_case(const std::string& case_dir, const std::filesystem::path& out);

}  // namespace tests
