// kvm-agent apply --only storage on the shared guest's spare disk (/dev/vdb, blank at boot) when it is not blank:
// a disk with a partition table is refused and nothing changes anywhere; a disk with a filesystem of its own is
// never formatted and is used as it is. Read back with the admins' tools: blkid, findmnt, /etc/fstab, virsh.
// The test leaves the guest as it found it (the disk wiped, the mount, its fstab line and the pool gone): the
// blank disk's first format and the SELinux label run in guests of their own (tests/system/boot/test_storage_step.cpp).
#include <gtest/gtest.h>

#include <string>

#include "tests/system/support/guest_fixtures.h"
#include "tests/system/support/storage_guest.h"

namespace {

using namespace tests::system;

// Not the images directory or pool other tests of the shared guest see.
constexpr const char* k_kept_dir = "/srv/kept-images";
constexpr const char* k_kept_pool = "kept";

class StorageInGuest : public SharedGuestTest {
protected:
    void SetUp() override {
        SharedGuestTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        ASSERT_EQ(m_guest->run({"mkdir", "-p", "/etc/kvm-agent"}).exit_code, 0);
        m_fstab_before = m_guest->read_file("/etc/fstab");
        m_set_up = true;
    }
    // Whatever the test reached: the guest as before it.
    void TearDown() override {
        if (!m_set_up) return;
        m_guest->run({"virsh", "pool-destroy", k_kept_pool});
        m_guest->run({"virsh", "pool-undefine", k_kept_pool});
        m_guest->run({"umount", k_kept_dir});
        m_guest->write_file("/etc/fstab", m_fstab_before);
        m_guest->run({"rm", "-rf", k_kept_dir});
        EXPECT_EQ(m_guest->run({"wipefs", "-a", "/dev/vdb"}).exit_code, 0);
        EXPECT_EQ(m_guest->run({"blkid", "-p", "/dev/vdb"}).exit_code, 2) << "the spare disk is blank again";
    }
    std::string m_fstab_before;
    bool m_set_up = false;
};

TEST_F(StorageInGuest, ADiskThatIsNotBlankIsNeverFormatted) {
    ASSERT_EQ(m_guest->run({"blkid", "-p", "/dev/vdb"}).exit_code, 2) << "the spare disk should start blank";
    const std::string device = by_path_of(*m_guest, "vdb");

    // A partition table: refused, nothing changed anywhere.
    ASSERT_EQ(m_guest->run({"parted", "-s", "/dev/vdb", "mklabel", "gpt"}).exit_code, 0);
    const std::string table = guest_out(*m_guest, {"blkid", "-p", "/dev/vdb"});
    const auto refused = apply_storage(*m_guest, images_profile(device, k_kept_dir, k_kept_pool));
    EXPECT_EQ(refused.process.exit_code, 1) << refused.process.out << refused.process.err;
    EXPECT_TRUE(any_line_starts_with(refused.lines("failures"),
                                     "refused to use /dev/vdb (" + device + "): libblkid sees a gpt partition table"))
        << listed(refused.lines("failures"));
    EXPECT_TRUE(refused.lines("changed").empty()) << listed(refused.lines("changed"));
    EXPECT_EQ(guest_out(*m_guest, {"blkid", "-p", "/dev/vdb"}), table);
    EXPECT_TRUE(findmnt_in(*m_guest, k_kept_dir).is_null());
    EXPECT_EQ(m_guest->read_file("/etc/fstab"), m_fstab_before);
    EXPECT_NE(m_guest->run({"virsh", "pool-info", k_kept_pool}).exit_code, 0) << "no pool is defined";

    // A filesystem (not the one the profile would make): not formatted, used as it is.
    ASSERT_EQ(m_guest->run({"wipefs", "-a", "/dev/vdb"}).exit_code, 0);
    ASSERT_EQ(m_guest->run({"mkfs.ext4", "-q", "-L", "guestdata", "/dev/vdb"}).exit_code, 0);
    const std::string filesystem = guest_out(*m_guest, {"blkid", "-p", "/dev/vdb"});
    const auto kept = apply_storage(*m_guest, images_profile("LABEL=guestdata", k_kept_dir, k_kept_pool));
    EXPECT_EQ(kept.process.exit_code, 0) << kept.process.out << kept.process.err;
    EXPECT_TRUE(any_line_starts_with(kept.lines("notes"), "refused to format /dev/vdb (LABEL=guestdata): libblkid "
                                                          "sees an ext4 filesystem"))
        << listed(kept.lines("notes"));
    EXPECT_FALSE(any_line_contains(kept.lines("changed"), "make an")) << listed(kept.lines("changed"));
    EXPECT_EQ(guest_out(*m_guest, {"blkid", "-p", "/dev/vdb"}), filesystem) << "the filesystem is untouched";
    const auto mount = findmnt_in(*m_guest, k_kept_dir);
    ASSERT_FALSE(mount.is_null());
    EXPECT_EQ(mount.at("fstype"), "ext4");
}

}  // namespace
