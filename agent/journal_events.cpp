#include "agent/journal_events.h"

#include <syslog.h>

#include "common/text.h"

namespace agent {
namespace {

host::journal::Entry entry(int priority, std::string message, std::string_view id) {
    host::journal::Entry out;
    out.priority = priority;
    out.message = "kvm-agent: " + std::move(message);
    out.fields.emplace_back("MESSAGE_ID", std::string(id));
    return out;
}

}  // namespace

host::journal::Entry apply_started_entry(const std::string& profile, const std::vector<std::string>& sections) {
    const std::string listed = common::join(sections, ",");
    auto out = entry(LOG_INFO, "apply of " + profile + " started: " + (listed.empty() ? "no section" : listed),
                     k_message_apply_started);
    out.fields.emplace_back("KVM_PROFILE", profile);
    out.fields.emplace_back("KVM_SECTIONS", listed);
    return out;
}

host::journal::Entry step_entry(std::size_t index, std::size_t count, const SectionRun& section) {
    const std::string step = std::to_string(index) + "/" + std::to_string(count);
    const std::string elapsed = std::to_string(section.elapsed.count());
    host::journal::Entry out;
    if (section.failed()) {
        std::vector<std::string> why;
        if (!section.error.empty()) why.push_back(section.error);
        if (section.outcome) why.insert(why.end(), section.outcome->failures.begin(), section.outcome->failures.end());
        const std::string error = common::join(why, "; ");
        out = entry(LOG_ERR, "step " + step + " " + section.section + " failed: " + error, k_message_step_failed);
        out.fields.emplace_back("KVM_ERROR", error);
    } else {
        const std::size_t changed = section.outcome ? section.outcome->changed.size() : 0;
        out = entry(LOG_INFO,
                    "step " + step + " " + section.section + " done: " +
                        (changed == 0 ? std::string("nothing to change") : std::to_string(changed) + " change(s)") +
                        " in " + elapsed + " ms",
                    k_message_step_done);
        out.fields.emplace_back("KVM_CHANGED", std::to_string(changed));
    }
    out.fields.emplace_back("KVM_SECTION", section.section);
    out.fields.emplace_back("KVM_STEP", step);
    out.fields.emplace_back("KVM_ELAPSED_MS", elapsed);
    return out;
}

host::journal::Entry rolled_back_entry(const std::string& section, bool in_full, const std::vector<std::string>& why) {
    const std::string error = common::join(why, "; ");
    auto out = in_full ? entry(LOG_WARNING, section + " change rolled back: " + error, k_message_rolled_back)
                       : entry(LOG_CRIT, section + " change failed and rolling it back failed too: " + error +
                                             ": the host needs an admin",
                               k_message_rolled_back);
    out.fields.emplace_back("KVM_SECTION", section);
    out.fields.emplace_back("KVM_ROLLBACK", in_full ? "done" : "failed");
    out.fields.emplace_back("KVM_ERROR", error);
    return out;
}

host::journal::Entry verdict_entry(const DoctorReport& report) {
    const std::string verdict(checks::to_string(report.verdict));
    const int priority = report.verdict == checks::Verdict::ready      ? LOG_INFO
                         : report.verdict == checks::Verdict::degraded ? LOG_WARNING
                                                                       : LOG_ERR;
    auto out = entry(priority, "host is " + verdict, k_message_verdict);
    out.fields.emplace_back("KVM_HOST_VERDICT", verdict);
    const auto counts = status_counts(report);
    for (const auto status : {checks::Status::pass, checks::Status::warn, checks::Status::fail, checks::Status::error,
                              checks::Status::skip}) {
        const auto found = counts.find(status);
        out.fields.emplace_back("KVM_CHECKS_" + std::string(checks::to_string(status)),
                                std::to_string(found == counts.end() ? 0 : found->second));
    }
    return out;
}

std::vector<host::journal::Entry> check_entries(const DoctorReport& report) {
    std::vector<host::journal::Entry> out;
    for (const auto& check : report.results) {
        if (check.status == checks::Status::pass || check.status == checks::Status::skip) continue;
        const std::string status(checks::to_string(check.status));
        auto one = entry(check.status == checks::Status::fail ? LOG_ERR : LOG_WARNING,
                         check.id + " " + status + ": " + check.evidence, k_message_check);
        one.fields.emplace_back("KVM_CHECK_ID", check.id);
        one.fields.emplace_back("KVM_CHECK_STATUS", status);
        one.fields.emplace_back("KVM_CHECK_FIX", check.fix);
        out.push_back(std::move(one));
    }
    return out;
}

}  // namespace agent
