#include "checks/parsers/mounts.h"

#include <gtest/gtest.h>

namespace checks {
namespace {

TEST(ParseMountTable, ReadsProcMountsFields) {
    const auto mounts = parse_mount_table(
        "/dev/mapper/rhel-root / xfs rw,seclabel,relatime,attr2,inode64 0 0\n"
        "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n"
        "/dev/sdb1 /var/lib/libvirt/images xfs rw,relatime 0 0\n",
        "/proc/mounts");
    ASSERT_TRUE(mounts.ok()) << mounts.error().message;
    ASSERT_EQ(mounts->size(), 3u);
    EXPECT_EQ((*mounts)[0].source, "/dev/mapper/rhel-root");
    EXPECT_EQ((*mounts)[0].target, "/");
    EXPECT_EQ((*mounts)[0].fstype, "xfs");
    EXPECT_EQ((*mounts)[0].options, "rw,seclabel,relatime,attr2,inode64");
    EXPECT_EQ((*mounts)[2].target, "/var/lib/libvirt/images");
}

TEST(ParseMountTable, DecodesOctalEscapes) {
    const auto mounts = parse_mount_table("/dev/sdc1 /mnt/my\\040vm\\011disks ext4 rw 0 0\n"
                                          "LABEL=a\\134b /srv/back\\134slash xfs rw 0 0\n",
                                          "/proc/mounts");
    ASSERT_TRUE(mounts.ok()) << mounts.error().message;
    ASSERT_EQ(mounts->size(), 2u);
    EXPECT_EQ((*mounts)[0].target, "/mnt/my vm\tdisks");
    EXPECT_EQ((*mounts)[1].source, "LABEL=a\\b");
    EXPECT_EQ((*mounts)[1].target, "/srv/back\\slash");
}

TEST(ParseMountTable, DecodesAnEscapeAtTheVeryEndOfAField) {
    const auto mounts = parse_mount_table("/dev/sdc1 /mnt/trailing\\040 ext4 rw 0 0\n", "/proc/mounts");
    ASSERT_TRUE(mounts.ok());
    EXPECT_EQ((*mounts)[0].target, "/mnt/trailing ");
}

TEST(ParseMountTable, LeavesABackslashThatIsNotAnOctalEscape) {
    const auto mounts = parse_mount_table("/dev/sdc1 /mnt/a\\x41b ext4 rw 0 0\n", "/proc/mounts");
    ASSERT_TRUE(mounts.ok());
    EXPECT_EQ((*mounts)[0].target, "/mnt/a\\x41b");
}

TEST(ParseMountTable, SkipsCommentsAndBlankLinesOfFstab) {
    const auto mounts = parse_mount_table(
        "#\n# /etc/fstab\n# Created by anaconda\n\n"
        "/dev/mapper/rhel-root   /                       xfs     defaults        0 0\n"
        "   # indented comment\n"
        "UUID=8d1f-22aa  /boot   xfs     defaults        0 0\n"
        "\t\n"
        "/dev/mapper/rhel-swap   none                    swap    defaults        0 0\n",
        "/etc/fstab");
    ASSERT_TRUE(mounts.ok()) << mounts.error().message;
    ASSERT_EQ(mounts->size(), 3u);
    EXPECT_EQ((*mounts)[1].source, "UUID=8d1f-22aa");
    EXPECT_EQ((*mounts)[1].target, "/boot");
    EXPECT_EQ((*mounts)[2].fstype, "swap");
}

TEST(ParseMountTable, DefaultsTheOptionsWhenOnlyThreeFieldsAreGiven) {
    const auto mounts = parse_mount_table("/dev/sdb1 /data xfs\n", "/etc/fstab");
    ASSERT_TRUE(mounts.ok());
    EXPECT_EQ((*mounts)[0].options, "defaults");
}

TEST(ParseMountTable, IsAnErrorNamingFileAndLineForTooFewFields) {
    const auto mounts = parse_mount_table("# header\n/dev/sda1 /\n/dev/sdb1 /data xfs defaults 0 0\n", "/etc/fstab");
    ASSERT_FALSE(mounts.ok());
    EXPECT_EQ(mounts.error().message, "/etc/fstab:2: expected at least 3 fields, found 2");
}

TEST(ParseMountTable, ReadsAnEmptyTableAsNoMounts) {
    const auto mounts = parse_mount_table("", "/etc/fstab");
    ASSERT_TRUE(mounts.ok());
    EXPECT_TRUE(mounts->empty());
}

// --- mount_containing ---

std::vector<MountEntry> table(std::initializer_list<const char*> targets) {
    std::vector<MountEntry> entries;
    int n = 0;
    for (const char* target : targets) entries.push_back({"/dev/disk" + std::to_string(n++), target, "xfs", "rw"});
    return entries;
}

TEST(MountContaining, PicksTheLongestPrefix) {
    const auto mounts = table({"/", "/var", "/var/lib/libvirt/images", "/var/lib"});
    const auto found = mount_containing(mounts, "/var/lib/libvirt/images/web.qcow2");
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->target, "/var/lib/libvirt/images");
}

TEST(MountContaining, FallsBackToRoot) {
    const auto found = mount_containing(table({"/boot", "/", "/home"}), "/srv/vm/web.qcow2");
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->target, "/");
}

TEST(MountContaining, MatchesTheMountPointItself) {
    const auto found = mount_containing(table({"/", "/var/lib/libvirt/images"}), "/var/lib/libvirt/images");
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->target, "/var/lib/libvirt/images");
}

TEST(MountContaining, DoesNotTreatASiblingWithTheSamePrefixAsContaining) {
    const auto mounts = table({"/", "/var/lib/libvirt/images2"});
    EXPECT_EQ(mount_containing(mounts, "/var/lib/libvirt/images/web.qcow2")->target, "/");
    const auto reverse = table({"/", "/var/lib/libvirt/images"});
    EXPECT_EQ(mount_containing(reverse, "/var/lib/libvirt/images2/web.qcow2")->target, "/");
}

TEST(MountContaining, ReturnsNothingWhenNoMountContainsThePath) {
    EXPECT_FALSE(mount_containing(table({"/boot", "/home"}), "/srv/vm/a.qcow2").has_value());
    EXPECT_FALSE(mount_containing({}, "/srv/vm/a.qcow2").has_value());
}

TEST(MountContaining, LetsALaterMountOverTheSameTargetShadowTheEarlierOne) {
    std::vector<MountEntry> mounts = {{"/dev/sda2", "/", "xfs", "rw"},
                                      {"/dev/sdb1", "/srv/vm", "xfs", "rw"},
                                      {"/dev/sdc1", "/srv/vm", "ext4", "rw"}};
    const auto found = mount_containing(mounts, "/srv/vm/a.qcow2");
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->source, "/dev/sdc1");
}

// fstab(5) allows "/srv/vm/" for the mount point /srv/vm.
TEST(MountContaining, MatchesATargetWrittenWithATrailingSlash) {
    const auto found = mount_containing(table({"/", "/srv/vm/"}), "/srv/vm/a.qcow2");
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->target, "/srv/vm/");
}

// --- mount_unit_name: systemd-escape --path --suffix=mount ---

struct UnitCase {
    const char* path;
    const char* unit;
};

class MountUnitName : public ::testing::TestWithParam<UnitCase> {};

TEST_P(MountUnitName, MatchesSystemdEscapePath) { EXPECT_EQ(mount_unit_name(GetParam().path), GetParam().unit); }

INSTANTIATE_TEST_SUITE_P(
    Table, MountUnitName,
    ::testing::Values(UnitCase{"/var/lib/libvirt/images", "var-lib-libvirt-images.mount"},
                      UnitCase{"/", "-.mount"},
                      UnitCase{"/srv/vm-images", "srv-vm\\x2dimages.mount"},
                      UnitCase{"/mnt/my disk", "mnt-my\\x20disk.mount"},
                      UnitCase{"/srv/vm/", "srv-vm.mount"},
                      UnitCase{"/srv/.hidden", "srv-.hidden.mount"},
                      UnitCase{"/.hidden", "\\x2ehidden.mount"},
                      UnitCase{"/srv/vm.d", "srv-vm.d.mount"},
                      UnitCase{"/srv/a:b_c", "srv-a:b_c.mount"},
                      UnitCase{"/srv/a\\b", "srv-a\\x5cb.mount"},
                      UnitCase{"/srv/\xc3\xbc", "srv-\\xc3\\xbc.mount"}));

TEST(MountUnitNameSlashes, CollapsesRepeatedSlashesLikeSystemd) {
    const std::string unit = mount_unit_name("/srv//vm");
    EXPECT_EQ(unit, "srv-vm.mount");
}

}  // namespace
}  // namespace checks
