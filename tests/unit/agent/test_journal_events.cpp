// agent/journal_events.cpp: one MESSAGE_ID per kind of event, priorities that follow it, KVM_* fields to filter on.
#include "agent/journal_events.h"

#include <gtest/gtest.h>
#include <syslog.h>

#include <set>

namespace agent {
namespace {

std::string field(const host::journal::Entry& entry, const std::string& name) {
    for (const auto& [key, value] : entry.fields)
        if (key == name) return value;
    ADD_FAILURE() << "no " << name << " in " << entry.message;
    return "";
}

SectionRun section(std::string name, std::vector<std::string> changed, std::vector<std::string> failures = {}) {
    SectionRun run;
    run.section = std::move(name);
    run.outcome = StepOutcome{std::move(changed), std::move(failures), {}};
    run.elapsed = std::chrono::milliseconds(120);
    return run;
}

TEST(JournalEvents, EveryKindOfEventHasItsOwnMessageIdOf128Bits) {
    const std::set<std::string_view> ids = {k_message_apply_started, k_message_step_done, k_message_step_failed,
                                            k_message_rolled_back, k_message_verdict, k_message_check};
    EXPECT_EQ(ids.size(), 6u);
    for (const auto id : ids) {
        EXPECT_EQ(id.size(), 32u) << id;
        EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string_view::npos) << id;
    }
}

TEST(JournalEvents, ApplyStartedNamesTheProfileAndTheSectionsInOrder) {
    const auto entry = apply_started_entry("/etc/kvm-agent/host.yaml", {"kvm", "packages", "storage"});
    EXPECT_EQ(entry.priority, LOG_INFO);
    EXPECT_EQ(entry.message, "kvm-agent: apply of /etc/kvm-agent/host.yaml started: kvm,packages,storage");
    EXPECT_EQ(field(entry, "MESSAGE_ID"), k_message_apply_started);
    EXPECT_EQ(field(entry, "KVM_PROFILE"), "/etc/kvm-agent/host.yaml");
    EXPECT_EQ(field(entry, "KVM_SECTIONS"), "kvm,packages,storage");
}

TEST(JournalEvents, AStepDoneIsInfoWithWhatItChanged) {
    const auto entry = step_entry(3, 7, section("sysctl", {"net.ipv4.ip_forward = 1", "created 90-kvm-host.conf"}));
    EXPECT_EQ(entry.priority, LOG_INFO);
    EXPECT_EQ(entry.message, "kvm-agent: step 3/7 sysctl done: 2 change(s) in 120 ms");
    EXPECT_EQ(field(entry, "MESSAGE_ID"), k_message_step_done);
    EXPECT_EQ(field(entry, "KVM_SECTION"), "sysctl");
    EXPECT_EQ(field(entry, "KVM_STEP"), "3/7");
    EXPECT_EQ(field(entry, "KVM_CHANGED"), "2");
    EXPECT_EQ(field(entry, "KVM_ELAPSED_MS"), "120");
    EXPECT_EQ(step_entry(1, 1, section("kvm", {})).message, "kvm-agent: step 1/1 kvm done: nothing to change in 120 ms");
}

TEST(JournalEvents, AFailedStepIsAnErrorWithWhy) {
    auto failed = section("storage", {}, {"mount /dev/vdb at /srv/vm: wrong fs type"});
    const auto entry = step_entry(7, 7, failed);
    EXPECT_EQ(entry.priority, LOG_ERR);
    EXPECT_EQ(entry.message, "kvm-agent: step 7/7 storage failed: mount /dev/vdb at /srv/vm: wrong fs type");
    EXPECT_EQ(field(entry, "MESSAGE_ID"), k_message_step_failed);
    EXPECT_EQ(field(entry, "KVM_ERROR"), "mount /dev/vdb at /srv/vm: wrong fs type");

    SectionRun unobservable;
    unobservable.section = "libvirt";
    unobservable.error = "cannot connect to qemu:///system";
    EXPECT_EQ(field(step_entry(2, 3, unobservable), "KVM_ERROR"), "cannot connect to qemu:///system");
}

TEST(JournalEvents, ARollbackIsAWarningAndAFailedOneIsCritical) {
    const auto back = rolled_back_entry("network", true, {"gateway 192.0.2.1 did not answer"});
    EXPECT_EQ(back.priority, LOG_WARNING);
    EXPECT_EQ(back.message, "kvm-agent: network change rolled back: gateway 192.0.2.1 did not answer");
    EXPECT_EQ(field(back, "MESSAGE_ID"), k_message_rolled_back);
    EXPECT_EQ(field(back, "KVM_ROLLBACK"), "done");
    const auto stuck = rolled_back_entry("network", false, {"gateway did not answer", "re-adding eno1: busy"});
    EXPECT_EQ(stuck.priority, LOG_CRIT);
    EXPECT_EQ(field(stuck, "KVM_ROLLBACK"), "failed");
    EXPECT_EQ(field(stuck, "KVM_ERROR"), "gateway did not answer; re-adding eno1: busy");
}

DoctorReport report_of(checks::Verdict verdict, std::vector<checks::CheckResult> results) {
    DoctorReport report;
    report.verdict = verdict;
    report.results = std::move(results);
    return report;
}

TEST(JournalEvents, TheVerdictsPriorityFollowsItAndItCountsTheChecks) {
    const auto ready = verdict_entry(report_of(checks::Verdict::ready, {{"host.os", "OS", checks::Status::pass, "", "", {}},
                                                                        {"iommu", "IOMMU", checks::Status::skip, "", "", {}}}));
    EXPECT_EQ(ready.priority, LOG_INFO);
    EXPECT_EQ(ready.message, "kvm-agent: host is READY");
    EXPECT_EQ(field(ready, "MESSAGE_ID"), k_message_verdict);
    EXPECT_EQ(field(ready, "KVM_HOST_VERDICT"), "READY");
    EXPECT_EQ(field(ready, "KVM_CHECKS_PASS"), "1");
    EXPECT_EQ(field(ready, "KVM_CHECKS_SKIP"), "1");
    EXPECT_EQ(field(ready, "KVM_CHECKS_FAIL"), "0");
    EXPECT_EQ(verdict_entry(report_of(checks::Verdict::degraded, {})).priority, LOG_WARNING);
    EXPECT_EQ(verdict_entry(report_of(checks::Verdict::not_ready, {})).priority, LOG_ERR);
}

TEST(JournalEvents, EachCheckThatDidNotPassIsAnEntryAFailAnError) {
    const auto entries = check_entries(report_of(
        checks::Verdict::not_ready, {{"host.os", "OS", checks::Status::pass, "RHEL 9", "", {}},
                                     {"dev.kvm.exists", "KVM", checks::Status::fail, "/dev/kvm does not exist", "modprobe kvm", {}},
                                     {"net.ip-forward", "fwd", checks::Status::warn, "runtime 0", "sysctl", {}},
                                     {"iommu", "IOMMU", checks::Status::skip, "--root", "", {}}}));
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].priority, LOG_ERR);
    EXPECT_EQ(entries[0].message, "kvm-agent: dev.kvm.exists FAIL: /dev/kvm does not exist");
    EXPECT_EQ(field(entries[0], "MESSAGE_ID"), k_message_check);
    EXPECT_EQ(field(entries[0], "KVM_CHECK_ID"), "dev.kvm.exists");
    EXPECT_EQ(field(entries[0], "KVM_CHECK_STATUS"), "FAIL");
    EXPECT_EQ(field(entries[0], "KVM_CHECK_FIX"), "modprobe kvm");
    EXPECT_EQ(entries[1].priority, LOG_WARNING);
}

}  // namespace
}  // namespace agent
