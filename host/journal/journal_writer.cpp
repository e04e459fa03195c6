#include "host/journal/journal_writer.h"

#include <sys/uio.h>
#include <systemd/sd-journal.h>

namespace host::journal {

void write(const Entry& entry, const std::string& identifier) {
    // Field values may hold anything a host file held (evidence, an error): sd_journal_sendv takes them as
    // length-delimited binary-safe data, never through a format string.
    std::vector<std::string> lines;
    lines.reserve(entry.fields.size() + 3);
    lines.push_back("MESSAGE=" + entry.message);
    lines.push_back("PRIORITY=" + std::to_string(entry.priority));
    lines.push_back("SYSLOG_IDENTIFIER=" + identifier);
    for (const auto& [name, value] : entry.fields) lines.push_back(name + "=" + value);
    std::vector<iovec> vectors;
    vectors.reserve(lines.size());
    for (auto& line : lines) vectors.push_back({line.data(), line.size()});
    (void)sd_journal_sendv(vectors.data(), static_cast<int>(vectors.size()));
}

}  // namespace host::journal
