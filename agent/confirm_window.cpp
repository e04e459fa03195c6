#include "agent/confirm_window.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <thread>

#include <nlohmann/json.hpp>

#include "agent/readiness.h"
#include "common/boot_clock.h"
#include "common/owned_file.h"
#include "host/files/atomic_file.h"
#include "netconfig/nm_keyfile.h"
#include "common/text.h"

namespace agent {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

fs::path confirm_file(const fs::path& dir) { return dir / "confirm.json"; }

// The window's state; a missing or unreadable file reads as an empty object, and so does one that root (or
// we) did not write: it decides whether a network change stays.
nlohmann::json read_state(const fs::path& dir) {
    constexpr std::size_t k_max_state_bytes = 256 * 1024;
    const auto text = common::read_owned_file(confirm_file(dir).string(), k_max_state_bytes);
    if (!text) return nlohmann::json::object();
    auto state = nlohmann::json::parse(*text, nullptr, false);
    return state.is_object() ? state : nlohmann::json::object();
}

// Temp file, fsync, rename: commit and the watcher never see half a state, and a power cut leaves the old
// state or the new one.
bool write_state(const fs::path& dir, const nlohmann::json& state) {
    return !common::replace_owned_file(confirm_file(dir).string(), state.dump(2) + "\n");
}

std::string utc_now() {
    const std::time_t now = std::time(nullptr);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    return text;
}

// The kernel's id of this boot (a UUID), or empty when /proc does not say.
std::string boot_id() {
    const auto text = common::read_regular_file("/proc/sys/kernel/random/boot_id", 64);
    if (!text) return {};
    const auto id = std::string(common::trim(*text));
    return id.size() == 36 && id.find_first_not_of("0123456789abcdef-") == std::string::npos ? id : std::string();
}

// The start time of process `pid` in clock ticks since boot (field 22 of /proc/PID/stat), or nullopt when it
// is gone or a zombie: with the pid, it tells the watcher from a later process that got its pid.
std::optional<std::uint64_t> process_start(pid_t pid) {
    const auto text = common::read_regular_file("/proc/" + std::to_string(pid) + "/stat", 4096);
    if (!text) return std::nullopt;
    const auto name_end = text->rfind(')');
    if (name_end == std::string::npos) return std::nullopt;
    const auto fields = common::split_whitespace(std::string_view(*text).substr(name_end + 1));
    // fields[0] is the state (field 3), so field 22 is fields[19].
    if (fields.size() < 20 || fields[0] == "Z" || fields[0] == "X") return std::nullopt;
    return common::parse_uint(fields[19]);
}

bool still_pending(const fs::path& dir) { return read_state(dir).value("state", "") == "pending"; }

nlohmann::json undo_json(const WindowUndo& undo) {
    auto list = nlohmann::json::array();
    for (const auto& file : undo.files)
        if (file.action != netconfig::PersistedFile::Action::unchanged)
            list.push_back({{"path", file.path},
                            {"action", std::string(netconfig::to_string(file.action))},
                            {"backup", file.backup},
                            {"interface", file.interface.str()}});
    return {{"root", undo.root}, {"changed", list}, {"created_links", undo.created_links}};
}

// The files back from the record, each field checked: the record lies in a root-only directory, but what it
// names is written as root at boot.
common::Result<WindowUndo> undo_from(const nlohmann::json& state) {
    WindowUndo files;
    const auto record = state.value("files", nlohmann::json::object());
    if (!record.is_object() || !record.contains("root") || !record["root"].is_string() ||
        !record.value("changed", nlohmann::json()).is_array())
        return common::make_error("the record of the change's files is malformed");
    files.root = record["root"].get<std::string>();
    const auto plain_absolute = [](const std::string& path) {
        return !path.empty() && path.front() == '/' && fs::path(path).lexically_normal() == path &&
               path.find_first_of(std::string("\0\n", 2)) == std::string::npos;
    };
    if (!plain_absolute(files.root)) return common::make_error("the record names a root that is not a plain path");
    const auto under = [](const std::string& path, std::string_view dir) {
        return path.size() > dir.size() + 1 && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/';
    };
    const auto directly_in = [&](const std::string& path, std::string_view dir) {
        return under(path, dir) && path.find('/', dir.size() + 1) == std::string::npos;
    };
    for (const auto& entry : record["changed"]) {
        if (!entry.is_object()) return common::make_error("the record of the change's files is malformed");
        netconfig::PersistedFile file;
        file.path = entry.value("path", "");
        file.backup = entry.value("backup", "");
        const std::string action = entry.value("action", "");
        if (action == "created") file.action = netconfig::PersistedFile::Action::created;
        else if (action == "replaced") file.action = netconfig::PersistedFile::Action::replaced;
        else if (action == "removed") file.action = netconfig::PersistedFile::Action::removed;
        else return common::make_error("the record names an unknown action \"" + common::escape_controls(action) + "\"");
        // Only what the network step writes: a keyfile, with its backup in the backup tree. Anything else in
        // the record is refused whole, and nothing is removed or written for it.
        if (!plain_absolute(file.path) || !directly_in(file.path, netconfig::k_nm_keyfile_dir) ||
            (!file.backup.empty() && (!plain_absolute(file.backup) || !under(file.backup, host::files::k_default_backup_dir))) ||
            (file.action != netconfig::PersistedFile::Action::created && file.backup.empty()))
            return common::make_error("the record names a file that is not a network configuration file of ours: " +
                                      common::escape_controls(file.path));
        if (auto name = netconfig::IfName::make(entry.value("interface", ""))) file.interface = *name;
        files.files.push_back(std::move(file));
    }
    for (const auto& name : record.value("created_links", nlohmann::json::array()))
        if (name.is_string() && !netconfig::IfName::problem(name.get<std::string>()))
            files.created_links.push_back(name.get<std::string>());
    return files;
}

[[noreturn]] void watch(const fs::path& run_dir, const fs::path& dir, std::chrono::milliseconds within,
                        const netconfig::NetworkState& before, NetworkAdapters adapters,
                        const std::function<std::vector<std::string>()>& restore_files) {
    const auto deadline = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < deadline) {
        if (!still_pending(dir)) std::_Exit(0);
        std::this_thread::sleep_for(100ms);
    }
    // A commit may hold the lock right now: wait for it, however long, then look again. Nothing rolls back
    // under another run's feet (an apply is refused while the window is open, so only a commit holds it).
    std::optional<host::RunLock> lock;
    while (!lock) {
        if (auto acquired = host::RunLock::acquire(run_lock_path(run_dir))) lock.emplace(std::move(acquired).value());
        else std::this_thread::sleep_for(100ms);
    }
    if (!still_pending(dir)) std::_Exit(0);
    // Files first (see apply_network): NetworkManager acts on their removal before the kernel is put back.
    auto failures = restore_files();
    const auto link_failures = roll_back_network(before, adapters);
    failures.insert(failures.end(), link_failures.begin(), link_failures.end());
    // The host is as before: NetworkManager's checkpoint has nothing left to guard.
    if (adapters.guard) static_cast<void>(adapters.guard->release_kept());
    auto state = read_state(dir);
    state["state"] = failures.empty() ? "rolled-back" : "rollback-failed";
    state["rolled_back_at"] = utc_now();
    state["rolled_back_by"] = "the window's watcher, at its deadline";
    state["failures"] = failures;
    write_state(dir, state);
    std::_Exit(failures.empty() ? 0 : 1);
}

fs::path state_dir_or_test_dir() { return test_run_dir().value_or(ReadinessPaths{}.state_dir); }

}  // namespace

std::optional<fs::path> test_run_dir() {
#ifdef KVM_TEST_RUN_DIR
    const char* dir = std::getenv("KVM_AGENT_RUN_DIR");
    if (dir && *dir) return fs::path(dir);
#endif
    return std::nullopt;
}

void kill_at_step_for_tests([[maybe_unused]] std::size_t step) {
#ifdef KVM_TEST_RUN_DIR
    const char* at = std::getenv("KVM_AGENT_KILL_AT_STEP");
    if (at && *at && std::to_string(step) == at) ::kill(::getpid(), SIGKILL);
#endif
}

std::optional<std::chrono::microseconds> checkpoint_answer_for_tests() {
#ifdef KVM_TEST_RUN_DIR
    const char* within = std::getenv("KVM_AGENT_CHECKPOINT_ANSWER_US");
    if (within && *within && std::all_of(within, within + std::strlen(within), [](char c) { return c >= '0' && c <= '9'; }))
        if (const auto us = std::strtoll(within, nullptr, 10); us > 0) return std::chrono::microseconds(us);
#endif
    return std::nullopt;
}

fs::path run_dir() { return test_run_dir().value_or("/run/kvm-agent"); }

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

common::Result<fs::path> prepare_confirm_dir() {
    const auto dir = state_dir_or_test_dir();
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (auto unsafe = common::unsafe_owned_directory(dir.string()))
        return common::make_error("state directory " + unsafe->message);
    return dir;
}

common::Result<pid_t> open_confirm_window(const fs::path& run_dir, const fs::path& dir, std::chrono::milliseconds within,
                                          const netconfig::NetworkState& before, NetworkAdapters adapters,
                                          host::RunLock& lock, std::function<std::vector<std::string>()> restore_files,
                                          const WindowUndo& undo, const std::string& summary) {
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(within).count();
    nlohmann::json state{{"state", "pending"},
                         {"applied_at", utc_now()},
                         {"confirm_within_seconds", seconds},
                         {"deadline_boottime_ms", common::boottime_ms() + within.count()},
                         {"boot_id", boot_id()},
                         {"change", summary},
                         {"files", undo_json(undo)}};
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
        watch(run_dir, dir, within, before, adapters, restore_files);
    }
    state["watcher_pid"] = watcher;
    if (const auto started = process_start(watcher)) state["watcher_start"] = *started;
    write_state(dir, state);
    return watcher;
}

TakenBack take_back_unwatched(const fs::path& dir, const UnwatchedUndoOps& ops) {
    auto state = read_state(dir);
    if (state.value("state", "") != "pending") return {};
    const bool same_boot = state.value("boot_id", "") == boot_id();
    std::string why;
    if (!same_boot) {
        why = "the host restarted before it was committed";
    } else {
        const auto pid = state.value("watcher_pid", 0L);
        const auto started = state.contains("watcher_start") && state["watcher_start"].is_number_unsigned()
                                 ? std::optional<std::uint64_t>(state["watcher_start"].get<std::uint64_t>())
                                 : std::nullopt;
        const bool watched = pid > 0 && started && process_start(static_cast<pid_t>(pid)) == started;
        const auto deadline = state.value("deadline_boottime_ms", std::int64_t{0});
        if (watched || common::boottime_ms() < deadline)
            return {TakenBack::What::still_watched,
                    watched ? "its watcher (pid " + std::to_string(pid) + ") takes it back at the deadline unless "
                              "`kvm-agent commit` comes first"
                            : "its watcher is gone; `kvm-agent commit` keeps it until the deadline, after which the "
                              "next kvm-agent run takes it back",
                    {}};
        why = "its watcher (pid " + std::to_string(pid) + ") was gone when its window closed";
    }
    TakenBack taken{TakenBack::What::taken_back,
                    "took back the change applied at " + state.value("applied_at", "?") + " (" +
                        state.value("change", "?") + "), never committed: " + why,
                    {}};
    // As the watcher would: NetworkManager's devices first, then the files, then what NetworkManager left.
    if (same_boot && ops.roll_back_kept_guard)
        if (const auto done = ops.roll_back_kept_guard(); !done.empty()) taken.message += "; " + done;
    auto undo = undo_from(state);
    if (!undo) {
        taken.failures.push_back(undo.error().message);
    } else {
        if (ops.restore_files) taken.failures = ops.restore_files(undo->root, undo->files);
        if (same_boot && ops.delete_empty_links && !undo->created_links.empty()) {
            const auto left = ops.delete_empty_links(undo->created_links);
            taken.failures.insert(taken.failures.end(), left.begin(), left.end());
        }
    }
    state["state"] = taken.failures.empty() ? "rolled-back" : "rollback-failed";
    state["rolled_back_at"] = utc_now();
    state["rolled_back_by"] = why;
    state["failures"] = taken.failures;
    if (!write_state(dir, state))
        taken.failures.push_back("writing " + confirm_file(dir).string() + ": " + std::strerror(errno));
    return taken;
}

std::optional<std::string> pending_change(const fs::path& dir) {
    const auto state = read_state(dir);
    if (state.value("state", "") != "pending") return std::nullopt;
    const auto within = state.contains("confirm_within_seconds") && state["confirm_within_seconds"].is_number_integer()
                            ? std::to_string(state["confirm_within_seconds"].get<long>()) + " s"
                            : std::string("its window");
    return "a change applied at " + state.value("applied_at", "?") + " (" + state.value("change", "?") +
           ") waits for `kvm-agent commit` within " + within + ": commit it, or let it roll back, before applying again";
}

common::Result<std::string> commit_pending_change(const fs::path& dir, const std::function<std::string()>& release_guard) {
    auto state = read_state(dir);
    const std::string phase = state.value("state", "");
    if (phase.empty()) return common::make_error("no applied change is waiting for a commit");
    if (phase == "committed") return common::make_error("already committed at " + state.value("committed_at", "?"));
    if (phase != "pending") {
        std::string why;
        if (state.contains("failures") && state["failures"].is_array())
            for (const auto& failure : state["failures"])
                if (failure.is_string()) why += "\n  " + failure.get<std::string>();
        const std::string by = state.value("rolled_back_by", "");
        return common::make_error("too late: the change was rolled back at " + state.value("rolled_back_at", "?") +
                                  (by.empty() ? "" : " (" + by + ")") +
                                  (phase == "rollback-failed" ? ", and the rollback failed:" + why : ""));
    }
    // NetworkManager's checkpoint would take the change back at the window's end: it goes first, and a
    // change it no longer guards is not committed (its rollback may be under way).
    if (release_guard)
        if (const auto problem = release_guard(); !problem.empty())
            return common::make_error("the change cannot be kept: " + problem);
    state["state"] = "committed";
    state["committed_at"] = utc_now();
    if (!write_state(dir, state))
        return common::make_error("writing " + confirm_file(dir).string() + ": " + std::strerror(errno));
    // The watcher sees the new state within 100 ms and ends; no signal, so no risk of hitting a reused pid.
    return "committed: " + state.value("change", "the applied change");
}

}  // namespace agent
