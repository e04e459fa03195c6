#pragma once
// NetworkPersistence with NetworkManager keyfiles: the files of netconfig/nm_keyfile.h written atomically into
// /etc/NetworkManager/system-connections (previous versions kept under the backup tree), then, where
// NetworkManager runs and manages this network namespace, the files reloaded and our profiles activated so
// that NetworkManager shows the interfaces connected to them (not "connected (externally)").
//
// A profile the host had active on one of our interfaces before (the installer's profile on a NIC that becomes
// a bond port) is left as it is on disk: ours win at boot by autoconnect-priority, and NetworkManager
// deactivates it when ours activates on the device. It is recorded as displaced, and restore() activates it
// again after removing our files.
//
// Such a NIC, enslaved by the apply while NetworkManager still runs its old profile on it, is one that
// NetworkManager never releases from the bond, and then fails to configure the bond ("unable to set option
// because the bond device has slaves"). So before asking NetworkManager, such a port is released over
// `links` (the agent's netlink adapter) and its old profile deactivated; NetworkManager enslaves it again
// moments later, as it does with every port when it takes over a bond. The same goes for every port of a bond
// whose profile of ours is not active yet: whether NetworkManager noticed that the apply enslaved it, and so
// releases it itself, is a race. Without `links` that step is skipped and the bond's activation may fail (and
// is reported so).
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "host/files/atomic_file.h"
#include "netconfig/link_ops.h"
#include "netconfig/nm_keyfile.h"
#include "netconfig/persistence.h"

namespace host::networkmanager {

class NmClient;

struct NmPersistenceOptions {
    std::filesystem::path root = "/";  // not "/": an offline system; files only, NetworkManager is not asked
    std::string backup_dir = std::string(files::k_default_backup_dir);
    std::chrono::milliseconds call_timeout{2000};           // each D-Bus call
    std::chrono::milliseconds activation_timeout{60000};    // all activations together
    // ReloadConnections reads every file, and NetworkManager is busy with the devices the apply just changed:
    // on a loaded host it took longer than one call's 2 s, and the profiles of removed files stayed loaded.
    std::chrono::milliseconds reload_timeout{30000};
    bool ask_network_manager = true;                        // false: write the files only
    // What NetworkManager last loaded at our request: every keyfile's path and content, written after each
    // ReloadConnections that succeeded. A run finding the same files there, and our profiles active, leaves
    // NetworkManager's profiles as they are; files written by a run that never reached the reload (killed,
    // NetworkManager not running) differ from it, and are loaded. Under `root`.
    std::string loaded_record = "/var/lib/kvm-agent/network-manager-loaded";
    std::map<std::string, std::string> zones;               // interface -> firewalld zone (connection.zone)
};

class NmPersistence : public netconfig::NetworkPersistence {
public:
    explicit NmPersistence(NmPersistenceOptions options = {}, netconfig::LinkOps* links = nullptr);

    common::Result<std::monostate> check(const netconfig::NetworkState& desired,
                                         const netconfig::NetworkState& observed) override;
    common::Result<std::vector<std::string>> pending(const netconfig::NetworkState& desired,
                                                     const netconfig::NetworkState& observed) override;
    common::Result<netconfig::PersistResult> persist(const netconfig::NetworkState& desired,
                                                     const netconfig::NetworkState& observed) override;
    common::Result<netconfig::PersistResult> restore(const netconfig::PersistResult& persisted) override;

private:
    // The keyfiles for `desired`, and among the files to remove also our profiles of ports whose controller's
    // profile goes: once the controller is deleted the host no longer says which ports it had, the files do.
    common::Result<netconfig::NmKeyfileSet> keyfile_set(const netconfig::NetworkState& desired,
                                                        const netconfig::NetworkState& observed);
    // A client of NetworkManager when this run may ask it (live root, asked for, running, our namespace); the
    // error says why not.
    common::Result<std::unique_ptr<NmClient>> client_if_askable() const;
    // The record of what a reload loads (NmPersistenceOptions::loaded_record), and whether the last one says so.
    std::string loaded_record(const netconfig::NmKeyfileSet& set) const;
    bool loaded_as_recorded(const std::string& record) const;
    std::vector<netconfig::ProfileActivation> settle_deleted(NmClient& client, const netconfig::NetworkState& desired,
                                                             const netconfig::NetworkState& observed);

    NmPersistenceOptions m_options;
    files::AtomicFiles m_files;
    netconfig::LinkOps* m_links;
};

}  // namespace host::networkmanager
