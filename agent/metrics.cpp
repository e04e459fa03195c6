#include "agent/metrics.h"

#include <cstdio>

#include "agent/version.h"

namespace agent {
namespace {

// Label values escape backslash, double quote and newline (the exposition format's rule).
std::string label(std::string_view value) {
    std::string out;
    for (const char c : value) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

std::string header(const char* name, const char* help) {
    return std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " gauge\n";
}

std::string seconds(std::chrono::milliseconds duration) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3f", static_cast<double>(duration.count()) / 1000.0);
    return text;
}

}  // namespace

std::string readiness_metrics(const DoctorReport& report, long long unix_time) {
    std::string text = header("kvm_host_build_info", "The kvm-host-agent version that wrote these metrics; always 1.");
    text += "kvm_host_build_info{version=\"" + label(k_version) + "\"} 1\n";
    text += header("kvm_host_ready", "1 when the host is a READY KVM host, 0 otherwise.");
    text += "kvm_host_ready " + std::string(report.verdict == checks::Verdict::ready ? "1" : "0") + "\n";
    text += header("kvm_host_verdict", "1 for the host's verdict (READY, DEGRADED, NOT_READY), 0 for the others.");
    for (const auto verdict : {checks::Verdict::ready, checks::Verdict::degraded, checks::Verdict::not_ready})
        text += "kvm_host_verdict{verdict=\"" + std::string(checks::to_string(verdict)) + "\"} " +
                (verdict == report.verdict ? "1" : "0") + "\n";
    text += header("kvm_host_check_status", "1 for each check's current status.");
    for (const auto& check : report.results)
        text += "kvm_host_check_status{id=\"" + label(check.id) + "\",status=\"" +
                std::string(checks::to_string(check.status)) + "\"} 1\n";
    text += header("kvm_host_check_duration_seconds", "How long each check took, reading its inputs included.");
    for (const auto& check : report.results)
        text += "kvm_host_check_duration_seconds{id=\"" + label(check.id) + "\"} " + seconds(check.duration) + "\n";
    text += header("kvm_host_checks_timestamp_seconds", "When the checks ran (Unix time).");
    text += "kvm_host_checks_timestamp_seconds " + std::to_string(unix_time) + "\n";
    return text;
}

std::string apply_metrics(bool success, long long unix_time) {
    std::string text = header("kvm_host_last_apply_timestamp_seconds",
                              "When kvm-agent last applied the profile (Unix time), whatever came of it.");
    text += "kvm_host_last_apply_timestamp_seconds " + std::to_string(unix_time) + "\n";
    text += header("kvm_host_last_apply_success",
                   "1 when the last apply converged every section it ran, 0 when one failed or was rolled back.");
    text += "kvm_host_last_apply_success " + std::string(success ? "1" : "0") + "\n";
    return text;
}

}  // namespace agent
