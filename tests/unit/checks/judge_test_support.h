#pragma once
// Helpers for the judge tests: run a check of the catalogue by id over a hand-filled StaticHostFacts,
// and build the facts a healthy host would report.
#include <gtest/gtest.h>

#include <string>

#include "checks/catalogue.h"
#include "checks/host_facts.h"

namespace checks::testing {

// `expectations`: the profile's, for the checks that judge against one (null: a run without a profile).
inline Outcome run_check(std::string_view id, const HostFacts& facts, const Expectations* expectations = nullptr) {
    const CheckSpec* spec = find_check(id);
    if (!spec) {
        ADD_FAILURE() << "no check \"" << id << "\" in the catalogue";
        return error("no such check");
    }
    return spec->run(facts, expectations);
}

inline std::string describe(const Outcome& outcome) {
    return std::string(to_string(outcome.status)) + " | evidence: " + outcome.evidence + " | fix: " + outcome.fix;
}

// Asserts status and a distinctive evidence substring; printing the whole outcome on failure.
#define EXPECT_OUTCOME(outcome, expected_status, evidence_part)                                        \
    do {                                                                                              \
        const ::checks::Outcome& o_ = (outcome);                                                      \
        EXPECT_EQ(o_.status, (expected_status)) << ::checks::testing::describe(o_);                   \
        EXPECT_NE(o_.evidence.find(evidence_part), std::string::npos)                                 \
            << "evidence lacks \"" << (evidence_part) << "\": " << ::checks::testing::describe(o_);   \
    } while (0)

#define EXPECT_FIX_HAS(outcome, fix_part)                                                             \
    EXPECT_NE((outcome).fix.find(fix_part), std::string::npos)                                        \
        << "fix lacks \"" << (fix_part) << "\": " << ::checks::testing::describe(outcome)

inline CpuInfo intel_cpus(int n) {
    CpuInfo cpu;
    cpu.cpus = cpu.vmx = cpu.lm = n;
    cpu.vendor = "GenuineIntel";
    cpu.model_name = "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz";
    return cpu;
}

inline CpuInfo amd_cpus(int n) {
    CpuInfo cpu;
    cpu.cpus = cpu.svm = cpu.lm = n;
    cpu.vendor = "AuthenticAMD";
    cpu.model_name = "AMD EPYC 7543 32-Core Processor";
    return cpu;
}

inline ModuleInfo loaded(std::map<std::string, std::string> parameters = {}) {
    return {ModuleLoad::loaded, std::move(parameters)};
}

inline KernelModules modules_with(std::map<std::string, ModuleInfo> modules) {
    KernelModules km;
    km.modules = std::move(modules);
    return km;
}

inline DeviceNode char_device(std::string path, unsigned major, unsigned minor, unsigned mode = 0660,
                              unsigned uid = 0, unsigned gid = 36, std::string owner = "root",
                              std::string group = "kvm") {
    DeviceNode node;
    node.path = std::move(path);
    node.exists = true;
    node.is_char_device = true;
    node.major = major;
    node.minor = minor;
    node.mode = mode;
    node.uid = uid;
    node.gid = gid;
    node.owner = std::move(owner);
    node.group = std::move(group);
    return node;
}

inline DeviceNode absent_device(std::string path) {
    DeviceNode node;
    node.path = std::move(path);
    return node;
}

inline QemuIdentity qemu_account(unsigned uid = 107, unsigned gid = 107, std::set<unsigned> supplementary = {}) {
    QemuIdentity identity;
    identity.user = "qemu";
    identity.group = "qemu";
    identity.uid = uid;
    identity.gid = gid;
    identity.supplementary_gids = std::move(supplementary);
    identity.source = "distro default";
    return identity;
}

inline MountEntry mount(std::string source, std::string target, std::string fstype = "xfs") {
    return {std::move(source), std::move(target), std::move(fstype), "rw,relatime"};
}

inline UnitState unit_state(std::string active, std::string file_state) {
    return {"loaded", std::move(active), std::move(file_state)};
}

}  // namespace checks::testing
