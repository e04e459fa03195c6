#pragma once
// The package managers kvm-agent installs with: apt (Debian, Ubuntu), dnf and yum (RHEL-likes). What is
// installed is read from the package database (/var/lib/dpkg/status; rpm -q), never guessed from files on
// disk; installs run the package manager non-interactively with an argv vector under a timeout, its output
// handed over line by line for the log.
#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "host/exec/run_program.h"
#include "provision/packages.h"

namespace host::packages {

using Runner = std::function<common::Result<exec::ProgramResult>(const exec::Program&)>;

struct BackendOptions {
    std::string root = "/";  // another root: dnf/yum --installroot, rpm --root, its /var/lib/dpkg/status
    std::chrono::seconds timeout{1800};  // each program run
    // Each line the package manager prints, for the log: the program ("apt-get"), the stream and the line.
    std::function<void(std::string_view, exec::Stream, std::string_view)> log_line;
    Runner runner;  // empty: exec::run_program (tests record the commands instead)
};

struct InstallReport {
    std::vector<std::string> notes;  // what went wrong but did not stop the install ("apt-get update failed: ...")
};

class PackageBackend {
public:
    virtual ~PackageBackend() = default;
    virtual provision::PackageManager manager() const = 0;
    // Which of `names` the package database lists as installed. An error: the database could not be read.
    virtual common::Result<std::set<std::string>> installed(const std::vector<std::string>& names) = 0;
    // Installs `names`. An error names the command, how it ended and its last lines of output.
    virtual common::Result<InstallReport> install(const std::vector<std::string>& names) = 0;
};

std::unique_ptr<PackageBackend> make_backend(provision::PackageManager manager, BackendOptions options);

}  // namespace host::packages
