#pragma once
// `kvm-agent apply --confirm-within DURATION`: the change stays only if `kvm-agent commit` arrives in time.
// An admin on SSH who is cut off by the change cannot confirm it, so the host goes back by itself. No
// daemon is needed: apply leaves a watcher process behind, and the window's state lives in
// RUN_DIR/confirm.json, which commit and the watcher both read and write under the run lock.
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <sys/types.h>

#include "agent/network_apply.h"
#include "common/result.h"
#include "host/lock/run_lock.h"

namespace agent {

// /run/kvm-agent, or $KVM_AGENT_RUN_DIR (tests, and runs in separate network namespaces of one host).
std::filesystem::path run_dir();
std::filesystem::path run_lock_path(const std::filesystem::path& dir);
// run_dir(), created (0700) when missing, and refused unless it and every directory above it are owned by root
// or us and writable by no one else (common/owned_file.h).
common::Result<std::filesystem::path> prepare_run_dir();

// Starts the watcher: it waits until `within` has passed, then, unless the change was committed, takes the
// run lock and rolls the network back to `before` and calls `restore_files`. `lock` is the caller's run lock:
// the watcher lets go of its copy so the lock ends with the caller. Returns the watcher's pid.
common::Result<pid_t> open_confirm_window(const std::filesystem::path& dir, std::chrono::milliseconds within,
                                          const netconfig::NetworkState& before, NetworkAdapters adapters,
                                          host::RunLock& lock, std::function<std::vector<std::string>()> restore_files,
                                          const std::string& summary);

// What waits for a commit, when a confirmation window is open: an apply now would change the host under the
// watcher, which rolls back to the state before the first change, so apply is refused with this message.
std::optional<std::string> pending_change(const std::filesystem::path& dir);

// Confirms the waiting change. The message says what was committed; an error when nothing waits, or when it
// is too late (the watcher already rolled back, with why).
common::Result<std::string> commit_pending_change(const std::filesystem::path& dir);

}  // namespace agent
