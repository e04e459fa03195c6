// libvirt's domain and capabilities XML: the same bytes through every scanner in libvirt_xml.h.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "checks/parsers/libvirt_xml.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view xml(reinterpret_cast<const char*>(data), size);
    (void)checks::parse_domain_xml(xml, "fuzz.xml");
    (void)checks::capabilities_offer_kvm(xml, "x86_64");
    (void)checks::capabilities_offer_arch(xml, "x86_64");
    (void)checks::first_attribute(xml, "source", "file");
    return 0;
}
