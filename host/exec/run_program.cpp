#include "host/exec/run_program.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "common/unique_fd.h"

extern char** environ;

namespace host::exec {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// After the program exits, output still in the pipes is read for this long: a child it left behind that keeps
// them open (a daemon a package script started) must not hold the run.
constexpr milliseconds k_drain{1000};

bool executable_file(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// Only absolute PATH entries: a root tool never runs a program from the current directory.
std::optional<std::string> find_program(const std::string& name) {
    if (name.find('/') != std::string::npos) return executable_file(name) ? std::optional(name) : std::nullopt;
    const char* path = std::getenv("PATH");
    const std::string dirs = path && *path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    std::size_t start = 0;
    while (start <= dirs.size()) {
        auto end = dirs.find(':', start);
        if (end == std::string::npos) end = dirs.size();
        const std::string dir = dirs.substr(start, end - start);
        if (!dir.empty() && dir.front() == '/' && executable_file(dir + "/" + name)) return dir + "/" + name;
        start = end + 1;
    }
    return std::nullopt;
}

std::vector<std::string> child_environment(const std::vector<std::pair<std::string, std::string>>& additions) {
    std::vector<std::string> env;
    for (char** entry = environ; entry && *entry; ++entry) {
        const std::string_view text(*entry);
        const auto key = text.substr(0, text.find('='));
        const bool replaced = std::any_of(additions.begin(), additions.end(), [&](const auto& a) { return a.first == key; });
        if (!replaced) env.emplace_back(text);
    }
    for (const auto& [key, value] : additions) env.push_back(key + "=" + value);
    return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (auto& s : strings) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

// One output stream: keeps the last `limit` bytes and hands over complete lines.
class Capture {
public:
    Capture(Stream stream, std::string& text, std::size_t limit, const std::function<void(Stream, std::string_view)>& on_line)
        : m_stream(stream), m_text(text), m_limit(limit), m_on_line(on_line) {}

    void add(const char* data, std::size_t size) {
        m_text.append(data, size);
        if (m_text.size() > m_limit) {
            m_dropped += m_text.size() - m_limit;
            m_text.erase(0, m_text.size() - m_limit);
        }
        if (!m_on_line) return;
        m_partial.append(data, size);
        std::size_t start = 0;
        for (auto end = m_partial.find('\n'); end != std::string::npos; end = m_partial.find('\n', start)) {
            emit(std::string_view(m_partial).substr(start, end - start));
            start = end + 1;
        }
        m_partial.erase(0, start);
        if (m_partial.size() > 64 * 1024) {  // a "line" that never ends (progress bars): hand it over anyway
            emit(m_partial);
            m_partial.clear();
        }
    }

    void finish() {
        if (m_on_line && !m_partial.empty()) emit(m_partial);
        m_partial.clear();
        if (m_dropped) m_text.insert(0, "[" + std::to_string(m_dropped) + " earlier bytes not kept]\n");
    }

private:
    void emit(std::string_view line) {
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        m_on_line(m_stream, line);
    }

    Stream m_stream;
    std::string& m_text;
    std::size_t m_limit;
    const std::function<void(Stream, std::string_view)>& m_on_line;
    std::string m_partial;
    std::size_t m_dropped = 0;
};

struct SpawnSetup {
    posix_spawn_file_actions_t actions{};
    posix_spawnattr_t attr{};
    SpawnSetup() {
        ::posix_spawn_file_actions_init(&actions);
        ::posix_spawnattr_init(&attr);
    }
    ~SpawnSetup() {
        ::posix_spawn_file_actions_destroy(&actions);
        ::posix_spawnattr_destroy(&attr);
    }
    SpawnSetup(const SpawnSetup&) = delete;
    SpawnSetup& operator=(const SpawnSetup&) = delete;
};

bool has_exited(pid_t pid) {
    // WNOWAIT: the child stays a zombie, so its pid (the process group's id) cannot be reused while we may
    // still signal the group.
    siginfo_t info{};
    return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid;
}

}  // namespace

common::Result<ProgramResult> run_program(const Program& program) {
    if (program.argv.empty() || program.argv.front().empty()) return common::make_error("running a program: no argv");
    const std::string shown = command_line(program.argv);
    const auto path = find_program(program.argv.front());
    if (!path) return common::make_error("running " + shown + ": " + program.argv.front() + " not found on PATH or not executable");

    int out_pipe[2], err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) return common::make_error("running " + shown + ": pipe: " + std::strerror(errno));
    common::UniqueFd out_read(out_pipe[0]), out_write(out_pipe[1]);
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) return common::make_error("running " + shown + ": pipe: " + std::strerror(errno));
    common::UniqueFd err_read(err_pipe[0]), err_write(err_pipe[1]);

    SpawnSetup setup;
    ::posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    ::posix_spawn_file_actions_adddup2(&setup.actions, out_write.get(), STDOUT_FILENO);
    ::posix_spawn_file_actions_adddup2(&setup.actions, err_write.get(), STDERR_FILENO);
    // Its own process group (so a timeout kills its children too), no blocked signals, default dispositions
    // (an ignored SIGPIPE or SIGINT would otherwise be inherited through exec).
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    ::posix_spawnattr_setflags(&setup.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    ::posix_spawnattr_setpgroup(&setup.attr, 0);
    ::posix_spawnattr_setsigmask(&setup.attr, &none);
    ::posix_spawnattr_setsigdefault(&setup.attr, &all);

    std::vector<std::string> argv = program.argv;
    std::vector<std::string> env = child_environment(program.environment);
    auto argv_ptrs = pointers(argv);
    auto env_ptrs = pointers(env);
    pid_t pid = -1;
    const int spawned = ::posix_spawn(&pid, path->c_str(), &setup.actions, &setup.attr, argv_ptrs.data(), env_ptrs.data());
    if (spawned != 0) return common::make_error("running " + shown + ": " + std::strerror(spawned));
    out_write.reset();
    err_write.reset();

    ProgramResult result;
    Capture out(Stream::out, result.out, program.output_limit, program.on_line);
    Capture err(Stream::err, result.err, program.output_limit, program.on_line);
    pollfd fds[2] = {{out_read.get(), POLLIN, 0}, {err_read.get(), POLLIN, 0}};
    Capture* captures[2] = {&out, &err};
    int open_fds = 2;

    const auto deadline = Clock::now() + program.timeout;
    std::optional<Clock::time_point> exited_at, terminated_at;
    bool killed = false;
    while (true) {
        const auto now = Clock::now();
        if (!exited_at && has_exited(pid)) exited_at = now;
        if (exited_at && (open_fds == 0 || now - *exited_at >= k_drain)) break;
        if (!exited_at && !terminated_at && now >= deadline) {
            result.timed_out = true;
            terminated_at = now;
            ::kill(-pid, SIGTERM);
        }
        if (terminated_at && !killed && now >= *terminated_at + program.kill_grace) {
            ::kill(-pid, SIGKILL);
            killed = true;
        }
        // Wake for output, else often enough to notice the exit (the pipes may be closed first) and the clock.
        const int wait_ms = open_fds == 0 ? 10 : 100;
        const int ready = ::poll(fds, 2, wait_ms);
        if (ready < 0 && errno != EINTR) break;
        for (int i = 0; i < 2 && ready > 0; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char buffer[16384];
            const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
            if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            if (n <= 0) {
                fds[i].fd = -1;  // poll ignores negative fds; its UniqueFd closes it
                --open_fds;
            } else {
                captures[i]->add(buffer, static_cast<std::size_t>(n));
            }
        }
    }
    // What the program started in its group dies with a timed-out run; the leader is still unreaped here.
    if (result.timed_out && !killed) ::kill(-pid, SIGKILL);
    out.finish();
    err.finish();

    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status)) {
        result.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        result.signal = WTERMSIG(status);
    }
    return result;
}

std::string ProgramResult::status(std::chrono::milliseconds timeout) const {
    if (timed_out) {
        const auto ms = timeout.count();
        const std::string after = ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms";
        return "timed out after " + after + " (its process group was killed)";
    }
    if (signal) return "killed by signal " + std::to_string(signal) + " (" + ::strsignal(signal) + ")";
    return "exited with " + std::to_string(exit_code);
}

std::string ProgramResult::tail(std::size_t lines) const {
    const std::string& text = err.find_first_not_of(" \t\r\n") != std::string::npos ? err : out;
    std::vector<std::string> kept;
    std::size_t end = text.size();
    while (end > 0 && kept.size() < lines) {
        const auto start = text.rfind('\n', end - 1);
        const std::size_t from = start == std::string::npos ? 0 : start + 1;
        std::string line = text.substr(from, end - from);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        if (!line.empty()) kept.insert(kept.begin(), line);
        if (start == std::string::npos) break;
        end = start;
    }
    std::string joined;
    for (const auto& line : kept) joined += (joined.empty() ? "" : " | ") + line;
    return joined;
}

std::string command_line(const std::vector<std::string>& argv) {
    std::string out;
    for (const auto& arg : argv) {
        if (!out.empty()) out += ' ';
        const bool plain = !arg.empty() && std::all_of(arg.begin(), arg.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   std::string_view("_@%+=:,./-").find(c) != std::string_view::npos;
        });
        if (plain) {
            out += arg;
            continue;
        }
        out += '\'';
        for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
        out += '\'';
    }
    return out;
}

}  // namespace host::exec
