#include "common/host_root.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

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

}  // namespace
}  // namespace common
