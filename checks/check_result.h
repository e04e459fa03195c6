#pragma once
// What a check says: status, one line of evidence, and for anything but PASS the exact fix.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace checks {

enum class Status { pass, warn, fail, skip, error };

std::string_view to_string(Status status);
std::optional<Status> status_from_string(std::string_view text);

struct Outcome {
    Status status = Status::pass;
    std::string evidence;
    std::string fix;
};

struct CheckResult {
    std::string id;
    std::string title;
    Status status = Status::pass;
    std::string evidence;
    std::string fix;
    std::chrono::milliseconds duration{0};
};

enum class Verdict { ready, degraded, not_ready };

std::string_view to_string(Verdict verdict);
// READY: no FAIL/WARN/ERROR; DEGRADED: WARN or ERROR only (an unreadable input proves nothing either
// way, so it can't be READY); NOT_READY: any FAIL. SKIP does not count.
Verdict verdict_of(const std::vector<CheckResult>& results);

inline Outcome pass(std::string evidence) { return {Status::pass, std::move(evidence), {}}; }
inline Outcome warn(std::string evidence, std::string fix) {
    return {Status::warn, std::move(evidence), std::move(fix)};
}
inline Outcome fail(std::string evidence, std::string fix) {
    return {Status::fail, std::move(evidence), std::move(fix)};
}
inline Outcome skip(std::string reason) { return {Status::skip, std::move(reason), {}}; }
inline Outcome error(std::string reason) {
    return {Status::error, std::move(reason), "make the input readable, then run the check again"};
}

}  // namespace checks
