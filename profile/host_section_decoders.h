#pragma once
// Internal to profile/: decoders of the host sections. Each throws DecodeError (yaml_reader.h) at the first
// problem; `where` is the position of the section's value. One file per section: <section>_section.cpp.
#include <yaml-cpp/yaml.h>

#include "profile/host_sections.h"
#include "profile/profile.h"

namespace profile {

KvmSection decode_kvm(const YAML::Node& node, Position where);
PackagesSection decode_packages(const YAML::Node& node, Position where);
LibvirtSection decode_libvirt(const YAML::Node& node, Position where);
SysctlSection decode_sysctl(const YAML::Node& node, Position where);
FirewallSection decode_firewall(const YAML::Node& node, Position where);
StorageSection decode_storage(const YAML::Node& node, Position where);
VerifySection decode_verify(const YAML::Node& node, Position where);

}  // namespace profile
