#pragma once
// The libvirt section as pure logic: which daemon mode `auto` means on this distribution, which systemd units
// to stop, disable, enable and start, what becomes of libvirt's NAT network `default`, and converging all of it
// through two small interfaces (DaemonControl, NetworkControl) that host/ implements over systemd's D-Bus API
// and the libvirt C API. No system header here: the logic is tested with fakes.
#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "checks/host_facts.h"
#include "checks/parsers/os_release.h"
#include "common/result.h"
#include "profile/host_sections.h"

namespace provision {

enum class DaemonMode { modular, monolithic };
std::string_view to_string(DaemonMode mode);  // "modular daemons", "libvirtd"

// `auto`: modular where the distribution defaults to it (RHEL, CentOS, Rocky, AlmaLinux 9 and later, Fedora 35
// and later), libvirtd elsewhere and when os-release is unknown (`os` null).
DaemonMode resolve_daemon_mode(profile::LibvirtSection::Daemons wanted, const checks::OsRelease* os);

// The units a mode runs, each daemon's sockets before its service (a socket listens before what it activates).
std::vector<std::string> daemon_units(DaemonMode mode);
// The units of the other mode that must not run beside `mode`: the modular daemons' services say
// Conflicts=libvirtd.service, and virtproxyd.socket and libvirtd.socket listen on the same path. Services last.
std::vector<std::string> conflicting_units(DaemonMode mode);

// Units as systemd reports them, by name; a unit that is not in the map is not installed.
using UnitStates = std::map<std::string, checks::UnitState>;

struct DaemonPlan {
    DaemonMode mode = DaemonMode::monolithic;
    std::vector<std::string> stop;      // conflicting units that run: sockets first, so nothing re-activates
    std::vector<std::string> disable;   // conflicting units enabled at boot
    std::vector<std::string> enable;    // this mode's units not enabled at boot
    std::vector<std::string> start;     // this mode's units not running, in daemon_units() order
    std::vector<std::string> problems;  // why the mode cannot be had: units missing or masked
    bool empty() const { return stop.empty() && disable.empty() && enable.empty() && start.empty(); }
};

// A service that is inactive while its socket listens counts as running: socket activation starts it on the
// first connection (the daemons exit after 120 s idle), so a second apply does not start it again.
DaemonPlan plan_daemons(DaemonMode mode, const UnitStates& observed);
std::vector<std::string> describe(const DaemonPlan& plan);  // one line per kind of change

enum class NetworkAction { destroy, disable_autostart, undefine };
inline constexpr const char* k_default_network = "default";

// `absent`: destroy it if active, turn autostart off, undefine it. `keep`: nothing.
std::vector<NetworkAction> plan_default_network(profile::LibvirtSection::DefaultNetwork wanted,
                                                const checks::LibvirtObject& observed);
std::string describe(NetworkAction action, std::string_view network);       // "stop libvirt network default"
std::string describe_done(NetworkAction action, std::string_view network);  // "stopped libvirt network default"

// systemd, shaped around what the libvirt step asks. Errors name the operation and the unit.
class DaemonControl {
public:
    virtual ~DaemonControl() = default;
    // The state of each of `units` (loaded if need be; a unit that does not exist is left out of the map), and
    // of those of `if_loaded` that systemd holds in memory: an enabled or running unit always is, so one that is
    // not needs nothing stopped or disabled, and asking for it would only load it.
    virtual common::Result<UnitStates> observe(const std::vector<std::string>& units,
                                               const std::vector<std::string>& if_loaded) = 0;
    // EnableUnitFiles (persistent, not forced) then Reload.
    virtual common::Result<std::monostate> enable(const std::vector<std::string>& units) = 0;
    // DisableUnitFiles (persistent) then Reload.
    virtual common::Result<std::monostate> disable(const std::vector<std::string>& units) = 0;
    // StartUnit/StopUnit (mode "replace"), waiting for the job's JobRemoved: "done" is success, any other
    // result an error naming the unit and the result.
    virtual common::Result<std::monostate> start(const std::string& unit) = 0;
    virtual common::Result<std::monostate> stop(const std::string& unit) = 0;
};

// libvirt's networks over a read-write connection to the system QEMU driver.
class NetworkControl {
public:
    virtual ~NetworkControl() = default;
    virtual common::Result<checks::LibvirtObject> observe(const std::string& network) = 0;
    virtual common::Result<std::monostate> apply(const std::string& network, NetworkAction action) = 0;
};

// What converging the section did, one line each (the step maps it to its StepOutcome).
struct LibvirtConvergence {
    std::vector<std::string> changed;
    std::vector<std::string> failures;
    std::vector<std::string> notes;
};

// What apply would do: observed units (or why they could not be read) and, for `absent`, the network.
struct LibvirtObservation {
    common::Result<UnitStates> units = common::make_error("not observed");
    common::Result<checks::LibvirtObject> default_network = common::make_error("not observed");
};
// Plan lines and notes for `kvm-agent plan`. A network that cannot be asked yet (the daemon does not run)
// is planned as "remove it if it is there".
struct LibvirtPlanLines {
    std::vector<std::string> changes;
    std::vector<std::string> notes;
    std::string error;  // systemd could not be asked
};
LibvirtPlanLines plan_libvirt(const profile::LibvirtSection& section, DaemonMode mode,
                              const LibvirtObservation& observed);

// Observes, stops what conflicts, enables, starts, then verifies with a second observation; then, for
// `absent`, removes the network and verifies it is gone. Stops at the first failure.
LibvirtConvergence converge_libvirt(const profile::LibvirtSection& section, DaemonMode mode, DaemonControl& units,
                                    NetworkControl& networks);

}  // namespace provision
