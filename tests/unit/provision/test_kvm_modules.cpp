#include "provision/kvm_modules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace provision {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

checks::CpuInfo cpu(int vmx, int svm) {
    checks::CpuInfo info;
    info.cpus = 4;
    info.vmx = vmx;
    info.svm = svm;
    return info;
}

TEST(VendorOf, VmxIsIntelSvmIsAmdNeitherIsNone) {
    EXPECT_EQ(vendor_of(cpu(4, 0)), CpuVendor::intel);
    EXPECT_EQ(vendor_of(cpu(0, 4)), CpuVendor::amd);
    EXPECT_EQ(vendor_of(cpu(0, 0)), CpuVendor::none);
    EXPECT_EQ(vendor_module(CpuVendor::intel), "kvm_intel");
    EXPECT_EQ(vendor_module(CpuVendor::amd), "kvm_amd");
}

TEST(RenderKvmFiles, ModulesLoadListsKvmAndTheVendorModuleUnderAHeader) {
    const auto text = render_modules_load(CpuVendor::amd);
    EXPECT_EQ(text.substr(0, 2), "# ");
    EXPECT_THAT(text, HasSubstr("kvm-agent"));
    EXPECT_THAT(text, HasSubstr("\nkvm\nkvm_amd\n"));
    EXPECT_THAT(render_nested_options(CpuVendor::amd, true), HasSubstr("\noptions kvm_amd nested=1\n"));
    EXPECT_THAT(render_nested_options(CpuVendor::intel, false), HasSubstr("\noptions kvm_intel nested=0\n"));
}

KvmObserved observed(CpuVendor vendor, std::set<std::string> present) {
    KvmObserved o;
    o.vendor = vendor;
    o.present = std::move(present);
    return o;
}

TEST(PlanKvm, LoadsWhatIsMissingKvmFirstAndPersistsIt) {
    const auto plan = plan_kvm(std::nullopt, observed(CpuVendor::intel, {"irqbypass"}));
    EXPECT_THAT(plan.load, ElementsAre("kvm", "kvm_intel"));
    ASSERT_TRUE(plan.modules_load_content);
    EXPECT_FALSE(plan.nested_content);
    EXPECT_THAT(plan.changes(), ElementsAre("load kvm", "load kvm_intel",
                                            "write /etc/modules-load.d/kvm.conf (load kvm at boot)"));
}

TEST(PlanKvm, ChangesNothingOnAConvergedHost) {
    auto o = observed(CpuVendor::amd, {"kvm", "kvm_amd"});
    o.modules_load_file = render_modules_load(CpuVendor::amd);
    o.nested_file = render_nested_options(CpuVendor::amd, true);
    o.nested_now = true;
    const auto plan = plan_kvm(true, o);
    EXPECT_TRUE(plan.empty());
    EXPECT_THAT(plan.changes(), IsEmpty());
    EXPECT_THAT(plan.notes, IsEmpty());
}

TEST(PlanKvm, NestedWritesTheOptionBeforeLoadingSoANewlyLoadedModuleTakesIt) {
    const auto plan = plan_kvm(true, observed(CpuVendor::amd, {}));
    ASSERT_TRUE(plan.nested_content);
    EXPECT_THAT(*plan.nested_content, HasSubstr("options kvm_amd nested=1\n"));
    EXPECT_THAT(plan.changes(), ElementsAre("write /etc/modprobe.d/kvm-nested.conf (options kvm_amd nested=1)",
                                            "load kvm", "load kvm_amd",
                                            "write /etc/modules-load.d/kvm.conf (load kvm at boot)"));
    EXPECT_THAT(plan.notes, IsEmpty());  // not loaded yet: loading it applies the option
}

TEST(PlanKvm, ALoadedModuleWithAnotherNestedValueNeedsAReloadWhenNoVmHoldsIt) {
    auto o = observed(CpuVendor::intel, {"kvm", "kvm_intel"});
    o.nested_now = false;
    o.vendor_users = 0;
    const auto plan = plan_kvm(true, o);
    ASSERT_EQ(plan.notes.size(), 1u);
    EXPECT_THAT(plan.notes[0], HasSubstr("kvm_intel runs with nested=0; /etc/modprobe.d/kvm-nested.conf sets nested=1"));
    EXPECT_THAT(plan.notes[0], HasSubstr("reload it now that no VM holds it (modprobe -r kvm_intel && modprobe kvm_intel)"));
    EXPECT_THAT(plan.notes[0], HasSubstr("never unloads"));
}

TEST(PlanKvm, ALoadedModuleHeldByVmsNeedsAReboot) {
    auto o = observed(CpuVendor::amd, {"kvm", "kvm_amd"});
    o.nested_now = true;
    o.vendor_users = 2;
    const auto plan = plan_kvm(false, o);
    ASSERT_EQ(plan.notes.size(), 1u);
    EXPECT_THAT(plan.notes[0], HasSubstr("2 VM(s) hold it, so reboot"));
}

TEST(PlanKvm, NestedAbsentLeavesTheOptionAlone) {
    auto o = observed(CpuVendor::amd, {"kvm", "kvm_amd"});
    o.nested_file = "options kvm_amd nested=0\n";
    o.nested_now = false;
    const auto plan = plan_kvm(std::nullopt, o);
    EXPECT_FALSE(plan.nested_content);
    EXPECT_THAT(plan.notes, IsEmpty());
}

TEST(PlanKvm, ACpuWithoutVirtualizationIsUnsupported) {
    const auto plan = plan_kvm(true, observed(CpuVendor::none, {}));
    EXPECT_TRUE(plan.unsupported);
    EXPECT_TRUE(plan.empty());
    ASSERT_EQ(plan.notes.size(), 1u);
    EXPECT_THAT(plan.notes[0], HasSubstr("neither vmx"));
}

TEST(PlanKvm, UnderAnotherRootOnlyTheFilesAreWritten) {
    auto o = observed(CpuVendor::intel, {});
    o.can_load = false;
    const auto plan = plan_kvm(true, o);
    EXPECT_THAT(plan.load, IsEmpty());
    EXPECT_TRUE(plan.modules_load_content);
    EXPECT_TRUE(plan.nested_content);
    EXPECT_THAT(plan.notes, ElementsAre(HasSubstr("not the running system")));
}

}  // namespace
}  // namespace provision
