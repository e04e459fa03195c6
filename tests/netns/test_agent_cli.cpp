// kvm-agent plan/apply/commit as an admin runs them: the built binary under `ip netns exec`, in a namespace
// whose uplink (a veth) reaches a gateway in a second namespace. Results are read back with ip and bridge.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "tests/netns/netns_fixture.h"
#include "tests/support/json_schema.h"
#include "tests/support/prometheus.h"

namespace tests::netns {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string read_text(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// Drops what changes by itself (timers, counters) so two snapshots of an unchanged namespace compare equal.
void drop_volatile(nlohmann::json& value) {
    if (value.is_object()) {
        for (auto it = value.begin(); it != value.end();) {
            const std::string& key = it.key();
            if (key.size() > 6 && key.compare(key.size() - 6, 6, "_timer") == 0) it = value.erase(it);
            // DAD marks a new IPv6 link-local address tentative for its first second; counters always move.
            else if (key == "stats" || key == "stats64" || key == "valid_life_time" || key == "preferred_life_time" ||
                     key == "tentative")
                it = value.erase(it);
            else {
                drop_volatile(it.value());
                ++it;
            }
        }
    } else if (value.is_array()) {
        for (auto& element : value) drop_volatile(element);
    }
}

class AgentCli : public NetnsTest {
protected:
    void SetUp() override {
        NetnsTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        m_gateway = std::make_unique<Namespace>();
        ASSERT_FALSE(m_gateway->name().empty()) << m_gateway->error();
        m_dir = fs::temp_directory_path() / ("kvm-agent-cli-" + ns());
        fs::create_directories(m_dir / "run");
        // The host's uplink eno1 reaches the gateway 192.0.2.1 in the other namespace.
        ASSERT_EQ(run_process({"ip", "link", "add", "eno1", "netns", ns(), "type", "veth", "peer", "name", "gw0",
                               "netns", m_gateway->name()})
                      .exit_code,
                  0);
        ASSERT_EQ(run_process({"ip", "-n", m_gateway->name(), "addr", "add", "192.0.2.1/24", "dev", "gw0"}).exit_code, 0);
        ASSERT_EQ(run_process({"ip", "-n", m_gateway->name(), "link", "set", "gw0", "up"}).exit_code, 0);
        ip({"link", "set", "lo", "up"});
        ip({"link", "set", "eno1", "up"});
        ip({"addr", "add", "192.0.2.10/24", "brd", "+", "dev", "eno1"});  // as installers configure it
        ip({"route", "add", "default", "via", "192.0.2.1"});
        add_veth("eno2", "eno3");  // spare NICs, as a host has them
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(m_dir, ec);
        m_gateway.reset();
        NetnsTest::TearDown();
    }

    fs::path write_profile(const std::string& text, const std::string& name = "host.yaml") {
        const auto path = m_dir / name;
        std::ofstream(path) << text;
        fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
        return path;
    }

    // Runs kvm-agent in the namespace. apply writes its configuration files under the test's own root (this
    // machine runs no NetworkManager, and its /etc is not the test's to change).
    // Every JSON report of plan and apply is checked against its schema (docs/schema/).
    ProcessResult agent(const std::vector<std::string>& args) {
        auto result = run_process(agent_argv(args), 60s);
        const bool json = std::search(args.begin(), args.end(), k_json.begin(), k_json.end()) != args.end();
        if (json && !result.out.empty() && (args[0] == "plan" || args[0] == "apply")) {
            EXPECT_EQ(schema_violations(result.out, args[0]), "") << result.out;
        }
        return result;
    }
    static inline const std::vector<std::string> k_json{"--output", "json"};
    std::vector<std::string> agent_argv(const std::vector<std::string>& args) {
        std::vector<std::string> argv = {"env", "KVM_AGENT_RUN_DIR=" + (m_dir / "run").string(), "ip", "netns",
                                         "exec", ns(), KVM_AGENT_BINARY};
        argv.insert(argv.end(), args.begin(), args.end());
        // The network section alone, as issue-4 admins run it: the readiness verdict of this machine (no
        // hardware virtualization here) is not the network's to answer for.
        const bool has_only = std::find(args.begin(), args.end(), "--only") != args.end();
        if (!args.empty() && (args[0] == "apply" || args[0] == "plan") && !has_only)
            argv.insert(argv.end(), {"--only", "network"});
        if (!args.empty() && args[0] == "apply")
            argv.insert(argv.end(), {"--config-root", config_root().string(), "--state-dir", (m_dir / "state").string()});
        // plan compares with the files apply wrote.
        if (!args.empty() && args[0] == "plan") argv.insert(argv.end(), {"--config-root", config_root().string()});
        return argv;
    }
    fs::path config_root() const { return m_dir / "root"; }
    fs::path keyfile(const std::string& interface) const {
        return config_root() / "etc/NetworkManager/system-connections" / ("kvm-agent-" + interface + ".nmconnection");
    }

    // Links, addresses and routes as `ip -j -d` reports them, without timers and counters.
    nlohmann::json snapshot() {
        nlohmann::json state{{"link", ip_json({"-d", "link", "show"})},
                             {"addr", ip_json({"addr", "show"})},
                             {"route", routes()},
                             {"route6", routes(true)}};
        drop_volatile(state);
        return state;
    }

    // `plan` finds nothing left to do, in the kernel or the files.
    void expect_in_sync(const fs::path& profile) {
        const auto again = agent({"plan", "--profile", profile.string()});
        EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
        EXPECT_NE(again.out.find("in sync"), std::string::npos) << again.out;
    }

    // The namespace is as `before` was; the failure lists what differs (a JSON patch).
    void expect_unchanged(const nlohmann::json& before) {
        const auto now = snapshot();
        EXPECT_EQ(now, before) << nlohmann::json::diff(before, now).dump();
    }

    std::unique_ptr<Namespace> m_gateway;
    fs::path m_dir;
};

// The layout the tutorials teach: the NIC's address and the default route move to a bridge over it.
constexpr const char* k_bridge_over_nic = R"(network:
  interfaces:
  - name: br0
    type: linux-bridge
    state: up
    mac-address: from-port
    mtu: 1400
    ipv4:
      enabled: true
      dhcp: false
      address: [{ip: 192.0.2.10, prefix-length: 24}]
    bridge:
      options: {stp: {enabled: false, forward-delay: 4}}
      port: [{name: eno1, stp-path-cost: 40, stp-priority: 20}]
  - name: eno1
    ipv4: {enabled: false}
  routes:
    config:
    - {destination: 0.0.0.0/0, next-hop-address: 192.0.2.1, next-hop-interface: br0}
  verify:
    rollback-after: 5s    # how long the gateway has to answer before the change is rolled back
)";

TEST_F(AgentCli, PlanListsTheStepsAndChangesNothing) {
    const auto profile = write_profile(k_bridge_over_nic);
    const auto before = snapshot();
    const auto plan = agent({"plan", "--profile", profile.string(), "--output", "json"});
    EXPECT_EQ(plan.exit_code, 2) << plan.err;
    const auto report = nlohmann::json::parse(plan.out);
    EXPECT_FALSE(report.at("in_sync").get<bool>());
    const auto& steps = report.at("sections").at("network").at("steps");
    ASSERT_FALSE(steps.empty());
    EXPECT_EQ(steps.front().at("step"), "create-bridge");
    expect_unchanged(before);
}

TEST_F(AgentCli, MovesTheAddressAndDefaultRouteOntoABridgeAndSecondApplyChangesNothing) {
    const auto profile = write_profile(k_bridge_over_nic);
    const std::string eno1_mac = link("eno1").at("address");
    const auto applied = agent({"apply", "--profile", profile.string()});
    ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
    EXPECT_NE(applied.out.find("verified: gateway 192.0.2.1 on br0 answers"), std::string::npos) << applied.out;

    const auto bridge = link("br0");
    ASSERT_FALSE(bridge.is_null());
    EXPECT_EQ(bridge.at("linkinfo").at("info_kind"), "bridge");
    EXPECT_EQ(bridge.at("linkinfo").at("info_data").at("stp_state"), 0);
    EXPECT_EQ(bridge.at("linkinfo").at("info_data").at("forward_delay"), 400);  // centiseconds
    EXPECT_EQ(bridge.at("mtu"), 1400);
    EXPECT_EQ(bridge.at("address"), eno1_mac) << "the bridge keeps its port's MAC";
    EXPECT_EQ(link("eno1").at("master"), "br0");
    EXPECT_EQ(addresses("br0"), std::vector<std::string>{"192.0.2.10/24"});
    EXPECT_TRUE(addresses("eno1").empty());
    const auto route_list = routes();
    bool default_on_bridge = false;
    for (const auto& route : route_list)
        default_on_bridge |= route.at("dst") == "default" && route.at("dev") == "br0" && route.at("gateway") == "192.0.2.1";
    EXPECT_TRUE(default_on_bridge) << route_list.dump();
    const auto ports = bridge_json({"link", "show", "dev", "eno1"});
    ASSERT_FALSE(ports.empty());
    EXPECT_EQ(ports[0].at("cost"), 40);
    EXPECT_EQ(ports[0].at("priority"), 20);

    // What brings it back after a reboot: NetworkManager keyfiles, private to root.
    ASSERT_TRUE(fs::exists(keyfile("br0")));
    EXPECT_NE(read_text(keyfile("br0")).find("interface-name=br0"), std::string::npos);
    EXPECT_NE(read_text(keyfile("br0")).find("192.0.2.10/24"), std::string::npos);
    EXPECT_EQ(fs::status(keyfile("br0")).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_TRUE(fs::exists(keyfile("eno1")));

    const auto converged = snapshot();
    const auto again = agent({"apply", "--profile", profile.string(), "--output", "json"});
    EXPECT_EQ(again.exit_code, 0) << again.err;
    const auto report = nlohmann::json::parse(again.out);
    EXPECT_EQ(report.at("network").at("outcome"), "in-sync");
    EXPECT_EQ(report.at("changed"), false);
    EXPECT_TRUE(report.at("network").at("steps").empty());
    EXPECT_EQ(agent({"plan", "--profile", profile.string()}).exit_code, 0);
    expect_unchanged(converged);
}

// `text` with its one `from` replaced by `to`.
std::string replaced(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    if (at == std::string::npos) throw std::logic_error("no \"" + from + "\" in the profile");
    return text.replace(at, from.size(), to);
}

TEST_F(AgentCli, PlanShowsASwitchOfAddressingMethodThatOnlyTheFilesCarry) {
    const auto profile = write_profile(k_bridge_over_nic);
    ASSERT_EQ(agent({"apply", "--profile", profile.string()}).exit_code, 0);
    const auto converged = snapshot();
    const auto keyfile_before = read_text(keyfile("br0"));
    const std::string static_ipv4 = "      dhcp: false\n      address: [{ip: 192.0.2.10, prefix-length: 24}]\n";

    // Static to DHCP: the kernel keeps its address until a lease replaces it; the profile changes.
    const auto to_dhcp = write_profile(replaced(k_bridge_over_nic, static_ipv4, "      dhcp: true\n"), "dhcp.yaml");
    const auto dhcp_plan = agent({"plan", "--profile", to_dhcp.string()});
    EXPECT_EQ(dhcp_plan.exit_code, 2) << dhcp_plan.out << dhcp_plan.err;
    EXPECT_NE(dhcp_plan.out.find("replace /etc/NetworkManager/system-connections/kvm-agent-br0.nmconnection: "
                                 "ipv4.method manual -> auto"),
              std::string::npos)
        << dhcp_plan.out;

    // nmstate's `enabled: false`: the address goes from the kernel and the profile alike.
    auto disabled_text = replaced(k_bridge_over_nic, "      enabled: true\n" + static_ipv4, "      enabled: false\n");
    disabled_text = replaced(disabled_text, "next-hop-address: 192.0.2.1, next-hop-interface: br0}",
                             "next-hop-interface: br0, state: absent}");
    const auto disabled_plan = agent({"plan", "--profile", write_profile(disabled_text, "disabled.yaml").string()});
    EXPECT_EQ(disabled_plan.exit_code, 2) << disabled_plan.out << disabled_plan.err;
    EXPECT_NE(disabled_plan.out.find("remove address 192.0.2.10/24 from br0"), std::string::npos) << disabled_plan.out;
    EXPECT_NE(disabled_plan.out.find("ipv4.method manual -> disabled"), std::string::npos) << disabled_plan.out;

    // Neither plan touched the host or the files; with --memory-only plan compares the kernel alone.
    expect_unchanged(converged);
    EXPECT_EQ(read_text(keyfile("br0")), keyfile_before);
    EXPECT_EQ(agent({"plan", "--profile", profile.string()}).exit_code, 0);
    EXPECT_EQ(agent({"plan", "--profile", to_dhcp.string(), "--memory-only"}).exit_code, 0);
}

// `apply --only network` judges the network again and nothing else: the network checks run, libvirt's client
// library is never loaded (the loader's own account, LD_DEBUG=files), and the published report keeps the previous
// apply's results for the other checks, a damaged entry of it left out.
TEST_F(AgentCli, ANetworkOnlyApplyRunsTheNetworkChecksAndKeepsThePreviousApplysOthers) {
    const auto state = m_dir / "state";
    fs::create_directories(state);
    std::ofstream(state / "readiness.json") << R"({"version": 1, "verdict": "NOT_READY", "checks": [
        {"id": "host.memory", "title": "Host memory", "status": "PASS", "evidence": "from the last full apply",
         "fix": "", "duration_ms": 0},
        {"id": "net.bridge", "title": "Bridges", "status": "FAIL", "evidence": "br0 was missing", "fix": "apply",
         "duration_ms": 0},
        {"id": "kvm.functional", "title": "KVM runs a guest", "status": "PASS", "evidence": 42, "fix": "",
         "duration_ms": 0}]})";

    auto argv = agent_argv({"apply", "--profile", write_profile(k_bridge_over_nic).string()});
    argv.insert(argv.begin() + 1, "LD_DEBUG=files");
    const auto applied = run_process(argv, 60s);
    ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
    EXPECT_NE(applied.err.find("file=libc.so.6"), std::string::npos) << "LD_DEBUG gave no account";
    EXPECT_EQ(applied.err.find("libvirt.so"), std::string::npos) << applied.err;

    const auto text = read_text(state / "readiness.json");
    EXPECT_EQ(schema_violations(text, "readiness"), "") << text;
    const auto readiness = nlohmann::json::parse(text);
    EXPECT_EQ(readiness.at("apply").at("checked"),
              nlohmann::json::array({"net.bridge", "net.bond", "net.persistent"}));
    std::map<std::string, nlohmann::json> by_id;
    for (const auto& check : readiness.at("checks")) by_id[check.at("id")] = check;
    ASSERT_TRUE(by_id.count("host.memory")) << text;
    EXPECT_EQ(by_id["host.memory"].at("evidence"), "from the last full apply");
    EXPECT_EQ(by_id.at("net.bridge").at("status"), "PASS") << by_id.at("net.bridge").dump();
    EXPECT_TRUE(by_id.count("net.persistent"));
    EXPECT_FALSE(by_id.count("kvm.functional")) << "the damaged entry is left out, and no KVM probe ran";
    EXPECT_EQ(by_id.size(), 4u) << text;
    const auto metrics = read_text(state / "kvm_host.prom");
    EXPECT_NE(metrics.find("kvm_host_check_status{id=\"host.memory\",status=\"PASS\"} 1"), std::string::npos)
        << metrics;
}

// The apply's metrics (kvm_host_apply.prom) say whether it converged, beside the readiness (kvm_host.prom): a
// rolled-back apply is a failure. promtool finds nothing to lint, and node_exporter's textfile collector reads
// both files at once without a duplicate series.
TEST_F(AgentCli, TheApplysMetricsSayWhetherItConvergedBesideTheReadiness) {
    const auto state = m_dir / "state";
    const auto success = [&] {
        const auto text = read_text(state / "kvm_host_apply.prom");
        EXPECT_NE(text.find("\nkvm_host_last_apply_timestamp_seconds "), std::string::npos) << text;
        return text.find("\nkvm_host_last_apply_success 1\n") != std::string::npos   ? 1
               : text.find("\nkvm_host_last_apply_success 0\n") != std::string::npos ? 0
                                                                                      : -1;
    };
    ASSERT_EQ(agent({"apply", "--profile", write_profile(k_bridge_over_nic).string()}).exit_code, 0);
    EXPECT_EQ(success(), 1);
    EXPECT_NE(read_text(state / "kvm_host.prom").find("\nkvm_host_ready "), std::string::npos);

    std::string unreachable = k_bridge_over_nic;
    unreachable.replace(unreachable.find("next-hop-address: 192.0.2.1,"), 28, "next-hop-address: 192.0.2.9,");
    const auto rolled_back = agent({"apply", "--profile", write_profile(unreachable, "unreachable.yaml").string()});
    ASSERT_EQ(rolled_back.exit_code, 1) << rolled_back.out << rolled_back.err;
    EXPECT_EQ(success(), 0);

    if (tests::have_program("promtool")) {
        EXPECT_EQ(tests::promtool_problems((state / "kvm_host_apply.prom").string()), "");
        EXPECT_EQ(tests::promtool_problems((state / "kvm_host.prom").string()), "");
    }
    if (tests::NodeExporter::program().empty()) GTEST_SKIP() << "node_exporter is not installed";
    tests::NodeExporter exporter(state.string());
    const auto scraped = exporter.scrape();
    ASSERT_FALSE(scraped.empty()) << exporter.error();
    EXPECT_NE(scraped.find("\nnode_textfile_scrape_error 0\n"), std::string::npos) << scraped;
    EXPECT_NE(scraped.find("\nkvm_host_last_apply_success 0\n"), std::string::npos) << scraped;
    EXPECT_NE(scraped.find("\nkvm_host_ready "), std::string::npos) << scraped;
}

TEST_F(AgentCli, RollsBackByItselfWhenTheGatewayStopsAnswering) {
    // The profile moves the host onto a gateway that does not exist: the probe fails, the host goes back.
    std::string text = k_bridge_over_nic;
    text.replace(text.find("next-hop-address: 192.0.2.1,"), 28, "next-hop-address: 192.0.2.9,");
    const auto profile = write_profile(text);
    const auto before = snapshot();
    const auto applied = agent({"apply", "--profile", profile.string(), "--output", "json"});
    EXPECT_EQ(applied.exit_code, 1) << applied.out << applied.err;
    const auto report = nlohmann::json::parse(applied.out);
    EXPECT_EQ(report.at("network").at("outcome"), "rolled-back");
    EXPECT_EQ(report.at("changed"), false) << "a change rolled back in full leaves the host unchanged";
    const std::string why = report.at("network").at("failures").dump();
    EXPECT_NE(why.find("gateway 192.0.2.9 on br0 does not answer"), std::string::npos) << why;
    EXPECT_FALSE(report.at("network").at("rollback").empty());
    expect_unchanged(before);
    EXPECT_FALSE(fs::exists(keyfile("br0"))) << "nothing persisted for a change that did not hold";
}

// systemd stopping the unit (or its start timeout), Ctrl-C, or the SSH session closing while the change is
// verified: the probe in flight gives up, the change goes back, the report says why and the exit status is 1.
TEST_F(AgentCli, ASignalDuringVerificationRollsTheChangeBackAndReportsIt) {
    // A gateway that never answers, and a long time to wait for it: only the signal ends the verification early.
    std::string text = k_bridge_over_nic;
    text.replace(text.find("next-hop-address: 192.0.2.1,"), 28, "next-hop-address: 192.0.2.9,");
    text.replace(text.find("rollback-after: 5s"), 18, "rollback-after: 5m");
    const auto profile = write_profile(text);
    const auto before = snapshot();
    for (const int signal : {SIGTERM, SIGINT, SIGHUP}) {
        const auto output = m_dir / "apply.json";
        const auto argv = agent_argv({"apply", "--profile", profile.string(), "--output", "json"});
        const pid_t agent_pid = ::fork();
        if (agent_pid == 0) {
            const int fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
            ::dup2(fd, STDOUT_FILENO);
            std::vector<char*> args;
            for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
            args.push_back(nullptr);
            ::execvp(args[0], args.data());
            ::_exit(127);
        }
        // The change is made once the default route leaves through br0; the probes run from then on.
        bool changed = false;
        for (int i = 0; i < 600 && !changed; ++i) {
            changed = run_process({"ip", "-n", ns(), "route", "show", "default"}).out.find("dev br0") != std::string::npos;
            if (!changed) std::this_thread::sleep_for(50ms);
        }
        EXPECT_TRUE(changed) << "the apply did not reach its verification";
        std::this_thread::sleep_for(500ms);  // well inside the probe's wait
        ::kill(agent_pid, signal);
        int status = 0;
        pid_t done = 0;
        for (int i = 0; i < 1200 && done == 0; ++i) {
            done = ::waitpid(agent_pid, &status, WNOHANG);
            if (done == 0) std::this_thread::sleep_for(50ms);
        }
        if (done == 0) {
            ::kill(agent_pid, SIGKILL);
            ::waitpid(agent_pid, &status, 0);
            FAIL() << "kvm-agent did not stop within a minute of signal " << signal;
        }
        ASSERT_TRUE(WIFEXITED(status)) << "kvm-agent died of signal " << WTERMSIG(status) << " instead of rolling back";
        EXPECT_EQ(WEXITSTATUS(status), 1);
        const auto report = nlohmann::json::parse(read_text(output));
        EXPECT_EQ(report.at("network").at("outcome"), "rolled-back") << report.dump(2);
        const std::string why = report.at("network").at("failures").dump();
        EXPECT_NE(why.find(std::string("interrupted by SIG") + (signal == SIGTERM ? "TERM" : signal == SIGINT ? "INT" : "HUP")),
                  std::string::npos)
            << why;
        expect_unchanged(before);
        EXPECT_FALSE(fs::exists(keyfile("br0"))) << "nothing persisted for an interrupted change";
    }
}

// nmstate's gateway change: an absent default route beside the new one converges in one apply.
TEST_F(AgentCli, TheGatewayChangeIdiomMovesTheDefaultRouteInOneApplyAndASecondChangesNothing) {
    ASSERT_EQ(run_process({"ip", "-n", m_gateway->name(), "addr", "add", "192.0.2.254/24", "dev", "gw0"}).exit_code, 0);
    const auto profile = write_profile(R"(network:
  interfaces:
  - name: eno1
    type: ethernet
    ipv4: {enabled: true, address: [{ip: 192.0.2.10, prefix-length: 24}]}
  routes:
    config:
    - {destination: 0.0.0.0/0, next-hop-interface: eno1, state: absent}
    - {destination: 0.0.0.0/0, next-hop-address: 192.0.2.254, next-hop-interface: eno1}
  verify: {rollback-after: 5s}
)");
    const auto applied = agent({"apply", "--profile", profile.string()});
    ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
    const auto defaults = ip_json({"route", "show", "default"});
    ASSERT_EQ(defaults.size(), 1u) << defaults.dump();
    EXPECT_EQ(defaults.at(0).at("gateway"), "192.0.2.254") << defaults.dump();
    EXPECT_EQ(defaults.at(0).at("dev"), "eno1") << defaults.dump();
    expect_in_sync(profile);
}

// A hosting provider's layout: a /32 address and a default route to a gateway outside it (onlink). The
// route moves to the bridge with its flag; a failed probe puts it back on the NIC exactly as it was.
TEST_F(AgentCli, AnOnlinkDefaultRouteMovesToABridgeAndARollbackPutsItBack) {
    ip({"addr", "flush", "dev", "eno1"});
    ip({"addr", "add", "192.0.2.10/32", "dev", "eno1"});
    ip({"route", "add", "default", "via", "192.0.2.1", "dev", "eno1", "onlink"});
    const std::string layout = R"(network:
  interfaces:
  - name: br0
    type: linux-bridge
    mac-address: from-port
    ipv4: {enabled: true, address: [{ip: 192.0.2.10, prefix-length: 32}]}
    bridge: {options: {stp: {enabled: false}}, port: [{name: eno1}]}
  - name: eno1
    ipv4: {enabled: false}
  routes:
    config:
    - {destination: 0.0.0.0/0, next-hop-address: 192.0.2.1, next-hop-interface: br0}
  verify:
    rollback-after: 3s
)";
    // No host has 192.0.2.77: the probe fails and the host goes back.
    const auto failing = write_profile(layout + "    probe: [gateway, \"192.0.2.77:22\"]\n", "failing.yaml");
    const auto before = snapshot();
    const auto refused = agent({"apply", "--profile", failing.string()});
    EXPECT_EQ(refused.exit_code, 1) << refused.out << refused.err;
    expect_unchanged(before);

    const auto profile = write_profile(layout);
    const auto applied = agent({"apply", "--profile", profile.string()});
    ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
    const auto defaults = ip_json({"route", "show", "default"});
    ASSERT_EQ(defaults.size(), 1u) << defaults.dump();
    EXPECT_EQ(defaults.at(0).at("dev"), "br0") << defaults.dump();
    EXPECT_EQ(defaults.at(0).at("flags"), nlohmann::json::array({"onlink"})) << defaults.dump();
    const auto keyfile_text = read_text(keyfile("br0"));
    EXPECT_NE(keyfile_text.find("route1=0.0.0.0/0,192.0.2.1\nroute1_options=onlink=true\n"), std::string::npos)
        << keyfile_text;
}

// A new bridge that says nothing of STP runs it and its new port costs 100, as nmstate and NetworkManager
// have them (the kernel's own defaults are STP off and a cost from the link speed, 2 for a veth).
TEST_F(AgentCli, ANewBridgeGetsNmstatesStpAndPortCostDefaults) {
    const auto profile = write_profile(R"(network:
  interfaces:
  - name: br1
    type: linux-bridge
    bridge: {port: [{name: eno2}]}
  verify: {rollback-after: 5s}
)");
    const auto applied = agent({"apply", "--profile", profile.string()});
    ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
    EXPECT_EQ(link("br1").at("linkinfo").at("info_data").at("stp_state"), 1) << link("br1").dump();
    EXPECT_EQ(link("eno2").at("linkinfo").at("info_slave_data").at("cost"), 100) << link("eno2").dump();
    const auto bridge_file = read_text(keyfile("br1"));
    EXPECT_NE(bridge_file.find("[bridge]\nstp=true\n"), std::string::npos) << bridge_file;
    expect_in_sync(profile);
}

// nmstate's ipv6.enabled false: no IPv6 on the link at all, link-local included, so no router advertisement
// reaches it either; a change that does not hold switches it back on with the addresses it had.
TEST_F(AgentCli, Ipv6EnabledFalseTakesIpv6OffTheLinkAndARollbackTurnsItBackOn) {
    const auto disable_ipv6 = [&](const std::string& name) {
        const auto read = run_process({"ip", "netns", "exec", ns(), "sysctl", "-n", "net.ipv6.conf." + name + ".disable_ipv6"});
        EXPECT_EQ(read.exit_code, 0) << read.err;
        return read.out;
    };
    ip({"addr", "add", "2001:db8::10/64", "dev", "eno1", "nodad"});
    const auto failing = write_profile(R"(network:
  interfaces:
  - {name: eno1, ipv6: {enabled: false}}
  verify: {rollback-after: 3s, probe: [gateway, "192.0.2.77:22"]}
)", "failing.yaml");
    const auto refused = agent({"apply", "--profile", failing.string()});
    EXPECT_EQ(refused.exit_code, 1) << refused.out << refused.err;
    EXPECT_NE(refused.out.find("disable IPv6 on eno1"), std::string::npos) << refused.out;
    EXPECT_EQ(disable_ipv6("eno1"), "0\n");
    const auto back = addresses("eno1");
    EXPECT_NE(std::find(back.begin(), back.end(), "2001:db8::10/64"), back.end()) << ::testing::PrintToString(back);

    const auto profile = write_profile(R"(network:
  interfaces:
  - name: br1
    type: linux-bridge
    ipv6: {enabled: false}
    bridge: {options: {stp: {enabled: false}}, port: [{name: eno2}]}
  verify: {rollback-after: 5s}
)");
    const auto planned = agent({"plan", "--profile", profile.string()});
    EXPECT_NE(planned.out.find("disable IPv6 on br1"), std::string::npos) << planned.out;
    const auto applied = agent({"apply", "--profile", profile.string()});
    ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
    EXPECT_EQ(disable_ipv6("br1"), "1\n");
    const auto ipv6 = ip_json({"-6", "addr", "show", "dev", "br1"});
    EXPECT_TRUE(ipv6.empty() || ipv6.at(0).value("addr_info", nlohmann::json::array()).empty())
        << "not even a link-local address: " << ipv6.dump();
    const auto bridge_file = read_text(keyfile("br1"));
    EXPECT_NE(bridge_file.find("[ipv6]\n"), std::string::npos) << bridge_file;
    EXPECT_NE(bridge_file.find("method=disabled\n", bridge_file.find("[ipv6]\n")), std::string::npos) << bridge_file;
    expect_in_sync(profile);
}

// nmstate's down on a bridge: the kernel interface goes and its port is released, the profile stays without
// being activated, and a second run finds nothing to do.
TEST_F(AgentCli, ADownBridgeLeavesTheKernelAndKeepsAProfileThatDoesNotAutoconnect) {
    ip({"link", "add", "br1", "type", "bridge"});
    ip({"link", "set", "eno2", "master", "br1"});
    ip({"link", "set", "br1", "up"});
    const auto profile = write_profile(R"(network:
  interfaces:
  - name: br1
    type: linux-bridge
    state: down
    bridge: {options: {stp: {enabled: false}}, port: [{name: eno2}]}
  verify: {rollback-after: 5s}
)");
    const auto applied = agent({"apply", "--profile", profile.string()});
    ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
    EXPECT_TRUE(link("br1").is_null()) << link("br1").dump();
    EXPECT_FALSE(link("eno2").contains("master")) << link("eno2").dump();
    const auto bridge_file = read_text(keyfile("br1"));
    EXPECT_NE(bridge_file.find("\nautoconnect=false\n"), std::string::npos) << bridge_file;
    expect_in_sync(profile);
}

// nmstate's switch from DHCP to static without addresses: the leased address and the lease's default route
// are written as static ones, so the host keeps them after the lease and after a reboot.
TEST_F(AgentCli, DhcpToStaticWithoutAddressesKeepsTheLeasedAddressAndRouteInTheProfile) {
    // The uplink as a DHCP client leaves it: an address with a lifetime, a default route of protocol dhcp.
    ip({"addr", "flush", "dev", "eno1"});
    ip({"addr", "add", "192.0.2.10/24", "dev", "eno1", "valid_lft", "3600", "preferred_lft", "3600"});
    ip({"route", "replace", "default", "via", "192.0.2.1", "dev", "eno1", "proto", "dhcp", "metric", "100"});
    const auto profile = write_profile(R"(network:
  interfaces:
  - name: eno1
    type: ethernet
    ipv4: {enabled: true, dhcp: false}
  verify: {rollback-after: 5s}
)");
    const auto planned = agent({"plan", "--profile", profile.string()});
    EXPECT_EQ(planned.exit_code, 2) << planned.out << planned.err;
    const auto applied = agent({"apply", "--profile", profile.string()});
    ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
    EXPECT_NE(applied.out.find("verified: gateway 192.0.2.1 on eno1 answers"), std::string::npos) << applied.out;
    const auto file = read_text(keyfile("eno1"));
    EXPECT_NE(file.find("[ipv4]\nmethod=manual\naddress1=192.0.2.10/24\ngateway=192.0.2.1\nroute-metric=100\n"),
              std::string::npos)
        << file;
    expect_in_sync(profile);
}

TEST_F(AgentCli, AChangeWithoutCommitGoesBackAtTheDeadline) {
    const auto profile = write_profile(k_bridge_over_nic);
    const auto before = snapshot();
    // 5 s: the apply returns and br0 is seen inside the window even on a loaded machine.
    const auto applied = agent({"apply", "--profile", profile.string(), "--confirm-within", "5s"});
    ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
    EXPECT_NE(applied.out.find("kvm-agent commit"), std::string::npos);
    EXPECT_FALSE(link("br0").is_null());
    // The watcher takes the host back once the window has passed.
    for (int i = 0; i < 100 && read_text(m_dir / "run" / "confirm.json").find("rolled-back") == std::string::npos; ++i)
        std::this_thread::sleep_for(100ms);
    EXPECT_NE(read_text(m_dir / "run" / "confirm.json").find("\"rolled-back\""), std::string::npos);
    expect_unchanged(before);
    EXPECT_FALSE(fs::exists(keyfile("br0"))) << "the files written for the change are gone with it";
    const auto late = agent({"commit"});
    EXPECT_EQ(late.exit_code, 1);
    EXPECT_NE(late.err.find("too late"), std::string::npos) << late.err;
}

// A second apply inside the window would be undone by the first window's watcher, which goes back to the state
// before the first change: it is refused, changes nothing, and the window still rolls back on time.
TEST_F(AgentCli, ASecondApplyWhileAWindowIsOpenIsRefusedAndTheWindowStillRollsBack) {
    const auto profile = write_profile(k_bridge_over_nic);
    const auto before = snapshot();
    ASSERT_EQ(agent({"apply", "--profile", profile.string(), "--confirm-within", "6s"}).exit_code, 0);
    const auto second_profile = write_profile(R"(network:
  interfaces:
  - name: br1
    type: linux-bridge
    bridge: {options: {stp: {enabled: false}}, port: [{name: eno2}]}
  verify: {rollback-after: 5s}
)", "second.yaml");
    const auto second = agent({"apply", "--profile", second_profile.string()});
    EXPECT_EQ(second.exit_code, 1) << second.out << second.err;
    EXPECT_NE(second.err.find("refused: a change applied at "), std::string::npos) << second.err;
    EXPECT_NE(second.err.find("waits for `kvm-agent commit` within 6 s"), std::string::npos) << second.err;
    EXPECT_TRUE(link("br1").is_null()) << "the refused apply changed nothing";
    for (int i = 0; i < 150 && read_text(m_dir / "run" / "confirm.json").find("rolled-back") == std::string::npos; ++i)
        std::this_thread::sleep_for(100ms);
    EXPECT_NE(read_text(m_dir / "run" / "confirm.json").find("\"rolled-back\""), std::string::npos);
    expect_unchanged(before);
    // Once the window is closed, applies run again.
    EXPECT_EQ(agent({"apply", "--profile", second_profile.string()}).exit_code, 0);
    EXPECT_FALSE(link("br1").is_null());
}

// A reboot inside the window: the record is on disk, and at boot (before NetworkManager starts)
// `rollback-unconfirmed` puts back the files the change wrote, so the configuration that may have cut the host
// off never comes up again. A record from another boot is what the next boot finds; the test writes one.
TEST_F(AgentCli, AnUncommittedChangeFromAnEarlierBootHasItsFilesTakenBackAtBoot) {
    const auto profile = write_profile(k_bridge_over_nic);
    const auto applied = agent({"apply", "--profile", profile.string(), "--confirm-within", "60s", "--output", "json"});
    ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
    const auto watcher = nlohmann::json::parse(applied.out).at("network").at("confirm").at("watcher_pid").get<pid_t>();
    ASSERT_TRUE(fs::exists(keyfile("br0")));
    ASSERT_TRUE(fs::exists(keyfile("eno1")));
    // In the boot that opened it, the window is the watcher's.
    const auto early = agent({"rollback-unconfirmed"});
    EXPECT_EQ(early.exit_code, 1) << early.out << early.err;
    EXPECT_NE(early.err.find("refused: a change waits in this boot: its watcher (pid " + std::to_string(watcher)),
              std::string::npos)
        << early.err;
    EXPECT_TRUE(fs::exists(keyfile("br0")));

    // The power cycle: the watcher is gone with the old boot, and the record names that boot.
    ASSERT_EQ(::kill(watcher, SIGKILL), 0);
    const auto record_path = m_dir / "run" / "confirm.json";
    auto record = nlohmann::json::parse(read_text(record_path));
    ASSERT_EQ(record.at("boot_id").get<std::string>().size(), 36u) << record.dump(2);
    record["boot_id"] = "00000000-0000-4000-8000-000000000000";
    std::ofstream(record_path, std::ios::trunc) << record.dump(2);

    const auto at_boot = agent({"rollback-unconfirmed"});
    EXPECT_EQ(at_boot.exit_code, 0) << at_boot.out << at_boot.err;
    EXPECT_NE(at_boot.out.find("never committed: the host restarted before it was committed"), std::string::npos)
        << at_boot.out;
    EXPECT_FALSE(fs::exists(keyfile("br0"))) << "a file the change created is gone";
    EXPECT_FALSE(fs::exists(keyfile("eno1")));
    EXPECT_NE(read_text(record_path).find("\"rolled-back\""), std::string::npos);
    const auto late = agent({"commit"});
    EXPECT_EQ(late.exit_code, 1);
    EXPECT_NE(late.err.find("too late: the change was rolled back at "), std::string::npos) << late.err;
    EXPECT_NE(late.err.find("(the host restarted before it was committed)"), std::string::npos) << late.err;
    const auto again = agent({"rollback-unconfirmed"});
    EXPECT_EQ(again.exit_code, 0);
    EXPECT_EQ(again.out, "no unconfirmed change to take back\n");
}

// The record is read as untrusted like every state file: one that names anything but our keyfiles and their
// backups is refused whole, and nothing is removed for it.
TEST_F(AgentCli, ARecordNamingAFileOutsideTheKeyfilesIsRefusedAndNothingIsRemoved) {
    fs::create_directories(config_root() / "etc");
    std::ofstream(config_root() / "etc" / "hostname") << "host\n";
    const nlohmann::json record{
        {"state", "pending"},
        {"applied_at", "2026-12-05T10:00:00Z"},
        {"boot_id", "00000000-0000-4000-8000-000000000000"},
        {"change", "forged"},
        {"files",
         {{"root", config_root().string()},
          {"changed", {{{"path", "/etc/hostname"}, {"action", "created"}, {"backup", ""}, {"interface", "eno1"}}}}}}};
    const auto record_path = m_dir / "run" / "confirm.json";
    std::ofstream(record_path) << record.dump(2);
    fs::permissions(record_path, fs::perms::owner_read | fs::perms::owner_write);
    const auto run = agent({"rollback-unconfirmed"});
    EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
    EXPECT_NE(run.err.find("the record names a file that is not a network configuration file of ours: /etc/hostname"),
              std::string::npos)
        << run.err;
    EXPECT_TRUE(fs::exists(config_root() / "etc" / "hostname"));
    EXPECT_NE(read_text(record_path).find("\"rollback-failed\""), std::string::npos);
}

// A watcher killed inside its window (kill -9, the OOM killer): once the window has closed, the next run takes
// the change's files back before anything else, says so, and goes on; it is not refused for ever.
TEST_F(AgentCli, AWindowWhoseWatcherWasKilledIsTakenBackByTheNextRun) {
    const auto profile = write_profile(k_bridge_over_nic);
    // A window long enough for the apply to return and the watcher to be killed inside it on a loaded machine
    // (2 s was not, with a build beside the tests).
    const auto applied = agent({"apply", "--profile", profile.string(), "--confirm-within", "5s", "--output", "json"});
    ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
    const auto watcher = nlohmann::json::parse(applied.out).at("network").at("confirm").at("watcher_pid").get<pid_t>();
    ASSERT_EQ(::kill(watcher, SIGKILL), 0);
    // What NetworkManager's checkpoint leaves of a bridge made over netlink: empty, its port released.
    ip({"link", "set", "eno1", "nomaster"});
    ip({"addr", "flush", "dev", "br0"});
    std::this_thread::sleep_for(5500ms);
    EXPECT_NE(read_text(m_dir / "run" / "confirm.json").find("\"pending\""), std::string::npos)
        << "nobody took it back: the watcher is dead";
    const auto late = agent({"commit"});
    EXPECT_EQ(late.exit_code, 1);
    EXPECT_NE(late.err.find("too late: took back the change applied at "), std::string::npos) << late.err;
    EXPECT_NE(late.err.find("its watcher (pid " + std::to_string(watcher) + ") was gone when its window closed"),
              std::string::npos)
        << late.err;
    EXPECT_FALSE(fs::exists(keyfile("br0")));
    EXPECT_FALSE(fs::exists(keyfile("eno1")));
    EXPECT_TRUE(link("br0").is_null()) << "the empty bridge the change made is deleted";
    // Applies run again; this one makes the change for good.
    const auto next = agent({"apply", "--profile", profile.string()});
    EXPECT_EQ(next.exit_code, 0) << next.out << next.err;
    EXPECT_TRUE(fs::exists(keyfile("br0")));
}

// The same, found by an apply: it says what it took back, then applies.
TEST_F(AgentCli, AnApplyAfterAKilledWatchersWindowTakesItBackFirst) {
    const auto profile = write_profile(k_bridge_over_nic);
    // 5 s: the apply returns and the watcher is killed inside the window even on a loaded machine.
    const auto applied = agent({"apply", "--profile", profile.string(), "--confirm-within", "5s", "--output", "json"});
    ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
    ASSERT_EQ(::kill(nlohmann::json::parse(applied.out).at("network").at("confirm").at("watcher_pid").get<pid_t>(),
                     SIGKILL),
              0);
    std::this_thread::sleep_for(5500ms);
    const auto next = agent({"apply", "--profile", profile.string()});
    EXPECT_EQ(next.exit_code, 0) << next.out << next.err;
    EXPECT_NE(next.err.find("kvm-agent apply: took back the change applied at "), std::string::npos) << next.err;
    EXPECT_NE(read_text(m_dir / "run" / "confirm.json").find("\"rolled-back\""), std::string::npos);
    EXPECT_TRUE(fs::exists(keyfile("br0"))) << "written again by the apply that followed";
    // The bridge still carried the host's address and port: without the watcher's record of the state
    // before, deleting it would have cut the host off, so it was left, and the apply found it in place.
    EXPECT_EQ(addresses("br0"), std::vector<std::string>{"192.0.2.10/24"});
}

TEST_F(AgentCli, ACommittedChangeStays) {
    const auto profile = write_profile(k_bridge_over_nic);
    const auto applied = agent({"apply", "--profile", profile.string(), "--confirm-within", "30s", "--output", "json"});
    ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
    EXPECT_EQ(nlohmann::json::parse(applied.out).at("changed"), true);
    const auto watcher = nlohmann::json::parse(applied.out).at("network").at("confirm").at("watcher_pid").get<pid_t>();
    const auto committed = agent({"commit"});
    EXPECT_EQ(committed.exit_code, 0) << committed.err;
    // The watcher sees the commit and ends without rolling back: nothing is left to undo the change.
    for (int i = 0; i < 100 && tests::process_runs(watcher); ++i) std::this_thread::sleep_for(100ms);
    EXPECT_FALSE(tests::process_runs(watcher)) << "the watcher still waits after the commit";
    EXPECT_NE(read_text(m_dir / "run" / "confirm.json").find("\"committed\""), std::string::npos);
    EXPECT_FALSE(link("br0").is_null());
    EXPECT_EQ(addresses("br0"), std::vector<std::string>{"192.0.2.10/24"});
    EXPECT_EQ(agent({"commit"}).exit_code, 1) << "nothing is left to commit";
}

TEST_F(AgentCli, ASecondRunWaitsForNobodyItRefusesWhileTheLockIsHeld) {
    const auto profile = write_profile(k_bridge_over_nic);
    const auto lock = (m_dir / "run" / "lock").string();
    // flock(1) holds the lock the way a running apply does.
    const pid_t holder = ::fork();
    if (holder == 0) {
        ::execlp("flock", "flock", lock.c_str(), "sleep", "5", nullptr);
        ::_exit(127);
    }
    std::this_thread::sleep_for(300ms);
    const auto second = agent({"apply", "--profile", profile.string()});
    ::kill(holder, SIGTERM);
    ::waitpid(holder, nullptr, 0);
    EXPECT_EQ(second.exit_code, 1);
    EXPECT_NE(second.err.find("another kvm-agent run holds " + lock), std::string::npos) << second.err;
    EXPECT_TRUE(link("br0").is_null());
}

TEST_F(AgentCli, RefusesAProfileOthersCanWrite) {
    const auto profile = write_profile(k_bridge_over_nic);
    fs::permissions(profile, fs::perms::group_write | fs::perms::others_write, fs::perm_options::add);
    const auto before = snapshot();
    const auto refused = agent({"apply", "--profile", profile.string()});
    EXPECT_EQ(refused.exit_code, 3);
    EXPECT_NE(refused.err.find("writable by group or others (mode 0622)"), std::string::npos) << refused.err;
    expect_unchanged(before);
}

TEST_F(AgentCli, BadOptionsExitThreeAndTouchNothing) {
    const auto profile = write_profile(k_bridge_over_nic);
    const auto before = snapshot();
    const auto only = agent({"apply", "--profile", profile.string(), "--only", "netwrok"});
    EXPECT_EQ(only.exit_code, 3);
    EXPECT_NE(only.err.find("--only: unknown section \"netwrok\""), std::string::npos) << only.err;
    EXPECT_EQ(agent({"apply", "--profile", profile.string(), "--confirm-within", "soon"}).exit_code, 3);
    EXPECT_EQ(agent({"plan", "--profile", (m_dir / "missing.yaml").string()}).exit_code, 3);
    EXPECT_EQ(agent({"plan", "stray"}).exit_code, 3);
    expect_unchanged(before);
}

// Every hostile profile of the unit tier, through the binary: exit 3, its exact message, nothing changed.
// The namespace has eno1..eno3 (veths) and lo; messages that name eno4 are about a port that is not there.
TEST_F(AgentCli, HostileProfilesExitThreeWithTheirExactMessageAndTouchNothing) {
    const fs::path hostile = fs::path(KVM_FIXTURES_DIR) / "profiles" / "hostile";
    add_veth("eno4", "eno5");
    std::map<std::string, std::string> expected;
    std::istringstream table(read_text(hostile / "expected.txt"));
    for (std::string line; std::getline(table, line);) {
        const auto gap = line.find("  ");
        if (line.empty() || line.front() == '#' || gap == std::string::npos) continue;
        expected[line.substr(0, gap)] = line.substr(line.find_first_not_of(' ', gap));
    }
    ASSERT_GE(expected.size(), 30u);
    const auto before = snapshot();
    for (const auto& [name, message] : expected) {
        const auto profile = write_profile(read_text(hostile / (name + ".yaml")));
        const auto run = agent({"apply", "--profile", profile.string()});
        EXPECT_EQ(run.exit_code, 3) << name << ": " << run.out << run.err;
        // Messages name the file as given: host.yaml:LINE:COL becomes <dir>/host.yaml:LINE:COL here.
        const std::string want = "kvm-agent apply: " + (m_dir / message).string() + "\n";
        EXPECT_EQ(run.err, want) << name;
    }
    expect_unchanged(before);
}

}  // namespace
}  // namespace tests::netns
