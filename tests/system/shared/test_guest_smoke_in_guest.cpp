// libvirt.guest-smoke in the "good KVM host" guest: kvm-doctor boots the smoke guest through the guest's libvirtd
// under its (nested) KVM, with a NIC on a bridge a profile made. It passes there, fails with the right cause when
// the bridge is gone or QEMU may not open /dev/kvm, and leaves no domain, volume or file behind: after a pass,
// after a failure, and after a SIGKILL mid-check (the next run removes what the killed one left). Read back with
// virsh and ls.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/system/support/guest_doctor.h"
#include "tests/system/support/guest_fixtures.h"

namespace {

using namespace tests::system;

const std::string k_smoke_dir = "/tmp/kvm-smoke";
const std::string k_smoke_profile = k_smoke_dir + "/host.yaml";
const std::string k_pool_dir = "/var/lib/libvirt/images";

// A bridge with no port: the smoke guest's NIC is its only one.
const char* const k_profile_text = R"(network:
  interfaces:
    - name: br8
      type: linux-bridge
      state: up
      bridge:
        options:
          stp:
            enabled: false
)";

class GuestSmokeInGuest : public SharedGuestTest {
protected:
    void SetUp() override {
        SharedGuestTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        clean();
        ASSERT_EQ(m_guest->run({"mkdir", "-p", k_smoke_dir}).exit_code, 0);
        m_guest->write_file(k_smoke_profile, k_profile_text);
        ASSERT_EQ(m_guest->run({"chmod", "0600", k_smoke_profile}).exit_code, 0)
            << "kvm-agent refuses a writable profile";
        // The pool the smoke volume goes into: libvirt's "default", over libvirt's images directory.
        if (m_guest->run({"virsh", "pool-info", "default"}).exit_code != 0) {
            ASSERT_EQ(m_guest->run({"virsh", "pool-define-as", "default", "dir", "--target", k_pool_dir}).exit_code, 0);
        }
        m_guest->run({"virsh", "pool-build", "default"});
        if (m_guest->run({"virsh", "-q", "pool-list", "--name"}).out.find("default") == std::string::npos) {
            ASSERT_EQ(m_guest->run({"virsh", "pool-start", "default"}).exit_code, 0);
        }
        const auto applied = m_guest->run({k_guest_agent, "apply", "--profile", k_smoke_profile, "--only", "network",
                                           "--memory-only", "--output", "json"});
        ASSERT_TRUE(applied.exit_code == 0 || applied.exit_code == 2) << applied.out << applied.err;
        ASSERT_EQ(m_guest->run({"ip", "link", "show", "br8"}).exit_code, 0);
    }
    void TearDown() override {
        if (m_guest) clean();
    }
    void clean() const {
        m_guest->run({"chmod", "0660", "/dev/kvm"});
        m_guest->run({"ip", "link", "del", "br8"});
        m_guest->run({"rm", "-rf", k_smoke_dir});
    }

    tests::DoctorRun smoke(std::vector<std::string> extra = {}) const {
        auto args = smoke_check_args();
        args.insert(args.end(), extra.begin(), extra.end());
        return run_doctor_in(*m_guest, args);
    }

    // Every object a smoke run makes, as virsh and ls see them: none, once a run is over.
    std::string smoke_objects() const {
        std::string found;
        const auto grep = [&](const std::string& where, const std::string& listing) {
            for (std::size_t at = listing.find("kvm-agent-smoke-"); at != std::string::npos;
                 at = listing.find("kvm-agent-smoke-", at + 1))
                found += where + ": " + listing.substr(at, listing.find('\n', at) - at) + "\n";
        };
        grep("domain", m_guest->run({"virsh", "list", "--all", "--name"}).out);
        grep("volume", m_guest->run({"virsh", "vol-list", "default"}).out);
        grep("file", m_guest->run({"ls", "-a", k_pool_dir, "/var/log/libvirt/qemu"}).out);
        return found;
    }
};

TEST_F(GuestSmokeInGuest, BootsAKvmGuestOnTheProfilesBridgeAndLeavesNothingBehind) {
    const auto run = smoke({"--profile", k_smoke_profile});
    const auto& check = run.check("libvirt.guest-smoke");
    ASSERT_EQ(check.at("status"), "PASS") << check.dump();
    const std::string evidence = check.at("evidence");
    EXPECT_NE(evidence.find("a KVM guest (CPUID KVMKVMKVM) wrote its console line"), std::string::npos) << evidence;
    EXPECT_NE(evidence.find("on br8 (vnet"), std::string::npos) << evidence;
    EXPECT_NE(evidence.find(" in br8), its disk in pool default"), std::string::npos) << evidence;
    EXPECT_NE(evidence.find("XML: <domain type='kvm'>"), std::string::npos) << evidence;
    EXPECT_EQ(run.process.exit_code, 0) << run.process.out;
    EXPECT_EQ(smoke_objects(), "");
    EXPECT_EQ(m_guest->run({"sh", "-c", "ip -br link | grep -c vnet"}).out, "0\n") << "the tap went with the guest";

    // A profile that asks for the proof (verify: guest-smoke) has kvm-agent apply end its readiness report with
    // it, in readiness.json and the metrics.
    const std::string verifying = k_smoke_dir + "/verify.yaml";
    m_guest->write_file(verifying, std::string(k_profile_text) + "verify:\n  guest-smoke: true\n");
    ASSERT_EQ(m_guest->run({"chmod", "0600", verifying}).exit_code, 0);
    const auto applied = m_guest->run({k_guest_agent, "apply", "--profile", verifying, "--only", "network",
                                       "--memory-only", "--smoke-guest", k_guest_smoke_guest, "--state-dir",
                                       k_smoke_dir + "/state", "--output", "json"});
    EXPECT_EQ(applied.exit_code, 0) << applied.out << applied.err;
    const auto readiness = nlohmann::json::parse(m_guest->read_file(k_smoke_dir + "/state/readiness.json"));
    const auto& checks = readiness.at("checks");
    ASSERT_FALSE(checks.empty());
    EXPECT_EQ(checks.back().at("id"), "libvirt.guest-smoke");
    EXPECT_EQ(checks.back().at("status"), "PASS") << checks.back().dump();
    const auto metrics = m_guest->read_file(k_smoke_dir + "/state/kvm_host.prom");
    EXPECT_NE(metrics.find("kvm_host_check_status{id=\"libvirt.guest-smoke\",status=\"PASS\"} 1"), std::string::npos)
        << metrics;
    EXPECT_EQ(smoke_objects(), "");
}

TEST_F(GuestSmokeInGuest, FailsWithTheCauseWhenTheBridgeIsGoneOrQemuMayNotOpenDevKvm) {
    ASSERT_EQ(m_guest->run({"ip", "link", "del", "br8"}).exit_code, 0);
    const auto no_bridge = smoke({"--profile", k_smoke_profile});
    const auto& bridge = no_bridge.check("libvirt.guest-smoke");
    EXPECT_EQ(bridge.at("status"), "FAIL") << bridge.dump();
    EXPECT_EQ(bridge.at("evidence").get<std::string>().rfind("bridge br8 is missing: start: ", 0), 0u) << bridge.dump();
    EXPECT_EQ(bridge.at("fix"), "kvm-agent apply --profile " + k_smoke_profile + " --only network");
    EXPECT_EQ(no_bridge.process.exit_code, 2);
    EXPECT_EQ(smoke_objects(), "") << "after a failed start";

    // QEMU runs as libvirt-qemu in group kvm: /dev/kvm root-only takes KVM away from it, and from it alone.
    ASSERT_EQ(m_guest->run({"chmod", "0600", "/dev/kvm"}).exit_code, 0);
    const auto no_kvm = smoke();
    m_guest->run({"chmod", "0660", "/dev/kvm"});
    const auto& kvm = no_kvm.check("libvirt.guest-smoke");
    EXPECT_EQ(kvm.at("status"), "FAIL") << kvm.dump();
    EXPECT_EQ(kvm.at("evidence").get<std::string>().rfind("QEMU cannot open /dev/kvm under libvirt: start: ", 0), 0u)
        << kvm.dump();
    EXPECT_NE(kvm.at("fix").get<std::string>().find("chgrp kvm /dev/kvm"), std::string::npos) << kvm.dump();
    EXPECT_EQ(smoke_objects(), "") << "after QEMU refused to start";
}

TEST_F(GuestSmokeInGuest, TheRunAfterASigkillRemovesWhatTheKilledOneLeft) {
    // Killed once its volume exists, somewhere between creating it and the guest's line. libvirt ends a domain
    // it started for a connection that is gone (AUTODESTROY); the volume stays for the next run.
    auto killed_args = std::string(k_guest_doctor) + " --timeout 30 --check libvirt.guest-smoke --smoke-guest " +
                       k_guest_smoke_guest;
    const auto killed = m_guest->run(
        {"bash", "-c",
         killed_args + " >/dev/null 2>&1 & pid=$!; "
                       "for i in $(seq 600); do virsh -q vol-list default | grep -q kvm-agent-smoke- && break; "
                       "sleep 0.05; done; kill -KILL $pid; wait $pid; echo $?"});
    ASSERT_EQ(killed.out, "137\n") << "the doctor ended before the kill: " << killed.err;
    const auto left = smoke_objects();
    ASSERT_NE(left.find("volume: kvm-agent-smoke-"), std::string::npos) << left;

    const auto next = smoke();
    const auto& check = next.check("libvirt.guest-smoke");
    EXPECT_EQ(check.at("status"), "PASS") << check.dump();
    EXPECT_NE(check.at("evidence").get<std::string>().find("removed what an earlier run left: "), std::string::npos)
        << check.dump();
    EXPECT_NE(check.at("evidence").get<std::string>().find("volume kvm-agent-smoke-"), std::string::npos)
        << check.dump();
    EXPECT_EQ(smoke_objects(), "");
}

}  // namespace
