#include "provision/libvirt_plan.h"

#include <algorithm>
#include <cstdlib>

#include "common/text.h"

namespace provision {
namespace {

constexpr const char* k_modular_daemons[] = {"virtqemud", "virtnetworkd", "virtstoraged"};
// Every modular daemon whose service conflicts with libvirtd.service (virtproxyd also takes libvirtd's socket
// path); virtlogd and virtlockd serve both modes and are left alone.
constexpr const char* k_all_modular_daemons[] = {"virtqemud",     "virtnetworkd", "virtstoraged", "virtnodedevd",
                                                 "virtsecretd",   "virtinterfaced", "virtnwfilterd", "virtproxyd",
                                                 "virtlxcd",      "virtxend",     "virtvboxd",    "virtchd"};
constexpr const char* k_daemon_sockets[] = {".socket", "-ro.socket", "-admin.socket"};
// Remote access sockets: enabled by admins on purpose, and listening on the same ports in both modes.
constexpr const char* k_remote_sockets[] = {"-tcp.socket", "-tls.socket"};

int major_version(const std::string& version_id) { return std::atoi(version_id.c_str()); }

bool has_word(const std::string& words, const std::string& word) {
    for (const auto& part : common::split_whitespace(words))
        if (part == word) return true;
    return false;
}

const checks::UnitState* installed(const UnitStates& observed, const std::string& unit) {
    const auto found = observed.find(unit);
    if (found == observed.end() || found->second.load_state == "not-found") return nullptr;
    return &found->second;
}

bool masked(const checks::UnitState& state) {
    return state.load_state == "masked" || state.unit_file_state == "masked" ||
           state.unit_file_state == "masked-runtime";
}

// Enabled for every boot. `enabled-runtime` lasts until the next reboot, so it is enabled again persistently.
bool enabled_at_boot(const checks::UnitState& state) {
    static const char* const k_enabled[] = {"enabled", "static", "indirect", "alias", "generated"};
    return std::find(std::begin(k_enabled), std::end(k_enabled), state.unit_file_state) != std::end(k_enabled);
}

bool active(const checks::UnitState* state) {
    return state && (state->active_state == "active" || state->active_state == "reloading");
}

bool running_or_starting(const checks::UnitState& state) {
    return active(&state) || state.active_state == "activating";
}

bool is_service(const std::string& unit) { return unit.ends_with(".service"); }

std::string daemon_of(const std::string& unit) { return unit.substr(0, unit.rfind('.')); }

bool needs_start(const UnitStates& observed, const std::string& unit, const checks::UnitState& state) {
    if (active(&state)) return false;
    if (!is_service(unit) || state.active_state == "failed") return true;
    // Socket activation starts the service on the first connection: a listening socket is enough.
    return !active(installed(observed, daemon_of(unit) + ".socket"));
}

}  // namespace

std::string_view to_string(DaemonMode mode) { return mode == DaemonMode::modular ? "modular daemons" : "libvirtd"; }

DaemonMode resolve_daemon_mode(profile::LibvirtSection::Daemons wanted, const checks::OsRelease* os) {
    using Daemons = profile::LibvirtSection::Daemons;
    if (wanted == Daemons::modular) return DaemonMode::modular;
    if (wanted == Daemons::monolithic || !os) return DaemonMode::monolithic;
    const int major = major_version(os->version_id);
    static const char* const k_rhel_family[] = {"rhel", "centos", "rocky", "almalinux"};
    const bool rhel_family = std::find(std::begin(k_rhel_family), std::end(k_rhel_family), os->id) !=
                                 std::end(k_rhel_family) ||
                             has_word(os->id_like, "rhel");  // rebuilds that say so: Oracle Linux, Circle, ...
    if (rhel_family && major >= 9) return DaemonMode::modular;
    if (os->id == "fedora" && major >= 35) return DaemonMode::modular;
    return DaemonMode::monolithic;
}

std::vector<std::string> daemon_units(DaemonMode mode) {
    std::vector<std::string> units;
    const auto add_daemon = [&](const std::string& daemon) {
        for (const char* socket : k_daemon_sockets) units.push_back(daemon + socket);
        units.push_back(daemon + ".service");
    };
    if (mode == DaemonMode::monolithic) add_daemon("libvirtd");
    else
        for (const char* daemon : k_modular_daemons) add_daemon(daemon);
    return units;
}

std::vector<std::string> conflicting_units(DaemonMode mode) {
    std::vector<std::string> sockets, services;
    const auto add_daemon = [&](const std::string& daemon, bool remote) {
        for (const char* socket : k_daemon_sockets) sockets.push_back(daemon + socket);
        if (remote)
            for (const char* socket : k_remote_sockets) sockets.push_back(daemon + socket);
        services.push_back(daemon + ".service");
    };
    if (mode == DaemonMode::modular) add_daemon("libvirtd", true);
    else
        for (const std::string daemon : k_all_modular_daemons) add_daemon(daemon, daemon == "virtproxyd");
    sockets.insert(sockets.end(), services.begin(), services.end());
    return sockets;
}

DaemonPlan plan_daemons(DaemonMode mode, const UnitStates& observed) {
    DaemonPlan plan;
    plan.mode = mode;
    for (const auto& unit : conflicting_units(mode)) {
        const auto* state = installed(observed, unit);
        if (!state) continue;
        if (running_or_starting(*state)) plan.stop.push_back(unit);
        if (state->unit_file_state == "enabled") plan.disable.push_back(unit);
    }
    for (const auto& unit : daemon_units(mode)) {
        const auto* state = installed(observed, unit);
        if (!state) {
            plan.problems.push_back(unit + " is not installed");
            continue;
        }
        if (masked(*state)) {
            plan.problems.push_back(unit + " is masked (systemctl unmask " + unit + " if it should run)");
            continue;
        }
        if (!enabled_at_boot(*state)) plan.enable.push_back(unit);
        if (needs_start(observed, unit, *state)) plan.start.push_back(unit);
    }
    return plan;
}

std::vector<std::string> describe(const DaemonPlan& plan) {
    std::vector<std::string> lines;
    const std::string other = plan.mode == DaemonMode::modular ? "libvirtd" : "the modular daemons";
    if (!plan.stop.empty())
        lines.push_back("stop " + common::join(plan.stop, ", ") + " (" + other + ", which conflict with " +
                        std::string(to_string(plan.mode)) + ")");
    if (!plan.disable.empty()) lines.push_back("disable " + common::join(plan.disable, ", ") + " at boot");
    if (!plan.enable.empty()) lines.push_back("enable " + common::join(plan.enable, ", ") + " at boot");
    if (!plan.start.empty()) lines.push_back("start " + common::join(plan.start, ", "));
    return lines;
}

std::vector<NetworkAction> plan_default_network(profile::LibvirtSection::DefaultNetwork wanted,
                                                const checks::LibvirtObject& observed) {
    std::vector<NetworkAction> actions;
    if (wanted == profile::LibvirtSection::DefaultNetwork::keep || !observed.defined) return actions;
    if (observed.active) actions.push_back(NetworkAction::destroy);
    if (observed.autostart) actions.push_back(NetworkAction::disable_autostart);
    actions.push_back(NetworkAction::undefine);
    return actions;
}

std::string describe(NetworkAction action, std::string_view network) {
    const std::string name(network);
    switch (action) {
    case NetworkAction::destroy: return "stop libvirt network " + name;
    case NetworkAction::disable_autostart: return "turn off autostart of libvirt network " + name;
    case NetworkAction::undefine: return "undefine libvirt network " + name;
    }
    return "";
}

std::string describe_done(NetworkAction action, std::string_view network) {
    const std::string name(network);
    switch (action) {
    case NetworkAction::destroy: return "stopped libvirt network " + name;
    case NetworkAction::disable_autostart: return "turned off autostart of libvirt network " + name;
    case NetworkAction::undefine: return "undefined libvirt network " + name;
    }
    return "";
}

LibvirtPlanLines plan_libvirt(const profile::LibvirtSection& section, DaemonMode mode,
                              const LibvirtObservation& observed) {
    LibvirtPlanLines lines;
    if (!observed.units) {
        lines.error = observed.units.error().message;
        return lines;
    }
    const auto daemons = plan_daemons(mode, observed.units.value());
    lines.changes = describe(daemons);
    for (const auto& problem : daemons.problems) lines.notes.push_back(problem + ": the packages section installs it");
    if (section.default_network == profile::LibvirtSection::DefaultNetwork::absent) {
        if (observed.default_network) {
            for (const auto action : plan_default_network(section.default_network, observed.default_network.value()))
                lines.changes.push_back(describe(action, k_default_network));
        } else {
            lines.changes.push_back(std::string("remove libvirt network ") + k_default_network +
                                    " if it is defined (libvirt cannot be asked now: " +
                                    observed.default_network.error().message + ")");
        }
    }
    return lines;
}

LibvirtConvergence converge_libvirt(const profile::LibvirtSection& section, DaemonMode mode, DaemonControl& units,
                                    NetworkControl& networks) {
    LibvirtConvergence result;
    const auto observed = units.observe(daemon_units(mode), conflicting_units(mode));
    if (!observed) {
        result.failures.push_back("reading libvirt's units from systemd: " + observed.error().message);
        return result;
    }
    const auto plan = plan_daemons(mode, observed.value());
    if (!plan.problems.empty()) {
        result.failures = plan.problems;
        return result;
    }
    const auto fail = [&](const common::Error& error) {
        result.failures.push_back(error.message);
        return result;
    };
    for (const auto& unit : plan.stop) {
        if (auto stopped = units.stop(unit); !stopped) return fail(stopped.error());
        result.changed.push_back("stopped " + unit);
    }
    if (!plan.disable.empty()) {
        if (auto disabled = units.disable(plan.disable); !disabled) return fail(disabled.error());
        result.changed.push_back("disabled " + common::join(plan.disable, ", ") + " at boot");
    }
    if (!plan.enable.empty()) {
        if (auto enabled = units.enable(plan.enable); !enabled) return fail(enabled.error());
        result.changed.push_back("enabled " + common::join(plan.enable, ", ") + " at boot");
    }
    for (const auto& unit : plan.start) {
        if (auto started = units.start(unit); !started) return fail(started.error());
        result.changed.push_back("started " + unit);
    }
    if (!plan.empty()) {
        const auto again = units.observe(daemon_units(mode), conflicting_units(mode));
        if (!again) return fail(common::make_error("verifying libvirt's units: " + again.error().message));
        const auto left = plan_daemons(mode, again.value());
        if (!left.empty() || !left.problems.empty()) {
            auto lines = describe(left);
            lines.insert(lines.end(), left.problems.begin(), left.problems.end());
            return fail(common::make_error("after apply, systemd still needs: " + common::join(lines, "; ")));
        }
    }

    if (section.default_network == profile::LibvirtSection::DefaultNetwork::keep) return result;
    const auto network = networks.observe(k_default_network);
    if (!network) return fail(network.error());
    const auto actions = plan_default_network(section.default_network, network.value());
    for (const auto action : actions) {
        if (auto done = networks.apply(k_default_network, action); !done) return fail(done.error());
        result.changed.push_back(describe_done(action, k_default_network));
    }
    if (!actions.empty()) {
        const auto after = networks.observe(k_default_network);
        if (!after) return fail(common::make_error("verifying libvirt network default: " + after.error().message));
        if (after->defined) return fail(common::make_error("libvirt network default is still defined after undefine"));
    }
    return result;
}

}  // namespace provision
