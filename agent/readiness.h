#pragma once
// Publishing the host's readiness after an apply, where admins and monitoring look:
// - STATE_DIR/readiness.json: the doctor's JSON report plus what each section changed (kvm-agent status
//   prints it, and STATE_DIR/readiness.txt, later);
// - a node_exporter textfile (kvm_host.prom): kvm_host_ready and kvm_host_check_status{id=...}, written into
//   the textfile collector's directory when that exists;
// - journald entries with structured fields (KVM_HOST_VERDICT, KVM_CHECK_ID, KVM_CHECK_STATUS).
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

// The readiness document: the doctor's report, the run's sections (changed lines, failures, notes) and when.
nlohmann::json readiness_json(const DoctorReport& report, const ProvisionRun& run);

// Prometheus exposition text: kvm_host_ready (1 READY, 0 otherwise), kvm_host_verdict{verdict=...},
// kvm_host_check_status{id=...,status=...} 1 per check, and kvm_host_last_apply_timestamp_seconds.
std::string prometheus_text(const DoctorReport& report, long long unix_time);

// Writes the files (atomically); returns the paths written. The journal entries are sent alongside.
common::Result<std::vector<std::string>> publish_readiness(const DoctorReport& report, const ProvisionRun& run,
                                                           const std::string& text_report, const ReadinessPaths& paths);

// `kvm-agent status`: prints the last apply's report from `state_dir` (readiness.json with `json`, else
// readiness.txt) and returns the exit code its verdict maps to. nullopt when there is none: the caller then runs
// the checks now.
std::optional<int> show_last_report(const std::filesystem::path& state_dir, bool json, std::ostream& out);

// The first-boot unit runs until one apply succeeds: it is skipped once this stamp exists.
common::Result<std::string> write_firstboot_stamp(const ReadinessPaths& paths);

}  // namespace agent
