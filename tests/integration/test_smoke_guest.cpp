// The smoke guest as built (smoke_guest/), booted by this machine's QEMU without libvirt and without KVM: under
// emulation (TCG) it must write its one line with TCG's CPUID signature and end the machine by itself, on both
// x86 machine types libvirt picks from. libvirt.guest-smoke's runs under KVM are in the system tier.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "tests/support/process.h"

namespace {

namespace fs = std::filesystem;

std::string read_all(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(SmokeGuest, IsAFewHundredBytesOf32BitElf) {
    const auto image = read_all(KVM_SMOKE_GUEST);
    ASSERT_GE(image.size(), 52u) << "an ELF header at least";
    EXPECT_LT(image.size(), 1024u);
    EXPECT_EQ(image.substr(0, 4), "\x7f" "ELF");
    EXPECT_EQ(image[4], 1) << "ELFCLASS32: QEMU's Multiboot loader takes 32-bit ELF only";
}

TEST(SmokeGuest, WritesItsLineUnderQemuAndEndsTheMachineByItself) {
    if (!tests::have_program("qemu-system-x86_64")) GTEST_SKIP() << "no qemu-system-x86_64 here";
    const fs::path dir = fs::temp_directory_path() / ("kvm-smoke-guest-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    for (const char* machine : {"pc", "q35"}) {
        const auto console = dir / (std::string(machine) + ".console");
        // -no-reboot: the guest's reset (its triple fault) ends QEMU, as on_reboot=destroy ends the domain.
        const auto run = tests::run_process({"qemu-system-x86_64", "-machine", machine, "-accel", "tcg", "-nodefaults",
                                             "-display", "none", "-no-reboot", "-m", "16", "-kernel", KVM_SMOKE_GUEST,
                                             "-serial", "file:" + console.string()},
                                            std::chrono::seconds(60));
        EXPECT_EQ(run.exit_code, 0) << machine << ": " << run.err;
        EXPECT_EQ(read_all(console), "kvm-host-agent smoke: hypervisor TCGTCGTCGTCG\n") << machine;
    }
    fs::remove_all(dir);
}

}  // namespace
