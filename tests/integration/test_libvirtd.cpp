// The libvirt.* checks against a real libvirtd that this test starts on a private socket directory
// (no systemd needed), read back with virsh; then against the same daemon stopped.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/support/doctor_runner.h"

namespace {

namespace fs = std::filesystem;
using tests::run_process;

class PrivateLibvirtd {
public:
    PrivateLibvirtd() : m_dir(fs::temp_directory_path() / ("kvm-doctor-libvirtd-" + std::to_string(::getpid()))) {
        fs::create_directories(m_dir);
        std::ofstream(m_dir / "libvirtd.conf") << "unix_sock_dir = \"" << m_dir.string() << "\"\n"
                                               << "auth_unix_ro = \"none\"\nauth_unix_rw = \"none\"\n";
    }
    ~PrivateLibvirtd() {
        stop();
        std::error_code ec;
        fs::remove_all(m_dir, ec);
    }

    // Starts libvirtd in the foreground as our child; true once its read-only socket answers.
    bool start() {
        m_pid = ::fork();
        if (m_pid == 0) {
            const std::string config = (m_dir / "libvirtd.conf").string(), pid = (m_dir / "pid").string();
            const std::string log = (m_dir / "log").string();
            std::freopen(log.c_str(), "w", stderr);
            ::execlp("libvirtd", "libvirtd", "-f", config.c_str(), "-p", pid.c_str(), nullptr);
            ::_exit(127);
        }
        for (int i = 0; i < 100; ++i) {
            // The first capabilities request makes libvirtd probe QEMU (seconds under TCG); on a real host
            // that result is cached from the daemon's start, so warm it up before the doctor's bounded calls.
            if (fs::exists(m_dir / "libvirt-sock-ro") &&
                run_process({"virsh", "-r", "-c", uri(true), "capabilities"}).exit_code == 0)
                return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
        return false;
    }
    void stop() {
        if (m_pid <= 0) return;
        ::kill(m_pid, SIGTERM);
        int status = 0;
        ::waitpid(m_pid, &status, 0);
        m_pid = -1;
    }
    std::string uri(bool read_only) const {
        return "qemu:///system?socket=" + (m_dir / (read_only ? "libvirt-sock-ro" : "libvirt-sock")).string();
    }

private:
    fs::path m_dir;
    pid_t m_pid = -1;
};

bool virsh_info_says(const std::string& info, const std::string& field, const std::string& value) {
    const auto pos = info.find(field + ":");
    if (pos == std::string::npos) return false;
    const auto end = info.find('\n', pos);
    return info.substr(pos, end - pos).find(value) != std::string::npos;
}

class LibvirtChecks : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root to start libvirtd";
        if (!tests::have_program("libvirtd") || !tests::have_program("virsh"))
            GTEST_SKIP() << "libvirtd or virsh not installed (libvirt-daemon-system, libvirt-clients)";
        if (fs::exists("/run/libvirt/libvirt-sock"))
            GTEST_SKIP() << "a system libvirtd already runs here; the test needs the QEMU driver to itself";
        ASSERT_TRUE(m_daemon.start()) << "libvirtd did not come up on its private socket";
    }
    tests::DoctorRun doctor(std::vector<std::string> ids) {
        // libvirtd in the build sandbox takes 4-8 s to answer capabilities (real hosts answer at once):
        // a generous --timeout keeps the test about behaviour, not this machine's speed.
        std::vector<std::string> args = {"--connect", m_daemon.uri(false), "--timeout", "30"};
        for (auto& id : ids) args.insert(args.end(), {"--check", id});
        return tests::run_doctor_json(args);
    }
    std::string virsh(std::vector<std::string> args) {
        std::vector<std::string> argv = {"virsh", "-c", m_daemon.uri(false)};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_process(argv).out;
    }
    PrivateLibvirtd m_daemon;
};

TEST_F(LibvirtChecks, ConnectionPassesExactlyWhenVirshCapabilitiesOfferKvmForX86_64) {
    const auto run = doctor({"libvirt.connection"});
    const auto& check = run.check("libvirt.connection");
    const std::string capabilities = virsh({"capabilities"});
    const bool kvm = capabilities.find("<arch name='x86_64'>") != std::string::npos &&
                     capabilities.find("<domain type='kvm'") != std::string::npos;
    EXPECT_EQ(check.at("status"), kvm ? "PASS" : "FAIL") << check.dump();
    EXPECT_NE(check.at("evidence").get<std::string>().find("connected to"), std::string::npos) << check.dump();
    EXPECT_NE(check.at("evidence").get<std::string>().find("libvirt "), std::string::npos) << check.dump();
}

TEST_F(LibvirtChecks, DefaultNetworkAgreesWithVirshNetInfo) {
    const auto run = doctor({"libvirt.default-network"});
    const auto& check = run.check("libvirt.default-network");
    const auto info = virsh({"net-info", "default"});
    if (info.find("Name:") == std::string::npos) {
        EXPECT_EQ(check.at("status"), "WARN");
        EXPECT_NE(check.at("evidence").get<std::string>().find("not defined"), std::string::npos);
        return;
    }
    const bool active = virsh_info_says(info, "Active", "yes");
    const bool autostart = virsh_info_says(info, "Autostart", "yes");
    EXPECT_EQ(check.at("status"), active && autostart ? "PASS" : "WARN") << info << check.dump();
    EXPECT_NE(check.at("evidence").get<std::string>().find(active ? "active" : "inactive"), std::string::npos);
    EXPECT_NE(check.at("evidence").get<std::string>().find(autostart ? "autostart" : "no autostart"), std::string::npos);
}

TEST_F(LibvirtChecks, StoragePoolGoesFromUndefinedToInactiveToPassAsVirshChangesIt) {
    if (virsh({"pool-info", "default"}).find("Name:") != std::string::npos)
        GTEST_SKIP() << "a pool named default already exists on this machine; the test leaves it alone";
    EXPECT_EQ(doctor({"libvirt.storage-pool"}).check("libvirt.storage-pool").at("status"), "WARN");

    const fs::path target = fs::temp_directory_path() / ("kvm-doctor-pool-" + std::to_string(::getpid()));
    fs::create_directories(target);
    virsh({"pool-define-as", "default", "dir", "--target", target.string()});
    auto defined = doctor({"libvirt.storage-pool"});
    EXPECT_EQ(defined.check("libvirt.storage-pool").at("status"), "WARN");
    EXPECT_NE(defined.check("libvirt.storage-pool").at("evidence").get<std::string>().find("inactive"), std::string::npos);
    EXPECT_NE(defined.check("libvirt.storage-pool").at("fix").get<std::string>().find("virsh pool-start default"),
              std::string::npos);

    virsh({"pool-start", "default"});
    virsh({"pool-autostart", "default"});
    auto running = doctor({"libvirt.storage-pool"});
    EXPECT_EQ(running.check("libvirt.storage-pool").at("status"), "PASS") << running.check("libvirt.storage-pool").dump();
    EXPECT_NE(running.check("libvirt.storage-pool").at("evidence").get<std::string>().find(target.string()),
              std::string::npos);

    virsh({"pool-destroy", "default"});
    virsh({"pool-undefine", "default"});
    fs::remove_all(target);
}

// The pool the profile names (or --images-pool) over the directory it names (or --images-dir) is the one judged,
// and `default-network: absent` turns the network's absence into a PASS, with no fix that would define it.
TEST_F(LibvirtChecks, ThePoolAndTheDefaultNetworkAreJudgedAsTheProfileAsks) {
    const std::string pool = "kvmtest-images-" + std::to_string(::getpid());
    const fs::path target = fs::temp_directory_path() / ("kvm-doctor-profiled-" + std::to_string(::getpid()));
    fs::create_directories(target);
    virsh({"pool-define-as", pool, "dir", "--target", target.string()});
    virsh({"pool-start", pool});
    virsh({"pool-autostart", pool});

    const fs::path profile = target.string() + ".yaml";
    std::ofstream(profile) << "libvirt:\n  default-network: absent\nstorage:\n  images:\n    path: " << target.string()
                           << "\n    pool: " << pool << "\n    min-free: 1MiB\n";
    fs::permissions(profile, fs::perms::owner_read | fs::perms::owner_write);
    const std::vector<std::string> ids = {"libvirt.storage-pool", "libvirt.default-network", "storage.images-space"};

    std::vector<std::string> args = {"--connect", m_daemon.uri(false), "--timeout", "30", "--profile", profile.string()};
    for (const auto& id : ids) args.insert(args.end(), {"--check", id});
    const auto profiled = tests::run_doctor_json(args);
    const auto& checked_pool = profiled.check("libvirt.storage-pool");
    EXPECT_EQ(checked_pool.at("status"), "PASS") << checked_pool.dump();
    EXPECT_NE(checked_pool.at("evidence").get<std::string>().find("pool \"" + pool + "\": active, autostart, " +
                                                                  target.string()),
              std::string::npos) << checked_pool.dump();
    const auto& space = profiled.check("storage.images-space");
    EXPECT_EQ(space.at("status"), "PASS") << space.dump();
    EXPECT_NE(space.at("evidence").get<std::string>().find("(" + target.string() + ")"), std::string::npos) << space.dump();

    const auto& network = profiled.check("libvirt.default-network");
    const bool defined = virsh({"net-info", "default"}).find("Name:") != std::string::npos;
    EXPECT_EQ(network.at("status"), defined ? "WARN" : "PASS") << network.dump();
    EXPECT_EQ(network.value("fix", ""),
              defined ? "kvm-agent apply --profile " + profile.string() + " --only libvirt" : "") << network.dump();

    // The same pool and directory by the options alone.
    std::vector<std::string> by_options = {"--connect", m_daemon.uri(false), "--timeout", "30", "--images-pool", pool,
                                           "--images-dir", target.string(), "--check", "libvirt.storage-pool"};
    const auto optioned = tests::run_doctor_json(by_options);
    EXPECT_EQ(optioned.check("libvirt.storage-pool").at("status"), "PASS") << optioned.check("libvirt.storage-pool").dump();

    virsh({"pool-destroy", pool});
    virsh({"pool-undefine", pool});
    fs::remove_all(target);
    fs::remove(profile);
}

TEST_F(LibvirtChecks, ConnectionFailsWithTheReasonOnceTheDaemonStops) {
    m_daemon.stop();
    const auto run = doctor({"libvirt.connection", "libvirt.default-network", "libvirt.storage-pool"});
    const auto& connection = run.check("libvirt.connection");
    EXPECT_EQ(connection.at("status"), "FAIL");
    EXPECT_NE(connection.at("evidence").get<std::string>().find("cannot connect"), std::string::npos) << connection.dump();
    EXPECT_NE(connection.at("evidence").get<std::string>().find("libvirt-sock"), std::string::npos);
    EXPECT_NE(connection.at("fix").get<std::string>().find("systemctl enable --now libvirtd"), std::string::npos);
    EXPECT_EQ(run.check("libvirt.default-network").at("status"), "SKIP");
    EXPECT_EQ(run.check("libvirt.storage-pool").at("status"), "SKIP");
    EXPECT_EQ(run.process.exit_code, 2);
}

}  // namespace
