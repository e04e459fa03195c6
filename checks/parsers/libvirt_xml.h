#pragma once
// Just enough of libvirt's domain and capabilities XML for the checks: these files are written by
// libvirt itself, so a tag scanner suffices; anything it cannot follow is an error, never a guess.
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace checks {

struct DomainDefinition {
    std::string name;
    std::string file;           // where it was read from
    bool autostart = false;     // a link in /etc/libvirt/qemu/autostart
    bool acpi = false;          // <features><acpi/>
    std::vector<std::string> disk_files;  // <disk type='file'><source file='...'>
    std::vector<std::string> missing_disk_files;  // of those, the ones absent on the host (collector)
};

common::Result<DomainDefinition> parse_domain_xml(std::string_view xml, std::string_view file);
// True when a <guest> for `arch` offers <domain type='kvm'>.
bool capabilities_offer_kvm(std::string_view capabilities_xml, std::string_view arch);
// True when any <guest> for `arch` is offered (kvm or emulated).
bool capabilities_offer_arch(std::string_view capabilities_xml, std::string_view arch);
// <target><path>...</path> of a storage pool's XML (one <path> inside <target>), entities decoded; "" without.
std::string pool_target_path(std::string_view pool_xml);
// The tap of each <interface> in a running domain's XML (<target dev='vnet0'/>), in the order of the XML.
std::vector<std::string> interface_targets(std::string_view domain_xml);
// Value of attribute `name` in the first tag `tag` (e.g. source/file) within `xml`, or "".
std::string first_attribute(std::string_view xml, std::string_view tag, std::string_view name);

}  // namespace checks
