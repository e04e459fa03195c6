#include "checks/parsers/os_release.h"

#include <gtest/gtest.h>

namespace checks {
namespace {

TEST(ParseOsRelease, ReadsRhelWithDoubleQuotes) {
    const auto os = parse_os_release(
        "NAME=\"Red Hat Enterprise Linux\"\n"
        "VERSION=\"9.3 (Plow)\"\n"
        "ID=\"rhel\"\n"
        "ID_LIKE=\"fedora\"\n"
        "VERSION_ID=\"9.3\"\n"
        "PLATFORM_ID=\"platform:el9\"\n"
        "PRETTY_NAME=\"Red Hat Enterprise Linux 9.3 (Plow)\"\n"
        "ANSI_COLOR=\"0;31\"\n");
    ASSERT_TRUE(os.ok()) << os.error().message;
    EXPECT_EQ(os->id, "rhel");
    EXPECT_EQ(os->id_like, "fedora");
    EXPECT_EQ(os->version_id, "9.3");
    EXPECT_EQ(os->pretty_name, "Red Hat Enterprise Linux 9.3 (Plow)");
}

TEST(ParseOsRelease, ReadsDebianWithUnquotedAndSingleQuotedValues) {
    const auto os = parse_os_release(
        "PRETTY_NAME='Debian GNU/Linux 12 (bookworm)'\n"
        "NAME=\"Debian GNU/Linux\"\n"
        "VERSION_ID=\"12\"\n"
        "ID=debian\n");
    ASSERT_TRUE(os.ok());
    EXPECT_EQ(os->id, "debian");
    EXPECT_EQ(os->version_id, "12");
    EXPECT_EQ(os->pretty_name, "Debian GNU/Linux 12 (bookworm)");
    EXPECT_EQ(os->id_like, "");
}

TEST(ParseOsRelease, KeepsMismatchedQuotesAndSkipsCommentsAndJunk) {
    const auto os = parse_os_release("# comment ID=nope\n\nnot a pair\nID=centos\nVERSION_ID=\"7'\n  \n");
    ASSERT_TRUE(os.ok());
    EXPECT_EQ(os->id, "centos");
    EXPECT_EQ(os->version_id, "\"7'");
}

TEST(ParseOsRelease, DoesNotConfuseIdLikeOrVersionIdWithId) {
    const auto os = parse_os_release("ID_LIKE=\"rhel fedora\"\nVERSION_ID=8\n");
    ASSERT_FALSE(os.ok());
    EXPECT_NE(os.error().message.find("no ID= line"), std::string::npos) << os.error().message;
}

TEST(ParseOsRelease, IsAnErrorForAnEmptyFile) {
    const auto os = parse_os_release("");
    ASSERT_FALSE(os.ok());
    EXPECT_EQ(os.error().message, "no ID= line");
}

}  // namespace
}  // namespace checks
