#include "common/journal_stream.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "common/text.h"

namespace common {

bool stderr_is_journal() {
    const char* value = std::getenv("JOURNAL_STREAM");
    if (!value) return false;
    const std::string text(value);
    const auto colon = text.find(':');
    if (colon == std::string::npos) return false;
    const auto device = parse_uint(std::string_view(text).substr(0, colon));
    const auto inode = parse_uint(std::string_view(text).substr(colon + 1));
    struct stat info {};
    if (!device || !inode || ::fstat(STDERR_FILENO, &info) != 0) return false;
    return info.st_dev == *device && info.st_ino == *inode;
}

}  // namespace common
