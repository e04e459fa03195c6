#include "netconfig/verify.h"

#include "netconfig/plan.h"

namespace netconfig {

namespace {

bool is_main_table(const Route& route) { return !route.table_id || *route.table_id == k_main_table; }

// The default routes of the main table, by family, as the kernel reports them.
std::vector<const Route*> default_routes(const NetworkState& state) {
    std::vector<const Route*> routes;
    for (const auto& route : state.routes)
        if (!route.absent && route.destination.is_default() && is_main_table(route)) routes.push_back(&route);
    return routes;
}

bool has_default_route(const NetworkState& state, IpFamily family) {
    for (const auto* route : default_routes(state))
        if (route->destination.address.family == family) return true;
    return false;
}

void probe_gateways(const NetworkState& before, const NetworkState& after, ConnectivityProber& prober,
                    std::chrono::milliseconds timeout, VerifyReport& report) {
    for (const IpFamily family : {IpFamily::v4, IpFamily::v6}) {
        const char* name = family == IpFamily::v4 ? "IPv4" : "IPv6";
        if (has_default_route(before, family) && !has_default_route(after, family))
            report.failures.push_back(std::string("the ") + name + " default route is gone");
    }
    for (const auto* route : default_routes(after)) {
        if (!route->next_hop_address || !route->next_hop_interface) continue;  // on-link default: no gateway to ask
        const std::string what =
            "gateway " + route->next_hop_address->to_string() + " on " + route->next_hop_interface->str();
        const auto answer = prober.ping_gateway(*route->next_hop_interface, *route->next_hop_address, timeout);
        if (answer) report.passed.push_back(what + " answers");
        else report.failures.push_back(what + " does not answer: " + answer.error().message);
    }
}

}  // namespace

VerifyReport verify(const NetworkState& desired, const Verification& verification, const NetworkState& before,
                    const NetworkState& after, ConnectivityProber& prober, std::chrono::milliseconds probe_timeout) {
    VerifyReport report;
    const auto residual = plan(desired, after);
    if (!residual) {
        report.failures.push_back("the host cannot reach the profile: " + residual.error().message);
    } else {
        for (const auto& step : residual->steps)
            report.failures.push_back("still differs from the profile: " + step.to_string());
    }

    const std::vector<Probe> probes = verification.probes.empty() ? std::vector<Probe>{Probe{}} : verification.probes;
    for (const auto& probe : probes) {
        if (probe.kind == Probe::Kind::gateway) {
            probe_gateways(before, after, prober, probe_timeout, report);
            continue;
        }
        const auto answer = prober.connect_tcp(probe.host, probe.port, probe_timeout);
        if (answer) report.passed.push_back(probe.to_string() + " answers");
        else report.failures.push_back(probe.to_string() + " does not answer: " + answer.error().message);
    }
    return report;
}

}  // namespace netconfig
