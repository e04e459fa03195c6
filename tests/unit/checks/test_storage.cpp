// checks/storage.cpp: the images directory's space, mount at boot, and SELinux label.
#include <gtest/gtest.h>

#include "checks/judges.h"
#include "judge_test_support.h"

namespace checks {
namespace {

using namespace testing;

constexpr std::uint64_t k_gib = 1ULL << 30;

ImagesDirFacts images_dir(std::string path, std::optional<MountEntry> on, std::uint64_t available,
                          std::uint64_t total = 500 * k_gib) {
    ImagesDirFacts dir;
    dir.path = std::move(path);
    dir.exists = true;
    dir.mount = std::move(on);
    dir.total_bytes = total;
    dir.available_bytes = available;
    dir.selinux_label = "system_u:object_r:virt_image_t:s0";
    return dir;
}

const MountEntry k_images_mount = mount("/dev/sdb1", "/var/lib/libvirt/images");

StaticHostFacts with_dir(ImagesDirFacts dir) {
    StaticHostFacts facts;
    facts.images_dir_fact = std::move(dir);
    return facts;
}

// --- storage.images-space ---

TEST(StorageImagesSpace, PassesOnItsOwnFilesystemWithRoom) {
    EXPECT_OUTCOME(run_check("storage.images-space",
                             with_dir(images_dir("/var/lib/libvirt/images", k_images_mount, 300 * k_gib))),
                   Status::pass, "300.0 GiB free of 500.0 GiB on /var/lib/libvirt/images (/var/lib/libvirt/images)");
}

TEST(StorageImagesSpace, WarnsOnTheRootFilesystem) {
    const auto outcome = run_check("storage.images-space",
                                   with_dir(images_dir("/var/lib/libvirt/images", mount("/dev/sda2", "/"), 40 * k_gib)));
    EXPECT_OUTCOME(outcome, Status::warn, "on / (/var/lib/libvirt/images): on the root filesystem");
    EXPECT_FIX_HAS(outcome, "give /var/lib/libvirt/images a filesystem of its own");
}

TEST(StorageImagesSpace, FailsBelowTwentyGiBEvenOnItsOwnFilesystem) {
    const auto outcome = run_check("storage.images-space",
                                   with_dir(images_dir("/var/lib/libvirt/images", k_images_mount, 19 * k_gib)));
    EXPECT_OUTCOME(outcome, Status::fail, "19.0 GiB free of 500.0 GiB on /var/lib/libvirt/images");
    EXPECT_NE(outcome.evidence.find("below the 20.0 GiB minimum"), std::string::npos) << outcome.evidence;
    EXPECT_FIX_HAS(outcome, "free space there");
}

TEST(StorageImagesSpace, FailsBelowTwentyGiBOnTheRootFilesystemRatherThanWarning) {
    const auto outcome = run_check("storage.images-space",
                                   with_dir(images_dir("/var/lib/libvirt/images", mount("/dev/sda2", "/"), 5 * k_gib)));
    EXPECT_OUTCOME(outcome, Status::fail, "below the 20.0 GiB minimum");
}

TEST(StorageImagesSpace, PassesAtExactlyTwentyGiB) {
    EXPECT_OUTCOME(run_check("storage.images-space",
                             with_dir(images_dir("/var/lib/libvirt/images", k_images_mount, 20 * k_gib))),
                   Status::pass, "20.0 GiB free");
}

TEST(StorageImagesSpace, WarnsWhenTheDirectoryDoesNotExist) {
    auto dir = images_dir("/srv/vm", std::nullopt, 0);
    dir.exists = false;
    const auto outcome = run_check("storage.images-space", with_dir(dir));
    EXPECT_OUTCOME(outcome, Status::warn, "/srv/vm does not exist");
    EXPECT_FIX_HAS(outcome, "mkdir -p /srv/vm");
}

TEST(StorageImagesSpace, IsErrorWhenFreeSpaceIsUnreadable) {
    auto dir = images_dir("/var/lib/libvirt/images", k_images_mount, 0);
    dir.available_bytes.reset();
    EXPECT_OUTCOME(run_check("storage.images-space", with_dir(dir)), Status::error,
                   "free space of /var/lib/libvirt/images unreadable");
}

// --- with a profile's storage.images ---

Expectations profiled(std::uint64_t min_free, bool own_filesystem, std::string type = "virt_image_t") {
    Expectations expectations;
    expectations.profile = "/etc/kvm-agent/host.yaml";
    expectations.images = ExpectedImages{"/srv/vm", "images", min_free, std::move(type), own_filesystem};
    return expectations;
}

TEST(StorageImagesSpaceWithAProfile, FailsBelowTheProfilesMinFreeThoughAboveTheDefault) {
    const auto expectations = profiled(100 * k_gib, true);
    const auto outcome = run_check("storage.images-space",
                                   with_dir(images_dir("/srv/vm", mount("/dev/sdb1", "/srv/vm"), 50 * k_gib)),
                                   &expectations);
    EXPECT_OUTCOME(outcome, Status::fail, "50.0 GiB free of 500.0 GiB on /srv/vm (/srv/vm), below the 100.0 GiB the "
                                          "profile's min-free");
}

TEST(StorageImagesSpaceWithAProfile, PassesAboveTheProfilesMinFreeThoughBelowTheDefault) {
    const auto expectations = profiled(k_gib, true);
    EXPECT_OUTCOME(run_check("storage.images-space",
                             with_dir(images_dir("/srv/vm", mount("/dev/sdb1", "/srv/vm"), 5 * k_gib)), &expectations),
                   Status::pass, "5.0 GiB free of 500.0 GiB on /srv/vm (/srv/vm)");
}

// The profile chose the root filesystem by naming no device: nothing to warn about, nothing to fix.
TEST(StorageImagesSpaceWithAProfile, PassesOnTheRootFilesystemWhenTheProfileNamesNoDevice) {
    const auto expectations = profiled(k_gib, false);
    const auto outcome = run_check("storage.images-space",
                                   with_dir(images_dir("/srv/vm", mount("/dev/sda2", "/"), 40 * k_gib)), &expectations);
    EXPECT_OUTCOME(outcome, Status::pass, "on the root filesystem, as the profile's storage.images has no device");
    EXPECT_EQ(outcome.fix, "");
}

TEST(StorageImagesSpaceWithAProfile, WarnsWithTheApplyWhenTheProfilesDeviceIsNotMounted) {
    const auto expectations = profiled(k_gib, true);
    const auto outcome = run_check("storage.images-space",
                                   with_dir(images_dir("/srv/vm", mount("/dev/sda2", "/"), 40 * k_gib)), &expectations);
    EXPECT_OUTCOME(outcome, Status::warn, "the profile's device is not mounted there");
    EXPECT_EQ(outcome.fix, "kvm-agent apply --profile /etc/kvm-agent/host.yaml --only storage");
}

TEST(StorageImagesSpaceWithAProfile, AMissingDirectoryIsTheApplysToCreate) {
    auto dir = images_dir("/srv/vm", std::nullopt, 0);
    dir.exists = false;
    const auto expectations = profiled(k_gib, false);
    const auto outcome = run_check("storage.images-space", with_dir(dir), &expectations);
    EXPECT_OUTCOME(outcome, Status::warn, "/srv/vm does not exist");
    EXPECT_EQ(outcome.fix, "kvm-agent apply --profile /etc/kvm-agent/host.yaml --only storage");
}

TEST(StorageMountPersistentWithAProfile, AMountMissingFromFstabIsTheApplysToPersist) {
    const auto expectations = profiled(k_gib, true);
    const auto outcome = run_check("storage.mount-persistent",
                                   [] {
                                       StaticHostFacts facts = with_dir(images_dir("/srv/vm", mount("/dev/sdb1", "/srv/vm"), k_gib));
                                       facts.mount_persistence_fact = MountPersistence{{}, {}};
                                       return facts;
                                   }(),
                                   &expectations);
    EXPECT_OUTCOME(outcome, Status::fail, "/srv/vm is mounted from /dev/sdb1 (xfs) but is in neither");
    EXPECT_EQ(outcome.fix, "kvm-agent apply --profile /etc/kvm-agent/host.yaml --only storage");
}

// --- storage.mount-persistent ---

StaticHostFacts persistent(ImagesDirFacts dir, std::vector<MountEntry> fstab, std::set<std::string> units = {}) {
    StaticHostFacts facts = with_dir(std::move(dir));
    facts.mount_persistence_fact = MountPersistence{std::move(fstab), std::move(units)};
    return facts;
}

TEST(StorageMountPersistent, PassesWhenTheDirectoryIsNotAMountPoint) {
    const auto outcome = run_check("storage.mount-persistent",
                                   persistent(images_dir("/var/lib/libvirt/images", mount("/dev/sda2", "/"), k_gib), {}));
    EXPECT_OUTCOME(outcome, Status::pass, "/var/lib/libvirt/images is not a separate mount (it lives on /)");
}

TEST(StorageMountPersistent, PassesWhenTheMountIsInFstab) {
    EXPECT_OUTCOME(run_check("storage.mount-persistent",
                             persistent(images_dir("/var/lib/libvirt/images", k_images_mount, k_gib),
                                        {mount("/", "/"), mount("UUID=abcd", "/var/lib/libvirt/images")})),
                   Status::pass, "/var/lib/libvirt/images is mounted from /dev/sdb1 (xfs), in /etc/fstab");
}

TEST(StorageMountPersistent, FailsWhenTheFstabEntryIsNoauto) {
    MountEntry noauto = mount("UUID=abcd", "/var/lib/libvirt/images");
    noauto.options = "defaults,noauto";
    const auto outcome = run_check("storage.mount-persistent",
                                   persistent(images_dir("/var/lib/libvirt/images", k_images_mount, k_gib), {noauto}));
    EXPECT_OUTCOME(outcome, Status::fail, "/var/lib/libvirt/images");
}

TEST(StorageMountPersistent, PassesWhenAMountUnitMountsIt) {
    EXPECT_OUTCOME(run_check("storage.mount-persistent",
                             persistent(images_dir("/var/lib/libvirt/images", k_images_mount, k_gib), {},
                                        {"var-lib-libvirt-images.mount"})),
                   Status::pass, "by var-lib-libvirt-images.mount");
}

TEST(StorageMountPersistent, FailsWhenNeitherFstabNorAMountUnitHasIt) {
    const auto outcome = run_check("storage.mount-persistent",
                                   persistent(images_dir("/var/lib/libvirt/images", k_images_mount, k_gib),
                                              {mount("/dev/sda2", "/"), mount("/dev/sdc1", "/var/lib/libvirt/images2")},
                                              {"var-lib-libvirt-images2.mount"}));
    EXPECT_OUTCOME(outcome, Status::fail, "is in neither /etc/fstab nor a mount unit");
    EXPECT_FIX_HAS(outcome, "blkid -s UUID -o value /dev/sdb1) /var/lib/libvirt/images xfs defaults 0 0");
}

TEST(StorageMountPersistent, SkipsWhenTheDirectoryDoesNotExist) {
    auto dir = images_dir("/srv/vm", std::nullopt, 0);
    dir.exists = false;
    EXPECT_OUTCOME(run_check("storage.mount-persistent", persistent(dir, {})), Status::skip,
                   "/srv/vm does not exist (see storage.images-space)");
}

TEST(StorageMountPersistent, IsErrorWhenFstabIsUnreadableForAMountPoint) {
    StaticHostFacts facts = with_dir(images_dir("/var/lib/libvirt/images", k_images_mount, k_gib));
    facts.mount_persistence_fact = ReadError{"cannot read /etc/fstab: Permission denied"};
    EXPECT_OUTCOME(run_check("storage.mount-persistent", facts), Status::error, "cannot read /etc/fstab");
}

// --- storage.selinux-context ---

StaticHostFacts selinux(bool enforcing, ImagesDirFacts dir, std::string rules = "") {
    StaticHostFacts facts = with_dir(std::move(dir));
    facts.selinux_fact = SelinuxFacts{true, enforcing, std::move(rules)};
    return facts;
}

ImagesDirFacts labelled(std::string path, std::string label) {
    auto dir = images_dir(std::move(path), k_images_mount, 100 * k_gib);
    dir.selinux_label = std::move(label);
    return dir;
}

TEST(StorageSelinuxContext, PassesForTheDefaultDirectoryLabelledVirtImage) {
    EXPECT_OUTCOME(run_check("storage.selinux-context",
                             selinux(true, labelled("/var/lib/libvirt/images", "system_u:object_r:virt_image_t:s0"))),
                   Status::pass, "/var/lib/libvirt/images labelled system_u:object_r:virt_image_t:s0 (SELinux enforcing)");
}

TEST(StorageSelinuxContext, FailsWhenEnforcingWithTheWrongLabel) {
    const auto outcome = run_check("storage.selinux-context",
                                   selinux(true, labelled("/srv/vm", "unconfined_u:object_r:var_t:s0")));
    EXPECT_OUTCOME(outcome, Status::fail, "/srv/vm is labelled unconfined_u:object_r:var_t:s0, not virt_image_t "
                                          "(SELinux enforcing): QEMU gets \"Permission denied\"");
    EXPECT_EQ(outcome.fix, "semanage fcontext -a -t virt_image_t '/srv/vm(/.*)?' && restorecon -Rv /srv/vm");
}

TEST(StorageSelinuxContext, WarnsWhenPermissiveWithTheWrongLabel) {
    const auto outcome = run_check("storage.selinux-context",
                                   selinux(false, labelled("/srv/vm", "unconfined_u:object_r:default_t:s0")));
    EXPECT_OUTCOME(outcome, Status::warn, "(SELinux permissive): guests fail once SELinux enforces");
    EXPECT_FIX_HAS(outcome, "restorecon -Rv /srv/vm");
}

TEST(StorageSelinuxContext, FailsWhenTheLabelIsUnreadable) {
    EXPECT_OUTCOME(run_check("storage.selinux-context", selinux(true, labelled("/srv/vm", ""))), Status::fail,
                   "/srv/vm is labelled (unreadable)");
}

TEST(StorageSelinuxContext, WarnsForANonDefaultPathWithoutAnFcontextRule) {
    const auto outcome = run_check("storage.selinux-context",
                                   selinux(true, labelled("/srv/vm", "unconfined_u:object_r:virt_image_t:s0")));
    EXPECT_OUTCOME(outcome, Status::warn, "/srv/vm is labelled virt_image_t but no fcontext rule says so");
    EXPECT_FIX_HAS(outcome, "semanage fcontext -a -t virt_image_t '/srv/vm(/.*)?'");
}

TEST(StorageSelinuxContext, PassesForANonDefaultPathWithAnFcontextRule) {
    EXPECT_OUTCOME(run_check("storage.selinux-context",
                             selinux(true, labelled("/srv/vm", "system_u:object_r:virt_image_t:s0"),
                                     "/srv/vm(/.*)?    system_u:object_r:virt_image_t:s0\n")),
                   Status::pass, "/srv/vm labelled system_u:object_r:virt_image_t:s0");
}

// A rule for /srv/vm-old says nothing about /srv/vm.
TEST(StorageSelinuxContext, DoesNotTakeARuleForALongerSiblingPathAsItsOwn) {
    const auto outcome = run_check("storage.selinux-context",
                                   selinux(true, labelled("/srv/vm", "system_u:object_r:virt_image_t:s0"),
                                           "/srv/vm-old(/.*)?    system_u:object_r:virt_image_t:s0\n"));
    EXPECT_OUTCOME(outcome, Status::warn, "no fcontext rule says so");
}

TEST(StorageSelinuxContext, SkipsWhenSelinuxIsDisabled) {
    StaticHostFacts facts = with_dir(labelled("/srv/vm", ""));
    facts.selinux_fact = SelinuxFacts{false, false, ""};
    EXPECT_OUTCOME(run_check("storage.selinux-context", facts), Status::skip, "SELinux is not enabled");
}

TEST(StorageSelinuxContext, SkipsWhenTheDirectoryDoesNotExist) {
    auto dir = labelled("/srv/vm", "");
    dir.exists = false;
    EXPECT_OUTCOME(run_check("storage.selinux-context", selinux(true, dir)), Status::skip, "/srv/vm does not exist");
}

TEST(StorageSelinuxContext, IsErrorWhenTheImagesDirectoryIsUnreadable) {
    StaticHostFacts facts;
    facts.selinux_fact = SelinuxFacts{true, true, ""};
    facts.images_dir_fact = ReadError{"cannot stat /srv/vm: Permission denied"};
    EXPECT_OUTCOME(run_check("storage.selinux-context", facts), Status::error, "cannot stat /srv/vm");
}

// The profile's selinux-type, not virt_image_t, is the label to have; the fix is the apply that sets it.
TEST(StorageSelinuxContextWithAProfile, JudgesTheProfilesTypeAndNamesTheApply) {
    const auto expectations = profiled(k_gib, true, "svirt_home_t");
    const auto wrong = run_check("storage.selinux-context",
                                 selinux(true, labelled("/srv/vm", "system_u:object_r:virt_image_t:s0")), &expectations);
    EXPECT_OUTCOME(wrong, Status::fail, "/srv/vm is labelled system_u:object_r:virt_image_t:s0, not svirt_home_t");
    EXPECT_EQ(wrong.fix, "kvm-agent apply --profile /etc/kvm-agent/host.yaml --only storage");
    EXPECT_OUTCOME(run_check("storage.selinux-context",
                             selinux(true, labelled("/srv/vm", "system_u:object_r:svirt_home_t:s0"),
                                     "/srv/vm(/.*)?    system_u:object_r:svirt_home_t:s0\n"),
                             &expectations),
                   Status::pass, "/srv/vm labelled system_u:object_r:svirt_home_t:s0");
}

}  // namespace
}  // namespace checks
