#include "agent/doctor.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "checks/catalogue.h"

namespace agent {
namespace {

checks::StaticHostFacts healthy_os_and_memory() {
    checks::StaticHostFacts facts;
    facts.os_release_fact = checks::OsRelease{"rhel", "fedora", "9.3", "Red Hat Enterprise Linux 9.3 (Plow)"};
    facts.meminfo_fact = checks::MemInfo{64ULL << 30};
    return facts;
}

TEST(RunDoctor, RunsEveryCheckOfTheCatalogueButTheOptInOnesInOrderWhenNoIdIsGiven) {
    const auto report = run_doctor(checks::StaticHostFacts{}, {});
    ASSERT_TRUE(report.ok()) << report.error().message;
    std::vector<const checks::CheckSpec*> by_default;
    for (const auto& spec : checks::catalogue())
        if (!spec.opt_in) by_default.push_back(&spec);
    ASSERT_EQ(report->results.size(), by_default.size());
    ASSERT_EQ(by_default.size() + 1, checks::catalogue().size()) << "one opt-in check: libvirt.guest-smoke";
    for (std::size_t i = 0; i < report->results.size(); ++i) {
        EXPECT_EQ(report->results[i].id, by_default[i]->id);
        EXPECT_EQ(report->results[i].title, by_default[i]->title);
        EXPECT_EQ(report->results[i].status, checks::Status::skip) << report->results[i].id;
    }
    EXPECT_EQ(checks::default_check_ids().size(), by_default.size());
    EXPECT_EQ(report->verdict, checks::Verdict::ready) << "SKIP alone proves nothing wrong";
}

// The smoke guest changes the host while it runs: only a run that names it boots it.
TEST(RunDoctor, RunsTheOptInCheckOnlyWhenNamed) {
    checks::StaticHostFacts facts;
    facts.guest_smoke_fact = checks::Unavailable{"not asked"};
    const auto all = run_doctor(facts, {});
    ASSERT_TRUE(all.ok());
    for (const auto& result : all->results) EXPECT_NE(result.id, "libvirt.guest-smoke");
    const auto named = run_doctor(facts, {"libvirt.guest-smoke"});
    ASSERT_TRUE(named.ok());
    ASSERT_EQ(named->results.size(), 1u);
    EXPECT_EQ(named->results[0].status, checks::Status::skip);
    EXPECT_EQ(named->results[0].evidence, "not asked");
}

TEST(RunDoctor, KeepsTheOrderTheIdsWereGivenIn) {
    const auto report = run_doctor(healthy_os_and_memory(), {"host.os", "cpu.64bit", "host.memory"});
    ASSERT_TRUE(report.ok());
    ASSERT_EQ(report->results.size(), 3u);
    EXPECT_EQ(report->results[0].id, "host.os");
    EXPECT_EQ(report->results[1].id, "cpu.64bit");
    EXPECT_EQ(report->results[2].id, "host.memory");
}

// firewalld's and libvirt's facts each wait until the other has been asked: checks run one after the other would
// wait alone and give up (after far longer than a check takes), and the checks would see their facts unavailable.
struct FactsAskedTogether : checks::StaticHostFacts {
    mutable std::mutex mutex;
    mutable std::condition_variable asked;
    mutable int waiting = 0;
    bool met() const {
        std::unique_lock lock(mutex);
        ++waiting;
        asked.notify_all();
        return asked.wait_for(lock, std::chrono::seconds(60), [&] { return waiting >= 2; });
    }
    const checks::Fact<checks::FirewallFacts>& firewall() const override {
        return met() ? firewall_fact : alone_firewall;
    }
    const checks::Fact<checks::LibvirtFacts>& libvirt() const override { return met() ? libvirt_fact : alone_libvirt; }
    checks::Fact<checks::FirewallFacts> alone_firewall{checks::Unavailable{"asked alone"}};
    checks::Fact<checks::LibvirtFacts> alone_libvirt{checks::Unavailable{"asked alone"}};
};

TEST(RunDoctor, ChecksRunSideBySide) {
    FactsAskedTogether facts;
    facts.firewall_fact = checks::FirewallFacts{true, "RUNNING", "public", ""};
    facts.libvirt_fact = checks::Unavailable{"libvirt answered"};
    const auto report = run_doctor(facts, {"firewall.running", "libvirt.connection"});
    ASSERT_TRUE(report.ok());
    ASSERT_EQ(report->results.size(), 2u);
    EXPECT_EQ(report->results[0].id, "firewall.running");
    EXPECT_EQ(report->results[0].status, checks::Status::pass) << report->results[0].evidence;
    EXPECT_EQ(report->results[1].id, "libvirt.connection");
    EXPECT_NE(report->results[1].evidence.find("libvirt answered"), std::string::npos) << report->results[1].evidence;
}

// The checks that wait on a daemon or the KVM probe start first, the file checks after, each in the given order.
TEST(StartOrder, StartsTheChecksThatWaitFirst) {
    std::vector<const checks::CheckSpec*> selected;
    for (const char* id : {"cpu.64bit", "kvm.functional", "host.os", "libvirt.connection", "net.ip-forward",
                           "firewall.running"})
        selected.push_back(checks::find_check(id));
    std::vector<std::string> started;
    for (const auto i : start_order(selected)) started.emplace_back(selected[i]->id);
    EXPECT_EQ(started, (std::vector<std::string>{"kvm.functional", "libvirt.connection", "firewall.running",
                                                 "cpu.64bit", "host.os", "net.ip-forward"}));
}

TEST(RunDoctor, CopiesTheJudgesOutcomeIntoTheResult) {
    const auto report = run_doctor(healthy_os_and_memory(), {"host.os"});
    ASSERT_TRUE(report.ok());
    ASSERT_EQ(report->results.size(), 1u);
    const auto& result = report->results[0];
    EXPECT_EQ(result.title, "Operating system");
    EXPECT_EQ(result.status, checks::Status::pass);
    EXPECT_EQ(result.evidence, "Red Hat Enterprise Linux 9.3 (Plow)");
    EXPECT_TRUE(result.fix.empty());
    EXPECT_GE(result.duration.count(), 0);
}

TEST(RunDoctor, IsAnErrorNamingAnUnknownIdAndRunsNothing) {
    const auto report = run_doctor(healthy_os_and_memory(), {"host.os", "host.oss"});
    ASSERT_FALSE(report.ok());
    EXPECT_EQ(report.error().message, "unknown check id \"host.oss\" (kvm-doctor --list shows them)");
}

TEST(RunDoctor, JudgesTheVerdictFromTheSelectedChecksOnly) {
    auto facts = healthy_os_and_memory();
    facts.meminfo_fact = checks::MemInfo{1ULL << 30};
    facts.os_release_fact = checks::OsRelease{"rhel", "fedora", "7.9", ""};

    const auto failing = run_doctor(facts, {"host.os", "host.memory"});
    ASSERT_TRUE(failing.ok());
    EXPECT_EQ(failing->results[1].status, checks::Status::fail);
    EXPECT_EQ(failing->verdict, checks::Verdict::not_ready);

    const auto warning = run_doctor(facts, {"host.os"});
    ASSERT_TRUE(warning.ok());
    EXPECT_EQ(warning->results[0].status, checks::Status::warn);
    EXPECT_EQ(warning->verdict, checks::Verdict::degraded);

    facts.cpuinfo_fact = checks::ReadError{"cannot read /proc/cpuinfo"};
    const auto erroring = run_doctor(facts, {"cpu.64bit"});
    ASSERT_TRUE(erroring.ok());
    EXPECT_EQ(erroring->verdict, checks::Verdict::degraded);
}

TEST(StatusCounts, CountsEachStatusAChecksEndedInAndNoOther) {
    DoctorReport report;
    for (auto status : {checks::Status::pass, checks::Status::fail, checks::Status::pass, checks::Status::skip})
        report.results.push_back(checks::CheckResult{"a.b", "t", status, "", "", {}});
    const auto counts = status_counts(report);
    EXPECT_EQ(counts, (std::map<checks::Status, int>{
                          {checks::Status::pass, 2}, {checks::Status::fail, 1}, {checks::Status::skip, 1}}));
    EXPECT_TRUE(status_counts(DoctorReport{}).empty());
}

TEST(ExitCodeFor, FollowsTheMonitoringPluginConvention) {
    EXPECT_EQ(exit_code_for(checks::Verdict::ready), 0);
    EXPECT_EQ(exit_code_for(checks::Verdict::degraded), 1);
    EXPECT_EQ(exit_code_for(checks::Verdict::not_ready), 2);
    EXPECT_EQ(k_exit_could_not_run, 3);
}

}  // namespace
}  // namespace agent
