#include "netconfig/verify.h"

#include <algorithm>

#include "netconfig/dynamic_addressing.h"
#include "netconfig/plan.h"

namespace netconfig {

namespace {

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
                    std::chrono::milliseconds timeout, const GatewayBaseline* baseline, VerifyReport& report) {
    for (const IpFamily family : {IpFamily::v4, IpFamily::v6}) {
        const char* name = family == IpFamily::v4 ? "IPv4" : "IPv6";
        if (has_default_route(before, family) && !has_default_route(after, family))
            report.failures.push_back(std::string("the ") + name + " default route is gone");
    }
    for (const auto* route : default_routes(after)) {
        if (!route->next_hop_address || !route->next_hop_interface) continue;  // on-link default: no gateway to ask
        const std::string what =
            "gateway " + route->next_hop_address->to_string() + " on " + route->next_hop_interface->str();
        if (baseline && baseline->silent.count(*route->next_hop_address)) {
            // Asking again would only spend the whole timeout on a gateway that never answers.
            report.passed.push_back(what + " not asked: it did not answer before the change either");
            continue;
        }
        const auto answer = prober.ping_gateway(*route->next_hop_interface, *route->next_hop_address, timeout);
        if (answer) report.passed.push_back(what + " answers");
        else report.failures.push_back(what + " does not answer: " + answer.error().message);
    }
}

}  // namespace

Plan port_address_leftovers(const NetworkState& desired, const NetworkState& now) {
    Plan leftovers;
    const auto residual = plan(desired, now);
    if (!residual) return leftovers;
    const InterfaceIndex now_by_name(now);
    for (const auto& step : residual->steps) {
        if (step.kind != StepKind::del_address) continue;
        const auto* iface = now_by_name.find(step.name);
        if (iface && iface->controller) leftovers.steps.push_back(step);
    }
    return leftovers;
}

bool probes_gateway(const Verification& verification) {
    return verification.probes.empty() ||
           std::any_of(verification.probes.begin(), verification.probes.end(),
                       [](const Probe& probe) { return probe.kind == Probe::Kind::gateway; });
}

GatewayBaseline probe_gateways_before(const NetworkState& before, ConnectivityProber& prober,
                                      std::chrono::milliseconds timeout) {
    GatewayBaseline baseline;
    for (const auto* route : default_routes(before)) {
        if (!route->next_hop_address || !route->next_hop_interface) continue;
        const auto& gateway = *route->next_hop_address;
        if (baseline.answered.count(gateway) || baseline.silent.count(gateway)) continue;
        if (prober.ping_gateway(*route->next_hop_interface, gateway, timeout)) baseline.answered.insert(gateway);
        else baseline.silent.insert(gateway);
    }
    return baseline;
}

VerifyReport verify(const NetworkState& desired, const Verification& verification, const NetworkState& before,
                    const NetworkState& after, ConnectivityProber& prober, std::chrono::milliseconds probe_timeout,
                    const GatewayBaseline* baseline) {
    VerifyReport report;
    const auto residual = plan(desired, after);
    if (!residual) {
        report.failures.push_back("the host cannot reach the profile: " + residual.error().message);
    } else {
        for (const auto& step : residual->steps)
            report.failures.push_back("still differs from the profile: " + step.to_string());
    }
    for (auto& missing : missing_dynamic_addressing(dynamic_requests(desired), desired, before, after))
        report.failures.push_back(std::move(missing));

    const std::vector<Probe> probes = verification.probes.empty() ? std::vector<Probe>{Probe{}} : verification.probes;
    for (const auto& probe : probes) {
        if (probe.kind == Probe::Kind::gateway) {
            probe_gateways(before, after, prober, probe_timeout, baseline, report);
            continue;
        }
        const auto answer = prober.connect_tcp(probe.host, probe.port, probe_timeout);
        if (answer) report.passed.push_back(probe.to_string() + " answers");
        else report.failures.push_back(probe.to_string() + " does not answer: " + answer.error().message);
    }
    return report;
}

}  // namespace netconfig
