// The packages step against a temporary root with a fake backend, and the real backends with the programs
// they would run recorded instead of run.
#include "agent/steps/packages_step.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/provision/temp_root.h"

namespace agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using provision::PackageManager;
using tests::provision::TempRoot;

constexpr const char* k_debian = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n";
constexpr const char* k_rhel = "NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nID_LIKE=\"fedora\"\nVERSION_ID=\"9.3\"\n";

struct FakeDatabase {
    std::set<std::string> installed;
    std::vector<std::vector<std::string>> installs;
    std::set<std::string> refuse;   // install "succeeds" but these never show up (virtual packages)
    std::string install_error;      // install fails with this
};

class FakeBackend final : public host::packages::PackageBackend {
public:
    FakeBackend(PackageManager manager, FakeDatabase& db) : m_manager(manager), m_db(db) {}
    PackageManager manager() const override { return m_manager; }
    common::Result<std::set<std::string>> installed(const std::vector<std::string>& names) override {
        std::set<std::string> out;
        for (const auto& name : names)
            if (m_db.installed.count(name)) out.insert(name);
        return out;
    }
    common::Result<host::packages::InstallReport> install(const std::vector<std::string>& names) override {
        m_db.installs.push_back(names);
        if (!m_db.install_error.empty()) return common::make_error(m_db.install_error);
        for (const auto& name : names)
            if (!m_db.refuse.count(name)) m_db.installed.insert(name);
        return host::packages::InstallReport{};
    }

private:
    PackageManager m_manager;
    FakeDatabase& m_db;
};

class PackagesStepTest : public ::testing::Test {
protected:
    PackagesStep step(profile::PackagesSection section) {
        StepSettings settings;
        settings.root = m_root.root();
        return PackagesStep(std::move(section), settings, [this](PackageManager manager, const StepSettings&) {
            m_managers.push_back(manager);
            return std::make_unique<FakeBackend>(manager, m_db);
        });
    }
    static profile::PackagesSection default_set() { return profile::PackagesSection{true, {}}; }
    static profile::PackagesSection names(std::vector<std::string> list) { return profile::PackagesSection{false, std::move(list)}; }

    TempRoot m_root;
    FakeDatabase m_db;
    std::vector<PackageManager> m_managers;
};

TEST_F(PackagesStepTest, DefaultOnDebianIsItsKvmHostSetWithApt) {
    m_root.write("/etc/os-release", k_debian);
    m_db.installed = {"qemu-system-x86", "libvirt-clients"};
    auto s = step(default_set());
    const auto plan = s.plan();
    ASSERT_TRUE(plan.ok()) << plan.error().message;
    EXPECT_THAT(plan->changes, ElementsAre("install libvirt-daemon-system virtinst libguestfs-tools with apt"));
    EXPECT_THAT(plan->notes, ElementsAre("packages: default on debian 12 is qemu-system-x86 libvirt-daemon-system "
                                         "libvirt-clients virtinst libguestfs-tools"));
    EXPECT_THAT(m_db.installs, IsEmpty());
    EXPECT_THAT(m_managers, ElementsAre(PackageManager::apt));
}

TEST_F(PackagesStepTest, DefaultOnRhelIsItsKvmHostSetWithDnfAndASecondApplyChangesNothing) {
    m_root.write("/etc/os-release", k_rhel);
    auto s = step(default_set());
    const auto outcome = s.apply();
    ASSERT_TRUE(outcome.ok()) << outcome.failures.front();
    EXPECT_THAT(m_db.installs, ElementsAre(ElementsAre("qemu-kvm", "libvirt", "virt-install", "libguestfs-tools")));
    EXPECT_THAT(outcome.changed, ElementsAre("installed qemu-kvm libvirt virt-install libguestfs-tools with dnf"));
    const auto again = s.apply();
    EXPECT_TRUE(again.ok());
    EXPECT_THAT(again.changed, IsEmpty());
    EXPECT_EQ(m_db.installs.size(), 1u);
    EXPECT_THAT(s.plan()->changes, IsEmpty());
}

TEST_F(PackagesStepTest, AListInstallsExactlyWhatIsMissingOnce) {
    m_root.write("/etc/os-release", k_rhel);
    m_db.installed = {"tmux"};
    auto s = step(names({"tmux", "htop", "htop", "iotop"}));
    const auto outcome = s.apply();
    ASSERT_TRUE(outcome.ok());
    EXPECT_THAT(m_db.installs, ElementsAre(ElementsAre("htop", "iotop")));
}

TEST_F(PackagesStepTest, APackageStillMissingAfterTheInstallFailsTheStep) {
    m_root.write("/etc/os-release", k_debian);
    m_db.refuse = {"awk"};
    auto s = step(names({"awk", "tmux"}));
    const auto outcome = s.apply();
    EXPECT_THAT(outcome.failures, ElementsAre(HasSubstr("awk: still not in the package database after apt installed it")));
    EXPECT_THAT(outcome.changed, ElementsAre("installed tmux with apt"));
}

TEST_F(PackagesStepTest, AFailedInstallIsAFailureNamingThePackages) {
    m_root.write("/etc/os-release", k_rhel);
    m_db.install_error = "dnf -y install nope: exited with 1: Error: Unable to find a match: nope";
    auto s = step(names({"nope"}));
    const auto outcome = s.apply();
    EXPECT_THAT(outcome.failures,
                ElementsAre("installing nope: dnf -y install nope: exited with 1: Error: Unable to find a match: nope"));
}

TEST_F(PackagesStepTest, AnUnsupportedOrMissingOsReleaseIsAPlanError) {
    auto s = step(default_set());
    ASSERT_FALSE(s.plan().ok());
    EXPECT_THAT(s.plan().error().message, HasSubstr("choosing the package manager:"));
    m_root.write("/etc/os-release", "ID=arch\n");
    EXPECT_THAT(s.plan().error().message, HasSubstr("unsupported distribution arch"));
    EXPECT_THAT(s.apply().failures, ElementsAre(HasSubstr("unsupported distribution arch")));
}

TEST_F(PackagesStepTest, ABadNameIsRefusedBeforeAnythingRuns) {
    m_root.write("/etc/os-release", k_debian);
    auto s = step(names({"tmux", "-o=APT::Get::AllowUnauthenticated=1"}));
    EXPECT_EQ(s.plan().error().message, "bad package name \"-o=APT::Get::AllowUnauthenticated=1\"");
    EXPECT_THAT(m_db.installs, IsEmpty());
}

// The real backends, with a runner that records the programs and answers for them.
struct Recorder {
    std::vector<host::exec::Program> programs;
    std::function<host::exec::ProgramResult(const host::exec::Program&)> answer =
        [](const host::exec::Program&) { return host::exec::ProgramResult{0, 0, false, "", ""}; };
    host::packages::Runner runner() {
        return [this](const host::exec::Program& program) -> common::Result<host::exec::ProgramResult> {
            programs.push_back(program);
            return answer(program);
        };
    }
};

host::packages::BackendOptions options(const std::string& root, Recorder& recorder) {
    host::packages::BackendOptions o;
    o.root = root;
    o.timeout = std::chrono::seconds(600);
    o.runner = recorder.runner();
    return o;
}

TEST(AptBackend, ReadsTheDpkgDatabaseUnderTheRoot) {
    TempRoot root;
    root.write("/var/lib/dpkg/status",
               "Package: tmux\nStatus: install ok installed\nArchitecture: amd64\n\n"
               "Package: htop\nStatus: deinstall ok config-files\n\n");
    Recorder recorder;
    auto apt = host::packages::make_backend(PackageManager::apt, options(root.root(), recorder));
    const auto installed = apt->installed({"tmux", "htop", "tmux:amd64", "vim"});
    ASSERT_TRUE(installed.ok()) << installed.error().message;
    EXPECT_THAT(*installed, ElementsAre("tmux", "tmux:amd64"));
    EXPECT_THAT(recorder.programs, IsEmpty());

    root.write("/var/lib/dpkg/status", "Package: tmux\ngarbage\n");
    EXPECT_EQ(apt->installed({"tmux"}).error().message,
              "reading the dpkg database: /var/lib/dpkg/status:2: expected \"Field: value\"");
}

TEST(AptBackend, UpdatesThenInstallsNonInteractivelyUnderTheTimeoutAndLogsEachLine) {
    Recorder recorder;
    recorder.answer = [](const host::exec::Program& program) {
        if (program.on_line) program.on_line(host::exec::Stream::out, "Setting up tmux (3.3a-3) ...");
        if (program.argv[2] == "update") return host::exec::ProgramResult{100, 0, false, "", "E: Failed to fetch\n"};
        return host::exec::ProgramResult{0, 0, false, "", ""};
    };
    auto o = options("/", recorder);
    std::vector<std::string> logged;
    o.log_line = [&](std::string_view program, host::exec::Stream, std::string_view line) {
        logged.push_back(std::string(program) + ": " + std::string(line));
    };
    auto apt = host::packages::make_backend(PackageManager::apt, o);
    const auto report = apt->install({"tmux"});
    ASSERT_TRUE(report.ok()) << report.error().message;
    ASSERT_EQ(recorder.programs.size(), 2u);
    EXPECT_THAT(recorder.programs[0].argv, ElementsAre("apt-get", "-q", "update"));
    EXPECT_THAT(recorder.programs[1].argv, ElementsAre("apt-get", "-y", "-q", "--no-remove", "-o",
                                                       "Dpkg::Options::=--force-confdef", "-o",
                                                       "Dpkg::Options::=--force-confold", "install", "tmux"));
    EXPECT_THAT(recorder.programs[1].environment, ::testing::Contains(Pair("DEBIAN_FRONTEND", "noninteractive")));
    EXPECT_EQ(recorder.programs[1].timeout, std::chrono::seconds(600));
    EXPECT_THAT(report->notes, ElementsAre("apt-get -q update: exited with 100: E: Failed to fetch (installing from "
                                           "the package lists there are)"));
    EXPECT_THAT(logged, ElementsAre("apt-get: Setting up tmux (3.3a-3) ...", "apt-get: Setting up tmux (3.3a-3) ..."));
}

TEST(AptBackend, AFailedInstallNamesTheCommandHowItEndedAndItsLastLines) {
    Recorder recorder;
    recorder.answer = [](const host::exec::Program& program) {
        if (program.argv[2] == "update") return host::exec::ProgramResult{0, 0, false, "", ""};
        return host::exec::ProgramResult{100, 0, false, "Reading package lists...\n", "E: Unable to locate package nope\n"};
    };
    auto apt = host::packages::make_backend(PackageManager::apt, options("/", recorder));
    EXPECT_EQ(apt->install({"nope"}).error().message,
              "apt-get -y -q --no-remove -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold install "
              "nope: exited with 100: E: Unable to locate package nope");
}

TEST(RpmBackend, AsksRpmAndInstallsWithDnfIntoTheInstallRoot) {
    Recorder recorder;
    recorder.answer = [](const host::exec::Program& program) {
        if (program.argv[0] == "rpm")
            return host::exec::ProgramResult{1, 0, false, "qemu-kvm x86_64\npackage libvirt is not installed\n", ""};
        return host::exec::ProgramResult{0, 0, false, "Complete!\n", ""};
    };
    auto dnf = host::packages::make_backend(PackageManager::dnf, options("/mnt/sysimage", recorder));
    const auto installed = dnf->installed({"qemu-kvm", "libvirt"});
    ASSERT_TRUE(installed.ok()) << installed.error().message;
    EXPECT_THAT(*installed, ElementsAre("qemu-kvm"));
    ASSERT_TRUE(dnf->install({"libvirt"}).ok());
    ASSERT_EQ(recorder.programs.size(), 2u);
    EXPECT_THAT(recorder.programs[0].argv,
                ElementsAre("rpm", "--root", "/mnt/sysimage", "-q", "--qf", "%{NAME} %{ARCH}\\n", "qemu-kvm", "libvirt"));
    EXPECT_THAT(recorder.programs[1].argv, ElementsAre("dnf", "-y", "--installroot", "/mnt/sysimage", "install", "libvirt"));
    EXPECT_THAT(recorder.programs[1].environment, IsEmpty());
}

TEST(RpmBackend, ADatabaseErrorOrATimeoutIsAnError) {
    Recorder recorder;
    recorder.answer = [](const host::exec::Program&) {
        return host::exec::ProgramResult{1, 0, false, "", "error: cannot open Packages database in /var/lib/rpm\n"};
    };
    auto yum = host::packages::make_backend(PackageManager::yum, options("/", recorder));
    EXPECT_THAT(yum->installed({"a"}).error().message,
                HasSubstr("exited with 1: error: cannot open Packages database in /var/lib/rpm"));
    recorder.answer = [](const host::exec::Program&) { return host::exec::ProgramResult{-1, 15, true, "", ""}; };
    EXPECT_EQ(yum->install({"a"}).error().message,
              "yum -y install a: timed out after 600s (its process group was killed)");
}

}  // namespace
}  // namespace agent
