#pragma once
// The host's readiness and the last apply as Prometheus metrics, in the exposition format node_exporter's
// textfile collector reads. Two files, each with one writer's metrics, so that no two files ever hold the same
// series: kvm_host.prom (the checks: written by every `kvm-doctor --textfile` run, the timer's, and by
// `kvm-agent apply`) and kvm_host_apply.prom (the last apply: written by apply alone). docs/metrics.md names them.
#include <string>

#include "agent/doctor.h"

namespace agent {

inline constexpr const char* k_readiness_metrics_file = "kvm_host.prom";
inline constexpr const char* k_apply_metrics_file = "kvm_host_apply.prom";

// kvm_host_build_info{version}, kvm_host_ready, kvm_host_verdict{verdict}, kvm_host_check_status{id,status},
// kvm_host_check_duration_seconds{id}, kvm_host_checks_timestamp_seconds (when the checks ran: unix_time).
std::string readiness_metrics(const DoctorReport& report, long long unix_time);

// kvm_host_last_apply_timestamp_seconds (when it ran, whatever came of it) and kvm_host_last_apply_success (1 when
// every section it ran converged, 0 when one failed, was rolled back or the run was interrupted).
std::string apply_metrics(bool success, long long unix_time);

}  // namespace agent
