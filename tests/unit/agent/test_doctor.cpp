#include "agent/doctor.h"

#include <gtest/gtest.h>

#include "checks/catalogue.h"

namespace agent {
namespace {

checks::StaticHostFacts healthy_os_and_memory() {
    checks::StaticHostFacts facts;
    facts.os_release_fact = checks::OsRelease{"rhel", "fedora", "9.3", "Red Hat Enterprise Linux 9.3 (Plow)"};
    facts.meminfo_fact = checks::MemInfo{64ULL << 30};
    return facts;
}

TEST(RunDoctor, RunsEveryCheckOfTheCatalogueInOrderWhenNoIdIsGiven) {
    const auto report = run_doctor(checks::StaticHostFacts{}, {});
    ASSERT_TRUE(report.ok()) << report.error().message;
    ASSERT_EQ(report->results.size(), checks::catalogue().size());
    for (std::size_t i = 0; i < report->results.size(); ++i) {
        EXPECT_EQ(report->results[i].id, checks::catalogue()[i].id);
        EXPECT_EQ(report->results[i].title, checks::catalogue()[i].title);
        EXPECT_EQ(report->results[i].status, checks::Status::skip) << report->results[i].id;
    }
    EXPECT_EQ(report->verdict, checks::Verdict::ready) << "SKIP alone proves nothing wrong";
}

TEST(RunDoctor, KeepsTheOrderTheIdsWereGivenIn) {
    const auto report = run_doctor(healthy_os_and_memory(), {"host.os", "cpu.64bit", "host.memory"});
    ASSERT_TRUE(report.ok());
    ASSERT_EQ(report->results.size(), 3u);
    EXPECT_EQ(report->results[0].id, "host.os");
    EXPECT_EQ(report->results[1].id, "cpu.64bit");
    EXPECT_EQ(report->results[2].id, "host.memory");
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
