#include "host/dbus/transient_timer.h"

#include <sdbus-c++/sdbus-c++.h>

#include <cstdint>

#include "host/dbus/system_bus.h"
#include "host/dbus/systemd_names.h"

namespace host::dbus {
namespace {

using Property = sdbus::Struct<std::string, sdbus::Variant>;
using AuxUnit = sdbus::Struct<std::string, std::vector<Property>>;
using MonotonicTimer = sdbus::Struct<std::string, std::uint64_t>;            // base, microseconds
using ExecCommand = sdbus::Struct<std::string, std::vector<std::string>, bool>;  // path, argv, ignore failure

}  // namespace

common::Result<std::monostate> start_transient_timer(const TransientTimer& timer, std::chrono::milliseconds call_timeout) {
    if (timer.argv.empty() || timer.argv.front().empty() || timer.argv.front().front() != '/')
        return common::make_error("a transient timer needs a command with an absolute path");
    auto bus = open_system_bus();
    if (!bus) return bus.error();
    try {
        if (!name_has_owner(*bus.value(), k_systemd, call_timeout))
            return common::make_error("systemd is not on the system bus (not booted with systemd)");
        auto manager = sdbus::createProxy(*bus.value(), k_systemd, k_manager_path);
        const auto usec = static_cast<std::uint64_t>(timer.after.count()) * 1000000u;
        std::vector<Property> timer_properties{
            {"Description", sdbus::Variant(timer.description)},
            // The write side names the base as a unit file does ("OnActiveSec"); only the read side says "OnActiveUSec".
            {"TimersMonotonic", sdbus::Variant(std::vector<MonotonicTimer>{{"OnActiveSec", usec}})},
            {"AccuracyUSec", sdbus::Variant(std::uint64_t{1000000})},
            {"RemainAfterElapse", sdbus::Variant(false)}};
        std::vector<Property> service_properties{
            {"Description", sdbus::Variant(timer.description)},
            {"Type", sdbus::Variant(std::string("oneshot"))},
            {"ExecStart", sdbus::Variant(std::vector<ExecCommand>{{timer.argv.front(), timer.argv, false}})}};
        std::vector<AuxUnit> aux{{timer.name + ".service", service_properties}};
        sdbus::ObjectPath job;
        manager->callMethod("StartTransientUnit")
            .onInterface(k_manager_interface)
            .withTimeout(call_timeout)
            .withArguments(timer.name + ".timer", std::string("fail"), timer_properties, aux)
            .storeResultsTo(job);
    } catch (const sdbus::Error& e) {
        return common::make_error("asking systemd for " + timer.name + ".timer: " + e.getName() + ": " + e.getMessage());
    }
    return std::monostate{};
}

}  // namespace host::dbus
