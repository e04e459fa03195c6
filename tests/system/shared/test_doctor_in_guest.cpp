// kvm-doctor inside the "good KVM host" guest: real kernel modules and /dev/kvm, libvirtd read over
// systemd's D-Bus API, firewalld over its own; verdicts compared with the guest's virt-host-validate.
// All tests here share one guest that CTest boots once (fixture system_vm).
#include <gtest/gtest.h>

#include "tests/support/virt_host_validate.h"
#include "tests/system/support/guest_doctor.h"
#include "tests/system/support/guest_fixtures.h"

namespace {

using namespace tests::system;

class GoodKvmGuest : public SharedGuestTest {
protected:
    // A step of a test that must succeed in the guest.
    void must(const std::vector<std::string>& argv) {
        const auto result = m_guest->run(argv);
        ASSERT_EQ(result.exit_code, 0) << argv.at(0) << " " << (argv.size() > 1 ? argv[1] : "") << ": " << result.err;
    }
};

TEST_F(GoodKvmGuest, HardwareVirtualizationAndKvmPass) {
    const auto run = run_doctor_in(*m_guest);
    for (const char* id : {"cpu.virt-extensions", "kernel.kvm-modules", "dev.kvm.exists", "dev.kvm.access",
                           "kvm.functional"})
        EXPECT_EQ(run.check(id).at("status"), "PASS") << id << ": " << run.check(id).dump();
    // Under TCG the guest CPU is AMD-like (svm), so the vendor module is kvm_amd.
    const std::string modules = run.check("kernel.kvm-modules").at("evidence");
    const bool tcg = m_guest->accelerator().rfind("tcg", 0) == 0;
    EXPECT_NE(modules.find(tcg ? "kvm_amd" : "kvm_"), std::string::npos) << modules;
    const auto lsmod = m_guest->run({"cat", "/proc/modules"});
    EXPECT_NE(lsmod.out.find(tcg ? "kvm_amd " : "kvm "), std::string::npos);
}

TEST_F(GoodKvmGuest, LibvirtDaemonIsReadOverSystemdDBus) {
    const auto run = run_doctor_in(*m_guest);
    const auto& daemon = run.check("libvirt.daemon");
    EXPECT_EQ(daemon.at("status"), "PASS") << daemon.dump();
    // The evidence is what systemd said; systemctl, asked the same, agrees.
    EXPECT_EQ(m_guest->run({"systemctl", "is-active", "libvirtd.service"}).out, "active\n");
    EXPECT_EQ(run.check("libvirt.connection").at("status"), "PASS") << run.check("libvirt.connection").dump();
}

TEST_F(GoodKvmGuest, FirewalldIsReadOverItsDBusApi) {
    const auto run = run_doctor_in(*m_guest);
    EXPECT_EQ(run.check("firewall.running").at("status"), "PASS") << run.check("firewall.running").dump();
    EXPECT_EQ(m_guest->run({"firewall-cmd", "--state"}).out, "running\n");
}

TEST_F(GoodKvmGuest, VerdictsAgreeWithVirtHostValidate) {
    const auto theirs = tests::parse_virt_host_validate(m_guest->run({"env", "LC_ALL=C", "virt-host-validate", "qemu"}).out);
    ASSERT_TRUE(theirs.count("for hardware virtualization")) << "virt-host-validate printed no QEMU lines";
    const auto ours = run_doctor_in(*m_guest).statuses();
    EXPECT_EQ(theirs.at("for hardware virtualization"), "PASS");
    EXPECT_EQ(ours.at("cpu.virt-extensions"), theirs.at("for hardware virtualization"));
    EXPECT_EQ(ours.at("dev.kvm.exists"), theirs.at("if device /dev/kvm exists"));
    EXPECT_EQ(ours.at("dev.kvm.access"), theirs.at("if device /dev/kvm is accessible"));
    EXPECT_EQ(ours.at("dev.vhost-net"), theirs.at("if device /dev/vhost-net exists"));
    EXPECT_EQ(ours.at("dev.net-tun"), theirs.at("if device /dev/net/tun exists"));
}

TEST_F(GoodKvmGuest, StoppedLibvirtdFailsWithTheReasonAndTheFix) {
    must({"systemctl", "stop", "libvirtd.service", "libvirtd.socket", "libvirtd-ro.socket", "libvirtd-admin.socket"});
    const auto stopped = run_doctor_in(*m_guest);
    must({"systemctl", "start", "libvirtd.socket", "libvirtd-ro.socket", "libvirtd-admin.socket", "libvirtd.service"});

    const auto& daemon = stopped.check("libvirt.daemon");
    EXPECT_EQ(daemon.at("status"), "FAIL") << daemon.dump();
    EXPECT_NE(daemon.at("evidence").get<std::string>().find("not running: libvirtd"), std::string::npos) << daemon.dump();
    EXPECT_NE(daemon.at("fix").get<std::string>().find("systemctl enable --now"), std::string::npos) << daemon.dump();
    const auto& connection = stopped.check("libvirt.connection");
    EXPECT_EQ(connection.at("status"), "FAIL") << connection.dump();
    EXPECT_FALSE(connection.at("evidence").get<std::string>().empty());
    EXPECT_FALSE(connection.at("fix").get<std::string>().empty());
    EXPECT_NE(stopped.process.exit_code, 0);

    // Started again, both pass: the failure was the stopped daemon, not the test. A restarted libvirtd probes
    // QEMU on its first capabilities request (seconds under TCG on a busy machine): let it, as a host would
    // have long before an admin runs the doctor.
    must({"virsh", "-c", "qemu:///system", "capabilities"});
    const auto restarted = run_doctor_in(*m_guest);
    EXPECT_EQ(restarted.check("libvirt.daemon").at("status"), "PASS");
    EXPECT_EQ(restarted.check("libvirt.connection").at("status"), "PASS");
}

TEST_F(GoodKvmGuest, StoppedFirewalldFails) {
    must({"systemctl", "stop", "firewalld.service"});
    const auto stopped = run_doctor_in(*m_guest, {"--check", "firewall.running"});
    must({"systemctl", "start", "firewalld.service"});

    const auto& firewall = stopped.check("firewall.running");
    EXPECT_EQ(firewall.at("status"), "FAIL") << firewall.dump();
    EXPECT_NE(firewall.at("fix").get<std::string>().find("firewalld"), std::string::npos) << firewall.dump();
    EXPECT_EQ(run_doctor_in(*m_guest, {"--check", "firewall.running"}).check("firewall.running").at("status"), "PASS");
}

// The metrics timer's service as the package installs it, run by systemd in its sandbox (read-only but for the
// collector's directory): it judges the host against the profile, publishes kvm_host.prom there, and its
// verdict (1 DEGRADED, 2 NOT_READY under TCG) does not fail the unit. The timer, once enabled, triggers it on its
// schedule.
const std::string k_metrics_dir = "/var/lib/node_exporter/textfile_collector";

TEST_F(GoodKvmGuest, TheMetricsServicePublishesTheReadinessUnderSystemdAndItsTimerIsScheduled) {
    must({"mkdir", "-p", "/etc/kvm-agent"});
    if (m_guest->run({"test", "-e", k_guest_profile_path}).exit_code != 0)
        m_guest->write_file(k_guest_profile_path, "# every section left to the host\n");
    must({"sh", "-c",
          "set -e; unit=/mnt/build/packaging/kvm-doctor.service; "
          "bin=$(sed -n 's/^ExecStart=\\([^ ]*\\) .*/\\1/p' \"$unit\"); "
          "install -D -m 755 /mnt/build/kvm-doctor \"$bin\"; "
          "install -m 644 \"$unit\" /mnt/build/packaging/kvm-doctor.timer /etc/systemd/system/; "
          "rm -rf " + k_metrics_dir + "; systemctl daemon-reload"});
    const auto started = m_guest->run({"systemctl", "start", "kvm-doctor.service"}, std::chrono::seconds(300));
    EXPECT_EQ(started.exit_code, 0) << started.err
                                    << m_guest->run({"journalctl", "-b", "-o", "cat", "-u", "kvm-doctor.service"}).out;
    EXPECT_EQ(m_guest->run({"systemctl", "show", "-P", "Result", "kvm-doctor.service"}).out, "success\n");
    const auto metrics = m_guest->read_file(k_metrics_dir + "/kvm_host.prom");
    EXPECT_NE(metrics.find("\nkvm_host_ready "), std::string::npos) << metrics;
    EXPECT_NE(metrics.find("kvm_host_check_status{id=\"kvm.functional\""), std::string::npos) << metrics;
    // Nothing else written: the sandbox kept it to its directory, and no temporary is left there.
    EXPECT_EQ(m_guest->run({"ls", "-A", k_metrics_dir}).out, "kvm_host.prom\n");

    // When it next fires depends on how long the guest has been up (2 min after boot, or at once when that has
    // passed, then 5 min after each run): the schedule systemd parsed is what is certain.
    must({"systemctl", "enable", "--now", "kvm-doctor.timer"});
    EXPECT_EQ(m_guest->run({"systemctl", "is-enabled", "kvm-doctor.timer"}).out, "enabled\n");
    EXPECT_EQ(m_guest->run({"systemctl", "is-active", "kvm-doctor.timer"}).out, "active\n");
    EXPECT_EQ(m_guest->run({"systemctl", "show", "-P", "Triggers", "kvm-doctor.timer"}).out, "kvm-doctor.service\n");
    const auto schedule = m_guest->run({"systemctl", "show", "-P", "TimersMonotonic", "kvm-doctor.timer"}).out;
    EXPECT_NE(schedule.find("OnBootUSec=2min"), std::string::npos) << schedule;
    EXPECT_NE(schedule.find("OnUnitActiveUSec=5min"), std::string::npos) << schedule;

    m_guest->run({"systemctl", "disable", "--now", "kvm-doctor.timer"});
    m_guest->run({"systemctl", "stop", "kvm-doctor.service"}, std::chrono::seconds(300));
    m_guest->run({"sh", "-c", "rm -f /etc/systemd/system/kvm-doctor.service /etc/systemd/system/kvm-doctor.timer; "
                              "systemctl daemon-reload"});
}

}  // namespace
