// kvm-agent's sysctl, kvm and packages steps on a real Debian host, read back with the admins' tools:
// sysctl -n and systemd-sysctl, /proc/modules and /sys/module/kvm_*/parameters/nested, dpkg -s and rpm -q.
// net.ipv4.ip_forward set and persisted, a later sysctl.d file that overrides it reported; kvm and the
// CPU's vendor module loaded through libkmod with the nested option written before the load (so the load
// takes it), a running module with another value left loaded with a reload-or-reboot note; a package
// installed with apt from a local repository the test builds; an RPM the test builds installed with dnf
// into an install root from a createrepo_c repository. A second apply changes nothing; each test puts the
// guest back as it found it.
#include <gtest/gtest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "tests/system/support/guest_fixtures.h"
#include "tests/system/support/guest_doctor.h"

namespace {

using namespace tests::system;

constexpr const char* k_sysctl_file = "/etc/sysctl.d/90-kvm-host.conf";
constexpr const char* k_modules_load = "/etc/modules-load.d/kvm.conf";
constexpr const char* k_nested_conf = "/etc/modprobe.d/kvm-nested.conf";
constexpr const char* k_backup_dir = "/var/lib/kvm-agent/backup";
const std::string k_helper = "/mnt/build/tests/system/host-steps-helper";
constexpr std::chrono::seconds k_install_timeout{800};

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Whether one of `lines` contains `part`.
bool any_has(const std::vector<std::string>& lines, const std::string& part) {
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& line) { return has(line, part); });
}

std::vector<std::string> strings(const nlohmann::json& list) {
    std::vector<std::string> out;
    for (const auto& item : list) out.push_back(item.get<std::string>());
    return out;
}

class GuestHostSteps : public SharedGuestTest {
protected:
    void SetUp() override {
        SharedGuestTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        ASSERT_EQ(run({"mkdir", "-p", "/etc/kvm-agent"}).exit_code, 0);
    }

    void TearDown() override {
        if (!m_guest) return;
        for (auto it = m_cleanup.rbegin(); it != m_cleanup.rend(); ++it) (*it)();
    }

    tests::ProcessResult run(const std::vector<std::string>& argv,
                             std::chrono::seconds timeout = std::chrono::seconds(300)) const {
        return m_guest->run(argv, timeout);
    }
    std::string out(const std::vector<std::string>& argv) const { return trimmed(run(argv).out); }
    bool exists(const std::string& path) const { return run({"test", "-e", path}).exit_code == 0; }
    // The guest agent writes into existing directories only.
    void write(const std::string& path, const std::string& content) const {
        run({"mkdir", "-p", path.substr(0, path.rfind('/'))});
        m_guest->write_file(path, content);
    }

    // Removes `path` (and its backup) at the end of the test unless it was there before.
    void remove_at_end_if_new(const std::string& path) {
        if (exists(path)) return;
        m_cleanup.push_back([this, path] { run({"rm", "-f", path, std::string(k_backup_dir) + path}); });
    }

    // `kvm-agent COMMAND --only SECTIONS` with `profile` and its JSON report; `code` is the exit status wanted.
    nlohmann::json agent(const std::string& command, const std::string& sections, const std::string& profile, int code,
                         std::chrono::seconds timeout = std::chrono::seconds(300)) {
        write(k_guest_profile_path, profile);
        EXPECT_EQ(run({"chmod", "600", k_guest_profile_path}).exit_code, 0);
        const auto result = run({k_guest_agent, command, "--profile", k_guest_profile_path, "--only", sections,
                                 "--output", "json"},
                                timeout);
        EXPECT_EQ(result.exit_code, code) << command << ":\n" << result.out << result.err;
        EXPECT_EQ(tests::schema_violations(result.out, command), "") << result.out;
        try {
            return nlohmann::json::parse(result.out);
        } catch (const nlohmann::json::exception&) {
            ADD_FAILURE() << "kvm-agent " << command << " printed no JSON: " << result.out << result.err;
            return nlohmann::json::object();
        }
    }
    static std::vector<std::string> field(const nlohmann::json& report, const std::string& section, const std::string& name) {
        return strings(report.value("sections", nlohmann::json::object())
                           .value(section, nlohmann::json::object())
                           .value(name, nlohmann::json::array()));
    }

    std::vector<std::function<void()>> m_cleanup;
};

TEST_F(GuestHostSteps, SysctlIsSetAndPersistedAndALaterFileThatOverridesItIsReported) {
    const std::string before = out({"sysctl", "-n", "net.ipv4.ip_forward"});
    m_cleanup.push_back([this, before] { run({"sysctl", "-q", "-w", "net.ipv4.ip_forward=" + before}); });
    remove_at_end_if_new(k_sysctl_file);
    ASSERT_EQ(run({"sysctl", "-q", "-w", "net.ipv4.ip_forward=0"}).exit_code, 0);

    const std::string profile = "sysctl:\n  net.ipv4.ip_forward: 1\n";
    const auto plan = agent("plan", "sysctl", profile, 2);
    EXPECT_TRUE(any_has(field(plan, "sysctl", "changes"), "set net.ipv4.ip_forward to 1 (now 0)")) << plan.dump(2);
    EXPECT_EQ(out({"sysctl", "-n", "net.ipv4.ip_forward"}), "0") << "plan changed the host";

    const auto applied = agent("apply", "sysctl", profile, 0);
    EXPECT_TRUE(any_has(field(applied, "sysctl", "changed"), "set net.ipv4.ip_forward to 1 (was 0)")) << applied.dump(2);
    EXPECT_TRUE(field(applied, "sysctl", "failures").empty());
    EXPECT_EQ(out({"sysctl", "-n", "net.ipv4.ip_forward"}), "1");
    const auto file = m_guest->read_file(k_sysctl_file);
    EXPECT_TRUE(has(file, "kvm-agent"));
    EXPECT_TRUE(has(file, "\nnet.ipv4.ip_forward = 1\n"));
    EXPECT_EQ(out({"stat", "-c", "%a %U", k_sysctl_file}), "644 root");

    // What boot does: systemd-sysctl applies the files, ours among them.
    ASSERT_EQ(run({"sysctl", "-q", "-w", "net.ipv4.ip_forward=0"}).exit_code, 0);
    ASSERT_EQ(run({"/lib/systemd/systemd-sysctl"}).exit_code, 0);
    EXPECT_EQ(out({"sysctl", "-n", "net.ipv4.ip_forward"}), "1") << "systemd-sysctl did not apply " << k_sysctl_file;

    const auto again = agent("apply", "sysctl", profile, 0);
    EXPECT_TRUE(field(again, "sysctl", "changed").empty()) << again.dump(2);
    EXPECT_EQ(agent("plan", "sysctl", profile, 0).value("in_sync", false), true);

    // A file after ours in systemd-sysctl's order wins at boot: reported with its line, and it does win.
    const std::string later = "/etc/sysctl.d/99-zz-kvm-agent-test.conf";
    m_cleanup.push_back([this, later] { run({"rm", "-f", later}); });
    write(later, "# test\nnet.ipv4.ip_forward = 0\n");
    const auto noted = agent("plan", "sysctl", profile, 0);
    EXPECT_TRUE(any_has(field(noted, "sysctl", "notes"),
                        later + ":2 sets net.ipv4.ip_forward = 0 after /etc/sysctl.d/90-kvm-host.conf in "
                                "systemd-sysctl's order: at boot the persisted value 1 would be overridden"))
        << noted.dump(2);
    ASSERT_EQ(run({"/lib/systemd/systemd-sysctl"}).exit_code, 0);
    EXPECT_EQ(out({"sysctl", "-n", "net.ipv4.ip_forward"}), "0") << "the reported file did not win";
}

class GuestKvmStep : public GuestHostSteps {
protected:
    void SetUp() override {
        GuestHostSteps::SetUp();
        if (!m_guest) return;
        const auto flags = out({"grep", "-m1", "-E", "^flags", "/proc/cpuinfo"});
        m_module = flags.find(" vmx") != std::string::npos ? "kvm_intel" : "kvm_amd";
        if (flags.find(" vmx") == std::string::npos && flags.find(" svm") == std::string::npos)
            GTEST_SKIP() << "the guest CPU offers neither vmx nor svm";
        // At the end (cleanups run last first: after the files are gone) the vendor module runs again with the
        // options it had.
        const std::string nested_before = nested();
        m_cleanup.push_back([this, nested_before] {
            if (nested() != nested_before) run({"modprobe", "-r", m_module});
            run({"modprobe", m_module});
        });
        remove_at_end_if_new(k_modules_load);
        remove_at_end_if_new(k_nested_conf);
    }
    std::string nested() const { return out({"cat", "/sys/module/" + m_module + "/parameters/nested"}); }
    bool loaded(const std::string& module) const {
        return run({"grep", "-q", "^" + module + " ", "/proc/modules"}).exit_code == 0;
    }
    // No guest runs in the shared guest: the test may take the module out to watch kvm-agent load it.
    void unload() {
        // A QEMU capability probe of the guest's libvirtd may hold the module for a moment: wait for it.
        for (int i = 0; i < 150 && loaded(m_module) && out({"cat", "/sys/module/" + m_module + "/refcnt"}) != "0"; ++i)
            run({"sleep", "0.2"});
        const auto removed = run({"modprobe", "-r", m_module});
        ASSERT_EQ(removed.exit_code, 0) << removed.err;
        ASSERT_FALSE(loaded(m_module));
    }
    static std::string on(bool nested) { return nested ? "1" : "0"; }
    bool is_on(const std::string& value) const { return value == "1" || value == "Y"; }

    std::string m_module;
};

TEST_F(GuestKvmStep, ModulesAreLoadedWithTheNestedOptionWrittenBeforeAndARunningModuleIsNeverUnloaded) {
    unload();
    if (HasFatalFailure()) return;
    const auto first = agent("apply", "kvm", "kvm: {nested: false}\n", 0);
    const auto changed = field(first, "kvm", "changed");
    EXPECT_TRUE(any_has(changed, "loaded " + m_module)) << first.dump(2);
    EXPECT_TRUE(field(first, "kvm", "notes").empty()) << first.dump(2);
    EXPECT_TRUE(loaded("kvm"));
    EXPECT_TRUE(loaded(m_module));
    EXPECT_FALSE(is_on(nested())) << "libkmod did not apply " << k_nested_conf << " at load";
    EXPECT_TRUE(has(m_guest->read_file(k_nested_conf), "\noptions " + m_module + " nested=0\n"));
    EXPECT_TRUE(has(m_guest->read_file(k_modules_load), "\nkvm\n" + m_module + "\n"));
    EXPECT_TRUE(has(out({"lsmod"}), m_module));

    // nested: true while the module runs with 0: the option changes, the module stays, the note says what to do.
    const auto second = agent("apply", "kvm", "kvm: {nested: true}\n", 0);
    const auto second_changed = field(second, "kvm", "changed");
    EXPECT_EQ(second_changed.size(), 1u) << second.dump(2);
    EXPECT_TRUE(any_has(second_changed, "replaced /etc/modprobe.d/kvm-nested.conf")) << second.dump(2);
    const auto second_notes = field(second, "kvm", "notes");
    EXPECT_EQ(second_notes.size(), 1u);
    // Whether a VM holds the module depends on the guest's libvirtd, which probes QEMU (and so opens /dev/kvm)
    // when the module appears: either way the note names the option, its next load, and never unloads.
    EXPECT_TRUE(any_has(second_notes, m_module + " runs with nested=0; /etc/modprobe.d/kvm-nested.conf sets nested=1 "
                                                 "for its next load: "))
        << second.dump(2);
    EXPECT_TRUE(any_has(second_notes, "no VM holds it") || any_has(second_notes, "VM(s) hold it")) << second.dump(2);
    EXPECT_TRUE(any_has(second_notes, "kvm-agent never unloads a module")) << second.dump(2);
    EXPECT_TRUE(loaded(m_module));
    EXPECT_FALSE(is_on(nested()));
    const auto third = agent("apply", "kvm", "kvm: {nested: true}\n", 0);
    EXPECT_TRUE(field(third, "kvm", "changed").empty()) << third.dump(2);
    EXPECT_EQ(field(third, "kvm", "notes").size(), 1u);

    // The admin reloads it: kvm-agent loads it again with the option.
    unload();
    if (HasFatalFailure()) return;
    const auto fourth = agent("apply", "kvm", "kvm: {nested: true}\n", 0);
    EXPECT_TRUE(any_has(field(fourth, "kvm", "changed"), "loaded " + m_module)) << fourth.dump(2);
    EXPECT_TRUE(is_on(nested()));
    EXPECT_TRUE(field(fourth, "kvm", "notes").empty());
    EXPECT_EQ(agent("plan", "kvm", "kvm: {nested: true}\n", 0).value("in_sync", false), true);
}

TEST_F(GuestKvmStep, TheProfileWithNestedAndIpForwardConvergesAndASecondApplyChangesNothing) {
    const std::string before = out({"sysctl", "-n", "net.ipv4.ip_forward"});
    m_cleanup.push_back([this, before] { run({"sysctl", "-q", "-w", "net.ipv4.ip_forward=" + before}); });
    remove_at_end_if_new(k_sysctl_file);
    const std::string profile = "kvm: {nested: true}\nsysctl:\n  net.ipv4.ip_forward: 1\n";
    const auto first = agent("apply", "kvm,sysctl", profile, 0);
    EXPECT_TRUE(field(first, "kvm", "failures").empty()) << first.dump(2);
    EXPECT_TRUE(field(first, "sysctl", "failures").empty()) << first.dump(2);

    EXPECT_EQ(out({"sysctl", "-n", "net.ipv4.ip_forward"}), "1");
    EXPECT_TRUE(has(m_guest->read_file(k_sysctl_file), "\nnet.ipv4.ip_forward = 1\n"));
    const auto modules = m_guest->read_file("/proc/modules");
    EXPECT_TRUE(has(modules, "\nkvm ")) << modules;
    EXPECT_TRUE(has(modules, m_module + " "));
    EXPECT_TRUE(has(m_guest->read_file(k_nested_conf), "\noptions " + m_module + " nested=1\n"));
    // Either it runs nested now, or the outcome says a reload or reboot is needed.
    if (!is_on(nested())) {
        EXPECT_TRUE(any_has(field(first, "kvm", "notes"), "for its next load")) << first.dump(2);
    }

    const auto again = agent("apply", "kvm,sysctl", profile, 0);
    EXPECT_TRUE(field(again, "kvm", "changed").empty()) << again.dump(2);
    EXPECT_TRUE(field(again, "sysctl", "changed").empty()) << again.dump(2);
}

TEST_F(GuestHostSteps, AptInstallsAPackageFromALocalRepositoryAndASecondApplyChangesNothing) {
    const std::string package = "kvm-agent-test-pkg";
    ASSERT_NE(run({"dpkg", "-s", package}).exit_code, 0) << package << " is installed already";
    const std::string build = "/tmp/kvm-agent-test-deb", repo = "/srv/kvm-agent-test-repo";
    const std::string list = "/etc/apt/sources.list.d/kvm-agent-test.list";
    m_cleanup.push_back([=, this] {
        run({"dpkg", "--purge", package});
        run({"rm", "-rf", build, repo, list});
        run({"find", "/var/lib/apt/lists", "-name", "*kvm-agent-test-repo*", "-delete"});
    });

    // A package with one file, in a flat repository apt trusts.
    write(build + "/DEBIAN/control", "Package: " + package +
                                                       "\nVersion: 1.0\nArchitecture: all\nMaintainer: kvm-agent tests "
                                                       "<root@localhost>\nDescription: kvm-agent system test package\n");
    write(build + "/usr/share/" + package + "/hello", "hello\n");
    ASSERT_EQ(run({"mkdir", "-p", repo}).exit_code, 0);
    const auto built = run({"dpkg-deb", "--root-owner-group", "--build", build, repo + "/" + package + "_1.0_all.deb"});
    ASSERT_EQ(built.exit_code, 0) << built.err;
    const auto index = run({"env", "-C", repo, "dpkg-scanpackages", "--multiversion", "."});
    ASSERT_EQ(index.exit_code, 0) << index.err;
    write(repo + "/Packages", index.out);
    write(list, "deb [trusted=yes] file:" + repo + " ./\n");

    // The guest's own mirror may be out of reach: apt-get update's failure for it is a note, not a stop.
    const std::string profile = "packages: [" + package + "]\n";
    const auto plan = agent("plan", "packages", profile, 2);
    EXPECT_TRUE(any_has(field(plan, "packages", "changes"), "install " + package + " with apt")) << plan.dump(2);
    const auto applied = agent("apply", "packages", profile, 0, k_install_timeout);
    EXPECT_TRUE(any_has(field(applied, "packages", "changed"), "installed " + package + " with apt")) << applied.dump(2);
    const auto status = run({"dpkg", "-s", package});
    EXPECT_EQ(status.exit_code, 0);
    EXPECT_TRUE(has(status.out, "Status: install ok installed"));
    EXPECT_EQ(out({"cat", "/usr/share/" + package + "/hello"}), "hello");

    const auto again = agent("apply", "packages", profile, 0);
    EXPECT_TRUE(field(again, "packages", "changed").empty()) << again.dump(2);
}

TEST_F(GuestHostSteps, DnfInstallsAnRpmFromACreaterepoRepositoryIntoAnInstallRoot) {
    for (const char* tool : {"rpmbuild", "createrepo_c", "dnf"})
        ASSERT_EQ(run({"sh", "-c", std::string("command -v ") + tool}).exit_code, 0) << tool << " is not in the guest";
    const std::string package = "kvm-agent-test-rpm";
    const std::string top = "/tmp/kvm-agent-test-rpmbuild", repo = "/srv/kvm-agent-test-rpm-repo";
    const std::string root = "/tmp/kvm-agent-test-installroot";
    m_cleanup.push_back([=, this] { run({"rm", "-rf", top, repo, root}); });

    write(top + "/SPECS/" + package + ".spec",
                        "Name: " + package + "\nVersion: 1.0\nRelease: 1\nSummary: kvm-agent system test package\n"
                        "License: Apache-2.0\nBuildArch: noarch\n\n%description\nOne file, for the dnf backend test.\n\n"
                        "%install\nmkdir -p %{buildroot}/usr/share/" + package + "\n"
                        "echo hello > %{buildroot}/usr/share/" + package + "/hello\n\n"
                        "%files\n/usr/share/" + package + "/hello\n");
    const auto built = run({"rpmbuild", "--define", "_topdir " + top, "--nodeps", "-bb", top + "/SPECS/" + package + ".spec"});
    ASSERT_EQ(built.exit_code, 0) << built.out << built.err;
    ASSERT_EQ(run({"mkdir", "-p", repo}).exit_code, 0);
    ASSERT_EQ(run({"cp", top + "/RPMS/noarch/" + package + "-1.0-1.noarch.rpm", repo + "/"}).exit_code, 0);
    const auto indexed = run({"createrepo_c", repo});
    ASSERT_EQ(indexed.exit_code, 0) << indexed.out << indexed.err;

    // The install root says it is RHEL 9, so the step picks dnf, and finds its repository in its own yum.repos.d.
    write(root + "/etc/os-release", "NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nID_LIKE=\"fedora\"\n"
                                                  "VERSION_ID=\"9.3\"\n");
    write(root + "/etc/yum.repos.d/kvm-agent-test.repo",
                        "[kvm-agent-test]\nname=kvm-agent test\nbaseurl=file://" + repo + "\ngpgcheck=0\nenabled=1\n");

    const auto plan = run({k_helper, "packages", root, "plan", package});
    ASSERT_EQ(plan.exit_code, 0) << plan.out << plan.err;
    EXPECT_TRUE(has(plan.out, "install " + package + " with dnf"));
    const auto applied = run({k_helper, "packages", root, "apply", package}, k_install_timeout);
    ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
    EXPECT_TRUE(has(applied.out, "installed " + package + " with dnf"));

    const auto query = run({"rpm", "--root", root, "-q", package});
    EXPECT_EQ(query.exit_code, 0) << query.out << query.err;
    EXPECT_EQ(trimmed(query.out), package + "-1.0-1.noarch");
    EXPECT_EQ(out({"cat", root + "/usr/share/" + package + "/hello"}), "hello");
    EXPECT_NE(run({"test", "-e", "/usr/share/" + package}).exit_code, 0) << "installed outside the install root";

    const auto again = run({k_helper, "packages", root, "apply", package});
    EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
    EXPECT_EQ(nlohmann::json::parse(again.out).at("changed"), nlohmann::json::array()) << again.out;
}

}  // namespace
