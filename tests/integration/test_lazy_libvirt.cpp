// libvirt's client library is opened when a libvirt check first needs it, not at start-up
// (host/libvirt/libvirt_library.h). The dynamic loader's own account of a run (LD_DEBUG=files, on stderr) says
// which libraries it loaded.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "host/libvirt/libvirt_library.h"
#include "tests/support/on_demand_table.h"
#include "tests/support/process.h"

namespace {

using tests::run_process;

tests::ProcessResult doctor_with_loader_log(const std::string& check, const std::vector<std::string>& more = {}) {
    std::vector<std::string> argv = {"/usr/bin/env", "LD_DEBUG=files", KVM_DOCTOR_BINARY, "--check", check, "--output",
                                     "json"};
    argv.insert(argv.end(), more.begin(), more.end());
    return run_process(argv);
}

TEST(LazyLibvirt, ARunWithoutLibvirtChecksNeverLoadsTheClientLibrary) {
    const auto run = doctor_with_loader_log("host.memory");
    ASSERT_GE(run.exit_code, 0) << run.err;
    ASSERT_LE(run.exit_code, 2) << run.err;
    ASSERT_NE(run.err.find("file=libc.so.6"), std::string::npos) << "LD_DEBUG gave no account:\n" << run.err;
    EXPECT_EQ(run.err.find("libvirt.so"), std::string::npos) << run.err;
}

TEST(LazyLibvirt, ALibvirtCheckLoadsItAndConnectsThroughIt) {
    // A socket of our own naming, so the check asks libvirt's client whatever runs on this host.
    const std::string uri = "qemu:///system?socket=/run/kvm-host-agent-test-absent/libvirt-sock-ro";
    const auto run = doctor_with_loader_log("libvirt.connection", {"--connect", uri});
    ASSERT_GE(run.exit_code, 0) << run.err;
    EXPECT_NE(run.err.find("file=libvirt.so.0"), std::string::npos) << run.err;
    // The check got as far as asking the daemon: no word of a library that failed, libvirt's own error.
    EXPECT_EQ(run.out.find("cannot be loaded"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("kvm-host-agent-test-absent"), std::string::npos) << run.out;
}

// Before libvirt runs (a host being provisioned), qemu:///system has no socket: the check says so without loading
// the library, as libvirt's client would have after loading it.
TEST(LazyLibvirt, WithoutALibvirtSocketTheCheckFailsWithoutLoadingTheLibrary) {
    for (const char* socket : {"/run/libvirt/virtqemud-sock-ro", "/run/libvirt/libvirt-sock-ro"})
        if (std::filesystem::exists(socket)) GTEST_SKIP() << "libvirt runs here (" << socket << ")";
    const auto run = doctor_with_loader_log("libvirt.connection");
    ASSERT_GE(run.exit_code, 0) << run.err;
    ASSERT_NE(run.err.find("file=libc.so.6"), std::string::npos) << "LD_DEBUG gave no account:\n" << run.err;
    EXPECT_EQ(run.err.find("libvirt.so"), std::string::npos) << run.err;
    EXPECT_NE(run.out.find("\"FAIL\""), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("cannot connect to qemu:///system: libvirt is not running: neither "
                           "/run/libvirt/virtqemud-sock-ro nor /run/libvirt/libvirt-sock-ro exists"),
              std::string::npos)
        << run.out;
}

TEST(LazyLibvirt, TheInstalledLibraryHasEveryFunctionTheAdaptersCall) {
    const auto library = host::libvirt::open_library(host::libvirt::k_libvirt_soname);
    ASSERT_TRUE(library) << library.error().message;
    KVM_EXPECT_EVERY_FUNCTION_RESOLVED(KVM_LIBVIRT_FUNCTIONS, *library);
}

TEST(LazyLibvirt, AMissingLibraryIsAnErrorNamingItAndItsPackage) {
    const auto missing = host::libvirt::open_library("libkvm-host-agent-absent.so.0");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("libkvm-host-agent-absent.so.0"), std::string::npos) << missing.error().message;
    EXPECT_NE(missing.error().message.find("install libvirt-libs"), std::string::npos) << missing.error().message;
}

TEST(LazyLibvirt, ALibraryWithoutLibvirtsFunctionsIsRefusedNamingThem) {
    const auto other = host::libvirt::open_library("libc.so.6");
    ASSERT_FALSE(other);
    EXPECT_NE(other.error().message.find("lacks virSetErrorFunc, virGetLastError"), std::string::npos)
        << other.error().message;
    EXPECT_NE(other.error().message.find("(libvirt older than 5.0?) (install libvirt-libs"), std::string::npos)
        << other.error().message;
}

}  // namespace
