#pragma once
// NetworkManager over its D-Bus API (org.freedesktop.NetworkManager), shaped around what persisting a network
// needs: load the connection files again, see which profiles are active on which interfaces, activate ours
// and wait until they are. Every call is bounded by the call timeout; waiting by the activation timeout.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "common/result.h"
#include "netconfig/model.h"
#include "netconfig/persistence.h"

namespace sdbus {
class IConnection;
}

namespace host::networkmanager {

// A profile to activate: ours (from its keyfile) or one found active before.
struct ProfileRef {
    netconfig::IfName interface;
    std::string id;
    std::string uuid;
    // The profile that must be activated first (a VLAN's parent, a port's controller), when it is activated
    // in the same call; empty: none.
    std::string after;
    // A port whose controller (`after`) activates it (autoconnect-slaves): asked for only if the controller
    // is activated and the port still has no activation of its own.
    bool with_controller = false;
};

// Why NetworkManager must not be asked from here, or nullopt, asked over `bus`, a connection the caller goes on
// to use (each connection of ours costs the bus and every daemon watching NameOwnerChanged a round of messages).
// It is not on the system bus (not running: asked with NameHasOwner, so it is never started by D-Bus activation),
// or this process runs in another network namespace than PID 1 (`ip netns exec`), whose interfaces
// NetworkManager does not manage.
std::optional<std::string> why_not_ask(sdbus::IConnection& bus, std::chrono::milliseconds call_timeout);

class NmClient {
public:
    // Connects to the system bus and asks why_not_ask's question on that connection: the error is its reason, or
    // the bus's.
    static common::Result<std::unique_ptr<NmClient>> connect_if_askable(std::chrono::milliseconds call_timeout);
    // why_not_ask's question again on this client's connection (NetworkManager may have stopped since).
    std::optional<std::string> why_not_ask() const;
    ~NmClient();
    NmClient(const NmClient&) = delete;
    NmClient& operator=(const NmClient&) = delete;

    // Settings.ReloadConnections: files added, changed and deleted on disk take effect as profiles. It reads
    // every file, so it gets a timeout of its own.
    common::Result<std::monostate> reload(std::chrono::milliseconds timeout);

    // The saved profiles active now on `interfaces`, with their state (activated or not yet). Profiles
    // NetworkManager made up for devices it found configured ("connected (externally)") are left out: they
    // are not saved and come back by themselves.
    common::Result<std::vector<netconfig::ProfileActivation>> active_on(const std::set<netconfig::IfName>& interfaces);
    // Of the profiles `uuids`, those NetworkManager holds with changes in memory only (an admin's `nmcli
    // connection modify --temporary`). No reload replaces such a copy: activating the profile runs it, not the
    // file. Profiles NetworkManager does not know are left out.
    std::set<std::string> unsaved(const std::set<std::string>& uuids);
    // Settings.Connection.Delete: NetworkManager forgets the profile `uuid`, in memory and on disk (its file is
    // removed), and deactivates it.
    common::Result<std::monostate> forget(const std::string& uuid);

    // Deactivates the active connections of the profiles `uuids` and waits (at most `timeout`) until they are
    // gone. A profile NetworkManager runs on an interface that is about to become a port must go first: its
    // device is otherwise still enslaved when the controller's profile is applied, and NetworkManager fails
    // to set the bond's options ("the bond device has slaves"). Returns what went wrong, if anything.
    std::vector<std::string> deactivate(const std::vector<std::string>& uuids, std::chrono::milliseconds timeout);

    // Activates `profiles`, each once what it comes `after` is activated, and waits until each is activated
    // or `timeout` has passed. A profile NetworkManager refuses for now ("device has no carrier" while its
    // parent comes up) or whose activation fails is asked again every second. One entry per profile, in the
    // order given.
    std::vector<netconfig::ProfileActivation> activate(const std::vector<ProfileRef>& profiles,
                                                       std::chrono::milliseconds timeout);

    // Manager.CheckpointCreate over every device: NetworkManager puts them back as they are now, their
    // profiles included, once `timeout` passes without checkpoint_adjust() or checkpoint_destroy(). `flags`:
    // NM_CHECKPOINT_CREATE_FLAG_*. The checkpoint's object path. `answer_within` bounds the call; `overran` (when
    // given) says whether it failed for want of an answer in time: NetworkManager may still make the checkpoint.
    common::Result<std::string> checkpoint_create(std::chrono::seconds timeout, std::uint32_t flags,
                                                  std::chrono::microseconds answer_within, bool* overran = nullptr);
    // The rollback `timeout` from now.
    common::Result<std::monostate> checkpoint_adjust(const std::string& path, std::chrono::seconds timeout);
    common::Result<std::monostate> checkpoint_destroy(const std::string& path);
    // Manager.CheckpointRollback: the devices back now, and the checkpoint gone.
    common::Result<std::monostate> checkpoint_rollback(const std::string& path);
    // Checkpoint.Created (when NetworkManager made it, in CLOCK_BOOTTIME milliseconds) and RollbackTimeout (s).
    struct CheckpointTimes {
        std::int64_t created = -1;
        std::uint32_t rollback_timeout = 0;
    };
    common::Result<CheckpointTimes> checkpoint_times(const std::string& path);
    // Manager.Checkpoints: the object paths of the checkpoints pending now.
    common::Result<std::vector<std::string>> checkpoints();

private:
    explicit NmClient(std::unique_ptr<sdbus::IConnection> bus, std::chrono::milliseconds call_timeout);
    struct Active {
        std::string path;
        std::string uuid;
        std::uint32_t state = 0;
    };
    // The active connections of the profiles `uuids`, with their state when `with_state`. Polled while
    // profiles activate or go, so each poll asks little: the manager's ActiveConnections, then the State of
    // those of `uuids` only (an active connection's Uuid never changes: asked once per object).
    std::vector<Active> active_connections(const std::set<std::string>& uuids, bool with_state);
    std::string start(const ProfileRef& profile);  // an error text, empty when NetworkManager accepted it
    // Settings.GetConnectionByUuid: the profile's object; throws sdbus::Error when NetworkManager has none.
    std::string connection_path(const std::string& uuid);

    std::unique_ptr<sdbus::IConnection> m_bus;
    std::chrono::milliseconds m_timeout;
    std::map<std::string, std::string> m_active_uuids;  // active connection object -> its profile's uuid
};

}  // namespace host::networkmanager
