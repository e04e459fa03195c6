// libvirt's client library is opened when a libvirt check first needs it, not at start-up
// (host/libvirt/libvirt_library.h). The dynamic loader's own account of a run (LD_DEBUG=files, on stderr) says
// which libraries it loaded.
#include <gtest/gtest.h>

#include "host/libvirt/libvirt_library.h"
#include "tests/support/process.h"

namespace {

using tests::run_process;

tests::ProcessResult doctor_with_loader_log(const std::string& check) {
    return run_process({"/usr/bin/env", "LD_DEBUG=files", KVM_DOCTOR_BINARY, "--check", check, "--output", "json"});
}

TEST(LazyLibvirt, ARunWithoutLibvirtChecksNeverLoadsTheClientLibrary) {
    const auto run = doctor_with_loader_log("host.memory");
    ASSERT_GE(run.exit_code, 0) << run.err;
    ASSERT_LE(run.exit_code, 2) << run.err;
    ASSERT_NE(run.err.find("file=libc.so.6"), std::string::npos) << "LD_DEBUG gave no account:\n" << run.err;
    EXPECT_EQ(run.err.find("libvirt.so"), std::string::npos) << run.err;
}

TEST(LazyLibvirt, ALibvirtCheckLoadsItAndConnectsThroughIt) {
    const auto run = doctor_with_loader_log("libvirt.connection");
    ASSERT_GE(run.exit_code, 0) << run.err;
    EXPECT_NE(run.err.find("file=libvirt.so.0"), std::string::npos) << run.err;
    // Whatever the daemon's state here, the check got as far as asking it: no word of a library that failed.
    EXPECT_EQ(run.out.find("cannot be loaded"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("qemu:///system"), std::string::npos) << run.out;
}

TEST(LazyLibvirt, TheInstalledLibraryHasEveryFunctionTheAdaptersCall) {
    const auto library = host::libvirt::open_library(host::libvirt::k_libvirt_soname);
    ASSERT_TRUE(library) << library.error().message;
#define KVM_EXPECT_RESOLVED(name) EXPECT_NE(library->name, nullptr) << #name;
    KVM_LIBVIRT_FUNCTIONS(KVM_EXPECT_RESOLVED)
#undef KVM_EXPECT_RESOLVED
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
}

}  // namespace
