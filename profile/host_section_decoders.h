#pragma once
// Internal to profile/: decoders of the host sections. Each throws DecodeError (yaml_reader.h) at the first
// problem; `where` is the position of the section's value. One file per section: <section>_section.cpp.
#include "profile/yaml_document.h"

#include "profile/host_sections.h"
#include "profile/profile.h"

namespace profile {

KvmSection decode_kvm(const YamlNode& node, Position where);
PackagesSection decode_packages(const YamlNode& node, Position where);
LibvirtSection decode_libvirt(const YamlNode& node, Position where);
SysctlSection decode_sysctl(const YamlNode& node, Position where);
FirewallSection decode_firewall(const YamlNode& node, Position where);
StorageSection decode_storage(const YamlNode& node, Position where);
VerifySection decode_verify(const YamlNode& node, Position where);

}  // namespace profile
