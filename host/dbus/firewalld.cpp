#include "host/dbus/firewalld.h"

#include "host/dbus/system_bus.h"

namespace host::dbus {
namespace {
constexpr const char* k_firewalld = "org.fedoraproject.FirewallD1";
constexpr const char* k_path = "/org/fedoraproject/FirewallD1";
}  // namespace

checks::Fact<checks::FirewallFacts> Firewalld::status() {
    auto bus = open_system_bus();
    if (!bus) return checks::Unavailable{bus.error().message};
    checks::FirewallFacts facts;
    try {
        // Asking firewalld directly would D-Bus-activate it: a read-only check must not start it.
        if (!name_has_owner(*bus.value(), k_firewalld, m_timeout)) {
            facts.error = std::string(k_firewalld) + " has no owner on the system bus";
            return facts;
        }
        facts.on_bus = true;
        auto proxy = sdbus::createProxy(*bus.value(), k_firewalld, k_path);
        facts.state = get_string_property(*proxy, k_firewalld, "state", m_timeout);
        proxy->callMethod("getDefaultZone")
            .onInterface(k_firewalld)
            .withTimeout(m_timeout)
            .storeResultsTo(facts.default_zone);
    } catch (const sdbus::Error& e) {
        facts.error = e.getName() + ": " + e.getMessage();
        if (facts.state.empty()) facts.state = "UNKNOWN";
    }
    return facts;
}

}  // namespace host::dbus
