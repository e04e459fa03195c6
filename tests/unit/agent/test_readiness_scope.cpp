#include "agent/readiness_scope.h"

#include <gtest/gtest.h>

#include "agent/report_render.h"
#include "checks/catalogue.h"
#include "profile/profile.h"

namespace agent {
namespace {

using checks::CheckResult;
using checks::Status;
using Ids = std::vector<std::string>;

CheckResult result(const std::string& id, Status status, const std::string& evidence = "seen") {
    return {id, "title of " + id, status, evidence, status == Status::pass ? "" : "fix it", std::chrono::milliseconds(3)};
}

Ids ids_of(const DoctorReport& report) {
    Ids ids;
    for (const auto& r : report.results) ids.push_back(r.id);
    return ids;
}

TEST(ReadinessScope, ANetworkOnlyApplyRunsTheNetworkChecksAlone) {
    EXPECT_EQ(checks_of_sections({"network"}), (Ids{"net.bridge", "net.bond", "net.persistent"}));
    EXPECT_TRUE(checks_of_sections({}).empty());
}

TEST(ReadinessScope, SectionsSharingACheckRunItOnceInCatalogueOrder) {
    EXPECT_EQ(checks_of_sections({"firewall", "sysctl"}),
              (Ids{"net.ip-forward", "net.br-netfilter", "firewall.running", "firewall.zones"}));
}

TEST(ReadinessScope, EverySectionHasChecksAndNoneOfThemIsOptInOrUnknown) {
    Ids every;
    for (const auto section : profile::k_sections) {
        const auto ids = checks_of_sections({std::string(section)});
        EXPECT_FALSE(ids.empty()) << section;
        for (const auto& id : ids) {
            const auto* spec = checks::find_check(id);
            ASSERT_NE(spec, nullptr) << id;
            EXPECT_FALSE(spec->opt_in) << id;
        }
    }
    // What no section changes is never run again by a partial apply.
    const auto all = checks_of_sections(Ids(profile::k_sections.begin(), profile::k_sections.end()));
    for (const auto* untouched : {"cpu.virt-extensions", "host.memory", "host.os", "iommu"})
        EXPECT_EQ(std::find(all.begin(), all.end(), untouched), all.end()) << untouched;
}

TEST(ReadinessScope, ReadsBackTheResultsOfAReportItRendered) {
    DoctorReport report;
    report.results = {result("host.memory", Status::pass, "31.4 GiB"), result("net.bridge", Status::fail, "br0 down")};
    const auto back = results_from_readiness(render_json(report));
    ASSERT_EQ(back.size(), 2u);
    EXPECT_EQ(back[0].id, "host.memory");
    EXPECT_EQ(back[0].evidence, "31.4 GiB");
    EXPECT_EQ(back[1].status, Status::fail);
    EXPECT_EQ(back[1].fix, "fix it");
    EXPECT_EQ(back[1].duration, std::chrono::milliseconds(3));
}

TEST(ReadinessScope, LeavesOutWhatIsNotACheckResultOfOurs) {
    EXPECT_TRUE(results_from_readiness("").empty());
    EXPECT_TRUE(results_from_readiness("[1, 2]").empty());
    EXPECT_TRUE(results_from_readiness(R"({"checks": {"id": "host.memory"}})").empty());
    const auto kept = results_from_readiness(R"({"checks": [
        {"id": "host.memory", "title": "t", "status": "PASS", "evidence": "e", "fix": "", "duration_ms": 1},
        {"id": "no.such-check", "title": "t", "status": "PASS", "evidence": "e", "fix": "", "duration_ms": 1},
        {"id": "host.os", "title": "t", "status": "GREAT", "evidence": "e", "fix": "", "duration_ms": 1},
        {"id": "iommu", "title": "t", "status": "PASS", "evidence": "e", "fix": "", "duration_ms": -5},
        {"id": "net.bond", "title": "t", "status": "PASS", "evidence": 7, "fix": "", "duration_ms": 1},
        {"id": "net.bridge", "title": "t", "status": "PASS", "evidence": "e", "duration_ms": 1},
        "host.memory",
        {"id": "host.memory", "title": "again", "status": "FAIL", "evidence": "e", "fix": "f", "duration_ms": 1}
    ]})");
    ASSERT_EQ(kept.size(), 1u);
    EXPECT_EQ(kept[0].id, "host.memory");
    EXPECT_EQ(kept[0].title, "t");
}

TEST(ReadinessScope, FreshResultsReplaceThePreviousOnesInCatalogueOrderAndTheVerdictIsOfTheWhole) {
    DoctorReport fresh;
    fresh.results = {result("net.bridge", Status::pass, "now up"), result("net.bond", Status::warn)};
    const std::vector<CheckResult> previous = {result("net.bridge", Status::fail, "was down"),
                                               result("host.memory", Status::pass), result("cpu.64bit", Status::pass)};
    const auto merged = merged_readiness(fresh, previous);
    EXPECT_EQ(ids_of(merged), (Ids{"cpu.64bit", "host.memory", "net.bridge", "net.bond"}));
    EXPECT_EQ(merged.results[2].evidence, "now up");
    EXPECT_EQ(merged.verdict, checks::Verdict::degraded);

    const auto failing = merged_readiness(fresh, {result("iommu", Status::fail)});
    EXPECT_EQ(failing.verdict, checks::Verdict::not_ready);
    EXPECT_EQ(merged_readiness(fresh, {}).results.size(), 2u);
}

}  // namespace
}  // namespace agent
