#include "provision/firewall_plan.h"

#include <algorithm>

#include "common/text.h"

namespace provision {
namespace {

constexpr FirewallScope k_configs[] = {FirewallScope::runtime, FirewallScope::permanent};

const ConfigObservation& config_of(const FirewallObservation& observed, FirewallScope scope) {
    return scope == FirewallScope::runtime ? observed.runtime : observed.permanent;
}

std::string scope_name(FirewallScope scope) {
    return scope == FirewallScope::runtime ? "runtime" : scope == FirewallScope::permanent ? "permanent" : "";
}

std::string action_text(const FirewallChange& change) {
    switch (change.kind) {
    case FirewallItem::interface:
        return "put " + change.item + " in zone " + change.zone +
               (change.previous.empty() ? "" : " (now in " + change.previous + ")");
    case FirewallItem::masquerade:
        return std::string("turn masquerade ") + (change.add ? "on" : "off") + " in zone " + change.zone;
    case FirewallItem::service: return "allow service " + change.item + " in zone " + change.zone;
    case FirewallItem::port: return "open port " + change.item + " in zone " + change.zone;
    }
    return "";
}

bool same_but_scope(const FirewallChange& runtime, const FirewallChange& permanent) {
    return runtime.scope == FirewallScope::runtime && permanent.scope == FirewallScope::permanent &&
           runtime.kind == permanent.kind && runtime.zone == permanent.zone && runtime.item == permanent.item &&
           runtime.add == permanent.add && runtime.previous == permanent.previous;
}

}  // namespace

std::pair<std::string, std::string> split_port(const std::string& port) {
    const auto slash = port.find('/');
    if (slash == std::string::npos) return {port, ""};
    return {port.substr(0, slash), port.substr(slash + 1)};
}

std::vector<std::string> section_interfaces(const profile::FirewallSection& section) {
    std::vector<std::string> interfaces;
    for (const auto& zone : section.zones)
        for (const auto& name : zone.interfaces)
            if (std::find(interfaces.begin(), interfaces.end(), name) == interfaces.end()) interfaces.push_back(name);
    return interfaces;
}

FirewallPlan plan_firewall(const profile::FirewallSection& section, const FirewallObservation& observed) {
    FirewallPlan plan;
    std::map<std::string, std::string> claimed;  // interface → the first zone that lists it
    for (const auto& zone : section.zones)
        for (const auto& name : zone.interfaces) {
            const auto [first, inserted] = claimed.emplace(name, zone.name);
            if (!inserted && first->second != zone.name)
                plan.problems.push_back("interface " + name + " is listed in zones " + first->second + " and " +
                                        zone.name + ": an interface is in one zone");
        }
    if (!plan.problems.empty()) return plan;

    for (const auto& zone : section.zones) {
        bool exists = true;
        for (const auto scope : k_configs) {
            const auto& zones = config_of(observed, scope).zones;
            const auto found = zones.find(zone.name);
            if (found == zones.end() || !found->second.exists) {
                plan.problems.push_back("firewalld's " + scope_name(scope) + " configuration has no zone " + zone.name);
                exists = false;
            }
        }
        if (!exists) continue;

        const auto change = [&](FirewallScope scope, FirewallItem kind, std::string item) {
            FirewallChange c;
            c.scope = scope;
            c.kind = kind;
            c.zone = zone.name;
            c.item = std::move(item);
            return c;
        };
        for (const auto& name : zone.interfaces) {
            for (const auto scope : k_configs) {
                const auto& zone_of = config_of(observed, scope).zone_of_interface;
                const auto found = zone_of.find(name);
                const std::string current = found == zone_of.end() ? "" : found->second;
                if (current == zone.name) continue;
                auto c = change(scope, FirewallItem::interface, name);
                c.previous = current;
                plan.changes.push_back(std::move(c));
            }
            const auto owner = observed.connections.by_interface.find(name);
            if (owner != observed.connections.by_interface.end() && owner->second.zone != zone.name) {
                auto c = change(FirewallScope::connection, FirewallItem::interface, name);
                c.previous = owner->second.zone;
                c.connection = owner->second;
                plan.changes.push_back(std::move(c));
            }
        }
        if (zone.masquerade)
            for (const auto scope : k_configs)
                if (config_of(observed, scope).zones.at(zone.name).masquerade != *zone.masquerade) {
                    auto c = change(scope, FirewallItem::masquerade, "");
                    c.add = *zone.masquerade;
                    plan.changes.push_back(std::move(c));
                }
        for (const auto& service : zone.services)
            for (const auto scope : k_configs)
                if (!config_of(observed, scope).zones.at(zone.name).services.count(service))
                    plan.changes.push_back(change(scope, FirewallItem::service, service));
        for (const auto& port : zone.ports)
            for (const auto scope : k_configs)
                if (!config_of(observed, scope).zones.at(zone.name).ports.count(port))
                    plan.changes.push_back(change(scope, FirewallItem::port, port));
    }
    return plan;
}

std::string describe(const FirewallChange& change) {
    if (change.scope == FirewallScope::connection)
        return "NetworkManager profile \"" + change.connection.id + "\" on " + change.item +
               ": set connection.zone to " + change.zone + " (now " +
               (change.previous.empty() ? std::string("the default zone") : change.previous) + ")";
    return "firewalld " + scope_name(change.scope) + ": " + action_text(change);
}

std::vector<std::string> describe(const std::vector<FirewallChange>& changes) {
    std::vector<std::string> lines;
    for (std::size_t i = 0; i < changes.size(); ++i) {
        if (i + 1 < changes.size() && same_but_scope(changes[i], changes[i + 1])) {
            lines.push_back("firewalld runtime and permanent: " + action_text(changes[i]));
            ++i;
            continue;
        }
        lines.push_back(describe(changes[i]));
    }
    return lines;
}

std::vector<std::vector<std::size_t>> batches(const std::vector<FirewallChange>& changes) {
    std::vector<std::vector<std::size_t>> result;
    std::map<std::pair<std::string, FirewallScope>, std::size_t> group_of;
    for (std::size_t i = 0; i < changes.size(); ++i) {
        if (changes[i].scope == FirewallScope::connection) {
            result.push_back({i});
            continue;
        }
        const auto [group, added] = group_of.emplace(std::pair{changes[i].zone, changes[i].scope}, result.size());
        if (added) result.emplace_back();
        result[group->second].push_back(i);
    }
    return result;
}

common::Result<FirewallObservation> observe_firewall(const profile::FirewallSection& section, FirewallControl& firewall,
                                                     ConnectionZones& connections) {
    auto observed = firewall.observe(section);
    if (!observed) return observed.error();
    const auto interfaces = section_interfaces(section);
    if (interfaces.empty()) return observed;
    auto owners = connections.owners(interfaces);
    if (!owners)
        return common::make_error("asking NetworkManager which profiles own " + common::join(interfaces, ", ") + ": " +
                                  owners.error().message);
    FirewallObservation result = std::move(observed).value();
    result.connections = std::move(owners).value();
    return result;
}

FirewallConvergence converge_firewall(const profile::FirewallSection& section, FirewallControl& firewall,
                                      ConnectionZones& connections) {
    FirewallConvergence result;
    const auto observed = observe_firewall(section, firewall, connections);
    if (!observed) {
        result.failures.push_back(observed.error().message);
        return result;
    }
    if (!observed->connections.not_asked.empty())
        result.notes.push_back("NetworkManager was not asked (" + observed->connections.not_asked +
                               "): zones are set in firewalld only");
    const auto plan = plan_firewall(section, observed.value());
    if (!plan.problems.empty()) {
        result.failures = plan.problems;
        result.failed_on_input = true;
        return result;
    }
    // What was made, in the plan's order, so a runtime and permanent change still read as one line.
    std::vector<bool> made(plan.changes.size(), false);
    const auto made_changes = [&] {
        std::vector<FirewallChange> changes;
        for (std::size_t i = 0; i < plan.changes.size(); ++i)
            if (made[i]) changes.push_back(plan.changes[i]);
        return changes;
    };
    for (const auto& batch : batches(plan.changes)) {
        std::vector<FirewallChange> changes;
        for (const auto i : batch) changes.push_back(plan.changes[i]);
        const auto done = changes.front().scope == FirewallScope::connection
                              ? connections.set_zone(changes.front().connection, changes.front().zone)
                              : firewall.apply(changes);
        if (!done) {
            result.changed = describe(made_changes());
            result.failures.push_back(done.error().message);
            return result;
        }
        for (const auto i : batch) made[i] = true;
    }
    result.changed = describe(made_changes());
    if (plan.changes.empty()) return result;

    const auto again = observe_firewall(section, firewall, connections);
    if (!again) {
        result.failures.push_back("verifying the firewall: " + again.error().message);
        return result;
    }
    const auto left = plan_firewall(section, again.value());
    if (!left.changes.empty() || !left.problems.empty()) {
        auto lines = describe(left.changes);
        lines.insert(lines.end(), left.problems.begin(), left.problems.end());
        result.failures.push_back("after apply, still different: " + common::join(lines, "; "));
    }
    return result;
}

}  // namespace provision
