// Device node checks: /dev/kvm (and who may open it), /dev/vhost-net, /dev/net/tun.
#include <cstdio>

#include "checks/judges.h"

namespace checks {
namespace {

std::string octal(unsigned mode) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%04o", mode);
    return buffer;
}

std::string describe(const DeviceNode& node) {
    return node.path + " " + node.owner + ":" + node.group + " " + octal(node.mode) + ", char " +
           std::to_string(node.major) + ":" + std::to_string(node.minor);
}

struct Expectation {
    unsigned major, minor;
};

Outcome judge_char_device(const HostFacts& facts, const std::string& path, Expectation expected,
                          Status when_missing, const std::string& fix) {
    const auto& fact = facts.device(path);
    if (!fact.has_value()) return missing_fact(fact);
    const DeviceNode& node = fact.value();
    if (!node.exists) return {when_missing, path + " does not exist", fix};
    if (!node.is_char_device) return {when_missing, path + " exists but is not a character device", fix};
    if (node.major != expected.major || node.minor != expected.minor)
        return {when_missing,
                describe(node) + ": expected char " + std::to_string(expected.major) + ":" +
                    std::to_string(expected.minor),
                "remove the stray node and let udev recreate it: rm " + path + " && udevadm trigger"};
    return pass(describe(node));
}

}  // namespace

Outcome judge_dev_kvm_exists(const HostFacts& facts) {
    return judge_char_device(facts, "/dev/kvm", {10, 232}, Status::fail,
                             "load the KVM modules (see kernel.kvm-modules): modprobe kvm_intel or kvm_amd "
                             "creates /dev/kvm");
}

Outcome judge_dev_kvm_access(const HostFacts& facts) {
    const auto& fact = facts.device("/dev/kvm");
    if (!fact.has_value()) return missing_fact(fact);
    const DeviceNode& node = fact.value();
    if (!node.exists) return skip("/dev/kvm does not exist (see dev.kvm.exists)");
    const auto& identity_fact = facts.qemu_identity();
    if (!identity_fact.has_value()) return missing_fact(identity_fact);
    const QemuIdentity& qemu = identity_fact.value();
    if (!qemu.uid) return skip("QEMU's account \"" + qemu.user + "\" is not in /etc/passwd (is libvirt installed?)");

    // Linux uses only the first class that matches: owner, else group, else other (root overrides).
    const bool in_group = (qemu.gid && *qemu.gid == node.gid) || qemu.supplementary_gids.count(node.gid);
    unsigned bits = node.mode & 0006;
    if (*qemu.uid == node.uid) bits = (node.mode >> 6) & 06;
    else if (in_group) bits = (node.mode >> 3) & 06;
    const bool may_open = *qemu.uid == 0 || bits == 06;
    const std::string who = qemu.user + ":" + qemu.group + " (" + qemu.source + ")";
    if (may_open)
        return pass(describe(node) + "; QEMU runs as " + who + " and may read and write it");
    return fail(describe(node) + "; QEMU runs as " + who + " and cannot open it: guests fail with "
                                 "\"Could not access KVM kernel module: Permission denied\"",
                "give /dev/kvm to group kvm with a udev rule: echo 'KERNEL==\"kvm\", GROUP=\"kvm\", MODE=\"0660\"' > "
                "/etc/udev/rules.d/65-kvm.rules && udevadm trigger --name-match=kvm; and make sure " +
                    qemu.user + " is in group kvm (usermod -aG kvm " + qemu.user + ")");
}

Outcome judge_dev_vhost_net(const HostFacts& facts) {
    // virt-host-validate WARNs here: guests run without it, only slower.
    return judge_char_device(facts, "/dev/vhost-net", {10, 238}, Status::warn,
                             "modprobe vhost_net && echo vhost_net > /etc/modules-load.d/vhost-net.conf");
}

Outcome judge_dev_net_tun(const HostFacts& facts) {
    return judge_char_device(facts, "/dev/net/tun", {10, 200}, Status::fail,
                             "modprobe tun && echo tun > /etc/modules-load.d/tun.conf");
}

}  // namespace checks
