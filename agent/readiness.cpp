#include "agent/readiness.h"

#include <systemd/sd-journal.h>

#include <ctime>
#include <fstream>
#include <sstream>

#include "agent/report_render.h"
#include "host/files/atomic_file.h"

namespace agent {

namespace fs = std::filesystem;

namespace {

std::string utc(long long unix_time) {
    const std::time_t when = static_cast<std::time_t>(unix_time);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&when));
    return text;
}

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

void journal(const DoctorReport& report) {
    const std::string verdict(checks::to_string(report.verdict));
    sd_journal_send("MESSAGE=kvm-agent: host is %s", verdict.c_str(), "PRIORITY=%i",
                    report.verdict == checks::Verdict::ready ? LOG_INFO : LOG_WARNING, "KVM_HOST_VERDICT=%s",
                    verdict.c_str(), "SYSLOG_IDENTIFIER=kvm-agent", nullptr);
    for (const auto& check : report.results) {
        if (check.status == checks::Status::pass || check.status == checks::Status::skip) continue;
        const std::string status(checks::to_string(check.status));
        sd_journal_send("MESSAGE=kvm-agent: %s %s: %s", check.id.c_str(), status.c_str(), check.evidence.c_str(),
                        "PRIORITY=%i", check.status == checks::Status::warn ? LOG_NOTICE : LOG_WARNING,
                        "KVM_CHECK_ID=%s", check.id.c_str(), "KVM_CHECK_STATUS=%s", status.c_str(),
                        "KVM_CHECK_FIX=%s", check.fix.c_str(), "SYSLOG_IDENTIFIER=kvm-agent", nullptr);
    }
}

}  // namespace

nlohmann::json readiness_json(const DoctorReport& report, const ProvisionRun& run) {
    auto document = nlohmann::json::parse(render_json(report));
    nlohmann::json sections = nlohmann::json::array();
    for (const auto& section : run.sections) {
        nlohmann::json entry{{"section", section.section}, {"elapsed_ms", section.elapsed.count()}};
        if (section.outcome) {
            entry["changed"] = section.outcome->changed;
            entry["failures"] = section.outcome->failures;
            entry["notes"] = section.outcome->notes;
        }
        if (!section.error.empty()) entry["error"] = section.error;
        sections.push_back(std::move(entry));
    }
    document["apply"] = {{"at", utc(std::time(nullptr))},
                         {"sections", sections},
                         {"not_run", run.not_run},
                         {"failed", run.failed()}};
    return document;
}

std::string prometheus_text(const DoctorReport& report, long long unix_time) {
    std::string text;
    text += "# HELP kvm_host_ready 1 when the host is a READY KVM host, 0 otherwise.\n# TYPE kvm_host_ready gauge\n";
    text += "kvm_host_ready " + std::string(report.verdict == checks::Verdict::ready ? "1" : "0") + "\n";
    text += "# HELP kvm_host_verdict The host's verdict (READY, DEGRADED, NOT_READY).\n# TYPE kvm_host_verdict gauge\n";
    for (const auto verdict : {checks::Verdict::ready, checks::Verdict::degraded, checks::Verdict::not_ready})
        text += "kvm_host_verdict{verdict=\"" + std::string(checks::to_string(verdict)) + "\"} " +
                (verdict == report.verdict ? "1" : "0") + "\n";
    text += "# HELP kvm_host_check_status 1 for each check's current status.\n# TYPE kvm_host_check_status gauge\n";
    for (const auto& check : report.results)
        text += "kvm_host_check_status{id=\"" + label(check.id) + "\",status=\"" +
                std::string(checks::to_string(check.status)) + "\"} 1\n";
    text += "# HELP kvm_host_last_apply_timestamp_seconds When kvm-agent last applied the profile.\n"
            "# TYPE kvm_host_last_apply_timestamp_seconds gauge\n";
    text += "kvm_host_last_apply_timestamp_seconds " + std::to_string(unix_time) + "\n";
    return text;
}

common::Result<std::vector<std::string>> publish_readiness(const DoctorReport& report, const ProvisionRun& run,
                                                           const std::string& text_report, const ReadinessPaths& paths) {
    // Our own state files need no backup of their previous version: they are reports, rewritten each run.
    host::files::AtomicFiles files("/", (paths.state_dir / "backup").string());
    std::vector<std::string> written;
    const auto write = [&](const fs::path& path, const std::string& content) -> common::Result<std::monostate> {
        auto change = files.write(path.string(), content, 0644);
        if (!change) return change.error();
        written.push_back(path.string());
        return std::monostate{};
    };
    if (auto done = write(paths.state_dir / "readiness.json", readiness_json(report, run).dump(2) + "\n"); !done)
        return done.error();
    if (auto done = write(paths.state_dir / "readiness.txt", text_report); !done) return done.error();
    const auto metrics = prometheus_text(report, static_cast<long long>(std::time(nullptr)));
    if (auto done = write(paths.state_dir / "kvm_host.prom", metrics); !done) return done.error();
    std::error_code ec;
    if (fs::is_directory(paths.textfile_dir, ec))
        if (auto done = write(paths.textfile_dir / "kvm_host.prom", metrics); !done) return done.error();
    journal(report);
    return written;
}

std::optional<int> show_last_report(const std::filesystem::path& state_dir, bool json, std::ostream& out) {
    std::ifstream report(state_dir / (json ? "readiness.json" : "readiness.txt"));
    std::ifstream document(state_dir / "readiness.json");
    if (!report || !document) return std::nullopt;
    std::stringstream text, raw;
    text << report.rdbuf();
    raw << document.rdbuf();
    const auto parsed = nlohmann::json::parse(raw.str(), nullptr, false);
    if (!parsed.is_object()) return std::nullopt;
    if (!json && parsed.contains("apply"))
        out << "Last apply: " << parsed["apply"].value("at", "?") << " (kvm-agent status --live checks now)\n";
    out << text.str();
    const std::string verdict = parsed.value("verdict", "");
    return verdict == "READY" ? 0 : verdict == "DEGRADED" ? 1 : verdict == "NOT_READY" ? 2 : 3;
}

common::Result<std::string> write_firstboot_stamp(const ReadinessPaths& paths) {
    host::files::AtomicFiles files("/", (paths.state_dir / "backup").string());
    const auto path = paths.state_dir / "firstboot.done";
    auto change = files.write(path.string(), utc(std::time(nullptr)) + "\n", 0644);
    if (!change) return change.error();
    return path.string();
}

}  // namespace agent
