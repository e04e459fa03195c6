#include "checks/parsers/key_value_conf.h"

#include <gtest/gtest.h>

namespace checks {
namespace {

// The entry for `key`, or {"<absent>", -1}: keeps the assertions free of null dereferences.
ConfValue entry(const KeyValueConf& conf, const std::string& key) {
    const ConfValue* value = conf.find(key);
    return value ? *value : ConfValue{"<absent>", -1};
}

// --- parse_libvirt_conf ---

TEST(ParseLibvirtConf, ReadsQuotedStringsNumbersAndLines) {
    const auto conf = parse_libvirt_conf(
        "# Master configuration file for the QEMU driver.\n"
        "#\n"
        "#vnc_listen = \"0.0.0.0\"\n"
        "vnc_listen = \"0.0.0.0\"\n"
        "\n"
        "user = \"+0\"\n"
        "group = 'kvm'\n"
        "vnc_tls = 1\n",
        "/etc/libvirt/qemu.conf");
    ASSERT_TRUE(conf.ok()) << conf.error().message;
    ASSERT_NE(conf->find("vnc_listen"), nullptr);
    EXPECT_EQ(entry(*conf, "vnc_listen").value, "0.0.0.0");
    EXPECT_EQ(entry(*conf, "vnc_listen").line, 4);
    EXPECT_EQ(entry(*conf, "user").value, "+0");
    EXPECT_EQ(entry(*conf, "user").line, 6);
    EXPECT_EQ(entry(*conf, "group").value, "kvm");
    EXPECT_EQ(entry(*conf, "vnc_tls").value, "1");
    EXPECT_EQ(conf->find("spice_listen"), nullptr);
    EXPECT_EQ(conf->values.size(), 4u);
}

TEST(ParseLibvirtConf, StripsTrailingCommentsButNotAHashInsideQuotes) {
    const auto conf = parse_libvirt_conf("vnc_password = \"se#cret\"   # not a comment inside quotes\n"
                                         "security_driver = \"selinux\" # trailing comment\n"
                                         "spice_password = 'a#b' # it's a comment\n",
                                         "qemu.conf");
    ASSERT_TRUE(conf.ok()) << conf.error().message;
    EXPECT_EQ(entry(*conf, "vnc_password").value, "se#cret");
    EXPECT_EQ(entry(*conf, "security_driver").value, "selinux");
    EXPECT_EQ(entry(*conf, "spice_password").value, "a#b");
}

TEST(ParseLibvirtConf, LetsTheLastAssignmentWin) {
    const auto conf = parse_libvirt_conf("user = \"qemu\"\nuser = \"root\"\n", "qemu.conf");
    ASSERT_TRUE(conf.ok());
    EXPECT_EQ(entry(*conf, "user").value, "root");
    EXPECT_EQ(entry(*conf, "user").line, 2);
}

TEST(ParseLibvirtConf, ReadsAMultiLineListAsOneValueAtItsFirstLine) {
    const auto conf = parse_libvirt_conf(
        "user = \"qemu\"\n"
        "cgroup_device_acl = [\n"
        "    \"/dev/null\", \"/dev/full\", \"/dev/zero\",   # the usual\n"
        "    \"/dev/random\", \"/dev/urandom\",\n"
        "    \"/dev/kvm\"\n"
        "]\n"
        "vnc_listen = \"127.0.0.1\"\n",
        "qemu.conf");
    ASSERT_TRUE(conf.ok()) << conf.error().message;
    ASSERT_NE(conf->find("cgroup_device_acl"), nullptr);
    const ConfValue acl = entry(*conf, "cgroup_device_acl");
    EXPECT_EQ(acl.line, 2);
    EXPECT_TRUE(acl.value.starts_with('[')) << acl.value;
    EXPECT_TRUE(acl.value.ends_with(']')) << acl.value;
    EXPECT_NE(acl.value.find("\"/dev/urandom\""), std::string::npos) << acl.value;
    EXPECT_NE(acl.value.find("\"/dev/kvm\""), std::string::npos) << acl.value;
    EXPECT_EQ(acl.value.find("usual"), std::string::npos) << acl.value;
    EXPECT_EQ(entry(*conf, "vnc_listen").value, "127.0.0.1");
    EXPECT_EQ(entry(*conf, "vnc_listen").line, 7);
}

TEST(ParseLibvirtConf, ReadsASingleLineListVerbatim) {
    const auto conf = parse_libvirt_conf("namespaces = [ \"mount\" ]\n", "qemu.conf");
    ASSERT_TRUE(conf.ok());
    EXPECT_EQ(entry(*conf, "namespaces").value, "[ \"mount\" ]");
}

TEST(ParseLibvirtConf, IsAnErrorNamingFileAndLineOfAnUnclosedList) {
    const auto conf = parse_libvirt_conf("user = \"qemu\"\n\ncgroup_device_acl = [\n  \"/dev/null\",\n  \"/dev/kvm\"\n",
                                         "/etc/libvirt/qemu.conf");
    ASSERT_FALSE(conf.ok());
    EXPECT_EQ(conf.error().message, "/etc/libvirt/qemu.conf:3: list for \"cgroup_device_acl\" is never closed");
}

TEST(ParseLibvirtConf, IsAnErrorNamingFileAndLineOfALineWithoutEquals) {
    const auto conf = parse_libvirt_conf("user = \"qemu\"\nvnc_listen \"0.0.0.0\"\n", "/etc/libvirt/qemu.conf");
    ASSERT_FALSE(conf.ok());
    EXPECT_EQ(conf.error().message, "/etc/libvirt/qemu.conf:2: expected \"key = value\"");
}

TEST(ParseLibvirtConf, IsAnErrorForABadKey) {
    const auto conf = parse_libvirt_conf("vnc listen = \"0.0.0.0\"\n", "qemu.conf");
    ASSERT_FALSE(conf.ok());
    EXPECT_EQ(conf.error().message, "qemu.conf:1: bad key \"vnc listen\"");
}

TEST(ParseLibvirtConf, ReadsAnEmptyOrCommentOnlyFileAsNoValues) {
    const auto conf = parse_libvirt_conf("# all defaults\n\n   \n", "qemu.conf");
    ASSERT_TRUE(conf.ok());
    EXPECT_TRUE(conf->values.empty());
}

// --- parse_sysctl_conf ---

TEST(ParseSysctlConf, ReadsDotAndSlashSeparatedKeys) {
    const auto conf = parse_sysctl_conf("net.ipv4.ip_forward = 1\nnet/bridge/bridge-nf-call-iptables=0\n");
    ASSERT_NE(conf.find("net.ipv4.ip_forward"), nullptr);
    EXPECT_EQ(entry(conf, "net.ipv4.ip_forward").value, "1");
    ASSERT_NE(conf.find("net.bridge.bridge-nf-call-iptables"), nullptr);
    EXPECT_EQ(entry(conf, "net.bridge.bridge-nf-call-iptables").value, "0");
    EXPECT_EQ(entry(conf, "net.bridge.bridge-nf-call-iptables").line, 2);
}

TEST(ParseSysctlConf, DropsTheIgnoreFailurePrefix) {
    const auto conf = parse_sysctl_conf("-net.ipv4.ip_forward = 1\n");
    ASSERT_NE(conf.find("net.ipv4.ip_forward"), nullptr);
    EXPECT_EQ(conf.find("-net.ipv4.ip_forward"), nullptr);
}

TEST(ParseSysctlConf, SkipsBothCommentStylesAndLinesWithoutEquals) {
    const auto conf = parse_sysctl_conf("# net.ipv4.ip_forward = 1\n; net.ipv4.ip_forward = 1\n"
                                        "  # indented\nkernel.sysrq\n\nvm.swappiness = 10\n");
    EXPECT_EQ(conf.find("net.ipv4.ip_forward"), nullptr);
    EXPECT_EQ(conf.find("kernel.sysrq"), nullptr);
    ASSERT_NE(conf.find("vm.swappiness"), nullptr);
    EXPECT_EQ(entry(conf, "vm.swappiness").line, 6);
    EXPECT_EQ(conf.values.size(), 1u);
}

TEST(ParseSysctlConf, LetsTheLastAssignmentWin) {
    const auto conf = parse_sysctl_conf("net.ipv4.ip_forward = 1\nnet/ipv4/ip_forward = 0\n");
    ASSERT_NE(conf.find("net.ipv4.ip_forward"), nullptr);
    EXPECT_EQ(entry(conf, "net.ipv4.ip_forward").value, "0");
    EXPECT_EQ(entry(conf, "net.ipv4.ip_forward").line, 2);
}

// sysctl.d(5): when the first separator is '/', dots inside a component (a VLAN interface) stay part of it.
TEST(ParseSysctlConf, KeepsADotInsideASlashSeparatedComponent) {
    const auto conf = parse_sysctl_conf("net/ipv4/conf/eth0.100/forwarding = 1\n");
    EXPECT_NE(conf.find("net.ipv4.conf.eth0/100.forwarding"), nullptr);
}

// --- effective_sysctl ---

TEST(EffectiveSysctl, TakesTheLastFileThatSetsTheKeyAndNamesPathAndLine) {
    const std::vector<SysctlFile> files = {
        {"/usr/lib/sysctl.d/50-default.conf", "kernel.sysrq = 16\nnet.ipv4.ip_forward = 0\n"},
        {"/etc/sysctl.d/90-kvm-host.conf", "# kvm\n\nnet.ipv4.ip_forward = 1\n"},
        {"/etc/sysctl.conf", "vm.swappiness = 10\n"},
    };
    const auto setting = effective_sysctl(files, "net.ipv4.ip_forward");
    ASSERT_TRUE(setting.has_value());
    EXPECT_EQ(setting->value, "1");
    EXPECT_EQ(setting->source, "/etc/sysctl.d/90-kvm-host.conf:3");
}

TEST(EffectiveSysctl, UsesTheLastLineWithinAFile) {
    const auto setting =
        effective_sysctl({{"/etc/sysctl.conf", "net.ipv4.ip_forward=1\nnet.ipv4.ip_forward=0\n"}}, "net.ipv4.ip_forward");
    ASSERT_TRUE(setting.has_value());
    EXPECT_EQ(setting->value, "0");
    EXPECT_EQ(setting->source, "/etc/sysctl.conf:2");
}

TEST(EffectiveSysctl, IsNothingWhenNoFileSetsTheKey) {
    EXPECT_FALSE(effective_sysctl({{"/etc/sysctl.conf", "vm.swappiness = 10\n"}}, "net.ipv4.ip_forward").has_value());
    EXPECT_FALSE(effective_sysctl({}, "net.ipv4.ip_forward").has_value());
}

// --- sysctl_file_order ---

TEST(SysctlFileOrder, SortsByFileNameAcrossDirectories) {
    const auto order = sysctl_file_order({
        {"/etc/sysctl.d", {"99-sysctl.conf", "10-local.conf"}},
        {"/usr/lib/sysctl.d", {"50-default.conf", "50-pid-max.conf"}},
    });
    EXPECT_EQ(order, (std::vector<std::string>{"/etc/sysctl.d/10-local.conf", "/usr/lib/sysctl.d/50-default.conf",
                                               "/usr/lib/sysctl.d/50-pid-max.conf", "/etc/sysctl.d/99-sysctl.conf"}));
}

TEST(SysctlFileOrder, LetsANameInAnEarlierDirectoryMaskTheSameNameLater) {
    const auto order = sysctl_file_order({
        {"/etc/sysctl.d", {"50-default.conf"}},
        {"/run/sysctl.d", {"50-default.conf", "60-run.conf"}},
        {"/usr/lib/sysctl.d", {"50-default.conf", "60-run.conf"}},
    });
    EXPECT_EQ(order, (std::vector<std::string>{"/etc/sysctl.d/50-default.conf", "/run/sysctl.d/60-run.conf"}));
}

TEST(SysctlFileOrder, IgnoresFilesThatAreNotDotConf) {
    const auto order = sysctl_file_order({{"/etc/sysctl.d", {"README", ".conf", "90-kvm.conf.rpmsave", "90-kvm.conf"}}});
    EXPECT_EQ(order, (std::vector<std::string>{"/etc/sysctl.d/90-kvm.conf"}));
}

TEST(SysctlFileOrder, IsEmptyForNoDirectories) { EXPECT_TRUE(sysctl_file_order({}).empty()); }

// /etc/selinux/config names the policy whose directory holds the local rules: Debian's is "default".
TEST(SelinuxPolicyType, IsTheConfigsSelinuxtype) {
    EXPECT_EQ(selinux_policy_type("# comment\nSELINUX=enforcing\nSELINUXTYPE=default\n"), "default");
    EXPECT_EQ(selinux_policy_type("SELINUX=enforcing\nSELINUXTYPE = mls\n"), "mls");
}

TEST(SelinuxPolicyType, IsTargetedWhenMissingEmptyOrNotAPlainName) {
    EXPECT_EQ(selinux_policy_type(""), "targeted");
    EXPECT_EQ(selinux_policy_type("SELINUX=permissive\n"), "targeted");
    EXPECT_EQ(selinux_policy_type("SELINUXTYPE=\n"), "targeted");
    EXPECT_EQ(selinux_policy_type("SELINUXTYPE=../../tmp\n"), "targeted") << "it becomes a path";
    EXPECT_EQ(selinux_policy_type("SELINUXTYPE=targeted policy\n"), "targeted");
}

}  // namespace
}  // namespace checks
