// provision/storage.cpp: the images filesystem, its fstab line, its SELinux rule and its libvirt pool, planned
// from what the host shows; and converge_storage() over a simulated host.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "provision/storage.h"

namespace provision {
namespace {

using profile::ImagesStorage;

constexpr const char* k_path = "/var/lib/libvirt/images";
constexpr const char* k_by_path = "/dev/disk/by-path/pci-0000:00:03.0";
constexpr const char* k_uuid = "0b6f2c7e-4f7b-4c36-9a58-2d5f3f8c11aa";
constexpr std::uint64_t k_gib = 1ULL << 30;

ImagesStorage images(ImagesStorage::Format format = ImagesStorage::Format::if_blank) {
    ImagesStorage desired;
    desired.device = k_by_path;
    desired.format = format;
    return desired;
}

ObservedDevice blank_device() {
    ObservedDevice device;
    device.spec = k_by_path;
    device.node = "/dev/vdb";
    device.names = {"/dev/vdb", k_by_path};
    return device;
}

ObservedDevice xfs_device() {
    ObservedDevice device = blank_device();
    device.content = DeviceContent::filesystem;
    device.fs_type = "xfs";
    device.fs_uuid = k_uuid;
    device.names.push_back(std::string("UUID=") + k_uuid);
    return device;
}

// A host where the directory exists, nothing is mounted there, fstab has the root line, no pool, no SELinux.
ObservedStorage fresh_host(ObservedDevice device) {
    ObservedStorage observed;
    observed.device = std::move(device);
    observed.path_exists = true;
    observed.path_is_directory = true;
    observed.fstab_exists = true;
    observed.fstab = "# /etc/fstab\nUUID=1111 / ext4 errors=remount-ro 0 1\n";
    observed.available_bytes = 3 * k_gib;
    observed.total_bytes = 4 * k_gib;
    return observed;
}

// The state after a first apply: mounted, in fstab, pool running at boot.
ObservedStorage converged_host() {
    ObservedStorage observed = fresh_host(xfs_device());
    observed.mount = ObservedMount{"/dev/vdb", "/dev/vdb", "xfs"};
    observed.fstab += fstab_line(k_uuid, k_path, "xfs") + "\n";
    observed.pool = {true, "dir", k_path, true, true};
    return observed;
}

std::vector<ChangeKind> kinds(const StoragePlan& plan) {
    std::vector<ChangeKind> out;
    for (const auto& change : plan.changes) out.push_back(change.kind);
    return out;
}

long count_of(const StoragePlan& plan, ChangeKind kind) {
    const auto all = kinds(plan);
    return std::count(all.begin(), all.end(), kind);
}

bool any_contains(const std::vector<std::string>& lines, const std::string& text) {
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& line) { return line.find(text) != std::string::npos; });
}

std::string joined(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& line : lines) out += line + "\n";
    return out;
}

// --- the device ---

TEST(StoragePlan, ABlankDeviceWithIfBlankIsFormattedMountedPersistedAndGetsAPool) {
    const auto plan = plan_storage(images(), fresh_host(blank_device()));
    EXPECT_TRUE(plan.failures.empty()) << joined(plan.failures);
    EXPECT_EQ(kinds(plan), (std::vector<ChangeKind>{ChangeKind::format, ChangeKind::mount, ChangeKind::write_fstab,
                                                    ChangeKind::define_pool, ChangeKind::start_pool,
                                                    ChangeKind::autostart_pool}));
    EXPECT_EQ(plan.changes[0].device, "/dev/vdb");
    EXPECT_EQ(plan.changes[0].filesystem, "xfs");
    EXPECT_EQ(plan.changes[0].description,
              std::string("make an xfs filesystem on /dev/vdb (") + k_by_path +
                  ") (libblkid sees neither a filesystem nor a partition table on it)");
    EXPECT_EQ(plan.changes[1].description, std::string("mount /dev/vdb (") + k_by_path + ") (xfs) at " + k_path);
    // The UUID is not known before mkfs: the line is only described, and computed on the next pass.
    EXPECT_TRUE(plan.changes[2].fstab.empty());
    EXPECT_NE(plan.changes[2].description.find("<the new filesystem's UUID> /var/lib/libvirt/images xfs defaults 0 2"),
              std::string::npos);
    EXPECT_TRUE(plan.space_note.empty()) << "the free space of the filesystem still to be made means nothing";
}

TEST(StoragePlan, Ext4IsMadeWhenTheProfileAsks) {
    auto desired = images();
    desired.filesystem = "ext4";
    const auto plan = plan_storage(desired, fresh_host(blank_device()));
    ASSERT_FALSE(plan.changes.empty());
    EXPECT_EQ(plan.changes[0].filesystem, "ext4");
    EXPECT_EQ(plan.changes[1].filesystem, "ext4");
}

TEST(StoragePlan, ADeviceWithAFilesystemAndIfBlankIsNotFormattedAndTheRefusalIsNoted) {
    auto device = xfs_device();
    device.fs_type = "ext4";  // not even the filesystem the profile would make
    const auto plan = plan_storage(images(), fresh_host(device));
    EXPECT_TRUE(plan.failures.empty()) << joined(plan.failures);
    EXPECT_EQ(count_of(plan, ChangeKind::format), 0);
    EXPECT_TRUE(any_contains(plan.notes, std::string("refused to format /dev/vdb (") + k_by_path +
                                             "): libblkid sees an ext4 filesystem (UUID=" + k_uuid + ")"))
        << joined(plan.notes);
    // It is used as it is: mounted, and persisted with its own type.
    ASSERT_GE(plan.changes.size(), 2u);
    EXPECT_EQ(plan.changes[0].kind, ChangeKind::mount);
    EXPECT_EQ(plan.changes[0].filesystem, "ext4");
    EXPECT_EQ(plan.changes[1].kind, ChangeKind::write_fstab);
    EXPECT_NE(plan.changes[1].fstab.find(std::string("UUID=") + k_uuid + " /var/lib/libvirt/images ext4 defaults 0 2\n"),
              std::string::npos);
}

TEST(StoragePlan, OnceMountedTheRefusalIsNotRepeated) {
    const auto plan = plan_storage(images(), converged_host());
    EXPECT_FALSE(any_contains(plan.notes, "refused")) << joined(plan.notes);
}

TEST(StoragePlan, AFilesystemWithFormatNeverIsMountedWithoutANote) {
    const auto plan = plan_storage(images(ImagesStorage::Format::never), fresh_host(xfs_device()));
    EXPECT_TRUE(plan.failures.empty());
    EXPECT_FALSE(any_contains(plan.notes, "refused"));
    EXPECT_EQ(plan.changes.at(0).kind, ChangeKind::mount);
}

struct RefusedCase {
    const char* name;
    DeviceContent content;
    ImagesStorage::Format format;
    const char* message;
};

class StoragePlanRefuses : public ::testing::TestWithParam<RefusedCase> {};

TEST_P(StoragePlanRefuses, AndChangesNothing) {
    const auto& param = GetParam();
    auto device = blank_device();
    device.content = param.content;
    device.partition_table = "gpt";
    device.signatures = "xfs, gpt";
    const auto plan = plan_storage(images(param.format), fresh_host(device));
    EXPECT_TRUE(plan.changes.empty()) << "nothing is changed while anything stands in the way";
    EXPECT_TRUE(any_contains(plan.failures, param.message)) << joined(plan.failures);
}

INSTANTIATE_TEST_SUITE_P(
    Devices, StoragePlanRefuses,
    ::testing::Values(
        RefusedCase{"PartitionTable", DeviceContent::partition_table, ImagesStorage::Format::if_blank,
                    "refused to use /dev/vdb (/dev/disk/by-path/pci-0000:00:03.0): libblkid sees a gpt partition table"},
        RefusedCase{"PartitionTableNever", DeviceContent::partition_table, ImagesStorage::Format::never,
                    "libblkid sees a gpt partition table"},
        RefusedCase{"TwoSignatures", DeviceContent::ambivalent, ImagesStorage::Format::if_blank,
                    "more than one signature (xfs, gpt)"},
        RefusedCase{"BlankButFormatNever", DeviceContent::blank, ImagesStorage::Format::never,
                    "holds no filesystem (libblkid sees neither a filesystem nor a partition table) and "
                    "storage.images.format is never: make one (mkfs.xfs /dev/vdb) or set format: if-blank"}),
    [](const auto& test) { return std::string(test.param.name); });

TEST(StoragePlan, ADeviceThatDoesNotResolveIsAFailureNamingIt) {
    auto observed = fresh_host(blank_device());
    observed.device.reset();
    observed.device_error = "no device UUID=dead (libblkid found none)";
    auto desired = images();
    desired.device = "UUID=dead";
    const auto plan = plan_storage(desired, observed);
    EXPECT_TRUE(plan.changes.empty());
    EXPECT_EQ(plan.failures, (std::vector<std::string>{"storage.images.device UUID=dead: no device UUID=dead (libblkid found none)"}));
}

TEST(StoragePlan, AnotherFilesystemMountedAtThePathIsNeverUnmounted) {
    auto observed = fresh_host(xfs_device());
    observed.mount = ObservedMount{"/dev/sdc1", "/dev/sdc1", "ext4"};
    const auto plan = plan_storage(images(), observed);
    EXPECT_TRUE(plan.changes.empty());
    EXPECT_TRUE(any_contains(plan.failures, "/var/lib/libvirt/images is mounted from /dev/sdc1 (ext4), not from /dev/vdb"))
        << joined(plan.failures);
}

TEST(StoragePlan, ADirectoryWithFilesIsNotHiddenUnderAMount) {
    auto observed = fresh_host(xfs_device());
    observed.path_entries = 2;
    const auto plan = plan_storage(images(), observed);
    EXPECT_TRUE(plan.changes.empty());
    EXPECT_TRUE(any_contains(plan.failures, "holds 2 entries that mounting /dev/vdb")) << joined(plan.failures);
}

TEST(StoragePlan, AMissingDirectoryIsCreatedFirst) {
    auto observed = fresh_host(xfs_device());
    observed.path_exists = observed.path_is_directory = false;
    const auto plan = plan_storage(images(), observed);
    ASSERT_FALSE(plan.changes.empty());
    EXPECT_EQ(plan.changes[0].kind, ChangeKind::create_directory);
    EXPECT_EQ(plan.changes[0].description, "create /var/lib/libvirt/images");
}

TEST(StoragePlan, APathThatIsAFileIsAFailure) {
    auto observed = fresh_host(xfs_device());
    observed.path_is_directory = false;
    const auto plan = plan_storage(images(), observed);
    EXPECT_EQ(plan.failures, (std::vector<std::string>{"/var/lib/libvirt/images exists and is not a directory"}));
}

TEST(StoragePlan, WithoutADeviceNothingIsMountedOrPersisted) {
    ImagesStorage desired;  // the filesystem that holds the path now
    auto observed = fresh_host(blank_device());
    observed.device.reset();
    const auto plan = plan_storage(desired, observed);
    EXPECT_EQ(kinds(plan), (std::vector<ChangeKind>{ChangeKind::define_pool, ChangeKind::start_pool, ChangeKind::autostart_pool}));
}

// --- converged ---

TEST(StoragePlan, AConvergedHostNeedsNothing) {
    const auto plan = plan_storage(images(), converged_host());
    EXPECT_TRUE(plan.changes.empty()) << plan.changes.front().description;
    EXPECT_TRUE(plan.failures.empty()) << joined(plan.failures);
    EXPECT_EQ(plan.space_note, "3.0 GiB free of 4.0 GiB on /var/lib/libvirt/images, storage.images.min-free is 20.0 GiB: "
                               "below it (the storage.images-space check fails)");
}

TEST(StoragePlan, TheSpaceNoteSaysNothingOfFailingAboveTheMinimum) {
    auto desired = images();
    desired.min_free_bytes = 1 * k_gib;
    const auto plan = plan_storage(desired, converged_host());
    EXPECT_EQ(plan.space_note, "3.0 GiB free of 4.0 GiB on /var/lib/libvirt/images, storage.images.min-free is 1.0 GiB");
}

TEST(StoragePlan, AnFstabLineAlreadyPresentIsNoChangeWhicheverNameItUses) {
    for (const std::string& source : std::vector<std::string>{
             std::string("UUID=") + k_uuid, std::string("UUID=\"") + k_uuid + "\"",
             "UUID=0B6F2C7E-4F7B-4C36-9A58-2D5F3F8C11AA", k_by_path, "/dev/vdb"}) {
        auto observed = converged_host();
        observed.fstab = "# /etc/fstab\nUUID=1111 / ext4 errors=remount-ro 0 1\n" + source +
                         "\t/var/lib/libvirt/images/  xfs  noatime,nofail  0 0\n";
        const auto plan = plan_storage(images(), observed);
        EXPECT_TRUE(plan.changes.empty()) << source << ": " << plan.changes.front().description;
    }
}

// --- the pool ---

TEST(StoragePlan, APoolOfThatNameWithAnotherPathIsAFailureNamingBothPaths) {
    auto observed = converged_host();
    observed.pool = {true, "dir", "/srv/old-images", true, true};
    const auto plan = plan_storage(images(), observed);
    EXPECT_TRUE(plan.changes.empty());
    ASSERT_EQ(plan.failures.size(), 1u);
    EXPECT_NE(plan.failures[0].find("libvirt pool 'default' has target path /srv/old-images, not /var/lib/libvirt/images"),
              std::string::npos)
        << plan.failures[0];
    EXPECT_NE(plan.failures[0].find("not redefined"), std::string::npos);
}

TEST(StoragePlan, APoolWithTheSamePathSpeltDifferentlyIsKept) {
    auto observed = converged_host();
    observed.pool.path = "/var/lib/libvirt/images/";
    EXPECT_TRUE(plan_storage(images(), observed).changes.empty());
    auto desired = images();
    desired.path = "/var/lib//libvirt/images/";
    EXPECT_TRUE(plan_storage(desired, converged_host()).changes.empty());
}

TEST(StoragePlan, AnInactivePoolIsStartedAndAutostarted) {
    auto observed = converged_host();
    observed.pool.active = observed.pool.autostart = false;
    const auto plan = plan_storage(images(), observed);
    EXPECT_EQ(kinds(plan), (std::vector<ChangeKind>{ChangeKind::start_pool, ChangeKind::autostart_pool}));
    EXPECT_EQ(plan.changes[0].description, "build and start the libvirt pool 'default'");
}

TEST(StoragePlan, APoolOfAnotherTypeIsLeftAlone) {
    auto observed = converged_host();
    observed.pool.type = "fs";
    const auto plan = plan_storage(images(), observed);
    EXPECT_TRUE(any_contains(plan.failures, "is a fs pool, not a dir pool")) << joined(plan.failures);
}

TEST(StoragePlan, AnotherPoolOverThePathIsAFailure) {
    auto observed = converged_host();
    observed.pool = {};
    observed.pools_at_path = {"images"};
    const auto plan = plan_storage(images(), observed);
    EXPECT_TRUE(plan.changes.empty());
    EXPECT_TRUE(any_contains(plan.failures, "libvirt pool 'images' already has target /var/lib/libvirt/images"))
        << joined(plan.failures);
}

TEST(StoragePlan, ThePoolXmlIsEscaped) {
    EXPECT_EQ(dir_pool_xml("a&b<'>", "/srv/\"x\""),
              "<pool type='dir'>\n  <name>a&amp;b&lt;&apos;&gt;</name>\n  <target>\n    <path>/srv/&quot;x&quot;</path>\n"
              "  </target>\n</pool>\n");
    auto observed = converged_host();
    observed.pool = {};
    auto desired = images();
    desired.pool = "vm&images";
    const auto plan = plan_storage(desired, observed);
    ASSERT_FALSE(plan.changes.empty());
    EXPECT_NE(plan.changes[0].pool_xml.find("<name>vm&amp;images</name>"), std::string::npos);
}

// --- SELinux ---

struct SelinuxCase {
    const char* name;
    ObservedSelinux selinux;
    std::vector<ChangeKind> changes;
};

class StoragePlanSelinux : public ::testing::TestWithParam<SelinuxCase> {};

TEST_P(StoragePlanSelinux, RuleThenRelabel) {
    auto observed = converged_host();
    observed.selinux = GetParam().selinux;
    EXPECT_EQ(kinds(plan_storage(images(), observed)), GetParam().changes);
}

INSTANTIATE_TEST_SUITE_P(
    Labels, StoragePlanSelinux,
    ::testing::Values(
        SelinuxCase{"Disabled", {false, "", "", ""}, {}},
        SelinuxCase{"NoRule", {true, "var_lib_t", "var_lib_t", "var_lib_t"},
                    {ChangeKind::add_fcontext_rule, ChangeKind::restorecon}},
        SelinuxCase{"RuleOnlyForTheDirectory", {true, "virt_image_t", "var_lib_t", "virt_image_t"},
                    {ChangeKind::add_fcontext_rule, ChangeKind::restorecon}},
        SelinuxCase{"RuleButNotLabelled", {true, "virt_image_t", "virt_image_t", "unlabeled_t"}, {ChangeKind::restorecon}},
        SelinuxCase{"Unlabelled", {true, "virt_image_t", "virt_image_t", ""}, {ChangeKind::restorecon}},
        SelinuxCase{"Labelled", {true, "virt_image_t", "virt_image_t", "virt_image_t"}, {}}),
    [](const auto& test) { return std::string(test.param.name); });

TEST(StoragePlan, TheFcontextRuleCoversThePathAndEverythingUnderIt) {
    auto observed = converged_host();
    observed.selinux = {true, "", "", ""};
    auto desired = images();
    desired.selinux_type = "svirt_image_t";
    const auto plan = plan_storage(desired, observed);
    ASSERT_EQ(plan.changes.size(), 2u);
    EXPECT_EQ(plan.changes[0].fcontext, "/var/lib/libvirt/images(/.*)?");
    EXPECT_EQ(plan.changes[0].selinux_type, "svirt_image_t");
}

// semanage reads a regular expression: an unescaped '.' would also label /srv/vmXimages.
TEST(StoragePlan, TheFcontextRuleEscapesTheRegexOperatorsOfThePath) {
    EXPECT_EQ(fcontext_expression("/srv/vm.images"), "/srv/vm\\.images(/.*)?");
    EXPECT_EQ(fcontext_expression("/srv/c++/vm"), "/srv/c\\+\\+/vm(/.*)?");
    EXPECT_EQ(fcontext_expression("/srv/vm-images_2"), "/srv/vm-images_2(/.*)?");
}

TEST(StoragePlan, AMountIsFollowedByARelabelEvenWhenTheDirectoryIsLabelledNow) {
    auto observed = fresh_host(xfs_device());
    observed.selinux = {true, "virt_image_t", "virt_image_t", "virt_image_t"};
    const auto plan = plan_storage(images(), observed);
    EXPECT_EQ(count_of(plan, ChangeKind::restorecon), 1);
}

// --- /etc/fstab ---

const std::vector<std::string> k_names = {"/dev/vdb", std::string("UUID=") + k_uuid};

TEST(EditFstab, AppendsOurLineAndKeepsEveryOtherByteForByte) {
    const std::string before = "# <file system> <mount point>\n\nUUID=1111 / ext4 errors=remount-ro 0 1\n"
                               "  /dev/sr0   /media/cdrom0   udf,iso9660 user,noauto 0 0\ngarbage\n";
    const auto line = fstab_line(k_uuid, k_path, "xfs");
    const auto edit = edit_fstab(before, k_path, k_names, "xfs", line);
    EXPECT_TRUE(edit.changed);
    EXPECT_EQ(edit.text, before + line + "\n");
    EXPECT_EQ(edit.description, "add to /etc/fstab: " + line);
}

TEST(EditFstab, AddsTheMissingNewlineOfTheLastLine) {
    const auto edit = edit_fstab("UUID=1111 / ext4 defaults 0 1", k_path, k_names, "xfs", "L");
    EXPECT_EQ(edit.text, "UUID=1111 / ext4 defaults 0 1\nL\n");
    EXPECT_EQ(edit_fstab("", k_path, k_names, "xfs", "L").text, "L\n");
}

TEST(EditFstab, ReplacesOnlyTheLineForThePath) {
    const std::string head = "UUID=1111 / ext4 defaults 0 1\n";
    const std::string tail = "tmpfs /tmp tmpfs defaults 0 0";  // no final newline: kept so
    const auto line = fstab_line(k_uuid, k_path, "xfs");
    for (const std::string& old : std::vector<std::string>{
             "/dev/sdc1 /var/lib/libvirt/images ext4 defaults 0 2",  // another device
             "/dev/vdb /var/lib/libvirt/images xfs noauto 0 0",      // not at boot
             "/dev/vdb /var/lib/libvirt/images ext4 defaults 0 2"}) {  // wrong type
        const auto edit = edit_fstab(head + old + "\n" + tail, k_path, k_names, "xfs", line);
        EXPECT_TRUE(edit.changed) << old;
        EXPECT_EQ(edit.text, head + line + "\n" + tail) << old;
        EXPECT_EQ(edit.description, "replace in /etc/fstab: '" + old + "' with '" + line + "'");
    }
}

TEST(EditFstab, DropsLaterLinesForThePathThatWouldMountOverOurs) {
    const std::string ours = "/dev/vdb /var/lib/libvirt/images xfs defaults 0 2\n";
    const auto edit = edit_fstab("/dev/sdc1 /var/lib/libvirt/images ext4 defaults 0 2\n" + ours, k_path, k_names, "xfs",
                                 fstab_line(k_uuid, k_path, "xfs"));
    EXPECT_TRUE(edit.changed);
    EXPECT_EQ(edit.text, ours);
    EXPECT_EQ(edit.description,
              "drop from /etc/fstab the other lines mounting at /var/lib/libvirt/images: "
              "'/dev/sdc1 /var/lib/libvirt/images ext4 defaults 0 2'");
}

TEST(EditFstab, APresentLineIsNoChange) {
    const std::string text = "UUID=1111 / ext4 defaults 0 1\n" + fstab_line(k_uuid, k_path, "xfs") + "\n";
    const auto edit = edit_fstab(text, k_path, k_names, "xfs", fstab_line(k_uuid, k_path, "xfs"));
    EXPECT_FALSE(edit.changed);
    EXPECT_EQ(edit.text, text);
    EXPECT_TRUE(edit_fstab("/dev/vdb /var/lib/libvirt/images auto defaults 0 0\n", k_path, k_names, "xfs", "L").changed == false);
}

TEST(EditFstab, PathsWithSpacesAreEscapedAndMatched) {
    const auto line = fstab_line(k_uuid, "/srv/vm images", "xfs");
    EXPECT_EQ(line, std::string("UUID=") + k_uuid + " /srv/vm\\040images xfs defaults 0 2");
    EXPECT_FALSE(edit_fstab(line + "\n", "/srv/vm images", k_names, "xfs", line).changed);
    EXPECT_TRUE(edit_fstab(line + "\n", "/srv/vm", k_names, "xfs", "L").changed);
}

TEST(NormalizePath, DropsTrailingAndDoubledSlashes) {
    EXPECT_EQ(normalize_path("/var//lib/libvirt/images/"), "/var/lib/libvirt/images");
    EXPECT_EQ(normalize_path("/"), "/");
    EXPECT_EQ(normalize_path("//"), "/");
}

// --- converge_storage over a simulated host ---

// A host that does what it is told: mkfs gives the device a UUID, mount puts it at the path, and so on.
class SimulatedHost : public StorageOps {
public:
    explicit SimulatedHost(ObservedStorage start) : m_state(std::move(start)) {}

    common::Result<ObservedStorage> observe(const ImagesStorage&) override {
        ++observations;
        return m_state;
    }
    common::Result<bool> execute(const Change& change) override {
        executed.push_back(change.kind);
        if (fail_at && *fail_at == change.kind) return common::make_error("simulated failure of " + change.description);
        switch (change.kind) {
        case ChangeKind::create_directory: m_state.path_exists = m_state.path_is_directory = true; break;
        case ChangeKind::format: m_state.device = xfs_device(); break;
        case ChangeKind::mount: m_state.mount = ObservedMount{"/dev/vdb", "/dev/vdb", change.filesystem}; break;
        case ChangeKind::write_fstab: m_state.fstab = change.fstab; break;
        case ChangeKind::add_fcontext_rule: m_state.selinux.rule_type = m_state.selinux.child_type = change.selinux_type; break;
        case ChangeKind::restorecon:
            if (!restorecon_is_broken) m_state.selinux.label_type = m_state.selinux.rule_type;
            break;
        case ChangeKind::define_pool: m_state.pool = {true, "dir", change.path, false, false}; break;
        case ChangeKind::start_pool: m_state.pool.active = true; break;
        case ChangeKind::autostart_pool: m_state.pool.autostart = true; break;
        }
        return true;
    }
    const ObservedStorage& state() const { return m_state; }

    std::vector<ChangeKind> executed;
    int observations = 0;
    std::optional<ChangeKind> fail_at;
    bool restorecon_is_broken = false;

private:
    ObservedStorage m_state;
};

ObservedStorage fresh_selinux_host() {
    auto observed = fresh_host(blank_device());
    observed.path_exists = observed.path_is_directory = false;
    observed.selinux = {true, "var_lib_t", "var_lib_t", ""};
    return observed;
}

TEST(ConvergeStorage, TakesABlankHostToTheEndStateAndASecondRunChangesNothing) {
    SimulatedHost host(fresh_selinux_host());
    const auto first = converge_storage(images(), host);
    EXPECT_TRUE(first.failures.empty()) << joined(first.failures);
    EXPECT_EQ(host.executed,
              (std::vector<ChangeKind>{ChangeKind::create_directory, ChangeKind::format, ChangeKind::mount,
                                       ChangeKind::write_fstab, ChangeKind::add_fcontext_rule, ChangeKind::restorecon,
                                       ChangeKind::define_pool, ChangeKind::start_pool, ChangeKind::autostart_pool}));
    ASSERT_EQ(first.changed.size(), 9u);
    // The line written carries the UUID the format made.
    EXPECT_EQ(first.changed[3], "add to /etc/fstab: " + fstab_line(k_uuid, k_path, "xfs"));
    EXPECT_NE(host.state().fstab.find(fstab_line(k_uuid, k_path, "xfs") + "\n"), std::string::npos);
    EXPECT_EQ(host.observations, 10) << "one observation per change, and one that verifies";
    EXPECT_TRUE(any_contains(first.notes, "storage.images.min-free is 20.0 GiB")) << joined(first.notes);
    EXPECT_FALSE(any_contains(first.notes, "refused")) << "the filesystem it made itself is no refusal: " << joined(first.notes);

    host.executed.clear();
    const auto second = converge_storage(images(), host);
    EXPECT_TRUE(second.changed.empty());
    EXPECT_TRUE(second.failures.empty());
    EXPECT_TRUE(host.executed.empty());
}

TEST(ConvergeStorage, StopsAtTheFirstFailingChange) {
    SimulatedHost host(fresh_selinux_host());
    host.fail_at = ChangeKind::mount;
    const auto outcome = converge_storage(images(), host);
    EXPECT_EQ(outcome.changed.size(), 2u);  // the directory and the filesystem
    EXPECT_EQ(outcome.failures.size(), 1u);
    EXPECT_NE(outcome.failures[0].find("simulated failure of mount /dev/vdb"), std::string::npos);
    EXPECT_EQ(host.executed.back(), ChangeKind::mount);
}

TEST(ConvergeStorage, AChangeThatDoesNotTakeEffectIsAFailureNotALoop) {
    SimulatedHost host(fresh_selinux_host());
    host.restorecon_is_broken = true;
    const auto outcome = converge_storage(images(), host);
    ASSERT_EQ(outcome.failures.size(), 1u);
    EXPECT_NE(outcome.failures[0].find("restore the SELinux labels under /var/lib/libvirt/images"), std::string::npos);
    EXPECT_NE(outcome.failures[0].find("the host still shows it needed"), std::string::npos);
    EXPECT_EQ(std::count(host.executed.begin(), host.executed.end(), ChangeKind::restorecon), 1);
}

TEST(ConvergeStorage, AConflictChangesNothing) {
    auto start = fresh_host(blank_device());
    start.pool = {true, "dir", "/srv/elsewhere", true, true};
    SimulatedHost host(start);
    const auto outcome = converge_storage(images(), host);
    EXPECT_TRUE(host.executed.empty());
    EXPECT_TRUE(outcome.changed.empty());
    EXPECT_TRUE(any_contains(outcome.failures, "/srv/elsewhere, not /var/lib/libvirt/images"));
}

}  // namespace
}  // namespace provision
