// checks/devices.cpp: /dev/kvm (and who may open it), /dev/vhost-net, /dev/net/tun.
#include <gtest/gtest.h>

#include "checks/judges.h"
#include "judge_test_support.h"

namespace checks {
namespace {

using namespace testing;

constexpr unsigned k_kvm_gid = 36;

// --- dev.kvm.exists ---

TEST(DevKvmExists, PassesForTheCharDevice10_232) {
    StaticHostFacts facts;
    facts.device_facts["/dev/kvm"] = char_device("/dev/kvm", 10, 232, 0660);
    EXPECT_OUTCOME(run_check("dev.kvm.exists", facts), Status::pass, "/dev/kvm root:kvm 0660, char 10:232");
}

TEST(DevKvmExists, FailsWhenMissing) {
    StaticHostFacts facts;
    facts.device_facts["/dev/kvm"] = absent_device("/dev/kvm");
    const auto outcome = run_check("dev.kvm.exists", facts);
    EXPECT_OUTCOME(outcome, Status::fail, "/dev/kvm does not exist");
    EXPECT_FIX_HAS(outcome, "modprobe kvm_intel or kvm_amd");
}

TEST(DevKvmExists, FailsWhenNotACharacterDevice) {
    StaticHostFacts facts;
    auto node = char_device("/dev/kvm", 0, 0);
    node.is_char_device = false;
    facts.device_facts["/dev/kvm"] = node;
    EXPECT_OUTCOME(run_check("dev.kvm.exists", facts), Status::fail, "/dev/kvm exists but is not a character device");
}

TEST(DevKvmExists, FailsForTheWrongDeviceNumbersAndSuggestsUdev) {
    StaticHostFacts facts;
    facts.device_facts["/dev/kvm"] = char_device("/dev/kvm", 1, 3);
    const auto outcome = run_check("dev.kvm.exists", facts);
    EXPECT_OUTCOME(outcome, Status::fail, "char 1:3: expected char 10:232");
    EXPECT_FIX_HAS(outcome, "rm /dev/kvm && udevadm trigger");
}

// --- dev.kvm.access ---

StaticHostFacts kvm_node(unsigned mode, unsigned uid, unsigned gid, QemuIdentity qemu) {
    StaticHostFacts facts;
    facts.device_facts["/dev/kvm"] = char_device("/dev/kvm", 10, 232, mode, uid, gid);
    facts.qemu_identity_fact = std::move(qemu);
    return facts;
}

struct AccessCase {
    const char* name;
    unsigned mode, uid, gid;
    QemuIdentity qemu;
    Status expected;
};

class DevKvmAccess : public ::testing::TestWithParam<AccessCase> {};

TEST_P(DevKvmAccess, AppliesOwnerGroupAndOtherBits) {
    const auto& c = GetParam();
    const auto outcome = run_check("dev.kvm.access", kvm_node(c.mode, c.uid, c.gid, c.qemu));
    EXPECT_EQ(outcome.status, c.expected) << describe(outcome);
    if (c.expected == Status::pass) {
        EXPECT_NE(outcome.evidence.find("may read and write it"), std::string::npos) << outcome.evidence;
    } else {
        EXPECT_NE(outcome.evidence.find("Could not access KVM kernel module: Permission denied"), std::string::npos)
            << outcome.evidence;
        EXPECT_FIX_HAS(outcome, "usermod -aG kvm qemu");
        EXPECT_FIX_HAS(outcome, "/etc/udev/rules.d/65-kvm.rules");
    }
}

INSTANTIATE_TEST_SUITE_P(
    Table, DevKvmAccess,
    ::testing::Values(
        AccessCase{"GroupKvmPrimaryGid", 0660, 0, k_kvm_gid, qemu_account(107, k_kvm_gid), Status::pass},
        AccessCase{"GroupKvmSupplementary", 0660, 0, k_kvm_gid, qemu_account(107, 107, {k_kvm_gid}), Status::pass},
        AccessCase{"NotInGroupKvm", 0660, 0, k_kvm_gid, qemu_account(107, 107, {5, 100}), Status::fail},
        AccessCase{"GroupBitsReadOnly", 0640, 0, k_kvm_gid, qemu_account(107, 107, {k_kvm_gid}), Status::fail},
        AccessCase{"WorldReadWrite", 0666, 0, k_kvm_gid, qemu_account(107, 107), Status::pass},
        AccessCase{"WorldReadOnly", 0664, 0, k_kvm_gid, qemu_account(107, 107), Status::fail},
        AccessCase{"OwnedByQemu", 0600, 107, 0, qemu_account(107, 107), Status::pass},
        AccessCase{"OwnedByQemuWithoutWrite", 0400, 107, 0, qemu_account(107, 107), Status::fail},
        AccessCase{"RootOnlyAndQemuIsRoot", 0600, 0, 0, qemu_account(0, 0), Status::pass},
        AccessCase{"RootOnlyAndQemuIsNot", 0600, 0, 0, qemu_account(107, 107), Status::fail}),
    [](const auto& test_info) { return std::string(test_info.param.name); });

TEST(DevKvmAccessQemuConf, PassesForUserPlus0FromQemuConfOnARootOnlyNode) {
    QemuIdentity qemu = qemu_account(0, 0);
    qemu.user = "+0";
    qemu.group = "+0";
    qemu.source = "qemu.conf";
    const auto outcome = run_check("dev.kvm.access", kvm_node(0600, 0, 0, qemu));
    EXPECT_OUTCOME(outcome, Status::pass, "QEMU runs as +0:+0 (qemu.conf)");
}

TEST(DevKvmAccessQemuConf, FailureNamesTheConfiguredUserInTheFix) {
    QemuIdentity qemu = qemu_account(64055, 64055);
    qemu.user = "libvirt-qemu";
    qemu.group = "kvm";
    qemu.source = "qemu.conf";
    const auto outcome = run_check("dev.kvm.access", kvm_node(0660, 0, k_kvm_gid, qemu));
    EXPECT_OUTCOME(outcome, Status::fail, "QEMU runs as libvirt-qemu:kvm (qemu.conf) and cannot open it");
    EXPECT_FIX_HAS(outcome, "usermod -aG kvm libvirt-qemu");
}

// Linux applies only the first matching class: the owner's bits for the owner, else the group's for a
// member, else other's. Bits of a later class do not add to an earlier one.
TEST(DevKvmAccessQemuConf, OwnerClassDecidesEvenWhenOtherMayOpen) {
    const auto outcome = run_check("dev.kvm.access", kvm_node(0066, 107, 0, qemu_account(107, 107)));
    EXPECT_EQ(outcome.status, Status::fail) << describe(outcome);
}

TEST(DevKvmAccessQemuConf, GroupClassDecidesEvenWhenOtherMayOpen) {
    const auto outcome =
        run_check("dev.kvm.access", kvm_node(0606, 0, k_kvm_gid, qemu_account(107, 107, {k_kvm_gid})));
    EXPECT_EQ(outcome.status, Status::fail) << describe(outcome);
}

TEST(DevKvmAccessPreconditions, SkipsWhenDevKvmDoesNotExist) {
    StaticHostFacts facts;
    facts.device_facts["/dev/kvm"] = absent_device("/dev/kvm");
    facts.qemu_identity_fact = qemu_account();
    EXPECT_OUTCOME(run_check("dev.kvm.access", facts), Status::skip, "see dev.kvm.exists");
}

TEST(DevKvmAccessPreconditions, SkipsWhenQemusAccountIsNotInPasswd) {
    QemuIdentity qemu = qemu_account();
    qemu.uid.reset();
    EXPECT_OUTCOME(run_check("dev.kvm.access", kvm_node(0660, 0, k_kvm_gid, qemu)), Status::skip,
                   "QEMU's account \"qemu\" is not in /etc/passwd");
}

TEST(DevKvmAccessPreconditions, IsErrorWhenQemuConfIsUnreadable) {
    StaticHostFacts facts;
    facts.device_facts["/dev/kvm"] = char_device("/dev/kvm", 10, 232);
    facts.qemu_identity_fact = ReadError{"/etc/libvirt/qemu.conf:12: bad key \"user name\""};
    EXPECT_OUTCOME(run_check("dev.kvm.access", facts), Status::error, "qemu.conf:12");
}

// --- dev.vhost-net, dev.net-tun ---

TEST(DevVhostNet, PassesForTheCharDevice10_238) {
    StaticHostFacts facts;
    facts.device_facts["/dev/vhost-net"] = char_device("/dev/vhost-net", 10, 238, 0600, 0, 0, "root", "root");
    EXPECT_OUTCOME(run_check("dev.vhost-net", facts), Status::pass, "/dev/vhost-net root:root 0600, char 10:238");
}

TEST(DevVhostNet, OnlyWarnsWhenMissingBecauseGuestsRunWithoutIt) {
    StaticHostFacts facts;
    facts.device_facts["/dev/vhost-net"] = absent_device("/dev/vhost-net");
    const auto outcome = run_check("dev.vhost-net", facts);
    EXPECT_OUTCOME(outcome, Status::warn, "/dev/vhost-net does not exist");
    EXPECT_FIX_HAS(outcome, "modprobe vhost_net");
}

TEST(DevVhostNet, WarnsForTheWrongDeviceNumbers) {
    StaticHostFacts facts;
    facts.device_facts["/dev/vhost-net"] = char_device("/dev/vhost-net", 10, 200);
    const auto outcome = run_check("dev.vhost-net", facts);
    EXPECT_OUTCOME(outcome, Status::warn, "expected char 10:238");
    EXPECT_FIX_HAS(outcome, "rm /dev/vhost-net");
}

TEST(DevNetTun, PassesForTheCharDevice10_200) {
    StaticHostFacts facts;
    facts.device_facts["/dev/net/tun"] = char_device("/dev/net/tun", 10, 200, 0666, 0, 0, "root", "root");
    EXPECT_OUTCOME(run_check("dev.net-tun", facts), Status::pass, "/dev/net/tun root:root 0666, char 10:200");
}

TEST(DevNetTun, FailsWhenMissing) {
    StaticHostFacts facts;
    facts.device_facts["/dev/net/tun"] = absent_device("/dev/net/tun");
    const auto outcome = run_check("dev.net-tun", facts);
    EXPECT_OUTCOME(outcome, Status::fail, "/dev/net/tun does not exist");
    EXPECT_FIX_HAS(outcome, "modprobe tun");
}

}  // namespace
}  // namespace checks
