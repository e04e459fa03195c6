// checks/kernel.cpp: KVM modules, a real guest run, nested virtualization.
#include <gtest/gtest.h>

#include "checks/judges.h"
#include "judge_test_support.h"

namespace checks {
namespace {

using namespace testing;

// --- kernel.kvm-modules ---

TEST(KernelKvmModules, PassesWithKvmAndTheIntelBackendLoaded) {
    StaticHostFacts facts;
    facts.kernel_modules_fact = modules_with({{"kvm", loaded()}, {"kvm_intel", loaded()}, {"irqbypass", loaded()}});
    EXPECT_OUTCOME(run_check("kernel.kvm-modules", facts), Status::pass,
                   "kvm loaded, kvm_intel loaded, irqbypass loaded");
}

TEST(KernelKvmModules, PassesWithBuiltInModulesOnAKernelWithoutModuleSupport) {
    StaticHostFacts facts;
    auto modules = modules_with({{"kvm", {ModuleLoad::builtin, {}}}, {"kvm_amd", {ModuleLoad::builtin, {}}}});
    modules.has_proc_modules = false;
    facts.kernel_modules_fact = modules;
    const auto outcome = run_check("kernel.kvm-modules", facts);
    EXPECT_OUTCOME(outcome, Status::pass, "kvm built in, kvm_amd built in, irqbypass absent");
    EXPECT_NE(outcome.evidence.find("(kernel without loadable modules)"), std::string::npos);
}

TEST(KernelKvmModules, FailsWithoutAVendorBackendAndNamesTheModuleForTheCpu) {
    StaticHostFacts facts;
    facts.cpuinfo_fact = amd_cpus(4);
    facts.kernel_modules_fact = modules_with({{"kvm", loaded()}});
    const auto outcome = run_check("kernel.kvm-modules", facts);
    EXPECT_OUTCOME(outcome, Status::fail, "kvm loaded, no kvm_intel/kvm_amd");
    EXPECT_FIX_HAS(outcome, "modprobe kvm_amd && echo kvm_amd > /etc/modules-load.d/kvm.conf");
}

TEST(KernelKvmModules, FailsWithoutKvmItself) {
    StaticHostFacts facts;
    facts.cpuinfo_fact = intel_cpus(4);
    facts.kernel_modules_fact = modules_with({{"kvm", {ModuleLoad::absent, {}}}, {"kvm_intel", loaded()}});
    const auto outcome = run_check("kernel.kvm-modules", facts);
    EXPECT_OUTCOME(outcome, Status::fail, "kvm absent");
    EXPECT_FIX_HAS(outcome, "modprobe kvm_intel");
}

TEST(KernelKvmModules, FixNamesBothModulesWhenTheCpuVendorIsUnknown) {
    StaticHostFacts facts;
    facts.kernel_modules_fact = modules_with({});
    const auto outcome = run_check("kernel.kvm-modules", facts);
    EXPECT_OUTCOME(outcome, Status::fail, "kvm absent");
    EXPECT_FIX_HAS(outcome, "modprobe kvm_intel (Intel) or kvm_amd (AMD)");
    EXPECT_FIX_HAS(outcome, "Operation not supported");
}

TEST(KernelKvmModules, PassesWithKvmPvmButPointsAtKvmFunctional) {
    StaticHostFacts facts;
    facts.kernel_modules_fact = modules_with({{"kvm", loaded()}, {"kvm_pvm", loaded()}});
    EXPECT_OUTCOME(run_check("kernel.kvm-modules", facts), Status::pass,
                   "kvm_pvm loaded, irqbypass absent; kvm_pvm is a paravirtual backend: see kvm.functional");
}

// --- kvm.functional ---

KvmProbeResult probe_ok() { return {true, 12, true, ""}; }

TEST(KvmFunctional, PassesWhenAGuestRanToHltAndNamesTheBackend) {
    StaticHostFacts facts;
    facts.kvm_probe_fact = probe_ok();
    facts.kernel_modules_fact = modules_with({{"kvm", loaded()}, {"kvm_intel", loaded()}});
    EXPECT_OUTCOME(run_check("kvm.functional", facts), Status::pass,
                   "ran real-mode code to HLT through /dev/kvm (API version 12), backend kvm_intel");
}

TEST(KvmFunctional, PassesWithoutBackendWhenModulesAreUnknown) {
    StaticHostFacts facts;
    facts.kvm_probe_fact = probe_ok();
    facts.kernel_modules_fact = ReadError{"cannot read /proc/modules"};
    const auto outcome = run_check("kvm.functional", facts);
    EXPECT_OUTCOME(outcome, Status::pass, "(API version 12)");
    EXPECT_EQ(outcome.evidence.find("backend"), std::string::npos);
}

TEST(KvmFunctional, WarnsWhenOnlyTheKvmPvmBackendRunsGuests) {
    StaticHostFacts facts;
    facts.kvm_probe_fact = probe_ok();
    facts.kernel_modules_fact = modules_with({{"kvm", loaded()}, {"kvm_pvm", loaded()}});
    const auto outcome = run_check("kvm.functional", facts);
    EXPECT_OUTCOME(outcome, Status::warn, "backend kvm_pvm: a paravirtual backend");
    EXPECT_FIX_HAS(outcome, "so kvm_intel or kvm_amd backs /dev/kvm");
}

TEST(KvmFunctional, FailsWhenDevKvmCannotBeOpened) {
    StaticHostFacts facts;
    facts.kvm_probe_fact = KvmProbeResult{false, -1, false, "open /dev/kvm: No such file or directory"};
    const auto outcome = run_check("kvm.functional", facts);
    EXPECT_OUTCOME(outcome, Status::fail, "open /dev/kvm: No such file or directory");
    EXPECT_FIX_HAS(outcome, "load the KVM modules");
}

TEST(KvmFunctional, FailsWhenTheGuestDoesNotReachHlt) {
    StaticHostFacts facts;
    facts.kvm_probe_fact = KvmProbeResult{true, 12, false, "KVM_RUN: exit reason 8 (SHUTDOWN)"};
    const auto outcome = run_check("kvm.functional", facts);
    EXPECT_OUTCOME(outcome, Status::fail, "exit reason 8 (SHUTDOWN)");
    EXPECT_FIX_HAS(outcome, "check dmesg");
}

// --- kvm.nested ---

TEST(KvmNested, PassesAsOnWhenKvmIntelHasNestedY) {
    StaticHostFacts facts;
    facts.kernel_modules_fact = modules_with({{"kvm_intel", loaded({{"nested", "Y"}})}});
    EXPECT_OUTCOME(run_check("kvm.nested", facts), Status::pass, "nested virtualization on (kvm_intel nested=Y)");
}

TEST(KvmNested, PassesAsOnWhenKvmAmdHasNested1) {
    StaticHostFacts facts;
    facts.kernel_modules_fact = modules_with({{"kvm_amd", loaded({{"nested", "1"}})}});
    EXPECT_OUTCOME(run_check("kvm.nested", facts), Status::pass, "nested virtualization on (kvm_amd nested=1)");
}

TEST(KvmNested, PassesAsOffWhenNestedIsN) {
    StaticHostFacts facts;
    facts.kernel_modules_fact = modules_with({{"kvm_intel", loaded({{"nested", "N"}})}});
    EXPECT_OUTCOME(run_check("kvm.nested", facts), Status::pass, "nested virtualization off (kvm_intel nested=N)");
}

TEST(KvmNested, SkipsWhenNoVendorModuleIsLoaded) {
    StaticHostFacts facts;
    facts.kernel_modules_fact = modules_with({{"kvm", loaded()}, {"kvm_intel", {ModuleLoad::absent, {}}}});
    EXPECT_OUTCOME(run_check("kvm.nested", facts), Status::skip, "neither kvm_intel nor kvm_amd is loaded");
}

TEST(KvmNested, SkipsWhenTheModuleHasNoNestedParameter) {
    StaticHostFacts facts;
    facts.kernel_modules_fact = modules_with({{"kvm_amd", loaded({{"npt", "1"}})}});
    EXPECT_OUTCOME(run_check("kvm.nested", facts), Status::skip, "kvm_amd has no nested parameter");
}

}  // namespace
}  // namespace checks
