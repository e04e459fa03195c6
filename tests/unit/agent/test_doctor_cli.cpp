// kvm-doctor through the binary over a throwaway root: the images directory and pool a profile names, the
// plugin output monitoring reads, and a value an option does not take refused like any other option error.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/process.h"

namespace tests {
namespace {

namespace fs = std::filesystem;

class DoctorCli : public ::testing::Test {
protected:
    void SetUp() override {
        m_dir = fs::temp_directory_path() / ("kvm-doctor-cli-" + std::to_string(::getpid()));
        fs::create_directories(m_dir / "root" / "srv" / "other");
        fs::create_directories(m_dir / "root" / "proc");
        std::ofstream(m_dir / "root" / "proc" / "mounts") << "/dev/sda2 / xfs rw,relatime 0 0\n";
    }
    void TearDown() override { fs::remove_all(m_dir); }

    static ProcessResult doctor(const std::vector<std::string>& args) {
        std::vector<std::string> argv{KVM_DOCTOR_BINARY};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_process(argv);
    }
    std::string root() const { return (m_dir / "root").string(); }
    std::string profile(const std::string& text) const {
        const auto path = m_dir / "host.yaml";
        std::ofstream(path) << text;
        fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
        return path.string();
    }
    static nlohmann::json check(const ProcessResult& run, const std::string& id) {
        const auto report = nlohmann::json::parse(run.out);
        for (const auto& entry : report.at("checks"))
            if (entry.at("id") == id) return entry;
        ADD_FAILURE() << "no " << id << " in " << run.out << run.err;
        return {};
    }

    fs::path m_dir;
};

// With --profile the images directory is the profile's, and what is missing there is the apply's to make;
// --images-dir still names another.
TEST_F(DoctorCli, TheProfilesImagesDirectoryIsJudgedUnlessTheCommandLineNamesAnother) {
    const auto host_yaml = profile("storage:\n  images:\n    path: /srv/vm\n    pool: images\n");
    const auto by_profile = doctor({"--root", root(), "--profile", host_yaml, "--check", "storage.images-space", "-ojson"});
    const auto space = check(by_profile, "storage.images-space");
    EXPECT_EQ(space.value("status", ""), "WARN") << space.dump();
    EXPECT_EQ(space.value("evidence", ""), "/srv/vm does not exist");
    EXPECT_EQ(space.value("fix", ""), "kvm-agent apply --profile " + host_yaml + " --only storage");

    const auto by_option = doctor({"--root", root(), "--profile", host_yaml, "--images-dir", "/srv/other", "--check",
                                   "storage.images-space", "-ojson"});
    const auto other = check(by_option, "storage.images-space");
    EXPECT_NE(other.value("evidence", "").find("(/srv/other)"), std::string::npos) << other.dump();
}

// The first line is what a monitoring console shows: the state the exit code gives, the verdict, the counts of
// every check that ran, and perfdata after '|'.
TEST_F(DoctorCli, NagiosOutputStartsWithTheStateTheVerdictAndPerfdata) {
    const auto run = doctor({"--root", root(), "--output", "nagios"});
    std::istringstream lines(run.out);
    std::string first;
    std::getline(lines, first);
    const char* states[] = {"KVM-HOST OK - READY: ", "KVM-HOST WARNING - DEGRADED: ", "KVM-HOST CRITICAL - NOT_READY: "};
    ASSERT_TRUE(run.exit_code >= 0 && run.exit_code <= 2) << run.out << run.err;
    EXPECT_EQ(first.rfind(states[run.exit_code], 0), 0u) << first;

    const auto listing = doctor({"--list", "--output", "json"});
    std::size_t total = 0;  // the checks a run without ids makes: every one but the opt-in ones
    const auto catalogue = nlohmann::json::parse(listing.out);
    for (const auto& check : catalogue.at("checks")) total += !check.at("opt_in").get<bool>();
    const auto bar = first.find(" | ");
    ASSERT_NE(bar, std::string::npos) << first;
    std::istringstream perfdata(first.substr(bar + 3));
    std::size_t counted = 0;
    for (std::string item; perfdata >> item;) {
        const auto equals = item.find('=');
        ASSERT_NE(equals, std::string::npos) << item;
        if (item.rfind("duration=", 0) == 0) {
            EXPECT_EQ(item.back(), 's') << item;
            continue;
        }
        counted += std::stoul(item.substr(equals + 1));
    }
    EXPECT_EQ(counted, total) << first;
    for (std::string line; std::getline(lines, line);) {
        EXPECT_TRUE(line.rfind("FAIL ", 0) == 0 || line.rfind("ERROR ", 0) == 0 || line.rfind("WARN ", 0) == 0) << line;
        EXPECT_EQ(line.find('|'), std::string::npos) << line;
    }
}

TEST_F(DoctorCli, NagiosOutputSaysUnknownOnStdoutWhenItCannotRun) {
    const auto run = doctor({"--root", (m_dir / "missing").string(), "-o", "nagios"});
    EXPECT_EQ(run.exit_code, 3);
    EXPECT_EQ(run.out, "KVM-HOST UNKNOWN - --root " + (m_dir / "missing").string() + " is not a directory\n");
}

// --smoke adds the guest smoke check after the others: to every default check, or to the ones named. An offline
// root asks no live service, so it SKIPs there rather than boot anything.
TEST_F(DoctorCli, SmokeAddsTheGuestCheckLastAndAnOfflineRootSkipsIt) {
    const auto all = doctor({"--root", root(), "--smoke", "-o", "json"});
    ASSERT_LE(all.exit_code, 2) << all.err;
    const auto report = nlohmann::json::parse(all.out);
    const auto& results = report.at("checks");
    ASSERT_GT(results.size(), 30u);
    EXPECT_EQ(results.back().at("id"), "libvirt.guest-smoke");
    EXPECT_EQ(results.back().at("status"), "SKIP");
    EXPECT_NE(results.back().at("evidence").get<std::string>().find("offline root"), std::string::npos)
        << results.back().dump();

    const auto named = doctor({"--root", root(), "--smoke", "--check", "host.os", "-o", "json"});
    const auto two = nlohmann::json::parse(named.out).at("checks");
    ASSERT_EQ(two.size(), 2u) << named.out;
    EXPECT_EQ(two[0].at("id"), "host.os");
    EXPECT_EQ(two[1].at("id"), "libvirt.guest-smoke");

    const auto without = doctor({"--root", root(), "-o", "json"});
    const auto default_report = nlohmann::json::parse(without.out);
    for (const auto& check : default_report.at("checks"))
        EXPECT_NE(check.at("id"), "libvirt.guest-smoke") << "opt-in: never without --smoke";

    const auto bad = doctor({"--root", root(), "--smoke", "--smoke-timeout", "0"});
    EXPECT_EQ(bad.exit_code, 3);
    EXPECT_EQ(bad.err, "kvm-doctor: --smoke-timeout must be between 0 and 3600 seconds\n");
}

// Every command refuses a value an option does not take the same way: the option error, exit 3, nothing run.
TEST_F(DoctorCli, AValueAnOptionDoesNotTakeIsAnOptionError) {
    const auto output = doctor({"--output=xml"});
    EXPECT_EQ(output.exit_code, 3);
    EXPECT_EQ(output.out, "");
    EXPECT_EQ(output.err, "kvm-doctor: --output must be text, json or nagios, not \"xml\"\nTry 'kvm-doctor --help'.\n");
    const auto color = doctor({"--color", "sometimes"});
    EXPECT_EQ(color.exit_code, 3);
    EXPECT_EQ(color.err, "kvm-doctor: --color must be auto, always or never, not \"sometimes\"\nTry 'kvm-doctor --help'.\n");
    for (const char* command : {"plan", "apply", "validate"}) {
        const auto agent = run_process({KVM_AGENT_BINARY, command, "-o", "nagios"});
        EXPECT_EQ(agent.exit_code, 3) << command;
        EXPECT_EQ(agent.err, std::string("kvm-agent ") + command + ": --output must be text or json, not \"nagios\"\n"
                             "Try 'kvm-agent " + command + " --help'.\n");
    }
}

}  // namespace
}  // namespace tests
