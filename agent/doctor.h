#pragma once
// The doctor use case: run the selected checks of the catalogue over HostFacts, time each, and judge.
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "checks/catalogue.h"
#include "checks/check_result.h"
#include "checks/expectations.h"
#include "checks/host_facts.h"
#include "common/result.h"

namespace agent {

struct DoctorReport {
    std::vector<checks::CheckResult> results;
    checks::Verdict verdict = checks::Verdict::ready;
};

// `ids` empty: every check but the opt-in ones. An unknown id is an error naming it, and nothing runs. `expectations`: the host
// profile's, for the checks that judge against it (null: no profile, those SKIP or judge without it). The checks
// run on a few threads at once; the results keep the order of `ids` (or of the catalogue).
common::Result<DoctorReport> run_doctor(const checks::HostFacts& facts, const std::vector<std::string>& ids,
                                        const checks::Expectations* expectations = nullptr);

// The order run_doctor starts `selected` in (indices into it): the checks that wait on a daemon or a probe
// guest (CheckSpec::waits) first, then the rest, each group in its selected order.
std::vector<std::size_t> start_order(const std::vector<const checks::CheckSpec*>& selected);

// The ids a run asks for, with libvirt.guest-smoke added last (--smoke, the profile's verify: guest-smoke):
// `ids` empty stands for every default check, so the result is those and the smoke check.
std::vector<std::string> with_guest_smoke(std::vector<std::string> ids);

// How many checks ended in each status (a status no check ended in is absent): the counts the text
// report's verdict line, the Nagios perfdata and the journal's verdict entry all give.
std::map<checks::Status, int> status_counts(const DoctorReport& report);

// Monitoring-plugin exit codes: 0 READY, 1 DEGRADED, 2 NOT_READY (3 is "could not run", set by the mains).
int exit_code_for(checks::Verdict verdict);
inline constexpr int k_exit_could_not_run = 3;

}  // namespace agent
