#include "checks/check_result.h"
#include "checks/fact.h"

#include <gtest/gtest.h>

#include <cctype>
#include <vector>

namespace checks {
namespace {

std::vector<CheckResult> results_with(const std::vector<Status>& statuses) {
    std::vector<CheckResult> results;
    int n = 0;
    for (auto status : statuses) results.push_back({"check." + std::to_string(n++), "title", status, "e", "f", {}});
    return results;
}

struct VerdictCase {
    const char* name;
    std::vector<Status> statuses;
    Verdict expected;
};

class VerdictOf : public ::testing::TestWithParam<VerdictCase> {};

TEST_P(VerdictOf, FollowsTheWorstStatus) {
    const auto& c = GetParam();
    EXPECT_EQ(verdict_of(results_with(c.statuses)), c.expected) << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    Table, VerdictOf,
    ::testing::Values(
        VerdictCase{"no checks at all", {}, Verdict::ready},
        VerdictCase{"all pass", {Status::pass, Status::pass}, Verdict::ready},
        VerdictCase{"skip only", {Status::skip, Status::skip}, Verdict::ready},
        VerdictCase{"pass and skip", {Status::pass, Status::skip}, Verdict::ready},
        VerdictCase{"one warn", {Status::pass, Status::warn, Status::skip}, Verdict::degraded},
        VerdictCase{"one error", {Status::pass, Status::error}, Verdict::degraded},
        VerdictCase{"warn and error", {Status::warn, Status::error}, Verdict::degraded},
        VerdictCase{"fail alone", {Status::fail}, Verdict::not_ready},
        VerdictCase{"fail after warn", {Status::warn, Status::fail}, Verdict::not_ready},
        VerdictCase{"fail before warn and error", {Status::fail, Status::warn, Status::error}, Verdict::not_ready},
        VerdictCase{"fail among passes and skips", {Status::pass, Status::skip, Status::fail, Status::pass},
                    Verdict::not_ready}),
    [](const auto& test_info) {
        std::string name = test_info.param.name;
        for (auto& c : name)
            if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
        return name;
    });

TEST(StatusToString, SpellsEveryStatusInCapitals) {
    EXPECT_EQ(to_string(Status::pass), "PASS");
    EXPECT_EQ(to_string(Status::warn), "WARN");
    EXPECT_EQ(to_string(Status::fail), "FAIL");
    EXPECT_EQ(to_string(Status::skip), "SKIP");
    EXPECT_EQ(to_string(Status::error), "ERROR");
}

TEST(StatusFromString, RoundTripsEveryStatus) {
    for (auto status : {Status::pass, Status::warn, Status::fail, Status::skip, Status::error}) {
        const auto parsed = status_from_string(to_string(status));
        ASSERT_TRUE(parsed.has_value()) << to_string(status);
        EXPECT_EQ(*parsed, status);
    }
}

TEST(StatusFromString, RejectsLowerCaseAndUnknownWords) {
    EXPECT_FALSE(status_from_string("pass").has_value());
    EXPECT_FALSE(status_from_string("OK").has_value());
    EXPECT_FALSE(status_from_string("").has_value());
    EXPECT_FALSE(status_from_string("PASS ").has_value());
}

TEST(VerdictToString, SpellsEveryVerdict) {
    EXPECT_EQ(to_string(Verdict::ready), "READY");
    EXPECT_EQ(to_string(Verdict::degraded), "DEGRADED");
    EXPECT_EQ(to_string(Verdict::not_ready), "NOT_READY");
}

TEST(OutcomeHelpers, PassAndSkipCarryNoFix) {
    EXPECT_EQ(pass("fine").status, Status::pass);
    EXPECT_TRUE(pass("fine").fix.empty());
    EXPECT_EQ(skip("why").status, Status::skip);
    EXPECT_EQ(skip("why").evidence, "why");
    EXPECT_TRUE(skip("why").fix.empty());
}

TEST(OutcomeHelpers, ErrorKeepsTheReasonAndSaysToMakeTheInputReadable) {
    const auto outcome = error("cannot read /proc/cpuinfo: Permission denied");
    EXPECT_EQ(outcome.status, Status::error);
    EXPECT_EQ(outcome.evidence, "cannot read /proc/cpuinfo: Permission denied");
    EXPECT_NE(outcome.fix.find("make the input readable"), std::string::npos);
}

TEST(OutcomeHelpers, WarnAndFailKeepEvidenceAndFix) {
    const auto w = warn("e1", "f1");
    EXPECT_EQ(w.status, Status::warn);
    EXPECT_EQ(w.evidence, "e1");
    EXPECT_EQ(w.fix, "f1");
    const auto f = fail("e2", "f2");
    EXPECT_EQ(f.status, Status::fail);
    EXPECT_EQ(f.evidence, "e2");
    EXPECT_EQ(f.fix, "f2");
}

// A root-only input refused to an unprivileged run (NRPE) is "unavailable": its checks SKIP and say how to run them.
TEST(UnavailableWhenUnprivileged, TurnsARefusedReadIntoUnavailableWithHowToRunIt) {
    const Fact<int> denied = ReadError{"cannot read /etc/libvirt/qemu.conf: Permission denied"};
    const auto unprivileged = unavailable_when_unprivileged(denied, false);
    EXPECT_TRUE(unprivileged.is_unavailable());
    EXPECT_EQ(unprivileged.reason(), "cannot read /etc/libvirt/qemu.conf: Permission denied: run as root (or via sudo)");
}

TEST(UnavailableWhenUnprivileged, LeavesRootsErrorsOtherErrorsAndValuesAlone) {
    const Fact<int> denied = ReadError{"cannot read /etc/libvirt/qemu.conf: Permission denied"};
    const auto as_root = unavailable_when_unprivileged(denied, true);
    EXPECT_FALSE(as_root.is_unavailable()) << "root refused is a real fault";
    const Fact<int> malformed = ReadError{"/etc/os-release:3: unterminated quote"};
    EXPECT_FALSE(unavailable_when_unprivileged(malformed, false).is_unavailable());
    EXPECT_EQ(unavailable_when_unprivileged(Fact<int>(7), false).value(), 7);
}

}  // namespace
}  // namespace checks
