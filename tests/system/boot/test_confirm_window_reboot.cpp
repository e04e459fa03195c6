// kvm-agent stopped or cut off on a real NetworkManager host, in a guest of its own: SIGTERM during
// verification (the first-boot unit's timeout) rolls the change back; and `kvm-agent apply --confirm-within`
// for the two ways a window can lose its watcher: the watcher killed (NetworkManager's checkpoint, kept through the window, takes
// the change back by itself), and the host restarted inside the window (kvm-agent-confirm-guard.service puts
// the files back at boot, before NetworkManager starts). Either way nic1 ends as it was, on its own profile,
// and a late `kvm-agent commit` says the change is gone and why.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/system/support/guest_doctor.h"
#include "tests/system/support/guest_fixtures.h"
#include "tests/system/support/nm_guest.h"

namespace {

using namespace tests::system;
using namespace std::chrono_literals;

const std::string k_guard_unit = "kvm-agent-confirm-guard.service";

// Runs the apply in the background, waits until its change is on the host and verification has begun, sends
// SIGTERM, and prints the apply's exit status; its report goes to /root/interrupted.json.
constexpr const char* k_apply_then_sigterm = R"sh(
/mnt/build/kvm-agent apply --profile /root/verified-by-nobody.yaml --only network --output json \
  > /root/interrupted.json 2>/root/interrupted.err &
agent=$!
for i in $(seq 1 600); do ip -4 addr show br0 2>/dev/null | grep -q 192.0.2.10 && break; sleep 0.1; done
sleep 2
kill -TERM "$agent"
wait "$agent"
echo "exit $?"
)sh";

// A bridge over the spare NIC with an address: the change an admin on SSH would guard with a window.
constexpr const char* k_bridge_interfaces = R"(network:
  interfaces:
  - name: br0
    type: linux-bridge
    ipv4:
      enabled: true
      address: [{ip: 192.0.2.10, prefix-length: 24}]
    ipv6: {enabled: false}
    bridge:
      options: {stp: {enabled: false}}
      port: [{name: nic1}]
)";
const std::string k_bridge_over_nic1 = std::string(k_bridge_interfaces) + "  verify: {rollback-after: 20s}\n";
// The same, verified by a TCP service nobody answers on the segment, for five minutes: only a signal ends its
// verification early.
const std::string k_bridge_verified_by_nobody =
    std::string(k_bridge_interfaces) + "  verify: {probe: [192.0.2.99:22], rollback-after: 5m}\n";

class ConfirmWindowGuest : public FreshGuestTest {
protected:
    // Applies the bridge with a window; the watcher's pid.
    pid_t apply_with_window(const std::string& within) {
        const auto applied = m_guest->run({k_guest_agent, "apply", "--profile", k_guest_profile_path, "--only",
                                           "network", "--confirm-within", within, "--output", "json"});
        EXPECT_EQ(applied.exit_code, 0) << applied.out << applied.err;
        const auto report = nlohmann::json::parse(applied.out, nullptr, false);
        if (report.is_discarded() || !report.contains("network")) {
            ADD_FAILURE() << applied.out << applied.err;
            return 0;
        }
        EXPECT_NE(report["network"].value("guard", "").find("kept until the change is committed"), std::string::npos)
            << report["network"].dump(2);
        EXPECT_EQ(nm_device(*m_guest, "br0"), "100 (connected)\nkvm-agent-br0");
        const auto& confirm = report["network"]["confirm"];
        EXPECT_EQ(confirm.value("takeback_timer", "").rfind("kvm-agent-confirm-", 0), 0u) << confirm.dump();
        return confirm.value("watcher_pid", 0);
    }

    bool our_profiles_gone() const {
        return m_guest->run({"nmcli", "-t", "-f", "NAME", "connection", "show"}).out.find("kvm-agent-") ==
                   std::string::npos &&
               m_guest->run({"ls", k_keyfile_dir}).out.find("kvm-agent-") == std::string::npos;
    }

    // nic1 on its own profile again, no bridge, none of our profiles loaded or on disk.
    void expect_as_before(const std::string& when) {
        EXPECT_EQ(wait_for_device(*m_guest, "nic1", "spare-nic1"), "100 (connected)\nspare-nic1") << when;
        EXPECT_TRUE(guest_ip_json(*m_guest, {"link", "show", "br0"}).empty()) << when;
        EXPECT_TRUE(our_profiles_gone()) << when << ": " << m_guest->run({"ls", k_keyfile_dir}).out;
    }

    std::optional<GuestVm> m_guest;
};

TEST_F(ConfirmWindowGuest, ASigtermAKilledWatcherAndARebootInsideTheWindowEachLeaveTheHostAsBefore) {
    m_guest = boot_guest();
    if (!m_guest) GTEST_SKIP() << m_skip_reason;
    must_run(*m_guest, {"nm-online", "-s", "-q", "-t", "120"});
    activate_spare_nic1_profile(*m_guest);
    must_run(*m_guest, {"mkdir", "-p", "/etc/kvm-agent"});
    m_guest->write_file(k_guest_profile_path, k_bridge_over_nic1);
    must_run(*m_guest, {"chmod", "600", k_guest_profile_path});
    // Installed as the package installs it: the unit from the build tree, the program where its ExecStart
    // says, and the unit (static) linked into multi-user.target.wants.
    must_run(*m_guest, {"sh", "-c",
                        "set -e; unit=/mnt/build/packaging/" + k_guard_unit +
                            "; bin=$(sed -n 's/^ExecStart=\\([^ ]*\\) .*/\\1/p' \"$unit\"); "
                            "install -D -m 755 /mnt/build/kvm-agent \"$bin\"; "
                            "install -m 644 \"$unit\" /usr/lib/systemd/system/; "
                            "mkdir -p /usr/lib/systemd/system/multi-user.target.wants; "
                            "ln -sf ../" + k_guard_unit + " /usr/lib/systemd/system/multi-user.target.wants/; "
                            "systemctl daemon-reload"});
    // Static and wanted: no preset or `systemctl disable` leaves the host without it.
    EXPECT_EQ(m_guest->run({"systemctl", "is-enabled", k_guard_unit}).out, "static\n");

    // 0. SIGTERM during verification: the change is rolled back as a failed verification would be, and the
    //    report says why.
    m_guest->write_file("/root/verified-by-nobody.yaml", k_bridge_verified_by_nobody);
    must_run(*m_guest, {"chmod", "600", "/root/verified-by-nobody.yaml"});
    const auto interrupted = m_guest->run({"sh", "-c", k_apply_then_sigterm});
    EXPECT_EQ(interrupted.out, "exit 1\n") << interrupted.err << m_guest->read_file("/root/interrupted.err");
    const auto report = nlohmann::json::parse(m_guest->read_file("/root/interrupted.json"), nullptr, false);
    ASSERT_FALSE(report.is_discarded()) << m_guest->read_file("/root/interrupted.json");
    EXPECT_EQ(report["network"].value("outcome", ""), "rolled-back") << report.dump(2);
    EXPECT_NE(report["network"]["failures"].dump().find("interrupted by SIGTERM"), std::string::npos)
        << report["network"].dump(2);
    expect_as_before("after SIGTERM during verification");

    // 1. The watcher is killed: nobody rolls back at the deadline, but NetworkManager's checkpoint, kept for
    //    the window plus its 30 s margin, puts its devices and profiles back, and systemd's timer, 10 s after
    //    that, has `kvm-agent rollback-unconfirmed` delete the bridge NetworkManager leaves empty. The window
    //    is long enough for the apply to return (its readiness report takes seconds here) inside it.
    const auto watcher = apply_with_window("30s");
    ASSERT_GT(watcher, 0);
    must_run(*m_guest, {"kill", "-9", std::to_string(watcher)});
    const auto deadline = std::chrono::steady_clock::now() + 180s;
    while ((!our_profiles_gone() || !guest_ip_json(*m_guest, {"link", "show", "br0"}).empty()) &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(2s);
    expect_as_before("after the watcher was killed");
    const auto late = m_guest->run({k_guest_agent, "commit"});
    EXPECT_EQ(late.exit_code, 1) << late.out;
    EXPECT_NE(late.err.find("too late: the change was rolled back at "), std::string::npos) << late.err;
    EXPECT_NE(late.err.find("(its watcher (pid " + std::to_string(watcher) + ") was gone when its window closed)"),
              std::string::npos)
        << late.err;
    const auto timer_journal = m_guest->run({"journalctl", "-o", "cat", "-u", "kvm-agent-confirm-*"}).out;
    EXPECT_NE(timer_journal.find("never committed: its watcher (pid " + std::to_string(watcher) + ")"),
              std::string::npos)
        << timer_journal;

    // 2. The host restarts inside the window (the admin, cut off, power-cycles it): at boot the guard puts the
    //    files back before NetworkManager starts, so the change never comes up again.
    ASSERT_GT(apply_with_window("10m"), 0);
    EXPECT_EQ(m_guest->run({"test", "-e", k_keyfile_dir + "kvm-agent-br0.nmconnection"}).exit_code, 0);
    must_run(*m_guest, {"sync"});
    const auto boot_before = m_guest->boot_id();
    m_guest->reboot();
    ASSERT_NE(m_guest->boot_id(), boot_before);
    must_run(*m_guest, {"nm-online", "-s", "-q", "-t", "120"});
    expect_as_before("after a reboot inside the window");
    const auto journal = m_guest->run({"journalctl", "-b", "-o", "cat", "-u", k_guard_unit}).out;
    EXPECT_NE(journal.find("never committed: the host restarted before it was committed"), std::string::npos)
        << journal;
    // It ran, and it ran before NetworkManager started.
    const auto guard_done = m_guest->run({"systemctl", "show", "-P", "ExecMainExitTimestampMonotonic", k_guard_unit});
    const auto nm_started =
        m_guest->run({"systemctl", "show", "-P", "ExecMainStartTimestampMonotonic", "NetworkManager.service"});
    ASSERT_FALSE(guard_done.out.empty());
    EXPECT_GT(std::stoull(guard_done.out), 0u);
    EXPECT_LT(std::stoull(guard_done.out), std::stoull(nm_started.out));
    EXPECT_EQ(m_guest->run({"systemctl", "show", "-P", "Result", k_guard_unit}).out, "success\n");
    const auto after_boot = m_guest->run({k_guest_agent, "commit"});
    EXPECT_EQ(after_boot.exit_code, 1);
    EXPECT_NE(after_boot.err.find("(the host restarted before it was committed)"), std::string::npos)
        << after_boot.err;
}

}  // namespace
