// Tests that need a guest of their own: a CPU without virtualization extensions, and a reboot.
// Each boots a fresh guest from the cached image (its own overlay) and powers it off at the end.
#include <gtest/gtest.h>


#include "tests/support/virt_host_validate.h"
#include "tests/system/support/guest_doctor.h"
#include "tests/system/support/guest_fixtures.h"

namespace {

using namespace tests::system;

using FreshGuest = FreshGuestTest;

TEST_F(FreshGuest, WithoutVirtualizationExtensionsTheHostIsNotReady) {
    auto guest = boot_guest([](BootOptions& options) { options.cpu = GuestCpu::no_virtualization; });
    if (!guest) GTEST_SKIP() << m_skip_reason;

    const auto run = run_doctor_in(*guest);
    EXPECT_EQ(run.process.exit_code, 2) << run.process.err;
    EXPECT_EQ(run.report.at("verdict"), "NOT_READY");
    const auto& extensions = run.check("cpu.virt-extensions");
    EXPECT_EQ(extensions.at("status"), "FAIL");
    EXPECT_NE(extensions.at("evidence").get<std::string>().find("vmx"), std::string::npos) << extensions.dump();
    const auto& functional = run.check("kvm.functional");
    EXPECT_EQ(functional.at("status"), "FAIL") << functional.dump();
    EXPECT_FALSE(functional.at("evidence").get<std::string>().empty());
    EXPECT_EQ(guest->run({"test", "-e", "/dev/kvm"}).exit_code, 1) << "the guest should have no /dev/kvm";

    const auto theirs = tests::parse_virt_host_validate(guest->run({"env", "LC_ALL=C", "virt-host-validate", "qemu"}).out);
    ASSERT_TRUE(theirs.count("for hardware virtualization")) << "virt-host-validate printed no QEMU lines";
    EXPECT_EQ(theirs.at("for hardware virtualization"), "FAIL");
    EXPECT_EQ(run.check("cpu.virt-extensions").at("status"), theirs.at("for hardware virtualization"));
    // virt-host-validate stops looking for /dev/kvm once the CPU lacks the extensions; we report it too.
    EXPECT_EQ(theirs.count("if device /dev/kvm exists"), 0u);
    EXPECT_EQ(run.check("dev.kvm.exists").at("status"), "FAIL");
}

TEST_F(FreshGuest, RebootKeepsTheDiskAndBringsServicesBack) {
    auto guest = boot_guest();
    if (!guest) GTEST_SKIP() << m_skip_reason;

    guest->write_file("/var/lib/reboot-marker", "written before the reboot\n");
    ASSERT_EQ(guest->run({"sync"}).exit_code, 0);
    const std::string before = guest->boot_id();
    guest->reboot();

    EXPECT_NE(guest->boot_id(), before);
    EXPECT_EQ(guest->read_file("/var/lib/reboot-marker"), "written before the reboot\n");
    EXPECT_EQ(guest->run({"systemctl", "is-active", "libvirtd.service", "firewalld.service"}).out, "active\nactive\n");
    const auto run = run_doctor_in(*guest, {"--check", "libvirt.daemon", "--check", "firewall.running", "--check", "kvm.functional"});
    for (const char* id : {"libvirt.daemon", "firewall.running", "kvm.functional"})
        EXPECT_EQ(run.check(id).at("status"), "PASS") << run.check(id).dump();
}

}  // namespace
