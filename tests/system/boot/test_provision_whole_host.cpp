// The product's main job on a fresh guest: one profile with every section, applied by kvm-agent, read back
// with the tools admins use, read back again after a reboot, and a second apply that changes nothing; and the
// same profile applied by runs killed with SIGKILL one step further each time.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/system/support/guest_doctor.h"
#include "tests/system/support/guest_fixtures.h"
#include "tests/system/support/whole_host_profile.h"

namespace {

using namespace tests::system;

class WholeHost : public FreshGuestTest {
protected:
    void SetUp() override {
        // Room above the images-space minimum once /dev/vdb is formatted.
        m_guest = boot_guest([](BootOptions& options) { options.data_disk_size = "30G"; });
        if (!m_guest && !HasFailure()) GTEST_SKIP() << m_skip_reason;
    }

    // The report is checked against its schema (docs/schema/apply.schema.json), and so is the readiness report
    // `status --output json` prints from what this apply published.
    tests::ProcessResult apply() {
        auto result = m_guest->run({k_guest_agent, "apply", "--profile", k_guest_profile_path, "--output", "json"},
                                   std::chrono::seconds(1200));
        EXPECT_EQ(tests::schema_violations(result.out, "apply"), "") << result.out << result.err;
        const auto status = m_guest->run({k_guest_agent, "status", "--output=json"});
        EXPECT_EQ(tests::schema_violations(status.out, "readiness"), "") << status.out << status.err;
        return result;
    }
    std::string out(const std::vector<std::string>& argv) { return m_guest->run(argv).out; }

    // Everything the profile asked for, read back with the admins' tools.
    void expect_provisioned(const std::string& when) {
        SCOPED_TRACE(when);
        EXPECT_EQ(out({"systemctl", "is-enabled", "libvirtd.service"}), "enabled\n");
        EXPECT_EQ(out({"systemctl", "is-active", "libvirtd.service"}), "active\n");
        EXPECT_EQ(out({"virsh", "-c", "qemu:///system", "net-list", "--all", "--name"}).find("default"), std::string::npos);
        const auto pool = out({"virsh", "-c", "qemu:///system", "pool-info", "default"});
        EXPECT_NE(pool.find("running"), std::string::npos) << pool;
        EXPECT_NE(pool.find("Autostart:      yes"), std::string::npos) << pool;
        EXPECT_EQ(out({"sysctl", "-n", "net.ipv4.ip_forward"}), "1\n");
        EXPECT_NE(out({"cat", "/proc/modules"}).find("kvm_amd "), std::string::npos);
        const auto bonding = m_guest->read_file("/proc/net/bonding/bond0");
        EXPECT_NE(bonding.find("Slave Interface: nic1"), std::string::npos);
        EXPECT_NE(bonding.find("Slave Interface: nic2"), std::string::npos);
        EXPECT_NE(out({"ip", "-4", "-br", "addr", "show", "br0"}).find("192.0.2.10/24"), std::string::npos);
        for (const char* config : {"", "--permanent"}) {
            std::vector<std::string> argv = {"firewall-cmd", "--zone=internal", "--list-all"};
            if (*config) argv.insert(argv.begin() + 1, config);
            const auto zone = out(argv);
            EXPECT_NE(zone.find("interfaces: br0"), std::string::npos) << config << zone;
            EXPECT_NE(zone.find("masquerade: yes"), std::string::npos) << config << zone;
            EXPECT_NE(zone.find("5900-5999/tcp"), std::string::npos) << config << zone;
        }
        const auto mount = nlohmann::json::parse(out({"findmnt", "-J", "/var/lib/libvirt/images"}));
        ASSERT_FALSE(mount.at("filesystems").empty());
        EXPECT_EQ(mount["filesystems"][0].value("fstype", ""), "xfs");
        EXPECT_EQ(mount["filesystems"][0].value("source", ""), "/dev/vdb");
    }

    // What the profile drives must not FAIL; what it cannot (this emulated CPU's KVM; libvirt.connection, whose
    // 2 s budget a TCG guest's freshly started libvirtd may miss) may.
    static void expect_profile_checks_pass(const nlohmann::json& readiness) {
        const std::vector<std::string> driven = {"kernel.kvm-modules", "libvirt.daemon", "net.", "firewall.",
                                                 "storage.", "sysctl."};
        for (const auto& check : readiness.value("checks", nlohmann::json::array())) {
            const std::string id = check.value("id", "");
            const std::string status = check.value("status", "");
            bool is_driven = false;
            for (const auto& prefix : driven) is_driven |= id.rfind(prefix, 0) == 0;
            if (status == "FAIL") {
                EXPECT_FALSE(is_driven) << check.dump();
                std::cout << "FAIL in the guest, not the profile's: " << check.dump() << "\n";
            }
            // No fix undoes the profile, which removed libvirt's default network: its absence does not WARN (it
            // SKIPs when libvirt.connection missed its budget; the doctor below waits longer).
            EXPECT_EQ(check.value("fix", "").find("net-define"), std::string::npos) << check.dump();
            EXPECT_FALSE(id == "libvirt.default-network" && status == "WARN") << check.dump();
        }
    }

    // kvm-doctor given the profile judges the host as the profile built it: no default network, its pool and
    // images filesystem with the profile's min-free.
    void expect_doctor_agrees_with_the_profile() {
        const auto run = run_doctor_in(*m_guest, {"--profile", k_guest_profile_path, "--check",
                                                  "libvirt.default-network", "--check", "libvirt.storage-pool", "--check",
                                                  "storage.images-space", "--check", "storage.mount-persistent"});
        for (const auto& [id, status] : run.statuses()) EXPECT_EQ(status, "PASS") << run.check(id).dump();
        EXPECT_NE(run.check("libvirt.default-network").value("evidence", "").find("as the profile asks"), std::string::npos);
        EXPECT_EQ(run.process.exit_code, 0) << run.process.out;
    }

    // The apply's events in the journal, read back as an admin would: by MESSAGE_ID (kvm-agent(8) lists them),
    // with journalctl -o json, and by priority with journalctl -p err.
    std::vector<nlohmann::json> journal(const std::vector<std::string>& filters) {
        m_guest->run({"journalctl", "--sync"});
        std::vector<std::string> argv = {"journalctl", "-o", "json", "--no-pager", "-b"};
        argv.insert(argv.end(), filters.begin(), filters.end());
        std::vector<nlohmann::json> entries;
        std::istringstream lines(out(argv));
        for (std::string line; std::getline(lines, line);)
            if (!line.empty()) entries.push_back(nlohmann::json::parse(line));
        return entries;
    }
    void expect_journal_events(const nlohmann::json& readiness) {
        const auto started = journal({"MESSAGE_ID=8c2d97bc6b154de88a2966c988b30897"});
        ASSERT_EQ(started.size(), 1u);
        EXPECT_EQ(started[0].value("PRIORITY", ""), "6");
        EXPECT_EQ(started[0].value("KVM_PROFILE", ""), "/etc/kvm-agent/host.yaml");
        const std::string sections = started[0].value("KVM_SECTIONS", "");
        const auto done = journal({"MESSAGE_ID=382c5555a75f44798f534c15f9d47e42"});
        EXPECT_EQ(done.size(), static_cast<std::size_t>(std::count(sections.begin(), sections.end(), ',') + 1)) << sections;
        for (std::size_t i = 0; i < done.size(); ++i) {
            EXPECT_EQ(done[i].value("PRIORITY", ""), "6") << done[i].dump();
            EXPECT_EQ(done[i].value("KVM_STEP", ""), std::to_string(i + 1) + "/" + std::to_string(done.size()));
            EXPECT_EQ(done[i].value("SYSLOG_IDENTIFIER", ""), "kvm-agent");
        }
        EXPECT_TRUE(journal({"MESSAGE_ID=c1d3a9d0f52649c5b6c77d07fda48ddf"}).empty()) << "no step failed";
        const auto verdict = journal({"MESSAGE_ID=50571d89d6554bd1a37ee718cf6e0672"});
        ASSERT_EQ(verdict.size(), 1u);
        EXPECT_EQ(verdict[0].value("KVM_HOST_VERDICT", ""), readiness.value("verdict", "?"));
        // Every FAIL check, and nothing else of the checks, is an error.
        std::size_t fails = 0;
        for (const auto& check : readiness.at("checks")) fails += check.value("status", "") == "FAIL";
        const auto errors = journal({"-p", "err", "MESSAGE_ID=272a412b4b0849a6b70de638cf2ad709"});
        EXPECT_EQ(errors.size(), fails);
        for (const auto& entry : errors) EXPECT_EQ(entry.value("KVM_CHECK_STATUS", ""), "FAIL") << entry.dump();
    }

    void write_profile() {
        ASSERT_EQ(m_guest->run({"mkdir", "-p", "/etc/kvm-agent"}).exit_code, 0);
        m_guest->write_file(k_guest_profile_path, k_whole_host_profile);
        ASSERT_EQ(m_guest->run({"chmod", "600", k_guest_profile_path}).exit_code, 0);
    }

    // Runs apply in the guest and kill -9s it as soon as it logs the start of step `step` (the boundary after
    // step - 1). The exit code: 137 when it was killed there, the agent's own when it ended first.
    // The apply kills itself (SIGKILL) as it logs the start of `step` ($KVM_AGENT_KILL_AT_STEP, a test hook):
    // killed from outside on seeing that line, a run got tens of milliseconds into the step first, and how far
    // (before or inside the network step's NetworkManager checkpoint) depended on how fast it ran.
    int apply_killed_at(int step) {
        const std::string script = "KVM_AGENT_KILL_AT_STEP=" + std::to_string(step) + " " + std::string(k_guest_agent) +
                                   " apply --profile /etc/kvm-agent/host.yaml --output json >/tmp/killed-apply.json "
                                   "2>/tmp/killed-apply.log\n"
                                   "exit $?\n";  // bash's status for the killed child: 128 + 9
        return m_guest->run({"bash", "-c", script}, std::chrono::seconds(1200)).exit_code;
    }
    // What the last killed (or not killed) run wrote: its log and, when it ended by itself, its report.
    std::string killed_apply_output() {
        return m_guest->read_file("/tmp/killed-apply.log") + "\nreport: " + m_guest->read_file("/tmp/killed-apply.json");
    }
    // How many steps the apply log counts ("step 3/7 sysctl: applying").
    int logged_step_count() {
        const auto log = m_guest->read_file("/tmp/killed-apply.log");
        const auto at = log.find("step 1/");
        return at == std::string::npos ? 0 : std::atoi(log.c_str() + at + 7);
    }

    std::optional<GuestVm> m_guest;
};

TEST_F(WholeHost, ApplyProvisionsEverySectionItSurvivesARebootAndASecondApplyChangesNothing) {
    write_profile();
    if (HasFatalFailure()) return;

    const auto first = apply();
    // 0 READY, 2 applied but NOT_READY: the emulated guest may fail a check no profile can fix (see below).
    ASSERT_TRUE(first.exit_code == 0 || first.exit_code == 2) << first.out << first.err;
    const auto report = nlohmann::json::parse(first.out);
    for (const auto& [section, result] : report.at("sections").items())
        EXPECT_TRUE(result.value("failures", nlohmann::json::array()).empty()) << section << ": " << result.dump();
    expect_provisioned("after apply");
    const auto readiness = nlohmann::json::parse(m_guest->read_file("/var/lib/kvm-agent/readiness.json"));
    EXPECT_EQ(readiness.value("verdict", ""), report.value("verdict", "?"));
    expect_profile_checks_pass(readiness);
    expect_doctor_agrees_with_the_profile();
    expect_journal_events(readiness);
    // The first-boot stamp says READY, and only that.
    EXPECT_EQ(m_guest->run({"test", "-e", "/var/lib/kvm-agent/firstboot.done"}).exit_code == 0, first.exit_code == 0);
    EXPECT_NE(m_guest->read_file("/var/lib/kvm-agent/kvm_host.prom").find("kvm_host_ready "), std::string::npos);

    m_guest->reboot();
    // NetworkManager brings our profiles back a few seconds after systemd reports running.
    m_guest->run({"nm-online", "-s", "-q", "-t", "60"});
    expect_provisioned("after a reboot");
    const auto connection = out({"nmcli", "-t", "-f", "GENERAL.STATE,GENERAL.CONNECTION", "device", "show", "br0"});
    EXPECT_NE(connection.find("kvm-agent-br0"), std::string::npos) << connection;
    EXPECT_EQ(connection.find("externally"), std::string::npos) << connection;

    const auto second = apply();
    EXPECT_TRUE(second.exit_code == 0 || second.exit_code == 2) << second.out << second.err;
    const auto again = nlohmann::json::parse(second.out);
    for (const auto& [section, result] : again.at("sections").items())
        EXPECT_TRUE(result.value("changed", nlohmann::json::array()).empty()) << section << ": " << result.dump();
    // The no-op's readiness takes what its steps read as read (libvirt's units, firewalld's state and zone): it
    // says what the doctor, reading everything itself, says.
    const auto readiness_again = nlohmann::json::parse(m_guest->read_file("/var/lib/kvm-agent/readiness.json"));
    expect_profile_checks_pass(readiness_again);
    const auto fresh = run_doctor_in(*m_guest, {"--profile", k_guest_profile_path, "--check", "libvirt.daemon",
                                                "--check", "firewall.running", "--check", "firewall.zones"});
    for (const char* id : {"libvirt.daemon", "firewall.running", "firewall.zones"}) {
        nlohmann::json published;
        for (const auto& entry : readiness_again.at("checks"))
            if (entry.value("id", "") == id) published = entry;
        EXPECT_EQ(published.value("status", "none"), fresh.check(id).at("status")) << published.dump();
        EXPECT_EQ(published.value("evidence", "none"), fresh.check(id).at("evidence")) << published.dump();
    }

    // The proof by a guest: a KVM guest boots on the profile's bridge, its disk in the profile's pool.
    auto smoke_args = smoke_check_args();
    smoke_args.insert(smoke_args.end(), {"--profile", k_guest_profile_path});
    const auto smoke = run_doctor_in(*m_guest, smoke_args);
    const auto& check = smoke.check("libvirt.guest-smoke");
    EXPECT_EQ(check.at("status"), "PASS") << check.dump();
    EXPECT_NE(check.at("evidence").get<std::string>().find(" in br0), its disk in pool default"), std::string::npos)
        << check.dump();
}

// Each run is killed at the next step boundary, so run k finds the host as run k-1's kill left it: every run
// picks up where the last stopped, the last converges, and no killed run leaves a temporary file, a stamp
// that claims success, or a lock that blocks the next.
TEST_F(WholeHost, KilledWithSigkillAtEachStepBoundaryTheNextRunConverges) {
    write_profile();
    if (HasFatalFailure()) return;

    EXPECT_EQ(apply_killed_at(2), 137) << killed_apply_output();
    const int steps = logged_step_count();
    ASSERT_GE(steps, 7) << m_guest->read_file("/tmp/killed-apply.log");
    for (int step = 3; step <= steps; ++step)
        EXPECT_EQ(apply_killed_at(step), 137) << "step " << step << ":\n" << killed_apply_output();
    EXPECT_NE(m_guest->run({"test", "-e", "/var/lib/kvm-agent/firstboot.done"}).exit_code, 0)
        << "a killed run wrote the first-boot stamp";

    const auto converged = apply();
    ASSERT_TRUE(converged.exit_code == 0 || converged.exit_code == 2) << converged.out << converged.err;
    for (const auto& [section, result] : nlohmann::json::parse(converged.out).at("sections").items())
        EXPECT_TRUE(result.value("failures", nlohmann::json::array()).empty()) << section << ": " << result.dump();
    expect_provisioned("after the killed runs and one more");
    const auto leftovers = out({"find", "/etc", "/var/lib/kvm-agent", "/var/lib/libvirt", "-name", "*.kvm-agent-tmp"});
    EXPECT_EQ(leftovers, "") << "half-written files left behind";

    const auto again = apply();
    EXPECT_TRUE(again.exit_code == 0 || again.exit_code == 2) << again.out << again.err;
    for (const auto& [section, result] : nlohmann::json::parse(again.out).at("sections").items())
        EXPECT_TRUE(result.value("changed", nlohmann::json::array()).empty()) << section << ": " << result.dump();
}

}  // namespace
