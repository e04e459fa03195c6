#include "host/networkmanager/nm_persistence.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "host/networkmanager/nm_client.h"
#include "netconfig/nm_keyfile.h"

namespace host::networkmanager {
namespace {

using netconfig::PersistedFile;

std::string keyfile_path(const netconfig::IfName& interface) {
    return std::string(netconfig::k_nm_keyfile_dir) + "/" + netconfig::nm_keyfile_name(interface);
}

// A keyfile the plan cannot read: the host's failure, not the profile's (netconfig::k_observing_files).
common::Error unreadable(const std::string& path, const common::Error& error) {
    return common::make_error(std::string(netconfig::k_observing_files) + "reading " + path + ": " + error.message);
}

PersistedFile::Action action_of(files::FileAction action) {
    switch (action) {
    case files::FileAction::unchanged: return PersistedFile::Action::unchanged;
    case files::FileAction::created: return PersistedFile::Action::created;
    case files::FileAction::replaced: return PersistedFile::Action::replaced;
    case files::FileAction::removed: return PersistedFile::Action::removed;
    }
    return PersistedFile::Action::unchanged;
}

files::FileAction action_of(PersistedFile::Action action) {
    switch (action) {
    case PersistedFile::Action::unchanged: return files::FileAction::unchanged;
    case PersistedFile::Action::created: return files::FileAction::created;
    case PersistedFile::Action::replaced: return files::FileAction::replaced;
    case PersistedFile::Action::removed: return files::FileAction::removed;
    }
    return files::FileAction::unchanged;
}

PersistedFile persisted(const files::FileChange& change, const netconfig::IfName& interface) {
    return {change.path, action_of(change.action), change.backup, interface};
}

// Puts back `done` in reverse order; the messages of what could not be.
std::vector<std::string> undo(files::AtomicFiles& files, const std::vector<PersistedFile>& done) {
    std::vector<std::string> failures;
    for (auto it = done.rbegin(); it != done.rend(); ++it)
        if (auto restored = files.restore({it->path, action_of(it->action), it->backup}); !restored)
            failures.push_back(restored.error().message);
    return failures;
}

std::string joined(const std::vector<std::string>& messages) {
    std::string out;
    for (const auto& message : messages) out += (out.empty() ? "" : "; ") + message;
    return out;
}

}  // namespace

NmPersistence::NmPersistence(NmPersistenceOptions options, netconfig::LinkOps* links)
    : m_options(std::move(options)), m_files(m_options.root, m_options.backup_dir), m_links(links) {}

common::Result<std::unique_ptr<NmClient>> NmPersistence::client_if_askable() const {
    if (!m_options.ask_network_manager) return common::make_error("NetworkManager is not asked in this run");
    if (std::filesystem::path(m_options.root).lexically_normal() != "/")
        return common::make_error("the files were written under " + m_options.root.string() +
                                  ", not on the running system");
    return NmClient::connect_if_askable(m_options.call_timeout);
}

common::Result<netconfig::NmKeyfileSet> NmPersistence::keyfile_set(const netconfig::NetworkState& desired,
                                                                   const netconfig::NetworkState& observed) {
    auto made = netconfig::nm_keyfiles(desired, observed, m_options.zones);
    if (!made) return made.error();
    auto set = std::move(made).value();
    std::set<std::string> going;
    for (const auto& name : set.removed) going.insert("\nmaster=" + netconfig::nm_profile_uuid(name) + "\n");
    if (going.empty()) return set;
    const auto sample = netconfig::nm_keyfile_name(netconfig::IfName("x"));  // "kvm-agent-x.nmconnection"
    const auto split = sample.find("x.");
    const std::string prefix = sample.substr(0, split), suffix = sample.substr(split + 1);
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(m_files.resolve(netconfig::k_nm_keyfile_dir), ec)) {
        const auto file_name = entry.path().filename().string();
        if (file_name.size() <= prefix.size() + suffix.size() || file_name.rfind(prefix, 0) != 0 ||
            file_name.compare(file_name.size() - suffix.size(), suffix.size(), suffix) != 0)
            continue;
        auto port = netconfig::IfName::make(
            file_name.substr(prefix.size(), file_name.size() - prefix.size() - suffix.size()));
        if (!port) continue;
        const auto& name = port.value();
        const bool kept = std::any_of(set.files.begin(), set.files.end(),
                                      [&](const netconfig::NmKeyfile& file) { return file.interface == name; });
        if (kept || std::find(set.removed.begin(), set.removed.end(), name) != set.removed.end()) continue;
        auto text = m_files.read(keyfile_path(name));
        if (!text || !text.value()) continue;
        for (const auto& master : going)
            if (text.value()->content.find(master) != std::string::npos) {
                set.removed.push_back(name);
                break;
            }
    }
    return set;
}

common::Result<std::monostate> NmPersistence::check(const netconfig::NetworkState& desired,
                                                    const netconfig::NetworkState& observed) {
    auto set = netconfig::nm_keyfiles(desired, observed, m_options.zones);
    if (!set) return set.error();
    return std::monostate{};
}

common::Result<std::vector<std::string>> NmPersistence::pending(const netconfig::NetworkState& desired,
                                                                const netconfig::NetworkState& observed) {
    auto set = keyfile_set(desired, observed);
    if (!set) return set.error();
    std::vector<std::string> lines;
    for (const auto& file : set->files) {
        const auto path = keyfile_path(file.interface);
        auto now = m_files.read(path);
        if (!now)
            return unreadable(path, now.error());
        if (!now.value()) {
            lines.push_back("create " + path);
            continue;
        }
        auto changes = netconfig::nm_keyfile_changes(now.value()->content, file.content);
        if (now.value()->mode != 0600) changes.push_back("mode 0" + std::to_string(now.value()->mode / 64) +
                                                         std::to_string(now.value()->mode / 8 % 8) +
                                                         std::to_string(now.value()->mode % 8) + " -> 0600");
        if (changes.empty() && now.value()->content != file.content) changes.push_back("comments");
        if (changes.empty()) continue;
        std::string line = "replace " + path + ":";
        for (std::size_t i = 0; i < changes.size(); ++i) line += (i ? ", " : " ") + changes[i];
        lines.push_back(line);
    }
    for (const auto& interface : set->removed) {
        const auto path = keyfile_path(interface);
        auto now = m_files.read(path);
        if (!now)
            return unreadable(path, now.error());
        if (now.value()) lines.push_back("remove " + path);
    }
    return lines;
}

common::Result<netconfig::PersistResult> NmPersistence::persist(const netconfig::NetworkState& desired,
                                                                const netconfig::NetworkState& observed) {
    auto set = keyfile_set(desired, observed);
    if (!set) return set.error();

    netconfig::PersistResult result;
    auto fail = [&](const std::string& message) -> common::Result<netconfig::PersistResult> {
        const auto left = undo(m_files, result.files);
        return common::make_error(message + (left.empty() ? "" : " (and putting back the files before it: " +
                                                                     joined(left) + ")"));
    };
    std::map<netconfig::IfName, PersistedFile::Action> actions;
    for (const auto& file : set->files) {
        const auto path = keyfile_path(file.interface);
        auto change = m_files.write(path, file.content, 0600);
        if (!change) return fail("writing " + path + ": " + change.error().message);
        result.files.push_back(persisted(change.value(), file.interface));
        actions[file.interface] = result.files.back().action;
    }
    for (const auto& interface : set->removed) {
        const auto path = keyfile_path(interface);
        auto change = m_files.remove(path);
        if (!change) return fail("removing " + path + ": " + change.error().message);
        result.files.push_back(persisted(change.value(), interface));
    }

    auto& nm = result.network_manager;
    auto client = client_if_askable();
    if (!client) {
        nm.reason = client.error().message;
        return result;
    }
    nm.asked = true;
    auto& c = *client.value();

    // A profile of ours an admin changed in memory only (`nmcli connection modify --temporary`) survives every
    // reload, and activating it would run the admin's copy, not our file. It is deactivated (waited for, so it
    // is not seen active below), NetworkManager forgets it (its file too: written again at once, as this run
    // has it), and the reload below loads ours, which is activated again.
    std::set<std::string> our_uuids;
    for (const auto& file : set->files) our_uuids.insert(file.uuid);
    const auto unsaved = c.unsaved(our_uuids);
    if (!unsaved.empty())
        c.deactivate({unsaved.begin(), unsaved.end()},
                     std::min(m_options.activation_timeout, std::chrono::milliseconds(20000)));
    for (const auto& file : set->files) {
        if (!unsaved.count(file.uuid)) continue;
        if (auto forgotten = c.forget(file.uuid); !forgotten) return fail(forgotten.error().message);
        const auto path = keyfile_path(file.interface);
        if (auto written = files::publish_file(m_files.resolve(path), file.content, 0600); !written)
            return fail("writing " + path + " again after NetworkManager forgot its in-memory copy: " +
                        written.error().message);
    }

    // What NetworkManager runs on our interfaces now, before it knows our files.
    std::set<netconfig::IfName> interfaces;
    std::set<netconfig::IfName> ports;
    for (const auto& file : set->files) {
        interfaces.insert(file.interface);
        if (file.is_port) ports.insert(file.interface);
    }
    std::set<std::string> active_uuids;
    std::vector<std::string> in_the_way;
    if (auto before = c.active_on(interfaces)) {
        for (const auto& active : before.value()) {
            if (!our_uuids.count(active.uuid)) {
                nm.displaced.push_back(active);
                if (ports.count(active.interface)) in_the_way.push_back(active.uuid);
            } else if (active.activated) {
                active_uuids.insert(active.uuid);
            }
        }
    }
    // A port NetworkManager holds with a profile of its own is released first (see the header).
    std::set<netconfig::IfName> released;
    for (auto& displaced : nm.displaced) {
        const auto* now = observed.find(displaced.interface);
        if (m_links && ports.count(displaced.interface) && now && now->controller) {
            if (auto done = m_links->release(displaced.interface); !done) displaced.detail = done.error().message;
            else released.insert(displaced.interface);
        }
    }
    // So is every port of a bond whose profile is not active yet (see bond_ports_to_release).
    if (m_links)
        for (const auto& port : netconfig::bond_ports_to_release(*set, observed, active_uuids))
            // One that stays enslaved fails the bond's activation, which is reported with NetworkManager's reason.
            if (!released.count(port)) static_cast<void>(m_links->release(port));

    // Unchanged files of profiles already active stay as they are: re-applying the same profile must not
    // bounce the network. A port comes up with its controller when that is activated again, else by itself;
    // a VLAN waits for its parent.
    std::vector<ProfileRef> wanted;
    for (const auto& file : set->files) {
        if (!file.autoconnect) continue;
        if (actions[file.interface] == PersistedFile::Action::unchanged && active_uuids.count(file.uuid)) continue;
        ProfileRef ref{file.interface, file.id, file.uuid, "", false};
        if (file.is_port) {
            ref.after = netconfig::nm_profile_uuid(file.controller);
            ref.with_controller = true;
        } else if (!file.parent.empty()) {
            ref.after = netconfig::nm_profile_uuid(file.parent);
        }
        wanted.push_back(ref);
    }
    const bool changes_running = !wanted.empty() || !in_the_way.empty() || !released.empty() || !unsaved.empty();

    // Loading every file again changes nothing when NetworkManager runs what it loaded from these very files
    // (the record of the last reload says so) and every profile of ours is active, nothing in the way.
    const auto loaded = loaded_record(*set);
    if (result.files_changed() || changes_running || !loaded_as_recorded(loaded)) {
        const auto reloaded = c.reload(m_options.reload_timeout);
        if (!reloaded) {
            // Without the files loaded nothing of ours can be activated, and a removed profile stays loaded (and
            // brings its device back): every profile reports why, so the apply fails and rolls back.
            for (const auto& file : set->files)
                if (file.autoconnect)
                    nm.activations.push_back({file.interface, file.id, file.uuid, false, reloaded.error().message});
            for (const auto& name : set->removed)
                nm.activations.push_back({name, netconfig::nm_profile_id(name), netconfig::nm_profile_uuid(name),
                                          false, "its file is removed but the profile stays loaded: " +
                                                     reloaded.error().message});
            return result;
        }
        nm.reloaded = true;
        // A record that cannot be written only costs the next run a reload.
        static_cast<void>(files::publish_file(m_files.resolve(m_options.loaded_record), loaded, 0600));
    }

    if (!in_the_way.empty())
        c.deactivate(in_the_way, std::min(m_options.activation_timeout, std::chrono::milliseconds(20000)));

    nm.changed_running = changes_running;
    const auto activations = c.activate(wanted, m_options.activation_timeout);
    const auto left = settle_deleted(c, desired, observed);
    std::map<std::string, netconfig::ProfileActivation> by_uuid;
    for (const auto& activation : activations) by_uuid[activation.uuid] = activation;
    for (const auto& file : set->files) {
        if (!file.autoconnect) continue;
        if (auto found = by_uuid.find(file.uuid); found != by_uuid.end()) nm.activations.push_back(found->second);
        else nm.activations.push_back({file.interface, file.id, file.uuid, true, "already active, unchanged"});
        auto& activation = nm.activations.back();
        if (activation.activated && unsaved.count(file.uuid))
            activation.detail = "its in-memory changes (nmcli --temporary) replaced by its file";
    }
    nm.activations.insert(nm.activations.end(), left.begin(), left.end());
    return result;
}

// Every keyfile of `set`, path and content, as NetworkManager loads them.
std::string NmPersistence::loaded_record(const netconfig::NmKeyfileSet& set) const {
    std::string record = "# the connection files NetworkManager loaded at kvm-agent's request (kvm-agent apply)\n";
    for (const auto& file : set.files) record += "--- " + keyfile_path(file.interface) + "\n" + file.content;
    return record;
}

bool NmPersistence::loaded_as_recorded(const std::string& record) const {
    const auto recorded = m_files.read(m_options.loaded_record);
    return recorded && recorded.value() && recorded.value()->content == record;
}

// An interface the apply deleted while NetworkManager still had our profile active on it is one NetworkManager
// may create again (the profile autoconnects) before the reload takes the profile away; the reload then
// deactivates it, but a device NetworkManager took over may stay. So: wait until NetworkManager runs nothing on
// such an interface, then delete whatever device of that name is left. One failed entry per device that
// could not be deleted (the apply did not reach the profile's state then).
std::vector<netconfig::ProfileActivation> NmPersistence::settle_deleted(NmClient& client, const netconfig::NetworkState& desired,
                                   const netconfig::NetworkState& observed) {
    std::set<netconfig::IfName> deleted;
    for (const auto& wanted : desired.interfaces)
        if (wanted.state == netconfig::InterfaceState::absent && !observed.find(wanted.name))
            deleted.insert(wanted.name);
    std::vector<netconfig::ProfileActivation> left;
    if (deleted.empty()) return left;
    if (auto active = client.active_on(deleted)) {
        std::vector<std::string> uuids;
        for (const auto& activation : active.value()) uuids.push_back(activation.uuid);
        if (!uuids.empty()) client.deactivate(uuids, std::chrono::milliseconds(10000));
    }
    if (!m_links) return left;
    for (const auto& name : deleted)
        if (auto gone = m_links->delete_link(name); !gone)  // gone already: succeeds
            left.push_back({name, "", "", false, "NetworkManager created it again: " + gone.error().message});
    return left;
}

common::Result<netconfig::PersistResult> NmPersistence::restore(const netconfig::PersistResult& persisted_before) {
    netconfig::PersistResult result;
    std::vector<std::string> failures;
    std::vector<ProfileRef> wanted;
    const auto& files = persisted_before.files;
    for (auto it = files.rbegin(); it != files.rend(); ++it) {
        auto change = m_files.restore({it->path, action_of(it->action), it->backup});
        if (!change) {
            failures.push_back(change.error().message);
            continue;
        }
        result.files.push_back(persisted(change.value(), it->interface));
    }
    // Our profiles that came back from their backups were the ones in effect before: activate them again
    // (controllers first, as persist wrote them), unless they were written for an interface that is down.
    for (const auto& file : files) {
        if (file.action != PersistedFile::Action::replaced && file.action != PersistedFile::Action::removed) continue;
        if (file.interface.empty()) continue;
        std::ifstream in(m_files.resolve(file.path));
        std::stringstream text;
        text << in.rdbuf();
        if (!in || text.str().find("\nautoconnect=false\n") != std::string::npos) continue;
        wanted.push_back({file.interface, netconfig::nm_profile_id(file.interface),
                          netconfig::nm_profile_uuid(file.interface), "", false});
    }
    for (const auto& displaced : persisted_before.network_manager.displaced)
        wanted.push_back({displaced.interface, displaced.profile, displaced.uuid, "", false});

    auto& nm = result.network_manager;
    if (auto client = client_if_askable(); !client) {
        nm.reason = client.error().message;
    } else {
        nm.asked = true;
        if (auto reloaded = client.value()->reload(m_options.reload_timeout); !reloaded) {
            for (const auto& profile : wanted)
                nm.activations.push_back({profile.interface, profile.id, profile.uuid, false, reloaded.error().message});
        } else {
            nm.activations = client.value()->activate(wanted, m_options.activation_timeout);
        }
    }
    if (!failures.empty()) return common::make_error("restoring the network's files: " + joined(failures));
    return result;
}

}  // namespace host::networkmanager
