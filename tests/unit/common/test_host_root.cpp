#include "common/host_root.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <sstream>

#include "tests/support/fixture_root.h"
#include "tests/support/process.h"

namespace common {
namespace {

namespace fs = std::filesystem;

class HostRootTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "host_root_test.XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        m_dir = pattern;
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(m_dir, ec);
    }
    void write(const std::string& host_path, const std::string& content) {
        const fs::path path = m_dir / host_path.substr(1);
        fs::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary) << content;
    }
    fs::path m_dir;
};

TEST(HostRootLive, IsLiveOnlyForSlash) {
    EXPECT_TRUE(HostRoot("/").is_live());
    EXPECT_TRUE(HostRoot("/.").is_live());
    EXPECT_FALSE(HostRoot("/srv/fixture").is_live());
    EXPECT_FALSE(HostRoot().root().empty());
    EXPECT_TRUE(HostRoot().is_live());
}

TEST(HostRootResolve, PutsAbsoluteHostPathsUnderTheRoot) {
    EXPECT_EQ(HostRoot("/srv/fixture").resolve("/proc/cpuinfo"), fs::path("/srv/fixture/proc/cpuinfo"));
    EXPECT_EQ(HostRoot("/srv/fixture").resolve("//etc//fstab"), fs::path("/srv/fixture/etc//fstab"));
    EXPECT_EQ(HostRoot("/").resolve("/etc/os-release"), fs::path("/etc/os-release"));
}

TEST_F(HostRootTest, ReadsATextFileUnderTheRoot) {
    write("/etc/os-release", "ID=rhel\nVERSION_ID=\"9.3\"\n");
    const auto text = HostRoot(m_dir).read_text("/etc/os-release");
    ASSERT_TRUE(text.ok()) << text.error().message;
    EXPECT_EQ(*text, "ID=rhel\nVERSION_ID=\"9.3\"\n");
}

TEST_F(HostRootTest, NamesTheHostPathWhenAFileIsMissing) {
    const auto text = HostRoot(m_dir).read_text("/etc/missing.conf");
    ASSERT_FALSE(text.ok());
    EXPECT_EQ(text.error().message, "cannot read /etc/missing.conf: No such file or directory");
    EXPECT_EQ(text.error().message.find(m_dir.string()), std::string::npos) << "leaks the fixture path";
}

TEST_F(HostRootTest, RefusesAFileLargerThanTheLimit) {
    write("/proc/big", std::string(100, 'x'));
    const auto text = HostRoot(m_dir).read_text("/proc/big", 99);
    ASSERT_FALSE(text.ok());
    EXPECT_EQ(text.error().message, "/proc/big is larger than 99 bytes: refusing to parse it");
    EXPECT_TRUE(HostRoot(m_dir).read_text("/proc/big", 100).ok());
}

TEST_F(HostRootTest, RefusesBinaryContent) {
    write("/etc/binary", std::string("ID=rhel\0junk", 12));
    const auto text = HostRoot(m_dir).read_text("/etc/binary");
    ASSERT_FALSE(text.ok());
    EXPECT_NE(text.error().message.find("holds binary data (NUL bytes)"), std::string::npos) << text.error().message;
}

TEST_F(HostRootTest, RefusesToReadADirectoryAsText) {
    fs::create_directories(m_dir / "etc/sysctl.d");
    const auto text = HostRoot(m_dir).read_text("/etc/sysctl.d");
    ASSERT_FALSE(text.ok());
    EXPECT_EQ(text.error().message, "cannot read /etc/sysctl.d: not a regular file");
}

TEST_F(HostRootTest, ReadsBytesAtAnOffsetAndReportsShortReads) {
    write("/dev/cpu/0/msr", "0123456789");
    const HostRoot root(m_dir);
    const auto bytes = root.read_bytes_at("/dev/cpu/0/msr", 2, 4);
    ASSERT_TRUE(bytes.ok()) << bytes.error().message;
    EXPECT_EQ(*bytes, "2345");
    const auto short_read = root.read_bytes_at("/dev/cpu/0/msr", 8, 8);
    ASSERT_FALSE(short_read.ok());
    EXPECT_EQ(short_read.error().message, "short read from /dev/cpu/0/msr: 2 of 8 bytes");
    EXPECT_FALSE(root.read_bytes_at("/dev/cpu/1/msr", 0, 8).ok());
}

TEST_F(HostRootTest, StatsNodesAndReportsMissingOnesAsNothing) {
    write("/etc/qemu.conf", "x");
    fs::permissions(m_dir / "etc/qemu.conf", fs::perms(0640));
    fs::create_symlink("/etc/qemu.conf", m_dir / "etc/link");
    const HostRoot root(m_dir);

    const auto file = root.stat_node("/etc/qemu.conf");
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE(file->has_value());
    EXPECT_EQ((*file)->kind, NodeKind::regular);
    EXPECT_EQ((*file)->mode, 0640u);
    EXPECT_EQ((*file)->uid, ::geteuid());

    const auto dir = root.stat_node("/etc");
    ASSERT_TRUE(dir.ok());
    EXPECT_EQ((*dir)->kind, NodeKind::directory);

    const auto link = root.stat_node("/etc/link");
    ASSERT_TRUE(link.ok());
    EXPECT_EQ((*link)->kind, NodeKind::symlink) << "stat_node must not follow links out of the root";

    for (const char* missing : {"/etc/none", "/etc/qemu.conf/below-a-file"}) {
        const auto node = root.stat_node(missing);
        ASSERT_TRUE(node.ok()) << missing << ": " << node.error().message;
        EXPECT_FALSE(node->has_value()) << missing;
    }
    EXPECT_TRUE(root.exists("/etc/qemu.conf"));
    EXPECT_FALSE(root.exists("/etc/none"));
}

TEST_F(HostRootTest, ListsADirectorySorted) {
    write("/etc/sysctl.d/99-sysctl.conf", "");
    write("/etc/sysctl.d/10-a.conf", "");
    write("/etc/sysctl.d/50-b.conf", "");
    const auto names = HostRoot(m_dir).list_dir("/etc/sysctl.d");
    ASSERT_TRUE(names.ok()) << names.error().message;
    EXPECT_EQ(*names, (std::vector<std::string>{"10-a.conf", "50-b.conf", "99-sysctl.conf"}));
}

TEST_F(HostRootTest, NamesTheHostPathWhenADirectoryCannotBeListed) {
    const auto names = HostRoot(m_dir).list_dir("/run/sysctl.d");
    ASSERT_FALSE(names.ok());
    EXPECT_EQ(names.error().message.rfind("cannot list /run/sysctl.d: ", 0), 0u) << names.error().message;
}

TEST_F(HostRootTest, ReportsFilesystemUsage) {
    const auto usage = HostRoot(m_dir).fs_usage("/");
    ASSERT_TRUE(usage.ok()) << usage.error().message;
    EXPECT_GT(usage->total_bytes, 0u);
    EXPECT_LE(usage->available_bytes, usage->total_bytes);
    const auto missing = HostRoot(m_dir).fs_usage("/no/such/dir");
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().message.find("cannot statvfs /no/such/dir"), std::string::npos);
}

TEST_F(HostRootTest, NamesTheAttributeWhenAnXattrIsMissing) {
    write("/var/lib/libvirt/images/.keep", "");
    const auto label = HostRoot(m_dir).read_xattr("/var/lib/libvirt/images", "user.kvm_doctor_test_absent");
    ASSERT_FALSE(label.ok());
    EXPECT_NE(label.error().message.find("cannot read user.kvm_doctor_test_absent of /var/lib/libvirt/images"),
              std::string::npos)
        << label.error().message;
}

// --- confinement: `--root DIR` never leaves DIR, never hangs, never opens a node before checking its type ---

constexpr const char* k_outside_marker = "OUTSIDE-THE-ROOT-MARKER";

// Which of the resolution paths a confinement test runs on: the kernel's openat2, the walk that stands in
// for it on kernels before 5.6, and the walk without /proc/self/fd.
struct Resolution {
    const char* name;
    host_root_testing::Fallbacks fallbacks;
};
void PrintTo(const Resolution& resolution, std::ostream* out) { *out << resolution.name; }

class HostRootConfinement : public ::testing::TestWithParam<Resolution> {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "host_root_confinement.XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        m_base = pattern;
        m_root = m_base / "root";
        m_outside = m_base / "outside.txt";
        fs::create_directories(m_root);
        std::ofstream(m_outside) << k_outside_marker << "\n";
        m_previous = host_root_testing::force_fallbacks(GetParam().fallbacks);
    }
    void TearDown() override {
        host_root_testing::force_fallbacks(m_previous);
        std::error_code ec;
        fs::remove_all(m_base, ec);
    }
    void write(const std::string& host_path, const std::string& content) {
        const fs::path path = m_root / host_path.substr(1);
        fs::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary) << content;
    }
    void symlink(const std::string& host_path, const std::string& target) {
        const fs::path path = m_root / host_path.substr(1);
        fs::create_directories(path.parent_path());
        fs::create_symlink(target, path);
    }
    void fifo(const std::string& host_path) {
        const fs::path path = m_root / host_path.substr(1);
        fs::create_directories(path.parent_path());
        ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0) << std::strerror(errno);
    }
    // A "../" for every directory from host_path's directory up to "/", then as many again: enough to
    // reach the real "/" from anywhere in the temp root, were ".." not stopped at the root.
    std::string climb_out(const std::string& host_path) const {
        std::string up;
        const auto depth = static_cast<std::size_t>(std::count(host_path.begin(), host_path.end(), '/')) +
                           static_cast<std::size_t>(std::distance(m_root.begin(), m_root.end()));
        for (std::size_t i = 0; i < depth; ++i) up += "../";
        return up;
    }
    fs::path m_base, m_root, m_outside;
    host_root_testing::Fallbacks m_previous;
};

// Runs `read` on another thread and fails the test if it has not returned within seconds; a read stuck on
// a FIFO is then released by opening the FIFO for writing, so the test run itself does not hang.
template <typename Read>
auto finishes_promptly(Read read, const fs::path& fifo_path) {
    auto pending = std::async(std::launch::async, read);
    if (pending.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
        ADD_FAILURE() << "the read blocked on " << fifo_path;
        const int writer = ::open(fifo_path.c_str(), O_WRONLY | O_NONBLOCK);
        if (writer >= 0) ::close(writer);
    }
    return pending.get();
}

TEST_P(HostRootConfinement, AnAbsoluteSymlinkResolvesInsideTheRootAsInAChroot) {
    symlink("/proc/sys/net/ipv4/ip_forward", m_outside.string());
    const HostRoot root(m_root);
    const auto text = root.read_text("/proc/sys/net/ipv4/ip_forward");
    ASSERT_FALSE(text.ok()) << "read " << *text;
    EXPECT_EQ(text.error().message, "cannot read /proc/sys/net/ipv4/ip_forward: No such file or directory");

    // The same link target, present under the root, is what the link reads.
    write(m_outside.string(), "1\n");
    const auto inside = root.read_text("/proc/sys/net/ipv4/ip_forward");
    ASSERT_TRUE(inside.ok()) << inside.error().message;
    EXPECT_EQ(*inside, "1\n");
}

TEST_P(HostRootConfinement, DotDotInASymlinkStopsAtTheRoot) {
    symlink("/proc/cpuinfo", climb_out("/proc/cpuinfo") + m_outside.relative_path().string());
    const HostRoot root(m_root);
    const auto text = root.read_text("/proc/cpuinfo");
    ASSERT_FALSE(text.ok()) << "read " << *text;
    EXPECT_EQ(text.error().message.find(k_outside_marker), std::string::npos);

    write(m_outside.string(), "processor\t: 0\n");
    const auto inside = root.read_text("/proc/cpuinfo");
    ASSERT_TRUE(inside.ok()) << inside.error().message;
    EXPECT_EQ(*inside, "processor\t: 0\n");
}

TEST_P(HostRootConfinement, DotDotInTheHostPathStopsAtTheRoot) {
    write("/outside.txt", "inside\n");
    const HostRoot root(m_root);
    std::string climbing = "/..";
    for (auto it = m_root.begin(); it != m_root.end(); ++it) climbing += "/..";
    const auto text = root.read_text(climbing + m_outside.string());
    ASSERT_FALSE(text.ok()) << "read " << *text;
    const auto clamped = root.read_text(climbing + "/outside.txt");
    ASSERT_TRUE(clamped.ok()) << clamped.error().message;
    EXPECT_EQ(*clamped, "inside\n");
}

TEST_P(HostRootConfinement, ASymlinkedDirectoryOutOfTheRootLeadsNowhere) {
    symlink("/etc/sysctl.d", m_base.string());
    symlink("/var/lib/libvirt", climb_out("/var/lib/libvirt") + m_base.relative_path().string());
    const HostRoot root(m_root);
    for (const char* dir : {"/etc/sysctl.d", "/var/lib/libvirt"}) {
        SCOPED_TRACE(dir);
        const std::string file = std::string(dir) + "/outside.txt";
        EXPECT_FALSE(root.read_text(file).ok());
        EXPECT_FALSE(root.exists(file)) << "stat_node followed " << dir << " out of the root";
        EXPECT_FALSE(root.list_dir(dir).ok());
        EXPECT_FALSE(root.fs_usage(file).ok());
        EXPECT_FALSE(root.read_xattr(file, "user.kvm_doctor_test").ok());
        EXPECT_FALSE(root.read_bytes_at(file, 0, 4).ok());
    }
    // stat_node still reports the links themselves, as lstat does.
    const auto link = root.stat_node("/etc/sysctl.d");
    ASSERT_TRUE(link.ok() && link->has_value());
    EXPECT_EQ((*link)->kind, NodeKind::symlink);
}

TEST_P(HostRootConfinement, ASymlinkLoopFailsWithELoop) {
    symlink("/etc/a", "b");
    symlink("/etc/b", "/etc/a");
    symlink("/etc/self", "self/x");
    const HostRoot root(m_root);
    const auto text = root.read_text("/etc/a");
    ASSERT_FALSE(text.ok());
    EXPECT_EQ(text.error().message, "cannot read /etc/a: Too many levels of symbolic links");
    EXPECT_FALSE(root.read_text("/etc/self").ok());
    const auto below = root.stat_node("/etc/a/below");
    ASSERT_FALSE(below.ok());
    EXPECT_EQ(below.error().message, "cannot stat /etc/a/below: Too many levels of symbolic links");
    EXPECT_FALSE(root.list_dir("/etc/a").ok());
}

TEST_P(HostRootConfinement, FollowsALongChainOfLinksUpToTheKernelsLimit) {
    write("/etc/target", "end\n");
    symlink("/etc/link0", "/etc/target");
    for (int i = 1; i < 40; ++i) symlink("/etc/link" + std::to_string(i), "link" + std::to_string(i - 1));
    const HostRoot root(m_root);
    const auto forty = root.read_text("/etc/link39");  // 40 links followed
    ASSERT_TRUE(forty.ok()) << forty.error().message;
    EXPECT_EQ(*forty, "end\n");
    symlink("/etc/link40", "link39");
    const auto too_many = root.read_text("/etc/link40");
    ASSERT_FALSE(too_many.ok());
    EXPECT_EQ(too_many.error().message, "cannot read /etc/link40: Too many levels of symbolic links");
}

TEST_P(HostRootConfinement, AFifoIsRefusedWithoutBlocking) {
    fifo("/dev/cpu/0/msr");
    fifo("/proc/cpuinfo");
    const HostRoot root(m_root);
    const auto msr = finishes_promptly([&] { return root.read_bytes_at("/dev/cpu/0/msr", 0x3a, 8); },
                                       m_root / "dev/cpu/0/msr");
    ASSERT_FALSE(msr.ok());
    EXPECT_EQ(msr.error().message, "cannot open /dev/cpu/0/msr: not a regular file");
    const auto cpuinfo = finishes_promptly([&] { return root.read_text("/proc/cpuinfo"); }, m_root / "proc/cpuinfo");
    ASSERT_FALSE(cpuinfo.ok());
    EXPECT_EQ(cpuinfo.error().message, "cannot read /proc/cpuinfo: not a regular file");
    const auto label = finishes_promptly([&] { return root.read_xattr("/proc/cpuinfo", "user.kvm_doctor_test"); },
                                         m_root / "proc/cpuinfo");
    EXPECT_FALSE(label.ok());
    const auto node = root.stat_node("/proc/cpuinfo");
    ASSERT_TRUE(node.ok() && node->has_value());
    EXPECT_EQ((*node)->kind, NodeKind::other);
}

TEST_P(HostRootConfinement, AFifoBehindASymlinkIsRefusedToo) {
    fifo("/run/fifo");
    symlink("/etc/os-release", "/run/fifo");
    const HostRoot root(m_root);
    const auto text = finishes_promptly([&] { return root.read_text("/etc/os-release"); }, m_root / "run/fifo");
    ASSERT_FALSE(text.ok());
    EXPECT_EQ(text.error().message, "cannot read /etc/os-release: not a regular file");
}

TEST_P(HostRootConfinement, ASocketIsRefused) {
    fs::create_directories(m_root / "proc");
    const fs::path path = m_root / "proc/meminfo";
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.string().size() >= sizeof address.sun_path) GTEST_SKIP() << "temp path too long for a socket";
    std::strcpy(address.sun_path, path.c_str());
    const int sock = ::socket(AF_UNIX, SOCK_STREAM, 0);
    ASSERT_GE(sock, 0);
    ASSERT_EQ(::bind(sock, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0) << std::strerror(errno);
    const auto text = HostRoot(m_root).read_text("/proc/meminfo");
    ::close(sock);
    ASSERT_FALSE(text.ok());
    EXPECT_EQ(text.error().message, "cannot read /proc/meminfo: not a regular file");
}

TEST_P(HostRootConfinement, ADeviceNodeUnderAnOfflineRootIsNeverOpened) {
    // /dev/null's numbers: harmless if it were opened, but it must be refused by type alone.
    fs::create_directories(m_root / "dev/cpu/0");
    if (::mknod((m_root / "dev/cpu/0/msr").c_str(), S_IFCHR | 0600, ::makedev(1, 3)) != 0)
        GTEST_SKIP() << "mknod needs CAP_MKNOD: " << std::strerror(errno);
    const HostRoot root(m_root);
    const auto msr = root.read_bytes_at("/dev/cpu/0/msr", 0, 8);
    ASSERT_FALSE(msr.ok());
    EXPECT_EQ(msr.error().message, "cannot open /dev/cpu/0/msr: not a regular file");
    const auto text = root.read_text("/dev/cpu/0/msr");
    ASSERT_FALSE(text.ok());
    EXPECT_EQ(text.error().message, "cannot read /dev/cpu/0/msr: not a regular file");
    const auto node = root.stat_node("/dev/cpu/0/msr");
    ASSERT_TRUE(node.ok() && node->has_value());
    EXPECT_EQ((*node)->kind, NodeKind::char_device);
    EXPECT_EQ((*node)->major, 1u);
}

TEST_P(HostRootConfinement, StillReadsEverythingInsideTheRoot) {
    write("/etc/sysctl.d/10-a.conf", "a\n");
    write("/etc/sysctl.d/20-b.conf", "b\n");
    symlink("/etc/sysctl.conf", "sysctl.d/10-a.conf");
    symlink("/usr/lib/sysctl.d", "/etc/sysctl.d");
    symlink("/proc/mounts", "self/mounts");
    write("/proc/self/mounts", "proc /proc proc rw 0 0\n");
    write("/dev/cpu/0/msr", "0123456789");
    const HostRoot root(m_root);
    const auto text_of = [](const Result<std::string>& read) { return read.ok() ? *read : read.error().message; };
    EXPECT_EQ(text_of(root.read_text("/etc/sysctl.conf")), "a\n");
    EXPECT_EQ(text_of(root.read_text("/usr/lib/sysctl.d/20-b.conf")), "b\n");
    EXPECT_EQ(text_of(root.read_text("/proc/mounts")), "proc /proc proc rw 0 0\n");
    EXPECT_EQ(text_of(root.read_bytes_at("/dev/cpu/0/msr", 2, 4)), "2345");
    const auto names = root.list_dir("/usr/lib/sysctl.d");
    ASSERT_TRUE(names.ok()) << names.error().message;
    EXPECT_EQ(*names, (std::vector<std::string>{"10-a.conf", "20-b.conf"}));
    EXPECT_TRUE(root.fs_usage("/usr/lib/sysctl.d").ok());
    EXPECT_TRUE(root.fs_usage("/").ok());
    for (const char* dir : {"/", "/etc/..", "/etc/."}) {
        const auto node = root.stat_node(dir);
        ASSERT_TRUE(node.ok() && node->has_value()) << dir;
        EXPECT_EQ((*node)->kind, NodeKind::directory) << dir;
    }
    EXPECT_FALSE(root.exists("/etc/none/below"));
}

TEST_P(HostRootConfinement, ReadsAnExtendedAttributeInsideTheRoot) {
    write("/var/lib/libvirt/images/.keep", "");
    const fs::path images = m_root / "var/lib/libvirt/images";
    const char value[] = "system_u:object_r:virt_image_t:s0";
    if (::setxattr(images.c_str(), "user.kvm_doctor_test", value, sizeof value, 0) != 0)
        GTEST_SKIP() << "no user xattrs here: " << std::strerror(errno);
    symlink("/srv/images", "/var/lib/libvirt/images");
    const HostRoot root(m_root);
    const auto label = root.read_xattr("/var/lib/libvirt/images", "user.kvm_doctor_test");
    ASSERT_TRUE(label.ok()) << label.error().message;
    EXPECT_EQ(*label, value);
    // Like lgetxattr, the last name is not followed: a symlink has no such user attribute.
    EXPECT_FALSE(root.read_xattr("/srv/images", "user.kvm_doctor_test").ok());
}

INSTANTIATE_TEST_SUITE_P(Resolutions, HostRootConfinement,
                         ::testing::Values(Resolution{"openat2", {false, false}},
                                           Resolution{"path_walk", {true, false}},
                                           Resolution{"path_walk_without_proc", {true, true}},
                                           Resolution{"openat2_without_proc", {false, true}}),
                         [](const ::testing::TestParamInfo<Resolution>& resolution) { return resolution.param.name; });

// The live root reads the real /dev/cpu/N/msr, a character device; /dev/null stands in for it here.
TEST(HostRootLive, OpensACharacterDeviceOnlyForBytesAndNeverAsText) {
    const HostRoot live("/");
    const auto bytes = live.read_bytes_at("/dev/null", 0, 8);
    ASSERT_FALSE(bytes.ok());
    EXPECT_EQ(bytes.error().message, "short read from /dev/null: 0 of 8 bytes") << "opened and read";
    const auto text = live.read_text("/dev/null");
    ASSERT_FALSE(text.ok());
    EXPECT_EQ(text.error().message, "cannot read /dev/null: not a regular file");
    const auto status = live.read_text("/proc/self/status");
    EXPECT_TRUE(status.ok()) << status.error().message;
}

// kvm-doctor --root over a copy of a healthy fixture host, with links planted out of the root, to the
// root's own secrets, and FIFOs where it reads: the report must come back (no hang), and quote none of it.
TEST(KvmDoctorRoot, NeverQuotesWhatLinksOutOfTheRootOrToSecretsPointAt) {
    std::string pattern = (fs::temp_directory_path() / "kvm_doctor_root.XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    const fs::path base = pattern, root = base / "root", outside = base / "shadow";
    std::ofstream(outside) << "root:$6$" << k_outside_marker << ":19000:0:99999:7:::\n";
    tests::flatten_case(tests::fixture_case("intel-rhel9"), root);
    // The root's own /etc/shadow: a link to it must not put it in the report either.
    const std::string own_secret = "ROOT-OWN-SHADOW-MARKER";
    std::ofstream(root / "etc/shadow") << "root:$6$" << own_secret << ":19000:0:99999:7:::\n";
    const auto plant = [&](const std::string& host_path, const std::function<void(const fs::path&)>& make) {
        const fs::path path = root / host_path.substr(1);
        fs::create_directories(path.parent_path());
        fs::remove(path);
        make(path);
    };
    const std::string climb_out = "../../../../../../../../../../../../../../..";
    // Links to the root's own secret: read, but judged unparsable rather than quoted.
    plant("/proc/sys/net/ipv4/ip_forward", [&](const fs::path& p) { fs::create_symlink("/etc/shadow", p); });
    plant("/sys/module/kvm_intel/parameters/nested", [&](const fs::path& p) { fs::create_symlink("/etc/shadow", p); });
    // Links out of the root, absolute and relative: they resolve inside it, to nothing.
    plant("/proc/sys/kernel/arch", [&](const fs::path& p) { fs::create_symlink(climb_out + outside.string(), p); });
    plant("/etc/os-release", [&](const fs::path& p) { fs::create_symlink(outside, p); });
    plant("/etc/passwd", [&](const fs::path& p) { fs::create_symlink(climb_out + outside.string(), p); });
    plant("/dev/cpu/0/msr", [&](const fs::path& p) { ASSERT_EQ(::mkfifo(p.c_str(), 0600), 0); });
    plant("/etc/libvirt/qemu.conf", [&](const fs::path& p) { ASSERT_EQ(::mkfifo(p.c_str(), 0600), 0); });

    for (const char* output : {"json", "text"}) {
        SCOPED_TRACE(output);
        const auto run = tests::run_process({KVM_DOCTOR_BINARY, "--root", root.string(), "--output", output,
                                             "--color", "never"},
                                            std::chrono::seconds(30));
        ASSERT_NE(run.exit_code, -1) << "kvm-doctor hung or was killed\n" << run.out << run.err;
        EXPECT_NE(run.out.find("net.ipv4.ip_forward: runtime value is not 0 or 1"), std::string::npos)
            << run.out << run.err;
        EXPECT_NE(run.out.find("kvm_intel nested parameter is not a yes/no value"), std::string::npos) << run.out;
        for (const std::string& marker : {std::string(k_outside_marker), own_secret, std::string("$6$")}) {
            EXPECT_EQ(run.out.find(marker), std::string::npos) << marker << " in the report:\n" << run.out;
            EXPECT_EQ(run.err.find(marker), std::string::npos) << marker << " on stderr:\n" << run.err;
        }
    }
    std::error_code ec;
    fs::remove_all(base, ec);
}

}  // namespace
}  // namespace common
