#pragma once
// Durations as admins write them: "60s", "2m", "1m30s", "500ms", "1h".
#include <chrono>
#include <optional>
#include <string_view>

namespace profile {

// One or more NUMBER UNIT pairs (units h, m, s, ms; largest first, each at most once); a bare number is
// seconds. Nothing else: no spaces, signs, fractions or zero total. At most 7 days.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace profile
