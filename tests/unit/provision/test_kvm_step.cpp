// The kvm step against a temporary root with a recording module loader standing in for libkmod.
#include "agent/steps/kvm_step.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/provision/temp_root.h"

namespace agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using tests::provision::TempRoot;

const std::string k_amd_cpuinfo =
    "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu lm svm\n\n"
    "processor\t: 1\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu lm svm\n\n";
const std::string k_intel_cpuinfo = "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu lm vmx\n\n";

// Loads into the fixture tree as the kernel would: a /proc/modules line and /sys/module/NAME, with the
// nested parameter taken from the modprobe.d file the step wrote.
class FakeLoader final : public host::kmod::ModuleLoader {
public:
    FakeLoader(const TempRoot& root, std::vector<std::string>& loaded, std::string fail_on)
        : m_root(root), m_loaded(loaded), m_fail_on(std::move(fail_on)) {}
    common::Result<std::monostate> load(const std::string& name) override {
        if (name == m_fail_on) return common::make_error("loading " + name + ": No such device");
        m_loaded.push_back(name);
        m_root.write("/proc/modules", m_root.read("/proc/modules").value_or("") + name + " 1 0 - Live 0x0\n");
        m_root.write("/sys/module/" + name + "/refcnt", "0\n");
        const auto options = m_root.read("/etc/modprobe.d/kvm-nested.conf").value_or("");
        if (name != "kvm")
            m_root.write("/sys/module/" + name + "/parameters/nested",
                         options.find(name + " nested=0") != std::string::npos ? "0\n" : "1\n");
        return std::monostate{};
    }

private:
    const TempRoot& m_root;
    std::vector<std::string>& m_loaded;
    std::string m_fail_on;
};

class KvmStepTest : public ::testing::Test {
protected:
    void SetUp() override {
        m_root.write("/proc/cpuinfo", k_amd_cpuinfo);
        m_root.write("/proc/modules", "irqbypass 16384 0 - Live 0x0\n");
    }
    KvmStep step(std::optional<bool> nested, bool can_load = true) {
        StepSettings settings;
        settings.root = m_root.root();
        KvmStep::LoaderFactory factory;
        if (can_load)
            factory = [this]() -> common::Result<std::unique_ptr<host::kmod::ModuleLoader>> {
                ++m_loader_opened;
                return std::unique_ptr<host::kmod::ModuleLoader>(std::make_unique<FakeLoader>(m_root, m_loaded, m_fail_on));
            };
        return KvmStep(profile::KvmSection{nested}, settings, factory);
    }
    TempRoot m_root;
    std::vector<std::string> m_loaded;
    std::string m_fail_on;
    int m_loader_opened = 0;
};

TEST_F(KvmStepTest, PlanListsTheChangesInOrderAndTouchesNothing) {
    auto s = step(true);
    const auto plan = s.plan();
    ASSERT_TRUE(plan.ok()) << plan.error().message;
    EXPECT_THAT(plan->changes, ElementsAre("write /etc/modprobe.d/kvm-nested.conf (options kvm_amd nested=1)",
                                           "load kvm", "load kvm_amd",
                                           "write /etc/modules-load.d/kvm.conf (load kvm at boot)"));
    EXPECT_EQ(m_loader_opened, 0);
    EXPECT_FALSE(m_root.exists("/etc/modprobe.d/kvm-nested.conf"));
}

TEST_F(KvmStepTest, ApplyWritesTheOptionLoadsPersistsAndASecondApplyChangesNothing) {
    auto s = step(true);
    const auto outcome = s.apply();
    ASSERT_TRUE(outcome.ok()) << outcome.failures.front();
    EXPECT_THAT(m_loaded, ElementsAre("kvm", "kvm_amd"));
    EXPECT_THAT(outcome.changed, ElementsAre("created /etc/modprobe.d/kvm-nested.conf", "loaded kvm", "loaded kvm_amd",
                                             "created /etc/modules-load.d/kvm.conf"));
    EXPECT_THAT(*m_root.read("/etc/modules-load.d/kvm.conf"), ::testing::EndsWith("\nkvm\nkvm_amd\n"));
    EXPECT_THAT(*m_root.read("/etc/modprobe.d/kvm-nested.conf"), ::testing::EndsWith("\noptions kvm_amd nested=1\n"));
    EXPECT_THAT(outcome.notes, IsEmpty());  // loaded after the option: it runs nested already

    m_loaded.clear();
    const auto again = s.apply();
    EXPECT_TRUE(again.ok());
    EXPECT_THAT(again.changed, IsEmpty());
    EXPECT_THAT(m_loaded, IsEmpty());
    EXPECT_THAT(s.plan()->changes, IsEmpty());
}

TEST_F(KvmStepTest, ALoadedModuleWithAnotherNestedValueIsNotUnloadedAndTheNoteSaysWhatToDo) {
    m_root.write("/proc/modules", "kvm_intel 1 0 - Live 0x0\nkvm 2 1 kvm_intel, Live 0x0\n");
    m_root.write("/proc/cpuinfo", k_intel_cpuinfo);
    m_root.write("/sys/module/kvm_intel/parameters/nested", "N\n");
    m_root.write("/sys/module/kvm_intel/refcnt", "3\n");
    auto s = step(true);
    const auto outcome = s.apply();
    ASSERT_TRUE(outcome.ok()) << outcome.failures.front();
    EXPECT_THAT(m_loaded, IsEmpty());
    EXPECT_THAT(*m_root.read("/etc/modprobe.d/kvm-nested.conf"), HasSubstr("options kvm_intel nested=1\n"));
    ASSERT_EQ(outcome.notes.size(), 1u);
    EXPECT_THAT(outcome.notes[0], HasSubstr("kvm_intel runs with nested=0"));
    EXPECT_THAT(outcome.notes[0], HasSubstr("3 VM(s) hold it, so reboot"));
    // The note stays until the module is reloaded; the files do not change again.
    const auto again = s.apply();
    EXPECT_THAT(again.changed, IsEmpty());
    EXPECT_EQ(again.notes, outcome.notes);
}

TEST_F(KvmStepTest, NestedAbsentLeavesAnExistingOptionFileAlone) {
    m_root.write("/etc/modprobe.d/kvm-nested.conf", "options kvm_amd nested=0\n");
    auto s = step(std::nullopt);
    ASSERT_TRUE(s.apply().ok());
    EXPECT_EQ(m_root.read("/etc/modprobe.d/kvm-nested.conf"), "options kvm_amd nested=0\n");
}

TEST_F(KvmStepTest, AModuleThatDoesNotLoadFailsTheStepAndIsNotPersisted) {
    m_fail_on = "kvm_amd";
    auto s = step(std::nullopt);
    const auto outcome = s.apply();
    EXPECT_THAT(outcome.failures, ElementsAre("loading kvm_amd: No such device"));
    EXPECT_THAT(outcome.changed, ElementsAre("loaded kvm"));
    EXPECT_FALSE(m_root.exists("/etc/modules-load.d/kvm.conf"));
}

TEST_F(KvmStepTest, ACpuWithoutVirtualizationFails) {
    m_root.write("/proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu lm\n\n");
    auto s = step(true);
    ASSERT_TRUE(s.plan().ok());
    const auto outcome = s.apply();
    ASSERT_FALSE(outcome.ok());
    EXPECT_THAT(outcome.failures[0], HasSubstr("neither vmx (Intel VT-x) nor svm"));
    EXPECT_FALSE(m_root.exists("/etc/modprobe.d/kvm-nested.conf"));
}

TEST_F(KvmStepTest, AnUnreadableCpuinfoIsAPlanError) {
    m_root.write("/proc/cpuinfo", "processor\t: 0\n");
    auto s = step(true);
    const auto plan = s.plan();
    ASSERT_FALSE(plan.ok());
    EXPECT_THAT(plan.error().message, HasSubstr("reading the CPU's flags: /proc/cpuinfo has no \"flags\" lines"));
}

TEST_F(KvmStepTest, UnderAnotherRootOnlyTheFilesAreWritten) {
    auto s = step(false, false);
    const auto outcome = s.apply();
    ASSERT_TRUE(outcome.ok()) << outcome.failures.front();
    EXPECT_THAT(outcome.changed, ElementsAre("created /etc/modprobe.d/kvm-nested.conf", "created /etc/modules-load.d/kvm.conf"));
    EXPECT_THAT(outcome.notes, ElementsAre(HasSubstr("not the running system")));
}

TEST_F(KvmStepTest, BuiltInModulesCountAsPresent) {
    m_root.write("/proc/modules", "");
    m_root.write("/sys/module/kvm/parameters/halt_poll_ns", "200000\n");
    m_root.write("/sys/module/kvm_amd/parameters/nested", "1\n");
    auto s = step(std::nullopt);
    EXPECT_THAT(s.plan()->changes, ElementsAre("write /etc/modules-load.d/kvm.conf (load kvm at boot)"));
}

}  // namespace
}  // namespace agent
