#pragma once
// The firewall section as pure logic: what firewalld's runtime and permanent configurations and NetworkManager's
// profiles must change so that each profile zone has its interfaces, masquerade, services and ports, and
// converging them through two small interfaces (FirewallControl over firewalld's D-Bus API, ConnectionZones over
// NetworkManager's) that host/ implements. Only what the profile names is observed, changed and verified.
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.h"
#include "profile/host_sections.h"

namespace provision {

// One zone as one of firewalld's configurations has it; only what the profile names is asked.
struct ZoneObservation {
    bool exists = false;
    bool masquerade = false;
    std::set<std::string> services;  // of the profile's services, those allowed
    std::set<std::string> ports;     // of the profile's ports ("5900-5999/tcp"), those open
};

// One of firewalld's two configurations: the running one and the one it loads at start.
struct ConfigObservation {
    std::map<std::string, ZoneObservation> zones;          // the profile's zones, by name
    std::map<std::string, std::string> zone_of_interface;  // the profile's interfaces: their zone, "" none
};

// A saved NetworkManager profile active on an interface: NetworkManager gives firewalld its connection.zone
// whenever it activates it, so that zone must agree with firewalld's.
struct ConnectionOwner {
    std::string id;    // the profile's connection.id
    std::string path;  // its settings object on the bus
    std::string zone;  // connection.zone; "" means firewalld's default zone
};

struct ConnectionOwners {
    std::map<std::string, ConnectionOwner> by_interface;  // interfaces NetworkManager owns
    std::string not_asked;  // why NetworkManager was not asked (not running); "" when it was
};

struct FirewallObservation {
    ConfigObservation runtime;
    ConfigObservation permanent;
    ConnectionOwners connections;
};

enum class FirewallScope { runtime, permanent, connection };
enum class FirewallItem { interface, masquerade, service, port };

struct FirewallChange {
    FirewallScope scope = FirewallScope::runtime;
    FirewallItem kind = FirewallItem::interface;
    std::string zone;
    std::string item;      // the interface, service or port ("5900-5999/tcp"); "" for masquerade
    bool add = true;       // false: turn masquerade off
    std::string previous;  // an interface's zone before ("" none); the profile's zone before, for a connection
    ConnectionOwner connection;  // FirewallScope::connection: the profile to update
    bool operator==(const FirewallChange&) const = default;
};

struct FirewallPlan {
    std::vector<FirewallChange> changes;  // zone by zone: interfaces, masquerade, services, ports
    std::vector<std::string> problems;    // zones firewalld does not have, an interface claimed by two zones
};

FirewallPlan plan_firewall(const profile::FirewallSection& section, const FirewallObservation& observed);

// "firewalld runtime: put nic1 in zone internal (now in public)"
std::string describe(const FirewallChange& change);
// One line per change, a runtime and permanent change that are the same said once ("firewalld runtime and
// permanent: ...").
std::vector<std::string> describe(const std::vector<FirewallChange>& changes);
// "5900-5999/tcp" → {"5900-5999", "tcp"} (the profile has checked the form)
std::pair<std::string, std::string> split_port(const std::string& port);

// firewalld over its D-Bus API. Errors name the operation, the zone and the item.
class FirewallControl {
public:
    virtual ~FirewallControl() = default;
    // The zones and interfaces the section names, in both configurations (connections left empty). An error
    // when firewalld does not run: it is asked whether it owns its bus name first, never activated.
    virtual common::Result<FirewallObservation> observe(const profile::FirewallSection& section) = 0;
    // The changes of one zone in one configuration (runtime or permanent), made together: one settings update
    // for the zone, each interface leaving its previous zone first. A failed batch may be made in part; the
    // next observation shows what is left.
    virtual common::Result<std::monostate> apply(const std::vector<FirewallChange>& batch) = 0;
};

// The plan's changes as batches, by position in `changes`: its firewalld changes grouped by zone and configuration,
// in the order the plan first names each group; a NetworkManager profile's change alone, where the plan has it
// (after its interface's firewalld moves).
std::vector<std::vector<std::size_t>> batches(const std::vector<FirewallChange>& changes);

// NetworkManager's profiles, over its D-Bus API.
class ConnectionZones {
public:
    virtual ~ConnectionZones() = default;
    // The saved profiles active on `interfaces`; not_asked set (and no error) when NetworkManager does not run.
    virtual common::Result<ConnectionOwners> owners(const std::vector<std::string>& interfaces) = 0;
    // Sets connection.zone on the profile and saves it to disk.
    virtual common::Result<std::monostate> set_zone(const ConnectionOwner& connection, const std::string& zone) = 0;
};

struct FirewallConvergence {
    std::vector<std::string> changed;
    std::vector<std::string> failures;
    std::vector<std::string> notes;
    bool failed_on_input = false;  // the profile asks what this host cannot have (FirewallPlan::problems)
};

// Observes firewalld and NetworkManager, makes the planned changes (stopping at the first failure), then
// observes both again: anything still different is a failure.
FirewallConvergence converge_firewall(const profile::FirewallSection& section, FirewallControl& firewall,
                                      ConnectionZones& connections);

// Observes both for `kvm-agent plan`.
common::Result<FirewallObservation> observe_firewall(const profile::FirewallSection& section, FirewallControl& firewall,
                                                     ConnectionZones& connections);
// Every interface the section names, in order, once.
std::vector<std::string> section_interfaces(const profile::FirewallSection& section);

}  // namespace provision
