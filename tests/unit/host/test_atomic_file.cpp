// AtomicFiles in a temporary root: atomic replacement with the previous version kept outside the target
// directory, exact modes whatever the umask, restore of every kind of change, and what a crash leaves.
#include "host/files/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace host::files {
namespace {

namespace fs = std::filesystem;

const std::string k_keyfile = "/etc/NetworkManager/system-connections/kvm-agent-br0.nmconnection";

class AtomicFilesTest : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/kvm-atomic-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        m_root = pattern;
        m_old_umask = ::umask(022);
    }
    void TearDown() override {
        ::umask(m_old_umask);
        std::error_code ignored;
        fs::remove_all(m_root, ignored);
    }

    fs::path at(const std::string& host_path) const { return m_root / host_path.substr(1); }
    std::string read(const std::string& host_path) const {
        std::ifstream in(at(host_path));
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }
    unsigned mode(const std::string& host_path) const {
        struct stat st {};
        EXPECT_EQ(::stat(at(host_path).c_str(), &st), 0) << host_path;
        return st.st_mode & 07777;
    }
    void put(const std::string& host_path, const std::string& content, unsigned file_mode) const {
        fs::create_directories(at(host_path).parent_path());
        std::ofstream(at(host_path)) << content;
        ::chmod(at(host_path).c_str(), file_mode);
    }
    // What NetworkManager would load from the directory: everything but hidden files.
    std::vector<std::string> visible(const std::string& host_dir) const {
        std::vector<std::string> names;
        for (const auto& entry : fs::directory_iterator(at(host_dir)))
            if (entry.path().filename().string().front() != '.') names.push_back(entry.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }

    fs::path m_root;
    mode_t m_old_umask = 022;
};

TEST_F(AtomicFilesTest, ANewFileGetsExactlyTheModeAskedForWhateverTheUmask) {
    ::umask(0);
    AtomicFiles files(m_root);
    const auto change = files.write(k_keyfile, "[connection]\n");
    ASSERT_TRUE(change.ok()) << change.error().message;
    EXPECT_EQ(change->action, FileAction::created);
    EXPECT_EQ(change->path, k_keyfile);
    EXPECT_TRUE(change->backup.empty());
    EXPECT_EQ(read(k_keyfile), "[connection]\n");
    EXPECT_EQ(mode(k_keyfile), 0600u);
    // Missing directories were made on the way.
    EXPECT_EQ(mode("/etc/NetworkManager/system-connections"), 0755u);

    ::umask(0077);
    ASSERT_TRUE(files.write("/etc/kvm-agent/shared.conf", "x\n", 0644).ok());
    EXPECT_EQ(mode("/etc/kvm-agent/shared.conf"), 0644u);
}

TEST_F(AtomicFilesTest, ReplacingKeepsThePreviousVersionWhereNetworkManagerDoesNotLook) {
    AtomicFiles files(m_root);
    put(k_keyfile, "old\n", 0640);
    const auto change = files.write(k_keyfile, "new\n");
    ASSERT_TRUE(change.ok()) << change.error().message;
    EXPECT_EQ(change->action, FileAction::replaced);
    EXPECT_EQ(change->backup, "/var/lib/kvm-agent/backup" + k_keyfile);
    EXPECT_EQ(read(k_keyfile), "new\n");
    EXPECT_EQ(mode(k_keyfile), 0600u);
    EXPECT_EQ(read(change->backup), "old\n");
    EXPECT_EQ(mode(change->backup), 0640u);
    EXPECT_EQ(mode("/var/lib/kvm-agent/backup"), 0700u);
    EXPECT_EQ(visible("/etc/NetworkManager/system-connections"),
              std::vector<std::string>{"kvm-agent-br0.nmconnection"});
}

TEST_F(AtomicFilesTest, WritingTheSameContentAgainChangesNothing) {
    AtomicFiles files(m_root);
    put(k_keyfile, "v1\n", 0600);
    ASSERT_EQ(files.write(k_keyfile, "v2\n")->action, FileAction::replaced);
    const auto again = files.write(k_keyfile, "v2\n");
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->action, FileAction::unchanged);
    // The backup still holds the version before the last real change.
    EXPECT_EQ(read("/var/lib/kvm-agent/backup" + k_keyfile), "v1\n");
    // Same content with another mode is a change.
    ::chmod(at(k_keyfile).c_str(), 0644);
    EXPECT_EQ(files.write(k_keyfile, "v2\n")->action, FileAction::replaced);
    EXPECT_EQ(mode(k_keyfile), 0600u);
}

TEST_F(AtomicFilesTest, ACrashBetweenTheTemporaryWriteAndTheRenameLeavesTheOldFileIntact) {
    AtomicFiles files(m_root);
    ASSERT_TRUE(files.write(k_keyfile, "complete old version\n").ok());
    // What a crash after writing half of the next version leaves: a hidden temporary beside the target.
    const std::string stale = "/etc/NetworkManager/system-connections/.kvm-agent-br0.nmconnection.kvm-agent-tmp";
    put(stale, "[connection]\nid=half-writ", 0600);

    EXPECT_EQ(read(k_keyfile), "complete old version\n");
    EXPECT_EQ(visible("/etc/NetworkManager/system-connections"),
              std::vector<std::string>{"kvm-agent-br0.nmconnection"});

    // The next write is not disturbed by it, and takes it away.
    const auto change = files.write(k_keyfile, "complete new version\n");
    ASSERT_TRUE(change.ok()) << change.error().message;
    EXPECT_EQ(read(k_keyfile), "complete new version\n");
    EXPECT_EQ(read(change->backup), "complete old version\n");
    EXPECT_FALSE(fs::exists(at(stale)));
}

TEST_F(AtomicFilesTest, RemovingKeepsABackupAndRestoreBringsTheFileBackWithItsMode) {
    AtomicFiles files(m_root);
    ASSERT_TRUE(files.write(k_keyfile, "profile\n").ok());
    const auto removed = files.remove(k_keyfile);
    ASSERT_TRUE(removed.ok()) << removed.error().message;
    EXPECT_EQ(removed->action, FileAction::removed);
    EXPECT_FALSE(fs::exists(at(k_keyfile)));
    EXPECT_EQ(read(removed->backup), "profile\n");

    const auto restored = files.restore(*removed);
    ASSERT_TRUE(restored.ok()) << restored.error().message;
    EXPECT_EQ(restored->action, FileAction::created);
    EXPECT_EQ(read(k_keyfile), "profile\n");
    EXPECT_EQ(mode(k_keyfile), 0600u);

    // Removing what is not there is no change, and restoring that is none either.
    const auto nothing = files.remove("/etc/NetworkManager/system-connections/kvm-agent-none.nmconnection");
    ASSERT_TRUE(nothing.ok());
    EXPECT_EQ(nothing->action, FileAction::unchanged);
    EXPECT_EQ(files.restore(*nothing)->action, FileAction::unchanged);
}

TEST_F(AtomicFilesTest, RestoreUndoesEachKindOfChange) {
    AtomicFiles files(m_root, "/srv/backups");
    put("/etc/a.conf", "a before\n", 0640);
    const auto replaced = files.write("/etc/a.conf", "a after\n");
    const auto created = files.write("/etc/b.conf", "b new\n");
    ASSERT_TRUE(replaced.ok() && created.ok());
    EXPECT_EQ(replaced->backup, "/srv/backups/etc/a.conf");

    const auto back = files.restore(*replaced);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(back->action, FileAction::replaced);
    EXPECT_EQ(read("/etc/a.conf"), "a before\n");
    EXPECT_EQ(mode("/etc/a.conf"), 0640u);

    const auto gone = files.restore(*created);
    ASSERT_TRUE(gone.ok()) << gone.error().message;
    EXPECT_EQ(gone->action, FileAction::removed);
    EXPECT_FALSE(fs::exists(at("/etc/b.conf")));
}

TEST_F(AtomicFilesTest, WhatCannotBeDoneSafelyIsRefused) {
    AtomicFiles files(m_root);
    fs::create_directories(at("/etc/NetworkManager/system-connections"));
    fs::create_symlink("/etc/shadow", at(k_keyfile));
    const auto through_link = files.write(k_keyfile, "x");
    ASSERT_FALSE(through_link.ok());
    EXPECT_EQ(through_link.error().message, "refusing to replace " + at(k_keyfile).string() + ": it is a symlink");

    fs::create_directories(at("/etc/a-directory"));
    const auto directory = files.write("/etc/a-directory", "x");
    ASSERT_FALSE(directory.ok());
    EXPECT_EQ(directory.error().message,
              "refusing to replace " + at("/etc/a-directory").string() + ": not a regular file");

    // A directory on the way that is a link could take the write out of the root.
    const auto outside = m_root.string() + "-outside";
    fs::create_directories(outside);
    fs::create_symlink(outside, at("/etc/modprobe.d"));
    const auto through_directory = files.write("/etc/modprobe.d/kvm.conf", "options kvm_amd nested=1\n");
    fs::remove_all(outside);
    ASSERT_FALSE(through_directory.ok());
    EXPECT_EQ(through_directory.error().message,
              "refusing to write under " + at("/etc/modprobe.d").string() + ": it is a symlink");

    FileChange lost{"/etc/c.conf", FileAction::replaced, "/var/lib/kvm-agent/backup/etc/c.conf"};
    const auto restored = files.restore(lost);
    ASSERT_FALSE(restored.ok());
    EXPECT_EQ(restored.error().message,
              "cannot restore /etc/c.conf: its backup /var/lib/kvm-agent/backup/etc/c.conf is missing");
}

}  // namespace
}  // namespace host::files
