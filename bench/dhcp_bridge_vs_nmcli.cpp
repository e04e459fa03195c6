// Benchmark: the headline network change, a DHCP uplink moved under a bridge, made (a) by `kvm-agent apply`
// and (b) by NetworkManager alone, side by side in one QEMU guest of the system tier (Debian 12, its uplink nic0
// on DHCP in NetworkManager's own `uplink` profile; QEMU's user network serves the lease).
//
// (a) kvm-agent apply --only network with docs/kickstart.md's network section (br0 over nic0, mac-address
//     from-port, ipv4 dhcp, stp off): netlink steps, then its NetworkManager profiles activated, the lease
//     waited for, the default route and the gateway verified, under a NetworkManager checkpoint. Timed from
//     start to exit.
// (b) What an admin does with NetworkManager alone to reach the same state: the same two profiles kvm-agent
//     wrote (captured after an untimed first run) copied into /etc/NetworkManager/system-connections, `nmcli
//     connection reload`, `nmcli -w 60 connection up` of the port's profile (which brings its bridge up), then
//     waiting, as kvm-agent does, for the lease and the default route on br0 and one answer from the gateway.
// Rounds alternate the order (a b, then b a); before each run a guest-side script puts nic0 back on its own
// profile with its lease. After each run the end state is read back (br0 with nic0's lease and MAC, nic0 its
// port, the default route through br0), so neither wins by doing less.
//
// Wall and CPU are measured inside the guest by a wrapper (bash's $EPOCHREALTIME, `times`), so the round trips
// through the guest agent are not in the figures; CPU leaves out the daemons asked (NetworkManager).
// Timing is reported, never asserted. Exit status: 0 all ran and converged, 1 a contender failed or left a wrong
// state, 2 usage, 77 (a CTest skip) when no guest can be booted here.
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "figures.h"
#include "guest_timed.h"
#include "tests/support/process.h"
#include "tests/system/support/guest_vm.h"
#include "tests/system/support/kickstart_profile.h"

namespace {

using bench::fixed;
using bench::k_timed_sh;
using bench::median;

namespace fs = std::filesystem;
using namespace tests::system;
using Clock = std::chrono::steady_clock;

constexpr int k_exit_ok = 0;
constexpr int k_exit_failed = 1;
constexpr int k_exit_usage = 2;
constexpr int k_exit_skip = 77;

const std::string k_dir = "/root/kvm-bench";
const std::string k_agent = "/usr/local/sbin/kvm-agent";  // copied from the build tree: no 9p read in the timing
const std::string k_profile_path = "/etc/kvm-agent/host.yaml";

// (b): NetworkManager alone, with the profiles kvm-agent wrote, to the point kvm-agent stops at.
constexpr const char* k_nmcli_sh = R"SH(#!/bin/bash
set -e
install -m 600 /root/kvm-bench/profiles/*.nmconnection /etc/NetworkManager/system-connections/
nmcli connection reload
nmcli -w 60 connection up kvm-agent-nic0
for i in $(seq 1 600); do
  ip -4 addr show dev br0 | grep -q 'inet 10.0.2.15/24' && ip -4 route show default | grep -q 'dev br0' && break
  sleep 0.05
done
ping -c 1 -W 5 -I br0 10.0.2.2 > /dev/null
)SH";

// Back to the host as it boots: our profiles and br0 gone, nic0 on its own profile with its lease.
constexpr const char* k_reset_sh = R"SH(#!/bin/bash
nmcli connection delete kvm-agent-br0 kvm-agent-nic0 > /dev/null 2>&1
rm -f /etc/NetworkManager/system-connections/kvm-agent-*.nmconnection
ip link del br0 2> /dev/null
nmcli connection reload
nmcli -w 60 connection up uplink > /dev/null || exit 1
for i in $(seq 1 600); do
  ip -4 addr show dev nic0 | grep -q 'inet 10.0.2.15/24' && ip -4 route show default | grep -q 'dev nic0' && exit 0
  sleep 0.1
done
exit 1
)SH";

// The end state both must reach, one line per fact that differs from it (nothing: reached).
constexpr const char* k_check_sh = R"SH(#!/bin/bash
ip -4 addr show dev br0 2> /dev/null | grep -q 'inet 10.0.2.15/24 .*dynamic' || echo "br0 has no lease 10.0.2.15/24"
[ "$(cat /sys/class/net/br0/address 2> /dev/null)" = 52:54:00:4b:00:00 ] || echo "br0 has not nic0's MAC"
[ "$(basename "$(readlink /sys/class/net/nic0/master)")" = br0 ] || echo "nic0 is not a port of br0"
ip -4 route show default | grep -q 'via 10.0.2.2 dev br0' || echo "no default route via 10.0.2.2 on br0"
true
)SH";

struct Timed {
    int exit_status = -1;
    double wall_ms = 0;
    double cpu_ms = 0;
};

struct Series {
    std::vector<double> wall_ms;
    std::vector<double> cpu_ms;
};

class Failure : public std::runtime_error {
    using std::runtime_error::runtime_error;
};

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

class Bench {
public:
    explicit Bench(GuestVm& guest) : m_guest(guest) {}

    std::string must(const std::vector<std::string>& argv) const {
        const auto result = m_guest.run(argv, std::chrono::seconds(300));
        if (result.exit_code != 0) {
            std::string text;
            for (const auto& arg : argv) text += (text.empty() ? "" : " ") + arg;
            throw Failure("guest command `" + text + "` exited " + std::to_string(result.exit_code) + ": " +
                          result.err + result.out);
        }
        return result.out;
    }

    void set_up() const {
        must({"mkdir", "-p", k_dir + "/profiles", "/etc/kvm-agent"});
        m_guest.write_file(k_dir + "/timed.sh", k_timed_sh);
        m_guest.write_file(k_dir + "/nmcli.sh", k_nmcli_sh);
        m_guest.write_file(k_dir + "/reset.sh", k_reset_sh);
        m_guest.write_file(k_dir + "/check.sh", k_check_sh);
        m_guest.write_file(k_profile_path, kickstart_network("60s"));
        must({"chmod", "600", k_profile_path});
        must({"chmod", "755", k_dir + "/timed.sh", k_dir + "/nmcli.sh", k_dir + "/reset.sh", k_dir + "/check.sh"});
        must({"install", "-m", "755", "/mnt/build/kvm-agent", k_agent});
        must({"nm-online", "-s", "-q", "-t", "120"});
    }

    Timed timed(const std::vector<std::string>& argv, const std::string& who) const {
        std::vector<std::string> wrapped = {"/bin/bash", k_dir + "/timed.sh", "/run/kvm-bench.out", "/run/kvm-bench.err"};
        wrapped.insert(wrapped.end(), argv.begin(), argv.end());
        const auto figures = must(wrapped);
        Timed t;
        long long wall_us = 0, cpu_ms = 0;
        std::istringstream in(figures);
        if (!(in >> t.exit_status >> wall_us >> cpu_ms)) throw Failure("timed.sh printed '" + figures + "'");
        t.wall_ms = static_cast<double>(wall_us) / 1000.0;
        t.cpu_ms = static_cast<double>(cpu_ms);
        if (t.exit_status != 0)
            throw Failure(who + " exited " + std::to_string(t.exit_status) + ":\n" +
                          m_guest.read_file("/run/kvm-bench.out") + m_guest.read_file("/run/kvm-bench.err"));
        const auto problems = must({k_dir + "/check.sh"});
        if (!problems.empty()) throw Failure(who + " left the guest unlike the profile:\n" + problems);
        return t;
    }

    void reset() const { must({k_dir + "/reset.sh"}); }

    Timed agent() const {
        return timed({k_agent, "apply", "--profile", k_profile_path, "--only", "network", "--output", "json"},
                     "kvm-agent apply");
    }
    Timed nmcli() const { return timed({k_dir + "/nmcli.sh"}, "NetworkManager alone"); }

    // The profiles kvm-agent wrote, for (b) to activate.
    void capture_profiles() const {
        must({"sh", "-c", "cp /etc/NetworkManager/system-connections/kvm-agent-br0.nmconnection "
                          "/etc/NetworkManager/system-connections/kvm-agent-nic0.nmconnection " +
                              k_dir + "/profiles/"});
    }

private:
    GuestVm& m_guest;
};

std::string row(const std::string& name, const std::string& command, const Series& series) {
    const auto& t = series.wall_ms;
    return "| " + name + " | " + command + " | " + std::to_string(t.size()) + " | " + fixed(median(t), 0) + " | " +
           fixed(*std::min_element(t.begin(), t.end()), 0) + " | " + fixed(*std::max_element(t.begin(), t.end()), 0) +
           " | " + fixed(median(series.cpu_ms), 0) + " |\n";
}

}  // namespace

int main(int argc, char** argv) {
    int runs = 5;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--runs" && i + 1 < argc) {
            char* end = nullptr;
            errno = 0;
            const long value = std::strtol(argv[++i], &end, 10);
            if (errno != 0 || *end != '\0' || value < 1 || value > 1000) {
                std::cerr << argv[0] << ": --runs needs a whole number from 1 to 1000\n";
                return k_exit_usage;
            }
            runs = static_cast<int>(value);
            continue;
        }
        std::cerr << "Usage: " << argv[0] << " [--runs N]\n"
                  << "Boots one system-tier guest (KVM_SYSTEM_STATE_ROOT, as ctest sets it) and moves its DHCP uplink\n"
                     "under a bridge N times with kvm-agent and N times with NetworkManager alone (default 5),\n"
                     "alternating the order; prints medians and their ratio as markdown.\n";
        return arg == "-h" || arg == "--help" ? k_exit_ok : k_exit_usage;
    }

    const auto root = state_root();
    if (root.empty()) {
        std::cout << "SKIP: KVM_SYSTEM_STATE_ROOT is not set: run through ctest (ctest --test-dir build -R bench_dhcp -V)\n";
        return k_exit_skip;
    }
    BootOptions boot;
    boot.image_dir = recorded_image_dir(root);
    if (boot.image_dir.empty()) {
        const auto reason = unavailable_reason(root);
        std::cout << "SKIP: " << (reason.empty() ? "no guest image recorded under " + root.string() : reason) << "\n";
        return k_exit_skip;
    }
    if (!tests::have_program("qemu-system-x86_64")) {
        std::cout << "SKIP: qemu-system-x86_64 is not installed\n";
        return k_exit_skip;
    }
    boot.state_dir = root / "bench_dhcp_bridge_vs_nmcli";
    boot.build_dir = KVM_SYSTEM_BUILD_DIR;

    try {
        std::cerr << "booting the guest (" << boot.image_dir.string() << ")\n";
        auto guest = GuestVm::boot(boot);
        Bench bench(guest);
        bench.set_up();
        const auto nm_version = first_line(bench.must({"nmcli", "--version"}));
        const auto guest_kernel = first_line(bench.must({"uname", "-r"}));

        // Untimed: kvm-agent writes the profiles (b) uses, and both paths are warm.
        bench.agent();
        bench.capture_profiles();
        bench.reset();
        bench.nmcli();

        Series agent, nmcli;
        for (int r = 0; r < runs; ++r) {
            const bool agent_first = r % 2 == 0;
            for (const bool is_agent : {agent_first, !agent_first}) {
                bench.reset();
                const auto t = is_agent ? bench.agent() : bench.nmcli();
                auto& series = is_agent ? agent : nmcli;
                series.wall_ms.push_back(t.wall_ms);
                series.cpu_ms.push_back(t.cpu_ms);
                std::cerr << "run " << r + 1 << "/" << runs << ": " << (is_agent ? "kvm-agent" : "NetworkManager") << " "
                          << fixed(t.wall_ms, 0) << " ms\n";
            }
        }
        utsname names{};
        ::uname(&names);
        const double a = median(agent.wall_ms);
        const double b = median(nmcli.wall_ms);
        std::cout << "\nGuest: Debian 12, kernel " << guest_kernel << ", " << guest.accelerator() << " (" << nm_version
                  << "); host kernel " << names.release << ", " << ::sysconf(_SC_NPROCESSORS_ONLN)
                  << " CPUs online. " << runs << " timed rounds, alternating the order (a b, then b a), nic0 back "
                  << "on its own profile with its lease before each run. Wall and CPU measured in the guest.\n\n"
                  << "| Contender | Command | Runs | Median wall (ms) | Min (ms) | Max (ms) | Median CPU (ms) |\n"
                  << "|---|---|---:|---:|---:|---:|---:|\n"
                  << row("(a) kvm-agent", "`kvm-agent apply --only network` (kickstart profile)", agent)
                  << row("(b) NetworkManager alone", "the same profiles, `nmcli connection reload; nmcli connection up`, "
                                                     "wait for the lease and the route, ping the gateway",
                         nmcli)
                  << "\n| Measure | Value |\n|---|---:|\n"
                  << "| median(a) / median(b): kvm-agent / NetworkManager alone | " << fixed(a / b, 2) << " |\n"
                  << "| median(a) - median(b) | " << fixed(a - b, 0) << " ms |\n";
    } catch (const Failure& failure) {
        std::cerr << "FAIL: " << failure.what() << "\n";
        return k_exit_failed;
    } catch (const std::exception& error) {
        std::cerr << "FAIL: the guest: " << error.what() << "\n";
        return k_exit_failed;
    }
    return k_exit_ok;
}
