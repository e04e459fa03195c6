#include "checks/check_result.h"

namespace checks {

std::string_view to_string(Status status) {
    switch (status) {
        case Status::pass: return "PASS";
        case Status::warn: return "WARN";
        case Status::fail: return "FAIL";
        case Status::skip: return "SKIP";
        case Status::error: return "ERROR";
    }
    return "ERROR";
}

std::optional<Status> status_from_string(std::string_view text) {
    for (auto status : {Status::pass, Status::warn, Status::fail, Status::skip, Status::error})
        if (to_string(status) == text) return status;
    return std::nullopt;
}

std::string_view to_string(Verdict verdict) {
    switch (verdict) {
        case Verdict::ready: return "READY";
        case Verdict::degraded: return "DEGRADED";
        case Verdict::not_ready: return "NOT_READY";
    }
    return "NOT_READY";
}

Verdict verdict_of(const std::vector<CheckResult>& results) {
    Verdict verdict = Verdict::ready;
    for (const auto& result : results) {
        if (result.status == Status::fail) return Verdict::not_ready;
        if (result.status == Status::warn || result.status == Status::error) verdict = Verdict::degraded;
    }
    return verdict;
}

}  // namespace checks
