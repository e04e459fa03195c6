#include "tests/netns/netns_fixture.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tests::netns {
namespace {

int g_next_namespace = 0;

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

}  // namespace

Namespace::Namespace() {
    if (!have_program("ip")) {
        m_error = "the `ip` program (iproute2) is not installed";
        return;
    }
    const std::string name = "kvmt-" + std::to_string(::getpid()) + "-" + std::to_string(g_next_namespace++);
    const auto added = run_process({"ip", "netns", "add", name});
    if (added.exit_code != 0) {
        m_error = "`ip netns add " + name + "` failed (needs root or CAP_NET_ADMIN/CAP_SYS_ADMIN): " +
                  trimmed(added.err);
        return;
    }
    m_name = name;
}

Namespace::~Namespace() {
    if (!m_name.empty()) run_process({"ip", "netns", "delete", m_name});
}

EnteredNamespace::EnteredNamespace(const std::string& name) {
    m_original = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (m_original < 0) {
        m_error = std::string("cannot open this thread's network namespace: ") + std::strerror(errno);
        return;
    }
    const std::string path = "/run/netns/" + name;
    const int target = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (target < 0) {
        m_error = "cannot open " + path + ": " + std::strerror(errno);
        return;
    }
    if (::setns(target, CLONE_NEWNET) != 0) m_error = "setns(" + path + "): " + std::strerror(errno);
    ::close(target);
}

EnteredNamespace::~EnteredNamespace() {
    if (m_original < 0) return;
    // Going back can only fail if the original namespace vanished, which the test process holds open.
    if (::setns(m_original, CLONE_NEWNET) != 0) std::abort();
    ::close(m_original);
}

void NetnsTest::SetUp() {
    m_namespace = std::make_unique<Namespace>();
    if (m_namespace->name().empty()) GTEST_SKIP() << m_namespace->error();
    m_entered = std::make_unique<EnteredNamespace>(m_namespace->name());
    ASSERT_TRUE(m_entered->ok()) << m_entered->error();
    auto adapter = host::netlink::NetlinkAdapter::open();
    ASSERT_TRUE(adapter.ok()) << adapter.error().message;
    m_adapter = std::move(adapter).value();
}

void NetnsTest::TearDown() {
    m_adapter.reset();
    m_entered.reset();
    m_gateway_namespace.reset();
    m_namespace.reset();
}

std::string NetnsTest::ip(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"ip", "-n", ns()};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto result = run_process(argv);
    std::string command;
    for (const auto& arg : argv) command += arg + " ";
    EXPECT_EQ(result.exit_code, 0) << command << "failed: " << result.err;
    return result.out;
}

nlohmann::json NetnsTest::run_json(const std::vector<std::string>& argv) {
    const auto result = run_process(argv);
    std::string command;
    for (const auto& arg : argv) command += arg + " ";
    EXPECT_EQ(result.exit_code, 0) << command << "failed: " << result.err;
    if (result.exit_code != 0 || trimmed(result.out).empty()) return nlohmann::json::array();
    return nlohmann::json::parse(result.out);
}

nlohmann::json NetnsTest::ip_json(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"ip", "-n", ns(), "-j"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_json(argv);
}

nlohmann::json NetnsTest::bridge_json(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"bridge", "-n", ns(), "-j"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_json(argv);
}

nlohmann::json NetnsTest::link(const std::string& name) {
    // Not through run_json: a missing link is an answer here, not a failure.
    const auto result = run_process({"ip", "-n", ns(), "-j", "-d", "link", "show", "dev", name});
    if (result.exit_code != 0) return nullptr;
    const auto links = nlohmann::json::parse(result.out);
    return links.empty() ? nlohmann::json(nullptr) : links.at(0);
}

std::vector<std::string> NetnsTest::addresses(const std::string& name) {
    std::vector<std::string> out;
    for (const auto& entry : ip_json({"addr", "show", "dev", name}))
        for (const auto& info : entry.value("addr_info", nlohmann::json::array())) {
            if (info.value("family", "") == "inet6" && info.value("scope", "") == "link") continue;
            out.push_back(info.at("local").get<std::string>() + "/" + std::to_string(info.at("prefixlen").get<int>()));
        }
    return out;
}

nlohmann::json NetnsTest::routes(bool ipv6) {
    return ipv6 ? ip_json({"-6", "route", "show"}) : ip_json({"route", "show"});
}

void NetnsTest::add_veth(const std::string& name, const std::string& peer) {
    ip({"link", "add", name, "type", "veth", "peer", "name", peer});
}

void NetnsTest::connect_gateway(bool ipv6) {
    m_gateway_namespace = std::make_unique<Namespace>();
    ASSERT_FALSE(m_gateway_namespace->name().empty()) << m_gateway_namespace->error();
    add_veth("v0", "v0p");
    ip({"link", "set", "v0p", "netns", m_gateway_namespace->name()});
    ip({"link", "set", "v0", "up"});
    ip({"addr", "add", "10.0.0.1/24", "dev", "v0"});
    std::vector<std::vector<std::string>> gateway{{"link", "set", "v0p", "up"},
                                                  {"addr", "add", "10.0.0.254/24", "dev", "v0p"}};
    if (ipv6) {
        ip({"addr", "add", "fd00::1/64", "dev", "v0", "nodad"});
        gateway.push_back({"addr", "add", "fd00::fe/64", "dev", "v0p", "nodad"});
    }
    for (const auto& args : gateway) {
        std::vector<std::string> argv{"ip", "-n", m_gateway_namespace->name()};
        argv.insert(argv.end(), args.begin(), args.end());
        const auto result = run_process(argv);
        ASSERT_EQ(result.exit_code, 0) << result.err;
    }
}

netconfig::InterfaceAddress address(const std::string& text) {
    const auto slash = text.find('/');
    netconfig::InterfaceAddress out;
    out.ip = netconfig::IpAddress::parse(text.substr(0, slash)).value();
    out.prefix_length = static_cast<unsigned>(std::stoul(text.substr(slash + 1)));
    return out;
}

netconfig::Route route(const std::string& destination, std::optional<std::string> via,
                       std::optional<std::string> dev, std::optional<std::uint32_t> metric) {
    netconfig::Route out;
    out.destination = netconfig::IpNetwork::parse(destination).value();
    if (via) out.next_hop_address = netconfig::IpAddress::parse(*via).value();
    if (dev) out.next_hop_interface = netconfig::IfName(*dev);
    out.metric = metric;
    return out;
}

}  // namespace tests::netns
