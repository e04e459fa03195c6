#include "checks/parsers/accounts.h"

#include <gtest/gtest.h>

namespace checks {
namespace {

const char* const k_passwd =
    "root:x:0:0:root:/root:/bin/bash\n"
    "broken line without colons\n"
    "bad:x:notanumber:0::/:/sbin/nologin\n"
    ":x:5:5::/:/sbin/nologin\n"
    "qemu:x:107:107:qemu user:/:/sbin/nologin\n"
    "huge:x:4294967296:0::/:/sbin/nologin\n"
    "nobody:x:65534:65534:Kernel Overflow User:/:/sbin/nologin\n";

const char* const k_group =
    "root:x:0:\n"
    "kvm:x:36:qemu,sanlock\n"
    "qemu:x:107:\n"
    "libvirt:x:981: alice , bob,\n"
    "broken\n"
    "nogid:x::\n";

TEST(ParsePasswd, ReadsNamesUidsAndGidsAndSkipsBrokenLines) {
    const auto accounts = parse_passwd(k_passwd);
    ASSERT_EQ(accounts.size(), 3u);
    EXPECT_EQ(accounts[0].name, "root");
    EXPECT_EQ(accounts[1].name, "qemu");
    EXPECT_EQ(accounts[1].uid, 107u);
    EXPECT_EQ(accounts[1].gid, 107u);
    EXPECT_EQ(accounts[2].name, "nobody");
    EXPECT_EQ(accounts[2].uid, 65534u);
}

TEST(ParseGroup, ReadsMembersTrimmedAndSkipsBrokenLines) {
    const auto groups = parse_group(k_group);
    ASSERT_EQ(groups.size(), 4u);
    EXPECT_EQ(groups[1].name, "kvm");
    EXPECT_EQ(groups[1].gid, 36u);
    EXPECT_EQ(groups[1].members, (std::vector<std::string>{"qemu", "sanlock"}));
    EXPECT_TRUE(groups[0].members.empty());
    EXPECT_EQ(groups[3].members, (std::vector<std::string>{"alice", "bob"}));
}

TEST(ParseGroup, AcceptsALineWithoutTheMembersField) {
    const auto groups = parse_group("wheel:x:10\n");
    ASSERT_EQ(groups.size(), 1u);
    EXPECT_EQ(groups[0].gid, 10u);
    EXPECT_TRUE(groups[0].members.empty());
}

TEST(FindAccount, FindsByExactName) {
    const auto accounts = parse_passwd(k_passwd);
    ASSERT_NE(find_account(accounts, "qemu"), nullptr);
    EXPECT_EQ(find_account(accounts, "qemu")->uid, 107u);
    EXPECT_EQ(find_account(accounts, "qem"), nullptr);
    EXPECT_EQ(find_account(accounts, "libvirt-qemu"), nullptr);
}

TEST(FindGroup, FindsByExactName) {
    const auto groups = parse_group(k_group);
    ASSERT_NE(find_group(groups, "kvm"), nullptr);
    EXPECT_EQ(find_group(groups, "kvm")->gid, 36u);
    EXPECT_EQ(find_group(groups, "KVM"), nullptr);
}

TEST(UserName, NamesAKnownUidOrFallsBackToTheNumber) {
    const auto accounts = parse_passwd(k_passwd);
    EXPECT_EQ(user_name(accounts, 107), "qemu");
    EXPECT_EQ(user_name(accounts, 0), "root");
    EXPECT_EQ(user_name(accounts, 1234), "1234");
}

TEST(GroupName, NamesAKnownGidOrFallsBackToTheNumber) {
    const auto groups = parse_group(k_group);
    EXPECT_EQ(group_name(groups, 36), "kvm");
    EXPECT_EQ(group_name(groups, 5), "5");
}

}  // namespace
}  // namespace checks
