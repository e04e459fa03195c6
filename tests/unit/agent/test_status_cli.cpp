// `kvm-agent status` through the binary: the stored report, whichever spelling of an option asks for it, and the
// checks run now only when asked (--live, or an option only a run of the checks can honour).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/support/process.h"

namespace tests {
namespace {

namespace fs = std::filesystem;

class StatusCli : public ::testing::Test {
protected:
    void SetUp() override {
        m_dir = fs::temp_directory_path() / ("kvm-status-" + std::to_string(::getpid()));
        fs::create_directories(m_dir / "state");
        fs::create_directories(m_dir / "empty-root");
        std::ofstream(m_dir / "state" / "readiness.json") << m_json;
        std::ofstream(m_dir / "state" / "readiness.txt") << "the stored text report\n";
    }
    void TearDown() override { fs::remove_all(m_dir); }

    static ProcessResult status(const std::vector<std::string>& args) {
        std::vector<std::string> argv{KVM_AGENT_BINARY, "status"};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_process(argv);
    }
    std::string state() const { return (m_dir / "state").string(); }

    fs::path m_dir;
    const std::string m_json = R"({"version": 1, "verdict": "DEGRADED", "apply": {"at": "2026-12-06T01:02:03Z"}})" "\n";
};

TEST_F(StatusCli, PrintsTheStoredTextReportHeadedByWhenTheApplyRan) {
    for (const auto& args : {std::vector<std::string>{"--state-dir", state()},
                             std::vector<std::string>{"--state-dir=" + state()}}) {
        const auto run = status(args);
        EXPECT_EQ(run.exit_code, 1) << run.err;  // DEGRADED
        EXPECT_EQ(run.out, "Last apply: 2026-12-06T01:02:03Z (kvm-agent status --live checks now)\n"
                           "the stored text report\n");
    }
}

TEST_F(StatusCli, EverySpellingOfOutputJsonPrintsTheStoredDocument) {
    for (const auto& args : {std::vector<std::string>{"--output", "json"}, std::vector<std::string>{"--output=json"},
                             std::vector<std::string>{"-o", "json"}, std::vector<std::string>{"-ojson"}}) {
        auto argv = args;
        argv.push_back("--state-dir=" + state());
        const auto run = status(argv);
        EXPECT_EQ(run.exit_code, 1) << args[0] << ": " << run.err;
        EXPECT_EQ(run.out, m_json) << args[0];
    }
}

TEST_F(StatusCli, LiveOrACheckOptionRunsTheChecksNow) {
    const auto root = (m_dir / "empty-root").string();
    for (const auto& args : {std::vector<std::string>{"--live", "--root", root, "--check", "cpu.64bit"},
                             std::vector<std::string>{"--root=" + root, "-c", "cpu.64bit"}}) {
        auto argv = args;
        argv.push_back("--state-dir=" + state());
        const auto run = status(argv);
        EXPECT_EQ(run.out.find("stored"), std::string::npos) << run.out;
        EXPECT_NE(run.out.find("cpu.64bit"), std::string::npos) << run.out << run.err;
    }
}

// A monitoring plugin's perfdata are the checks' own: --output nagios runs them now, never prints the stored report.
TEST_F(StatusCli, NagiosOutputRunsTheChecksNow) {
    const auto run = status({"--state-dir=" + state(), "--output", "nagios"});
    EXPECT_EQ(run.out.rfind("KVM-HOST ", 0), 0u) << run.out << run.err;
    EXPECT_NE(run.out.find("pass="), std::string::npos) << run.out;
    EXPECT_EQ(run.out.find("stored"), std::string::npos) << run.out;
}

TEST_F(StatusCli, BadOptionsExitThree) {
    EXPECT_EQ(status({"--state-dir", state(), "--output", "yaml"}).exit_code, 3);
    EXPECT_EQ(status({"--frobnicate"}).exit_code, 3);
    EXPECT_EQ(status({"--state-dir"}).exit_code, 3);
    EXPECT_EQ(status({"stray"}).exit_code, 3);
    const auto help = status({"--help"});
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_NE(help.out.find("--live"), std::string::npos);
    EXPECT_NE(help.out.find("--state-dir"), std::string::npos);
}

}  // namespace
}  // namespace tests
