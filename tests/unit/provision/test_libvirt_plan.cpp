#include "provision/libvirt_plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace provision {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using Daemons = profile::LibvirtSection::Daemons;
using DefaultNetwork = profile::LibvirtSection::DefaultNetwork;

checks::OsRelease os(std::string id, std::string version, std::string like = "") {
    checks::OsRelease release;
    release.id = std::move(id);
    release.version_id = std::move(version);
    release.id_like = std::move(like);
    return release;
}

struct ModeCase {
    Daemons wanted;
    checks::OsRelease release;
    DaemonMode expected;
};

TEST(ResolveDaemonMode, AutoIsModularWhereTheDistributionDefaultsToIt) {
    const ModeCase cases[] = {
        {Daemons::automatic, os("rhel", "9.3"), DaemonMode::modular},
        {Daemons::automatic, os("rhel", "8.9"), DaemonMode::monolithic},
        {Daemons::automatic, os("centos", "9"), DaemonMode::modular},
        {Daemons::automatic, os("rocky", "9.2"), DaemonMode::modular},
        {Daemons::automatic, os("almalinux", "10.0"), DaemonMode::modular},
        {Daemons::automatic, os("rocky", "8.8"), DaemonMode::monolithic},
        {Daemons::automatic, os("circle", "9.1", "rhel centos fedora"), DaemonMode::modular},
        {Daemons::automatic, os("fedora", "35"), DaemonMode::modular},
        {Daemons::automatic, os("fedora", "34"), DaemonMode::monolithic},
        {Daemons::automatic, os("debian", "12"), DaemonMode::monolithic},
        {Daemons::automatic, os("ubuntu", "24.04", "debian"), DaemonMode::monolithic},
        {Daemons::modular, os("debian", "12"), DaemonMode::modular},
        {Daemons::monolithic, os("rhel", "9.3"), DaemonMode::monolithic},
    };
    for (const auto& c : cases)
        EXPECT_EQ(resolve_daemon_mode(c.wanted, &c.release), c.expected) << c.release.id << " " << c.release.version_id;
    EXPECT_EQ(resolve_daemon_mode(Daemons::automatic, nullptr), DaemonMode::monolithic) << "unknown distribution";
}

TEST(DaemonUnits, SocketsComeBeforeTheServiceTheyActivate) {
    EXPECT_THAT(daemon_units(DaemonMode::monolithic),
                ElementsAre("libvirtd.socket", "libvirtd-ro.socket", "libvirtd-admin.socket", "libvirtd.service"));
    const auto modular = daemon_units(DaemonMode::modular);
    ASSERT_EQ(modular.size(), 12u);
    EXPECT_THAT(std::vector<std::string>(modular.begin(), modular.begin() + 4),
                ElementsAre("virtqemud.socket", "virtqemud-ro.socket", "virtqemud-admin.socket", "virtqemud.service"));
    EXPECT_EQ(modular[7], "virtnetworkd.service");
    EXPECT_EQ(modular[11], "virtstoraged.service");
}

TEST(ConflictingUnits, ModularStopsEveryLibvirtdUnitSocketsFirst) {
    EXPECT_THAT(conflicting_units(DaemonMode::modular),
                ElementsAre("libvirtd.socket", "libvirtd-ro.socket", "libvirtd-admin.socket", "libvirtd-tcp.socket",
                            "libvirtd-tls.socket", "libvirtd.service"));
    const auto monolithic = conflicting_units(DaemonMode::monolithic);
    EXPECT_THAT(monolithic, ::testing::Contains("virtproxyd.socket"));
    EXPECT_THAT(monolithic, ::testing::Contains("virtproxyd-tls.socket"));
    EXPECT_THAT(monolithic, ::testing::Contains("virtsecretd.service"));
    EXPECT_THAT(monolithic, ::testing::Not(::testing::Contains("virtlogd.service"))) << "both modes use virtlogd";
    EXPECT_EQ(monolithic.back().substr(monolithic.back().size() - 8), ".service");
}

checks::UnitState unit(std::string active, std::string file_state, std::string load = "loaded") {
    return checks::UnitState{std::move(load), std::move(active), std::move(file_state)};
}

UnitStates libvirtd_units(const std::string& active, const std::string& file_state) {
    UnitStates units;
    for (const auto& name : daemon_units(DaemonMode::monolithic)) units[name] = unit(active, file_state);
    return units;
}

TEST(PlanDaemons, StoppedAndDisabledLibvirtdIsEnabledAndStartedSocketsFirst) {
    const auto plan = plan_daemons(DaemonMode::monolithic, libvirtd_units("inactive", "disabled"));
    EXPECT_THAT(plan.problems, IsEmpty());
    EXPECT_THAT(plan.stop, IsEmpty());
    EXPECT_THAT(plan.disable, IsEmpty());
    EXPECT_THAT(plan.enable, ElementsAre("libvirtd.socket", "libvirtd-ro.socket", "libvirtd-admin.socket", "libvirtd.service"));
    EXPECT_THAT(plan.start, ElementsAre("libvirtd.socket", "libvirtd-ro.socket", "libvirtd-admin.socket", "libvirtd.service"));
    EXPECT_THAT(describe(plan),
                ElementsAre("enable libvirtd.socket, libvirtd-ro.socket, libvirtd-admin.socket, libvirtd.service at boot",
                            "start libvirtd.socket, libvirtd-ro.socket, libvirtd-admin.socket, libvirtd.service"));
}

TEST(PlanDaemons, EnabledAndActiveIsNothingToDo) {
    const auto plan = plan_daemons(DaemonMode::monolithic, libvirtd_units("active", "enabled"));
    EXPECT_TRUE(plan.empty());
    EXPECT_THAT(describe(plan), IsEmpty());
}

TEST(PlanDaemons, AnIdleServiceBehindAListeningSocketCountsAsRunning) {
    // The daemons exit after 120 s without clients; their socket starts them again on the next connection.
    auto units = libvirtd_units("active", "enabled");
    units["libvirtd.service"] = unit("inactive", "enabled");
    EXPECT_TRUE(plan_daemons(DaemonMode::monolithic, units).empty());

    units["libvirtd.service"] = unit("failed", "enabled");
    EXPECT_THAT(plan_daemons(DaemonMode::monolithic, units).start, ElementsAre("libvirtd.service"));

    units["libvirtd.service"] = unit("inactive", "enabled");
    units["libvirtd.socket"] = unit("inactive", "enabled");
    EXPECT_THAT(plan_daemons(DaemonMode::monolithic, units).start, ElementsAre("libvirtd.socket", "libvirtd.service"));
}

TEST(PlanDaemons, StaticIndirectAndAliasCountAsEnabledButRuntimeOnlyDoesNot) {
    auto units = libvirtd_units("active", "enabled");
    units["libvirtd-ro.socket"] = unit("active", "static");
    units["libvirtd-admin.socket"] = unit("active", "indirect");
    units["libvirtd.service"] = unit("active", "enabled-runtime");
    EXPECT_THAT(plan_daemons(DaemonMode::monolithic, units).enable, ElementsAre("libvirtd.service"));
}

TEST(PlanDaemons, MissingAndMaskedUnitsAreProblemsNotChanges) {
    auto units = libvirtd_units("inactive", "disabled");
    units.erase("libvirtd-admin.socket");
    units["libvirtd-ro.socket"] = unit("inactive", "masked", "masked");
    units["libvirtd.socket"] = unit("inactive", "", "not-found");
    const auto plan = plan_daemons(DaemonMode::monolithic, units);
    EXPECT_THAT(plan.problems, ElementsAre("libvirtd.socket is not installed",
                                           "libvirtd-ro.socket is masked (systemctl unmask libvirtd-ro.socket if it should run)",
                                           "libvirtd-admin.socket is not installed"));
    EXPECT_THAT(plan.start, ElementsAre("libvirtd.service"));
}

TEST(PlanDaemons, ModularStopsAndDisablesARunningLibvirtdFirst) {
    auto units = libvirtd_units("active", "enabled");
    units["libvirtd-tcp.socket"] = unit("inactive", "disabled");
    for (const auto& name : daemon_units(DaemonMode::modular)) units[name] = unit("inactive", "disabled");
    const auto plan = plan_daemons(DaemonMode::modular, units);
    EXPECT_THAT(plan.stop, ElementsAre("libvirtd.socket", "libvirtd-ro.socket", "libvirtd-admin.socket", "libvirtd.service"));
    EXPECT_THAT(plan.disable, ElementsAre("libvirtd.socket", "libvirtd-ro.socket", "libvirtd-admin.socket", "libvirtd.service"));
    EXPECT_EQ(plan.enable.size(), 12u);
    EXPECT_EQ(plan.start.size(), 12u);
    EXPECT_THAT(describe(plan)[0], HasSubstr("(libvirtd, which conflict with modular daemons)"));
}

TEST(PlanDaemons, LibvirtdStopsTheModularDaemonsAndVirtproxyd) {
    auto units = libvirtd_units("inactive", "disabled");
    units["virtqemud.socket"] = unit("active", "enabled");
    units["virtqemud.service"] = unit("active", "enabled");
    units["virtproxyd.socket"] = unit("active", "enabled");
    units["virtlogd.socket"] = unit("active", "enabled");
    const auto plan = plan_daemons(DaemonMode::monolithic, units);
    EXPECT_THAT(plan.stop, ElementsAre("virtqemud.socket", "virtproxyd.socket", "virtqemud.service"));
    EXPECT_THAT(plan.disable, ElementsAre("virtqemud.socket", "virtproxyd.socket", "virtqemud.service"));
}

TEST(PlanDefaultNetwork, AbsentStopsTurnsOffAutostartAndUndefinesKeepLeavesIt) {
    const checks::LibvirtObject running{true, true, true, "bridge virbr0", true};
    EXPECT_THAT(plan_default_network(DefaultNetwork::absent, running),
                ElementsAre(NetworkAction::destroy, NetworkAction::disable_autostart, NetworkAction::undefine));
    EXPECT_THAT(plan_default_network(DefaultNetwork::keep, running), IsEmpty());
    const checks::LibvirtObject defined_only{true, false, false, "", true};
    EXPECT_THAT(plan_default_network(DefaultNetwork::absent, defined_only), ElementsAre(NetworkAction::undefine));
    EXPECT_THAT(plan_default_network(DefaultNetwork::absent, checks::LibvirtObject{}), IsEmpty());
    EXPECT_EQ(describe(NetworkAction::disable_autostart, "default"), "turn off autostart of libvirt network default");
    EXPECT_EQ(describe_done(NetworkAction::destroy, "default"), "stopped libvirt network default");
}

// systemd as a recording fake: units change state as the calls ask.
class FakeSystemd : public DaemonControl {
public:
    UnitStates units;
    std::vector<std::string> calls;
    std::string fail_start;      // this unit's start fails
    bool starts_work = true;     // false: a start "succeeds" but the unit stays down

    common::Result<UnitStates> observe(const std::vector<std::string>&, const std::vector<std::string>&) override {
        calls.push_back("observe");
        return units;
    }
    common::Result<std::monostate> enable(const std::vector<std::string>& names) override {
        calls.push_back("enable " + common_join(names));
        for (const auto& name : names) units[name].unit_file_state = "enabled";
        return std::monostate{};
    }
    common::Result<std::monostate> disable(const std::vector<std::string>& names) override {
        calls.push_back("disable " + common_join(names));
        for (const auto& name : names) units[name].unit_file_state = "disabled";
        return std::monostate{};
    }
    common::Result<std::monostate> start(const std::string& name) override {
        calls.push_back("start " + name);
        if (name == fail_start)
            return common::make_error("starting " + name + ": the job ended with result \"failed\"");
        if (starts_work) units[name].active_state = "active";
        return std::monostate{};
    }
    common::Result<std::monostate> stop(const std::string& name) override {
        calls.push_back("stop " + name);
        units[name].active_state = "inactive";
        return std::monostate{};
    }

private:
    static std::string common_join(const std::vector<std::string>& names) {
        std::string out;
        for (const auto& name : names) out += (out.empty() ? "" : ",") + name;
        return out;
    }
};

class FakeNetworks : public NetworkControl {
public:
    checks::LibvirtObject network{true, true, true, "bridge virbr0", true};
    std::vector<std::string> calls;
    std::optional<std::string> unreachable;

    common::Result<checks::LibvirtObject> observe(const std::string& name) override {
        calls.push_back("observe " + name);
        if (unreachable) return common::make_error(*unreachable);
        return network;
    }
    common::Result<std::monostate> apply(const std::string& name, NetworkAction action) override {
        calls.push_back(describe(action, name));
        if (action == NetworkAction::destroy) network.active = false;
        if (action == NetworkAction::disable_autostart) network.autostart = false;
        if (action == NetworkAction::undefine) network = checks::LibvirtObject{};
        return std::monostate{};
    }
};

profile::LibvirtSection section(DefaultNetwork network) {
    profile::LibvirtSection s;
    s.daemons = Daemons::monolithic;
    s.default_network = network;
    return s;
}

TEST(ConvergeLibvirt, EnablesOnceStartsInOrderRemovesTheNetworkAndASecondRunDoesNothing) {
    FakeSystemd systemd;
    systemd.units = libvirtd_units("inactive", "disabled");
    FakeNetworks networks;
    const auto first = converge_libvirt(section(DefaultNetwork::absent), DaemonMode::monolithic, systemd, networks);
    EXPECT_THAT(first.failures, IsEmpty());
    EXPECT_THAT(systemd.calls,
                ElementsAre("observe", "enable libvirtd.socket,libvirtd-ro.socket,libvirtd-admin.socket,libvirtd.service",
                            "start libvirtd.socket", "start libvirtd-ro.socket", "start libvirtd-admin.socket",
                            "start libvirtd.service", "observe"));
    EXPECT_THAT(networks.calls, ElementsAre("observe default", "stop libvirt network default",
                                            "turn off autostart of libvirt network default",
                                            "undefine libvirt network default", "observe default"));
    EXPECT_THAT(first.changed,
                ElementsAre("enabled libvirtd.socket, libvirtd-ro.socket, libvirtd-admin.socket, libvirtd.service at boot",
                            "started libvirtd.socket", "started libvirtd-ro.socket", "started libvirtd-admin.socket",
                            "started libvirtd.service", "stopped libvirt network default",
                            "turned off autostart of libvirt network default", "undefined libvirt network default"));

    systemd.calls.clear();
    networks.calls.clear();
    const auto second = converge_libvirt(section(DefaultNetwork::absent), DaemonMode::monolithic, systemd, networks);
    EXPECT_THAT(second.changed, IsEmpty());
    EXPECT_THAT(second.failures, IsEmpty());
    EXPECT_THAT(systemd.calls, ElementsAre("observe"));
    EXPECT_THAT(networks.calls, ElementsAre("observe default"));
}

TEST(ConvergeLibvirt, KeepNeverAsksLibvirt) {
    FakeSystemd systemd;
    systemd.units = libvirtd_units("active", "enabled");
    FakeNetworks networks;
    const auto result = converge_libvirt(section(DefaultNetwork::keep), DaemonMode::monolithic, systemd, networks);
    EXPECT_THAT(result.changed, IsEmpty());
    EXPECT_THAT(result.failures, IsEmpty());
    EXPECT_THAT(networks.calls, IsEmpty());
}

TEST(ConvergeLibvirt, AFailedStartStopsTheStepAndNamesTheUnitAndResult) {
    FakeSystemd systemd;
    systemd.units = libvirtd_units("inactive", "enabled");
    systemd.fail_start = "libvirtd-ro.socket";
    FakeNetworks networks;
    const auto result = converge_libvirt(section(DefaultNetwork::absent), DaemonMode::monolithic, systemd, networks);
    EXPECT_THAT(result.failures, ElementsAre("starting libvirtd-ro.socket: the job ended with result \"failed\""));
    EXPECT_THAT(result.changed, ElementsAre("started libvirtd.socket"));
    EXPECT_THAT(systemd.calls.back(), "start libvirtd-ro.socket");
    EXPECT_THAT(networks.calls, IsEmpty()) << "the network waits for the daemon";
}

TEST(ConvergeLibvirt, AUnitStillDownAfterItsJobIsAVerificationFailure) {
    FakeSystemd systemd;
    systemd.units = libvirtd_units("inactive", "enabled");
    systemd.starts_work = false;
    FakeNetworks networks;
    const auto result = converge_libvirt(section(DefaultNetwork::keep), DaemonMode::monolithic, systemd, networks);
    ASSERT_EQ(result.failures.size(), 1u);
    EXPECT_THAT(result.failures[0], HasSubstr("after apply, systemd still needs: start libvirtd.socket"));
}

TEST(ConvergeLibvirt, MissingUnitsFailBeforeAnythingChanges) {
    FakeSystemd systemd;
    FakeNetworks networks;
    const auto result = converge_libvirt(section(DefaultNetwork::absent), DaemonMode::monolithic, systemd, networks);
    EXPECT_EQ(result.failures.size(), 4u);
    EXPECT_THAT(result.failures[0], "libvirtd.socket is not installed");
    EXPECT_THAT(systemd.calls, ElementsAre("observe"));
}

TEST(ConvergeLibvirt, AnUnreachableLibvirtIsAFailureNamingWhy) {
    FakeSystemd systemd;
    systemd.units = libvirtd_units("active", "enabled");
    FakeNetworks networks;
    networks.unreachable = "connecting to qemu:///system: Failed to connect socket";
    const auto result = converge_libvirt(section(DefaultNetwork::absent), DaemonMode::monolithic, systemd, networks);
    EXPECT_THAT(result.failures, ElementsAre("connecting to qemu:///system: Failed to connect socket"));
}

TEST(PlanLibvirt, ListsDaemonAndNetworkChangesAndSaysWhenLibvirtCannotBeAskedYet) {
    LibvirtObservation observed;
    observed.units = libvirtd_units("inactive", "enabled");
    observed.default_network = checks::LibvirtObject{true, true, false, "", true};
    auto lines = plan_libvirt(section(DefaultNetwork::absent), DaemonMode::monolithic, observed);
    EXPECT_THAT(lines.changes, ElementsAre("start libvirtd.socket, libvirtd-ro.socket, libvirtd-admin.socket, libvirtd.service",
                                           "stop libvirt network default", "undefine libvirt network default"));

    observed.default_network = common::make_error("connecting to qemu:///system (read-only): no socket");
    lines = plan_libvirt(section(DefaultNetwork::absent), DaemonMode::monolithic, observed);
    EXPECT_THAT(lines.changes.back(), HasSubstr("remove libvirt network default if it is defined (libvirt cannot be "
                                                "asked now: connecting to qemu:///system (read-only): no socket)"));

    observed.units = common::make_error("systemd is not on the system bus");
    EXPECT_EQ(plan_libvirt(section(DefaultNetwork::keep), DaemonMode::monolithic, observed).error,
              "systemd is not on the system bus");

    observed.units = UnitStates{};
    lines = plan_libvirt(section(DefaultNetwork::keep), DaemonMode::monolithic, observed);
    EXPECT_THAT(lines.notes[0], "libvirtd.socket is not installed: the packages section installs it");
}

}  // namespace
}  // namespace provision
