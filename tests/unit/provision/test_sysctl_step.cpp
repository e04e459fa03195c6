// The sysctl step against a temporary root: /proc/sys is plain files there, the sysctl.d directories too.
#include "agent/steps/sysctl_step.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/provision/temp_root.h"

namespace agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using tests::provision::TempRoot;

class SysctlStepTest : public ::testing::Test {
protected:
    void SetUp() override {
        m_root.write("/proc/sys/net/ipv4/ip_forward", "0\n");
        m_root.write("/proc/sys/vm/swappiness", "60\n");
        m_root.write("/usr/lib/sysctl.d/50-default.conf", "net.ipv4.ip_forward = 0\n");
    }
    SysctlStep step(std::map<std::string, std::string> values) {
        StepSettings settings;
        settings.root = m_root.root();
        return SysctlStep(profile::SysctlSection{std::move(values)}, settings);
    }
    TempRoot m_root;
};

TEST_F(SysctlStepTest, PlanSaysWhatWouldChangeAndTouchesNothing) {
    auto s = step({{"net.ipv4.ip_forward", "1"}});
    const auto plan = s.plan();
    ASSERT_TRUE(plan.ok()) << plan.error().message;
    EXPECT_THAT(plan->changes, ElementsAre("set net.ipv4.ip_forward to 1 (now 0)",
                                           "persist net.ipv4.ip_forward in /etc/sysctl.d/90-kvm-host.conf"));
    EXPECT_EQ(m_root.read("/proc/sys/net/ipv4/ip_forward"), "0\n");
    EXPECT_FALSE(m_root.exists("/etc/sysctl.d/90-kvm-host.conf"));
}

TEST_F(SysctlStepTest, ApplySetsPersistsVerifiesAndASecondApplyChangesNothing) {
    auto s = step({{"net.ipv4.ip_forward", "1"}, {"vm.swappiness", "10"}});
    const auto outcome = s.apply();
    ASSERT_TRUE(outcome.ok()) << outcome.failures.front();
    EXPECT_THAT(outcome.changed, ElementsAre("set net.ipv4.ip_forward to 1 (was 0)", "set vm.swappiness to 10 (was 60)",
                                             "created /etc/sysctl.d/90-kvm-host.conf"));
    EXPECT_EQ(m_root.read("/proc/sys/net/ipv4/ip_forward"), "1");
    const auto file = m_root.read("/etc/sysctl.d/90-kvm-host.conf");
    ASSERT_TRUE(file);
    EXPECT_THAT(*file, HasSubstr("kvm-agent"));
    EXPECT_THAT(*file, ::testing::EndsWith("\nnet.ipv4.ip_forward = 1\nvm.swappiness = 10\n"));
    EXPECT_EQ(std::filesystem::status(m_root.at("/etc/sysctl.d/90-kvm-host.conf")).permissions() &
                  std::filesystem::perms::all,
              std::filesystem::perms(0644));
    EXPECT_THAT(outcome.notes, IsEmpty());

    const auto again = s.apply();
    EXPECT_TRUE(again.ok());
    EXPECT_THAT(again.changed, IsEmpty());
    EXPECT_THAT(s.plan()->changes, IsEmpty());
}

TEST_F(SysctlStepTest, AChangedProfileReplacesTheFileAndKeepsTheOldOneAsBackup) {
    ASSERT_TRUE(step({{"net.ipv4.ip_forward", "1"}, {"vm.swappiness", "10"}}).apply().ok());
    const auto outcome = step({{"net.ipv4.ip_forward", "1"}}).apply();
    ASSERT_TRUE(outcome.ok());
    EXPECT_THAT(outcome.changed, ElementsAre("replaced /etc/sysctl.d/90-kvm-host.conf (the previous version kept in "
                                             "/var/lib/kvm-agent/backup/etc/sysctl.d/90-kvm-host.conf)"));
    EXPECT_THAT(*m_root.read("/var/lib/kvm-agent/backup/etc/sysctl.d/90-kvm-host.conf"), HasSubstr("vm.swappiness = 10"));
    EXPECT_EQ(m_root.read("/proc/sys/vm/swappiness"), "10");  // a key the profile drops keeps its running value
}

TEST_F(SysctlStepTest, ALaterFileThatOverridesOursIsReportedWithItsLine) {
    m_root.write("/etc/sysctl.conf", "# local\nnet.ipv4.ip_forward = 0\n");
    auto s = step({{"net.ipv4.ip_forward", "1"}});
    const std::string note = "/etc/sysctl.conf:2 sets net.ipv4.ip_forward = 0 after /etc/sysctl.d/90-kvm-host.conf in "
                             "systemd-sysctl's order: at boot the persisted value 1 would be overridden";
    EXPECT_THAT(s.plan()->notes, ElementsAre(note));
    const auto outcome = s.apply();
    EXPECT_TRUE(outcome.ok());  // ours is written and running; the admin decides about theirs
    EXPECT_THAT(outcome.notes, ElementsAre(note));
}

TEST_F(SysctlStepTest, AFileInRunAfterOursOverridesItAndAnEtcFileMasksItsNamesake) {
    m_root.write("/run/sysctl.d/95-forward.conf", "net.ipv4.ip_forward = 0\n");
    m_root.write("/usr/lib/sysctl.d/96-masked.conf", "vm.swappiness = 1\n");
    m_root.write("/etc/sysctl.d/96-masked.conf", "# emptied by the admin\n");
    auto s = step({{"net.ipv4.ip_forward", "1"}, {"vm.swappiness", "10"}});
    const auto notes = s.plan()->notes;
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_THAT(notes[0], HasSubstr("/run/sysctl.d/95-forward.conf:1 sets net.ipv4.ip_forward = 0"));
}

TEST_F(SysctlStepTest, AnUnknownKeyFailsTheStepAndChangesNothing) {
    auto s = step({{"net.ipv4.ip_fowrard", "1"}, {"vm.swappiness", "10"}});
    const auto outcome = s.apply();
    ASSERT_FALSE(outcome.ok());
    EXPECT_THAT(outcome.failures, ElementsAre(HasSubstr("net.ipv4.ip_fowrard: the kernel has no "
                                                        "/proc/sys/net/ipv4/ip_fowrard")));
    EXPECT_THAT(outcome.changed, IsEmpty());
    EXPECT_EQ(m_root.read("/proc/sys/vm/swappiness"), "60\n");
    EXPECT_FALSE(m_root.exists("/etc/sysctl.d/90-kvm-host.conf"));
}

TEST_F(SysctlStepTest, AValueTheKernelDoesNotTakeFailsAndIsNotPersisted) {
    // A directory where the value file should be: the write fails the way a read-only key does.
    std::filesystem::remove(m_root.at("/proc/sys/vm/swappiness"));
    std::filesystem::create_directories(m_root.at("/proc/sys/vm/swappiness"));
    auto s = step({{"vm.swappiness", "10"}});
    const auto outcome = s.apply();
    ASSERT_FALSE(outcome.ok());
    EXPECT_THAT(outcome.failures[0], HasSubstr("reading vm.swappiness"));
    EXPECT_FALSE(m_root.exists("/etc/sysctl.d/90-kvm-host.conf"));
}

TEST_F(SysctlStepTest, AReadOnlyValueFileFailsNamingTheKeyAndTheFile) {
    if (::geteuid() == 0) GTEST_SKIP() << "root writes read-only files";
    std::filesystem::permissions(m_root.at("/proc/sys/vm/swappiness"), std::filesystem::perms(0444));
    auto s = step({{"vm.swappiness", "10"}});
    const auto outcome = s.apply();
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.failures[0], "setting vm.swappiness: opening /proc/sys/vm/swappiness: Permission denied");
    EXPECT_FALSE(m_root.exists("/etc/sysctl.d/90-kvm-host.conf"));
}

TEST(MakeSysctlStep, AnAbsentSectionChangesNothing) {
    TempRoot root;
    StepSettings settings;
    settings.root = root.root();
    const auto step = make_sysctl_step(profile::HostProfile{}, settings);
    EXPECT_EQ(step->section(), "sysctl");
    const auto plan = step->plan();
    ASSERT_TRUE(plan.ok());
    EXPECT_THAT(plan->changes, IsEmpty());
    EXPECT_TRUE(step->apply().ok());
    EXPECT_FALSE(root.exists("/etc/sysctl.d/90-kvm-host.conf"));
}

}  // namespace
}  // namespace agent
