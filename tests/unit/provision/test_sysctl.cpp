#include "provision/sysctl.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace provision {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct PathCase {
    const char* key;
    std::optional<std::string> path;
};

class SysctlProcPath : public ::testing::TestWithParam<PathCase> {};

TEST_P(SysctlProcPath, MapsTheDottedKeyUnderProcSysOrRefusesIt) {
    EXPECT_EQ(sysctl_proc_path(GetParam().key), GetParam().path) << GetParam().key;
}

INSTANTIATE_TEST_SUITE_P(
    Keys, SysctlProcPath,
    ::testing::Values(PathCase{"net.ipv4.ip_forward", "/proc/sys/net/ipv4/ip_forward"},
                      PathCase{"vm.swappiness", "/proc/sys/vm/swappiness"},
                      PathCase{"kernel", "/proc/sys/kernel"},
                      // A '/' in the dotted form is a '.' in one name (a VLAN interface).
                      PathCase{"net.ipv4.conf.eth0/100.forwarding", "/proc/sys/net/ipv4/conf/eth0.100/forwarding"},
                      // The first separator a '/': a path already.
                      PathCase{"net/ipv4/conf/eth0.100/forwarding", "/proc/sys/net/ipv4/conf/eth0.100/forwarding"},
                      PathCase{"net.bridge.bridge-nf-call-iptables", "/proc/sys/net/bridge/bridge-nf-call-iptables"},
                      PathCase{"", std::nullopt}, PathCase{".net", std::nullopt}, PathCase{"net.", std::nullopt},
                      PathCase{"net..ipv4", std::nullopt}, PathCase{"net/../../etc/shadow", std::nullopt},
                      PathCase{"/etc/passwd", std::nullopt}, PathCase{"net.ipv4 .ip_forward", std::nullopt},
                      PathCase{"net.ipv4.ip_forward=1", std::nullopt}, PathCase{"net.ipv4.conf.*.rp_filter", std::nullopt},
                      PathCase{"net.ipv4\n.ip_forward", std::nullopt}));

struct EqualCase {
    const char* current;
    const char* wanted;
    bool equal;
};

class SysctlValuesEqual : public ::testing::TestWithParam<EqualCase> {};

TEST_P(SysctlValuesEqual, ComparesFieldByFieldAndNumbersByValue) {
    EXPECT_EQ(sysctl_values_equal(GetParam().current, GetParam().wanted), GetParam().equal)
        << "\"" << GetParam().current << "\" vs \"" << GetParam().wanted << "\"";
}

INSTANTIATE_TEST_SUITE_P(Values, SysctlValuesEqual,
                         ::testing::Values(EqualCase{"1\n", "1", true}, EqualCase{"0\n", "1", false},
                                           EqualCase{"32768\t60999\n", "32768 60999", true},
                                           EqualCase{"32768\t60999\n", "32768 61000", false},
                                           EqualCase{"01", "1", true}, EqualCase{"-1", "-1", true},
                                           EqualCase{"bbr\n", "bbr", true}, EqualCase{"cubic\n", "bbr", false},
                                           EqualCase{"1 2", "1", false}, EqualCase{"", "0", false},
                                           EqualCase{"", "", true}));

TEST(RenderSysctlFile, NamesKvmAgentAndSortsTheKeys) {
    const auto text = render_sysctl_file({{"vm.swappiness", "10"}, {"net.ipv4.ip_forward", "1"},
                                          {"net.ipv4.ip_local_port_range", "32768\t60999"}});
    EXPECT_EQ(text.substr(0, 2), "# ");
    EXPECT_THAT(text, HasSubstr("kvm-agent"));
    EXPECT_THAT(text, HasSubstr("# replaces this file, so change the profile instead. systemd-sysctl applies it at boot.\n"
                                "net.ipv4.ip_forward = 1\n"
                                "net.ipv4.ip_local_port_range = 32768 60999\n"
                                "vm.swappiness = 10\n"));
    // The file reads back, through the checks' parser, as what was rendered.
    const auto parsed = checks::parse_sysctl_conf(text);
    EXPECT_EQ(parsed.values.size(), 3u);
    ASSERT_NE(parsed.find("net.ipv4.ip_forward"), nullptr);
    EXPECT_EQ(parsed.find("net.ipv4.ip_forward")->value, "1");
}

TEST(SysctlFilesInOrder, SortsByNameAcrossDirectoriesWithEtcMaskingAndOursAmongThem) {
    const auto order = sysctl_files_in_order({
        {"/usr/lib/sysctl.d", {"50-default.conf", "99-zz.conf", "90-kvm-host.conf", "README"}},
        {"/run/sysctl.d", {"95-run.conf"}},
        {"/etc/sysctl.d", {"99-sysctl.conf", "10-local.conf"}},
    });
    EXPECT_THAT(order, ElementsAre("/etc/sysctl.d/10-local.conf", "/usr/lib/sysctl.d/50-default.conf",
                                   "/etc/sysctl.d/90-kvm-host.conf", "/run/sysctl.d/95-run.conf",
                                   "/etc/sysctl.d/99-sysctl.conf", "/usr/lib/sysctl.d/99-zz.conf", "/etc/sysctl.conf"));
}

TEST(SysctlFilesInOrder, AddsOursWhenNoSysctlDirectoryExists) {
    EXPECT_THAT(sysctl_files_in_order({}), ElementsAre("/etc/sysctl.d/90-kvm-host.conf", "/etc/sysctl.conf"));
}

SysctlObserved observed(std::map<std::string, std::optional<std::string>> runtime,
                        std::vector<checks::SysctlFile> files = {}) {
    SysctlObserved o;
    o.runtime = std::move(runtime);
    o.files = std::move(files);
    for (const auto& file : o.files)
        if (file.path == k_sysctl_file) o.our_file = file.text;
    return o;
}

TEST(PlanSysctl, SetsAndPersistsWhatDiffers) {
    const auto plan = plan_sysctl({{"net.ipv4.ip_forward", "1"}, {"vm.swappiness", "10"}},
                                  observed({{"net.ipv4.ip_forward", "0\n"}, {"vm.swappiness", "10\n"}}));
    ASSERT_EQ(plan.runtime.size(), 1u);
    EXPECT_EQ(plan.runtime[0].key, "net.ipv4.ip_forward");
    EXPECT_EQ(plan.runtime[0].from, "0");
    EXPECT_TRUE(plan.write_file);
    EXPECT_THAT(plan.changes(), ElementsAre("set net.ipv4.ip_forward to 1 (now 0)",
                                            "persist net.ipv4.ip_forward in /etc/sysctl.d/90-kvm-host.conf",
                                            "persist vm.swappiness in /etc/sysctl.d/90-kvm-host.conf"));
    EXPECT_THAT(plan.notes(), IsEmpty());
}

TEST(PlanSysctl, ChangesNothingWhenRunningAndPersisted) {
    const std::map<std::string, std::string> wanted = {{"net.ipv4.ip_forward", "1"}};
    const auto plan = plan_sysctl(wanted, observed({{"net.ipv4.ip_forward", "1\n"}},
                                                   {{std::string(k_sysctl_file), render_sysctl_file(wanted)}}));
    EXPECT_FALSE(plan.write_file);
    EXPECT_THAT(plan.changes(), IsEmpty());
}

TEST(PlanSysctl, DropsKeysTheProfileNoLongerHasFromItsFileOnly) {
    const auto plan = plan_sysctl({{"net.ipv4.ip_forward", "1"}},
                                  observed({{"net.ipv4.ip_forward", "1"}},
                                           {{std::string(k_sysctl_file), render_sysctl_file({{"net.ipv4.ip_forward", "1"},
                                                                                             {"vm.swappiness", "10"}})}}));
    EXPECT_THAT(plan.changes(), ElementsAre("drop vm.swappiness from /etc/sysctl.d/90-kvm-host.conf (no longer in the "
                                            "profile; its running value stays)"));
}

TEST(PlanSysctl, RewritesAFileEditedByHandEvenWithTheSameSettings) {
    const auto plan = plan_sysctl({{"net.ipv4.ip_forward", "1"}},
                                  observed({{"net.ipv4.ip_forward", "1"}},
                                           {{std::string(k_sysctl_file), "net.ipv4.ip_forward=1\n"}}));
    EXPECT_THAT(plan.changes(), ElementsAre("rewrite /etc/sysctl.d/90-kvm-host.conf (same settings, kvm-agent's layout)"));
}

TEST(PlanSysctl, AnUnknownKeyIsANoteAndNothingIsChanged) {
    const auto plan = plan_sysctl({{"net.ipv4.ip_fowrard", "1"}, {"vm.swappiness", "10"}},
                                  observed({{"net.ipv4.ip_fowrard", std::nullopt}, {"vm.swappiness", "60"}}));
    EXPECT_THAT(plan.unknown_keys, ElementsAre("net.ipv4.ip_fowrard"));
    EXPECT_THAT(plan.changes(), IsEmpty());
    ASSERT_EQ(plan.notes().size(), 1u);
    EXPECT_THAT(plan.notes()[0], HasSubstr("net.ipv4.ip_fowrard: the kernel has no /proc/sys/net/ipv4/ip_fowrard"));
}

TEST(PlanSysctl, ReportsALaterFileThatSetsTheKeyDifferentlyWithItsLine) {
    const auto plan = plan_sysctl(
        {{"net.ipv4.ip_forward", "1"}},
        observed({{"net.ipv4.ip_forward", "1"}},
                 {{"/usr/lib/sysctl.d/50-default.conf", "net.ipv4.ip_forward = 0\n"},  // before ours: overridden by it
                  {std::string(k_sysctl_file), "net.ipv4.ip_forward = 1\n"},
                  {"/etc/sysctl.d/99-sysctl.conf", "# comment\n\nnet.ipv4.ip_forward=0\n"},
                  {"/etc/sysctl.conf", "# comment\n\nnet.ipv4.ip_forward=0\n"}}));
    ASSERT_EQ(plan.overridden.size(), 1u);
    EXPECT_EQ(plan.overridden[0].source, "/etc/sysctl.conf:3");
    EXPECT_EQ(plan.overridden[0].value, "0");
    EXPECT_THAT(plan.notes(), ElementsAre("/etc/sysctl.conf:3 sets net.ipv4.ip_forward = 0 after "
                                          "/etc/sysctl.d/90-kvm-host.conf in systemd-sysctl's order: at boot the "
                                          "persisted value 1 would be overridden"));
}

TEST(PlanSysctl, ALaterFileThatAgreesOrAFileBeforeOursIsNoOverride) {
    const auto plan = plan_sysctl({{"net.ipv4.ip_forward", "1"}},
                                  observed({{"net.ipv4.ip_forward", "1"}},
                                           {{"/etc/sysctl.d/10-a.conf", "net.ipv4.ip_forward = 0\n"},
                                            {std::string(k_sysctl_file), "net.ipv4.ip_forward = 1\n"},
                                            {"/usr/lib/sysctl.d/99-b.conf", "net/ipv4/ip_forward = 01\n"}}));
    EXPECT_THAT(plan.overridden, IsEmpty());
}

TEST(PlanSysctl, AKeyWrittenWithSlashesInALaterFileIsTheSameKey) {
    const auto plan = plan_sysctl({{"net.ipv4.ip_forward", "1"}},
                                  observed({{"net.ipv4.ip_forward", "1"}},
                                           {{"/usr/lib/sysctl.d/99-b.conf", "-net/ipv4/ip_forward = 0\n"}}));
    ASSERT_EQ(plan.overridden.size(), 1u);
    EXPECT_EQ(plan.overridden[0].source, "/usr/lib/sysctl.d/99-b.conf:1");
}

TEST(PlanSysctl, NoKeysAndNoFileWriteNothingButNoKeysEmptyOurFile) {
    EXPECT_FALSE(plan_sysctl({}, observed({})).write_file);
    const auto plan = plan_sysctl({}, observed({}, {{std::string(k_sysctl_file), "vm.swappiness = 10\n"}}));
    EXPECT_TRUE(plan.write_file);
    EXPECT_THAT(plan.dropped, ElementsAre("vm.swappiness"));
}

}  // namespace
}  // namespace provision
