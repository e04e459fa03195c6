#pragma once
// Files that drive root actions (the host profile, the state in the run directory) are read so that nobody but
// root or the user running us can have written them, or swapped them for another file while we read, as sshd's
// StrictModes does: the path is resolved once, then every directory on it is opened without following links
// and must be owned by root or by us and writable by no one else (unless sticky, as /tmp is), and the file is
// opened once, checked on its descriptor and read from it.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace common {

// The file's content, at most `limit` bytes. Errors begin with the path as given: "P: cannot open: ...",
// "P: refused: owned by uid 1000, and it drives root actions (chown root P)", "P: refused: directory /srv is
// writable by others (mode 0777), and ... (chmod o-w /srv)", "P: larger than N bytes", "P: not a regular file".
Result<std::string> read_owned_file(const std::string& path, std::size_t limit);

// The same checks for a directory we keep state in (it and every directory above it). nullopt: safe.
std::optional<Error> unsafe_owned_directory(const std::string& path);

// Replaces the state file `path` with `content` (mode 0600): written to a temporary name of this process's own
// in the same directory (never through a link), fsynced, renamed over `path`, then the directory fsynced, so a
// reader sees the old or the new content and two writers never share a temporary.
std::optional<Error> replace_owned_file(const std::string& path, std::string_view content);

// A file anyone may own (kvm-doctor --profile reads it, and changes nothing): opened once without blocking
// (a FIFO is refused, never waited on), checked to be a regular file, at most `limit` bytes.
Result<std::string> read_regular_file(const std::string& path, std::size_t limit);

}  // namespace common
