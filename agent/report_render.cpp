#include "agent/report_render.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>

#include "checks/catalogue.h"
#include "common/text.h"

namespace agent {
namespace {

const char* color_of(checks::Status status) {
    switch (status) {
        case checks::Status::pass: return "\033[32m";
        case checks::Status::warn: return "\033[33m";
        case checks::Status::fail: return "\033[31m";
        case checks::Status::error: return "\033[35m";
        case checks::Status::skip: return "\033[36m";
    }
    return "";
}

constexpr checks::Status k_status_order[] = {checks::Status::pass, checks::Status::warn, checks::Status::fail,
                                             checks::Status::error, checks::Status::skip};

// "11 PASS, 4 WARN, 4 FAIL, 2 ERROR, 11 SKIP"
std::string counted(std::map<checks::Status, int> counts) {
    std::string out;
    for (auto status : k_status_order)
        out += std::string(out.empty() ? "" : ", ") + std::to_string(counts[status]) + " " +
               std::string(checks::to_string(status));
    return out;
}

std::string pad(std::string text, std::size_t width) {
    if (text.size() < width) text.append(width - text.size(), ' ');
    return text;
}

}  // namespace

std::string render_text(const DoctorReport& report, const TextStyle& style) {
    std::size_t id_width = 0, title_width = 0;
    for (const auto& result : report.results) {
        id_width = std::max(id_width, result.id.size());
        title_width = std::max(title_width, result.title.size());
    }
    std::string out;
    for (const auto& result : report.results) {
        if (style.quiet && result.status == checks::Status::pass) continue;
        const std::string status(checks::to_string(result.status));
        out += "  " + pad(result.id, id_width) + "  " + pad(result.title, title_width) + " : ";
        out += style.color ? std::string(color_of(result.status)) + status + "\033[0m" : status;
        out += "\n";
        if (result.status != checks::Status::pass || style.verbose) {
            // Evidence quotes the host: whatever a check let through, no control character reaches the terminal.
            constexpr auto k_whole = std::string_view::npos;
            if (!result.evidence.empty()) out += "      " + common::escape_controls(result.evidence, k_whole) + "\n";
            const bool needs_fix = result.status != checks::Status::pass && result.status != checks::Status::skip;
            if (!result.fix.empty() && needs_fix) out += "      fix: " + common::escape_controls(result.fix, k_whole) + "\n";
        }
    }
    const std::string verdict(checks::to_string(report.verdict));
    out += "Verdict: ";
    if (style.color) {
        const auto status = report.verdict == checks::Verdict::ready      ? checks::Status::pass
                            : report.verdict == checks::Verdict::degraded ? checks::Status::warn
                                                                          : checks::Status::fail;
        out += std::string(color_of(status)) + verdict + "\033[0m";
    } else {
        out += verdict;
    }
    out += " (" + counted(status_counts(report)) + ")\n";
    return out;
}

std::string render_nagios(const DoctorReport& report) {
    auto counts = status_counts(report);
    std::chrono::milliseconds duration{0};
    for (const auto& result : report.results) duration += result.duration;
    static constexpr const char* k_state[] = {"OK", "WARNING", "CRITICAL"};
    std::string out = std::string("KVM-HOST ") + k_state[exit_code_for(report.verdict)] + " - " +
                      std::string(checks::to_string(report.verdict)) + ": " + counted(counts) + " |";
    for (auto status : k_status_order) {
        std::string label(checks::to_string(status));
        std::transform(label.begin(), label.end(), label.begin(), [](unsigned char c) { return std::tolower(c); });
        out += " " + label + "=" + std::to_string(counts[status]);
    }
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.3f", static_cast<double>(duration.count()) / 1000.0);
    out += std::string(" duration=") + seconds + "s\n";
    // The long text: what is wrong, worst first. '|' would start perfdata there too.
    for (auto status : {checks::Status::fail, checks::Status::error, checks::Status::warn}) {
        for (const auto& result : report.results) {
            if (result.status != status) continue;
            std::string line = std::string(checks::to_string(status)) + " " + result.id + ": " + result.evidence;
            if (!result.fix.empty()) line += " (fix: " + result.fix + ")";
            line = common::escape_controls(line, std::string_view::npos);
            std::replace(line.begin(), line.end(), '|', '/');
            out += line + "\n";
        }
    }
    return out;
}

std::string render_json(const DoctorReport& report) {
    nlohmann::ordered_json checks_array = nlohmann::ordered_json::array();
    for (const auto& result : report.results) {
        checks_array.push_back({{"id", result.id},
                                {"title", result.title},
                                {"status", std::string(checks::to_string(result.status))},
                                {"evidence", result.evidence},
                                {"fix", result.fix},
                                {"duration_ms", result.duration.count()}});
    }
    nlohmann::ordered_json document = {{"version", 1},
                                       {"verdict", std::string(checks::to_string(report.verdict))},
                                       {"checks", checks_array}};
    // Evidence quotes host files, which may hold invalid UTF-8: replace it rather than throw.
    return document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string render_catalogue_json() {
    nlohmann::ordered_json checks_array = nlohmann::ordered_json::array();
    for (const auto& spec : checks::catalogue())
        checks_array.push_back(
            {{"id", std::string(spec.id)}, {"title", std::string(spec.title)}, {"opt_in", spec.opt_in}});
    return nlohmann::ordered_json{{"version", 1}, {"checks", checks_array}}.dump(2) + "\n";
}

std::string render_catalogue() {
    std::size_t width = 0;
    for (const auto& spec : checks::catalogue()) width = std::max(width, spec.id.size());
    std::string out;
    for (const auto& spec : checks::catalogue())
        out += pad(std::string(spec.id), width) + "  " + std::string(spec.title) +
               (spec.opt_in ? " (opt-in: runs only when named, or with --smoke)" : "") + "\n";
    return out;
}

}  // namespace agent
