// QEMU's sockets wherever the build tree lies: a state directory deep enough that "<dir>/qga.sock" does not fit
// a UNIX socket address (108 bytes) still gives QEMU sockets it can bind and the tests can reach.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/support/process.h"
#include "tests/system/support/guest_vm.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

bool can_connect(const fs::path& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.string().size() >= sizeof address.sun_path) return false;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    return connected;
}

class SocketPaths : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = "/tmp/kvm-socket-paths.XXXXXX";
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        m_base = pattern;
        // A state directory under a 100-character prefix, as a build tree in ~/.cache/... gives.
        m_deep = m_base / std::string(100 - m_base.string().size() - 1, 'd') / "state" / "guest";
        fs::create_directories(m_deep);
    }
    void TearDown() override {
        for (const char* name : {"qga.sock", "qmp.sock"}) fs::remove(tests::system::socket_path(m_deep, name));
        std::error_code ignored;
        fs::remove_all(m_base, ignored);
    }
    fs::path m_base, m_deep;
};

TEST_F(SocketPaths, AShortStateDirectoryKeepsItsSockets) {
    EXPECT_EQ(tests::system::socket_path(m_base, "qga.sock"), m_base / "qga.sock");
}

TEST_F(SocketPaths, ADeepStateDirectoryGetsSocketsQemuCanBindAndEveryCallerFinds) {
    const auto qga = tests::system::socket_path(m_deep, "qga.sock");
    const auto qmp = tests::system::socket_path(m_deep, "qmp.sock");
    EXPECT_LT(qga.string().size(), sizeof(sockaddr_un::sun_path));
    EXPECT_EQ(qga, tests::system::socket_path(m_deep, "qga.sock")) << "the same path on every call";
    EXPECT_EQ(qga.parent_path(), qmp.parent_path());
    EXPECT_NE(qga.parent_path(), tests::system::socket_path(m_base / "other-deep" / std::string(100, 'e'), "qga.sock")
                                     .parent_path());
    if (!tests::have_program("qemu-system-x86_64")) GTEST_SKIP() << "no qemu-system-x86_64";
    // QEMU itself binds them: paused, no machine, nothing to boot.
    const auto pidfile = m_deep / "qemu.pid";
    const auto started = tests::run_process(
        {"qemu-system-x86_64", "-machine", "none", "-nodefaults", "-display", "none", "-S", "-daemonize",
         "-pidfile", pidfile.string(), "-chardev", "socket,id=qga,path=" + qga.string() + ",server=on,wait=off",
         "-qmp", "unix:" + qmp.string() + ",server=on,wait=off"},
        30s);
    ASSERT_EQ(started.exit_code, 0) << started.err;
    EXPECT_TRUE(can_connect(qga)) << qga;
    EXPECT_TRUE(can_connect(qmp)) << qmp;
    std::ifstream in(pidfile);
    pid_t pid = 0;
    in >> pid;
    ASSERT_GT(pid, 0);
    ::kill(pid, SIGTERM);
    for (int i = 0; i < 100 && tests::process_runs(pid); ++i) std::this_thread::sleep_for(50ms);
}

}  // namespace
