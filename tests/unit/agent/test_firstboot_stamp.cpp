// The first-boot stamp: made by the first apply that ends READY, with its time, and left as it is by the applies
// after it (no rewrite, no backup of it on every re-apply).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "agent/readiness.h"

namespace agent {
namespace {

namespace fs = std::filesystem;

class FirstbootStamp : public ::testing::Test {
protected:
    void SetUp() override {
        m_paths.state_dir = fs::temp_directory_path() / ("kvm-firstboot-" + std::to_string(::getpid()));
        fs::remove_all(m_paths.state_dir);
    }
    void TearDown() override { fs::remove_all(m_paths.state_dir); }
    std::string stamp() const {
        std::ifstream in(m_paths.state_dir / "firstboot.done");
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }
    ReadinessPaths m_paths;
};

TEST_F(FirstbootStamp, TheFirstReadyApplyMakesItWithItsTime) {
    const auto made = write_firstboot_stamp(m_paths);
    ASSERT_TRUE(made.ok()) << made.error().message;
    EXPECT_EQ(*made, (m_paths.state_dir / "firstboot.done").string());
    const auto text = stamp();
    ASSERT_EQ(text.size(), std::string("2026-12-07T09:30:00Z\n").size()) << text;
    EXPECT_EQ(text.substr(4, 1) + text.substr(7, 1) + text.substr(10, 1) + text.substr(19), "--TZ\n") << text;
    EXPECT_EQ(fs::status(m_paths.state_dir / "firstboot.done").permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
}

TEST_F(FirstbootStamp, LaterAppliesLeaveItAsItIs) {
    fs::create_directories(m_paths.state_dir);
    std::ofstream(m_paths.state_dir / "firstboot.done") << "2026-01-02T03:04:05Z\n";
    const auto again = write_firstboot_stamp(m_paths);
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_EQ(*again, (m_paths.state_dir / "firstboot.done").string());
    EXPECT_EQ(stamp(), "2026-01-02T03:04:05Z\n");
    EXPECT_FALSE(fs::exists(m_paths.state_dir / "backup"));
}

TEST_F(FirstbootStamp, SomethingElseInItsPlaceIsAnError) {
    fs::create_directories(m_paths.state_dir / "firstboot.done");
    const auto refused = write_firstboot_stamp(m_paths);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().message.find("not a regular file"), std::string::npos) << refused.error().message;
}

}  // namespace
}  // namespace agent
