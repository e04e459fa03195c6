// kvm-doctor as a monitoring agent runs it (NRPE, Icinga): as an unprivileged user on this live machine. Root-only
// inputs (libvirt's qemu.conf, its network definitions, NetworkManager's keyfiles) make their checks SKIP with how
// to run them, never ERROR; the same checks run as root are judged.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>

#include "tests/support/doctor_runner.h"

namespace {

namespace fs = std::filesystem;
using tests::run_process;

constexpr const char* k_needs_root = "run as root (or via sudo)";

class UnprivilegedDoctor : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root to run the doctor as another user";
        if (!tests::have_program("runuser")) GTEST_SKIP() << "runuser (util-linux) is not installed";
        // The build tree may sit where `nobody` cannot reach it: a copy it can run.
        m_dir = fs::temp_directory_path() / ("kvm-doctor-unprivileged-" + std::to_string(::getpid()));
        fs::create_directories(m_dir);
        fs::permissions(m_dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                   fs::perms::others_read | fs::perms::others_exec);
        fs::copy_file(KVM_DOCTOR_BINARY, m_dir / "kvm-doctor");
        fs::permissions(m_dir / "kvm-doctor", fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                                  fs::perms::others_read | fs::perms::others_exec);
    }
    void TearDown() override {
        std::error_code ec;
        if (!m_dir.empty()) fs::remove_all(m_dir, ec);
    }
    tests::ProcessResult as_nobody(std::vector<std::string> args) const {
        std::vector<std::string> argv = {"runuser", "-u", "nobody", "--", (m_dir / "kvm-doctor").string()};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_process(argv);
    }

    fs::path m_dir;
};

TEST_F(UnprivilegedDoctor, RootOnlyInputsSkipWithHowToRunThemAndNothingIsAnError) {
    const auto run = as_nobody({"--output", "json"});
    ASSERT_NE(run.exit_code, 3) << run.err;
    const auto report = nlohmann::json::parse(run.out);
    int needs_root = 0;
    for (const auto& check : report.at("checks")) {
        const std::string evidence = check.value("evidence", "");
        EXPECT_EQ(evidence.find("Permission denied") != std::string::npos && check.value("status", "") != "SKIP", false)
            << check.dump();
        if (evidence.find(k_needs_root) != std::string::npos) {
            ++needs_root;
            EXPECT_EQ(check.value("status", ""), "SKIP") << check.dump();
        }
    }
    // libvirt's qemu.conf is root's alone as the packages install it: qemu.vnc-listen cannot read it.
    struct stat conf{};
    if (::stat("/etc/libvirt/qemu.conf", &conf) == 0 && (conf.st_mode & S_IROTH) == 0) {
        EXPECT_GT(needs_root, 0) << run.out;
        for (const auto& check : report.at("checks")) {
            if (check.value("id", "") != "qemu.vnc-listen") continue;
            EXPECT_EQ(check.value("status", ""), "SKIP") << check.dump();
            EXPECT_EQ(check.value("evidence", ""),
                      std::string("cannot read /etc/libvirt/qemu.conf: Permission denied: ") + k_needs_root);
        }
        // As root the same check reads the file and is judged.
        const auto as_root = tests::run_doctor_json({"--check", "qemu.vnc-listen"});
        EXPECT_EQ(as_root.check("qemu.vnc-listen").value("evidence", "").find(k_needs_root), std::string::npos)
            << as_root.check("qemu.vnc-listen").dump();
    }
}

// The guest smoke check needs libvirt's system instance read-write: an unprivileged run SKIPs it, boots nothing.
TEST_F(UnprivilegedDoctor, TheGuestSmokeCheckSkipsSayingItNeedsRoot) {
    const auto run = as_nobody({"--output", "json", "--check", "libvirt.guest-smoke"});
    ASSERT_NE(run.exit_code, 3) << run.err;
    const auto check = nlohmann::json::parse(run.out).at("checks").at(0);
    EXPECT_EQ(check.value("status", ""), "SKIP") << check.dump();
    EXPECT_EQ(check.value("evidence", ""), std::string("it boots a guest through libvirt: ") + k_needs_root);
}

// The plugin's first line comes out for an unprivileged agent too, with the state its exit code gives.
TEST_F(UnprivilegedDoctor, NagiosOutputsTheStatusLineWithTheStateOfItsExitCode) {
    const auto run = as_nobody({"--output", "nagios"});
    ASSERT_TRUE(run.exit_code >= 0 && run.exit_code <= 2) << run.out << run.err;
    const char* states[] = {"KVM-HOST OK - ", "KVM-HOST WARNING - ", "KVM-HOST CRITICAL - "};
    EXPECT_EQ(run.out.rfind(states[run.exit_code], 0), 0u) << run.out;
    std::istringstream lines(run.out);
    for (std::string line; std::getline(lines, line);)
        EXPECT_FALSE(line.rfind("ERROR ", 0) == 0 && line.find("Permission denied") != std::string::npos) << line;
}

}  // namespace
