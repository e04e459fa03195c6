// Benchmark: how the network planner's cost grows with the number of interfaces (docs/benchmarks.md).
//
// The states are built in memory, so the figures are the planner's own (no kernel, no profile file): N/2 veth
// ports exist, down and unconfigured; the desired state adds N/2 bridges, each with one of them as its port and
// an IPv4 address, as the network bench's profile does. Three plans are timed, as one apply makes them:
//   first   plan(desired, observed): the changes of a first apply (5 steps per bridge);
//   no-op   plan(desired, converged): the same host once converged (no step);
//   rollback rollback_plan(observed, converged): what apply computes to take the change back.
// Each is run --runs times per size after one untimed run; the medians of user CPU time are reported, with the cost
// per interface and the growth of the cost of one more interface from the smallest to the largest sizes
// (1.0 is linear; a cost growing with N squared gives about the ratio of the sizes). Never asserted: exit 0
// unless a plan fails or the no-op plan is not empty.
#include <sys/resource.h>

#include <iostream>
#include <string>
#include <vector>

#include "bench/figures.h"
#include "netconfig/plan.h"

namespace {

using netconfig::IfName;
using netconfig::Interface;
using netconfig::InterfaceType;
using netconfig::NetworkState;

struct States {
    NetworkState desired;
    NetworkState observed;
    NetworkState converged;
};

States make_states(int interfaces) {
    States states;
    const int bridges = interfaces / 2;
    for (int i = 0; i < bridges; ++i) {
        const IfName port("veth" + std::to_string(i));
        Interface veth;
        veth.name = port;
        veth.type = InterfaceType::veth;
        veth.state = netconfig::InterfaceState::down;
        veth.ipv4.addresses.emplace();
        veth.ipv6.addresses.emplace();
        states.observed.interfaces.push_back(veth);

        Interface bridge;
        bridge.name = IfName("br" + std::to_string(i));
        bridge.type = InterfaceType::linux_bridge;
        bridge.ipv4.enabled = true;
        const auto ip = "10." + std::to_string(i / 250) + "." + std::to_string(i % 250) + ".1";
        bridge.ipv4.addresses = std::vector{netconfig::InterfaceAddress{*netconfig::IpAddress::parse(ip), 24}};
        auto& config = bridge.bridge.emplace();
        config.options.stp.enabled = false;
        config.ports = std::vector{netconfig::BridgePort{port, std::nullopt, std::nullopt}};
        states.desired.interfaces.push_back(bridge);
    }
    states.converged = states.observed;
    if (auto first = netconfig::plan(states.desired, states.observed))
        netconfig::simulate(states.converged, first->steps);
    return states;
}

// User CPU only: the kernel's share is page faults, which on a virtual machine cost what the hypervisor makes
// them cost (reported apart, as system time).
struct Cpu {
    double user_ms = 0;
    double system_ms = 0;
};
Cpu cpu_now() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const auto ms = [](const timeval& t) { return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_usec) / 1e3; };
    return {ms(usage.ru_utime), ms(usage.ru_stime)};
}

struct Timed {
    double user_ms = 0;    // median
    double system_ms = 0;  // median
    std::size_t steps = 0;
};

// The median user and system CPU time of `runs` calls of `work`, after one untimed call; the step count.
template <typename Work>
Timed time_plan(int runs, Work work) {
    Timed timed;
    timed.steps = work();
    std::vector<double> user, system;
    for (int run = 0; run < runs; ++run) {
        const auto start = cpu_now();
        timed.steps = work();
        const auto end = cpu_now();
        user.push_back(end.user_ms - start.user_ms);
        system.push_back(end.system_ms - start.system_ms);
    }
    timed.user_ms = bench::median(user);
    timed.system_ms = bench::median(system);
    return timed;
}

std::vector<int> parse_sizes(const std::string& text) {
    std::vector<int> sizes;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto comma = text.find(',', start);
        const auto part = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!part.empty()) sizes.push_back(std::stoi(part));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return sizes;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<int> sizes{1000, 2000, 5000, 10000, 20000};
    int runs = 5;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--sizes" && i + 1 < argc) sizes = parse_sizes(argv[++i]);
        else if (arg == "--runs" && i + 1 < argc) runs = std::stoi(argv[++i]);
        else {
            std::cerr << "usage: bench_plan_scale [--sizes N,N,...] [--runs R]\n"
                         "Times the network planner on in-memory states of N interfaces (N/2 bridges, each with a\n"
                         "veth port and an address): the first plan, the no-op plan and the rollback plan.\n";
            return arg == "--help" ? 0 : 2;
        }
    }
    if (sizes.size() < 2 || runs < 1) {
        std::cerr << "bench_plan_scale: at least two sizes and one run\n";
        return 2;
    }

    struct Row {
        int interfaces;
        double first, noop, rollback;  // user CPU, ms
        double system;                 // system CPU of the three, ms
        std::size_t first_steps;
    };
    std::vector<Row> rows;
    for (const int size : sizes) {
        const auto states = make_states(size);
        bool failed = false;
        const auto first = time_plan(runs, [&] {
            auto plan = netconfig::plan(states.desired, states.observed);
            failed = failed || !plan;
            return plan ? plan->steps.size() : 0;
        });
        const auto noop = time_plan(runs, [&] {
            auto plan = netconfig::plan(states.desired, states.converged);
            failed = failed || !plan;
            return plan ? plan->steps.size() : 1;
        });
        const auto rollback = time_plan(runs, [&] {
            auto plan = netconfig::rollback_plan(states.observed, states.converged);
            failed = failed || !plan;
            return plan ? plan->steps.size() : 0;
        });
        if (failed || noop.steps != 0) {
            std::cerr << "bench_plan_scale: at " << size << " interfaces a plan failed or the no-op plan has "
                      << noop.steps << " steps\n";
            return 1;
        }
        rows.push_back({size, first.user_ms, noop.user_ms, rollback.user_ms,
                        first.system_ms + noop.system_ms + rollback.system_ms, first.steps});
    }

    std::cout << "Network planner, in-memory states, median user CPU of " << bench::plural(runs, "run")
              << " per size (system CPU: the three plans' page faults)\n\n"
              << "| Interfaces | Steps | First plan (ms) | per interface (us) | No-op plan (ms) | Rollback plan (ms) | "
                 "System (ms) |\n"
              << "|---:|---:|---:|---:|---:|---:|---:|\n";
    for (const auto& row : rows)
        std::cout << "| " << row.interfaces << " | " << row.first_steps << " | " << bench::fixed(row.first, 1) << " | "
                  << bench::fixed(row.first * 1e3 / row.interfaces, 1) << " | " << bench::fixed(row.noop, 1) << " | "
                  << bench::fixed(row.rollback, 1) << " | " << bench::fixed(row.system, 1) << " |\n";

    // The cost of one more interface over the last step of sizes, against the first step.
    const auto& a = rows[0];
    const auto& b = rows[1];
    const auto& y = rows[rows.size() - 2];
    const auto& z = rows.back();
    const auto growth = [&](double Row::*field) {
        const double early = (b.*field - a.*field) / (b.interfaces - a.interfaces);
        const double late = (z.*field - y.*field) / (z.interfaces - y.interfaces);
        return early > 0 ? late / early : 0.0;
    };
    std::cout << "\nGrowth of the cost of one more interface, " << y.interfaces << "->" << z.interfaces << " against "
              << a.interfaces << "->" << b.interfaces << " (1.0 linear):\n"
              << "| Plan | Growth |\n|---|---:|\n"
              << "| first | " << bench::fixed(growth(&Row::first), 2) << " |\n"
              << "| no-op | " << bench::fixed(growth(&Row::noop), 2) << " |\n"
              << "| rollback | " << bench::fixed(growth(&Row::rollback), 2) << " |\n";
    return 0;
}
