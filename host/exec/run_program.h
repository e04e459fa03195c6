#pragma once
// Runs a program the product must run (a package manager, mkfs): an argv vector, never a shell; stdin from
// /dev/null; stdout and stderr captured (and handed over line by line for the log as they arrive); extra
// environment variables for the child only; and a timeout after which the whole process group is killed
// (SIGTERM, then SIGKILL after a grace period), so a package manager's children do not outlive it.
#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace host::exec {

enum class Stream { out, err };

struct Program {
    std::vector<std::string> argv;  // argv[0] is looked up on PATH unless it holds a '/'
    // Set in the child's environment only (replacing an inherited value); the rest is inherited.
    std::vector<std::pair<std::string, std::string>> environment;
    std::chrono::milliseconds timeout{std::chrono::minutes(30)};
    std::chrono::milliseconds kill_grace{std::chrono::seconds(5)};  // between SIGTERM and SIGKILL
    std::size_t output_limit = 1024 * 1024;  // per stream; past it, the last bytes are kept
    // Each complete line of output as it arrives (without its newline), e.g. into the log.
    std::function<void(Stream, std::string_view)> on_line;
};

struct ProgramResult {
    int exit_code = -1;  // -1: killed by a signal
    int signal = 0;      // the signal that ended it, if one did
    bool timed_out = false;
    std::string out;
    std::string err;
    bool succeeded() const { return !timed_out && exit_code == 0; }
    // "exited with 100", "killed by signal 9", "timed out after 30s (process group killed)".
    std::string status(std::chrono::milliseconds timeout) const;
    // The last `lines` non-empty lines of stderr (stdout when stderr is empty), for an error message.
    std::string tail(std::size_t lines = 5) const;
};

// An error when the program cannot be started: not found on PATH, not executable, out of resources; it names
// the program. Everything after the start (any exit code, a signal, the timeout) is a ProgramResult.
common::Result<ProgramResult> run_program(const Program& program);

// "apt-get -y install 'a b'": an argv for messages and logs; quoted for reading, never for running.
std::string command_line(const std::vector<std::string>& argv);

}  // namespace host::exec
