// Benchmark: kvm-agent's network apply against iproute2 doing the same operations, in fresh namespaces.
//
// The profile: N bridges br0..brN-1, each with one veth port vethI and one IPv4 address 10.X.Y.1/24 on the
// bridge. Every timed run gets a fresh network namespace in which the veth pairs already exist (made with
// `ip -batch` outside the timed region; their peers pI live in a second namespace, as a NIC's other end is
// the LAN). The contenders, each started with fork + exec after the child entered the namespace (setns), so
// none of them pays for `ip netns exec`:
//   (a) kvm-agent apply --only network --memory-only --output json  (observe + plan + apply + verify)
//   (b) ip -batch FILE       (link add brI type bridge; link set vethI master brI; the port's STP path cost 100,
//                            nmstate's default for a port joining a bridge; addr add; link set up x2)
//   (c) one ip process per operation (the same 6 N commands, one after the other)
//   (d) kvm-agent apply again on (a)'s converged namespace (the no-op re-apply)
// and, for scaling, (a) and (b) at larger N (default 250, 500, 1000).
//
// Runs alternate the order of the contenders (a b c, then c b a, ...) so that all see the same drift in
// machine load, after one untimed warm-up of each. Between runs the benchmark waits until the kernel has
// finished tearing the previous namespace down (its veth peers are gone), since that cleanup runs in the
// background and would otherwise land in the next timed run. Each contender's result is checked (untimed)
// with `ip -j`: every bridge exists, is up and holds its address, every veth is its port and up.
//
// Timing is reported as medians and ratios, never asserted: machines are noisy. Exit status: 0 all ran and
// converged, 1 a contender failed or left a wrong state, 2 usage, 77 (a CTest skip) without root, `ip` or
// network namespaces.
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
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
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "figures.h"

namespace {

using bench::fixed;
using bench::median;
using bench::plural;

namespace fs = std::filesystem;

constexpr int k_exit_ok = 0;
constexpr int k_exit_failed = 1;
constexpr int k_exit_usage = 2;
constexpr int k_exit_skip = 77;
constexpr double k_goal_ratio = 1.5;       // (a) <= 1.5 x (b)
constexpr double k_goal_noop_ms = 50.0;    // (d) <= 50 ms
constexpr double k_goal_linear = 1.5;      // cost per added bridge at the top of the range <= 1.5 x below it
constexpr int k_ops_per_bridge = 6;

struct Options {
    std::string agent;
    std::string ip = "ip";
    int bridges = 100;
    int runs = 5;
    std::vector<int> scale{250, 500, 1000};
    int scale_runs = 3;
    int warmup = 1;
    int timeout_seconds = 600;
};

struct Run {
    bool ran = false;      // exec succeeded and the process exited (not killed, not timed out)
    std::string failure;   // why not, when !ran
    int exit_status = -1;
    double wall_ms = 0;
    double cpu_ms = 0;     // user + system time of the process and the children it waited for
    long max_rss_kib = 0;
};

// The timed figures of one contender at one size.
struct Series {
    std::vector<double> wall_ms;
    std::vector<double> cpu_ms;
    std::vector<double> section_ms;  // kvm-agent's own "elapsed_ms" of the network section
    long max_rss_kib = 0;
    void add(double ms, double cpu, long rss_kib) {
        wall_ms.push_back(ms);
        cpu_ms.push_back(cpu);
        max_rss_kib = std::max(max_rss_kib, rss_kib);
    }
};

void usage(std::ostream& out, const char* program) {
    out << "Usage: " << program
        << " [--bridges N] [--runs N] [--scale N,N,...] [--scale-runs N] [--warmup N] [--timeout SECONDS]\n"
           "       [--ip PATH] KVM_AGENT\n"
           "Applies a profile of N bridges (default 100), each with a veth port and an IPv4 address, in fresh\n"
           "network namespaces with (a) 'KVM_AGENT apply --only network --memory-only', (b) 'ip -batch', (c) one\n"
           "ip process per operation, and (d) re-applies (a) on its converged namespace; then (a) and (b) at the\n"
           "--scale sizes (default 250,500,1000; --scale none to skip). --runs timed runs of each at N (default 5),\n"
           "--scale-runs at each scale size (default 3), alternating, after --warmup untimed runs (default 1).\n"
           "Prints medians and ratios as markdown tables. Needs root.\n"
           "Exit status: 0 all ran and converged, 1 a contender failed or left a wrong state, 2 usage,\n"
           "77 skipped (no root, no ip, no network namespaces).\n";
}

std::optional<int> parse_count(const std::string& text, int minimum, int maximum = 100000) {
    char* end = nullptr;
    errno = 0;
    const long value = std::strtol(text.c_str(), &end, 10);
    if (errno != 0 || end == text.c_str() || *end != '\0' || value < minimum || value > maximum) return std::nullopt;
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
    const std::string path = env_path && *env_path ? env_path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
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
    while (::wait4(child, &status, 0, &usage) < 0) {
        if (errno != EINTR) return false;
    }
    return true;
}

// fork + execv of `argv` (argv[0] a path; no shell). The child first enters the network namespace `netns_fd`
// (when >= 0); stdin is /dev/null, stdout goes to `out_fd` (or /dev/null when < 0), stderr to `err_fd` (or
// /dev/null). The wall time runs from just before fork to wait4 returning.
Run run_once(const std::vector<std::string>& argv, int netns_fd, int out_fd, int err_fd, int timeout_seconds) {
    Run run;
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);

    const int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null_fd < 0) {
        run.failure = std::string("open /dev/null: ") + std::strerror(errno);
        return run;
    }
    int exec_pipe[2];  // the child's errno when setns or exec fails; closed empty by a successful exec
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
        auto fail = [&] {
            const int err = errno;
            [[maybe_unused]] const ssize_t n = ::write(exec_pipe[1], &err, sizeof err);
            ::_exit(127);
        };
        if (netns_fd >= 0 && ::setns(netns_fd, CLONE_NEWNET) != 0) fail();
        if (::dup2(null_fd, STDIN_FILENO) < 0 || ::dup2(out_fd >= 0 ? out_fd : null_fd, STDOUT_FILENO) < 0 ||
            ::dup2(err_fd >= 0 ? err_fd : null_fd, STDERR_FILENO) < 0)
            fail();
        ::execv(args[0], args.data());
        fail();
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
    run.max_rss_kib = usage.ru_maxrss;
    auto ms = [](const timeval& t) { return static_cast<double>(t.tv_sec) * 1000.0 + static_cast<double>(t.tv_usec) / 1000.0; };
    run.cpu_ms = ms(usage.ru_utime) + ms(usage.ru_stime);
    if (got == static_cast<ssize_t>(sizeof exec_errno)) {
        run.failure = "cannot run " + argv[0] + ": " + std::strerror(exec_errno);
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

std::string read_text(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string command_text(const std::vector<std::string>& argv) {
    std::string text;
    for (const auto& arg : argv) text += (text.empty() ? "" : " ") + arg;
    return text;
}

// Untimed helper runs (setup, teardown, checks): output captured in files under `dir`.
struct Captured {
    bool ok = false;
    std::string out;
    std::string err;
    std::string what;  // the command and why it failed, when !ok
};

class Workspace {
public:
    Workspace(fs::path dir, std::string ip, int timeout_seconds)
        : m_dir(std::move(dir)), m_ip(std::move(ip)), m_timeout(timeout_seconds) {}
    const fs::path& dir() const { return m_dir; }
    const std::string& ip() const { return m_ip; }
    int timeout() const { return m_timeout; }

    Captured capture(const std::vector<std::string>& argv, int netns_fd = -1) const {
        Captured result;
        const auto out_path = m_dir / "helper.out";
        const auto err_path = m_dir / "helper.err";
        const int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        const int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        const auto run = out_fd >= 0 && err_fd >= 0 ? run_once(argv, netns_fd, out_fd, err_fd, m_timeout) : Run{};
        if (out_fd >= 0) ::close(out_fd);
        if (err_fd >= 0) ::close(err_fd);
        result.out = read_text(out_path);
        result.err = read_text(err_path);
        result.ok = run.ran && run.exit_status == 0;
        if (!result.ok) {
            std::string why = !run.failure.empty() ? run.failure
                              : run.ran            ? "exit status " + std::to_string(run.exit_status)
                                                   : "cannot open " + m_dir.string();
            if (!result.err.empty()) why += ": " + result.err.substr(0, 600);
            while (!why.empty() && why.back() == '\n') why.pop_back();
            result.what = "`" + command_text(argv) + "`: " + why;
        }
        return result;
    }

private:
    fs::path m_dir;
    std::string m_ip;
    int m_timeout;
};

// A named network namespace (`ip netns add`) that lives as long as this object, with an open fd for setns.
class Namespace {
public:
    Namespace(const Workspace& work, std::string name) : m_work(work), m_name(std::move(name)) {
        const auto added = m_work.capture({m_work.ip(), "netns", "add", m_name});
        if (!added.ok) {
            m_error = added.what;
            m_name.clear();
            return;
        }
        m_fd = ::open(("/run/netns/" + m_name).c_str(), O_RDONLY | O_CLOEXEC);
        if (m_fd < 0) m_error = "cannot open /run/netns/" + m_name + ": " + std::strerror(errno);
    }
    ~Namespace() {
        if (m_fd >= 0) ::close(m_fd);
        if (!m_name.empty()) m_work.capture({m_work.ip(), "netns", "delete", m_name});
    }
    Namespace(const Namespace&) = delete;
    Namespace& operator=(const Namespace&) = delete;

    bool ok() const { return m_error.empty(); }
    const std::string& error() const { return m_error; }
    const std::string& name() const { return m_name; }
    int fd() const { return m_fd; }

private:
    const Workspace& m_work;
    std::string m_name;
    std::string m_error;
    int m_fd = -1;
};

// The files of one size N: the profile, the veth set-up batch, the operations batch and list.
struct Scenario {
    int bridges = 0;
    fs::path profile;
    fs::path veth_batch;
    fs::path ops_batch;
    std::vector<std::vector<std::string>> ops;  // the batch's lines as ip arguments
};

std::string bridge(int i) { return "br" + std::to_string(i); }
std::string veth(int i) { return "veth" + std::to_string(i); }
std::string address(int i) { return "10." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ".1"; }

bool write_file(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
    out.close();
    if (!out) return false;
    std::error_code ec;
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write, ec);  // kvm-agent refuses others' profiles
    return !ec;
}

std::optional<Scenario> make_scenario(const Workspace& work, int bridges, const std::string& peer_namespace) {
    Scenario s;
    s.bridges = bridges;
    const std::string n = std::to_string(bridges);
    s.profile = work.dir() / ("bridges-" + n + ".yaml");
    s.veth_batch = work.dir() / ("veths-" + n + ".batch");
    s.ops_batch = work.dir() / ("bridges-" + n + ".batch");

    std::string profile = "network:\n  interfaces:\n", veths, ops;
    for (int i = 0; i < bridges; ++i) {
        profile += "  - name: " + bridge(i) + "\n    type: linux-bridge\n    state: up\n" +
                   "    ipv4: {enabled: true, dhcp: false, address: [{ip: " + address(i) + ", prefix-length: 24}]}\n" +
                   // STP off and the kernel's port cost, as `ip link add type bridge` makes them: the same work.
                   "    bridge: {options: {stp: {enabled: false}}, port: [{name: " + veth(i) + "}]}\n";
        veths += "link add " + veth(i) + " type veth peer name p" + std::to_string(i) + " netns " + peer_namespace + "\n";
        s.ops.push_back({"link", "add", bridge(i), "type", "bridge"});
        s.ops.push_back({"link", "set", veth(i), "master", bridge(i)});
        s.ops.push_back({"link", "set", veth(i), "type", "bridge_slave", "cost", "100"});
        s.ops.push_back({"addr", "add", address(i) + "/24", "dev", bridge(i)});
        s.ops.push_back({"link", "set", veth(i), "up"});
        s.ops.push_back({"link", "set", bridge(i), "up"});
    }
    for (const auto& op : s.ops) ops += command_text(op) + "\n";
    if (!write_file(s.profile, profile) || !write_file(s.veth_batch, veths) || !write_file(s.ops_batch, ops)) {
        std::cerr << "FAIL: cannot write the scenario files under " << work.dir() << "\n";
        return std::nullopt;
    }
    return s;
}

// Checks the namespace holds what the profile asks for; the problems found (empty: converged).
std::vector<std::string> check_converged(const Workspace& work, const Namespace& ns, int bridges) {
    std::vector<std::string> problems;
    const auto links = work.capture({work.ip(), "-j", "-d", "link", "show"}, ns.fd());
    const auto addrs = work.capture({work.ip(), "-j", "-4", "addr", "show"}, ns.fd());
    if (!links.ok || !addrs.ok) return {links.ok ? addrs.what : links.what};
    std::map<std::string, nlohmann::json> by_name;
    std::map<std::string, std::vector<std::string>> addresses;
    try {
        for (const auto& link : nlohmann::json::parse(links.out)) by_name[link.value("ifname", "")] = link;
        for (const auto& entry : nlohmann::json::parse(addrs.out))
            for (const auto& info : entry.value("addr_info", nlohmann::json::array()))
                addresses[entry.value("ifname", "")].push_back(info.value("local", "") + "/" +
                                                               std::to_string(info.value("prefixlen", 0)));
    } catch (const nlohmann::json::exception& e) {
        return {std::string("cannot read `ip -j` output: ") + e.what()};
    }
    auto is_up = [](const nlohmann::json& link) {
        const auto flags = link.value("flags", nlohmann::json::array());
        return std::find(flags.begin(), flags.end(), "UP") != flags.end();
    };
    for (int i = 0; i < bridges && problems.size() < 5; ++i) {
        const auto br = by_name.find(bridge(i));
        const auto port = by_name.find(veth(i));
        if (br == by_name.end()) {
            problems.push_back(bridge(i) + " is missing");
            continue;
        }
        if (br->second.value("linkinfo", nlohmann::json::object()).value("info_kind", "") != "bridge")
            problems.push_back(bridge(i) + " is not a bridge");
        if (!is_up(br->second)) problems.push_back(bridge(i) + " is not up");
        if (addresses[bridge(i)] != std::vector<std::string>{address(i) + "/24"})
            problems.push_back(bridge(i) + " does not hold exactly " + address(i) + "/24");
        if (port == by_name.end() || port->second.value("master", "") != bridge(i))
            problems.push_back(veth(i) + " is not a port of " + bridge(i));
        else if (!is_up(port->second))
            problems.push_back(veth(i) + " is not up");
    }
    return problems;
}

// Fresh namespaces, one per run; all share the peer namespace that holds the veths' other ends.
class Arenas {
public:
    Arenas(const Workspace& work, const Namespace& peers, std::string prefix)
        : m_work(work), m_peers(peers), m_prefix(std::move(prefix)) {}

    // A fresh namespace with the scenario's veth pairs; null (with `error` set) when it cannot be made.
    std::unique_ptr<Namespace> make(const Scenario& s, std::string& error) {
        auto ns = std::make_unique<Namespace>(m_work, m_prefix + std::to_string(m_next++));
        if (!ns->ok()) {
            error = ns->error();
            return nullptr;
        }
        const auto veths = m_work.capture({m_work.ip(), "-batch", s.veth_batch.string()}, ns->fd());
        if (!veths.ok) {
            error = veths.what;
            return nullptr;
        }
        return ns;
    }

    // Deletes the namespace and waits until the kernel's background cleanup has removed its veths (their
    // peers vanish with them), so that the cleanup does not run beside the next timed run.
    bool dispose(std::unique_ptr<Namespace> ns, std::string& error) {
        ns.reset();
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(m_work.timeout());
        while (std::chrono::steady_clock::now() < deadline) {
            const auto links = m_work.capture({m_work.ip(), "-o", "link", "show"}, m_peers.fd());
            if (!links.ok) {
                error = links.what;
                return false;
            }
            if (std::count(links.out.begin(), links.out.end(), '\n') <= 1) return true;  // lo alone
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        error = "the kernel did not finish deleting a namespace within " + std::to_string(m_work.timeout()) + " s";
        return false;
    }

private:
    const Workspace& m_work;
    const Namespace& m_peers;
    std::string m_prefix;
    int m_next = 0;
};

enum class Contender { agent, batch, per_op };

const char* label(Contender c) {
    switch (c) {
        case Contender::agent: return "(a) kvm-agent apply";
        case Contender::batch: return "(b) ip -batch";
        case Contender::per_op: return "(c) ip per operation";
    }
    return "?";
}

struct Bench {
    const Options& options;
    const Workspace& work;
    Arenas& arenas;
    std::vector<std::string> agent_argv;  // without --profile
    std::string failure;

    std::vector<std::string> agent_command(const Scenario& s) const {
        auto argv = agent_argv;
        argv.insert(argv.begin() + 2, {"--profile", s.profile.string()});
        return argv;
    }

    // Runs kvm-agent with its JSON report captured; the report, or nullopt with `failure` set.
    std::optional<nlohmann::json> run_agent(const Scenario& s, const Namespace& ns, Run& run) {
        const auto out_path = work.dir() / "agent.json";
        const auto err_path = work.dir() / "agent.err";
        const int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        const int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (out_fd < 0 || err_fd < 0) {
            failure = "cannot write under " + work.dir().string();
            if (out_fd >= 0) ::close(out_fd);
            if (err_fd >= 0) ::close(err_fd);
            return std::nullopt;
        }
        const auto argv = agent_command(s);
        run = run_once(argv, ns.fd(), out_fd, err_fd, options.timeout_seconds);
        ::close(out_fd);
        ::close(err_fd);
        if (!run.ran || run.exit_status != 0) {
            failure = "`" + command_text(argv) + "` in " + ns.name() + ": " +
                      (run.ran ? "exit status " + std::to_string(run.exit_status) : run.failure) + "\n" +
                      read_text(err_path).substr(0, 2000);
            return std::nullopt;
        }
        try {
            return nlohmann::json::parse(read_text(out_path));
        } catch (const nlohmann::json::exception& e) {
            failure = "kvm-agent's JSON report does not parse: " + std::string(e.what());
            return std::nullopt;
        }
    }

    // The report says what we expect: `steps` network steps with the outcome `outcome`. Fills section_ms.
    bool check_report(const nlohmann::json& report, const std::string& outcome, std::size_t steps, double& section_ms) {
        try {
            const auto& network = report.at("network");
            const std::string got = network.at("outcome");
            const auto count = network.at("steps").size();
            if (got != outcome || count != steps) {
                failure = "kvm-agent reported outcome \"" + got + "\" with " + std::to_string(count) +
                          " steps; expected \"" + outcome + "\" with " + std::to_string(steps);
                return false;
            }
            section_ms = report.at("sections").at("network").at("elapsed_ms").get<double>();
        } catch (const nlohmann::json::exception& e) {
            failure = "kvm-agent's JSON report lacks what the benchmark reads: " + std::string(e.what());
            return false;
        }
        return true;
    }

    // One fresh namespace, one contender timed (and for the agent, the no-op re-apply after it).
    bool round(const Scenario& s, Contender c, Series* timed, Series* noop) {
        std::string error;
        auto ns = arenas.make(s, error);
        if (!ns) {
            failure = "setting up a namespace: " + error;
            return false;
        }
        double wall = 0, cpu = 0, section = 0, noop_wall = 0, noop_cpu = 0, noop_section = 0;
        long rss = 0, noop_rss = 0;
        if (c == Contender::agent) {
            Run run;
            auto report = run_agent(s, *ns, run);
            if (!report || !check_report(*report, "applied", static_cast<std::size_t>(k_ops_per_bridge * s.bridges), section))
                return false;
            wall = run.wall_ms;
            cpu = run.cpu_ms;
            rss = run.max_rss_kib;
        } else if (c == Contender::batch) {
            const std::vector<std::string> argv{work.ip(), "-batch", s.ops_batch.string()};
            const auto run = run_once(argv, ns->fd(), -1, -1, options.timeout_seconds);
            if (!run.ran || run.exit_status != 0) {
                failure = "`" + command_text(argv) + "` in " + ns->name() + ": " +
                          (run.ran ? "exit status " + std::to_string(run.exit_status) : run.failure);
                return false;
            }
            wall = run.wall_ms;
            cpu = run.cpu_ms;
            rss = run.max_rss_kib;
        } else {
            for (const auto& op : s.ops) {
                std::vector<std::string> argv{work.ip()};
                argv.insert(argv.end(), op.begin(), op.end());
                const auto run = run_once(argv, ns->fd(), -1, -1, options.timeout_seconds);
                if (!run.ran || run.exit_status != 0) {
                    failure = "`" + command_text(argv) + "` in " + ns->name() + ": " +
                              (run.ran ? "exit status " + std::to_string(run.exit_status) : run.failure);
                    return false;
                }
                wall += run.wall_ms;
                cpu += run.cpu_ms;
                rss = std::max(rss, run.max_rss_kib);
            }
        }
        if (const auto problems = check_converged(work, *ns, s.bridges); !problems.empty()) {
            failure = std::string(label(c)) + " left " + ns->name() + " unlike the profile: " + problems.front();
            return false;
        }
        if (c == Contender::agent && noop) {
            Run run;
            auto report = run_agent(s, *ns, run);
            if (!report || !check_report(*report, "in-sync", 0, noop_section)) return false;
            noop_wall = run.wall_ms;
            noop_cpu = run.cpu_ms;
            noop_rss = run.max_rss_kib;
        }
        if (!arenas.dispose(std::move(ns), error)) {
            failure = error;
            return false;
        }
        if (timed) {
            timed->add(wall, cpu, rss);
            if (c == Contender::agent) timed->section_ms.push_back(section);
        }
        if (noop && c == Contender::agent) {
            noop->add(noop_wall, noop_cpu, noop_rss);
            noop->section_ms.push_back(noop_section);
        }
        return true;
    }
};

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

std::string row(const std::string& name, const std::string& command, const Series& series, int bridges) {
    const auto& t = series.wall_ms;
    const double med = median(t);
    return "| " + name + " | `" + command + "` | " + std::to_string(t.size()) + " | " + fixed(med, 1) + " | " +
           fixed(*std::min_element(t.begin(), t.end()), 1) + " | " + fixed(*std::max_element(t.begin(), t.end()), 1) +
           " | " + fixed(1000.0 * med / bridges, 0) + " | " + fixed(median(series.cpu_ms), 1) + " | " +
           (series.section_ms.empty() ? std::string("") : fixed(median(series.section_ms), 0)) + " | " +
           fixed(static_cast<double>(series.max_rss_kib) / 1024.0, 1) + " |\n";
}

std::string met(bool yes) { return yes ? "yes" : "no"; }

}  // namespace

int main(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::optional<std::string> {
            if (i + 1 >= argc) {
                std::cerr << argv[0] << ": " << arg << " needs a value\n";
                return std::nullopt;
            }
            return std::string(argv[++i]);
        };
        if (arg == "-h" || arg == "--help") {
            usage(std::cout, argv[0]);
            return k_exit_ok;
        } else if (arg == "--bridges" || arg == "--runs" || arg == "--scale-runs" || arg == "--warmup" ||
                   arg == "--timeout") {
            const auto text = value();
            const int minimum = arg == "--warmup" ? 0 : 1;
            const auto count = text ? parse_count(*text, minimum, arg == "--bridges" ? 65536 : 100000) : std::nullopt;
            if (!count) {
                std::cerr << argv[0] << ": " << arg << " needs a whole number of at least " << minimum
                          << (arg == "--bridges" ? " and at most 65536" : "") << "\n";
                return k_exit_usage;
            }
            (arg == "--bridges"      ? options.bridges
             : arg == "--runs"       ? options.runs
             : arg == "--scale-runs" ? options.scale_runs
             : arg == "--warmup"     ? options.warmup
                                     : options.timeout_seconds) = *count;
        } else if (arg == "--scale") {
            const auto text = value();
            if (!text) return k_exit_usage;
            options.scale.clear();
            if (*text != "none") {
                std::stringstream list(*text);
                for (std::string item; std::getline(list, item, ',');) {
                    const auto size = parse_count(item, 1, 65536);
                    if (!size) {
                        std::cerr << argv[0] << ": --scale needs sizes like 250,500,1000 (1..65536), or none\n";
                        return k_exit_usage;
                    }
                    options.scale.push_back(*size);
                }
            }
        } else if (arg == "--ip") {
            const auto text = value();
            if (!text) return k_exit_usage;
            options.ip = *text;
        } else if (!arg.empty() && arg[0] == '-') {
            std::cerr << argv[0] << ": unknown option " << arg << "\n";
            usage(std::cerr, argv[0]);
            return k_exit_usage;
        } else if (options.agent.empty()) {
            options.agent = arg;
        } else {
            std::cerr << argv[0] << ": one KVM_AGENT path only\n";
            return k_exit_usage;
        }
    }
    if (options.agent.empty()) {
        usage(std::cerr, argv[0]);
        return k_exit_usage;
    }
    std::sort(options.scale.begin(), options.scale.end());
    options.scale.erase(std::unique(options.scale.begin(), options.scale.end()), options.scale.end());
    options.scale.erase(std::remove(options.scale.begin(), options.scale.end(), options.bridges), options.scale.end());

    if (::geteuid() != 0) {
        std::cout << "SKIP: needs root (it creates network namespaces, bridges and veths)\n";
        return k_exit_skip;
    }
    const auto ip_path = find_program(options.ip);
    if (!ip_path) {
        std::cout << "SKIP: " << options.ip << " not found; install iproute2 to compare\n";
        return k_exit_skip;
    }
    if (!is_executable_file(options.agent)) {
        std::cerr << "FAIL: kvm-agent " << options.agent << " is not an executable file\n";
        return k_exit_failed;
    }
    const fs::path agent_path = fs::absolute(options.agent);

    char dir_template[] = "/tmp/kvm-bench-netconfig-XXXXXX";
    if (!::mkdtemp(dir_template)) {
        std::cerr << "FAIL: mkdtemp: " << std::strerror(errno) << "\n";
        return k_exit_failed;
    }
    const fs::path dir = dir_template;
    struct RemoveDir {
        fs::path path;
        ~RemoveDir() {
            std::error_code ec;
            fs::remove_all(path, ec);
        }
    } remove_dir{dir};
    // kvm-agent's lock and confirmation files, its readiness report and any configuration stay in here.
    ::setenv("KVM_AGENT_RUN_DIR", (dir / "run").c_str(), 1);
    const Workspace work(dir, *ip_path, options.timeout_seconds);

    const std::string prefix = "kvmb-" + std::to_string(::getpid()) + "-";
    const Namespace peers(work, prefix + "peers");
    if (!peers.ok()) {
        std::cout << "SKIP: cannot create a network namespace: " << peers.error() << "\n";
        return k_exit_skip;
    }
    Arenas arenas(work, peers, prefix);
    Bench bench{options, work, arenas,
                {agent_path.string(), "apply", "--only", "network", "--memory-only", "--output", "json",
                 "--config-root", (dir / "root").string(), "--state-dir", (dir / "state").string()},
                {}};

    auto fail = [&](const std::string& what) {
        std::cerr << "FAIL: " << what << "\n";
        return k_exit_failed;
    };

    const auto main_scenario = make_scenario(work, options.bridges, peers.name());
    if (!main_scenario) return k_exit_failed;
    const Scenario& s = *main_scenario;
    std::cout << "(a) " << command_text(bench.agent_command(s)) << "\n"
              << "(b) " << *ip_path << " -batch " << s.ops_batch.string() << "   (" << s.ops.size() << " lines)\n"
              << "(c) " << *ip_path << " " << command_text(s.ops.front()) << "   ... one process per line\n"
              << "(d) (a) again on its converged namespace\n"
              << "Each run in a fresh namespace holding veth0..veth" << (s.bridges - 1)
              << " (peers in " << peers.name() << "); KVM_AGENT_RUN_DIR=" << (dir / "run").string() << "\n"
              << std::flush;

    const std::vector<Contender> all{Contender::agent, Contender::batch, Contender::per_op};
    for (int i = 0; i < options.warmup; ++i)
        for (const auto c : all)
            if (!bench.round(s, c, nullptr, nullptr)) return fail(bench.failure);

    std::map<Contender, Series> series;
    Series noop;
    for (int r = 0; r < options.runs; ++r) {
        auto order = all;
        if (r % 2) std::reverse(order.begin(), order.end());
        for (const auto c : order)
            if (!bench.round(s, c, &series[c], c == Contender::agent ? &noop : nullptr)) return fail(bench.failure);
        std::cerr << "run " << (r + 1) << "/" << options.runs << " at " << s.bridges << " bridges done\n";
    }

    // Scaling: (a) and (b) at each larger size, alternating.
    std::map<int, std::map<Contender, Series>> scaled;
    scaled[s.bridges] = {{Contender::agent, series[Contender::agent]}, {Contender::batch, series[Contender::batch]}};
    std::vector<Scenario> scale_scenarios;
    for (const int size : options.scale) {
        const auto scenario = make_scenario(work, size, peers.name());
        if (!scenario) return k_exit_failed;
        for (int r = 0; r < options.scale_runs; ++r) {
            std::vector<Contender> order{Contender::agent, Contender::batch};
            if (r % 2) std::reverse(order.begin(), order.end());
            for (const auto c : order)
                if (!bench.round(*scenario, c, &scaled[size][c], nullptr)) return fail(bench.failure);
            std::cerr << "run " << (r + 1) << "/" << options.scale_runs << " at " << size << " bridges done\n";
        }
    }

    // The report.
    utsname names{};
    ::uname(&names);
    std::cout << "\nHost: " << os_name() << ", kernel " << names.release << " (" << names.machine << "), "
              << ::sysconf(_SC_NPROCESSORS_ONLN) << " CPUs online. " << s.bridges << " bridges, each with a veth port "
              << "and an IPv4 address (" << s.ops.size() << " ip operations); " << plural(options.runs, "timed run")
              << " of each, alternating, after " << plural(options.warmup, "warm-up run")
              << " of each; a fresh namespace per run.\n\n";
    std::cout << "| Contender | Command | Runs | Median wall (ms) | Min (ms) | Max (ms) | Per bridge (us) | "
                 "Median CPU (ms) | Network section (ms) | Peak RSS (MiB) |\n"
              << "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
              << row(label(Contender::agent), "kvm-agent apply --only network --memory-only --output json",
                     series[Contender::agent], s.bridges)
              << row(label(Contender::batch), "ip -batch FILE", series[Contender::batch], s.bridges)
              << row(label(Contender::per_op), "ip OPERATION (x" + std::to_string(s.ops.size()) + ")",
                     series[Contender::per_op], s.bridges)
              << row("(d) no-op re-apply", "kvm-agent apply ... (converged)", noop, s.bridges);
    std::cout << "\nPer bridge: median wall / N. CPU: user + system time of the process (for (c), summed over its "
                 "processes), which load on the machine disturbs less than wall time. Network section: kvm-agent's "
                 "own elapsed_ms for the network step (observe, plan, apply, re-observe, verify), from its JSON "
                 "report; the rest of its wall time is start-up, reading the profile, the host's readiness checks "
                 "and publishing them.\n";

    const double a = median(series[Contender::agent].wall_ms);
    const double b = median(series[Contender::batch].wall_ms);
    const double c = median(series[Contender::per_op].wall_ms);
    const double d = median(noop.wall_ms);
    const double a_cpu = median(series[Contender::agent].cpu_ms);
    const double b_cpu = median(series[Contender::batch].cpu_ms);
    std::cout << "\n| Measure | Value | Goal | Met |\n|---|---:|---|---|\n"
              << "| median(a) / median(b): kvm-agent / ip -batch, wall | " << fixed(a / b, 2) << " | <= "
              << fixed(k_goal_ratio, 1) << " | " << met(a / b <= k_goal_ratio) << " |\n"
              << "| the same, CPU time | " << fixed(a_cpu / b_cpu, 2) << " | | |\n"
              << "| median(c) / median(b): ip per operation / ip -batch, wall | " << fixed(c / b, 2) << " | | |\n"
              << "| median(a) / median(c): kvm-agent / ip per operation, wall | " << fixed(a / c, 2) << " | | |\n"
              << "| median(d): no-op re-apply, wall | " << fixed(d, 1) << " ms | <= " << fixed(k_goal_noop_ms, 0)
              << " ms | " << met(d <= k_goal_noop_ms) << " |\n";

    if (!options.scale.empty()) {
        std::cout << "\nScaling: " << plural(options.scale_runs, "timed run") << " of (a) and (b) at each larger size "
                  << "(the first row is from the runs above). Per bridge: median wall / N. Marginal: the added wall "
                     "time per added bridge since the previous size.\n\n"
                  << "| Bridges | (a) wall (ms) | (a) per bridge (us) | (a) marginal (us) | (a) CPU (ms) "
                     "| (a) network section (ms) | (b) wall (ms) | (b) per bridge (us) | (b) marginal (us) "
                     "| (b) CPU (ms) | (a) / (b) wall | (a) / (b) CPU |\n"
                  << "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
        struct Point {
            int size;
            double a, b, a_cpu, b_cpu;
            double own, own_cpu;  // (a) - (b): what kvm-agent costs beyond the kernel work ip -batch also pays for
        };
        std::vector<Point> points;
        for (auto& [size, by] : scaled) {
            Point p{size, median(by[Contender::agent].wall_ms), median(by[Contender::batch].wall_ms),
                    median(by[Contender::agent].cpu_ms), median(by[Contender::batch].cpu_ms), 0, 0};
            p.own = p.a - p.b;
            p.own_cpu = p.a_cpu - p.b_cpu;
            points.push_back(p);
        }
        // The added time per added bridge from point i to point j, in microseconds.
        auto marginal = [&](std::size_t i, std::size_t j, double Point::*field) {
            return 1000.0 * (points[j].*field - points[i].*field) / (points[j].size - points[i].size);
        };
        for (std::size_t i = 0; i < points.size(); ++i) {
            const auto& p = points[i];
            auto& by = scaled[p.size];
            std::cout << "| " << p.size << " | " << fixed(p.a, 1) << " | " << fixed(1000.0 * p.a / p.size, 0) << " | "
                      << (i ? fixed(marginal(i - 1, i, &Point::a), 0) : "") << " | " << fixed(p.a_cpu, 1) << " | "
                      << fixed(median(by[Contender::agent].section_ms), 0) << " | " << fixed(p.b, 1) << " | "
                      << fixed(1000.0 * p.b / p.size, 0) << " | " << (i ? fixed(marginal(i - 1, i, &Point::b), 0) : "")
                      << " | " << fixed(p.b_cpu, 1) << " | " << fixed(p.a / p.b, 2) << " | "
                      << fixed(p.a_cpu / p.b_cpu, 2) << " |\n";
        }
        if (points.size() >= 3) {
            // Linear: one more bridge costs as much at the top of the range as below it. The two intervals are
            // the largest size's step and everything before it (100->500 and 500->1000 by default): wide enough
            // that a noisy run moves the ratio little. Cost growing as N squared would give (1000+500)/(500+100) = 2.5.
            const std::size_t last = points.size() - 1;
            auto growth = [&](double Point::*field) {
                const double below = marginal(0, last - 1, field);
                const double top = marginal(last - 1, last, field);
                return below > 0 ? std::optional(top / below) : std::nullopt;
            };
            auto shown = [](std::optional<double> value) {
                return value ? fixed(*value, 2) : std::string("n/a (no growth below)");
            };
            const auto a_growth = growth(&Point::a);
            const std::string range = std::to_string(points[last - 1].size) + "->" + std::to_string(points[last].size) +
                                      " / " + std::to_string(points[0].size) + "->" + std::to_string(points[last - 1].size);
            std::cout << "\nGrowth: the added time per added bridge over " << points[last - 1].size << "->"
                      << points[last].size << " divided by that over " << points[0].size << "->"
                      << points[last - 1].size << "; 1.0 is linear. (a) - (b) is what kvm-agent costs beyond the "
                      << "kernel work that ip -batch pays for too.\n"
                      << "\n| Measure | Value | Goal | Met |\n|---|---:|---|---|\n"
                      << "| (a) growth, wall, " << range << " | " << shown(a_growth) << " | <= "
                      << fixed(k_goal_linear, 1) << " (linear) | " << (a_growth ? met(*a_growth <= k_goal_linear) : "?")
                      << " |\n"
                      << "| (a) growth, CPU | " << shown(growth(&Point::a_cpu)) << " | | |\n"
                      << "| (b) growth, wall (the kernel's own scaling) | " << shown(growth(&Point::b)) << " | | |\n"
                      << "| (b) growth, CPU | " << shown(growth(&Point::b_cpu)) << " | | |\n"
                      << "| (a) - (b) growth, wall (kvm-agent's own cost) | " << shown(growth(&Point::own)) << " | | |\n"
                      << "| (a) - (b) growth, CPU | " << shown(growth(&Point::own_cpu)) << " | | |\n";
        }
    }
    std::cout << "\nTimings are reported, not asserted: this benchmark fails only when a contender cannot run or "
                 "leaves the namespace unlike the profile.\n";
    return k_exit_ok;
}
