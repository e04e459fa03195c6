#pragma once
// The network apply's guard against its own death: a NetworkManager checkpoint of every device, taken before
// the first change and destroyed when the apply ends. If kvm-agent is killed in between (SIGKILL, the unit's
// timeout), NetworkManager restores by itself, once the window passes, the devices' profiles as they were:
// the NIC's own DHCP profile comes back with its lease, the profiles the apply added are deleted, and the
// ports it enslaved are released. nmstate guards its applies the same way.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "netconfig/rollback_guard.h"

namespace host::networkmanager {

class NmClient;

// The note: the checkpoint's path, or "arming MS" while it is being created (MS: CLOCK_BOOTTIME, as
// NetworkManager stamps a checkpoint's creation: a run killed while its create call was under way leaves a
// checkpoint it never heard of), then one line per lease ("nic0 10.0.2.15/24"). It lies in a root-only
// directory but is still read as untrusted: short lines, a bounded count, every field parsed.
struct CheckpointNote {
    std::string checkpoint;
    std::optional<std::int64_t> arming_since;
    netconfig::Leases leases;
};
// An empty note for anything but a checkpoint path or an arming time on the first line; lease lines that do
// not parse are skipped.
CheckpointNote parse_checkpoint_note(std::string_view text);

struct NmCheckpointOptions {
    std::filesystem::path root = "/";  // not "/": files for another system, nothing running to guard
    bool ask_network_manager = true;
    std::chrono::milliseconds call_timeout{2000};
    // CheckpointCreate's own bound: NetworkManager snapshots every device before it answers, and at boot (where
    // kvm-agent runs first) it is busy starting them.
    std::chrono::microseconds create_timeout{std::chrono::seconds(20)};
    // How long a checkpoint asked for but not answered in time may take to appear before the step gives up.
    std::chrono::milliseconds late_checkpoint_wait{20000};
    // Where the armed checkpoint's path is noted, so that the next run (holding the run lock, so the one that
    // armed it is dead) rolls it back at once instead of waiting for its window or refusing to start.
    std::filesystem::path note;
};

class NmCheckpoint final : public netconfig::RollbackGuard {
public:
    explicit NmCheckpoint(NmCheckpointOptions options = {});
    // No release here: a checkpoint left behind is what rolls back an apply that did not finish.
    ~NmCheckpoint() override;

    common::Result<bool> arm(std::chrono::seconds window, const netconfig::Leases& leases) override;
    std::string extend(std::chrono::seconds window) override;
    std::string release() override;
    std::string release_kept() override;
    std::string why_unguarded() const override { return m_unguarded; }
    netconfig::Recovery recover() override;

private:
    // Why NetworkManager is not to be asked in this run, or empty.
    std::string why_not() const;
    common::Result<std::monostate> connect();
    void write_note(const std::string& first_line, const netconfig::Leases& leases) const;
    void forget_note() const;
    // The pending checkpoints NetworkManager made at `since` (CLOCK_BOOTTIME ms) or later.
    std::vector<std::string> created_since(std::int64_t since);
    // The one made since `since`, waited for up to late_checkpoint_wait: a CheckpointCreate not answered in time.
    common::Result<std::string> late_checkpoint(std::int64_t since);

    NmCheckpointOptions m_options;
    std::unique_ptr<NmClient> m_client;
    std::string m_path;  // the checkpoint's object path while armed
    std::string m_unguarded;
};

}  // namespace host::networkmanager
