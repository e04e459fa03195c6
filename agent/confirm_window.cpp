#include "agent/confirm_window.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/owned_file.h"

namespace agent {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

fs::path confirm_file(const fs::path& dir) { return dir / "confirm.json"; }

// The window's state; a missing or unreadable file reads as an empty object, and so does one that root (or
// we) did not write: it decides whether a network change stays.
nlohmann::json read_state(const fs::path& dir) {
    constexpr std::size_t k_max_state_bytes = 64 * 1024;
    const auto text = common::read_owned_file(confirm_file(dir).string(), k_max_state_bytes);
    if (!text) return nlohmann::json::object();
    auto state = nlohmann::json::parse(*text, nullptr, false);
    return state.is_object() ? state : nlohmann::json::object();
}

// Temp file, fsync, rename: commit and the watcher never see half a state.
bool write_state(const fs::path& dir, const nlohmann::json& state) {
    return !common::replace_owned_file(confirm_file(dir).string(), state.dump(2) + "\n");
}

std::string utc_now() {
    const std::time_t now = std::time(nullptr);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    return text;
}

bool still_pending(const fs::path& dir) { return read_state(dir).value("state", "") == "pending"; }

[[noreturn]] void watch(const fs::path& dir, std::chrono::milliseconds within, const netconfig::NetworkState& before,
                        NetworkAdapters adapters, const std::function<std::vector<std::string>()>& restore_files) {
    const auto deadline = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < deadline) {
        if (!still_pending(dir)) std::_Exit(0);
        std::this_thread::sleep_for(100ms);
    }
    // A commit may hold the lock right now: wait for it, however long, then look again. Nothing rolls back
    // under another run's feet (an apply is refused while the window is open, so only a commit holds it).
    std::optional<host::RunLock> lock;
    while (!lock) {
        if (auto acquired = host::RunLock::acquire(run_lock_path(dir))) lock.emplace(std::move(acquired).value());
        else std::this_thread::sleep_for(100ms);
    }
    if (!still_pending(dir)) std::_Exit(0);
    // Files first (see apply_network): NetworkManager acts on their removal before the kernel is put back.
    auto failures = restore_files();
    const auto link_failures = roll_back_network(before, adapters);
    failures.insert(failures.end(), link_failures.begin(), link_failures.end());
    auto state = read_state(dir);
    state["state"] = failures.empty() ? "rolled-back" : "rollback-failed";
    state["rolled_back_at"] = utc_now();
    state["failures"] = failures;
    write_state(dir, state);
    std::_Exit(failures.empty() ? 0 : 1);
}

}  // namespace

fs::path run_dir() {
    const char* dir = std::getenv("KVM_AGENT_RUN_DIR");
    return dir && *dir ? fs::path(dir) : fs::path("/run/kvm-agent");
}

fs::path run_lock_path(const fs::path& dir) { return dir / "lock"; }

common::Result<fs::path> prepare_run_dir() {
    const auto dir = run_dir();
    std::error_code ec;
    if (fs::create_directories(dir, ec)) fs::permissions(dir, fs::perms::owner_all, ec);
    // The lock and the confirmation state live here: a directory others can write would let them take the
    // lock from us or write the state that decides whether a change stays.
    if (auto unsafe = common::unsafe_owned_directory(dir.string())) return common::make_error("run directory " + unsafe->message);
    return dir;
}

common::Result<pid_t> open_confirm_window(const fs::path& dir, std::chrono::milliseconds within,
                                          const netconfig::NetworkState& before, NetworkAdapters adapters,
                                          host::RunLock& lock, std::function<std::vector<std::string>()> restore_files,
                                          const std::string& summary) {
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(within).count();
    nlohmann::json state{{"state", "pending"},
                         {"applied_at", utc_now()},
                         {"confirm_within_seconds", seconds},
                         {"change", summary}};
    if (!write_state(dir, state))
        return common::make_error("writing " + confirm_file(dir).string() + ": " + std::strerror(errno));
    const pid_t watcher = ::fork();
    if (watcher < 0) return common::make_error(std::string("starting the confirmation watcher: ") + std::strerror(errno));
    if (watcher == 0) {
        lock.release();
        ::setsid();  // outlives the admin's session, which this change may cut
        const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null >= 0) {
            ::dup2(null, STDIN_FILENO);
            ::dup2(null, STDOUT_FILENO);
            ::dup2(null, STDERR_FILENO);
        }
        watch(dir, within, before, adapters, restore_files);
    }
    state["watcher_pid"] = watcher;
    write_state(dir, state);
    return watcher;
}

std::optional<std::string> pending_change(const fs::path& dir) {
    const auto state = read_state(dir);
    if (state.value("state", "") != "pending") return std::nullopt;
    const auto within = state.contains("confirm_within_seconds") && state["confirm_within_seconds"].is_number_integer()
                            ? std::to_string(state["confirm_within_seconds"].get<long>()) + " s"
                            : std::string("its window");
    return "a change applied at " + state.value("applied_at", "?") + " (" + state.value("change", "?") +
           ") waits for `kvm-agent commit` within " + within +
           ": commit it, or let it roll back, before applying again (kvm-agent commit)";
}

common::Result<std::string> commit_pending_change(const fs::path& dir) {
    auto state = read_state(dir);
    const std::string phase = state.value("state", "");
    if (phase.empty()) return common::make_error("no applied change is waiting for a commit");
    if (phase == "committed") return common::make_error("already committed at " + state.value("committed_at", "?"));
    if (phase != "pending") {
        std::string why;
        if (state.contains("failures") && state["failures"].is_array())
            for (const auto& failure : state["failures"]) why += "\n  " + failure.get<std::string>();
        return common::make_error("too late: the change was rolled back at " + state.value("rolled_back_at", "?") +
                                  (phase == "rollback-failed" ? ", and the rollback failed:" + why : ""));
    }
    state["state"] = "committed";
    state["committed_at"] = utc_now();
    if (!write_state(dir, state))
        return common::make_error("writing " + confirm_file(dir).string() + ": " + std::strerror(errno));
    // The watcher sees the new state within 100 ms and ends; no signal, so no risk of hitting a reused pid.
    return "committed: " + state.value("change", "the applied change");
}

}  // namespace agent
