// nm-persist-helper: runs NmPersistence inside a test guest, where NetworkManager is on the system bus.
//   nm-persist-helper persist PROFILE RESULT [TIMEOUT_S]   observe the host over netlink, persist the profile's
//                                                          network section, save what was done to RESULT (JSON)
//   nm-persist-helper restore RESULT [TIMEOUT_S]           put back what RESULT says was done
//   nm-persist-helper keyfiles PROFILE                     print the keyfiles persist would write, and the
//                                                          observed MACs they were made from
// Prints the PersistResult as JSON. Exit 0: done and every profile activated (or NetworkManager not asked);
// 1: done, but some profile did not activate; 2: an error (printed on stderr).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "host/netlink/netlink_adapter.h"
#include "host/networkmanager/nm_persistence.h"
#include "netconfig/nm_keyfile.h"
#include "profile/profile.h"

namespace {

using nlohmann::json;
using netconfig::PersistedFile;

json to_json(const netconfig::ProfileActivation& activation) {
    return {{"interface", activation.interface.str()}, {"profile", activation.profile}, {"uuid", activation.uuid},
            {"activated", activation.activated}, {"detail", activation.detail}};
}

netconfig::ProfileActivation activation_from(const json& j) {
    netconfig::ProfileActivation activation;
    activation.interface = netconfig::IfName(j.at("interface").get<std::string>());
    activation.profile = j.at("profile");
    activation.uuid = j.at("uuid");
    activation.activated = j.at("activated");
    activation.detail = j.at("detail");
    return activation;
}

json to_json(const netconfig::PersistResult& result) {
    json files = json::array();
    for (const auto& file : result.files)
        files.push_back({{"path", file.path}, {"action", std::string(to_string(file.action))}, {"backup", file.backup},
                         {"interface", file.interface.str()}});
    json activations = json::array();
    for (const auto& activation : result.network_manager.activations) activations.push_back(to_json(activation));
    json displaced = json::array();
    for (const auto& activation : result.network_manager.displaced) displaced.push_back(to_json(activation));
    return {{"files", files},
            {"network_manager",
             {{"asked", result.network_manager.asked},
              {"reason", result.network_manager.reason},
              {"reloaded", result.network_manager.reloaded},
              {"activations", activations},
              {"displaced", displaced}}},
            {"ok", result.ok()}};
}

netconfig::PersistResult result_from(const json& j) {
    netconfig::PersistResult result;
    for (const auto& file : j.at("files")) {
        PersistedFile entry;
        entry.path = file.at("path");
        const std::string action = file.at("action");
        for (auto candidate : {PersistedFile::Action::unchanged, PersistedFile::Action::created,
                               PersistedFile::Action::replaced, PersistedFile::Action::removed})
            if (to_string(candidate) == action) entry.action = candidate;
        entry.backup = file.at("backup");
        entry.interface = netconfig::IfName(file.at("interface").get<std::string>());
        result.files.push_back(entry);
    }
    const auto& nm = j.at("network_manager");
    result.network_manager.asked = nm.at("asked");
    result.network_manager.reason = nm.at("reason");
    for (const auto& activation : nm.at("activations"))
        result.network_manager.activations.push_back(activation_from(activation));
    for (const auto& activation : nm.at("displaced"))
        result.network_manager.displaced.push_back(activation_from(activation));
    return result;
}

int finish(const common::Result<netconfig::PersistResult>& result, const std::string& save_to) {
    if (!result) {
        std::cerr << result.error().message << "\n";
        return 2;
    }
    const auto text = to_json(result.value()).dump(2);
    if (!save_to.empty()) std::ofstream(save_to) << text << "\n";
    std::cout << text << "\n";
    return result->ok() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    host::networkmanager::NmPersistenceOptions options;
    options.call_timeout = std::chrono::seconds(10);  // a TCG guest answers slowly
    if ((args.size() >= 3 && args[0] == "persist") || (args.size() == 2 && args[0] == "keyfiles")) {
        if (args.size() > 3) options.activation_timeout = std::chrono::seconds(std::stoi(args[3]));
        auto profile = profile::load_profile(args[1]);
        if (!profile || !profile->network) {
            std::cerr << (profile ? "the profile has no network section" : profile.error().message) << "\n";
            return 2;
        }
        auto adapter = host::netlink::NetlinkAdapter::open();
        if (!adapter) {
            std::cerr << adapter.error().message << "\n";
            return 2;
        }
        auto observed = adapter.value()->observe();
        if (!observed) {
            std::cerr << observed.error().message << "\n";
            return 2;
        }
        if (args[0] == "keyfiles") {
            for (const auto& iface : observed->interfaces)
                std::cout << "# " << iface.name.str() << " mac " << (iface.mac_address ? iface.mac_address->to_string() : "-")
                          << " permanent " << (iface.permanent_mac_address ? iface.permanent_mac_address->to_string() : "-")
                          << " controller " << (iface.controller ? iface.controller->str() : "-") << "\n";
            auto set = netconfig::nm_keyfiles(profile->network->desired, observed.value());
            if (!set) {
                std::cerr << set.error().message << "\n";
                return 2;
            }
            for (const auto& file : set->files) std::cout << "## " << file.file_name << "\n" << file.content;
            return 0;
        }
        // The netlink adapter releases a port NetworkManager holds with a profile of its own.
        host::networkmanager::NmPersistence persistence(options, adapter.value().get());
        return finish(persistence.persist(profile->network->desired, observed.value()), args[2]);
    }
    if (args.size() >= 2 && args[0] == "restore") {
        if (args.size() > 2) options.activation_timeout = std::chrono::seconds(std::stoi(args[2]));
        std::ifstream in(args[1]);
        std::stringstream text;
        text << in.rdbuf();
        host::networkmanager::NmPersistence persistence(options);
        return finish(persistence.restore(result_from(json::parse(text.str()))), "");
    }
    std::cerr << "usage: nm-persist-helper persist PROFILE RESULT [TIMEOUT_S] | restore RESULT [TIMEOUT_S]\n";
    return 2;
}
