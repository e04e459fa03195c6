#include "agent/network_apply.h"

#include <algorithm>
#include <thread>

#include "netconfig/apply.h"
#include "netconfig/nmstate_meaning.h"
#include "netconfig/dynamic_addressing.h"

namespace agent {

namespace {

std::set<netconfig::IfName> names_of(const netconfig::NetworkState& state) {
    std::set<netconfig::IfName> names;
    for (const auto& interface : state.interfaces) names.insert(interface.name);
    return names;
}

}  // namespace

std::string_view to_string(NetworkOutcome outcome) {
    switch (outcome) {
        case NetworkOutcome::in_sync: return "in-sync";
        case NetworkOutcome::applied: return "applied";
        case NetworkOutcome::rolled_back: return "rolled-back";
        case NetworkOutcome::rollback_failed: return "rollback-failed";
    }
    return "?";
}

common::Result<NetworkPlan> plan_network(const profile::HostProfile& profile, netconfig::NetworkObserver& observer,
                                         netconfig::NetworkPersistence* persistence) {
    if (!profile.network) return NetworkPlan{};
    auto observed = observer.observe();
    if (!observed) return common::make_error("observing the network: " + observed.error().message);
    // Ports, VLAN bases and route devices outside the profile must exist on this host.
    if (auto problem = profile::check_against(profile, names_of(*observed))) return *problem;
    // nmstate's readings of what the profile leaves unsaid: a bridge over a DHCP uplink stays on DHCP, a switch
    // from DHCP to static without addresses keeps the leased ones.
    auto desired = netconfig::with_dynamic_kept_static(
        netconfig::with_inherited_addressing(profile.network->desired, *observed), *observed);
    // The kernel's side of the profile as nmstate means it: defaults for what the apply creates, and a software
    // interface that is `down` deleted. The files are written from `desired` itself (a down interface keeps
    // its profile, not activated; NetworkManager has the same defaults) and the host the steps leave.
    auto kernel = netconfig::with_creation_defaults(netconfig::with_down_software_removed(desired, *observed),
                                                    *observed);
    auto steps = netconfig::plan(kernel, *observed);
    if (!steps) return common::make_error(profile.source + ": " + steps.error().message);
    NetworkPlan planned{std::move(observed).value(), std::move(desired), std::move(kernel), std::move(steps).value(),
                        {}};
    if (persistence) {
        // The files are written from the host as the steps leave it.
        auto expected = planned.observed;
        netconfig::simulate(expected, planned.plan.steps);
        auto files = persistence->pending(planned.desired, expected);
        if (!files) {
            // A file of the host that cannot be read is the host's failure (exit 1), not the profile's (exit 3).
            if (files.error().message.rfind(netconfig::k_observing_files, 0) == 0) return files.error();
            return common::make_error(profile.source + ": " + files.error().message);
        }
        planned.file_changes = std::move(files).value();
    }
    return planned;
}

std::vector<std::string> roll_back_network(const netconfig::NetworkState& before, NetworkAdapters adapters,
                                           netconfig::Plan* steps_taken) {
    auto now = adapters.observer.observe();
    if (!now) return {"observing the network for the rollback: " + now.error().message};
    const auto target = netconfig::rollback_target(before, *now);
    auto steps = netconfig::plan(target, *now);
    if (!steps) return {"planning the rollback: " + steps.error().message};
    if (steps_taken) *steps_taken = *steps;
    // Every step is tried: one that fails (an onlink route the kernel refuses, a device gone) does not keep
    // the others from restoring what they can. A second pass picks up what an earlier failure held back.
    auto failures = netconfig::apply_every(*steps, adapters.links);
    if (!failures.empty()) {
        if (auto later = adapters.observer.observe()) {
            auto retry = netconfig::plan(target, *later);
            if (retry && (retry->empty() || netconfig::apply_every(*retry, adapters.links).empty())) failures.clear();
        }
    }
    auto after = adapters.observer.observe();
    if (!after) {
        failures.push_back("observing the network after the rollback: " + after.error().message);
        return failures;
    }
    auto residual = netconfig::plan(target, *after);
    if (!residual) failures.push_back("after the rollback: " + residual.error().message);
    else
        for (const auto& step : residual->steps) failures.push_back("not restored: " + step.to_string());
    return failures;
}

std::vector<std::string> restore_persisted(netconfig::NetworkPersistence* persistence,
                                           const std::optional<netconfig::PersistResult>& persisted) {
    if (!persistence || !persisted) return {};
    auto restored = persistence->restore(*persisted);
    if (!restored) return {"restoring the configuration files: " + restored.error().message};
    return {};
}

namespace {

// Makes the verified state survive a reboot; the failures (a file that cannot be written, a profile the
// network service does not activate).
std::vector<std::string> persist(const netconfig::NetworkState& desired, NetworkAdapters adapters,
                                 const netconfig::NetworkState& observed, NetworkApplyReport& report) {
    if (!adapters.persistence) return {};
    auto persisted = adapters.persistence->persist(desired, observed);
    if (!persisted) return {"persisting: " + persisted.error().message};
    report.persisted = std::move(persisted).value();
    std::vector<std::string> failures;
    for (const auto& activation : report.persisted->network_manager.activations)
        if (!activation.activated)
            failures.push_back("NetworkManager did not activate " + activation.profile + " on " +
                               activation.interface.str() + (activation.detail.empty() ? "" : ": " + activation.detail));
    return failures;
}

// Reads the network again every `interval` until `done` holds for it, `budget` has passed or `interrupted`
// gives a reason; the last state read.
template <typename Done>
common::Result<netconfig::NetworkState> observe_until(netconfig::NetworkObserver& observer, Done done,
                                                      std::chrono::milliseconds budget,
                                                      std::chrono::milliseconds interval,
                                                      const netconfig::Interruption& interrupted = {}) {
    const auto deadline = std::chrono::steady_clock::now() + budget;
    for (;;) {
        auto now = observer.observe();
        if (!now || done(*now) || std::chrono::steady_clock::now() >= deadline) return now;
        if (interrupted && interrupted()) return now;
        std::this_thread::sleep_for(interval);
    }
}

// Every lease and autoconf address of `leases` is on its interface again.
bool leases_back(const netconfig::Leases& leases, const netconfig::NetworkState& now) {
    for (const auto& [name, address] : leases) {
        const auto* iface = now.find(name);
        if (!iface) return false;
        const auto& addresses = address.ip.family == netconfig::IpFamily::v4 ? iface->ipv4.addresses
                                                                             : iface->ipv6.addresses;
        if (!addresses || std::find(addresses->begin(), addresses->end(), address) == addresses->end()) return false;
    }
    return true;
}

// The most the verification can take: each probe, each default gateway, up to the probe timeout.
std::chrono::seconds verification_bound(const netconfig::Verification& verification,
                                        const netconfig::NetworkState& after, std::chrono::milliseconds probe_timeout) {
    std::size_t waits = 0;
    for (const auto& probe : verification.probes)
        if (probe.kind != netconfig::Probe::Kind::gateway) ++waits;
    if (netconfig::probes_gateway(verification))
        for (const auto& route : after.routes)
            if (route.destination.is_default() && route.next_hop_address) ++waits;
    return std::chrono::ceil<std::chrono::seconds>(probe_timeout * static_cast<long>(std::max<std::size_t>(waits, 1)));
}

// Arms the guard for the change about to start; the refusal of one that exists but will not guard.
std::optional<common::Error> arm_guard(netconfig::RollbackGuard* guard, const netconfig::NetworkState& before,
                                       const NetworkApplyOptions& options, std::string& description, bool& armed_out) {
    if (!guard) {
        description = "nothing outside kvm-agent: the change is not persisted";
        return std::nullopt;
    }
    const auto window =
        std::max(std::chrono::ceil<std::chrono::seconds>(options.probe_timeout), options.activation_budget) +
        options.guard_margin;
    auto armed = guard->arm(window, netconfig::dynamic_addresses(before));
    if (!armed) return armed.error();
    armed_out = *armed;
    description = *armed ? "NetworkManager's checkpoint (it puts its devices back by itself if kvm-agent dies "
                           "during the change)"
                         : "nothing outside kvm-agent: " + guard->why_unguarded();
    return std::nullopt;
}

// Removes, once, the addresses the activation left on ports (netconfig::port_address_leftovers) and reads the
// network again. A removal that fails leaves a difference the verification then reports.
void remove_port_leftovers(const netconfig::NetworkState& kernel, NetworkAdapters adapters, NetworkApplyReport& report) {
    auto leftovers = netconfig::port_address_leftovers(kernel, report.after);
    if (leftovers.empty()) return;
    const auto ran = netconfig::apply(leftovers, adapters.links);
    leftovers.steps.resize(ran.completed);
    report.port_leftovers = std::move(leftovers);
    if (auto now = adapters.observer.observe()) report.after = std::move(now).value();
}

}  // namespace

common::Result<NetworkApplyReport> apply_network(const profile::HostProfile& profile, NetworkAdapters adapters,
                                                 const NetworkApplyOptions& options) {
    // A run killed during its change left that change, or part of it: undone first, as it would have been,
    // and its leases given the time to come back from the profiles the rollback activated.
    const auto recovered = adapters.guard ? adapters.guard->recover() : netconfig::Recovery{};
    if (!recovered.leases.empty())
        static_cast<void>(observe_until(
            adapters.observer,
            [&](const netconfig::NetworkState& now) { return leases_back(recovered.leases, now); },
            options.activation_budget, options.poll_interval, options.interrupted));
    auto planned = plan_network(profile, adapters.observer, adapters.persistence);
    if (!planned) return planned.error();
    const auto desired = std::move(planned->desired);
    const auto requests = netconfig::dynamic_requests(desired);
    NetworkApplyReport report;
    report.recovered = recovered.done;
    report.before = std::move(planned->observed);
    report.plan = std::move(planned->plan);
    // A change of addressing method (to DHCP, or from DHCP to static) may change no kernel state yet, only the
    // files: those are persisted and activated first, then verified, and rolled back like any other change.
    if (report.plan.empty() && planned->file_changes.empty()) {
        // The running state is right; the configuration that brings it back after a reboot may not be.
        report.after = report.before;
        report.failures = persist(desired, adapters, report.after, report);
        if (!report.failures.empty()) {
            report.rollback_failures = restore_persisted(adapters.persistence, report.persisted);
            report.outcome = report.rollback_failures.empty() ? NetworkOutcome::rolled_back : NetworkOutcome::rollback_failed;
        } else if (report.persisted && report.persisted->files_changed()) {
            report.outcome = NetworkOutcome::applied;
        }
        return report;
    }
    if (adapters.persistence) {
        if (auto can = adapters.persistence->check(desired, report.before); !can)
            return common::make_error(profile.source + ": " + can.error().message);
    }
    const auto& verification = profile.network->verify;
    std::optional<netconfig::GatewayBaseline> baseline;
    if (netconfig::probes_gateway(verification))
        baseline = netconfig::probe_gateways_before(report.before, adapters.prober, options.baseline_probe_timeout);

    bool guarded = false;
    if (auto refused = arm_guard(adapters.guard, report.before, options, report.guard, guarded))
        return common::make_error(std::string(k_guard_refused) + refused->message);
    const auto note_guard_problem = [&](const std::string& problem) {
        if (!problem.empty()) report.guard += "; " + problem;
    };
    const auto extend_guard = [&](std::chrono::seconds bound) {
        if (adapters.guard) note_guard_problem(adapters.guard->extend(bound + options.guard_margin));
    };
    // On both ways out below: the change is kept, or rolled back by this process.
    const auto release_guard = [&] {
        if (adapters.guard) note_guard_problem(adapters.guard->release());
    };
    const auto probe_bound = std::chrono::ceil<std::chrono::seconds>(options.probe_timeout);

    // A reason to stop (a SIGTERM, SIGINT or SIGHUP) once the change has begun: recorded as a failure, so the change
    // is rolled back below like one that failed its verification.
    const auto stopped_while = [&](const std::string& doing) {
        if (!options.interrupted || !report.failures.empty()) return false;
        auto why = options.interrupted();
        if (why) report.failures.push_back(*why + " " + doing);
        return why.has_value();
    };

    const auto ran = netconfig::apply(report.plan, adapters.links, options.interrupted);
    report.completed = ran.completed;
    if (!ran.ok())
        report.failures.push_back("step \"" + report.plan.steps[ran.completed].to_string() + "\": " + ran.error->message);

    // Addresses from DHCP or autoconf only come once the network service runs our profile, and a change only the
    // files carry only shows once they are active: they are persisted and activated now, and verification
    // waits for the lease and its routes.
    const bool dynamic = adapters.persistence && (!requests.empty() || report.plan.empty());
    if (ran.ok() && dynamic && !stopped_while("before NetworkManager was asked to activate the profiles")) {
        if (auto links_now = adapters.observer.observe(); !links_now)
            report.failures.push_back("observing the network after the change: " + links_now.error().message);
        else
            report.failures = persist(desired, adapters, *links_now, report);
    }
    if (report.failures.empty() && dynamic) extend_guard(probe_bound);
    auto after = report.failures.empty() && dynamic
                     ? observe_until(
                           adapters.observer,
                           [&](const netconfig::NetworkState& now) {
                               return netconfig::missing_dynamic_addressing(requests, desired, report.before, now)
                                   .empty();
                           },
                           options.probe_timeout, options.poll_interval, options.interrupted)
                     : adapters.observer.observe();
    if (!after) {
        report.failures.push_back("observing the network after the change: " + after.error().message);
    } else if (ran.ok()) {
        report.after = *after;
        if (report.failures.empty() && !stopped_while("before the change was verified")) {
            remove_port_leftovers(planned->kernel, adapters, report);
            extend_guard(verification_bound(verification, report.after, options.probe_timeout));
            report.verification = netconfig::verify(planned->kernel, verification, report.before, report.after,
                                                    adapters.prober, options.probe_timeout,
                                                    baseline ? &*baseline : nullptr);
            report.failures = report.verification.failures;
            // A probe cut short by the signal fails too ("no answer"): the signal is the reason, and comes first.
            if (options.interrupted)
                if (auto why = options.interrupted(); why && !report.failures.empty())
                    report.failures.insert(report.failures.begin(), *why + " while the change was verified");
            stopped_while("while the change was verified");
        }
    }
    if (report.failures.empty() && !report.persisted && !stopped_while("before the change was persisted")) {
        if (adapters.persistence) extend_guard(options.activation_budget);
        report.failures = persist(desired, adapters, report.after, report);
    }
    if (report.failures.empty()) {
        report.outcome = NetworkOutcome::applied;
        if (options.keep_guard.count() > 0 && guarded) {
            extend_guard(options.keep_guard);
            report.guard += ", kept until the change is committed or its window closes";
        } else {
            release_guard();
        }
        return report;
    }

    // The rollback's own bound: the files, the leases coming back, the kernel steps.
    extend_guard(options.activation_budget + probe_bound);
    // Files first: once our profiles are gone NetworkManager takes their devices down, which would undo a
    // kernel rollback made before it.
    report.rollback_failures = restore_persisted(adapters.persistence, report.persisted);
    // The host's own profiles are active again: their leases come back from the network service, with the
    // flags and lifetimes it gives them, and the kernel rollback then has only what they did not bring back.
    if (report.persisted && report.persisted->network_manager.asked)
        static_cast<void>(observe_until(
            adapters.observer,
            [&, leases = netconfig::dynamic_addresses(report.before)](const netconfig::NetworkState& now) {
                return leases_back(leases, now);
            },
            options.probe_timeout, options.poll_interval));
    const auto link_failures = roll_back_network(report.before, adapters, &report.rollback);
    report.rollback_failures.insert(report.rollback_failures.end(), link_failures.begin(), link_failures.end());
    report.outcome = report.rollback_failures.empty() ? NetworkOutcome::rolled_back : NetworkOutcome::rollback_failed;
    if (auto restored = adapters.observer.observe()) report.after = *restored;
    release_guard();
    return report;
}

}  // namespace agent
