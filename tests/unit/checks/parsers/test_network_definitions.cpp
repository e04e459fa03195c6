#include "checks/parsers/network_definitions.h"

#include <gtest/gtest.h>

namespace checks {
namespace {

constexpr const char* k_dir = "/etc/NetworkManager/system-connections/";

// As netconfig/nm_keyfile.cpp writes a bridge and a bond port.
TEST(ParseNmKeyfile, ReadsTheConnectionOfABridge) {
    const auto definition = parse_nm_keyfile("[connection]\n"
                                             "id=kvm-agent-br0\n"
                                             "uuid=6c0b8e1a-1d3e-5b7a-9f3c-2a1b4c5d6e7f\n"
                                             "type=bridge\n"
                                             "interface-name=br0\n"
                                             "autoconnect-priority=100\n"
                                             "zone=internal\n\n"
                                             "[bridge]\nstp=false\n\n[ipv4]\naddress1=192.0.2.10/24\nmethod=manual\n",
                                             std::string(k_dir) + "kvm-agent-br0.nmconnection");
    EXPECT_EQ(definition.path, std::string(k_dir) + "kvm-agent-br0.nmconnection");
    EXPECT_EQ(definition.source, "NetworkManager");
    EXPECT_EQ(definition.id, "kvm-agent-br0");
    EXPECT_EQ(definition.uuid, "6c0b8e1a-1d3e-5b7a-9f3c-2a1b4c5d6e7f");
    EXPECT_EQ(definition.type, "bridge");
    EXPECT_EQ(definition.interface, "br0");
    EXPECT_EQ(definition.zone, "internal");
    EXPECT_TRUE(definition.autoconnect);
    EXPECT_EQ(definition.autoconnect_priority, 100);
    EXPECT_EQ(definition.controller, "");
}

TEST(ParseNmKeyfile, ReadsAPortsControllerAndTheLongTypeNames) {
    const auto port = parse_nm_keyfile("[connection]\nid=bond0-port-nic1\ntype=802-3-ethernet\ninterface-name=nic1\n"
                                       "master=bond0\nslave-type=bond\nautoconnect=false\n",
                                       "p");
    EXPECT_EQ(port.type, "ethernet");
    EXPECT_EQ(port.controller, "bond0");
    EXPECT_FALSE(port.autoconnect);
    const auto newer = parse_nm_keyfile("[connection]\ntype=ethernet\ninterface-name=nic2\ncontroller=br0\nport-type=bridge\n", "p");
    EXPECT_EQ(newer.controller, "br0");
}

TEST(ParseNmKeyfile, KeysOutsideTheConnectionSectionDoNotCount) {
    const auto definition = parse_nm_keyfile("[ethernet]\ninterface-name=wrong\n[connection]\ntype=ethernet\n"
                                             "# interface-name=commented\n; zone=commented\n",
                                             "p");
    EXPECT_EQ(definition.interface, "");
    EXPECT_EQ(definition.zone, "");
}

TEST(ParseNmKeyfile, NamesAVlanWithoutInterfaceNameAsNetworkManagerDoes) {
    const auto vlan = parse_nm_keyfile("[connection]\nid=vlan20\ntype=vlan\n[vlan]\nparent=br0\nid=20\n", "p");
    EXPECT_EQ(vlan.type, "vlan");
    EXPECT_EQ(vlan.interface, "br0.20");
    const auto by_uuid = parse_nm_keyfile(
        "[connection]\ntype=vlan\n[vlan]\nparent=6c0b8e1a-1d3e-5b7a-9f3c-2a1b4c5d6e7f\nid=30\n", "p");
    EXPECT_EQ(by_uuid.interface, "") << "a UUID parent is resolved against the other definitions";
}

TEST(ResolveDefinitionReferences, RewritesUuidsToInterfaceNames) {
    std::vector<NetworkDefinition> definitions = {
        parse_nm_keyfile("[connection]\ntype=bond\ninterface-name=bond0\nuuid=6C0B8E1A-1D3E-5B7A-9F3C-2A1B4C5D6E7F\n", "a"),
        parse_nm_keyfile("[connection]\ntype=ethernet\ninterface-name=nic1\n"
                         "master=6c0b8e1a-1d3e-5b7a-9f3c-2a1b4c5d6e7f\n",
                         "b"),
        parse_nm_keyfile("[connection]\ntype=vlan\n[vlan]\nparent=6c0b8e1a-1d3e-5b7a-9f3c-2a1b4c5d6e7f\nid=30\n", "c"),
        parse_nm_keyfile("[connection]\ntype=ethernet\ninterface-name=nic9\nmaster=00000000-0000-0000-0000-000000000000\n", "d"),
    };
    resolve_definition_references(definitions);
    EXPECT_EQ(definitions[1].controller, "bond0");
    EXPECT_EQ(definitions[2].vlan_parent, "bond0");
    EXPECT_EQ(definitions[2].interface, "bond0.30");
    EXPECT_EQ(definitions[3].controller, "00000000-0000-0000-0000-000000000000") << "unknown: left as written";
}

struct IfcfgCase {
    const char* name;
    const char* file;
    const char* text;
    const char* interface;
    const char* type;
    const char* controller;
    bool autoconnect;
};

class ParseIfcfg : public ::testing::TestWithParam<IfcfgCase> {};

TEST_P(ParseIfcfg, ReadsTheInterfaceItsTypeAndController) {
    const auto& c = GetParam();
    const auto definition = parse_ifcfg(c.text, std::string("/etc/sysconfig/network-scripts/") + c.file);
    EXPECT_EQ(definition.source, "ifcfg");
    EXPECT_EQ(definition.interface, c.interface);
    EXPECT_EQ(definition.type, c.type);
    EXPECT_EQ(definition.controller, c.controller);
    EXPECT_EQ(definition.autoconnect, c.autoconnect);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParseIfcfg,
    ::testing::Values(
        IfcfgCase{"Bridge", "ifcfg-br0", "DEVICE=br0\nTYPE=Bridge\nONBOOT=yes\nBOOTPROTO=none\nIPADDR=192.0.2.10\n", "br0",
                  "bridge", "", true},
        IfcfgCase{"BondByOptions", "ifcfg-bond0", "DEVICE=bond0\nBONDING_OPTS=\"mode=active-backup miimon=100\"\n",
                  "bond0", "bond", "", true},
        IfcfgCase{"BondPort", "ifcfg-nic1", "DEVICE=nic1\nMASTER=bond0\nSLAVE=yes\nONBOOT=yes\n", "nic1", "ethernet",
                  "bond0", true},
        IfcfgCase{"BridgePortQuotedWithAComment", "ifcfg-bond0", "DEVICE='bond0'\nBRIDGE=\"br0\" # the bridge\n", "bond0", "ethernet",
                  "br0", true},
        IfcfgCase{"NoDeviceTakesTheFileName", "ifcfg-eth0", "TYPE=Ethernet\nONBOOT=no\n", "eth0", "ethernet", "", false},
        IfcfgCase{"Vlan", "ifcfg-br0.20", "DEVICE=br0.20\nVLAN=yes\nONBOOT=yes\n", "br0.20", "vlan", "", true},
        IfcfgCase{"Exported", "ifcfg-br1", "export DEVICE=br1\nexport TYPE=Bridge\n", "br1", "bridge", "", true}),
    [](const auto& test_info) { return std::string(test_info.param.name); });

TEST(ParseIfcfgVlan, TakesTheParentAndIdFromTheName) {
    const auto vlan = parse_ifcfg("DEVICE=eth0.20\nVLAN=yes\n", "/etc/sysconfig/network-scripts/ifcfg-eth0.20");
    EXPECT_EQ(vlan.vlan_parent, "eth0");
    EXPECT_EQ(vlan.vlan_id, 20u);
    const auto explicit_parent = parse_ifcfg("DEVICE=guests\nVLAN=yes\nPHYSDEV=bond0\nVLAN_ID=30\nZONE=trusted\n", "f");
    EXPECT_EQ(explicit_parent.vlan_parent, "bond0");
    EXPECT_EQ(explicit_parent.vlan_id, 30u);
    EXPECT_EQ(explicit_parent.zone, "trusted");
}

TEST(IgnoredIfcfgNames, AreBackupsLoopbackAndOtherFiles) {
    for (const char* name : {"ifcfg-lo", "ifcfg-eth0.bak", "ifcfg-eth0~", "ifcfg-eth0.rpmsave", "route-eth0",
                             "keys-wlan0", "ifcfg-eth0.orig", "ifcfg-eth0.rpmnew"})
        EXPECT_TRUE(is_ignored_ifcfg_name(name)) << name;
    for (const char* name : {"ifcfg-eth0", "ifcfg-br0", "ifcfg-bond0.20"}) EXPECT_FALSE(is_ignored_ifcfg_name(name)) << name;
}

TEST(LibvirtNetworkBridge, IsTheBridgeElementsName) {
    EXPECT_EQ(libvirt_network_bridge("<network>\n  <name>default</name>\n  <forward mode='nat'/>\n"
                                     "  <bridge name='virbr0' stp='on' delay='0'/>\n</network>\n"),
              "virbr0");
    EXPECT_EQ(libvirt_network_bridge("<network><bridge stp=\"on\" name = \"br-guests\"/></network>"), "br-guests");
    EXPECT_EQ(libvirt_network_bridge("<network><bridgeX name='no'/><bridge macTableManager='libvirt' name='b1'/></network>"),
              "b1");
    EXPECT_EQ(libvirt_network_bridge("<network><name>isolated</name></network>"), "");
    EXPECT_EQ(libvirt_network_bridge("<network><bridge name='unterminated"), "");
    EXPECT_EQ(libvirt_network_bridge("<bridge"), "");
}

}  // namespace
}  // namespace checks
