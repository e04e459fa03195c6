// kvm-doctor on this live machine: the JSON contract, exit codes, and agreement with libvirt's
// virt-host-validate on the checks both make.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <sstream>

#include "tests/support/doctor_runner.h"
#include "tests/support/virt_host_validate.h"

namespace {

using tests::run_doctor_json;
using tests::run_process;

TEST(DoctorJson, HasVersionVerdictAndOneEntryPerCatalogueCheckWithExactlyTheDocumentedFields) {
    const auto run = run_doctor_json();
    const auto& report = run.report;
    ASSERT_TRUE(report.is_object());
    EXPECT_EQ(report.size(), 3u);
    EXPECT_EQ(report.at("version"), 1);
    const std::set<std::string> verdicts = {"READY", "DEGRADED", "NOT_READY"};
    EXPECT_TRUE(verdicts.count(report.at("verdict").get<std::string>()));

    // Every id from --list but the opt-in ones (they run only when named) appears once, in the same order.
    const auto listing = run_process({KVM_DOCTOR_BINARY, "--list"});
    ASSERT_EQ(listing.exit_code, 0);
    std::vector<std::string> listed;
    std::istringstream lines(listing.out);
    for (std::string line; std::getline(lines, line);)
        if (line.find("(opt-in") == std::string::npos) listed.push_back(line.substr(0, line.find(' ')));
    std::vector<std::string> reported;
    const std::set<std::string> statuses = {"PASS", "WARN", "FAIL", "SKIP", "ERROR"};
    const std::set<std::string> fields = {"id", "title", "status", "evidence", "fix", "duration_ms"};
    for (const auto& check : report.at("checks")) {
        std::set<std::string> keys;
        for (const auto& [key, value] : check.items()) keys.insert(key);
        EXPECT_EQ(keys, fields) << check.dump();
        EXPECT_TRUE(statuses.count(check.at("status").get<std::string>())) << check.dump();
        EXPECT_TRUE(check.at("duration_ms").is_number_integer());
        EXPECT_FALSE(check.at("evidence").get<std::string>().empty()) << check.at("id");
        if (check.at("status") == "WARN" || check.at("status") == "FAIL") {
            EXPECT_FALSE(check.at("fix").get<std::string>().empty()) << check.at("id");
        }
        reported.push_back(check.at("id"));
    }
    EXPECT_EQ(reported, listed);
    EXPECT_GE(reported.size(), 28u);
}

TEST(DoctorExitCode, FollowsTheVerdict) {
    const auto run = run_doctor_json();
    const std::map<std::string, int> codes = {{"READY", 0}, {"DEGRADED", 1}, {"NOT_READY", 2}};
    EXPECT_EQ(run.process.exit_code, codes.at(run.report.at("verdict")));
    // The verdict follows from the statuses: any FAIL is NOT_READY.
    bool any_fail = false, any_warn = false;
    for (const auto& [id, status] : run.statuses()) {
        any_fail |= status == "FAIL";
        any_warn |= status == "WARN" || status == "ERROR";
    }
    EXPECT_EQ(run.report.at("verdict"), any_fail ? "NOT_READY" : any_warn ? "DEGRADED" : "READY");
}

TEST(DoctorExitCode, IsThreeForABadOptionAnUnknownCheckOrABadRoot) {
    auto bad_option = run_process({KVM_DOCTOR_BINARY, "--frobnicate"});
    EXPECT_EQ(bad_option.exit_code, 3);
    EXPECT_NE(bad_option.err.find("frobnicate"), std::string::npos);
    auto unknown = run_process({KVM_DOCTOR_BINARY, "--check", "cpu.no-such-check"});
    EXPECT_EQ(unknown.exit_code, 3);
    EXPECT_NE(unknown.err.find("unknown check id \"cpu.no-such-check\""), std::string::npos);
    EXPECT_TRUE(unknown.out.empty());
    auto bad_output = run_process({KVM_DOCTOR_BINARY, "--output", "yaml"});
    EXPECT_EQ(bad_output.exit_code, 3);
    auto bad_root = run_process({KVM_DOCTOR_BINARY, "--root", "/nonexistent/dir"});
    EXPECT_EQ(bad_root.exit_code, 3);
    EXPECT_NE(bad_root.err.find("/nonexistent/dir"), std::string::npos);
}

TEST(DoctorCheckOption, RunsOnlyTheNamedChecksInTheOrderGiven) {
    const auto run = run_doctor_json({"--check", "dev.net-tun", "--check", "cpu.64bit"});
    ASSERT_EQ(run.report.at("checks").size(), 2u);
    EXPECT_EQ(run.report.at("checks")[0].at("id"), "dev.net-tun");
    EXPECT_EQ(run.report.at("checks")[1].at("id"), "cpu.64bit");
}

TEST(DoctorQuiet, PrintsEveryCheckThatDidNotPassAndNoPassingOne) {
    const auto run = run_doctor_json();
    const auto text = run_process({KVM_DOCTOR_BINARY, "--quiet", "--color", "never"});
    EXPECT_EQ(text.exit_code, run.process.exit_code);
    for (const auto& [id, status] : run.statuses()) {
        const bool printed = std::regex_search(text.out, std::regex("(^|\\n)  " + std::regex_replace(id, std::regex("\\."), "\\.") + " "));
        EXPECT_EQ(printed, status != "PASS") << id << " " << status << "\n" << text.out;
    }
}

TEST(DoctorRoot, SkipsLiveServiceChecksWithTheReason) {
    const auto run = run_doctor_json({"--root", "/"});  // "/" is live: sanity
    EXPECT_NE(run.check("libvirt.connection").at("status"), "SKIP");
    const auto offline = run_doctor_json({"--root", "/tmp"});
    for (const char* id : {"libvirt.daemon", "libvirt.connection", "firewall.running", "kvm.functional"}) {
        EXPECT_EQ(offline.check(id).at("status"), "SKIP") << id;
        EXPECT_NE(offline.check(id).at("evidence").get<std::string>().find("offline root /tmp"), std::string::npos);
    }
}

TEST(AgentStatus, ReportsTheSameChecksAsTheDoctor) {
    const auto doctor = run_doctor_json();
    const auto agent = run_process({KVM_AGENT_BINARY, "status", "--live", "--output", "json"});
    const auto report = nlohmann::json::parse(agent.out);
    EXPECT_EQ(tests::schema_violations(agent.out, "doctor"), "");
    EXPECT_EQ(agent.exit_code, doctor.process.exit_code);
    std::map<std::string, std::string> statuses;
    for (const auto& check : report.at("checks")) statuses[check.at("id")] = check.at("status");
    EXPECT_EQ(statuses, doctor.statuses());
}

std::map<std::string, std::string> virt_host_validate() {
    return tests::parse_virt_host_validate(run_process({"env", "LC_ALL=C", "virt-host-validate", "qemu"}).out);
}

TEST(VirtHostValidateParity, SameVerdictOnHardwareVirtualizationVhostNetTunAndCgroups) {
    if (!tests::have_program("virt-host-validate")) GTEST_SKIP() << "virt-host-validate (libvirt-clients) not installed";
    const auto theirs = virt_host_validate();
    ASSERT_FALSE(theirs.empty()) << "virt-host-validate printed no QEMU lines";
    const auto ours = run_doctor_json().statuses();

    ASSERT_TRUE(theirs.count("for hardware virtualization"));
    EXPECT_EQ(ours.at("cpu.virt-extensions"), theirs.at("for hardware virtualization"));
    ASSERT_TRUE(theirs.count("if device /dev/vhost-net exists"));
    EXPECT_EQ(ours.at("dev.vhost-net"), theirs.at("if device /dev/vhost-net exists"));
    ASSERT_TRUE(theirs.count("if device /dev/net/tun exists"));
    EXPECT_EQ(ours.at("dev.net-tun"), theirs.at("if device /dev/net/tun exists"));

    // One cgroups check of ours against theirs per controller: WARN if any of theirs WARNs.
    std::string cgroups = "PASS";
    int controllers = 0;
    for (const auto& [what, status] : theirs) {
        if (what.rfind("for cgroup '", 0) != 0) continue;
        ++controllers;
        if (status != "PASS") cgroups = "WARN";
    }
    EXPECT_EQ(controllers, 6);
    EXPECT_EQ(ours.at("cgroups.controllers"), cgroups);
}

TEST(VirtHostValidateParity, ExplainsTheDeliberateDifferenceOnSecureGuests) {
    if (!tests::have_program("virt-host-validate")) GTEST_SKIP() << "virt-host-validate (libvirt-clients) not installed";
    // virt-host-validate WARNs "unknown" on hosts without SEV/TDX; ours is informational and says why.
    const auto theirs = virt_host_validate();
    ASSERT_TRUE(theirs.count("for secure guest support"));
    const auto run = run_doctor_json({"--check", "secure-guest"});
    const auto& check = run.check("secure-guest");
    EXPECT_EQ(check.at("status"), "PASS");
    const std::string evidence = check.at("evidence");
    if (theirs.at("for secure guest support") == "PASS") {
        EXPECT_NE(evidence.find("offers"), std::string::npos) << evidence;
    } else {
        EXPECT_NE(evidence.find("informational"), std::string::npos) << evidence;
    }
}

}  // namespace
