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

struct PendingCheckpoint {
    std::string path;
    std::int64_t created = -1;          // CLOCK_BOOTTIME ms
    std::uint32_t rollback_timeout = 0;  // s
};
// The pending checkpoints a run that began to arm at `since` (CLOCK_BOOTTIME ms) may have made: created from
// `since` to `until`, with the rollback timeout it asked for (`window`; 0 when not known, as to a later run).
std::vector<std::string> checkpoints_of_run(const std::vector<PendingCheckpoint>& pending, std::int64_t since,
                                            std::int64_t until, std::uint32_t window);

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
    // Why NetworkManager is not to be asked in this run, whether it runs or not (the options, files for another
    // root), or empty.
    std::string not_this_run() const;
    // Why NetworkManager is not to be asked, or empty and connected: the question is asked on the connection the
    // checkpoint goes on to use (opened here the first time), so a run opens one, not one to ask and one to use.
    std::string connect_if_askable();
    void write_note(const std::string& first_line, const netconfig::Leases& leases) const;
    void forget_note() const;
    // The checkpoints pending now, with their times (one that cannot be read is left out).
    common::Result<std::vector<PendingCheckpoint>> pending();
    // How long after its arming a run's checkpoint can appear: the call's bound and the wait for a late one.
    std::int64_t arming_bound_ms() const;
    // The one checkpoint this run asked for (at `since`, with `window`) and NetworkManager made after the call
    // stopped waiting, waited for up to late_checkpoint_wait; an error when none appears, or more than one could
    // be it (another tool's too: not ours to guess).
    common::Result<std::string> late_checkpoint(std::int64_t since, std::chrono::seconds window);

    NmCheckpointOptions m_options;
    std::unique_ptr<NmClient> m_client;
    std::string m_path;  // the checkpoint's object path while armed
    std::string m_unguarded;
};

}  // namespace host::networkmanager
