#include "common/owned_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>

namespace common {
namespace {

namespace fs = std::filesystem;

// A private directory under /tmp (root-owned and sticky, so it passes the walk).
class OwnedFileTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "owned_file_test.XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        m_dir = pattern;
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(m_dir, ec);
    }
    std::string write(const std::string& name, const std::string& content, unsigned mode = 0600) {
        const auto path = m_dir / name;
        fs::create_directories(path.parent_path());
        std::ofstream(path) << content;
        ::chmod(path.c_str(), mode);
        return path.string();
    }
    fs::path m_dir;
};

TEST_F(OwnedFileTest, ReadsAFileOnlyItsOwnerCanWrite) {
    const auto path = write("host.yaml", "kvm: {}\n", 0644);
    const auto text = read_owned_file(path, 1024);
    ASSERT_TRUE(text.ok()) << text.error().message;
    EXPECT_EQ(*text, "kvm: {}\n");
}

TEST_F(OwnedFileTest, RefusesAFileOthersCanWrite) {
    const auto path = write("host.yaml", "kvm: {}\n", 0662);
    const auto text = read_owned_file(path, 1024);
    ASSERT_FALSE(text.ok());
    EXPECT_EQ(text.error().message, path + ": refused: writable by group or others (mode 0662), and it drives root "
                                           "actions (chmod go-w " + path + ")");
}

TEST_F(OwnedFileTest, RefusesAFileInADirectoryOthersCanWriteUnlessSticky) {
    const auto path = write("shared/host.yaml", "kvm: {}\n");
    ::chmod((m_dir / "shared").c_str(), 0777);
    const auto open = read_owned_file(path, 1024);
    ASSERT_FALSE(open.ok());
    // Anyone could rename another file into its place between our checks and our read.
    EXPECT_EQ(open.error().message, path + ": refused: directory " + (m_dir / "shared").string() +
                                        " is writable by others (mode 0777), and it drives root actions (chmod o-w " +
                                        (m_dir / "shared").string() + ")");
    ::chmod((m_dir / "shared").c_str(), 01777);  // as /tmp: others add names, never replace ours
    EXPECT_TRUE(read_owned_file(path, 1024).ok());
    ::chmod((m_dir / "shared").c_str(), 0770);
    const auto group = read_owned_file(path, 1024);
    ASSERT_FALSE(group.ok());
    EXPECT_NE(group.error().message.find("is writable by its group (mode 0770)"), std::string::npos)
        << group.error().message;
}

TEST_F(OwnedFileTest, RefusesAFileOrADirectoryOwnedBySomeoneElse) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to give files away";
    const auto path = write("theirs/host.yaml", "kvm: {}\n");
    ASSERT_EQ(::chown(path.c_str(), 4242, 4242), 0);
    const auto file = read_owned_file(path, 1024);
    ASSERT_FALSE(file.ok());
    EXPECT_EQ(file.error().message,
              path + ": refused: owned by uid 4242, and it drives root actions (chown root " + path + ")");
    ASSERT_EQ(::chown(path.c_str(), 0, 0), 0);
    ASSERT_EQ(::chown((m_dir / "theirs").c_str(), 4242, 4242), 0);
    const auto directory = read_owned_file(path, 1024);
    ASSERT_FALSE(directory.ok());
    EXPECT_NE(directory.error().message.find("directory " + (m_dir / "theirs").string() + " is owned by uid 4242"),
              std::string::npos)
        << directory.error().message;
}

TEST_F(OwnedFileTest, FollowsALinkOnlyToATrustedPlace) {
    const auto target = write("real/host.yaml", "kvm: {}\n");
    fs::create_symlink(target, m_dir / "link.yaml");
    const auto linked = read_owned_file((m_dir / "link.yaml").string(), 1024);
    ASSERT_TRUE(linked.ok()) << linked.error().message;
    EXPECT_EQ(*linked, "kvm: {}\n");
    // A link into a directory anyone can write leads to a file anyone can swap.
    ::chmod((m_dir / "real").c_str(), 0777);
    const auto swapped = read_owned_file((m_dir / "link.yaml").string(), 1024);
    ASSERT_FALSE(swapped.ok());
    EXPECT_NE(swapped.error().message.find("is writable by others"), std::string::npos) << swapped.error().message;
}

TEST_F(OwnedFileTest, RefusesAFifoADirectoryAndTooMuchWithoutWaiting) {
    const auto fifo = m_dir / "host.yaml";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    // Nobody writes to the FIFO: a read that waited would never return.
    auto owned = std::async(std::launch::async, [&] { return read_owned_file(fifo.string(), 1024); });
    auto regular = std::async(std::launch::async, [&] { return read_regular_file(fifo.string(), 1024); });
    ASSERT_EQ(owned.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    ASSERT_EQ(regular.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    EXPECT_EQ(owned.get().error().message, fifo.string() + ": not a regular file");
    EXPECT_EQ(regular.get().error().message, fifo.string() + ": not a regular file");
    EXPECT_EQ(read_owned_file(m_dir.string(), 1024).error().message, m_dir.string() + ": not a regular file");
    const auto big = write("big.yaml", std::string(2000, 'x'));
    EXPECT_EQ(read_owned_file(big, 1024).error().message, big + ": larger than 1024 bytes");
    EXPECT_EQ(read_owned_file((m_dir / "none.yaml").string(), 1024).error().message,
              (m_dir / "none.yaml").string() + ": cannot open: No such file or directory");
}

TEST_F(OwnedFileTest, ChecksADirectoryForState) {
    EXPECT_FALSE(unsafe_owned_directory(m_dir.string()));
    fs::create_directories(m_dir / "run");
    ::chmod((m_dir / "run").c_str(), 0777);
    const auto unsafe = unsafe_owned_directory((m_dir / "run").string());
    ASSERT_TRUE(unsafe);
    EXPECT_NE(unsafe->message.find("is writable by others (mode 0777)"), std::string::npos) << unsafe->message;
}

}  // namespace
}  // namespace common
