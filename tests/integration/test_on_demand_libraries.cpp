// libkmod and libsemanage are opened when a step first loads a module or adds a file-context rule, not at
// start-up (host/dynamic/on_demand_library.h). The dynamic loader's own account of a run (LD_DEBUG=files, on
// stderr) says which libraries it loaded; the installed libraries must have every function the adapters call.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "host/kmod/kmod_library.h"
#include "host/selinux/semanage_library.h"
#include "tests/support/on_demand_table.h"
#include "tests/support/process.h"

namespace {

TEST(OnDemandLibraries, TheInstalledLibkmodHasEveryFunctionTheModuleLoaderCalls) {
    const auto library = host::kmod::open_kmod_library(host::kmod::k_kmod_soname);
    ASSERT_TRUE(library) << library.error().message;
    KVM_EXPECT_EVERY_FUNCTION_RESOLVED(KVM_KMOD_FUNCTIONS, *library);
}

TEST(OnDemandLibraries, TheInstalledLibsemanageHasEveryFunctionTheLabelsAdapterCalls) {
    const auto library = host::selinux::open_semanage_library(host::selinux::k_semanage_soname);
    ASSERT_TRUE(library) << library.error().message;
    KVM_EXPECT_EVERY_FUNCTION_RESOLVED(KVM_SEMANAGE_FUNCTIONS, *library);
}

TEST(OnDemandLibraries, AMissingOrForeignLibraryIsAnErrorNamingItAndItsPackage) {
    const auto missing = host::kmod::open_kmod_library("libkvm-host-agent-absent.so.0");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("libkmod cannot be loaded: libkvm-host-agent-absent.so.0"),
              std::string::npos)
        << missing.error().message;
    EXPECT_NE(missing.error().message.find("install kmod-libs; Debian: libkmod2"), std::string::npos)
        << missing.error().message;

    const auto foreign = host::selinux::open_semanage_library("libc.so.6");
    ASSERT_FALSE(foreign);
    EXPECT_NE(foreign.error().message.find("libsemanage libc.so.6 lacks semanage_handle_create, "
                                           "semanage_handle_destroy"),
              std::string::npos)
        << foreign.error().message;
}

TEST(OnDemandLibraries, APlanOfTheSysctlSectionLoadsNeitherNorWhatTheyLink) {
    const auto profile = std::filesystem::temp_directory_path() /
                         ("kvm-host-agent-on-demand-" + std::to_string(::getpid()) + ".yaml");
    std::ofstream(profile) << "sysctl:\n  net.ipv4.ip_forward: 1\n";
    const auto run = tests::run_process({"/usr/bin/env", "LD_DEBUG=files", KVM_AGENT_BINARY, "plan", "--profile",
                                         profile.string()});
    std::filesystem::remove(profile);
    ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 2) << run.out << run.err;
    ASSERT_NE(run.err.find("file=libc.so.6"), std::string::npos) << "LD_DEBUG gave no account:\n" << run.err;
    for (const char* library : {"libkmod.so", "libsemanage.so", "libsepol.so", "libcrypto.so", "libvirt.so"})
        EXPECT_EQ(run.err.find(library), std::string::npos) << library << " loaded:\n" << run.err;
}

}  // namespace
