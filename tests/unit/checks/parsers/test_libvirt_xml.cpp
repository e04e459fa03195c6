#include "checks/parsers/libvirt_xml.h"

#include <gtest/gtest.h>

namespace checks {
namespace {

// As libvirt writes /etc/libvirt/qemu/web.xml.
const char* const k_domain = R"(<!--
WARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE
OVERWRITTEN AND LOST. Changes to this xml configuration should be made using:
  virsh edit web
or other application using the libvirt API.
-->

<domain type='kvm'>
  <name>web</name>
  <uuid>2f4c9a5e-8b7d-4c1e-9f0a-1b2c3d4e5f60</uuid>
  <metadata>
    <libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0">
      <libosinfo:os id="http://redhat.com/rhel/9.2"/>
    </libosinfo:libosinfo>
  </metadata>
  <memory unit='KiB'>4194304</memory>
  <vcpu placement='static'>2</vcpu>
  <os>
    <type arch='x86_64' machine='pc-q35-rhel9.2.0'>hvm</type>
    <boot dev='hd'/>
  </os>
  <features>
    <acpi/>
    <apic/>
  </features>
  <cpu mode='host-passthrough' check='none' migratable='on'>
    <feature policy='disable' name='vmx'/>
  </cpu>
  <devices>
    <emulator>/usr/libexec/qemu-kvm</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' discard='unmap'/>
      <source file='/var/lib/libvirt/images/web.qcow2'/>
      <target dev='vda' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x04' slot='0x00' function='0x0'/>
    </disk>
    <disk type='block' device='disk'>
      <driver name='qemu' type='raw' cache='none' io='native'/>
      <source dev='/dev/vg0/web-data'/>
      <target dev='vdb' bus='virtio'/>
    </disk>
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <target dev='sda' bus='sata'/>
      <readonly/>
    </disk>
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <source file='/srv/iso/rhel-9.2-x86_64-dvd.iso'/>
      <target dev='sdb' bus='sata'/>
      <readonly/>
    </disk>
    <disk type='network' device='disk'>
      <source protocol='rbd' name='pool/web'/>
      <target dev='vdc' bus='virtio'/>
    </disk>
    <interface type='network'>
      <source network='default'/>
      <model type='virtio'/>
    </interface>
  </devices>
</domain>
)";

TEST(ParseDomainXml, ReadsNameAcpiAndFileDisksOnly) {
    const auto domain = parse_domain_xml(k_domain, "/etc/libvirt/qemu/web.xml");
    ASSERT_TRUE(domain.ok()) << domain.error().message;
    EXPECT_EQ(domain->name, "web");
    EXPECT_EQ(domain->file, "/etc/libvirt/qemu/web.xml");
    EXPECT_TRUE(domain->acpi);
    EXPECT_FALSE(domain->autostart);
    EXPECT_EQ(domain->disk_files,
              (std::vector<std::string>{"/var/lib/libvirt/images/web.qcow2", "/srv/iso/rhel-9.2-x86_64-dvd.iso"}));
    EXPECT_TRUE(domain->missing_disk_files.empty());
}

TEST(ParseDomainXml, SeesNoAcpiWhenFeaturesLackIt) {
    const auto domain = parse_domain_xml("<domain type='kvm'><name>old</name><features><apic/><pae/></features>"
                                         "<devices/></domain>",
                                         "old.xml");
    ASSERT_TRUE(domain.ok()) << domain.error().message;
    EXPECT_EQ(domain->name, "old");
    EXPECT_FALSE(domain->acpi);
    EXPECT_TRUE(domain->disk_files.empty());
}

TEST(ParseDomainXml, SeesNoAcpiWithoutFeaturesEvenIfAnotherElementMentionsIt) {
    const auto domain = parse_domain_xml("<domain type='kvm'>\n  <name>bare</name>\n  <os><acpi><table type='slic'>"
                                         "/x</table></acpi></os>\n</domain>",
                                         "bare.xml");
    ASSERT_TRUE(domain.ok());
    EXPECT_FALSE(domain->acpi);
}

TEST(ParseDomainXml, AcceptsDoubleQuotedAttributes) {
    const auto domain = parse_domain_xml("<domain type=\"kvm\"><name>dq</name><devices><disk type=\"file\" "
                                         "device=\"disk\"><source file=\"/srv/vm/dq.raw\"/></disk></devices></domain>",
                                         "dq.xml");
    ASSERT_TRUE(domain.ok());
    EXPECT_EQ(domain->disk_files, (std::vector<std::string>{"/srv/vm/dq.raw"}));
}

// libvirt escapes ' and & in attribute values; the path on disk has the plain characters.
TEST(ParseDomainXml, DecodesEntitiesInDiskPaths) {
    const auto domain = parse_domain_xml("<domain type='kvm'><name>r&amp;d</name><devices><disk type='file' "
                                         "device='disk'><source file='/srv/vm/bob&apos;s &amp; co.qcow2'/></disk>"
                                         "</devices></domain>",
                                         "rd.xml");
    ASSERT_TRUE(domain.ok());
    ASSERT_EQ(domain->disk_files.size(), 1u);
    EXPECT_EQ(domain->disk_files[0], "/srv/vm/bob's & co.qcow2");
    EXPECT_EQ(domain->name, "r&d");
}

TEST(ParseDomainXml, IsAnErrorWithoutADomainElement) {
    const auto domain = parse_domain_xml("<network><name>default</name></network>", "/etc/libvirt/qemu/x.xml");
    ASSERT_FALSE(domain.ok());
    EXPECT_EQ(domain.error().message, "/etc/libvirt/qemu/x.xml: no <domain> element");
}

TEST(ParseDomainXml, IsAnErrorForATruncatedDomain) {
    const std::string truncated = std::string(k_domain).substr(0, std::string(k_domain).find("</devices>"));
    const auto domain = parse_domain_xml(truncated, "web.xml");
    ASSERT_FALSE(domain.ok());
    EXPECT_EQ(domain.error().message, "web.xml: no <domain> element");
}

TEST(ParseDomainXml, IsAnErrorWithoutAName) {
    for (const char* xml : {"<domain type='kvm'><uuid>x</uuid></domain>", "<domain type='kvm'><name></name></domain>"}) {
        const auto domain = parse_domain_xml(xml, "noname.xml");
        ASSERT_FALSE(domain.ok()) << xml;
        EXPECT_EQ(domain.error().message, "noname.xml: <domain> has no <name>");
    }
}

// --- capabilities_offer_kvm: `virsh capabilities` ---

const char* const k_capabilities_kvm = R"(<capabilities>

  <host>
    <uuid>4c4c4544-0048-3510-8052-b4c04f4e3732</uuid>
    <cpu>
      <arch>x86_64</arch>
      <model>Icelake-Server-v5</model>
      <vendor>Intel</vendor>
      <feature name='vmx'/>
    </cpu>
    <secmodel>
      <model>dac</model>
      <doi>0</doi>
      <baselabel type='kvm'>+107:+107</baselabel>
      <baselabel type='qemu'>+107:+107</baselabel>
    </secmodel>
  </host>

  <guest>
    <os_type>hvm</os_type>
    <arch name='i686'>
      <wordsize>32</wordsize>
      <emulator>/usr/libexec/qemu-kvm</emulator>
      <machine maxCpus='710'>pc-q35-rhel9.2.0</machine>
      <domain type='qemu'/>
      <domain type='kvm'/>
    </arch>
    <features>
      <pae/>
      <nonpae/>
      <acpi default='on' toggle='yes'/>
    </features>
  </guest>

  <guest>
    <os_type>hvm</os_type>
    <arch name='x86_64'>
      <wordsize>64</wordsize>
      <emulator>/usr/libexec/qemu-kvm</emulator>
      <machine maxCpus='710'>pc-q35-rhel9.2.0</machine>
      <machine canonical='pc-q35-rhel9.2.0' maxCpus='710'>q35</machine>
      <domain type='qemu'/>
      <domain type='kvm'/>
    </arch>
    <features>
      <acpi default='on' toggle='yes'/>
      <apic default='on' toggle='no'/>
      <cpuselection/>
      <deviceboot/>
      <disksnapshot default='on' toggle='no'/>
    </features>
  </guest>

</capabilities>
)";

// A host without /dev/kvm: x86_64 is offered only as TCG, while the host section still says kvm.
const char* const k_capabilities_tcg_only = R"(<capabilities>
  <host>
    <cpu><arch>x86_64</arch></cpu>
    <secmodel><model>dac</model><baselabel type='kvm'>+107:+107</baselabel></secmodel>
  </host>
  <guest>
    <os_type>hvm</os_type>
    <arch name='i686'>
      <wordsize>32</wordsize>
      <domain type='qemu'/>
      <domain type='kvm'/>
    </arch>
  </guest>
  <guest>
    <os_type>hvm</os_type>
    <arch name='x86_64'>
      <wordsize>64</wordsize>
      <emulator>/usr/bin/qemu-system-x86_64</emulator>
      <machine maxCpus='288'>pc-q35-8.0</machine>
      <domain type='qemu'/>
    </arch>
  </guest>
</capabilities>
)";

// Older libvirt: <domain type='kvm'> with its own emulator and machines inside.
const char* const k_capabilities_old_style = R"(<capabilities>
  <guest>
    <os_type>hvm</os_type>
    <arch name='x86_64'>
      <wordsize>64</wordsize>
      <emulator>/usr/bin/qemu-system-x86_64</emulator>
      <machine>pc-i440fx-2.0</machine>
      <domain type='qemu'>
      </domain>
      <domain type='kvm'>
        <emulator>/usr/libexec/qemu-kvm</emulator>
        <machine canonical='pc-i440fx-rhel7.0.0' maxCpus='240'>pc</machine>
      </domain>
    </arch>
  </guest>
</capabilities>
)";

TEST(CapabilitiesOfferKvm, IsTrueWhenTheX86_64GuestOffersKvm) {
    EXPECT_TRUE(capabilities_offer_kvm(k_capabilities_kvm, "x86_64"));
    EXPECT_TRUE(capabilities_offer_kvm(k_capabilities_kvm, "i686"));
}

TEST(CapabilitiesOfferKvm, IsFalseWhenX86_64IsOnlyEmulated) {
    EXPECT_FALSE(capabilities_offer_kvm(k_capabilities_tcg_only, "x86_64"));
    EXPECT_TRUE(capabilities_offer_kvm(k_capabilities_tcg_only, "i686"));
}

TEST(CapabilitiesOfferKvm, ReadsDomainElementsWithBodies) {
    EXPECT_TRUE(capabilities_offer_kvm(k_capabilities_old_style, "x86_64"));
}

TEST(CapabilitiesOfferKvm, IsFalseForAnArchNotOffered) {
    EXPECT_FALSE(capabilities_offer_kvm(k_capabilities_kvm, "aarch64"));
    EXPECT_FALSE(capabilities_offer_kvm(k_capabilities_kvm, "x86"));
}

TEST(CapabilitiesOfferKvm, IsFalseForEmptyOrGarbageInput) {
    EXPECT_FALSE(capabilities_offer_kvm("", "x86_64"));
    EXPECT_FALSE(capabilities_offer_kvm("<capabilities><guest><arch name='x86_64'><domain type='kvm'/>", "x86_64"));
}

// --- capabilities_offer_arch ---

TEST(CapabilitiesOfferArch, IsTrueForAnEmulatedOrKvmGuestOfThatArch) {
    EXPECT_TRUE(capabilities_offer_arch(k_capabilities_kvm, "x86_64"));
    EXPECT_TRUE(capabilities_offer_arch(k_capabilities_tcg_only, "x86_64"));
    EXPECT_TRUE(capabilities_offer_arch(k_capabilities_old_style, "x86_64"));
}

TEST(CapabilitiesOfferArch, IsFalseWhenNoGuestHasThatArch) {
    EXPECT_FALSE(capabilities_offer_arch(k_capabilities_kvm, "aarch64"));
    EXPECT_FALSE(capabilities_offer_arch("<capabilities><host><cpu><arch>x86_64</arch></cpu></host></capabilities>",
                                         "x86_64"));
    EXPECT_FALSE(capabilities_offer_arch("", "x86_64"));
}

// --- first_attribute ---

TEST(FirstAttribute, ReadsTheAttributeOfTheFirstMatchingTag) {
    EXPECT_EQ(first_attribute(k_domain, "source", "file"), "/var/lib/libvirt/images/web.qcow2");
    EXPECT_EQ(first_attribute(k_domain, "type", "arch"), "x86_64");
    EXPECT_EQ(first_attribute(k_domain, "domain", "type"), "kvm");
}

TEST(FirstAttribute, DoesNotMatchATagThatMerelyStartsWithTheName) {
    EXPECT_EQ(first_attribute("<sourcefile file='/wrong'/><source file='/right'/>", "source", "file"), "/right");
}

TEST(FirstAttribute, IsEmptyWhenTheTagOrAttributeIsMissing) {
    EXPECT_EQ(first_attribute(k_domain, "nosuchtag", "file"), "");
    EXPECT_EQ(first_attribute(k_domain, "source", "nosuchattr"), "");
}

TEST(InterfaceTargets, ListTheTapOfEachInterfaceInOrder) {
    const char* live = "<domain type='kvm' id='3'><devices>"
                       "<interface type='bridge'><mac address='52:54:00:1:2:3'/><source bridge='br0'/>"
                       "<target dev='vnet4'/><model type='virtio'/></interface>"
                       "<interface type='bridge'><source bridge='br1'/><target dev='vnet5'/></interface>"
                       "<serial type='file'><target port='0'/></serial></devices></domain>";
    EXPECT_EQ(interface_targets(live), (std::vector<std::string>{"vnet4", "vnet5"}));
    EXPECT_TRUE(interface_targets("<domain type='kvm'><devices/></domain>").empty());
}

TEST(PoolTargetPath, IsThePathInsideTargetWithEntitiesDecoded) {
    EXPECT_EQ(pool_target_path("<pool type='dir'><name>images</name><source/><target><path>/srv/vm&amp;co</path>"
                               "<permissions><mode>0711</mode></permissions></target></pool>"),
              "/srv/vm&co");
    EXPECT_EQ(pool_target_path("<pool type='dir'><name>x</name></pool>"), "");
    EXPECT_EQ(pool_target_path("<pool><target><path>/unterminated"), "");
}

}  // namespace
}  // namespace checks
