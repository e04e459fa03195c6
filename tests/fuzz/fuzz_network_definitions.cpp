// Boot-time network definitions: the same bytes as a NetworkManager keyfile, an ifcfg file and a libvirt network
// definition, then the cross-reference resolution over the definitions read.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "checks/parsers/network_definitions.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::vector<checks::NetworkDefinition> definitions;
    definitions.push_back(checks::parse_nm_keyfile(text, "/etc/NetworkManager/system-connections/fuzz.nmconnection"));
    definitions.push_back(checks::parse_ifcfg(text, "/etc/sysconfig/network-scripts/ifcfg-fuzz"));
    (void)checks::libvirt_network_bridge(text);
    checks::resolve_definition_references(definitions);
    (void)checks::is_ignored_ifcfg_name(text);
    return 0;
}
