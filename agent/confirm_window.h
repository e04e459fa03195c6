#pragma once
// `kvm-agent apply --confirm-within DURATION`: the change stays only if `kvm-agent commit` arrives in time.
// An admin on SSH who is cut off by the change cannot confirm it, so the host goes back by itself. No
// daemon is needed: apply leaves a watcher process behind, and the window's state lives in
// STATE_DIR/confirm.json, which commit and the watcher both read and write under the run lock.
//
// Three things take an unconfirmed change back, whichever comes first:
// - the watcher, at the deadline;
// - NetworkManager's checkpoint, kept armed through the window, should the watcher die;
// - kvm-agent-confirm-guard.service, at the next boot and before NetworkManager starts, should the host
//   restart inside the window (the BMC's power cycle): confirm.json is on disk, and the files the change
//   wrote are put back from their backups, so NetworkManager never loads them.
// A later apply or commit that finds a window nobody watches any more (the watcher gone and its deadline
// passed, or opened in an earlier boot) takes it back first, the same way.
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

#include "agent/network_apply.h"
#include "common/result.h"
#include "host/lock/run_lock.h"
#include "netconfig/persistence.h"

namespace agent {

// $KVM_AGENT_RUN_DIR: a run directory of a test's own (and of runs in separate network namespaces of one
// host), honoured only in builds with the tests; nullopt when unset or in a packaged build.
std::optional<std::filesystem::path> test_run_dir();
// $KVM_AGENT_KILL_AT_STEP=N, honoured like $KVM_AGENT_RUN_DIR only in builds with the test hooks: the apply
// kills itself (SIGKILL) as it logs the start of step N, so a test kills it exactly at that boundary, however
// fast the process runs, instead of racing it from outside.
void kill_at_step_for_tests(std::size_t step);
// $KVM_AGENT_CHECKPOINT_ANSWER_US=N, honoured like $KVM_AGENT_RUN_DIR: NetworkManager's CheckpointCreate is waited
// for N microseconds only, so a test has the answer overrun as on a host busy at boot.
std::optional<std::chrono::microseconds> checkpoint_answer_for_tests();
// /run/kvm-agent, or test_run_dir().
std::filesystem::path run_dir();
std::filesystem::path run_lock_path(const std::filesystem::path& dir);
// run_dir(), created (0700) when missing, and refused unless it and every directory above it are owned by root
// or us and writable by no one else (common/owned_file.h).
common::Result<std::filesystem::path> prepare_run_dir();

// Where confirm.json lives: /var/lib/kvm-agent, on disk, so that a reboot inside the window finds it; or
// test_run_dir(). Created when missing, and refused like the run directory when others can write it.
common::Result<std::filesystem::path> prepare_confirm_dir();

// What the window keeps besides the network state before the change, to undo it without the watcher: the
// files the change wrote (put back from their backups) and the links it created.
struct WindowUndo {
    std::string root = "/";  // where the host paths resolve (apply --config-root)
    std::vector<netconfig::PersistedFile> files;
    std::vector<std::string> created_links;
};

// How a window nobody watches is taken back (agent/wiring.h gives the real ones).
struct UnwatchedUndoOps {
    // In the boot that made the change: NetworkManager's kept checkpoint rolled back now, should it still wait
    // for its timeout. What was done or went wrong, or empty.
    std::function<std::string()> roll_back_kept_guard;
    // The files put back, NetworkManager not asked (at boot it does not run yet). The failures.
    std::function<std::vector<std::string>(const std::string& root, const std::vector<netconfig::PersistedFile>&)>
        restore_files;
    // In the boot that made the change: the links it created that are left empty (no port, no address: what
    // NetworkManager's rollback leaves of a bridge made over netlink) deleted. One that still carries a port
    // or an address is left alone: without the watcher's record of the state before, deleting it could cut
    // the host off. The failures.
    std::function<std::vector<std::string>(const std::vector<std::string>& names)> delete_empty_links;
};

// Starts the watcher: it waits until `within` has passed, then, unless the change was committed, takes the
// run lock, calls `restore_files`, rolls the network back to `before` and releases the kept guard. `lock` is
// the caller's run lock: the watcher lets go of its copy so the lock ends with the caller. Returns the
// watcher's pid.
common::Result<pid_t> open_confirm_window(const std::filesystem::path& run_dir, const std::filesystem::path& dir,
                                          std::chrono::milliseconds within, const netconfig::NetworkState& before,
                                          NetworkAdapters adapters, host::RunLock& lock,
                                          std::function<std::vector<std::string>()> restore_files,
                                          const WindowUndo& undo, const std::string& summary);

// A pending window nobody watches any more: opened in an earlier boot (the host restarted inside it), or its
// watcher gone (killed) and its deadline passed. It is undone with `ops` (at boot: the files only) and marked
// rolled back. Call it holding the run lock.
struct TakenBack {
    enum class What { nothing, still_watched, taken_back } what = What::nothing;
    std::string message;  // what waits (still_watched) or what was done (taken_back)
    std::vector<std::string> failures;  // what could not be undone
};
TakenBack take_back_unwatched(const std::filesystem::path& dir, const UnwatchedUndoOps& ops);

// What waits for a commit, when a confirmation window is open: an apply now would change the host under the
// watcher, which rolls back to the state before the first change, so apply is refused with this message.
std::optional<std::string> pending_change(const std::filesystem::path& dir);

// Confirms the waiting change: `release_guard` (the kept NetworkManager checkpoint) first, and nothing is
// committed when it fails. The message says what was committed; an error when nothing waits, or when it is
// too late (rolled back already, with why).
common::Result<std::string> commit_pending_change(const std::filesystem::path& dir,
                                                  const std::function<std::string()>& release_guard);

}  // namespace agent
