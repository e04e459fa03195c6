#pragma once
// Runs a program for a test: argv vector (no shell), stdout and stderr captured, a timeout.
#include <chrono>
#include <string>
#include <vector>

namespace tests {

struct ProcessResult {
    int exit_code = -1;  // -1: killed at the timeout or by a signal
    std::string out;
    std::string err;
};

ProcessResult run_process(const std::vector<std::string>& argv,
                          std::chrono::milliseconds timeout = std::chrono::seconds(60));
// True when `program` is found on PATH (or is an existing path).
bool have_program(const std::string& program);
// True while `pid` runs. A process that has exited but not yet been reaped (a zombie, state Z, waiting for
// init or a CI runner's subreaper, which may reap late) no longer runs.
bool process_runs(int pid);

}  // namespace tests
