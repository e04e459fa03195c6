// firewall.zones: each zone of the profile as firewalld has it now (runtime) and as it loads it at start
// (permanent): its interfaces, masquerade, services and ports, in both alike. What an interface's
// NetworkManager profile says (connection.zone) counts too: NetworkManager hands that zone to firewalld
// whenever it brings the interface up, so it wins over firewalld's permanent configuration at boot.
#include <algorithm>

#include "checks/judges.h"
#include "common/text.h"

namespace checks {
namespace {

// The NetworkManager/ifcfg definition that sets a zone for `interface` at boot, if any sets one.
const NetworkDefinition* zone_owner(const Fact<NetworkDefinitions>& definitions, const std::string& interface) {
    if (!definitions.has_value()) return nullptr;
    const NetworkDefinition* owner = nullptr;
    for (const auto& definition : definitions->definitions)
        if (definition.interface == interface && definition.autoconnect && definition.source != "libvirt" &&
            (!owner || definition.autoconnect_priority > owner->autoconnect_priority))
            owner = &definition;
    return owner;
}

std::string where(const std::string& zone, const std::string& default_zone) {
    return zone.empty() ? "in no zone (so the default zone " + default_zone + ")" : "in zone " + zone;
}

struct ZoneVerdict {
    std::vector<std::string> problems;
    std::vector<std::string> commands;  // firewall-cmd lines that fix them
};

// An item (service, port, masquerade) that must be in both configurations.
void need_both(bool runtime, bool permanent, const std::string& what, const std::string& zone,
               const std::string& add_option, ZoneVerdict& verdict) {
    if (runtime && permanent) return;
    if (!runtime && !permanent) verdict.problems.push_back(what + " missing in zone " + zone);
    else verdict.problems.push_back(what + " in zone " + zone + (runtime ? " at runtime only" : " in the permanent configuration only"));
    if (!runtime) verdict.commands.push_back("firewall-cmd --zone=" + zone + " " + add_option);
    if (!permanent) verdict.commands.push_back("firewall-cmd --permanent --zone=" + zone + " " + add_option);
}

void judge_zone(const HostFacts& facts, const FirewallFacts& firewall, const ExpectedZone& expected,
                const FirewallZoneFacts& zone, ZoneVerdict& verdict) {
    const std::string& name = expected.name;
    if (!zone.runtime.exists && !zone.permanent.exists) {
        verdict.problems.push_back("zone " + name + " does not exist");
        verdict.commands.push_back("firewall-cmd --permanent --new-zone=" + name + " && firewall-cmd --reload");
        return;
    }
    if (!zone.runtime.exists) {
        verdict.problems.push_back("zone " + name + " is in the permanent configuration only (not loaded)");
        verdict.commands.push_back("firewall-cmd --reload");
        return;
    }
    if (!zone.permanent.exists) {
        verdict.problems.push_back("zone " + name + " exists at runtime only: gone when firewalld restarts");
        verdict.commands.push_back("firewall-cmd --runtime-to-permanent");
        return;
    }
    const auto& definitions = facts.network_definitions();
    for (const auto& interface : expected.interfaces) {
        const bool runtime = zone.runtime.interfaces.count(interface) > 0;
        const NetworkDefinition* owner = zone_owner(definitions, interface);
        // At boot: the NetworkManager profile's zone when it names one, else firewalld's permanent binding.
        const bool permanent = owner && !owner->zone.empty() ? owner->zone == name
                                                             : zone.permanent.interfaces.count(interface) > 0;
        if (runtime && permanent) continue;
        const auto& elsewhere = facts.firewall_interface_zone(interface);
        if (!runtime) {
            verdict.problems.push_back(interface + " is " +
                                       (elsewhere.has_value() ? where(elsewhere->runtime, firewall.default_zone)
                                                              : std::string("not in zone " + name)) +
                                       " at runtime, not in " + name);
            verdict.commands.push_back("firewall-cmd --zone=" + name + " --change-interface=" + interface);
        }
        if (!permanent) {
            if (owner && !owner->zone.empty()) {
                verdict.problems.push_back(interface + "'s NetworkManager profile " + owner->path + " puts it in zone " +
                                           owner->zone + " when it comes up, not in " + name);
                verdict.commands.push_back("nmcli connection modify " +
                                           (owner->id.empty() ? owner->path : "'" + owner->id + "'") +
                                           " connection.zone " + name);
            } else {
                const std::string at_boot = elsewhere.has_value() ? where(elsewhere->permanent, firewall.default_zone)
                                                                  : std::string("not in zone " + name);
                verdict.problems.push_back(interface + " is " + at_boot + " in the permanent configuration" +
                                           (runtime ? " (in " + name + " at runtime only)" : ""));
                verdict.commands.push_back("firewall-cmd --permanent --zone=" + name + " --change-interface=" + interface);
            }
        }
    }
    if (expected.masquerade) {
        if (*expected.masquerade) {
            need_both(zone.runtime.masquerade, zone.permanent.masquerade, "masquerade", name, "--add-masquerade", verdict);
        } else if (zone.runtime.masquerade || zone.permanent.masquerade) {
            verdict.problems.push_back("masquerade is on in zone " + name + ", the profile turns it off");
            if (zone.runtime.masquerade) verdict.commands.push_back("firewall-cmd --zone=" + name + " --remove-masquerade");
            if (zone.permanent.masquerade)
                verdict.commands.push_back("firewall-cmd --permanent --zone=" + name + " --remove-masquerade");
        }
    }
    for (const auto& service : expected.services)
        need_both(zone.runtime.services.count(service) > 0, zone.permanent.services.count(service) > 0,
                  "service " + service, name, "--add-service=" + service, verdict);
    for (const auto& port : expected.ports)
        need_both(zone.runtime.ports.count(port) > 0, zone.permanent.ports.count(port) > 0, "port " + port, name,
                  "--add-port=" + port, verdict);
}

std::string summary(const ExpectedZone& zone) {
    std::vector<std::string> parts;
    if (!zone.interfaces.empty()) parts.push_back(common::join(zone.interfaces, ", "));
    if (zone.masquerade) parts.push_back(*zone.masquerade ? "masquerade" : "no masquerade");
    if (!zone.services.empty()) parts.push_back("services " + common::join(zone.services, " "));
    if (!zone.ports.empty()) parts.push_back("ports " + common::join(zone.ports, " "));
    return "zone " + zone.name + (parts.empty() ? "" : " (" + common::join(parts, "; ") + ")");
}

}  // namespace

Outcome judge_firewall_zones(const HostFacts& facts, const Expectations* expectations) {
    if (!expectations) return skip(k_no_profile);
    if (expectations->zones.empty()) return skip("the profile lists no firewall zones");
    const auto& fact = facts.firewall();
    if (!fact.has_value()) return missing_fact(fact);
    const FirewallFacts& firewall = fact.value();
    std::vector<std::string> names;
    for (const auto& zone : expectations->zones) names.push_back(zone.name);
    if (!firewall.on_bus || firewall.state != "RUNNING")
        return fail("firewalld is not running" + std::string(firewall.on_bus ? " (state " + firewall.state + ")" : "") +
                        ": the profile's zones " + common::join(names, ", ") + " are not in force",
                    "systemctl enable --now firewalld, then " + apply_fix(*expectations, "firewall"));

    ZoneVerdict verdict;
    std::vector<std::string> fine;
    for (const auto& expected : expectations->zones) {
        const auto& zone = facts.firewall_zone(expected.name);
        if (!zone.has_value()) return missing_fact(zone);
        const std::size_t before = verdict.problems.size();
        judge_zone(facts, firewall, expected, zone.value(), verdict);
        if (verdict.problems.size() == before) fine.push_back(summary(expected));
    }
    if (verdict.problems.empty()) return pass(common::join(fine, "; ") + ": runtime and permanent agree");
    return fail(common::join(verdict.problems, "; "),
                apply_fix(*expectations, "firewall") + ", or: " + common::join(verdict.commands, " && "));
}

}  // namespace checks
