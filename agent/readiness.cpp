#include "agent/readiness.h"

#include <ctime>
#include <fstream>
#include <sstream>

#include "agent/journal_events.h"
#include "agent/metrics.h"
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

void journal(const DoctorReport& report) {
    host::journal::write(verdict_entry(report), k_journal_identifier);
    for (const auto& entry : check_entries(report)) host::journal::write(entry, k_journal_identifier);
}

}  // namespace

nlohmann::json readiness_json(const DoctorReport& report, const ProvisionRun& run, const std::vector<std::string>& checked) {
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
                         {"failed", run.failed()},
                         {"checked", checked}};
    return document;
}

common::Result<std::vector<std::string>> publish_readiness(const DoctorReport& report, const ProvisionRun& run,
                                                           const std::vector<std::string>& checked,
                                                           const std::string& text_report, const ReadinessPaths& paths) {
    // Reports, rewritten each run: replaced whole, with no backup of the previous version.
    std::vector<std::string> written;
    const auto write = [&](const fs::path& path, const std::string& content) -> common::Result<std::monostate> {
        if (auto published = host::files::publish_file(path, content, 0644); !published) return published.error();
        written.push_back(path.string());
        return std::monostate{};
    };
    if (auto done = write(paths.state_dir / "readiness.json", readiness_json(report, run, checked).dump(2) + "\n"); !done)
        return done.error();
    if (auto done = write(paths.state_dir / "readiness.txt", text_report); !done) return done.error();
    const auto now = static_cast<long long>(std::time(nullptr));
    const auto readiness = readiness_metrics(report, now);
    const auto applied = apply_metrics(!run.failed() && !run.input_error(), now);
    std::vector<fs::path> directories = {paths.state_dir};
    std::error_code ec;
    if (fs::is_directory(paths.textfile_dir, ec)) directories.push_back(paths.textfile_dir);
    for (const auto& directory : directories) {
        if (auto done = write(directory / k_readiness_metrics_file, readiness); !done) return done.error();
        if (auto done = write(directory / k_apply_metrics_file, applied); !done) return done.error();
    }
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
    // Written once: it keeps the time of the first apply that ended READY, and a re-apply writes nothing.
    auto existing = files.read(path.string());
    if (!existing) return existing.error();
    if (existing.value()) return path.string();
    auto change = files.write(path.string(), utc(std::time(nullptr)) + "\n", 0644);
    if (!change) return change.error();
    return path.string();
}

}  // namespace agent
