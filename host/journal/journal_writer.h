#pragma once
// Writes one structured entry to the systemd journal: MESSAGE, PRIORITY and the caller's own fields.
#include <string>
#include <utility>
#include <vector>

namespace host::journal {

struct Entry {
    int priority = 6;  // syslog(3) levels: 3 err, 4 warning, 5 notice, 6 info
    std::string message;
    std::vector<std::pair<std::string, std::string>> fields;  // {"MESSAGE_ID", "..."}, {"KVM_SECTION", "storage"}
};

// Best effort: a host without journald loses the entry, never the run.
void write(const Entry& entry, const std::string& identifier);

}  // namespace host::journal
