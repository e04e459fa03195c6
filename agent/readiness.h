#pragma once
// Publishing the host's readiness after an apply, where admins and monitoring look:
// - STATE_DIR/readiness.json: the doctor's JSON report plus what each section changed (kvm-agent status
//   prints it, and STATE_DIR/readiness.txt, later);
// - the metrics (agent/metrics.h: kvm_host.prom and kvm_host_apply.prom) in STATE_DIR and in node_exporter's
//   textfile collector directory when that exists;
// - journald entries (agent/journal_events.h).
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "agent/doctor.h"
#include "agent/provision.h"
#include "common/result.h"

namespace agent {

struct ReadinessPaths {
    std::filesystem::path state_dir = "/var/lib/kvm-agent";
    std::filesystem::path textfile_dir = "/var/lib/node_exporter/textfile_collector";
};

// readiness.json is read back after an `apply --only` (agent/readiness_scope.h): larger is not ours.
inline constexpr std::size_t k_max_readiness_bytes = 4 * 1024 * 1024;

// The readiness document: the doctor's report, the run's sections (changed lines, failures, notes), the checks
// this apply ran (`checked`: after --only, the report's other results are the previous apply's) and when.
nlohmann::json readiness_json(const DoctorReport& report, const ProvisionRun& run, const std::vector<std::string>& checked);

// Writes the files (atomically); returns the paths written. The journal entries are sent alongside.
common::Result<std::vector<std::string>> publish_readiness(const DoctorReport& report, const ProvisionRun& run,
                                                           const std::vector<std::string>& checked,
                                                           const std::string& text_report, const ReadinessPaths& paths);

// `kvm-agent status`: prints the last apply's report from `state_dir` (readiness.json with `json`, else
// readiness.txt) and returns the exit code its verdict maps to. nullopt when there is none: the caller then runs
// the checks now.
std::optional<int> show_last_report(const std::filesystem::path& state_dir, bool json, std::ostream& out);

// The first-boot unit runs until one apply succeeds: it is skipped once this stamp exists. Made by the first apply
// that ends READY, with its time; left as it is by later ones.
common::Result<std::string> write_firstboot_stamp(const ReadinessPaths& paths);

}  // namespace agent
