// libvirt.guest-smoke: the domain the smoke run starts, and the judge of what it showed.
#include "checks/guest_smoke.h"

#include <algorithm>

#include "checks/catalogue.h"
#include "checks/judges.h"
#include "common/text.h"

namespace checks {

std::string smoke_domain_xml(const SmokeDomain& domain) {
    using common::xml_escape;
    std::string xml = "<domain type='kvm'>\n  <name>" + xml_escape(domain.name) +
                      "</name>\n  <memory unit='MiB'>16</memory>\n  <vcpu>1</vcpu>\n"
                      "  <os>\n    <type arch='x86_64'>hvm</type>\n    <kernel>" + xml_escape(domain.kernel) +
                      "</kernel>\n  </os>\n"
                      "  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>destroy</on_reboot>\n"
                      "  <on_crash>destroy</on_crash>\n  <devices>\n";
    xml += "    <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='" +
           xml_escape(domain.disk) + "'/><target dev='vda' bus='virtio'/></disk>\n";
    for (const auto& bridge : domain.bridges)
        xml += "    <interface type='bridge'><source bridge='" + xml_escape(bridge) +
               "'/><model type='virtio'/></interface>\n";
    xml += "    <serial type='file'><source path='" + xml_escape(domain.serial_file) + "'/></serial>\n";
    xml += "    <memballoon model='none'/>\n  </devices>\n</domain>\n";
    return xml;
}

bool is_smoke_object(std::string_view name) { return name.starts_with(k_smoke_prefix); }

std::optional<std::string> smoke_console_signature(std::string_view console) {
    const auto start = console.find(k_smoke_marker);
    if (start == std::string_view::npos) return std::nullopt;
    const auto rest = console.substr(start + k_smoke_marker.size());
    const auto end = rest.find('\n');
    if (end == std::string_view::npos) return std::nullopt;
    // Twelve characters at most; anything else on the line is not the guest's.
    return common::escape_controls(rest.substr(0, std::min<std::size_t>(end, 12)), 12);
}

namespace {

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

std::string seconds(std::chrono::milliseconds elapsed) {
    const auto tenths = (elapsed.count() + 50) / 100;
    return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " s";
}

// One line of the XML the run started, for the evidence: what exactly was asked of libvirt.
std::string one_line(std::string_view xml) {
    std::string line;
    for (auto part : common::lines(xml)) line += common::trim(part);
    return line;
}

// The bridges the guest gets a NIC on: the profile's, or (without a profile) every bridge on the host.
std::vector<std::string> smoke_bridges(const HostFacts& facts, const Expectations* expectations) {
    std::vector<std::string> bridges;
    if (expectations) {
        for (const auto& bridge : expectations->bridges) bridges.push_back(bridge.name);
        return bridges;
    }
    const auto& network = facts.network();
    if (!network.has_value()) return bridges;
    for (const auto& interface : network->interfaces)
        if (interface.type == netconfig::InterfaceType::linux_bridge) bridges.push_back(interface.name.str());
    return bridges;
}

// Whether libvirt refused a KVM domain or the guest ran emulated anyway, KVM itself is what is missing.
constexpr const char* k_enable_kvm_fix =
    "enable VT-x/AMD-V in the firmware and load kvm_intel or kvm_amd (kvm-doctor --check cpu.virt-extensions "
    "--check kernel.kvm-modules shows which is missing)";

struct Cause {
    std::string what;
    std::string fix;
};

// Names the cause of a failed smoke run from the step that failed and libvirt's (or QEMU's) message.
Cause cause_of(const GuestSmokeFacts& smoke, const Expectations* expectations) {
    const auto& message = smoke.error;
    if (smoke.failed_step == SmokeStep::smoke_guest)
        return {"the smoke guest is missing", "reinstall kvm-host-agent (it ships the smoke guest), or give "
                                              "--smoke-guest PATH"};
    if (smoke.failed_step == SmokeStep::lock) return {"another smoke run holds the lock", "wait for it, then run again"};
    if (smoke.failed_step == SmokeStep::connect)
        return {"no read-write connection to libvirt", "run as root, and see kvm-doctor --check libvirt.connection"};
    if (smoke.failed_step == SmokeStep::pool)
        return {"the images pool " + smoke.pool + " cannot take the smoke volume",
                expectations ? apply_fix(*expectations, "storage")
                             : "virsh pool-start " + smoke.pool + " (or --images-pool NAME of an active pool)"};
    // libvirt 9 says "could not get preferred machine for /usr/bin/qemu-system-x86_64 type=kvm" when QEMU's
    // binary offers no KVM; other versions "domaintype=kvm" or "Domain requires KVM".
    const std::string dir = smoke.images_path.empty() ? "the pool's directory" : smoke.images_path;
    // libvirt's daemon may create files where QEMU may not read them; a label that keeps even the daemon out is
    // the usual reason it is refused in a directory of its own pool.
    const std::string label_fix = "label the directory for guest images: semanage fcontext -a -t virt_image_t '" +
                                  dir + "(/.*)?' && restorecon -Rv " + dir +
                                  " (kvm-doctor --check storage.selinux-context); without SELinux, its owner and mode";
    if (smoke.failed_step == SmokeStep::volume)
        return {"libvirt cannot create a volume in " + dir + " (pool " + smoke.pool + ")",
                contains(message, "Permission denied")
                    ? label_fix
                    : "libvirt's message above says why (virsh pool-refresh " + smoke.pool + ")"};
    if (contains(message, "requires KVM") || contains(message, "type=kvm") ||
        contains(message, "KVM is not available") || contains(message, "no accelerator"))
        return {"libvirt offers no KVM here: it would emulate the guest (TCG)",
                k_enable_kvm_fix};
    if (contains(message, "/dev/kvm") || contains(message, "KVM kernel module") ||
        contains(message, "failed to initialize kvm") || contains(message, "failed to initialize KVM"))
        return {"QEMU cannot open /dev/kvm under libvirt",
                "give /dev/kvm back to the kvm group (chgrp kvm /dev/kvm; chmod 0660 /dev/kvm; a udev rule "
                "KERNEL==\"kvm\", GROUP=\"kvm\", MODE=\"0660\" keeps it), put QEMU's user in that group, and keep "
                "/dev/kvm in cgroup_device_acl of /etc/libvirt/qemu.conf"};
    for (const auto& bridge : smoke.bridges) {
        const bool named = contains(message, "'" + bridge + "'") || contains(message, " " + bridge + ":");
        if (named && (contains(message, "No such device") || contains(message, "MTU") || contains(message, "bridge")))
            return {"bridge " + bridge + " is missing",
                    expectations ? apply_fix(*expectations, "network")
                                 : "create bridge " + bridge + " again, or run without it"};
    }
    if (contains(message, "Permission denied") || contains(message, "Could not open"))
        return {"QEMU cannot open a disk in " + dir, label_fix};
    if (smoke.failed_step == SmokeStep::boot)
        return {"the guest did not write its console line",
                "QEMU's log above says why; a slow host may need a longer --smoke-timeout"};
    return {"libvirt could not run the guest", "libvirt's message above says why"};
}

}  // namespace

Outcome judge_libvirt_guest_smoke(const HostFacts& facts, const Expectations* expectations) {
    const auto& fact = facts.guest_smoke(smoke_bridges(facts, expectations));
    if (!fact.has_value()) return missing_fact(fact);
    const auto& smoke = fact.value();
    const std::string on = smoke.bridges.empty() ? "no bridge" : common::join(smoke.bridges, ", ");
    std::string removed;
    if (!smoke.leftovers_removed.empty())
        removed = "; removed what an earlier run left: " + common::join(smoke.leftovers_removed, ", ");
    const std::string xml = smoke.xml.empty() ? "" : "; XML: " + one_line(smoke.xml);
    if (smoke.failed_step != SmokeStep::none) {
        const auto cause = cause_of(smoke, expectations);
        return fail(cause.what + ": " + to_string(smoke.failed_step) + ": " + smoke.error + removed + xml, cause.fix);
    }
    if (!smoke.hypervisor.starts_with(k_kvm_signature) || smoke.domain_type != "kvm")
        return fail("the guest ran without KVM (domain type " + smoke.domain_type + ", CPUID signature \"" +
                        smoke.hypervisor + "\")" + xml,
                    k_enable_kvm_fix);
    for (const auto& tap : smoke.taps)
        if (tap.master != tap.bridge)
            return fail("the guest's NIC " + tap.tap + " was not a port of " + tap.bridge + " (" +
                            (tap.master.empty() ? "in no bridge" : "in " + tap.master) + ")" + xml,
                        "see libvirt's bridge helper and the bridge's state (ip -d link show " + tap.bridge + ")");
    std::string taps;
    for (const auto& tap : smoke.taps) taps += (taps.empty() ? "" : ", ") + tap.tap + " in " + tap.master;
    const std::string evidence = "a KVM guest (CPUID " + smoke.hypervisor + ") wrote its console line " +
                                 (smoke.time_to_marker ? seconds(*smoke.time_to_marker) : std::string("?")) +
                                 " after start, on " + on + (taps.empty() ? "" : " (" + taps + ")") +
                                 ", its disk in pool " + smoke.pool + removed + xml;
    if (!smoke.cleanup_failures.empty())
        return warn(evidence + "; left behind: " + common::join(smoke.cleanup_failures, "; "),
                    "remove them by hand (virsh destroy / virsh vol-delete), or run kvm-doctor --smoke again");
    return pass(evidence);
}

}  // namespace checks
