#include "agent/doctor.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <numeric>
#include <thread>

#include "checks/catalogue.h"

namespace agent {

namespace {

constexpr std::size_t k_check_threads = 4;

checks::CheckResult run_check(const checks::CheckSpec& spec, const checks::HostFacts& facts,
                              const checks::Expectations* expectations) {
    const auto start = std::chrono::steady_clock::now();
    checks::Outcome outcome;
    // A bug in one judge marks that check ERROR; the rest of the report still stands.
    try {
        outcome = spec.run(facts, expectations);
    } catch (const std::exception& e) {
        outcome = checks::error(std::string("internal error: ") + e.what());
    } catch (...) {
        outcome = checks::error("internal error: an exception of unknown type");
    }
    const auto elapsed = std::chrono::steady_clock::now() - start;
    return {std::string(spec.id), std::string(spec.title), outcome.status, std::move(outcome.evidence),
            std::move(outcome.fix), std::chrono::duration_cast<std::chrono::milliseconds>(elapsed)};
}

}  // namespace

std::vector<std::size_t> start_order(const std::vector<const checks::CheckSpec*>& selected) {
    std::vector<std::size_t> order(selected.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_partition(order.begin(), order.end(), [&](std::size_t i) { return selected[i]->waits; });
    return order;
}

common::Result<DoctorReport> run_doctor(const checks::HostFacts& facts, const std::vector<std::string>& ids,
                                        const checks::Expectations* expectations) {
    std::vector<const checks::CheckSpec*> selected;
    if (ids.empty()) {
        for (const auto& spec : checks::catalogue())
            if (!spec.opt_in) selected.push_back(&spec);
    } else {
        for (const auto& id : ids) {
            const auto* spec = checks::find_check(id);
            if (!spec) return common::make_error("unknown check id \"" + id + "\" (kvm-doctor --list shows them)");
            selected.push_back(spec);
        }
    }
    // The checks run side by side: most of a check's time is waiting (a daemon's answer, the KVM probe's guest),
    // and HostFacts reads a fact once for all who ask. The report keeps the order they were selected in.
    DoctorReport report;
    report.results.resize(selected.size());
    const auto order = start_order(selected);
    std::atomic<std::size_t> next{0};
    const auto work = [&] {
        for (std::size_t i = next++; i < order.size(); i = next++)
            report.results[order[i]] = run_check(*selected[order[i]], facts, expectations);
    };
    std::vector<std::thread> helpers;
    for (std::size_t t = 1; t < std::min(k_check_threads, selected.size()); ++t) helpers.emplace_back(work);
    work();
    for (auto& helper : helpers) helper.join();
    report.verdict = checks::verdict_of(report.results);
    return report;
}

std::vector<std::string> with_guest_smoke(std::vector<std::string> ids) {
    if (ids.empty()) ids = checks::default_check_ids();
    if (std::find(ids.begin(), ids.end(), checks::k_guest_smoke_check) == ids.end())
        ids.emplace_back(checks::k_guest_smoke_check);
    return ids;
}

std::map<checks::Status, int> status_counts(const DoctorReport& report) {
    std::map<checks::Status, int> counts;
    for (const auto& result : report.results) ++counts[result.status];
    return counts;
}

int exit_code_for(checks::Verdict verdict) {
    switch (verdict) {
        case checks::Verdict::ready: return 0;
        case checks::Verdict::degraded: return 1;
        case checks::Verdict::not_ready: return 2;
    }
    return k_exit_could_not_run;
}

}  // namespace agent
