#pragma once
// Making an applied network state survive a reboot. The agent calls persist() after a verified apply and
// restore() with what persist() returned when it rolls back; check() before anything runs tells whether the
// desired state can be persisted at all. Pure interface: host/networkmanager/nm_persistence.h implements it
// with NetworkManager keyfiles, tests use fakes.
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.h"
#include "netconfig/model.h"

namespace netconfig {

// What happened to one file.
struct PersistedFile {
    enum class Action { unchanged, created, replaced, removed };
    std::string path;     // host path ("/etc/NetworkManager/system-connections/kvm-agent-br0.nmconnection")
    Action action = Action::unchanged;
    std::string backup;   // host path of the version before (replaced, removed); empty otherwise
    IfName interface;     // the interface the file configures
};
inline std::string_view to_string(PersistedFile::Action action) {
    switch (action) {
    case PersistedFile::Action::unchanged: return "unchanged";
    case PersistedFile::Action::created: return "created";
    case PersistedFile::Action::replaced: return "replaced";
    case PersistedFile::Action::removed: return "removed";
    }
    return "?";
}

// One profile NetworkManager was asked to activate, or found active.
struct ProfileActivation {
    IfName interface;
    std::string profile;  // NetworkManager's connection id ("kvm-agent-br0", "uplink")
    std::string uuid;
    bool activated = false;
    std::string detail;   // why not, when not activated ("still activating after 60 s", an error from NetworkManager);
                          // when activated, a note ("already active, unchanged")
};

struct NetworkManagerOutcome {
    bool asked = false;   // false: NetworkManager was not asked, `reason` says why; the files are written all the same
    std::string reason;
    std::vector<ProfileActivation> activations;  // our profiles (persist) or the ones brought back (restore)
    // Profiles NetworkManager had active on our interfaces before persist(): restore() activates them again.
    std::vector<ProfileActivation> displaced;
    // It activated, deactivated or released something: the running host changed even when no file did (and
    // with it what other daemons hold, such as the zone firewalld has an activated device in).
    bool changed_running = false;
    // It was asked to load the connection files again (Settings.ReloadConnections). Not when every file is
    // as it loaded them at an earlier run's request and every profile of ours is active on its interface.
    bool reloaded = false;

    bool all_activated() const {
        for (const auto& activation : activations)
            if (!activation.activated) return false;
        return true;
    }
};

struct PersistResult {
    std::vector<PersistedFile> files;
    NetworkManagerOutcome network_manager;

    // The files are in place and, where NetworkManager runs, it has every profile activated.
    bool ok() const { return !network_manager.asked || network_manager.all_activated(); }
    // A file was created, replaced or removed.
    bool files_changed() const {
        for (const auto& file : files)
            if (file.action != PersistedFile::Action::unchanged) return true;
        return false;
    }
};

// How NetworkPersistence::pending's errors of the host begin.
inline constexpr std::string_view k_observing_files = "observing the network's configuration files: ";

class NetworkPersistence {
public:
    virtual ~NetworkPersistence() = default;

    // Whether `desired` can be persisted on this host (an error says why not); touches nothing.
    virtual common::Result<std::monostate> check(const NetworkState& desired, const NetworkState& observed) = 0;

    // What persist() would change for `desired` given `observed`, one line per file ("replace
    // /etc/NetworkManager/system-connections/kvm-agent-br0.nmconnection: ipv4.method manual -> auto"), touching
    // nothing; empty when every file is as persist() would write it. An error reading the host's files starts
    // with k_observing_files (the host's failure); any other is the profile's (what it asks cannot be written).
    virtual common::Result<std::vector<std::string>> pending(const NetworkState& desired, const NetworkState& observed) = 0;

    // Writes what makes `desired` survive a reboot, given `observed` (the host after the apply), and has the
    // running network service take it over. An error when a file cannot be written: the files written before
    // it are put back, and nothing was asked of NetworkManager. Activation failures are not errors: see
    // PersistResult::ok() and network_manager.activations.
    virtual common::Result<PersistResult> persist(const NetworkState& desired, const NetworkState& observed) = 0;

    // Puts back what `persisted` changed (files in reverse order, from their backups), and has the network
    // service load them and activate what was active before. Returns what the restore did; an error names
    // every file that could not be put back (the others are restored all the same).
    virtual common::Result<PersistResult> restore(const PersistResult& persisted) = 0;
};

}  // namespace netconfig
