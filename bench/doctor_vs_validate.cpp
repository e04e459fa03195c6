// Benchmark: kvm-doctor against libvirt's virt-host-validate on the same host.
//
// Runs `kvm-doctor --output json` and `virt-host-validate qemu` alternately (after one untimed warm-up
// run of each), N times each, output to /dev/null, and reports per tool the median wall time and the
// peak RSS (ru_maxrss from wait4: the process and the children it waited for), then the ratio
// median(kvm-doctor) / median(virt-host-validate) beside the goals (ratio <= 1.0, kvm-doctor RSS
// <= 10 MiB). The output is a markdown table that can be pasted into docs/benchmarks.md.
//
// Timing is reported, never asserted: machines are noisy. The exit status is 0 when both tools ran,
// 1 when one could not run at all (not found, exec failed, killed, timed out, kvm-doctor exit 3), 2 on a
// usage error, and 77 (a CTest skip) when virt-host-validate is not installed.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "figures.h"

namespace {

using bench::fixed;
using bench::median;
using bench::plural;

constexpr int k_exit_ok = 0;
constexpr int k_exit_cannot_run = 1;
constexpr int k_exit_usage = 2;
constexpr int k_exit_skip = 77;
constexpr double k_goal_ratio = 1.0;
constexpr double k_goal_rss_mib = 10.0;
// kvm-doctor's "could not run" exit status.
constexpr int k_doctor_could_not_run = 3;

struct Options {
    std::string doctor;
    std::string validate = "virt-host-validate";
    std::vector<std::string> doctor_args;  // appended to `kvm-doctor --output json`
    int runs = 10;
    int warmup = 1;
    int timeout_seconds = 120;
};

struct Run {
    bool ran = false;          // exec succeeded and the process exited (not killed, not timed out)
    std::string failure;       // why not, when !ran
    int exit_status = -1;
    double wall_ms = 0;
    long max_rss_kib = 0;
};

struct Tool {
    std::string name;
    std::vector<std::string> argv;
    std::vector<Run> runs;
    std::map<int, int> exit_statuses;  // exit status -> how many runs ended with it
};

void usage(std::ostream& out, const char* program) {
    out << "Usage: " << program
        << " [--runs N] [--warmup N] [--timeout SECONDS] [--validate PATH] [--doctor-arg ARG]... KVM_DOCTOR\n"
        << "Runs 'KVM_DOCTOR --output json [ARG...]' and 'virt-host-validate qemu' alternately, N times each\n"
        << "(default 10, after 1 untimed warm-up run of each; each run killed after --timeout, default 120 s),\n"
        << "and prints their median wall time, peak RSS and ratio as a markdown table.\n"
        << "--doctor-arg adds one argument to kvm-doctor's command line (repeatable), e.g. --check ID.\n"
        << "Exit status: 0 both ran, 1 a tool could not run, 2 usage, 77 virt-host-validate is not installed\n"
        << "(skipped).\n";
}

std::optional<int> parse_count(const std::string& text, int minimum) {
    char* end = nullptr;
    errno = 0;
    const long value = std::strtol(text.c_str(), &end, 10);
    if (errno != 0 || end == text.c_str() || *end != '\0' || value < minimum || value > 100000) return std::nullopt;
    return static_cast<int>(value);
}

bool is_executable_file(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// What execvp would run for `name`: the name itself when it holds a slash, else the first PATH match.
std::optional<std::string> find_program(const std::string& name) {
    if (name.find('/') != std::string::npos) return is_executable_file(name) ? std::optional(name) : std::nullopt;
    const char* env_path = std::getenv("PATH");
    const std::string path = env_path && *env_path ? env_path : "/usr/local/bin:/usr/bin:/bin";
    std::size_t start = 0;
    while (start <= path.size()) {
        const std::size_t colon = std::min(path.find(':', start), path.size());
        const std::string dir = colon == start ? "." : path.substr(start, colon - start);
        const std::string candidate = dir + "/" + name;
        if (is_executable_file(candidate)) return candidate;
        start = colon + 1;
    }
    return std::nullopt;
}

// Waits for `child` until `deadline_ms`, returning wait4's status and rusage; kills it at the deadline.
bool wait_with_deadline(pid_t child, int deadline_ms, int& status, rusage& usage) {
    const long pidfd = ::syscall(SYS_pidfd_open, child, 0);
    if (pidfd >= 0) {
        pollfd waiting{static_cast<int>(pidfd), POLLIN, 0};
        int ready = 0;
        do {
            ready = ::poll(&waiting, 1, deadline_ms);
        } while (ready < 0 && errno == EINTR);
        ::close(static_cast<int>(pidfd));
        if (ready == 0) {
            ::kill(child, SIGKILL);
            while (::wait4(child, &status, 0, &usage) < 0 && errno == EINTR) {}
            return false;
        }
    }
    // No pidfd (kernel before 5.3): a plain blocking wait.
    while (::wait4(child, &status, 0, &usage) < 0) {
        if (errno != EINTR) return false;
    }
    return true;
}

// fork + execvp with stdin, stdout and stderr on /dev/null; no shell.
Run run_once(const std::vector<std::string>& argv, int timeout_seconds) {
    Run run;
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);

    const int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null_fd < 0) {
        run.failure = std::string("open /dev/null: ") + std::strerror(errno);
        return run;
    }
    // The child reports an exec failure's errno here; a successful exec closes it (O_CLOEXEC) empty.
    int exec_pipe[2];
    if (::pipe2(exec_pipe, O_CLOEXEC) != 0) {
        run.failure = std::string("pipe: ") + std::strerror(errno);
        ::close(null_fd);
        return run;
    }

    const auto start = std::chrono::steady_clock::now();
    const pid_t child = ::fork();
    if (child < 0) {
        run.failure = std::string("fork: ") + std::strerror(errno);
        ::close(null_fd);
        ::close(exec_pipe[0]);
        ::close(exec_pipe[1]);
        return run;
    }
    if (child == 0) {
        ::close(exec_pipe[0]);
        if (::dup2(null_fd, STDIN_FILENO) < 0 || ::dup2(null_fd, STDOUT_FILENO) < 0 ||
            ::dup2(null_fd, STDERR_FILENO) < 0) {
            const int err = errno;
            [[maybe_unused]] const ssize_t n = ::write(exec_pipe[1], &err, sizeof err);
            ::_exit(127);
        }
        ::execvp(args[0], args.data());
        const int err = errno;
        [[maybe_unused]] const ssize_t n = ::write(exec_pipe[1], &err, sizeof err);
        ::_exit(127);
    }
    ::close(exec_pipe[1]);
    ::close(null_fd);

    int status = 0;
    rusage usage{};
    const bool exited = wait_with_deadline(child, timeout_seconds * 1000, status, usage);
    const auto elapsed = std::chrono::steady_clock::now() - start;

    int exec_errno = 0;
    ssize_t got = 0;
    do {
        got = ::read(exec_pipe[0], &exec_errno, sizeof exec_errno);
    } while (got < 0 && errno == EINTR);
    ::close(exec_pipe[0]);

    run.wall_ms = std::chrono::duration<double, std::milli>(elapsed).count();
    run.max_rss_kib = usage.ru_maxrss;  // kilobytes on Linux
    if (got == static_cast<ssize_t>(sizeof exec_errno)) {
        run.failure = "cannot execute " + argv[0] + ": " + std::strerror(exec_errno);
    } else if (!exited) {
        run.failure = argv[0] + " did not finish within " + std::to_string(timeout_seconds) + " s (killed)";
    } else if (WIFSIGNALED(status)) {
        run.failure = argv[0] + " was killed by signal " + std::to_string(WTERMSIG(status));
    } else {
        run.ran = true;
        run.exit_status = WEXITSTATUS(status);
    }
    return run;
}

std::vector<double> wall_times(const Tool& tool) {
    std::vector<double> times;
    for (const auto& run : tool.runs) times.push_back(run.wall_ms);
    return times;
}

double peak_rss_mib(const Tool& tool) {
    long peak = 0;
    for (const auto& run : tool.runs) peak = std::max(peak, run.max_rss_kib);
    return static_cast<double>(peak) / 1024.0;
}

std::string command_line(const std::vector<std::string>& argv, const std::string& shown_name) {
    std::string text = shown_name;
    for (std::size_t i = 1; i < argv.size(); ++i) text += " " + argv[i];
    return text;
}

std::string exit_statuses(const Tool& tool) {
    std::string text;
    for (const auto& [code, count] : tool.exit_statuses)
        text += (text.empty() ? "" : ", ") + std::to_string(code) + (count > 1 ? " (x" + std::to_string(count) + ")" : "");
    return text;
}

std::string os_name() {
    std::ifstream file("/etc/os-release");
    std::string line;
    while (std::getline(file, line)) {
        if (!line.starts_with("PRETTY_NAME=")) continue;
        std::string value = line.substr(12);
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'')) value = value.substr(1, value.size() - 2);
        return value;
    }
    return "unknown OS";
}

void print_report(const Options& options, const Tool& doctor, const Tool& validate) {
    utsname names{};
    ::uname(&names);
    const long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
    std::cout << "\nHost: " << os_name() << ", kernel " << names.release << " (" << names.machine << "), " << cpus
              << " CPUs online; " << plural(options.runs, "timed run") << " of each tool, alternating, after "
              << plural(options.warmup, "warm-up run") << " of each; output to /dev/null.\n\n";

    std::cout << "| Tool | Command | Runs | Median wall (ms) | Min (ms) | Max (ms) | Peak RSS (MiB) | Exit status |\n"
              << "|---|---|---:|---:|---:|---:|---:|---|\n";
    for (const Tool* tool : {&doctor, &validate}) {
        const auto times = wall_times(*tool);
        std::cout << "| " << tool->name << " | `" << command_line(tool->argv, tool->name) << "` | " << times.size()
                  << " | " << fixed(median(times), 1) << " | " << fixed(*std::min_element(times.begin(), times.end()), 1)
                  << " | " << fixed(*std::max_element(times.begin(), times.end()), 1) << " | "
                  << fixed(peak_rss_mib(*tool), 1) << " | " << exit_statuses(*tool) << " |\n";
    }

    const double doctor_median = median(wall_times(doctor));
    const double validate_median = median(wall_times(validate));
    const double ratio = validate_median > 0 ? doctor_median / validate_median : 0;
    const double rss = peak_rss_mib(doctor);
    std::cout << "\n| Measure | Value | Goal | Met |\n"
              << "|---|---:|---|---|\n"
              << "| median(kvm-doctor) / median(virt-host-validate) | " << fixed(ratio, 2) << " | <= "
              << fixed(k_goal_ratio, 1) << " | " << (ratio <= k_goal_ratio ? "yes" : "no") << " |\n"
              << "| kvm-doctor peak RSS | " << fixed(rss, 1) << " MiB | <= " << fixed(k_goal_rss_mib, 0) << " MiB | "
              << (rss <= k_goal_rss_mib ? "yes" : "no") << " |\n\n"
              << "Timings are reported, not asserted: this test fails only when a tool cannot run.\n";
}

}  // namespace

int main(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&](const char* name) -> std::optional<std::string> {
            if (i + 1 >= argc) {
                std::cerr << argv[0] << ": " << name << " needs a value\n";
                return std::nullopt;
            }
            return std::string(argv[++i]);
        };
        if (arg == "-h" || arg == "--help") {
            usage(std::cout, argv[0]);
            return k_exit_ok;
        } else if (arg == "--runs" || arg == "--warmup" || arg == "--timeout") {
            const auto text = value(arg.c_str());
            const auto count = text ? parse_count(*text, arg == "--warmup" ? 0 : 1) : std::nullopt;
            if (!count) {
                std::cerr << argv[0] << ": " << arg << " needs a whole number"
                          << (arg == "--warmup" ? "" : " of at least 1") << "\n";
                return k_exit_usage;
            }
            (arg == "--runs" ? options.runs : arg == "--warmup" ? options.warmup : options.timeout_seconds) = *count;
        } else if (arg == "--doctor-arg") {
            const auto text = value(arg.c_str());
            if (!text) return k_exit_usage;
            options.doctor_args.push_back(*text);
        } else if (arg == "--validate") {
            const auto text = value(arg.c_str());
            if (!text) return k_exit_usage;
            options.validate = *text;
        } else if (!arg.empty() && arg[0] == '-') {
            std::cerr << argv[0] << ": unknown option " << arg << "\n";
            usage(std::cerr, argv[0]);
            return k_exit_usage;
        } else if (options.doctor.empty()) {
            options.doctor = arg;
        } else {
            std::cerr << argv[0] << ": one KVM_DOCTOR path only\n";
            return k_exit_usage;
        }
    }
    if (options.doctor.empty()) {
        usage(std::cerr, argv[0]);
        return k_exit_usage;
    }

    const auto validate_path = find_program(options.validate);
    if (!validate_path) {
        std::cout << "SKIP: " << options.validate << " not found"
                  << (options.validate.find('/') == std::string::npos ? " in PATH" : "")
                  << "; install it to compare (Debian/Ubuntu: apt-get install libvirt-clients; "
                     "RHEL/Fedora: dnf install libvirt-client)\n";
        return k_exit_skip;
    }
    if (!is_executable_file(options.doctor)) {
        std::cerr << "FAIL: kvm-doctor " << options.doctor << " is not an executable file\n";
        return k_exit_cannot_run;
    }

    Tool doctor{"kvm-doctor", {options.doctor, "--output", "json"}, {}, {}};
    doctor.argv.insert(doctor.argv.end(), options.doctor_args.begin(), options.doctor_args.end());
    Tool validate{"virt-host-validate", {*validate_path, "qemu"}, {}, {}};
    std::cout << "kvm-doctor:         " << command_line(doctor.argv, options.doctor) << "\n"
              << "virt-host-validate: " << command_line(validate.argv, *validate_path) << "\n";

    // Checks one run; false (with the reason printed) when the tool could not run at all.
    auto accept = [](Tool& tool, const Run& run, bool timed) {
        if (!run.ran) {
            std::cerr << "FAIL: " << tool.name << ": " << run.failure << "\n";
            return false;
        }
        if (tool.name == "kvm-doctor" && run.exit_status == k_doctor_could_not_run) {
            std::cerr << "FAIL: kvm-doctor exited with status 3 (could not run); run it by hand to see why\n";
            return false;
        }
        if (run.exit_status == 126 || run.exit_status == 127) {
            std::cerr << "FAIL: " << tool.name << " exited with status " << run.exit_status
                      << " (the program or a library it needs could not be loaded)\n";
            return false;
        }
        if (timed) {
            tool.runs.push_back(run);
            ++tool.exit_statuses[run.exit_status];
        }
        return true;
    };

    for (int i = 0; i < options.warmup; ++i) {
        if (!accept(doctor, run_once(doctor.argv, options.timeout_seconds), false)) return k_exit_cannot_run;
        if (!accept(validate, run_once(validate.argv, options.timeout_seconds), false)) return k_exit_cannot_run;
    }
    for (int i = 0; i < options.runs; ++i) {
        if (!accept(doctor, run_once(doctor.argv, options.timeout_seconds), true)) return k_exit_cannot_run;
        if (!accept(validate, run_once(validate.argv, options.timeout_seconds), true)) return k_exit_cannot_run;
    }
    print_report(options, doctor, validate);
    return k_exit_ok;
}
