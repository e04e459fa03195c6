#pragma once
// The netns tier's fixture: each test gets a throwaway network namespace (`ip netns add kvmt-<pid>-<n>`),
// and the test thread enters it (setns) so the in-process netlink adapter works there; teardown returns to
// the original namespace and deletes the throwaway one. gtest runs tests on this one thread, and setns only
// moves the calling thread, so nothing else is affected. Setup and verification use `ip -n NS` and
// `bridge -n NS` with JSON output, read with nlohmann_json.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "host/netlink/netlink_adapter.h"
#include "tests/support/process.h"

namespace tests::netns {

// A named network namespace that lives as long as this object.
class Namespace {
public:
    // Creates it; on failure name() is empty and error() says why.
    Namespace();
    ~Namespace();
    Namespace(const Namespace&) = delete;
    Namespace& operator=(const Namespace&) = delete;

    const std::string& name() const { return m_name; }
    const std::string& error() const { return m_error; }

private:
    std::string m_name;
    std::string m_error;
};

// Moves the calling thread into a namespace and back when destroyed.
class EnteredNamespace {
public:
    explicit EnteredNamespace(const std::string& name);
    ~EnteredNamespace();
    EnteredNamespace(const EnteredNamespace&) = delete;
    EnteredNamespace& operator=(const EnteredNamespace&) = delete;
    bool ok() const { return m_error.empty(); }
    const std::string& error() const { return m_error; }

private:
    int m_original = -1;  // fd of the thread's original network namespace
    std::string m_error;
};

class NetnsTest : public ::testing::Test {
protected:
    void SetUp() override;
    void TearDown() override;

    // Runs `ip -n NS args...` and fails the test (returning its output anyway) if it exits non-zero.
    std::string ip(const std::vector<std::string>& args);
    // `ip -n NS -j args...` parsed.
    nlohmann::json ip_json(const std::vector<std::string>& args);
    // `bridge -n NS -j args...` parsed.
    nlohmann::json bridge_json(const std::vector<std::string>& args);

    // The `ip -j -d link show dev NAME` object of one link (null when it does not exist).
    nlohmann::json link(const std::string& name);
    // "ADDRESS/PREFIX" of every address on NAME except IPv6 link-local ones, as `ip -j addr` lists them.
    std::vector<std::string> addresses(const std::string& name);
    // `ip -j route show` (IPv4) or `ip -j -6 route show` (IPv6), main table.
    nlohmann::json routes(bool ipv6 = false);
    // A veth pair made with `ip`, both ends in this namespace, down.
    void add_veth(const std::string& name, const std::string& peer);
    // The host's NIC and its gateway: v0 (up, 10.0.0.1/24, and fd00::1/64 with `ipv6`) here, its peer v0p in
    // a second namespace as the gateway at 10.0.0.254/24 (and fd00::fe/64).
    void connect_gateway(bool ipv6);

    host::netlink::NetlinkAdapter& adapter() { return *m_adapter; }
    const std::string& ns() const { return m_namespace->name(); }

private:
    nlohmann::json run_json(const std::vector<std::string>& argv);

    std::unique_ptr<Namespace> m_namespace;
    std::unique_ptr<Namespace> m_gateway_namespace;  // connect_gateway()'s
    std::unique_ptr<EnteredNamespace> m_entered;
    std::unique_ptr<host::netlink::NetlinkAdapter> m_adapter;
};

// "192.0.2.10/24" as the model's address.
netconfig::InterfaceAddress address(const std::string& text);
// A route to `destination` ("0.0.0.0/0"...), optionally via a gateway and out of a device.
netconfig::Route route(const std::string& destination, std::optional<std::string> via,
                       std::optional<std::string> dev, std::optional<std::uint32_t> metric = std::nullopt);

// Expects an OpResult to be ok, printing the adapter's error otherwise.
#define EXPECT_OP_OK(expression)                                                  \
    do {                                                                         \
        const auto op_result_ = (expression);                                    \
        EXPECT_TRUE(op_result_.ok()) << #expression << ": " << op_result_.error().message; \
    } while (0)
#define ASSERT_OP_OK(expression)                                                  \
    do {                                                                         \
        const auto op_result_ = (expression);                                    \
        ASSERT_TRUE(op_result_.ok()) << #expression << ": " << op_result_.error().message; \
    } while (0)

}  // namespace tests::netns
