#pragma once
// The metrics as monitoring reads them: promtool's lint of an exposition file, and a real node_exporter whose
// textfile collector reads a directory, scraped over HTTP.
#include <string>
#include <sys/types.h>

namespace tests {

// What `promtool check metrics` says about the file: "" when it is clean. Needs promtool (have_program).
std::string promtool_problems(const std::string& path);

// prometheus-node-exporter (Debian's name; node_exporter elsewhere) on 127.0.0.1 with only the textfile collector,
// reading `directory`; stopped when destroyed.
class NodeExporter {
public:
    // The program, or "" when neither name is installed.
    static std::string program();
    explicit NodeExporter(const std::string& directory);
    ~NodeExporter();
    NodeExporter(const NodeExporter&) = delete;
    NodeExporter& operator=(const NodeExporter&) = delete;

    // GET /metrics; "" when it does not answer (then the reason is in error()).
    std::string scrape();
    const std::string& error() const { return m_error; }

private:
    pid_t m_pid = -1;
    int m_port = 0;
    std::string m_error;
};

}  // namespace tests
