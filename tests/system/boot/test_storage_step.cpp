// kvm-agent apply --only storage in fresh guests (each formats its blank /dev/vdb, so none shares a guest):
// the blank disk made XFS, mounted at /var/lib/libvirt/images, persisted in /etc/fstab, under libvirt's
// `default` dir pool started and autostarted, all of it back after a reboot, and a second apply that changes
// nothing; and the SELinux file-context rule and relabel on a guest booted with SELinux enforcing. Read back
// with the admins' tools: findmnt, blkid, /etc/fstab, virsh, semanage, ls -Z. (A disk that is not blank is
// refused in the shared guest: tests/system/shared/test_storage_in_guest.cpp.)
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "tests/system/support/guest_doctor.h"
#include "tests/system/support/storage_guest.h"

namespace {

namespace fs = std::filesystem;
using namespace tests::system;

class StorageGuest : public ::testing::Test {
protected:
    // Boots a guest of this test's own (its state in `name`: the sockets' paths must stay under 108 bytes),
    // or skips with the reason the tier's image step recorded.
    std::optional<GuestVm> boot(const std::string& name, const std::string& extra_append = "") {
        const char* root = std::getenv("KVM_SYSTEM_STATE_ROOT");
        if (root == nullptr) {
            ADD_FAILURE() << "KVM_SYSTEM_STATE_ROOT is not set: run through ctest -L system";
            return std::nullopt;
        }
        BootOptions options;
        options.image_dir = recorded_image_dir(root);
        if (options.image_dir.empty()) {
            m_skip_reason = unavailable_reason(root);
            if (m_skip_reason.empty()) ADD_FAILURE() << "no guest image recorded under " << root;
            return std::nullopt;
        }
        if (!tests::have_program("qemu-system-x86_64")) {
            m_skip_reason = "qemu-system-x86_64 is not installed";
            return std::nullopt;
        }
        options.state_dir = fs::path(root) / name;
        options.build_dir = KVM_SYSTEM_BUILD_DIR;
        options.extra_append = extra_append;
        auto guest = GuestVm::boot(options);
        EXPECT_EQ(guest.run({"mkdir", "-p", "/etc/kvm-agent"}).exit_code, 0);
        return guest;
    }

    std::string m_skip_reason;
};

TEST_F(StorageGuest, ABlankDiskBecomesTheImagesFilesystemThatSurvivesAReboot) {
    auto guest = boot("storage-blank");
    if (!guest) GTEST_SKIP() << m_skip_reason;
    const std::string device = by_path_of(*guest, "vdb");
    ASSERT_EQ(guest->run({"blkid", "-p", "/dev/vdb"}).exit_code, 2) << "the data disk should start blank";
    const std::string fstab_before = guest->read_file("/etc/fstab");
    // libvirt's own `default` pool over the same directory, stopped and not autostarted: kept and converged.
    ASSERT_EQ(guest->run({"virsh", "pool-define-as", "default", "dir", "--target", k_images_dir}).exit_code, 0);

    const auto first = apply_storage(*guest, images_profile(device));
    EXPECT_EQ(first.process.exit_code, 0) << first.process.out << first.process.err;
    const auto changed = first.lines("changed");
    EXPECT_TRUE(any_line_starts_with(changed, "make an xfs filesystem on /dev/vdb (" + device + ")"))
        << listed(changed);
    EXPECT_TRUE(any_line_starts_with(changed, "mount /dev/vdb (" + device + ") (xfs) at /var/lib/libvirt/images"));
    EXPECT_TRUE(any_line_starts_with(changed, "add to /etc/fstab: UUID="));
    EXPECT_FALSE(any_line_contains(changed, "define the libvirt dir pool")) << "the pool there is kept, not redefined";
    EXPECT_TRUE(any_line_starts_with(changed, "build and start the libvirt pool 'default'"));
    EXPECT_TRUE(any_line_starts_with(changed, "autostart the libvirt pool 'default'"));
    EXPECT_TRUE(first.lines("failures").empty()) << listed(first.lines("failures"));

    const auto check_end_state = [&](const std::string& when) {
        SCOPED_TRACE(when);
        const auto mount = findmnt_in(*guest, k_images_dir);
        EXPECT_FALSE(mount.is_null()) << k_images_dir << " is not a mount point";
        if (!mount.is_null()) {
            EXPECT_EQ(mount.at("source"), "/dev/vdb");
            EXPECT_EQ(mount.at("fstype"), "xfs");
        }
        const std::string blkid = guest_out(*guest, {"blkid", "-o", "export", "/dev/vdb"});
        EXPECT_NE(blkid.find("TYPE=xfs"), std::string::npos) << blkid;
        const auto uuid_at = blkid.find("\nUUID=");
        if (uuid_at == std::string::npos) {
            ADD_FAILURE() << "no UUID in blkid's output: " << blkid;
            return std::string();
        }
        const std::string uuid = blkid.substr(uuid_at + 6, blkid.find('\n', uuid_at + 1) - uuid_at - 6);
        // Every line that was there, byte for byte, and ours after them.
        EXPECT_EQ(guest->read_file("/etc/fstab"),
                  fstab_before + "UUID=" + uuid + " /var/lib/libvirt/images xfs defaults 0 2\n");
        const std::string info = guest_out(*guest, {"virsh", "pool-info", "default"});
        EXPECT_NE(info.find("State:          running"), std::string::npos) << info;
        EXPECT_NE(info.find("Autostart:      yes"), std::string::npos) << info;
        const std::string xml = guest_out(*guest, {"virsh", "pool-dumpxml", "default"});
        EXPECT_NE(xml.find("<pool type='dir'>"), std::string::npos) << xml;
        EXPECT_NE(xml.find("<path>/var/lib/libvirt/images</path>"), std::string::npos) << xml;
        return uuid;
    };
    const std::string uuid = check_end_state("after the first apply");

    const auto second = apply_storage(*guest, images_profile(device));
    EXPECT_EQ(second.process.exit_code, 0) << second.process.out << second.process.err;
    EXPECT_TRUE(second.lines("changed").empty()) << listed(second.lines("changed"));
    EXPECT_TRUE(any_line_contains(second.lines("notes"), "free of")) << listed(second.lines("notes"));

    ASSERT_EQ(guest->run({"sync"}).exit_code, 0);
    guest->reboot();
    EXPECT_EQ(check_end_state("after a reboot"), uuid);
    const auto third = apply_storage(*guest, images_profile(device));
    EXPECT_EQ(third.process.exit_code, 0) << third.process.out << third.process.err;
    EXPECT_TRUE(third.lines("changed").empty()) << listed(third.lines("changed"));
}

// The image carries the policy's labels (build-image.sh), so the guest boots with SELinux enforcing and its
// daemons in their own domains. A directory outside the policy's rules needs the local rule the step adds.
TEST_F(StorageGuest, WithSelinuxEnforcingTheImagesDirectoryGetsARuleAndItsLabel) {
    auto guest = boot("storage-selinux", "security=selinux selinux=1 enforcing=1");
    if (!guest) GTEST_SKIP() << m_skip_reason;
    ASSERT_EQ(guest_out(*guest, {"getenforce"}), "Enforcing\n");
    // The policy has no type for a 9p filesystem, so the boot's mount of the build tree is refused: mount it
    // again with a context (permissive for that one mount only, as relabelling a filesystem is not granted to
    // mount_t). The product runs with SELinux enforcing from here on.
    ASSERT_EQ(guest->run({"setenforce", "0"}).exit_code, 0);
    const auto mounted = guest->run({"mount", "-t", "9p", "-o",
                                     "trans=virtio,version=9p2000.L,msize=262144,ro,context=system_u:object_r:usr_t:s0",
                                     "build", "/mnt/build"});
    ASSERT_EQ(guest->run({"setenforce", "1"}).exit_code, 0);
    ASSERT_EQ(mounted.exit_code, 0) << mounted.err;
    ASSERT_EQ(guest_out(*guest, {"getenforce"}), "Enforcing\n");

    const std::string path = "/srv/vm-images";
    const auto first = apply_storage(*guest, images_profile(by_path_of(*guest, "vdb"), path, "images"));
    EXPECT_EQ(first.process.exit_code, 0) << first.process.out << first.process.err;
    const auto changed = first.lines("changed");
    EXPECT_TRUE(any_line_starts_with(changed, "add the SELinux file-context rule '/srv/vm-images(/.*)?' virt_image_t"))
        << listed(changed);
    EXPECT_TRUE(any_line_starts_with(changed, "restore the SELinux labels under /srv/vm-images")) << listed(changed);

    const std::string rules = guest_out(*guest, {"semanage", "fcontext", "-l", "-C"});
    EXPECT_NE(rules.find("/srv/vm-images(/.*)?"), std::string::npos) << rules;
    EXPECT_NE(rules.find("system_u:object_r:virt_image_t:s0"), std::string::npos) << rules;
    EXPECT_EQ(guest_out(*guest, {"stat", "-c", "%C", path}), "system_u:object_r:virt_image_t:s0\n");
    // What a relabel would give a disk image put there later: the rule covers everything under the path.
    EXPECT_EQ(guest_out(*guest, {"matchpathcon", "-n", path + "/guest.qcow2"}), "system_u:object_r:virt_image_t:s0\n");
    EXPECT_EQ(guest_out(*guest, {"getenforce"}), "Enforcing\n");

    // The readiness report this apply published judges the profile's directory, pool and min-free (not
    // /var/lib/libvirt/images and `default`), and so does kvm-doctor, given the profile or the same two options
    // (without the profile, the default 20 GiB minimum, which this 4 GiB disk is below). The local rule is found
    // under the policy /etc/selinux/config names (Debian's "default").
    tests::DoctorRun published_run;
    published_run.report = nlohmann::json::parse(guest->read_file("/var/lib/kvm-agent/readiness.json"));
    const tests::DoctorRun& published = published_run;
    const auto by_profile = run_doctor_in(*guest, {"--profile", k_guest_profile_path});
    const auto by_options = run_doctor_in(*guest, {"--images-dir", path, "--images-pool", "images"});
    for (const tests::DoctorRun* report : {&published, &by_profile, &by_options}) {
        const auto& space = report->check("storage.images-space");
        EXPECT_EQ(space.at("status"), report == &by_options ? "FAIL" : "PASS") << space.dump();
        EXPECT_NE(space.value("evidence", "").find("on /srv/vm-images (/srv/vm-images)"), std::string::npos)
            << space.dump();
        const auto& label = report->check("storage.selinux-context");
        EXPECT_EQ(label.at("status"), "PASS") << label.dump();
        EXPECT_NE(label.value("evidence", "").find("/srv/vm-images labelled system_u:object_r:virt_image_t:s0"),
                  std::string::npos) << label.dump();
        EXPECT_EQ(report->check("storage.mount-persistent").at("status"), "PASS")
            << report->check("storage.mount-persistent").dump();
        // The apply's own report gives libvirt 2 s per call, which a TCG guest's libvirtd may miss (SKIP).
        const auto& pool = report->check("libvirt.storage-pool");
        if (report == &published && pool.at("status") == "SKIP") continue;
        EXPECT_EQ(pool.at("status"), "PASS") << pool.dump();
        EXPECT_NE(pool.value("evidence", "").find("pool \"images\": active, autostart, /srv/vm-images"),
                  std::string::npos) << pool.dump();
    }
    EXPECT_NE(by_options.check("storage.images-space").value("evidence", "").find("below the 20.0 GiB minimum"),
              std::string::npos);

    const auto second = apply_storage(*guest, images_profile(by_path_of(*guest, "vdb"), path, "images"));
    EXPECT_EQ(second.process.exit_code, 0) << second.process.out << second.process.err;
    EXPECT_TRUE(second.lines("changed").empty()) << listed(second.lines("changed"));

    // The guest smoke check under SELinux enforcing. libvirt makes its volume in the labelled directory. (Debian
    // 12's policy with libvirt 9 then keeps every QEMU domain from starting under enforcing: "Cannot delete
    // directory '/run/libvirt/qemu/...shm': Device or resource busy"; the boot is proven in the guests without
    // SELinux.) The directory mislabelled keeps even libvirt's daemon out, and the check names the label and the
    // rule that fixes it.
    auto smoke_args = smoke_check_args();
    smoke_args.insert(smoke_args.end(), {"--profile", k_guest_profile_path});
    const auto labelled = run_doctor_in(*guest, smoke_args);
    EXPECT_NE(labelled.check("libvirt.guest-smoke").value("evidence", "").rfind("libvirt cannot create a volume", 0), 0u)
        << labelled.check("libvirt.guest-smoke").dump();
    ASSERT_EQ(guest->run({"chcon", "-t", "etc_t", path}).exit_code, 0);
    const auto mislabelled = run_doctor_in(*guest, smoke_args);
    guest->run({"restorecon", "-R", path});
    const auto& smoke = mislabelled.check("libvirt.guest-smoke");
    EXPECT_EQ(smoke.at("status"), "FAIL") << smoke.dump();
    EXPECT_EQ(smoke.value("evidence", "").rfind("libvirt cannot create a volume in /srv/vm-images (pool images): ", 0), 0u)
        << smoke.dump();
    EXPECT_NE(smoke.value("fix", "").find("semanage fcontext -a -t virt_image_t '/srv/vm-images(/.*)?'"),
              std::string::npos) << smoke.dump();
    EXPECT_EQ(guest_out(*guest, {"virsh", "-q", "vol-list", "images"}), "") << "the smoke volume is gone";
    EXPECT_EQ(guest_out(*guest, {"getenforce"}), "Enforcing\n");
}

}  // namespace
